//! The trace protocol end to end: captured runs replayed over HTTP, the forward-only task rule,
//! retries, and bad input that must be refused whole.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{fixture_files, replay, TestApp};

fn task_fields_match(stored: &Value, sent: &Value) {
    for key in [
        "taskId",
        "status",
        "hash",
        "name",
        "process",
        "container",
        "attempt",
        "script",
        "workdir",
        "cpus",
        "executor",
        "cloudZone",
        "priceModel",
        "errorAction",
        "duration",
        "realtime",
        "pcpu",
        "rchar",
        "wchar",
        "syscr",
        "syscw",
        "readBytes",
        "writeBytes",
        "peakRss",
        "volCtxt",
        "invCtxt",
    ] {
        if sent.get(key).is_some_and(|v| !v.is_null()) {
            assert_eq!(&stored[key], &sent[key], "task field {key}");
        }
    }
    assert_eq!(stored["exit"], sent["exit"], "task exit");
    if let Some(n) = sent.get("nativeId").filter(|v| !v.is_null()) {
        assert_eq!(stored["nativeId"], json!(n.to_string()));
    }
}

async fn a_successful_captured_run_is_stored_with_every_task_and_counter(app: &TestApp) {
    let id = replay(app, "workflow_success", &app.token).await;
    let files = fixture_files("workflow_success");
    let (s, d) = app.get(&format!("/workflow/{id}")).await;
    assert_eq!(s, 200, "{d}");
    let w = &d["workflow"];
    let sent = &files[7]["workflow"];
    assert_eq!(w["id"], json!(id));
    assert_eq!(w["status"], "SUCCEEDED");
    for key in [
        "runName",
        "sessionId",
        "projectName",
        "commitId",
        "revision",
        "commandLine",
        "userName",
        "workDir",
        "repository",
        "scriptId",
        "profile",
        "container",
        "success",
        "duration",
        "manifest",
        "nextflow",
        "stats",
        "configFiles",
        "homeDir",
        "launchDir",
        "projectDir",
        "scriptFile",
        "scriptName",
        "resume",
    ] {
        assert_eq!(&w[key], &sent[key], "workflow field {key}");
    }
    assert_eq!(w["start"], "2019-05-06T10:04:20Z");
    assert_eq!(w["complete"], "2019-05-06T10:04:20Z");

    let (s, t) = app.get(&format!("/workflow/{id}/tasks?max=100")).await;
    assert_eq!(s, 200);
    assert_eq!(t["total"], 2);
    let last_sent = |task_id: i64| {
        files
            .iter()
            .filter_map(|f| f.get("tasks"))
            .flat_map(|t| t.as_array().unwrap().iter())
            .rfind(|t| t["taskId"] == task_id)
            .unwrap()
            .clone()
    };
    for entry in t["tasks"].as_array().unwrap() {
        let task = &entry["task"];
        assert_eq!(task["status"], "COMPLETED");
        task_fields_match(task, &last_sent(task["taskId"].as_i64().unwrap()));
    }
    let (s, one) = app.get(&format!("/workflow/{id}/task/1")).await;
    assert_eq!(s, 200);
    assert_eq!(one["task"]["name"], last_sent(1)["name"]);
    assert_eq!(one["task"]["submit"], "2019-05-06T10:04:20.558Z");

    let (s, p) = app.get(&format!("/workflow/{id}/progress")).await;
    assert_eq!(s, 200);
    let wp = &p["progress"]["workflowProgress"];
    assert_eq!((wp["succeeded"].as_i64(), wp["failed"].as_i64(), wp["running"].as_i64()), (Some(2), Some(0), Some(0)));
    assert!(wp["cpuTime"].as_i64().unwrap() > 0, "cpu time summed from tasks: {wp}");
    assert_eq!(wp["executors"], json!(["aws-batch"]));
    let names: Vec<&str> = p["progress"]["processesProgress"].as_array().unwrap().iter().map(|p| p["process"].as_str().unwrap()).collect();
    assert!(names.contains(&"sayHello"), "{names:?}");

    let (s, m) = app.get(&format!("/workflow/{id}/metrics")).await;
    assert_eq!(s, 200);
    assert_eq!(m["metrics"][0]["process"], "sayHello");
    assert_eq!(m["metrics"][0]["cpu"], files[7]["metrics"][0]["cpu"]);
}
both!(a_successful_captured_run_is_stored_with_every_task_and_counter);

