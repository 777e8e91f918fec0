//! Collections as a service: a team's Postman collections, their revisions, and the outbox of
//! change events the sync engine consumes.
//!
//! Every call takes the [`Actor`] and reads or writes only the actor's team: another team's
//! collection id answers [`CollectionsError::NotFound`], exactly like an unknown one. Every
//! write needs [`Permission::EditCollections`] and stores the change, its new revision and its
//! event in one transaction. A collection's id is its Postman id (`info._postman_id`), unique
//! within the team; names and ids are bounded by [`crate::postman::limits`].
//!
//! A team holds at most [`Quotas`]: a number of collections, and a number of bytes of stored
//! documents (the canonical JSON of every revision it keeps, the current documents included).
//! The check is part of the writing transaction, so concurrent writes of one team cannot
//! together pass a limit; a refused write stores nothing.

use crate::{
    accounts::Actor,
    auth::Permission,
    error::{DomainError, ErrorKind, Forbidden},
    hooks::events,
    postman::{diff, Collection, FormatError},
    store::{
        accounts::is_unique_violation,
        collections::{Change, CollectionRow, RevisionRow, Saved},
        now_ms, Store, StoreError,
    },
};

use ferry_webhooks::EventType;

pub use crate::store::collections::{OverQuota, Quotas, Usage};

/// The collections a team may hold unless the operator says otherwise: ten times the hundred
/// or so a large team keeps by hand, few enough that one account cannot fill the database
/// with empty collections.
pub const DEFAULT_MAX_COLLECTIONS: i64 = 1_000;

/// The megabytes of documents and history a team may store unless the operator says
/// otherwise. A busy team saving 100 times a workday in collections of 60 KB (the largest of
/// the shared examples) adds about 6 MB a day: about 400 MB for the 90 days that keep every
/// revision, then one revision a day per collection. That is under half of this, while one
/// account can make Ferry store a gigabyte, not 32 MiB per request forever.
pub const DEFAULT_MAX_STORAGE_MB: i64 = 1_024;

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            collections: Some(DEFAULT_MAX_COLLECTIONS),
            stored_bytes: Some(DEFAULT_MAX_STORAGE_MB * MB),
        }
    }
}

const MB: i64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CollectionsError {
    /// The document is not a collection Ferry accepts; the message names the JSON path.
    #[error(transparent)]
    Invalid(#[from] FormatError),
    #[error("no such collection (or revision) in this team; check the id")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A create met an existing id, or a replace met a newer revision.
    #[error("{0}")]
    Conflict(String),
    /// The team has reached a quota; nothing was stored.
    #[error("{}", quota_message(.0))]
    OverQuota(OverQuota),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for CollectionsError {
    fn kind(&self) -> ErrorKind {
        match self {
            CollectionsError::Invalid(_) => ErrorKind::Invalid,
            CollectionsError::NotFound => ErrorKind::NotFound,
            CollectionsError::Forbidden(_) => ErrorKind::Forbidden,
            CollectionsError::Conflict(_) | CollectionsError::OverQuota(_) => ErrorKind::Conflict,
            CollectionsError::Store(_) => ErrorKind::Internal,
        }
    }
}

/// What the team reached and what to do about it.
fn quota_message(over: &OverQuota) -> String {
    match *over {
        OverQuota::Collections { limit } => format!(
            "this team has reached its limit of {limit} collections; delete collections it no longer needs, \
             or ask the operator to raise FERRY_QUOTA_COLLECTIONS"
        ),
        OverQuota::Storage { limit_bytes, used_bytes, needed_bytes } => format!(
            "this team has reached its storage limit of {} (its collections and their history take {}, \
             this change needs {} more); delete collections it no longer needs, \
             or ask the operator to raise FERRY_QUOTA_STORAGE_MB",
            amount(limit_bytes),
            amount(used_bytes),
            amount(needed_bytes)
        ),
    }
}

/// `1024 MB`, `2.5 MB`, `300 KB`, `12 bytes`: exact enough to compare with the limit, which
/// operators set in whole megabytes.
fn amount(bytes: i64) -> String {
    const KB: i64 = 1024;
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < MB => format!("{} KB", (b + KB - 1) / KB),
        b if b < 10 * MB && b % MB != 0 => format!("{:.1} MB", b as f64 / MB as f64),
        b => format!("{} MB", (b + MB / 2) / MB),
    }
}

/// A collection as stored: its row and its current document.
#[derive(Debug, Clone)]
pub struct StoredCollection {
    pub row: CollectionRow,
    pub collection: Collection,
}

/// One revision: who saved it, when, what changed, and the document as it was.
#[derive(Debug, Clone)]
pub struct Revision {
    pub row: RevisionRow,
    pub collection: Collection,
}

pub struct Collections<'a> {
    store: &'a Store,
    quotas: Quotas,
}

