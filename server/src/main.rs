use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = ferry::cli::Cli::parse();
    match ferry::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line an operator can act on; the details already went to the log.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
