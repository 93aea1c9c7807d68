//! Launch benchmark: the time from `POST /workflow/launch` to the head job running, against what
//! the platform itself takes to start the same job in the same run (the baseline), on the local
//! platform and (when TOWER_TEST_SSH_HOST, _PORT, _USER and _KEY name one, as `.ci/services.sh`
//! sets up) on Slurm over SSH; then a burst of launches on one backend, none lost or doubled.
//!
//! The head job's `nextflow` is a probe (this benchmark's, not Nextflow): it appends its
//! `TOWER_WORKFLOW_ID` and the time in milliseconds to a file and exits, so what is measured is
//! Tower's path to the job, not a pipeline. The baselines run the same probe through the same
//! shell: local, `bash` in a process group of its own; Slurm, `sbatch` of a job running it, over
//! the same SSH connection settings, timed from before `ssh` to the probe's time.
//!
//! cargo bench -p tower-backend --bench launch -- [--db URL] [--rounds N] [--burst N]
//! (default: a temporary SQLite file; 10 rounds; a burst of 100 launches)

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

struct Backend {
    child: Child,
    address: String,
    token: String,
    client: reqwest::Client,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Backend {
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self.client.post(format!("{}{path}", self.address)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    async fn get(&self, path: &str) -> Value {
        self.client.get(format!("{}{path}", self.address)).bearer_auth(&self.token).send().await.unwrap().json().await.unwrap()
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn arg(name: &str) -> Option<String> {
    let v: Vec<String> = std::env::args().collect();
    v.iter().position(|a| a == name).and_then(|i| v.get(i + 1).cloned())
}

/// The probe and the file it writes to, in a directory the SSH user can write too.
fn probe(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("started");
    let script = format!(
        "#!/bin/sh\n# The launch benchmark's probe, not Nextflow: notes when the head job started.\n\
         case \"$1\" in -version|-v|info) echo 'nextflow version 24.10.0 (launch benchmark probe)'; exit 0;; esac\n\
         echo \"${{TOWER_WORKFLOW_ID:-baseline}} $(date +%s%3N)\" >> {}\n",
        file.display()
    );
    let path = dir.join("nextflow");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Appended to by local head jobs (this user) and Slurm jobs (the SSH user).
    std::fs::write(&file, "").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    file
}

/// When the probe noted `id`, waiting for it.
async fn started(file: &std::path::Path, id: &str, limit: Duration) -> Option<i64> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Some(t) = text.lines().filter_map(|l| l.split_once(' ')).find(|(w, _)| *w == id).and_then(|(_, t)| t.parse().ok()) {
            return Some(t);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

async fn start_backend(db: &str, dir: &std::path::Path) -> Backend {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let cfg = |k: &str| match k {
        "TOWER_DB_URL" => Some(db.to_string()),
        _ => None,
    };
    let config = tower_backend::config::Config::from_lookup(cfg).unwrap();
    let store = tower_backend::store::Db::connect(&config.db).await.unwrap();
    tower_backend::store::migrate::migrate(&store, tower_backend::app::sqlite_path(&config)).await.unwrap();
    let user = tower_backend::store::user::ensure(&store, "bench@example.com").await.unwrap();
    let (_, token) = tower_backend::api::token::create_token(&store, user.id, "bench").await.unwrap();
    store.close().await;
    let child = Command::new(env!("CARGO_BIN_EXE_tower-backend"))
        .env("TOWER_DB_URL", db)
        .env("TOWER_BACKEND_SERVER_PORT", port.to_string())
        .env("TOWER_METRICS_PORT", "0")
        .env("TOWER_ENABLE_LOCAL_PLATFORM", "true")
        .env("TOWER_LAUNCH_API_URL", &address)
        .env("TOWER_CRYPTO_SECRETKEY", "launch-benchmark-key")
        .env("TOWER_LOG_LEVEL", "warn")
        .env("TOWER_DATA_DIR", dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("start tower-backend");
    let backend = Backend { child, address, token, client: reqwest::Client::new() };
    for _ in 0..200 {
        if reqwest::get(format!("{}/health", backend.address)).await.is_ok_and(|r| r.status().is_success()) {
            return backend;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("tower-backend did not become healthy");
}

async fn compute_env(b: &Backend, body: Value) -> String {
    let id = b.post("/compute-envs", json!({"computeEnv": body})).await["computeEnvId"].as_str().unwrap().to_string();
    for _ in 0..600 {
        let status = b.get(&format!("/compute-envs/{id}")).await["computeEnv"]["status"].as_str().unwrap_or_default().to_string();
        match status.as_str() {
            "AVAILABLE" => return id,
            "CREATING" => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("compute environment {id} is {other}"),
        }
    }
    panic!("compute environment {id} was not checked");
}

/// Launch to head job start, `rounds` times one after the other; milliseconds, sorted.
async fn launch_latency(b: &Backend, ce: &str, file: &std::path::Path, rounds: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        let t0 = now_ms();
        let id = b.post("/workflow/launch", json!({"launch": {"computeEnvId": ce, "pipeline": "bench/probe"}})).await["workflowId"]
            .as_str()
            .unwrap()
            .to_string();
        out.push(started(file, &id, Duration::from_secs(120)).await.expect("the head job started") - t0);
    }
    out.sort();
    out
}

fn p(sorted: &[i64], q: f64) -> i64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn report(name: &str, tower: &[i64], baseline: &[i64]) {
    let (t50, b50) = (p(tower, 0.5), p(baseline, 0.5));
    println!(
        "| {name} | {t50} ms | {} ms | {b50} ms | {} ms | {} ms | {:.2} |",
        p(tower, 0.9),
        p(baseline, 0.9),
        t50 - b50,
        t50 as f64 / b50.max(1) as f64
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize = arg("--rounds").map_or(10, |r| r.parse().expect("--rounds N"));
    let burst: usize = arg("--burst").map_or(100, |r| r.parse().expect("--burst N"));
    let dir = std::env::temp_dir().join(format!("tower-bench-launch-{}", tower_backend::domain::ids::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let db = arg("--db").unwrap_or_else(|| format!("sqlite://{}", dir.join("tower.db").display()));
    let file = probe(&dir);
    let path = format!("export PATH={}:$PATH", dir.display());
    let b = start_backend(&db, &dir).await;
    println!("launch to head job start, {rounds} launches one after the other; baseline: the platform starting the same probe\n");
    println!("| platform | Tower p50 | Tower p90 | baseline p50 | baseline p90 | Tower's overhead (p50) | ratio |");
    println!("|---|---|---|---|---|---|---|");

    let local = compute_env(
        &b,
        json!({"name": "here", "platform": "local-platform", "config": {"workDir": dir.join("work"), "preRunScript": path}}),
    )
    .await;
    let tower = launch_latency(&b, &local, &file, rounds).await;
    let mut baseline = Vec::new();
    let script = dir.join("baseline.sh");
    std::fs::write(&script, format!("#!/bin/bash\n{path}\nnextflow run bench/probe\n")).unwrap();
    for _ in 0..rounds {
        let t0 = now_ms();
        let mut cmd = Command::new("bash");
        cmd.arg(&script).stdout(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.spawn().unwrap().wait().unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let t = text.lines().rev().find_map(|l| l.strip_prefix("baseline ")).unwrap().parse::<i64>().unwrap();
        baseline.push(t - t0);
    }
    baseline.sort();
    report("local", &tower, &baseline);

    if let Some(host) = std::env::var("TOWER_TEST_SSH_HOST").ok().filter(|h| !h.is_empty()) {
        let port: u16 = std::env::var("TOWER_TEST_SSH_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(22);
        let user = std::env::var("TOWER_TEST_SSH_USER").unwrap_or_else(|_| "towerci".into());
        let key_file = std::env::var("TOWER_TEST_SSH_KEY").expect("TOWER_TEST_SSH_KEY");
        let key = std::fs::read_to_string(&key_file).unwrap();
        let creds = b
            .post("/credentials", json!({"credentials": {"name": "bench-ssh", "provider": "ssh", "keys": {"privateKey": key}}}))
            .await["credentialsId"]
            .as_str()
            .unwrap()
            .to_string();
        let work = dir.join("slurm");
        let slurm = compute_env(
            &b,
            json!({"name": "cluster", "platform": "slurm-platform", "credentialsId": creds,
                "config": {"workDir": work, "hostName": host, "port": port, "userName": user, "headQueue": "debug", "preRunScript": path}}),
        )
        .await;
        let tower = launch_latency(&b, &slurm, &file, rounds.min(5)).await;
        let mut baseline = Vec::new();
        let job = format!("#!/bin/bash\n#SBATCH --partition=debug\n#SBATCH --output=/dev/null\n{path}\nnextflow run bench/probe\n");
        std::fs::write(dir.join("baseline.sbatch"), job).unwrap();
        for _ in 0..rounds.min(5) {
            let before = std::fs::read_to_string(&file).unwrap().lines().count();
            let t0 = now_ms();
            let ok = Command::new("ssh")
                .args(["-F", "/dev/null", "-i", &key_file, "-p", &port.to_string(), "-o", "BatchMode=yes"])
                .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-l", &user, &host])
                .arg(format!("sbatch {}", tower_backend::domain::compute_env::quote(&dir.join("baseline.sbatch").display().to_string())))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "sbatch over ssh failed");
            let until = Instant::now() + Duration::from_secs(120);
            let t = loop {
                let text = std::fs::read_to_string(&file).unwrap();
                if let Some(t) = text.lines().skip(before).find_map(|l| l.strip_prefix("baseline ")) {
                    break t.parse::<i64>().unwrap();
                }
                assert!(Instant::now() < until, "the baseline job did not start");
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            baseline.push(t - t0);
        }
        baseline.sort();
        report("Slurm over SSH", &tower, &baseline);
    } else {
        println!("\n(TOWER_TEST_SSH_HOST is not set: no Slurm measurement)");
    }

    // The burst: every launch sent at once, each head job must start exactly once.
    let before = std::fs::read_to_string(&file).unwrap().lines().count();
    let t0 = Instant::now();
    let sends = (0..burst).map(|_| b.post("/workflow/launch", json!({"launch": {"computeEnvId": local, "pipeline": "bench/probe"}})));
    let ids: Vec<String> =
        futures_util::future::join_all(sends).await.into_iter().map(|r| r["workflowId"].as_str().unwrap().to_string()).collect();
    let accepted = t0.elapsed();
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().skip(before).map(|l| l.split(' ').next().unwrap()).collect();
        if ids.iter().all(|id| lines.contains(&id.as_str())) || Instant::now() > until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_started = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await; // a second start would show by now
    let lines: Vec<String> =
        std::fs::read_to_string(&file).unwrap().lines().skip(before).map(|l| l.split(' ').next().unwrap().to_string()).collect();
    let lost = ids.iter().filter(|id| !lines.contains(id)).count();
    let doubled = ids.iter().filter(|id| lines.iter().filter(|l| l == id).count() > 1).count();
    println!(
        "\nburst: {burst} launches sent at once, all accepted in {:.1} s, every head job started within {:.1} s of the first send; {lost} lost, {doubled} started twice ({} probe lines)",
        accepted.as_secs_f64(),
        all_started.as_secs_f64(),
        lines.len()
    );
    drop(b);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(lost == 0 && doubled == 0, "launches lost or doubled");
}
