//! The HTTP surface: Leptos pages and server functions, operational endpoints, static files.

mod health;
mod request_id;

use std::sync::Arc;

use app::{shell, App};
use axum::{extract::FromRef, routing::get, Router};
use ferry_domain::Store;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::config::Config;

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

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let store = state.store.clone();
    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(store.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(pages)
        .with_state(state)
        .layer(request_id::layers())
}
