//! Turns flags and environment into a checked configuration, or one clear error line.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use ferry_domain::{
    accounts::SignupMode,
    api_sync::worker::WorkerConfig,
    bitbucket::{parse_base_url, BitbucketConfig, OAuthConsumer, Url},
    collections::Quotas,
    crypto::{CryptoError, KeySource, KEYS_ENV},
    hooks::worker::WorkerConfig as HookWorkerConfig,
    retention::{days, Retention},
    sync::SyncConfig,
    webhooks::{NetworkPolicy, SenderConfig},
    DatabaseUrl,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    cli::{Command, GlobalArgs, RetentionArgs, ServeArgs},
    http::client_addr::TrustedProxies,
};

/// Where Bitbucket sends people back after "Connect with Bitbucket", under the public URL;
/// the OAuth consumer's callback URL must be exactly this.
pub const OAUTH_CALLBACK_PATH: &str = app::routes::OAUTH_CALLBACK;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    pub public_url: String,
    pub site_root: PathBuf,
    /// Bitbucket is the local demo sandbox: the Integrations pages say so.
    pub demo_sandbox: bool,
    pub bitbucket: BitbucketConfig,
    /// How the sync engine paces itself; `None` when this process runs no sync workers.
    pub sync: Option<SyncConfig>,
    /// How API sync's background checks pace themselves (they run where sync workers run).
    pub api_sync: WorkerConfig,
    /// Where custom webhooks and Slack may deliver, and how the delivery worker paces itself
    /// (it runs where sync workers run).
    pub hooks: HookWorkerConfig,
    /// Where the encryption keys come from (loaded by the commands that need them).
    pub key_source: KeySource,
    /// Who may sign up, whom to believe about client addresses, who may scrape metrics.
    pub security: Security,
    /// How much a team may store, and how long old rows are kept.
    pub limits: Limits,
}

/// What one team may hold and what Ferry forgets; the defaults are far above what a team
/// keeps by hand and bound what one account can make the database hold.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    pub quotas: Quotas,
    pub retention: Retention,
}

/// The deployment's security settings; the defaults suit a single machine on loopback.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Who may create an account by themselves (`FERRY_SIGNUP`).
    pub signup: SignupMode,
    /// Whose Forwarded / X-Forwarded-For to believe about the client's address.
    pub trusted_proxies: TrustedProxies,
    /// When set, `/metrics` answers only this bearer token.
    pub metrics_token: Option<SecretString>,
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
    /// Already names the setting (`FERRY_BITBUCKET_…: …`).
    #[error("{0}")]
    Bitbucket(String),
    /// Already names the setting (`FERRY_SYNC_…: …`).
    #[error("{0}")]
    Sync(String),
    #[error("FERRY_DATABASE_URL: {0}")]
    Database(#[from] ferry_domain::StoreError),
    /// Already names the setting (`FERRY_TRUSTED_PROXIES: …`, `FERRY_METRICS_TOKEN: …`).
    #[error("{0}")]
    Security(String),
    #[error("server stopped: {0}")]
    Serve(String),
    /// Names the variable or file, and the entry or line.
    #[error("{0}")]
    Keys(#[from] CryptoError),
    #[error("{0}")]
    Operator(String),
    #[error(
        "FERRY_SIGNUP: '{0}' is not a sign-up mode; use open (anyone may sign up), invite-only (only through an invite link) or closed (accounts come from `ferry user create`)"
    )]
    Signup(String),
    /// Already names the setting (`FERRY_QUOTA_…` or `FERRY_RETENTION_…`).
    #[error("{0}")]
    Limits(String),
}

