//! The first connection of an API to a repository branch. What only one side has is copied
//! to the other (Ferry's committed, the repository's imported); where both have a file and
//! they differ, the person chooses which side wins and the other side's content is kept as a
//! revision in Ferry. Then Ferry registers its `repo:push` webhook.

use rand::Rng;
use secrecy::{ExposeSecret, SecretSlice, SecretString};

use super::{
    files::{self, LocalFile},
    push::commit_author,
    remote::Remote,
    via_bitbucket, ApiSync, ApiSyncError,
};
use crate::{
    accounts::Actor,
    apis::{is_starter, short},
    auth::Permission,
    bitbucket::{CommitHash, EntryKind, HookSpec, REPO_PUSH},
    connected_accounts::ConnectedAccounts,
    crypto::SecretContext,
    postman::Collection,
    store::{
        api_sync::{ConnectionRow, NewLog, SyncFileRow},
        now_ms,
    },
    sync::CredentialStore,
};

/// Where collections go unless the person says otherwise (as Postman lays a repository out).
pub const DEFAULT_COLLECTIONS_DIR: &str = "postman/collections";
/// Where a definition goes unless the branch already has one there.
pub const DEFAULT_SCHEMAS_DIR: &str = "postman/schemas";
pub const DEFAULT_TAG_PATTERN: &str = "v{version}";
/// The path where Ferry receives a connection's webhook deliveries, followed by its hook id.
pub const HOOK_PATH: &str = "/webhooks/bitbucket/";
/// What the sealed hook secret is bound to.
pub const HOOK_SECRET_PURPOSE: &str = "api_connection.hook_secret";

/// Which side wins where both have a file and they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    Ferry,
    Repository,
}

/// The Connect repository form.
#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    pub account_id: String,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
    /// Empty: the definition the branch has in `postman/schemas/`, else
    /// `postman/schemas/index.<yaml|json>`.
    pub definition_path: String,
    /// Empty: [`DEFAULT_COLLECTIONS_DIR`].
    pub collections_dir: String,
    pub winner: Option<Winner>,
}

/// What a side holds for one file.
struct Theirs {
    path: String,
    /// The definition's text, or a collection's canonical JSON.
    content: String,
    collection: Option<Collection>,
}

