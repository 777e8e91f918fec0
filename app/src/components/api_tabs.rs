//! What every tab of an API shows above its content: where it sits, its name and validity,
//! and the tabs.

use crate::api_data::ApiHeader;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The tabs of an API, in order: (label, sub-path; `""` is the overview).
const TABS: [(&str, &str); 7] = [
    ("Overview", ""),
    ("Definition", "definition"),
    ("Operations", "operations"),
    ("Collections", "collections"),
    ("Versions", "versions"),
    ("Repository", "repository"),
    ("History", "history"),
];

/// The title, breadcrumbs, name, validity badge and tabs of API `header`, with `current` (a
/// sub-path of [`TABS`]) marked.
pub fn api_tabs(header: &ApiHeader, current: &'static str) -> impl IntoView {
    let label = TABS
        .iter()
        .find(|(_, sub)| *sub == current)
        .map_or("", |(label, _)| *label);
    let validity = if header.valid {
        view! { <span class="badge active" data-testid="api-valid">"Valid"</span> }.into_any()
    } else {
        let problems = header.problem_count;
        view! {
            <a class="badge failing" data-testid="api-invalid" href=routes::api_sub(&header.id, "definition")>
                {format!("{problems} problem{}", if problems == 1 { "" } else { "s" })}
            </a>
        }
        .into_any()
    };
    let tabs = TABS.map(|(tab, sub)| {
        let href = if sub.is_empty() {
            routes::api(&header.id)
        } else {
            routes::api_sub(&header.id, sub)
        };
        view! { <a href=href aria-current=(sub == current).then_some("page")>{tab}</a> }
    });
    view! {
        <Title text=format!("{label} · {}", header.name)/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <A href=routes::APIS>"APIs"</A> " / "
        </nav>
        <h1 data-testid="api-name">{header.name.clone()} " " {validity}</h1>
        {(!header.summary.is_empty()).then(|| view! { <p class="hint">{header.summary.clone()}</p> })}
        <nav class="tabs" aria-label="API">{tabs.into_iter().collect_view()}</nav>
    }
}
