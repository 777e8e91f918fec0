//! The Repository tab's POST targets (API sync): connect, commit and push, pull, resolve a
//! conflict, switch or create a branch, settings, disconnect. Each acts in the session's
//! current team and answers with a redirect to the tab carrying a one-time message
//! (post/redirect/get), so everything works without JavaScript. A refused action changes
//! nothing and says why; another team's API answers 404, a viewer 403.

use app::{fields::api_sync_fields as form_field, flash::Flash, routes};
use axum::{
    extract::{Path, RawForm, State},
    response::Response,
};
use ferry_domain::{
    api_sync::{ApiSyncError, ConnectRequest, PullOutcome, PushOutcome, Resolution, Winner},
    error::FieldError,
};
use tower_sessions::Session;

use super::{
    account_forms::flash_notice,
    collection_forms::{Fields, MAX_KEPT_BYTES},
    refusal::Refusal,
    signed_in::SignedIn,
    AppState,
};
use axum::response::{IntoResponse, Redirect};

/// The form labels of the service's field names.
fn label(field: &str) -> &str {
    match field {
        "accountId" => "Account",
        "workspace" => "Workspace",
        "repository" => "Repository",
        "branch" => "Branch",
        "definitionPath" => "Definition path",
        "collectionsDir" => "Collections directory",
        "winner" => "Which side wins",
        "message" => "Commit message",
        "path" => "File",
        "content" => "Edited version",
        "tagPattern" => "Tag pattern",
        other => other,
    }
}

/// Back to the Repository tab with the notice, or with the refusal and what was typed.
async fn finish(
    session: &Session,
    id: &str,
    fields: &Fields,
    result: Result<String, ApiSyncError>,
) -> Response {
    finish_at(session, &routes::api_sub(id, "repository"), fields, result).await
}

/// [`finish`], back to `back` (the tab with a query that lists the Connect form's choices).
async fn finish_at(
    session: &Session,
    back: &str,
    fields: &Fields,
    result: Result<String, ApiSyncError>,
) -> Response {
    match result {
        Ok(notice) => {
            flash_notice(session, notice).await;
            // Done: the tab itself, without the form's choices.
            Redirect::to(back.split('?').next().unwrap_or(back)).into_response()
        }
        Err(error) => {
            let kept = Flash {
                fields: fields
                    .0
                    .iter()
                    .filter(|(_, value)| value.len() <= MAX_KEPT_BYTES)
                    .cloned()
                    .collect(),
                ..Flash::default()
            };
            Refusal::from_domain(error, label)
                .back(session, back, kept)
                .await
        }
    }
}

/// `POST /apis/{id}/repository`: Connect.
pub async fn connect(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let winner = match fields.get(form_field::WINNER) {
        "ferry" => Some(Winner::Ferry),
        "repository" => Some(Winner::Repository),
        _ => None,
    };
    let request = ConnectRequest {
        account_id: fields.get(form_field::ACCOUNT).to_owned(),
        workspace: fields.get(form_field::WORKSPACE).to_owned(),
        repository: fields.get(form_field::REPOSITORY).to_owned(),
        branch: fields.get(form_field::BRANCH).to_owned(),
        definition_path: fields.get(form_field::DEFINITION_PATH).to_owned(),
        collections_dir: fields.get(form_field::COLLECTIONS_DIR).to_owned(),
        winner,
    };
    let result = state
        .api_sync()
        .connect(&actor, &id, request)
        .await
        .map(|connection| {
            format!(
                "Connected to {}/{} on {}.",
                connection.workspace, connection.repository, connection.branch
            )
        });
    // A refused Connect comes back with the account's lists loaded for what was chosen.
    let again: Vec<(&str, &str)> = [
        form_field::ACCOUNT,
        form_field::WORKSPACE,
        form_field::REPOSITORY,
        form_field::BRANCH,
        form_field::DEFINITION_PATH,
        form_field::COLLECTIONS_DIR,
        form_field::WINNER,
    ]
    .into_iter()
    .map(|name| (name, fields.get(name)))
    .collect();
    let back = routes::api_repository_with(&id, &again);
    finish_at(&session, &back, &fields, result).await
}

/// `POST /apis/{id}/repository/push`: Commit and push.
pub async fn push(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let result = state
        .api_sync()
        .push(&actor, &id, fields.get(form_field::MESSAGE))
        .await
        .map(|outcome| match outcome {
            PushOutcome::NothingToPush => {
                "Nothing to push: the repository has every change.".into()
            }
            PushOutcome::Pushed { commit, files, .. } => format!(
                "Pushed commit {} ({}).",
                &commit[..7.min(commit.len())],
                files.join(", ")
            ),
        });
    finish(&session, &id, &fields, result).await
}

