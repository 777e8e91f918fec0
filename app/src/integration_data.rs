//! What the Integrations pages show, loaded by server functions: the list, one integration,
//! and its run log. Every one reads the session's current team only: no function takes a team
//! id, and no secret is ever returned.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::run_data::{CommitLink, RunView};

/// How this deployment reaches Bitbucket, as far as pages need to know. The server puts it
/// in the Leptos context from its configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BitbucketSetup {
    /// Bitbucket is the local demo sandbox `scripts/run` started (`FERRY_DEMO_SANDBOX=1`).
    pub demo_sandbox: bool,
}

/// The demo account of `bitbucket-sandbox/seed.example.json`, shown only when the demo
/// sandbox is what Ferry talks to (the server's tests check these match the seed).
pub struct DemoAccount {
    pub email: &'static str,
    pub api_token: &'static str,
    pub username: &'static str,
    pub app_password: &'static str,
}

pub const DEMO: DemoAccount = DemoAccount {
    email: "demo@example.com",
    api_token: "ATATT-demo-api-token",
    username: "demo",
    app_password: "demo-app-password",
};

#[server(endpoint = "load_bitbucket_setup")]
pub async fn load_bitbucket_setup() -> Result<BitbucketSetup, ServerFnError> {
    Ok(use_context::<BitbucketSetup>().unwrap_or_default())
}

/// One configured integration, as a row of the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationRowView {
    pub id: String,
    pub collection: String,
    /// `workspace/repository`.
    pub target: String,
    pub branch: String,
    /// The file's path in the repository.
    pub path: String,
    pub account: Option<String>,
    /// The badge: its text and the class that colours it.
    pub status: String,
    pub status_class: String,
    pub status_reason: Option<String>,
    /// The newest run: when (relative) and its outcome, or "not run yet".
    pub last_run: String,
    /// When the newest run started, in full.
    pub last_run_at: Option<String>,
    pub last_run_commit: Option<CommitLink>,
    /// Whether Resume (rather than Pause) applies.
    pub paused: bool,
    pub created_by: String,
    pub created: String,
    /// Whether the viewer may edit and delete it (its creator if editor, any admin).
    pub can_manage: bool,
}

/// This team's Bitbucket integrations, as the details page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationList {
    pub can_add: bool,
    pub filter: String,
    /// How many the team has in all (the list holds those matching `filter`).
    pub total: usize,
    pub integrations: Vec<IntegrationRowView>,
}

#[cfg(feature = "ssr")]
pub(crate) fn row_view(
    actor: &ferry_domain::accounts::Actor,
    integration: ferry_domain::integrations::Integration,
    latest: Option<RunView>,
) -> IntegrationRowView {
    use ferry_domain::{auth::Permission, integrations::IntegrationStatus};
    let own = integration.created_by == actor.user_id;
    let can_manage = actor.role.allows(if own {
        Permission::ManageOwnIntegrations
    } else {
        Permission::ManageAllIntegrations
    });
    IntegrationRowView {
        path: integration.path(),
        target: format!("{}/{}", integration.workspace, integration.repository),
        status: integration.status.label().to_owned(),
        status_class: integration.status.as_str().replace('_', "-"),
        status_reason: integration.status_reason,
        last_run: latest.as_ref().map_or_else(
            || "not run yet".to_owned(),
            |run| format!("{} · {}", run.ago, run.outcome),
        ),
        last_run_at: latest.as_ref().map(|run| run.at.clone()),
        last_run_commit: latest.and_then(|run| run.commit),
        paused: integration.status == IntegrationStatus::Paused,
        created: crate::session::when(integration.created_at_ms),
        id: integration.id,
        collection: integration.collection_name,
        branch: integration.branch,
        account: integration.account_label,
        created_by: integration.created_by_email,
        can_manage,
    }
}

/// The team's integrations mentioning `filter`; `None` when signed out.
#[server(endpoint = "load_integration_list")]
pub async fn load_integration_list(
    filter: String,
) -> Result<Option<IntegrationList>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::{auth::Permission, integrations::Integrations};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let integrations = Integrations::new(&store);
    let total = integrations
        .list(&actor, "")
        .await
        .map_err(server_fn_error)?
        .len();
    let matching = integrations
        .list(&actor, &filter)
        .await
        .map_err(server_fn_error)?;
    let mut latest = integrations
        .latest_runs(&actor)
        .await
        .map_err(server_fn_error)?;
    let now = ferry_domain::store::now_ms();
    let rows = matching
        .into_iter()
        .map(|i| {
            let run = latest
                .remove(&i.id)
                .map(|run| crate::run_data::run_view(&run, &i, now));
            row_view(&actor, i, run)
        })
        .collect();
    Ok(Some(IntegrationList {
        can_add: actor.role.allows(Permission::CreateIntegrations),
        filter,
        total,
        integrations: rows,
    }))
}

/// One integration of the team, for its delete confirmation; `None` when signed out.
#[server(endpoint = "load_integration")]
pub async fn load_integration(id: String) -> Result<Option<IntegrationRowView>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::integrations::Integrations;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let integration = Integrations::new(&store)
        .get(&actor, &id)
        .await
        .map_err(server_fn_error)?;
    Ok(Some(row_view(&actor, integration, None)))
}

/// An integration and its runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLog {
    pub integration: IntegrationRowView,
    pub runs: Vec<RunView>,
}

/// How many runs the Run log page shows, newest first.
#[cfg(feature = "ssr")]
const RUNS_SHOWN: i64 = 500;

/// The integration's run log; `None` when signed out.
#[server(endpoint = "load_runs")]
pub async fn load_runs(id: String) -> Result<Option<RunLog>, ServerFnError> {
    use crate::{run_data::run_view, server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::{integrations::Integrations, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let integrations = Integrations::new(&store);
    let integration = integrations
        .get(&actor, &id)
        .await
        .map_err(server_fn_error)?;
    let rows = integrations
        .runs(&actor, &id, RUNS_SHOWN)
        .await
        .map_err(server_fn_error)?;
    let now = now_ms();
    let runs = rows
        .iter()
        .map(|run| run_view(run, &integration, now))
        .collect();
    let latest = rows.first().map(|run| run_view(run, &integration, now));
    Ok(Some(RunLog {
        integration: row_view(&actor, integration, latest),
        runs,
    }))
}

/// A refused Integrations form, carried to the page that shows it again: the message, the
/// field it is about, and what was typed (never a secret: handlers leave those out).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefusedForm {
    pub error: String,
    pub field: Option<String>,
    pub values: Vec<(String, String)>,
}

impl RefusedForm {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(feature = "ssr")]
const REFUSED_FORM: &str = "integration_form";

/// Keeps a refused form for the next page (the page it is posted back to).
#[cfg(feature = "ssr")]
pub async fn keep_refused_form(session: &tower_sessions::Session, form: RefusedForm) {
    let _ = session.insert(REFUSED_FORM, form).await;
}

/// Reads and removes the refused form, saved at once (pages stream; see `take_flash`).
#[cfg(feature = "ssr")]
pub async fn take_refused_form(session: &tower_sessions::Session) -> Option<RefusedForm> {
    let form = session
        .remove::<RefusedForm>(REFUSED_FORM)
        .await
        .ok()
        .flatten();
    if form.is_some() {
        let _ = session.save().await;
    }
    form
}
