//! `tower`: everything in one process on the embedded default, for a laptop. Migrates the
//! database (an SQLite file in `TOWER_DATA_DIR` unless `TOWER_DB_URL` says otherwise), then runs
//! the backend (TOWER_BACKEND_SERVER_PORT, 8080) and the web front end with its `/api` proxy
//! (TOWER_FRONTEND_PORT, 8000) until interrupted.

use std::process::ExitCode;

use tower_backend::app::{init_tracing, shutdown_signal, Application, SchemaMode};
use tower_backend::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).is_some_and(|a| a == "--help" || a == "-h") {
        println!("Usage: tower\n\nRuns the backend, the scheduled jobs' migrations and the web front end in one process.\nConfiguration: TOWER_* environment variables (see README.md).");
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env().and_then(|mut c| c.keep_generated_secrets().map(|_| c)) {
        // The laptop case: pipelines run on this machine unless the operator says otherwise.
        Ok(mut c) => {
            if std::env::var("TOWER_ENABLE_LOCAL_PLATFORM").is_err() {
                c.enable_local_platform = true;
            }
            c
        }
        Err(e) => {
            eprintln!("tower: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let backend_port = config.backend_port;
    let frontend = match tower_frontend::Config::from_lookup(|k| match k {
        "TOWER_BACKEND_URL" => std::env::var(k).ok().filter(|v| !v.is_empty()).or_else(|| Some(format!("http://127.0.0.1:{backend_port}"))),
        _ => std::env::var(k).ok(),
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tower: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = init_tracing(Some(&config));
    match run(config, frontend).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tower: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, frontend: tower_frontend::Config) -> anyhow::Result<()> {
    let backend = Application::build(config, SchemaMode::Migrate).await?;
    // The scheduled jobs run here too: the watchdog, cleanup, and mail (kept in the outbox and
    // logged unless TOWER_SMTP_HOST is set).
    let ctx =
        tower_cron::jobs::Context::new(backend.state().db.clone(), backend.state().config.clone(), backend.state().publisher.clone())?;
    tower_cron::log_mail_setup(&ctx);
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
    let mut jobs = tower_cron::jobs::spawn(std::sync::Arc::new(ctx), jobs_stopped);
    let addr = format!("0.0.0.0:{}", frontend.port);
    let listener =
        tokio::net::TcpListener::bind(&addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr} (TOWER_FRONTEND_PORT): {e}"))?;
    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let (mut stop_backend, mut stop_frontend) = (stop.subscribe(), stop.subscribe());
    let backend = tokio::spawn(backend.run_until(async move {
        let _ = stop_backend.recv().await;
    }));
    let frontend = tokio::spawn(tower_frontend::serve(frontend, listener, async move {
        let _ = stop_frontend.recv().await;
    }));
    tracing::info!(web = %addr, "tower is running");
    shutdown_signal().await;
    let _ = stop.send(());
    let _ = stop_jobs.send(true);
    while jobs.join_next().await.is_some() {}
    backend.await??;
    frontend.await??;
    Ok(())
}
