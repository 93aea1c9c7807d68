//! Read benchmark: with 10,000 runs and 1,000,000 tasks stored (100 per run, all owned by one
//! user, the hardest case for the runs list), the latency of the pages people open most,
//! through a real `tower-backend` process, against the same SQL sent straight to the database
//! in the same run. Also prints the query plans the pages rely on.
//!
//! cargo bench -p tower-backend --bench reads -- [--db URL] [--runs N] [--requests N]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tower_backend::config::Config;
use tower_backend::domain::trace::{ProgressCounters, ProgressSnapshot, TaskRecord};
use tower_backend::store::{self, Db};
use tower_backend::with_pool;

fn arg(name: &str) -> Option<String> {
    let v: Vec<String> = std::env::args().collect();
    v.iter().position(|a| a == name).and_then(|i| v.get(i + 1).cloned())
}

fn config(url: &str) -> Config {
    let env = [("TOWER_DB_URL", url.to_string()), ("TOWER_DB_MAX_POOL_SIZE", "10".to_string())];
    Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap()
}

const STATUSES: [&str; 4] = ["COMPLETED", "COMPLETED", "FAILED", "CACHED"];

fn tasks(run: usize) -> Vec<TaskRecord> {
    (1..=100)
        .map(|i| {
            serde_json::from_value(json!({
                "taskId": i, "status": STATUSES[(run + i) % 4], "hash": format!("{:02x}/{:06x}", i, run),
                "name": format!("PROC_{} ({i})", i % 7), "process": format!("PIPELINE:PROC_{}", i % 7), "tag": format!("sample_{i}"),
                "exit": 0, "submit": "2024-05-06T10:00:00Z", "start": "2024-05-06T10:01:00Z", "complete": "2024-05-06T10:05:00Z",
                "cpus": 1 + i % 4, "memory": 1_073_741_824i64 * (1 + (i % 8) as i64), "realtime": 1000 * ((run * 7 + i * 13) % 997),
                "duration": 2000 * i, "pcpu": (i % 100) as f64 * 1.5, "peakRss": 1_000_000 * ((run + i * 31) % 5000) as i64,
                "rchar": 1000 * i, "wchar": 500 * i, "executor": "slurm", "workdir": format!("/work/{:02x}/{run:030x}", i),
                "script": "echo run the tool with its options", "container": "quay.io/biocontainers/tool:1.0"
            }))
            .unwrap()
        })
        .collect()
}

/// Fills the database through the ingestion path: create, then one progress batch per run.
async fn seed(db: &Db, runs: usize) -> (i64, Vec<String>) {
    let user = store::user::ensure(db, "reader@example.com").await.unwrap();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(runs);
    for chunk in (0..runs).collect::<Vec<_>>().chunks(8) {
        let mut handles = Vec::new();
        for &run in chunk {
            let (db, uid) = (db.clone(), user.id);
            handles.push(tokio::spawn(async move {
                let id = tower_backend::domain::ids::new_workflow_id();
                let status = if run % 10 == 0 { "FAILED" } else { "SUCCEEDED" };
                let (session, name) = (format!("00000000-0000-4000-8000-{run:012}"), format!("run_{run}"));
                let w = store::workflow::NewWorkflow {
                    id: &id, owner_id: uid, workspace_id: None, session_id: &session, run_name: &name,
                    project_name: Some("nf-core/rnaseq"), repository: None, launch_id: None, now: 1_700_000_000_000 + run as i64 * 60_000,
                };
                store::workflow::create(&db, &w).await.unwrap();
                let snapshot = ProgressSnapshot { counters: ProgressCounters { succeeded: 75, failed: 25, ..Default::default() }, ..Default::default() };
                store::workflow::progress(&db, &id, tasks(run), &snapshot, 1_700_000_000_000).await.unwrap();
                with_pool!(&db, p => sqlx::query("UPDATE tw_workflow SET status = ? WHERE id = ?").bind(status).bind(&id).execute(p).await.map(|_| ()).unwrap());
                id
            }));
        }
        for h in handles {
            ids.push(h.await.unwrap());
        }
    }
    eprintln!("seeded {runs} runs, {} tasks in {:.0} s", runs * 100, started.elapsed().as_secs_f64());
    (user.id, ids)
}

