//! The audit log: each security event recorded with who, when, from where, what and how it ended
//! (failures too), never a secret; read by root users (everything) and organization owners
//! (their organizations' events), paged, filtered and exported; recording never fails a request.

use reqwest::Method;
use serde_json::{json, Value};
use tower_backend::with_pool;

use crate::helpers::TestApp;

/// Every event of the log, newest first, as root reads it.
async fn events(app: &TestApp, root: &str, query: &str) -> Vec<Value> {
    let (s, b) = app.send(Method::GET, &format!("/admin/audit-logs-v2?max=1000{query}"), Some(root), None).await;
    assert_eq!(s, 200, "{b}");
    b["auditLogs"].as_array().unwrap().clone()
}

fn find<'a>(all: &'a [Value], event: &str, outcome: &str) -> &'a Value {
    all.iter()
        .find(|e| e["event"] == event && e["outcome"] == outcome)
        .unwrap_or_else(|| panic!("no {outcome} {event} in {}", serde_json::to_string_pretty(all).unwrap()))
}

async fn every_security_event_is_recorded_without_secrets(app: &TestApp) {
    let root = app.token_for("root@example.com").await;
    let marker = format!("s3cret-{}", tower_backend::domain::ids::random_hex(6));
    let ua = "audit-test/1.0";
    // A sign-in with a token, through a proxy (the last X-Forwarded-For hop is the client), and one
    // with a wrong token.
    let mut session_jwt = String::new();
    for (token, want) in [(app.token.clone(), 204), (format!("{marker}-wrong"), 401)] {
        let r = app
            .client
            .post(app.url("/auth/token"))
            .header("User-Agent", ua)
            .header("X-Forwarded-For", "203.0.113.5, 198.51.100.7")
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want);
        for c in r.headers().get_all("set-cookie") {
            if let Some(v) = c.to_str().unwrap().strip_prefix("JWT=") {
                session_jwt = v.split(';').next().unwrap().to_string();
            }
        }
    }
    assert!(!session_jwt.is_empty(), "the sign-in started a session");
    let send = |m: Method, path: &str, body: Option<Value>| {
        let path = path.to_string();
        async move { app.send(m, &path, Some(&app.token), body.as_ref()).await }
    };
    // Tokens, credentials (with a secret), a pipeline secret, a compute environment, a dataset.
    let (s, t) = send(Method::POST, "/tokens", Some(json!({"name": "audited"}))).await;
    assert_eq!(s, 200, "{t}");
    let token_id = t["token"]["id"].as_i64().unwrap();
    assert_eq!(send(Method::DELETE, &format!("/tokens/{token_id}"), None).await.0, 204);
    let (s, c) = send(
        Method::POST,
        "/credentials",
        Some(json!({"credentials": {"name": "git", "provider": "github", "keys": {"username": "ann", "password": marker}}})),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    let creds = c["credentialsId"].as_str().unwrap().to_string();
    let keys = json!({"credentials": {"keys": {"username": "ann", "password": format!("{marker}2")}}});
    let (s, b) = send(Method::PUT, &format!("/credentials/{creds}"), Some(keys)).await;
    assert_eq!(s, 204, "{b}");
    let (s, p) = send(Method::POST, "/pipeline-secrets", Some(json!({"name": "TOKEN", "value": marker}))).await;
    assert_eq!(s, 200, "{p}");
    let (s, d) = send(Method::POST, "/datasets", Some(json!({"name": "sheet"}))).await;
    assert_eq!(s, 200, "{d}");
    let dataset = d["dataset"]["id"].as_str().unwrap().to_string();
    assert_eq!(send(Method::DELETE, &format!("/datasets/{dataset}"), None).await.0, 204);
    assert_eq!(send(Method::DELETE, &format!("/credentials/{creds}"), None).await.0, 204);
    // Someone else trying: a failure, by them.
    let bob = app.token_for("bob@example.com").await;
    assert_eq!(app.send(Method::DELETE, "/credentials/nothere", Some(&bob), None).await.0, 404);
    // Organizations: a member added, given a role.
    let (s, o) = send(Method::POST, "/orgs", Some(json!({"organization": {"name": "audited", "fullName": "Audited"}}))).await;
    assert_eq!(s, 200, "{o}");
    let org = o["organization"]["orgId"].as_i64().unwrap();
    let (s, m) = send(Method::PUT, &format!("/orgs/{org}/members/add"), Some(json!({"user": "carol@example.com"}))).await;
    assert_eq!(s, 200, "{m}");
    let member = m["member"]["memberId"].as_i64().unwrap();
    assert_eq!(send(Method::PUT, &format!("/orgs/{org}/members/{member}/role"), Some(json!({"role": "owner"}))).await.0, 204);
    // The session signed out.
    let r = app.client.post(app.url("/auth/logout")).bearer_auth(&session_jwt).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);

    let all = events(app, &root, "").await;
    let sign_in = find(&all, "user_sign_in", "success");
    assert_eq!(sign_in["client"]["ip"], "198.51.100.7", "{sign_in}");
    assert_eq!(sign_in["client"]["userAgent"], ua);
    assert_eq!(sign_in["actor"]["type"], "user");
    let failed = find(&all, "user_sign_in", "failure");
    assert_eq!((failed["status"].as_i64(), failed["actor"]["userId"].is_null()), (Some(401), true), "{failed}");
    assert_eq!(find(&all, "access_token_created", "success")["target"]["id"], token_id.to_string());
    assert_eq!(find(&all, "access_token_deleted", "success")["target"]["id"], token_id.to_string());
    let created = find(&all, "credentials_created", "success");
    assert_eq!((created["target"]["type"].as_str(), created["target"]["id"].as_str()), (Some("credentials"), Some(creds.as_str())));
    assert!(created["actor"]["userId"].is_i64() && created["client"]["accessTokenId"].is_i64(), "{created}");
    assert!(created["timestamp"].as_str().unwrap().ends_with('Z'));
    find(&all, "credentials_updated", "success");
    find(&all, "credentials_deleted", "success");
    let refused = find(&all, "credentials_deleted", "failure");
    assert_ne!(refused["actor"]["userId"], created["actor"]["userId"], "bob's attempt is bob's");
    assert_eq!(refused["status"], 404);
    find(&all, "pipeline_secret_created", "success");
    assert_eq!(find(&all, "dataset_created", "success")["target"]["id"], dataset.as_str());
    find(&all, "dataset_deleted", "success");
    assert_eq!(find(&all, "organization_created", "success")["target"]["organization"]["id"], org);
    let role = find(&all, "member_role_updated", "success");
    assert_eq!(
        (role["target"]["id"].as_str(), role["target"]["context"].as_str()),
        (Some(member.to_string().as_str()), Some("Organization"))
    );
    find(&all, "member_created", "success");
    let out = find(&all, "user_sign_out", "success");
    assert_eq!(out["actor"]["userId"], sign_in["actor"]["userId"], "the session's user: {out}");
    assert!(sign_in["actor"]["userId"].is_i64());
    // Nothing secret anywhere: not in an answer, not in a row.
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(&marker), "a secret in the audit log");
    let rows: Vec<(String, Option<String>, Option<String>)> =
        with_pool!(app.db(), p => sqlx::query_as("SELECT event, user_agent, target_id FROM tw_audit_log").fetch_all(p).await).unwrap();
    assert!(!format!("{rows:?}").contains(&marker));

    // Filters, paging, one event, CSV.
    let only = events(app, &root, "&event=credentials_created").await;
    assert!(only.iter().all(|e| e["event"] == "credentials_created") && !only.is_empty());
    let bobs = events(app, &root, &format!("&userId={}", refused["actor"]["userId"])).await;
    assert!(bobs.iter().all(|e| e["actor"]["userId"] == refused["actor"]["userId"]));
    assert!(events(app, &root, "&timestampBeforeOrEqual=2001-01-01T00:00:00Z").await.is_empty());
    let (s, page) = app.send(Method::GET, "/admin/audit-logs-v2?max=2", Some(&root), None).await;
    assert_eq!((s, page["auditLogs"].as_array().unwrap().len()), (200, 2));
    let token = page["nextPageToken"].as_str().unwrap();
    let (_, next) = app.send(Method::GET, &format!("/admin/audit-logs-v2?max=2&nextPageToken={token}"), Some(&root), None).await;
    assert_eq!(next["auditLogs"][0]["id"], all[2]["id"], "the next page goes on where the first ended");
    let id = created["id"].as_str().unwrap();
    let (s, one) = app.send(Method::GET, &format!("/admin/audit-logs-v2/{id}"), Some(&root), None).await;
    assert_eq!((s, &one["event"]), (200, &json!("credentials_created")));
    let r = app.client.get(app.url("/admin/audit-logs-v2/export-csv?event=credentials_created")).bearer_auth(&root).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("id,timestamp,event,outcome,status"), "{csv}");
    assert!(csv.contains(&format!("credentials_created,success,200,user,{}", created["actor"]["userId"])), "{csv}");
    for (q, says) in
        [("event=nope", "event"), ("timestampAfterOrEqual=yesterday", "ISO-8601"), ("max=0", "max"), ("nextPageToken=x", "nextPageToken")]
    {
        let (s, b) = app.send(Method::GET, &format!("/admin/audit-logs-v2?{q}"), Some(&root), None).await;
        assert_eq!(s, 400, "{q}: {b}");
        assert!(b["message"].as_str().unwrap().contains(says), "{q}: {b}");
    }

    // Who reads what: an organization owner their organization's events only; others nothing.
    let carol = app.token_for("carol@example.com").await;
    let (s, theirs) = app.send(Method::GET, "/admin/audit-logs-v2?max=1000", Some(&carol), None).await;
    assert_eq!(s, 200, "{theirs}");
    let theirs = theirs["auditLogs"].as_array().unwrap();
    assert!(!theirs.is_empty() && theirs.iter().all(|e| e["target"]["organization"]["id"] == org), "{theirs:?}");
    assert_eq!(app.send(Method::GET, &format!("/admin/audit-logs-v2/{id}"), Some(&carol), None).await.0, 404, "not their organization's");
    assert_eq!(app.send(Method::GET, "/admin/audit-logs-v2", Some(&bob), None).await.0, 403);
    assert_eq!(app.send(Method::GET, "/admin/audit-logs-v2/export-csv", Some(&bob), None).await.0, 403);
}

