//! Collections as a service: a team's Postman collections, their revisions, and the outbox of
//! change events the sync engine consumes.
//!
//! Every call takes the [`Actor`] and reads or writes only the actor's team: another team's
//! collection id answers [`CollectionsError::NotFound`], exactly like an unknown one. Every
//! write needs [`Permission::EditCollections`] and stores the change, its new revision and its
//! event in one transaction. A collection's id is its Postman id (`info._postman_id`), unique
//! within the team; names and ids are bounded by [`crate::collection::limits`].

use crate::{
    accounts::Actor,
    auth::{Permission, Role},
    collection::{diff, Collection, CollectionError},
    store::{
        accounts::is_unique_violation,
        collections::{Change, CollectionRow, RevisionRow},
        now_ms, Store, StoreError,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum CollectionsError {
    /// The document is not a collection Ferry accepts; the message names the JSON path.
    #[error(transparent)]
    Invalid(#[from] CollectionError),
    #[error("no such collection (or revision) in this team; check the id")]
    NotFound,
    #[error("your role ({role}) does not allow this: {needed}")]
    Forbidden { role: Role, needed: &'static str },
    /// A create met an existing id, or a replace met a newer revision.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
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
}

impl<'a> Collections<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Refuses, as every write does, an actor whose role may not edit collections: for a
    /// form that must say so before it checks its own fields.
    pub fn require_editor(actor: &Actor) -> Result<(), CollectionsError> {
        require(actor, Permission::EditCollections)
    }

    /// The team's collections by name; with a non-empty `search`, only those whose name
    /// contains it (ignoring case).
    pub async fn list(&self, actor: &Actor, search: &str) -> Result<Vec<CollectionRow>, CollectionsError> {
        require(actor, Permission::ReadTeamData)?;
        let needle = search.trim().to_lowercase();
        let mut rows = self.store.collections(&actor.team_id).await?;
        rows.retain(|row| row.name.to_lowercase().contains(&needle));
        Ok(rows)
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<StoredCollection, CollectionsError> {
        require(actor, Permission::ReadTeamData)?;
        let (row, json) = self.store.collection(&actor.team_id, id).await?.ok_or(CollectionsError::NotFound)?;
        Ok(StoredCollection { row, collection: stored(&json)? })
    }

    /// Stores a new collection under its own id as revision 1.
    pub async fn create(&self, actor: &Actor, collection: Collection) -> Result<StoredCollection, CollectionsError> {
        require(actor, Permission::EditCollections)?;
        let summary = diff(None, &collection).commit_message(collection.name()).replacen("Update", "Create", 1);
        let change = change(actor, collection.id(), &summary);
        match self.store.insert_collection(&change, collection.name(), &collection.to_canonical_json()).await {
            Err(e) if is_unique_violation(&e) => {
                return Err(CollectionsError::Conflict(format!(
                    "collection.info._postman_id: this team already has a collection with id {}; \
                     replace it with PUT /api/collections/{}, or leave the id out to get a new one",
                    collection.id(),
                    collection.id()
                )))
            }
            other => other?,
        }
        self.get(actor, collection.id()).await
    }

    /// Replaces the document of collection `id` (keeping that id). Content equal to the
    /// current revision stores nothing; otherwise a new revision and event are written.
    pub async fn replace(
        &self,
        actor: &Actor,
        id: &str,
        mut collection: Collection,
    ) -> Result<StoredCollection, CollectionsError> {
        require(actor, Permission::EditCollections)?;
        let current = self.get(actor, id).await?;
        collection.set_id(id);
        let canonical = collection.to_canonical_json();
        if canonical == current.collection.to_canonical_json() {
            return Ok(current);
        }
        let summary = diff(Some(&current.collection), &collection).commit_message(collection.name());
        let change = change(actor, id, &summary);
        self.store
            .update_collection(&change, current.row.revision, collection.name(), &canonical)
            .await?
            .ok_or_else(|| {
                CollectionsError::Conflict(
                    "the collection changed while this change was being saved; load it again and retry".into(),
                )
            })?;
        self.get(actor, id).await
    }

    /// Applies one editor change (see [`Collection`]'s edit methods) to the current document
    /// of collection `id` and stores the result as [`Collections::replace`] does.
    pub async fn edit(
        &self,
        actor: &Actor,
        id: &str,
        change: impl FnOnce(&mut Collection) -> Result<(), CollectionError>,
    ) -> Result<StoredCollection, CollectionsError> {
        require(actor, Permission::EditCollections)?;
        let mut collection = self.get(actor, id).await?.collection;
        change(&mut collection)?;
        self.replace(actor, id, collection).await
    }

    /// Deletes the collection and its revisions; its events stay in the outbox.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), CollectionsError> {
        require(actor, Permission::EditCollections)?;
        let current = self.store.collection(&actor.team_id, id).await?.ok_or(CollectionsError::NotFound)?.0;
        let summary = format!("Delete \"{}\"", current.name);
        if self.store.delete_collection(&change(actor, id, &summary)).await? {
            Ok(())
        } else {
            Err(CollectionsError::NotFound)
        }
    }

    /// The collection's revisions, newest first.
    pub async fn revisions(&self, actor: &Actor, id: &str) -> Result<Vec<RevisionRow>, CollectionsError> {
        require(actor, Permission::ReadTeamData)?;
        let revisions = self.store.collection_revisions(&actor.team_id, id).await?;
        if revisions.is_empty() {
            return Err(CollectionsError::NotFound);
        }
        Ok(revisions)
    }

    pub async fn revision(&self, actor: &Actor, id: &str, number: i64) -> Result<Revision, CollectionsError> {
        require(actor, Permission::ReadTeamData)?;
        let (row, json) = self
            .store
            .collection_revision(&actor.team_id, id, number)
            .await?
            .ok_or(CollectionsError::NotFound)?;
        Ok(Revision { row, collection: stored(&json)? })
    }
}

fn require(actor: &Actor, permission: Permission) -> Result<(), CollectionsError> {
    if actor.role.allows(permission) {
        Ok(())
    } else {
        Err(CollectionsError::Forbidden { role: actor.role, needed: permission.description() })
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
