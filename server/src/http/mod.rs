//! The HTTP surface: Leptos pages and server functions, account forms, the REST API,
//! operational endpoints and static files — behind sessions and security middleware.

mod account_forms;
mod api;
mod api_error;
mod bitbucket_auth;
pub mod client_addr;
mod collection_forms;
mod collections_api;
mod health;
mod integration_forms;
mod integrations_api;
mod metrics;
mod profile_forms;
mod refusal;
mod request_id;
mod security;
pub mod sessions;
mod signed_in;
mod sync_forms;
mod team_forms;

use std::sync::{Arc, OnceLock};

use app::{integration_data::BitbucketSetup, shell, App};
use axum::{
    extract::{DefaultBodyLimit, FromRef},
    handler::Handler,
    http::Method,
    middleware,
    routing::{on, MethodFilter, MethodRouter},
    Router,
};
use ferry_domain::{bitbucket::BitbucketClient, crypto::Keyring, sync::BitbucketSync, Store};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

use crate::config::Config;
use sessions::SessionBackend;

/// What every handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Seals and opens the connected accounts' secrets.
    pub keyring: Keyring,
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    /// One client per process: its connection pool and call counts are shared.
    pub bitbucket: BitbucketClient,
    /// Woken when a person asks for a run; reports `/metrics`.
    pub sync: BitbucketSync,
}

impl AppState {
    /// The collections service under this deployment's quotas: every write goes through it.
    pub fn collections(&self) -> ferry_domain::collections::Collections<'_> {
        ferry_domain::collections::Collections::with_quotas(&self.store, self.config.limits.quotas)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("ferry")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .env(leptos::config::Env::PROD)
        .build()
}

