//! Ferry's user interface: the HTML shell, the routes and the pages.
//!
//! Rendered on the server (feature `ssr`) and hydrated in the browser (feature `hydrate`).
//!
//! Where a feature lives. Reads are server functions; writes are plain HTML forms posted to
//! axum handlers that answer with a redirect (post/redirect/get), so every change works
//! without JavaScript. For a feature `<feature>`:
//! - its page is `app/src/pages/<feature>.rs` (one file per page: `collections_detail.rs`);
//! - its loader, the `#[server]` functions the page reads through, is
//!   `app/src/<feature>_data.rs`;
//! - its form handlers are `server/src/http/<feature>_forms.rs`, its REST API
//!   `server/src/http/<feature>_api.rs`;
//! - every path, on both sides, comes from [`routes`] (the router below must match it);
//! - the names of form fields both sides spell are constants in [`fields`].
//!
//! Files named by an older split rather than by the page: see `ROUTES_NOTE.md`.
//!
//! Table rows and the arms of large matches return [`AnyView`]: a view's type spells out
//! every element inside it, and a whole table's type nests deep enough that the release
//! wasm build overflows rustc's query depth. Erasing it at these natural boundaries also
//! keeps compile times and the wasm bundle smaller.

pub mod account_data;
pub mod alert_data;
pub mod api_data;
pub mod collection_data;
mod components;
pub mod configure_data;
pub mod context;
pub mod fields;
pub mod flash;
pub mod hook_data;
pub mod integration_data;
mod pages;
pub mod profile_data;
pub mod repository_lists;
pub mod routes;
pub mod run_data;
pub mod server_error;
#[cfg(feature = "ssr")]
pub mod session;
pub mod team_data;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use components::layout::Layout;
use context::{load_page_context, PageContextResource};
use pages::{
    api_collections::ApiCollectionsPage,
    api_definition::ApiDefinitionPage,
    api_history::ApiHistoryPage,
    api_operations::ApiOperationsPage,
    api_overview::ApiPage,
    api_repository::ApiRepositoryPage,
    api_versions::{ApiVersionPage, ApiVersionsPage},
    apis::ApisPage,
    auth::{SignInPage, SignUpPage},
    collections::CollectionsPage,
    collections_detail::CollectionPage,
    collections_history::{HistoryPage, RevisionPage},
    connected_accounts::{ConnectedAccountsPage, DeleteAccountPage, ReauthenticatePage},
    home::HomePage,
    integrations::IntegrationsPage,
    integrations_authenticate::AuthenticatePage,
    integrations_bitbucket::BitbucketPage,
    integrations_configure::{ConfigurePage, EditIntegrationPage},
    integrations_delete::DeleteIntegrationPage,
    integrations_hooks::{HookPage, NewSlackPage, NewWebhookPage, SlackPage, WebhooksPage},
    integrations_runs::RunLogPage,
    invite::InvitePage,
    not_found::NotFound,
    profile::ProfilePage,
    team_settings::{ApiKeysPage, AuditPage, MembersPage},
    teams::NewTeamPage,
};

/// "0.1.0 (1a2b3c4d)": the release and the commit this build came from.
pub const BUILD_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("FERRY_BUILD_COMMIT"),
    ")"
);

