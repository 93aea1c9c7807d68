//! What a pipeline repository holds, read from the repository itself with the `git` binary: its
//! branches and tags (`git ls-remote`), and files of a revision (a shallow, blob-less clone into
//! a private temporary directory): `nextflow_schema.json`, `main.nf`, `nextflow.config`. Only the
//! http(s), ssh, git and file protocols are allowed (git's `ext::` would run a command), nothing
//! prompts, and every call has a time limit. A private http(s) repository is read with the
//! workspace's Git credentials for its server ([`login_for`]), sent as an `Authorization` header
//! for that server only, through git's environment: never on a command line or in a file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::credentials::{self as rules, GitLogin, SealedKind, SecretFields};
use crate::domain::crypto::Keyring;
use crate::store::Db;

const GIT_TIMEOUT: Duration = Duration::from_secs(60);

/// A repository URL as git takes it: `owner/name` means GitHub, as Nextflow reads it.
pub fn clone_url(pipeline: &str) -> Result<String, String> {
    let p = pipeline.trim();
    let ok = |s: &str| !s.is_empty() && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:@+~%=".contains(c));
    if !ok(p) {
        return Err(format!("'{p}' is not a repository URL or path"));
    }
    if ["https://", "http://", "ssh://", "git://", "file://"].iter().any(|s| p.starts_with(s)) || p.starts_with('/') {
        return Ok(p.to_string());
    }
    let parts: Vec<&str> = p.split('/').collect();
    if parts.len() == 2 && !p.contains(':') {
        return Ok(format!("https://github.com/{p}"));
    }
    Err(format!("'{p}' is not a repository URL (https://, ssh://, file:// or owner/name) or an absolute path"))
}

fn git(login: Option<&GitLogin>) -> tokio::process::Command {
    let mut c = tokio::process::Command::new("git");
    c.env("GIT_TERMINAL_PROMPT", "0").env("GIT_ALLOW_PROTOCOL", "http:https:ssh:git:file").env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    if let Some(login) = login {
        // `http.<url>.extraHeader` applies to that server's URLs only, so a redirect elsewhere
        // does not carry it.
        c.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", format!("http.{}/.extraHeader", login.server))
            .env("GIT_CONFIG_VALUE_0", format!("Authorization: {}", login.basic_auth().as_str()));
    }
    c.stdin(std::process::Stdio::null()).kill_on_drop(true);
    c
}

/// The Git credentials of a workspace (`scope`) for the server of a repository, opened; `None`
/// when it has none for that server (or the repository is not http(s)).
pub async fn login_for(db: &Db, keyring: &Keyring, scope: &str, url: &str) -> Result<Option<(String, GitLogin)>, String> {
    let providers: Vec<&str> = rules::GIT_PROVIDERS.iter().map(|(p, _)| *p).collect();
    let rows =
        crate::store::credentials::list(db, scope, Some(&providers)).await.map_err(|e| format!("cannot read the credentials: {e}"))?;
    let servers: Vec<String> = rows.iter().map(|r| rules::git_server(&r.provider, r.base_url.as_deref()).unwrap_or_default()).collect();
    let Some(i) = rules::git_match(url, servers.iter().map(String::as_str)) else { return Ok(None) };
    let row = &rows[i];
    let unreadable = || format!("the Git credentials '{}' cannot be read", row.name);
    let sealed = crate::store::credentials::sealed(db, scope, &row.id).await.map_err(|e| format!("cannot read the credentials: {e}"))?;
    let plain = keyring.open(&sealed.ok_or_else(unreadable)?, &SealedKind::Credentials.aad(&row.id)).map_err(|_| unreadable())?;
    let secret = SecretFields::from_json(&plain).ok_or_else(unreadable)?;
    let public: serde_json::Value = serde_json::from_str(&row.public_keys).unwrap_or_default();
    let username = public["username"].as_str().unwrap_or_default();
    let _ = crate::store::credentials::mark_used(db, &row.id, crate::domain::time::now_millis()).await;
    Ok(GitLogin::new(&row.provider, servers[i].clone(), username, &secret).map(|l| (row.id.clone(), l)))
}

async fn run(mut cmd: tokio::process::Command, what: &str) -> Result<String, String> {
    let out = tokio::time::timeout(GIT_TIMEOUT, cmd.output())
        .await
        .map_err(|_| format!("{what}: git did not answer within {} s", GIT_TIMEOUT.as_secs()))?
        .map_err(|e| format!("{what}: cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{what}: {}", super::last_line(&err).unwrap_or("git failed")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A branch or tag of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub name: String,
    pub commit_id: String,
    pub kind: &'static str,
}

/// The branches and tags of a repository, and which one its HEAD is.
pub async fn revisions(url: &str, login: Option<&GitLogin>) -> Result<(Vec<Revision>, Option<String>), String> {
    let mut cmd = git(login);
    cmd.args(["ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*", "refs/tags/*"]);
    let text = run(cmd, &format!("cannot read the repository {url}")).await?;
    let mut out = Vec::new();
    let mut head = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ref: refs/heads/") {
            head = rest.split_whitespace().next().map(str::to_string);
            continue;
        }
        let Some((commit, name)) = line.split_once('\t') else { continue };
        let (kind, name) = match (name.strip_prefix("refs/heads/"), name.strip_prefix("refs/tags/")) {
            (Some(b), _) => ("branch", b),
            (_, Some(t)) if !t.ends_with("^{}") => ("tag", t),
            _ => continue,
        };
        out.push(Revision { name: name.to_string(), commit_id: commit.to_string(), kind });
    }
    Ok((out, head))
}

/// A private directory removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Files of a repository at a revision (its default branch when none), by path; a file that is
/// not there is `None`.
pub async fn files(url: &str, revision: Option<&str>, names: &[&str], login: Option<&GitLogin>) -> Result<Vec<Option<String>>, String> {
    let dir = Scratch(std::env::temp_dir().join(format!("tower-repo-{}", crate::domain::ids::random_hex(8))));
    let mut cmd = git(login);
    cmd.args(["clone", "--quiet", "--depth", "1", "--no-checkout", "--filter=blob:none"]);
    if let Some(rev) = revision.filter(|r| !r.is_empty()) {
        cmd.args(["--branch", rev]);
    }
    cmd.arg("--").arg(url).arg(&dir.0);
    run(cmd, &format!("cannot fetch {url}{}", revision.map(|r| format!(" at {r}")).unwrap_or_default())).await?;
    let mut out = Vec::new();
    for name in names {
        let mut show = git(None);
        show.arg("-C").arg(Path::new(&dir.0)).args(["show", &format!("HEAD:{name}")]);
        out.push(run(show, name).await.ok());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_become_urls_and_nothing_else_does() {
        assert_eq!(clone_url("nextflow-io/hello").unwrap(), "https://github.com/nextflow-io/hello");
        assert_eq!(clone_url("file:///srv/repos/x").unwrap(), "file:///srv/repos/x");
        assert_eq!(clone_url("/srv/repos/x").unwrap(), "/srv/repos/x");
        assert!(clone_url("ext::sh -c touch% /tmp/pwned").is_err());
        assert!(clone_url("--upload-pack=touch /tmp/x").is_err());
        assert!(clone_url("a/b/c").is_err());
    }
}
