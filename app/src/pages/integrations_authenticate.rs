//! Add Integration, step 1 of 2: Authenticate. A saved connected account, or a new one by
//! Email + API token (the default), Username + App password (legacy) or Connect with Bitbucket.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::account_data::{load_authenticate_options, AccountView, AuthenticateOptions};
use crate::components::load_error::LoadError;
use crate::components::{
    breadcrumbs::BitbucketCrumbs,
    credential_fields::{credential_inputs, method_choices},
    flash::PageFlash,
    sandbox_notice::SandboxNotice,
};
use crate::integration_data::RefusedForm;

/// Where the wizard is: "1. Authenticate" then "2. Configure".
#[component]
pub fn WizardSteps(current: u8) -> impl IntoView {
    let step = move |n: u8| if n == current { Some("step") } else { None };
    view! {
        <ol class="steps" aria-label="Steps">
            <li aria-current=step(1)>"Authenticate"</li>
            <li aria-current=step(2)>"Configure"</li>
        </ol>
    }
}

#[component]
pub fn AuthenticatePage() -> impl IntoView {
    let options = Resource::new(|| (), |_| load_authenticate_options());
    // Started from an API's Connect form: the forms carry the API along and, once the account
    // is ready, the server returns there (when it is an API of the team) instead of Configure.
    let query = use_query_map();
    let for_api = move || {
        query
            .read()
            .get(routes::AUTHENTICATE_FOR_API)
            .unwrap_or_default()
    };
    view! {
        <Title text="Add Bitbucket integration"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Add Integration"/>
            <h1>"Add Bitbucket integration"</h1>
            <WizardSteps current=1/>
            <SandboxNotice/>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || options.get().map(|loaded| match loaded {
                    Ok(Some(options)) if options.can_add => authenticate_forms(options, for_api()).into_any(),
                    Ok(Some(_)) => view! {
                        <p class="alert error" role="alert">"Your role does not allow adding integrations; an editor or admin can."</p>
                    }.into_any(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN_THEN_INTEGRATIONS_BITBUCKET_NEW>"Sign in"</A> " to add an integration."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn authenticate_forms(options: AuthenticateOptions, for_api: String) -> impl IntoView {
    let refused = options.refused.clone().unwrap_or_default();
    let typed = |name: &str| refused.value(name).unwrap_or_default().to_owned();
    let has_saved = !options.accounts.is_empty();
    let method = match typed("method") {
        m if m == "saved" && has_saved => "saved".to_owned(),
        m if m == "app_password" => m,
        m if m == "api_token" => m,
        _ if has_saved => "saved".to_owned(),
        _ => "api_token".to_owned(),
    };
    let error = options.refused.as_ref().map(|r| r.error.clone());
    let invalid = |field: &str| refused.field.as_deref() == Some(field);
    view! {
        {error.map(|error| view! { <p class="alert error" role="alert" data-testid="form-error">{error}</p> })}
        {(!for_api.is_empty()).then(|| view! {
            <p class="hint" data-testid="for-api">"Once the account is ready you go back to the API's Repository tab to choose the repository."</p>
        })}
        <form class="form auth-form" method="post" action=routes::INTEGRATIONS_BITBUCKET_AUTHENTICATE>
            {api_field(&for_api)}
            <fieldset>
                <legend>"Authenticate with"</legend>
                {has_saved.then(|| view! {
                    <label class="choice">
                        <input type="radio" name="method" id="method-saved" value="saved" checked=method == "saved"/>
                        " A connected account of this team"
                    </label>
                })}
                {method_choices(&method)}
            </fieldset>
            {has_saved.then(|| saved_fields(&options.accounts, &typed("account"), invalid("account")))}
            {credential_inputs(typed("email"), typed("username"), refused.field.clone())}
            <div class="label-field form">
                <label for="label">"Label " <span class="hint">"(optional)"</span></label>
                <input id="label" name="label" type="text" maxlength="80" value=typed("label")
                    placeholder="e.g. Backups bot; defaults to the Bitbucket name" aria-invalid=invalid("label").then_some("true")/>
            </div>
            <button class="button" type="submit">"Authenticate and Proceed"</button>
        </form>
        {options.oauth.then(|| oauth_form(&refused, &for_api))}
        <p class="hint">
            "Credentials are verified with Bitbucket, then stored encrypted; Ferry never shows them again. "
            <A href=routes::ACCOUNTS>"Connected accounts"</A> " lists this team's accounts."
        </p>
    }
}

fn saved_fields(accounts: &[AccountView], chosen: &str, invalid: bool) -> impl IntoView {
    let options = accounts
        .iter()
        .map(|account| {
            let text = format!(
                "{} — {} ({}, {})",
                account.label, account.display_name, account.login, account.method_label
            );
            view! { <option value=account.id.clone() selected=account.id == chosen>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="saved-fields form">
            <label for="account">"Connected account"</label>
            <select id="account" name="account" aria-invalid=invalid.then_some("true")>{options}</select>
        </div>
    }
}

/// The API to return to, carried as the page's query had it (the server checks it).
fn api_field(for_api: &str) -> Option<impl IntoView> {
    (!for_api.is_empty()).then(|| {
        view! { <input type="hidden" name=routes::AUTHENTICATE_FOR_API value=for_api.to_owned()/> }
    })
}

fn oauth_form(refused: &RefusedForm, for_api: &str) -> impl IntoView {
    let label = refused.value("label").unwrap_or_default().to_owned();
    view! {
        <form class="form oauth-form" method="post" action=routes::OAUTH_START>
            {api_field(for_api)}
            <p class="hint">"Or let Bitbucket ask you to grant Ferry access (OAuth 2.0); nothing to copy and paste."</p>
            <input type="hidden" name="label" value=label/>
            <button class="button secondary" type="submit">"Connect with Bitbucket"</button>
        </form>
    }
}
