//! Submitting, watching and cancelling the Nextflow head job of a launch, on the local platform
//! (a process group of the Tower host) or a grid scheduler (a batch job over SSH). Submission is
//! exactly once: a launch is claimed under a lease, and a submitter that finds the job of an
//! earlier attempt (the process's pid file, the job id file, the job name in the queue) adopts it
//! instead of submitting again.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use zeroize::Zeroizing;

use super::checks::ssh_key;
use super::ssh::{self, Target};
use crate::domain::compute_env::{self as ce, quote as q, ComputeConfig, Kind, Scheduler};
use crate::domain::credentials::{scope_key, GitLogin, SealedKind};
use crate::domain::launch::{
    self as rules, LaunchRequest, ScriptInput, CONFIG_FILE, EXIT_FILE, LOCK_FILE, LOG_FILE, PARAMS_FILE, PID_FILE, SCM_FILE, SCRIPT_FILE,
    SECRETS_FILE,
};
use crate::domain::time::now_millis;
use crate::store::compute_env::ComputeEnvRow;
use crate::store::launch::{self as store, LaunchRow};
use crate::store::pipeline_secret as secret_store;
use crate::store::Db;

/// A submitter's claim on a launch: renewed every quarter of it while it submits, so a submitter
/// killed at any moment leaves the launch to another within this long.
const CLAIM: Duration = Duration::from_secs(20);
const SSH_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts at a launch whose compute environment cannot be reached before it fails.
const MAX_ATTEMPTS: i32 = 3;
const JOB_FILE: &str = ".jobid";

/// What the launcher needs from its process.
pub struct Launcher<'a> {
    pub db: &'a Db,
    pub keyring: &'a crate::domain::crypto::Keyring,
    /// Where launched runs report (`-with-tower`).
    pub api_url: &'a str,
    /// Tower's public URL, for the links in mails.
    pub server_url: &'a str,
    pub local_enabled: bool,
}

/// Where a head job runs, resolved from its compute environment.
struct Place {
    ce: ComputeEnvRow,
    config: ComputeConfig,
    kind: Kind,
    run_dir: String,
}

/// The name under which the job of a launch is found again.
pub fn job_name(launch_id: &str) -> String {
    format!("tw-{launch_id}")
}

/// Why a submission failed: for good (the run fails with the reason) or for now (tried again).
enum Failure {
    Final(String),
    Transient(String),
}

async fn place(l: &Launcher<'_>, launch: &LaunchRow) -> Result<Place, String> {
    let ce = crate::store::compute_env::find_any(l.db, &launch.compute_env_id)
        .await
        .map_err(|e| format!("cannot read the compute environment: {e}"))?
        .ok_or("the compute environment of this launch no longer exists")?;
    let platform = ce::platform(&ce.platform)?;
    let config: ComputeConfig =
        serde_json::from_str(&ce.config).map_err(|e| format!("the compute environment's configuration cannot be read: {e}"))?;
    let base = config.launch_dir.clone().or(config.work_dir.clone()).unwrap_or_default();
    let run_dir = format!("{}/tw-{}", base.trim_end_matches('/'), launch.workflow_id.to_lowercase());
    Ok(Place { kind: platform.kind, ce, config, run_dir })
}

