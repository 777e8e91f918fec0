//! An API's History: every change (author, time, and for a definition, the operations added,
//! changed and removed), newest first; a change that saved a definition offers it as it was.

use crate::routes;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api_data::{load_api_history, ApiHistoryData};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api_history,
    );
    section_page(Section::APIS, "History", load, history_view)
}

fn history_view(data: ApiHistoryData, flash: Option<Flash>) -> impl IntoView {
    let id = data.header.id.clone();
    view! {
        {api_tabs(&data.header, "history")}
        <FlashMessage flash=flash/>
        <table class="table" data-testid="api-history">
            <thead><tr><th scope="col">"#"</th><th scope="col">"Author"</th><th scope="col">"When"</th><th scope="col">"Change"</th><th scope="col"><span class="sr-only">"Definition"</span></th></tr></thead>
            <tbody>
                {data.entries.into_iter().map(|entry| view! {
                    <tr data-testid="api-revision">
                        <td>{entry.number}</td>
                        <td>{entry.author}</td>
                        <td><time title=entry.when.clone()>{entry.ago}</time></td>
                        <td data-testid="api-revision-summary">{entry.summary}</td>
                        <td>{entry.has_definition.then(|| view! {
                            <a href=routes::api_revision_definition(&id, entry.number) download rel="external"
                                aria-label=format!("Download the definition of change {}", entry.number)>"Definition"</a>
                        })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
