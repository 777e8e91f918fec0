//! One collection: its folders and requests as a tree, the selected item's editor, the
//! collection variables, export and delete. Every change is a plain HTML form posted to the
//! server (post/redirect/get), so saving works before, or without, the wasm bundle. Viewers
//! see the same page without forms.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::collection_data::{
    collection_href, load_collection, pairs_from_fields, percent_encode, CollectionData, Pair, RequestForm, Selected, TreeRow,
};
use crate::components::{
    collections::{collections_page, pairs_editor, pairs_table, textarea_html, tree_view},
    flash::FlashMessage,
};
use crate::context::Flash;

/// Empty rows offered below the existing headers, parameters and variables.
const BLANK_ROWS: usize = 3;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

#[component]
pub fn CollectionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let load = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), query.read().get("item")),
        |(id, item)| load_collection(id, item),
    );
    collections_page("Collection", load, collection_view)
}

fn collection_view(data: CollectionData, flash: Option<Flash>) -> impl IntoView {
    let base = collection_href(&data.id);
    let folders: Vec<TreeRow> = data.tree.iter().filter(|row| row.folder).cloned().collect();
    let selected_id = data.selected.as_ref().map(|s| s.id.clone());
    // New items go into the selected folder, or beside the selected request.
    let add_parent = data.selected.as_ref().and_then(|s| if s.request.is_none() { Some(s.id.clone()) } else { s.parent_id.clone() });
    let detail = match data.selected.clone() {
        Some(selected) => selected_view(&base, selected, &folders, data.can_edit, flash.as_ref()).into_any(),
        None => view! { <p class="hint">"Pick a request in the tree to see it" {data.can_edit.then_some(" or edit it")} "."</p> }.into_any(),
    };
    let header = view! {
        <Title text=data.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><A href="/collections">"Collections"</A> " / "</nav>
        <h1 data-testid="collection-name">{data.name.clone()}</h1>
        <p class="hint">"Revision " {data.revision} " · updated " {data.updated}</p>
        <div class="collection-actions">
            <a class="button secondary small" href=format!("{base}/export") download rel="external">"Export"</a>
            <A href=format!("{base}/history") attr:class="button secondary small">"History"</A>
        </div>
        <FlashMessage flash=flash.clone()/>
    }
    .into_any();
    let variables = if data.can_edit {
        view! {
            <form class="form" method="post" action=format!("{base}/variables")>
                {pairs_editor("Variables", "var", data.variables, BLANK_ROWS)}
                <button class="button" type="submit">"Save variables"</button>
            </form>
        }
        .into_any()
    } else {
        pairs_table("Variables", data.variables).into_any()
    };
    let delete = data.can_edit.then(|| {
        view! {
            <details class="danger-zone">
                <summary>"Delete collection"</summary>
                <form class="form" method="post" action=format!("{base}/delete")>
                    <p>"This deletes the collection and its history in Ferry. Backups already committed stay in their repositories."</p>
                    <label class="checkbox">
                        <input type="checkbox" name="confirm" value="yes" required/>
                        {format!("Yes, delete “{}” and its history", data.name)}
                    </label>
                    <button class="button danger" type="submit">"Delete collection"</button>
                </form>
            </details>
        }
        .into_any()
    });
    let tree = view! {
        <aside class="collection-tree" aria-label="Folders and requests">
            <h2>"Folders and requests"</h2>
            {tree_view(data.tree, Some(data.id.clone()), selected_id)}
            {data.can_edit.then(|| add_item_form(&base, &folders, add_parent, flash.as_ref()).into_any())}
        </aside>
    }
    .into_any();
    view! {
        {header}
        <div class="collection-layout">
            {tree}
            <div class="collection-detail">
                {detail}
                <section class="variables">
                    <h2>"Collection variables"</h2>
                    {variables}
                </section>
                {delete}
            </div>
        </div>
    }
}

