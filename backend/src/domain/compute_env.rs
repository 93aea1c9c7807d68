//! Compute environments: the platforms of the Seqera API and which of them this server runs
//! (the local platform, the grid schedulers over SSH, Kubernetes), the configuration of each and
//! the rules its fields follow. A value that ends up in a shell command on a cluster is checked
//! here (no metacharacters, no newlines) and quoted where it is used.

use serde::{Deserialize, Serialize};

/// How a platform runs the Nextflow head job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A child process of the Tower host.
    Local,
    /// A batch job on a cluster reached over SSH.
    Grid(&'static Scheduler),
    /// A Kubernetes Job.
    K8s,
    /// A platform of the Seqera API that this server does not run.
    Unavailable,
}

/// The commands of one batch scheduler.
#[derive(Debug, PartialEq, Eq)]
pub struct Scheduler {
    pub name: &'static str,
    pub submit: &'static str,
    pub status: &'static str,
    pub cancel: &'static str,
    /// How a batch script's lines give options to the scheduler.
    pub directive: &'static str,
}

pub const SLURM: Scheduler = Scheduler { name: "Slurm", submit: "sbatch", status: "squeue", cancel: "scancel", directive: "#SBATCH" };
pub const LSF: Scheduler = Scheduler { name: "IBM LSF", submit: "bsub", status: "bjobs", cancel: "bkill", directive: "#BSUB" };
pub const PBS: Scheduler = Scheduler { name: "Altair PBS Pro", submit: "qsub", status: "qstat", cancel: "qdel", directive: "#PBS" };
pub const UGE: Scheduler = Scheduler { name: "Univa Grid Engine", submit: "qsub", status: "qstat", cancel: "qdel", directive: "#$" };
pub const MOAB: Scheduler = Scheduler { name: "Moab", submit: "msub", status: "checkjob", cancel: "mjobctl", directive: "#MSUB" };

#[derive(Debug)]
pub struct Platform {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: Kind,
    /// The credentials providers it takes.
    pub providers: &'static [&'static str],
    /// The schema name of its configuration in the Seqera API.
    pub schema: &'static str,
}

pub const PLATFORMS: &[Platform] = &[
    Platform { id: "local-platform", name: "Local", kind: Kind::Local, providers: &[], schema: "LocalComputeConfig" },
    Platform {
        id: "slurm-platform",
        name: "Slurm Workload Manager",
        kind: Kind::Grid(&SLURM),
        providers: &["ssh"],
        schema: "SlurmComputeConfig",
    },
    Platform { id: "lsf-platform", name: "IBM LSF", kind: Kind::Grid(&LSF), providers: &["ssh"], schema: "LsfComputeConfig" },
    Platform {
        id: "altair-platform",
        name: "Altair PBS Pro",
        kind: Kind::Grid(&PBS),
        providers: &["ssh"],
        schema: "AltairPbsComputeConfig",
    },
    Platform { id: "uge-platform", name: "Univa Grid Engine", kind: Kind::Grid(&UGE), providers: &["ssh"], schema: "UnivaComputeConfig" },
    Platform { id: "moab-platform", name: "Moab", kind: Kind::Grid(&MOAB), providers: &["ssh"], schema: "MoabComputeConfig" },
    Platform { id: "k8s-platform", name: "Kubernetes", kind: Kind::K8s, providers: &["k8s"], schema: "K8sComputeConfig" },
    Platform { id: "aws-batch", name: "AWS Batch", kind: Kind::Unavailable, providers: &["aws"], schema: "AwsBatchConfig" },
    Platform { id: "aws-cloud", name: "AWS Cloud", kind: Kind::Unavailable, providers: &["aws"], schema: "AwsCloudConfig" },
    Platform { id: "eks-platform", name: "Amazon EKS", kind: Kind::Unavailable, providers: &["aws"], schema: "EksComputeConfig" },
    Platform {
        id: "google-batch",
        name: "Google Cloud Batch",
        kind: Kind::Unavailable,
        providers: &["google"],
        schema: "GoogleBatchConfig",
    },
    Platform { id: "google-cloud", name: "Google Cloud", kind: Kind::Unavailable, providers: &["google"], schema: "GoogleCloudConfig" },
    Platform {
        id: "gke-platform",
        name: "Google Kubernetes Engine",
        kind: Kind::Unavailable,
        providers: &["google"],
        schema: "GkeComputeConfig",
    },
    Platform {
        id: "google-lifesciences",
        name: "Google Life Sciences",
        kind: Kind::Unavailable,
        providers: &["google"],
        schema: "GoogleLifeSciencesConfig",
    },
    Platform { id: "azure-batch", name: "Azure Batch", kind: Kind::Unavailable, providers: &["azure"], schema: "AzBatchConfig" },
    Platform { id: "azure-cloud", name: "Azure Cloud", kind: Kind::Unavailable, providers: &["azure"], schema: "AzCloudConfig" },
    Platform {
        id: "seqeracompute-platform",
        name: "Seqera Compute",
        kind: Kind::Unavailable,
        providers: &[],
        schema: "SeqeraComputeConfig",
    },
];

