//! Launching a pipeline: the request (`WorkflowLaunchRequest`) and its rules, and the script that
//! runs the Nextflow head job on a compute environment. Every value of the request that reaches
//! the script is checked here and shell-quoted there; the pre- and post-run scripts and the
//! Nextflow config are the user's own code and run as such.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compute_env::{is_plain_path, quote as q, ComputeConfig, Scheduler};
use super::credentials::GitLogin;

/// `WorkflowLaunchRequest`: what a launch asks for, as stored with the launch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_env_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub config_profiles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tower_config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_run_script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_run_script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resume: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub pull_latest: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub stub_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_job_cpus: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_job_memory_mb: Option<i32>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub user_secrets: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub workspace_secrets: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub label_ids: Vec<i64>,
}

/// The hash of a pipeline version: SHA-256 of its launch settings without what differs between
/// launches of one version (the launch id, run name, resume and session, labels).
pub fn version_hash(r: &LaunchRequest) -> String {
    use sha2::Digest;
    let what = LaunchRequest { id: None, run_name: None, resume: false, session_id: None, label_ids: Vec::new(), ..r.clone() };
    let text = serde_json::to_string(&what).expect("a launch request serializes");
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A pipeline version's name: 1 to 255 characters, no line breaks or other control characters.
pub fn check_version_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the version name is required".into());
    }
    if name.chars().count() > 255 || name.chars().any(char::is_control) || name.trim() != name {
        return Err(format!("'{name}' is not a valid version name: up to 255 characters, no control characters or outer spaces"));
    }
    Ok(())
}

/// A `null` as the field's default: clients (`tw`) send back what they read, nulls included.
fn null_as_default<'de, D: serde::Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One pre-flight failure: a code and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

fn problem(code: &'static str, message: impl Into<String>) -> Problem {
    Problem { code, message: message.into() }
}

/// A pipeline: a repository URL (`https://`, `http://`, `ssh://`, `git@host:path`, `file://`) or
/// an absolute path on the compute environment, or `owner/name` (GitHub, as Nextflow reads it).
fn is_pipeline(s: &str) -> bool {
    let ok_chars = s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:@+~%=".contains(c));
    !s.is_empty() && s.len() <= 512 && !s.starts_with('-') && ok_chars
}

/// Branch, tag or commit names: git's own rules, narrowed to plain characters.
fn is_revision(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with('-')
        && !s.contains("..")
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// `paramsText` (JSON, or YAML of one level as Seqera's form writes it) as a JSON object.
pub fn params_json(text: Option<&str>) -> Result<Value, String> {
    let text = text.unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    if text.starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err("paramsText must be a JSON or YAML object".into()),
            Err(e) => Err(format!("paramsText is not valid JSON: {e}")),
        };
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("paramsText is neither JSON nor YAML: {e}"))?;
    match docs.first().map(yaml_to_json) {
        Some(v @ Value::Object(_)) => Ok(v),
        _ => Err("paramsText must be a JSON or YAML object".into()),
    }
}

fn yaml_to_json(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(r) => r.parse::<f64>().map(Value::from).unwrap_or(Value::String(r.clone())),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Yaml::Hash(h) => Value::Object(h.iter().filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), yaml_to_json(v)))).collect()),
        _ => Value::Null,
    }
}

