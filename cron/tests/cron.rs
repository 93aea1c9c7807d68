//! tower-cron as operators run it: `tower-cron migrate` for a Job or init container, and the
//! long-running service whose /health gates the backend.

use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

fn temp_sqlite_url() -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("tower-cron-test-{}", tower_backend::domain::ids::random_base62(10)));
    std::fs::create_dir_all(&dir).unwrap();
    (format!("sqlite://{}", dir.join("tower.db").display()), dir)
}

fn cron() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tower-cron"));
    c.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn tower_cron_migrate_applies_each_migration_once_and_exits() {
    let (url, dir) = temp_sqlite_url();
    let out = cron().arg("migrate").env("TOWER_DB_URL", &url).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("applied migration") && log.contains("V1__initial"), "a progress line per migration: {log}");
    let again = cron().arg("migrate").env("TOWER_DB_URL", &url).output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("up to date"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tower_cron_rejects_bad_configuration_with_one_line() {
    let out = cron().env("TOWER_DB_URL", "oracle://x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("TOWER_DB_URL"));
}

#[tokio::test]
async fn health_is_down_until_migrations_succeed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ready = Arc::new(AtomicBool::new(false));
    let router = tower_cron::health_router(ready.clone(), Default::default());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let r = reqwest::get(format!("http://{addr}/health")).await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = reqwest::get(format!("http://{addr}/health")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    server.abort();
}

#[tokio::test]
async fn a_running_cron_migrates_then_reports_up_and_the_backend_can_start() {
    let (url, dir) = temp_sqlite_url();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = cron().env("TOWER_DB_URL", &url).env("TOWER_CRON_SERVER_PORT", port.to_string()).stderr(Stdio::null()).spawn().unwrap();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/health")).await {
            if r.status().as_u16() == 200 {
                up = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "cron reports UP");
    // Its metrics beside /health: each job's runs once it ran, and the connection pool.
    // The jobs start together but each at its own pace: wait until every one has shown.
    let lines = [
        r#"tower_cron_job_runs_total{job="mail",outcome="ran"}"#,
        r#"tower_cron_job_duration_seconds_bucket{job="watchdog",le="0.005"}"#,
        "tower_mail_outbox_pending 0",
        r#"tower_db_pool_connections{state="idle"}"#,
    ];
    let mut metrics = String::new();
    for _ in 0..200 {
        metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap().text().await.unwrap();
        if lines.iter().all(|l| metrics.contains(l)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for line in lines {
        assert!(metrics.contains(line), "no {line} in:\n{metrics}");
    }
    let cfg = tower_backend::config::Config::from_lookup(|k| (k == "TOWER_DB_URL").then(|| url.clone())).unwrap();
    let db = tower_backend::store::Db::connect(&cfg.db).await.unwrap();
    tower_backend::store::migrate::check_schema(&db).await.expect("backend accepts the schema cron created");
    db.close().await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_all_in_one_command_migrates_itself_and_serves_the_api_through_the_web_port() {
    let dir = std::env::temp_dir().join(format!("tower-aio-test-{}", tower_backend::domain::ids::random_base62(10)));
    std::fs::create_dir_all(&dir).unwrap();
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (api, web, metrics, frontend_metrics) = (free(), free(), free(), free());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tower"))
        .env_clear()
        .env("TOWER_DATA_DIR", dir.join("data"))
        .env("TOWER_BACKEND_SERVER_PORT", api.to_string())
        .env("TOWER_FRONTEND_PORT", web.to_string())
        .env("TOWER_METRICS_PORT", metrics.to_string())
        .env("TOWER_FRONTEND_METRICS_PORT", frontend_metrics.to_string())
        .env("TOWER_FRONTEND_WEB_DIR", dir.join("web"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut info = None;
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{web}/api/service-info")).await {
            if r.status().is_success() {
                info = Some(r.json::<serde_json::Value>().await.unwrap());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One /metrics for the whole process, on the backend's port: its requests (the one above, by
    // route template), the cron jobs and the proxy's; the proxy opens no metrics port of its own.
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics}/metrics")).await.unwrap().text().await.unwrap();
    let frontend_metrics = reqwest::get(format!("http://127.0.0.1:{frontend_metrics}/metrics")).await;
    let _ = child.kill();
    let _ = child.wait();
    let info = info.expect("API answers through the web port");
    for line in [
        r#"tower_http_requests_total{method="GET",route="/service-info",status="200"} "#,
        r#"tower_cron_job_runs_total{job="watchdog""#,
        r#"tower_frontend_requests_total{kind="api",status="200"} "#,
    ] {
        assert!(metrics.contains(line), "no {line} in:\n{metrics}");
    }
    assert!(frontend_metrics.is_err(), "the all-in-one serves one /metrics");
    assert_eq!(info["serviceInfo"]["apiVersion"], "1.198.0");
    assert!(dir.join("data/tower.db").exists(), "embedded SQLite file created in TOWER_DATA_DIR");
    let _ = std::fs::remove_dir_all(dir);
}
