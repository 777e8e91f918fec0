//! APIs as a service: a team's OpenAPI definitions, the collections linked to them, their
//! history and their published versions.
//!
//! - A definition is kept as the text a person wrote, byte for byte; it is parsed to validate
//!   it and to read its title, version and operations, never to rewrite it. A definition with
//!   problems is saved (work in progress is normal) and counted invalid; one that breaks a
//!   bound ([`crate::openapi::limits`]: size, nesting, YAML alias expansion) is refused, and
//!   one that is not JSON or YAML at all is refused with the line and column that broke it.
//!   Swagger 2.0 is read-only: it imports, reads and generates, but an edit must be OpenAPI 3.
//! - Every change (create, rename, a new definition, a link, an unlink, a version) writes its
//!   history entry in the same transaction; a change that met a newer one stores nothing.
//! - A version is a snapshot of the definition and of every linked collection as they were:
//!   nothing changes it afterwards. Its name is unique within the API.
//! - A generated collection has a stable id derived from the API's, so generating again
//!   updates it (keeping what people added by hand) instead of making another.
//!
//! Viewers read; editors change ([`Permission::EditApis`]); admins delete
//! ([`Permission::DeleteApis`]). Another team's API answers [`ApisError::NotFound`].

use uuid::Uuid;

use crate::{
    accounts::Actor,
    auth::Permission,
    collections::{Collections, CollectionsError},
    error::{DomainError, ErrorKind, FieldError, Forbidden},
    hooks::events,
    openapi::{generate, limits, operation_changes, Definition, Format, ParseError},
    store::{
        accounts::is_unique_violation,
        apis::{
            ApiChange, ApiEdit, ApiRevisionRow, ApiRow, ApiSaved, DefinitionFacts,
            DefinitionFormat, LinkedCollectionRow, NewDefinition, NewVersion, VersionCollectionRow,
            VersionRow,
        },
        collections::{OverQuota, Quotas},
        now_ms, Store, StoreError,
    },
};

/// The longest API name, version name and summary Ferry keeps.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_VERSION_NAME_CHARS: usize = 64;
pub const MAX_SUMMARY_CHARS: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ApisError {
    /// The definition cannot be read (not JSON or YAML, or past a bound); nothing was stored.
    #[error("definition: {0}")]
    Definition(ParseError),
    #[error("definition: larger than {} MiB; split it or remove what it does not need", limits::MAX_BYTES / (1024 * 1024))]
    TooLarge,
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such API (or version) in this team; check the id")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Collections(#[from] CollectionsError),
    #[error("this team has reached its storage limit; delete what it no longer needs, or ask the operator to raise FERRY_QUOTA_STORAGE_MB")]
    OverQuota(OverQuota),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for ApisError {
    fn kind(&self) -> ErrorKind {
        match self {
            ApisError::Definition(_) | ApisError::Field(_) => ErrorKind::Invalid,
            ApisError::TooLarge => ErrorKind::TooLarge,
            ApisError::NotFound => ErrorKind::NotFound,
            ApisError::Forbidden(_) => ErrorKind::Forbidden,
            ApisError::Conflict(_) | ApisError::OverQuota(_) => ErrorKind::Conflict,
            ApisError::Collections(error) => error.kind(),
            ApisError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            ApisError::Field(error) => Some(error),
            ApisError::Collections(error) => error.field_error(),
            _ => None,
        }
    }
}

/// An API as stored: its row, its definition's text, and that text read.
#[derive(Debug, Clone)]
pub struct StoredApi {
    pub row: ApiRow,
    pub text: String,
    pub definition: Definition,
}

/// A published version with what it keeps.
#[derive(Debug, Clone)]
pub struct Version {
    pub row: VersionRow,
    pub definition: String,
    pub collections: Vec<VersionCollectionRow>,
}

/// What a version keeps: a definition's text and the collections beside it.
pub(crate) struct Snapshot<'s> {
    pub definition: &'s str,
    pub format: DefinitionFormat,
    pub collections: &'s [VersionCollectionRow],
    /// The commit of the repository tag it was read at.
    pub source_commit: Option<&'s str>,
}

/// What a create sends: the name and summary of an empty API, or a definition to import.
pub enum NewApi<'a> {
    Empty { name: &'a str, summary: &'a str },
    Import { text: &'a str, summary: &'a str },
}