/// Checks a launch request. Every problem is reported, not only the first.
pub fn check(r: &LaunchRequest) -> Vec<Problem> {
    let mut out = Vec::new();
    match r.pipeline.as_deref() {
        None | Some("") => out.push(problem("pipeline_required", "launch.pipeline is required: a repository URL or a path")),
        Some(p) if !is_pipeline(p) => {
            out.push(problem("pipeline_invalid", "launch.pipeline must be a repository URL or a path, without spaces or shell characters"))
        }
        _ => {}
    }
    if let Some(rev) = r.revision.as_deref().filter(|s| !s.is_empty()) {
        if !is_revision(rev) {
            out.push(problem("revision_invalid", "launch.revision must be a branch, tag or commit name"));
        }
    }
    if let Some(name) = r.run_name.as_deref().filter(|s| !s.is_empty()) {
        if let Err(e) = super::names::validate_run_name(name) {
            out.push(problem("run_name_invalid", format!("launch.runName: {e}")));
        }
    }
    if let Some(dir) = r.work_dir.as_deref().filter(|s| !s.is_empty()) {
        if !is_plain_path(dir) {
            out.push(problem("work_dir_invalid", "launch.workDir must be an absolute path without spaces or shell characters"));
        }
    }
    if let Some(p) = r.config_profiles.iter().find(|p| !is_word(p)) {
        out.push(problem("profile_invalid", format!("launch.configProfiles: '{p}' is not a profile name")));
    }
    for (field, v) in [("mainScript", &r.main_script), ("entryName", &r.entry_name)] {
        if v.as_deref().is_some_and(|v| !(v.is_empty() || is_word(v) || is_plain_path(v) || v.split('/').all(is_word))) {
            out.push(problem("name_invalid", format!("launch.{field} must be a file or workflow name")));
        }
    }
    if let Some(sid) = r.session_id.as_deref().filter(|s| !s.is_empty()) {
        if uuid_like(sid).is_none() {
            out.push(problem("session_invalid", "launch.sessionId must be a session UUID"));
        }
    }
    if r.resume && r.session_id.as_deref().is_none_or(str::is_empty) {
        out.push(problem("session_required", "launch.resume needs launch.sessionId: the session of the run to resume"));
    }
    if let Err(e) = params_json(r.params_text.as_deref()) {
        out.push(problem("params_invalid", e));
    }
    for (field, v) in [
        ("configText", &r.config_text),
        ("preRunScript", &r.pre_run_script),
        ("postRunScript", &r.post_run_script),
        ("towerConfig", &r.tower_config),
    ] {
        if v.as_deref().is_some_and(|v| v.len() > 65_536 || v.contains('\0')) {
            out.push(problem("text_invalid", format!("launch.{field} must be text of at most 65536 characters")));
        }
    }
    for (field, names) in [("userSecrets", &r.user_secrets), ("workspaceSecrets", &r.workspace_secrets)] {
        if let Some(Err(e)) = names.iter().map(|n| crate::domain::credentials::check_secret_name(n)).find(Result::is_err) {
            out.push(problem("secret_name_invalid", format!("launch.{field}: {e}")));
        }
    }
    out
}

fn uuid_like(s: &str) -> Option<()> {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    (parts.len() == 5 && parts.iter().zip(lens).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))).then_some(())
}

/// Everything the launch script needs.
pub struct ScriptInput<'a> {
    pub workflow_id: &'a str,
    pub run_name: &'a str,
    pub request: &'a LaunchRequest,
    pub config: &'a ComputeConfig,
    /// The directory of this run's files (script, params, config, log).
    pub run_dir: &'a str,
    /// Where Nextflow reports (`-with-tower`).
    pub api_url: &'a str,
    pub workspace_id: Option<i64>,
    /// The run's own access token.
    pub token: &'a str,
    /// Batch directives for a grid scheduler, or none for a local process.
    pub scheduler: Option<(&'a Scheduler, &'a str)>,
    /// Whether the run gets pipeline secrets ([`SECRETS_FILE`]).
    pub secrets: bool,
    /// Whether the run gets Git credentials for its repository ([`SCM_FILE`]).
    pub scm: bool,
}

/// The file names in a run's directory.
pub const SCRIPT_FILE: &str = "launch.sh";
pub const PARAMS_FILE: &str = "params.json";
pub const CONFIG_FILE: &str = "nextflow.config";
pub const LOG_FILE: &str = "nextflow.log.txt";
pub const EXIT_FILE: &str = ".exitcode";
/// The pid of a local head job, written by its script once it holds [`LOCK_FILE`].
pub const PID_FILE: &str = ".pid";
/// Held by a local head job while it runs: one per launch.
pub const LOCK_FILE: &str = ".lock";
/// The run's pipeline secrets, for Nextflow's local secrets provider (`NXF_SECRETS_FILE`, owner
/// only, as Nextflow requires); the script deletes it when it ends.
pub const SECRETS_FILE: &str = "secrets.json";
/// The Git credentials Nextflow pulls the pipeline with (`NXF_SCM_FILE`, owner only); the script
/// deletes it when it ends.
pub const SCM_FILE: &str = "scm";

