//! Throw-away databases for tests: a SQLite file in a temporary directory, or a uniquely
//! named PostgreSQL database that is dropped again when the handle goes away.
//!
//! PostgreSQL tests never skip: if the server is unreachable they fail and say how to fix it.

use std::path::PathBuf;

use ferry_domain::store::{DatabaseUrl, Store};

/// The server tests create their databases on (`FERRY_TEST_POSTGRES_URL` overrides).
pub const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDatabase {
    pub store: Store,
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// The URL in the form `FERRY_DATABASE_URL` takes, for starting a real server on it.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => Some(path.clone()),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("FERRY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.into())
}

/// The two databases every store, service and server test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    /// A fresh, migrated database of this kind.
    pub async fn fresh(self) -> TestDatabase {
        match self {
            Db::Sqlite => sqlite().await,
            Db::Postgres => postgres().await,
        }
    }
}

/// Runs each named test once per database, as `sqlite::<name>` and `postgres::<name>`: the one
/// way a test runs on both. `on_both!(a, b)` calls `async fn a(db: Db)` (the test opens what
/// it needs, e.g. a server); `on_both!(store: a, b)` calls `async fn a(store: &Store)` on a
/// fresh migrated database.
#[macro_export]
macro_rules! on_both {
    (store: $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                let db = $crate::Db::Sqlite.fresh().await;
                super::$name(&db.store).await
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                let db = $crate::Db::Postgres.fresh().await;
                super::$name(&db.store).await
            })*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name($crate::Db::Sqlite).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name($crate::Db::Postgres).await })* }
    };
}

/// A fresh, migrated SQLite database in its own temporary directory.
pub async fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let url = DatabaseUrl::Sqlite(dir.path().join("ferry.db"));
    let store = Store::connect(&url).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    TestDatabase {
        store,
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// A fresh, migrated PostgreSQL database with a unique name.
pub async fn postgres() -> TestDatabase {
    let database = postgres_unmigrated().await;
    database.store.migrate().await.expect("migrate PostgreSQL");
    database
}

/// A fresh, empty PostgreSQL database (for tests of migration itself).
pub async fn postgres_unmigrated() -> TestDatabase {
    let admin_url = postgres_admin_url();
    let name = format!("ferry_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Store::connect(&DatabaseUrl::parse(&admin_url).expect("FERRY_TEST_POSTGRES_URL"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL tests need a server at {admin_url} (set FERRY_TEST_POSTGRES_URL): {e}"
            )
        });
    let Store::Postgres(pool) = &admin else {
        panic!("FERRY_TEST_POSTGRES_URL must be postgres://")
    };
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(pool)
        .await
        .expect("CREATE DATABASE");
    admin.close().await;
    let url = DatabaseUrl::Postgres(replace_database(&admin_url, &name));
    let store = Store::connect(&url)
        .await
        .expect("connect to the new test database");
    TestDatabase {
        store,
        url,
        cleanup: Cleanup::Postgres { admin_url, name },
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs outside async; a private runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let admin = Store::connect(&DatabaseUrl::parse(&admin_url).ok()?)
                    .await
                    .ok()?;
                if let Store::Postgres(pool) = &admin {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(pool)
                        .await;
                }
                admin.close().await;
                Some(())
            })
        })
        .join();
    }
}

/// A connected account row of `actor`'s team (API token, "Demo User") whose secret is opaque
/// bytes, for tests of what uses accounts without ever opening one. Returns its id.
pub async fn connected_account_row(
    store: &Store,
    actor: &ferry_domain::accounts::Actor,
    label: &str,
) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let sql = "INSERT INTO connected_accounts (id, team_id, provider, label, method, login, display_name, \
         provider_user_id, secret, secret_key_id, created_by, created_at_ms, verified_at_ms, updated_at_ms) \
         VALUES ($1, $2, 'bitbucket', $3, 'api_token', 'demo@example.com', 'Demo User', '{u}', $4, 'k1', $5, 0, 0, 0)";
    let secret: &[u8] = b"sealed";
    match store {
        Store::Sqlite(pool) => sqlx::query(sql)
            .bind(&id)
            .bind(&actor.team_id)
            .bind(label)
            .bind(secret)
            .bind(&actor.user_id)
            .execute(pool)
            .await
            .map(drop),
        Store::Postgres(pool) => sqlx::query(sql)
            .bind(&id)
            .bind(&actor.team_id)
            .bind(label)
            .bind(secret)
            .bind(&actor.user_id)
            .execute(pool)
            .await
            .map(drop),
    }
    .expect("inserting a test connected account");
    id
}

/// A run of the log for tests of what reads it: one attempt of 850 ms after a change, no commit
/// and no error; tests override the fields they are about.
pub fn run_row(
    integration_id: &str,
    id: &str,
    started_at_ms: i64,
    outcome: ferry_domain::store::sync::RunOutcome,
) -> ferry_domain::store::sync::RunRow {
    ferry_domain::store::sync::RunRow {
        id: id.into(),
        integration_id: integration_id.into(),
        trigger: ferry_domain::store::sync::Trigger::Change,
        started_at_ms,
        finished_at_ms: started_at_ms + 850,
        outcome,
        commit_hash: None,
        error: None,
        will_retry: false,
        attempts: 1,
        revision: None,
        latency_ms: None,
    }
}

/// The process's peak resident memory (VmHWM from /proc/self/status), for benchmarks.
pub fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name_only() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "t1"),
            "postgres://u@h/t1"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
