//! API sync: an API connected to a Bitbucket repository, two ways.
//!
//! Ferry keeps the base: the last commit both sides agreed on and what each synced file held
//! there (`api_sync_files`). A file whose Ferry content differs from the base is a local
//! change ([`ApiSync::push`] commits them all in one commit on top of the base, or refuses when
//! the branch moved); a file the branch changed since the base is an incoming change
//! ([`ApiSync::pull`] applies it as a revision "<author> via Bitbucket"). When both changed,
//! the definition is merged as text and a collection by its items' ids; what overlaps is a
//! conflict that neither side overwrites until a person chooses ([`ApiSync::resolve`]).
//!
//! The definition goes to git byte for byte; collections as their canonical JSON, one file
//! each (`<collections dir>/<name>.postman_collection.json`), compared by their canonical form
//! so formatting in git is never a change. A file deleted in the repository is reported,
//! never applied as a deletion.
//!
//! Ferry hears of pushes from the repository webhook it registers on connect ([`hook`]) and by
//! polling the branch tip ([`worker`]) within the account's hourly budget.

mod branches;
mod connect;
mod files;
pub mod hook;
mod pull;
mod push;
mod release;
mod remote;
mod resolve;
pub mod worker;

use std::time::Duration;

pub use connect::{
    ConnectRequest, Winner, DEFAULT_COLLECTIONS_DIR, DEFAULT_TAG_PATTERN, HOOK_PATH,
    HOOK_SECRET_PURPOSE,
};
pub use files::{collection_file_name, FileChangeKind, LocalChange};
pub use pull::{PullOutcome, PullReport};
pub use push::PushOutcome;
pub use resolve::Resolution;

use crate::{
    accounts::{Actor, Via},
    apis::ApisError,
    auth::{Permission, Role},
    bitbucket::BitbucketError,
    collections::{CollectionsError, Quotas},
    connected_accounts::ConnectedAccountError,
    crypto::Keyring,
    error::{DomainError, ErrorKind, FieldError, Forbidden},
    store::{
        api_sync::{ConflictRow, ConnectionRow, NewLog, StoppedConnectionRow, SyncLogRow},
        Store, StoreError,
    },
    sync::{BitbucketDestination, CredentialStore, SyncEngine},
};

/// How often a connected API's branch tip is read when no webhook says it moved.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// How long after a change in Ferry an automatic push waits for more changes.
pub const AUTO_PUSH_DEBOUNCE_MS: i64 = 2_000;
/// The sync log entries a page shows.
pub const LOG_PAGE: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum ApiSyncError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such API in this team; check the id")]
    NotFound,
    #[error("this API is not connected to a repository; connect one first")]
    NotConnected,
    #[error("this API is already connected to {0}; disconnect it first")]
    AlreadyConnected(String),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The branch moved since the base: pushing would overwrite someone's commit.
    #[error(
        "the branch {branch} has commits Ferry has not pulled yet; pull changes first, then push"
    )]
    BranchMoved { branch: String },
    #[error("{count} file(s) conflict between Ferry and the repository; resolve them first")]
    Unresolved { count: usize },
    #[error("this API has changes not pushed yet; push them (or undo them) first")]
    LocalChanges,
    /// Bitbucket refused or failed; says what to do.
    #[error("Bitbucket: {0}")]
    Bitbucket(String),
    #[error("the connected account needs attention: {0}")]
    NeedsReauth(String),
    #[error("the account's hourly budget of Bitbucket calls is used up; try again in {} minute(s)", .0.as_secs().div_ceil(60).max(1))]
    OverBudget(Duration),
    #[error(transparent)]
    Apis(#[from] ApisError),
    #[error(transparent)]
    Collections(#[from] CollectionsError),
    #[error(transparent)]
    Account(#[from] ConnectedAccountError),
    #[error("the webhook secret cannot be used: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for ApiSyncError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApiSyncError::Field(_) => ErrorKind::Invalid,
            ApiSyncError::NotFound => ErrorKind::NotFound,
            ApiSyncError::Forbidden(_) => ErrorKind::Forbidden,
            ApiSyncError::NotConnected
            | ApiSyncError::AlreadyConnected(_)
            | ApiSyncError::BranchMoved { .. }
            | ApiSyncError::Unresolved { .. }
            | ApiSyncError::LocalChanges => ErrorKind::Conflict,
            ApiSyncError::Bitbucket(_)
            | ApiSyncError::NeedsReauth(_)
            | ApiSyncError::OverBudget(_)
            | ApiSyncError::Crypto(_) => ErrorKind::Unavailable,
            ApiSyncError::Apis(error) => error.kind(),
            ApiSyncError::Collections(error) => error.kind(),
            ApiSyncError::Account(error) => error.kind(),
            ApiSyncError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            ApiSyncError::Field(error) => Some(error),
            ApiSyncError::Apis(error) => error.field_error(),
            ApiSyncError::Collections(error) => error.field_error(),
            ApiSyncError::Account(error) => error.field_error(),
            _ => None,
        }
    }
}