/// The bash script of the head job: environment, pre-run script, `nextflow run`, post-run script,
/// the exit code kept in the run directory.
pub fn script(i: &ScriptInput<'_>) -> String {
    let r = i.request;
    let mut s = String::from("#!/bin/bash\n");
    if let Some((_, directives)) = i.scheduler {
        s.push_str(directives);
    }
    s.push_str("# Written by Tower for one run. It holds the run's access token: keep it private.\n");
    s.push_str(&format!("cd {} || exit 1\n", q(i.run_dir)));
    if i.scheduler.is_none() {
        // One head job per launch on this host: a second start (by a submitter that died before
        // it saw the first) finds the lock held and leaves. The pid tells the submitter it runs.
        s.push_str(&format!("exec 9>>{LOCK_FILE}\nflock -n 9 || exit 0\necho \"$$\" > {PID_FILE}\n"));
    }
    // The exit code is kept however the script ends (a pre-run script may `exit`).
    // The secret files go before the exit code is written: once that is there, they are gone.
    s.push_str(&format!("trap 'code=$?; rm -f {SECRETS_FILE} {SCM_FILE}; echo \"$code\" > {EXIT_FILE}' EXIT\n"));
    s.push_str(&format!("export TOWER_WORKFLOW_ID={}\n", q(i.workflow_id)));
    s.push_str(&format!("export TOWER_ACCESS_TOKEN={}\n", q(i.token)));
    s.push_str(&format!("export TOWER_API_ENDPOINT={}\n", q(i.api_url)));
    if let Some(ws) = i.workspace_id {
        s.push_str(&format!("export TOWER_WORKSPACE_ID={ws}\n"));
    }
    if i.secrets {
        s.push_str(&format!("export NXF_SECRETS_FILE=\"$PWD/{SECRETS_FILE}\"\n"));
    }
    if i.scm {
        s.push_str(&format!("export NXF_SCM_FILE=\"$PWD/{SCM_FILE}\"\n"));
    }
    for v in i.config.environment.iter().filter(|v| v.head) {
        s.push_str(&format!("export {}={}\n", v.name, q(&v.value)));
    }
    for pre in [i.config.pre_run_script.as_deref(), r.pre_run_script.as_deref()].into_iter().flatten() {
        s.push_str(pre);
        s.push('\n');
    }
    let mut cmd = vec!["nextflow".to_string(), "run".into(), q(r.pipeline.as_deref().unwrap_or_default())];
    let mut arg = |flag: &str, value: Option<&str>| {
        cmd.push(flag.to_string());
        if let Some(v) = value {
            cmd.push(q(v));
        }
    };
    arg("-name", Some(i.run_name));
    arg("-with-tower", Some(i.api_url));
    if let Some(rev) = r.revision.as_deref().filter(|s| !s.is_empty()) {
        arg("-r", Some(rev));
    }
    let work = r.work_dir.as_deref().filter(|s| !s.is_empty()).or(i.config.work_dir.as_deref()).unwrap_or_default();
    arg("-w", Some(work));
    arg("-params-file", Some(PARAMS_FILE));
    arg("-c", Some(CONFIG_FILE));
    if !r.config_profiles.is_empty() {
        arg("-profile", Some(&r.config_profiles.join(",")));
    }
    if r.resume {
        arg("-resume", r.session_id.as_deref());
    }
    if r.stub_run {
        arg("-stub-run", None);
    }
    if r.pull_latest {
        arg("-latest", None);
    }
    if let Some(m) = r.main_script.as_deref().filter(|s| !s.is_empty()) {
        arg("-main-script", Some(m));
    }
    if let Some(e) = r.entry_name.as_deref().filter(|s| !s.is_empty()) {
        arg("-entry", Some(e));
    }
    s.push_str(&cmd.join(" "));
    s.push_str("\nrc=$?\n");
    for post in [r.post_run_script.as_deref(), i.config.post_run_script.as_deref()].into_iter().flatten() {
        s.push_str(post);
        s.push('\n');
    }
    s.push_str("exit \"$rc\"\n");
    s
}

/// The [`SECRETS_FILE`] of a run, as Nextflow's local secrets provider reads it: a JSON list of
/// `{"name", "value"}`. A later secret of the same name wins (user secrets come after the
/// workspace's).
pub fn secrets_file(secrets: &[(String, zeroize::Zeroizing<String>)]) -> zeroize::Zeroizing<String> {
    let mut by_name: Vec<(&str, &str)> = Vec::new();
    for (name, value) in secrets {
        by_name.retain(|(n, _)| n != name);
        by_name.push((name, value));
    }
    #[derive(Serialize)]
    struct Entry<'a> {
        name: &'a str,
        value: &'a str,
    }
    let list: Vec<Entry> = by_name.into_iter().map(|(name, value)| Entry { name, value }).collect();
    // Written into one buffer, reserved up front so that no copy is left behind by its growth.
    let mut out =
        zeroize::Zeroizing::new(Vec::with_capacity(list.iter().map(|e| 6 * (e.name.len() + e.value.len()) + 32).sum::<usize>() + 2));
    serde_json::to_writer(&mut *out, &list).expect("strings serialize");
    zeroize::Zeroizing::new(String::from_utf8(std::mem::take(&mut *out)).expect("JSON is UTF-8"))
}

