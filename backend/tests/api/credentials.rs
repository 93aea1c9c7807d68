//! Credentials and pipeline secrets: every provider stored and read back without its secrets (in
//! no answer, no log line, no raw database row), values bound to their rows, the names and
//! shapes of the Seqera API, and the startup check of the key.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::Method;
use serde_json::{json, Value};
use tower_backend::domain::crypto::open_from_pairing;
use tower_backend::with_pool;

use crate::both;
use crate::helpers::{test_config, TestApp};

/// Everything every test of this binary logs from the moment the first test here asks, at the
/// most detailed level: a secret must not appear even there.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        let _ = tracing_subscriber::fmt().with_env_filter("trace").with_writer(move || writer.clone()).with_ansi(false).try_init();
        buffer
    })
    .clone()
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn pem(marker: &str) -> String {
    format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{marker}\n-----END OPENSSH PRIVATE KEY-----")
}

/// For each provider: keys with a recognisable value in every secret field, and the public
/// fields that must come back.
fn every_provider(marker: &str) -> Vec<(&'static str, Value, Vec<&'static str>)> {
    let s = |f: &str| format!("{marker}-{f}");
    vec![
        ("ssh", json!({"privateKey": pem(&s("ssh")), "passphrase": s("pass")}), vec![]),
        (
            "k8s",
            json!({"certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "privateKey": pem(&s("k8s")), "token": s("k8stoken")}),
            vec!["certificate"],
        ),
        ("container-reg", json!({"userName": "bot", "registry": "quay.io", "password": s("reg")}), vec!["userName", "registry"]),
        ("github", json!({"username": "octo", "password": s("ghp"), "token": s("ght")}), vec!["username"]),
        ("gitlab", json!({"username": "tanuki", "token": s("glt")}), vec!["username"]),
        ("bitbucket", json!({"username": "bucket", "password": s("bbp")}), vec!["username"]),
        ("gitea", json!({"username": "tea", "password": s("gtp")}), vec!["username"]),
        ("codecommit", json!({"username": "cc", "password": s("ccp")}), vec!["username"]),
        ("aws", json!({"accessKey": "AKIAEXAMPLE", "secretKey": s("aws")}), vec!["accessKey"]),
        ("google", json!({"data": format!("{{\"private_key\": \"{}\"}}", s("gcp"))}), vec![]),
        (
            "azure",
            json!({"batchName": "b", "storageName": "st", "batchKey": s("bk"), "storageKey": s("sk")}),
            vec!["batchName", "storageName"],
        ),
    ]
}

/// Every stored column of both tables, as text where it is text.
async fn raw_rows(app: &TestApp) -> String {
    type Row = (String, String, String, Option<String>, String, Vec<u8>, String);
    let rows: Vec<Row> = with_pool!(app.db(), p => sqlx::query_as(
        "SELECT id, name, provider, description, public_keys, secret, key_id FROM tw_credentials").fetch_all(p).await)
    .unwrap();
    let secrets: Vec<(String, Vec<u8>)> =
        with_pool!(app.db(), p => sqlx::query_as("SELECT name, secret FROM tw_pipeline_secret").fetch_all(p).await).unwrap();
    let mut out = String::new();
    for (id, name, provider, description, public, secret, key) in rows {
        out.push_str(&format!("{id} {name} {provider} {description:?} {public} {} {key}\n", String::from_utf8_lossy(&secret)));
    }
    for (name, secret) in secrets {
        out.push_str(&format!("{name} {}\n", String::from_utf8_lossy(&secret)));
    }
    out
}

async fn every_provider_is_stored_and_read_back_without_its_secrets(app: &TestApp) {
    let log = captured_log();
    let marker = format!("SECRET{}", tower_backend::domain::ids::random_base62(12));
    let mut answers = Vec::new();
    for (provider, keys, public) in every_provider(&marker) {
        let name = format!("{provider}-creds");
        let body = json!({"credentials": {"name": name, "provider": provider, "description": "for tests", "keys": keys}});
        let (s, created) = app.send(Method::POST, "/credentials", Some(&app.token), Some(&body)).await;
        assert_eq!(s, 200, "{provider}: {created}");
        let id = created["credentialsId"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 22);
        let (s, d) = app.send(Method::GET, &format!("/credentials/{id}"), Some(&app.token), None).await;
        assert_eq!(s, 200, "{d}");
        let c = &d["credentials"];
        assert_eq!(
            (c["name"].as_str(), c["provider"].as_str(), c["status"].as_str()),
            (Some(name.as_str()), Some(provider), Some("AVAILABLE"))
        );
        assert_eq!(c["keys"]["discriminator"], provider);
        let mut fields: Vec<&str> = c["keys"].as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "discriminator").collect();
        fields.sort();
        let mut expected = public.clone();
        expected.sort();
        assert_eq!(fields, expected, "{provider}: only the public fields come back");
        // An edit that leaves the secrets out keeps them.
        let renamed = format!("{provider}-renamed");
        let (s, u) = app
            .send(
                Method::PUT,
                &format!("/credentials/{id}"),
                Some(&app.token),
                Some(&json!({"credentials": {"name": renamed, "keys": c["keys"]}})),
            )
            .await;
        assert_eq!(s, 204, "{provider}: {u}");
        let (s, k) = app.send(Method::GET, &format!("/credentials/{id}/keys?pairingId=pairing-{provider}"), Some(&app.token), None).await;
        assert_eq!(s, 200, "{k}");
        let opened =
            open_from_pairing(&app.token, &format!("pairing-{provider}"), id.as_bytes(), k["keys"].as_str().unwrap()).expect("keys open");
        let opened: Value = serde_json::from_slice(&opened).unwrap();
        for (field, value) in keys.as_object().unwrap() {
            assert_eq!(&opened[field], value, "{provider}.{field} kept through the edit and handed to the launcher");
        }
        answers.extend([created, d, u, k]);
    }
    let (s, list) = app.send(Method::GET, "/credentials", Some(&app.token), None).await;
    assert_eq!(s, 200);
    assert_eq!(list["credentials"].as_array().unwrap().len(), 11);
    let (_, ssh_only) = app.send(Method::GET, "/credentials?platformId=slurm-platform", Some(&app.token), None).await;
    assert_eq!(ssh_only["credentials"].as_array().unwrap().iter().map(|c| c["provider"].as_str().unwrap()).collect::<Vec<_>>(), ["ssh"]);
    answers.push(list);
    // Pipeline secrets too.
    let (s, sec) = app
        .send(Method::POST, "/pipeline-secrets", Some(&app.token), Some(&json!({"name": "MY_TOKEN", "value": format!("{marker}-ps")})))
        .await;
    assert_eq!(s, 200, "{sec}");
    let (_, listed) = app.send(Method::GET, "/pipeline-secrets", Some(&app.token), None).await;
    answers.extend([sec, listed]);
    for a in &answers {
        assert!(!a.to_string().contains(&marker), "an answer holds a secret: {a}");
    }
    let rows = raw_rows(app).await;
    assert!(rows.contains("AKIAEXAMPLE"), "the raw rows were read");
    assert!(!rows.contains(&marker), "a raw row holds a secret in plain text");
    let log = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(log.contains("credentials created"), "the log was captured");
    assert!(!log.contains(&marker), "the log holds a secret");
}
both!(every_provider_is_stored_and_read_back_without_its_secrets);

async fn bad_credentials_are_refused_naming_the_field(app: &TestApp) {
    let t = Some(app.token.as_str());
    let cases = [
        (json!({"credentials": {"name": "x1", "provider": "ftp", "keys": {}}}), "Unknown credentials.provider 'ftp'"),
        (json!({"credentials": {"name": "x1", "provider": "s3", "keys": {}}}), "not supported"),
        (json!({"credentials": {"name": "x1", "provider": "ssh", "keys": {"passphrase": "p"}}}), "credentials.keys.privateKey is required"),
        (json!({"credentials": {"name": "x1", "provider": "ssh", "keys": {"privateKey": "ssh-rsa AAAAB3 me@host"}}}), "not a private key"),
        (
            json!({"credentials": {"name": "x1", "provider": "container-reg", "keys": {"userName": "u"}}}),
            "credentials.keys.password is required",
        ),
        (
            json!({"credentials": {"name": "x1", "provider": "github", "keys": {"username": "u", "tokn": "t"}}}),
            "credentials.keys.tokn is not a field",
        ),
        (
            json!({"credentials": {"name": "x1", "provider": "github", "keys": {"username": "u", "token": 5}}}),
            "credentials.keys.token must be a string",
        ),
        (
            json!({"credentials": {"name": "bad name", "provider": "github", "keys": {"username": "u", "token": "t"}}}),
            "Invalid credentials name",
        ),
        (
            json!({"credentials": {"name": "x1", "provider": "github", "baseUrl": "ftp://x", "keys": {"username": "u", "token": "t"}}}),
            "credentials.baseUrl",
        ),
        (json!({"credentials": {"name": "x1", "provider": "github"}}), "credentials.keys is required"),
        (json!({"nothing": true}), "credentials is required"),
    ];
    for (body, expected) in cases {
        let (s, b) = app.send(Method::POST, "/credentials", t, Some(&body)).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["message"].as_str().unwrap().contains(expected), "{body}: {b}");
        assert!(!b.to_string().contains("AAAAB3"), "an error quotes a key: {b}");
    }
    let (_, list) = app.send(Method::GET, "/credentials", t, None).await;
    assert_eq!(list["credentials"].as_array().unwrap().len(), 0, "nothing stored half-way");
    let ok = json!({"credentials": {"name": "dup", "provider": "gitlab", "keys": {"username": "u", "token": "t"}}});
    assert_eq!(app.send(Method::POST, "/credentials", t, Some(&ok)).await.0, 200);
    let (s, b) = app.send(Method::POST, "/credentials", t, Some(&ok)).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(app.send(Method::GET, "/credentials/validate?name=dup", t, None).await.0, 409);
    assert_eq!(app.send(Method::GET, "/credentials/validate?name=free", t, None).await.0, 204);
    assert_eq!(app.send(Method::GET, "/credentials/validate?name=no%20way", t, None).await.0, 400);
    let (_, l) = app.send(Method::GET, "/credentials", t, None).await;
    let id = l["credentials"][0]["id"].as_str().unwrap().to_string();
    let (s, b) = app.send(Method::PUT, &format!("/credentials/{id}"), t, Some(&json!({"credentials": {"provider": "github"}}))).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["message"].as_str().unwrap().contains("cannot change"));
    let (s, b) = app.send(Method::GET, &format!("/credentials/{id}/keys"), t, None).await;
    assert_eq!(s, 400, "pairingId is required: {b}");
    let (s, b) = app.send(Method::GET, "/credentials?platformId=mainframe", t, None).await;
    assert_eq!(s, 400, "{b}");
    // AWS with a role: Tower makes the External ID when asked.
    let role =
        json!({"credentials": {"name": "role", "provider": "aws", "keys": {"assumeRoleArn": "arn:aws:iam::1:role/x", "mode": "role"}}});
    let (s, b) = app.send(Method::POST, "/credentials?useExternalId=true", t, Some(&role)).await;
    assert_eq!(s, 200, "{b}");
    let (_, d) = app.send(Method::GET, &format!("/credentials/{}", b["credentialsId"].as_str().unwrap()), t, None).await;
    assert_eq!(d["credentials"]["keys"]["externalId"].as_str().map(str::len), Some(32), "{d}");
    assert_eq!(app.send(Method::DELETE, &format!("/credentials/{id}?checked=true"), t, None).await.0, 204);
    assert_eq!(app.send(Method::GET, &format!("/credentials/{id}"), t, None).await.0, 404);
    assert_eq!(app.send(Method::DELETE, &format!("/credentials/{id}"), t, None).await.0, 404);
}
both!(bad_credentials_are_refused_naming_the_field);