impl<C: CredentialStore> ApiSync<'_, C> {
    /// Connects the API to the branch; answers the connection.
    pub async fn connect(
        &self,
        actor: &Actor,
        api_id: &str,
        request: ConnectRequest,
    ) -> Result<ConnectionRow, ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let (api, text) = self
            .store
            .api(&actor.team_id, api_id)
            .await?
            .ok_or(ApiSyncError::NotFound)?;
        if let Some(existing) = self.store.api_connection(&actor.team_id, api_id).await? {
            return Err(ApiSyncError::AlreadyConnected(format!(
                "{}/{}",
                existing.workspace, existing.repository
            )));
        }
        let workspace = required("workspace", &request.workspace, "choose a workspace")?;
        let repository = required("repository", &request.repository, "choose a repository")?;
        let branch = checked_branch(&request.branch)?;
        let collections_dir = match request.collections_dir.trim().trim_matches('/') {
            "" => DEFAULT_COLLECTIONS_DIR.to_owned(),
            dir => checked_path("collectionsDir", dir)?,
        };
        let definition_path = match request.definition_path.trim() {
            "" => None,
            path => {
                let path = checked_path("definitionPath", path.trim_start_matches('/'))?;
                if ![".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| path.ends_with(ext))
                {
                    return Err(super::field(
                        "definitionPath",
                        "name a .yaml, .yml or .json file, like postman/schemas/index.yaml".into(),
                    ));
                }
                Some(path)
            }
        };
        ConnectedAccounts::new(self.store, self.keyring)
            .get_usable(actor, &request.account_id)
            .await
            .map_err(|error| match error {
                crate::connected_accounts::ConnectedAccountError::NotFound => super::field(
                    "accountId",
                    "choose one of the team's connected accounts".into(),
                ),
                other => other.into(),
            })?;
        let account_id = request.account_id.clone();
        let remote = Remote::for_repository(
            self,
            &actor.team_id,
            &account_id,
            &workspace,
            &repository,
            4,
        )
        .await?;
        let result = self
            .connect_with(
                &remote,
                actor,
                api_id,
                &api,
                &text,
                workspace,
                repository,
                branch,
                definition_path,
                collections_dir,
                request,
            )
            .await;
        remote.settle(self, &account_id).await.ok();
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn connect_with(
        &self,
        remote: &Remote<'_>,
        actor: &Actor,
        api_id: &str,
        api: &crate::store::apis::ApiRow,
        text: &str,
        workspace: String,
        repository: String,
        branch: String,
        definition_path: Option<String>,
        collections_dir: String,
        request: ConnectRequest,
    ) -> Result<ConnectionRow, ApiSyncError> {
        let tip = remote.tip(&branch).await?.ok_or_else(|| {
            super::field(
                "branch",
                format!(
                    "{workspace}/{repository} has no branch {branch}; create it in Bitbucket, or choose another"
                ),
            )
        })?;
        let definition_path = match definition_path {
            Some(path) => path,
            None => self.find_definition(remote, &tip, api).await?,
        };
        let hook_id = uuid::Uuid::new_v4().simple().to_string();
        let secret = random_secret();
        let sealed = self.keyring.seal(
            &SecretContext {
                team_id: &actor.team_id,
                row_id: api_id,
                purpose: HOOK_SECRET_PURPOSE,
            },
            &SecretSlice::from(secret.expose_secret().as_bytes().to_vec()),
        )?;
        let now = now_ms();
        let mut connection = ConnectionRow {
            team_id: actor.team_id.clone(),
            api_id: api_id.to_owned(),
            account_id: request.account_id.clone(),
            workspace,
            repository,
            branch,
            definition_path,
            collections_dir,
            tag_pattern: super::connect::DEFAULT_TAG_PATTERN.to_owned(),
            auto_push: false,
            base_commit: tip.as_str().to_owned(),
            remote_tip: tip.as_str().to_owned(),
            read_tags: true,
            hook_id,
            hook_uuid: None,
            hook_secret: sealed,
            problem: None,
            problem_reason: None,
            check_due_at_ms: now,
            connected_by: actor.user_id.clone(),
            connected_at_ms: now,
            synced_at_ms: now,
        };
        // What the repository has.
        let mut theirs = Vec::new();
        if let Some(bytes) = remote.file(&tip, &connection.definition_path).await? {
            let content = String::from_utf8(bytes).map_err(|_| {
                super::field(
                    "definitionPath",
                    format!("{} is not UTF-8 text", connection.definition_path),
                )
            })?;
            theirs.push(Theirs {
                path: connection.definition_path.clone(),
                content,
                collection: None,
            });
        }
        for entry in remote.directory(&tip, &connection.collections_dir).await? {
            if entry.kind != EntryKind::File || !files::is_collection_path(&connection, &entry.path)
            {
                continue;
            }
            let Some(bytes) = remote.file(&tip, &entry.path).await? else {
                continue;
            };
            let collection = files::canonical_collection(&bytes).map_err(|reason| {
                super::field(
                    "collectionsDir",
                    format!("{} is not a collection Ferry can read ({reason}); fix or move it, or choose another directory", entry.path),
                )
            })?;
            theirs.push(Theirs {
                path: entry.path,
                content: collection.to_canonical_json(),
                collection: Some(collection),
            });
        }
        // What Ferry has, and which files differ.
        let local = files::local_files(self.store, &connection).await?;
        let ferry_empty = is_starter(text, api.definition.title.as_deref())
            && local.iter().all(|file| file.collection_id.is_none());
        let differing = local.iter().any(|file| {
            matching(&theirs, file).is_some_and(|theirs| theirs.content != file.content)
        });
        let winner = match (ferry_empty, differing, request.winner) {
            (true, _, _) => Winner::Repository,
            (false, false, _) => Winner::Ferry,
            (false, true, Some(winner)) => winner,
            (false, true, None) => {
                return Err(super::field(
                    "winner",
                    "Ferry and the repository both have this API's files and they differ: choose which side wins (the other side's content is kept in Ferry's History)".into(),
                ))
            }
        };
        let repository_actor = via_bitbucket(&connection, "the repository's version");
        let mut base = Vec::new();
        let mut commit = Vec::new();
        for file in &local {
            let their = matching(&theirs, file);
            match their {
                None => {
                    commit.push((file.path.clone(), file.content.clone()));
                    base.push(row(&file.path, file.collection_id.clone(), &file.content));
                }
                Some(their) if their.content == file.content => {
                    base.push(row(&their.path, file.collection_id.clone(), &their.content));
                }
                Some(their) => {
                    // The repository's version is saved first: as the result when it wins,
                    // else as the revision History keeps under Ferry's.
                    self.save_theirs(&connection, &repository_actor, file, their)
                        .await?;
                    match winner {
                        Winner::Repository => {
                            base.push(row(&their.path, file.collection_id.clone(), &their.content));
                        }
                        Winner::Ferry => {
                            self.restore_ours(&connection, actor, file).await?;
                            commit.push((their.path.clone(), file.content.clone()));
                            base.push(row(&their.path, file.collection_id.clone(), &file.content));
                        }
                    }
                }
            }
        }
        // The repository's files Ferry does not have.
        for their in &theirs {
            if local
                .iter()
                .any(|file| matching(std::slice::from_ref(their), file).is_some())
            {
                continue;
            }
            match &their.collection {
                None => {
                    self.save_theirs_definition(&connection, &repository_actor, &their.content)
                        .await?;
                    base.push(row(&their.path, None, &their.content));
                }
                Some(collection) => {
                    match self
                        .import_collection(&connection, &repository_actor, collection.clone())
                        .await?
                    {
                        Ok(id) => base.push(row(&their.path, Some(id), &their.content)),
                        Err(reason) => {
                            return Err(super::field(
                                "collectionsDir",
                                format!("{} cannot be imported: {reason}", their.path),
                            ))
                        }
                    }
                }
            }
        }
        let mut detail = match (commit.is_empty(), winner, differing) {
            (true, _, _) => format!(
                "Connected to {} at {}",
                connection.branch,
                short(tip.as_str())
            ),
            (false, Winner::Ferry, true) => format!(
                "Connected; Ferry's files won and were committed to {}",
                connection.branch
            ),
            (false, _, _) => format!(
                "Connected; committed Ferry's files the repository did not have to {}",
                connection.branch
            ),
        };
        let paths: Vec<String> = base.iter().map(|row| row.path.clone()).collect();
        if !commit.is_empty() {
            let made = remote
                .commit(
                    &connection.branch,
                    Some(tip.clone()),
                    commit_author(&actor.email),
                    format!("Connect Ferry API sync: {}", api.name),
                    commit
                        .into_iter()
                        .map(|(path, content)| (path, content.into_bytes()))
                        .collect(),
                    Vec::new(),
                )
                .await?;
            connection.base_commit = made.as_str().to_owned();
            connection.remote_tip = made.as_str().to_owned();
        }
        match self.register_hook(remote, &connection, secret).await {
            Ok(uuid) => connection.hook_uuid = uuid,
            Err(error) => detail.push_str(&format!(
                "; Bitbucket did not accept Ferry's webhook ({error}), so Ferry reads the branch every minute instead"
            )),
        }
        let log = NewLog {
            direction: "connect",
            commit_hash: Some(&connection.base_commit),
            files: paths,
            outcome: "synced",
            detail,
        };
        if !self
            .store
            .insert_api_connection(&connection, &base, &log)
            .await?
        {
            if let Some(uuid) = &connection.hook_uuid {
                remote.delete_hook(uuid).await.ok();
            }
            return Err(ApiSyncError::AlreadyConnected(format!(
                "{}/{}",
                connection.workspace, connection.repository
            )));
        }
        Ok(connection)
    }

    /// The definition file the branch already has in `postman/schemas/` (when there is exactly
    /// one), else `postman/schemas/index.<the API's format>`.
    async fn find_definition(
        &self,
        remote: &Remote<'_>,
        tip: &CommitHash,
        api: &crate::store::apis::ApiRow,
    ) -> Result<String, ApiSyncError> {
        let candidates: Vec<String> = remote
            .directory(tip, DEFAULT_SCHEMAS_DIR)
            .await?
            .into_iter()
            .filter(|entry| entry.kind == EntryKind::File)
            .map(|entry| entry.path)
            .filter(|path| {
                [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| path.ends_with(ext))
            })
            .collect();
        if let [only] = candidates.as_slice() {
            return Ok(only.clone());
        }
        let extension = match api.definition.format {
            crate::store::apis::DefinitionFormat::Json => "json",
            crate::store::apis::DefinitionFormat::Yaml => "yaml",
        };
        Ok(format!("{DEFAULT_SCHEMAS_DIR}/index.{extension}"))
    }

    /// Registers the `repo:push` webhook; `None` when Ferry has no public address to give.
    async fn register_hook(
        &self,
        remote: &Remote<'_>,
        connection: &ConnectionRow,
        secret: SecretString,
    ) -> Result<Option<String>, ApiSyncError> {
        let Some(public_url) = self.public_url else {
            return Ok(None);
        };
        let spec = HookSpec {
            url: format!(
                "{}{HOOK_PATH}{}",
                public_url.trim_end_matches('/'),
                connection.hook_id
            ),
            description: format!("Ferry: API sync of {}", connection.definition_path),
            secret,
            events: vec![REPO_PUSH.to_owned()],
            active: true,
        };
        Ok(Some(remote.create_hook(&spec).await?.uuid))
    }

    async fn save_theirs(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        file: &LocalFile,
        their: &Theirs,
    ) -> Result<(), ApiSyncError> {
        match (&file.collection_id, &their.collection) {
            (Some(id), Some(collection)) => {
                self.collections()
                    .replace(actor, id, collection.clone())
                    .await?;
            }
            _ => {
                self.save_theirs_definition(connection, actor, &their.content)
                    .await?
            }
        }
        Ok(())
    }

    async fn save_theirs_definition(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        text: &str,
    ) -> Result<(), ApiSyncError> {
        self.apis()
            .save_definition(
                actor,
                &connection.api_id,
                text,
                None,
                Some("the repository"),
            )
            .await
            .map_err(|error| {
                super::field(
                    "definitionPath",
                    format!(
                        "{} in the repository cannot be read: {error}",
                        connection.definition_path
                    ),
                )
            })?;
        Ok(())
    }

    async fn restore_ours(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        file: &LocalFile,
    ) -> Result<(), ApiSyncError> {
        match &file.collection_id {
            Some(id) => {
                let collection = Collection::import(file.content.as_bytes())
                    .map_err(|error| super::field("winner", error.to_string()))?;
                self.collections().replace(actor, id, collection).await?;
            }
            None => {
                self.apis()
                    .save_definition(actor, &connection.api_id, &file.content, None, None)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The repository's file that is the same thing as Ferry's `file`: the definition at its
/// path; a collection at its path or with its id.
fn matching<'t>(theirs: &'t [Theirs], file: &LocalFile) -> Option<&'t Theirs> {
    match &file.collection_id {
        None => theirs.iter().find(|their| their.collection.is_none()),
        Some(id) => theirs.iter().find(|their| {
            their
                .collection
                .as_ref()
                .is_some_and(|collection| their.path == file.path || collection.id() == id.as_str())
        }),
    }
}

fn row(path: &str, collection_id: Option<String>, content: &str) -> SyncFileRow {
    SyncFileRow {
        path: path.to_owned(),
        collection_id,
        content: content.to_owned(),
    }
}

/// 256 bits, hex: the HMAC key Bitbucket signs deliveries with.
fn random_secret() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    SecretString::from(hex::encode(bytes))
}

fn required(field: &'static str, value: &str, fix: &str) -> Result<String, ApiSyncError> {
    let value = value.trim();
    if value.is_empty() || value.len() > 200 || value.contains('/') {
        return Err(super::field(field, fix.to_owned()));
    }
    Ok(value.to_owned())
}

pub(super) fn checked_branch(branch: &str) -> Result<String, ApiSyncError> {
    let branch = branch.trim();
    if branch.is_empty()
        || branch.len() > 250
        || branch.starts_with('/')
        || branch.ends_with('/')
        || branch.contains("..")
        || branch
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
    {
        return Err(super::field(
            "branch",
            "choose a branch; a branch name has no spaces, .., ~^:?*[ or backslash".into(),
        ));
    }
    Ok(branch.to_owned())
}

/// A repository path: relative, no `..` or empty segments, nothing the upload would refuse.
fn checked_path(field: &'static str, path: &str) -> Result<String, ApiSyncError> {
    let path = path.trim_matches('/');
    let bad = path.is_empty()
        || path.len() > 500
        || path
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        || path
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\');
    if bad {
        return Err(super::field(
            field,
            "write a path inside the repository, like postman/schemas/index.yaml (no .., quotes or backslashes)".into(),
        ));
    }
    Ok(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_branches_that_git_or_the_upload_refuse_are_refused() {
        assert!(checked_path("p", "postman/schemas/index.yaml").is_ok());
        assert!(checked_path("p", "../etc/passwd").is_err());
        assert!(checked_path("p", "a//b").is_err());
        assert!(checked_path("p", "a\"b").is_err());
        assert!(checked_branch("feature/x").is_ok());
        assert!(checked_branch("a b").is_err());
        assert!(checked_branch("a..b").is_err());
        assert_eq!(random_secret().expose_secret().len(), 64);
    }
}
