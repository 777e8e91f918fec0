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

/// One entry of a directory listing (`GET …/src/{commit}/{path}/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// From the repository's root, without a trailing `/`: `postman/collections/a.json`.
    pub path: String,
    pub kind: EntryKind,
    /// The commit the listing was read at, when Bitbucket names it.
    pub commit: Option<CommitHash>,
}

/// `commit_file` or `commit_directory` (a submodule is a `File` with the `subrepository`
/// attribute, which Ferry does not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum EntryKind {
    #[serde(rename = "commit_file")]
    File,
    #[serde(rename = "commit_directory")]
    Directory,
}

/// One file that differs between two commits, as `diffstat` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub status: ChangeStatus,
    /// The path before: `None` for an added file.
    pub old_path: Option<String>,
    /// The path after: `None` for a removed file.
    pub new_path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Added,
    Removed,
    Modified,
    /// Moved (possibly changed too): `old_path` and `new_path` both set.
    Renamed,
}

/// Who made a commit and why, as `GET …/commit/{hash}` tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub hash: CommitHash,
    /// The author as git recorded it: `Name <email>`.
    pub author_raw: String,
    pub message: String,
    /// RFC 3339.
    pub date: Option<String>,
}

impl CommitInfo {
    /// The author's name without the address (`Name` of `Name <email>`), or the raw text when
    /// it has no address.
    pub fn author_name(&self) -> &str {
        let name = self
            .author_raw
            .split_once('<')
            .map_or(self.author_raw.as_str(), |(name, _)| name)
            .trim();
        if name.is_empty() {
            self.author_raw.trim()
        } else {
            name
        }
    }
}

/// A tag of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    /// The commit it names.
    pub target: CommitHash,
    /// Annotated tags only (lightweight tags pushed with git have neither).
    pub message: Option<String>,
    /// When an annotated tag was made, RFC 3339.
    pub date: Option<String>,
}

/// A repository webhook subscription. Its secret is write-only: Bitbucket never shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `{…}`-braced, as [`BitbucketClient::delete_hook`](crate::BitbucketClient::delete_hook) takes it.
    pub uuid: String,
    pub url: String,
    pub description: String,
    pub active: bool,
    /// Event keys, e.g. `repo:push`.
    pub events: Vec<String>,
}

/// A `repo:push` delivery: the branches and tags one push created, moved or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    /// `workspace/slug` as it is now.
    pub repository: String,
    /// `{…}`-braced, stable across renames.
    pub repository_uuid: Option<String>,
    /// Branches and tags only: changes to other kinds of refs are left out.
    pub changes: Vec<RefChange>,
}

/// One ref's change: `old` is `None` when it was created, `new` when it was deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefChange {
    pub old: Option<RefTarget>,
    pub new: Option<RefTarget>,
    /// The ref moved to a commit that does not descend from the old one (history rewritten).
    pub forced: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefTarget {
    pub kind: RefKind,
    pub name: String,
    /// The commit the ref points at (a tag's commit, not its tag object).
    pub hash: CommitHash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Branch,
    Tag,
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

    #[derive(Debug, Deserialize)]
    pub struct TreeEntry {
        #[serde(rename = "type")]
        pub kind: super::EntryKind,
        pub path: String,
        #[serde(default)]
        pub commit: Option<Target>,
    }

    impl From<TreeEntry> for super::TreeEntry {
        fn from(entry: TreeEntry) -> Self {
            super::TreeEntry {
                path: entry.path,
                kind: entry.kind,
                commit: entry.commit.map(|commit| commit.hash),
            }
        }
    }

    /// Bitbucket sends `null` for the side a file does not have; the spec (and so the
    /// sandbox) leaves the key out. Both read as `None`.
    #[derive(Debug, Deserialize)]
    pub struct DiffStat {
        pub status: super::ChangeStatus,
        #[serde(default)]
        pub old: Option<CommitFile>,
        #[serde(default)]
        pub new: Option<CommitFile>,
    }

    #[derive(Debug, Deserialize)]
    pub struct CommitFile {
        pub path: String,
    }

    impl From<DiffStat> for super::FileChange {
        fn from(stat: DiffStat) -> Self {
            super::FileChange {
                status: stat.status,
                old_path: stat.old.map(|file| file.path),
                new_path: stat.new.map(|file| file.path),
            }
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Commit {
        pub hash: CommitHash,
        pub author: Author,
        #[serde(default)]
        pub message: String,
        #[serde(default)]
        pub date: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Author {
        #[serde(default)]
        pub raw: String,
    }

    impl From<Commit> for super::CommitInfo {
        fn from(commit: Commit) -> Self {
            super::CommitInfo {
                hash: commit.hash,
                author_raw: commit.author.raw,
                message: commit.message,
                date: commit.date,
            }
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Tag {
        pub name: String,
        pub target: Target,
        #[serde(default)]
        pub message: Option<String>,
        #[serde(default)]
        pub date: Option<String>,
    }

    impl From<Tag> for super::Tag {
        fn from(tag: Tag) -> Self {
            super::Tag {
                name: tag.name,
                target: tag.target.hash,
                message: tag.message,
                date: tag.date,
            }
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Hook {
        pub uuid: String,
        pub url: String,
        #[serde(default)]
        pub description: String,
        pub active: bool,
        #[serde(default)]
        pub events: Vec<String>,
    }

    impl From<Hook> for super::Hook {
        fn from(hook: Hook) -> Self {
            super::Hook {
                uuid: hook.uuid,
                url: hook.url,
                description: hook.description,
                active: hook.active,
                events: hook.events,
            }
        }
    }

    /// The parts of a `repo:push` payload Ferry reads.
    #[derive(Debug, Deserialize)]
    pub struct PushPayload {
        pub repository: PushRepository,
        pub push: Push,
    }

    #[derive(Debug, Deserialize)]
    pub struct PushRepository {
        pub full_name: String,
        #[serde(default)]
        pub uuid: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Push {
        pub changes: Vec<PushChange>,
    }

    #[derive(Debug, Deserialize)]
    pub struct PushChange {
        #[serde(default)]
        pub old: Option<PushedRef>,
        #[serde(default)]
        pub new: Option<PushedRef>,
        #[serde(default)]
        pub forced: bool,
    }

    #[derive(Debug, Deserialize)]
    pub struct PushedRef {
        #[serde(rename = "type")]
        pub kind: String,
        pub name: String,
        pub target: Target,
    }

    impl PushedRef {
        /// `None` for kinds Ferry does not follow (Mercurial's `named_branch`, `bookmark`).
        fn known(self) -> Option<super::RefTarget> {
            let kind = match self.kind.as_str() {
                "branch" => super::RefKind::Branch,
                "tag" | "annotated_tag" => super::RefKind::Tag,
                _ => return None,
            };
            Some(super::RefTarget {
                kind,
                name: self.name,
                hash: self.target.hash,
            })
        }
    }

    impl From<PushPayload> for super::PushEvent {
        fn from(payload: PushPayload) -> Self {
            let changes = payload
                .push
                .changes
                .into_iter()
                .filter_map(|change| {
                    let known = |side: Option<PushedRef>| match side {
                        Some(side) => side.known().map(Some),
                        None => Some(None),
                    };
                    let (old, new) = (known(change.old)?, known(change.new)?);
                    (old.is_some() || new.is_some()).then_some(super::RefChange {
                        old,
                        new,
                        forced: change.forced,
                    })
                })
                .collect();
            super::PushEvent {
                repository: payload.repository.full_name,
                repository_uuid: payload.repository.uuid,
                changes,
            }
        }
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
