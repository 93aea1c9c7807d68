//! Launching pipelines for real: the head job on the local platform (a process group of this
//! host) and on Slurm over SSH (the CI's sshd and one-node Slurm), with the Nextflow stand-in
//! (`tests/standin/nextflow`) reporting over the real trace protocol; cancel; logs; a head job
//! that ends without reporting; the pre-flight errors of a launch.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tower_backend::with_pool;

use crate::both;
use crate::helpers::{Kind, TestApp};

pub(crate) async fn wait_status(app: &TestApp, id: &str, want: &[&str]) -> Value {
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        let (s, b) = app.send(Method::GET, &format!("/workflow/{id}"), Some(&app.token), None).await;
        assert_eq!(s, 200, "{b}");
        let status = b["workflow"]["status"].as_str().unwrap_or_default().to_string();
        if want.contains(&status.as_str()) {
            return b;
        }
        assert!(Instant::now() < until, "run {id} is {status}, not {want:?}: {b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn launch(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(Method::POST, "/workflow/launch", Some(&app.token), Some(&json!({"launch": body}))).await
}

pub(crate) async fn local_ce(app: &TestApp) -> String {
    local_ce_in(app, None).await
}

pub(crate) async fn on(kind: Kind, test: impl AsyncFnOnce(&TestApp)) {
    if kind == Kind::MySql && !crate::helpers::mysql_available() {
        return;
    }
    let app = TestApp::spawn_with(kind, &[("TOWER_ENABLE_LOCAL_PLATFORM", "true")]).await;
    test(&app).await;
    app.finish().await;
}

/// Runs an `async fn name(app: &TestApp)` on a backend with the local platform enabled, as
/// `name::sqlite` and `name::mysql`.
#[macro_export]
macro_rules! both_local {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::launch::on($crate::helpers::Kind::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                $crate::launch::on($crate::helpers::Kind::MySql, super::$name).await;
            }
        }
    };
}

async fn reconcile(app: &TestApp) -> Vec<String> {
    tower_backend::launch::reconcile::reconcile(&app.state.launcher(), |_| {}).await.unwrap()
}