async fn a_sealed_value_opens_only_in_its_own_row(app: &TestApp) {
    let t = Some(app.token.as_str());
    let mut ids = Vec::new();
    for name in ["first", "second"] {
        let body =
            json!({"credentials": {"name": name, "provider": "github", "keys": {"username": "u", "token": format!("token-of-{name}")}}});
        let (_, b) = app.send(Method::POST, "/credentials", t, Some(&body)).await;
        ids.push(b["credentialsId"].as_str().unwrap().to_string());
    }
    // Someone with database access copies the first row's sealed keys into the second.
    with_pool!(app.db(), p => {
        let (secret, key): (Vec<u8>, String) = sqlx::query_as("SELECT secret, key_id FROM tw_credentials WHERE id = ?").bind(&ids[0]).fetch_one(p).await.unwrap();
        sqlx::query("UPDATE tw_credentials SET secret = ?, key_id = ? WHERE id = ?").bind(secret).bind(key).bind(&ids[1]).execute(p).await.unwrap();
    });
    let (s, b) = app.send(Method::GET, &format!("/credentials/{}/keys?pairingId=pairing-0001", ids[1]), t, None).await;
    assert_eq!(s, 500, "{b}");
    assert!(b["message"].as_str().unwrap().contains("belongs to another row"), "{b}");
    assert!(!b.to_string().contains("token-of"));
    let (s, b) = app.send(Method::GET, &format!("/credentials/{}/keys?pairingId=pairing-0001", ids[0]), t, None).await;
    assert_eq!(s, 200, "{b}");
    let keys = open_from_pairing(&app.token, "pairing-0001", ids[0].as_bytes(), b["keys"].as_str().unwrap()).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&keys).unwrap()["token"], "token-of-first");
    let (_, d) = app.send(Method::GET, &format!("/credentials/{}", ids[0]), t, None).await;
    assert!(d["credentials"]["lastUsed"].is_string(), "a read by the launcher counts as a use: {d}");
}
both!(a_sealed_value_opens_only_in_its_own_row);

