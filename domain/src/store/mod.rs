//! The storage seam: one `Store`, two backends (embedded SQLite and PostgreSQL).
//!
//! Queries are written once in the SQL both databases accept (`$1` placeholders,
//! `ON CONFLICT`, integer milliseconds for time, text ids) and run on either pool through
//! [`on_pool!`]; where the dialects truly differ a function matches on the backend itself.
//! Every backend passes the same conformance suite (`domain/tests/domain/store_conformance.rs`).

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

pub use database_url::{DatabaseUrl, DatabaseUrlError};

mod database_url;

/// Runs the same query code against whichever pool the store holds.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}

pub mod accounts;
pub mod activity;
pub mod api_sync;
pub mod apis;
pub mod budgets;
pub mod collections;
pub mod connected_accounts;
mod enums;
pub mod hooks;
pub mod integrations;
pub mod retention;
pub mod sync;
mod work_signal;

pub use work_signal::WorkSignal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// Data the database holds but Ferry cannot read back (e.g. a stored document that no
    /// longer imports): no retry helps, a person must look at it.
    #[error("the stored {what} cannot be read: {reason}")]
    Corrupt { what: &'static str, reason: String },
}

/// A handle to Ferry's database; cheap to clone (it is a pool).
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How long a request waits for a connection (or SQLite for a lock) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (and for SQLite creates) the database. Does not migrate; see [`Store::migrate`].
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let fail = |e: &dyn std::fmt::Display| StoreError::Connect {
            url: url.redacted(),
            reason: one_line(e),
        };
        match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(BUSY_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| fail(&e))?;
                Ok(Self::Sqlite(pool))
            }
            DatabaseUrl::Postgres(raw) => {
                let options = PgConnectOptions::from_str(raw).map_err(|e| fail(&e))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(BUSY_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| fail(&e))?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Brings the schema up to date. Safe to run from several processes at once: sqlx takes
    /// an advisory lock on PostgreSQL, and SQLite serialises writers.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Proves the database answers a query (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// This deployment's identity, created once on first use and stable afterwards, even when
    /// several processes start at the same moment.
    pub async fn instance_id(&self) -> Result<String, StoreError> {
        let candidate = uuid::Uuid::new_v4().to_string();
        let id: String = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO ferry_meta (key, value, updated_at_ms) VALUES ('instance_id', $1, $2) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(&candidate)
            .bind(now_ms())
            .execute(pool)
            .await?;
            sqlx::query_scalar("SELECT value FROM ferry_meta WHERE key = 'instance_id'")
                .fetch_one(pool)
                .await?
        });
        Ok(id)
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// Wall-clock milliseconds since the Unix epoch, the one time representation in the schema.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
