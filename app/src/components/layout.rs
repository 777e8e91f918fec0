//! The frame every page sits in: header with navigation and account, main content, footer.

use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::context::{use_page_context, Viewer};
use crate::BUILD_VERSION;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <main id="main" class="main">{children()}</main>
        <footer class="footer">
            <span>"Ferry " <span data-testid="build-version">{BUILD_VERSION}</span></span>
            <span>"Self-hosted backups of API collections to Bitbucket"</span>
        </footer>
    }
}

#[component]
fn Header() -> impl IntoView {
    // On narrow screens the navigation folds behind a button; it is also the first thing
    // that proves the page hydrated.
    let (menu_open, set_menu_open) = signal(false);
    let close = move |_| set_menu_open.set(false);
    let page = use_page_context();

    view! {
        <header class="header">
            <A href=routes::HOME attr:class="brand">
                <svg class="brand-mark" width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M11 3v10h-6z" fill="currentColor"/>
                    <path d="M13 6l5 7h-5z" fill="currentColor" opacity="0.6"/>
                    <path d="M3 15h18l-3 3H6z" fill="currentColor"/>
                    <path d="M2 21c2-1.2 4-1.2 6 0s4 1.2 6 0 4-1.2 6 0" stroke="currentColor" stroke-width="1.5" fill="none"/>
                </svg>
                <span>"Ferry"</span>
            </A>
            <button
                class="menu-toggle"
                type="button"
                aria-controls="primary-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                <span class="sr-only">"Menu"</span>
                <span aria-hidden="true">{move || if menu_open.get() { "✕" } else { "☰" }}</span>
            </button>
            <nav id="primary-nav" class="nav" class:open=menu_open aria-label="Primary">
                <A href=routes::HOME exact=true on:click=close>"Home"</A>
                <A href=routes::COLLECTIONS on:click=close>"Collections"</A>
                <A href=routes::APIS on:click=close>"APIs"</A>
                <A href=routes::INTEGRATIONS on:click=close>"Integrations"</A>
                <span class="nav-spacer"></span>
                <Suspense fallback=|| ()>
                    {move || page.get().map(|ctx| match ctx.ok().and_then(|c| c.viewer) {
                        Some(viewer) => view! { <Account viewer/> }.into_any(),
                        None => view! {
                            <A href=routes::SIGN_IN on:click=close>"Sign in"</A>
                            <A href=routes::SIGN_UP attr:class="button small" on:click=close>"Sign up"</A>
                        }.into_any(),
                    })}
                </Suspense>
            </nav>
        </header>
    }
}

#[component]
fn Account(viewer: Viewer) -> impl IntoView {
    let current = viewer.team_id.clone();
    view! {
        <form class="team-switcher" method="post" action=routes::TEAMS_SWITCH>
            <label for="team-switcher" class="sr-only">"Team"</label>
            <select id="team-switcher" name="team_id" data-testid="team-switcher">
                {viewer.teams.into_iter().map(|team| {
                    let selected = team.id == current;
                    view! { <option value=team.id selected=selected>{team.name}</option> }
                }).collect_view()}
            </select>
            <button class="button secondary small" type="submit">"Switch"</button>
        </form>
        <A href=routes::TEAM_MEMBERS>"Team settings"</A>
        <A href=routes::TEAMS_NEW>"New team"</A>
        <A href=routes::PROFILE attr:title="The name and email of your commits">"Profile"</A>
        <span class="account-email" data-testid="account-email">{viewer.email}</span>
        <form method="post" action=routes::SIGN_OUT>
            <button class="button secondary small" type="submit">"Sign out"</button>
        </form>
        <form method="post" action=routes::SIGN_OUT_EVERYWHERE>
            <button class="link-button" type="submit" title="End this account's sessions in every browser">
                "Sign out everywhere"
            </button>
        </form>
    }
}
