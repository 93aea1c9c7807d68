//! `tower-frontend`: serves the web app and forwards `/api/*` to the Tower backend.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use tower_frontend::{init_tracing, serve, shutdown_signal, Config};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
Usage: tower-frontend [--version]

Serves the Tower web app and forwards /api/* to the backend. Configuration:
  TOWER_FRONTEND_PORT     port to listen on (default 8000)
  TOWER_BACKEND_URL       backend base URL (default http://127.0.0.1:8080)
  TOWER_FRONTEND_WEB_DIR  serve the web app from this directory (default: the app built in)
  TOWER_FRONTEND_METRICS_PORT  Prometheus /metrics port, apart from the public one (default 9091)
  TOWER_FRONTEND_TLS_CERT PEM certificate chain; with the key, serve HTTPS (default: plain HTTP)
  TOWER_FRONTEND_TLS_KEY  PEM private key of the certificate
  TOWER_LOG_APPENDER      STDOUT (default) or JSON
  TOWER_LOG_LEVEL         log level (default info; RUST_LOG overrides)";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => {}
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        ["--version" | "-V"] => {
            let web = if tower_frontend::web_app_built_in() { "web app built in" } else { "built without the web app" };
            println!("tower-frontend {} ({web})", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("tower-frontend: unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    }

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tower-frontend: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = init_tracing(&config);

    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("tower-frontend: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match serve(config, listener, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tower-frontend: {e}");
            ExitCode::FAILURE
        }
    }
}
