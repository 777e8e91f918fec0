//! The HTTP surface: Leptos pages and server functions, account forms, the REST API,
//! operational endpoints and static files — behind sessions and security middleware.

mod account_forms;
mod api;
mod api_error;
mod api_forms;
mod api_sync_api;
mod api_sync_forms;
mod apis_api;
mod bitbucket_auth;
mod bitbucket_webhooks;
pub mod client_addr;
mod collection_forms;
mod collections_api;
mod health;
mod hook_forms;
mod hooks_api;
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

use app::{integration_data::BitbucketSetup, routes, shell, App};
use axum::{
    extract::{DefaultBodyLimit, FromRef},
    handler::Handler,
    http::Method,
    middleware,
    routing::{on, MethodFilter, MethodRouter},
    Router,
};
use ferry_domain::{
    api_sync::{worker::ApiSyncWorker, ApiSync},
    bitbucket::BitbucketClient,
    crypto::Keyring,
    hooks::{worker::HookWorker, Hooks},
    sync::{AccountCredentials, BitbucketSync},
    Store,
};
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
    /// API sync's background checks: woken by webhook deliveries.
    pub api_sync: ApiSyncWorker<AccountCredentials>,
    /// Custom webhooks' and Slack's deliveries: woken when one is queued.
    pub hooks: HookWorker,
}

impl AppState {
    /// The collections service under this deployment's quotas: every write goes through it.
    pub fn collections(&self) -> ferry_domain::collections::Collections<'_> {
        ferry_domain::collections::Collections::with_quotas(&self.store, self.config.limits.quotas)
    }

    /// API sync under this deployment's quotas, registering webhooks at its public URL.
    pub fn api_sync(&self) -> ApiSync<'_, AccountCredentials> {
        ApiSync::new(&self.store, &self.keyring, &self.sync)
            .with_quotas(self.config.limits.quotas)
            .with_public_url(&self.config.public_url)
    }

    /// Custom webhooks and Slack, under the deployment's address policy.
    pub fn hooks(&self) -> Hooks<'_> {
        Hooks::new(&self.store, &self.keyring, self.hooks.policy())
    }

    /// The APIs service under this deployment's quotas: every write goes through it.
    pub fn apis(&self) -> ferry_domain::apis::Apis<'_> {
        ferry_domain::apis::Apis::with_quotas(&self.store, self.config.limits.quotas)
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
fn with_body_limit(route: RouteDef) -> RouteDef {
    with_limit(route, collections_api::MAX_BODY_BYTES)
}

/// Lets a route read bodies up to `bytes`; a larger one is refused (413) before it is read.
fn with_limit((method, path, router): RouteDef, bytes: usize) -> RouteDef {
    (method, path, router.layer(DefaultBodyLimit::max(bytes)))
}

