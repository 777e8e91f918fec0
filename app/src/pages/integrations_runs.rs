//! An integration's Run log: every run of the sync engine, newest first, with the controls.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::components::load_error::LoadError;
use crate::components::{
    breadcrumbs::BitbucketCrumbs, flash::FlashMessage, sync_controls::sync_buttons,
};
use crate::context::use_page_context;
use crate::integration_data::{load_runs, RunLog};
use crate::run_data::RunView;

#[component]
pub fn RunLogPage() -> impl IntoView {
    let page = use_page_context();
    let params = use_params_map();
    let log = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_runs,
    );
    view! {
        <Title text="Run log"/>
        <section class="integrations">
            <BitbucketCrumbs here="Run log"/>
            <Suspense fallback=|| ()>
                {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
            </Suspense>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || log.get().map(|loaded| match loaded {
                    Ok(Some(log)) => run_log(log).into_any(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to see this integration's runs."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn run_log(log: RunLog) -> impl IntoView {
    let row = log.integration;
    let buttons = sync_buttons(&row, "runs");
    view! {
        <header class="integration-header">
            <div>
                <h1>"Run log"</h1>
                <p>
                    <strong>{row.collection.clone()}</strong> " → " <code>{row.target.clone()}</code>
                    " · branch " <code>{row.branch.clone()}</code> " · " <code>{row.path.clone()}</code>
                    " " <span class=format!("badge {}", row.status_class) data-testid="status">{row.status.clone()}</span>
                </p>
                {row.status_reason.clone().map(|reason| view! { <p class="hint">{reason}</p> })}
            </div>
            <div class="row-actions inline-form">{buttons}</div>
        </header>
        {if log.runs.is_empty() {
            view! { <p class="hint" data-testid="no-runs">"This integration has not run yet."</p> }.into_any()
        } else {
            view! {
                <table class="table runs-table" data-testid="runs">
                    <thead><tr>
                        <th scope="col">"Time"</th><th scope="col">"Trigger"</th><th scope="col">"Outcome"</th>
                        <th scope="col">"Duration"</th><th scope="col">"Attempts"</th>
                    </tr></thead>
                    <tbody>{log.runs.into_iter().map(run_row).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
    }
}

fn run_row(run: RunView) -> AnyView {
    view! {
        <tr data-testid="run">
            <td>{run.ago}<div class="hint">{run.at}</div></td>
            <td data-testid="trigger">{run.trigger}</td>
            <td data-testid="outcome" class=format!("outcome {}", run.outcome_class)>
                {run.outcome}
                {run.commit.map(|commit| view! { " " <a href=commit.url><code>{commit.short}</code></a> })}
            </td>
            <td>{run.duration}</td>
            <td>{run.attempts}</td>
        </tr>
    }
    .into_any()
}