async fn a_failed_captured_run_ends_failed_with_its_error_and_failed_tasks(app: &TestApp) {
    let id = replay(app, "workflow_failed", &app.token).await;
    let (_, d) = app.get(&format!("/workflow/{id}")).await;
    assert_eq!(d["workflow"]["status"], "FAILED");
    assert!(d["workflow"]["errorMessage"].as_str().unwrap().contains("salmon: command not found"));
    assert_eq!(d["progress"]["workflowProgress"]["failed"], 2);
    let (_, t) = app.get(&format!("/workflow/{id}/tasks")).await;
    assert!(t["tasks"].as_array().unwrap().iter().all(|t| t["task"]["status"] == "FAILED" && t["task"]["errorAction"] == "TERMINATE"));
}
both!(a_failed_captured_run_ends_failed_with_its_error_and_failed_tasks);

pub fn task(id: i64, status: &str) -> Value {
    json!({"taskId": id, "status": status, "hash": format!("ab/{id:06x}"), "name": format!("proc ({id})"), "exit": 2147483647,
        "submit": "2024-01-01T10:00:00Z", "start": null, "process": "proc", "tag": null, "module": [], "container": null,
        "attempt": 1, "script": "echo hi", "scratch": null, "workdir": "/work/ab/cd", "queue": null, "cpus": 2,
        "memory": 1073741824i64, "disk": null, "time": null, "env": null, "executor": "local"})
}

pub fn progress_body(tasks: Vec<Value>) -> Value {
    json!({"tasks": tasks, "progress": {"pending": 0, "submitted": 1, "running": 0, "succeeded": 0, "failed": 0, "cached": 0, "processes": []}, "containers": [], "instant": 1})
}