/// `POST /apis/{id}/repository/pull`: Pull changes.
pub async fn pull(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .api_sync()
        .pull(&actor, &id)
        .await
        .map(|outcome| pulled(&outcome));
    finish(&session, &id, &Fields(Vec::new()), result).await
}

fn pulled(outcome: &PullOutcome) -> String {
    match outcome {
        PullOutcome::UpToDate { versions } if versions.is_empty() => {
            "Up to date: the branch has nothing new.".into()
        }
        PullOutcome::UpToDate { versions } => {
            format!("Read version(s) {} from tags.", versions.join(", "))
        }
        PullOutcome::Pulled { commit, report } => {
            let mut parts = vec![format!("Pulled {}", &commit[..7.min(commit.len())])];
            if !report.applied.is_empty() {
                parts.push(format!("applied {}", report.applied.join(", ")));
            }
            if !report.merged.is_empty() {
                parts.push(format!("merged {}", report.merged.join(", ")));
            }
            if !report.conflicts.is_empty() {
                parts.push(format!(
                    "conflicts in {}: choose below",
                    report.conflicts.join(", ")
                ));
            }
            if !report.deleted.is_empty() {
                parts.push(format!(
                    "deleted in the repository, kept in Ferry: {}",
                    report.deleted.join(", ")
                ));
            }
            for (path, reason) in &report.refused {
                parts.push(format!("{path} not applied: {reason}"));
            }
            format!("{}.", parts.join("; "))
        }
    }
}

/// `POST /apis/{id}/repository/resolve`: Keep Ferry's, Take the repository's, or an edit.
pub async fn resolve(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let path = fields.get(form_field::PATH);
    let resolution = match fields.get(form_field::CHOICE) {
        "ferry" => Ok(Resolution::KeepFerry),
        "repository" => Ok(Resolution::TakeRepository),
        // Browsers post CRLF; the file keeps the line endings of what was stored.
        "edited" => Ok(Resolution::Edited(
            fields.get(form_field::CONTENT).replace("\r\n", "\n"),
        )),
        _ => Err(ApiSyncError::Field(FieldError {
            field: "choice",
            message: "choose Keep Ferry's, Take the repository's, or Save the edited version"
                .into(),
        })),
    };
    let result = match resolution {
        Ok(resolution) => state
            .api_sync()
            .resolve(&actor, &id, path, resolution)
            .await
            .map(|()| {
                format!("Resolved {path}. Push to send the result to the repository if it differs.")
            }),
        Err(error) => Err(error),
    };
    finish(&session, &id, &fields, result).await
}

/// `POST /apis/{id}/repository/branch`: Switch branch.
pub async fn switch_branch(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let branch = fields.get(form_field::BRANCH);
    let result = state
        .api_sync()
        .switch_branch(&actor, &id, branch)
        .await
        .map(|outcome| format!("Working on {branch}. {}", pulled(&outcome)));
    finish(&session, &id, &fields, result).await
}

/// `POST /apis/{id}/repository/branches`: Create branch.
pub async fn create_branch(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let name = fields.get(form_field::NAME);
    let switch = !fields.get(form_field::SWITCH).is_empty();
    let result = state
        .api_sync()
        .create_branch(&actor, &id, name, switch)
        .await
        .map(|()| {
            if switch {
                format!("Created branch {name}; Ferry works on it now.")
            } else {
                format!("Created branch {name}.")
            }
        });
    finish(&session, &id, &fields, result).await
}

/// `POST /apis/{id}/repository/settings`
pub async fn settings(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let auto_push = !fields.get(form_field::AUTO_PUSH).is_empty();
    let result = state
        .api_sync()
        .update_settings(&actor, &id, auto_push, fields.get(form_field::TAG_PATTERN))
        .await
        .map(|()| "Settings saved.".to_owned());
    finish(&session, &id, &fields, result).await
}

/// `POST /apis/{id}/repository/disconnect`
pub async fn disconnect(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let result = state
        .api_sync()
        .disconnect(&actor, &id)
        .await
        .map(|()| "Disconnected. The API and the repository keep what they have.".to_owned());
    finish(&session, &id, &Fields(Vec::new()), result).await
}
