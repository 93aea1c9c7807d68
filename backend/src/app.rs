//! The backend application: startup (database, schema check, root users) and the HTTP server
//! with graceful shutdown. `Application::build` binds first, so tests can use port 0. With
//! `main.rs`, this is where the layers are put together: it may name every module.

use std::future::{Future, IntoFuture};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{Config, DbUrl, RootUser};
use crate::domain::crypto::Keyring;
use crate::state::AppState;
use crate::store::{self, Db};

/// Checks at startup that the configured keys open the stored secrets. Stored secrets and no
/// key at all: an error, so the process does not start and fail at every use. Secrets sealed
/// with a key that neither `TOWER_CRYPTO_SECRETKEY` nor `TOWER_CRYPTO_PREVIOUS_SECRETKEY` is: one
/// error line (the values are left as they are; a rotation may be half-way on another replica).
pub async fn check_sealed_keys(db: &Db, keyring: &Keyring) -> anyhow::Result<()> {
    let counts = store::sealed::key_counts(db).await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    if total > 0 && keyring.current_id().is_none() {
        anyhow::bail!(
            "{total} stored credentials and secrets are encrypted, but TOWER_CRYPTO_SECRETKEY is not set: set it to the key they were stored with"
        );
    }
    let unknown: Vec<String> = counts.iter().filter(|(k, _)| !keyring.opens(k)).map(|(k, n)| format!("{n} with key {k}")).collect();
    if !unknown.is_empty() {
        tracing::error!(
            "stored credentials and secrets that TOWER_CRYPTO_SECRETKEY (key {}) cannot decrypt: {}; they are left as they are. Set TOWER_CRYPTO_SECRETKEY to the key they were stored with (or TOWER_CRYPTO_PREVIOUS_SECRETKEY during a rotation)",
            keyring.current_id().unwrap_or("none"),
            unknown.join(", ")
        );
    }
    Ok(())
}

/// How the backend treats the database schema at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaMode {
    /// Production: cron migrates; refuse to start on an older schema.
    Check,
    /// All-in-one and tests: migrate first.
    Migrate,
}

pub struct Application {
    listener: TcpListener,
    /// `/metrics`, when its port could be bound.
    metrics: Option<TcpListener>,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config, schema: SchemaMode) -> anyhow::Result<Self> {
        let addr = format!("0.0.0.0:{}", config.backend_port);
        let listener = TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr} (TOWER_BACKEND_SERVER_PORT)"))?;
        Self::build_with_listener(config, schema, listener).await
    }

    pub async fn build_with_listener(config: Config, schema: SchemaMode, listener: TcpListener) -> anyhow::Result<Self> {
        if config.jwt_secret_generated {
            tracing::warn!("TOWER_JWT_SECRET is not set: using a random secret, so signed tokens end when the process stops and replicas cannot share them");
        }
        crate::metrics::recorder();
        let metrics = crate::metrics::bind(config.metrics_port).await;
        let db = Db::connect_waiting(&config.db).await?;
        match schema {
            SchemaMode::Migrate => {
                store::migrate::migrate(&db, sqlite_path(&config)).await?;
            }
            SchemaMode::Check => store::migrate::check_schema(&db).await?,
        }
        ensure_root_users(&db, &config.root_users).await?;
        let state = AppState::new(db, config)?;
        check_sealed_keys(&state.db, &state.keyring).await?;
        Ok(Application { listener, metrics, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port of `/metrics`, if it is served.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves; then stops accepting, ends the event streams, lets the
    /// requests in flight finish for at most `TOWER_SHUTDOWN_GRACE_PERIOD`, and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        tracing::info!(port = self.port(), metrics_port = self.metrics_port(), "tower-backend listening");
        if let Some(metrics) = self.metrics {
            crate::metrics::serve(metrics, self.state.db.clone());
        }
        let router = crate::api::router(self.state.clone());
        let stopping = self.state.stopping.clone();
        let mut stopped = stopping.subscribe();
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let grace = self.state.config.shutdown_grace;
        let serve = axum::serve(self.listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .into_future();
        let grace_over = async move {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = serve => served?,
            () = grace_over => tracing::warn!(grace_s = grace.as_secs_f64(), "shutdown grace period over: requests still in flight are cut"),
        }
        self.state.db.close().await;
        Ok(())
    }
}

pub fn sqlite_path(config: &Config) -> Option<std::path::PathBuf> {
    match &config.db.url {
        DbUrl::Sqlite(p) => Some(p.clone()),
        DbUrl::MySql(_) => None,
    }
}

/// Root users named by e-mail exist after startup.
pub async fn ensure_root_users(db: &Db, roots: &[RootUser]) -> anyhow::Result<()> {
    for r in roots {
        if let RootUser::Email(email) = r {
            let u = store::user::ensure(db, email).await?;
            tracing::info!(user_id = u.id, email = %u.email, "root user ready");
        }
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Logging as configured: plain or JSON lines, level from `TOWER_LOG_LEVEL` or `RUST_LOG`.
/// Installs the global `tracing` subscriber (plain or JSON lines on stderr). Lines are written
/// by a background thread, so no request waits on stderr; keep the returned guard until the
/// process ends, it writes the last lines out when dropped.
#[must_use = "dropping the guard stops the log writer"]
pub fn init_tracing(config: Option<&Config>) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let level = config.and_then(|c| c.log_level.clone()).map(|l| l.to_lowercase()).unwrap_or_else(|| "info".into());
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn,tower_http=warn,refinery_core=warn")));
    let (writer, guard) =
        tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(std::io::BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let json = config.is_some_and(|c| c.log_format == crate::config::LogFormat::Json);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
    guard
}
