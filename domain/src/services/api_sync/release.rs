//! Publishing a version of a connected API: pending changes are pushed first, so the tag names
//! the commit that holds exactly what the version keeps.

use super::{remote::Remote, tag_name, ApiSync, ApiSyncError, PushOutcome};
use crate::{
    accounts::Actor,
    auth::Permission,
    bitbucket::CommitHash,
    store::{api_sync::NewLog, apis::VersionRow},
    sync::CredentialStore,
};

impl<C: CredentialStore> ApiSync<'_, C> {
    /// Publishes version `name`; on a connected API, pushes what is pending and tags the
    /// commit (`v<name>` under the default pattern). Answers the version and the tag.
    pub async fn publish(
        &self,
        actor: &Actor,
        api_id: &str,
        name: &str,
        release_notes: &str,
    ) -> Result<(VersionRow, Option<String>), ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let Some(connection) = self.connection(actor, api_id).await? else {
            let version = self
                .apis()
                .publish(actor, api_id, name, release_notes)
                .await?;
            return Ok((version, None));
        };
        let pushed = self
            .push(actor, api_id, &format!("Release {}", name.trim()))
            .await?;
        let commit = match pushed {
            PushOutcome::Pushed { commit, .. } => commit,
            PushOutcome::NothingToPush => connection.base_commit.clone(),
        };
        let version = self
            .apis()
            .publish(actor, api_id, name, release_notes)
            .await?;
        let tag = tag_name(&connection.tag_pattern, &version.name);
        let target = CommitHash::parse(&commit)
            .map_err(|error| ApiSyncError::Bitbucket(error.to_string()))?;
        let remote = Remote::open(self, &connection, 1).await?;
        let created = remote.create_tag(&tag, &target, release_notes.trim()).await;
        remote.settle(self, &connection.account_id).await?;
        let (outcome, detail) = match &created {
            Ok(()) => ("synced", format!("Tagged {} as {tag} for version {}", &commit[..7.min(commit.len())], version.name)),
            Err(error) => ("failed", format!("Version {} was published in Ferry, but the tag {tag} could not be created: {error}", version.name)),
        };
        self.store
            .insert_api_sync_log(
                &connection.team_id,
                api_id,
                &NewLog {
                    direction: "tag",
                    commit_hash: Some(&commit),
                    files: Vec::new(),
                    outcome,
                    detail,
                },
            )
            .await?;
        created?;
        Ok((version, Some(tag)))
    }
}