/// Submits a pending launch if this process gets its claim. `Ok(false)`: another process has it.
pub async fn submit(l: &Launcher<'_>, launch_id: &str) -> anyhow::Result<bool> {
    let now = now_millis();
    if !store::claim(l.db, launch_id, now, now + CLAIM.as_millis() as i64).await? {
        return Ok(false);
    }
    let Some(launch) = store::find(l.db, launch_id).await? else { return Ok(false) };
    let work = async {
        match place(l, &launch).await {
            Ok(place) => submit_to(l, &launch, &place).await.map(|job| (job, place.run_dir)),
            Err(e) => Err(Failure::Final(e)),
        }
    };
    let renew = async {
        loop {
            tokio::time::sleep(CLAIM / 4).await;
            if let Err(e) = store::renew_claim(l.db, launch_id, now_millis() + CLAIM.as_millis() as i64).await {
                tracing::warn!(launch = %launch_id, error = %e, "cannot renew the claim on the launch");
            }
        }
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        never = renew => never,
    };
    match outcome {
        Ok((job, run_dir)) => {
            if store::submitted(l.db, launch_id, &job, &run_dir, now_millis()).await? {
                tracing::info!(launch = %launch_id, workflow_id = %launch.workflow_id, job = %job, "head job submitted");
            } else {
                // Cancelled while it was being submitted: stop what was just started.
                let submitted = LaunchRow { job_id: Some(job), run_dir: Some(run_dir), ..launch.clone() };
                if let Err(e) = cancel(l, &submitted, Duration::from_secs(10)).await {
                    tracing::warn!(launch = %launch_id, error = %e, "cannot stop the head job of a cancelled launch");
                }
            }
        }
        Err(Failure::Transient(e)) if launch.attempts < MAX_ATTEMPTS => {
            tracing::warn!(launch = %launch_id, error = %e, attempt = launch.attempts, "cannot submit yet; trying again");
        }
        Err(Failure::Transient(e) | Failure::Final(e)) => {
            let message = format!("The launch failed: {e}");
            let mail = super::reconcile::failure_mail(l, &launch, &message).await?;
            store::fail_run(l.db, &launch.workflow_id, &message, mail.as_ref(), now_millis()).await?;
            store::ended(l.db, launch_id, Some(&message), now_millis()).await?;
            tracing::warn!(launch = %launch_id, workflow_id = %launch.workflow_id, error = %e, "launch failed");
        }
    }
    Ok(true)
}

async fn submit_to(l: &Launcher<'_>, launch: &LaunchRow, place: &Place) -> Result<String, Failure> {
    let request: LaunchRequest =
        serde_json::from_str(&launch.request).map_err(|e| Failure::Final(format!("the launch cannot be read: {e}")))?;
    let run_name = run_name_of(l.db, &launch.workflow_id).await;
    // A fresh token per attempt: an earlier attempt's secret is not kept anywhere. All of them
    // end with the run (revoked by name).
    let token_name = format!("run-{}-{}", launch.workflow_id, launch.attempts);
    let secrets = open_secrets(l, launch, &request).await.map_err(Failure::Final)?;
    let login = git_login(l, launch, &request).await.map_err(Failure::Final)?;
    let (token_id, token) = run_token(l.db, launch.user_id, &token_name).await.map_err(Failure::Transient)?;
    let _ = store::set_token(l.db, &launch.id, token_id).await;
    let scheduler = match place.kind {
        Kind::Grid(s) => Some(s),
        _ => None,
    };
    let log_path = format!("{}/{LOG_FILE}", place.run_dir);
    let directives = scheduler.map(|s| rules::directives(s, &job_name(&launch.id), &place.config, &request, &log_path)).unwrap_or_default();
    let script = Zeroizing::new(rules::script(&ScriptInput {
        workflow_id: &launch.workflow_id,
        run_name: &run_name,
        request: &request,
        config: &place.config,
        run_dir: &place.run_dir,
        api_url: l.api_url,
        workspace_id: launch.workspace_id,
        token: &token,
        scheduler: scheduler.map(|s| (s, directives.as_str())),
        secrets: !secrets.is_empty(),
        scm: login.is_some(),
    }));
    let params =
        serde_json::to_string_pretty(&rules::params_json(request.params_text.as_deref()).unwrap_or(Value::Null)).unwrap_or_default();
    let mut files = vec![
        (SCRIPT_FILE, script),
        (PARAMS_FILE, Zeroizing::new(params)),
        (CONFIG_FILE, Zeroizing::new(rules::config_file(&place.config, &request))),
    ];
    if !secrets.is_empty() {
        files.push((SECRETS_FILE, rules::secrets_file(&secrets)));
    }
    if let Some(login) = &login {
        files.push((SCM_FILE, rules::scm_file(login)));
    }
    match (place.kind, scheduler) {
        (Kind::Local, _) if !l.local_enabled => Err(Failure::Final("the local platform is not enabled on this server".into())),
        (Kind::Local, _) => local_submit(&place.run_dir, &files).await.map_err(Failure::Final),
        (Kind::Grid(_), Some(s)) => {
            if let Some(id) = place.ce.credentials_id.as_deref() {
                read_by_launcher(l.db, launch, "credentials", id).await;
            }
            grid_submit(l, place, s, &launch.id, &files).await
        }
        _ => Err(Failure::Final(format!("launching on {} is not available on this server yet", place.ce.platform))),
    }
}

