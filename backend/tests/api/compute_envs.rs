//! Compute environments checked for real: the local platform on this host, Slurm over SSH against
//! the CI's sshd and one-node Slurm (`.ci/services.sh`; skipped, saying so, when
//! TOWER_TEST_SSH_HOST is not set), Kubernetes against an API server that is not there; values
//! with shell characters that never reach a shell; the credentials they use.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tower_backend::with_pool;

use crate::both;
use crate::helpers::{Kind, TestApp};

/// The Nextflow stand-in (`tests/standin/nextflow`) copied where any user may run it.
pub fn standin_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tower-standin-{}", tower_backend::domain::ids::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("nextflow");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/standin/nextflow"), &target).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

pub struct Ssh {
    pub host: String,
    pub port: i64,
    pub user: String,
    pub key: String,
}

pub fn ssh() -> Option<Ssh> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let Some(host) = get("TOWER_TEST_SSH_HOST") else {
        eprintln!("TOWER_TEST_SSH_HOST is not set: the Slurm-over-SSH checks are not run");
        return None;
    };
    Some(Ssh {
        host,
        port: get("TOWER_TEST_SSH_PORT").and_then(|p| p.parse().ok()).unwrap_or(22),
        user: get("TOWER_TEST_SSH_USER").unwrap_or_else(|| "towerci".into()),
        key: std::fs::read_to_string(get("TOWER_TEST_SSH_KEY").expect("TOWER_TEST_SSH_KEY")).unwrap(),
    })
}

