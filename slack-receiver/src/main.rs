//! `slack-receiver --listen 127.0.0.1:7991 [--hook CHANNEL]...`

use std::{net::SocketAddr, time::Duration};

use clap::Parser;
use slack_receiver::Config;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A Slack-compatible incoming-webhook receiver for tests and demos"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1:7991")]
    listen: SocketAddr,
    /// Creates an incoming webhook posting to this channel and prints its URL (repeatable).
    #[arg(long)]
    hook: Vec<String>,
    /// Added to every webhook's answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let cli = Cli::parse();
    let running = slack_receiver::start(Config {
        listen: cli.listen,
        latency: Duration::from_millis(cli.latency_ms),
    })
    .await?;
    println!("slack-receiver listening on http://{}", running.address());
    for channel in &cli.hook {
        println!("#{channel}: {}", running.add_hook(channel));
    }
    tokio::signal::ctrl_c().await
}