/// Every route served by Ferry's own handlers: the router is built from this list, and the
/// tenant-isolation suite walks it, so a route cannot be added without being tested.
fn handlers() -> Vec<RouteDef> {
    vec![
        at(Method::GET, routes::HEALTHZ, health::healthz),
        at(Method::GET, routes::READYZ, health::readyz),
        at(Method::GET, routes::METRICS, metrics::metrics),
        at(Method::POST, routes::SIGN_UP, account_forms::sign_up),
        at(Method::POST, routes::SIGN_IN, account_forms::sign_in),
        at(Method::POST, routes::SIGN_OUT, account_forms::sign_out),
        at(
            Method::POST,
            routes::SIGN_OUT_EVERYWHERE,
            account_forms::sign_out_everywhere,
        ),
        at(Method::POST, routes::TEAMS, account_forms::create_team),
        at(
            Method::POST,
            routes::TEAMS_SWITCH,
            account_forms::switch_team,
        ),
        at(Method::POST, routes::PROFILE, profile_forms::update),
        at(
            Method::POST,
            routes::TEAM_MEMBERS_ROLE,
            team_forms::change_role,
        ),
        at(
            Method::POST,
            routes::TEAM_MEMBERS_REMOVE,
            team_forms::remove_member,
        ),
        at(
            Method::POST,
            routes::TEAM_INVITES,
            team_forms::create_invite,
        ),
        at(
            Method::POST,
            routes::TEAM_INVITES_REVOKE,
            team_forms::revoke_invite,
        ),
        at(
            Method::POST,
            routes::INVITE_ACCEPT,
            team_forms::accept_invite,
        ),
        at(
            Method::POST,
            routes::TEAM_API_KEYS,
            team_forms::create_api_key,
        ),
        at(
            Method::POST,
            routes::TEAM_API_KEYS_REVOKE,
            team_forms::revoke_api_key,
        ),
        at(Method::GET, routes::API_ME, api::me),
        at(Method::GET, routes::API_OPENAPI, api::openapi),
        at(Method::GET, routes::API_COLLECTIONS, collections_api::list),
        with_body_limit(at(
            Method::POST,
            routes::API_COLLECTIONS,
            collections_api::create,
        )),
        at(
            Method::GET,
            routes::API_COLLECTION_ROUTE,
            collections_api::get,
        ),
        with_body_limit(at(
            Method::PUT,
            routes::API_COLLECTION_ROUTE,
            collections_api::replace,
        )),
        at(
            Method::DELETE,
            routes::API_COLLECTION_ROUTE,
            collections_api::delete,
        ),
        at(Method::GET, routes::API_APIS, apis_api::list),
        with_limit(
            at(Method::POST, routes::API_APIS, apis_api::create),
            apis_api::MAX_BODY_BYTES,
        ),
        at(Method::GET, routes::API_API_ROUTE, apis_api::get),
        at(Method::PUT, routes::API_API_ROUTE, apis_api::update),
        at(Method::DELETE, routes::API_API_ROUTE, apis_api::delete),
        at(
            Method::GET,
            routes::API_API_DEFINITION_ROUTE,
            apis_api::get_definition,
        ),
        with_limit(
            at(
                Method::PUT,
                routes::API_API_DEFINITION_ROUTE,
                apis_api::replace_definition,
            ),
            apis_api::MAX_BODY_BYTES,
        ),
        at(
            Method::GET,
            routes::API_API_COLLECTIONS_ROUTE,
            apis_api::list_collections,
        ),
        at(
            Method::POST,
            routes::API_API_COLLECTIONS_ROUTE,
            apis_api::add_collection,
        ),
        at(
            Method::DELETE,
            routes::API_API_COLLECTION_ROUTE,
            apis_api::unlink_collection,
        ),
        at(
            Method::GET,
            routes::API_API_VERSIONS_ROUTE,
            apis_api::list_versions,
        ),
        at(
            Method::POST,
            routes::API_API_VERSIONS_ROUTE,
            apis_api::publish,
        ),
        at(
            Method::GET,
            routes::API_API_VERSION_ROUTE,
            apis_api::get_version,
        ),
        at(
            Method::GET,
            routes::API_INTEGRATIONS,
            integrations_api::list,
        ),
        at(
            Method::GET,
            routes::API_INTEGRATION_ROUTE,
            integrations_api::get,
        ),
        at(
            Method::GET,
            routes::API_INTEGRATION_RUNS_ROUTE,
            integrations_api::runs,
        ),
        at(
            Method::POST,
            routes::API_INTEGRATION_RUN_ROUTE,
            integrations_api::run_now,
        ),
        at(
            Method::POST,
            routes::API_INTEGRATION_PAUSE_ROUTE,
            integrations_api::pause,
        ),
        at(
            Method::POST,
            routes::API_INTEGRATION_RESUME_ROUTE,
            integrations_api::resume,
        ),
        at(
            Method::POST,
            routes::INTEGRATIONS_BITBUCKET_AUTHENTICATE,
            bitbucket_auth::authenticate,
        ),
        at(
            Method::POST,
            routes::OAUTH_START,
            bitbucket_auth::oauth_start,
        ),
        at(
            Method::GET,
            routes::OAUTH_CALLBACK,
            bitbucket_auth::oauth_callback,
        ),
        at(
            Method::POST,
            routes::ACCOUNT_REAUTHENTICATE_ROUTE,
            bitbucket_auth::reauthenticate,
        ),
        at(
            Method::POST,
            routes::ACCOUNT_DELETE_ROUTE,
            bitbucket_auth::delete,
        ),
        at(
            Method::POST,
            routes::ACCOUNT_SHARE_ROUTE,
            bitbucket_auth::share,
        ),
        at(
            Method::POST,
            routes::INTEGRATIONS_BITBUCKET,
            integration_forms::create,
        ),
        at(
            Method::POST,
            routes::INTEGRATION_ROUTE,
            integration_forms::update,
        ),
        at(
            Method::POST,
            routes::INTEGRATION_DELETE_ROUTE,
            integration_forms::delete,
        ),
        at(
            Method::POST,
            routes::INTEGRATION_RUN_ROUTE,
            sync_forms::run_now,
        ),
        at(
            Method::POST,
            routes::INTEGRATION_PAUSE_ROUTE,
            sync_forms::pause,
        ),
        at(
            Method::POST,
            routes::INTEGRATION_RESUME_ROUTE,
            sync_forms::resume,
        ),
        at(
            Method::POST,
            routes::INTEGRATIONS_WEBHOOKS_NEW,
            hook_forms::create_webhook,
        ),
        at(
            Method::POST,
            routes::INTEGRATIONS_SLACK_NEW,
            hook_forms::create_slack,
        ),
        at(Method::POST, routes::HOOK_EDIT_ROUTE, hook_forms::edit),
        at(Method::POST, routes::HOOK_PAUSE_ROUTE, hook_forms::pause),
        at(Method::POST, routes::HOOK_RESUME_ROUTE, hook_forms::resume),
        at(Method::POST, routes::HOOK_TEST_ROUTE, hook_forms::test),
        at(
            Method::POST,
            routes::HOOK_SECRET_ROUTE,
            hook_forms::rotate_secret,
        ),
        at(Method::POST, routes::HOOK_DELETE_ROUTE, hook_forms::delete),
        at(
            Method::POST,
            routes::HOOK_REDELIVER_ROUTE,
            hook_forms::redeliver,
        ),
        at(Method::POST, routes::COLLECTIONS, collection_forms::create),
        with_body_limit(at(
            Method::POST,
            routes::COLLECTIONS_IMPORT,
            collection_forms::import,
        )),
        at(
            Method::GET,
            routes::COLLECTION_EXPORT_ROUTE,
            collection_forms::export,
        ),
        at(
            Method::GET,
            routes::COLLECTION_REVISION_EXPORT_ROUTE,
            collection_forms::export_revision,
        ),
        at(
            Method::POST,
            routes::COLLECTION_DELETE_ROUTE,
            collection_forms::delete,
        ),
        at(
            Method::POST,
            routes::COLLECTION_ITEMS_ROUTE,
            collection_forms::add_item,
        ),
        with_body_limit(at(
            Method::POST,
            routes::COLLECTION_REQUEST_ROUTE,
            collection_forms::update_request,
        )),
        at(
            Method::POST,
            routes::COLLECTION_ITEM_RENAME_ROUTE,
            collection_forms::rename_item,
        ),
        at(
            Method::POST,
            routes::COLLECTION_ITEM_MOVE_ROUTE,
            collection_forms::move_item,
        ),
        at(
            Method::POST,
            routes::COLLECTION_ITEM_DELETE_ROUTE,
            collection_forms::delete_item,
        ),
        at(
            Method::POST,
            routes::COLLECTION_VARIABLES_ROUTE,
            collection_forms::set_variables,
        ),
        at(
            Method::POST,
            routes::COLLECTION_DETAILS_ROUTE,
            collection_forms::update_details,
        ),
        at(Method::POST, routes::APIS, api_forms::create),
        with_limit(
            at(Method::POST, routes::APIS_IMPORT, api_forms::import),
            api_forms::MAX_UPLOAD_BYTES,
        ),
        at(
            Method::POST,
            routes::API_DETAILS_ROUTE,
            api_forms::update_details,
        ),
        with_limit(
            at(
                Method::POST,
                routes::API_DEFINITION_ROUTE,
                api_forms::save_definition,
            ),
            api_forms::MAX_EDITOR_BYTES,
        ),
        at(
            Method::GET,
            routes::API_DEFINITION_EXPORT_ROUTE,
            api_forms::export_definition,
        ),
        at(Method::POST, routes::API_DELETE_ROUTE, api_forms::delete),
        at(
            Method::POST,
            routes::API_COLLECTIONS_LINK_ROUTE,
            api_forms::link_collection,
        ),
        at(
            Method::POST,
            routes::API_COLLECTION_UNLINK_ROUTE,
            api_forms::unlink_collection,
        ),
        at(
            Method::POST,
            routes::API_COLLECTIONS_GENERATE_ROUTE,
            api_forms::generate_collection,
        ),
        at(Method::POST, routes::API_VERSIONS_ROUTE, api_forms::publish),
        at(
            Method::GET,
            routes::API_REVISION_DEFINITION_ROUTE,
            api_forms::export_revision_definition,
        ),
        at(
            Method::GET,
            routes::API_VERSION_DEFINITION_ROUTE,
            api_forms::export_version_definition,
        ),
        at(
            Method::GET,
            routes::API_VERSION_COLLECTION_ROUTE,
            api_forms::export_version_collection,
        ),
        at(
            Method::GET,
            routes::API_VERSION_EXPORT_ROUTE,
            api_forms::export_version_zip,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_ROUTE,
            api_sync_forms::connect,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_PUSH_ROUTE,
            api_sync_forms::push,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_PULL_ROUTE,
            api_sync_forms::pull,
        ),
        with_limit(
            at(
                Method::POST,
                routes::API_REPOSITORY_RESOLVE_ROUTE,
                api_sync_forms::resolve,
            ),
            api_forms::MAX_EDITOR_BYTES,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_BRANCH_ROUTE,
            api_sync_forms::switch_branch,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_BRANCHES_ROUTE,
            api_sync_forms::create_branch,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_SETTINGS_ROUTE,
            api_sync_forms::settings,
        ),
        at(
            Method::POST,
            routes::API_REPOSITORY_DISCONNECT_ROUTE,
            api_sync_forms::disconnect,
        ),
        at(
            Method::GET,
            routes::API_API_SYNC_ROUTE,
            api_sync_api::status,
        ),
        at(
            Method::POST,
            routes::API_API_SYNC_PULL_ROUTE,
            api_sync_api::pull,
        ),
        at(
            Method::POST,
            routes::API_API_SYNC_PUSH_ROUTE,
            api_sync_api::push,
        ),
        at(
            Method::GET,
            routes::API_API_SYNC_BRANCHES_ROUTE,
            api_sync_api::branches,
        ),
        at(
            Method::POST,
            routes::API_API_SYNC_BRANCHES_ROUTE,
            api_sync_api::create_branch,
        ),
        at(
            Method::PUT,
            routes::API_API_SYNC_BRANCH_ROUTE,
            api_sync_api::switch_branch,
        ),
        at(
            Method::GET,
            routes::API_API_SYNC_LOG_ROUTE,
            api_sync_api::log,
        ),
        at(Method::GET, routes::API_WEBHOOKS, hooks_api::list),
        at(Method::POST, routes::API_WEBHOOKS, hooks_api::create),
        at(Method::GET, routes::API_WEBHOOK_ROUTE, hooks_api::get),
        at(Method::PUT, routes::API_WEBHOOK_ROUTE, hooks_api::update),
        at(Method::DELETE, routes::API_WEBHOOK_ROUTE, hooks_api::delete),
        at(
            Method::POST,
            routes::API_WEBHOOK_SECRET_ROUTE,
            hooks_api::rotate_secret,
        ),
        at(
            Method::POST,
            routes::API_WEBHOOK_TEST_ROUTE,
            hooks_api::send_test,
        ),
        at(
            Method::GET,
            routes::API_WEBHOOK_DELIVERIES_ROUTE,
            hooks_api::deliveries,
        ),
        at(
            Method::POST,
            routes::API_WEBHOOK_REDELIVER_ROUTE,
            hooks_api::redeliver,
        ),
        with_limit(
            at(
                Method::POST,
                routes::BITBUCKET_WEBHOOK_ROUTE,
                bitbucket_webhooks::receive,
            ),
            ferry_domain::api_sync::hook::MAX_DELIVERY_BYTES,
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