pub fn platform(id: &str) -> Result<&'static Platform, String> {
    let p = PLATFORMS.iter().find(|p| p.id == id).ok_or_else(|| {
        let known: Vec<&str> = PLATFORMS.iter().filter(|p| p.kind != Kind::Unavailable).map(|p| p.id).collect();
        format!("Unknown computeEnv.platform '{id}': use one of {}", known.join(", "))
    })?;
    if p.kind == Kind::Unavailable {
        return Err(format!(
            "computeEnv.platform '{id}' ({}) is not available on this server: it runs local-platform, the grid schedulers over SSH and k8s-platform",
            p.name
        ));
    }
    Ok(p)
}

/// The statuses of a compute environment (`ComputeEnv.Status`).
pub mod status {
    pub const CREATING: &str = "CREATING";
    pub const AVAILABLE: &str = "AVAILABLE";
    pub const ERRORED: &str = "ERRORED";
    pub const INVALID: &str = "INVALID";
    pub const DISABLED: &str = "DISABLED";
}

/// `ConfigEnvVariable`: a variable for the head job, the task jobs, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub head: bool,
    #[serde(default)]
    pub compute: bool,
}

/// `ComputeConfig`: every field of the platforms this server runs; each platform uses its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_run_script: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_run_script: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nextflow_config: Option<String>,
    // The grid schedulers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_job_options: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagate_head_job_options: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_queue_size: Option<i32>,
    // Kubernetes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_cert: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_claim_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_mount_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_cleanup: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_pod_spec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_pod_spec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_job_cpus: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_job_memory_mb: Option<i32>,
}

/// The configuration fields of each kind of platform, with their JSON types (for the OpenAPI
/// document, and to drop the fields of other platforms).
pub const COMMON_FIELDS: &[(&str, &str)] =
    &[("workDir", "string"), ("preRunScript", "string"), ("postRunScript", "string"), ("nextflowConfig", "string")];
pub const GRID_FIELDS: &[(&str, &str)] = &[
    ("launchDir", "string"),
    ("userName", "string"),
    ("hostName", "string"),
    ("port", "integer"),
    ("headQueue", "string"),
    ("computeQueue", "string"),
    ("headJobOptions", "string"),
    ("propagateHeadJobOptions", "boolean"),
    ("maxQueueSize", "integer"),
];
pub const K8S_FIELDS: &[(&str, &str)] = &[
    ("server", "string"),
    ("sslCert", "string"),
    ("namespace", "string"),
    ("computeServiceAccount", "string"),
    ("headServiceAccount", "string"),
    ("storageClaimName", "string"),
    ("storageMountPath", "string"),
    ("podCleanup", "string"),
    ("headPodSpec", "string"),
    ("servicePodSpec", "string"),
    ("headJobCpus", "integer"),
    ("headJobMemoryMb", "integer"),
];

/// A value as one shell word, whatever it holds: every value a script on a host gets from a user
/// goes through here. A NUL (which no shell word can hold, and the rules refuse) becomes ''.
pub fn quote(s: &str) -> String {
    shlex::try_quote(s).map(|c| c.into_owned()).unwrap_or_else(|_| "''".into())
}

/// Letters, digits and `._-`: a user, queue, namespace or service account name.
fn is_plain_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
}

/// A host name or an IP address (v4, or v6 in its plain form).
fn is_host(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
}

/// An absolute path of plain characters: no shell metacharacter, quote, space or newline.
pub fn is_plain_path(s: &str) -> bool {
    s.starts_with('/')
        && s.len() <= 1024
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+@%,:=~".contains(c))
        && !s.contains("/../")
}

fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn bad(field: &str, rule: &str) -> String {
    format!("computeEnv.config.{field} {rule}")
}