/// The pipeline secrets the launch names, opened: the workspace's, then the user's.
async fn open_secrets(l: &Launcher<'_>, launch: &LaunchRow, request: &LaunchRequest) -> Result<Vec<(String, Zeroizing<String>)>, String> {
    let workspace = launch.workspace_id.map(|ws| scope_key(launch.user_id, Some(ws)));
    let user = scope_key(launch.user_id, None);
    let mut out = Vec::new();
    for (scope, names, what) in
        [(workspace.as_deref(), &request.workspace_secrets, "workspace"), (Some(&*user), &request.user_secrets, "user")]
    {
        for name in names {
            let scope = scope.ok_or_else(|| format!("the workspace secret {name} needs a workspace"))?;
            let missing = || format!("the {what} secret {name} no longer exists");
            let row = secret_store::find_by_name(l.db, scope, name)
                .await
                .map_err(|e| format!("cannot read the secret {name}: {e}"))?
                .ok_or_else(missing)?;
            let sealed = secret_store::sealed(l.db, scope, row.id)
                .await
                .map_err(|e| format!("cannot read the secret {name}: {e}"))?
                .ok_or_else(missing)?;
            let value = l
                .keyring
                .open(&sealed, &SealedKind::PipelineSecret.aad(&row.id.to_string()))
                .map_err(|e| format!("cannot open the secret {name}: {e}"))?;
            let value = Zeroizing::new(String::from_utf8(value.to_vec()).map_err(|_| format!("the secret {name} is not text"))?);
            let _ = secret_store::mark_used(l.db, row.id, now_millis()).await;
            read_by_launcher(l.db, launch, "pipeline_secret", &row.id.to_string()).await;
            out.push((name.clone(), value));
        }
    }
    Ok(out)
}

/// The workspace's Git credentials for the server of the pipeline's repository, if it has some:
/// Nextflow pulls a private pipeline with them.
async fn git_login(l: &Launcher<'_>, launch: &LaunchRow, request: &LaunchRequest) -> Result<Option<GitLogin>, String> {
    let Ok(url) = super::repo::clone_url(request.pipeline.as_deref().unwrap_or_default()) else { return Ok(None) };
    let Some((id, login)) = super::repo::login_for(l.db, l.keyring, &scope_key(launch.user_id, launch.workspace_id), &url).await? else {
        return Ok(None);
    };
    read_by_launcher(l.db, launch, "credentials", &id).await;
    Ok(Some(login))
}

/// A stored secret opened for a launch, in the audit log: the system, for the launching user.
async fn read_by_launcher(db: &Db, launch: &LaunchRow, target: &str, id: &str) {
    let event = crate::store::audit::NewEvent {
        event: if target == "credentials" { "credentials_read" } else { "pipeline_secret_read" },
        operation: "launch",
        status: 200,
        actor_type: "system",
        user_id: Some(launch.user_id),
        workspace_id: launch.workspace_id,
        target_type: Some(target),
        target_id: Some(id),
        ..Default::default()
    };
    super::audit(db, event).await;
}

/// A personal access token of the launching user for this run only.
async fn run_token(db: &Db, user_id: i64, name: &str) -> Result<(i64, String), String> {
    let (secret, hash) = crate::auth::token::new_secret();
    match crate::store::token::create(db, user_id, name, &hash).await {
        Ok(t) => Ok((t.id, crate::auth::token::format(t.id, &secret))),
        Err(crate::store::token::CreateError::NameTaken) => Err(format!("an access token named {name} already exists")),
        Err(crate::store::token::CreateError::Db(e)) => Err(format!("cannot make the run's access token: {e}")),
    }
}

