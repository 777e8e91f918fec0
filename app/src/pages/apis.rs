//! The APIs list: search (a GET form), Create API (name, summary), Import API (a definition
//! file, or pasted JSON or YAML, named by its `info.title`). Plain HTML forms posted to the
//! server, so all of it works without the wasm bundle.

use crate::fields::api_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::api_data::{load_apis, ApiSummary, ApisList};
use crate::components::{
    collections::{section_page, textarea_html, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApisPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get(field::SEARCH).unwrap_or_default();
    let load = Resource::new(search, load_apis);
    section_page(Section::APIS, "APIs", load, move |data, flash| {
        list_view(data, search(), flash)
    })
}

fn list_view(data: ApisList, search: String, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    let kept = |name: &str| flash.field(name).unwrap_or_default().to_owned();
    let (new_name, new_summary, pasted) =
        (kept(field::NAME), kept(field::SUMMARY), kept(field::TEXT));
    let searching = !search.trim().is_empty();
    let empty = if searching {
        "No API's name, summary or title contains that."
    } else {
        "No APIs yet. Create one, or import an OpenAPI definition."
    };
    view! {
        <h1>"APIs"</h1>
        <FlashMessage flash=Some(flash.clone())/>
        <p class="team-banner">"Team " <strong>{data.team_name}</strong></p>
        <form class="search-form" method="get" action=routes::APIS role="search">
            <label for="api-search">"Search APIs"</label>
            <input id="api-search" name=field::SEARCH type="search" value=search.clone() placeholder="Name contains…"/>
            <button class="button secondary small" type="submit">"Search"</button>
            {searching.then(|| view! { <A href=routes::APIS>"Show all"</A> })}
        </form>
        {if data.apis.is_empty() {
            view! { <p class="hint" data-testid="no-apis">{empty}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="apis">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Version"</th><th scope="col">"Operations"</th>
                        <th scope="col">"Definition"</th><th scope="col">"Repository"</th><th scope="col">"Updated"</th>
                    </tr></thead>
                    <tbody>{data.apis.into_iter().map(summary_row).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
        {data.can_edit.then(|| view! {
            <div class="collection-forms">
                <form class="form card" method="post" action=routes::APIS>
                    <h2>"Create API"</h2>
                    <p class="hint">"Starts with an empty OpenAPI 3.0 definition titled with the name."</p>
                    <label for="new-api-name">"Name"</label>
                    <input id="new-api-name" name=field::NAME type="text" required maxlength="200" value=new_name/>
                    <label for="new-api-summary">"Summary"</label>
                    <input id="new-api-summary" name=field::SUMMARY type="text" maxlength="2000" value=new_summary/>
                    <button class="button" type="submit">"Create API"</button>
                </form>
                <form class="form card" method="post" action=routes::APIS_IMPORT enctype="multipart/form-data">
                    <h2>"Import API"</h2>
                    <p class="hint">"An OpenAPI 3.0 or 3.1 (or Swagger 2.0) definition, JSON or YAML, one file up to 16 MiB. It is kept exactly as written; the API is named after its info.title."</p>
                    <label for="import-file">"Definition file"</label>
                    <input id="import-file" name=field::FILE type="file" accept=".json,.yaml,.yml,application/json,application/yaml"/>
                    <label for="import-text">"Or paste the definition"</label>
                    <textarea id="import-text" name=field::TEXT rows="10" spellcheck="false" inner_html=textarea_html(&pasted)></textarea>
                    <button class="button" type="submit">"Import API"</button>
                </form>
            </div>
        })}
    }
}

fn summary_row(api: ApiSummary) -> AnyView {
    let validity = if api.problem_count == 0 {
        view! { <span class="badge active">"Valid"</span> }.into_any()
    } else {
        view! { <span class="badge failing">{format!("{} problems", api.problem_count)}</span> }
            .into_any()
    };
    view! {
        <tr data-testid="api">
            <td><A href=routes::api(&api.id)>{api.name}</A>{(!api.summary.is_empty()).then(|| view! { <br/><span class="hint">{api.summary}</span> })}</td>
            <td>{api.version}</td>
            <td>{api.operation_count}</td>
            <td>{api.format}" "{validity}</td>
            <td>{api.sync.map(|sync| view! {
                <a class=format!("badge {}", sync.class) href=routes::api_sub(&api.id, "repository")
                    title=sync.reason.unwrap_or_default() data-testid="api-sync-status" data-status=sync.key>{sync.label}</a>
            })}</td>
            <td><time title=api.updated.clone()>{api.updated_ago}</time></td>
        </tr>
    }
    .into_any()
}