impl Config {
    pub fn resolve(global: &GlobalArgs, command: &Command) -> Result<Self, StartError> {
        let data_dir = global.data_dir.clone();
        // Read here rather than as a flag: keys do not belong on a command line.
        let keys = std::env::var(KEYS_ENV).ok().map(SecretString::from);
        let key_source = KeySource::select(keys, global.encryption_key_file.clone(), &data_dir)?;
        let database_url = match &global.database_url {
            Some(raw) => {
                DatabaseUrl::parse(raw).map_err(|e| StartError::DatabaseUrl(e.to_string()))?
            }
            None => DatabaseUrl::Sqlite(data_dir.join("ferry.db")),
        };
        let limits = match command {
            Command::Serve(args) => Limits {
                quotas: quotas(args)?,
                retention: retention(&args.retention)?,
            },
            Command::Prune(args) => Limits {
                retention: retention(args)?,
                ..Limits::default()
            },
            _ => Limits::default(),
        };
        let (listen, public_url, site_root, demo_sandbox, bitbucket, sync) = match command {
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
                let bitbucket = bitbucket_config(args, &public_url)?;
                (
                    listen,
                    public_url,
                    args.site_root.clone(),
                    args.demo_sandbox,
                    bitbucket,
                    sync_config(args)?,
                )
            }
            _ => (
                ([127, 0, 0, 1], 3000).into(),
                String::new(),
                PathBuf::new(),
                false,
                BitbucketConfig::bitbucket_org(),
                None,
            ),
        };
        let security = match command {
            Command::Serve(args) => security(args)?,
            _ => Security::default(),
        };
        let api_sync = match command {
            Command::Serve(args) => api_sync_config(args, limits.quotas)?,
            _ => WorkerConfig::default(),
        };
        let hooks = match command {
            Command::Serve(args) => HookWorkerConfig {
                public_url: Some(public_url.clone()),
                ..hooks_config(args)?
            },
            _ => HookWorkerConfig::default(),
        };
        Ok(Self {
            data_dir,
            database_url,
            listen,
            public_url,
            site_root,
            demo_sandbox,
            bitbucket,
            sync,
            api_sync,
            hooks,
            key_source,
            security,
            limits,
        })
    }

    pub fn ensure_data_dir(&self) -> Result<(), StartError> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| StartError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: e.to_string(),
        })
    }
}

fn security(args: &ServeArgs) -> Result<Security, StartError> {
    let signup =
        SignupMode::parse(&args.signup).ok_or_else(|| StartError::Signup(args.signup.clone()))?;
    let trusted_proxies =
        TrustedProxies::parse(args.trusted_proxies.as_deref().unwrap_or_default())
            .map_err(|e| StartError::Security(format!("FERRY_TRUSTED_PROXIES: {e}")))?;
    Ok(Security {
        signup,
        trusted_proxies,
        metrics_token: metrics_token(args)?,
    })
}

fn parse_public_url(raw: &str) -> Result<String, StartError> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            StartError::PublicUrl(format!("'{raw}' must start with http:// or https://"))
        })?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(StartError::PublicUrl(format!(
            "'{raw}' needs a host, e.g. https://ferry.example.com"
        )));
    }
    Ok(url.to_owned())
}

/// An empty token would read as "protected" in the environment yet open nothing; refuse it.
fn metrics_token(args: &ServeArgs) -> Result<Option<SecretString>, StartError> {
    match &args.metrics_token {
        Some(token) if token.expose_secret().trim().is_empty() => Err(StartError::Security(
            "FERRY_METRICS_TOKEN: is empty; set a long random token (e.g. `openssl rand -hex 32`) or unset it to leave /metrics open".into(),
        )),
        Some(token) => Ok(Some(SecretString::from(token.expose_secret().trim().to_owned()))),
        None => Ok(None),
    }
}

/// The shortest poll interval: a connected API polled more often would spend an account's
/// hourly budget of 1,000 calls on one API alone.
const MIN_API_SYNC_POLL_SECONDS: u64 = 5;

fn api_sync_config(args: &ServeArgs, quotas: Quotas) -> Result<WorkerConfig, StartError> {
    if args.api_sync_poll_seconds < MIN_API_SYNC_POLL_SECONDS {
        return Err(StartError::Sync(format!(
            "FERRY_API_SYNC_POLL_SECONDS: must be at least {MIN_API_SYNC_POLL_SECONDS} (each poll is one Bitbucket call per connected API)"
        )));
    }
    Ok(WorkerConfig {
        poll: Duration::from_secs(args.api_sync_poll_seconds),
        quotas,
    })
}

