//! Server-side sessions (tower-sessions) stored in Ferry's own database, on either backend.

use async_trait::async_trait;
use ferry_domain::Store;
use tower_sessions::{
    cookie::SameSite,
    session::{Id, Record},
    session_store::{self, ExpiredDeletion},
    Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Signed-in sessions end after this long without a request.
pub const IDLE_TIMEOUT: time::Duration = time::Duration::hours(12);
pub const COOKIE_NAME: &str = "ferry_session";

#[derive(Debug, Clone)]
pub enum SessionBackend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    /// Creates the session table if needed and starts deleting expired sessions hourly.
    pub async fn open(store: &Store) -> Result<Self, session_store::Error> {
        let backend = match store {
            Store::Sqlite(pool) => {
                let s = SqliteStore::new(pool.clone());
                s.migrate()
                    .await
                    .map_err(|e| session_store::Error::Backend(e.to_string()))?;
                SessionBackend::Sqlite(s)
            }
            Store::Postgres(pool) => {
                let s = PostgresStore::new(pool.clone());
                s.migrate()
                    .await
                    .map_err(|e| session_store::Error::Backend(e.to_string()))?;
                SessionBackend::Postgres(s)
            }
        };
        let cleaner = backend.clone();
        tokio::spawn(async move {
            let _ = cleaner
                .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
                .await;
        });
        Ok(backend)
    }

    pub fn layer(self, secure: bool) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self)
            .with_name(COOKIE_NAME)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(IDLE_TIMEOUT))
    }
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.create(record).await,
            SessionBackend::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.save(record).await,
            SessionBackend::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s) => s.load(id).await,
            SessionBackend::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete(id).await,
            SessionBackend::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete_expired().await,
            SessionBackend::Postgres(s) => s.delete_expired().await,
        }
    }
}
