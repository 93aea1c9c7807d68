//! Live fan-out benchmark: S subscribers of `GET /live` (default 1,000) on a real `tower-backend`,
//! spread over U users (default 20): half watch their own runs, half a workspace of an
//! organization that half of the users take part in (two workspaces). Meanwhile R runs (default
//! 20: a personal run of each of the first users, the rest in the workspaces) report progress
//! once a second, as Nextflow does. Each progress request carries `succeeded = n` for its n-th
//! report, so each event a subscriber receives is matched to the request that caused it: the
//! latency is from sending the request to reading the event. Every event is also checked against
//! what its subscriber may see.
//!
//! Baseline, in the same run: one subscriber per run scope only (no fan-out); the figure is the
//! p99 with S subscribers over the p99 of the baseline. Peak RSS (`VmHWM`) of the backend.
//! With `--redis URL --replicas 2`, runs report to one backend and subscribers listen on the
//! other (events cross through Redis).
//!
//! cargo bench -p tower-backend --bench fanout -- [--db URL] [--subscribers N] [--users N]
//!     [--runs N] [--seconds N] [--redis URL --replicas 2]

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

fn arg(name: &str) -> Option<String> {
    let v: Vec<String> = std::env::args().collect();
    v.iter().position(|a| a == name).and_then(|i| v.get(i + 1).cloned())
}