fn hooks_config(args: &ServeArgs) -> Result<HookWorkerConfig, StartError> {
    let allowed =
        NetworkPolicy::parse_allowed(args.webhook_allowed_networks.as_deref().unwrap_or_default())
            .map_err(|e| StartError::Security(format!("FERRY_WEBHOOK_ALLOWED_NETWORKS: {e}")))?;
    let allow_http = parse_flag(&args.webhook_allow_http).ok_or_else(|| {
        StartError::Security(format!(
            "FERRY_WEBHOOK_ALLOW_HTTP: '{}' is not true or false (1/0, yes/no, on/off also work)",
            args.webhook_allow_http
        ))
    })?;
    let timeout = SenderConfig::default().timeout;
    if args.webhook_lease_seconds <= timeout.as_secs() + 4 {
        return Err(StartError::Security(format!(
            "FERRY_WEBHOOK_LEASE_SECONDS: must be at least {} (an attempt may take {} s, and no other process may send it meanwhile)",
            timeout.as_secs() + 5,
            timeout.as_secs()
        )));
    }
    Ok(HookWorkerConfig {
        lease: Duration::from_secs(args.webhook_lease_seconds),
        sender: SenderConfig {
            policy: NetworkPolicy {
                allowed,
                allow_http,
            },
            ..SenderConfig::default()
        },
        ..HookWorkerConfig::default()
    })
}

/// A yes-or-no setting, as people write it in environments.
fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

fn sync_config(args: &ServeArgs) -> Result<Option<SyncConfig>, StartError> {
    if args.no_sync_workers {
        return Ok(None);
    }
    if args.sync_workers == 0 {
        return Err(StartError::Sync("FERRY_SYNC_WORKERS: must be at least 1; use FERRY_SYNC_DISABLED=true for a web-only process".into()));
    }
    if args.sync_lease_ms < 3_000 {
        return Err(StartError::Sync(
            "FERRY_SYNC_LEASE_MS: must be at least 3000 (heartbeats renew it every third)".into(),
        ));
    }
    if args.sync_max_wait_ms < args.sync_debounce_ms {
        return Err(StartError::Sync(format!(
            "FERRY_SYNC_MAX_WAIT_MS: {} is less than FERRY_SYNC_DEBOUNCE_MS ({}); make it at least as long",
            args.sync_max_wait_ms, args.sync_debounce_ms
        )));
    }
    Ok(Some(SyncConfig {
        workers: args.sync_workers,
        debounce: Duration::from_millis(args.sync_debounce_ms),
        max_wait: Duration::from_millis(args.sync_max_wait_ms),
        lease: Duration::from_millis(args.sync_lease_ms),
        ..SyncConfig::default()
    }))
}

/// The largest quota or retention a setting takes: beyond it the arithmetic in bytes or
/// milliseconds would overflow, and no deployment means it.
const MAX_STORAGE_MB: u64 = 1 << 30;
const MAX_DAYS: u64 = 36_500;

/// What 0 means for a quota, and for a retention.
const NO_LIMIT: &str = "or 0 for no limit";
const KEEP_ALL: &str = "or 0 to keep everything";
fn quotas(args: &ServeArgs) -> Result<Quotas, StartError> {
    let collections = whole_number(
        "FERRY_QUOTA_COLLECTIONS",
        &args.quota_collections,
        (u64::from(u32::MAX), "collections", 1_000),
        NO_LIMIT,
    )?;
    let storage_mb = whole_number(
        "FERRY_QUOTA_STORAGE_MB",
        &args.quota_storage_mb,
        (MAX_STORAGE_MB, "megabytes", 1_024),
        NO_LIMIT,
    )?;
    Ok(Quotas {
        collections: positive(collections).map(|n| n as i64),
        stored_bytes: positive(storage_mb).map(|mb| (mb * 1024 * 1024) as i64),
    })
}

