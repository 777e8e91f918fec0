//! The `ferry` binary as a library, so integration tests can start the real server in-process.

pub mod cli;
pub mod config;
pub mod http;
mod operator;
pub mod serve;
pub mod telemetry;

use cli::{Cli, Command};
use config::Config;

/// Everything the binary does, behind one fallible entry point.
pub async fn run(cli: Cli) -> Result<(), config::StartError> {
    telemetry::init(cli.global.log_format);
    let command = cli.command.clone().unwrap_or_default();
    let config = Config::resolve(&cli.global, &command)?;
    match command {
        Command::Serve(_) => serve::serve(config).await,
        Command::Migrate => serve::migrate_only(&config).await,
        Command::User(command) => operator::user(&config, command).await,
        Command::Apikey(command) => operator::apikey(&config, command).await,
        Command::Keys(command) => operator::keys(&config, command).await,
        Command::Prune(_) => operator::prune(&config).await,
    }
}
