//! Prints the Kubernetes Job that runs a Nextflow head job, for a compute environment with every
//! Kubernetes field set. `.ci/deploy.sh` validates it against the Kubernetes schemas (strict), as
//! it does the deployment manifests: no cluster runs on the CI machines.

use tower_backend::domain::compute_env::{ComputeConfig, EnvVar};
use tower_backend::launch::k8s::{head_job_manifest, HeadJob};

fn main() {
    let config = ComputeConfig {
        discriminator: Some("k8s-platform".into()),
        work_dir: Some("/workspace/work".into()),
        server: Some("https://k8s.example.com:6443".into()),
        namespace: Some("tower-pipelines".into()),
        head_service_account: Some("tower-head".into()),
        compute_service_account: Some("tower-tasks".into()),
        storage_claim_name: Some("tower-work".into()),
        storage_mount_path: Some("/workspace".into()),
        pod_cleanup: Some("on_success".into()),
        head_job_cpus: Some(2),
        head_job_memory_mb: Some(4096),
        head_pod_spec: Some(r#"{"nodeSelector": {"pool": "head"}, "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "tower", "effect": "NoSchedule"}]}"#.into()),
        environment: vec![EnvVar { name: "NXF_OPTS".into(), value: "-Xms1g -Xmx3g".into(), head: true, compute: false }],
        ..Default::default()
    };
    let job = HeadJob {
        workflow_id: "4Bi5xBK6E2Nbhj",
        image: "nextflow/nextflow:24.10.0",
        script_config_map: "tw-4bi5xbk6e2nbhj-launch",
        env_secret: "tw-4bi5xbk6e2nbhj-env",
    };
    let manifest = head_job_manifest(&config, &job).expect("a valid head job");
    println!("{}", serde_json::to_string_pretty(&manifest).expect("JSON"));
}
