//! Repository → Ferry: the files the branch changed since the base, applied as revisions
//! "<author> via Bitbucket"; merged where Ferry changed them too; conflicts kept for a person.
//! Calls: the tip, then (when it moved) the diffstat, the commit, and one read per changed
//! file; tags on request.

use super::{
    files::{self, LocalFile},
    remote::Remote,
    via_bitbucket, ApiSync, ApiSyncError,
};
use crate::{
    accounts::Actor,
    apis::{short, ApisError, Snapshot},
    auth::Permission,
    bitbucket::{ChangeStatus, CommitHash},
    collections::CollectionsError,
    openapi::{merge::merge_text, merge::TextMerge, Definition, Format},
    postman::{
        merge::{merge_collections, CollectionMerge},
        Collection,
    },
    store::{
        api_sync::{ConflictRow, ConnectionRow, NewLog, SyncFileRow, SyncStep},
        apis::{DefinitionFormat, VersionCollectionRow},
        now_ms,
    },
    sync::CredentialStore,
};

/// Tags read as versions in one pull at most (each costs a few calls).
const MAX_TAGS_PER_PULL: usize = 5;

/// What a pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Taken as the repository had them.
    pub applied: Vec<String>,
    /// Merged with Ferry's own changes (the merge is a local change to push).
    pub merged: Vec<String>,
    pub conflicts: Vec<String>,
    /// Deleted in the repository: reported, never applied.
    pub deleted: Vec<String>,
    /// Changed in the repository but unlinked or deleted in Ferry: not applied.
    pub gone_in_ferry: Vec<String>,
    /// Files Ferry cannot take, with why.
    pub refused: Vec<(String, String)>,
    /// Versions read from tags.
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    UpToDate { versions: Vec<String> },
    Pulled { commit: String, report: PullReport },
}

enum Kind {
    Definition,
    Collection(Option<String>),
}

