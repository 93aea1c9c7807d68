//! The cron jobs against real parts: a real SMTP server (aiosmtpd, `.ci/smtp/server.py`, one per
//! test) receives the mail; the backend runs in-process on SQLite, and on MariaDB too when
//! TOWER_TEST_MYSQL_URL is set; crashes are real `tower-cron` processes killed with SIGKILL.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tower_backend::app::{Application, SchemaMode};
use tower_backend::config::Config;
use tower_backend::domain::time::now_millis;
use tower_backend::state::AppState;
use tower_backend::store::{self, mail::NewMail, Db};
use tower_backend::with_pool;
use tower_cron::jobs::{Context, Job};

// ---------------------------------------------------------------------------------------------
// Harness

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sqlite,
    MySql,
}

fn kinds() -> Vec<Kind> {
    let mut k = vec![Kind::Sqlite];
    if std::env::var("TOWER_TEST_MYSQL_URL").is_ok_and(|v| !v.is_empty()) {
        k.push(Kind::MySql);
    } else {
        eprintln!("TOWER_TEST_MYSQL_URL is not set: MySQL variant not run");
    }
    k
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", tower_backend::domain::ids::random_base62(10).to_lowercase())
}

/// A fresh database, dropped (MySQL) or deleted (SQLite) with the value.
struct TestDb {
    url: String,
    mysql: Option<(String, String)>,
    dir: PathBuf,
}