/// The per-request CSP nonce the server's security middleware chose (request extension).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        if let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
        }
    }
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
    let page: PageContextResource = Resource::new(|| (), |_| load_page_context());
    provide_context(page);

    view! {
        <Stylesheet id="ferry" href="/pkg/ferry.css"/>
        <Link rel="icon" href="/favicon.ico"/>
        <Title formatter=|page: String| if page.is_empty() { "Ferry".to_owned() } else { format!("{page} · Ferry") }/>
        // Pages render whole (SsrMode::Async): every form and message works before, or
        // without, the wasm bundle.
        <Router>
            <Layout>
                // `path!` takes literals only, so these repeat the paths in `routes`: keep both
                // in step.
                <Routes fallback=NotFound>
                    <Route path=path!("") ssr=SsrMode::Async view=HomePage/>
                    <Route path=path!("signin") ssr=SsrMode::Async view=SignInPage/>
                    <Route path=path!("signup") ssr=SsrMode::Async view=SignUpPage/>
                    <Route path=path!("teams/new") ssr=SsrMode::Async view=NewTeamPage/>
                    <Route path=path!("profile") ssr=SsrMode::Async view=ProfilePage/>
                    <Route path=path!("team/members") ssr=SsrMode::Async view=MembersPage/>
                    <Route path=path!("team/api-keys") ssr=SsrMode::Async view=ApiKeysPage/>
                    <Route path=path!("team/audit") ssr=SsrMode::Async view=AuditPage/>
                    <Route path=path!("invite/:token") ssr=SsrMode::Async view=InvitePage/>
                    <Route path=path!("integrations") ssr=SsrMode::Async view=IntegrationsPage/>
                    <Route path=path!("integrations/bitbucket") ssr=SsrMode::Async view=BitbucketPage/>
                    <Route path=path!("integrations/bitbucket/new") ssr=SsrMode::Async view=AuthenticatePage/>
                    <Route path=path!("integrations/bitbucket/new/configure") ssr=SsrMode::Async view=ConfigurePage/>
                    <Route path=path!("integrations/bitbucket/:id/edit") ssr=SsrMode::Async view=EditIntegrationPage/>
                    <Route path=path!("integrations/bitbucket/:id/delete") ssr=SsrMode::Async view=DeleteIntegrationPage/>
                    <Route path=path!("integrations/webhooks") ssr=SsrMode::Async view=WebhooksPage/>
                    <Route path=path!("integrations/webhooks/new") ssr=SsrMode::Async view=NewWebhookPage/>
                    <Route path=path!("integrations/slack") ssr=SsrMode::Async view=SlackPage/>
                    <Route path=path!("integrations/slack/new") ssr=SsrMode::Async view=NewSlackPage/>
                    <Route path=path!("integrations/hooks/:id") ssr=SsrMode::Async view=HookPage/>
                    <Route path=path!("integrations/accounts") ssr=SsrMode::Async view=ConnectedAccountsPage/>
                    <Route path=path!("integrations/accounts/:id/reauthenticate") ssr=SsrMode::Async view=ReauthenticatePage/>
                    <Route path=path!("integrations/accounts/:id/delete") ssr=SsrMode::Async view=DeleteAccountPage/>
                    <Route path=path!("integrations/bitbucket/:id/runs") ssr=SsrMode::Async view=RunLogPage/>
                    <Route path=path!("collections") ssr=SsrMode::Async view=CollectionsPage/>
                    <Route path=path!("collections/:id") ssr=SsrMode::Async view=CollectionPage/>
                    <Route path=path!("collections/:id/history") ssr=SsrMode::Async view=HistoryPage/>
                    <Route path=path!("collections/:id/revisions/:n") ssr=SsrMode::Async view=RevisionPage/>
                    <Route path=path!("apis") ssr=SsrMode::Async view=ApisPage/>
                    <Route path=path!("apis/:id") ssr=SsrMode::Async view=ApiPage/>
                    <Route path=path!("apis/:id/definition") ssr=SsrMode::Async view=ApiDefinitionPage/>
                    <Route path=path!("apis/:id/operations") ssr=SsrMode::Async view=ApiOperationsPage/>
                    <Route path=path!("apis/:id/collections") ssr=SsrMode::Async view=ApiCollectionsPage/>
                    <Route path=path!("apis/:id/versions") ssr=SsrMode::Async view=ApiVersionsPage/>
                    <Route path=path!("apis/:id/versions/:version") ssr=SsrMode::Async view=ApiVersionPage/>
                    <Route path=path!("apis/:id/history") ssr=SsrMode::Async view=ApiHistoryPage/>
                    <Route path=path!("apis/:id/repository") ssr=SsrMode::Async view=ApiRepositoryPage/>
                </Routes>
            </Layout>
        </Router>
    }
}
