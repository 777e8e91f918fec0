//! SQL for APIs: their rows, revisions (the history), linked collections and published
//! versions. Every query takes the team id; every change writes its revision in the same
//! transaction, and the definitions and versions a team keeps count in its storage quota.

pub use super::enums::DefinitionFormat;

use ferry_webhooks::event::Activity;

use super::{
    activity::record_activity,
    collections::{ensure_usage_row, over_quota, size_bytes, take_quota, OverQuota, Quotas, Usage},
    Store, StoreError,
};

/// An API with what was read from its current definition.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub summary: String,
    pub revision: i64,
    pub definition_revision: i64,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_by: String,
    pub updated_at_ms: i64,
    #[sqlx(flatten)]
    pub definition: DefinitionFacts,
}

/// What Ferry read from a definition when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DefinitionFacts {
    pub format: DefinitionFormat,
    pub title: Option<String>,
    pub version: Option<String>,
    pub problem_count: i64,
    pub operation_count: i64,
}

/// A definition to store: the text as written and what was read from it.
pub struct NewDefinition<'a> {
    pub text: &'a str,
    pub facts: DefinitionFacts,
}

/// One entry of an API's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiRevisionRow {
    pub number: i64,
    pub author_user_id: String,
    pub author_email: String,
    pub created_at_ms: i64,
    pub summary: String,
    /// Whether this revision changed the definition.
    pub has_definition: bool,
}

/// A collection linked to an API.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedCollectionRow {
    pub collection_id: String,
    pub name: String,
    pub generated: bool,
    pub linked_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    pub id: String,
    pub name: String,
    pub release_notes: String,
    pub format: DefinitionFormat,
    pub created_by: String,
    pub created_email: String,
    pub created_at_ms: i64,
    /// The commit of the repository tag the version was read from; `None` when it was
    /// published in Ferry.
    pub source_commit: Option<String>,
}

/// A collection as a version keeps it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionCollectionRow {
    pub collection_id: String,
    pub name: String,
    pub canonical_json: String,
}

/// One change to record: who made it, when, and what it did.
pub struct ApiChange<'a> {
    pub team_id: &'a str,
    pub api_id: &'a str,
    pub author_user_id: &'a str,
    pub author_email: &'a str,
    pub summary: &'a str,
    pub at_ms: i64,
}

/// What a revision of an API changes; `None` keeps it.
#[derive(Clone, Copy, Default)]
pub struct ApiEdit<'a> {
    pub name: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub definition: Option<&'a NewDefinition<'a>>,
}

/// How a change of an existing API ended when the database had no error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiSaved {
    /// Stored as this revision.
    Revision(i64),
    /// The API is gone or another change came first.
    Stale,
    OverQuota(OverQuota),
}

/// A version to publish: its row and the collections it keeps.
pub struct NewVersion<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub release_notes: &'a str,
    pub definition: &'a str,
    pub format: DefinitionFormat,
    pub collections: &'a [VersionCollectionRow],
    /// The tag's commit, for a version read from the repository.
    pub source_commit: Option<&'a str>,
}

const API_COLUMNS: &str = "a.id, a.team_id, a.name, a.summary, a.revision, a.definition_revision, \
     a.created_by, a.created_at_ms, a.updated_by, a.updated_at_ms, \
     d.format, d.title, d.version, d.problem_count, d.operation_count";

const API_FROM: &str = "FROM apis a JOIN api_revisions d ON d.team_id = a.team_id \
     AND d.api_id = a.id AND d.number = a.definition_revision";

const REVISION_COLUMNS: &str = "number, author_user_id, author_email, created_at_ms, summary, \
     CASE WHEN definition IS NULL THEN FALSE ELSE TRUE END AS has_definition";

const VERSION_COLUMNS: &str =
    "id, name, release_notes, format, created_by, created_email, created_at_ms, source_commit";

#[derive(sqlx::FromRow)]
struct WithText<T> {
    #[sqlx(flatten)]
    row: T,
    definition: String,
}

