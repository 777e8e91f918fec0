//! Integrations as a service: a team's collections, each backed up to one file in a Bitbucket
//! repository through one of the team's connected accounts.
//!
//! Every call takes the [`Actor`] and reads or writes only the actor's team: another team's
//! integration, collection or account id answers like an unknown one. Editors create
//! integrations and change or delete their own; admins change or delete any. Two integrations
//! of a team never write the same repository, branch and path.

mod fields;

pub use crate::error::FieldError;
pub use crate::store::integrations::{Integration, IntegrationStatus};
pub use fields::{repository_path, BranchName, Directory, Filename, Slug};

use std::collections::HashMap;

use crate::{
    accounts::Actor,
    auth::Permission,
    connected_accounts::{check_use, UseRefused},
    error::{DomainError, ErrorKind, Forbidden},
    store::{
        accounts::{is_unique_violation, NewAudit},
        integrations::IntegrationFields,
        now_ms,
        sync::{RunRow, Trigger},
        Store, StoreError,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    /// A field of the form is refused; `field` is its name on the form.
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such integration in this team; check the link")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The action does not fit the integration's state (e.g. running a paused one).
    #[error("{0}")]
    State(String),
    /// The chosen connected account is not the actor's to use (not theirs, not shared).
    #[error("{0}")]
    AccountNotUsable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for IntegrationError {
    fn kind(&self) -> ErrorKind {
        match self {
            IntegrationError::Field(_) => ErrorKind::Invalid,
            IntegrationError::NotFound => ErrorKind::NotFound,
            IntegrationError::Forbidden(_) | IntegrationError::AccountNotUsable(_) => {
                ErrorKind::Forbidden
            }
            IntegrationError::State(_) => ErrorKind::Conflict,
            IntegrationError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            IntegrationError::Field(error) => Some(error),
            _ => None,
        }
    }
}

impl From<UseRefused> for IntegrationError {
    fn from(refused: UseRefused) -> Self {
        match refused {
            UseRefused::Forbidden(forbidden) => forbidden.into(),
            UseRefused::NotUsable(reason) => IntegrationError::AccountNotUsable(reason),
        }
    }
}

/// An integration's fields as a person typed or chose them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationDraft {
    pub collection_id: String,
    pub account_id: String,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
    pub directory: String,
    pub filename: String,
}

impl Integration {
    /// The file's path in the repository.
    pub fn path(&self) -> String {
        repository_path(&self.directory, &self.filename)
    }

    /// The status as the team sees it: without its connected account nothing runs until a
    /// person edits it, which needs saying unless a pause already says that nothing runs.
    fn with_effective_status(mut self) -> Self {
        if self.account_id.is_none() && self.status != IntegrationStatus::Paused {
            self.status = IntegrationStatus::NeedsReauth;
            self.status_reason = Some(
                "its connected account was deleted; edit it and choose another account".to_owned(),
            );
        }
        self
    }

    /// Whether `filter` (any case) appears in its collection, target, path, account or creator.
    fn matches(&self, filter: &str) -> bool {
        let needle = filter.trim().to_lowercase();
        needle.is_empty()
            || [
                self.collection_name.as_str(),
                &format!("{}/{}", self.workspace, self.repository),
                &self.branch,
                &self.path(),
                self.account_label.as_deref().unwrap_or(""),
                &self.created_by_email,
                self.status.label(),
            ]
            .iter()
            .any(|field| field.to_lowercase().contains(&needle))
    }
}

/// A draft whose every field parsed.
struct Parsed {
    collection_id: String,
    account_id: String,
    workspace: Slug,
    repository: Slug,
    branch: BranchName,
    directory: Directory,
    filename: Filename,
}

impl Parsed {
    fn fields(&self) -> IntegrationFields<'_> {
        IntegrationFields {
            collection_id: &self.collection_id,
            account_id: &self.account_id,
            workspace: self.workspace.as_str(),
            repository: self.repository.as_str(),
            branch: self.branch.as_str(),
            directory: self.directory.as_str(),
            filename: self.filename.as_str(),
        }
    }

    fn describe(&self, collection_name: &str) -> String {
        format!(
            "\"{collection_name}\" → {}/{} {}:{}",
            self.workspace.as_str(),
            self.repository.as_str(),
            self.branch,
            repository_path(self.directory.as_str(), self.filename.as_str())
        )
    }
}

pub struct Integrations<'a> {
    store: &'a Store,
}