impl<C: CredentialStore> ApiSync<'_, C> {
    /// Reads the branch now and applies what changed since the base (Pull changes), and
    /// reads the repository's tags as versions.
    pub async fn pull(&self, actor: &Actor, api_id: &str) -> Result<PullOutcome, ApiSyncError> {
        actor.require(Permission::EditApis)?;
        let connection = self.connected(actor, api_id).await?;
        self.pull_connection(&connection, true).await
    }

    pub(super) async fn pull_connection(
        &self,
        connection: &ConnectionRow,
        with_tags: bool,
    ) -> Result<PullOutcome, ApiSyncError> {
        let remote = Remote::open(self, connection, 1).await?;
        let result = self.pull_with(&remote, connection, with_tags).await;
        remote.settle(self, &connection.account_id).await?;
        result
    }

    async fn pull_with(
        &self,
        remote: &Remote<'_>,
        connection: &ConnectionRow,
        with_tags: bool,
    ) -> Result<PullOutcome, ApiSyncError> {
        let tip = remote.tip(&connection.branch).await?.ok_or_else(|| {
            ApiSyncError::Bitbucket(format!(
                "the branch {} is no longer in {}/{}; switch the API to another branch",
                connection.branch, connection.workspace, connection.repository
            ))
        })?;
        let versions = if with_tags {
            self.read_tags(remote, connection).await?
        } else {
            Vec::new()
        };
        if tip.as_str() == connection.base_commit {
            if connection.remote_tip != connection.base_commit {
                self.store
                    .note_api_remote_tip(
                        &connection.team_id,
                        &connection.api_id,
                        Some(tip.as_str()),
                    )
                    .await?;
            }
            return Ok(PullOutcome::UpToDate { versions });
        }
        let base = CommitHash::parse(&connection.base_commit)
            .map_err(|error| ApiSyncError::Bitbucket(error.to_string()))?;
        let changed = remote.diffstat(&base, &tip).await?;
        let info = remote.commit_info(&tip).await?;
        let actor = via_bitbucket(connection, info.author_name());
        let origin = format!("Bitbucket commit {}", short(tip.as_str()));
        let base_files = self
            .store
            .api_sync_files(&connection.team_id, &connection.api_id)
            .await?;
        let local = files::local_files(self.store, connection).await?;
        let in_scope = |path: &str| {
            path == connection.definition_path || files::is_collection_path(connection, path)
        };
        let mut step = SyncStep {
            base_commit: tip.as_str().to_owned(),
            remote_tip: tip.as_str().to_owned(),
            ..SyncStep::default()
        };
        let mut report = PullReport {
            versions,
            ..PullReport::default()
        };
        let mut touched = Vec::new();
        for change in changed {
            let old = change.old_path.as_deref().filter(|path| in_scope(path));
            let new = change.new_path.as_deref().filter(|path| in_scope(path));
            let old_row = old.and_then(|path| base_files.iter().find(|row| row.path == path));
            match (change.status, new) {
                (ChangeStatus::Removed, _) | (ChangeStatus::Renamed, None) => {
                    if let Some(row) = old_row {
                        report.deleted.push(row.path.clone());
                        touched.push(row.path.clone());
                    }
                }
                (_, Some(path)) => {
                    // A file git moved keeps what it was: the same definition or collection.
                    let row = match change.status {
                        ChangeStatus::Renamed => old_row,
                        _ => base_files.iter().find(|row| row.path == path),
                    };
                    if change.status == ChangeStatus::Renamed {
                        if let Some(row) = old_row {
                            step.forget.push(row.path.clone());
                        }
                    }
                    touched.push(path.to_owned());
                    let kind = if path == connection.definition_path {
                        Kind::Definition
                    } else {
                        Kind::Collection(row.and_then(|row| row.collection_id.clone()))
                    };
                    let Some(bytes) = remote.file(&tip, path).await? else {
                        continue;
                    };
                    self.take(
                        connection,
                        &actor,
                        &origin,
                        &tip,
                        path,
                        kind,
                        row,
                        &local,
                        bytes,
                        &mut step,
                        &mut report,
                    )
                    .await?;
                }
                _ => {}
            }
        }
        let outcome = if !report.conflicts.is_empty() {
            "conflict"
        } else if !report.merged.is_empty() {
            "merged"
        } else {
            "synced"
        };
        let log = NewLog {
            direction: "pull",
            commit_hash: Some(tip.as_str()),
            files: touched,
            outcome,
            detail: describe(&report, tip.as_str(), info.author_name()),
        };
        self.store
            .record_api_sync(
                &connection.team_id,
                &connection.api_id,
                &connection.base_commit,
                &step,
                &log,
            )
            .await?;
        Ok(PullOutcome::Pulled {
            commit: tip.as_str().to_owned(),
            report,
        })
    }

    /// Takes one file the repository changed: applies, merges, or records a conflict.
    #[allow(clippy::too_many_arguments)]
    async fn take(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        origin: &str,
        tip: &CommitHash,
        path: &str,
        kind: Kind,
        base_row: Option<&SyncFileRow>,
        local: &[LocalFile],
        bytes: Vec<u8>,
        step: &mut SyncStep,
        report: &mut PullReport,
    ) -> Result<(), ApiSyncError> {
        let base = base_row.map(|row| row.content.as_str());
        match kind {
            Kind::Definition => {
                let Ok(theirs) = String::from_utf8(bytes) else {
                    report
                        .refused
                        .push((path.to_owned(), "it is not UTF-8 text".into()));
                    return Ok(());
                };
                let ours = local
                    .iter()
                    .find(|file| file.collection_id.is_none())
                    .map(|file| file.content.as_str())
                    .unwrap_or_default();
                let result = if ours == theirs || base == Some(theirs.as_str()) {
                    Ok(())
                } else if base == Some(ours) {
                    self.apply_definition(connection, actor, &theirs, origin)
                        .await
                        .map(|()| report.applied.push(path.to_owned()))
                } else {
                    match merge_text(base.unwrap_or_default(), ours, &theirs) {
                        TextMerge::Clean(merged) => self
                            .apply_definition(connection, actor, &merged, origin)
                            .await
                            .map(|()| report.merged.push(path.to_owned())),
                        TextMerge::Conflict(_) => {
                            conflict(step, report, path, None, base, ours, &theirs, tip);
                            Ok(())
                        }
                    }
                };
                match result {
                    Ok(()) => step.files.push(SyncFileRow {
                        path: path.to_owned(),
                        collection_id: None,
                        content: theirs,
                    }),
                    Err(refused) => report.refused.push((path.to_owned(), refused)),
                }
            }
            Kind::Collection(identity) => {
                let theirs = match files::canonical_collection(&bytes) {
                    Ok(collection) => collection,
                    Err(reason) => {
                        report.refused.push((path.to_owned(), reason));
                        return Ok(());
                    }
                };
                let theirs_text = theirs.to_canonical_json();
                let ours = identity.as_ref().and_then(|id| {
                    local
                        .iter()
                        .find(|file| file.collection_id.as_deref() == Some(id.as_str()))
                });
                let collection_id = match (identity, ours) {
                    (None, _) => match self.import_collection(connection, actor, theirs).await? {
                        Ok(id) => {
                            report.applied.push(path.to_owned());
                            id
                        }
                        Err(refused) => {
                            report.refused.push((path.to_owned(), refused));
                            return Ok(());
                        }
                    },
                    (Some(id), None) => {
                        report.gone_in_ferry.push(path.to_owned());
                        id
                    }
                    (Some(id), Some(ours)) => {
                        let ours_text = ours.content.as_str();
                        let result = if ours_text == theirs_text || base == Some(&theirs_text) {
                            Ok(())
                        } else if base == Some(ours_text) {
                            self.apply_collection(actor, &id, theirs)
                                .await
                                .map(|()| report.applied.push(path.to_owned()))
                        } else {
                            let merged = match (
                                base.map(|b| Collection::import(b.as_bytes())),
                                Collection::import(ours_text.as_bytes()),
                            ) {
                                (Some(Ok(base)), Ok(ours)) => {
                                    Some(merge_collections(&base, &ours, &theirs))
                                }
                                _ => None,
                            };
                            match merged {
                                Some(CollectionMerge::Clean(merged)) => self
                                    .apply_collection(actor, &id, merged)
                                    .await
                                    .map(|()| report.merged.push(path.to_owned())),
                                _ => {
                                    conflict(
                                        step,
                                        report,
                                        path,
                                        Some(&id),
                                        base,
                                        ours_text,
                                        &theirs_text,
                                        tip,
                                    );
                                    Ok(())
                                }
                            }
                        };
                        if let Err(refused) = result {
                            report.refused.push((path.to_owned(), refused));
                            return Ok(());
                        }
                        id
                    }
                };
                step.files.push(SyncFileRow {
                    path: path.to_owned(),
                    collection_id: Some(collection_id),
                    content: theirs_text,
                });
            }
        }
        Ok(())
    }

    /// Saves a definition read from the repository; what Ferry refuses (not OpenAPI it can
    /// read) comes back as the reason, the rest as an error.
    async fn apply_definition(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        text: &str,
        origin: &str,
    ) -> Result<(), String> {
        match self
            .apis()
            .save_definition(actor, &connection.api_id, text, None, Some(origin))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    async fn apply_collection(
        &self,
        actor: &Actor,
        collection_id: &str,
        collection: Collection,
    ) -> Result<(), String> {
        self.collections()
            .replace(actor, collection_id, collection)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// A collection file new in the repository becomes a collection linked to the API. Its id
    /// is kept unless the team already uses it for another collection; the very same
    /// collection already in the team is linked, not copied.
    pub(super) async fn import_collection(
        &self,
        connection: &ConnectionRow,
        actor: &Actor,
        mut collection: Collection,
    ) -> Result<Result<String, String>, ApiSyncError> {
        let existing = self
            .store
            .collection(&connection.team_id, collection.id())
            .await?;
        // The same collection, already imported (a connect or pull that failed after it):
        // link it again rather than make a copy.
        let same = existing
            .as_ref()
            .is_some_and(|(_, canonical)| *canonical == collection.to_canonical_json());
        if existing.is_some() && !same {
            collection.set_id(&uuid::Uuid::new_v4().to_string());
        }
        let id = collection.id().to_owned();
        if !same {
            match self.collections().create(actor, collection).await {
                Ok(_) => {}
                Err(error @ (CollectionsError::Invalid(_) | CollectionsError::OverQuota(_))) => {
                    return Ok(Err(error.to_string()))
                }
                Err(error) => return Err(error.into()),
            }
        }
        match self.apis().link(actor, &connection.api_id, &id).await {
            Ok(()) | Err(ApisError::Conflict(_)) => Ok(Ok(id)),
            Err(error) => Err(error.into()),
        }
    }

    /// Reads the repository's tags that match the pattern and that Ferry has no version of
    /// yet, as versions "from the repository".
    async fn read_tags(
        &self,
        remote: &Remote<'_>,
        connection: &ConnectionRow,
    ) -> Result<Vec<String>, ApiSyncError> {
        let known: Vec<String> = self
            .store
            .api_versions(&connection.team_id, &connection.api_id)
            .await?
            .into_iter()
            .map(|version| version.name)
            .collect();
        let tags = remote.tags().await?;
        let mut read = Vec::new();
        for tag in tags {
            if read.len() >= MAX_TAGS_PER_PULL {
                break;
            }
            let Some(version) = super::version_of_tag(&connection.tag_pattern, &tag.name) else {
                continue;
            };
            if known.iter().any(|name| name == version) {
                continue;
            }
            let Some(definition) = remote
                .file(&tag.target, &connection.definition_path)
                .await?
                .and_then(|bytes| String::from_utf8(bytes).ok())
            else {
                continue;
            };
            let Ok(parsed) = Definition::parse(&definition) else {
                continue;
            };
            let format = match parsed.format() {
                Format::Json => DefinitionFormat::Json,
                Format::Yaml => DefinitionFormat::Yaml,
            };
            let mut collections = Vec::new();
            for entry in remote
                .directory(&tag.target, &connection.collections_dir)
                .await?
            {
                if entry.kind != crate::bitbucket::EntryKind::File
                    || !files::is_collection_path(connection, &entry.path)
                {
                    continue;
                }
                if let Some(Ok(collection)) = remote
                    .file(&tag.target, &entry.path)
                    .await?
                    .map(|bytes| files::canonical_collection(&bytes))
                {
                    collections.push(VersionCollectionRow {
                        collection_id: collection.id().to_owned(),
                        name: collection.name().to_owned(),
                        canonical_json: collection.to_canonical_json(),
                    });
                }
            }
            let actor = via_bitbucket(connection, "tag");
            let notes = tag.message.clone().unwrap_or_default();
            let snapshot = Snapshot {
                definition: &definition,
                format,
                collections: &collections,
                source_commit: Some(tag.target.as_str()),
            };
            match self
                .apis()
                .publish_from_repository(&actor, &connection.api_id, version, &notes, snapshot)
                .await
            {
                Ok(_) => read.push(version.to_owned()),
                // Published meanwhile, or a name Ferry cannot take: the tag stays as it is.
                Err(ApisError::Conflict(_) | ApisError::Field(_) | ApisError::OverQuota(_)) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(read)
    }
}

#[allow(clippy::too_many_arguments)]
fn conflict(
    step: &mut SyncStep,
    report: &mut PullReport,
    path: &str,
    collection_id: Option<&str>,
    base: Option<&str>,
    ours: &str,
    theirs: &str,
    tip: &CommitHash,
) {
    report.conflicts.push(path.to_owned());
    step.conflicts.push(ConflictRow {
        path: path.to_owned(),
        collection_id: collection_id.map(str::to_owned),
        base: base.map(str::to_owned),
        ours: ours.to_owned(),
        theirs: theirs.to_owned(),
        commit_hash: tip.as_str().to_owned(),
        found_at_ms: now_ms(),
    });
}

/// The log's sentence for a pull.
fn describe(report: &PullReport, commit: &str, author: &str) -> String {
    let mut parts = vec![format!("Pulled commit {} by {author}", short(commit))];
    let list = |paths: &[String]| paths.join(", ");
    if !report.applied.is_empty() {
        parts.push(format!("applied {}", list(&report.applied)));
    }
    if !report.merged.is_empty() {
        parts.push(format!(
            "merged with Ferry's changes {} (push to send the merge)",
            list(&report.merged)
        ));
    }
    if !report.conflicts.is_empty() {
        parts.push(format!(
            "conflicts in {}: choose which side to keep",
            list(&report.conflicts)
        ));
    }
    if !report.deleted.is_empty() {
        parts.push(format!(
            "deleted in the repository, kept in Ferry (not applied): {}",
            list(&report.deleted)
        ));
    }
    if !report.gone_in_ferry.is_empty() {
        parts.push(format!(
            "changed in the repository but unlinked or deleted in Ferry (not applied): {}",
            list(&report.gone_in_ferry)
        ));
    }
    for (path, reason) in &report.refused {
        parts.push(format!(
            "{path} not applied: {reason}; fix it in the repository"
        ));
    }
    if !report.versions.is_empty() {
        parts.push(format!(
            "read version(s) {} from tags",
            report.versions.join(", ")
        ));
    }
    if parts.len() == 1 {
        parts.push("no synced file changed".into());
    }
    parts.join("; ")
}