fn retention(args: &RetentionArgs) -> Result<Retention, StartError> {
    let revisions_days = whole_number(
        "FERRY_RETENTION_REVISIONS_DAYS",
        &args.retention_revisions_days,
        (MAX_DAYS, "days", 90),
        KEEP_ALL,
    )?;
    let runs_days = whole_number(
        "FERRY_RETENTION_RUNS_DAYS",
        &args.retention_runs_days,
        (MAX_DAYS, "days", 90),
        KEEP_ALL,
    )?;
    Ok(Retention {
        revisions: positive(revisions_days).map(|n| days(n as u32)),
        runs: positive(runs_days).map(|n| days(n as u32)),
    })
}

fn positive(n: u64) -> Option<u64> {
    (n > 0).then_some(n)
}

/// A whole number of `unit` from 0 to `max`, or an error naming the variable and showing
/// `example` and what `zero` means.
fn whole_number(
    variable: &str,
    raw: &str,
    (max, unit, example): (u64, &str, u64),
    zero: &str,
) -> Result<u64, StartError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(StartError::Limits(format!(
            "{variable}: {raw} is too large; use at most {max} {unit}, {zero}"
        ))),
        Err(_) => Err(StartError::Limits(format!(
            "{variable}: '{raw}' is not a whole number of {unit}; use e.g. {example}, {zero}"
        ))),
    }
}