fn num(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Backend {
    child: Child,
    address: String,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_backend(url: &str, redis: Option<&str>, namespace: &str) -> Backend {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_tower-backend"))
        .env("TOWER_DB_URL", url)
        .env("TOWER_BACKEND_SERVER_PORT", port.to_string())
        .env("TOWER_DB_MAX_POOL_SIZE", "10")
        .env("TOWER_LOG_LEVEL", "warn")
        .env("TOWER_JWT_SECRET", "fanout-benchmark-secret-long-enough-for-tower")
        .env("TOWER_REDIS_URL", redis.unwrap_or_default())
        .env("TOWER_REDIS_NAMESPACE", namespace)
        .env("TOWER_METRICS_PORT", "0")
        .stdout(Stdio::null())
        .spawn()
        .expect("tower-backend (build it with cargo bench)");
    // Killed and waited for on drop, whatever happens next.
    let backend = Backend { child, address: format!("http://127.0.0.1:{port}") };
    for _ in 0..200 {
        if reqwest::get(format!("{}/health", backend.address)).await.is_ok_and(|r| r.status().is_success()) {
            return backend;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("tower-backend did not start");
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .unwrap_or(0.0)
        / 1024.0
}

async fn call(client: &reqwest::Client, base: &str, m: Method, path: &str, token: &str, body: Value) -> Value {
    let r = client.request(m.clone(), format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{m} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A scope subscribers watch: a user's personal runs, or a workspace.
#[derive(Clone)]
struct Scope {
    token: String,
    workspace: Option<i64>,
    /// The runs it may see (filled once the runs exist).
    runs: Arc<Mutex<HashSet<String>>>,
}

/// What subscribers saw: latencies, and events they should not have seen.
#[derive(Default)]
struct Seen {
    latencies: Vec<Duration>,
    forbidden: usize,
}

type Sent = Arc<Mutex<HashMap<(String, i64), Instant>>>;

async fn subscribe(
    client: reqwest::Client,
    base: String,
    scope: Scope,
    sent: Sent,
    seen: Arc<Mutex<Seen>>,
    ready: Arc<tokio::sync::Semaphore>,
) {
    let q = scope.workspace.map(|w| format!("?workspaceId={w}")).unwrap_or_default();
    let mut r = client.get(format!("{base}/live{q}")).bearer_auth(&scope.token).send().await.unwrap();
    assert!(r.status().is_success(), "subscribe: {}", r.status());
    ready.add_permits(1);
    let mut buf = String::new();
    while let Ok(Some(chunk)) = r.chunk().await {
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else { continue };
            let Ok(e) = serde_json::from_str::<Value>(data.trim()) else { continue };
            let run = e["workflowId"].as_str().unwrap_or_default().to_string();
            let mut s = seen.lock().unwrap();
            if !scope.runs.lock().unwrap().contains(&run) {
                s.forbidden += 1;
                continue;
            }
            if let Some(n) = e["progress"]["succeeded"].as_i64() {
                if let Some(t) = sent.lock().unwrap().get(&(run, n)) {
                    s.latencies.push(now - *t);
                }
            }
        }
    }
}

fn progress(n: i64) -> Value {
    json!({"tasks": [], "progress": {"pending": 0, "submitted": 100, "running": 1, "succeeded": n, "failed": 0, "cached": 0,
        "aborted": 0, "ignored": 0, "retries": 0, "loadCpus": 1, "loadMemory": 0, "peakRunning": 1, "peakCpus": 1, "peakMemory": 0,
        "processes": [{"index": 1, "name": "P", "pending": 0, "submitted": 100, "running": 1, "succeeded": n, "cached": 0, "failed": 0,
        "aborted": 0, "stored": 0, "ignored": 0, "retries": 0, "terminated": false, "loadCpus": 1, "loadMemory": 0, "peakRunning": 1,
        "peakCpus": 1, "peakMemory": 0}]}})
}

/// One phase: `per_scope` subscribers on each scope while every run reports for `seconds`.
/// Returns the sorted latencies and the count of forbidden events.
async fn phase(
    listen: &str,
    report: &str,
    scopes: &[Scope],
    runs: &[(String, String, String)],
    per: &[usize],
    seconds: usize,
) -> (Vec<Duration>, usize) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(2000).build().unwrap();
    let sent: Sent = Arc::default();
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let ready = Arc::new(tokio::sync::Semaphore::new(0));
    let mut subscribers = Vec::new();
    let mut total = 0;
    for (scope, &n) in scopes.iter().zip(per) {
        for _ in 0..n {
            total += 1;
            let (c, b, s, sent, seen, ready) =
                (client.clone(), listen.to_string(), scope.clone(), sent.clone(), seen.clone(), ready.clone());
            subscribers.push(tokio::spawn(subscribe(c, b, s, sent, seen, ready)));
        }
    }
    let _all = ready.acquire_many(total as u32).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut reporters = Vec::new();
    for (i, (id, token, q)) in runs.iter().enumerate() {
        let (client, base, id, token, q, sent) = (client.clone(), report.to_string(), id.clone(), token.clone(), q.clone(), sent.clone());
        let offset = Duration::from_millis((1000 * i / runs.len()) as u64);
        reporters.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            for n in 1..=seconds as i64 {
                tick.tick().await;
                sent.lock().unwrap().insert((id.clone(), n), Instant::now());
                call(&client, &base, Method::PUT, &format!("/trace/{id}/progress{q}"), &token, progress(n)).await;
            }
        }));
    }
    for r in reporters {
        r.await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for s in subscribers {
        s.abort();
    }
    let mut s = std::mem::take(&mut *seen.lock().unwrap());
    s.latencies.sort();
    (s.latencies, s.forbidden)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let subscribers = num("--subscribers", 1000);
    let users = num("--users", 20).max(4);
    let runs_n = num("--runs", 20).max(4);
    let seconds = num("--seconds", 20);
    let redis = arg("--redis");
    let replicas = num("--replicas", 1).clamp(1, 2);
    assert!(replicas == 1 || redis.is_some(), "two replicas share events through Redis: give --redis URL");
    let dir = std::env::temp_dir().join(format!("tower-bench-fanout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = arg("--db").unwrap_or_else(|| format!("sqlite://{}", dir.join("tower.db").display()));
    // Migrations and tokens straight through the library, as the other benchmarks do.
    let config = tower_backend::config::Config::from_lookup(|k| (k == "TOWER_DB_URL").then(|| url.clone())).unwrap();
    let db = tower_backend::store::Db::connect(&config.db).await.unwrap();
    tower_backend::store::migrate::migrate(&db, tower_backend::app::sqlite_path(&config)).await.unwrap();
    let mut tokens = Vec::new();
    for u in 0..users {
        let user = tower_backend::store::user::ensure(&db, &format!("viewer{u}-{}@example.com", std::process::id())).await.unwrap();
        tokens.push(tower_backend::api::token::create_token(&db, user.id, "fanout").await.unwrap().1);
    }
    let namespace = format!("fanout-{}", std::process::id());
    let a = start_backend(&url, redis.as_deref(), &namespace).await;
    let b = if replicas == 2 { Some(start_backend(&url, redis.as_deref(), &namespace).await) } else { None };
    let listen = b.as_ref().unwrap_or(&a).address.clone();
    let client = reqwest::Client::new();

    // An organization with two workspaces; the first half of the users take part (launch role).
    let owner = &tokens[0];
    let org =
        call(&client, &a.address, Method::POST, "/orgs", owner, json!({"organization": {"name": namespace, "fullName": "Fan-out"}})).await;
    let org = org["organization"]["orgId"].as_i64().unwrap();
    let mut workspaces = Vec::new();
    for w in 0..2 {
        let body = json!({"workspace": {"name": format!("ws{w}"), "fullName": "Fan-out", "visibility": "PRIVATE"}});
        workspaces.push(
            call(&client, &a.address, Method::POST, &format!("/orgs/{org}/workspaces"), owner, body).await["workspace"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for u in 1..users / 2 {
        let email = format!("viewer{u}-{}@example.com", std::process::id());
        let m = call(&client, &a.address, Method::PUT, &format!("/orgs/{org}/members/add"), owner, json!({"user": email})).await;
        let member = m["member"]["memberId"].as_i64().unwrap();
        for ws in &workspaces {
            let path = format!("/orgs/{org}/workspaces/{ws}/participants/add");
            let p = call(&client, &a.address, Method::PUT, &path, owner, json!({"memberId": member})).await;
            let id = p["participant"]["participantId"].as_i64().unwrap();
            let path = format!("/orgs/{org}/workspaces/{ws}/participants/{id}/role");
            call(&client, &a.address, Method::PUT, &path, owner, json!({"role": "launch"})).await;
        }
    }
    // Scopes: every user's personal runs, and each workspace as each participant sees it.
    let mut scopes: Vec<Scope> = tokens.iter().map(|t| Scope { token: t.clone(), workspace: None, runs: Arc::default() }).collect();
    for token in tokens.iter().take(users / 2) {
        for ws in &workspaces {
            scopes.push(Scope { token: token.clone(), workspace: Some(*ws), runs: Arc::default() });
        }
    }
    // Runs: a personal one for each of the first users, the rest alternately in the workspaces.
    let mut runs = Vec::new();
    for r in 0..runs_n {
        let (token, ws) = if r < runs_n / 2 { (&tokens[r % users], None) } else { (&tokens[r % (users / 2)], Some(workspaces[r % 2])) };
        let q = ws.map(|w| format!("?workspaceId={w}")).unwrap_or_default();
        let body = json!({"sessionId": format!("00000000-0000-4000-8000-{r:012}"), "runName": format!("fanout_{r}")});
        let id = call(&client, &a.address, Method::POST, &format!("/trace/create{q}"), token, body).await["workflowId"]
            .as_str()
            .unwrap()
            .to_string();
        let begin = json!({"workflow": {"id": id, "runName": format!("fanout_{r}"), "sessionId": format!("00000000-0000-4000-8000-{r:012}"),
            "projectName": "nf/fanout", "userName": "bench", "workDir": "/work", "commandLine": "nextflow run nf/fanout",
            "start": "2026-12-08T00:00:00Z"}, "processNames": ["P"], "towerLaunch": false});
        call(&client, &a.address, Method::PUT, &format!("/trace/{id}/begin{q}"), token, begin).await;
        for s in scopes.iter().filter(|s| s.workspace == ws && (ws.is_some() || &s.token == token)) {
            s.runs.lock().unwrap().insert(id.clone());
        }
        runs.push((id, token.clone(), q));
    }
    let report = a.address.clone();

    let one: Vec<usize> = scopes.iter().map(|_| 1).collect();
    let (base, base_forbidden) = phase(&listen, &report, &scopes, &runs, &one, seconds).await;
    let per: Vec<usize> = (0..scopes.len()).map(|i| subscribers / scopes.len() + usize::from(i < subscribers % scopes.len())).collect();
    let (fan, forbidden) = phase(&listen, &report, &scopes, &runs, &per, seconds).await;
    let rss = peak_rss_mb(b.as_ref().unwrap_or(&a).child.id());
    println!(
        "fan-out: {} subscribers over {} scopes of {users} users, {runs_n} runs reporting once a second for {seconds} s, {}",
        per.iter().sum::<usize>(),
        scopes.len(),
        if replicas == 2 { "events crossing replicas through Redis" } else { "one backend" }
    );
    println!("| subscribers | events received | p50 ms | p99 ms | max ms | events not theirs |");
    println!("|---|---|---|---|---|---|");
    for (n, l, f) in [(scopes.len(), &base, base_forbidden), (per.iter().sum(), &fan, forbidden)] {
        println!("| {n} | {} | {:.1} | {:.1} | {:.1} | {f} |", l.len(), pct(l, 0.5), pct(l, 0.99), pct(l, 1.0));
    }
    println!("p99 with fan-out / baseline p99: {:.2}; peak RSS of the listening backend: {rss:.0} MB", pct(&fan, 0.99) / pct(&base, 0.99));
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}