/// Checks a configuration for a platform and keeps only the fields that platform uses; the
/// `discriminator` is set to the platform. The message names the first field that is wrong.
pub fn check_config(p: &Platform, mut c: ComputeConfig) -> Result<ComputeConfig, String> {
    if let Some(d) = c.discriminator.as_deref() {
        if d != p.id && !(p.id == "local-platform" && d == "local") {
            return Err(format!("computeEnv.config.discriminator '{d}' does not match computeEnv.platform '{}'", p.id));
        }
    }
    c.discriminator = Some(p.id.to_string());
    let blank = |v: &mut Option<String>| {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *v = None;
        }
    };
    for v in [&mut c.work_dir, &mut c.launch_dir, &mut c.user_name, &mut c.host_name, &mut c.head_queue, &mut c.compute_queue] {
        blank(v);
    }
    for v in [&mut c.head_job_options, &mut c.server, &mut c.namespace, &mut c.compute_service_account, &mut c.head_service_account] {
        blank(v);
    }
    for v in [&mut c.storage_claim_name, &mut c.storage_mount_path, &mut c.pod_cleanup, &mut c.ssl_cert] {
        blank(v);
    }
    let work_dir = c.work_dir.as_deref().ok_or_else(|| bad("workDir", "is required"))?;
    if !is_plain_path(work_dir) {
        return Err(bad(
            "workDir",
            "must be an absolute path of letters, digits and / . _ - + @ % , : = ~ (no spaces, quotes or shell characters)",
        ));
    }
    for script in [("preRunScript", &c.pre_run_script), ("postRunScript", &c.post_run_script), ("nextflowConfig", &c.nextflow_config)] {
        if script.1.as_deref().is_some_and(|s| s.len() > 65_536 || s.contains('\0')) {
            return Err(bad(script.0, "must be text of at most 65536 characters"));
        }
    }
    for (i, v) in c.environment.iter().enumerate() {
        if !is_env_name(&v.name) {
            return Err(format!("computeEnv.config.environment[{i}].name '{}' is not a variable name (letters, digits and _)", v.name));
        }
        if v.value.contains(['\0', '\n', '\r']) || v.value.len() > 4096 {
            return Err(format!("computeEnv.config.environment[{i}].value must be one line of at most 4096 characters"));
        }
    }
    match p.kind {
        Kind::Local => {
            c = ComputeConfig {
                discriminator: c.discriminator,
                work_dir: c.work_dir,
                pre_run_script: c.pre_run_script,
                post_run_script: c.post_run_script,
                environment: c.environment,
                nextflow_config: c.nextflow_config,
                ..Default::default()
            };
        }
        Kind::Grid(_) => {
            let host = c.host_name.as_deref().ok_or_else(|| bad("hostName", "is required"))?;
            if !is_host(host) {
                return Err(bad("hostName", "must be a host name or an IP address"));
            }
            let user = c.user_name.as_deref().ok_or_else(|| bad("userName", "is required"))?;
            if !is_plain_name(user) {
                return Err(bad("userName", "must be letters, digits, '.', '_' or '-'"));
            }
            if c.port.is_some_and(|port| !(1..=65535).contains(&port)) {
                return Err(bad("port", "must be between 1 and 65535"));
            }
            if c.launch_dir.as_deref().is_some_and(|d| !is_plain_path(d)) {
                return Err(bad(
                    "launchDir",
                    "must be an absolute path of letters, digits and / . _ - + @ % , : = ~ (no spaces, quotes or shell characters)",
                ));
            }
            for (field, q) in [("headQueue", &c.head_queue), ("computeQueue", &c.compute_queue)] {
                if q.as_deref().is_some_and(|q| !is_plain_name(q)) {
                    return Err(bad(field, "must be a queue name: letters, digits, '.', '_', '-' or '@'"));
                }
            }
            if c.head_job_options
                .as_deref()
                .is_some_and(|o| o.len() > 1024 || o.contains(['\n', '\r', '\0', '`', '$', ';', '|', '&', '<', '>']))
            {
                return Err(bad("headJobOptions", "must be scheduler options on one line, without shell characters (` $ ; | & < >)"));
            }
            if c.max_queue_size.is_some_and(|m| m < 1) {
                return Err(bad("maxQueueSize", "must be at least 1"));
            }
            c.server = None;
            c.ssl_cert = None;
            c.namespace = None;
            c.compute_service_account = None;
            c.head_service_account = None;
            c.storage_claim_name = None;
            c.storage_mount_path = None;
            c.pod_cleanup = None;
            c.head_pod_spec = None;
            c.service_pod_spec = None;
            c.head_job_cpus = None;
            c.head_job_memory_mb = None;
        }
        Kind::K8s => {
            let server = c.server.as_deref().ok_or_else(|| bad("server", "is required"))?;
            if !url::Url::parse(server).is_ok_and(|u| u.scheme() == "https" && u.host().is_some()) {
                return Err(bad("server", "must be the https:// URL of the Kubernetes API server"));
            }
            let ns = c.namespace.as_deref().ok_or_else(|| bad("namespace", "is required"))?;
            for (field, v) in [
                ("namespace", Some(ns)),
                ("computeServiceAccount", c.compute_service_account.as_deref()),
                ("headServiceAccount", c.head_service_account.as_deref()),
                ("storageClaimName", c.storage_claim_name.as_deref()),
            ] {
                let dns = |s: &str| {
                    !s.is_empty()
                        && s.len() <= 253
                        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
                };
                if v.is_some_and(|v| !dns(v)) {
                    return Err(bad(field, "must be a Kubernetes name: lower-case letters, digits, '-' and '.'"));
                }
            }
            if c.storage_claim_name.is_none() {
                return Err(bad("storageClaimName", "is required: the persistent volume claim that holds the work directory"));
            }
            if c.storage_mount_path.as_deref().is_some_and(|d| !is_plain_path(d)) {
                return Err(bad("storageMountPath", "must be an absolute path"));
            }
            if c.pod_cleanup.as_deref().is_some_and(|v| !["on_success", "always", "never"].contains(&v)) {
                return Err(bad("podCleanup", "must be on_success, always or never"));
            }
            if c.head_job_cpus.is_some_and(|v| v < 1) || c.head_job_memory_mb.is_some_and(|v| v < 1) {
                return Err(bad("headJobCpus", "and headJobMemoryMb must be positive"));
            }
            c.launch_dir = None;
            c.user_name = None;
            c.host_name = None;
            c.port = None;
            c.head_queue = None;
            c.compute_queue = None;
            c.head_job_options = None;
            c.propagate_head_job_options = None;
            c.max_queue_size = None;
        }
        Kind::Unavailable => return Err(format!("computeEnv.platform '{}' is not available on this server", p.id)),
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slurm(f: impl FnOnce(&mut ComputeConfig)) -> Result<ComputeConfig, String> {
        let mut c = ComputeConfig {
            work_dir: Some("/scratch/work".into()),
            host_name: Some("login.example.com".into()),
            user_name: Some("hpc".into()),
            ..Default::default()
        };
        f(&mut c);
        check_config(platform("slurm-platform").unwrap(), c)
    }

    #[test]
    fn shell_characters_and_newlines_are_refused_in_every_field_that_reaches_a_command() {
        assert!(slurm(|_| {}).is_ok());
        for evil in ["$(touch /tmp/pwned)", "`touch /tmp/pwned`", "a;touch /tmp/pwned", "a\ntouch /tmp/pwned", "a b", "-oProxyCommand=x"] {
            let field_of = |r: Result<ComputeConfig, String>| r.err().unwrap_or_else(|| panic!("accepted {evil:?}"));
            assert!(field_of(slurm(|c| c.host_name = Some(evil.into()))).contains("hostName"));
            assert!(field_of(slurm(|c| c.user_name = Some(evil.into()))).contains("userName"));
            if !evil.starts_with('-') {
                assert!(field_of(slurm(|c| c.work_dir = Some(format!("/x/{evil}")))).contains("workDir"));
                assert!(field_of(slurm(|c| c.launch_dir = Some(format!("/x/{evil}")))).contains("launchDir"));
            }
            assert!(field_of(slurm(|c| c.head_queue = Some(evil.into()))).contains("headQueue"));
            assert!(field_of(slurm(|c| c.compute_queue = Some(evil.into()))).contains("computeQueue"));
            if evil != "a b" && evil != "-oProxyCommand=x" {
                assert!(field_of(slurm(|c| c.head_job_options = Some(evil.into()))).contains("headJobOptions"));
            }
            let env = EnvVar { name: "X".into(), value: "v".into(), head: true, compute: false };
            assert!(field_of(slurm(|c| c.environment = vec![EnvVar { name: evil.into(), ..env.clone() }])).contains("environment[0].name"));
        }
        assert!(slurm(|c| c.environment = vec![EnvVar { name: "A".into(), value: "x\ny".into(), head: true, compute: true }]).is_err());
        assert!(slurm(|c| c.head_job_options = Some("--mem=4G -t 01:00:00".into())).is_ok());
        assert!(slurm(|c| c.port = Some(70000)).unwrap_err().contains("port"));
        assert!(slurm(|c| c.host_name = None).unwrap_err().contains("hostName is required"));
    }

    #[test]
    fn each_platform_keeps_its_own_fields_and_others_are_refused() {
        let c = slurm(|c| c.namespace = Some("ns".into())).unwrap();
        assert_eq!(c.namespace, None);
        assert_eq!(c.discriminator.as_deref(), Some("slurm-platform"));
        assert!(platform("aws-batch").unwrap_err().contains("not available on this server"));
        assert!(platform("mainframe").unwrap_err().starts_with("Unknown computeEnv.platform"));
        let local = ComputeConfig { work_dir: Some("/data/work".into()), host_name: Some("h".into()), ..Default::default() };
        let local = check_config(platform("local-platform").unwrap(), local).unwrap();
        assert_eq!(local.host_name, None);
        let k8s = ComputeConfig {
            work_dir: Some("/work".into()),
            server: Some("http://k".into()),
            namespace: Some("tower".into()),
            ..Default::default()
        };
        assert!(check_config(platform("k8s-platform").unwrap(), k8s).unwrap_err().contains("server"));
    }
}