/// The revision row of a change, with or without a definition; run inside its transaction.
macro_rules! insert_api_revision {
    ($tx:expr, $change:expr, $number:expr, $definition:expr) => {{
        let definition: Option<&NewDefinition<'_>> = $definition;
        let facts = definition.map(|d| &d.facts);
        sqlx::query(
            "INSERT INTO api_revisions (team_id, api_id, number, definition, format, title, version, \
             problem_count, operation_count, author_user_id, author_email, created_at_ms, summary, size_bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind($change.team_id)
        .bind($change.api_id)
        .bind($number)
        .bind(definition.map(|d| d.text))
        .bind(facts.map(|f| f.format))
        .bind(facts.and_then(|f| f.title.as_deref()))
        .bind(facts.and_then(|f| f.version.as_deref()))
        .bind(facts.map(|f| f.problem_count))
        .bind(facts.map(|f| f.operation_count))
        .bind($change.author_user_id)
        .bind($change.author_email)
        .bind($change.at_ms)
        .bind($change.summary)
        .bind(definition.map_or(0, |d| size_bytes(d.text)))
        .execute(&mut *$tx)
        .await?
    }};
}

/// Moves an API to its next revision if it is still at `expected`; evaluates to whether it did.
macro_rules! advance_api {
    ($tx:expr, $change:expr, $expected:expr, $next:expr, $definition_changed:expr, $name:expr, $summary:expr) => {{
        let updated = sqlx::query(
            "UPDATE apis SET name = COALESCE($1, name), summary = COALESCE($2, summary), revision = $3, \
             definition_revision = CASE WHEN $4 THEN $3 ELSE definition_revision END, \
             updated_by = $5, updated_at_ms = $6 WHERE team_id = $7 AND id = $8 AND revision = $9",
        )
        .bind($name)
        .bind($summary)
        .bind($next)
        .bind($definition_changed)
        .bind($change.author_user_id)
        .bind($change.at_ms)
        .bind($change.team_id)
        .bind($change.api_id)
        .bind($expected)
        .execute(&mut *$tx)
        .await?;
        updated.rows_affected() == 1
    }};
}

impl Store {
    /// The team's APIs, by name, with what was read from their definitions.
    pub async fn apis(&self, team_id: &str) -> Result<Vec<ApiRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {API_COLUMNS} {API_FROM} WHERE a.team_id = $1 ORDER BY a.name, a.id"))
                .bind(team_id).fetch_all(pool).await?)
        })
    }

    /// An API with the text of its current definition.
    pub async fn api(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Option<(ApiRow, String)>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<WithText<ApiRow>> = sqlx::query_as(&format!(
                "SELECT {API_COLUMNS}, d.definition {API_FROM} WHERE a.team_id = $1 AND a.id = $2"))
                .bind(team_id).bind(id).fetch_optional(pool).await?;
            Ok(row.map(|r| (r.row, r.definition)))
        })
    }

    /// Creates the API with its definition as revision 1, if the team's storage quota allows.
    pub async fn insert_api(
        &self,
        change: &ApiChange<'_>,
        name: &str,
        summary: &str,
        definition: &NewDefinition<'_>,
        quotas: Quotas,
    ) -> Result<Result<(), OverQuota>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(over) = take_quota!(tx, change.team_id, 0, size_bytes(definition.text), quotas) {
                return Ok(Err(over));
            }
            sqlx::query(
                "INSERT INTO apis (team_id, id, name, summary, revision, definition_revision, created_by, \
                 created_at_ms, updated_by, updated_at_ms) VALUES ($1, $2, $3, $4, 1, 1, $5, $6, $5, $6)")
                .bind(change.team_id).bind(change.api_id).bind(name).bind(summary)
                .bind(change.author_user_id).bind(change.at_ms)
                .execute(&mut *tx).await?;
            insert_api_revision!(tx, change, 1_i64, Some(definition));
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Stores the next revision of an API still at `expected_revision`: a new name or summary
    /// and/or a new definition, in one transaction with its history entry.
    pub async fn update_api(
        &self,
        change: &ApiChange<'_>,
        expected_revision: i64,
        edit: &ApiEdit<'_>,
        quotas: Quotas,
        activity: &Activity,
    ) -> Result<ApiSaved, StoreError> {
        let next = expected_revision + 1;
        let ApiEdit {
            name,
            summary,
            definition,
        } = *edit;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let bytes = definition.map_or(0, |d| size_bytes(d.text));
            if let Some(over) = take_quota!(tx, change.team_id, 0, bytes, quotas) {
                return Ok(ApiSaved::OverQuota(over));
            }
            if !advance_api!(tx, change, expected_revision, next, definition.is_some(), name, summary) {
                return Ok(ApiSaved::Stale);
            }
            insert_api_revision!(tx, change, next, definition);
            record_activity!(tx, change.team_id, activity);
            tx.commit().await?;
            Ok(ApiSaved::Revision(next))
        })
    }

    /// Deletes the API with its history, links and versions, giving their storage back to the
    /// team. False (and nothing written) when there is no such API.
    pub async fn delete_api(&self, team_id: &str, id: &str) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The usage row first, as every write of the team's stored bytes takes it.
            ensure_usage_row!(tx, team_id);
            sqlx::query("UPDATE team_usage SET collections = collections WHERE team_id = $1")
                .bind(team_id).execute(&mut *tx).await?;
            let freed: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE((SELECT SUM(size_bytes) FROM api_revisions WHERE team_id = $1 AND api_id = $2), 0) \
                 + COALESCE((SELECT SUM(size_bytes) FROM api_versions WHERE team_id = $1 AND api_id = $2), 0) AS BIGINT)")
                .bind(team_id).bind(id).fetch_one(&mut *tx).await?;
            let deleted = sqlx::query("DELETE FROM apis WHERE team_id = $1 AND id = $2")
                .bind(team_id).bind(id).execute(&mut *tx).await?;
            if deleted.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query("UPDATE team_usage SET stored_bytes = stored_bytes - $2 WHERE team_id = $1")
                .bind(team_id).bind(freed).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The API's history, newest first.
    pub async fn api_revisions(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Vec<ApiRevisionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {REVISION_COLUMNS} FROM api_revisions WHERE team_id = $1 AND api_id = $2 ORDER BY number DESC"))
                .bind(team_id).bind(api_id).fetch_all(pool).await?)
        })
    }

    /// The definition text stored by revision `number`, if that revision changed it.
    pub async fn api_revision_definition(
        &self,
        team_id: &str,
        api_id: &str,
        number: i64,
    ) -> Result<Option<String>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT definition FROM api_revisions WHERE team_id = $1 AND api_id = $2 AND number = $3 \
                 AND definition IS NOT NULL")
                .bind(team_id).bind(api_id).bind(number).fetch_optional(pool).await?)
        })
    }

    /// The collections linked to the API, by name.
    pub async fn api_collections(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Vec<LinkedCollectionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT l.collection_id, c.name, l.generated, l.linked_at_ms FROM api_collections l \
                 JOIN collections c ON c.team_id = l.team_id AND c.id = l.collection_id \
                 WHERE l.team_id = $1 AND l.api_id = $2 ORDER BY c.name, l.collection_id")
                .bind(team_id).bind(api_id).fetch_all(pool).await?)
        })
    }

    /// Links (or, with `link` false, unlinks) a collection of the team as the API's next
    /// revision. `Stale` when the API changed meanwhile; false inside `Ok` when there was
    /// nothing to do (already linked, not linked, or no such collection in the team).
    pub async fn set_api_link(
        &self,
        change: &ApiChange<'_>,
        expected_revision: i64,
        collection_id: &str,
        link: Option<bool>,
    ) -> Result<Result<ApiSaved, ()>, StoreError> {
        let next = expected_revision + 1;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let affected = match link {
                Some(generated) => sqlx::query(
                    "INSERT INTO api_collections (team_id, api_id, collection_id, generated, linked_by, linked_at_ms) \
                     SELECT $1, $2, c.id, $4, $5, $6 FROM collections c WHERE c.team_id = $1 AND c.id = $3 \
                     ON CONFLICT (team_id, api_id, collection_id) DO NOTHING")
                    .bind(change.team_id).bind(change.api_id).bind(collection_id).bind(generated)
                    .bind(change.author_user_id).bind(change.at_ms)
                    .execute(&mut *tx).await?,
                None => sqlx::query(
                    "DELETE FROM api_collections WHERE team_id = $1 AND api_id = $2 AND collection_id = $3")
                    .bind(change.team_id).bind(change.api_id).bind(collection_id)
                    .execute(&mut *tx).await?,
            };
            if affected.rows_affected() == 0 {
                return Ok(Err(()));
            }
            if !advance_api!(tx, change, expected_revision, next, false, None::<&str>, None::<&str>) {
                return Ok(Ok(ApiSaved::Stale));
            }
            insert_api_revision!(tx, change, next, None);
            tx.commit().await?;
            Ok(Ok(ApiSaved::Revision(next)))
        })
    }

    /// Publishes a version: its snapshot and a history entry, in one transaction, if the API
    /// is still at `expected_revision` and the storage quota allows. A name the API already
    /// has fails with a unique violation.
    pub async fn insert_api_version(
        &self,
        change: &ApiChange<'_>,
        expected_revision: i64,
        version: &NewVersion<'_>,
        quotas: Quotas,
        activity: &Activity,
    ) -> Result<ApiSaved, StoreError> {
        let next = expected_revision + 1;
        let bytes = size_bytes(version.definition)
            + version
                .collections
                .iter()
                .map(|c| size_bytes(&c.canonical_json))
                .sum::<i64>();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(over) = take_quota!(tx, change.team_id, 0, bytes, quotas) {
                return Ok(ApiSaved::OverQuota(over));
            }
            sqlx::query(
                "INSERT INTO api_versions (team_id, api_id, id, name, release_notes, definition, format, created_by, \
                 created_email, created_at_ms, size_bytes, source_commit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .bind(change.team_id).bind(change.api_id).bind(version.id).bind(version.name)
                .bind(version.release_notes).bind(version.definition).bind(version.format)
                .bind(change.author_user_id).bind(change.author_email).bind(change.at_ms).bind(bytes)
                .bind(version.source_commit)
                .execute(&mut *tx).await?;
            for collection in version.collections {
                sqlx::query(
                    "INSERT INTO api_version_collections (team_id, api_id, version_id, collection_id, name, canonical_json) \
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(change.team_id).bind(change.api_id).bind(version.id)
                    .bind(&collection.collection_id).bind(&collection.name).bind(&collection.canonical_json)
                    .execute(&mut *tx).await?;
            }
            if !advance_api!(tx, change, expected_revision, next, false, None::<&str>, None::<&str>) {
                return Ok(ApiSaved::Stale);
            }
            insert_api_revision!(tx, change, next, None);
            record_activity!(tx, change.team_id, activity);
            tx.commit().await?;
            Ok(ApiSaved::Revision(next))
        })
    }

    /// The API's versions, newest first.
    pub async fn api_versions(
        &self,
        team_id: &str,
        api_id: &str,
    ) -> Result<Vec<VersionRow>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS} FROM api_versions WHERE team_id = $1 AND api_id = $2 \
                 ORDER BY created_at_ms DESC, id DESC"))
                .bind(team_id).bind(api_id).fetch_all(pool).await?)
        })
    }

    /// One version with its definition text and the collections it keeps.
    pub async fn api_version(
        &self,
        team_id: &str,
        api_id: &str,
        version_id: &str,
    ) -> Result<Option<(VersionRow, String, Vec<VersionCollectionRow>)>, StoreError> {
        on_pool!(self, pool => {
            let row: Option<WithText<VersionRow>> = sqlx::query_as(&format!(
                "SELECT {VERSION_COLUMNS}, definition FROM api_versions WHERE team_id = $1 AND api_id = $2 AND id = $3"))
                .bind(team_id).bind(api_id).bind(version_id).fetch_optional(pool).await?;
            let Some(row) = row else { return Ok(None) };
            let collections = sqlx::query_as(
                "SELECT collection_id, name, canonical_json FROM api_version_collections \
                 WHERE team_id = $1 AND api_id = $2 AND version_id = $3 ORDER BY name, collection_id")
                .bind(team_id).bind(api_id).bind(version_id).fetch_all(pool).await?;
            Ok(Some((row.row, row.definition, collections)))
        })
    }
}
