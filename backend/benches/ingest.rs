//! Ingestion benchmark: C simulated Nextflow runs report to a real `tower-backend` process, one
//! request in flight per run as Nextflow does, 100 tasks of ~1.5 KB per progress request, each
//! task sent SUBMITTED, then RUNNING, then COMPLETED. In the same run, the same rows are upserted
//! straight into the database with the same statement and pool size: the baseline.
//!
//! Two phases against one backend process:
//! - throughput: every run sends its next request as soon as the last one is answered (a closed
//!   loop, the most the backend can take); records/s is compared with the raw upsert rate;
//! - latency: every run sends at most one progress request per second, as Nextflow's
//!   `REQUEST_INTERVAL` does; p50/p99 are measured here, where they are not queueing delay.
//!
//! Both sides are timed alike: the runs' rows exist and the request bodies are built before the
//! clock starts. The backend's peak RSS (VmHWM) covers both phases.
//!
//! With `--redis URL` the backend phases run twice, with the in-process cache and with Redis
//! (the cache and the live messages shared by replicas), so that the cost of Redis shows.
//!
//! cargo bench -p tower-backend --bench ingest -- [--db URL] [--redis URL] [--runs C] [--tasks N] [--pool P] [--settle S]
//! (default: a temporary SQLite file; pass --db mysql://user:pass@host:port/db for MySQL,
//! a fresh database is created next to the one named and dropped afterwards)

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tower_backend::config::Config;
use tower_backend::domain::trace::TaskRecord;
use tower_backend::store::{self, Db};
use tower_backend::with_pool;

struct Args {
    db: Option<String>,
    redis: Option<String>,
    settle: u64,
    runs: usize,
    tasks: usize,
    pool: u32,
}

fn args() -> Args {
    let mut a = Args { db: std::env::var("TOWER_BENCH_DB_URL").ok(), redis: None, settle: 20, runs: 50, tasks: 1000, pool: 10 };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--db" => a.db = Some(next),
            "--redis" => a.redis = Some(next),
            "--runs" => a.runs = next.parse().expect("--runs N"),
            "--tasks" => a.tasks = next.parse().expect("--tasks N"),
            "--pool" => a.pool = next.parse().expect("--pool N"),
            "--settle" => a.settle = next.parse().expect("--settle SECONDS"),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn config(url: &str, pool: u32) -> Config {
    let pool = pool.to_string();
    let env = [("TOWER_DB_URL", url), ("TOWER_DB_MAX_POOL_SIZE", pool.as_str()), ("TOWER_DB_MIN_POOL_SIZE", "1")];
    Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap()
}

/// A fresh database for one phase; returns its URL and a cleanup action.
async fn fresh_db(base: &Option<String>, tag: &str) -> (String, Box<dyn FnOnce() + Send>) {
    let suffix = tower_backend::domain::ids::random_base62(8).to_lowercase();
    match base {
        Some(url) if url.starts_with("mysql://") => {
            let admin = sqlx::mysql::MySqlPool::connect(url).await.expect("connect to --db");
            let name = format!("tower_bench_{tag}_{suffix}");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
            let mut u = url::Url::parse(url).unwrap();
            u.set_path(&name);
            let admin_url = url.clone();
            let cleanup = move || {
                std::thread::spawn(move || {
                    tokio::runtime::Runtime::new().unwrap().block_on(async {
                        if let Ok(c) = sqlx::mysql::MySqlPool::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP DATABASE {name}")).execute(&c).await;
                        }
                    })
                })
                .join()
                .unwrap();
            };
            (u.to_string(), Box::new(cleanup))
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("tower-bench-{tag}-{suffix}"));
            std::fs::create_dir_all(&dir).unwrap();
            let d2 = dir.clone();
            (format!("sqlite://{}", dir.join("tower.db").display()), Box::new(move || drop(std::fs::remove_dir_all(d2))))
        }
    }
}

