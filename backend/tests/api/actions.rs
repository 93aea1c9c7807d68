//! Actions for real: a `tower` action launched with curl, a GitHub push delivery signed with the
//! action's secret (and forged, replayed and off-branch ones), and schedules fired by the cron
//! job's own function, each cause once, with the runs running on the local platform through
//! the Nextflow stand-in.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use tower_backend::with_pool;

use crate::both;
use crate::helpers::TestApp;
use crate::launch::{local_ce, wait_status};

const PIPELINE: &str = "https://github.com/nextflow-io/hello";

async fn create(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(Method::POST, "/actions", Some(&app.token), Some(&body)).await
}

async fn action(app: &TestApp, id: &str) -> Value {
    let (s, b) = app.send(Method::GET, &format!("/actions/{id}?attributes=labels"), Some(&app.token), None).await;
    assert_eq!(s, 200, "{b}");
    b["action"].clone()
}

/// The runs an action launched.
async fn runs_of(app: &TestApp, action_id: &str) -> Vec<String> {
    with_pool!(app.db(), p => sqlx::query_scalar("SELECT workflow_id FROM tw_launch WHERE action_id = ? ORDER BY date_created")
        .bind(action_id).fetch_all(p).await)
    .unwrap()
}

fn quick(tasks: u32) -> String {
    format!("{{\"standin_tasks\": {tasks}, \"standin_sleep\": 0}}")
}