crate::both!(every_security_event_is_recorded_without_secrets);

/// Runs launched and cancelled, and actions triggered, with the source.
async fn launches_and_actions_are_recorded(app: &TestApp) {
    let root = app.token_for("root@example.com").await;
    let ce = crate::launch::local_ce(app).await;
    let body = json!({"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "paramsText": "{\"standin_tasks\": 1, \"standin_sleep\": 30}"});
    let (s, b) = crate::launch::launch(app, body.clone()).await;
    assert_eq!(s, 200, "{b}");
    let run = b["workflowId"].as_str().unwrap().to_string();
    crate::launch::wait_status(app, &run, &["RUNNING"]).await;
    let (s, b) = app.send(Method::POST, &format!("/workflow/{run}/cancel"), Some(&app.token), None).await;
    assert_eq!(s, 204, "{b}");
    let (s, a) =
        app.send(Method::POST, "/actions", Some(&app.token), Some(&json!({"name": "ci", "source": "tower", "launch": body}))).await;
    assert_eq!(s, 200, "{a}");
    let action = a["actionId"].as_str().unwrap();
    let (s, b) = app
        .send(Method::POST, &format!("/actions/{action}/launch"), Some(&app.token), Some(&json!({"params": {"standin_sleep": 0}})))
        .await;
    assert_eq!(s, 200, "{b}");
    let all = events(app, &root, "").await;
    assert_eq!(find(&all, "workflow_launched", "success")["target"]["id"], run.as_str());
    assert_eq!(find(&all, "workflow_cancelled", "success")["target"]["id"], run.as_str());
    find(&all, "action_created", "success");
    let triggered = find(&all, "action_triggered", "success");
    assert_eq!((triggered["target"]["id"].as_str(), triggered["operation"].as_str()), (Some(action), Some("LaunchAction")));
}

crate::both_local!(launches_and_actions_are_recorded);

/// The log cannot be written (its table is gone): the request is answered as ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_audit_log_never_fails_the_request() {
    let app = TestApp::spawn(crate::helpers::Kind::Sqlite).await;
    with_pool!(app.db(), p => sqlx::query("DROP TABLE tw_audit_log").execute(p).await.map(|_| ())).unwrap();
    let (s, b) = app.send(Method::POST, "/tokens", Some(&app.token), Some(&json!({"name": "still-works"}))).await;
    assert_eq!(s, 200, "{b}");
    app.finish().await;
}

/// Every operation that changes something is audited or says why not.
#[test]
fn every_changing_operation_is_audited_or_says_why_not() {
    let doc: Value = serde_json::from_str(&tower_backend::api::routes().1.to_json().unwrap()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            let changes = method != "get";
            let listed = tower_backend::domain::audit::audited(id).is_some()
                || tower_backend::domain::audit::NOT_AUDITED.iter().any(|(op, _)| *op == id);
            if changes && !listed {
                missing.push(format!("{method} {path} {id}"));
            }
        }
    }
    assert!(missing.is_empty(), "operations neither audited nor listed as not audited: {missing:#?}");
}