/// A task record of realistic size (~1.5 KB as JSON).
fn task(run: usize, id: usize, status: &str) -> Value {
    let script = format!(
        "\n    set -euo pipefail\n    fastqc --threads 2 --outdir qc sample_{run}_{id}_R1.fastq.gz sample_{run}_{id}_R2.fastq.gz\n    {}\n    samtools sort -@ 2 -o aligned_{id}.bam aligned_{id}.sam && samtools index aligned_{id}.bam\n",
        "bwa mem -t 2 -R '@RG\\tID:grp\\tSM:sample\\tPL:ILLUMINA' ref/genome.fa reads_1.fq reads_2.fq > aligned.sam # ".repeat(6)
    );
    let mut t = json!({
        "taskId": id, "status": status, "hash": format!("{:02x}/{:06x}", id % 256, id * 7919 % 0xffffff),
        "name": format!("NFCORE_RNASEQ:RNASEQ:ALIGN_BWA ({id})"), "exit": 2147483647,
        "submit": "2024-05-06T10:04:20.558Z", "start": null, "process": "NFCORE_RNASEQ:RNASEQ:ALIGN_BWA",
        "tag": format!("sample_{id}"), "module": [], "container": "quay.io/biocontainers/bwa:0.7.17--hed695b0_7",
        "attempt": 1, "script": script, "scratch": null,
        "workdir": format!("/scratch/work/{:02x}/{:030x}", id % 256, id * 104729), "queue": "normal",
        "cpus": 2, "memory": 4294967296i64, "disk": null, "time": 3600000, "env": "PATH=/usr/local/bin:/usr/bin\nNXF_TASK=1\n",
        "executor": "slurm", "nativeId": format!("{}", 1_000_000 + id), "cloudZone": null, "machineType": null, "priceModel": null
    });
    if status != "SUBMITTED" {
        t["start"] = json!("2024-05-06T10:05:20.558Z");
    }
    if status == "COMPLETED" {
        let extra = json!({"exit": 0, "complete": "2024-05-06T10:15:20.558Z", "duration": 900000, "realtime": 600000, "pcpu": 187.5,
            "rchar": 2147483648i64, "wchar": 1073741824i64, "syscr": 120000, "syscw": 80000, "readBytes": 2000000000i64,
            "writeBytes": 1000000000i64, "pmem": 3.2, "vmem": 3221225472i64, "rss": 2147483648i64, "peakVmem": 3321225472i64,
            "peakRss": 2247483648i64, "volCtxt": 1200, "invCtxt": 300, "errorAction": null});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
    }
    t
}

fn progress_snapshot(done: usize) -> Value {
    json!({"pending": 0, "submitted": 100, "running": 0, "succeeded": done, "failed": 0, "cached": 0, "aborted": 0, "ignored": 0,
        "retries": 0, "loadCpus": 200, "loadMemory": 429496729600i64, "peakRunning": 100, "peakCpus": 200, "peakMemory": 429496729600i64,
        "processes": [{"index": 1, "name": "NFCORE_RNASEQ:RNASEQ:ALIGN_BWA", "pending": 0, "submitted": 100, "running": 0, "succeeded": done,
        "cached": 0, "failed": 0, "aborted": 0, "stored": 0, "ignored": 0, "retries": 0, "terminated": false, "loadCpus": 200,
        "loadMemory": 429496729600i64, "peakRunning": 100, "peakCpus": 200, "peakMemory": 429496729600i64}]})
}