impl From<BitbucketError> for ApiSyncError {
    fn from(error: BitbucketError) -> Self {
        if error.is_auth() {
            ApiSyncError::NeedsReauth(format!("{error}; re-authenticate the connected account"))
        } else {
            ApiSyncError::Bitbucket(error.to_string())
        }
    }
}

/// A connected API's state, in the words the pages use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    InSync,
    LocalChanges,
    IncomingChanges,
    Conflict,
    NeedsReauth(String),
    Failing(String),
}

impl SyncStatus {
    pub fn label(&self) -> &'static str {
        match self {
            SyncStatus::InSync => "In sync",
            SyncStatus::LocalChanges => "Local changes",
            SyncStatus::IncomingChanges => "Incoming changes",
            SyncStatus::Conflict => "Conflict",
            SyncStatus::NeedsReauth(_) => "Needs re-authentication",
            SyncStatus::Failing(_) => "Failing",
        }
    }

    /// The machine name (REST, CSS).
    pub fn key(&self) -> &'static str {
        match self {
            SyncStatus::InSync => "in_sync",
            SyncStatus::LocalChanges => "local_changes",
            SyncStatus::IncomingChanges => "incoming_changes",
            SyncStatus::Conflict => "conflict",
            SyncStatus::NeedsReauth(_) => "needs_reauth",
            SyncStatus::Failing(_) => "failing",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            SyncStatus::NeedsReauth(reason) | SyncStatus::Failing(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Everything the API's Repository tab shows.
#[derive(Debug, Clone)]
pub struct SyncView {
    pub connection: ConnectionRow,
    pub status: SyncStatus,
    pub changes: Vec<LocalChange>,
    pub conflicts: Vec<ConflictRow>,
    pub log: Vec<SyncLogRow>,
    /// Where the base commit is shown on Bitbucket.
    pub base_url: String,
    /// Whether Bitbucket delivers pushes to Ferry (else Ferry polls).
    pub webhook: bool,
}

/// The connected APIs of `actor`'s team whose sync stopped and that `actor` is to hear of:
/// all of them for admins, the ones they connected for everyone else (as backups' alerts).
/// Reads only the database, so it needs no Bitbucket client.
pub async fn stopped(
    store: &Store,
    actor: &Actor,
) -> Result<Vec<(StoppedConnectionRow, SyncStatus)>, ApiSyncError> {
    actor.require(Permission::ReadTeamData)?;
    Ok(store
        .stopped_api_connections(&actor.team_id)
        .await?
        .into_iter()
        .filter(|row| actor.role == Role::Admin || row.connected_by == actor.user_id)
        .map(|row| {
            let reason = row.problem_reason.clone().unwrap_or_default();
            let status = if row.problem == "needs_reauth" {
                SyncStatus::NeedsReauth(reason)
            } else {
                SyncStatus::Failing(reason)
            };
            (row, status)
        })
        .collect())
}

/// The service. Cheap to make per request: it borrows the store, the keyring and the engine
/// whose client, credentials and budget it shares with backups.
pub struct ApiSync<'a, C: CredentialStore> {
    store: &'a Store,
    keyring: &'a Keyring,
    engine: &'a SyncEngine<BitbucketDestination<C>>,
    quotas: Quotas,
    /// Ferry's public URL, where Bitbucket delivers webhooks; `None` registers none.
    public_url: Option<&'a str>,
}

impl<'a, C: CredentialStore> ApiSync<'a, C> {
    pub fn new(
        store: &'a Store,
        keyring: &'a Keyring,
        engine: &'a SyncEngine<BitbucketDestination<C>>,
    ) -> Self {
        ApiSync {
            store,
            keyring,
            engine,
            quotas: Quotas::default(),
            public_url: None,
        }
    }

    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    /// Registers webhooks that deliver to `public_url` (Ferry's address as Bitbucket reaches it).
    pub fn with_public_url(mut self, public_url: &'a str) -> Self {
        self.public_url = Some(public_url);
        self
    }

    /// The API's connection, or `None` when it has none (another team's API: NotFound).
    pub async fn connection(
        &self,
        actor: &Actor,
        api_id: &str,
    ) -> Result<Option<ConnectionRow>, ApiSyncError> {
        actor.require(Permission::ReadTeamData)?;
        self.api_exists(actor, api_id).await?;
        Ok(self.store.api_connection(&actor.team_id, api_id).await?)
    }

    /// The API's connection; [`ApiSyncError::NotConnected`] when it has none.
    pub async fn connected(
        &self,
        actor: &Actor,
        api_id: &str,
    ) -> Result<ConnectionRow, ApiSyncError> {
        self.connection(actor, api_id)
            .await?
            .ok_or(ApiSyncError::NotConnected)
    }

    /// The Repository tab: status, local changes with their base, conflicts and the log.
    /// Reads only the database (no Bitbucket call).
    pub async fn view(&self, actor: &Actor, api_id: &str) -> Result<SyncView, ApiSyncError> {
        let connection = self.connected(actor, api_id).await?;
        let changes = files::local_changes(self.store, &connection).await?;
        let conflicts = self
            .store
            .api_sync_conflicts(&actor.team_id, api_id)
            .await?;
        let log = self
            .store
            .api_sync_log(&actor.team_id, api_id, LOG_PAGE)
            .await?;
        let status = status_of(&connection, !changes.is_empty(), conflicts.len());
        let base_url = self.commit_url(&connection, &connection.base_commit);
        Ok(SyncView {
            webhook: connection.hook_uuid.is_some(),
            connection,
            status,
            changes,
            conflicts,
            log,
            base_url,
        })
    }

    /// The status of each connected API of the team, by API id (the APIs list). Local changes
    /// are read per connected API.
    pub async fn statuses(&self, actor: &Actor) -> Result<Vec<(String, SyncStatus)>, ApiSyncError> {
        actor.require(Permission::ReadTeamData)?;
        let conflicts = self.store.api_conflict_counts(&actor.team_id).await?;
        let mut statuses = Vec::new();
        for connection in self.store.api_connections(&actor.team_id).await? {
            let count = conflicts
                .iter()
                .find(|(api, _)| *api == connection.api_id)
                .map_or(0, |(_, n)| *n as usize);
            let local = !files::local_changes(self.store, &connection)
                .await?
                .is_empty();
            statuses.push((
                connection.api_id.clone(),
                status_of(&connection, local, count),
            ));
        }
        Ok(statuses)
    }

    /// The sync log, newest first.
    pub async fn log(&self, actor: &Actor, api_id: &str) -> Result<Vec<SyncLogRow>, ApiSyncError> {
        actor.require(Permission::ReadTeamData)?;
        self.api_exists(actor, api_id).await?;
        Ok(self
            .store
            .api_sync_log(&actor.team_id, api_id, LOG_PAGE)
            .await?)
    }

    /// Turns automatic pushing on or off and sets the tag pattern (`v{version}`).
    pub async fn update_settings(
        &self,
        actor: &Actor,
        api_id: &str,
        auto_push: bool,
        tag_pattern: &str,
    ) -> Result<(), ApiSyncError> {
        actor.require(Permission::EditApis)?;
        self.api_exists(actor, api_id).await?;
        let tag_pattern = checked_tag_pattern(tag_pattern)?;
        if self
            .store
            .set_api_sync_settings(&actor.team_id, api_id, auto_push, &tag_pattern)
            .await?
        {
            Ok(())
        } else {
            Err(ApiSyncError::NotConnected)
        }
    }

    /// Disconnects the API: removes Ferry's webhook from the repository (when Bitbucket can be
    /// reached; otherwise its deliveries are refused, as no connection matches them), keeps the
    /// API, its history and the repository as they are.
    pub async fn disconnect(&self, actor: &Actor, api_id: &str) -> Result<(), ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let connection = self.connected(actor, api_id).await?;
        let mut detail = format!(
            "Disconnected from {}/{}",
            connection.workspace, connection.repository
        );
        if let Some(hook) = &connection.hook_uuid {
            let removed = async {
                let remote = remote::Remote::open(self, &connection, 1).await?;
                remote.delete_hook(hook).await
            }
            .await;
            if let Err(error) = removed {
                detail.push_str(&format!(
                    "; the webhook could not be removed ({error}): remove it in the repository's settings"
                ));
            }
        }
        let log = NewLog {
            direction: "disconnect",
            commit_hash: None,
            files: Vec::new(),
            outcome: "synced",
            detail,
        };
        if self
            .store
            .delete_api_connection(&actor.team_id, api_id, &log)
            .await?
        {
            Ok(())
        } else {
            Err(ApiSyncError::NotConnected)
        }
    }

    async fn api_exists(&self, actor: &Actor, api_id: &str) -> Result<(), ApiSyncError> {
        match self.store.api(&actor.team_id, api_id).await? {
            Some(_) => Ok(()),
            None => Err(ApiSyncError::NotFound),
        }
    }

    fn commit_url(&self, connection: &ConnectionRow, commit: &str) -> String {
        match crate::bitbucket::CommitHash::parse(commit) {
            Ok(hash) => self
                .engine
                .destination()
                .client()
                .commit_web_url(&connection.workspace, &connection.repository, &hash)
                .to_string(),
            Err(_) => String::new(),
        }
    }

    fn apis(&self) -> crate::apis::Apis<'a> {
        crate::apis::Apis::with_quotas(self.store, self.quotas)
    }

    fn collections(&self) -> crate::collections::Collections<'a> {
        crate::collections::Collections::with_quotas(self.store, self.quotas)
    }
}