impl<'a> Collections<'a> {
    /// The service with the default [`Quotas`].
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            quotas: Quotas::default(),
        }
    }

    /// The service with the deployment's quotas.
    pub fn with_quotas(store: &'a Store, quotas: Quotas) -> Self {
        Self { store, quotas }
    }

    /// Refuses, as every write does, an actor whose role may not edit collections: for a
    /// form that must say so before it checks its own fields.
    pub fn require_editor(actor: &Actor) -> Result<(), CollectionsError> {
        Ok(actor.require(Permission::EditCollections)?)
    }

    /// The team's collections by name; with a non-empty `search`, only those whose name
    /// contains it (ignoring case).
    pub async fn list(
        &self,
        actor: &Actor,
        search: &str,
    ) -> Result<Vec<CollectionRow>, CollectionsError> {
        actor.require(Permission::ReadTeamData)?;
        let needle = search.trim().to_lowercase();
        let mut rows = self.store.collections(&actor.team_id).await?;
        rows.retain(|row| row.name.to_lowercase().contains(&needle));
        Ok(rows)
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<StoredCollection, CollectionsError> {
        actor.require(Permission::ReadTeamData)?;
        self.load(actor, id).await
    }

    /// Collection `id` of the actor's team, read and parsed once; the caller has checked
    /// what the actor may do.
    async fn load(&self, actor: &Actor, id: &str) -> Result<StoredCollection, CollectionsError> {
        let (row, json) = self
            .store
            .collection(&actor.team_id, id)
            .await?
            .ok_or(CollectionsError::NotFound)?;
        Ok(StoredCollection {
            row,
            collection: stored(&json)?,
        })
    }

    /// Stores a new collection under its own id as revision 1, if the team's quotas allow.
    pub async fn create(
        &self,
        actor: &Actor,
        collection: Collection,
    ) -> Result<StoredCollection, CollectionsError> {
        actor.require(Permission::EditCollections)?;
        let changes = diff(None, &collection);
        let summary = changes
            .commit_message(collection.name())
            .replacen("Update", "Create", 1);
        let change = change(actor, collection.id(), &summary);
        let activity = events::collection(
            actor,
            EventType::CollectionCreated,
            collection.id(),
            collection.name(),
            1,
            Some(&changes),
        );
        match self
            .store
            .insert_collection(
                &change,
                collection.name(),
                &collection.to_canonical_json(),
                self.quotas,
                &activity,
            )
            .await
        {
            // What was written, without reading it back (as in `save`).
            Ok(Ok(())) => Ok(StoredCollection {
                row: CollectionRow {
                    id: collection.id().to_owned(),
                    team_id: actor.team_id.clone(),
                    name: collection.name().to_owned(),
                    revision: 1,
                    created_by: actor.user_id.clone(),
                    created_at_ms: change.at_ms,
                    updated_by: actor.user_id.clone(),
                    updated_at_ms: change.at_ms,
                },
                collection,
            }),
            Ok(Err(over)) => Err(CollectionsError::OverQuota(over)),
            Err(e) if is_unique_violation(&e) => Err(CollectionsError::Conflict(format!(
                "collection.info._postman_id: this team already has a collection with id {}; \
                     replace it with PUT /api/collections/{}, or leave the id out to get a new one",
                collection.id(),
                collection.id()
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the document of collection `id` (keeping that id), as [`Collections::save`]
    /// stores it.
    pub async fn replace(
        &self,
        actor: &Actor,
        id: &str,
        collection: Collection,
    ) -> Result<StoredCollection, CollectionsError> {
        actor.require(Permission::EditCollections)?;
        let current = self.load(actor, id).await?;
        self.save(actor, current, collection).await
    }

    /// Applies one editor change (see [`Collection`]'s edit methods) to the current document
    /// of collection `id` and stores the result as [`Collections::save`] does: one permission
    /// check, one read, one write.
    pub async fn edit(
        &self,
        actor: &Actor,
        id: &str,
        change: impl FnOnce(&mut Collection) -> Result<(), FormatError>,
    ) -> Result<StoredCollection, CollectionsError> {
        actor.require(Permission::EditCollections)?;
        let current = self.load(actor, id).await?;
        let mut collection = current.collection.clone();
        change(&mut collection)?;
        self.save(actor, current, collection).await
    }

    /// Stores `collection` as the next revision of `current`, and answers what is stored then.
    /// The one place that decides a save changes nothing: a document whose canonical JSON
    /// equals the current revision's stores nothing (no revision, no event, no sync job).
    /// Otherwise a new revision and event are written, if the team's storage quota allows and
    /// no other change came first.
    async fn save(
        &self,
        actor: &Actor,
        current: StoredCollection,
        mut collection: Collection,
    ) -> Result<StoredCollection, CollectionsError> {
        let id = current.row.id.clone();
        collection.set_id(&id);
        let canonical = collection.to_canonical_json();
        if canonical == current.collection.to_canonical_json() {
            return Ok(current);
        }
        let changes = diff(Some(&current.collection), &collection);
        let summary = changes.commit_message(collection.name());
        let change = change(actor, &id, &summary);
        let activity = events::collection(
            actor,
            EventType::CollectionChanged,
            &id,
            collection.name(),
            current.row.revision + 1,
            Some(&changes),
        );
        match self
            .store
            .update_collection(
                &change,
                current.row.revision,
                collection.name(),
                &canonical,
                self.quotas,
                &activity,
            )
            .await?
        {
            // What was written, without reading it back: the row as the UPDATE left it, and
            // the document whose canonical JSON is the new revision.
            Saved::Revision(revision) => {
                // Connected APIs that push automatically push it after the debounce (or, should
                // this fail, at their next poll).
                let _ = self
                    .store
                    .request_api_checks_for_collection(
                        &actor.team_id,
                        &id,
                        change.at_ms + crate::api_sync::AUTO_PUSH_DEBOUNCE_MS,
                    )
                    .await;
                Ok(StoredCollection {
                    row: CollectionRow {
                        name: collection.name().to_owned(),
                        revision,
                        updated_by: actor.user_id.clone(),
                        updated_at_ms: change.at_ms,
                        ..current.row
                    },
                    collection,
                })
            }
            Saved::Stale => Err(CollectionsError::Conflict(
                "the collection changed while this change was being saved; load it again and retry"
                    .into(),
            )),
            Saved::OverQuota(over) => Err(CollectionsError::OverQuota(over)),
        }
    }

    /// Deletes the collection and its revisions; its events stay in the outbox.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), CollectionsError> {
        actor.require(Permission::EditCollections)?;
        let current = self
            .store
            .collection(&actor.team_id, id)
            .await?
            .ok_or(CollectionsError::NotFound)?
            .0;
        let summary = format!("Delete \"{}\"", current.name);
        let activity = events::collection(
            actor,
            EventType::CollectionDeleted,
            &current.id,
            &current.name,
            current.revision,
            None,
        );
        if self
            .store
            .delete_collection(&change(actor, id, &summary), &activity)
            .await?
        {
            Ok(())
        } else {
            Err(CollectionsError::NotFound)
        }
    }

    /// What the actor's team holds now, against the quotas.
    pub async fn usage(&self, actor: &Actor) -> Result<Usage, CollectionsError> {
        actor.require(Permission::ReadTeamData)?;
        Ok(self.store.team_usage(&actor.team_id).await?)
    }

    /// The collection's revisions, newest first.
    pub async fn revisions(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<RevisionRow>, CollectionsError> {
        actor.require(Permission::ReadTeamData)?;
        let revisions = self.store.collection_revisions(&actor.team_id, id).await?;
        if revisions.is_empty() {
            return Err(CollectionsError::NotFound);
        }
        Ok(revisions)
    }

    pub async fn revision(
        &self,
        actor: &Actor,
        id: &str,
        number: i64,
    ) -> Result<Revision, CollectionsError> {
        actor.require(Permission::ReadTeamData)?;
        let (row, json) = self
            .store
            .collection_revision(&actor.team_id, id, number)
            .await?
            .ok_or(CollectionsError::NotFound)?;
        Ok(Revision {
            row,
            collection: stored(&json)?,
        })
    }
}

fn change<'c>(actor: &'c Actor, collection_id: &'c str, summary: &'c str) -> Change<'c> {
    Change {
        team_id: &actor.team_id,
        collection_id,
        author_user_id: &actor.user_id,
        author_email: &actor.email,
        summary,
        at_ms: now_ms(),
    }
}

/// A stored revision read back; it was canonical v2.1 when written, so it imports unchanged.
fn stored(json: &str) -> Result<Collection, CollectionsError> {
    Ok(Collection::import(json.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_the_unit_that_fits() {
        assert_eq!(amount(12), "12 bytes");
        assert_eq!(amount(300 * 1024 + 1), "301 KB");
        assert_eq!(amount(5 * MB / 2), "2.5 MB");
        assert_eq!(amount(1024 * MB), "1024 MB");
        assert_eq!(amount(1024 * MB - 1), "1024 MB");
    }

    #[test]
    fn the_storage_message_names_the_limit_the_usage_and_the_setting() {
        let over = OverQuota::Storage {
            limit_bytes: 1024 * MB,
            used_bytes: 1024 * MB - 3 * MB / 10,
            needed_bytes: MB,
        };
        assert_eq!(
            CollectionsError::OverQuota(over).to_string(),
            "this team has reached its storage limit of 1024 MB (its collections and their history take 1024 MB, \
             this change needs 1 MB more); delete collections it no longer needs, \
             or ask the operator to raise FERRY_QUOTA_STORAGE_MB"
        );
    }
}