/// Revokes every token made for a run; their ids, for the replicas' caches.
pub async fn revoke_run_tokens(db: &Db, launch: &LaunchRow) -> sqlx::Result<Vec<i64>> {
    crate::store::token::delete_named(db, launch.user_id, &format!("run-{}-", launch.workflow_id)).await
}

async fn run_name_of(db: &Db, workflow_id: &str) -> String {
    crate::store::workflow::get(db, workflow_id).await.ok().flatten().map(|w| w.run_name).unwrap_or_else(|| "tower_run".into())
}

/// Writes a file readable by its owner only (the script holds the run's token).
fn write_private(path: &Path, contents: &str, mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, mode);
    o.open(path)?.write_all(contents.as_bytes())
}

/// A local head job is watched and stopped only by a process on the host it runs on (where its
/// run directory is): another replica, or a cron on another host, must not take it for ended.
fn on_this_host(run_dir: &str) -> Result<(), String> {
    if Path::new(run_dir).join(PID_FILE).exists() {
        Ok(())
    } else {
        Err(format!("the head job runs on another Tower host (its run directory {run_dir} is not here)"))
    }
}

/// The process group of a local head job, if it still runs.
fn local_alive(pid: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(SCRIPT_FILE))
}

/// Starts the head job in its run directory, or adopts the one an earlier attempt started. The
/// script itself takes the run directory's lock and writes its pid (`rules::script`), so a
/// submitter that died right after starting it never gets a second head job running: a second
/// start finds the lock held and leaves, and this reads the first one's pid. A lock held before
/// anything is written means a head job has just started: its files are left alone.
async fn local_submit(run_dir: &str, files: &[(&str, Zeroizing<String>)]) -> Result<String, String> {
    let dir = Path::new(run_dir);
    if let Ok(pid) = std::fs::read_to_string(dir.join(PID_FILE)) {
        let pid = pid.trim().to_string();
        if local_alive(&pid) || dir.join(EXIT_FILE).exists() {
            return Ok(pid);
        }
    }
    let lock = dir.join(LOCK_FILE);
    if lock.exists() {
        let probe =
            tokio::process::Command::new("flock").arg("-n").arg(&lock).arg("true").stderr(std::process::Stdio::null()).status().await;
        if !probe.is_ok_and(|s| s.success()) {
            return started_pid(run_dir).await;
        }
    }
    let _ = std::fs::remove_file(dir.join(PID_FILE));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make the run directory {run_dir}: {e}"))?;
    for (name, contents) in files {
        write_private(&dir.join(name), contents, 0o600).map_err(|e| format!("cannot write {run_dir}/{name}: {e}"))?;
    }
    let log = std::fs::File::create(dir.join(LOG_FILE)).map_err(|e| format!("cannot write the log file: {e}"))?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = tokio::process::Command::new("bash");
    cmd.arg(SCRIPT_FILE).current_dir(dir).stdin(std::process::Stdio::null()).stdout(log).stderr(err);
    // Its own process group: cancelling signals the head job and everything it started, and the
    // job outlives a restart of this process.
    cmd.process_group(0);
    cmd.spawn().map_err(|e| format!("cannot start bash: {e}"))?;
    started_pid(run_dir).await
}

