//! Integrations that stopped backing up, and connected APIs whose sync stopped, for the
//! banner that says so: Failing or Needs re-authentication, shown to the team's admins and to
//! each integration's creator (each API's connector).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One integration needing a person, and where they fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncAlert {
    pub collection: String,
    /// `workspace/repository`.
    pub target: String,
    /// "Failing" or "Needs re-authentication".
    pub status: String,
    pub reason: Option<String>,
    pub fix_href: String,
    pub fix_label: String,
}

/// The alerts for the signed-in person in their current team; none when signed out.
#[server(endpoint = "load_sync_alerts")]
pub async fn load_sync_alerts() -> Result<Vec<SyncAlert>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::{
        auth::Role,
        integrations::{IntegrationStatus, Integrations},
    };

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(Vec::new());
    };
    let integrations = Integrations::new(&store)
        .list(&actor, "")
        .await
        .map_err(server_fn_error)?;
    let mut alerts: Vec<SyncAlert> = integrations
        .into_iter()
        .filter(|i| {
            matches!(
                i.status,
                IntegrationStatus::Failing | IntegrationStatus::NeedsReauth
            )
        })
        .filter(|i| actor.role == Role::Admin || i.created_by == actor.user_id)
        .map(|i| {
            // A credential that stopped working is replaced in place on Connected accounts;
            // anything else (no access, repository or branch gone, account deleted) by editing.
            let (fix_href, fix_label) =
                if i.status == IntegrationStatus::NeedsReauth && i.account_id.is_some() {
                    (
                        crate::routes::ACCOUNTS.to_owned(),
                        "Re-authenticate in Connected accounts",
                    )
                } else {
                    (
                        crate::routes::integration_edit(&i.id),
                        "Edit the integration",
                    )
                };
            SyncAlert {
                target: format!("{}/{}", i.workspace, i.repository),
                status: i.status.label().to_owned(),
                reason: i.status_reason,
                fix_label: fix_label.to_owned(),
                fix_href,
                collection: i.collection_name,
            }
        })
        .collect();
    for (stopped, status) in ferry_domain::api_sync::stopped(&store, &actor)
        .await
        .map_err(server_fn_error)?
    {
        alerts.push(SyncAlert {
            collection: format!("API {}", stopped.api_name),
            target: format!("{}/{}", stopped.workspace, stopped.repository),
            status: status.label().to_owned(),
            reason: status.reason().map(str::to_owned),
            fix_href: crate::routes::api_sub(&stopped.api_id, "repository"),
            fix_label: "Open its Repository tab".to_owned(),
        });
    }
    for hook in ferry_domain::hooks::stopped(&store, &actor)
        .await
        .map_err(server_fn_error)?
    {
        let (kind, status) = match (hook.kind.as_str(), hook.status.as_str()) {
            ("slack_activity", "disabled") => ("Slack", "Disabled"),
            ("slack_activity", _) => ("Slack", "Failing"),
            (_, "disabled") => ("Webhook", "Disabled"),
            _ => ("Webhook", "Failing"),
        };
        alerts.push(SyncAlert {
            collection: format!("{kind} {}", hook.nickname),
            target: hook.url_display,
            status: status.to_owned(),
            reason: hook.status_reason,
            fix_href: crate::routes::hook(&hook.id),
            fix_label: "Open its delivery log".to_owned(),
        });
    }
    Ok(alerts)
}
