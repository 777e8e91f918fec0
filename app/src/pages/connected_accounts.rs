//! Connected accounts: the team's Bitbucket credentials (never shown), Re-authenticate to
//! replace one in place, Delete with a warning naming the integrations that use it, and
//! Share with the team (a plain form post) so that editors other than its creator may use it.
//! Admins see an account whose creator left the team flagged.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::account_data::{
    load_connected_account, load_connected_accounts, AccountDetail, AccountView,
};
use crate::components::load_error::LoadError;
use crate::components::{
    breadcrumbs::BitbucketCrumbs,
    credential_fields::{credential_inputs, method_choices},
    flash::PageFlash,
    sandbox_notice::SandboxNotice,
};

#[component]
pub fn ConnectedAccountsPage() -> impl IntoView {
    let accounts = Resource::new(|| (), |_| load_connected_accounts());
    view! {
        <Title text="Connected accounts"/>
        <section class="integrations">
            <BitbucketCrumbs here="Connected accounts"/>
            <h1>"Connected accounts"</h1>
            <p class="lead">
                "The Bitbucket accounts this team's integrations commit as. Secrets are stored encrypted and never \
                 shown; Re-authenticate replaces one in place and every integration using it keeps working."
            </p>
            <p class="hint">
                "An account is used for new integrations only by the person who connected it and by admins, unless \
                 it is shared with the team."
            </p>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || accounts.get().map(|loaded| match loaded {
                    Ok(Some(accounts)) if accounts.is_empty() => view! {
                        <p class="hint" data-testid="no-accounts">
                            "No account yet: " <A href=routes::INTEGRATIONS_BITBUCKET_NEW>"Add Integration"</A> " connects one."
                        </p>
                    }.into_any(),
                    Ok(Some(accounts)) => accounts_table(accounts).into_any(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to see connected accounts."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn accounts_table(accounts: Vec<AccountView>) -> impl IntoView {
    view! {
        <table class="table integrations-table" data-testid="accounts">
            <thead><tr>
                <th scope="col">"Label"</th><th scope="col">"Method"</th><th scope="col">"Bitbucket account"</th>
                <th scope="col">"Created by"</th><th scope="col">"Last verified"</th><th scope="col">"Used by"</th>
                <th scope="col">"Shared with the team"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>{accounts.into_iter().map(account_row).collect_view()}</tbody>
        </table>
    }
}

fn account_row(account: AccountView) -> AnyView {
    let used_by = match account.integration_count {
        0 => "no integration".to_owned(),
        1 => "1 integration".to_owned(),
        n => format!("{n} integrations"),
    };
    let actions = account.can_manage.then(|| {
        let reauth = routes::account_reauthenticate(&account.id);
        let delete = routes::account_delete(&account.id);
        view! {
            <A href=reauth attr:class="button secondary small" attr:aria-label=format!("Re-authenticate {}", account.label)>"Re-authenticate"</A>
            <A href=delete attr:class="button secondary small" attr:aria-label=format!("Delete {}", account.label)>"Delete"</A>
        }
    });
    let sharing = share_form(&account);
    let creator_left = account.creator_left.then(|| {
        view! { <div class="badge warning" data-testid="creator-left">"creator is no longer a member"</div> }
    });
    view! {
        <tr data-testid="account">
            <td>{account.label.clone()}</td>
            <td>{account.method_label}</td>
            <td>{account.display_name}<div class="hint">{account.login}</div></td>
            <td>{account.created_by}<div class="hint">{account.created}</div>{creator_left}</td>
            <td data-testid="verified">{account.verified}</td>
            <td>{used_by}</td>
            <td data-testid="shared">{sharing}</td>
            <td class="row-actions">{actions}</td>
        </tr>
    }
    .into_any()
}

/// "Yes"/"No", with the toggle for the account's creator and admins.
fn share_form(account: &AccountView) -> impl IntoView {
    let state = if account.shared { "Yes" } else { "No" };
    let toggle = account.can_manage.then(|| {
        let action = routes::account_share(&account.id);
        let (value, label) = if account.shared { ("false", "Stop sharing") } else { ("true", "Share") };
        let aria = format!("{label} {} with the team", account.label);
        view! {
            <form class="inline-form" method="post" action=action>
                <input type="hidden" name="shared" value=value/>
                <button class="button secondary small" type="submit" aria-label=aria>{label}</button>
            </form>
        }
    });
    view! { {state} {toggle} }
}

/// Loads the account named by the page's `:id`.
fn use_account() -> Resource<Result<Option<AccountDetail>, ServerFnError>> {
    let params = use_params_map();
    Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_connected_account,
    )
}

fn may_not() -> AnyView {
    view! {
        <p class="alert error" role="alert">"Your role does not allow changing this account; its creator or an admin can."</p>
    }
    .into_any()
}

#[component]
pub fn ReauthenticatePage() -> impl IntoView {
    let detail = use_account();
    view! {
        <Title text="Re-authenticate"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Re-authenticate" accounts=true/>
            <SandboxNotice/>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || detail.get().map(|loaded| match loaded {
                    Ok(Some(detail)) if detail.account.can_manage => reauthenticate_forms(detail).into_any(),
                    Ok(Some(_)) => may_not(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to manage connected accounts."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn reauthenticate_forms(detail: AccountDetail) -> impl IntoView {
    let account = detail.account;
    let refused = detail.refused.unwrap_or_default();
    let typed = |name: &str| refused.value(name).unwrap_or_default().to_owned();
    let method = match typed("method") {
        m if m == "app_password" || m == "api_token" => m,
        _ if account.method == "app_password" => "app_password".to_owned(),
        _ => "api_token".to_owned(),
    };
    let (email, username) = match account.method.as_str() {
        "api_token" => (account.login.clone(), String::new()),
        _ => (String::new(), account.login.clone()),
    };
    let email = Some(typed("email"))
        .filter(|t| !t.is_empty())
        .unwrap_or(email);
    let username = Some(typed("username"))
        .filter(|t| !t.is_empty())
        .unwrap_or(username);
    let action = routes::account_reauthenticate(&account.id);
    let uses = match detail.used_by.len() {
        0 => "No integration uses it yet.".to_owned(),
        _ => format!(
            "Used by the integrations of: {}. They keep working with the new credential.",
            detail.used_by.join(", ")
        ),
    };
    let error = (!refused.error.is_empty()).then(|| refused.error.clone());
    view! {
        <h1>{format!("Re-authenticate “{}”", account.label)}</h1>
        <p>
            {format!(
                "Now {} ({}) by {}, last verified {}. {uses}",
                account.display_name, account.login, account.method_label, account.verified
            )}
        </p>
        {error.map(|error| view! { <p class="alert error" role="alert" data-testid="form-error">{error}</p> })}
        <form class="form auth-form" method="post" action=action>
            <fieldset>
                <legend>"Replace the credential with"</legend>
                {method_choices(&method)}
            </fieldset>
            {credential_inputs(email, username, refused.field.clone())}
            <div class="inline-form">
                <button class="button" type="submit">"Re-authenticate"</button>
                <A href=routes::ACCOUNTS attr:class="button secondary">"Cancel"</A>
            </div>
        </form>
        {detail.oauth.then(|| view! {
            <form class="form" method="post" action=routes::OAUTH_START>
                <input type="hidden" name="account" value=account.id.clone()/>
                <p class="hint">"Or grant access again through Bitbucket (OAuth 2.0):"</p>
                <button class="button secondary" type="submit">"Connect with Bitbucket"</button>
            </form>
        })}
    }
}

#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let detail = use_account();
    view! {
        <Title text="Delete connected account"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Delete" accounts=true/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || detail.get().map(|loaded| match loaded {
                    Ok(Some(detail)) if detail.account.can_manage => delete_confirmation(detail).into_any(),
                    Ok(Some(_)) => may_not(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to manage connected accounts."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn delete_confirmation(detail: AccountDetail) -> impl IntoView {
    let account = detail.account;
    let action = routes::account_delete(&account.id);
    let warning = (!detail.used_by.is_empty()).then(|| {
        let count = detail.used_by.len();
        let names = detail.used_by.into_iter().map(|name| view! { <li>{name}</li> }).collect_view();
        view! {
            <div class="alert error" role="alert" data-testid="usage-warning">
                <p>
                    <strong>{if count == 1 { "1 integration uses this account".to_owned() } else { format!("{count} integrations use this account") }}</strong>
                    {": they stop backing up until they are edited to use another account. Integrations of:"}
                </p>
                <ul>{names}</ul>
            </div>
        }
    });
    view! {
        <h1>{format!("Delete “{}”?", account.label)}</h1>
        <p>
            {format!(
                "Ferry forgets the credential of {} ({}). The Bitbucket account itself is not touched; revoke the token there too if no one needs it.",
                account.display_name, account.login
            )}
        </p>
        {warning}
        <form class="inline-form" method="post" action=action>
            <button class="button danger" type="submit">"Delete account"</button>
            <A href=routes::ACCOUNTS attr:class="button secondary">"Cancel"</A>
        </form>
    }
}
