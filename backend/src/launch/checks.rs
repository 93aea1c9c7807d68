//! Pre-flight checks of a compute environment, on the real host: for the local platform on the
//! Tower host, for a grid scheduler on the login node over SSH with the compute environment's
//! credentials (its commands on PATH, the work and launch directories writable, `nextflow` found,
//! after the pre-run script that may provide it), for Kubernetes against its API server. The
//! outcome is the compute environment's status and a message a person can act on. Checks run
//! in the background under a lease, so a check that died with its process is run again (cron).

use std::time::Duration;

use zeroize::Zeroizing;

use super::ssh::{self, Target};
use crate::domain::compute_env::{self as ce, status, ComputeConfig, Kind, Scheduler};
use crate::domain::credentials::{scope_key, SealedKind, SecretFields};
use crate::domain::crypto::Keyring;
use crate::domain::time::now_millis;
use crate::store::compute_env::{self as store, ComputeEnvRow};
use crate::store::Db;

/// How long one run of the checks may take, and so the lease it holds.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
const OK: &str = "TOWER-CHECK-OK";
const FAIL: &str = "TOWER-CHECK-FAIL ";

/// The outcome of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: &'static str,
    pub message: Option<String>,
    /// The SSH host keys to pin (first successful connection).
    pub host_keys: Option<String>,
}

impl Outcome {
    fn available(host_keys: Option<String>) -> Outcome {
        Outcome { status: status::AVAILABLE, message: None, host_keys }
    }
    fn errored(message: impl Into<String>) -> Outcome {
        Outcome { status: status::ERRORED, message: Some(message.into()), host_keys: None }
    }
    fn invalid(message: impl Into<String>) -> Outcome {
        Outcome { status: status::INVALID, message: Some(message.into()), host_keys: None }
    }
}

/// Runs the checks of one compute environment if no other process runs them, and records the
/// outcome. `None` when another process holds the checks or the compute environment is gone.
pub async fn run(db: &Db, keyring: &Keyring, id: &str, local_enabled: bool) -> anyhow::Result<Option<Outcome>> {
    let now = now_millis();
    if !store::claim_check(db, id, now, now + CHECK_TIMEOUT.as_millis() as i64 + 5_000).await? {
        return Ok(None);
    }
    let Some(row) = store::find_any(db, id).await? else { return Ok(None) };
    let outcome = check(db, keyring, &row, local_enabled).await;
    store::finish_check(db, id, outcome.status, outcome.message.as_deref(), outcome.host_keys.as_deref(), now_millis()).await?;
    tracing::info!(compute_env = %id, status = outcome.status, message = outcome.message.as_deref().unwrap_or(""), "compute environment checked");
    Ok(Some(outcome))
}

/// The checks themselves.
pub async fn check(db: &Db, keyring: &Keyring, row: &ComputeEnvRow, local_enabled: bool) -> Outcome {
    let platform = match ce::platform(&row.platform) {
        Ok(p) => p,
        Err(e) => return Outcome::invalid(e),
    };
    let config: ComputeConfig = match serde_json::from_str(&row.config) {
        Ok(c) => c,
        Err(e) => return Outcome::invalid(format!("the stored configuration cannot be read: {e}")),
    };
    match platform.kind {
        Kind::Local if !local_enabled => Outcome::invalid("the local platform is not enabled on this server (TOWER_ENABLE_LOCAL_PLATFORM)"),
        Kind::Local => local(&config).await,
        Kind::Grid(scheduler) => grid(db, keyring, row, &config, scheduler).await,
        Kind::K8s => super::k8s::check(db, keyring, row, &config).await,
        Kind::Unavailable => Outcome::invalid(format!("{} is not available on this server", platform.id)),
    }
}

/// The shell script of the checks; every value in it is quoted.
fn script(config: &ComputeConfig, scheduler: Option<&Scheduler>, who: &str) -> String {
    let q = ce::quote;
    let mut s = String::from("set -u\nfail() { printf 'TOWER-CHECK-FAIL %s\\n' \"$*\"; exit 0; }\n");
    for v in config.environment.iter().filter(|v| v.head) {
        s.push_str(&format!("export {}={}\n", v.name, q(&v.value)));
    }
    if let Some(sch) = scheduler {
        for c in [sch.submit, sch.status, sch.cancel] {
            s.push_str(&format!("command -v {c} >/dev/null 2>&1 || fail {}\n", q(&format!("{c} not found on PATH of {who}"))));
        }
    }
    let work = config.work_dir.as_deref().unwrap_or_default();
    let mut dirs = vec![("work dir", work)];
    if let Some(l) = config.launch_dir.as_deref() {
        dirs.push(("launch dir", l));
    }
    for (label, dir) in dirs {
        let msg = q(&format!("{label} {dir} is not writable by {who}"));
        s.push_str(&format!(
            "mkdir -p -- {d} 2>/dev/null; probe={d}/.tower-check-$$; ( : > \"$probe\" ) 2>/dev/null && rm -f -- \"$probe\" || fail {msg}\n",
            d = q(dir)
        ));
    }
    let pre = config.pre_run_script.as_deref().unwrap_or_default();
    s.push_str(&format!(
        "pre={}\nnf=$( eval \"$pre\" </dev/null >/dev/null 2>&1; command -v nextflow ) || nf=\n[ -n \"$nf\" ] || fail {}\n",
        q(pre),
        q(&format!("nextflow not found on PATH of {who}{}", if pre.trim().is_empty() { "" } else { " after the pre-run script" }))
    ));
    s.push_str(&format!("printf '{OK}\\n'\n"));
    s
}

