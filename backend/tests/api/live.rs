//! Live events, the shared cache and rate limits, with real Redis: replicas on one database
//! and one Redis (TOWER_TEST_REDIS_URL, or a private `redis-server` that a test kills and
//! restarts), viewers on Server-Sent Events.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{Kind, TestApp};

fn kinds() -> Vec<Kind> {
    let mut k = vec![Kind::Sqlite];
    if crate::helpers::mysql_available() {
        k.push(Kind::MySql);
    }
    k
}

fn shared_redis() -> Option<String> {
    match std::env::var("TOWER_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(std::env::var("CI").is_err(), "CI must set TOWER_TEST_REDIS_URL");
            eprintln!("TOWER_TEST_REDIS_URL is not set: Redis test not run");
            None
        }
    }
}

/// Settings for replicas sharing a Redis, in a namespace of their own (tests run side by side).
fn redis_settings(url: &str) -> Vec<(String, String)> {
    let ns = format!("test-{}", tower_backend::domain::ids::random_base62(8));
    vec![("TOWER_REDIS_URL".into(), url.into()), ("TOWER_REDIS_NAMESPACE".into(), ns)]
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, val)| (k.as_str(), val.as_str())).collect()
}

/// An SSE client: reads events as they come.
pub struct EventStream {
    resp: reqwest::Response,
    buf: String,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub event: String,
    pub data: Value,
}

impl EventStream {
    pub async fn open(app: &TestApp, token: &str, query: &str, last_event_id: Option<&str>) -> EventStream {
        let mut req = app.client.get(app.url(&format!("/live{query}"))).bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        EventStream { resp, buf: String::new() }
    }

    /// The next event, or `None` when none comes within `within`. Comments are skipped.
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some(Received { id, event, data: serde_json::from_str(&data).unwrap() });
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.resp.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Events until one matches `done` (returned last), or panics after `within`.
    pub async fn until(&mut self, within: Duration, done: impl Fn(&Received) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = deadline.checked_duration_since(Instant::now()).unwrap_or_default();
            let e = self.next(left).await.unwrap_or_else(|| panic!("no matching event within {within:?}; got {seen:#?}"));
            let stop = done(&e);
            seen.push(e);
            if stop {
                return seen;
            }
        }
    }
}

fn is_final<'a>(run: &'a str, status: &'static str) -> impl Fn(&Received) -> bool + 'a {
    move |e| e.event == "WORKFLOW_COMPLETED" && e.data["workflowId"] == run && e.data["status"] == status
}

async fn create_run(app: &TestApp, token: &str, name: &str) -> String {
    let session = "6b2e8d1c-0000-4000-8000-00000000abcd";
    let (s, b) = app.send(reqwest::Method::POST, "/trace/create", Some(token), Some(&json!({"sessionId": session, "runName": name}))).await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    let begin = json!({"workflow": {"id": id, "runName": name, "sessionId": session, "projectName": "demo", "userName": "ci",
        "workDir": "/w", "commandLine": "nextflow run demo", "start": "2024-01-01T10:00:00Z"}, "processNames": ["P"]});
    let (s, b) = app.send(reqwest::Method::PUT, &format!("/trace/{id}/begin"), Some(token), Some(&begin)).await;
    assert_eq!(s, 200, "{b}");
    id
}

async fn progress(app: &TestApp, token: &str, id: &str, task: i64, status: &str) -> u16 {
    let body = json!({"tasks": [{"taskId": task, "status": status, "name": format!("P ({task})"), "process": "P", "hash": "ab/cdef12"}],
        "progress": {"running": 1, "succeeded": task - 1, "processes": []}});
    app.send(reqwest::Method::PUT, &format!("/trace/{id}/progress"), Some(token), Some(&body)).await.0
}