pub async fn create_credentials(app: &TestApp, provider: &str, keys: Value) -> String {
    let name = format!("{provider}-{}", tower_backend::domain::ids::random_hex(3));
    let (s, b) = app
        .send(
            Method::POST,
            "/credentials",
            Some(&app.token),
            Some(&json!({"credentials": {"name": name, "provider": provider, "keys": keys}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["credentialsId"].as_str().unwrap().to_string()
}

async fn create_ce(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(Method::POST, "/compute-envs", Some(&app.token), Some(&json!({"computeEnv": body}))).await
}

/// Waits for the checks of a compute environment; its description when they are done.
pub async fn checked(app: &TestApp, id: &str) -> Value {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, b) = app.send(Method::GET, &format!("/compute-envs/{id}"), Some(&app.token), None).await;
        assert_eq!(s, 200, "{b}");
        if b["computeEnv"]["status"] != "CREATING" || Instant::now() > until {
            return b["computeEnv"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_local_compute_environment_is_checked_on_this_host(app: &TestApp) {
    let standin = standin_dir();
    let work = std::env::temp_dir().join(format!("tower-local-work-{}", tower_backend::domain::ids::random_hex(4)));
    let pre = format!("export PATH={}:$PATH", standin.display());
    let (s, b) = create_ce(
        app,
        json!({"name": "laptop", "platform": "local-platform",
        "config": {"workDir": work.display().to_string(), "preRunScript": pre}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["computeEnvId"].as_str().unwrap().to_string();
    let ce = checked(app, &id).await;
    assert_eq!(ce["status"], "AVAILABLE", "{ce}");
    assert_eq!(ce["primary"], true, "the first one is the primary");
    assert_eq!(ce["config"]["discriminator"], "local-platform");
    assert!(work.is_dir(), "the work dir was made");
    // Without the pre-run script that provides it, there is no nextflow on this host.
    let (_, b) =
        create_ce(app, json!({"name": "bare", "platform": "local-platform", "config": {"workDir": work.display().to_string()}})).await;
    let bare = b["computeEnvId"].as_str().unwrap().to_string();
    let ce = checked(app, &bare).await;
    assert_eq!(ce["status"], "INVALID", "{ce}");
    assert!(ce["message"].as_str().unwrap().starts_with("nextflow not found on PATH of the Tower host's user"), "{ce}");
    let (_, b) = create_ce(
        app,
        json!({"name": "ro", "platform": "local-platform", "config": {"workDir": "/proc/tower-cannot-write-here", "preRunScript": pre}}),
    )
    .await;
    let ce = checked(app, b["computeEnvId"].as_str().unwrap()).await;
    assert_eq!(ce["message"].as_str().unwrap().split(" is not").next().unwrap(), "work dir /proc/tower-cannot-write-here", "{ce}");
    // Primary, disable, enable, validate, list, delete.
    assert_eq!(app.send(Method::POST, &format!("/compute-envs/{bare}/primary"), Some(&app.token), None).await.0, 204);
    let (_, l) = app.send(Method::GET, "/compute-envs", Some(&app.token), None).await;
    let primaries: Vec<&str> =
        l["computeEnvs"].as_array().unwrap().iter().filter(|c| c["primary"] == true).map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(primaries, ["bare"]);
    let (_, l) = app.send(Method::GET, "/compute-envs?status=AVAILABLE", Some(&app.token), None).await;
    assert_eq!(l["computeEnvs"].as_array().unwrap().len(), 1);
    assert_eq!(l["computeEnvs"][0]["workDir"], work.display().to_string());
    assert_eq!(app.send(Method::POST, &format!("/compute-envs/{id}/disable"), Some(&app.token), None).await.0, 204);
    assert_eq!(checked(app, &id).await["status"], "DISABLED");
    assert_eq!(
        app.send(Method::POST, &format!("/compute-envs/{id}/validate"), Some(&app.token), None).await.0,
        409,
        "a disabled one is not checked"
    );
    assert_eq!(app.send(Method::POST, &format!("/compute-envs/{id}/enable"), Some(&app.token), None).await.0, 204);
    assert_eq!(checked(app, &id).await["status"], "AVAILABLE");
    let (s, v) = app.send(Method::POST, &format!("/compute-envs/{id}/validate"), Some(&app.token), None).await;
    assert_eq!((s, v["status"].as_str(), v["transientError"].as_bool()), (200, Some("AVAILABLE"), Some(false)), "{v}");
    assert_eq!(app.send(Method::GET, "/compute-envs/validate?name=laptop", Some(&app.token), None).await.0, 409);
    assert_eq!(app.send(Method::GET, "/compute-envs/validate?name=other", Some(&app.token), None).await.0, 204);
    let (s, _) = app
        .send(Method::PUT, &format!("/compute-envs/{id}"), Some(&app.token), Some(&json!({"name": "laptop-2", "description": "mine"})))
        .await;
    assert_eq!(s, 204);
    let ce = checked(app, &id).await;
    assert_eq!(
        (ce["name"].as_str(), ce["description"].as_str(), ce["status"].as_str()),
        (Some("laptop-2"), Some("mine"), Some("AVAILABLE"))
    );
    assert_eq!(app.send(Method::DELETE, &format!("/compute-envs/{id}"), Some(&app.token), None).await.0, 204);
    assert_eq!(app.send(Method::GET, &format!("/compute-envs/{id}"), Some(&app.token), None).await.0, 404);
    let _ = std::fs::remove_dir_all(work);
    let _ = std::fs::remove_dir_all(standin);
}

async fn local_ce(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("TOWER_ENABLE_LOCAL_PLATFORM", "true")]).await;
    a_local_compute_environment_is_checked_on_this_host(&app).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_compute_environment_is_checked_on_this_host_sqlite() {
    local_ce(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_compute_environment_is_checked_on_this_host_mysql() {
    if crate::helpers::mysql_available() {
        local_ce(Kind::MySql).await;
    }
}

async fn bad_compute_environments_are_refused_naming_the_field(app: &TestApp) {
    let (s, b) = create_ce(app, json!({"name": "l", "platform": "local-platform", "config": {"workDir": "/tmp/x"}})).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("TOWER_ENABLE_LOCAL_PLATFORM"), "off unless the operator says so: {b}");
    let (s, b) = create_ce(app, json!({"name": "b", "platform": "aws-batch", "config": {"workDir": "s3://x"}})).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("not available on this server"), "{b}");
    let gh = create_credentials(app, "github", json!({"username": "u", "token": "t"})).await;
    let slurm = |creds: Option<&str>| {
        json!({"name": "hpc", "platform": "slurm-platform", "credentialsId": creds,
        "config": {"workDir": "/scratch/w", "hostName": "login", "userName": "hpc"}})
    };
    let (s, b) = create_ce(app, slurm(None)).await;
    assert_eq!((s, b["message"].as_str().unwrap().contains("computeEnv.credentialsId is required")), (400, true), "{b}");
    let (s, b) = create_ce(app, slurm(Some(&gh))).await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("are github credentials; slurm-platform needs ssh credentials"), "{b}");
    let (s, b) = create_ce(app, slurm(Some("nope"))).await;
    assert_eq!(s, 400, "{b}");
    let (_, l) = app.send(Method::GET, "/compute-envs", Some(&app.token), None).await;
    assert_eq!(l["computeEnvs"].as_array().unwrap().len(), 0, "nothing stored half-way");
    let (s, p) = app.send(Method::GET, "/platforms", Some(&app.token), None).await;
    assert_eq!(s, 200);
    let names: Vec<String> = p["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}={}", p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&"slurm-platform=Slurm Workload Manager".to_string()), "{names:?}");
    assert!(names.contains(&"aws-batch=AWS Batch (not available on this server)".to_string()), "{names:?}");
    assert!(names.contains(&"local-platform=Local (not available on this server)".to_string()), "{names:?}");
    let (_, m) = app.send(Method::GET, "/platforms/slurm-platform", Some(&app.token), None).await;
    assert_eq!(m["metainfo"]["discriminator"], "grid");
    let (_, r) = app.send(Method::GET, "/platforms/k8s-platform/regions", Some(&app.token), None).await;
    assert_eq!(r["regions"], json!([]));
    assert_eq!(app.send(Method::GET, "/platforms/aws-batch", Some(&app.token), None).await.0, 400);
    assert_eq!(app.send(Method::GET, "/platforms/nope", Some(&app.token), None).await.0, 404);
}
both!(bad_compute_environments_are_refused_naming_the_field);

async fn a_slurm_compute_environment_is_checked_over_ssh(app: &TestApp) {
    let Some(ssh) = ssh() else { return };
    let standin = standin_dir();
    let creds = create_credentials(app, "ssh", json!({"privateKey": ssh.key})).await;
    let work = format!("/tmp/tower-slurm-work-{}", tower_backend::domain::ids::random_hex(4));
    let config = |extra: Value| {
        let mut c = json!({"workDir": work, "hostName": ssh.host, "port": ssh.port, "userName": ssh.user, "headQueue": "debug",
            "preRunScript": format!("export PATH={}:$PATH", standin.display())});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    };
    let (s, b) =
        create_ce(app, json!({"name": "cluster", "platform": "slurm-platform", "credentialsId": creds, "config": config(json!({}))})).await;
    assert_eq!(s, 200, "{b}");
    let id = b["computeEnvId"].as_str().unwrap().to_string();
    let ce = checked(app, &id).await;
    assert_eq!(ce["status"], "AVAILABLE", "{ce}");
    let pinned: Option<String> =
        with_pool!(app.db(), p => sqlx::query_scalar("SELECT host_keys FROM tw_compute_env WHERE id = ?").bind(&id).fetch_one(p).await)
            .unwrap();
    assert!(pinned.as_deref().is_some_and(|k| k.contains("ssh-ed25519")), "host key pinned: {pinned:?}");
    // The host shows another key than the pinned one: refused, never accepted silently.
    let other = format!("[{}]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBVxVn2FwqZ6C7H1Gd0hYv5sR0l0lmzmEJ6X8dQ5rQn0\n", ssh.host, ssh.port);
    with_pool!(app.db(), p => sqlx::query("UPDATE tw_compute_env SET host_keys = ? WHERE id = ?").bind(&other).bind(&id).execute(p).await.map(|_| ())).unwrap();
    let (s, v) = app.send(Method::POST, &format!("/compute-envs/{id}/validate"), Some(&app.token), None).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("ERRORED")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("is not the one pinned"), "{v}");
    // A key the host does not know.
    let dir = std::env::temp_dir().join(format!("tower-wrong-key-{}", tower_backend::domain::ids::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let status =
        std::process::Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(dir.join("k")).status().unwrap();
    assert!(status.success());
    let wrong = create_credentials(app, "ssh", json!({"privateKey": std::fs::read_to_string(dir.join("k")).unwrap()})).await;
    let (_, b) =
        create_ce(app, json!({"name": "wrong-key", "platform": "slurm-platform", "credentialsId": wrong, "config": config(json!({}))}))
            .await;
    let ce = checked(app, b["computeEnvId"].as_str().unwrap()).await;
    assert_eq!(ce["status"], "ERRORED", "{ce}");
    assert_eq!(ce["message"], format!("ssh: authentication failed for {}@{}:{}", ssh.user, ssh.host, ssh.port));
    // The scheduler's commands must be there.
    let no_path = json!({"environment": [{"name": "PATH", "value": "/nonexistent", "head": true, "compute": false}]});
    let (_, b) =
        create_ce(app, json!({"name": "no-slurm", "platform": "slurm-platform", "credentialsId": creds, "config": config(no_path)})).await;
    let ce = checked(app, b["computeEnvId"].as_str().unwrap()).await;
    assert_eq!(ce["message"], format!("sbatch not found on PATH of {}@{}:{}", ssh.user, ssh.host, ssh.port), "{ce}");
    // Credentials in use are not deleted when the caller asks to be told.
    let (s, c) = app.send(Method::DELETE, &format!("/credentials/{creds}?checked=true"), Some(&app.token), None).await;
    assert_eq!(s, 409, "{c}");
    assert_eq!(c["credentialsId"], creds);
    assert!(c["message"].as_str().unwrap().contains("used by the compute environment(s) 'cluster'"), "{c}");
    assert!(
        c["conflicts"].as_array().unwrap().iter().any(|x| x["type"] == "compute_env" && x["id"] == id.as_str() && x["name"] == "cluster"),
        "{c}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
both!(a_slurm_compute_environment_is_checked_over_ssh);

async fn values_with_shell_characters_never_reach_a_shell(app: &TestApp) {
    let marker = std::env::temp_dir().join(format!("tower-pwned-{}", tower_backend::domain::ids::random_hex(4)));
    let m = marker.display().to_string();
    let evil = [format!("$(touch {m}-1)"), format!("`touch {m}-2`"), format!("x; touch {m}-3"), format!("x\ntouch {m}-4")];
    let ssh = ssh();
    let creds = match &ssh {
        Some(s) => create_credentials(app, "ssh", json!({"privateKey": s.key})).await,
        None => {
            create_credentials(
                app,
                "ssh",
                json!({"privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----"}),
            )
            .await
        }
    };
    let base = || match &ssh {
        Some(s) => json!({"workDir": "/tmp/tower-evil-work", "hostName": s.host, "port": s.port, "userName": s.user}),
        None => json!({"workDir": "/tmp/tower-evil-work", "hostName": "127.0.0.1", "port": 9, "userName": "nobody"}),
    };
    let mut accepted = Vec::new();
    for (i, e) in evil.iter().enumerate() {
        // Fields that reach a command line are refused, naming the field.
        for (field, value) in [
            ("hostName", json!(e)),
            ("userName", json!(e)),
            ("workDir", json!(format!("/tmp/{e}"))),
            ("launchDir", json!(format!("/tmp/{e}"))),
            ("headQueue", json!(e)),
            ("computeQueue", json!(e)),
            ("headJobOptions", json!(e)),
            ("environment", json!([{"name": e, "value": "v", "head": true}])),
        ] {
            let mut c = base();
            c[field] = value;
            let (s, b) = create_ce(
                app,
                json!({"name": format!("evil-{i}-{field}"), "platform": "slurm-platform", "credentialsId": creds, "config": c}),
            )
            .await;
            assert_eq!(s, 400, "{field} = {e:?}: {b}");
            assert!(b["message"].as_str().unwrap().contains(field), "{field}: {b}");
        }
        // Free text that is only ever quoted: accepted, and inert when the checks run.
        let mut c = base();
        c["nextflowConfig"] = json!(e);
        if !e.contains('\n') {
            c["environment"] = json!([{"name": "EVIL", "value": e, "head": true, "compute": true}]);
        }
        let (s, b) = create_ce(
            app,
            json!({"name": format!("quoted-{i}"), "description": e, "platform": "slurm-platform", "credentialsId": creds, "config": c}),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        accepted.push(b["computeEnvId"].as_str().unwrap().to_string());
    }
    for id in &accepted {
        let ce = checked(app, id).await;
        assert_ne!(ce["status"], "CREATING", "{ce}");
    }
    for i in 1..=4 {
        assert!(!std::path::Path::new(&format!("{m}-{i}")).exists(), "a value reached a shell: {m}-{i} exists");
    }
}
both!(values_with_shell_characters_never_reach_a_shell);

async fn a_kubernetes_compute_environment_says_why_it_cannot_be_used(app: &TestApp) {
    let creds = create_credentials(app, "k8s", json!({"token": "k8s-token"})).await;
    let (s, b) = create_ce(
        app,
        json!({"name": "cluster", "platform": "k8s-platform", "credentialsId": creds,
        "config": {"workDir": "/workspace/work", "server": "https://127.0.0.1:9", "namespace": "tower", "storageClaimName": "tower-work"}}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let ce = checked(app, b["computeEnvId"].as_str().unwrap()).await;
    assert_eq!(ce["status"], "ERRORED", "{ce}");
    assert!(ce["message"].as_str().unwrap().starts_with("kubernetes: cannot reach https://127.0.0.1:9"), "{ce}");
    let (s, b) = create_ce(
        app,
        json!({"name": "no-claim", "platform": "k8s-platform", "credentialsId": creds,
        "config": {"workDir": "/workspace/work", "server": "https://k8s.example.com", "namespace": "tower"}}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(b["message"].as_str().unwrap().contains("storageClaimName"), "{b}");
}
both!(a_kubernetes_compute_environment_says_why_it_cannot_be_used);

/// Against a live cluster, when there is one: TOWER_TEST_KUBECONFIG names a kubeconfig whose
/// current context has a server, its CA data and a token, and TOWER_TEST_K8S_NAMESPACE (default
/// `default`) a namespace the token may read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubernetes_compute_environment_on_a_live_cluster_becomes_available() {
    let Some(path) = std::env::var("TOWER_TEST_KUBECONFIG").ok().filter(|p| !p.is_empty()) else {
        eprintln!("TOWER_TEST_KUBECONFIG is not set: the live Kubernetes check is not run (no cluster runs on the CI machines)");
        return;
    };
    let doc = &yaml_rust2::YamlLoader::load_from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()[0];
    let current = doc["current-context"].as_str().unwrap();
    let context = doc["contexts"].as_vec().unwrap().iter().find(|c| c["name"].as_str() == Some(current)).unwrap();
    let named = |list: &str, name: &str| doc[list].as_vec().unwrap().iter().find(|c| c["name"].as_str() == Some(name)).unwrap().clone();
    let cluster = named("clusters", context["context"]["cluster"].as_str().unwrap());
    let user = named("users", context["context"]["user"].as_str().unwrap());
    use base64::Engine;
    let ca = cluster["cluster"]["certificate-authority-data"]
        .as_str()
        .map(|d| String::from_utf8(base64::engine::general_purpose::STANDARD.decode(d).unwrap()).unwrap());
    let app = TestApp::spawn(Kind::Sqlite).await;
    let creds = create_credentials(&app, "k8s", json!({"token": user["user"]["token"].as_str().expect("a token user")})).await;
    let namespace = std::env::var("TOWER_TEST_K8S_NAMESPACE").unwrap_or_else(|_| "default".into());
    let (s, b) = create_ce(&app, json!({"name": "live", "platform": "k8s-platform", "credentialsId": creds, "config": {"workDir": "/workspace/work",
        "server": cluster["cluster"]["server"].as_str().unwrap(), "sslCert": ca, "namespace": namespace, "storageClaimName": "tower-work"}})).await;
    assert_eq!(s, 200, "{b}");
    let ce = checked(&app, b["computeEnvId"].as_str().unwrap()).await;
    assert_eq!(ce["status"], "AVAILABLE", "{ce}");
    app.finish().await;
}
