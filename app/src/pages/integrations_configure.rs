//! Add Integration, step 2 of 2: Configure — and the Edit page, which is the same form with
//! the account choosable. One form: "Load repositories and branches" submits it by GET to this
//! page (the lists reload from Bitbucket and nothing typed is lost, with or without
//! JavaScript); "Add Integration" / "Save changes" posts it.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::account_data::AccountView;
use crate::components::load_error::LoadError;
use crate::components::{
    breadcrumbs::BitbucketCrumbs, flash::PageFlash, sandbox_notice::SandboxNotice,
};
use crate::configure_data::{load_configure, Choice, ConfigureView, TargetChoice};
use crate::pages::integrations_authenticate::WizardSteps;

/// The form's fields from the page's query.
fn use_target_choice() -> impl Fn() -> TargetChoice + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        let query = query.read();
        let get = |name: &str| query.get(name).unwrap_or_default();
        TargetChoice {
            account: get("account"),
            workspace: get("workspace"),
            search: get("q"),
            repository: get("repository"),
            collection: get("collection"),
            directory: query.get("directory"),
            filename: get("filename"),
            branch: get("branch"),
        }
    }
}

#[component]
pub fn ConfigurePage() -> impl IntoView {
    let choice = use_target_choice();
    let view = Resource::new(choice, |choice| load_configure(None, choice));
    view! {
        <Title text="Add Bitbucket integration"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Add Integration"/>
            <h1>"Add Bitbucket integration"</h1>
            <WizardSteps current=2/>
            <SandboxNotice/>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading from Bitbucket…"</p> }>
                {move || view.get().map(|loaded| match loaded {
                    Ok(Some(view)) => target_form(view).into_any(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to add an integration."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn EditIntegrationPage() -> impl IntoView {
    let params = use_params_map();
    let choice = use_target_choice();
    let view = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), choice()),
        |(id, choice)| load_configure(Some(id), choice),
    );
    view! {
        <Title text="Edit integration"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Edit"/>
            <PageFlash/>
            <Suspense fallback=|| view! { <p class="hint">"Loading from Bitbucket…"</p> }>
                {move || view.get().map(|loaded| match loaded {
                    Ok(Some(view)) => {
                        let heading = format!("Edit the integration of “{}”", view.editing_collection.clone().unwrap_or_default());
                        view! { <h1>{heading}</h1> {target_form(view)} }.into_any()
                    }
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to edit integrations."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn target_form(view: ConfigureView) -> impl IntoView {
    if !view.can_save {
        let message = match view.integration {
            Some(_) => {
                "Your role does not allow editing this integration; its creator or an admin can."
            }
            None => "Your role does not allow adding integrations; an editor or admin can.",
        };
        return view! { <p class="alert error" role="alert">{message}</p> }.into_any();
    }
    let editing = view.integration.is_some();
    if !editing && view.account.is_none() {
        return view! {
            <p class="alert error" role="alert">
                "Choose the Bitbucket account first: " <A href=routes::INTEGRATIONS_BITBUCKET_NEW>"Authenticate"</A> "."
            </p>
        }
        .into_any();
    }
    let (post_to, reload_to, submit) = match &view.integration {
        Some(id) => (
            routes::integration(id),
            routes::integration_edit(id),
            "Save changes",
        ),
        None => (
            routes::INTEGRATIONS_BITBUCKET.to_owned(),
            routes::INTEGRATIONS_BITBUCKET_CONFIGURE.to_owned(),
            "Add Integration",
        ),
    };
    let refused = view.refused.clone().unwrap_or_default();
    let invalid = move |field: &str| (refused.field.as_deref() == Some(field)).then_some("true");
    let values = view.values.clone();
    let has_lists = view.bitbucket_error.is_none();
    view! {
        {view.refused.as_ref().map(|r| view! { <p class="alert error" role="alert" data-testid="form-error">{r.error.clone()}</p> })}
        <form class="form target-form" method="post" action=post_to>
            {if editing {
                account_select(&view.accounts, &values.account, invalid("account")).into_any()
            } else {
                chosen_account(view.account.as_ref()).into_any()
            }}
            <label for="collection">"Collection"</label>
            <select id="collection" name="collection" required aria-invalid=invalid("collection")>
                {options(&view.collections, &values.collection)}
            </select>
            {view.collections.is_empty().then(|| view! {
                <p class="hint">"This team has no collection yet: " <A href=routes::COLLECTIONS>"import or create one"</A> " first."</p>
            })}
            {view.bitbucket_error.clone().map(|error| view! {
                <p class="alert error" role="alert" data-testid="bitbucket-error">{error}</p>
            })}
            <label for="workspace">"Workspace"</label>
            <select id="workspace" name="workspace" aria-invalid=invalid("workspace")>
                {options(&view.workspaces, &values.workspace)}
            </select>
            <label for="repository-search">"Search repositories"</label>
            <div class="load-row">
                <input id="repository-search" name="q" type="search" value=values.search.clone() maxlength="100"
                    placeholder="part of a repository name"/>
                <button class="button secondary" type="submit" formmethod="get" formaction=reload_to
                    aria-label="Load repositories and branches">"Load repositories and branches"</button>
            </div>
            <label for="repository">"Repository"</label>
            <select id="repository" name="repository" aria-invalid=invalid("repository") aria-describedby="repository-hint">
                {options(&view.repositories, &values.repository)}
            </select>
            <p class="hint" id="repository-hint">
                {if has_lists {
                    "Repositories this account can write to. After choosing another workspace or repository, load the lists again."
                } else {
                    ""
                }}
            </p>
            <label for="branch">"Branch"</label>
            <input id="branch" name="branch" type="text" list="branches" required maxlength="255" value=values.branch.clone()
                aria-invalid=invalid("branch") aria-describedby="branch-hint"/>
            <datalist id="branches">
                {view.branches.iter().map(|b| view! { <option value=b.clone()></option> }).collect_view()}
            </datalist>
            <p class="hint" id="branch-hint">"One of the repository's branches, or a new name: the first commit creates it."</p>
            <label for="directory">"Directory"</label>
            <input id="directory" name="directory" type="text" maxlength="255" value=values.directory.clone().unwrap_or_default()
                aria-invalid=invalid("directory") aria-describedby="directory-hint"/>
            <p class="hint" id="directory-hint">"A folder in the repository, e.g. Postman Collections; empty for the top level."</p>
            <label for="filename">"Filename"</label>
            <input id="filename" name="filename" type="text" maxlength="255" value=values.filename.clone()
                placeholder=view.default_filename.clone() aria-invalid=invalid("filename") aria-describedby="filename-hint"/>
            <p class="hint" id="filename-hint">
                "Ends in .json. Left empty, it is named after the collection: " <code>{view.default_filename.clone()}</code>
            </p>
            <div class="inline-form">
                <button class="button" type="submit">{submit}</button>
                <A href=routes::INTEGRATIONS_BITBUCKET attr:class="button secondary">"Cancel"</A>
            </div>
        </form>
    }
    .into_any()
}

fn options(choices: &[Choice], chosen: &str) -> impl IntoView {
    choices
        .iter()
        .map(|c| view! { <option value=c.value.clone() selected=c.value == chosen>{c.label.clone()}</option> })
        .collect_view()
}

fn chosen_account(account: Option<&AccountView>) -> Option<impl IntoView> {
    let account = account.cloned()?;
    Some(view! {
        <input type="hidden" name="account" value=account.id.clone()/>
        <p class="account-choice" data-testid="chosen-account">
            <span>"Connected account: " <strong>{account.label}</strong> " — " {account.display_name} " (" {account.login} ")"</span>
            <A href=routes::INTEGRATIONS_BITBUCKET_NEW>"Use another account"</A>
        </p>
    })
}

fn account_select(
    accounts: &[AccountView],
    chosen: &str,
    invalid: Option<&'static str>,
) -> impl IntoView {
    let choices: Vec<Choice> = accounts
        .iter()
        .map(|a| Choice {
            value: a.id.clone(),
            label: format!("{} — {} ({})", a.label, a.display_name, a.method_label),
        })
        .collect();
    let missing = !accounts.iter().any(|a| a.id == chosen);
    view! {
        <label for="account">"Connected account"</label>
        <select id="account" name="account" aria-invalid=invalid aria-describedby="account-hint">
            {missing.then(|| view! { <option value="" selected=true>"Choose an account"</option> })}
            {options(&choices, chosen)}
        </select>
        <p class="hint" id="account-hint">
            "After choosing another account, load the lists again. "
            <A href=routes::INTEGRATIONS_BITBUCKET_NEW>"Connect another account"</A>
        </p>
    }
}
