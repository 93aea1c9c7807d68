//! Scripts on a cluster's login node over SSH, with the system `ssh` client. The script goes to
//! `bash -s` on standard input, so the remote command line is a constant and no value is ever
//! parsed by a shell there except as the script quotes it. The private key lives in a private
//! temporary directory (mode 0700, the key 0600) for the length of the connection. Host keys are
//! pinned: the first connection accepts and returns them, every later one requires them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use zeroize::Zeroizing;

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}:{}", self.user, self.host, self.port)
    }
}

/// The SSH key of a credentials.
pub struct Key {
    pub private_key: Zeroizing<String>,
    pub passphrase: Option<Zeroizing<String>>,
}

/// What a script printed, and the host keys now known (known_hosts lines).
#[derive(Debug)]
pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub host_keys: String,
}

/// A private directory removed with everything in it when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("tower-ssh-{}", crate::domain::ids::random_hex(8)));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&dir)?;
        Ok(Scratch(dir))
    }

    fn write(&self, name: &str, contents: &[u8], mode: u32) -> std::io::Result<PathBuf> {
        use std::io::Write;
        let path = self.0.join(name);
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, mode);
        o.open(&path)?.write_all(contents)?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Why a script could not run: a message a person can act on, never a key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SshError(pub String);

/// Runs `script` with `bash -s` as `target`'s user. `pinned`: the host keys from an earlier
/// connection (required to match), or `None` to accept and pin them now.
pub async fn run_script(target: &Target, key: &Key, pinned: Option<&str>, script: &str, timeout: Duration) -> Result<Output, SshError> {
    let io = |e: std::io::Error| SshError(format!("ssh: cannot prepare the connection: {e}"));
    let scratch = Scratch::new().map_err(io)?;
    let mut private_key = Zeroizing::new(key.private_key.trim().to_string());
    private_key.push('\n');
    let key_file = scratch.write("key", private_key.as_bytes(), 0o600).map_err(io)?;
    let known_hosts = scratch.write("known_hosts", pinned.unwrap_or_default().as_bytes(), 0o600).map_err(io)?;
    let mut cmd = tokio::process::Command::new("ssh");
    let strict = if pinned.is_some() { "StrictHostKeyChecking=yes" } else { "StrictHostKeyChecking=accept-new" };
    cmd.args(["-F", "/dev/null", "-T", "-i"]).arg(&key_file);
    cmd.args(["-p", &target.port.to_string(), "-l", &target.user]);
    for o in
        [strict, "IdentitiesOnly=yes", "GlobalKnownHostsFile=/dev/null", "ConnectTimeout=10", "ServerAliveInterval=10", "LogLevel=ERROR"]
    {
        cmd.args(["-o", o]);
    }
    cmd.arg("-o").arg(format!("UserKnownHostsFile={}", known_hosts.display()));
    match &key.passphrase {
        // The passphrase reaches ssh through an askpass helper that prints it from the
        // environment of this one process, never on a command line.
        Some(pass) => {
            let askpass = scratch.write("askpass", b"#!/bin/sh\nprintf '%s\\n' \"$TOWER_SSH_PASSPHRASE\"\n", 0o700).map_err(io)?;
            cmd.args(["-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=1"]);
            cmd.env("SSH_ASKPASS", &askpass).env("SSH_ASKPASS_REQUIRE", "force").env("TOWER_SSH_PASSPHRASE", pass.as_str());
            cmd.env("DISPLAY", ":0");
        }
        None => {
            cmd.args(["-o", "BatchMode=yes"]);
        }
    }
    cmd.arg("--").arg(&target.host).arg("bash -s");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| SshError(format!("ssh: cannot start the ssh client: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A host that closes early (authentication failed) is reported from stderr below.
        let _ = stdin.write_all(script.as_bytes()).await;
    }
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| SshError(format!("ssh: {target} did not finish within {} s", timeout.as_secs())))?
        .map_err(|e| SshError(format!("ssh: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.code() == Some(255) {
        return Err(SshError(explain(target, &stderr)));
    }
    Ok(Output {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr,
        host_keys: read(&known_hosts),
    })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// What an ssh failure means, from its message.
fn explain(target: &Target, stderr: &str) -> String {
    let last = super::last_line(stderr).unwrap_or("the connection failed");
    let addr = format!("{}:{}", target.host, target.port);
    if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || stderr.contains("Host key verification failed") {
        format!(
            "ssh: the host key of {addr} is not the one pinned when this compute environment was first checked; \
             if the host was reinstalled, create the compute environment again"
        )
    } else if stderr.contains("incorrect passphrase") || stderr.contains("error in libcrypto") || stderr.contains("invalid format") {
        format!("ssh: the private key of the credentials cannot be used (wrong passphrase or not a key) for {target}")
    } else if stderr.contains("Permission denied") {
        format!("ssh: authentication failed for {target}")
    } else if ["Connection refused", "timed out", "No route to host", "Could not resolve", "Name or service not known"]
        .iter()
        .any(|s| stderr.contains(s))
    {
        format!("ssh: cannot connect to {addr}: {last}")
    } else {
        format!("ssh: {target}: {last}")
    }
}