async fn pipeline_secrets_have_names_and_write_only_values(app: &TestApp) {
    let t = Some(app.token.as_str());
    for (body, expected) in [
        (json!({"name": "A__B", "value": "v"}), "Invalid secret name"),
        (json!({"name": "1ABC", "value": "v"}), "Invalid secret name"),
        (json!({"name": "GOOD"}), "value is required"),
        (json!({"name": "GOOD", "value": ""}), "value must not be empty"),
        (json!({"name": "GOOD", "value": 42}), "value must be a string"),
    ] {
        let (s, b) = app.send(Method::POST, "/pipeline-secrets", t, Some(&body)).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["message"].as_str().unwrap().contains(expected), "{body}: {b}");
        assert!(!b.to_string().contains("42"));
    }
    let (s, b) = app.send(Method::POST, "/pipeline-secrets", t, Some(&json!({"name": "DB_PASSWORD", "value": "hunter2-value"}))).await;
    assert_eq!(s, 200, "{b}");
    let id = b["secretId"].as_i64().unwrap();
    assert_eq!(app.send(Method::POST, "/pipeline-secrets", t, Some(&json!({"name": "DB_PASSWORD", "value": "x"}))).await.0, 409);
    assert_eq!(app.send(Method::GET, "/pipeline-secrets/validate?name=DB_PASSWORD", t, None).await.0, 409);
    assert_eq!(app.send(Method::GET, "/pipeline-secrets/validate?name=OTHER", t, None).await.0, 204);
    assert_eq!(app.send(Method::GET, "/pipeline-secrets/validate?name=a__b", t, None).await.0, 400);
    let (s, d) = app.send(Method::GET, &format!("/pipeline-secrets/{id}"), t, None).await;
    assert_eq!(s, 200);
    assert_eq!(d["pipelineSecret"]["name"], "DB_PASSWORD");
    assert!(d["pipelineSecret"]["dateCreated"].is_string());
    assert!(d["pipelineSecret"].get("value").is_none());
    assert_eq!(app.send(Method::PUT, &format!("/pipeline-secrets/{id}"), t, Some(&json!({"value": "changed-value"}))).await.0, 204);
    let (_, l) = app.send(Method::GET, "/pipeline-secrets", t, None).await;
    assert_eq!((l["totalSize"].as_i64(), l["pipelineSecrets"][0]["id"].as_i64()), (Some(1), Some(id)));
    assert!(!raw_rows(app).await.contains("changed-value"));
    // Bob's own secrets are his: he neither sees nor reaches Alice's.
    let bob = app.token_for("bob@example.com").await;
    let (_, l) = app.send(Method::GET, "/pipeline-secrets", Some(&bob), None).await;
    assert_eq!(l["totalSize"], 0);
    assert_eq!(app.send(Method::GET, &format!("/pipeline-secrets/{id}"), Some(&bob), None).await.0, 404);
    assert_eq!(app.send(Method::DELETE, &format!("/pipeline-secrets/{id}"), Some(&bob), None).await.0, 404);
    assert_eq!(app.send(Method::POST, "/pipeline-secrets", Some(&bob), Some(&json!({"name": "DB_PASSWORD", "value": "his"}))).await.0, 200);
    assert_eq!(app.send(Method::DELETE, &format!("/pipeline-secrets/{id}"), t, None).await.0, 204);
    assert_eq!(app.send(Method::GET, &format!("/pipeline-secrets/{id}"), t, None).await.0, 404);
    assert_eq!(app.send(Method::GET, "/pipeline-secrets/abc", t, None).await.0, 404);
}
both!(pipeline_secrets_have_names_and_write_only_values);

