//! What the Webhooks and Slack pages show, loaded by server functions: the team's custom
//! webhook and Slack integrations of one kind, one integration with its delivery log, and the
//! events a person may choose. Never a URL beyond its display form, never a secret (a new
//! secret reaches its page once, through the session's one-time message).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An event a person may subscribe to: its wire name and its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventChoice {
    pub name: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookSummary {
    pub id: String,
    /// `webhook` or `slack`.
    pub kind: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    /// `active`, `paused`, `failing` or `disabled`.
    pub status: String,
    pub status_label: String,
    pub status_reason: Option<String>,
    pub created: String,
    pub can_manage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookList {
    /// Whether the person may add one (editors and admins).
    pub can_add: bool,
    pub hooks: Vec<HookSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub attempt: i64,
    pub at: String,
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub outcome: String,
    pub reason: Option<String>,
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub id: String,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub created: String,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookDetail {
    pub hook: HookSummary,
    pub events: Vec<EventChoice>,
    pub deliveries: Vec<DeliveryLine>,
}

/// The wire kind a page names (`webhook`, `slack`).
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "slack" => "Slack",
        _ => "Webhooks",
    }
}

/// The events a new integration offers, the collection ones chosen.
#[server(endpoint = "load_hook_events")]
pub async fn load_hook_events() -> Result<Vec<EventChoice>, ServerFnError> {
    Ok(choices(&[
        "collection.created",
        "collection.changed",
        "collection.deleted",
    ]))
}

/// The team's integrations of `kind` (`webhook` or `slack`); `None` when signed out.
#[server(endpoint = "load_hooks")]
pub async fn load_hooks(kind: String) -> Result<Option<HookList>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::auth::Permission;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let keyring = keyring()?;
    let policy = Default::default();
    let hooks = reads(&store, &keyring, &policy)
        .list(&actor)
        .await
        .map_err(server_fn_error)?;
    Ok(Some(HookList {
        can_add: actor.role.allows(Permission::CreateIntegrations),
        hooks: hooks
            .into_iter()
            .map(summary)
            .filter(|hook| hook.kind == kind)
            .collect(),
    }))
}

/// One integration with its newest deliveries; `None` when signed out.
#[server(endpoint = "load_hook")]
pub async fn load_hook(id: String) -> Result<Option<HookDetail>, ServerFnError> {
    use crate::{
        server_error::server_fn_error,
        session::{server_fn_actor, when},
    };

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let keyring = keyring()?;
    let policy = Default::default();
    let hooks = reads(&store, &keyring, &policy);
    let hook = hooks.get(&actor, &id).await.map_err(server_fn_error)?;
    let deliveries = hooks
        .deliveries(&actor, &id)
        .await
        .map_err(server_fn_error)?;
    let chosen: Vec<&str> = hook.events.iter().map(|e| e.as_str()).collect();
    let events = choices(&chosen);
    Ok(Some(HookDetail {
        hook: summary(hook),
        events,
        deliveries: deliveries
            .into_iter()
            .map(|view| DeliveryLine {
                id: view.delivery.id,
                event: view.delivery.event_type,
                state: view.delivery.state,
                created: when(view.delivery.created_at_ms),
                attempts: view
                    .attempts
                    .into_iter()
                    .map(|a| AttemptView {
                        attempt: a.attempt,
                        at: when(a.at_ms),
                        status: a.status,
                        latency_ms: a.latency_ms,
                        outcome: a.outcome,
                        reason: a.reason,
                        excerpt: a.excerpt,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[cfg(feature = "ssr")]
fn keyring() -> Result<ferry_domain::crypto::Keyring, ServerFnError> {
    use_context::<ferry_domain::crypto::Keyring>()
        .ok_or_else(|| ServerFnError::new("the keyring is not in context"))
}

/// The service for reading: the address policy only matters to writes, which the forms make.
#[cfg(feature = "ssr")]
fn reads<'a>(
    store: &'a ferry_domain::Store,
    keyring: &'a ferry_domain::crypto::Keyring,
    policy: &'a ferry_domain::webhooks::NetworkPolicy,
) -> ferry_domain::hooks::Hooks<'a> {
    ferry_domain::hooks::Hooks::new(store, keyring, policy)
}

#[cfg(feature = "ssr")]
fn choices(chosen: &[&str]) -> Vec<EventChoice> {
    ferry_domain::webhooks::EventType::SUBSCRIBABLE
        .into_iter()
        .map(|event| EventChoice {
            name: event.as_str().to_owned(),
            label: event.label().to_owned(),
            chosen: chosen.contains(&event.as_str()),
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn summary(hook: ferry_domain::hooks::HookView) -> HookSummary {
    let kind = match hook.kind.as_str() {
        "slack_activity" => "slack",
        _ => "webhook",
    };
    HookSummary {
        kind: kind.to_owned(),
        status_label: status_label(&hook.status).to_owned(),
        events: hook.events.iter().map(|e| e.label().to_owned()).collect(),
        created: crate::session::when(hook.created_at_ms),
        id: hook.id,
        name: hook.nickname,
        url: hook.url_display,
        status: hook.status,
        status_reason: hook.status_reason,
        can_manage: hook.can_manage,
    }
}

#[cfg(feature = "ssr")]
fn status_label(status: &str) -> &'static str {
    match status {
        "paused" => "Paused",
        "failing" => "Failing",
        "disabled" => "Disabled",
        _ => "Active",
    }
}