/// The outcome from what the script printed.
fn outcome(stdout: &str, stderr: &str, host_keys: Option<String>) -> Outcome {
    if let Some(reason) = stdout.lines().find_map(|l| l.strip_prefix(FAIL)) {
        return Outcome::invalid(reason.trim().to_string());
    }
    if stdout.lines().any(|l| l.trim() == OK) {
        return Outcome::available(host_keys);
    }
    let last = super::last_line(stderr).unwrap_or("no output");
    Outcome::errored(format!("the checks did not finish: {last}"))
}

async fn local(config: &ComputeConfig) -> Outcome {
    let user = std::env::var("USER")
        .ok()
        .or_else(|| {
            std::process::Command::new("id").arg("-un").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "(this process)".into());
    let who = format!("the Tower host's user {user}");
    let script = script(config, None, &who);
    let mut cmd = tokio::process::Command::new("bash");
    cmd.arg("-s")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let run = async {
        let mut child = cmd.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            tokio::io::AsyncWriteExt::write_all(&mut stdin, script.as_bytes()).await?;
        }
        child.wait_with_output().await
    };
    match tokio::time::timeout(CHECK_TIMEOUT, run).await {
        Ok(Ok(out)) => outcome(&String::from_utf8_lossy(&out.stdout), &String::from_utf8_lossy(&out.stderr), None),
        Ok(Err(e)) => Outcome::errored(format!("cannot run the checks on the Tower host: {e}")),
        Err(_) => Outcome::errored(format!("the checks did not finish within {} s", CHECK_TIMEOUT.as_secs())),
    }
}

async fn grid(db: &Db, keyring: &Keyring, row: &ComputeEnvRow, config: &ComputeConfig, scheduler: &Scheduler) -> Outcome {
    let target = Target {
        host: config.host_name.clone().unwrap_or_default(),
        port: config.port.and_then(|p| u16::try_from(p).ok()).unwrap_or(22),
        user: config.user_name.clone().unwrap_or_default(),
    };
    let key = match ssh_key(db, keyring, row).await {
        Ok(k) => k,
        Err(e) => return Outcome::invalid(e),
    };
    let script = script(config, Some(scheduler), &target.to_string());
    match ssh::run_script(&target, &key, row.host_keys.as_deref(), &script, CHECK_TIMEOUT).await {
        Ok(out) => {
            let pinned = if row.host_keys.is_none() && !out.host_keys.trim().is_empty() { Some(out.host_keys.clone()) } else { None };
            outcome(&out.stdout, &out.stderr, pinned)
        }
        Err(e) => Outcome::errored(e.0),
    }
}

/// The SSH key of the compute environment's credentials, opened.
pub async fn ssh_key(db: &Db, keyring: &Keyring, row: &ComputeEnvRow) -> Result<ssh::Key, String> {
    let fields = credential_fields(db, keyring, row, "ssh").await?;
    let private_key = fields.get("privateKey").ok_or("the SSH credentials have no private key")?;
    Ok(ssh::Key {
        private_key: Zeroizing::new(private_key.to_string()),
        passphrase: fields.get("passphrase").map(|p| Zeroizing::new(p.to_string())),
    })
}

/// The secret fields of the compute environment's credentials, which must be of `provider`.
pub async fn credential_fields(db: &Db, keyring: &Keyring, row: &ComputeEnvRow, provider: &str) -> Result<SecretFields, String> {
    let id = row.credentials_id.as_deref().ok_or_else(|| format!("the compute environment has no {provider} credentials"))?;
    let scope = scope_key(row.user_id, row.workspace_id);
    let creds = crate::store::credentials::find(db, &scope, id).await.map_err(|e| format!("cannot read the credentials: {e}"))?;
    match creds {
        Some(c) if c.provider == provider => {}
        Some(c) => return Err(format!("the credentials '{}' are {} credentials, not {provider}", c.name, c.provider)),
        None => return Err(format!("the credentials {id} no longer exist")),
    }
    let sealed = crate::store::credentials::sealed(db, &scope, id)
        .await
        .map_err(|e| format!("cannot read the credentials: {e}"))?
        .ok_or_else(|| format!("the credentials {id} no longer exist"))?;
    let plain = keyring.open(&sealed, &SealedKind::Credentials.aad(id)).map_err(|e| format!("the credentials cannot be decrypted: {e}"))?;
    SecretFields::from_json(&plain).ok_or_else(|| "the stored credentials are not readable".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_quotes_every_value_and_reports_the_first_failure() {
        let c = ComputeConfig {
            work_dir: Some("/tmp/w".into()),
            pre_run_script: Some("echo '$(x)'; module load nextflow".into()),
            environment: vec![ce::EnvVar { name: "A".into(), value: "$(touch /tmp/pwned) `x` ; y".into(), head: true, compute: false }],
            ..Default::default()
        };
        let s = script(&c, Some(&ce::SLURM), "hpc@login:22");
        assert!(s.contains("command -v sbatch"));
        // What bash makes of the quoted values: exactly the text given, run by nothing.
        let lines: Vec<&str> = s.lines().filter(|l| l.starts_with("export A=") || l.starts_with("pre=")).collect();
        let probe = format!("{}\nprintf '%s|%s' \"$A\" \"$pre\"", lines.join("\n"));
        let out = std::process::Command::new("bash").arg("-c").arg(&probe).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}|{}", c.environment[0].value, c.pre_run_script.as_deref().unwrap()));
        assert_eq!(
            outcome("TOWER-CHECK-FAIL sbatch not found on PATH of hpc@login:22\n", "", None),
            Outcome::invalid("sbatch not found on PATH of hpc@login:22")
        );
        assert_eq!(outcome("x\nTOWER-CHECK-OK\n", "", Some("k".into())).status, status::AVAILABLE);
        assert_eq!(outcome("", "bash: line 3: oops\n", None), Outcome::errored("the checks did not finish: bash: line 3: oops"));
    }
}