fn bitbucket_config(args: &ServeArgs, public_url: &str) -> Result<BitbucketConfig, StartError> {
    let url = |setting: &str, raw: &str| {
        parse_base_url(raw).map_err(|e| StartError::Bitbucket(format!("{setting}: {e}")))
    };
    let config = BitbucketConfig::new(
        url("FERRY_BITBUCKET_API_URL", &args.bitbucket_api_url)?,
        url("FERRY_BITBUCKET_URL", &args.bitbucket_url)?,
    );
    let key = args
        .bitbucket_oauth_key
        .as_deref()
        .map(str::trim)
        .filter(|key| !key.is_empty());
    let secret = args
        .bitbucket_oauth_secret
        .as_ref()
        .filter(|secret| !secret.expose_secret().trim().is_empty());
    match (key, secret) {
        (Some(key), Some(secret)) => {
            let redirect = format!("{public_url}{OAUTH_CALLBACK_PATH}");
            let redirect_url = Url::parse(&redirect)
                .map_err(|_| StartError::PublicUrl(format!("'{public_url}' does not make a valid OAuth callback URL")))?;
            Ok(config.with_oauth(OAuthConsumer { key: key.to_owned(), secret: secret.clone(), redirect_url }))
        }
        (None, None) => Ok(config),
        (Some(_), None) => Err(StartError::Bitbucket(
            "FERRY_BITBUCKET_OAUTH_SECRET: set it too (OAuth needs the consumer's key and secret), or unset FERRY_BITBUCKET_OAUTH_KEY".to_owned(),
        )),
        (None, Some(_)) => Err(StartError::Bitbucket(
            "FERRY_BITBUCKET_OAUTH_KEY: set it too (OAuth needs the consumer's key and secret), or unset FERRY_BITBUCKET_OAUTH_SECRET".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn serve(args: &[&str]) -> Result<Config, StartError> {
        let cli = Cli::try_parse_from([&["ferry"], args].concat()).unwrap();
        Config::resolve(&cli.global, cli.command.as_ref().unwrap())
    }

    #[test]
    fn sync_workers_run_by_default_and_their_pacing_is_checked() {
        let config = serve(&["serve", "--sync-debounce-ms", "500"]).unwrap();
        let sync = config
            .sync
            .expect("workers run in every serve process by default");
        assert_eq!(
            (sync.debounce, sync.max_wait, sync.workers),
            (Duration::from_millis(500), Duration::from_secs(30), 4)
        );
        assert!(
            serve(&["serve", "--no-sync-workers"])
                .unwrap()
                .sync
                .is_none(),
            "web-only process"
        );
        let refused = serve(&["serve", "--sync-debounce-ms", "60000"])
            .unwrap_err()
            .to_string();
        assert!(refused.starts_with("FERRY_SYNC_MAX_WAIT_MS:"), "{refused}");
        let refused = serve(&["serve", "--sync-workers", "0"])
            .unwrap_err()
            .to_string();
        assert!(refused.starts_with("FERRY_SYNC_WORKERS:"), "{refused}");
    }

    #[test]
    fn bitbucket_defaults_to_bitbucket_org_without_oauth() {
        let config = serve(&["serve", "--public-url", "https://ferry.example.com"]).unwrap();
        // The test process may carry FERRY_BITBUCKET_* from a developer's shell; flags win.
        if std::env::vars().any(|(name, _)| name.starts_with("FERRY_BITBUCKET")) {
            return;
        }
        assert_eq!(
            config.bitbucket.api_url.as_str(),
            "https://api.bitbucket.org/2.0"
        );
        assert_eq!(config.bitbucket.web_url.as_str(), "https://bitbucket.org/");
        assert!(config.bitbucket.oauth.is_none());
    }

    #[test]
    fn oauth_needs_key_and_secret_and_calls_back_under_the_public_url() {
        let base = [
            "serve",
            "--public-url",
            "https://ferry.example.com/",
            "--bitbucket-api-url",
            "http://127.0.0.1:7990/2.0/",
        ];
        let both = serve(
            &[
                &base[..],
                &[
                    "--bitbucket-oauth-key",
                    "k",
                    "--bitbucket-oauth-secret",
                    "s3cret",
                ],
            ]
            .concat(),
        )
        .unwrap();
        let consumer = both.bitbucket.oauth.expect("OAuth configured");
        assert_eq!(
            consumer.redirect_url.as_str(),
            "https://ferry.example.com/integrations/bitbucket/oauth/callback"
        );
        assert_eq!(both.bitbucket.api_url.as_str(), "http://127.0.0.1:7990/2.0");
        assert!(!format!("{consumer:?}").contains("s3cret"));

        let key_only = serve(&[&base[..], &["--bitbucket-oauth-key", "k"]].concat());
        if std::env::var_os("FERRY_BITBUCKET_OAUTH_SECRET").is_none() {
            assert!(key_only
                .unwrap_err()
                .to_string()
                .starts_with("FERRY_BITBUCKET_OAUTH_SECRET: "));
        }
        let bad = serve(&["serve", "--bitbucket-url", "bitbucket.org"])
            .unwrap_err()
            .to_string();
        assert!(
            bad.starts_with("FERRY_BITBUCKET_URL: 'bitbucket.org'"),
            "{bad}"
        );
    }

    #[test]
    fn signup_is_open_unless_restricted_and_a_bad_mode_names_the_variable() {
        if std::env::var_os("FERRY_SIGNUP").is_none() {
            assert_eq!(serve(&["serve"]).unwrap().security.signup, SignupMode::Open);
        }
        assert_eq!(
            serve(&["serve", "--signup", "invite-only"])
                .unwrap()
                .security
                .signup,
            SignupMode::InviteOnly
        );
        assert_eq!(
            serve(&["serve", "--signup", " Closed "])
                .unwrap()
                .security
                .signup,
            SignupMode::Closed
        );
        let refused = serve(&["serve", "--signup", "invite"])
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("FERRY_SIGNUP: 'invite' is not a sign-up mode; use open"),
            "{refused}"
        );
    }

    #[test]
    fn quotas_and_retention_default_high_take_zero_for_unlimited_and_name_bad_values() {
        if std::env::vars()
            .any(|(name, _)| name.starts_with("FERRY_QUOTA") || name.starts_with("FERRY_RETENTION"))
        {
            return;
        }
        let limits = serve(&["serve"]).unwrap().limits;
        assert_eq!(
            limits.quotas,
            Quotas {
                collections: Some(1_000),
                stored_bytes: Some(1_024 * 1024 * 1024)
            }
        );
        assert_eq!(
            limits.quotas,
            Quotas::default(),
            "the service's defaults are the deployment's"
        );
        assert_eq!(
            (limits.retention.revisions, limits.retention.runs),
            (Some(days(90)), Some(days(90)))
        );
        assert_eq!(limits.retention, Retention::default());
        let cli = Cli::try_parse_from(["ferry", "prune", "--retention-runs-days", "30"]).unwrap();
        let prune = Config::resolve(&cli.global, cli.command.as_ref().unwrap())
            .unwrap()
            .limits
            .retention;
        assert_eq!(
            (prune.revisions, prune.runs),
            (Some(days(90)), Some(days(30)))
        );

        let unlimited = serve(&[
            "serve",
            "--quota-collections",
            "0",
            "--quota-storage-mb",
            "0",
            "--retention-revisions-days",
            "0",
            "--retention-runs-days",
            " 0 ",
        ])
        .unwrap()
        .limits;
        assert_eq!(unlimited.quotas, Quotas::UNLIMITED);
        assert_eq!(
            (unlimited.retention.revisions, unlimited.retention.runs),
            (None, None)
        );
        let small = serve(&[
            "serve",
            "--quota-storage-mb",
            "5",
            "--retention-revisions-days",
            "7",
        ])
        .unwrap()
        .limits;
        assert_eq!(
            (small.quotas.stored_bytes, small.retention.revisions),
            (Some(5 * 1024 * 1024), Some(days(7)))
        );

        for (flag, value, variable) in [
            ("--quota-collections", "-1", "FERRY_QUOTA_COLLECTIONS: '-1' is not a whole number"),
            ("--quota-storage-mb", "1GB", "FERRY_QUOTA_STORAGE_MB: '1GB' is not a whole number of megabytes"),
            ("--quota-storage-mb", "99999999999", "FERRY_QUOTA_STORAGE_MB: 99999999999 is too large"),
            (
                "--retention-revisions-days",
                "ninety",
                "FERRY_RETENTION_REVISIONS_DAYS: 'ninety' is not a whole number of days; use e.g. 90, or 0 to keep everything",
            ),
            ("--retention-runs-days", "100000", "FERRY_RETENTION_RUNS_DAYS: 100000 is too large"),
        ] {
            let refused = serve(&["serve", &format!("{flag}={value}")]).unwrap_err().to_string();
            assert!(refused.starts_with(variable), "{refused}");
        }
    }

    #[test]
    fn trusted_proxies_are_cidrs_and_a_bad_one_names_the_setting() {
        assert!(
            serve(&["serve"])
                .unwrap()
                .security
                .trusted_proxies
                .is_empty(),
            "none by default"
        );
        let config = serve(&[
            "serve",
            "--trusted-proxies",
            "10.0.0.0/8, 192.168.1.7,fd00::/8",
        ])
        .unwrap();
        assert!(config
            .security
            .trusted_proxies
            .contains("10.1.2.3".parse().unwrap()));
        assert!(config
            .security
            .trusted_proxies
            .contains("192.168.1.7".parse().unwrap()));
        assert!(!config
            .security
            .trusted_proxies
            .contains("192.168.1.8".parse().unwrap()));
        assert!(config
            .security
            .trusted_proxies
            .contains("fd12::1".parse().unwrap()));
        let refused = serve(&["serve", "--trusted-proxies", "10.0.0.0/8,proxy.internal"])
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("FERRY_TRUSTED_PROXIES: 'proxy.internal'"),
            "{refused}"
        );
        let refused = serve(&["serve", "--trusted-proxies", "10.0.0.0/33"])
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("FERRY_TRUSTED_PROXIES: '10.0.0.0/33'"),
            "{refused}"
        );
    }

    #[test]
    fn metrics_token_is_secret_and_not_empty() {
        let config = serve(&["serve", "--metrics-token", "s3cret-scrape"]).unwrap();
        assert_eq!(
            config
                .security
                .metrics_token
                .as_ref()
                .unwrap()
                .expose_secret(),
            "s3cret-scrape"
        );
        assert!(!format!("{config:?}").contains("s3cret-scrape"));
        let refused = serve(&["serve", "--metrics-token", " "])
            .unwrap_err()
            .to_string();
        assert!(refused.starts_with("FERRY_METRICS_TOKEN:"), "{refused}");
    }

    #[test]
    fn public_url_is_checked_and_normalised() {
        assert_eq!(
            parse_public_url("https://ferry.example.com/").unwrap(),
            "https://ferry.example.com"
        );
        assert!(parse_public_url("ferry.example.com")
            .unwrap_err()
            .to_string()
            .contains("FERRY_PUBLIC_URL"));
        assert!(parse_public_url("https://").is_err());
    }
}
