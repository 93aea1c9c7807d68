//! Kubernetes: the check of a compute environment against its API server (the namespace read with
//! the credentials' token or client certificate, trusting the configured CA), and the manifest of
//! the Job that runs the Nextflow head job.

use std::time::Duration;

use serde_json::{json, Value};

use super::checks::{credential_fields, Outcome};
use crate::domain::compute_env::{status, ComputeConfig};
use crate::domain::crypto::Keyring;
use crate::store::compute_env::ComputeEnvRow;
use crate::store::Db;

/// Reads the namespace through the API server with the compute environment's credentials.
pub async fn check(db: &Db, keyring: &Keyring, row: &ComputeEnvRow, config: &ComputeConfig) -> Outcome {
    let fields = match credential_fields(db, keyring, row, "k8s").await {
        Ok(f) => f,
        Err(e) => return outcome(status::INVALID, e),
    };
    let public: Value = match crate::store::credentials::find(
        db,
        &crate::domain::credentials::scope_key(row.user_id, row.workspace_id),
        row.credentials_id.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(Some(c)) => serde_json::from_str(&c.public_keys).unwrap_or_default(),
        _ => Value::Null,
    };
    let server = config.server.as_deref().unwrap_or_default().trim_end_matches('/');
    let namespace = config.namespace.as_deref().unwrap_or_default();
    let mut client = reqwest::Client::builder().timeout(Duration::from_secs(15)).use_rustls_tls();
    if let Some(ca) = config.ssl_cert.as_deref() {
        match reqwest::Certificate::from_pem(ca.as_bytes()) {
            Ok(c) => client = client.add_root_certificate(c),
            Err(e) => return outcome(status::INVALID, format!("computeEnv.config.sslCert is not a PEM certificate: {e}")),
        }
    }
    if let (Some(cert), Some(key)) = (public["certificate"].as_str(), fields.get("privateKey")) {
        match reqwest::Identity::from_pem(format!("{cert}\n{key}\n").as_bytes()) {
            Ok(id) => client = client.identity(id),
            Err(_) => return outcome(status::INVALID, "the client certificate or key of the credentials cannot be read"),
        }
    }
    let client = match client.build() {
        Ok(c) => c,
        Err(e) => return outcome(status::ERRORED, format!("kubernetes: {e}")),
    };
    let mut req = client.get(format!("{server}/api/v1/namespaces/{namespace}"));
    if let Some(token) = fields.get("token") {
        req = req.bearer_auth(token);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Outcome { status: status::AVAILABLE, message: None, host_keys: None },
        Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => {
            outcome(status::INVALID, format!("kubernetes: namespace {namespace} does not exist on {server}"))
        }
        Ok(r) if matches!(r.status().as_u16(), 401 | 403) => outcome(
            status::ERRORED,
            format!("kubernetes: {server} does not accept the credentials for namespace {namespace} (HTTP {})", r.status().as_u16()),
        ),
        Ok(r) => outcome(status::ERRORED, format!("kubernetes: {server} answered HTTP {}", r.status().as_u16())),
        Err(e) => {
            let mut cause: &dyn std::error::Error = &e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            outcome(status::ERRORED, format!("kubernetes: cannot reach {server}: {cause}"))
        }
    }
}

fn outcome(status: &'static str, message: impl Into<String>) -> Outcome {
    Outcome { status, message: Some(message.into()), host_keys: None }
}

/// What a head Job runs: the run it belongs to and the launch script (as a ConfigMap key).
pub struct HeadJob<'a> {
    pub workflow_id: &'a str,
    /// The image with Nextflow in it.
    pub image: &'a str,
    /// The ConfigMap holding `launch.sh`.
    pub script_config_map: &'a str,
    /// The Secret holding the run's environment (its access token).
    pub env_secret: &'a str,
}

