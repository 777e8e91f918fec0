//! Team settings: members and invites, API keys, the audit log. Plain HTML forms posted to
//! the server (post/redirect/get), so every change works without the wasm bundle.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::flash::FlashMessage;
use crate::components::load_error::LoadError;
use crate::context::use_page_context;
use crate::team_data::{
    load_api_keys, load_audit_log, load_members, ApiKeyView, ApiKeysData, AuditData, MemberView,
    MembersData,
};

const ROLES: [&str; 3] = ["viewer", "editor", "admin"];

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Members,
    ApiKeys,
    Audit,
}

/// The frame of every Team settings page: heading, tabs, the one-time message, then the
/// page's own content once loaded (or a sign-in prompt).
fn settings<T, V>(
    title: &'static str,
    tab: Tab,
    load: Resource<Result<Option<T>, ServerFnError>>,
    body: fn(T) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static + serde::Serialize + serde::de::DeserializeOwned,
    V: IntoView + 'static,
{
    let page = use_page_context();
    let link = move |href: &'static str, label: &'static str, this: Tab| {
        view! { <A href=href attr:aria-current=move || (tab == this).then_some("page")>{label}</A> }
    };
    view! {
        <Title text=title/>
        <section class="settings">
            <h1>"Team settings"</h1>
            <nav class="tabs" aria-label="Team settings">
                {link(routes::TEAM_MEMBERS, "Members", Tab::Members)}
                {link(routes::TEAM_API_KEYS, "API keys", Tab::ApiKeys)}
                {link(routes::TEAM_AUDIT, "Audit log", Tab::Audit)}
            </nav>
            <Suspense fallback=|| ()>
                {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
            </Suspense>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || load.get().map(move |loaded| match loaded {
                    Ok(Some(data)) => body(data).into_any(),
                    Ok(None) => view! {
                        <p><A href=routes::SIGN_IN>"Sign in"</A> " to see your team's settings."</p>
                    }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let load = Resource::new(|| (), |_| load_members());
    settings("Members", Tab::Members, load, members_view)
}

fn members_view(data: MembersData) -> impl IntoView {
    let can_manage = data.can_manage;
    view! {
        <h2>"Members of " {data.team_name}</h2>
        <table class="table" data-testid="members">
            <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
            <tbody>
                {data.members.into_iter().map(|member| member_row(member, can_manage)).collect_view()}
            </tbody>
        </table>
        {can_manage.then(|| view! {
            <h2>"Invite someone"</h2>
            <p class="hint">"The link lets one person join with the role you choose. It works once, for 7 days, and is shown only once."</p>
            <form class="inline-form" method="post" action=routes::TEAM_INVITES>
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">{role_options("viewer")}</select>
                <button class="button" type="submit">"Create invite link"</button>
            </form>
            {(!data.invites.is_empty()).then(|| view! {
                <h3>"Open invite links"</h3>
                <table class="table" data-testid="invites">
                    <thead><tr><th scope="col">"Role"</th><th scope="col">"Created by"</th><th scope="col">"Expires"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>
                        {data.invites.into_iter().map(|invite| view! {
                            <tr>
                                <td>{invite.role}</td>
                                <td>{invite.created_by}</td>
                                <td>{invite.expires}</td>
                                <td>
                                    <form method="post" action=routes::TEAM_INVITES_REVOKE>
                                        <input type="hidden" name="invite_id" value=invite.id/>
                                        <button class="button secondary small" type="submit">"Revoke"</button>
                                    </form>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        })}
    }
}

fn member_row(member: MemberView, can_manage: bool) -> AnyView {
    let role_form = can_manage.then(|| {
        let select_id = format!("role-{}", member.user_id);
        view! {
            <form class="inline-form" method="post" action=routes::TEAM_MEMBERS_ROLE>
                <input type="hidden" name="user_id" value=member.user_id.clone()/>
                <label class="sr-only" for=select_id.clone()>{format!("Role of {}", member.email)}</label>
                <select id=select_id name="role">{role_options(&member.role)}</select>
                <button class="button secondary small" type="submit">"Change role"</button>
            </form>
        }
    });
    let role = if can_manage {
        None
    } else {
        Some(member.role.clone())
    };
    let (action, label) = if member.is_you {
        ("Leave team", "Leave team")
    } else {
        ("Remove", "Remove")
    };
    let remove = (member.is_you || can_manage).then(|| view! {
        <form method="post" action=routes::TEAM_MEMBERS_REMOVE>
            <input type="hidden" name="user_id" value=member.user_id.clone()/>
            <button class="button secondary small" type="submit" aria-label=format!("{action}: {}", member.email)>{label}</button>
        </form>
    });
    view! {
        <tr data-testid="member">
            <td>{member.email}{member.is_you.then_some(" (you)")}</td>
            <td>{role}{role_form}</td>
            <td>{remove}</td>
        </tr>
    }
    .into_any()
}

fn role_options(selected: &str) -> impl IntoView {
    ROLES
        .into_iter()
        .map(|role| view! { <option value=role selected=role == selected>{role}</option> })
        .collect_view()
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let load = Resource::new(|| (), |_| load_api_keys());
    settings("API keys", Tab::ApiKeys, load, api_keys_view)
}

fn api_keys_view(data: ApiKeysData) -> impl IntoView {
    let default_role = data.roles.first().cloned().unwrap_or_default();
    view! {
        <h2>"API keys of " {data.team_name}</h2>
        <p class="hint">"Scripts send a key in the X-Api-Key header. A key acts in this team with its role, never above yours. It is shown once, when created."</p>
        <form class="form narrow" method="post" action=routes::TEAM_API_KEYS>
            <label for="key-name">"Name"</label>
            <input id="key-name" name="name" type="text" required maxlength="80" placeholder="CI backup check"/>
            <label for="key-role">"Role"</label>
            <select id="key-role" name="role">
                {data.roles.into_iter().map(|role| {
                    let selected = role == default_role;
                    view! { <option value=role.clone() selected=selected>{role.clone()}</option> }
                }).collect_view()}
            </select>
            <label for="key-expiry">"Expires in (days)"</label>
            <input id="key-expiry" name="expires_in_days" type="number" min="1" max="3650" placeholder="never"/>
            <button class="button" type="submit">"Create API key"</button>
        </form>
        {if data.keys.is_empty() {
            view! { <p class="hint">"No API keys yet."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="api-keys">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{data.keys.into_iter().map(api_key_row).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
    }
}

fn api_key_row(key: ApiKeyView) -> AnyView {
    let revoke = key.can_revoke.then(|| view! {
        <form method="post" action=routes::TEAM_API_KEYS_REVOKE>
            <input type="hidden" name="key_id" value=key.id/>
            <button class="button secondary small" type="submit" aria-label=format!("Revoke {}", key.name)>"Revoke"</button>
        </form>
    });
    view! {
        <tr data-testid="api-key">
            <td>{key.name}</td>
            <td>{key.role}</td>
            <td>{key.created}</td>
            <td>{key.last_used}</td>
            <td>{key.expires}</td>
            <td>{key.status}</td>
            <td>{revoke}</td>
        </tr>
    }
    .into_any()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let load = Resource::new(|| (), |_| load_audit_log());
    settings("Audit log", Tab::Audit, load, audit_view)
}

fn audit_view(data: AuditData) -> impl IntoView {
    match data.entries {
        None => view! { <p class="alert error" role="alert">"Audit log: only the team's admins can read it; ask an admin."</p> }.into_any(),
        Some(entries) => view! {
            <h2>"Audit log of " {data.team_name}</h2>
            <table class="table" data-testid="audit-log">
                <thead><tr>
                    <th scope="col">"Time"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th>
                    <th scope="col">"Detail"</th><th scope="col">"Client address"</th>
                </tr></thead>
                <tbody>
                    {entries.into_iter().map(|e| view! {
                        <tr><td>{e.at}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.detail}</td><td>{e.client_addr}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any(),
    }
}
