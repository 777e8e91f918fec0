//! A person's choice for a conflicting file. Both versions end up in History: the
//! repository's is saved as a revision "via Bitbucket" before Ferry's (or the edited text) is
//! saved again over it. Nothing is pushed here: a kept or edited file is a local change.

use super::{via_bitbucket, ApiSync, ApiSyncError};
use crate::{
    accounts::Actor,
    apis::short,
    auth::Permission,
    postman::Collection,
    store::api_sync::{ConflictRow, ConnectionRow, NewLog},
    sync::CredentialStore,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    KeepFerry,
    TakeRepository,
    /// The text the person wrote from both.
    Edited(String),
}

impl<C: CredentialStore> ApiSync<'_, C> {
    pub async fn resolve(
        &self,
        actor: &Actor,
        api_id: &str,
        path: &str,
        resolution: Resolution,
    ) -> Result<(), ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let connection = self.connected(actor, api_id).await?;
        let conflict = self
            .store
            .api_sync_conflicts(&actor.team_id, api_id)
            .await?
            .into_iter()
            .find(|conflict| conflict.path == path)
            .ok_or_else(|| {
                super::field(
                    "path",
                    format!("{path} has no conflict to resolve (it may be resolved already)"),
                )
            })?;
        let repository = via_bitbucket(&connection, "the repository's version");
        let (keep, sentence) = match &resolution {
            Resolution::KeepFerry => (None, "kept Ferry's version"),
            Resolution::TakeRepository => (None, "took the repository's version"),
            Resolution::Edited(text) => (Some(text.as_str()), "saved an edited version"),
        };
        // Check an edited text before anything is written: a refused edit changes nothing.
        match (keep, &conflict.collection_id) {
            (Some(text), Some(_)) => {
                Collection::import(text.as_bytes())
                    .map_err(|error| super::field("content", error.to_string()))?;
            }
            (Some(text), None) => {
                crate::openapi::Definition::parse(text).map_err(|error| {
                    super::field(
                        "content",
                        format!("{error}; remove the conflict markers and keep valid JSON or YAML"),
                    )
                })?;
            }
            (None, _) => {}
        }
        let current = self.current(&connection, &conflict).await?;
        let ours = match &resolution {
            Resolution::KeepFerry => current.clone(),
            Resolution::TakeRepository => None,
            Resolution::Edited(text) => Some(text.clone()),
        };
        let kept_theirs = self
            .save(&connection, &repository, &conflict, &conflict.theirs)
            .await;
        // Keeping Ferry's (or an edit) must not fail because the repository's text is one
        // Ferry cannot store; taking it must.
        if resolution == Resolution::TakeRepository {
            kept_theirs?;
        }
        if let Some(ours) = ours {
            self.save(&connection, actor, &conflict, &ours).await?;
        }
        let log = NewLog {
            direction: "resolve",
            commit_hash: Some(&conflict.commit_hash),
            files: vec![path.to_owned()],
            outcome: "synced",
            detail: format!(
                "{} {sentence} of {path} (conflict with commit {})",
                actor.email,
                short(&conflict.commit_hash)
            ),
        };
        self.store
            .resolve_api_conflict(&actor.team_id, api_id, path, &log)
            .await?;
        Ok(())
    }

    /// Ferry's content of the conflicting file now.
    async fn current(
        &self,
        connection: &ConnectionRow,
        conflict: &ConflictRow,
    ) -> Result<Option<String>, ApiSyncError> {
        Ok(match &conflict.collection_id {
            None => self
                .store
                .api(&connection.team_id, &connection.api_id)
                .await?
                .map(|(_, text)| text),
            Some(id) => self
                .store
                .collection(&connection.team_id, id)
                .await?
                .map(|(_, canonical)| canonical),
        })
    }

    async fn save(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        conflict: &ConflictRow,
        text: &str,
    ) -> Result<(), ApiSyncError> {
        match &conflict.collection_id {
            None => {
                self.apis()
                    .save_definition(actor, &connection.api_id, text, None, None)
                    .await?;
            }
            Some(id) => {
                let collection = Collection::import(text.as_bytes())
                    .map_err(|error| super::field("content", error.to_string()))?;
                self.collections().replace(actor, id, collection).await?;
            }
        }
        Ok(())
    }
}
