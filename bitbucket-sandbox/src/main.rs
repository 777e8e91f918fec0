//! `bitbucket-sandbox --listen 127.0.0.1:7990 --data DIR [--seed seed.json]`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bitbucket_sandbox::{Config, Error, Faults, Seed};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A Bitbucket-Cloud-compatible server backed by real git repositories"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1:7990")]
    listen: SocketAddr,
    /// Directory for the bare git repositories (created if missing, reused if present).
    #[arg(long)]
    data: PathBuf,
    /// Seed file (JSON): users, credentials, workspaces, repositories, OAuth consumers.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Base URL for links, `next` and `Location` (default: http://<listen>).
    #[arg(long)]
    public_url: Option<String>,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, default_value_t = 7200)]
    access_token_ttl: u64,
    /// Mount the /admin endpoints (request log, faults, revocation), loopback clients only.
    #[arg(long)]
    admin: bool,
    /// Fixed latency added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency, 0..=N milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Probability (0–1) of answering with one of --error-statuses.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    #[arg(long, value_delimiter = ',', default_value = "500,502,503")]
    error_statuses: Vec<u16>,
    /// Probability (0–1) of closing the connection without a response.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Probability (0–1) of holding a response back --slow-ms.
    #[arg(long, default_value_t = 0.0)]
    slow_rate: f64,
    #[arg(long, default_value_t = 30_000)]
    slow_ms: u64,
    /// Requests per user per --rate-limit-window-secs on /2.0/repositories/* (429 beyond).
    #[arg(long)]
    rate_limit: Option<u32>,
    #[arg(long, default_value_t = 3600)]
    rate_limit_window_secs: u64,
    /// Send no webhook deliveries (each is logged as failed), as when Bitbucket cannot
    /// reach the subscriber.
    #[arg(long)]
    webhooks_unreachable: bool,
}

impl Cli {
    fn into_config(self) -> Result<Config, Error> {
        let seed = match &self.seed {
            Some(path) => {
                let text = std::fs::read_to_string(path)?;
                serde_json::from_str::<Seed>(&text)
                    .map_err(|e| Error::Seed(format!("{}: {e}", path.display())))?
            }
            None => Seed::default(),
        };
        let faults = Faults {
            latency_ms: self.latency_ms,
            jitter_ms: self.jitter_ms,
            error_rate: self.error_rate,
            error_statuses: self.error_statuses,
            drop_rate: self.drop_rate,
            slow_rate: self.slow_rate,
            slow_ms: self.slow_ms,
            rate_limit: self.rate_limit,
            rate_limit_window_secs: self.rate_limit_window_secs,
            webhooks_unreachable: self.webhooks_unreachable,
        };
        Ok(Config {
            listen: self.listen,
            data_dir: self.data,
            seed,
            public_url: self.public_url,
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            faults,
            admin: self.admin,
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = match Cli::parse().into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("bitbucket-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    let admin = config.admin;
    match bitbucket_sandbox::start(config).await {
        Ok(running) => {
            tracing::info!(url = running.url(), admin, "bitbucket-sandbox listening");
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::error!(%error, "cannot wait for Ctrl-C");
            }
            running.shutdown().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("bitbucket-sandbox: {error}");
            ExitCode::FAILURE
        }
    }
}
