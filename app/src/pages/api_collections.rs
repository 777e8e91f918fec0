//! An API's Collections: the linked ones (a generated one marked so), Link a collection of
//! the team, Generate collection from the definition (again: updates it, keeping what people
//! added), and Unlink (the collection stays).

use crate::fields::api_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::api_data::{load_api_collections, ApiCollectionsData, LinkedCollection};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiCollectionsPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api_collections,
    );
    section_page(Section::APIS, "Collections", load, collections_view)
}

fn collections_view(data: ApiCollectionsData, flash: Option<Flash>) -> impl IntoView {
    let id = data.header.id.clone();
    let can_edit = data.header.can_edit;
    let generated = data.linked.iter().any(|linked| linked.generated);
    view! {
        {api_tabs(&data.header, "collections")}
        <FlashMessage flash=flash/>
        {if data.linked.is_empty() {
            view! { <p class="hint" data-testid="no-linked-collections">"No collections are linked to this API yet."</p> }.into_any()
        } else {
            let rows = data.linked.into_iter().map(|linked| linked_row(&id, linked, can_edit)).collect_view();
            view! {
                <table class="table" data-testid="linked-collections">
                    <thead><tr><th scope="col">"Collection"</th><th scope="col">"Origin"</th><th scope="col"><span class="sr-only">"Unlink"</span></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        {can_edit.then(|| view! {
            <div class="collection-forms">
                <form class="form card" method="post" action=routes::api_sub(&id, "collections/generate")>
                    <h2>{if generated { "Update the generated collection" } else { "Generate collection" }}</h2>
                    <p class="hint">"One folder per tag and one request per operation, with its method, URL ({{baseUrl}} and the path), parameters and an example body. Generating again updates the generated requests and keeps what people added."</p>
                    <button class="button" type="submit">{if generated { "Update from the definition" } else { "Generate collection" }}</button>
                </form>
                {(!data.choices.is_empty()).then(|| view! {
                    <form class="form card" method="post" action=routes::api_sub(&id, "collections/link")>
                        <h2>"Link a collection"</h2>
                        <label for="link-collection">"Collection"</label>
                        <select id="link-collection" name=field::COLLECTION required>
                            {data.choices.into_iter().map(|choice| view! { <option value=choice.id>{choice.name}</option> }).collect_view()}
                        </select>
                        <button class="button secondary" type="submit">"Link"</button>
                    </form>
                })}
            </div>
        })}
    }
}

fn linked_row(api_id: &str, linked: LinkedCollection, can_edit: bool) -> impl IntoView {
    let unlink = routes::api_collection_unlink(api_id, &linked.id);
    let name = linked.name.clone();
    view! {
        <tr data-testid="linked-collection">
            <td><A href=routes::collection(&linked.id)>{linked.name}</A></td>
            <td>{if linked.generated { "Generated from the definition" } else { "Linked" }}</td>
            <td>{can_edit.then(|| view! {
                <form method="post" action=unlink class="inline-form">
                    <button class="button secondary small" type="submit" aria-label=format!("Unlink {name}")>"Unlink"</button>
                </form>
            })}</td>
        </tr>
    }
}