pub async fn started_run(app: &TestApp, token: &str) -> String {
    let (s, b) = app
        .send(
            reqwest::Method::POST,
            "/trace/create",
            Some(token),
            Some(&json!({"sessionId": uuid(), "runName": "tiny_turing", "projectName": "nf/test"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    let begin = json!({"workflow": {"id": id, "runName": "tiny_turing", "sessionId": uuid(), "projectName": "nf/test", "userName": "alice",
        "workDir": "/work", "commandLine": "nextflow run nf/test", "start": "2024-01-01T10:00:00Z"}, "processNames": ["proc"], "towerLaunch": false});
    let (s, b) = app.send(reqwest::Method::PUT, &format!("/trace/{id}/begin"), Some(token), Some(&begin)).await;
    assert_eq!(s, 200, "{b}");
    id
}

fn uuid() -> String {
    let r = tower_backend::domain::ids::random_base62(32).to_lowercase();
    format!("{}-{}-{}-{}-{}", &r[0..8], &r[8..12], &r[12..16], &r[16..20], &r[20..32])
}

async fn a_late_submitted_record_never_overwrites_a_completed_task(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let mut done = task(1, "COMPLETED");
    done["realtime"] = json!(1000);
    app.put(&format!("/trace/{id}/progress"), &progress_body(vec![task(2, "RUNNING"), done])).await;
    // Out of order and in one batch with a newer one: neither goes back in time.
    let (s, _) = app
        .put(
            &format!("/trace/{id}/progress"),
            &progress_body(vec![task(1, "SUBMITTED"), task(2, "SUBMITTED"), task(3, "NEW"), task(3, "RUNNING")]),
        )
        .await;
    assert_eq!(s, 200);
    let (_, t) = app.get(&format!("/workflow/{id}/tasks")).await;
    let statuses: Vec<(i64, String)> = t["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["task"]["taskId"].as_i64().unwrap(), t["task"]["status"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(statuses, vec![(1, "COMPLETED".into()), (2, "RUNNING".into()), (3, "RUNNING".into())]);
    let (_, one) = app.get(&format!("/workflow/{id}/task/1")).await;
    assert_eq!(one["task"]["realtime"], 1000, "fields of the completed record are kept");
}
both!(a_late_submitted_record_never_overwrites_a_completed_task);

async fn a_retried_request_changes_nothing(app: &TestApp) {
    let create = json!({"sessionId": "5a2b8c1e-0000-4000-8000-000000000001", "runName": "retry_run", "projectName": "p"});
    let (_, a) = app.post("/trace/create", &create).await;
    let (_, b) = app.post("/trace/create", &create).await;
    assert_eq!(a["workflowId"], b["workflowId"], "a retried create returns the same run");
    let id = started_run(app, &app.token).await;
    let body = progress_body((1..=100).map(|i| task(i, if i % 2 == 0 { "COMPLETED" } else { "RUNNING" })).collect());
    app.put(&format!("/trace/{id}/progress"), &body).await;
    let (_, before) = app.get(&format!("/workflow/{id}/tasks?max=1000")).await;
    let (s, _) = app.put(&format!("/trace/{id}/progress"), &body).await;
    assert_eq!(s, 200);
    let (_, after) = app.get(&format!("/workflow/{id}/tasks?max=1000")).await;
    let strip = |v: &Value| -> Vec<Value> {
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let mut t = t["task"].clone();
                t.as_object_mut().unwrap().remove("lastUpdated");
                t
            })
            .collect()
    };
    assert_eq!(strip(&before), strip(&after));
    assert_eq!(after["total"], 100);
}
both!(a_retried_request_changes_nothing);

async fn a_complete_request_stores_final_status_and_a_retry_keeps_one_set_of_metrics(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let complete = json!({"workflow": {"id": id, "runName": "tiny_turing", "complete": "2024-01-01T11:00:00Z", "success": true, "duration": 3600000, "exitStatus": 0,
        "stats": {"succeedCount": 1}}, "metrics": [{"process": "proc", "cpu": {"mean": 1.5, "min": 1, "q1": 1, "q2": 1, "q3": 2, "max": 2, "minLabel": "a", "maxLabel": "b", "q1Label": "a", "q2Label": "a", "q3Label": "b"}}],
        "progress": {"succeeded": 1, "processes": [{"index": 1, "name": "proc", "succeeded": 1}]}});
    for _ in 0..2 {
        let (s, b) = app.put(&format!("/trace/{id}/complete"), &complete).await;
        assert_eq!(s, 200, "{b}");
    }
    assert_eq!(app.count("tw_workflow_metrics", "workflow_id", &id).await, 1);
    let (_, d) = app.get(&format!("/workflow/{id}")).await;
    assert_eq!(d["workflow"]["status"], "SUCCEEDED");
    assert_eq!(d["workflow"]["userName"], "alice", "begin fields survive complete");
    assert_eq!(d["progress"]["workflowProgress"]["succeeded"], 1);
    // A heartbeat after the end does not revive the run.
    let (s, _) = app.put(&format!("/trace/{id}/heartbeat"), &json!({"progress": {"running": 1}})).await;
    assert_eq!(s, 200);
    let (_, d) = app.get(&format!("/workflow/{id}")).await;
    assert_eq!(d["workflow"]["status"], "SUCCEEDED");
}
both!(a_complete_request_stores_final_status_and_a_retry_keeps_one_set_of_metrics);

async fn heartbeat_and_schedrunid_patch_answer_as_the_client_expects(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let (s, b) = app.put(&format!("/trace/{id}/heartbeat"), &json!({"progress": {"running": 2}, "instant": 5})).await;
    assert_eq!((s, b), (200, json!({"message": "OK"})));
    let (s, b) =
        app.send(reqwest::Method::PATCH, &format!("/workflow/{id}"), Some(&app.token), Some(&json!({"schedRunId": "sched-1"}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["schedRunId"], "sched-1");
    assert_eq!(b["progress"]["workflowProgress"]["running"], 2);
}
both!(heartbeat_and_schedrunid_patch_answer_as_the_client_expects);

async fn a_hundred_tasks_with_long_scripts_fit_the_default_body_limit(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let long = "x".repeat(10_240);
    let tasks = (1..=100)
        .map(|i| {
            let mut t = task(i, "RUNNING");
            t["script"] = json!(long);
            t["env"] = json!("y".repeat(2048));
            t
        })
        .collect();
    let (s, b) = app.put(&format!("/trace/{id}/progress"), &progress_body(tasks)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(app.count("tw_task", "workflow_id", &id).await, 100);
}
both!(a_hundred_tasks_with_long_scripts_fit_the_default_body_limit);

async fn bad_input_gets_a_clear_4xx_and_nothing_is_stored(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let path = format!("/trace/{id}/progress");
    let raw = |body: &'static str| {
        let req = app.client.put(app.url(&path)).bearer_auth(&app.token).header("Content-Type", "application/json").body(body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, b) = raw("{\"tasks\": [").await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("Invalid JSON"), "{b}");
    let (s, b) = raw("").await;
    assert_eq!(s, 400, "{b}");

    let (s, b) = app.put(&path, &json!({"progress": {}})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "Missing required field 'tasks'"));
    let (s, b) = app.put(&path, &json!({"tasks": []})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "Missing required field 'progress'"));

    // One bad task in a batch: the good ones are not stored either.
    let mut bad = task(7, "RUNNING");
    bad["cpus"] = json!("two");
    let (s, b) = app.put(&path, &progress_body(vec![task(5, "RUNNING"), task(6, "RUNNING"), bad])).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("tasks[2].cpus"), "{b}");
    let mut long = task(8, "RUNNING");
    long["hash"] = json!("h".repeat(50));
    let (s, b) = app.put(&path, &progress_body(vec![task(9, "RUNNING"), long])).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("tasks[1].hash"), "{b}");
    let (s, b) = app.put(&path, &progress_body(vec![json!({"taskId": 10, "status": "FINISHED"})])).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("FINISHED"), "{b}");
    assert_eq!(app.count("tw_task", "workflow_id", &id).await, 0, "nothing stored half-way");

    let (s, b) = app.put(&format!("/trace/{id}/begin"), &json!({"workflow": {"id": id, "runName": "x"}})).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("sessionId"), "{b}");
    let (s, b) = app.put(&format!("/trace/{id}/complete"), &json!({"workflow": {"id": id}})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "Missing required field 'workflow.complete'"));
    let (s, b) = app.post("/trace/create", &json!({"runName": "x"})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "Missing required field 'sessionId'"));
    let (s, _) = app.post("/trace/create", &json!({"sessionId": "s", "runName": "r".repeat(81)})).await;
    assert_eq!(s, 400);

    let (s, b) = app.put("/trace/NoSuchRun123/progress", &progress_body(vec![task(1, "NEW")])).await;
    assert_eq!(s, 404);
    assert_eq!(b["message"], "Workflow 'NoSuchRun123' not found");
    let (s, b) = app.put(&format!("{path}?workspaceId=abc"), &progress_body(vec![])).await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = app.put(&format!("{path}?workspaceId=42"), &progress_body(vec![])).await;
    assert_eq!(s, 403);
}
both!(bad_input_gets_a_clear_4xx_and_nothing_is_stored);

