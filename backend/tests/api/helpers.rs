//! The test harness: `TestApp` spawns the backend on a fresh database, and `both!` runs a test
//! on SQLite and on MySQL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tower_backend::app::{Application, SchemaMode};
use tower_backend::config::Config;
use tower_backend::state::AppState;
use tower_backend::store::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    MySql,
}

pub struct TestApp {
    pub address: String,
    /// Where its Prometheus `/metrics` is served.
    pub metrics_address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// A token of the default user, alice@example.com.
    pub token: String,
    pub kind: Kind,
    /// The TOWER_DB_URL it runs on.
    pub db_url: String,
    mysql_db: Option<(String, String)>,
    tmp: Option<PathBuf>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Runs an `async fn name(app: &TestApp)` as `name::sqlite` and `name::mysql`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Kind::Sqlite).await;
                super::$name(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                if !$crate::helpers::mysql_available() {
                    eprintln!("TOWER_TEST_MYSQL_URL is not set: MySQL variant not run");
                    return;
                }
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Kind::MySql).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    };
}

pub fn mysql_available() -> bool {
    std::env::var("TOWER_TEST_MYSQL_URL").is_ok_and(|v| !v.is_empty())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", tower_backend::domain::ids::random_base62(10).to_lowercase())
}

/// A fresh, empty database of this kind: its TOWER_DB_URL, plus what to clean up.
pub async fn fresh_database(kind: Kind) -> (String, Option<(String, String)>, Option<PathBuf>) {
    match kind {
        Kind::Sqlite => {
            let dir = std::env::temp_dir().join(unique("tower-test-"));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}", dir.join("tower.db").display()), None, Some(dir))
        }
        Kind::MySql => {
            let admin = std::env::var("TOWER_TEST_MYSQL_URL").expect("TOWER_TEST_MYSQL_URL");
            let name = unique("tower_test_");
            let conn = sqlx::mysql::MySqlPool::connect(&admin).await.expect("connect to TOWER_TEST_MYSQL_URL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&conn).await.unwrap();
            conn.close().await;
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&name);
            (url.to_string(), Some((admin, name)), None)
        }
    }
}

pub async fn drop_database(mysql: Option<(String, String)>, tmp: Option<PathBuf>) {
    if let Some((admin, name)) = mysql {
        if let Ok(conn) = sqlx::mysql::MySqlPool::connect(&admin).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&conn).await;
            conn.close().await;
        }
    }
    if let Some(dir) = tmp {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The key of stored secrets in the test backends.
pub const TEST_CRYPTO_KEY: &str = "test-crypto-key-for-stored-secrets";

pub fn test_config(db_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::from([
        ("TOWER_DB_URL".into(), db_url.to_string()),
        ("TOWER_JWT_SECRET".into(), "test-jwt-secret-that-is-long-enough-for-tower".into()),
        ("TOWER_CRYPTO_SECRETKEY".into(), TEST_CRYPTO_KEY.into()),
        ("TOWER_SERVER_URL".into(), "http://localhost:8000".into()),
        ("TOWER_ROOT_USERS".into(), "root@example.com".into()),
        ("TOWER_DB_MIN_POOL_SIZE".into(), "1".into()),
        ("TOWER_DB_MAX_POOL_SIZE".into(), "8".into()),
        ("TOWER_METRICS_PORT".into(), "0".into()),
    ]);
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| env.get(k).cloned()).expect("valid test config")
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> TestApp {
        Self::spawn_with(kind, &[]).await
    }

    pub async fn spawn_with(kind: Kind, extra: &[(&str, &str)]) -> TestApp {
        let (url, mysql_db, tmp) = fresh_database(kind).await;
        Self::spawn_on(kind, url, mysql_db, tmp, extra).await
    }

    /// Another backend on this one's database (a replica); it leaves the database to this one.
    pub async fn replica(&self, extra: &[(&str, &str)]) -> TestApp {
        Self::spawn_on(self.kind, self.db_url.clone(), None, None, extra).await
    }

    pub async fn spawn_on(
        kind: Kind,
        url: String,
        mysql_db: Option<(String, String)>,
        tmp: Option<PathBuf>,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // Launched runs report straight to this backend.
        let api_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let mut extra = extra.to_vec();
        if !extra.iter().any(|(k, _)| *k == "TOWER_LAUNCH_API_URL") {
            extra.push(("TOWER_LAUNCH_API_URL", &api_url));
        }
        let config = test_config(&url, &extra);
        let app = Application::build_with_listener(config, SchemaMode::Migrate, listener).await.expect("backend starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port().expect("a free metrics port"));
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let mut t = TestApp {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            state,
            token: String::new(),
            kind,
            db_url: url,
            mysql_db,
            tmp,
            shutdown: Some(tx),
            server: Some(server),
        };
        t.token = t.token_for("alice@example.com").await;
        t
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// A new access token for the user with this e-mail (created when missing).
    pub async fn token_for(&self, email: &str) -> String {
        let user = tower_backend::store::user::ensure(self.db(), email).await.unwrap();
        let name = unique("t");
        let (_, key) = tower_backend::api::token::create_token(self.db(), user.id, &name).await.unwrap();
        key
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json; charset=utf-8").body(serde_json::to_vec(b).unwrap());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, json)
    }

    /// Opens an event stream and closes it at once: its status, and the error body if any.
    pub async fn open_stream_status(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        if status == 200 {
            return (status, Value::Null);
        }
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(&self.token), None).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(&self.token), Some(body)).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(&self.token), Some(body)).await
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        drop_database(self.mysql_db.take(), self.tmp.take()).await;
    }

    /// Counts rows of a table with a WHERE clause bound to one string.
    pub async fn count(&self, table: &str, where_col: &str, value: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {where_col} = ?");
        tower_backend::with_pool!(self.db(), p => sqlx::query_scalar(&sql).bind(value).fetch_one(p).await.unwrap())
    }
}