async fn a_backend_needs_the_key_its_secrets_were_stored_with(app: &TestApp) {
    let log = captured_log();
    let body = json!({"credentials": {"name": "kept", "provider": "gitlab", "keys": {"username": "u", "token": "t"}}});
    let (_, b) = app.send(Method::POST, "/credentials", Some(&app.token), Some(&body)).await;
    let id = b["credentialsId"].as_str().unwrap().to_string();
    // No key at all: the backend does not start, and says why.
    let mut config = test_config(&app.db_url, &[]);
    config.crypto_secret_key = None;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = tower_backend::app::Application::build_with_listener(config, tower_backend::app::SchemaMode::Check, listener)
        .await
        .err()
        .expect("a backend without the key refuses to start");
    assert!(
        format!("{err:#}").contains("1 stored credentials and secrets are encrypted, but TOWER_CRYPTO_SECRETKEY is not set"),
        "{err:#}"
    );
    // Another key: it starts (the error is logged) and says so on use; the value is untouched.
    let other = app.replica(&[("TOWER_CRYPTO_SECRETKEY", "a-different-key-entirely")]).await;
    let other_id = other.state.keyring.current_id().unwrap().to_string();
    let said = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(said.contains(&format!("that TOWER_CRYPTO_SECRETKEY (key {other_id}) cannot decrypt: 1 with key")), "one line at startup");
    let (s, e) = other.send(Method::GET, &format!("/credentials/{id}/keys?pairingId=pairing-0001"), Some(&app.token), None).await;
    assert_eq!(s, 500);
    assert!(e["message"].as_str().unwrap().contains("neither TOWER_CRYPTO_SECRETKEY nor TOWER_CRYPTO_PREVIOUS_SECRETKEY"), "{e}");
    let (s, _) = app.send(Method::GET, &format!("/credentials/{id}/keys?pairingId=pairing-0001"), Some(&app.token), None).await;
    assert_eq!(s, 200, "the stored value is as it was");
}
both!(a_backend_needs_the_key_its_secrets_were_stored_with);