async fn shapes_and_rules(app: &TestApp) {
    let launch = json!({"pipeline": PIPELINE, "revision": "main"});
    let (s, b) = create(app, json!({"name": "on-call", "source": "tower", "launch": launch})).await;
    assert_eq!(s, 200, "{b}");
    let tower = b["actionId"].as_str().unwrap().to_string();
    assert!(b.get("hookSecret").is_none(), "only github actions have a secret: {b}");
    let (s, b) = create(app, json!({"name": "on-push", "source": "github", "launch": launch})).await;
    assert_eq!(s, 200, "{b}");
    let github = b["actionId"].as_str().unwrap().to_string();
    let secret = b["hookSecret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    let (s, b) = create(
        app,
        json!({"name": "nightly", "source": "cron", "launch": launch, "cron": {"expression": "30 2 * * 1-5", "timezone": "Europe/Madrid"}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let cron = b["actionId"].as_str().unwrap().to_string();

    // Each bad request is a 400 naming what is wrong, and stores nothing.
    for (body, says) in [
        (json!({"name": "x1", "source": "bucket", "launch": launch}), "bucket"),
        (json!({"name": "x2", "source": "svn", "launch": launch}), "source must be"),
        (json!({"name": "x3", "launch": launch}), "source must be"),
        (json!({"name": "x4", "source": "tower"}), "launch is required"),
        (json!({"name": "x5", "source": "tower", "launch": {"pipeline": "-oops"}}), "pipeline"),
        (json!({"name": "x6", "source": "cron", "launch": launch}), "cron is required"),
        (json!({"name": "x7", "source": "cron", "launch": launch, "cron": {"expression": "* * *"}}), "has 3 fields"),
        (
            json!({"name": "x8", "source": "cron", "launch": launch, "cron": {"expression": "* * * * *", "timezone": "Nowhere/Land"}}),
            "time zone",
        ),
        (json!({"name": "x9", "source": "tower", "launch": {"pipeline": PIPELINE, "computeEnvId": "nope"}}), "computeEnvId"),
        (json!({"name": "bad name!", "source": "tower", "launch": launch}), "name"),
    ] {
        let (s, b) = create(app, body.clone()).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["message"].as_str().unwrap().contains(says), "{body}: {b}");
    }
    let (s, b) = create(app, json!({"name": "on-call", "source": "tower", "launch": launch})).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(app.send(Method::GET, "/actions/validate?name=on-call", Some(&app.token), None).await.0, 409);
    assert_eq!(app.send(Method::GET, "/actions/validate?name=free-name", Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(Method::GET, "/actions/validate?name=no%20good", Some(&app.token), None).await.0, 400);

    // The list, as tw reads it; labels only when asked for.
    let (s, list) = app.send(Method::GET, "/actions", Some(&app.token), None).await;
    assert_eq!(s, 200, "{list}");
    let names: Vec<&str> = list["actions"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["nightly", "on-call", "on-push"]);
    assert!(list["actions"][0]["labels"].is_null());
    let t = &list["actions"][1];
    assert_eq!((t["source"].as_str(), t["status"].as_str(), t["pipeline"].as_str()), (Some("tower"), Some("ACTIVE"), Some(PIPELINE)));
    assert!(t["endpoint"].as_str().unwrap().ends_with(&format!("/api/actions/{tower}/launch")), "{t}");
    assert!(t["usageCmd"].as_str().unwrap().contains("curl"), "{t}");
    let g = action(app, &github).await;
    assert!(g["hookUrl"].as_str().unwrap().contains("/api/actions/hooks/github/"), "{g}");
    assert_eq!(g["config"], json!({"discriminator": "github", "events": ["push"]}));
    assert_eq!(g["labels"], json!([]));
    let c = action(app, &cron).await;
    assert_eq!(c["config"]["expression"], "30 2 * * 1-5");
    assert_eq!(c["config"]["timezone"], "Europe/Madrid");
    let next = c["nextExecution"].as_str().unwrap();
    assert!(next.contains("T01:30:00") || next.contains("T00:30:00"), "02:30 in Madrid: {next}");
    // The secret is shown once: never again, and not stored as it was given.
    for a in [&list, &g, &c] {
        assert!(!a.to_string().contains(&secret), "the hook secret in an answer: {a}");
    }
    let stored: Vec<u8> =
        with_pool!(app.db(), p => sqlx::query_scalar("SELECT secret FROM tw_action WHERE id = ?").bind(&github).fetch_one(p).await)
            .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret), "the hook secret is sealed at rest");

    // Labels.
    let (s, l) =
        app.send(Method::POST, "/labels", Some(&app.token), Some(&json!({"name": "team", "value": "ops", "resource": true}))).await;
    assert_eq!(s, 200, "{l}");
    let label = l["id"].as_i64().unwrap();
    let (s, b) = app
        .send(Method::POST, "/actions/labels/add", Some(&app.token), Some(&json!({"actionIds": [tower.clone()], "labelIds": [label]})))
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(action(app, &tower).await["labels"][0]["value"], "ops");
    let (s, _) = app
        .send(Method::POST, "/actions/labels/apply", Some(&app.token), Some(&json!({"actionIds": [tower.clone()], "labelIds": []})))
        .await;
    assert_eq!(s, 204);
    assert_eq!(action(app, &tower).await["labels"], json!([]));
    let (s, _) =
        app.send(Method::POST, "/actions/labels/add", Some(&app.token), Some(&json!({"actionIds": ["nope"], "labelIds": [label]}))).await;
    assert_eq!(s, 404);

    // Update: name, launch, schedule; the source stays, a tower action has no schedule.
    let (s, b) = app
        .send(Method::PUT, &format!("/actions/{cron}"), Some(&app.token), Some(&json!({"name": "hourly", "cron": {"preset": "hourly"}})))
        .await;
    assert_eq!(s, 204, "{b}");
    let c = action(app, &cron).await;
    assert_eq!((c["name"].as_str(), c["config"]["expression"].as_str()), (Some("hourly"), Some("0 * * * *")));
    assert!(c["nextExecution"].as_str().unwrap().ends_with(":00:00Z"), "{c}");
    let (s, b) =
        app.send(Method::PUT, &format!("/actions/{tower}"), Some(&app.token), Some(&json!({"cron": {"expression": "* * * * *"}}))).await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = app.send(Method::PUT, &format!("/actions/{tower}"), Some(&app.token), Some(&json!({"name": "on-push"}))).await;
    assert_eq!(s, 409, "names stay unique");

    // Pause and resume: a paused schedule has no next execution.
    assert_eq!(app.send(Method::POST, &format!("/actions/{cron}/pause"), Some(&app.token), None).await.0, 204);
    let c = action(app, &cron).await;
    assert_eq!((c["status"].as_str(), c["nextExecution"].is_null()), (Some("PAUSED"), true), "{c}");
    assert_eq!(app.send(Method::POST, &format!("/actions/{cron}/pause"), Some(&app.token), None).await.0, 204);
    let c = action(app, &cron).await;
    assert_eq!((c["status"].as_str(), c["nextExecution"].is_string()), (Some("ACTIVE"), true), "{c}");

    // Types and the schedule resolver.
    let (s, t) = app.send(Method::GET, "/actions/types", Some(&app.token), None).await;
    assert_eq!(s, 200);
    let sources: Vec<&str> = t["eventTypes"].as_array().unwrap().iter().map(|e| e["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["github", "tower", "cron"]);
    let (s, r) = app
        .send(
            Method::POST,
            "/actions/cron/resolve",
            Some(&app.token),
            Some(&json!({"expression": "*/10 * * * *", "timezone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["nextExecutions"].as_array().unwrap().len(), 5);
    assert!(r["nextExecutions"][0].as_str().unwrap().contains(":00:00Z") || r["nextExecutions"][0].as_str().unwrap().contains('0'));
    let (s, r) = app.send(Method::POST, "/actions/cron/resolve", Some(&app.token), Some(&json!({"expression": "99 * * * *"}))).await;
    assert_eq!(s, 400, "{r}");

    // Someone else's actions are not there for them.
    let bob = app.token_for("bob@example.com").await;
    let (_, theirs) = app.send(Method::GET, "/actions", Some(&bob), None).await;
    assert_eq!(theirs["actions"], json!([]));
    assert_eq!(app.send(Method::GET, &format!("/actions/{tower}"), Some(&bob), None).await.0, 404);
    assert_eq!(app.send(Method::DELETE, &format!("/actions/{tower}"), Some(&bob), None).await.0, 404);

    assert_eq!(app.send(Method::DELETE, &format!("/actions/{tower}"), Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(Method::GET, &format!("/actions/{tower}"), Some(&app.token), None).await.0, 404);
}

both!(shapes_and_rules);

async fn a_tower_action_launched_with_curl_starts_one_run(app: &TestApp) {
    let ce = local_ce(app).await;
    let (s, b) = create(
        app,
        json!({"name": "ci", "source": "tower", "launch": {"computeEnvId": ce, "pipeline": PIPELINE, "paramsText": "standin_tasks: 1\nstandin_sleep: 0\nwho: stored"}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["actionId"].as_str().unwrap().to_string();
    let endpoint = action(app, &id).await["endpoint"].as_str().unwrap().to_string();
    // The endpoint is on the public URL; here the same path on the test server, called by curl.
    let path = endpoint.split("/api").nth(1).unwrap().to_string();
    let url = app.url(&path);
    let token = app.token.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-sS", "-H", "Content-Type: application/json", "-H", &format!("Authorization: Bearer {token}"), &url])
            .args(["--data", r#"{"params": {"who": "curl", "standin_tasks": 2}}"#])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
    let run = answer["workflowId"].as_str().unwrap_or_else(|| panic!("{answer}")).to_string();
    let done = wait_status(app, &run, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["workflow"]["status"], "SUCCEEDED", "{done}");
    assert_eq!(runs_of(app, &id).await, vec![run.clone()], "one call, one run");
    let (_, l) = app.send(Method::GET, &format!("/workflow/{run}/launch"), Some(&app.token), None).await;
    assert_eq!(l["launch"]["actionId"], id.as_str(), "the run names the action that started it");
    let params: Value = serde_json::from_str(l["launch"]["paramsText"].as_str().unwrap()).unwrap();
    assert_eq!(
        (params["who"].as_str(), params["standin_tasks"].as_i64(), params["standin_sleep"].as_i64()),
        (Some("curl"), Some(2), Some(0))
    );
    let a = action(app, &id).await;
    assert_eq!((a["event"]["discriminator"].as_str(), a["event"]["workflowId"].as_str()), (Some("tower"), Some(run.as_str())), "{a}");
    assert!(a["lastSeen"].is_string());

    // Paused: nothing launches. Someone without access: nothing either.
    assert_eq!(app.send(Method::POST, &format!("/actions/{id}/pause"), Some(&app.token), None).await.0, 204);
    let (s, b) = app.send(Method::POST, &format!("/actions/{id}/launch"), Some(&app.token), Some(&json!({}))).await;
    assert_eq!(s, 409, "{b}");
    let bob = app.token_for("bob@example.com").await;
    assert_eq!(app.send(Method::POST, &format!("/actions/{id}/launch"), Some(&bob), Some(&json!({}))).await.0, 404);
    assert_eq!(runs_of(app, &id).await.len(), 1);
}

crate::both_local!(a_tower_action_launched_with_curl_starts_one_run);

fn signed(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn deliver(app: &TestApp, hook: &str, event: &str, body: &[u8], signature: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/actions/hooks/github/{hook}")))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", tower_backend::domain::ids::random_hex(8))
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("X-Hub-Signature-256", s);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn push(branch: &str, commit: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"ref": format!("refs/heads/{branch}"), "after": commit, "head_commit": {"message": "Faster alignment"},
        "pusher": {"name": "ann", "email": "ann@example.com"},
        "repository": {"html_url": PIPELINE, "clone_url": format!("{PIPELINE}.git"), "default_branch": "master"}}))
    .unwrap()
}

async fn a_signed_github_push_starts_one_run_and_forged_or_replayed_ones_none(app: &TestApp) {
    let ce = local_ce(app).await;
    let (s, b) = create(
        app,
        json!({"name": "on-push", "source": "github", "launch": {"computeEnvId": ce, "pipeline": PIPELINE, "revision": "main", "paramsText": quick(1)}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (id, secret) = (b["actionId"].as_str().unwrap().to_string(), b["hookSecret"].as_str().unwrap().to_string());
    let hook_url = action(app, &id).await["hookUrl"].as_str().unwrap().to_string();
    let hook = hook_url.rsplit('/').next().unwrap().to_string();

    let body = push("main", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b");
    // Forged: no signature, another secret's, or this one's over another body.
    assert_eq!(deliver(app, &hook, "push", &body, None).await.0, 401);
    assert_eq!(deliver(app, &hook, "push", &body, Some(&signed("guess", &body))).await.0, 401);
    assert_eq!(deliver(app, &hook, "push", &body, Some(&signed(&secret, &push("main", "other")))).await.0, 401);
    assert_eq!(deliver(app, "no-such-hook", "push", &body, Some(&signed(&secret, &body))).await.0, 404);
    // Signed, but not a push to the branch: acknowledged, nothing launched.
    let ping = br#"{"zen":"Design for failure."}"#;
    assert_eq!(deliver(app, &hook, "ping", ping, Some(&signed(&secret, ping))).await.0, 202);
    let dev = push("dev", "1111111");
    let (s, b) = deliver(app, &hook, "push", &dev, Some(&signed(&secret, &dev))).await;
    assert_eq!(s, 202, "{b}");
    assert!(b["message"].as_str().unwrap().contains("not to branch main"), "{b}");
    assert!(runs_of(app, &id).await.is_empty());

    let (s, b) = deliver(app, &hook, "push", &body, Some(&signed(&secret, &body))).await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    // Replayed, with a new delivery id: nothing more.
    let (s, b) = deliver(app, &hook, "push", &body, Some(&signed(&secret, &body))).await;
    assert_eq!(s, 409, "{b}");
    let done = wait_status(app, &run, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["workflow"]["status"], "SUCCEEDED", "{done}");
    assert_eq!(runs_of(app, &id).await, vec![run.clone()]);
    let a = action(app, &id).await;
    assert_eq!(a["event"]["commitId"], "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "{a}");
    assert_eq!(a["event"]["pusherName"], "ann");
    assert_eq!(a["event"]["workflowId"], run.as_str());

    // Paused: a new signed push launches nothing.
    assert_eq!(app.send(Method::POST, &format!("/actions/{id}/pause"), Some(&app.token), None).await.0, 204);
    let next = push("main", "2222222");
    let (s, b) = deliver(app, &hook, "push", &next, Some(&signed(&secret, &next))).await;
    assert_eq!(s, 409, "{b}");
    assert!(b["message"].as_str().unwrap().contains("paused"), "{b}");
    assert_eq!(runs_of(app, &id).await.len(), 1);
}

crate::both_local!(a_signed_github_push_starts_one_run_and_forged_or_replayed_ones_none);

/// What the cron job does on each pass: fire what is due, submit what launched.
async fn cron_pass(app: &TestApp) -> usize {
    let l = app.state.launcher();
    let launched = tower_backend::launch::action::fire_due(&l, &app.state.config.root_users, 60_000).await.unwrap();
    for (_, launch_id) in &launched {
        tower_backend::launch::submit::submit(&l, launch_id).await.unwrap();
    }
    launched.len()
}

async fn set_next_fire(app: &TestApp, id: &str, at: i64) {
    with_pool!(app.db(), p => sqlx::query("UPDATE tw_action SET next_fire = ? WHERE id = ?").bind(at).bind(id).execute(p).await.map(|_| ())).unwrap();
}

async fn next_fire(app: &TestApp, id: &str) -> Option<i64> {
    with_pool!(app.db(), p => sqlx::query_scalar("SELECT next_fire FROM tw_action WHERE id = ?").bind(id).fetch_one(p).await).unwrap()
}

/// Scheduled times, moved into the past as if they had come: each fires once, whatever crons
/// run at the same moment or again after a crash; a missed time fires once or is skipped.
async fn each_scheduled_time_fires_once(app: &TestApp) {
    let ce = local_ce(app).await;
    let launch = json!({"computeEnvId": ce, "pipeline": PIPELINE, "paramsText": quick(1)});
    let make = |name: &'static str, catch_up: bool| {
        let launch = launch.clone();
        async move {
            let (s, b) = create(
                app,
                json!({"name": name, "source": "cron", "launch": launch, "cron": {"expression": "* * * * *", "catchUp": catch_up}}),
            )
            .await;
            assert_eq!(s, 200, "{b}");
            b["actionId"].as_str().unwrap().to_string()
        }
    };
    let id = make("every-minute", true).await;
    let now = tower_backend::domain::time::now_millis();
    assert!(next_fire(app, &id).await.unwrap() > now, "the first time is ahead");
    assert_eq!(cron_pass(app).await, 0, "nothing is due yet");

    // Due: two crons at once fire it once.
    let due = now - 1_000;
    set_next_fire(app, &id, due).await;
    let (a, b) = tokio::join!(cron_pass(app), cron_pass(app));
    assert_eq!(a + b, 1, "two crons, one fire");
    assert_eq!(runs_of(app, &id).await.len(), 1);
    assert!(next_fire(app, &id).await.unwrap() > now, "moved on to the next minute");
    // A cron that died after launching and before moving on: the next pass finds the launch.
    set_next_fire(app, &id, due).await;
    assert_eq!(cron_pass(app).await, 0);
    assert_eq!(runs_of(app, &id).await.len(), 1, "the same time launches once");
    assert!(next_fire(app, &id).await.unwrap() > now);
    let a = action(app, &id).await;
    assert_eq!(a["event"]["discriminator"], "cron", "{a}");
    let first = runs_of(app, &id).await.remove(0);
    assert_eq!(a["event"]["workflowId"], first.as_str());
    // In the audit log, once: the system acting for the action's creator.
    let root = app.token_for("root@example.com").await;
    let (_, log) = app.send(Method::GET, "/admin/audit-logs-v2?event=action_triggered", Some(&root), None).await;
    let fired: Vec<&Value> = log["auditLogs"].as_array().unwrap().iter().filter(|e| e["target"]["id"] == id.as_str()).collect();
    assert_eq!(fired.len(), 1, "{log}");
    assert_eq!((fired[0]["operation"].as_str(), fired[0]["actor"]["type"].as_str()), (Some("cron"), Some("system")));
    let done = wait_status(app, &first, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(done["workflow"]["status"], "SUCCEEDED", "{done}");

    // Cron was down for an hour: one launch for the missed times, or none if the action skips.
    let skip = make("skip-missed", false).await;
    set_next_fire(app, &id, now - 3_600_000).await;
    set_next_fire(app, &skip, now - 3_600_000).await;
    assert_eq!(cron_pass(app).await, 1);
    assert_eq!(cron_pass(app).await, 0);
    assert_eq!(runs_of(app, &id).await.len(), 2, "the missed hour fires once");
    assert!(runs_of(app, &skip).await.is_empty(), "skipped as the action says");
    assert!(next_fire(app, &skip).await.unwrap() > now);

    // Paused: nothing, even when due.
    assert_eq!(app.send(Method::POST, &format!("/actions/{id}/pause"), Some(&app.token), None).await.0, 204);
    set_next_fire(app, &id, now - 1_000).await;
    assert_eq!(cron_pass(app).await, 0);
    assert_eq!(runs_of(app, &id).await.len(), 2);
}

crate::both_local!(each_scheduled_time_fires_once);

/// In real time: an every-minute action fires in each minute once, though the cron running it
/// stops after the first fire and another takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_action_fires_once_a_minute_across_a_cron_restart() {
    crate::launch::on(crate::helpers::Kind::Sqlite, async |app: &TestApp| {
        let ce = local_ce(app).await;
        let (s, b) = create(
            app,
            json!({"name": "each-minute", "source": "cron", "launch": {"computeEnvId": ce, "pipeline": PIPELINE, "paramsText": quick(1)},
                "cron": {"expression": "* * * * *"}}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let id = b["actionId"].as_str().unwrap().to_string();
        // The first cron passes every second until it has fired once, then stops (a restart).
        let deadline = Instant::now() + Duration::from_secs(75);
        while runs_of(app, &id).await.is_empty() {
            assert!(Instant::now() < deadline, "no fire within a minute");
            cron_pass(app).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        // The second, and a third beside it, until the next minute has fired.
        let deadline = Instant::now() + Duration::from_secs(75);
        while runs_of(app, &id).await.len() < 2 {
            assert!(Instant::now() < deadline, "no second fire within a minute");
            tokio::join!(cron_pass(app), cron_pass(app));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        for _ in 0..3 {
            tokio::join!(cron_pass(app), cron_pass(app));
        }
        let runs = runs_of(app, &id).await;
        assert_eq!(runs.len(), 2, "once a minute: {runs:?}");
        let times: Vec<i64> =
            with_pool!(app.db(), p => sqlx::query_scalar("SELECT date_created FROM tw_launch WHERE action_id = ? ORDER BY date_created")
            .bind(&id).fetch_all(p).await)
            .unwrap();
        let gap = times[1] - times[0];
        assert!((50_000..=70_000).contains(&gap), "a minute apart: {gap} ms");
        for run in runs {
            assert_eq!(wait_status(app, &run, &["SUCCEEDED", "FAILED"]).await["workflow"]["status"], "SUCCEEDED");
        }
    })
    .await;
}

/// A deleted workspace launches nothing more: its actions go with it.
async fn a_deleted_workspace_takes_its_actions(app: &TestApp) {
    let (s, o) =
        app.send(Method::POST, "/orgs", Some(&app.token), Some(&json!({"organization": {"name": "acts", "fullName": "Acts"}}))).await;
    assert_eq!(s, 200, "{o}");
    let org = o["organization"]["orgId"].as_i64().unwrap();
    let body = json!({"workspace": {"name": "nightly", "fullName": "Nightly", "visibility": "PRIVATE"}});
    let (s, w) = app.send(Method::POST, &format!("/orgs/{org}/workspaces"), Some(&app.token), Some(&body)).await;
    assert_eq!(s, 200, "{w}");
    let ws = w["workspace"]["id"].as_i64().unwrap();
    let body = json!({"name": "nightly", "source": "cron", "launch": {"pipeline": PIPELINE}, "cron": {"expression": "0 1 * * *"}});
    let (s, b) = app.send(Method::POST, &format!("/actions?workspaceId={ws}"), Some(&app.token), Some(&body)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(app.send(Method::DELETE, &format!("/orgs/{org}/workspaces/{ws}"), Some(&app.token), None).await.0, 204);
    let left: i64 =
        with_pool!(app.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_action WHERE workspace_id = ?").bind(ws).fetch_one(p).await)
            .unwrap();
    assert_eq!(left, 0);
}

both!(a_deleted_workspace_takes_its_actions);
