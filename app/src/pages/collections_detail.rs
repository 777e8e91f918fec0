//! One collection: its folders and requests as a tree, the selected item's editor, the
//! collection variables, export and delete. Every change is a plain HTML form posted to the
//! server (post/redirect/get), so saving works before, or without, the wasm bundle. Viewers
//! see the same page without forms.

use crate::fields::collection_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::collection_data::{
    load_collection, pairs_from_fields, BodyForm, CollectionData, Pair, RequestForm, Selected,
    TreeRow,
};
use crate::components::{
    collections::{collections_page, pairs_editor, pairs_table, textarea_html, tree_view},
    flash::FlashMessage,
};
use crate::flash::Flash;

/// Empty rows offered below the existing headers, parameters, form fields and variables.
const BLANK_ROWS: usize = 3;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

#[component]
pub fn CollectionPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let load = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("item"),
            )
        },
        |(id, item)| load_collection(id, item),
    );
    collections_page("Collection", load, collection_view)
}

fn collection_view(data: CollectionData, flash: Option<Flash>) -> impl IntoView {
    let folders: Vec<TreeRow> = data.tree.iter().filter(|row| row.folder).cloned().collect();
    let selected_id = data.selected.as_ref().map(|s| s.id.clone());
    // New items go into the selected folder, or beside the selected request.
    let add_parent = data.selected.as_ref().and_then(|s| {
        if s.request.is_none() {
            Some(s.id.clone())
        } else {
            s.parent_id.clone()
        }
    });
    let detail = match data.selected.clone() {
        Some(selected) => selected_view(&data.id, selected, &folders, data.can_edit, flash.as_ref()).into_any(),
        None => view! { <p class="hint">"Pick a request in the tree to see it" {data.can_edit.then_some(" or edit it")} "."</p> }.into_any(),
    };
    let header = view! {
        <Title text=data.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><A href=routes::COLLECTIONS>"Collections"</A> " / "</nav>
        <h1 data-testid="collection-name">{data.name.clone()}</h1>
        {(!data.description.is_empty()).then(|| view! { <p class="collection-description" data-testid="collection-description">{data.description.clone()}</p> })}
        <p class="hint">"Revision " {data.revision} " · updated " {data.updated}</p>
        <div class="collection-actions">
            <a class="button secondary small" href=routes::collection_sub(&data.id, "export") download rel="external">"Export"</a>
            <A href=routes::collection_sub(&data.id, "history") attr:class="button secondary small">"History"</A>
        </div>
        <FlashMessage flash=flash.clone()/>
    }
    .into_any();
    let variables = if data.can_edit {
        view! {
            <form class="form" method="post" action=routes::collection_sub(&data.id, "variables")>
                {pairs_editor("Variables", "var", data.variables, BLANK_ROWS)}
                <button class="button" type="submit">"Save variables"</button>
            </form>
        }
        .into_any()
    } else {
        pairs_table("Variables", data.variables).into_any()
    };
    let details = data
        .can_edit
        .then(|| details_form(&data.id, &data.name, &data.description, flash.as_ref()));
    let delete = data.can_edit.then(|| {
        view! {
            <details class="danger-zone">
                <summary>"Delete collection"</summary>
                <form class="form" method="post" action=routes::collection_sub(&data.id, "delete")>
                    <p>"This deletes the collection and its history in Ferry. Backups already committed stay in their repositories."</p>
                    <label class="checkbox">
                        <input type="checkbox" name=field::CONFIRM value="yes" required/>
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
            {data.can_edit.then(|| add_item_form(&data.id, &folders, add_parent, flash.as_ref()).into_any())}
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
                {details}
                {delete}
            </div>
        </div>
    }
}

/// The collection's name and description; open with what was typed after a refusal.
fn details_form(id: &str, name: &str, description: &str, flash: Option<&Flash>) -> impl IntoView {
    let refused = flash.filter(|f| f.field(field::DETAILS) == Some("yes"));
    let kept = |field: &str, stored: &str| {
        refused
            .and_then(|f| f.field(field))
            .unwrap_or(stored)
            .to_owned()
    };
    view! {
        <details class="collection-details" open=refused.is_some()>
            <summary>"Rename or describe the collection"</summary>
            <form class="form" method="post" action=routes::collection_sub(id, "details")>
                <input type="hidden" name=field::DETAILS value="yes"/>
                <label for="collection-name-field">"Collection name"</label>
                <input id="collection-name-field" name=field::NAME type="text" required maxlength="1000" value=kept(field::NAME, name)/>
                <label for="collection-description-field">"Collection description"</label>
                <textarea id="collection-description-field" name=field::DESCRIPTION rows="3" inner_html=textarea_html(&kept(field::DESCRIPTION, description))></textarea>
                <button class="button" type="submit">"Save name and description"</button>
            </form>
        </details>
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

fn add_item_form(
    id: &str,
    folders: &[TreeRow],
    parent: Option<String>,
    flash: Option<&Flash>,
) -> impl IntoView {
    let kept = |name: &str, default: &str| {
        flash
            .and_then(|f| f.field(name))
            .unwrap_or(default)
            .to_owned()
    };
    let is_folder = kept(field::KIND, "request") == "folder";
    view! {
        <form class="form card" method="post" action=routes::collection_sub(id, "items")>
            <h3>"Add"</h3>
            <fieldset class="item-kind">
                <legend class="sr-only">"What to add"</legend>
                <label><input type="radio" name=field::KIND value="request" checked=!is_folder/>" Request"</label>
                <label><input type="radio" name=field::KIND value="folder" checked=is_folder/>" Folder"</label>
            </fieldset>
            <label for="add-name">"New item name"</label>
            <input id="add-name" name=field::NAME type="text" required maxlength="1000" value=kept(field::NAME, "")/>
            <label for="add-method">"New request method"</label>
            <input id="add-method" name=field::METHOD type="text" list="methods" value=kept(field::METHOD, "GET")/>
            <label for="add-url">"New request URL"</label>
            <input id="add-url" name=field::URL type="text" placeholder="https://{{host}}/path" value=kept(field::URL, "")/>
            <label for="add-parent">"In folder"</label>
            <select id="add-parent" name=field::PARENT>{folder_options(folders, parent.as_deref())}</select>
            <button class="button" type="submit">"Add"</button>
            <datalist id="methods">{METHODS.iter().map(|m| view! { <option value=*m></option> }).collect_view()}</datalist>
        </form>
    }
}

fn selected_view(
    collection_id: &str,
    selected: Selected,
    folders: &[TreeRow],
    can_edit: bool,
    flash: Option<&Flash>,
) -> impl IntoView {
    let item_base = routes::collection_item_forms(collection_id, &selected.id);
    let kind = if selected.request.is_some() {
        "request"
    } else {
        "folder"
    };
    let body = match selected.request.clone() {
        Some(request) if can_edit => {
            let refused_here = flash.filter(|f| f.field(field::EDITING) == Some(selected.id.as_str()));
            request_editor(&routes::collection_request(collection_id, &selected.id), &selected.id, request, refused_here).into_any()
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
                        <input id="rename-name" name=field::NAME type="text" required maxlength="1000" value=selected.name.clone()/>
                        <button class="button secondary small" type="submit">"Rename"</button>
                    </form>
                })}
                <form class="inline-form" method="post" action=format!("{item_base}/move")>
                    <label for="move-parent">{format!("Move {kind} into")}</label>
                    <select id="move-parent" name=field::PARENT>{folder_options(&movable, selected.parent_id.as_deref())}</select>
                    <label for="move-position">"at position"</label>
                    <input id="move-position" name=field::POSITION type="number" min="1" placeholder="last" class="narrow-number"/>
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

fn request_editor(
    action: &str,
    id: &str,
    request: RequestForm,
    refused: Option<&Flash>,
) -> impl IntoView {
    // After a refusal the form shows what was posted, not what is stored.
    let kept = |name: &str, stored: String| {
        refused
            .and_then(|f| f.field(name))
            .map(str::to_owned)
            .unwrap_or(stored)
    };
    let kept_pairs = |prefix: &str, stored: Vec<Pair>| match refused {
        Some(flash) => pairs_from_fields(&flash.fields, prefix),
        None => stored,
    };
    let body = body_editor(request.body, refused);
    view! {
        <h2>"Request " <span data-testid="selected-name">{request.name.clone()}</span></h2>
        <form class="form request-editor" method="post" action=action.to_owned()>
            <input type="hidden" name=field::EDITING value=id.to_owned()/>
            <input type="hidden" name=field::URL_BEFORE value=request.url.clone()/>
            <label for="request-name">"Name"</label>
            <input id="request-name" name=field::NAME type="text" required maxlength="1000" value=kept(field::NAME, request.name)/>
            <div class="method-url">
                <div>
                    <label for="request-method">"Method"</label>
                    <input id="request-method" name=field::METHOD type="text" list="request-methods" required maxlength="32" value=kept(field::METHOD, request.method)/>
                    <datalist id="request-methods">{METHODS.iter().map(|m| view! { <option value=*m></option> }).collect_view()}</datalist>
                </div>
                <div class="grow">
                    <label for="request-url">"URL"</label>
                    <input id="request-url" name=field::URL type="text" value=kept(field::URL, request.url)/>
                </div>
            </div>
            {pairs_editor("Headers", "header", kept_pairs("header", request.headers), BLANK_ROWS)}
            {pairs_editor("Query parameters", "query", kept_pairs("query", request.query), BLANK_ROWS)}
            <p class="hint">"Query parameters are part of the URL too: when you change the URL, its query string wins."</p>
            {body}
            <label for="request-description">"Description"</label>
            <textarea id="request-description" name=field::DESCRIPTION rows="3" inner_html=textarea_html(&kept(field::DESCRIPTION, request.description))></textarea>
            <button class="button" type="submit">"Save request"</button>
        </form>
    }
}

/// The body part of the request editor: the kind of body, then the fields of every kind.
/// Without JavaScript all of them show and the chosen kind's are saved; once the page is
/// interactive, only the chosen kind's fields show.
fn body_editor(stored: BodyForm, refused: Option<&Flash>) -> impl IntoView {
    let kept = |name: &str, stored: &str| {
        refused
            .and_then(|f| f.field(name))
            .unwrap_or(stored)
            .to_owned()
    };
    let kept_pairs = |prefix: &str, stored: Vec<Pair>| match refused {
        Some(flash) => pairs_from_fields(&flash.fields, prefix),
        None => stored,
    };
    let chosen = kept(field::BODY_MODE, &stored.mode);
    let language = kept(field::RAW_LANGUAGE, &stored.raw_language);
    let mode = RwSignal::new(chosen.clone());
    let interactive = RwSignal::new(false);
    // Effects run only in the browser, after hydration: the server's page shows every field.
    Effect::new(move |_| interactive.set(true));
    let hidden = move |which: &'static str| move || interactive.get() && mode.get() != which;
    let keeps_other = !BodyForm::is_editable(&stored.mode);
    let options = BodyForm::MODES
        .iter()
        .map(|(value, label)| view! { <option value=*value selected=chosen == *value>{*label}</option> })
        .collect_view();
    let files = (!stored.files.is_empty()).then(|| {
        view! {
            <p class="hint" data-testid="kept-files">
                {format!("File fields kept as they are (Ferry stores no files): {}", stored.files.join(", "))}
            </p>
        }
    });
    view! {
        <label for="request-body-mode">"Body"</label>
        <select id="request-body-mode" name=field::BODY_MODE on:change=move |event| mode.set(event_target_value(&event))>
            {keeps_other.then(|| view! {
                <option value="keep" selected=chosen == "keep" || chosen == stored.mode>{format!("keep the {} body as it is", stored.mode)}</option>
            })}
            {options}
        </select>
        <p class="hint" hidden=move || interactive.get()>"Only the fields of the kind of body chosen above are saved."</p>
        <fieldset class="body-fields" hidden=hidden("raw")>
            <legend>"Raw text"</legend>
            <label for="request-body">"Body text (raw)"</label>
            <textarea id="request-body" name=field::BODY rows="8" spellcheck="false" inner_html=textarea_html(&kept(field::BODY, &stored.raw))></textarea>
            <label for="request-raw-language">"Language"</label>
            <select id="request-raw-language" name=field::RAW_LANGUAGE>
                {BodyForm::RAW_LANGUAGES.iter().map(|(value, label)| view! {
                    <option value=*value selected=language == *value>{*label}</option>
                }).collect_view()}
            </select>
        </fieldset>
        <div class="body-fields" hidden=hidden("urlencoded")>
            {pairs_editor("URL-encoded fields", "urlencoded", kept_pairs("urlencoded", stored.urlencoded), BLANK_ROWS)}
        </div>
        <div class="body-fields" hidden=hidden("formdata")>
            {pairs_editor("Form fields", "formdata", kept_pairs("formdata", stored.formdata), BLANK_ROWS)}
            {files}
        </div>
        <fieldset class="body-fields" hidden=hidden("graphql")>
            <legend>"GraphQL"</legend>
            <label for="request-graphql-query">"GraphQL query"</label>
            <textarea id="request-graphql-query" name=field::GRAPHQL_QUERY rows="8" spellcheck="false" inner_html=textarea_html(&kept(field::GRAPHQL_QUERY, &stored.graphql_query))></textarea>
            <label for="request-graphql-variables">"GraphQL variables (JSON)"</label>
            <textarea id="request-graphql-variables" name=field::GRAPHQL_VARIABLES rows="4" spellcheck="false" inner_html=textarea_html(&kept(field::GRAPHQL_VARIABLES, &stored.graphql_variables))></textarea>
        </fieldset>
    }
}

fn request_details(request: RequestForm) -> impl IntoView {
    let body = request.body;
    let body_view = match body.mode.as_str() {
        "none" => view! { <p>"none"</p> }.into_any(),
        "raw" => view! {
            <p class="hint">{format!("Raw text ({})", body.raw_language)}</p>
            <pre class="code-block">{body.raw}</pre>
        }
        .into_any(),
        "urlencoded" => pairs_table("URL-encoded fields", body.urlencoded).into_any(),
        "formdata" => view! {
            {pairs_table("Form fields", body.formdata)}
            {(!body.files.is_empty()).then(|| view! { <p class="hint">{format!("File fields: {}", body.files.join(", "))}</p> })}
        }
        .into_any(),
        "graphql" => view! {
            <pre class="code-block">{body.graphql_query}</pre>
            {(!body.graphql_variables.is_empty()).then(|| view! { <p class="hint">"Variables"</p><pre class="code-block">{body.graphql_variables}</pre> })}
        }
        .into_any(),
        other => view! { <p>{format!("a {other} body")}</p> }.into_any(),
    };
    view! {
        <h2>"Request " <span data-testid="selected-name">{request.name}</span></h2>
        <p class="request-line"><span class="method">{request.method}</span> " " <code data-testid="request-url">{request.url}</code></p>
        {pairs_table("Headers", request.headers)}
        {pairs_table("Query parameters", request.query)}
        <h3>"Body"</h3>
        {body_view}
        {(!request.description.is_empty()).then(|| view! { <h3>"Description"</h3><p>{request.description}</p> })}
    }
}