async fn another_users_run_is_invisible_and_untouchable(app: &TestApp) {
    let id = started_run(app, &app.token).await;
    let bob = app.token_for("bob@example.com").await;
    let mine = app.get(&format!("/workflow/{id}")).await;
    assert_eq!(mine.0, 200);
    for (method, path, body) in [
        (reqwest::Method::GET, format!("/workflow/{id}"), None),
        (reqwest::Method::GET, format!("/workflow/{id}/tasks"), None),
        (reqwest::Method::GET, format!("/workflow/{id}/progress"), None),
        (reqwest::Method::PUT, format!("/trace/{id}/progress"), Some(progress_body(vec![task(1, "NEW")]))),
        (reqwest::Method::PUT, format!("/trace/{id}/heartbeat"), Some(json!({}))),
    ] {
        let (s, b) = app.send(method, &path, Some(&bob), body.as_ref()).await;
        assert_eq!(s, 404, "{path}: {b}");
        assert_eq!(b["message"], format!("Workflow '{id}' not found"), "same answer as a missing run");
    }
    assert_eq!(app.count("tw_task", "workflow_id", &id).await, 0);
    // Root users see every run.
    let root = app.token_for("root@example.com").await;
    assert_eq!(app.send(reqwest::Method::GET, &format!("/workflow/{id}"), Some(&root), None).await.0, 200);
}
both!(another_users_run_is_invisible_and_untouchable);

async fn a_body_over_the_configured_limit_is_refused_with_413(_app: &TestApp) {
    let app = TestApp::spawn_with(_app.kind, &[("TOWER_MAX_BODY_SIZE", "64KB")]).await;
    let id = started_run(&app, &app.token).await;
    let tasks = (1..=20)
        .map(|i| {
            let mut t = task(i, "RUNNING");
            t["script"] = json!("z".repeat(10_000));
            t
        })
        .collect();
    let (s, b) = app.put(&format!("/trace/{id}/progress"), &progress_body(tasks)).await;
    assert_eq!(s, 413, "{b}");
    assert!(b["message"].as_str().unwrap().contains("TOWER_MAX_BODY_SIZE"));
    assert_eq!(app.count("tw_task", "workflow_id", &id).await, 0);
    app.finish().await;
}
both!(a_body_over_the_configured_limit_is_refused_with_413);
