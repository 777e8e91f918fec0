//! Custom webhooks and Slack: each kind's details page (what it does, Add Integration, the
//! team's configured ones), the Add Integration form, and one integration's page (status,
//! Send test event, Pause/Resume, Edit, Rotate secret, Delete, and the delivery log with
//! Redeliver). Every action is a plain form post, so all of it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::components::{flash::PageFlash, load_error::LoadError, sync_alerts::SyncAlerts};
use crate::context::use_page_context;
use crate::hook_data::{
    kind_label, load_hook, load_hook_events, load_hooks, DeliveryLine, EventChoice, HookDetail,
    HookList, HookSummary,
};
use crate::routes;

/// What a kind's pages say and where they go.
#[derive(Clone, Copy)]
struct Kind {
    wire: &'static str,
    list: &'static str,
    new: &'static str,
    lead: &'static str,
    url_hint: &'static str,
    url_placeholder: &'static str,
}

const WEBHOOK: Kind = Kind {
    wire: "webhook",
    list: routes::INTEGRATIONS_WEBHOOKS,
    new: routes::INTEGRATIONS_WEBHOOKS_NEW,
    lead: "Send your team's activity to any URL: one signed JSON event per change — collections \
           created, changed or deleted with what changed, API changes and versions, backups \
           failing or recovered, members joining or leaving.",
    url_hint: "An https URL that accepts POST requests. Each delivery is signed per the Standard \
               Webhooks specification (webhook-id, webhook-timestamp, webhook-signature).",
    url_placeholder: "https://example.com/ferry-events",
};

const SLACK: Kind = Kind {
    wire: "slack",
    list: routes::INTEGRATIONS_SLACK,
    new: routes::INTEGRATIONS_SLACK_NEW,
    lead: "Post your team's activity to a Slack channel: a message per event, with who did what \
           and a button to the page in Ferry.",
    url_hint: "A Slack incoming-webhook URL (Slack: Apps → Incoming Webhooks → Add New Webhook to \
               Workspace). It is stored encrypted and never shown again in full.",
    url_placeholder: "https://hooks.slack.com/services/T…/B…/…",
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! { <KindPage kind=WEBHOOK/> }
}

#[component]
pub fn SlackPage() -> impl IntoView {
    view! { <KindPage kind=SLACK/> }
}

#[component]
pub fn NewWebhookPage() -> impl IntoView {
    view! { <NewHookPage kind=WEBHOOK/> }
}

#[component]
pub fn NewSlackPage() -> impl IntoView {
    view! { <NewHookPage kind=SLACK/> }
}