async fn a_launch_on_the_local_platform_runs_to_the_end(app: &TestApp) {
    let ce = local_ce(app).await;
    // Parameters and config are the launch's free text: they reach files, never a shell.
    let marker = std::env::temp_dir().join(format!("tower-pwned-launch-{}", tower_backend::domain::ids::random_hex(4)));
    let m = marker.display();
    let params = format!("standin_tasks: 2\nstandin_sleep: 0.1\nnote: \"$(touch {m}-1) `touch {m}-2`; touch {m}-3\"");
    let (s, b) = launch(
        app,
        json!({"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "revision": "main", "runName": "launched_here",
            "paramsText": params, "configText": format!("// $(touch {m}-4) `touch {m}-5`"), "configProfiles": ["test"]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    // The run exists at once, and its launch record with it.
    let (_, l) = app.send(Method::GET, &format!("/workflow/{id}/launch"), Some(&app.token), None).await;
    assert_eq!(l["launch"]["pipeline"], "https://github.com/nextflow-io/hello");
    assert_eq!(l["launch"]["computeEnv"]["id"], ce.as_str());
    let run = wait_status(app, &id, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(run["workflow"]["status"], "SUCCEEDED", "{run}");
    assert_eq!(run["workflow"]["runName"], "launched_here");
    for i in 1..=5 {
        assert!(!std::path::Path::new(&format!("{m}-{i}")).exists(), "a launch value reached a shell: {m}-{i} exists");
    }
    let (_, tasks) = app.send(Method::GET, &format!("/workflow/{id}/tasks"), Some(&app.token), None).await;
    assert_eq!(tasks["tasks"].as_array().unwrap().len(), 2, "{tasks}");
    let (_, log) = app.send(Method::GET, &format!("/workflow/{id}/log"), Some(&app.token), None).await;
    let lines: Vec<&str> = log["log"]["entries"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(lines.iter().any(|l| l.contains("Launching `https://github.com/nextflow-io/hello` [launched_here]")), "{log}");
    let (_, l) = app.send(Method::GET, &format!("/workflow/{id}/launch"), Some(&app.token), None).await;
    assert!(l["launch"]["jobId"].is_string(), "{l}");
    // The run's description says where its head job is (a local process: its id is a number).
    let (_, described) = app.send(Method::GET, &format!("/workflow/{id}"), Some(&app.token), None).await;
    let job = &described["jobInfo"];
    assert_eq!(job["operationId"], l["launch"]["jobId"], "{described}");
    assert!(job["id"].is_i64() && job["status"].is_string(), "{job}");
    let launch_id = l["launch"]["id"].as_str().unwrap();
    let (s, by_id) = app.send(Method::GET, &format!("/launch/{launch_id}"), Some(&app.token), None).await;
    assert_eq!((s, &by_id["launch"]), (200, &l["launch"]), "the same launch by its own id");
    let bob = app.token_for("bob@example.com").await;
    assert_eq!(app.send(Method::GET, &format!("/launch/{launch_id}"), Some(&bob), None).await.0, 404, "not someone else's");
    // The run's own token ends with it.
    let tokens_before: i64 =
        with_pool!(app.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_access_token WHERE name LIKE 'run-%'").fetch_one(p).await)
            .unwrap();
    assert!(tokens_before >= 1);
    reconcile(app).await;
    let tokens_after: i64 =
        with_pool!(app.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM tw_access_token WHERE name LIKE 'run-%'").fetch_one(p).await)
            .unwrap();
    assert_eq!(tokens_after, 0, "the run's token is revoked when it ends");
    // Resume: the same session, and the flag reaches Nextflow.
    let session = run["workflow"]["sessionId"].as_str().unwrap().to_string();
    let (s, b) = launch(
        app,
        json!({"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "resume": true, "sessionId": session,
        "paramsText": "{\"standin_tasks\": 1, \"standin_sleep\": 0}"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let resumed = wait_status(app, b["workflowId"].as_str().unwrap(), &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(
        (resumed["workflow"]["sessionId"].as_str(), resumed["workflow"]["resume"].as_bool()),
        (Some(session.as_str()), Some(true)),
        "{resumed}"
    );
}

crate::both_local!(a_launch_on_the_local_platform_runs_to_the_end);

/// A local compute environment in `workspace` (or the personal context), checked.
async fn local_ce_in(app: &TestApp, workspace: Option<i64>) -> String {
    let standin = crate::compute_envs::standin_dir();
    let work = std::env::temp_dir().join(format!("tower-launch-{}", tower_backend::domain::ids::random_hex(4)));
    let q = workspace.map(|w| format!("?workspaceId={w}")).unwrap_or_default();
    let (s, b) = app
        .send(
            Method::POST,
            &format!("/compute-envs{q}"),
            Some(&app.token),
            Some(&json!({"computeEnv": {"name": "here", "platform": "local-platform",
            "config": {"workDir": work.display().to_string(), "preRunScript": format!("export PATH={}:$PATH", standin.display())}}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = b["computeEnvId"].as_str().unwrap().to_string();
    for _ in 0..300 {
        let (_, c) = app.send(Method::GET, &format!("/compute-envs/{id}{q}"), Some(&app.token), None).await;
        if c["computeEnv"]["status"] == "AVAILABLE" {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("compute environment {id} not available");
}

/// The launch record of a run whose Nextflow has reported its end, once the head job's script
/// has ended too (just after), with the exit code the script kept.
async fn ended_script(app: &TestApp, workflow_id: &str) -> (tower_backend::store::launch::LaunchRow, String) {
    let row = tower_backend::store::launch::find_by_workflow(app.db(), workflow_id).await.unwrap().unwrap();
    let exit = format!("{}/.exitcode", row.run_dir.as_deref().unwrap());
    for _ in 0..100 {
        // Whole once it ends with its line break (the script's `echo` may be half-way).
        if let Some(code) = std::fs::read_to_string(&exit).ok().filter(|c| c.ends_with('\n')) {
            return (row, code.trim().to_string());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the head job's script of {workflow_id} did not end: no {exit}");
}

/// Pipeline secrets reach Nextflow through its local secrets provider (an owner-only file named
/// by `NXF_SECRETS_FILE`, gone when the run ends), the user's over the workspace's of the same
/// name; the value is nowhere else: not in the launch record, the log, or an answer.
async fn pipeline_secrets_reach_nextflow_and_nothing_else(app: &TestApp) {
    use sha2::Digest;
    let digest = |v: &str| sha2::Sha256::digest(v.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let marker = format!("s3cret-{}", tower_backend::domain::ids::random_hex(6));
    let (_, org) = app.post("/orgs", &json!({"organization": {"name": "secret-org", "fullName": "Secrets"}})).await;
    let org_id = org["organization"]["orgId"].as_i64().unwrap();
    let (_, ws) = app
        .post(&format!("/orgs/{org_id}/workspaces"), &json!({"workspace": {"name": "secret-ws", "fullName": "S", "visibility": "PRIVATE"}}))
        .await;
    let ws = ws["workspace"]["id"].as_i64().unwrap();
    for (path, name, value) in [
        (format!("/pipeline-secrets?workspaceId={ws}"), "DB_PASSWORD", format!("{marker}-ws-db")),
        (format!("/pipeline-secrets?workspaceId={ws}"), "API_KEY", format!("{marker}-ws-key")),
        ("/pipeline-secrets".to_string(), "API_KEY", format!("{marker}-user-key")),
    ] {
        let (s, b) = app.post(&path, &json!({"name": name, "value": value})).await;
        assert_eq!(s, 200, "{b}");
    }
    let ce = local_ce_in(app, Some(ws)).await;
    let params = format!(
        "standin_tasks: 1\nstandin_sleep: 0\nstandin_secret_sha256: DB_PASSWORD={},API_KEY={}",
        digest(&format!("{marker}-ws-db")),
        digest(&format!("{marker}-user-key"))
    );
    let body = json!({"launch": {"computeEnvId": ce, "pipeline": "nf/secrets", "paramsText": params,
        "workspaceSecrets": ["DB_PASSWORD", "API_KEY"], "userSecrets": ["API_KEY"]}});
    let (s, b) = app.send(Method::POST, &format!("/workflow/launch?workspaceId={ws}"), Some(&app.token), Some(&body)).await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    let until = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let (_, r) = app.send(Method::GET, &format!("/workflow/{id}?workspaceId={ws}"), Some(&app.token), None).await;
        if matches!(r["workflow"]["status"].as_str(), Some("SUCCEEDED" | "FAILED")) || Instant::now() > until {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (_, log) = app.send(Method::GET, &format!("/workflow/{id}/log?workspaceId={ws}"), Some(&app.token), None).await;
    assert_eq!(run["workflow"]["status"], "SUCCEEDED", "{run}\n{log}");
    let text = log.to_string();
    assert!(text.contains("secrets: API_KEY, DB_PASSWORD") && text.contains("secret DB_PASSWORD: matches"), "{log}");
    assert!(text.contains("secret API_KEY: matches"), "the user's secret wins over the workspace's: {log}");
    let (row, code) = ended_script(app, &id).await;
    let run_dir = row.run_dir.clone().unwrap();
    assert_eq!(code, "0");
    assert!(!std::path::Path::new(&format!("{run_dir}/secrets.json")).exists(), "the secrets file is gone when the run ends");
    let (_, described) = app.send(Method::GET, &format!("/workflow/{id}/launch?workspaceId={ws}"), Some(&app.token), None).await;
    assert_eq!(described["launch"]["workspaceSecrets"], json!(["DB_PASSWORD", "API_KEY"]), "{described}");
    for text in [text, described.to_string(), row.request.clone(), std::fs::read_to_string(format!("{run_dir}/launch.sh")).unwrap()] {
        assert!(!text.contains(&marker), "a secret value leaked: {text}");
    }
    let (_, listed) = app.send(Method::GET, "/pipeline-secrets", Some(&app.token), None).await;
    assert!(listed["pipelineSecrets"][0]["lastUsed"].is_string(), "{listed}");
    // Each secret the launch opened is in the audit log, as read by the system for the launcher.
    let root = app.token_for("root@example.com").await;
    let (_, log) = app.send(Method::GET, "/admin/audit-logs-v2?event=pipeline_secret_read", Some(&root), None).await;
    let reads = log["auditLogs"].as_array().unwrap();
    assert_eq!(reads.len(), 3, "{log}");
    assert!(reads.iter().all(|e| e["actor"]["type"] == "system" && e["operation"] == "launch" && !e["target"]["id"].is_null()), "{log}");
    // Names that do not exist here, or are not names, are refused before anything is stored.
    let bad = json!({"launch": {"computeEnvId": ce, "pipeline": "nf/secrets", "workspaceSecrets": ["NOPE"], "userSecrets": ["bad name"]}});
    let (s, b) = app.send(Method::POST, &format!("/workflow/launch?workspaceId={ws}"), Some(&app.token), Some(&bad)).await;
    assert_eq!(s, 400, "{b}");
    let codes: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["secret_name_invalid", "secret_missing"], "{b}");
    let personal = local_ce_in(app, None).await;
    let (s, b) = launch(app, json!({"computeEnvId": personal, "pipeline": "nf/secrets", "workspaceSecrets": ["DB_PASSWORD"]})).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["message"].as_str().unwrap().contains("no secret named 'DB_PASSWORD' outside a workspace"), "{b}");
}
crate::both_local!(pipeline_secrets_reach_nextflow_and_nothing_else);

async fn cancel_stops_the_head_job_and_a_silent_end_fails_the_run(app: &TestApp) {
    let ce = local_ce(app).await;
    let (_, b) =
        launch(app, json!({"computeEnvId": ce, "pipeline": "nf/slow", "paramsText": "{\"standin_tasks\": 50, \"standin_sleep\": 1}"}))
            .await;
    let id = b["workflowId"].as_str().unwrap().to_string();
    wait_status(app, &id, &["RUNNING"]).await;
    // A second start of the same head job (a submitter killed right after the first started it,
    // then another submitter) leaves at once: the running one holds the run directory's lock.
    let row = tower_backend::store::launch::find_by_workflow(app.db(), &id).await.unwrap().unwrap();
    let run_dir = row.run_dir.clone().unwrap();
    let pid = std::fs::read_to_string(format!("{run_dir}/.pid")).unwrap();
    let again = std::process::Command::new("bash").arg("launch.sh").current_dir(&run_dir).output().unwrap();
    assert!(again.status.success() && again.stdout.is_empty(), "{again:?}");
    assert_eq!(std::fs::read_to_string(format!("{run_dir}/.pid")).unwrap(), pid, "the running head job keeps its pid file");
    let log = std::fs::read_to_string(format!("{run_dir}/nextflow.log.txt")).unwrap();
    assert_eq!(log.matches("N E X T F L O W").count(), 1, "{log}");
    // A submitter that finds the lock held before its pid file is written (the first start is
    // that young) leaves the run's files alone and adopts the job once its pid appears.
    let script = std::fs::read(format!("{run_dir}/launch.sh")).unwrap();
    std::fs::remove_file(format!("{run_dir}/.pid")).unwrap();
    with_pool!(app.db(), p => sqlx::query("UPDATE tw_launch SET state = 'PENDING', claimed_until = NULL WHERE id = ?").bind(&row.id).execute(p).await.map(|_| ())).unwrap();
    let rewrite = {
        let (path, pid) = (format!("{run_dir}/.pid"), pid.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            std::fs::write(path, pid).unwrap();
        })
    };
    assert!(tower_backend::launch::submit::submit(&app.state.launcher(), &row.id).await.unwrap());
    rewrite.await.unwrap();
    let adopted = tower_backend::store::launch::find_by_workflow(app.db(), &id).await.unwrap().unwrap();
    assert_eq!((adopted.state.as_str(), adopted.job_id.as_deref()), ("SUBMITTED", Some(pid.trim())));
    assert_eq!(std::fs::read(format!("{run_dir}/launch.sh")).unwrap(), script, "the running job's script is left as it is");
    let log = std::fs::read_to_string(format!("{run_dir}/nextflow.log.txt")).unwrap();
    assert_eq!(log.matches("N E X T F L O W").count(), 1, "{log}");
    let (s, c) = app.send(Method::POST, &format!("/workflow/{id}/cancel"), Some(&app.token), None).await;
    assert_eq!(s, 204, "{c}");
    let run = wait_status(app, &id, &["CANCELLED"]).await;
    assert_eq!(run["workflow"]["status"], "CANCELLED");
    let row = tower_backend::store::launch::find_by_workflow(app.db(), &id).await.unwrap().unwrap();
    // Seen from a host where the job is not (another replica, cron elsewhere): not ended, unknown.
    let elsewhere = tower_backend::store::launch::LaunchRow { run_dir: Some("/nonexistent/tw-run".into()), ..row.clone() };
    assert!(tower_backend::launch::submit::job_state(&app.state.launcher(), &elsewhere).await.is_err());
    let until = Instant::now() + Duration::from_secs(20);
    while tower_backend::launch::submit::job_state(&app.state.launcher(), &row).await.unwrap()
        == tower_backend::launch::submit::JobState::Running
    {
        assert!(Instant::now() < until, "the head job still runs after cancel");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A head job that dies before Nextflow reports: the run fails with the exit code and its log,
    // and its owner gets the failure mail.
    with_pool!(app.db(), p => sqlx::query("UPDATE tw_user SET notification = TRUE").execute(p).await.map(|_| ())).unwrap();
    let (_, b) =
        launch(app, json!({"computeEnvId": ce, "pipeline": "nf/broken", "preRunScript": "echo 'no nextflow today' >&2; exit 3"})).await;
    let id = b["workflowId"].as_str().unwrap().to_string();
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        reconcile(app).await;
        let l = tower_backend::store::launch::find_by_workflow(app.db(), &id).await.unwrap().unwrap();
        if l.message.as_deref().is_some_and(|m| m.starts_with("The head job ended")) {
            // The grace for a late report: let it pass at once.
            with_pool!(app.db(), p => sqlx::query("UPDATE tw_launch SET last_updated = last_updated - 60000 WHERE id = ?").bind(&l.id).execute(p).await.map(|_| ())).unwrap();
            reconcile(app).await;
            break;
        }
        assert!(Instant::now() < until, "the end of the head job was not seen");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let run = wait_status(app, &id, &["FAILED"]).await;
    let error = run["workflow"]["errorMessage"].as_str().unwrap_or_default();
    assert!(error.contains("exit code 3") && error.contains("no nextflow today"), "{run}");
    assert_eq!(run["jobInfo"]["exitCode"], 3, "{run}");
    let mails: Vec<String> = with_pool!(app.db(), p => sqlx::query_scalar("SELECT subject FROM tw_mail").fetch_all(p).await).unwrap();
    assert!(mails.iter().any(|s| s.contains("failed")), "{mails:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_head_job_and_a_silent_end_fails_the_run_sqlite() {
    on(Kind::Sqlite, cancel_stops_the_head_job_and_a_silent_end_fails_the_run).await;
}

async fn a_launch_on_slurm_runs_over_ssh(app: &TestApp) {
    let Some(ssh) = crate::compute_envs::ssh() else { return };
    let standin = crate::compute_envs::standin_dir();
    let creds = crate::compute_envs::create_credentials(app, "ssh", json!({"privateKey": ssh.key})).await;
    let work = format!("/tmp/tower-slurm-launch-{}", tower_backend::domain::ids::random_hex(4));
    let (s, b) = app
        .send(
            Method::POST,
            "/compute-envs",
            Some(&app.token),
            Some(&json!({"computeEnv": {"name": "cluster", "platform": "slurm-platform", "credentialsId": creds,
            "config": {"workDir": work, "hostName": ssh.host, "port": ssh.port, "userName": ssh.user, "headQueue": "debug",
                "preRunScript": format!("export PATH={}:$PATH", standin.display())}}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let ce = b["computeEnvId"].as_str().unwrap().to_string();
    assert_eq!(crate::compute_envs::checked(app, &ce).await["status"], "AVAILABLE");
    let (s, b) = launch(app, json!({"computeEnvId": ce, "pipeline": "https://github.com/nextflow-io/hello", "paramsText": "{\"standin_tasks\": 2, \"standin_sleep\": 0.1}"})).await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    let run = wait_status(app, &id, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(run["workflow"]["status"], "SUCCEEDED", "{run}");
    // The SSH key the submission opened is in the audit log.
    let root = app.token_for("root@example.com").await;
    let (_, log) = app.send(Method::GET, "/admin/audit-logs-v2?event=credentials_read", Some(&root), None).await;
    assert!(
        log["auditLogs"].as_array().unwrap().iter().any(|e| e["target"]["id"] == creds.as_str() && e["operation"] == "launch"),
        "{log}"
    );
    let (_, l) = app.send(Method::GET, &format!("/workflow/{id}/launch"), Some(&app.token), None).await;
    let job = l["launch"]["jobId"].as_str().unwrap().to_string();
    assert!(job.chars().all(|c| c.is_ascii_digit()), "a Slurm job id: {l}");
    let (_, log) = app.send(Method::GET, &format!("/workflow/{id}/log"), Some(&app.token), None).await;
    assert!(log["log"]["entries"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("Succeeded   : 2")), "{log}");
    // Cancel on Slurm: scancel ends the job for real.
    let (_, b) =
        launch(app, json!({"computeEnvId": ce, "pipeline": "nf/slow", "paramsText": "{\"standin_tasks\": 60, \"standin_sleep\": 1}"}))
            .await;
    let id = b["workflowId"].as_str().unwrap().to_string();
    wait_status(app, &id, &["RUNNING"]).await;
    assert_eq!(app.send(Method::POST, &format!("/workflow/{id}/cancel"), Some(&app.token), None).await.0, 204);
    wait_status(app, &id, &["CANCELLED"]).await;
    let row = tower_backend::store::launch::find_by_workflow(app.db(), &id).await.unwrap().unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while tower_backend::launch::submit::job_state(&app.state.launcher(), &row).await.unwrap()
        == tower_backend::launch::submit::JobState::Running
    {
        assert!(Instant::now() < until, "the Slurm job still runs after cancel");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_on_slurm_runs_over_ssh_sqlite() {
    on(Kind::Sqlite, a_launch_on_slurm_runs_over_ssh).await;
}

async fn a_launch_with_problems_names_each_of_them(app: &TestApp) {
    let (s, b) = launch(app, json!({"pipeline": "x; rm -rf /", "revision": "$(id)", "resume": true})).await;
    assert_eq!(s, 400, "{b}");
    let codes: Vec<&str> = b["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["pipeline_invalid", "revision_invalid", "session_required", "compute_env_required"], "{b}");
    assert!(b["message"].as_str().unwrap().contains("launch.pipeline"));
    let (_, l) = app.send(Method::GET, "/workflow", Some(&app.token), None).await;
    assert_eq!(l["workflows"].as_array().unwrap().len(), 0, "nothing recorded");
    let creds = crate::compute_envs::create_credentials(
        app,
        "ssh",
        json!({"privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----"}),
    )
    .await;
    let (_, b) = app
        .send(
            Method::POST,
            "/compute-envs",
            Some(&app.token),
            Some(&json!({"computeEnv": {"name": "gone", "platform": "slurm-platform", "credentialsId": creds,
            "config": {"workDir": "/w", "hostName": "127.0.0.1", "port": 9, "userName": "nobody"}}})),
        )
        .await;
    let ce = b["computeEnvId"].as_str().unwrap().to_string();
    crate::compute_envs::checked(app, &ce).await;
    let (s, b) = launch(app, json!({"computeEnvId": ce, "pipeline": "nf/hello"})).await;
    assert_eq!(s, 400);
    assert_eq!(b["errors"][0]["code"], "compute_env_unavailable", "{b}");
    assert!(b["message"].as_str().unwrap().contains("ssh: cannot connect to 127.0.0.1:9"), "{b}");
}
both!(a_launch_with_problems_names_each_of_them);

async fn a_pipeline_of_the_launchpad_is_launched_with_its_settings(app: &TestApp) {
    let ce = local_ce(app).await;
    let t = Some(app.token.as_str());
    let body = json!({"name": "hello", "description": "Says hello", "launch": {"pipeline": "https://github.com/nextflow-io/hello", "revision": "main",
        "computeEnvId": ce, "paramsText": "standin_tasks: 1\nstandin_sleep: 0", "configProfiles": ["test"]}});
    let (s, p) = app.send(Method::POST, "/pipelines", t, Some(&body)).await;
    assert_eq!(s, 200, "{p}");
    let id = p["pipeline"]["pipelineId"].as_i64().unwrap();
    assert_eq!(
        (p["pipeline"]["repository"].as_str(), p["pipeline"]["computeEnv"]["id"].as_str()),
        (Some("https://github.com/nextflow-io/hello"), Some(ce.as_str()))
    );
    assert_eq!(app.send(Method::POST, "/pipelines", t, Some(&body)).await.0, 409);
    assert_eq!(app.send(Method::GET, "/pipelines/validate?name=hello", t, None).await.0, 409);
    assert_eq!(app.send(Method::GET, "/pipelines/validate?name=other", t, None).await.0, 204);
    let (s, b) = app
        .send(Method::POST, "/pipelines", t, Some(&json!({"name": "bad", "launch": {"pipeline": "x; id", "computeEnvId": "nope"}})))
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["message"].as_str().unwrap().contains("launch.pipeline"), "{b}");
    let (_, l) = app.send(Method::GET, "/pipelines?search=hel*", t, None).await;
    assert_eq!((l["totalSize"].as_i64(), l["pipelines"][0]["name"].as_str()), (Some(1), Some("hello")));
    let (_, u) = app.send(Method::PUT, &format!("/pipelines/{id}"), t, Some(&json!({"description": "Says hello, twice"}))).await;
    assert_eq!(u["pipeline"]["description"], "Says hello, twice");
    // What `tw pipelines launch` does: the settings, then a launch with them.
    let (s, settings) = app.send(Method::GET, &format!("/pipelines/{id}/launch"), t, None).await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(settings["launch"]["computeEnv"]["id"], ce.as_str());
    let mut launch_body = settings["launch"].clone();
    launch_body.as_object_mut().unwrap().retain(|k, _| k != "computeEnv" && k != "pipelineId");
    let (s, b) = launch(app, launch_body).await;
    assert_eq!(s, 200, "{b}");
    let run = wait_status(app, b["workflowId"].as_str().unwrap(), &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(run["workflow"]["status"], "SUCCEEDED", "{run}");
    assert_eq!(run["workflow"]["profile"], "test");
    // Labels on pipelines: added, applied, removed; shown with each pipeline; checked first.
    let mut labels = Vec::new();
    for name in ["genomics", "prod"] {
        let (s, l) = app.send(Method::POST, "/labels", t, Some(&json!({"name": name}))).await;
        assert_eq!(s, 200, "{l}");
        labels.push(l["id"].as_i64().unwrap());
    }
    let names = |p: &Value| p["labels"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let change = |what: &'static str, label_ids: Vec<i64>| {
        let body = json!({"pipelineIds": [id], "labelIds": label_ids});
        async move { app.send(Method::POST, &format!("/pipelines/labels/{what}"), t, Some(&body)).await }
    };
    assert_eq!(change("add", vec![labels[0]]).await.0, 204);
    assert_eq!(change("add", vec![labels[1]]).await.0, 204);
    let (_, l) = app.send(Method::GET, "/pipelines", t, None).await;
    assert_eq!(names(&l["pipelines"][0]), ["genomics", "prod"]);
    assert_eq!(change("remove", vec![labels[0]]).await.0, 204);
    let (_, p) = app.send(Method::GET, &format!("/pipelines/{id}"), t, None).await;
    assert_eq!(names(&p["pipeline"]), ["prod"]);
    assert_eq!(change("apply", vec![labels[0]]).await.0, 204);
    let (_, p) = app.send(Method::GET, &format!("/pipelines/{id}"), t, None).await;
    assert_eq!(names(&p["pipeline"]), ["genomics"]);
    let (s, b) =
        app.send(Method::POST, "/pipelines/labels/add", t, Some(&json!({"pipelineIds": [id, 999999], "labelIds": [labels[1]]}))).await;
    assert_eq!(s, 404, "an unknown pipeline: nothing changes: {b}");
    let (s, _) = app.send(Method::POST, "/pipelines/labels/add", t, Some(&json!({"pipelineIds": [id], "labelIds": [999999]}))).await;
    assert_eq!(s, 404);
    let (_, p) = app.send(Method::GET, &format!("/pipelines/{id}"), t, None).await;
    assert_eq!(names(&p["pipeline"]), ["genomics"]);
    assert_eq!(app.send(Method::DELETE, &format!("/labels/{}", labels[0]), t, None).await.0, 204);
    let (_, p) = app.send(Method::GET, &format!("/pipelines/{id}"), t, None).await;
    assert_eq!(names(&p["pipeline"]), Vec::<String>::new(), "a deleted label leaves the pipeline");
    assert_eq!(app.send(Method::DELETE, &format!("/pipelines/{id}"), t, None).await.0, 204);
    assert_eq!(app.send(Method::GET, &format!("/pipelines/{id}"), t, None).await.0, 404);
}

crate::both_local!(a_pipeline_of_the_launchpad_is_launched_with_its_settings);

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git").arg("-C").arg(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A pipeline repository: `main` (tagged `v1.0`) and `dev`, each with its own schema.
fn pipeline_repo() -> std::path::PathBuf {
    let repo = std::env::temp_dir().join(format!("tower-repo-src-{}", tower_backend::domain::ids::random_hex(4)));
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.email", "ci@example.com"]);
    git(&repo, &["config", "user.name", "CI"]);
    std::fs::write(repo.join("main.nf"), "workflow { println 'hello' }\n").unwrap();
    std::fs::write(
        repo.join("nextflow_schema.json"),
        r#"{"title": "hello", "properties": {"greeting": {"type": "string", "default": "hi"}}}"#,
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    git(&repo, &["tag", "v1.0"]);
    git(&repo, &["checkout", "-q", "-b", "dev"]);
    std::fs::write(
        repo.join("nextflow_schema.json"),
        r#"{"title": "hello dev", "properties": {"greeting": {"type": "string"}, "times": {"type": "integer"}}}"#,
    )
    .unwrap();
    git(&repo, &["commit", "-q", "-am", "dev"]);
    git(&repo, &["checkout", "-q", "main"]);
    repo
}

async fn what_a_repository_holds_comes_from_the_repository(app: &TestApp) {
    let repo = pipeline_repo();
    let url = format!("file://{}", repo.display());
    let t = Some(app.token.as_str());
    let (s, i) = app.send(Method::GET, &format!("/pipelines/info?name={url}&revision=dev"), t, None).await;
    assert_eq!(s, 200, "{i}");
    let mut revisions: Vec<&str> = i["pipelineInfo"]["revisions"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    revisions.sort();
    assert_eq!(revisions, ["dev", "main", "v1.0"]);
    assert_eq!(i["pipelineInfo"]["revisionName"], "dev");
    assert_eq!(i["pipelineInfo"]["commitId"].as_str().map(str::len), Some(40));
    let (_, i) = app.send(Method::GET, &format!("/pipelines/info?name={url}"), t, None).await;
    assert_eq!(i["pipelineInfo"]["revisionName"], "main", "the default branch: {i}");
    let (s, p) =
        app.send(Method::POST, "/pipelines", t, Some(&json!({"name": "local-repo", "launch": {"pipeline": url, "revision": "dev"}}))).await;
    assert_eq!(s, 200, "{p}");
    let id = p["pipeline"]["pipelineId"].as_i64().unwrap();
    let (s, sc) = app.send(Method::GET, &format!("/pipelines/{id}/schema"), t, None).await;
    assert_eq!(s, 200, "{sc}");
    let schema: Value = serde_json::from_str(sc["schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema["title"], "hello dev", "the schema at the pipeline's revision");
    let (_, repos) = app.send(Method::GET, "/pipelines/repositories", t, None).await;
    assert_eq!(repos["pipelines"], json!([url]));
    // A repository that cannot be read, and one that would run a command, say why.
    let (s, e) = app.send(Method::GET, "/pipelines/info?name=file:///nonexistent/repo", t, None).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["message"].as_str().unwrap().starts_with("cannot read the repository file:///nonexistent/repo"), "{e}");
    let (s, e) = app.send(Method::GET, "/pipelines/info?name=ext::sh%20-c%20id", t, None).await;
    assert_eq!(s, 400, "{e}");
    let _ = std::fs::remove_dir_all(repo);
}
both!(what_a_repository_holds_comes_from_the_repository);

/// A private repository over HTTP is read (branches, schema) and pulled by the launched Nextflow
/// with the workspace's Git credentials for its server, the most specific of them; the token is
/// in no answer, launch record, script or log, and the run's SCM file is gone when it ends.
async fn a_private_repository_is_read_and_pulled_with_the_git_credentials(app: &TestApp) {
    let src = pipeline_repo();
    let root = std::env::temp_dir().join(format!("tower-git-root-{}", tower_backend::domain::ids::random_hex(4)));
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["clone", "-q", "--bare", src.to_str().unwrap(), "private.git"]);
    let token = format!("tok-{}", tower_backend::domain::ids::random_hex(8));
    let server = crate::git_http::GitServer::start(root.clone(), "ci-user", &token).await;
    let url = format!("{}/private.git", server.url);
    let t = Some(app.token.as_str());
    let (s, e) = app.send(Method::GET, &format!("/pipelines/info?name={url}"), t, None).await;
    assert_eq!(s, 400, "no credentials yet: {e}");
    assert!(e["message"].as_str().unwrap().starts_with(&format!("cannot read the repository {url}")), "{e}");
    for (name, provider, base, password) in [
        ("lab-git", "gitea", server.url.clone(), token.clone()),
        ("elsewhere", "gitlab", format!("{}/other", server.url), "wrong".to_string()),
        ("github", "github", String::new(), "wrong".to_string()),
    ] {
        let mut c = json!({"name": name, "provider": provider, "keys": {"username": "ci-user", "token": password}});
        if !base.is_empty() {
            c["baseUrl"] = json!(base);
        }
        let (s, b) = app.post("/credentials", &json!({"credentials": c})).await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, i) = app.send(Method::GET, &format!("/pipelines/info?name={url}"), t, None).await;
    assert_eq!(s, 200, "{i}");
    assert_eq!(i["pipelineInfo"]["revisionName"], "main");
    let (s, p) = app.post("/pipelines", &json!({"name": "private", "launch": {"pipeline": url, "revision": "dev"}})).await;
    assert_eq!(s, 200, "{p}");
    let (s, sc) = app.send(Method::GET, &format!("/pipelines/{}/schema", p["pipeline"]["pipelineId"]), t, None).await;
    assert_eq!(s, 200, "{sc}");
    assert!(sc["schema"].as_str().unwrap().contains("hello dev"), "{sc}");
    let ce = local_ce(app).await;
    let (s, b) =
        launch(app, json!({"computeEnvId": ce, "pipeline": url, "paramsText": "{\"standin_tasks\": 1, \"standin_sleep\": 0}"})).await;
    assert_eq!(s, 200, "{b}");
    let id = b["workflowId"].as_str().unwrap().to_string();
    let run = wait_status(app, &id, &["SUCCEEDED", "FAILED"]).await;
    let (_, log) = app.send(Method::GET, &format!("/workflow/{id}/log"), t, None).await;
    assert_eq!(run["workflow"]["status"], "SUCCEEDED", "{run}\n{log}");
    assert!(log.to_string().contains(&format!("Pulled {url} with the SCM provider tower_gitea: main.nf")), "{log}");
    let (row, _) = ended_script(app, &id).await;
    let run_dir = row.run_dir.clone().unwrap();
    assert!(!std::path::Path::new(&format!("{run_dir}/scm")).exists(), "the SCM file is gone when the run ends");
    let (_, creds) = app.send(Method::GET, "/credentials", t, None).await;
    let lab = creds["credentials"].as_array().unwrap().iter().find(|c| c["name"] == "lab-git").unwrap().clone();
    assert!(lab["lastUsed"].is_string(), "{creds}");
    let script = std::fs::read_to_string(format!("{run_dir}/launch.sh")).unwrap();
    for text in [log.to_string(), creds.to_string(), row.request.clone(), script] {
        assert!(!text.contains(&token), "the Git token leaked: {text}");
    }
    assert!(server.refused() >= 1, "the server asked for credentials");
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::remove_dir_all(src);
}

crate::both_local!(a_private_repository_is_read_and_pulled_with_the_git_credentials);