// ---------------------------------------------------------------------------------------------
// Replaying captured Nextflow runs

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/trace")
}

pub fn fixture_files(run: &str) -> Vec<Value> {
    let dir = fixtures_dir().join(run);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap()).collect()
}

/// What the Nextflow client computes from the task events it has seen: a progress snapshot.
pub fn snapshot_from(tasks: &HashMap<i64, Value>) -> Value {
    let mut per: std::collections::BTreeMap<String, HashMap<&str, i64>> = Default::default();
    let mut total: HashMap<&str, i64> = HashMap::new();
    for t in tasks.values() {
        let key = match t["status"].as_str().unwrap() {
            "NEW" => "pending",
            "SUBMITTED" => "submitted",
            "RUNNING" => "running",
            "COMPLETED" => "succeeded",
            "FAILED" => "failed",
            "CACHED" => "cached",
            _ => "aborted",
        };
        *per.entry(t["process"].as_str().unwrap_or("").to_string()).or_default().entry(key).or_default() += 1;
        *total.entry(key).or_default() += 1;
    }
    let processes: Vec<Value> = per
        .iter()
        .enumerate()
        .map(|(i, (name, c))| {
            serde_json::json!({"index": i + 1, "name": name, "pending": c.get("pending").copied().unwrap_or(0),
                "submitted": c.get("submitted").copied().unwrap_or(0), "running": c.get("running").copied().unwrap_or(0),
                "succeeded": c.get("succeeded").copied().unwrap_or(0), "failed": c.get("failed").copied().unwrap_or(0),
                "cached": 0, "aborted": 0, "stored": 0, "ignored": 0, "retries": 0, "terminated": false,
                "loadCpus": 0, "loadMemory": 0, "peakRunning": 1, "peakCpus": 1, "peakMemory": 0})
        })
        .collect();
    let g = |k: &str| total.get(k).copied().unwrap_or(0);
    serde_json::json!({"aborted": 0, "cached": 0, "failed": g("failed"), "ignored": 0, "loadCpus": g("running"), "loadMemory": 0,
        "peakCpus": 1, "peakMemory": 0, "peakRunning": 1, "pending": g("pending"), "processes": processes, "retries": 0,
        "running": g("running"), "submitted": g("submitted"), "succeeded": g("succeeded")})
}

/// Maps the captured (2019) payloads into today's requests and sends them like Nextflow:
/// create, begin, one progress per task file, complete. Returns the workflow id.
pub async fn replay(app: &TestApp, run: &str, token: &str) -> String {
    let files = fixture_files(run);
    let first = &files[0]["workflow"];
    let create = serde_json::json!({
        "sessionId": first["sessionId"], "projectName": first["projectName"], "repository": first["repository"],
        "runName": first["runName"], "workflowId": null, "instant": 1557137060000i64
    });
    let (s, body) = app.send(reqwest::Method::POST, "/trace/create", Some(token), Some(&create)).await;
    assert_eq!(s, 200, "create: {body}");
    let id = body["workflowId"].as_str().unwrap().to_string();
    let mut tasks: HashMap<i64, Value> = HashMap::new();
    for f in &files {
        if let Some(wf) = f.get("workflow") {
            let mut wf = wf.clone();
            wf["id"] = Value::String(id.clone());
            if wf["complete"].is_null() {
                let names = f.get("processNames").cloned().unwrap_or(serde_json::json!([]));
                let begin = serde_json::json!({ "workflow": wf, "processNames": names, "towerLaunch": false, "instant": 1 });
                let (s, b) = app.send(reqwest::Method::PUT, &format!("/trace/{id}/begin"), Some(token), Some(&begin)).await;
                assert_eq!(s, 200, "begin: {b}");
                assert_eq!(b["status"], "OK");
            } else {
                let complete = serde_json::json!({
                    "workflow": wf, "metrics": f.get("metrics").cloned().unwrap_or(serde_json::json!([])),
                    "progress": snapshot_from(&tasks), "instant": 2
                });
                let (s, b) = app.send(reqwest::Method::PUT, &format!("/trace/{id}/complete"), Some(token), Some(&complete)).await;
                assert_eq!(s, 200, "complete: {b}");
            }
        } else {
            let batch = f["tasks"].as_array().unwrap().clone();
            for t in &batch {
                tasks.insert(t["taskId"].as_i64().unwrap(), t.clone());
            }
            let progress = serde_json::json!({ "tasks": batch, "progress": snapshot_from(&tasks), "containers": [], "instant": 3 });
            let (s, b) = app.send(reqwest::Method::PUT, &format!("/trace/{id}/progress"), Some(token), Some(&progress)).await;
            assert_eq!(s, 200, "progress: {b}");
        }
    }
    id
}