#[component]
fn KindPage(kind: Kind) -> impl IntoView {
    let name = kind_label(kind.wire);
    let list = Resource::new(|| (), move |()| load_hooks(kind.wire.to_owned()));
    view! {
        <Title text=name/>
        <section class="integrations">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href=routes::INTEGRATIONS>"Integrations"</A> " / " {name}
            </nav>
            <header class="integration-header">
                <div>
                    <h1>{name}</h1>
                    <p class="lead">{kind.lead}</p>
                </div>
                <Suspense fallback=|| ()>
                    {move || list.get().map(|loaded| match loaded {
                        Ok(Some(HookList { can_add: true, .. })) => view! {
                            <A href=kind.new attr:class="button">"Add Integration"</A>
                        }.into_any(),
                        Ok(Some(_)) => view! {
                            <p class="hint">"Viewers see this team's integrations; editors and admins add them."</p>
                        }.into_any(),
                        _ => view! {
                            <p class="hint"><A href=routes::SIGN_IN>"Sign in"</A> " to add an integration."</p>
                        }.into_any(),
                    })}
                </Suspense>
            </header>
            <SyncAlerts/>
            <PageFlash/>
            <ul class="facts">
                <li>"Deliveries are written with the change itself and retried for about a day, with backoff; a receiver that keeps failing marks the integration Failing and alerts you."</li>
                <li>"Every delivery is in the integration's log: time, event, HTTP status, latency, attempt and the response. Send a test event, or redeliver any of them."</li>
                <li>"Private and internal addresses are refused unless the operator allows them."</li>
            </ul>
            <h2 id="configured">"Configured integrations"</h2>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || list.get().map(|loaded| match loaded {
                    Ok(Some(list)) => hook_table(list, name).into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn hook_table(list: HookList, name: &'static str) -> impl IntoView {
    if list.hooks.is_empty() {
        return view! {
            <p class="hint" data-testid="no-hooks">{format!("This team has no {name} integration yet.")}</p>
        }
        .into_any();
    }
    view! {
        <table class="table integrations-table" data-testid="hooks">
            <thead><tr>
                <th scope="col">"Nickname"</th><th scope="col">"URL"</th>
                <th scope="col">"Events"</th><th scope="col">"Status"</th>
                <th scope="col">"Added"</th>
            </tr></thead>
            <tbody>{list.hooks.into_iter().map(hook_row).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

fn hook_row(hook: HookSummary) -> impl IntoView {
    let badge = status_badge(&hook);
    view! {
        <tr data-testid="hook">
            <td><A href=routes::hook(&hook.id)>{hook.name}</A></td>
            <td><code>{hook.url}</code></td>
            <td>{hook.events.join(", ")}</td>
            <td>{badge}</td>
            <td>{hook.created}</td>
        </tr>
    }
}

fn status_badge(hook: &HookSummary) -> impl IntoView {
    let class = match hook.status.as_str() {
        "disabled" => "badge failing".to_owned(),
        other => format!("badge {other}"),
    };
    view! {
        <span class=class data-testid="hook-status">{hook.status_label.clone()}</span>
        {hook.status_reason.clone().map(|reason| view! { <div class="hint">{reason}</div> })}
    }
}

/// The event checkboxes, all named `events`.
fn event_boxes(choices: Vec<EventChoice>, kept: Option<Vec<String>>) -> impl IntoView {
    view! {
        <fieldset class="event-choices">
            <legend>"Events"</legend>
            {choices.into_iter().map(|choice| {
                let checked = match &kept {
                    Some(kept) => kept.contains(&choice.name),
                    None => choice.chosen,
                };
                let id = format!("event-{}", choice.name.replace('.', "-"));
                view! {
                    <div class="checkbox">
                        <input type="checkbox" name="events" id=id.clone() value=choice.name checked=checked/>
                        <label for=id>{choice.label}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// What a refused form posted, from the page's one-time message: the nickname and the events
/// ticked (`None` when nothing was refused).
fn kept_fields() -> (Option<String>, Option<Vec<String>>) {
    let page = use_page_context();
    let flash = page
        .get_untracked()
        .and_then(Result::ok)
        .and_then(|ctx| ctx.flash)
        .filter(|flash| !flash.fields.is_empty());
    match flash {
        Some(flash) => (
            flash.field("name").map(str::to_owned),
            Some(
                flash
                    .fields
                    .iter()
                    .filter(|(key, _)| key == "events")
                    .map(|(_, value)| value.clone())
                    .collect(),
            ),
        ),
        None => (None, None),
    }
}

#[component]
fn NewHookPage(kind: Kind) -> impl IntoView {
    let name = kind_label(kind.wire);
    let events = Resource::new(|| (), |()| load_hook_events());
    let page = use_page_context();
    view! {
        <Title text=format!("Add {name} integration")/>
        <section class="integrations">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href=routes::INTEGRATIONS>"Integrations"</A> " / "
                <A href=kind.list>{name}</A> " / Add Integration"
            </nav>
            <h1>"Add " {name} " integration"</h1>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || {
                    let signed_in = page.get().and_then(Result::ok).is_some_and(|ctx| ctx.viewer.is_some());
                    events.get().map(|loaded| match loaded {
                        Ok(_) if !signed_in => view! {
                            <p class="hint"><A href=routes::SIGN_IN>"Sign in"</A> " to add an integration."</p>
                        }.into_any(),
                        Ok(choices) => {
                            let (nickname, kept) = kept_fields();
                            view! {
                                <form class="form" method="post" action=kind.new data-testid="add-hook">
                                    <label for="hook-name">"Nickname"</label>
                                    <input id="hook-name" name="name" required maxlength="80"
                                        value=nickname.unwrap_or_default() placeholder="Team activity"/>
                                    <label for="hook-url">"Webhook URL"</label>
                                    <input id="hook-url" name="url" type="url" required
                                        placeholder=kind.url_placeholder autocomplete="off"/>
                                    <p class="hint">{kind.url_hint}</p>
                                    {event_boxes(choices, kept)}
                                    <button class="button" type="submit">"Add Integration"</button>
                                </form>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
pub fn HookPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, load_hook);
    view! {
        <Title text="Integration"/>
        <section class="integrations">
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || detail.get().map(|loaded| match loaded {
                    Ok(Some(detail)) => hook_page(detail).into_any(),
                    Ok(None) => view! {
                        <p class="hint"><A href=routes::SIGN_IN>"Sign in"</A> " to see this integration."</p>
                    }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn action(id: &str, name: &'static str, label: &'static str, class: &'static str) -> impl IntoView {
    view! {
        <form method="post" action=routes::hook_action(id, name) class="inline-form">
            <button class=class type="submit">{label}</button>
        </form>
    }
}

fn hook_page(detail: HookDetail) -> impl IntoView {
    let HookDetail {
        hook,
        events,
        deliveries,
    } = detail;
    let list = if hook.kind == "slack" {
        routes::INTEGRATIONS_SLACK
    } else {
        routes::INTEGRATIONS_WEBHOOKS
    };
    let id = hook.id.clone();
    let manage = hook.can_manage.then(|| {
        let pause_or_resume = if matches!(hook.status.as_str(), "paused" | "disabled") {
            action(&id, "resume", "Resume", "button secondary").into_any()
        } else {
            action(&id, "pause", "Pause", "button secondary").into_any()
        };
        view! {
            <div class="row-actions" data-testid="hook-actions">
                {action(&id, "test", "Send test event", "button")}
                {pause_or_resume}
                {action(&id, "secret", "Rotate secret", "button secondary")}
                {action(&id, "delete", "Delete", "button danger")}
            </div>
        }
    });
    let edit = hook.can_manage.then(|| {
        view! {
            <details class="edit-hook">
                <summary>"Edit"</summary>
                <form class="form" method="post" action=routes::hook_action(&id, "edit")>
                    <label for="hook-name">"Nickname"</label>
                    <input id="hook-name" name="name" required maxlength="80" value=hook.name.clone()/>
                    <label for="hook-url">"Webhook URL"</label>
                    <input id="hook-url" name="url" type="url" autocomplete="off"
                        placeholder="Leave blank to keep the current URL"/>
                    {event_boxes(events, None)}
                    <button class="button" type="submit">"Save"</button>
                </form>
            </details>
        }
    });
    let badge = status_badge(&hook);
    let kind = kind_label(&hook.kind);
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=routes::INTEGRATIONS>"Integrations"</A> " / "
            <A href=list>{kind}</A> " / " {hook.name.clone()}
        </nav>
        <h1>{hook.name.clone()}</h1>
        <PageFlash/>
        <dl class="facts-list">
            <dt>"Status"</dt><dd>{badge}</dd>
            <dt>"URL"</dt><dd><code>{hook.url.clone()}</code></dd>
            <dt>"Events"</dt><dd>{hook.events.join(", ")}</dd>
            <dt>"Added"</dt><dd>{hook.created.clone()}</dd>
        </dl>
        {manage}
        {edit}
        <h2>"Delivery log"</h2>
        {delivery_log(&id, hook.can_manage, deliveries)}
    }
}

fn delivery_log(id: &str, can_manage: bool, deliveries: Vec<DeliveryLine>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! {
            <p class="hint" data-testid="no-deliveries">"Nothing sent yet. Send a test event to check the receiver."</p>
        }
        .into_any();
    }
    let id = id.to_owned();
    view! {
        <table class="table deliveries" data-testid="deliveries">
            <thead><tr>
                <th scope="col">"Time"</th><th scope="col">"Event"</th><th scope="col">"State"</th>
                <th scope="col">"HTTP status"</th><th scope="col">"Latency"</th>
                <th scope="col">"Attempt"</th><th scope="col">"Response"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {deliveries.into_iter().map(|delivery| {
                    let last = delivery.attempts.last().cloned();
                    let redeliver = can_manage.then(|| view! {
                        <form method="post" action=routes::hook_redeliver(&id, &delivery.id) class="inline-form">
                            <button class="button secondary small" type="submit">"Redeliver"</button>
                        </form>
                    });
                    view! {
                        <tr data-testid="delivery" title=delivery.id.clone()>
                            <td>{delivery.created}</td>
                            <td><code>{delivery.event}</code></td>
                            <td data-testid="delivery-state">{delivery.state}</td>
                            <td>{last.as_ref().and_then(|a| a.status).map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                            <td>{last.as_ref().map(|a| format!("{} ms", a.latency_ms)).unwrap_or_else(|| "—".into())}</td>
                            <td>{last.as_ref().map(|a| a.attempt.to_string()).unwrap_or_else(|| "0".into())}</td>
                            <td>
                                {last.as_ref().and_then(|a| a.reason.clone()).map(|r| view! { <div>{r}</div> })}
                                {last.map(|a| a.excerpt).filter(|e| !e.is_empty()).map(|e| view! { <code class="excerpt">{e}</code> })}
                            </td>
                            <td class="row-actions">{redeliver}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
