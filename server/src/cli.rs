//! The command line: `ferry [serve]` and `ferry migrate`, configured by flags or environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ferry_domain::bitbucket::{DEFAULT_API_URL, DEFAULT_WEB_URL};
use secrecy::SecretString;

#[derive(Debug, Clone, Parser)]
#[command(name = "ferry", version = app::BUILD_VERSION, about = "Back up API collections to Bitbucket")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Where Ferry keeps its files (the SQLite database by default).
    #[arg(long, env = "FERRY_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`; default: a SQLite file in the data dir.
    #[arg(long, env = "FERRY_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The encryption key file (one `id:base64key` per line, the newest last), used unless
    /// FERRY_ENCRYPTION_KEYS holds the keys; default: `encryption-keys` in the data dir,
    /// created with one new key on first start.
    #[arg(long, env = "FERRY_ENCRYPTION_KEY_FILE", global = true)]
    pub encryption_key_file: Option<PathBuf>,
    /// Log lines for people (`human`) or for log shippers (`json`).
    #[arg(long, env = "FERRY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the web app (the default when no command is given).
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Operator commands for accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Operator commands for API keys.
    #[command(subcommand)]
    Apikey(ApikeyCommand),
    /// Operator commands for the encryption keys that seal stored credentials.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Add a new newest key to the key file; new secrets are sealed with it.
    Rotate,
    /// Re-encrypt every stored secret that is not under the newest key; prints how many.
    Reencrypt,
    /// List the keys, which is the newest, and how many secrets each seals.
    List,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create an account; its first team is NAME (created if missing, the user its admin).
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (it never belongs on a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        team: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ApikeyCommand {
    /// Create an API key acting for the user in the team, with the user's role; prints the key.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        team: String,
        #[arg(long, default_value = "CLI key")]
        name: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::default())
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// The URL people use to reach Ferry (links, cookies, origin checks); default http://LISTEN.
    #[arg(long, env = "FERRY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The directory cargo-leptos built the static site into (wasm, js, css).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Bitbucket is the local demo sandbox (`scripts/run` starts one): pages say so and show
    /// its demo account.
    #[arg(long, env = "FERRY_DEMO_SANDBOX", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
    pub demo_sandbox: bool,
    /// Bitbucket's REST API base (point it at the bitbucket-sandbox for tests and demos).
    #[arg(long, env = "FERRY_BITBUCKET_API_URL", default_value = DEFAULT_API_URL)]
    pub bitbucket_api_url: String,
    /// Bitbucket's web base: OAuth pages and commit links.
    #[arg(long, env = "FERRY_BITBUCKET_URL", default_value = DEFAULT_WEB_URL)]
    pub bitbucket_url: String,
    /// OAuth consumer key; "Connect with Bitbucket" is offered when key and secret are both set.
    #[arg(long, env = "FERRY_BITBUCKET_OAUTH_KEY")]
    pub bitbucket_oauth_key: Option<String>,
    /// OAuth consumer secret (prefer the environment variable to the flag).
    #[arg(long, env = "FERRY_BITBUCKET_OAUTH_SECRET", hide_env_values = true)]
    pub bitbucket_oauth_secret: Option<SecretString>,
    /// Serve pages and the API only; leave sync jobs to other `ferry serve` processes.
    #[arg(long, env = "FERRY_SYNC_DISABLED")]
    pub no_sync_workers: bool,
    /// Concurrent sync workers in this process.
    #[arg(long, env = "FERRY_SYNC_WORKERS", default_value_t = 4)]
    pub sync_workers: usize,
    /// A burst of edits is committed once no edit came for this long (milliseconds)…
    #[arg(long, env = "FERRY_SYNC_DEBOUNCE_MS", default_value_t = 2_000)]
    pub sync_debounce_ms: u64,
    /// …or once its first edit is this old, so constant editing still commits (milliseconds).
    #[arg(long, env = "FERRY_SYNC_MAX_WAIT_MS", default_value_t = 30_000)]
    pub sync_max_wait_ms: u64,
    /// How long a claimed job stays claimed without a heartbeat: how soon the job of a process
    /// that died is run by another (milliseconds).
    #[arg(long, env = "FERRY_SYNC_LEASE_MS", default_value_t = 30_000)]
    pub sync_lease_ms: u64,
    /// Reverse proxies whose Forwarded / X-Forwarded-For headers name the client (CIDRs or
    /// addresses, comma separated); default none: the peer address is the client.
    #[arg(long, env = "FERRY_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// When set, /metrics answers only `Authorization: Bearer <token>` (prefer the
    /// environment variable to the flag); unset, /metrics is open.
    #[arg(long, env = "FERRY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // Reuse clap's own defaults and environment so `ferry` and `ferry serve` agree.
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::parse_from(["ferry"]).serve
    }
}
