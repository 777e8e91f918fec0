//! Turns flags and environment into a checked configuration, or one clear error line.

use std::{net::SocketAddr, path::PathBuf};

use ferry_domain::DatabaseUrl;

use crate::cli::{Command, GlobalArgs};

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    pub public_url: String,
    pub site_root: PathBuf,
    /// Bitbucket is the local demo sandbox: the Integrations pages say so.
    pub demo_sandbox: bool,
}

/// Why the process could not start or run; each names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("FERRY_DATABASE_URL: {0}")]
    DatabaseUrl(String),
    #[error("FERRY_DATA_DIR: cannot create {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("LEPTOS_SITE_ADDR: {0}")]
    Listen(String),
    #[error("FERRY_PUBLIC_URL: {0}")]
    PublicUrl(String),
    #[error("FERRY_DATABASE_URL: {0}")]
    Database(#[from] ferry_domain::StoreError),
    #[error("server stopped: {0}")]
    Serve(String),
    #[error("{0}")]
    Operator(String),
}

impl Config {
    pub fn resolve(global: &GlobalArgs, command: &Command) -> Result<Self, StartError> {
        let data_dir = global.data_dir.clone();
        let database_url = match &global.database_url {
            Some(raw) => DatabaseUrl::parse(raw).map_err(|e| StartError::DatabaseUrl(e.to_string()))?,
            None => DatabaseUrl::Sqlite(data_dir.join("ferry.db")),
        };
        let (listen, public_url, site_root, demo_sandbox) = match command {
            Command::Serve(args) => {
                let listen: SocketAddr = args.listen.trim().parse().map_err(|_| {
                    StartError::Listen(format!(
                        "'{}' is not an address to listen on; use IP:PORT, e.g. 127.0.0.1:3000",
                        args.listen
                    ))
                })?;
                let public_url = match &args.public_url {
                    Some(url) => parse_public_url(url)?,
                    None => format!("http://{listen}"),
                };
                (listen, public_url, args.site_root.clone(), args.demo_sandbox)
            }
            _ => (([127, 0, 0, 1], 3000).into(), String::new(), PathBuf::new(), false),
        };
        Ok(Self { data_dir, database_url, listen, public_url, site_root, demo_sandbox })
    }

    pub fn ensure_data_dir(&self) -> Result<(), StartError> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| StartError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: e.to_string(),
        })
    }
}

fn parse_public_url(raw: &str) -> Result<String, StartError> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| StartError::PublicUrl(format!("'{raw}' must start with http:// or https://")))?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(StartError::PublicUrl(format!(
            "'{raw}' needs a host, e.g. https://ferry.example.com"
        )));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_checked_and_normalised() {
        assert_eq!(parse_public_url("https://ferry.example.com/").unwrap(), "https://ferry.example.com");
        assert!(parse_public_url("ferry.example.com").unwrap_err().to_string().contains("FERRY_PUBLIC_URL"));
        assert!(parse_public_url("https://").is_err());
    }
}