/// One route of Ferry's own handlers.
type RouteDef = (Method, &'static str, MethodRouter<AppState>);

fn at<H, T>(method: Method, path: &'static str, handler: H) -> RouteDef
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("routes use standard methods");
    (method, path, on(filter, handler))
}

/// Lets a route read bodies up to [`collections_api::MAX_BODY_BYTES`] (axum's default is 2 MB).
fn with_body_limit((method, path, router): RouteDef) -> RouteDef {
    (
        method,
        path,
        router.layer(DefaultBodyLimit::max(collections_api::MAX_BODY_BYTES)),
    )
}

/// Every route served by Ferry's own handlers: the router is built from this list, and the
/// tenant-isolation suite walks it, so a route cannot be added without being tested.
fn handlers() -> Vec<RouteDef> {
    vec![
        at(Method::GET, "/healthz", health::healthz),
        at(Method::GET, "/readyz", health::readyz),
        at(Method::GET, "/metrics", metrics::metrics),
        at(Method::POST, "/signup", account_forms::sign_up),
        at(Method::POST, "/signin", account_forms::sign_in),
        at(Method::POST, "/signout", account_forms::sign_out),
        at(
            Method::POST,
            "/signout/everywhere",
            account_forms::sign_out_everywhere,
        ),
        at(Method::POST, "/teams", account_forms::create_team),
        at(Method::POST, "/teams/switch", account_forms::switch_team),
        at(Method::POST, "/profile", profile_forms::update),
        at(Method::POST, "/team/members/role", team_forms::change_role),
        at(
            Method::POST,
            "/team/members/remove",
            team_forms::remove_member,
        ),
        at(Method::POST, "/team/invites", team_forms::create_invite),
        at(
            Method::POST,
            "/team/invites/revoke",
            team_forms::revoke_invite,
        ),
        at(Method::POST, "/invite/accept", team_forms::accept_invite),
        at(Method::POST, "/team/api-keys", team_forms::create_api_key),
        at(
            Method::POST,
            "/team/api-keys/revoke",
            team_forms::revoke_api_key,
        ),
        at(Method::GET, "/api/me", api::me),
        at(Method::GET, "/api/openapi.json", api::openapi),
        at(Method::GET, "/api/collections", collections_api::list),
        with_body_limit(at(
            Method::POST,
            "/api/collections",
            collections_api::create,
        )),
        at(Method::GET, "/api/collections/{id}", collections_api::get),
        with_body_limit(at(
            Method::PUT,
            "/api/collections/{id}",
            collections_api::replace,
        )),
        at(
            Method::DELETE,
            "/api/collections/{id}",
            collections_api::delete,
        ),
        at(Method::GET, "/api/integrations", integrations_api::list),
        at(Method::GET, "/api/integrations/{id}", integrations_api::get),
        at(
            Method::GET,
            "/api/integrations/{id}/runs",
            integrations_api::runs,
        ),
        at(
            Method::POST,
            "/api/integrations/{id}/run",
            integrations_api::run_now,
        ),
        at(
            Method::POST,
            "/api/integrations/{id}/pause",
            integrations_api::pause,
        ),
        at(
            Method::POST,
            "/api/integrations/{id}/resume",
            integrations_api::resume,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/authenticate",
            bitbucket_auth::authenticate,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/oauth/start",
            bitbucket_auth::oauth_start,
        ),
        at(
            Method::GET,
            "/integrations/bitbucket/oauth/callback",
            bitbucket_auth::oauth_callback,
        ),
        at(
            Method::POST,
            "/integrations/accounts/{id}/reauthenticate",
            bitbucket_auth::reauthenticate,
        ),
        at(
            Method::POST,
            "/integrations/accounts/{id}/delete",
            bitbucket_auth::delete,
        ),
        at(
            Method::POST,
            "/integrations/accounts/{id}/share",
            bitbucket_auth::share,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket",
            integration_forms::create,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/{id}",
            integration_forms::update,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/{id}/delete",
            integration_forms::delete,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/{id}/run",
            sync_forms::run_now,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/{id}/pause",
            sync_forms::pause,
        ),
        at(
            Method::POST,
            "/integrations/bitbucket/{id}/resume",
            sync_forms::resume,
        ),
        at(Method::POST, "/collections", collection_forms::create),
        with_body_limit(at(
            Method::POST,
            "/collections/import",
            collection_forms::import,
        )),
        at(
            Method::GET,
            "/collections/{id}/export",
            collection_forms::export,
        ),
        at(
            Method::GET,
            "/collections/{id}/revisions/{number}/export",
            collection_forms::export_revision,
        ),
        at(
            Method::POST,
            "/collections/{id}/delete",
            collection_forms::delete,
        ),
        at(
            Method::POST,
            "/collections/{id}/items",
            collection_forms::add_item,
        ),
        with_body_limit(at(
            Method::POST,
            "/collections/{id}/requests/{item}",
            collection_forms::update_request,
        )),
        at(
            Method::POST,
            "/collections/{id}/items/{item}/rename",
            collection_forms::rename_item,
        ),
        at(
            Method::POST,
            "/collections/{id}/items/{item}/move",
            collection_forms::move_item,
        ),
        at(
            Method::POST,
            "/collections/{id}/items/{item}/delete",
            collection_forms::delete_item,
        ),
        at(
            Method::POST,
            "/collections/{id}/variables",
            collection_forms::set_variables,
        ),
        at(
            Method::POST,
            "/collections/{id}/details",
            collection_forms::update_details,
        ),
    ]
}

/// The method and path of every route of Ferry's own handlers.
pub fn route_table() -> Vec<(Method, &'static str)> {
    handlers()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The Leptos pages, generated once per process. Generation renders the app with a
/// process-wide flag that parks for good every resource first polled meanwhile, in any
/// request of any server in the process (leptos-rs/leptos#4773): pages hung at random when
/// several servers started in one process, as the tests do. Once, before any router exists,
/// no request can overlap it.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Every route the server answers: its own handlers, then the Leptos pages (GET, with
/// `:param` segments) and the server functions, as the router registers them.
pub fn every_route() -> Vec<(Method, String)> {
    let mut routes: Vec<(Method, String)> = route_table()
        .into_iter()
        .map(|(method, path)| (method, path.to_owned()))
        .collect();
    routes.extend(
        page_routes()
            .into_iter()
            .map(|page| (Method::GET, page.path().to_owned())),
    );
    routes.extend(
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (method, path.to_owned())),
    );
    routes
}

pub fn router(state: AppState, sessions: SessionBackend) -> Router {
    let routes = page_routes();
    let (store, keyring, bitbucket) = (
        state.store.clone(),
        state.keyring.clone(),
        state.bitbucket.clone(),
    );
    let sync = state.sync.clone();
    let setup = BitbucketSetup {
        demo_sandbox: state.config.demo_sandbox,
    };
    let signup = state.config.security.signup;
    let context = move || {
        provide_context(store.clone());
        provide_context(keyring.clone());
        provide_context(bitbucket.clone());
        provide_context(sync.clone());
        provide_context(setup);
        provide_context(signup);
    };
    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell));

    let secure_cookies = state.config.public_url.starts_with("https://");
    let own = handlers()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        });
    own.merge(pages)
        .layer(sessions.layer(secure_cookies))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::same_origin_writes,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
        .layer(request_id::layers())
}
