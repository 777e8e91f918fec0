//! The HTTP surface: Leptos pages and server functions, account forms, the REST API,
//! operational endpoints and static files — behind sessions and security middleware.

mod account_forms;
mod api;
mod health;
mod request_id;
mod security;
pub mod sessions;

use std::sync::Arc;

use app::{shell, App};
use axum::{
    extract::FromRef,
    middleware,
    routing::{get, post},
    Router,
};
use ferry_domain::Store;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::config::Config;
use sessions::SessionBackend;

/// What every handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
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

pub fn router(state: AppState, sessions: SessionBackend) -> Router {
    let routes = generate_route_list(App);
    let store = state.store.clone();
    let context = move || provide_context(store.clone());
    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell));

    let secure_cookies = state.config.public_url.starts_with("https://");
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/signup", post(account_forms::sign_up))
        .route("/signin", post(account_forms::sign_in))
        .route("/signout", post(account_forms::sign_out))
        .route("/signout/everywhere", post(account_forms::sign_out_everywhere))
        .route("/teams", post(account_forms::create_team))
        .route("/teams/switch", post(account_forms::switch_team))
        .route("/api/me", get(api::me))
        .merge(pages)
        .layer(sessions.layer(secure_cookies))
        .layer(middleware::from_fn_with_state(state.clone(), security::same_origin_writes))
        .layer(middleware::from_fn_with_state(state.clone(), security::headers))
        .with_state(state)
        .layer(request_id::layers())
}
