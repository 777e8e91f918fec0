//! An API's Versions: Publish version (a name like 1.4.0 and release notes) snapshots the
//! definition and every linked collection; the list, newest first; and one version's page
//! with its downloads (the definition, each collection, or everything in one zip).

use crate::fields::api_fields as field;
use crate::routes;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::api_data::{
    load_api_version, load_api_versions, VersionData, VersionSummary, VersionsData,
};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiVersionsPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api_versions,
    );
    section_page(Section::APIS, "Versions", load, versions_view)
}

fn versions_view(data: VersionsData, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    let id = data.header.id.clone();
    let name = flash
        .field(field::VERSION)
        .map_or(data.suggested_name.clone(), str::to_owned);
    let notes = flash
        .field(field::RELEASE_NOTES)
        .unwrap_or_default()
        .to_owned();
    view! {
        {api_tabs(&data.header, "versions")}
        <FlashMessage flash=Some(flash.clone())/>
        {if data.versions.is_empty() {
            view! { <p class="hint" data-testid="no-versions">"No versions published yet."</p> }.into_any()
        } else {
            let rows = data.versions.into_iter().map(|version| version_row(&id, version)).collect_view();
            view! {
                <table class="table" data-testid="versions">
                    <thead><tr><th scope="col">"Version"</th><th scope="col">"Release notes"</th><th scope="col">"Published"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        {data.header.can_edit.then(|| view! {
            <form class="form card" method="post" action=routes::api_sub(&id, "versions")>
                <h2>"Publish version"</h2>
                <p class="hint">"A version keeps the definition and every linked collection as they are now; it never changes afterwards."</p>
                <label for="version-name">"Version"</label>
                <input id="version-name" name=field::VERSION type="text" required maxlength="64" placeholder="1.4.0" value=name/>
                <label for="release-notes">"Release notes"</label>
                <textarea id="release-notes" name=field::RELEASE_NOTES rows="4" maxlength="2000">{notes}</textarea>
                <button class="button" type="submit">"Publish version"</button>
            </form>
        })}
    }
}

fn version_row(api_id: &str, version: VersionSummary) -> impl IntoView {
    view! {
        <tr data-testid="version">
            <td>
                <A href=routes::api_version(api_id, &version.id)>{version.name}</A>
                {version.from_repository.map(|commit| view! {
                    " " <span class="badge" title=format!("Read from a release tag on commit {commit}") data-testid="version-from-repository">"from the repository"</span>
                })}
            </td>
            <td>{version.release_notes}</td>
            <td><time title=version.published.clone()>{version.published_ago}</time>" by "{version.published_by}</td>
        </tr>
    }
}

#[component]
pub fn ApiVersionPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || {
            let params = params.read();
            (
                params.get("id").unwrap_or_default(),
                params.get("version").unwrap_or_default(),
            )
        },
        |(id, version)| load_api_version(id, version),
    );
    section_page(Section::APIS, "Version", load, version_view)
}

fn version_view(data: VersionData, flash: Option<Flash>) -> impl IntoView {
    let id = data.header.id.clone();
    let version = data.version.id.clone();
    let collections = data.collections;
    view! {
        {api_tabs(&data.header, "versions")}
        <FlashMessage flash=flash/>
        <h2 data-testid="version-name">{format!("Version {}", data.version.name)}</h2>
        <p class="hint">{format!("Published {} by {}", data.version.published, data.version.published_by)}
            {data.version.from_repository.clone().map(|commit| view! {
                " " <span class="badge" data-testid="version-from-repository">{format!("from the repository (commit {commit})")}</span>
            })}
        </p>
        {(!data.version.release_notes.is_empty()).then(|| view! { <p class="release-notes">{data.version.release_notes.clone()}</p> })}
        <p>
            <a class="button" href=routes::api_version_sub(&id, &version, "export.zip") download rel="external" data-testid="export-zip">"Export everything (zip)"</a>
        </p>
        <h3>"Definition"</h3>
        <p>
            <a href=routes::api_version_sub(&id, &version, "definition") download rel="external" data-testid="export-definition">{data.definition_file}</a>
            <span class="hint">{format!(" ({} lines)", data.definition_lines)}</span>
        </p>
        <details class="version-definition">
            <summary>"Show the definition"</summary>
            <pre data-testid="version-definition">{data.definition}</pre>
        </details>
        <h3>"Collections"</h3>
        {if collections.is_empty() {
            view! { <p class="hint">"No collections were linked when this version was published."</p> }.into_any()
        } else {
            view! {
                <ul data-testid="version-collections">
                    {collections.into_iter().map(|collection| view! {
                        <li><a href=routes::api_version_collection(&id, &version, &collection.id) download rel="external">{format!("{}.postman_collection.json", collection.name)}</a></li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
