//! What Ferry reads from Bitbucket, in Ferry's terms, and the wire shapes they come from.

use std::fmt;

use serde::Deserialize;

/// The Bitbucket account behind a credential, as `verify` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccount {
    /// `{…}`-braced account uuid: stable across renames.
    pub uuid: String,
    /// The account's nickname (Bitbucket no longer exposes a username).
    pub username: String,
    pub display_name: String,
    pub workspaces: Vec<Workspace>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub slug: String,
    pub name: Option<String>,
    pub uuid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub slug: String,
    /// `workspace/slug`.
    pub full_name: String,
    pub name: String,
    /// `None` for an empty repository.
    pub main_branch: Option<String>,
    pub is_private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub name: String,
    pub tip: CommitHash,
}

/// A full 40-hex-digit git commit id, as Bitbucket names commits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitHash(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a commit hash: expected 40 hexadecimal digits")]
pub struct InvalidCommitHash(pub String);

impl CommitHash {
    pub fn parse(text: &str) -> Result<Self, InvalidCommitHash> {
        if text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(CommitHash(text.to_ascii_lowercase()))
        } else {
            Err(InvalidCommitHash(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommitHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CommitHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CommitHash::parse(&text).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod wire {
    //! The parts of Bitbucket's JSON that Ferry reads; everything else is ignored.

    use serde::Deserialize;

    use super::CommitHash;

    #[derive(Debug, Deserialize)]
    pub struct Account {
        pub uuid: String,
        pub nickname: String,
        pub display_name: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct WorkspaceAccess {
        pub workspace: Workspace,
    }

    #[derive(Debug, Deserialize)]
    pub struct Workspace {
        pub uuid: String,
        pub slug: String,
        #[serde(default)]
        pub name: Option<String>,
    }

    impl From<WorkspaceAccess> for super::Workspace {
        fn from(access: WorkspaceAccess) -> Self {
            let Workspace { uuid, slug, name } = access.workspace;
            super::Workspace { slug, name, uuid }
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Repository {
        pub slug: String,
        pub full_name: String,
        pub name: String,
        #[serde(default)]
        pub mainbranch: Option<BranchName>,
        pub is_private: bool,
    }

    #[derive(Debug, Deserialize)]
    pub struct BranchName {
        pub name: String,
    }

    impl From<Repository> for super::Repository {
        fn from(repo: Repository) -> Self {
            super::Repository {
                slug: repo.slug,
                full_name: repo.full_name,
                name: repo.name,
                main_branch: repo.mainbranch.map(|branch| branch.name),
                is_private: repo.is_private,
            }
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Branch {
        pub name: String,
        pub target: Target,
    }

    #[derive(Debug, Deserialize)]
    pub struct Target {
        pub hash: CommitHash,
    }

    impl From<Branch> for super::Branch {
        fn from(branch: Branch) -> Self {
            super::Branch {
                name: branch.name,
                tip: branch.target.hash,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_hashes_are_forty_hex_digits() {
        let hash = CommitHash::parse("0123456789ABCDEF0123456789abcdef01234567").unwrap();
        assert_eq!(hash.as_str(), "0123456789abcdef0123456789abcdef01234567");
        assert!(CommitHash::parse("0123abc").is_err());
        assert!(CommitHash::parse("g123456789abcdef0123456789abcdef01234567").is_err());
    }
}
