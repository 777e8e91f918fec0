//! The Webhooks and Slack pages' POST targets: add an integration (its signing secret shown
//! once on its page), edit, pause, resume, send a test event, rotate the secret, delete, and
//! redeliver a delivery. Each acts in the session's current team only; another team's id
//! answers 404 and a role that may not act 403, with nothing changed. A refused form goes
//! back with the message naming the field, and what was typed — except the URL, which for
//! Slack is a credential and is not kept in the session.

use app::{flash::Flash, routes};
use axum::{
    extract::{Path, RawForm, State},
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::hooks::{HookChange, HookKind, HooksError, NewHook};
use tower_sessions::Session;

use super::{
    account_forms::flash_notice,
    collection_forms::Fields,
    refusal::{as_posted, Refusal},
    signed_in::SignedIn,
    team_forms::reveal,
    AppState,
};

/// Add Integration for a custom webhook.
pub async fn create_webhook(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    form: RawForm,
) -> Response {
    create(HookKind::WebhookActivity, state, session, actor, form).await
}

/// Add Integration for Slack.
pub async fn create_slack(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    form: RawForm,
) -> Response {
    create(HookKind::SlackActivity, state, session, actor, form).await
}

async fn create(
    kind: HookKind,
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let events = chosen_events(&fields);
    let new = NewHook {
        kind,
        nickname: fields.get("name"),
        url: fields.get("url"),
        events: &events,
    };
    let form_page = match kind {
        HookKind::SlackActivity => routes::INTEGRATIONS_SLACK_NEW,
        HookKind::WebhookActivity => routes::INTEGRATIONS_WEBHOOKS_NEW,
    };
    match state.hooks().create(&actor, new).await {
        Ok((hook, secret)) => {
            let notice = format!(
                "Added “{}”. Its signing secret is below, shown this once: receivers verify each \
                 delivery's webhook-signature with it. Send a test event to check the receiver.",
                hook.nickname
            );
            reveal(
                &state,
                &session,
                &actor,
                &routes::hook(&hook.id),
                notice,
                secret.expose(),
            )
            .await
        }
        Err(error) => refused(error, &session, form_page, &fields).await,
    }
}

/// Edit: the name, the events, and a new URL when one is typed (blank keeps it).
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    form: RawForm,
) -> Response {
    let fields = Fields::parse(form);
    let events = chosen_events(&fields);
    let url = fields.get("url").trim();
    let change = HookChange {
        nickname: Some(fields.get("name")),
        url: (!url.is_empty()).then_some(url),
        events: Some(&events),
        paused: None,
    };
    let page = routes::hook(&id);
    match state.hooks().update(&actor, &id, change).await {
        Ok(hook) => notice(&session, &page, format!("Saved “{}”.", hook.nickname)).await,
        Err(error) => refused(error, &session, &page, &fields).await,
    }
}

pub async fn pause(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    id: Path<String>,
) -> Response {
    set_paused(true, state, session, actor, id).await
}

pub async fn resume(
    state: State<AppState>,
    session: Session,
    actor: SignedIn,
    id: Path<String>,
) -> Response {
    set_paused(false, state, session, actor, id).await
}

async fn set_paused(
    paused: bool,
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let done = state.hooks().set_paused(&actor, &id, paused).await;
    answer(&state, &session, &id, done, |hook| {
        if paused {
            format!(
                "Paused “{}”: events are kept and sent when you resume.",
                hook.nickname
            )
        } else {
            format!(
                "Resumed “{}”: waiting events are being sent, oldest first.",
                hook.nickname
            )
        }
    })
    .await
}

/// Send test event.
pub async fn test(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let done = state.hooks().send_test(&actor, &id).await;
    answer(&state, &session, &id, done, |delivery| {
        format!(
            "Test event {} queued; its delivery shows in the log below in a moment (reload).",
            delivery.id
        )
    })
    .await
}

/// A new signing secret, shown once; the previous one signs too for a day.
pub async fn rotate_secret(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let page = routes::hook(&id);
    match state.hooks().rotate_secret(&actor, &id).await {
        Ok(secret) => {
            let notice = "New signing secret below, shown this once. For the next 24 hours \
                          deliveries carry signatures by both the old and the new secret, so \
                          update the receiver within a day."
                .to_owned();
            reveal(&state, &session, &actor, &page, notice, secret.expose()).await
        }
        Err(error) => refused(error, &session, &page, &Fields(Vec::new())).await,
    }
}

pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let hooks = state.hooks();
    let page = routes::hook(&id);
    let hook = match hooks.get(&actor, &id).await {
        Ok(hook) => hook,
        Err(error) => return refused(error, &session, &page, &Fields(Vec::new())).await,
    };
    let list = match hook.kind.as_str() {
        "slack_activity" => routes::INTEGRATIONS_SLACK,
        _ => routes::INTEGRATIONS_WEBHOOKS,
    };
    match hooks.delete(&actor, &id).await {
        Ok(()) => {
            let said = format!(
                "Deleted “{}” and its delivery log; nothing more is sent to it.",
                hook.nickname
            );
            notice(&session, list, said).await
        }
        Err(error) => refused(error, &session, &page, &Fields(Vec::new())).await,
    }
}

/// Redeliver: the delivery goes again now, under its own id.
pub async fn redeliver(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path((id, delivery)): Path<(String, String)>,
) -> Response {
    let done = state.hooks().redeliver(&actor, &id, &delivery).await;
    answer(&state, &session, &id, done, |delivery| {
        format!("Delivery {} queued again, under the same id.", delivery.id)
    })
    .await
}

/// Back to the integration's page with the notice `done` earns (the worker woken, as
/// something may have been queued), or with why it was refused.
async fn answer<T>(
    state: &AppState,
    session: &Session,
    id: &str,
    done: Result<T, HooksError>,
    says: impl FnOnce(T) -> String,
) -> Response {
    let page = routes::hook(id);
    match done {
        Ok(done) => {
            state.hooks.wake();
            notice(session, &page, says(done)).await
        }
        Err(error) => refused(error, session, &page, &Fields(Vec::new())).await,
    }
}

async fn notice(session: &Session, page: &str, notice: String) -> Response {
    flash_notice(session, notice).await;
    Redirect::to(page).into_response()
}

/// The event types ticked (a checkbox per type, all named `events`).
fn chosen_events(fields: &Fields) -> Vec<String> {
    fields
        .0
        .iter()
        .filter(|(name, _)| name == "events")
        .map(|(_, value)| value.clone())
        .collect()
}

/// Back to `page` with why, keeping the name and the events ticked (not the URL).
async fn refused(error: HooksError, session: &Session, page: &str, fields: &Fields) -> Response {
    let kept = Flash {
        fields: fields
            .0
            .iter()
            .filter(|(name, _)| name == "name" || name == "events")
            .cloned()
            .collect(),
        page: page.split('?').next().unwrap_or(page).to_owned(),
        ..Flash::default()
    };
    Refusal::from_domain(error, label)
        .back(session, page, kept)
        .await
}

/// How the form labels each field the service names.
fn label(field: &str) -> &str {
    match field {
        "name" => "Nickname",
        "url" => "Webhook URL",
        "events" => "Events",
        other => as_posted(other),
    }
}
