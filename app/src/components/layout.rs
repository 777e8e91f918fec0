//! The frame every page sits in: header with navigation, main content, footer.

use leptos::prelude::*;
use leptos_router::components::A;

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

    view! {
        <header class="header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"⛴"</span>
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
                <A href="/" exact=true on:click=close>"Home"</A>
            </nav>
        </header>
    }
}