/// The pid the head job writes once it holds its lock.
async fn started_pid(run_dir: &str) -> Result<String, String> {
    let dir = Path::new(run_dir);
    for _ in 0..200 {
        if let Some(pid) = std::fs::read_to_string(dir.join(PID_FILE)).ok().filter(|p| p.ends_with('\n')) {
            return Ok(pid.trim().to_string());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(format!("the head job did not start: see {run_dir}/{LOG_FILE}"))
}

async fn target_and_key(l: &Launcher<'_>, place: &Place) -> Result<(Target, ssh::Key), String> {
    let target = Target {
        host: place.config.host_name.clone().unwrap_or_default(),
        port: place.config.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(22),
        user: place.config.user_name.clone().unwrap_or_default(),
    };
    Ok((target, ssh_key(l.db, l.keyring, &place.ce).await?))
}

/// The shell words that submit `launch.sh` and print only the job id.
fn submit_command(s: &Scheduler) -> &'static str {
    match s.submit {
        "sbatch" => "sbatch --parsable launch.sh | cut -d';' -f1",
        "bsub" => "bsub < launch.sh | sed -n 's/^Job <\\([0-9]*\\)>.*/\\1/p'",
        "msub" => "msub launch.sh | tr -d '[:space:]'",
        _ => "qsub launch.sh",
    }
}

async fn grid_submit(
    l: &Launcher<'_>,
    place: &Place,
    s: &Scheduler,
    launch_id: &str,
    files: &[(&str, Zeroizing<String>)],
) -> Result<String, Failure> {
    let (target, key) = target_and_key(l, place).await.map_err(Failure::Final)?;
    let dir = q(&place.run_dir);
    // It carries the files (the run's token, its secrets): wiped when dropped.
    let mut script = Zeroizing::new(format!(
        "set -u\nmkdir -p -- {dir} && cd -- {dir} || {{ echo \"TOWER-FAIL cannot make the run directory\"; exit 0; }}\n"
    ));
    script.reserve(files.iter().map(|(_, c)| c.len() * 4 / 3 + 64).sum::<usize>() + 1024);
    script.push_str(&format!("if [ -s {JOB_FILE} ]; then echo \"TOWER-JOB $(cat {JOB_FILE})\"; exit 0; fi\n"));
    if s.submit == "sbatch" {
        let name = q(&job_name(launch_id));
        script.push_str(&format!("j=$(squeue -h --name={name} -o %i 2>/dev/null | head -n1)\nif [ -n \"$j\" ]; then echo \"$j\" > {JOB_FILE}; echo \"TOWER-JOB $j\"; exit 0; fi\n"));
    }
    script.push_str("umask 077\n");
    for (name, contents) in files {
        let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(contents.as_bytes()));
        // Pushed in pieces: a formatted copy of the contents would outlive this.
        script.push_str("printf '%s' '");
        script.push_str(&b64);
        script.push_str(&format!("' | base64 -d > {name}\n"));
    }
    script.push_str(&format!(
        "j=$({} 2>submit.err)\nif [ -z \"$j\" ]; then echo \"TOWER-FAIL $(tail -n 3 submit.err | tr '\\n' ' ')\"; exit 0; fi\necho \"$j\" > {JOB_FILE}\necho \"TOWER-JOB $j\"\n",
        submit_command(s)
    ));
    let out =
        ssh::run_script(&target, &key, place.ce.host_keys.as_deref(), &script, SSH_TIMEOUT).await.map_err(|e| Failure::Transient(e.0))?;
    let line = |prefix: &str| out.stdout.lines().find_map(|l| l.strip_prefix(prefix)).map(|v| v.trim().to_string());
    if let Some(job) = line("TOWER-JOB ").filter(|j| !j.is_empty()) {
        return Ok(job);
    }
    let why = line("TOWER-FAIL ").unwrap_or_else(|| super::last_line(&out.stderr).unwrap_or("no answer").to_string());
    Err(Failure::Final(format!("{} on {target} refused the head job: {why}", s.submit)))
}

/// Where a head job is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Running,
    /// Ended, with the exit code the launch script kept (none if it was killed).
    Ended(Option<i32>),
}

