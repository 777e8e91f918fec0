//! Starting and stopping: open the database, migrate, listen, drain on SIGTERM.

use std::sync::Arc;

use ferry_domain::{
    api_sync::worker::ApiSyncWorker,
    bitbucket::BitbucketClient,
    crypto::Keyring,
    hooks::worker::HookWorker,
    retention::Pruner,
    sync::{AccountCredentials, BitbucketDestination, BitbucketSync, SyncEngine},
    Store,
};

use crate::{
    config::{Config, StartError},
    http::{self, sessions::SessionBackend, AppState},
};

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config) -> Result<Store, StartError> {
    if matches!(config.database_url, ferry_domain::DatabaseUrl::Sqlite(_)) {
        config.ensure_data_dir()?;
    }
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    Ok(store)
}

pub async fn migrate_only(config: &Config) -> Result<(), StartError> {
    let store = open_store(config).await?;
    tracing::info!(database = %config.database_url, "database is up to date");
    store.close().await;
    Ok(())
}

pub async fn serve(config: Config) -> Result<(), StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| StartError::Listen(format!("cannot listen on {}: {e}", config.listen)))?;
    let keyring = config.key_source.load()?;
    let store = open_store(&config).await?;
    let (app, sync, api_sync, hooks) = app_router(store.clone(), keyring, config.clone()).await?;
    let workers = config.sync.is_some().then(|| sync.start());
    // API sync's checks and webhook deliveries run where backups run: a web-only process
    // leaves them to others.
    let api_sync_worker = config.sync.is_some().then(|| api_sync.start());
    let hooks_worker = config.sync.is_some().then(|| hooks.start());
    // Every process prunes: the deletes are idempotent, and a web-only process still grows
    // the tables (revisions, sign-in attempts).
    let pruner = Pruner::new(store.clone(), config.limits.retention).start();
    let local = listener
        .local_addr()
        .map_err(|e| StartError::Listen(e.to_string()))?;
    tracing::info!(
        address = %local,
        public_url = %config.public_url,
        database = %config.database_url,
        version = app::BUILD_VERSION,
        sync_workers = config.sync.as_ref().map_or(0, |sync| sync.workers),
        "Ferry is listening on http://{local}"
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| StartError::Serve(e.to_string()))?;
    if let Some(workers) = workers {
        workers.shutdown();
    }
    if let Some(worker) = api_sync_worker {
        worker.abort();
    }
    if let Some(worker) = hooks_worker {
        worker.abort();
    }
    pruner.abort();
    store.close().await;
    tracing::info!("Ferry stopped");
    Ok(())
}

/// The full router over a given store, as `serve` runs it (tests use it in-process), the
/// sync engine it reports on, API sync's worker and the webhook delivery worker (`serve`
/// starts them unless they are turned off).
pub async fn app_router(
    store: Store,
    keyring: Keyring,
    config: Config,
) -> Result<
    (
        axum::Router,
        BitbucketSync,
        ApiSyncWorker<AccountCredentials>,
        HookWorker,
    ),
    StartError,
> {
    let sessions = SessionBackend::open(&store)
        .await
        .map_err(|e| StartError::Serve(format!("cannot prepare the session table: {e}")))?;
    let leptos_options = http::leptos_options(&config);
    let bitbucket = BitbucketClient::new(config.bitbucket.clone())
        .map_err(|e| StartError::Bitbucket(e.to_string()))?;
    let sync = SyncEngine::new(
        store.clone(),
        BitbucketDestination::new(
            bitbucket.clone(),
            AccountCredentials::new(store.clone(), keyring.clone()),
        ),
        config.sync.clone().unwrap_or_default(),
    );
    let api_sync = ApiSyncWorker::new(
        store.clone(),
        keyring.clone(),
        sync.clone(),
        config.api_sync.clone(),
    );
    let hooks = HookWorker::new(store.clone(), keyring.clone(), config.hooks.clone())
        .map_err(|e| StartError::Serve(format!("cannot prepare the webhook sender: {e}")))?;
    let state = AppState {
        store,
        keyring,
        leptos_options,
        config: Arc::new(config),
        bitbucket,
        sync: sync.clone(),
        api_sync: api_sync.clone(),
        hooks: hooks.clone(),
    };
    Ok((http::router(state, sessions), sync, api_sync, hooks))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
