//! Who and what exists: users, workspaces and repositories from the seed. Repositories are
//! bare git repositories under the data directory and are reused when it already has them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::git::{normalize_path, Change, GitRepo, Signature};
use crate::seed::{self, Seed};

#[derive(Debug)]
pub struct UserRecord {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub uuid: String,
    pub account_id: String,
}

#[derive(Debug)]
pub struct WorkspaceRecord {
    pub slug: String,
    pub name: String,
    pub uuid: String,
    /// username → administrator
    pub members: BTreeMap<String, bool>,
    pub repositories: Vec<Arc<RepoRecord>>,
}

#[derive(Debug)]
pub struct RepoRecord {
    pub workspace: String,
    pub slug: String,
    pub uuid: String,
    pub is_private: bool,
    pub created_on: String,
    /// Changes when the first commit of an empty repository names a branch.
    pub main_branch: RwLock<String>,
    pub git: GitRepo,
    /// Serialises commits so the check of a branch tip and the move of it cannot interleave.
    pub write_lock: tokio::sync::Mutex<()>,
}

impl RepoRecord {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.workspace, self.slug)
    }

    pub fn main_branch(&self) -> String {
        self.main_branch
            .read()
            .map(|b| b.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    pub fn set_main_branch(&self, branch: &str) {
        let mut guard = self
            .main_branch
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = branch.to_owned();
    }
}

#[derive(Debug)]
pub struct Directory {
    pub users: Vec<UserRecord>,
    pub workspaces: Vec<WorkspaceRecord>,
}

/// Stable ids: the same seed gives the same uuids across restarts and test runs.
fn stable_uuid(kind: &str, name: &str) -> String {
    let id = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("bitbucket-sandbox:{kind}:{name}").as_bytes(),
    );
    format!("{{{id}}}")
}

/// `{uuid}` in a URL may stand for a slug, as on Bitbucket.
fn matches_key(slug: &str, uuid: &str, key: &str) -> bool {
    slug == key || uuid.eq_ignore_ascii_case(key)
}

impl Directory {
    pub async fn build(seed: &Seed, data_dir: &Path, now: &str) -> Result<Self> {
        let mut users = Vec::new();
        for user in &seed.users {
            if users.iter().any(|u: &UserRecord| {
                u.username == user.username || u.email.eq_ignore_ascii_case(&user.email)
            }) {
                return Err(Error::Seed(format!(
                    "user `{}` or its email is seeded twice",
                    user.username
                )));
            }
            let uuid = stable_uuid("user", &user.username);
            let display_name = if user.display_name.is_empty() {
                user.username.clone()
            } else {
                user.display_name.clone()
            };
            users.push(UserRecord {
                username: user.username.clone(),
                email: user.email.clone(),
                display_name,
                account_id: format!("557058:{}", uuid.trim_matches(['{', '}'])),
                uuid,
            });
        }
        let mut workspaces = Vec::new();
        for workspace in &seed.workspaces {
            workspaces.push(build_workspace(workspace, &users, data_dir, now).await?);
        }
        Ok(Directory { users, workspaces })
    }

    pub fn user(&self, username: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.username == username)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&UserRecord> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn workspace(&self, key: &str) -> Option<&WorkspaceRecord> {
        self.workspaces
            .iter()
            .find(|w| matches_key(&w.slug, &w.uuid, key))
    }

    pub fn repository(
        &self,
        workspace: &str,
        slug: &str,
    ) -> Option<(&WorkspaceRecord, Arc<RepoRecord>)> {
        let workspace = self.workspace(workspace)?;
        let repo = workspace
            .repositories
            .iter()
            .find(|r| matches_key(&r.slug, &r.uuid, slug))?;
        Some((workspace, repo.clone()))
    }
}

async fn build_workspace(
    workspace: &seed::Workspace,
    users: &[UserRecord],
    data_dir: &Path,
    now: &str,
) -> Result<WorkspaceRecord> {
    let mut members = BTreeMap::new();
    for member in &workspace.members {
        if !users.iter().any(|u| u.username == member.username) {
            return Err(Error::Seed(format!(
                "workspace `{}` lists unknown member `{}`",
                workspace.slug, member.username
            )));
        }
        members.insert(member.username.clone(), member.admin);
    }
    let mut repositories = Vec::new();
    for repo in &workspace.repositories {
        if repositories
            .iter()
            .any(|r: &Arc<RepoRecord>| r.slug == repo.slug)
        {
            return Err(Error::Seed(format!(
                "repository `{}/{}` is seeded twice",
                workspace.slug, repo.slug
            )));
        }
        repositories.push(Arc::new(
            build_repository(&workspace.slug, repo, data_dir, now).await?,
        ));
    }
    Ok(WorkspaceRecord {
        slug: workspace.slug.clone(),
        name: if workspace.name.is_empty() {
            workspace.slug.clone()
        } else {
            workspace.name.clone()
        },
        uuid: stable_uuid("workspace", &workspace.slug),
        members,
        repositories,
    })
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('.')
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

async fn build_repository(
    workspace: &str,
    repo: &seed::Repository,
    data_dir: &Path,
    now: &str,
) -> Result<RepoRecord> {
    if !valid_slug(workspace) || !valid_slug(&repo.slug) {
        return Err(Error::Seed(format!(
            "`{workspace}/{}` is not a valid workspace/repository slug",
            repo.slug
        )));
    }
    let path = data_dir
        .join("repositories")
        .join(workspace)
        .join(format!("{}.git", repo.slug));
    let (git, created) = GitRepo::open_or_init(&path, &repo.main_branch).await?;
    if !git.is_valid_branch_name(&repo.main_branch).await {
        return Err(Error::Seed(format!(
            "`{}` is not a valid branch name",
            repo.main_branch
        )));
    }
    if created {
        seed_initial_commit(&git, repo).await?;
    }
    Ok(RepoRecord {
        workspace: workspace.to_owned(),
        slug: repo.slug.clone(),
        uuid: stable_uuid("repository", &format!("{workspace}/{}", repo.slug)),
        is_private: repo.is_private,
        created_on: now.to_owned(),
        main_branch: RwLock::new(repo.main_branch.clone()),
        git,
        write_lock: tokio::sync::Mutex::new(()),
    })
}

async fn seed_initial_commit(git: &GitRepo, repo: &seed::Repository) -> Result<()> {
    let changes: Vec<Change> = match &repo.files {
        None => vec![Change::Write {
            path: "README.md".into(),
            bytes: format!("# {}\n", repo.slug).into_bytes(),
        }],
        Some(files) => files
            .iter()
            .map(|(path, content)| {
                let path = normalize_path(path)
                    .ok_or_else(|| Error::Seed(format!("`{path}` is not a valid file path")))?;
                Ok(Change::Write {
                    path,
                    bytes: content.clone().into_bytes(),
                })
            })
            .collect::<Result<_>>()?,
    };
    if changes.is_empty() {
        return Ok(());
    }
    let author = Signature {
        name: "Bitbucket Sandbox".into(),
        email: "sandbox@bitbucket.invalid".into(),
    };
    let commit = git
        .write_commit(None, &changes, &author, "Initial commit\n")
        .await?
        .ok_or_else(|| Error::Seed(format!("repository `{}` has no initial content", repo.slug)))?;
    git.compare_and_swap_branch(&repo.main_branch, &commit, None)
        .await?;
    Ok(())
}