pub struct Apis<'a> {
    store: &'a Store,
    quotas: Quotas,
}

impl<'a> Apis<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            quotas: Quotas::default(),
        }
    }

    /// The service with the deployment's quotas (definitions and versions count in storage).
    pub fn with_quotas(store: &'a Store, quotas: Quotas) -> Self {
        Self { store, quotas }
    }

    fn collections(&self) -> Collections<'a> {
        Collections::with_quotas(self.store, self.quotas)
    }

    /// Refuses, as every write does, an actor whose role may not edit APIs: for a form that
    /// must say so before it checks its own fields.
    pub fn require_editor(actor: &Actor) -> Result<(), ApisError> {
        Ok(actor.require(Permission::EditApis)?)
    }

    /// The team's APIs by name; with a non-empty `search`, those whose name, summary or
    /// title contains it (ignoring case).
    pub async fn list(&self, actor: &Actor, search: &str) -> Result<Vec<ApiRow>, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        let needle = search.trim().to_lowercase();
        let mut rows = self.store.apis(&actor.team_id).await?;
        rows.retain(|row| {
            row.name.to_lowercase().contains(&needle)
                || row.summary.to_lowercase().contains(&needle)
                || row
                    .definition
                    .title
                    .as_deref()
                    .is_some_and(|title| title.to_lowercase().contains(&needle))
        });
        Ok(rows)
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<StoredApi, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        self.load(actor, id).await
    }

    async fn load(&self, actor: &Actor, id: &str) -> Result<StoredApi, ApisError> {
        let (row, text) = self
            .store
            .api(&actor.team_id, id)
            .await?
            .ok_or(ApisError::NotFound)?;
        let definition = Definition::parse(&text).map_err(|error| StoreError::Corrupt {
            what: "API definition",
            reason: error.to_string(),
        })?;
        Ok(StoredApi {
            row,
            text,
            definition,
        })
    }

    /// Creates an API: an empty one (a starter OpenAPI 3.0 definition titled with its name),
    /// or one imported from a definition (named by its `info.title`).
    pub async fn create(&self, actor: &Actor, new: NewApi<'_>) -> Result<StoredApi, ApisError> {
        actor.require(Permission::EditApis)?;
        let (text, summary) = match new {
            NewApi::Empty { name, summary } => (starter_definition(checked_name(name)?), summary),
            NewApi::Import { text, summary } => (text.to_owned(), summary),
        };
        let summary = checked_summary(summary)?;
        let definition = read(&text)?;
        let name = match &new_name_of(&definition) {
            Some(title) => title.clone(),
            None => {
                return Err(FieldError {
                    field: "definition",
                    message: "info.title: give the API a title; Ferry names the API after it"
                        .into(),
                }
                .into())
            }
        };
        let id = Uuid::new_v4().to_string();
        let operations = definition.operations().len();
        let summary_line = format!(
            "Created the API with {operations} operation{}",
            if operations == 1 { "" } else { "s" }
        );
        let change = change(actor, &id, &summary_line);
        let facts = facts(&definition);
        let stored = NewDefinition {
            text: &text,
            facts: facts.clone(),
        };
        match self
            .store
            .insert_api(&change, &name, &summary, &stored, self.quotas)
            .await?
        {
            Ok(()) => Ok(StoredApi {
                row: ApiRow {
                    id: id.clone(),
                    team_id: actor.team_id.clone(),
                    name,
                    summary,
                    revision: 1,
                    definition_revision: 1,
                    created_by: actor.user_id.clone(),
                    created_at_ms: change.at_ms,
                    updated_by: actor.user_id.clone(),
                    updated_at_ms: change.at_ms,
                    definition: facts,
                },
                text,
                definition,
            }),
            Err(over) => Err(ApisError::OverQuota(over)),
        }
    }

    /// Renames the API and/or changes its summary.
    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        name: Option<&str>,
        summary: Option<&str>,
    ) -> Result<StoredApi, ApisError> {
        actor.require(Permission::EditApis)?;
        let name = name.map(checked_name).transpose()?;
        let summary = summary.map(checked_summary).transpose()?;
        let mut current = self.load(actor, id).await?;
        let name = name.filter(|name| *name != current.row.name);
        let summary = summary.filter(|summary| *summary != current.row.summary);
        if name.is_none() && summary.is_none() {
            return Ok(current);
        }
        let line = match &name {
            Some(name) => format!("Renamed the API to \"{name}\""),
            None => "Changed the summary".to_owned(),
        };
        let change = change(actor, id, &line);
        let activity = events::api_changed(
            actor,
            id,
            name.as_deref().unwrap_or(&current.row.name),
            current.row.revision + 1,
            &line,
        );
        let revision = saved(
            self.store
                .update_api(
                    &change,
                    current.row.revision,
                    &ApiEdit {
                        name: name.as_deref(),
                        summary: summary.as_deref(),
                        definition: None,
                    },
                    self.quotas,
                    &activity,
                )
                .await?,
        )?;
        current.row.revision = revision;
        current.row.updated_by = actor.user_id.clone();
        current.row.updated_at_ms = change.at_ms;
        if let Some(name) = name {
            current.row.name = name;
        }
        if let Some(summary) = summary {
            current.row.summary = summary;
        }
        Ok(current)
    }

    /// Stores `text` as the API's definition, exactly as written. The same text stores
    /// nothing. `expected_revision`, when given, refuses a save made over a newer change.
    pub async fn replace_definition(
        &self,
        actor: &Actor,
        id: &str,
        text: &str,
        expected_revision: Option<i64>,
    ) -> Result<StoredApi, ApisError> {
        self.save_definition(actor, id, text, expected_revision, None)
            .await
    }

    /// [`Apis::replace_definition`] with where the text came from (`"Bitbucket commit
    /// abc1234"`) added to its history line.
    pub(crate) async fn save_definition(
        &self,
        actor: &Actor,
        id: &str,
        text: &str,
        expected_revision: Option<i64>,
        origin: Option<&str>,
    ) -> Result<StoredApi, ApisError> {
        actor.require(Permission::EditApis)?;
        let definition = read(text)?;
        if definition.spec().is_some_and(|spec| spec.read_only()) {
            return Err(field(
                "definition",
                "Swagger 2.0 is read-only in Ferry: it imports and reads Swagger 2.0, and edits \
                 OpenAPI 3; convert the definition to OpenAPI 3.0 (swagger2openapi does) and save that"
                    .into(),
            ));
        }
        let current = self.load(actor, id).await?;
        if expected_revision.is_some_and(|expected| expected != current.row.revision) {
            return Err(stale());
        }
        if current.text == text {
            return Ok(current);
        }
        let changes = operation_changes(&current.definition.operations(), &definition.operations());
        let mut line = format!("Updated the definition: {}", changes.describe());
        if let Some(origin) = origin {
            line.push_str(&format!(" (from {origin})"));
        }
        let change = change(actor, id, &line);
        let activity = events::api_changed(
            actor,
            id,
            &current.row.name,
            current.row.revision + 1,
            &line,
        );
        let facts = facts(&definition);
        let revision = saved(
            self.store
                .update_api(
                    &change,
                    current.row.revision,
                    &ApiEdit {
                        definition: Some(&NewDefinition {
                            text,
                            facts: facts.clone(),
                        }),
                        ..ApiEdit::default()
                    },
                    self.quotas,
                    &activity,
                )
                .await?,
        )?;
        // A connected API that pushes automatically pushes this after the debounce; should
        // this fail, the connection's next poll pushes it.
        let _ = self
            .store
            .request_api_push(
                &actor.team_id,
                id,
                change.at_ms + crate::api_sync::AUTO_PUSH_DEBOUNCE_MS,
            )
            .await;
        Ok(StoredApi {
            row: ApiRow {
                revision,
                definition_revision: revision,
                updated_by: actor.user_id.clone(),
                updated_at_ms: change.at_ms,
                definition: facts,
                ..current.row
            },
            text: text.to_owned(),
            definition,
        })
    }

    /// Deletes the API with its history and versions; its collections stay.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), ApisError> {
        actor.require(Permission::DeleteApis)?;
        if self.store.delete_api(&actor.team_id, id).await? {
            Ok(())
        } else {
            Err(ApisError::NotFound)
        }
    }

    /// The API's history, newest first.
    pub async fn history(&self, actor: &Actor, id: &str) -> Result<Vec<ApiRevisionRow>, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        let revisions = self.store.api_revisions(&actor.team_id, id).await?;
        if revisions.is_empty() {
            return Err(ApisError::NotFound);
        }
        Ok(revisions)
    }

    /// The definition text a revision stored (revisions that only renamed or linked hold none).
    pub async fn revision_definition(
        &self,
        actor: &Actor,
        id: &str,
        number: i64,
    ) -> Result<String, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        self.store
            .api_revision_definition(&actor.team_id, id, number)
            .await?
            .ok_or(ApisError::NotFound)
    }

    /// The collections linked to the API.
    pub async fn linked_collections(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<LinkedCollectionRow>, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        self.exists(actor, id).await?;
        Ok(self.store.api_collections(&actor.team_id, id).await?)
    }

    /// API `id`'s row and what was read from its definition when it was saved, without
    /// reading the definition again: for pages that show the API but not its definition.
    pub async fn row(&self, actor: &Actor, id: &str) -> Result<ApiRow, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        self.exists(actor, id).await
    }

    async fn exists(&self, actor: &Actor, id: &str) -> Result<ApiRow, ApisError> {
        Ok(self
            .store
            .api(&actor.team_id, id)
            .await?
            .ok_or(ApisError::NotFound)?
            .0)
    }

    /// Links one of the team's collections to the API.
    pub async fn link(
        &self,
        actor: &Actor,
        id: &str,
        collection_id: &str,
    ) -> Result<(), ApisError> {
        actor.require(Permission::EditApis)?;
        let api = self.exists(actor, id).await?;
        let collection = self.collections().get(actor, collection_id).await?;
        let line = format!("Linked the collection \"{}\"", collection.row.name);
        self.set_link(actor, &api, collection_id, Some(false), &line)
            .await?
            .map_err(|()| {
                ApisError::Conflict(format!(
                    "\"{}\" is already linked to this API",
                    collection.row.name
                ))
            })
    }

    /// Unlinks a collection from the API; the collection itself stays.
    pub async fn unlink(
        &self,
        actor: &Actor,
        id: &str,
        collection_id: &str,
    ) -> Result<(), ApisError> {
        actor.require(Permission::EditApis)?;
        let api = self.exists(actor, id).await?;
        let linked = self.store.api_collections(&actor.team_id, id).await?;
        let Some(link) = linked.iter().find(|l| l.collection_id == collection_id) else {
            return Err(ApisError::NotFound);
        };
        let line = format!("Unlinked the collection \"{}\"", link.name);
        self.set_link(actor, &api, collection_id, None, &line)
            .await?
            .map_err(|()| ApisError::NotFound)
    }

    async fn set_link(
        &self,
        actor: &Actor,
        api: &ApiRow,
        collection_id: &str,
        link: Option<bool>,
        line: &str,
    ) -> Result<Result<(), ()>, ApisError> {
        let change = change(actor, &api.id, line);
        match self
            .store
            .set_api_link(&change, api.revision, collection_id, link)
            .await?
        {
            Ok(result) => saved(result).map(|_| Ok(())),
            Err(()) => Ok(Err(())),
        }
    }

    /// Generates the API's collection from its definition, or regenerates it: requests a
    /// person added, and the tests and examples they gave generated ones, are kept. Answers
    /// the collection's id.
    pub async fn generate_collection(&self, actor: &Actor, id: &str) -> Result<String, ApisError> {
        actor.require(Permission::EditApis)?;
        Collections::require_editor(actor)?;
        let api = self.load(actor, id).await?;
        let namespace = Uuid::parse_str(&api.row.id).map_err(|error| StoreError::Corrupt {
            what: "API id",
            reason: error.to_string(),
        })?;
        let collection_id = Uuid::new_v5(&namespace, b"generated collection").to_string();
        let document = api.definition.document();
        let collections = self.collections();
        match collections.get(actor, &collection_id).await {
            Ok(existing) => {
                let regenerated = generate::regenerate(document, &existing.collection, namespace)
                    .map_err(generation_failed)?;
                collections
                    .replace(actor, &collection_id, regenerated)
                    .await?;
            }
            Err(CollectionsError::NotFound) => {
                let mut generated = generate::collection(document, &api.row.name, namespace)
                    .map_err(generation_failed)?;
                generated.set_id(&collection_id);
                collections.create(actor, generated).await?;
            }
            Err(error) => return Err(error.into()),
        }
        let linked = self.store.api_collections(&actor.team_id, id).await?;
        if !linked.iter().any(|l| l.collection_id == collection_id) {
            let line = format!("Generated the collection \"{}\"", api.row.name);
            // Already linked by a concurrent generation is as good as linked by this one.
            let _ = self
                .set_link(actor, &api.row, &collection_id, Some(true), &line)
                .await?;
        }
        Ok(collection_id)
    }

    /// Publishes version `name`: a snapshot of the definition and every linked collection.
    pub async fn publish(
        &self,
        actor: &Actor,
        id: &str,
        name: &str,
        release_notes: &str,
    ) -> Result<VersionRow, ApisError> {
        actor.require(Permission::EditApis)?;
        let name = checked_version_name(name)?;
        let release_notes = checked_release_notes(release_notes)?;
        let api = self.load(actor, id).await?;
        let mut snapshot = Vec::new();
        for link in self.store.api_collections(&actor.team_id, id).await? {
            if let Some((row, canonical_json)) = self
                .store
                .collection(&actor.team_id, &link.collection_id)
                .await?
            {
                snapshot.push(VersionCollectionRow {
                    collection_id: row.id,
                    name: row.name,
                    canonical_json,
                });
            }
        }
        let snapshot = Snapshot {
            definition: &api.text,
            format: stored_format(api.definition.format()),
            collections: &snapshot,
            source_commit: None,
        };
        self.insert_version(actor, &api.row, &name, release_notes, snapshot)
            .await
    }

    /// Stores version `name` of what a repository tag held (API sync): the definition and
    /// collections read at the tag's commit. Checks names as [`Apis::publish`] does.
    pub(crate) async fn publish_from_repository(
        &self,
        actor: &Actor,
        id: &str,
        name: &str,
        release_notes: &str,
        snapshot: Snapshot<'_>,
    ) -> Result<VersionRow, ApisError> {
        actor.require(Permission::EditApis)?;
        let name = checked_version_name(name)?;
        let release_notes = checked_release_notes(release_notes)?;
        let api = self.exists(actor, id).await?;
        self.insert_version(actor, &api, &name, release_notes, snapshot)
            .await
    }

    async fn insert_version(
        &self,
        actor: &Actor,
        api: &ApiRow,
        name: &str,
        release_notes: &str,
        snapshot: Snapshot<'_>,
    ) -> Result<VersionRow, ApisError> {
        let version_id = Uuid::new_v4().to_string();
        let line = match snapshot.source_commit {
            Some(commit) => format!(
                "Read version {name} from the repository (commit {})",
                short(commit)
            ),
            None => format!("Published version {name}"),
        };
        let change = change(actor, &api.id, &line);
        let activity = events::api_version_published(actor, &api.id, &api.name, name);
        let result = self
            .store
            .insert_api_version(
                &change,
                api.revision,
                &NewVersion {
                    id: &version_id,
                    name,
                    release_notes,
                    definition: snapshot.definition,
                    format: snapshot.format,
                    collections: snapshot.collections,
                    source_commit: snapshot.source_commit,
                },
                self.quotas,
                &activity,
            )
            .await;
        match result {
            Ok(saved_as) => saved(saved_as)?,
            Err(error) if is_unique_violation(&error) => {
                return Err(ApisError::Conflict(format!(
                    "name: this API already has a version {name}; versions never change, so publish this one under a new name"
                )))
            }
            Err(error) => return Err(error.into()),
        };
        Ok(VersionRow {
            id: version_id,
            name: name.to_owned(),
            release_notes: release_notes.to_owned(),
            format: snapshot.format,
            created_by: actor.user_id.clone(),
            created_email: actor.email.clone(),
            created_at_ms: change.at_ms,
            source_commit: snapshot.source_commit.map(str::to_owned),
        })
    }

    /// The API's versions, newest first.
    pub async fn versions(&self, actor: &Actor, id: &str) -> Result<Vec<VersionRow>, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        self.exists(actor, id).await?;
        Ok(self.store.api_versions(&actor.team_id, id).await?)
    }

    pub async fn version(
        &self,
        actor: &Actor,
        id: &str,
        version_id: &str,
    ) -> Result<Version, ApisError> {
        actor.require(Permission::ReadTeamData)?;
        let (row, definition, collections) = self
            .store
            .api_version(&actor.team_id, id, version_id)
            .await?
            .ok_or(ApisError::NotFound)?;
        Ok(Version {
            row,
            definition,
            collections,
        })
    }
}