struct Backend(Child, String);

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_backend(url: &str) -> Backend {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tower-backend"))
        .env("TOWER_DB_URL", url)
        .env("TOWER_BACKEND_SERVER_PORT", port.to_string())
        .env("TOWER_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{address}/health")).await.is_ok_and(|r| r.status().is_success()) {
            return Backend(child, address);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("tower-backend did not start");
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let base = arg("--db").or_else(|| std::env::var("TOWER_BENCH_DB_URL").ok());
    let runs: usize = arg("--runs").map(|r| r.parse().unwrap()).unwrap_or(10_000);
    let requests: usize = arg("--requests").map(|r| r.parse().unwrap()).unwrap_or(200);
    let suffix = tower_backend::domain::ids::random_base62(8).to_lowercase();
    let (url, mysql_admin) = match &base {
        Some(u) if u.starts_with("mysql://") => {
            let admin = sqlx::mysql::MySqlPool::connect(u).await.unwrap();
            let name = format!("tower_reads_{suffix}");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
            let mut parsed = url::Url::parse(u).unwrap();
            parsed.set_path(&name);
            (parsed.to_string(), Some((admin, name)))
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("tower-reads-{suffix}"));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}", dir.join("tower.db").display()), None)
        }
    };
    let cfg = config(&url);
    let db = Db::connect(&cfg.db).await.unwrap();
    store::migrate::migrate(&db, tower_backend::app::sqlite_path(&cfg)).await.unwrap();
    let (user_id, ids) = seed(&db, runs).await;
    let (_, token) = tower_backend::api::token::create_token(&db, user_id, "reader").await.unwrap();
    if let Db::MySql(p) = &db {
        let _ = sqlx::query("ANALYZE TABLE tw_workflow, tw_task").execute(p).await;
    }
    let backend = start_backend(&url).await;
    let client = reqwest::Client::new();

    // (page, API path, equivalent SQL straight to the database, its bound argument)
    let sort_columns = ["realtime", "peakRss", "name", "status", "submit", "cpus"];
    // The same index hint the backend gives MariaDB for a personal runs list.
    let hint =
        if matches!(db, Db::MySql(_)) { " IGNORE INDEX (ix_workflow_workspace_list, ix_workflow_workspace_status_list)" } else { "" };
    type Page = (String, Box<dyn Fn(usize) -> String>, String);
    let mut pages: Vec<Page> = vec![
        ("runs list, first page".into(), Box::new(|_| "/workflow?max=50".to_string()),
         format!("SELECT id FROM tw_workflow{hint} WHERE owner_id = {user_id} AND workspace_id IS NULL AND deleted = FALSE ORDER BY date_created DESC, id DESC LIMIT 50")),
        ("runs list, search".into(), Box::new(|_| "/workflow?max=50&search=status:failed%20run_1*".to_string()),
         format!("SELECT id FROM tw_workflow{hint} WHERE owner_id = {user_id} AND workspace_id IS NULL AND deleted = FALSE AND status = 'FAILED' AND (run_name LIKE 'run!_1%' ESCAPE '!' OR project_name LIKE 'run!_1%' ESCAPE '!' OR session_id LIKE 'run!_1%' ESCAPE '!') ORDER BY date_created DESC, id DESC LIMIT 50")),
    ];
    let ids2 = ids.clone();
    pages.push((
        "run detail with progress".into(),
        Box::new(move |i| format!("/workflow/{}", ids2[(i * 7919) % ids2.len()])),
        format!("SELECT process, status, COUNT(*) FROM tw_task WHERE workflow_id = '{}' GROUP BY process, status", ids[0]),
    ));
    for col in sort_columns {
        let ids3 = ids.clone();
        let sql_col = tower_backend::store::query::task_column(tower_backend::domain::search::TaskSortField::parse(col).unwrap());
        pages.push((
            format!("tasks page sorted by {col}"),
            Box::new(move |i| format!("/workflow/{}/tasks?max=50&sortBy={col}&sortDir=desc", ids3[(i * 104729) % ids3.len()])),
            format!(
                "SELECT task_id, name, status FROM tw_task WHERE workflow_id = '{}' ORDER BY {sql_col} DESC, task_id DESC LIMIT 50",
                ids[1]
            ),
        ));
    }

    println!("| page | API p50 ms | API p99 ms | SQL alone p50 ms | API p99 / SQL p99 |");
    println!("|---|---|---|---|---|");
    for (name, path, sql) in &pages {
        for i in 0..20 {
            let _ = client.get(format!("{}{}", backend.1, path(i))).bearer_auth(&token).send().await.unwrap().bytes().await;
        }
        let mut api = Vec::with_capacity(requests);
        for i in 0..requests {
            let t = Instant::now();
            let r = client.get(format!("{}{}", backend.1, path(i))).bearer_auth(&token).send().await.unwrap();
            assert!(r.status().is_success(), "{name}: {}", r.status());
            let _ = r.bytes().await.unwrap();
            api.push(t.elapsed());
        }
        let mut raw = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            with_pool!(&db, p => { let _ = sqlx::query(sql).fetch_all(p).await.unwrap(); });
            raw.push(t.elapsed());
        }
        api.sort();
        raw.sort();
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} | {:.1} |",
            pct(&api, 0.5),
            pct(&api, 0.99),
            pct(&raw, 0.5),
            pct(&api, 0.99) / pct(&raw, 0.99)
        );
    }

    println!("\nQuery plans:");
    for (name, _, sql) in pages.iter().take(4) {
        let explain = match &db {
            Db::MySql(p) => {
                let rows = sqlx::query(&format!("EXPLAIN {sql}")).fetch_all(p).await.unwrap();
                use sqlx::Row;
                rows.iter()
                    .map(|r| {
                        format!(
                            "table={} type={} key={} rows={} extra={}",
                            r.try_get::<String, _>("table").unwrap_or_default(),
                            r.try_get::<String, _>("type").unwrap_or_default(),
                            r.try_get::<Option<String>, _>("key").ok().flatten().unwrap_or_default(),
                            r.try_get::<Option<i64>, _>("rows").ok().flatten().unwrap_or_default(),
                            r.try_get::<Option<String>, _>("Extra").ok().flatten().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
            }
            Db::Sqlite(p) => {
                let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(p).await.unwrap();
                rows.into_iter().map(|r| r.3).collect()
            }
        };
        println!("- {name}: {}", explain.join(" | "));
    }
    drop(backend);
    db.close().await;
    if let Some((admin, name)) = mysql_admin {
        let _ = sqlx::query(&format!("DROP DATABASE {name}")).execute(&admin).await;
    }
}