/// The [`SCM_FILE`] of a run: Nextflow's SCM configuration with the one provider the pipeline's
/// repository is on. A provider on its usual host keeps its own name; any other server is named
/// with `server` and `platform`, as Nextflow's documentation shows.
pub fn scm_file(login: &GitLogin) -> zeroize::Zeroizing<String> {
    // A Groovy single-quoted string: no interpolation; backslash, quote and line ends escaped.
    let quoted = |v: &str| {
        let mut out = zeroize::Zeroizing::new(String::with_capacity(v.len() * 2 + 2));
        out.push('\'');
        for c in v.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    };
    let usual = crate::domain::credentials::git_server(&login.provider, None).is_some_and(|s| s == login.server);
    // Reserved up front (every value at most doubles when quoted) so that no copy of the
    // password is left behind by the buffer's growth.
    let mut s = zeroize::Zeroizing::new(String::with_capacity(
        128 + 2 * (2 * login.provider.len() + login.server.len() + login.username.len() + 2 * login.password.len()),
    ));
    s.push_str("providers {\n");
    if usual {
        s.push_str(&format!("  {} {{\n", login.provider));
    } else {
        s.push_str(&format!(
            "  tower_{} {{\n    server = {}\n    platform = {}\n",
            login.provider,
            *quoted(&login.server),
            *quoted(&login.provider)
        ));
    }
    s.push_str(&format!("    user = {}\n", *quoted(&login.username)));
    for field in ["password", "token"] {
        s.push_str("    ");
        s.push_str(field);
        s.push_str(" = ");
        s.push_str(&quoted(&login.password));
        s.push('\n');
    }
    s.push_str("  }\n}\n");
    s
}

