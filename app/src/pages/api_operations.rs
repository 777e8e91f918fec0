//! An API's Operations as its definition declares them: method, path and summary, grouped by
//! tag. Read from the definition; to change one, edit the definition.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api_data::{load_api_operations, OperationGroup, OperationsData};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiOperationsPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api_operations,
    );
    section_page(Section::APIS, "Operations", load, operations_view)
}

fn operations_view(data: OperationsData, flash: Option<Flash>) -> impl IntoView {
    let count: usize = data.groups.iter().map(|group| group.operations.len()).sum();
    view! {
        {api_tabs(&data.header, "operations")}
        <FlashMessage flash=flash/>
        {if count == 0 {
            view! { <p class="hint" data-testid="no-operations">"The definition declares no operations yet: add paths to it under Definition."</p> }.into_any()
        } else {
            view! {
                <p class="hint">{format!("{count} operation{}", if count == 1 { "" } else { "s" })}</p>
                {data.groups.into_iter().map(group_view).collect_view()}
            }.into_any()
        }}
    }
}

fn group_view(group: OperationGroup) -> impl IntoView {
    let heading = if group.tag.is_empty() {
        "Without a tag".to_owned()
    } else {
        group.tag
    };
    view! {
        <section class="operation-group" data-testid="operation-group">
            <h2>{heading}</h2>
            <table class="table operations">
                <thead><tr><th scope="col">"Method"</th><th scope="col">"Path"</th><th scope="col">"Summary"</th></tr></thead>
                <tbody>
                    {group.operations.into_iter().map(|op| view! {
                        <tr data-testid="operation" class:deprecated=op.deprecated>
                            <td><span class=format!("method method-{}", op.method.to_lowercase())>{op.method.clone()}</span></td>
                            <td><code>{op.path}</code></td>
                            <td>{op.summary}{op.deprecated.then_some(" (deprecated)")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