impl TestDb {
    async fn new(kind: Kind) -> TestDb {
        let dir = std::env::temp_dir().join(unique("tower-cron-jobs-"));
        std::fs::create_dir_all(&dir).unwrap();
        match kind {
            Kind::Sqlite => TestDb { url: format!("sqlite://{}", dir.join("tower.db").display()), mysql: None, dir },
            Kind::MySql => {
                let admin = std::env::var("TOWER_TEST_MYSQL_URL").unwrap();
                let name = unique("tower_cron_");
                let conn = sqlx::mysql::MySqlPool::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&conn).await.unwrap();
                conn.close().await;
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                TestDb { url: url.to_string(), mysql: Some((admin, name)), dir }
            }
        }
    }

    fn env(&self, extra: &[(&str, String)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = HashMap::from([
            ("TOWER_DB_URL".into(), self.url.clone()),
            ("TOWER_JWT_SECRET".into(), "test-jwt-secret-that-is-long-enough-for-tower".into()),
            ("TOWER_SERVER_URL".into(), "http://localhost:8000".into()),
            ("TOWER_ENABLE_UNSAFE_MODE".into(), "true".into()),
            ("TOWER_CONTACT_EMAIL".into(), "tower@example.com".into()),
            ("TOWER_DB_MIN_POOL_SIZE".into(), "1".into()),
            ("TOWER_CRON_MAIL_INTERVAL".into(), "1s".into()),
            ("TOWER_CRON_MAIL_LEASE".into(), "5s".into()),
            ("TOWER_CRON_LOCK_TIMEOUT".into(), "2s".into()),
        ]);
        for (k, v) in extra {
            env.insert(k.to_string(), v.clone());
        }
        env
    }

    fn config(&self, extra: &[(&str, String)]) -> Config {
        let env = self.env(extra);
        Config::from_lookup(|k| env.get(k).cloned()).expect("valid test config")
    }

    async fn finish(self) {
        if let Some((admin, name)) = &self.mysql {
            let conn = sqlx::mysql::MySqlPool::connect(admin).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&conn).await;
            conn.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A real SMTP server for one test; it stores each message it receives as a file.
struct Smtp {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Smtp {
    fn start() -> Option<Smtp> {
        Self::start_on(0)
    }

    fn start_on(port: u16) -> Option<Smtp> {
        if Command::new("python3").args(["-c", "import aiosmtpd"]).status().map(|s| !s.success()).unwrap_or(true) {
            assert!(std::env::var("CI").is_err(), "aiosmtpd is missing: .ci/services.sh installs it");
            eprintln!("aiosmtpd is not installed (python3 -m pip install aiosmtpd): mail test not run");
            return None;
        }
        let dir = std::env::temp_dir().join(unique("tower-smtp-"));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/smtp/server.py");
        let mut child = Command::new("python3")
            .args([script, "--dir", dir.to_str().unwrap(), "--port", &port.to_string(), "--slow-seconds", "4"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let port = line.trim().parse().expect("the SMTP server prints its port");
        Some(Smtp { child, port, dir })
    }

    /// Every message received so far, in arrival order.
    fn messages(&self) -> Vec<String> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p.clone())))
            .filter(|(_, p)| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.into_iter().map(|(_, p)| std::fs::read_to_string(p).unwrap()).collect()
    }

    async fn wait_for(&self, count: usize, within: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= count || start.elapsed() > within {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A header of a raw message (first occurrence, unfolded).
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The text a message carries, with quoted-printable soft breaks and `=3D` undone.
fn decoded(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=3D", "=")
}

/// The backend in-process, on a listener of its own.
struct Backend {
    address: String,
    state: AppState,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Backend {
    async fn start(config: Config) -> Backend {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = Application::build_with_listener(config, SchemaMode::Migrate, listener).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Backend { address, state, client, stop: Some(stop) }
    }

    /// A user and a personal access token of theirs.
    async fn user(&self, email: &str) -> (i64, String) {
        let user = store::user::ensure(&self.state.db, email).await.unwrap();
        let (_, token) = tower_backend::api::token::create_token(&self.state.db, user.id, "test").await.unwrap();
        (user.id, token)
    }

    async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    fn ctx(&self) -> Context {
        Context::new(self.state.db.clone(), self.state.config.clone(), self.state.publisher.clone()).unwrap()
    }

    /// Reports a run through the trace API up to `begin`; returns its id.
    async fn begin_run(&self, token: &str, run_name: &str) -> String {
        let session = "5b2e8d1c-0000-4000-8000-00000000abcd";
        let (s, body) = self
            .call(
                reqwest::Method::POST,
                "/trace/create",
                Some(token),
                Some(json!({"sessionId": session, "runName": run_name, "projectName": "nf-core/demo"})),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let id = body["workflowId"].as_str().unwrap().to_string();
        let begin = json!({"workflow": {"id": id, "runName": run_name, "sessionId": session, "projectName": "nf-core/demo", "userName": "ci",
            "workDir": "/work", "commandLine": "nextflow run nf-core/demo", "start": "2024-01-01T10:00:00Z"}, "processNames": ["FASTQC"]});
        let (s, body) = self.call(reqwest::Method::PUT, &format!("/trace/{id}/begin"), Some(token), Some(begin)).await;
        assert_eq!(s, 200, "{body}");
        id
    }

    async fn complete_run(&self, token: &str, id: &str, run_name: &str, success: bool) -> u16 {
        let body = json!({"workflow": {"id": id, "runName": run_name, "sessionId": "5b2e8d1c-0000-4000-8000-00000000abcd", "projectName": "nf-core/demo",
            "start": "2024-01-01T10:00:00Z", "complete": "2024-01-01T10:01:30Z", "duration": 90000, "success": success,
            "errorMessage": if success { Value::Null } else { json!("Process `FASTQC (1)` terminated with an error exit status (1)") }},
            "progress": {"succeeded": 3, "failed": if success { 0 } else { 1 }, "cached": 2, "processes": []}});
        self.call(reqwest::Method::PUT, &format!("/trace/{id}/complete"), Some(token), Some(body)).await.0
    }

    /// A run's status and completion time, as the API shows them.
    async fn status(&self, token: &str, id: &str) -> (String, Value) {
        let (_, body) = self.call(reqwest::Method::GET, &format!("/workflow/{id}"), Some(token), None).await;
        (body["workflow"]["status"].as_str().unwrap().to_string(), body["workflow"]["complete"].clone())
    }

    async fn finish(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.state.db.close().await;
    }
}

async fn exec(db: &Db, sql: &str) {
    with_pool!(db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
}

async fn scalar_i64(db: &Db, sql: &str) -> i64 {
    with_pool!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

async fn scalar_text(db: &Db, sql: &str) -> Option<String> {
    with_pool!(db, p => sqlx::query_scalar::<_, Option<String>>(sql).fetch_one(p).await).unwrap()
}

fn mail(n: usize, recipient: &str) -> NewMail {
    NewMail {
        message_id: format!("test.{n}.{}@tower.test", unique("")),
        kind: "test",
        recipient: recipient.into(),
        subject: format!("Test mail {n}"),
        body_text: format!("Body of test mail {n}"),
        body_html: Some(format!("<p>Body of test mail {n}</p>")),
    }
}

fn smtp_env(smtp: &Smtp) -> Vec<(&'static str, String)> {
    vec![("TOWER_SMTP_HOST", "127.0.0.1".into()), ("TOWER_SMTP_PORT", smtp.port.to_string())]
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `tower-cron` process; killed (SIGKILL) when dropped.
struct CronProcess(Child);

impl CronProcess {
    fn start(env: &HashMap<String, String>) -> CronProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_tower-cron"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .env("TOWER_CRON_SERVER_PORT", free_port().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        CronProcess(child)
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for CronProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A real SMTP server, a migrated database, the environment of `tower-cron` processes using
/// both, and a pool on the database.
async fn migrated_with_smtp(kind: Kind) -> Option<(Smtp, TestDb, HashMap<String, String>, Db)> {
    let smtp = Smtp::start()?;
    let db = TestDb::new(kind).await;
    let env = db.env(&smtp_env(&smtp));
    let config = db.config(&smtp_env(&smtp));
    tower_cron::migrate(&config).await.unwrap().close().await;
    let pool = Db::connect(&config.db).await.unwrap();
    Some((smtp, db, env, pool))
}

async fn wait_until_all_sent(db: &Db, within: Duration) {
    let start = Instant::now();
    while scalar_i64(db, "SELECT COUNT(*) FROM tw_mail WHERE sent IS NULL").await > 0 {
        assert!(start.elapsed() < within, "the outbox was not emptied within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Mail

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_link_is_mailed_by_cron_and_signs_in_exactly_once() {
    for kind in kinds() {
        let Some(smtp) = Smtp::start() else { return };
        let db = TestDb::new(kind).await;
        let mut extra = smtp_env(&smtp);
        extra.push(("TOWER_TRUSTED_EMAILS", "*@example.com".into()));
        let backend = Backend::start(db.config(&extra)).await;

        let (s, trusted) = backend.call(reqwest::Method::POST, "/auth/email", None, Some(json!({"email": " Ann.Lee@Example.com "}))).await;
        assert_eq!(s, 202);
        let (s, untrusted) = backend.call(reqwest::Method::POST, "/auth/email", None, Some(json!({"email": "eve@elsewhere.org"}))).await;
        assert_eq!(s, 202);
        assert_eq!(trusted, untrusted, "the answer does not reveal who may sign in");
        let (s, bad) = backend.call(reqwest::Method::POST, "/auth/email", None, Some(json!({"email": "not-an-address"}))).await;
        assert_eq!(s, 400, "{bad}");
        assert_eq!(scalar_i64(&backend.state.db, "SELECT COUNT(*) FROM tw_mail").await, 1, "only the trusted address gets a mail");

        let summary = Job::Mail.run_locked(&backend.ctx()).await.unwrap().unwrap();
        assert!(summary.contains("1 mail(s) sent"), "{summary}");
        let messages = smtp.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(messages.len(), 1);
        let raw = &messages[0];
        assert_eq!(header(raw, "X-Envelope-To").as_deref(), Some("ann.lee@example.com"));
        assert_eq!(header(raw, "From").as_deref(), Some("tower@example.com"));
        assert_eq!(header(raw, "Subject").as_deref(), Some("Sign in to Tower"));
        let stored_id = scalar_text(&backend.state.db, "SELECT message_id FROM tw_mail").await.unwrap();
        assert_eq!(header(raw, "Message-ID"), Some(format!("<{stored_id}>")));
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "plain-text and HTML parts");

        let text = decoded(raw);
        let prefix = "http://localhost:8000/api/auth/email/verify?token=";
        let start = text.find(prefix).expect("the mail carries the link") + prefix.len();
        let token: String = text[start..].chars().take_while(char::is_ascii_hexdigit).collect();
        let verify = format!("/auth/email/verify?token={token}");
        let r = backend.client.get(format!("{}{verify}", backend.address)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "the link signs in");
        assert!(r.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("JWT=")));
        let again = backend.client.get(format!("{}{verify}", backend.address)).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 401, "a link works once");

        assert!(Job::Mail.run_locked(&backend.ctx()).await.unwrap().unwrap().is_empty(), "nothing left to send");
        assert_eq!(smtp.messages().len(), 1, "sent once");
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_mails_its_owner_when_they_turned_notifications_on() {
    for kind in kinds() {
        let Some(smtp) = Smtp::start() else { return };
        let db = TestDb::new(kind).await;
        let backend = Backend::start(db.config(&smtp_env(&smtp))).await;
        let (ann, ann_token) = backend.user("ann@example.com").await;
        let (_, bob_token) = backend.user("bob@example.com").await;

        let profile = json!({"email": "ann@example.com", "userName": "ann", "firstName": "Ann", "notification": true});
        let (s, body) = backend.call(reqwest::Method::POST, &format!("/users/{ann}"), Some(&ann_token), Some(profile.clone())).await;
        assert_eq!(s, 204, "{body}");
        let (s, _) = backend.call(reqwest::Method::POST, &format!("/users/{ann}"), Some(&bob_token), Some(profile)).await;
        assert_eq!(s, 403, "nobody changes another user's profile");
        let (_, me) = backend.call(reqwest::Method::GET, &format!("/users/{ann}"), Some(&ann_token), None).await;
        assert_eq!(me["user"]["notification"], true);

        let failed = backend.begin_run(&ann_token, "ann_failing").await;
        assert_eq!(backend.complete_run(&ann_token, &failed, "ann_failing", false).await, 200);
        assert_eq!(backend.complete_run(&ann_token, &failed, "ann_failing", false).await, 200, "a retried completion");
        let quiet = backend.begin_run(&bob_token, "bob_quiet").await;
        assert_eq!(backend.complete_run(&bob_token, &quiet, "bob_quiet", true).await, 200);
        assert_eq!(scalar_i64(&backend.state.db, "SELECT COUNT(*) FROM tw_mail").await, 1, "one mail: Ann's, once");

        Job::Mail.run_locked(&backend.ctx()).await.unwrap();
        let messages = smtp.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(messages.len(), 1);
        let raw = &messages[0];
        assert_eq!(header(raw, "X-Envelope-To").as_deref(), Some("ann@example.com"));
        assert_eq!(header(raw, "Subject").as_deref(), Some("Run ann_failing failed"));
        let text = decoded(raw);
        for expected in [
            "FAILED",
            "1m 30s",
            "3 succeeded, 2 cached, 1 failed",
            "terminated with an error exit status (1)",
            &format!("http://localhost:8000/watch/{failed}"),
        ] {
            assert!(text.contains(expected), "the mail says {expected}: {text}");
        }
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_without_a_relay_and_is_retried_with_backoff_until_the_relay_answers() {
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        // No relay configured: nothing fails, the mail waits and the job says why.
        let backend = Backend::start(db.config(&[])).await;
        store::mail::enqueue(&backend.state.db, &mail(1, "ann@example.com"), now_millis()).await.unwrap();
        let summary = Job::Mail.run_locked(&backend.ctx()).await.unwrap().unwrap();
        assert!(summary.contains("1 mail(s) wait in the outbox") && summary.contains("TOWER_SMTP_HOST"), "{summary}");
        backend.finish().await;

        // A relay that is down: the attempt is counted and the next one pushed back.
        let Some(mut smtp) = Smtp::start() else { return };
        let port = smtp.port;
        smtp.stop();
        let config = db.config(&[("TOWER_SMTP_HOST", "127.0.0.1".into()), ("TOWER_SMTP_PORT", port.to_string())]);
        let backend = Backend::start(config).await;
        let ctx = backend.ctx();
        let summary = Job::Mail.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("0 mail(s) sent, 1 to retry"), "{summary}");
        let db_ = &backend.state.db;
        assert_eq!(scalar_i64(db_, "SELECT attempts FROM tw_mail").await, 1);
        assert!(scalar_i64(db_, "SELECT next_attempt FROM tw_mail").await > now_millis(), "backoff");
        assert!(scalar_text(db_, "SELECT last_error FROM tw_mail").await.is_some());
        assert!(Job::Mail.run_locked(&ctx).await.unwrap().unwrap().is_empty(), "not retried before its time");

        // The relay comes back: the mail goes out at its next attempt.
        let smtp = Smtp::start_on(port).unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let summary = Job::Mail.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("1 mail(s) sent"), "{summary}");
        assert_eq!(smtp.wait_for(1, Duration::from_secs(10)).await.len(), 1);
        assert_eq!(scalar_i64(db_, "SELECT attempts FROM tw_mail").await, 2);
        assert!(scalar_text(db_, "SELECT last_error FROM tw_mail").await.is_none());
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_killed_between_send_and_mark_leads_to_a_resend_with_the_same_message_id() {
    for kind in kinds() {
        let Some((smtp, db, env, pool)) = migrated_with_smtp(kind).await else { return };
        // The slow recipient's mail is stored by the server, which then waits before its 250.
        let mut ids = vec![];
        for (n, to) in ["slow@example.com", "ann@example.com", "bob@example.com", "cy@example.com"].into_iter().enumerate() {
            let m = mail(n, to);
            store::mail::enqueue(&pool, &m, now_millis() + n as i64).await.unwrap();
            ids.push(m.message_id);
        }

        let mut first = CronProcess::start(&env);
        let received = smtp.wait_for(1, Duration::from_secs(60)).await;
        assert_eq!(received.len(), 1, "the slow mail reached the server");
        first.kill();
        assert_eq!(scalar_i64(&pool, "SELECT COUNT(*) FROM tw_mail WHERE sent IS NOT NULL").await, 0, "killed before marking it sent");

        let _second = CronProcess::start(&env);
        wait_until_all_sent(&pool, Duration::from_secs(60)).await;
        let messages = smtp.messages();
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        for m in &messages {
            *by_id.entry(header(m, "Message-ID").unwrap()).or_default() += 1;
        }
        let expected: BTreeMap<String, usize> =
            ids.iter().enumerate().map(|(i, id)| (format!("<{id}>"), if i == 0 { 2 } else { 1 })).collect();
        assert_eq!(by_id, expected, "every mail arrived; only the interrupted one twice, with the same Message-ID");
        pool.close().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_crons_running_at_once_send_each_mail_once() {
    for kind in kinds() {
        let Some((smtp, db, env, pool)) = migrated_with_smtp(kind).await else { return };
        for n in 0..40 {
            store::mail::enqueue(&pool, &mail(n, &format!("user{n}@example.com")), now_millis()).await.unwrap();
        }
        let (_a, _b) = (CronProcess::start(&env), CronProcess::start(&env));
        wait_until_all_sent(&pool, Duration::from_secs(90)).await;
        let messages = smtp.wait_for(40, Duration::from_secs(5)).await;
        let ids: std::collections::BTreeSet<String> = messages.iter().map(|m| header(m, "Message-ID").unwrap()).collect();
        assert_eq!((messages.len(), ids.len()), (40, 40), "40 mails, each once");
        pool.close().await;
        db.finish().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Watchdog and cleanup

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchdog_marks_silent_runs_unknown_revives_them_and_ends_zombies() {
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        let extra = [("TOWER_CRON_WATCHDOG_UNKNOWN_AFTER", "3m".to_string()), ("TOWER_CRON_WATCHDOG_ZOMBIE_AFTER", "1h".to_string())];
        let backend = Backend::start(db.config(&extra)).await;
        let ctx = backend.ctx();
        let (_, token) = backend.user("ann@example.com").await;
        let id = backend.begin_run(&token, "silent_run").await;
        let fresh = backend.begin_run(&token, "chatty_run").await;
        let pool = &backend.state.db;

        // Silent for four minutes: UNKNOWN; the chatty run is left alone.
        exec(pool, &format!("UPDATE tw_workflow SET last_updated = {} WHERE id = '{id}'", now_millis() - 240_000)).await;
        let summary = Job::Watchdog.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("1 run(s) now UNKNOWN"), "{summary}");
        assert_eq!(backend.status(&token, &id).await.0, "UNKNOWN");
        assert_eq!(backend.status(&token, &fresh).await.0, "RUNNING");

        // A heartbeat brings it back.
        let (s, _) =
            backend.call(reqwest::Method::PUT, &format!("/trace/{id}/heartbeat"), Some(&token), Some(json!({"progress": {}}))).await;
        assert_eq!(s, 200);
        assert_eq!(backend.status(&token, &id).await.0, "RUNNING");

        // Silent for two hours: UNKNOWN, then given a completion time (its last sign of life).
        let last = now_millis() - 7_200_000;
        exec(pool, &format!("UPDATE tw_workflow SET last_updated = {last} WHERE id = '{id}'")).await;
        let summary = Job::Watchdog.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("1 run(s) now UNKNOWN, 1 run(s) given up on"), "{summary}");
        let (st, complete) = backend.status(&token, &id).await;
        assert_eq!(st, "UNKNOWN");
        assert_eq!(complete.as_str().map(tower_backend::domain::time::parse_datetime), Some(Some(last)));
        assert!(Job::Watchdog.run_locked(&ctx).await.unwrap().unwrap().is_empty(), "idempotent");

        // A late heartbeat still revives it, completion time dropped.
        backend.call(reqwest::Method::PUT, &format!("/trace/{id}/heartbeat"), Some(&token), Some(json!({"progress": {}}))).await;
        let (st, complete) = backend.status(&token, &id).await;
        assert_eq!((st.as_str(), complete), ("RUNNING", Value::Null));

        // The owner may delete a run the watchdog gave up on, without force.
        exec(pool, &format!("UPDATE tw_workflow SET last_updated = {last} WHERE id = '{id}'")).await;
        Job::Watchdog.run_locked(&ctx).await.unwrap();
        let (s, body) = backend.call(reqwest::Method::DELETE, &format!("/workflow/{id}"), Some(&token), None).await;
        assert_eq!(s, 204, "{body}");
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_purges_deleted_runs_in_chunks_and_expires_sign_ins_and_old_mail() {
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        let extra = [("TOWER_CRON_CLEANUP_CHUNK_SIZE", "100".to_string()), ("TOWER_CRON_MAIL_RETENTION", "1d".to_string())];
        let backend = Backend::start(db.config(&extra)).await;
        let ctx = backend.ctx();
        let (ann, token) = backend.user("ann@example.com").await;
        let pool = &backend.state.db;

        let doomed = backend.begin_run(&token, "doomed").await;
        let kept = backend.begin_run(&token, "kept").await;
        for id in [&doomed, &kept] {
            for batch in 0..3 {
                let tasks: Vec<Value> = (1..=100)
                    .map(|i| json!({"taskId": batch * 100 + i, "status": "COMPLETED", "name": format!("T ({i})"), "process": "T", "hash": "ab/cdef12"}))
                    .collect();
                let (s, b) = backend
                    .call(
                        reqwest::Method::PUT,
                        &format!("/trace/{id}/progress"),
                        Some(&token),
                        Some(json!({"tasks": tasks, "progress": {}})),
                    )
                    .await;
                assert_eq!(s, 200, "{b}");
            }
        }
        backend.call(reqwest::Method::POST, &format!("/workflow/{doomed}/star"), Some(&token), None).await;
        backend.complete_run(&token, &doomed, "doomed", true).await;
        let (s, _) = backend.call(reqwest::Method::DELETE, &format!("/workflow/{doomed}"), Some(&token), None).await;
        assert_eq!(s, 204);

        let now = now_millis();
        exec(pool, &format!("INSERT INTO tw_session (user_id, refresh_hash, method, date_created, last_refreshed, expires) VALUES ({ann}, '{}', 'token', 0, 0, {})", "a".repeat(64), now - 1000)).await;
        exec(pool, &format!("INSERT INTO tw_session (user_id, refresh_hash, method, date_created, last_refreshed, expires) VALUES ({ann}, '{}', 'token', 0, 0, {})", "b".repeat(64), now + 3_600_000)).await;
        exec(
            pool,
            &format!(
                "INSERT INTO tw_sign_in_link (email, token_hash, date_created, expires) VALUES ('ann@example.com', '{}', 0, {})",
                "c".repeat(64),
                now - 1000
            ),
        )
        .await;
        store::mail::enqueue(pool, &mail(1, "ann@example.com"), now).await.unwrap();
        store::mail::enqueue(pool, &mail(2, "ann@example.com"), now).await.unwrap();
        store::mail::enqueue(pool, &mail(3, "ann@example.com"), now).await.unwrap();
        exec(pool, &format!("UPDATE tw_mail SET sent = {} WHERE subject = 'Test mail 1'", now - 2 * 86_400_000)).await;
        exec(pool, &format!("UPDATE tw_mail SET sent = {now} WHERE subject = 'Test mail 2'")).await;
        // An audit log event past TOWER_AUDIT_LOG_RETENTION_DAYS (365), beside this test's own.
        let old = store::audit::NewEvent {
            event: "user_sign_in",
            operation: "TokenSignIn",
            status: 204,
            actor_type: "user",
            ..Default::default()
        };
        store::audit::record(pool, &old, now - 366 * 86_400_000).await.unwrap();
        let events = scalar_i64(pool, "SELECT COUNT(*) FROM tw_audit_log").await;

        let summary = Job::Cleanup.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("purged 1 run(s) with 300 task(s)"), "{summary}");
        assert!(
            summary.contains("1 expired sign-in link(s), 1 expired session(s), 1 old sent mail(s), 1 old audit log event(s)"),
            "{summary}"
        );
        assert_eq!(scalar_i64(pool, "SELECT COUNT(*) FROM tw_audit_log").await, events - 1, "recent events stay");
        assert_eq!(scalar_i64(pool, &format!("SELECT COUNT(*) FROM tw_task WHERE workflow_id = '{doomed}'")).await, 0);
        assert_eq!(scalar_i64(pool, &format!("SELECT COUNT(*) FROM tw_workflow WHERE id = '{doomed}'")).await, 0);
        assert_eq!(scalar_i64(pool, &format!("SELECT COUNT(*) FROM tw_workflow_star WHERE workflow_id = '{doomed}'")).await, 0);
        assert_eq!(
            scalar_i64(pool, &format!("SELECT COUNT(*) FROM tw_task WHERE workflow_id = '{kept}'")).await,
            300,
            "other runs untouched"
        );
        assert_eq!(scalar_i64(pool, "SELECT COUNT(*) FROM tw_session").await, 1, "the live session stays");
        assert_eq!(scalar_i64(pool, "SELECT COUNT(*) FROM tw_mail").await, 2, "recent and unsent mail stays");
        assert!(Job::Cleanup.run_locked(&ctx).await.unwrap().unwrap().is_empty(), "idempotent");
        backend.finish().await;

        // With a retention, runs that ended long ago go too; without one they stay.
        let backend = Backend::start(db.config(&[("TOWER_CRON_RUN_RETENTION", "30d".to_string())])).await;
        let old = backend.begin_run(&token, "old").await;
        backend.complete_run(&token, &old, "old", true).await; // completed in 2024
        let summary = Job::Cleanup.run_locked(&backend.ctx()).await.unwrap().unwrap();
        assert!(summary.contains("purged 1 run(s)"), "{summary}");
        assert_eq!(scalar_i64(&backend.state.db, &format!("SELECT COUNT(*) FROM tw_workflow WHERE id = '{old}'")).await, 0);
        assert_eq!(
            scalar_i64(&backend.state.db, &format!("SELECT COUNT(*) FROM tw_workflow WHERE id = '{kept}'")).await,
            1,
            "a running run stays"
        );
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_lock_is_held_by_one_cron_at_a_time_and_taken_over_when_it_expires() {
    let db = TestDb::new(Kind::Sqlite).await;
    let config = Arc::new(db.config(&[]));
    let pool = tower_cron::migrate(&config).await.unwrap();
    let now = now_millis();
    assert!(store::cron::acquire_lock(&pool, "mail", "a", now, now + 1000).await.unwrap());
    assert!(!store::cron::acquire_lock(&pool, "mail", "b", now, now + 1000).await.unwrap(), "held by a");
    assert!(store::cron::acquire_lock(&pool, "mail", "a", now, now + 2000).await.unwrap(), "a renews its own");
    assert!(store::cron::acquire_lock(&pool, "mail", "b", now + 2001, now + 3000).await.unwrap(), "expired: b takes it over");
    store::cron::release_lock(&pool, "mail", "a").await.unwrap();
    assert!(!store::cron::acquire_lock(&pool, "mail", "c", now + 2002, now + 3000).await.unwrap(), "a cannot release b's lock");
    store::cron::release_lock(&pool, "mail", "b").await.unwrap();
    assert!(store::cron::acquire_lock(&pool, "mail", "c", now + 2003, now + 3000).await.unwrap());
    pool.close().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_keeps_its_lock_however_long_it_takes() {
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        // A lease of 1 s, renewed every third of a second while the work takes 3 s.
        let backend = Backend::start(db.config(&[("TOWER_CRON_LOCK_TIMEOUT", "1s".into())])).await;
        // Two crons on one database, each with its own owner id, as after a rolling update.
        let (a, b) = (backend.ctx(), backend.ctx());
        let started = Instant::now();
        let work = tower_cron::jobs::locked(&a, "mail", tokio::time::sleep(Duration::from_secs(3)));
        let contender = async {
            tokio::time::sleep(Duration::from_millis(300)).await; // a takes the lock first
            let mut kept_out = 0;
            while started.elapsed() < Duration::from_millis(2700) {
                assert!(tower_cron::jobs::locked(&b, "mail", async {}).await.unwrap().is_none(), "{kind:?}: b ran while a worked");
                kept_out += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            kept_out
        };
        let (ran, kept_out) = tokio::join!(work, contender);
        assert!(ran.unwrap().is_some());
        assert!(kept_out >= 7, "{kind:?}: b tried {kept_out} times");
        assert!(tower_cron::jobs::locked(&b, "mail", async {}).await.unwrap().is_some(), "{kind:?}: released at the end");
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_of_a_dead_cron_passes_to_a_live_one_within_a_lease() {
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        let backend =
            Backend::start(db.config(&[("TOWER_CRON_LOCK_TIMEOUT", "2s".into()), ("TOWER_CRON_MAIL_INTERVAL", "1h".into())])).await;
        let (dead, live) = (backend.ctx(), backend.ctx());
        // The dead cron took the lock and its lease was last renewed now; it renews it no more.
        let now = now_millis();
        assert!(store::cron::acquire_lock(&backend.state.db, "mail", &dead.owner, now, now + 2000).await.unwrap());
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let started = Instant::now();
        let mut jobs = tower_cron::jobs::spawn(Arc::new(live), stop);
        // The live cron, kept out at first, takes the mail job over (and, done, releases the lock)
        // within one lease plus half a lease of polling, although its mail interval is an hour.
        let took_over = loop {
            let holder: Option<String> = with_pool!(&backend.state.db, p =>
                sqlx::query_scalar("SELECT owner FROM tw_cron_lock WHERE name = 'mail'").fetch_one(p).await)
            .unwrap();
            if holder.as_deref() != Some(dead.owner.as_str()) {
                break started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(6), "{kind:?}: still the dead cron's lock");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(took_over > Duration::from_millis(1500), "{kind:?}: taken over after {took_over:?}, before the lease ended");
        assert!(took_over < Duration::from_millis(3500), "{kind:?}: taken over after {took_over:?}");
        let _ = stop_tx.send(true);
        while jobs.join_next().await.is_some() {}
        backend.finish().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_mail_in_flight_finish_and_releases_the_lock() {
    for kind in kinds() {
        let Some((smtp, db, env, pool)) = migrated_with_smtp(kind).await else { return };
        // Every mail is slow: the server stores it, then waits 4 s before its 250.
        for (n, to) in ["slow1@example.com", "slow2@example.com", "slow3@example.com"].into_iter().enumerate() {
            store::mail::enqueue(&pool, &mail(n, to), now_millis() + n as i64).await.unwrap();
        }
        let mut cron = CronProcess::start(&env);
        assert_eq!(smtp.wait_for(1, Duration::from_secs(60)).await.len(), 1, "the first mail reached the server");
        let asked = Instant::now();
        let term = Command::new("kill").args(["-TERM", &cron.0.id().to_string()]).status().unwrap();
        assert!(term.success());
        let status = loop {
            if let Some(s) = cron.0.try_wait().unwrap() {
                break s;
            }
            assert!(asked.elapsed() < Duration::from_secs(15), "{kind:?}: tower-cron still runs {:?} after SIGTERM", asked.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "{kind:?}: exit {status:?}");
        // The SMTP transaction in flight was finished and marked; nothing else was started.
        assert_eq!(scalar_i64(&pool, "SELECT COUNT(*) FROM tw_mail WHERE sent IS NOT NULL").await, 1, "{kind:?}");
        assert_eq!(smtp.messages().len(), 1, "{kind:?}");
        assert_eq!(scalar_i64(&pool, "SELECT COUNT(*) FROM tw_cron_lock WHERE owner IS NOT NULL").await, 0, "{kind:?}: locks released");
        pool.close().await;
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotation_reencrypts_every_stored_secret_and_resumes_after_an_interruption() {
    const OLD: &str = "the-old-key-of-stored-secrets";
    const NEW: &str = "the-new-key-of-stored-secrets";
    for kind in kinds() {
        let db = TestDb::new(kind).await;
        let old = Backend::start(db.config(&[("TOWER_CRYPTO_SECRETKEY", OLD.into())])).await;
        let (_, token) = old.user("alice@example.com").await;
        let mut credentials = Vec::new();
        for i in 0..3 {
            let body = json!({"credentials": {"name": format!("c{i}"), "provider": "github", "keys": {"username": "u", "token": format!("token-{i}")}}});
            let (s, b) = old.call(reqwest::Method::POST, "/credentials", Some(&token), Some(body)).await;
            assert_eq!(s, 200, "{b}");
            credentials.push(b["credentialsId"].as_str().unwrap().to_string());
        }
        for i in 0..2 {
            let (s, b) = old
                .call(
                    reqwest::Method::POST,
                    "/pipeline-secrets",
                    Some(&token),
                    Some(json!({"name": format!("S{i}"), "value": format!("v{i}")})),
                )
                .await;
            assert_eq!(s, 200, "{b}");
        }
        // The new key, with the old one to read what it sealed meanwhile.
        let rotating =
            Backend::start(db.config(&[("TOWER_CRYPTO_SECRETKEY", NEW.into()), ("TOWER_CRYPTO_PREVIOUS_SECRETKEY", OLD.into())])).await;
        let ctx = rotating.ctx();
        let new_id = ctx.keyring.current_id().unwrap().to_string();
        let counts = |db: Db| async move { store::sealed::key_counts(&db).await.unwrap() };
        // Interrupted after two values...
        let summary = tower_cron::jobs::rekey(&ctx, 2).await.unwrap();
        assert!(summary.contains("re-encrypted 2 stored secrets") && summary.contains("3 left"), "{summary}");
        let (s, _) = rotating
            .call(reqwest::Method::GET, &format!("/credentials/{}/keys?pairingId=during-rotation", credentials[2]), Some(&token), None)
            .await;
        assert_eq!(s, 200, "a value of the old key is read during the rotation");
        // ...and resumed by the job itself.
        let summary = Job::Rekey.run_locked(&ctx).await.unwrap().unwrap();
        assert!(summary.contains("re-encrypted 3 stored secrets") && summary.contains("can be removed"), "{summary}");
        assert_eq!(counts(ctx.db.clone()).await, vec![(new_id.clone(), 5)]);
        assert_eq!(tower_cron::jobs::rekey(&ctx, usize::MAX).await.unwrap(), "", "nothing left to do");
        // The new key alone now opens everything.
        let new = Backend::start(db.config(&[("TOWER_CRYPTO_SECRETKEY", NEW.into())])).await;
        for (i, id) in credentials.iter().enumerate() {
            let pairing = "after-rotation";
            let (s, b) = new.call(reqwest::Method::GET, &format!("/credentials/{id}/keys?pairingId={pairing}"), Some(&token), None).await;
            assert_eq!(s, 200, "{b}");
            let keys =
                tower_backend::domain::crypto::open_from_pairing(&token, pairing, id.as_bytes(), b["keys"].as_str().unwrap()).unwrap();
            assert_eq!(serde_json::from_slice::<Value>(&keys).unwrap()["token"], format!("token-{i}"));
        }
        db.finish().await;
    }
}
