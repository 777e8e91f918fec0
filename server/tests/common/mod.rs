//! Test harness: the real router served on port 0 over a fresh database.
#![allow(dead_code)]

use std::net::SocketAddr;

use ferry::{config::Config, serve::app_router};
use ferry_domain::testing::{self, TestDatabase};

pub struct TestServer {
    pub url: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl TestServer {
    pub async fn start(db: Db) -> Self {
        let db = match db {
            Db::Sqlite => testing::sqlite().await,
            Db::Postgres => testing::postgres().await,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            data_dir: std::env::temp_dir(),
            database_url: db.url.clone(),
            listen: addr,
            public_url: format!("http://{addr}"),
            site_root: "target/site".into(),
        };
        let router = app_router(db.store.clone(), config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { url: format!("http://{addr}"), client, db, shutdown: Some(tx) }
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