/// Options for a folder choice: the top level, then every folder indented by its depth.
fn folder_options(folders: &[TreeRow], chosen: Option<&str>) -> impl IntoView {
    let top = view! { <option value="" selected=chosen.is_none()>"(top level)"</option> };
    let rest = folders
        .iter()
        .map(|folder| {
            let label = format!("{}{}", "\u{a0}\u{a0}".repeat(folder.depth + 1), folder.name);
            view! { <option value=folder.id.clone() selected=chosen == Some(folder.id.as_str())>{label}</option> }
        })
        .collect_view();
    view! { {top}{rest} }
}

fn add_item_form(base: &str, folders: &[TreeRow], parent: Option<String>, flash: Option<&Flash>) -> impl IntoView {
    let kept = |name: &str, default: &str| flash.and_then(|f| f.field(name)).unwrap_or(default).to_owned();
    let is_folder = kept("kind", "request") == "folder";
    view! {
        <form class="form card" method="post" action=format!("{base}/items")>
            <h3>"Add"</h3>
            <fieldset class="item-kind">
                <legend class="sr-only">"What to add"</legend>
                <label><input type="radio" name="kind" value="request" checked=!is_folder/>" Request"</label>
                <label><input type="radio" name="kind" value="folder" checked=is_folder/>" Folder"</label>
            </fieldset>
            <label for="add-name">"New item name"</label>
            <input id="add-name" name="name" type="text" required maxlength="1000" value=kept("name", "")/>
            <label for="add-method">"New request method"</label>
            <input id="add-method" name="method" type="text" list="methods" value=kept("method", "GET")/>
            <label for="add-url">"New request URL"</label>
            <input id="add-url" name="url" type="text" placeholder="https://{{host}}/path" value=kept("url", "")/>
            <label for="add-parent">"In folder"</label>
            <select id="add-parent" name="parent">{folder_options(folders, parent.as_deref())}</select>
            <button class="button" type="submit">"Add"</button>
            <datalist id="methods">{METHODS.iter().map(|m| view! { <option value=*m></option> }).collect_view()}</datalist>
        </form>
    }
}

fn selected_view(base: &str, selected: Selected, folders: &[TreeRow], can_edit: bool, flash: Option<&Flash>) -> impl IntoView {
    let item_base = format!("{base}/items/{}", percent_encode(&selected.id));
    let kind = if selected.request.is_some() { "request" } else { "folder" };
    let body = match selected.request.clone() {
        Some(request) if can_edit => {
            let refused_here = flash.filter(|f| f.field("editing") == Some(selected.id.as_str()));
            request_editor(&format!("{base}/requests/{}", percent_encode(&selected.id)), &selected.id, request, refused_here).into_any()
        }
        Some(request) => request_details(request).into_any(),
        None => view! { <h2>"Folder " <span data-testid="selected-name">{selected.name.clone()}</span></h2> }.into_any(),
    };
    let tools = can_edit.then(|| {
        let movable: Vec<TreeRow> = folders.iter().filter(|f| f.id != selected.id).cloned().collect();
        view! {
            <div class="item-tools">
                {selected.request.is_none().then(|| view! {
                    <form class="inline-form" method="post" action=format!("{item_base}/rename")>
                        <label for="rename-name">"Rename folder"</label>
                        <input id="rename-name" name="name" type="text" required maxlength="1000" value=selected.name.clone()/>
                        <button class="button secondary small" type="submit">"Rename"</button>
                    </form>
                })}
                <form class="inline-form" method="post" action=format!("{item_base}/move")>
                    <label for="move-parent">{format!("Move {kind} into")}</label>
                    <select id="move-parent" name="parent">{folder_options(&movable, selected.parent_id.as_deref())}</select>
                    <label for="move-position">"at position"</label>
                    <input id="move-position" name="position" type="number" min="1" placeholder="last" class="narrow-number"/>
                    <button class="button secondary small" type="submit">"Move"</button>
                </form>
                <form class="inline-form" method="post" action=format!("{item_base}/delete")>
                    <button class="button danger small" type="submit">{format!("Delete {kind}")}</button>
                    {(kind == "folder").then_some(view! { <span class="hint">"(with everything in it)"</span> })}
                </form>
            </div>
        }
    });
    view! { <section class="selected-item" data-testid=format!("selected-{kind}")>{body}{tools}</section> }
}