/// The requests `tw credentials add|update|delete|list` and `tw secrets add|list|view|update|delete`
/// send (tw-cli.md): the discriminator inside `keys`, unset fields as null, names looked up by list.
async fn the_tw_cli_requests_are_served(app: &TestApp) {
    let t = Some(app.token.as_str());
    let add = json!({"credentials": {"id": null, "name": "hpc", "description": null, "provider": "ssh", "baseUrl": null, "category": null,
        "keys": {"discriminator": "ssh", "privateKey": pem("k"), "passphrase": null}}});
    let (s, b) = app.send(Method::POST, "/credentials", t, Some(&add)).await;
    assert_eq!(s, 200, "{b}");
    let (_, list) = app.send(Method::GET, "/credentials", t, None).await;
    let c = &list["credentials"][0];
    for field in ["id", "provider", "name"] {
        assert!(c[field].is_string(), "tw prints {field}: {c}");
    }
    let id = c["id"].as_str().unwrap();
    let update =
        json!({"credentials": {"id": id, "name": "hpc", "provider": "ssh", "keys": {"discriminator": "ssh", "privateKey": pem("k2")}}});
    assert_eq!(app.send(Method::PUT, &format!("/credentials/{id}"), t, Some(&update)).await.0, 204);
    assert_eq!(app.send(Method::DELETE, &format!("/credentials/{id}"), t, None).await.0, 204);

    let (s, b) = app.send(Method::POST, "/pipeline-secrets", t, Some(&json!({"name": "TW_SECRET", "value": "v"}))).await;
    assert_eq!(s, 200, "{b}");
    let (_, list) = app.send(Method::GET, "/pipeline-secrets", t, None).await;
    let sec = &list["pipelineSecrets"][0];
    for field in ["id", "name", "dateCreated", "lastUpdated"] {
        assert!(!sec[field].is_null(), "tw prints {field}: {sec}");
    }
    let id = sec["id"].as_i64().unwrap();
    let (_, view) = app.send(Method::GET, &format!("/pipeline-secrets/{id}"), t, None).await;
    assert_eq!(view["pipelineSecret"]["name"], "TW_SECRET");
    assert_eq!(app.send(Method::PUT, &format!("/pipeline-secrets/{id}"), t, Some(&json!({"value": "w"}))).await.0, 204);
    assert_eq!(app.send(Method::DELETE, &format!("/pipeline-secrets/{id}"), t, None).await.0, 204);
}
both!(the_tw_cli_requests_are_served);

/// The web app's forms offer every provider the server stores, with each of its key fields.
#[test]
fn the_web_forms_know_every_provider_and_field() {
    let ts = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend-proxy/web/src/lib/providers.ts")).unwrap();
    for p in tower_backend::domain::credentials::PROVIDERS {
        assert!(
            ts.contains(&format!("id: '{}'", p.id)) || ts.contains(&format!("git('{}'", p.id)),
            "provider {} missing from providers.ts",
            p.id
        );
        for f in p.public.iter().chain(p.secret) {
            // AWS `externalId` and `mode` are made by the server or implied; Google's workload identity is not offered.
            if ["externalId", "mode", "serviceAccountEmail", "tokenAudience", "workloadIdentityProvider"].contains(f) {
                continue;
            }
            assert!(ts.contains(&format!("key: '{f}'")), "field {}.{f} missing from providers.ts", p.id);
        }
    }
}
