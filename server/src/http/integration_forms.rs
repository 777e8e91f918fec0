//! The Integrations pages' POST targets for integrations themselves: add, edit, delete.
//! Each acts in the session's current team only. A refusal goes back to the form with the
//! message, the field it is about and what was typed; another team's id answers 404 and a
//! role that may not act answers 403, with nothing changed.

use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::integrations::{IntegrationDraft, IntegrationError, Integrations};
use serde::Deserialize;
use tower_sessions::Session;

use super::{account_forms::flash_notice, refusal::Refusal, signed_in::SignedIn, AppState};

pub const LIST: &str = app::routes::INTEGRATIONS_BITBUCKET;

/// The Configure form as posted (Add Integration and Edit post the same fields).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    collection: String,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    repository: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    directory: String,
    #[serde(default)]
    filename: String,
}

impl TargetForm {
    fn draft(&self) -> IntegrationDraft {
        IntegrationDraft {
            collection_id: self.collection.clone(),
            account_id: self.account.clone(),
            workspace: self.workspace.clone(),
            repository: self.repository.clone(),
            branch: self.branch.clone(),
            directory: self.directory.clone(),
            filename: self.filename.clone(),
        }
    }

    fn values(&self) -> Vec<(String, String)> {
        [
            ("account", &self.account),
            ("collection", &self.collection),
            ("workspace", &self.workspace),
            ("repository", &self.repository),
            ("branch", &self.branch),
            ("directory", &self.directory),
            ("filename", &self.filename),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.clone()))
        .collect()
    }

    /// The form's page again, with the choices that decide its lists (account, workspace,
    /// repository) in the query so the lists load as they were.
    fn back_to(&self, page: &str) -> String {
        let query: String = [
            ("account", &self.account),
            ("workspace", &self.workspace),
            ("repository", &self.repository),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&");
        if query.is_empty() {
            page.to_owned()
        } else {
            format!("{page}?{query}")
        }
    }
}

// The same encoding the page links use, so a value round-trips through either.
pub use app::collection_data::percent_encode as encode;

/// How a form field is named on the page.
pub fn field_label(field: &str) -> &str {
    match field {
        "account" => "Connected account",
        "collection" => "Collection",
        "workspace" => "Workspace",
        "repository" => "Repository",
        "branch" => "Branch",
        "directory" => "Directory",
        "filename" => "Filename",
        other => other,
    }
}

/// How the integration forms refuse: as every form does, a field named as the form labels it;
/// an account that is not the person's to use answers 403 too.
fn refusal(error: IntegrationError) -> Refusal {
    match error {
        IntegrationError::AccountNotUsable(reason) => Refusal::status(
            StatusCode::FORBIDDEN,
            format!("Connected account: {reason}."),
        ),
        other => Refusal::from_domain(other, field_label),
    }
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<TargetForm>,
) -> Response {
    match Integrations::new(&state.store)
        .create(&actor, &form.draft())
        .await
    {
        Ok(created) => {
            let notice = format!(
                "Integration added: “{}” is backed up to {}/{} on branch {} as {}.",
                created.collection_name,
                created.workspace,
                created.repository,
                created.branch,
                created.path()
            );
            flash_notice(&session, notice).await;
            Redirect::to(LIST).into_response()
        }
        Err(error) => {
            let page = form.back_to(app::routes::INTEGRATIONS_BITBUCKET_CONFIGURE);
            refusal(error)
                .back_to_form(&session, &page, form.values())
                .await
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TargetForm>,
) -> Response {
    match Integrations::new(&state.store)
        .update(&actor, &id, &form.draft())
        .await
    {
        Ok(updated) => {
            flash_notice(
                &session,
                format!("Integration of “{}” saved.", updated.collection_name),
            )
            .await;
            Redirect::to(LIST).into_response()
        }
        Err(error) => {
            let page = form.back_to(&app::routes::integration_edit(&id));
            refusal(error)
                .back_to_form(&session, &page, form.values())
                .await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let integrations = Integrations::new(&state.store);
    let deleted = match integrations.get(&actor, &id).await {
        Ok(integration) => integrations.delete(&actor, &id).await.map(|()| integration),
        Err(error) => Err(error),
    };
    match deleted {
        Ok(integration) => {
            let notice = format!(
                "Integration deleted: “{}” is no longer backed up to {}/{}.",
                integration.collection_name, integration.workspace, integration.repository
            );
            flash_notice(&session, notice).await;
            Redirect::to(LIST).into_response()
        }
        Err(error) => {
            refusal(error)
                .back_to_form(&session, LIST, Vec::new())
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("demo"), "demo");
        assert_eq!(encode("a b&c=d/{é}"), "a%20b%26c%3Dd%2F%7B%C3%A9%7D");
    }

    #[test]
    fn a_refused_form_returns_with_the_choices_that_fill_its_lists() {
        let form = TargetForm {
            account: "acc".into(),
            workspace: "demo".into(),
            ..TargetForm::default()
        };
        assert_eq!(form.back_to("/p"), "/p?account=acc&workspace=demo");
        assert_eq!(TargetForm::default().back_to("/p"), "/p");
    }
}