fn request_editor(action: &str, id: &str, request: RequestForm, refused: Option<&Flash>) -> impl IntoView {
    // After a refusal the form shows what was posted, not what is stored.
    let kept = |name: &str, stored: String| refused.and_then(|f| f.field(name)).map(str::to_owned).unwrap_or(stored);
    let kept_pairs = |prefix: &str, stored: Vec<Pair>| match refused {
        Some(flash) => pairs_from_fields(&flash.fields, prefix),
        None => stored,
    };
    let body_mode = kept("body_mode", request.body_mode.clone());
    let other_mode = !matches!(request.body_mode.as_str(), "none" | "raw");
    view! {
        <h2>"Request " <span data-testid="selected-name">{request.name.clone()}</span></h2>
        <form class="form request-editor" method="post" action=action.to_owned()>
            <input type="hidden" name="editing" value=id.to_owned()/>
            <input type="hidden" name="url_before" value=request.url.clone()/>
            <label for="request-name">"Name"</label>
            <input id="request-name" name="name" type="text" required maxlength="1000" value=kept("name", request.name)/>
            <div class="method-url">
                <div>
                    <label for="request-method">"Method"</label>
                    <input id="request-method" name="method" type="text" list="request-methods" required maxlength="32" value=kept("method", request.method)/>
                    <datalist id="request-methods">{METHODS.iter().map(|m| view! { <option value=*m></option> }).collect_view()}</datalist>
                </div>
                <div class="grow">
                    <label for="request-url">"URL"</label>
                    <input id="request-url" name="url" type="text" value=kept("url", request.url)/>
                </div>
            </div>
            {pairs_editor("Headers", "header", kept_pairs("header", request.headers), BLANK_ROWS)}
            {pairs_editor("Query parameters", "query", kept_pairs("query", request.query), BLANK_ROWS)}
            <p class="hint">"Query parameters are part of the URL too: when you change the URL, its query string wins."</p>
            <label for="request-body-mode">"Body"</label>
            <select id="request-body-mode" name="body_mode">
                {other_mode.then(|| view! {
                    <option value="keep" selected=body_mode == request.body_mode>{format!("keep the {} body as it is", request.body_mode)}</option>
                })}
                <option value="none" selected=body_mode == "none">"none"</option>
                <option value="raw" selected=body_mode == "raw">"raw text"</option>
            </select>
            <label for="request-body">"Body text (raw)"</label>
            <textarea id="request-body" name="body" rows="8" spellcheck="false" inner_html=textarea_html(&kept("body", request.body))></textarea>
            <label for="request-description">"Description"</label>
            <textarea id="request-description" name="description" rows="3" inner_html=textarea_html(&kept("description", request.description))></textarea>
            <button class="button" type="submit">"Save request"</button>
        </form>
    }
}

fn request_details(request: RequestForm) -> impl IntoView {
    let body = match request.body_mode.as_str() {
        "none" => "none".to_owned(),
        "raw" => request.body.clone(),
        other => format!("a {other} body"),
    };
    view! {
        <h2>"Request " <span data-testid="selected-name">{request.name}</span></h2>
        <p class="request-line"><span class="method">{request.method}</span> " " <code data-testid="request-url">{request.url}</code></p>
        {pairs_table("Headers", request.headers)}
        {pairs_table("Query parameters", request.query)}
        <h3>"Body"</h3>
        <pre class="code-block">{body}</pre>
        {(!request.description.is_empty()).then(|| view! { <h3>"Description"</h3><p>{request.description}</p> })}
    }
}
