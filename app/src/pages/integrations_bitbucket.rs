//! Bitbucket's details page: what the integration does, this team's configured Bitbucket
//! integrations, and the way to add one.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::components::load_error::LoadError;
use crate::components::{
    flash::PageFlash,
    sandbox_notice::SandboxNotice,
    sync_alerts::SyncAlerts,
    sync_controls::{run_log_link, sync_buttons},
};
use crate::context::use_page_context;
use crate::integration_data::{load_integration_list, IntegrationList, IntegrationRowView};

#[component]
pub fn BitbucketPage() -> impl IntoView {
    let page = use_page_context();
    view! {
        <Title text="Bitbucket"/>
        <section class="integrations">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href=routes::INTEGRATIONS>"Integrations"</A> " / Bitbucket"
            </nav>
            <header class="integration-header">
                <div>
                    <h1>"Bitbucket"</h1>
                    <p class="lead">
                        "Back up a collection to a file in a Bitbucket Cloud repository. Every change to the \
                         collection is committed there as its JSON, so your team reviews its API's history \
                         where it reviews its code."
                    </p>
                </div>
                <Suspense fallback=|| ()>
                    {move || page.get().map(|ctx| {
                        let ctx = ctx.unwrap_or_default();
                        match ctx.viewer {
                            Some(viewer) if viewer.role != "viewer" => view! {
                                <A href=routes::INTEGRATIONS_BITBUCKET_NEW attr:class="button">"Add Integration"</A>
                            }.into_any(),
                            Some(_) => view! {
                                <p class="hint">"Viewers see this team's integrations; editors and admins add them."</p>
                            }.into_any(),
                            None => view! {
                                <p class="hint"><A href=routes::SIGN_IN>"Sign in"</A> " to add an integration."</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </header>
            <SandboxNotice/>
            <SyncAlerts/>
            <PageFlash/>
            <ul class="facts">
                <li>"Authenticate with an Atlassian API token (recommended), OAuth, or a legacy app password. Credentials are stored encrypted and never shown again."</li>
                <li>"Choose the collection, the repository, the directory, the file name and the branch; a new branch is created by the first commit."</li>
                <li>"Replace an expired token in place: every integration using the account keeps working."</li>
            </ul>
            <p><A href=routes::ACCOUNTS>"Connected accounts"</A></p>
            <ConfiguredIntegrations/>
        </section>
    }
}

/// The team's configured integrations, filterable with a plain GET form.
#[component]
fn ConfiguredIntegrations() -> impl IntoView {
    let query = use_query_map();
    let filter = move || query.read().get("filter").unwrap_or_default();
    let list = Resource::new(filter, load_integration_list);
    view! {
        <h2 id="configured">"Configured integrations"</h2>
        <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
            {move || list.get().map(|loaded| match loaded {
                Ok(Some(list)) => integration_list(list).into_any(),
                Ok(None) => ().into_any(),
                Err(error) => view! { <LoadError error/> }.into_any(),
            })}
        </Suspense>
    }
}

fn integration_list(list: IntegrationList) -> impl IntoView {
    if list.total == 0 {
        let hint = if list.can_add {
            "This team has no Bitbucket integration yet. Add Integration backs up a collection to a repository."
        } else {
            "This team has no Bitbucket integration yet."
        };
        return view! { <p class="hint" data-testid="no-integrations">{hint}</p> }.into_any();
    }
    let filter = list.filter.clone();
    view! {
        <form class="search-form" method="get" action=routes::INTEGRATIONS_BITBUCKET role="search">
            <label for="integration-filter">"Filter integrations"</label>
            <input id="integration-filter" name="filter" type="search" value=list.filter.clone()
                placeholder="collection, repository, branch, path, person"/>
            <button class="button secondary" type="submit">"Filter"</button>
        </form>
        {if list.integrations.is_empty() {
            view! { <p class="hint" role="status">"No integration mentions “" {filter} "”."</p> }.into_any()
        } else {
            view! {
                <table class="table integrations-table" data-testid="integrations">
                    <thead><tr>
                        <th scope="col">"Collection"</th><th scope="col">"Repository"</th>
                        <th scope="col">"Branch and path"</th><th scope="col">"Status"</th>
                        <th scope="col">"Last run"</th><th scope="col">"Created by"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{list.integrations.into_iter().map(integration_row).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
    }
    .into_any()
}

fn integration_row(row: IntegrationRowView) -> AnyView {
    let controls = (sync_buttons(&row, "list"), run_log_link(&row));
    let actions = row.can_manage.then(|| {
        let edit = routes::integration_edit(&row.id);
        let delete = routes::integration_delete(&row.id);
        view! {
            <A href=edit attr:class="button secondary small" attr:aria-label=format!("Edit {}", row.collection)>"Edit"</A>
            <A href=delete attr:class="button secondary small" attr:aria-label=format!("Delete {}", row.collection)>"Delete"</A>
        }
    });
    view! {
        <tr data-testid="integration">
            <td>{row.collection}</td>
            <td><code>{row.target}</code>{row.account.map(|account| view! { <div class="hint">"as " {account}</div> })}</td>
            <td><code>{row.branch}</code> " · " <code>{row.path}</code></td>
            <td>
                <span class=format!("badge {}", row.status_class)>{row.status}</span>
                {row.status_reason.map(|reason| view! { <div class="hint">{reason}</div> })}
            </td>
            <td data-testid="last-run" title=row.last_run_at>
                {row.last_run}
                {row.last_run_commit.map(|commit| view! { " · " <a href=commit.url><code>{commit.short}</code></a> })}
            </td>
            <td>{row.created_by}<div class="hint">{row.created}</div></td>
            <td class="row-actions">{controls}{actions}</td>
        </tr>
    }
    .into_any()
}