/// The batch/v1 Job of a run's Nextflow head job, for a compute environment's configuration:
/// the work volume from the persistent volume claim, the head service account, the resources
/// asked for, and `headPodSpec` merged into the pod spec.
pub fn head_job_manifest(config: &ComputeConfig, job: &HeadJob<'_>) -> Result<Value, String> {
    let name = format!("tw-{}", job.workflow_id.to_lowercase());
    let mount = config.storage_mount_path.clone().unwrap_or_else(|| "/workspace".into());
    let mut resources = json!({});
    if let Some(cpus) = config.head_job_cpus {
        resources["requests"]["cpu"] = json!(cpus.to_string());
    }
    if let Some(mb) = config.head_job_memory_mb {
        resources["requests"]["memory"] = json!(format!("{mb}Mi"));
        resources["limits"]["memory"] = json!(format!("{mb}Mi"));
    }
    let env: Vec<Value> = config.environment.iter().filter(|v| v.head).map(|v| json!({"name": v.name, "value": v.value})).collect();
    let mut pod = json!({
        "restartPolicy": "Never",
        "containers": [{
            "name": "nextflow",
            "image": job.image,
            "command": ["bash", "/etc/tower/launch.sh"],
            "workingDir": mount,
            "env": env,
            "envFrom": [{"secretRef": {"name": job.env_secret}}],
            "resources": resources,
            "volumeMounts": [
                {"name": "work", "mountPath": mount},
                {"name": "launch", "mountPath": "/etc/tower", "readOnly": true}
            ]
        }],
        "volumes": [
            {"name": "work", "persistentVolumeClaim": {"claimName": config.storage_claim_name.clone().unwrap_or_default()}},
            {"name": "launch", "configMap": {"name": job.script_config_map}}
        ]
    });
    if let Some(sa) = &config.head_service_account {
        pod["serviceAccountName"] = json!(sa);
    }
    if let Some(spec) = config.head_pod_spec.as_deref().filter(|s| !s.trim().is_empty()) {
        let extra: Value = pod_spec_object(spec).ok_or("computeEnv.config.headPodSpec is not a JSON object")?;
        merge(&mut pod, extra);
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": config.namespace.clone().unwrap_or_default(),
            "labels": {"app.kubernetes.io/managed-by": "tower", "tower.io/workflow-id": job.workflow_id}
        },
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": match config.pod_cleanup.as_deref() { Some("never") => Value::Null, _ => json!(3600) },
            "template": {"metadata": {"labels": {"tower.io/workflow-id": job.workflow_id}}, "spec": pod}
        }
    }))
}

/// `headPodSpec` as Seqera takes it: a JSON object (YAML in the form is converted by the client).
fn pod_spec_object(s: &str) -> Option<Value> {
    serde_json::from_str::<Value>(s).ok().filter(Value::is_object)
}

/// Merges `extra` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_job_mounts_the_claim_and_takes_the_pod_spec() {
        let config = ComputeConfig {
            namespace: Some("tower".into()),
            storage_claim_name: Some("work-pvc".into()),
            storage_mount_path: Some("/work".into()),
            head_service_account: Some("tower-head".into()),
            head_job_cpus: Some(2),
            head_job_memory_mb: Some(4096),
            head_pod_spec: Some(r#"{"nodeSelector": {"pool": "head"}}"#.into()),
            ..Default::default()
        };
        let job = HeadJob {
            workflow_id: "4Bi5xBK6E2Nbhj",
            image: "nextflow/nextflow:24.10.0",
            script_config_map: "tw-launch",
            env_secret: "tw-env",
        };
        let m = head_job_manifest(&config, &job).unwrap();
        assert_eq!(m["metadata"]["name"], "tw-4bi5xbk6e2nbhj");
        let pod = &m["spec"]["template"]["spec"];
        assert_eq!(pod["volumes"][0]["persistentVolumeClaim"]["claimName"], "work-pvc");
        assert_eq!(pod["serviceAccountName"], "tower-head");
        assert_eq!(pod["nodeSelector"]["pool"], "head");
        assert_eq!(pod["containers"][0]["resources"]["limits"]["memory"], "4096Mi");
        let bad = ComputeConfig { head_pod_spec: Some("[1]".into()), ..config };
        assert!(head_job_manifest(&bad, &job).is_err());
    }
}
