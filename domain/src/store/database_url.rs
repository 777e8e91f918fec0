//! The one setting that decides which database Ferry runs on.

use std::{fmt, path::PathBuf};

/// Where the store lives: an embedded SQLite file or a PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct DatabaseUrlError(String);

impl DatabaseUrl {
    /// Accepts `sqlite://PATH` (also `sqlite:PATH`) and `postgres://…` / `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DatabaseUrlError(
                    "a SQLite URL needs a file path, e.g. sqlite://data/ferry.db".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let after_scheme = raw.split_once("://").map(|(_, r)| r).unwrap_or_default();
            if after_scheme.is_empty() || after_scheme.starts_with('/') {
                return Err(DatabaseUrlError(
                    "a PostgreSQL URL needs a host, e.g. postgres://user@127.0.0.1:5432/ferry"
                        .into(),
                ));
            }
            return Ok(Self::Postgres(raw.to_owned()));
        }
        let scheme = raw.split_once(':').map(|(s, _)| s).unwrap_or(raw);
        Err(DatabaseUrlError(format!(
            "unsupported scheme '{}': use sqlite://PATH or postgres://USER@HOST:PORT/DB",
            scheme.chars().take(32).collect::<String>()
        )))
    }

    /// The URL with any password replaced, fit for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_backends() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/ferry.db").unwrap(),
            DatabaseUrl::Sqlite("data/ferry.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///abs/ferry.db?mode=rwc").unwrap(),
            DatabaseUrl::Sqlite("/abs/ferry.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/ferry").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
    }

    #[test]
    fn rejects_what_it_cannot_run_on_with_a_fix() {
        let err = DatabaseUrl::parse("mysql://root@localhost/ferry").unwrap_err();
        assert!(
            err.to_string().contains("unsupported scheme 'mysql'"),
            "{err}"
        );
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("postgres://").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn never_shows_a_password() {
        let url = DatabaseUrl::parse("postgres://ferry:s3cret@db:5432/ferry").unwrap();
        assert_eq!(url.redacted(), "postgres://ferry:***@db:5432/ferry");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