/// The Nextflow config of a run: the compute environment's, then the launch's own.
pub fn config_file(config: &ComputeConfig, r: &LaunchRequest) -> String {
    [config.nextflow_config.as_deref(), r.config_text.as_deref(), r.tower_config.as_deref()]
        .into_iter()
        .flatten()
        .filter(|t| !t.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The batch directives of a grid head job: job name, output, queue (and for Slurm cpus and
/// memory), then the compute environment's head job options, split as a shell would.
pub fn directives(s: &Scheduler, job_name: &str, config: &ComputeConfig, r: &LaunchRequest, log: &str) -> String {
    let mut opts = match s.submit {
        "sbatch" => vec![format!("--job-name={job_name}"), format!("--output={log}")],
        "bsub" => vec![format!("-J {job_name}"), format!("-o {log}")],
        _ => vec![format!("-N {job_name}"), format!("-o {log}"), "-j oe".into()],
    };
    if let Some(queue) = config.head_queue.as_deref() {
        opts.push(if s.submit == "sbatch" { format!("--partition={queue}") } else { format!("-q {queue}") });
    }
    if s.submit == "sbatch" {
        opts.extend(r.head_job_cpus.map(|c| format!("--cpus-per-task={c}")));
        opts.extend(r.head_job_memory_mb.map(|m| format!("--mem={m}M")));
    }
    if let Some(extra) = config.head_job_options.as_deref().and_then(shlex::split).filter(|e| !e.is_empty()) {
        opts.push(extra.join(" "));
    }
    opts.iter().map(|o| format!("{} {o}\n", s.directive)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LaunchRequest {
        LaunchRequest { pipeline: Some("https://github.com/nextflow-io/hello".into()), revision: Some("main".into()), ..Default::default() }
    }

    #[test]
    fn every_problem_of_a_request_is_named() {
        assert!(check(&request()).is_empty());
        let bad = LaunchRequest {
            pipeline: Some("x; rm -rf /".into()),
            revision: Some("$(id)".into()),
            run_name: Some("a b".into()),
            work_dir: Some("/w/`id`".into()),
            config_profiles: vec!["ok".into(), "b;ad".into()],
            params_text: Some("{not json".into()),
            resume: true,
            ..Default::default()
        };
        let codes: Vec<&str> = check(&bad).iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "pipeline_invalid",
                "revision_invalid",
                "run_name_invalid",
                "work_dir_invalid",
                "profile_invalid",
                "session_required",
                "params_invalid"
            ]
        );
    }

    #[test]
    fn a_version_is_what_it_runs_not_how_one_launch_was_named() {
        let a = request();
        let b = LaunchRequest { run_name: Some("other".into()), id: Some("x".into()), label_ids: vec![1], ..a.clone() };
        assert_eq!(version_hash(&a), version_hash(&b));
        assert_eq!(version_hash(&a).len(), 64);
        assert_ne!(version_hash(&a), version_hash(&LaunchRequest { params_text: Some("x: 1".into()), ..a.clone() }));
        assert!(check_version_name("1.0 stable").is_ok());
        assert!(check_version_name("").is_err() && check_version_name(" x").is_err() && check_version_name("a\nb").is_err());
    }

    #[test]
    fn params_come_as_json_or_yaml() {
        assert_eq!(params_json(Some("{\"a\": 1}")).unwrap()["a"], 1);
        let y = params_json(Some("input: s3://x\ncount: 3\nflag: true")).unwrap();
        assert_eq!((y["input"].as_str(), y["count"].as_i64(), y["flag"].as_bool()), (Some("s3://x"), Some(3), Some(true)));
        assert!(params_json(Some("- a\n- b")).is_err());
        assert_eq!(params_json(None).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn the_secrets_file_is_what_nextflow_reads_and_the_last_of_a_name_wins() {
        let z = |s: &str| zeroize::Zeroizing::new(s.to_string());
        let file = secrets_file(&[("A".into(), z("ws \"quoted\"\n")), ("B".into(), z("b")), ("A".into(), z("user"))]);
        let parsed: Value = serde_json::from_str(&file).unwrap();
        assert_eq!(parsed, serde_json::json!([{"name": "B", "value": "b"}, {"name": "A", "value": "user"}]));
    }

    #[test]
    fn the_scm_file_names_the_server_and_quotes_every_value() {
        let login = |provider: &str, server: &str| GitLogin {
            provider: provider.into(),
            server: server.into(),
            username: "me".into(),
            password: zeroize::Zeroizing::new("p'a\\ss\n$x".into()),
        };
        let usual = scm_file(&login("github", "https://github.com"));
        assert_eq!(
            usual.as_str(),
            "providers {\n  github {\n    user = 'me'\n    password = 'p\\'a\\\\ss\\n$x'\n    token = 'p\\'a\\\\ss\\n$x'\n  }\n}\n"
        );
        let own = scm_file(&login("gitea", "http://git.lab:3000"));
        assert!(own.starts_with("providers {\n  tower_gitea {\n    server = 'http://git.lab:3000'\n    platform = 'gitea'\n"), "{}", *own);
    }

    #[test]
    fn the_script_quotes_what_the_request_says_and_runs_the_users_scripts_as_they_are() {
        let r = LaunchRequest {
            config_profiles: vec!["test".into(), "docker".into()],
            resume: true,
            session_id: Some("0b5e1f4e-2222-4000-8000-000000000001".into()),
            ..request()
        };
        let c = ComputeConfig {
            work_dir: Some("/scratch/work".into()),
            pre_run_script: Some("module load nextflow".into()),
            ..Default::default()
        };
        let s = script(&ScriptInput {
            workflow_id: "abc",
            run_name: "happy_turing",
            request: &r,
            config: &c,
            run_dir: "/scratch/tw-abc",
            api_url: "http://tower:8080",
            workspace_id: Some(7),
            token: "tok'en",
            scheduler: None,
            secrets: true,
            scm: true,
        });
        assert!(s.contains("export TOWER_ACCESS_TOKEN=\"tok'en\"\n"), "{s}");
        assert!(s.contains("export NXF_SECRETS_FILE=\"$PWD/secrets.json\"\n"), "{s}");
        assert!(s.contains("export NXF_SCM_FILE=\"$PWD/scm\"\n") && s.contains("rm -f secrets.json scm;"), "{s}");
        assert!(s.contains("\nexec 9>>.lock\nflock -n 9 || exit 0\necho \"$$\" > .pid\n"), "a local head job runs once: {s}");
        assert!(s.contains("\nmodule load nextflow\n"));
        assert!(s.contains("nextflow run https://github.com/nextflow-io/hello -name happy_turing -with-tower http://tower:8080 -r main -w /scratch/work -params-file params.json -c nextflow.config -profile 'test,docker' -resume 0b5e1f4e-2222-4000-8000-000000000001"), "{s}");
        assert!(s.contains("export TOWER_WORKSPACE_ID=7"));
        let d = directives(
            &super::super::compute_env::SLURM,
            "tw-x",
            &ComputeConfig { head_queue: Some("debug".into()), head_job_options: Some("--mem=4G -t 01:00:00".into()), ..c },
            &r,
            "/scratch/tw-abc/nextflow.log.txt",
        );
        assert_eq!(d, "#SBATCH --job-name=tw-x\n#SBATCH --output=/scratch/tw-abc/nextflow.log.txt\n#SBATCH --partition=debug\n#SBATCH --mem=4G -t 01:00:00\n");
    }
}
