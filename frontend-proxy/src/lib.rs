//! Tower frontend proxy: serves the single-page web app and forwards `/api/*` to the backend.
//!
//! - `GET /health` answers `{"status":"UP"}`.
//! - `/api` and `/api/...` go to the backend with the `/api` prefix stripped
//!   (`/api/workflow/abc?workspaceId=1` becomes `<backend>/workflow/abc?workspaceId=1`). Bodies
//!   stream both ways, so Server-Sent Events pass through unbuffered. Hop-by-hop headers are
//!   dropped, `Host` names the backend, `X-Forwarded-For`/`-Proto`/`-Host` describe the client.
//!   An unreachable backend gives 502 `{"message":"Tower backend is not reachable"}`.
//! - Everything else is the web app, built into the binary or from `TOWER_FRONTEND_WEB_DIR` (see
//!   [`static_files`]): files as they are, `index.html` for client-side routes, 503 while the app
//!   has not been built.
//! - Every response carries `X-Content-Type-Options`, `Referrer-Policy` and `X-Frame-Options`;
//!   non-API responses also carry a `Content-Security-Policy`; over HTTPS every response carries
//!   `Strict-Transport-Security`.
//! - With `TOWER_FRONTEND_TLS_CERT` and `TOWER_FRONTEND_TLS_KEY` the proxy speaks HTTPS (rustls),
//!   otherwise plain HTTP.
//!
//! Configuration comes from the environment: see [`config`]. [`serve`] runs the proxy on a bound
//! listener until a shutdown future completes, so tests and the all-in-one binary can use port 0.

mod backend;
pub mod config;
mod embedded;
pub mod log;
mod metrics;
mod proxy;
mod respond;
mod server;
pub mod static_files;

pub use config::{Config, ConfigError, LogFormat};
pub use embedded::is_built as web_app_built_in;
pub use respond::{CONTENT_SECURITY_POLICY, STRICT_TRANSPORT_SECURITY};
pub use server::{serve, shutdown_signal, HEADER_READ_TIMEOUT, MAX_HEADER_BYTES, SHUTDOWN_GRACE};

/// Installs the global `tracing` subscriber: plain or JSON lines on stderr, level from
/// `TOWER_LOG_LEVEL` (default `info`) unless `RUST_LOG` gives a filter. Does nothing when a
/// subscriber is already installed (e.g. by the all-in-one binary). Lines are written in
/// batches by a background thread (see [`log`]); keep the returned guard until the process
/// ends, it writes the last lines out when dropped.
pub fn init_tracing(config: &Config) -> log::WriterGuard {
    use tracing_subscriber::EnvFilter;
    let level = config.log_level.as_deref().unwrap_or("info").to_lowercase();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let (writer, guard) = log::batched(std::io::stderr());
    writer.take_access_log(config.log_format);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Plain => builder.try_init(),
    };
    guard
}
