//! The `tower-backend` command line as operators and scripts use it.

use std::process::Command;

use tower_backend::config::DbUrl;

use crate::helpers::{fresh_database, Kind, TestApp};

fn db_url(app: &TestApp) -> String {
    match &app.state.config.db.url {
        DbUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        DbUrl::MySql(u) => u.clone(),
    }
}

fn backend() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tower-backend"));
    c.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "warn");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_create_prints_only_a_token_that_nextflow_can_use() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let out = backend()
        .args(["token", "create", "--email", "Carol@Example.com", "--name", "nextflow"])
        .env("TOWER_DB_URL", db_url(&app))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout: {stdout:?}");
    let token = stdout.trim();
    let (s, b) = app.send(reqwest::Method::GET, "/user-info", Some(token), None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["user"]["email"], "carol@example.com");

    // A Nextflow run reports with it.
    let (s, b) = app
        .send(reqwest::Method::POST, "/trace/create", Some(token), Some(&serde_json::json!({"sessionId": "s-1", "runName": "cli_run"})))
        .await;
    assert_eq!(s, 200, "{b}");

    let again = backend()
        .args(["token", "create", "--email", "carol@example.com", "--name", "nextflow"])
        .env("TOWER_DB_URL", db_url(&app))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    app.finish().await;
}

#[test]
fn a_bad_setting_stops_the_process_with_one_line_naming_the_variable() {
    let out = backend().env("TOWER_DB_URL", "postgres://db/tower").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("TOWER_DB_URL"), "{stderr}");
    let out = backend().env("TOWER_BACKEND_SERVER_PORT", "eighty").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("TOWER_BACKEND_SERVER_PORT"));
}

#[tokio::test]
async fn the_backend_binary_will_not_start_on_an_unmigrated_database() {
    let (url, _, tmp) = fresh_database(Kind::Sqlite).await;
    let out = backend().env("TOWER_DB_URL", &url).env("TOWER_BACKEND_SERVER_PORT", "0").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `tower-cron migrate`"));
    let _ = std::fs::remove_dir_all(tmp.unwrap());
}
