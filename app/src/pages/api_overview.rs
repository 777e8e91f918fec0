//! An API's overview: what its definition says (title, version, servers), what it holds
//! (operations, collections, versions), its name and summary to edit, and, for admins, Delete.

use crate::fields::api_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api_data::{load_api, ApiOverview};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api,
    );
    section_page(Section::APIS, "API", load, overview_view)
}

fn overview_view(data: ApiOverview, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    let id = data.header.id.clone();
    let name = flash
        .field(field::NAME)
        .unwrap_or(&data.header.name)
        .to_owned();
    let summary = flash
        .field(field::SUMMARY)
        .unwrap_or(&data.header.summary)
        .to_owned();
    let servers = if data.servers.is_empty() {
        view! { <dd class="hint">"none"</dd> }.into_any()
    } else {
        view! { <dd><ul>{data.servers.into_iter().map(|url| view! { <li><code>{url}</code></li> }).collect_view()}</ul></dd> }.into_any()
    };
    let can_edit = data.header.can_edit;
    let can_delete = data.header.can_delete;
    view! {
        {api_tabs(&data.header, "")}
        <FlashMessage flash=Some(flash.clone())/>
        <dl class="facts" data-testid="api-overview">
            <dt>"Title"</dt><dd data-testid="api-title">{data.title}</dd>
            <dt>"Version"</dt><dd data-testid="api-version">{data.version}</dd>
            <dt>"Definition"</dt><dd>{format!("{}, {}", data.spec, data.format)}</dd>
            <dt>"Servers"</dt>{servers}
            <dt>"Operations"</dt><dd data-testid="api-operation-count">{format!("{} in {} tags", data.operation_count, data.tag_count)}</dd>
            <dt>"Collections"</dt><dd>{data.collection_count}</dd>
            <dt>"Versions"</dt><dd>{data.version_count}</dd>
            <dt>"Updated"</dt><dd>{data.updated}</dd>
        </dl>
        <p>
            <a class="button secondary small" href=routes::api_sub(&id, "definition/export") download rel="external">"Download the definition"</a>
        </p>
        {can_edit.then(|| view! {
            <form class="form card" method="post" action=routes::api_sub(&id, "details")>
                <h2>"Name and summary"</h2>
                <label for="api-name">"Name"</label>
                <input id="api-name" name=field::NAME type="text" required maxlength="200" value=name/>
                <label for="api-summary">"Summary"</label>
                <input id="api-summary" name=field::SUMMARY type="text" maxlength="2000" value=summary/>
                <button class="button" type="submit">"Save"</button>
            </form>
        })}
        {can_delete.then(|| view! {
            <form class="form card" method="post" action=routes::api_sub(&id, "delete")>
                <h2>"Delete this API"</h2>
                <p class="hint">"Deletes the definition, its history and its versions. Linked collections stay."</p>
                <label><input type="checkbox" name=field::CONFIRM value="yes" required/>" Yes, delete this API"</label>
                <button class="button danger" type="submit">"Delete API"</button>
            </form>
        })}
    }
}
