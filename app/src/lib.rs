//! Ferry's user interface: the HTML shell, the routes and the pages.
//!
//! Rendered on the server (feature `ssr`) and hydrated in the browser (feature `hydrate`).

mod components;
mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    StaticSegment,
};

use components::layout::Layout;
use pages::{home::HomePage, not_found::NotFound};

/// "0.1.0 (1a2b3c4d)": the release and the commit this build came from.
pub const BUILD_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (", env!("FERRY_BUILD_COMMIT"), ")");

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="ferry" href="/pkg/ferry.css"/>
        <Link rel="icon" href="/favicon.ico"/>
        <Title formatter=|page: String| if page.is_empty() { "Ferry".to_owned() } else { format!("{page} · Ferry") }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("") view=HomePage/>
                </Routes>
            </Layout>
        </Router>
    }
}