/// The batches one run sends: for each group of 100 tasks, all SUBMITTED, RUNNING, COMPLETED.
fn batches(run: usize, tasks: usize) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for start in (1..=tasks).step_by(100) {
        let ids: Vec<usize> = (start..(start + 100).min(tasks + 1)).collect();
        for status in ["SUBMITTED", "RUNNING", "COMPLETED"] {
            out.push(ids.iter().map(|&i| task(run, i, status)).collect());
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
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

async fn start_backend(url: &str, pool: u32, redis: Option<&str>) -> Backend {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tower-backend"))
        .env("TOWER_DB_URL", url)
        .env("TOWER_BACKEND_SERVER_PORT", port.to_string())
        .env("TOWER_DB_MAX_POOL_SIZE", pool.to_string())
        .env("TOWER_DB_MIN_POOL_SIZE", "1")
        .env("TOWER_LOG_LEVEL", "warn")
        .env("TOWER_REDIS_URL", redis.unwrap_or_default())
        .env("TOWER_REDIS_NAMESPACE", format!("bench-{}", tower_backend::domain::ids::random_base62(6)))
        .stdout(Stdio::null())
        .spawn()
        .expect("start tower-backend");
    let address = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{address}/health")).await.is_ok_and(|r| r.status().is_success()) {
            return Backend { child, address };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("tower-backend did not become healthy");
}

async fn via_backend(a: &Args, backend: &Backend, token: &str, first_run: usize, interval: Option<Duration>) -> (f64, Vec<Duration>) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(a.runs).build().unwrap();
    // Every run is created and its request bodies built before the clock starts, as the
    // baseline's rows are: what is timed is the progress requests, the records of the rate.
    let ready = Arc::new(tokio::sync::Barrier::new(a.runs + 1));
    let mut handles = Vec::new();
    for run in first_run..first_run + a.runs {
        let (client, addr, token, tasks, ready) = (client.clone(), backend.address.clone(), token.to_string(), a.tasks, ready.clone());
        // Paced runs start spread over one interval, as independent pipelines do.
        let offset = interval.map(|i| i.mul_f64((run - first_run) as f64 / a.runs as f64)).unwrap_or_default();
        handles.push(tokio::spawn(async move {
            let body = |v: &Value| serde_json::to_vec(v).unwrap();
            let post = |path: String, v: Value| client.post(format!("{addr}{path}")).bearer_auth(&token).header("Content-Type", "application/json").body(body(&v)).send();
            let r = post("/trace/create".into(), json!({"sessionId": format!("00000000-0000-4000-8000-{run:012}"), "runName": format!("bench_{run}")})).await.unwrap();
            let id = r.json::<Value>().await.unwrap()["workflowId"].as_str().unwrap().to_string();
            let put = |path: String, v: Value| client.put(format!("{addr}{path}")).bearer_auth(&token).header("Content-Type", "application/json").body(body(&v)).send();
            let wf = json!({"id": id, "runName": format!("bench_{run}"), "sessionId": format!("00000000-0000-4000-8000-{run:012}"), "projectName": "nf-core/rnaseq",
                "userName": "bench", "workDir": "/scratch/work", "commandLine": "nextflow run nf-core/rnaseq -with-tower", "start": "2024-05-06T10:04:20Z"});
            assert!(put(format!("/trace/{id}/begin"), json!({"workflow": wf, "processNames": ["NFCORE_RNASEQ:RNASEQ:ALIGN_BWA"], "towerLaunch": false})).await.unwrap().status().is_success());
            let mut lat = Vec::new();
            let mut done = 0;
            // Bodies are built before timing so that latency is the server's, not the client's.
            let prepared: Vec<(Vec<u8>, usize)> = batches(run, tasks).into_iter().map(|b| {
                if b[0]["status"] == "COMPLETED" { done += b.len(); }
                (body(&json!({"tasks": b, "progress": progress_snapshot(done), "containers": [], "instant": 0})), b.len())
            }).collect();
            let mut records = 0;
            ready.wait().await;
            tokio::time::sleep(offset).await;
            for (bytes, n) in prepared {
                let t = Instant::now();
                let next = interval.map(|i| t + i);
                let r = client.put(format!("{addr}/trace/{id}/progress")).bearer_auth(&token).header("Content-Type", "application/json").body(bytes).send().await.unwrap();
                assert!(r.status().is_success(), "progress: {}", r.status());
                lat.push(t.elapsed());
                records += n;
                if let Some(next) = next {
                    tokio::time::sleep_until(next.into()).await;
                }
            }
            let finished = Instant::now();
            let mut wf = wf.clone();
            wf["complete"] = json!("2024-05-06T11:04:20Z");
            wf["success"] = json!(true);
            assert!(put(format!("/trace/{id}/complete"), json!({"workflow": wf, "metrics": [], "progress": progress_snapshot(done)})).await.unwrap().status().is_success());
            (lat, records, finished)
        }));
    }
    ready.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut records = 0;
    let mut finished = started;
    for h in handles {
        let (l, r, f) = h.await.unwrap();
        latencies.extend(l);
        records += r;
        finished = finished.max(f);
    }
    let elapsed = (finished - started).as_secs_f64();
    latencies.sort();
    (records as f64 / elapsed, latencies)
}

/// The baseline: the same rows, upserted with the same batched statement and pool size,
/// C concurrent writers, one batch per transaction, no HTTP, JSON or auth.
async fn raw(a: &Args, db: Db) -> f64 {
    let db = Arc::new(db);
    // Workflow rows, so that the rows written are the same as through the backend.
    let mut ids = Vec::new();
    for run in 0..a.runs {
        let id = tower_backend::domain::ids::new_workflow_id();
        let w = store::workflow::NewWorkflow {
            id: &id,
            owner_id: 1,
            workspace_id: None,
            session_id: "s",
            run_name: "r",
            project_name: None,
            repository: None,
            launch_id: None,
            now: 0,
        };
        store::workflow::create(&db, &w).await.unwrap();
        ids.push((run, id));
    }
    let prepared: Vec<(String, Vec<Vec<TaskRecord>>)> = ids
        .into_iter()
        .map(|(run, id)| {
            (id, batches(run, a.tasks).into_iter().map(|b| b.into_iter().map(|t| serde_json::from_value(t).unwrap()).collect()).collect())
        })
        .collect();
    let records: usize = prepared.iter().map(|(_, b)| b.iter().map(Vec::len).sum::<usize>()).sum();
    let dialect = db.dialect();
    let started = Instant::now();
    let mut handles = Vec::new();
    for (id, batches) in prepared {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for batch in batches {
                let sql = store::task::upsert_sql(dialect, batch.len());
                with_pool!(&*db, p => {
                    let mut q = sqlx::query(&sql);
                    for t in &batch {
                        q = store::task::bind_task(q, &id, t, 0);
                    }
                    q.execute(p).await.unwrap();
                });
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    records as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let a = args();
    let kind = if a.db.as_deref().is_some_and(|u| u.starts_with("mysql://")) { "MySQL/MariaDB" } else { "SQLite" };
    eprintln!("ingest benchmark: {kind}, {} concurrent runs x {} tasks, pool {}", a.runs, a.tasks, a.pool);

    let (url, cleanup_raw) = fresh_db(&a.db, "raw").await;
    let db = Db::connect(&config(&url, a.pool).db).await.unwrap();
    store::migrate::migrate(&db, tower_backend::app::sqlite_path(&config(&url, a.pool))).await.unwrap();
    let raw_rate = raw(&a, db.clone()).await;
    db.close().await;
    cleanup_raw();

    let mut caches: Vec<Option<&str>> = vec![None];
    if let Some(r) = a.redis.as_deref() {
        caches.push(Some(r));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut rows = Vec::new();
    for redis in caches {
        let (url, cleanup) = fresh_db(&a.db, "api").await;
        let cfg = config(&url, a.pool);
        let db = Db::connect(&cfg.db).await.unwrap();
        store::migrate::migrate(&db, tower_backend::app::sqlite_path(&cfg)).await.unwrap();
        let user = store::user::ensure(&db, "bench@example.com").await.unwrap();
        let (_, token) = tower_backend::api::token::create_token(&db, user.id, "bench").await.unwrap();
        db.close().await;
        let backend = start_backend(&url, a.pool, redis).await;
        // Paced first, after the database has settled, so that its latencies do not include the
        // server flushing the baseline's writes.
        tokio::time::sleep(Duration::from_secs(a.settle)).await;
        let (_, paced) = via_backend(&a, &backend, &token, a.runs, Some(Duration::from_secs(1))).await;
        let (rate, closed) = via_backend(&a, &backend, &token, 0, None).await;
        let rss_kb = peak_rss_kb(backend.child.id());
        drop(backend);
        cleanup();
        rows.push(format!(
            "| {kind} | {} | {} x {} | {} | {:.0} | {:.0} | {:.0}% | {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.1} |",
            if redis.is_some() { "Redis" } else { "in-process" },
            a.runs,
            a.tasks,
            a.pool,
            rate,
            raw_rate,
            rate / raw_rate * 100.0,
            ms(percentile(&closed, 0.50)),
            ms(percentile(&closed, 0.99)),
            ms(percentile(&paced, 0.50)),
            ms(percentile(&paced, 0.99)),
            ms(*paced.last().unwrap()),
            rss_kb as f64 / 1024.0
        ));
    }
    println!("| database | cache | runs x tasks | pool | backend records/s | raw upsert records/s | backend / raw | closed-loop p50 / p99 ms | paced p50 / p99 / max ms | backend peak RSS MB |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}
