//! `tower-cron`: migrate then run scheduled jobs; `tower-cron migrate` migrates once and exits.

use std::process::ExitCode;

use tower_backend::app::{init_tracing, shutdown_signal};
use tower_backend::config::Config;

const USAGE: &str = "\
Usage:
  tower-cron            migrate the database, then run the scheduled jobs (health on TOWER_CRON_SERVER_PORT, default 8082)
  tower-cron migrate    migrate the database and exit (for a Kubernetes Job or an init container)";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => "run",
        ["migrate"] => "migrate",
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("unknown arguments: {}\n\n{USAGE}", other.join(" "));
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tower-cron: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = init_tracing(Some(&config));
    let result = async {
        if mode == "migrate" {
            tower_cron::migrate(&config).await?.close().await;
            return Ok(());
        }
        let addr = format!("0.0.0.0:{}", config.cron_port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (TOWER_CRON_SERVER_PORT): {e}"))?;
        tower_cron::run(config, listener, shutdown_signal()).await
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tower-cron: {e:#}");
            ExitCode::FAILURE
        }
    }
}