async fn complete(app: &TestApp, token: &str, id: &str) -> u16 {
    let body =
        json!({"workflow": {"id": id, "complete": "2024-01-01T11:00:00Z", "success": true}, "metrics": [], "progress": {"succeeded": 20}});
    app.send(reqwest::Method::PUT, &format!("/trace/{id}/complete"), Some(token), Some(&body)).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_from_one_replica_reach_the_viewers_of_another_and_only_those_who_may_see_the_run() {
    let Some(redis) = shared_redis() else { return };
    for kind in kinds() {
        let settings = redis_settings(&redis);
        let a = TestApp::spawn_with(kind, &refs(&settings)).await;
        let b = a.replica(&refs(&settings)).await;
        let eve = a.token_for("eve@example.com").await;
        let mut alice_on_b = EventStream::open(&b, &a.token, "", None).await;
        let mut eve_on_b = EventStream::open(&b, &eve, "", None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        let run = create_run(&a, &a.token, "replicated").await;
        for task in 1..=20 {
            assert_eq!(progress(&a, &a.token, &run, task, "RUNNING").await, 200);
        }
        assert_eq!(complete(&a, &a.token, &run).await, 200);

        let seen = alice_on_b.until(Duration::from_secs(10), is_final(&run, "SUCCEEDED")).await;
        assert!(seen.iter().all(|e| e.data["workflowId"] == run.as_str()));
        let progress_events = seen.iter().filter(|e| e.event == "PROGRESS_UPDATED").count();
        assert!(progress_events < 20, "22 changes in a burst are coalesced: {progress_events} progress events");
        let last = seen.last().unwrap();
        assert_eq!(last.data["progress"]["succeeded"], 20);
        assert!(last.id.parse::<i64>().is_ok(), "event ids are change times");
        assert!(eve_on_b.next(Duration::from_millis(1500)).await.is_none(), "a viewer without access receives nothing");

        drop((alice_on_b, eve_on_b));
        b.finish().await;
        a.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_reconnecting_with_last_event_id_gets_the_final_state_it_missed() {
    for kind in kinds() {
        let app = TestApp::spawn(kind).await;
        let mut stream = EventStream::open(&app, &app.token, "", None).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let run = create_run(&app, &app.token, "resumed").await;
        let first = stream.until(Duration::from_secs(5), |e| e.data["workflowId"] == run.as_str()).await.pop().unwrap();
        drop(stream);

        // While the viewer is away, the run progresses and ends.
        progress(&app, &app.token, &run, 1, "COMPLETED").await;
        assert_eq!(complete(&app, &app.token, &run).await, 200);

        let mut again = EventStream::open(&app, &app.token, "", Some(&first.id)).await;
        let seen = again.until(Duration::from_secs(5), is_final(&run, "SUCCEEDED")).await;
        assert_eq!(seen.last().unwrap().data["progress"]["succeeded"], 20);
        // The query form, for clients that cannot set the header, and the deletion of a run.
        let (s, _) = app.send(reqwest::Method::DELETE, &format!("/workflow/{run}"), Some(&app.token), None).await;
        assert_eq!(s, 204);
        let mut by_query = EventStream::open(&app, &app.token, &format!("?lastEventId={}", first.id), None).await;
        by_query.until(Duration::from_secs(5), |e| e.event == "WORKFLOW_DELETED" && e.data["workflowId"] == run.as_str()).await;
        drop((again, by_query));
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_stream_carries_its_runs_for_its_participants_only() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let (s, org) = app.post("/orgs", &json!({"organization": {"name": "live-org", "fullName": "Live"}})).await;
    assert_eq!(s, 200, "{org}");
    let org_id = org["organization"]["orgId"].as_i64().unwrap();
    let (s, ws) = app
        .post(
            &format!("/orgs/{org_id}/workspaces"),
            &json!({"workspace": {"name": "live-ws", "fullName": "Live", "visibility": "PRIVATE"}}),
        )
        .await;
    assert_eq!(s, 200, "{ws}");
    let ws_id = ws["workspace"]["id"].as_i64().unwrap();
    let eve = app.token_for("eve@example.com").await;
    assert_eq!(app.open_stream_status(&format!("/live?workspaceId={ws_id}"), Some(&eve)).await.0, 403);

    let mut in_ws = EventStream::open(&app, &app.token, &format!("?workspaceId={ws_id}"), None).await;
    let mut personal = EventStream::open(&app, &app.token, "", None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (s, b) = app
        .send(
            reqwest::Method::POST,
            &format!("/trace/create?workspaceId={ws_id}"),
            Some(&app.token),
            Some(&json!({"sessionId": "x-1", "runName": "in_ws"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    let e = in_ws.until(Duration::from_secs(5), |e| e.data["workflowId"] == run.as_str()).await.pop().unwrap();
    assert_eq!(e.data["workspaceId"], ws_id);
    assert!(personal.next(Duration::from_millis(800)).await.is_none(), "a workspace run is not in the personal stream");
    tokio::time::timeout(Duration::from_secs(10), app.finish()).await.expect("open event streams do not hold up a shutdown");
    assert!(in_ws.next(Duration::from_secs(2)).await.is_none(), "the stream ended with the server");
    drop(personal);
}

/// A `redis-server` of the test's own, to stop and start again.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> Option<PrivateRedis> {
        if Command::new("redis-server").arg("--version").output().is_err() {
            assert!(std::env::var("CI").is_err(), "redis-server is missing: .ci/services.sh installs it");
            eprintln!("redis-server is not installed: Redis fault test not run");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut r = PrivateRedis { port, child: None };
        r.restart();
        Some(r)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start");
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_can_die_mid_run_without_an_error_to_nextflow_and_live_events_resume_with_the_final_state() {
    for kind in kinds() {
        let Some(mut redis) = PrivateRedis::start() else { return };
        let settings = redis_settings(&redis.url());
        let a = TestApp::spawn_with(kind, &refs(&settings)).await;
        let b = a.replica(&refs(&settings)).await;
        let mut viewer = EventStream::open(&b, &a.token, "", None).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let run = create_run(&a, &a.token, "through_an_outage").await;
        viewer.until(Duration::from_secs(10), |e| e.data["workflowId"] == run.as_str()).await;

        redis.kill();
        for task in 1..=10 {
            assert_eq!(progress(&a, &a.token, &run, task, "COMPLETED").await, 200, "trace requests go on without Redis");
        }
        for app in [&a, &b] {
            assert_eq!(app.get(&format!("/workflow/{run}")).await.0, 200, "reads go on without Redis");
            assert_eq!(app.get("/workflow").await.0, 200);
        }

        redis.restart();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(complete(&a, &a.token, &run).await, 200);
        let seen = viewer.until(Duration::from_secs(20), is_final(&run, "SUCCEEDED")).await;
        assert_eq!(seen.last().unwrap().data["progress"]["succeeded"], 20);
        let (_, tasks) = b.get(&format!("/workflow/{run}/tasks?max=100")).await;
        assert_eq!(tasks["total"], 10, "every task stored: {tasks}");

        // Events flow between the replicas again: a new run shows up live.
        let next = create_run(&a, &a.token, "after_the_outage").await;
        viewer.until(Duration::from_secs(10), |e| e.data["workflowId"] == next.as_str()).await;
        drop(viewer);
        b.finish().await;
        a.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_on_one_replica_stops_working_on_every_replica_at_once() {
    let Some(redis) = shared_redis() else { return };
    let settings = redis_settings(&redis);
    let a = TestApp::spawn_with(Kind::Sqlite, &refs(&settings)).await;
    let b = a.replica(&refs(&settings)).await;
    let (s, created) = a.post("/tokens", &json!({"name": "short-lived"})).await;
    assert_eq!(s, 200, "{created}");
    let (token, id) = (created["accessKey"].as_str().unwrap().to_string(), created["token"]["id"].as_i64().unwrap());
    assert_eq!(b.send(reqwest::Method::GET, "/user-info", Some(&token), None).await.0, 200, "replica B now caches it");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _) = a.send(reqwest::Method::DELETE, &format!("/tokens/{id}"), Some(&a.token), None).await;
    assert_eq!(s, 204);
    let start = Instant::now();
    while b.send(reqwest::Method::GET, "/user-info", Some(&token), None).await.0 == 200 {
        assert!(start.elapsed() < Duration::from_secs(2), "replica B still accepts a revoked token");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.finish().await;
    a.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_rate_limit_a_caller_gets_429_with_retry_after_across_replicas() {
    let limits = [
        ("TOWER_RATELIMIT_ENABLED", "true"),
        ("TOWER_RATELIMIT_PERIOD", "4"),
        ("TOWER_RATELIMIT_REFRESH", "1h"),
        ("TOWER_RATELIMIT_TIMEOUT", "0"),
    ];
    // In one process.
    let app = TestApp::spawn_with(Kind::Sqlite, &limits).await;
    for _ in 0..4 {
        assert_eq!(app.get("/workflow").await.0, 200);
    }
    let resp = app.client.get(app.url("/workflow")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("Too many requests"));
    let other = app.token_for("bob@example.com").await;
    assert_eq!(app.send(reqwest::Method::GET, "/workflow", Some(&other), None).await.0, 200, "limits are per token");
    assert_eq!(app.send(reqwest::Method::GET, "/service-info", None, None).await.0, 200, "public endpoints are not limited");
    app.finish().await;

    // Shared by replicas through Redis; and without Redis, requests are let through.
    let Some(mut redis) = PrivateRedis::start() else { return };
    let mut settings = redis_settings(&redis.url());
    settings.extend(limits.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let a = TestApp::spawn_with(Kind::Sqlite, &refs(&settings)).await;
    let b = a.replica(&refs(&settings)).await;
    for app in [&a, &b, &a, &b] {
        assert_eq!(app.send(reqwest::Method::GET, "/workflow", Some(&a.token), None).await.0, 200);
    }
    assert_eq!(b.send(reqwest::Method::GET, "/workflow", Some(&a.token), None).await.0, 429, "the count is shared");
    redis.kill();
    assert_eq!(b.send(reqwest::Method::GET, "/workflow", Some(&a.token), None).await.0, 200, "no Redis, no limit");
    b.finish().await;
    a.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_shutdown_an_event_stream_ends_with_a_hint_to_reconnect() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    let mut resp = app.client.get(app.url("/live")).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let asked = Instant::now();
    let stopping = tokio::spawn(app.finish());
    let mut body = String::new();
    while let Ok(Some(bytes)) = tokio::time::timeout(Duration::from_secs(10), resp.chunk()).await.expect("the stream ended") {
        body.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(body.lines().any(|l| l.strip_prefix("retry:").is_some_and(|v| v.trim() == "2000")), "no retry hint in {body:?}");
    stopping.await.unwrap();
    assert!(asked.elapsed() < Duration::from_secs(5), "shut down in {:?}", asked.elapsed());
}
