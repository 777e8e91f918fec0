//! The Collections list: search (a GET form), new collection, import (a file or pasted JSON).
//! Plain HTML forms posted to the server, so all of it works without the wasm bundle.

use crate::fields::collection_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::collection_data::{
    collection_href, load_collections, CollectionSummary, CollectionsList,
};
use crate::components::{
    collections::{collections_page, textarea_html},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn CollectionsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let load = Resource::new(search, load_collections);
    collections_page("Collections", load, move |data, flash| {
        list_view(data, search(), flash)
    })
}

fn list_view(data: CollectionsList, search: String, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    let pasted = flash.field(field::JSON).unwrap_or_default().to_owned();
    let new_name = flash.field(field::NAME).unwrap_or_default().to_owned();
    let searching = !search.trim().is_empty();
    let empty = if searching {
        "No collection's name contains that."
    } else {
        "No collections yet."
    };
    view! {
        <h1>"Collections"</h1>
        <FlashMessage flash=Some(flash.clone())/>
        <p class="team-banner">"Team " <strong>{data.team_name}</strong></p>
        <form class="search-form" method="get" action=routes::COLLECTIONS role="search">
            <label for="collection-search">"Search collections"</label>
            <input id="collection-search" name=field::SEARCH type="search" value=search.clone() placeholder="Name contains…"/>
            <button class="button secondary small" type="submit">"Search"</button>
            {searching.then(|| view! { <A href=routes::COLLECTIONS>"Show all"</A> })}
        </form>
        {if data.collections.is_empty() {
            view! { <p class="hint" data-testid="no-collections">{empty}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="collections">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Revision"</th><th scope="col">"Updated"</th>
                    </tr></thead>
                    <tbody>{data.collections.into_iter().map(summary_row).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
        {data.can_edit.then(|| view! {
            <div class="collection-forms">
                <form class="form card" method="post" action=routes::COLLECTIONS>
                    <h2>"New collection"</h2>
                    <label for="new-collection-name">"Name"</label>
                    <input id="new-collection-name" name=field::NAME type="text" required maxlength="1000" value=new_name/>
                    <button class="button" type="submit">"Create collection"</button>
                </form>
                <form class="form card" method="post" action=routes::COLLECTIONS_IMPORT enctype="multipart/form-data">
                    <h2>"Import"</h2>
                    <p class="hint">"A Postman Collection v2.0 or v2.1 file, up to 32 MiB. It keeps its id; a collection with the same id must not exist yet."</p>
                    <label for="import-file">"Collection file"</label>
                    <input id="import-file" name=field::FILE type="file" accept=".json,application/json"/>
                    <label for="import-json">"Or paste the collection JSON"</label>
                    <textarea id="import-json" name=field::JSON rows="8" spellcheck="false" inner_html=textarea_html(&pasted)></textarea>
                    <button class="button" type="submit">"Import"</button>
                </form>
            </div>
        })}
    }
}

fn summary_row(summary: CollectionSummary) -> AnyView {
    view! {
        <tr data-testid="collection">
            <td><A href=collection_href(&summary.id)>{summary.name}</A></td>
            <td>{summary.revision}</td>
            <td><time title=summary.updated.clone()>{summary.updated_ago}</time></td>
        </tr>
    }
    .into_any()
}