/// The state a connection is in, the worst first.
fn status_of(connection: &ConnectionRow, local_changes: bool, conflicts: usize) -> SyncStatus {
    let reason = || connection.problem_reason.clone().unwrap_or_default();
    match connection.problem.as_deref() {
        Some("needs_reauth") => return SyncStatus::NeedsReauth(reason()),
        Some(_) => return SyncStatus::Failing(reason()),
        None => {}
    }
    if conflicts > 0 {
        SyncStatus::Conflict
    } else if connection.remote_tip != connection.base_commit {
        SyncStatus::IncomingChanges
    } else if local_changes {
        SyncStatus::LocalChanges
    } else {
        SyncStatus::InSync
    }
}

/// Who a change read from the repository is written as: the commit's author "via Bitbucket",
/// on behalf of the person who connected the API.
fn via_bitbucket(connection: &ConnectionRow, author: &str) -> Actor {
    Actor {
        user_id: connection.connected_by.clone(),
        email: format!("{author} via Bitbucket"),
        team_id: connection.team_id.clone(),
        team_name: String::new(),
        role: Role::Editor,
        via: Via::ApiKey,
    }
}

/// The most characters of a tag pattern; it must hold `{version}` once.
const MAX_TAG_PATTERN_CHARS: usize = 100;