/// The definition read, or why it cannot be stored.
fn read(text: &str) -> Result<Definition, ApisError> {
    if text.len() > limits::MAX_BYTES {
        return Err(ApisError::TooLarge);
    }
    Definition::parse(text).map_err(ApisError::Definition)
}

fn new_name_of(definition: &Definition) -> Option<String> {
    let title = definition.info().title?;
    let title = title.trim();
    (!title.is_empty()).then(|| title.chars().take(MAX_NAME_CHARS).collect())
}

fn facts(definition: &Definition) -> DefinitionFacts {
    let info = definition.info();
    DefinitionFacts {
        format: stored_format(definition.format()),
        title: info.title,
        version: info.version,
        problem_count: count(definition.problems().len()),
        operation_count: count(definition.operations().len()),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn stored_format(format: Format) -> DefinitionFormat {
    match format {
        Format::Json => DefinitionFormat::Json,
        Format::Yaml => DefinitionFormat::Yaml,
    }
}

/// Whether `text` is still the definition an empty API started with (nothing written yet),
/// read by API sync's first connection: such an API has no content of its own.
pub(crate) fn is_starter(text: &str, title: Option<&str>) -> bool {
    title.is_some_and(|title| starter_definition(title.to_owned()) == text)
}

/// The definition a new empty API starts with: valid OpenAPI 3.0 titled with its name (a
/// JSON string is a YAML double-quoted scalar, so any name is written safely).
fn starter_definition(name: String) -> String {
    let title = serde_json::Value::String(name).to_string();
    format!("openapi: 3.0.3\ninfo:\n  title: {title}\n  version: 1.0.0\npaths: {{}}\n")
}

fn checked_name(name: &str) -> Result<String, ApisError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(field("name", "give the API a name".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(field(
            "name",
            format!("keep the name under {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

fn checked_summary(summary: &str) -> Result<String, ApisError> {
    let summary = summary.trim();
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(field(
            "summary",
            format!("keep the summary under {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    Ok(summary.to_owned())
}

fn checked_release_notes(notes: &str) -> Result<&str, ApisError> {
    let notes = notes.trim();
    if notes.chars().count() > MAX_SUMMARY_CHARS {
        return Err(field(
            "releaseNotes",
            format!("keep release notes under {MAX_SUMMARY_CHARS} characters"),
        ));
    }
    Ok(notes)
}

/// The first seven digits of a commit, as git shows it.
pub(crate) fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn checked_version_name(name: &str) -> Result<String, ApisError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(field("name", "give the version a name, like 1.4.0".into()));
    }
    if name.chars().count() > MAX_VERSION_NAME_CHARS
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '/')
    {
        return Err(field(
            "name",
            format!(
                "a version name is up to {MAX_VERSION_NAME_CHARS} characters without spaces or slashes, like 1.4.0"
            ),
        ));
    }
    Ok(name.to_owned())
}

fn field(field: &'static str, message: String) -> ApisError {
    ApisError::Field(FieldError { field, message })
}

fn stale() -> ApisError {
    ApisError::Conflict(
        "the API changed while this change was being saved; load it again and retry".into(),
    )
}

fn saved(saved: ApiSaved) -> Result<i64, ApisError> {
    match saved {
        ApiSaved::Revision(revision) => Ok(revision),
        ApiSaved::Stale => Err(stale()),
        ApiSaved::OverQuota(over) => Err(ApisError::OverQuota(over)),
    }
}

fn generation_failed(error: generate::GenerateError) -> ApisError {
    field(
        "definition",
        format!("cannot generate a collection from this definition: {error}"),
    )
}

fn change<'c>(actor: &'c Actor, api_id: &'c str, summary: &'c str) -> ApiChange<'c> {
    ApiChange {
        team_id: &actor.team_id,
        api_id,
        author_user_id: &actor.user_id,
        author_email: &actor.email,
        summary,
        at_ms: now_ms(),
    }
}
