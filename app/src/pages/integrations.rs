//! The Integrations page: the integrations Ferry offers, as cards, with a search box that
//! works as a plain GET form and, once hydrated, filters as you type.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::components::sandbox_notice::SandboxNotice;

/// An integration Ferry offers. Only integrations that work are listed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Available {
    pub name: &'static str,
    pub href: &'static str,
    pub summary: &'static str,
    /// Other words people search for it by.
    pub keywords: &'static str,
}

pub const AVAILABLE: [Available; 3] = [
    Available {
        name: "Bitbucket",
        href: routes::INTEGRATIONS_BITBUCKET,
        summary: "Back up your team's collections to a Bitbucket Cloud repository: every change is committed as the collection's JSON.",
        keywords: "atlassian git repository backup sync",
    },
    Available {
        name: "Webhooks",
        href: routes::INTEGRATIONS_WEBHOOKS,
        summary: "Send your team's activity to any URL as signed JSON events: collection changes, API versions, backups failing, members joining.",
        keywords: "custom webhook http post events notifications standard webhooks",
    },
    Available {
        name: "Slack",
        href: routes::INTEGRATIONS_SLACK,
        summary: "Post your team's activity to a Slack channel: a message for every collection change, API version, failing backup or new member.",
        keywords: "chat channel messages notifications incoming webhook",
    },
];

/// The integrations whose name, summary or keywords contain every word of `query`
/// (case-insensitive); an empty query matches all.
pub fn matching(query: &str) -> Vec<Available> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    AVAILABLE
        .into_iter()
        .filter(|integration| {
            let text = format!(
                "{} {} {}",
                integration.name, integration.summary, integration.keywords
            )
            .to_lowercase();
            words.iter().all(|word| text.contains(word.as_str()))
        })
        .collect()
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let query = use_query_map();
    let search = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    view! {
        <Title text="Integrations"/>
        <section class="integrations">
            <h1>"Integrations"</h1>
            <p class="lead">"Connect Ferry to the tools your team already uses."</p>
            <SandboxNotice/>
            <form class="search-form" method="get" action=routes::INTEGRATIONS role="search">
                <label for="integration-search">"Search integrations"</label>
                <input
                    id="integration-search"
                    name="q"
                    type="search"
                    autocomplete="off"
                    placeholder="Bitbucket"
                    value=search.get_untracked()
                    prop:value=search
                    on:input=move |event| search.set(event_target_value(&event))
                />
                <button class="button secondary" type="submit">"Search"</button>
            </form>
            {move || {
                let found = matching(&search.get());
                if found.is_empty() {
                    view! {
                        <p class="empty-state" role="status" data-testid="no-integration">
                            "No integration matches “" {search.get()} "”. Try “Bitbucket”, “Webhooks” or “Slack”, or clear the search."
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <ul class="cards integration-cards" aria-label="Available integrations">
                            {found.into_iter().map(|integration| view! {
                                <li class="card integration-card">
                                    <h2><A href=integration.href>{integration.name}</A></h2>
                                    <p>{integration.summary}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::matching;

    #[test]
    fn a_search_keeps_the_integrations_it_names() {
        let names = |q: &str| matching(q).into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names("bit"), ["Bitbucket"]);
        assert_eq!(names("  BITBUCKET  "), ["Bitbucket"]);
        assert_eq!(names("backup git"), ["Bitbucket"]);
        assert_eq!(names("slack"), ["Slack"]);
        assert_eq!(names("webhook"), ["Webhooks", "Slack"]);
        assert_eq!(names(""), ["Bitbucket", "Webhooks", "Slack"]);
        assert!(names("zzz").is_empty());
        assert!(names("bit zzz").is_empty());
    }
}
