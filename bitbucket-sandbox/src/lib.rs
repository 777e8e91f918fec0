//! A Bitbucket-Cloud-compatible sandbox: REST API 2.0, OAuth 2.0 and git smart HTTP over
//! real git repositories, with failures on demand. Run it as the `bitbucket-sandbox`
//! binary, or start it inside a test:
//!
//! ```no_run
//! # async fn demo() -> Result<(), bitbucket_sandbox::Error> {
//! use bitbucket_sandbox::{Config, Repository, Seed, User, Workspace};
//!
//! let seed = Seed::default()
//!     .user(User::new("demo", "demo@example.com").app_password("secret", &["account", "repository:write"]))
//!     .workspace(Workspace::new("demo").member("demo", true).repository(Repository::new("api")));
//! let data = tempfile::tempdir()?;
//! let sandbox = bitbucket_sandbox::start(Config::new(data.path(), seed)).await?;
//! let api = sandbox.api_url(); // http://127.0.0.1:<port>/2.0
//! # let _ = api;
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod auth;
mod clock;
mod credentials;
mod directory;
mod error;
mod faults;
mod git;
mod hooks;
mod pagination;
mod query;
mod representations;
mod request_log;
mod routes;
mod scopes;
mod seed;
mod server;
mod state;
mod urls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::Error;
pub use faults::Faults;
pub use hooks::DeliveryRecord;
pub use request_log::RequestRecord;
pub use seed::{
    AccessToken, ApiToken, AppPassword, Member, OAuthConsumer, Repository, Seed, User, Workspace,
};

use credentials::Credentials;
use directory::Directory;
use faults::FaultState;
use request_log::RequestLog;
use state::AppState;
use urls::Urls;

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Bare repositories live under `<data_dir>/repositories/<workspace>/<slug>.git`; an
    /// existing repository is reused as it is.
    pub data_dir: PathBuf,
    pub seed: Seed,
    /// The base of every URL in `links`, `next` and `Location`; defaults to
    /// `http://<bound address>`.
    pub public_url: Option<String>,
    /// `expires_in` of OAuth access tokens.
    pub access_token_ttl: Duration,
    pub faults: Faults,
    /// Mounts the `/admin` endpoints (loopback clients only).
    pub admin: bool,
}

impl Config {
    /// Listens on 127.0.0.1 at a free port, admin endpoints on, no faults, 2-hour tokens.
    pub fn new(data_dir: impl Into<PathBuf>, seed: Seed) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            seed,
            public_url: None,
            access_token_ttl: Duration::from_secs(7200),
            faults: Faults::default(),
            admin: true,
        }
    }
}

/// A running sandbox. Dropping it stops the server too.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    url: String,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl Running {
    /// The public base URL, e.g. `http://127.0.0.1:7990` (git clone URLs hang off it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The REST base URL, `<url>/2.0`.
    pub fn api_url(&self) -> String {
        format!("{}/2.0", self.url)
    }

    /// Replaces the fault settings at run time.
    pub fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        self.state.faults.replace(faults)
    }

    /// Every request received so far (admin calls excepted), oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests.snapshot()
    }

    /// Every webhook delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.state.hooks.deliveries()
    }

    /// Stops accepting, closes open connections and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.server).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Seeds the data directory, binds and starts serving in the background.
pub async fn start(config: Config) -> Result<Running, Error> {
    config.faults.validate()?;
    tokio::fs::create_dir_all(&config.data_dir).await?;
    let started = clock::now_rfc3339();
    let directory = Directory::build(&config.seed, &config.data_dir, &started).await?;
    let credentials = Credentials::from_seed(&config.seed, config.access_token_ttl)?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let url = url.trim_end_matches('/').to_owned();
    let state = Arc::new(AppState {
        directory,
        credentials,
        faults: FaultState::new(config.faults.clone()),
        requests: RequestLog::default(),
        hooks: hooks::Hooks::default(),
        urls: Urls::new(&url),
        started,
    });
    let router = routes::router(state.clone(), config.admin);
    let (shutdown, stop) = oneshot::channel();
    let server = tokio::spawn(server::serve(listener, router, stop));
    Ok(Running {
        addr,
        url,
        state,
        shutdown: Some(shutdown),
        server,
    })
}