/// The state of a submitted launch's job. `Err`: the compute environment cannot be asked now.
pub async fn job_state(l: &Launcher<'_>, launch: &LaunchRow) -> Result<JobState, String> {
    let place = place(l, launch).await?;
    let job = launch.job_id.clone().unwrap_or_default();
    let run_dir = launch.run_dir.clone().unwrap_or(place.run_dir.clone());
    match place.kind {
        Kind::Local => {
            on_this_host(&run_dir)?;
            if local_alive(&job) {
                return Ok(JobState::Running);
            }
            let code = std::fs::read_to_string(Path::new(&run_dir).join(EXIT_FILE)).ok().and_then(|c| c.trim().parse().ok());
            Ok(JobState::Ended(code))
        }
        Kind::Grid(s) => {
            let (target, key) = target_and_key(l, &place).await?;
            let status = match s.submit {
                "sbatch" => format!("squeue -h -j {} -o %T 2>/dev/null", q(&job)),
                "bsub" => format!("bjobs -noheader -o stat {} 2>/dev/null | grep -v -e DONE -e EXIT", q(&job)),
                _ => format!("{} {} 2>/dev/null | tail -n +3", s.status, q(&job)),
            };
            let script = format!(
                "state=$({status})\necho \"TOWER-STATE ${{state:-ENDED}}\"\necho \"TOWER-EXIT $(cat {}/{EXIT_FILE} 2>/dev/null)\"\n",
                q(&run_dir)
            );
            let out = ssh::run_script(&target, &key, place.ce.host_keys.as_deref(), &script, SSH_TIMEOUT).await.map_err(|e| e.0)?;
            let value = |p: &str| out.stdout.lines().find_map(|l| l.strip_prefix(p)).map(|v| v.trim().to_string()).unwrap_or_default();
            if value("TOWER-STATE ") != "ENDED" {
                return Ok(JobState::Running);
            }
            Ok(JobState::Ended(value("TOWER-EXIT ").parse().ok()))
        }
        _ => Err(format!("{} jobs cannot be watched on this server", place.ce.platform)),
    }
}

/// Stops a launch's head job for real: the process group gets SIGTERM (then SIGKILL after
/// `grace`), or the scheduler's cancel command.
pub async fn cancel(l: &Launcher<'_>, launch: &LaunchRow, grace: Duration) -> Result<(), String> {
    let Some(job) = launch.job_id.clone() else { return Ok(()) };
    let place = place(l, launch).await?;
    match place.kind {
        Kind::Local => {
            on_this_host(launch.run_dir.as_deref().unwrap_or(&place.run_dir))?;
            if !local_alive(&job) {
                return Ok(());
            }
            let signal = |sig: &'static str, pgid: String| async move {
                let _ = tokio::process::Command::new("kill").args([sig, "--", &format!("-{pgid}")]).status().await;
            };
            signal("-TERM", job.clone()).await;
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                if local_alive(&job) {
                    signal("-KILL", job).await;
                }
            });
            Ok(())
        }
        Kind::Grid(s) => {
            let (target, key) = target_and_key(l, &place).await?;
            let cancel = if s.cancel == "mjobctl" { format!("mjobctl -c {}", q(&job)) } else { format!("{} {}", s.cancel, q(&job)) };
            let out =
                ssh::run_script(&target, &key, place.ce.host_keys.as_deref(), &format!("{cancel} 2>&1; echo TOWER-DONE\n"), SSH_TIMEOUT)
                    .await
                    .map_err(|e| e.0)?;
            if !out.stdout.contains("TOWER-DONE") {
                return Err(format!("{} on {target} did not answer", s.cancel));
            }
            Ok(())
        }
        _ => Err(format!("{} jobs cannot be cancelled on this server", place.ce.platform)),
    }
}

/// The head job's output from byte `from`, at most `max` bytes, and the size so far.
pub async fn log(l: &Launcher<'_>, launch: &LaunchRow, from: u64, max: u64) -> Result<(String, u64), String> {
    let place = place(l, launch).await?;
    let path = format!("{}/{LOG_FILE}", launch.run_dir.clone().unwrap_or(place.run_dir.clone()));
    let bytes = match place.kind {
        Kind::Local => std::fs::read(&path).unwrap_or_default(),
        Kind::Grid(_) => {
            let (target, key) = target_and_key(l, &place).await?;
            let script = format!("tail -c +{} {} 2>/dev/null | head -c {max}\n", from + 1, q(&path));
            let out = ssh::run_script(&target, &key, place.ce.host_keys.as_deref(), &script, SSH_TIMEOUT).await.map_err(|e| e.0)?;
            let text = out.stdout.into_bytes();
            let size = from + text.len() as u64;
            return Ok((String::from_utf8_lossy(&text).into_owned(), size));
        }
        _ => return Err(format!("{} logs cannot be read on this server", place.ce.platform)),
    };
    let start = (from as usize).min(bytes.len());
    let end = (start + max as usize).min(bytes.len());
    Ok((String::from_utf8_lossy(&bytes[start..end]).into_owned(), end as u64))
}
