//! A collection's History (every revision: number, author, time, change summary) and one
//! revision as it was, each exportable.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::collection_data::{
    collection_href, load_history, load_revision, HistoryData, RevisionData, RevisionEntry,
};
use crate::components::{
    collections::{collections_page, tree_view},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_history,
    );
    collections_page("History", load, history_view)
}

fn history_view(data: HistoryData, flash: Option<Flash>) -> impl IntoView {
    let base = collection_href(&data.id);
    view! {
        <Title text=format!("History of {}", data.name)/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <A href=routes::COLLECTIONS>"Collections"</A> " / " <A href=base.clone()>{data.name.clone()}</A> " / "
        </nav>
        <h1>"History"</h1>
        <FlashMessage flash=flash/>
        <table class="table" data-testid="revisions">
            <thead><tr>
                <th scope="col">"Revision"</th><th scope="col">"Author"</th><th scope="col">"When"</th>
                <th scope="col">"Changes"</th><th scope="col"><span class="sr-only">"Export"</span></th>
            </tr></thead>
            <tbody>
                {data.revisions.into_iter().map(|revision| revision_row(&data.id, revision)).collect_view()}
            </tbody>
        </table>
    }
}

fn revision_row(id: &str, revision: RevisionEntry) -> AnyView {
    let href = routes::collection_revision(id, revision.number);
    view! {
        <tr data-testid="revision">
            <td><A href=href.clone()>{format!("#{}", revision.number)}</A></td>
            <td>{revision.author}</td>
            <td><time title=revision.at.clone()>{revision.ago}</time><br/><span class="hint">{revision.at}</span></td>
            <td data-testid="revision-summary">{revision.summary}</td>
            <td>
                <a href=format!("{href}/export") download rel="external" aria-label=format!("Export revision {}", revision.number)>"Export"</a>
            </td>
        </tr>
    }
    .into_any()
}

#[component]
pub fn RevisionPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || {
            let params = params.read();
            (
                params.get("id").unwrap_or_default(),
                params
                    .get("n")
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or(0),
            )
        },
        |(id, number)| load_revision(id, number),
    );
    collections_page("Revision", load, revision_view)
}

fn revision_view(data: RevisionData, flash: Option<Flash>) -> impl IntoView {
    let base = collection_href(&data.id);
    let revision = data.revision;
    let href = routes::collection_revision(&data.id, revision.number);
    view! {
        <Title text=format!("{} · revision {}", data.name, revision.number)/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <A href=routes::COLLECTIONS>"Collections"</A> " / " <A href=base.clone()>{data.name.clone()}</A>
            " / " <A href=routes::collection_sub(&data.id, "history")>"History"</A> " / "
        </nav>
        <h1>{format!("Revision {}", revision.number)}</h1>
        <FlashMessage flash=flash/>
        <p>
            <span data-testid="revision-summary">{revision.summary}</span><br/>
            <span class="hint">{format!("by {} · {} ({})", revision.author, revision.ago, revision.at)}</span>
        </p>
        <div class="collection-actions">
            <a class="button secondary small" href=format!("{href}/export") download rel="external">"Export this revision"</a>
        </div>
        <h2>"Folders and requests"</h2>
        {tree_view(data.tree, None, None)}
        <details class="json-view">
            <summary>"Canonical JSON"</summary>
            <pre class="code-block" data-testid="revision-json">{data.json}</pre>
        </details>
    }
}
