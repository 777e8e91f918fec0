//! Test harness: the real router served on port 0 over a fresh database.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
};

use ferry::{config::Config, serve::app_router};
use ferry_domain::{
    api_sync::worker::ApiSyncWorker,
    crypto::{KeySource, Keyring},
    sync::{AccountCredentials, BitbucketSync},
};
use ferry_testing::{self as testing, TestDatabase};

pub struct TestServer {
    pub url: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    /// The server's keys, loaded from a key file generated in `data_dir` as on a first start.
    pub keyring: Keyring,
    pub data_dir: tempfile::TempDir,
    /// The server's sync engine: tests that sync start its workers.
    pub sync: BitbucketSync,
    /// API sync's checks: tests that sync run them.
    pub api_sync: ApiSyncWorker<AccountCredentials>,
    /// Webhook deliveries: tests that deliver run them.
    pub hooks: ferry_domain::hooks::worker::HookWorker,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

pub use ferry_testing::Db;

impl TestServer {
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// Like `start`, with the configuration changed first (e.g. Bitbucket pointed at a sandbox).
    pub async fn start_with(db: Db, configure: impl FnOnce(&mut Config)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, db, configure).await
    }

    /// On a listener bound beforehand: its address can go into a sandbox's OAuth callback.
    pub async fn start_on(
        listener: tokio::net::TcpListener,
        db: Db,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let db = match db {
            Db::Sqlite => testing::sqlite().await,
            Db::Postgres => testing::postgres().await,
        };
        let addr = listener.local_addr().unwrap();
        let data_dir = tempfile::tempdir().unwrap();
        let key_source = KeySource::File(data_dir.path().join("encryption-keys"));
        let keyring = key_source.load().unwrap();
        let mut config = Config {
            data_dir: data_dir.path().to_owned(),
            database_url: db.url.clone(),
            listen: addr,
            public_url: format!("http://{addr}"),
            site_root: "target/site".into(),
            demo_sandbox: false,
            bitbucket: ferry_domain::bitbucket::BitbucketConfig::bitbucket_org(),
            // No background workers: tests that sync drive the engine themselves.
            sync: None,
            api_sync: Default::default(),
            hooks: Default::default(),
            key_source,
            security: Default::default(),
            limits: Default::default(),
        };
        configure(&mut config);
        let (router, sync, api_sync, hooks) = app_router(db.store.clone(), keyring.clone(), config)
            .await
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let client = Self::new_browser();
        Self {
            url: format!("http://{addr}"),
            client,
            db,
            keyring,
            data_dir,
            sync,
            api_sync,
            hooks,
            shutdown: Some(tx),
        }
    }

    /// An independent browser: its own cookie jar, redirects left to the test. A response
    /// that never completes fails the test instead of stalling the whole run.
    pub fn new_browser() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(90))
            .cookie_store(true)
            .build()
            .unwrap()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestServer {
    /// Posts a form as Ferry's own pages do (same Origin).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.at(path))
            .header("origin", &self.url)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> String {
        self.client
            .get(self.at(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/signup", &[("email", email), ("password", password)])
            .await
    }
}

/// A Postman example from the shared set beside the repository (`../shared/postman/examples`).
pub fn example(name: &str) -> Vec<u8> {
    // Read when the test runs, not when it is built: a test binary built from another clone
    // sharing the target dir would otherwise look in that clone.
    let path = format!(
        "{}/../../shared/postman/examples/{name}",
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of Ferry's session cookie as the client holds it, if any.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ferry_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

pub fn location(response: &reqwest::Response) -> &str {
    response.headers()["location"].to_str().unwrap()
}

/// A second (third…) person at the same server, with their own cookies.
pub struct Browser<'a> {
    pub server: &'a TestServer,
    pub client: reqwest::Client,
}

impl TestServer {
    pub fn browser(&self) -> Browser<'_> {
        Browser {
            server: self,
            client: Self::new_browser(),
        }
    }
}

impl Browser<'_> {
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.server.at(path))
            .header("origin", &self.server.url)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> String {
        self.client
            .get(self.server.at(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/signup", &[("email", email), ("password", password)])
            .await
    }
}

/// Test data for Integrations: a collection and a connected account row in a team.
pub mod integrations {
    use ferry_domain::{accounts::Actor, collections::Collections, postman::Collection, Store};

    pub async fn collection(store: &Store, actor: &Actor, name: &str) -> String {
        Collections::new(store)
            .create(actor, Collection::new(name).unwrap())
            .await
            .unwrap()
            .row
            .id
    }

    #[allow(unused_imports)]
    pub use ferry_testing::connected_account_row as account_row;
}

/// Every log line the tests of this process write at `level` and above, to search for what
/// must never be logged. A process has one subscriber: the first call's level holds.
pub fn captured_logs(level: tracing::Level) -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let writer = move || LogSink(sink.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(writer)
            .try_init();
        logs
    })
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A team of its own with `email` as admin, and an API key of `role` in it.
pub async fn team_key(
    server: &TestServer,
    email: &str,
    role: ferry_domain::auth::Role,
) -> (ferry_domain::accounts::Actor, String) {
    use ferry_domain::accounts::{Accounts, FirstTeam};
    let accounts = Accounts::new(&server.db.store);
    let signed_up = accounts
        .create_user(
            email,
            "correct horse battery staple".into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    let admin = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let (_, key) = accounts
        .create_api_key(&admin, "tests", role, None, "test")
        .await
        .unwrap();
    (admin, key.expose_secret().to_owned())
}

/// The event the sync engine records with a backup's failing status (what tests that set the
/// status directly record with it).
pub fn status_event(integration_id: &str) -> ferry_domain::webhooks::event::Activity {
    ferry_domain::hooks::events::integration_status(
        None,
        ferry_domain::webhooks::EventType::IntegrationFailing,
        integration_id,
        "",
        Some("set by the test"),
    )
}

/// `ferry serve` as its own process (the binary `cargo test` built), for the crash tests.
pub mod serve_process {
    use std::{
        net::TcpListener,
        path::Path,
        process::{Child, Command, Stdio},
    };

    use ferry_testing::TestDatabase;

    /// A running `ferry serve` on a free port; killed when dropped.
    pub struct ServeProcess {
        child: Child,
    }

    impl ServeProcess {
        /// Starts one on `db` with its keys in `data_dir`, and `env` besides.
        pub fn start(db: &TestDatabase, data_dir: &Path, env: &[(&str, &str)]) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            drop(listener);
            let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
                .arg("serve")
                .env("FERRY_DATA_DIR", data_dir)
                .env("FERRY_DATABASE_URL", db.url_string())
                .env("LEPTOS_SITE_ADDR", &addr)
                .envs(env.iter().copied())
                .env_remove("FERRY_ENCRYPTION_KEYS")
                .env_remove("FERRY_ENCRYPTION_KEY_FILE")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            ServeProcess { child }
        }

        /// SIGKILL: no shutdown, no flush, as a crash.
        pub fn kill_9(&mut self) {
            Command::new("kill")
                .args(["-KILL", &self.child.id().to_string()])
                .status()
                .unwrap();
            let _ = self.child.wait();
        }
    }

    impl Drop for ServeProcess {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
