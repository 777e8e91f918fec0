//! Ferry → repository: every local change in one commit on top of the base, never over a
//! commit Ferry has not pulled. Two Bitbucket calls: the tip, the commit.

use super::{
    files::{self, FileChangeKind},
    remote::Remote,
    ApiSync, ApiSyncError,
};
use crate::{
    accounts::Actor,
    apis::short,
    auth::Permission,
    bitbucket::CommitHash,
    store::api_sync::{ConnectionRow, NewLog, SyncFileRow, SyncStep},
    sync::CredentialStore,
};

/// The longest commit message Ferry sends.
pub const MAX_MESSAGE_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Nothing differed from the base.
    NothingToPush,
    Pushed {
        commit: String,
        files: Vec<String>,
        url: String,
    },
}

impl<C: CredentialStore> ApiSync<'_, C> {
    /// Commits every file Ferry changed since the base, as `actor`, with `message`.
    pub async fn push(
        &self,
        actor: &Actor,
        api_id: &str,
        message: &str,
    ) -> Result<PushOutcome, ApiSyncError> {
        actor.require(Permission::EditApis)?;
        // Another team's API is not found, whatever was sent with it.
        let connection = self.connected(actor, api_id).await?;
        let message = message.trim();
        if message.is_empty() {
            return Err(super::field(
                "message",
                "say what changed: the commit message is required".into(),
            ));
        }
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(super::field(
                "message",
                format!("keep the commit message under {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        self.push_connection(&connection, &commit_author(&actor.email), message)
            .await
    }

    /// The push itself, for a person or for automatic pushing.
    pub(super) async fn push_connection(
        &self,
        connection: &ConnectionRow,
        author: &str,
        message: &str,
    ) -> Result<PushOutcome, ApiSyncError> {
        let conflicts = self
            .store
            .api_sync_conflicts(&connection.team_id, &connection.api_id)
            .await?;
        if !conflicts.is_empty() {
            return Err(ApiSyncError::Unresolved {
                count: conflicts.len(),
            });
        }
        let changes = files::local_changes(self.store, connection).await?;
        if changes.is_empty() {
            return Ok(PushOutcome::NothingToPush);
        }
        let remote = Remote::open(self, connection, 2).await?;
        let base = CommitHash::parse(&connection.base_commit)
            .map_err(|error| ApiSyncError::Bitbucket(error.to_string()))?;
        let tip = remote.tip(&connection.branch).await?;
        if tip.as_ref() != Some(&base) {
            if let Some(tip) = &tip {
                self.store
                    .note_api_remote_tip(
                        &connection.team_id,
                        &connection.api_id,
                        Some(tip.as_str()),
                    )
                    .await?;
            }
            return Err(ApiSyncError::BranchMoved {
                branch: connection.branch.clone(),
            });
        }
        let paths: Vec<String> = changes.iter().map(|change| change.path.clone()).collect();
        let deletions: Vec<String> = changes
            .iter()
            .filter(|change| change.kind == FileChangeKind::Renamed)
            .filter_map(|change| change.old_path.clone())
            .collect();
        let commit = remote
            .commit(
                &connection.branch,
                Some(base),
                author.to_owned(),
                message.to_owned(),
                changes
                    .iter()
                    .map(|change| (change.path.clone(), change.content.clone().into_bytes()))
                    .collect(),
                deletions.clone(),
            )
            .await?;
        remote.settle(self, &connection.account_id).await?;
        let step = SyncStep {
            base_commit: commit.as_str().to_owned(),
            remote_tip: commit.as_str().to_owned(),
            branch: None,
            files: changes
                .into_iter()
                .map(|change| SyncFileRow {
                    path: change.path,
                    collection_id: change.collection_id,
                    content: change.content,
                })
                .collect(),
            forget: deletions,
            conflicts: Vec::new(),
        };
        let log = NewLog {
            direction: "push",
            commit_hash: Some(commit.as_str()),
            files: paths.clone(),
            outcome: "synced",
            detail: format!("Pushed commit {}: {message}", short(commit.as_str())),
        };
        // The commit is made: a base moved meanwhile (a concurrent pull saw this very commit)
        // changes nothing about it.
        self.store
            .record_api_sync(
                &connection.team_id,
                &connection.api_id,
                &connection.base_commit,
                &step,
                &log,
            )
            .await?;
        Ok(PushOutcome::Pushed {
            url: self.commit_url(connection, commit.as_str()),
            commit: commit.as_str().to_owned(),
            files: paths,
        })
    }
}

/// `name <email>` as git wants an author: the address's local part as the name.
pub(super) fn commit_author(email: &str) -> String {
    let name = email
        .split('@')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or(email);
    format!("{name} <{email}>")
}