impl<'a> Integrations<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// The team's integrations; with a non-empty `filter`, those mentioning it anywhere.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: &str,
    ) -> Result<Vec<Integration>, IntegrationError> {
        actor.require(Permission::ReadTeamData)?;
        let mut integrations = Vec::new();
        for integration in self.store.integrations(&actor.team_id).await? {
            let integration = integration.with_effective_status();
            if integration.matches(filter) {
                integrations.push(integration);
            }
        }
        Ok(integrations)
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<Integration, IntegrationError> {
        actor.require(Permission::ReadTeamData)?;
        let integration = self
            .store
            .integration(&actor.team_id, id)
            .await?
            .ok_or(IntegrationError::NotFound)?;
        Ok(integration.with_effective_status())
    }

    pub async fn create(
        &self,
        actor: &Actor,
        draft: &IntegrationDraft,
    ) -> Result<Integration, IntegrationError> {
        actor.require(Permission::CreateIntegrations)?;
        let parsed = self.parse(actor, draft, None).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let fields = parsed.fields();
        match self
            .store
            .insert_integration(&actor.team_id, &id, &fields, &actor.user_id, now_ms())
            .await
        {
            Err(error) if is_unique_violation(&error) => {
                return Err(self.taken(actor, &parsed, None).await)
            }
            other => other?,
        }
        let created = self.get(actor, &id).await?;
        self.audit(
            actor,
            "integration.created",
            &parsed.describe(&created.collection_name),
        )
        .await?;
        Ok(created)
    }

    /// Rewrites every field, the account included.
    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        draft: &IntegrationDraft,
    ) -> Result<Integration, IntegrationError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        let parsed = self.parse(actor, draft, Some(id)).await?;
        let fields = parsed.fields();
        match self
            .store
            .update_integration(&actor.team_id, id, &fields, now_ms())
            .await
        {
            Err(error) if is_unique_violation(&error) => {
                return Err(self.taken(actor, &parsed, Some(id)).await)
            }
            Ok(false) => return Err(IntegrationError::NotFound),
            other => other?,
        };
        let updated = self.get(actor, id).await?;
        self.audit(
            actor,
            "integration.updated",
            &parsed.describe(&updated.collection_name),
        )
        .await?;
        Ok(updated)
    }

    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), IntegrationError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        if !self.store.delete_integration(&actor.team_id, id).await? {
            return Err(IntegrationError::NotFound);
        }
        self.audit(actor, "integration.deleted", &describe(&current))
            .await
    }

    /// Queues a run that skips the debounce. A person running a failing integration is how it
    /// is retried after a fix, so it becomes active again; a paused one must be resumed first.
    pub async fn run_now(&self, actor: &Actor, id: &str) -> Result<Integration, IntegrationError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        if current.status == IntegrationStatus::Paused {
            return Err(IntegrationError::State(
                "this integration is paused; resume it to back it up again".into(),
            ));
        }
        if current.account_id.is_none() {
            return Err(IntegrationError::State(
                "this integration has no connected account; edit it and choose one".into(),
            ));
        }
        self.store
            .set_integration_status_by_person(
                &actor.team_id,
                id,
                IntegrationStatus::Active,
                &recovered(actor, &current),
            )
            .await?;
        self.store
            .enqueue_now(&actor.team_id, id, Trigger::Manual, now_ms())
            .await?;
        self.audit(actor, "integration.run", &describe(&current))
            .await?;
        self.get(actor, id).await
    }

    /// Stops backing up until resumed; changes meanwhile are not lost, the resume commits them.
    pub async fn pause(&self, actor: &Actor, id: &str) -> Result<Integration, IntegrationError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        self.store
            .set_integration_status_by_person(
                &actor.team_id,
                id,
                IntegrationStatus::Paused,
                &recovered(actor, &current),
            )
            .await?;
        self.store.drop_job(&actor.team_id, id).await?;
        self.audit(actor, "integration.paused", &describe(&current))
            .await?;
        self.get(actor, id).await
    }

    /// Backs up again, starting with one commit of the latest state.
    pub async fn resume(&self, actor: &Actor, id: &str) -> Result<Integration, IntegrationError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        self.store
            .set_integration_status_by_person(
                &actor.team_id,
                id,
                IntegrationStatus::Active,
                &recovered(actor, &current),
            )
            .await?;
        self.store
            .enqueue_now(&actor.team_id, id, Trigger::Manual, now_ms())
            .await?;
        self.audit(actor, "integration.resumed", &describe(&current))
            .await?;
        self.get(actor, id).await
    }

    /// The integration's runs, newest first.
    pub async fn runs(
        &self,
        actor: &Actor,
        id: &str,
        limit: i64,
    ) -> Result<Vec<RunRow>, IntegrationError> {
        self.get(actor, id).await?;
        Ok(self.store.runs(&actor.team_id, id, limit).await?)
    }

    /// The newest run of each of the team's integrations, by integration id (those that never
    /// ran are absent).
    pub async fn latest_runs(
        &self,
        actor: &Actor,
    ) -> Result<HashMap<String, RunRow>, IntegrationError> {
        actor.require(Permission::ReadTeamData)?;
        let runs = self.store.latest_runs(&actor.team_id).await?;
        Ok(runs
            .into_iter()
            .map(|run| (run.integration_id.clone(), run))
            .collect())
    }

    /// Parses every field and checks that the collection and the account are the team's and
    /// that no other integration (`except` = the one being edited) writes the same file.
    async fn parse(
        &self,
        actor: &Actor,
        draft: &IntegrationDraft,
        except: Option<&str>,
    ) -> Result<Parsed, IntegrationError> {
        let collection_id = draft.collection_id.trim().to_owned();
        let collection = match collection_id.is_empty() {
            true => None,
            false => {
                self.store
                    .collection(&actor.team_id, &collection_id)
                    .await?
            }
        };
        let Some((collection, _)) = collection else {
            return Err(field("collection", "choose one of this team's collections"));
        };
        let account_id = draft.account_id.trim().to_owned();
        let account = match account_id.is_empty() {
            true => None,
            false => {
                self.store
                    .connected_account(&actor.team_id, &account_id)
                    .await?
            }
        };
        let Some(account) = account else {
            return Err(field(
                "account",
                "choose one of this team's connected Bitbucket accounts, or connect one",
            ));
        };
        match check_use(actor, &account) {
            Ok(()) => {}
            Err(refused) => return Err(refused.into()),
        }
        let parsed = Parsed {
            collection_id,
            account_id,
            workspace: Slug::parse("workspace", &draft.workspace)?,
            repository: Slug::parse("repository", &draft.repository)?,
            branch: BranchName::parse(&draft.branch)?,
            directory: Directory::parse(&draft.directory)?,
            // Left empty, the file is named after the collection, as Postman names exports.
            filename: match draft.filename.trim() {
                "" => Filename::default_for(&collection.name),
                _ => Filename::parse(&draft.filename)?,
            },
        };
        if let Some(error) = self.conflict(actor, &parsed, except).await? {
            return Err(error);
        }
        Ok(parsed)
    }

    async fn conflict(
        &self,
        actor: &Actor,
        parsed: &Parsed,
        except: Option<&str>,
    ) -> Result<Option<IntegrationError>, IntegrationError> {
        let other = self
            .store
            .integration_at(&actor.team_id, &parsed.fields())
            .await?;
        Ok(other.filter(|other| Some(other.id.as_str()) != except).map(|other| {
            field(
                "filename",
                &format!(
                    "the integration of \"{}\" (created by {}) already writes {} on branch {} of {}/{}; \
                     choose another filename, directory or branch",
                    other.collection_name,
                    other.created_by_email,
                    repository_path(&other.directory, &other.filename),
                    other.branch,
                    other.workspace,
                    other.repository
                ),
            )
        }))
    }

    /// The error for an insert or update that lost a race for the same file.
    async fn taken(
        &self,
        actor: &Actor,
        parsed: &Parsed,
        except: Option<&str>,
    ) -> IntegrationError {
        match self.conflict(actor, parsed, except).await {
            Ok(Some(error)) | Err(error) => error,
            Ok(None) => field(
                "filename",
                "another integration writes this file; choose another filename",
            ),
        }
    }

    async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        detail: &str,
    ) -> Result<(), IntegrationError> {
        self.store
            .append_audit(NewAudit {
                team_id: &actor.team_id,
                actor_user_id: Some(&actor.user_id),
                actor: &actor.email,
                action,
                detail,
                client_addr: "",
            })
            .await?;
        Ok(())
    }
}

/// The event a person's resume (or Run now) of a failing integration records.
fn recovered(actor: &Actor, integration: &Integration) -> ferry_webhooks::event::Activity {
    crate::hooks::events::integration_status(
        Some(actor),
        ferry_webhooks::EventType::IntegrationRecovered,
        &integration.id,
        &integration.collection_name,
        None,
    )
}

/// `"Users API" → acme/backups main:Postman Collections/users.json`, for the audit log.
fn describe(integration: &Integration) -> String {
    format!(
        "\"{}\" → {}/{} {}:{}",
        integration.collection_name,
        integration.workspace,
        integration.repository,
        integration.branch,
        integration.path()
    )
}

fn field(field: &'static str, message: &str) -> IntegrationError {
    IntegrationError::Field(FieldError {
        field,
        message: message.to_owned(),
    })
}

/// Creators manage their own integrations; admins manage every one.
fn require_manage(actor: &Actor, integration: &Integration) -> Result<(), Forbidden> {
    if integration.created_by == actor.user_id {
        actor.require(Permission::ManageOwnIntegrations)
    } else {
        actor.require(Permission::ManageAllIntegrations)
    }
}
