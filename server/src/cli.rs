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
    #[arg(
        long,
        env = "FERRY_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
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
    Serve(Box<ServeArgs>),
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
    /// Prune old revisions, sign-in attempts and sync runs now, as every `ferry serve` does
    /// each hour; prints what went.
    Prune(RetentionArgs),
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
    /// Create an account, the admin of its first team: a new team NAME (--team), an existing
    /// team (--team-id), or else a personal team.
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (it never belongs on a command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// A new team with this name; refused when a team of that name exists (use --team-id).
        #[arg(long, value_name = "NAME", conflicts_with = "team_id")]
        team: Option<String>,
        /// An existing team, by id (as /api/me shows it), which the user joins as an admin.
        #[arg(long, value_name = "ID")]
        team_id: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ApikeyCommand {
    /// Create an API key acting for the user in one of their teams, with the user's role;
    /// prints the key.
    Create {
        #[arg(long)]
        email: String,
        /// The user's team by name; refused when two of their teams have it (use --team-id).
        #[arg(
            long,
            value_name = "NAME",
            required_unless_present = "team_id",
            conflicts_with = "team_id"
        )]
        team: Option<String>,
        /// The user's team by id (as /api/me shows it).
        #[arg(long, value_name = "ID")]
        team_id: Option<String>,
        #[arg(long, default_value = "CLI key")]
        name: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(Box::default())
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
    /// The directory `scripts/build` built the static site into (wasm, js, css).
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
    /// How often a connected API's branch is read when no webhook tells Ferry it moved
    /// (seconds; each read is one Bitbucket call from the account's hourly budget).
    #[arg(long, env = "FERRY_API_SYNC_POLL_SECONDS", default_value_t = 60)]
    pub api_sync_poll_seconds: u64,
    /// Networks custom webhooks and Slack deliveries may reach although they are not public
    /// (CIDRs or addresses, comma separated); default none: only public addresses.
    #[arg(long, env = "FERRY_WEBHOOK_ALLOWED_NETWORKS")]
    pub webhook_allowed_networks: Option<String>,
    /// Accept plain `http://` webhook URLs (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`);
    /// default: only `https://`.
    #[arg(long, env = "FERRY_WEBHOOK_ALLOW_HTTP", default_value = "false")]
    pub webhook_allow_http: String,
    /// How long a claimed webhook or Slack delivery stays claimed: how soon a delivery of a
    /// process that died is sent by another (seconds; longer than an attempt's 15 s timeout).
    #[arg(long, env = "FERRY_WEBHOOK_LEASE_SECONDS", default_value_t = 60)]
    pub webhook_lease_seconds: u64,
    /// Who may create an account by themselves: `open` (anyone), `invite-only` (only through
    /// a team's invite link, joining that team) or `closed` (accounts come from
    /// `ferry user create`).
    #[arg(long, env = "FERRY_SIGNUP", default_value = "open")]
    pub signup: String,
    /// The most collections one team may hold; 0 for no limit. (Limits are read as text so
    /// that a bad value is refused naming the variable.)
    #[arg(long, env = "FERRY_QUOTA_COLLECTIONS", default_value = "1000")]
    pub quota_collections: String,
    /// The most megabytes of collections and their history one team may store; 0 for no limit.
    #[arg(long, env = "FERRY_QUOTA_STORAGE_MB", default_value = "1024")]
    pub quota_storage_mb: String,
    #[command(flatten)]
    pub retention: RetentionArgs,
    /// Reverse proxies whose Forwarded / X-Forwarded-For headers name the client (CIDRs or
    /// addresses, comma separated); default none: the peer address is the client.
    #[arg(long, env = "FERRY_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// When set, /metrics answers only `Authorization: Bearer <token>` (prefer the
    /// environment variable to the flag); unset, /metrics is open.
    #[arg(long, env = "FERRY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
}

/// How long old rows are kept: `ferry serve` prunes by these, and so does `ferry prune`.
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Every revision is kept this many days, then the newest of each day; 0 keeps them all.
    #[arg(long, env = "FERRY_RETENTION_REVISIONS_DAYS", default_value = "90")]
    pub retention_revisions_days: String,
    /// Sync runs are kept this many days (each integration's newest 500 always); 0 keeps them all.
    #[arg(long, env = "FERRY_RETENTION_RUNS_DAYS", default_value = "90")]
    pub retention_runs_days: String,
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
