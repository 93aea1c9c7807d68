//! Tower cron: migrates the database at startup, then runs the scheduled jobs ([`jobs`]). Its
//! `/health` answers UP only once migrations have succeeded, so deployments can gate the backend
//! on it; `/metrics` beside it has the jobs' runs and durations and the mail outbox.

pub mod jobs;
pub mod mailer;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_backend::app::sqlite_path;
use tower_backend::config::Config;
use tower_backend::store::{self, Db};

/// Connects and applies every pending migration under the migration lock.
pub async fn migrate(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect_waiting(&config.db).await?;
    let applied = store::migrate::migrate(&db, sqlite_path(config)).await?;
    tracing::info!(applied = applied.len(), version = store::migrate::current_version(&db).await?, "migrations done");
    Ok(db)
}

/// The cron health endpoint, 503 until `ready` is set, and its Prometheus `/metrics`.
pub fn health_router(ready: Arc<AtomicBool>, db: Arc<OnceLock<Db>>) -> Router {
    Router::new().route("/health", get(health)).with_state(ready).merge(tower_backend::metrics::router(db))
}

async fn health(State(ready): State<Arc<AtomicBool>>) -> (StatusCode, Json<serde_json::Value>) {
    if ready.load(Ordering::SeqCst) {
        (StatusCode::OK, Json(serde_json::json!({ "status": "UP" })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "DOWN", "reason": "migrating" })))
    }
}

/// Runs cron: health listener first (DOWN), migrations, then UP and the jobs until shutdown.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    tower_backend::metrics::recorder();
    let ready = Arc::new(AtomicBool::new(false));
    let db_cell = Arc::new(OnceLock::new());
    let router = health_router(ready.clone(), db_cell.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(async move {
        let r = axum::serve(listener, router).with_graceful_shutdown(shutdown).await;
        let _ = stop.send(true);
        r
    });
    let db = migrate(&config).await?;
    let _ = db_cell.set(db.clone());
    tower_backend::app::ensure_root_users(&db, &config.root_users).await?;
    let shared = tower_backend::cache::connect(&config)?;
    let publisher = tower_backend::live::Publisher::start(shared.cache, shared.incoming);
    let grace = config.shutdown_grace;
    let ctx = jobs::Context::new(db.clone(), Arc::new(config), publisher)?.stopping_on(stopped.clone());
    log_mail_setup(&ctx);
    let mut running = jobs::spawn(Arc::new(ctx), stopped);
    ready.store(true, Ordering::SeqCst);
    tracing::info!("tower-cron ready");
    server.await??;
    // Jobs end after the piece of work in hand and release their locks; a job still running when
    // the grace period is over is cut (its lock lapses within a lease, its mail is sent again).
    if tokio::time::timeout(grace, async { while running.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!(grace_s = grace.as_secs_f64(), "shutdown grace period over: a job was cut");
        running.abort_all();
    }
    db.close().await;
    tracing::info!("tower-cron stopped");
    Ok(())
}

/// One line at startup on where mail goes.
pub fn log_mail_setup(ctx: &jobs::Context) {
    match &ctx.mailer {
        Some(m) => tracing::info!(relay = %m.relay, "mail is sent through SMTP"),
        None => tracing::warn!("TOWER_SMTP_HOST is not set: mail (sign-in links, run notifications) waits in the outbox until it is"),
    }
}