fn checked_tag_pattern(pattern: &str) -> Result<String, ApiSyncError> {
    let pattern = pattern.trim();
    if pattern.matches("{version}").count() != 1
        || pattern.chars().count() > MAX_TAG_PATTERN_CHARS
        || pattern
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
    {
        return Err(field(
            "tagPattern",
            "write the tag name with {version} where the version goes, like v{version}; no spaces or ~^:?*[\\".into(),
        ));
    }
    Ok(pattern.to_owned())
}

/// The tag of `version` under `pattern`.
pub fn tag_name(pattern: &str, version: &str) -> String {
    pattern.replacen("{version}", version, 1)
}

/// The version a tag names under `pattern`, if it matches.
pub fn version_of_tag<'t>(pattern: &str, tag: &'t str) -> Option<&'t str> {
    let (prefix, suffix) = pattern.split_once("{version}")?;
    let version = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!version.is_empty()).then_some(version)
}

fn field(field: &'static str, message: String) -> ApiSyncError {
    ApiSyncError::Field(FieldError { field, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_versions_follow_the_pattern() {
        assert_eq!(tag_name("v{version}", "1.2.0"), "v1.2.0");
        assert_eq!(version_of_tag("v{version}", "v1.2.0"), Some("1.2.0"));
        assert_eq!(version_of_tag("v{version}", "release-1"), None);
        assert_eq!(version_of_tag("v{version}", "v"), None);
        assert_eq!(
            version_of_tag("api/{version}-final", "api/2-final"),
            Some("2")
        );
        assert!(checked_tag_pattern("v{version}").is_ok());
        assert!(checked_tag_pattern("v").is_err());
        assert!(checked_tag_pattern("v {version}").is_err());
        assert!(checked_tag_pattern("{version}{version}").is_err());
    }
}
