//! Credentials and pipeline secrets: the providers this server stores keys for, which of their
//! key fields are secret (write-only: sealed at rest, never answered), which are required, and
//! the names each may have. One table drives validation, storage and the OpenAPI schema.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// One credentials provider of the Seqera API (`Credentials.provider`, the `SecurityKeys`
/// discriminator).
#[derive(Debug)]
pub struct Provider {
    pub id: &'static str,
    /// The schema name of its keys in the Seqera API.
    pub schema: &'static str,
    pub title: &'static str,
    /// Key fields answered back.
    pub public: &'static [&'static str],
    /// Key fields sealed at rest and never answered.
    pub secret: &'static [&'static str],
    /// Alternatives, each a set of fields that must all be present.
    pub required: &'static [&'static [&'static str]],
}

const GIT_REQUIRED: &[&[&str]] = &[&["username", "password"], &["username", "token"]];

pub const PROVIDERS: &[Provider] = &[
    Provider {
        id: "ssh",
        schema: "SSHSecurityKeys",
        title: "SSH credentials",
        public: &[],
        secret: &["privateKey", "passphrase"],
        required: &[&["privateKey"]],
    },
    Provider {
        id: "k8s",
        schema: "K8sSecurityKeys",
        title: "Kubernetes credentials",
        public: &["certificate"],
        secret: &["token", "privateKey"],
        required: &[&["token"], &["certificate", "privateKey"]],
    },
    Provider {
        id: "container-reg",
        schema: "ContainerRegistryKeys",
        title: "Container registry credentials",
        public: &["userName", "registry"],
        secret: &["password"],
        required: &[&["userName", "password"]],
    },
    Provider {
        id: "github",
        schema: "GitHubSecurityKeys",
        title: "GitHub credentials",
        public: &["username"],
        secret: &["password", "token"],
        required: GIT_REQUIRED,
    },
    Provider {
        id: "gitlab",
        schema: "GitLabSecurityKeys",
        title: "GitLab credentials",
        public: &["username"],
        secret: &["password", "token"],
        required: GIT_REQUIRED,
    },
    Provider {
        id: "bitbucket",
        schema: "BitBucketSecurityKeys",
        title: "BitBucket credentials",
        public: &["username"],
        secret: &["password", "token"],
        required: GIT_REQUIRED,
    },
    Provider {
        id: "gitea",
        schema: "GiteaSecurityKeys",
        title: "Gitea credentials",
        public: &["username"],
        secret: &["password", "token"],
        required: GIT_REQUIRED,
    },
    Provider {
        id: "codecommit",
        schema: "CodeCommitSecurityKeys",
        title: "AWS CodeCommit credentials",
        public: &["username"],
        secret: &["password", "token"],
        required: GIT_REQUIRED,
    },
    Provider {
        id: "aws",
        schema: "AwsSecurityKeys",
        title: "AWS credentials",
        public: &["accessKey", "assumeRoleArn", "externalId", "mode"],
        secret: &["secretKey"],
        required: &[&["accessKey", "secretKey"], &["assumeRoleArn"]],
    },
    Provider {
        id: "google",
        schema: "GoogleSecurityKeys",
        title: "Google credentials",
        public: &["serviceAccountEmail", "tokenAudience", "workloadIdentityProvider"],
        secret: &["data"],
        required: &[&["data"], &["workloadIdentityProvider", "serviceAccountEmail"]],
    },
    Provider {
        id: "azure",
        schema: "AzureSecurityKeys",
        title: "Azure credentials",
        public: &["batchName", "storageName"],
        secret: &["batchKey", "storageKey"],
        required: &[&["batchName", "batchKey", "storageName", "storageKey"]],
    },
];

/// Providers of the Seqera API that this server does not store (cloud services it cannot use).
const NOT_HERE: &[&str] = &["azure_entra", "github_app", "tw-agent", "azurerepos", "seqeracompute", "azure-cloud", "s3"];

pub fn provider(id: &str) -> Result<&'static Provider, String> {
    if let Some(p) = PROVIDERS.iter().find(|p| p.id == id) {
        return Ok(p);
    }
    let known: Vec<&str> = PROVIDERS.iter().map(|p| p.id).collect();
    if NOT_HERE.contains(&id) {
        Err(format!("credentials.provider '{id}' is not supported by this server; use one of {}", known.join(", ")))
    } else {
        Err(format!("Unknown credentials.provider '{id}': use one of {}", known.join(", ")))
    }
}

/// The providers whose credentials a compute platform uses (`GET /credentials?platformId=`), or
/// `None` for a platform id the Seqera API does not have.
pub fn providers_for_platform(platform: &str) -> Option<&'static [&'static str]> {
    Some(match platform {
        "slurm-platform" | "lsf-platform" | "altair-platform" | "uge-platform" | "moab-platform" => &["ssh"],
        "k8s-platform" => &["k8s"],
        "aws-batch" | "aws-cloud" | "eks-platform" => &["aws"],
        "google-batch" | "google-cloud" | "gke-platform" | "google-lifesciences" => &["google"],
        "azure-batch" | "azure-cloud" => &["azure"],
        "local-platform" | "seqeracompute-platform" => &[],
        _ => return None,
    })
}

/// The Git hosting providers whose credentials read pipeline repositories, with the server each
/// one means when its credentials have no `baseUrl` (Nextflow's defaults).
pub const GIT_PROVIDERS: &[(&str, Option<&str>)] = &[
    ("github", Some("https://github.com")),
    ("gitlab", Some("https://gitlab.com")),
    ("bitbucket", Some("https://bitbucket.org")),
    ("gitea", Some("https://gitea.com")),
    ("codecommit", None),
];

/// The server that Git credentials are for: their `baseUrl`, or their provider's own host.
pub fn git_server(provider: &str, base_url: Option<&str>) -> Option<String> {
    let default = GIT_PROVIDERS.iter().find(|(p, _)| *p == provider)?.1;
    let server = base_url.map(str::trim).filter(|b| !b.is_empty()).or(default)?;
    Some(server.trim_end_matches('/').to_string())
}

/// Which of the `servers` a repository URL is on: the longest that is a prefix of it ending at a
/// path boundary, as Seqera picks the most specific credentials. Only http(s) repositories take
/// a user name and password.
pub fn git_match<'a>(repository: &str, servers: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    if !(repository.starts_with("https://") || repository.starts_with("http://")) {
        return None;
    }
    let fits = |s: &str| repository.strip_prefix(s).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    servers.into_iter().enumerate().filter(|(_, s)| !s.is_empty() && fits(s)).max_by_key(|(_, s)| s.len()).map(|(i, _)| i)
}

/// A login to a Git server: the user name and the token (or password) of Git credentials.
pub struct GitLogin {
    pub provider: String,
    pub server: String,
    pub username: String,
    pub password: Zeroizing<String>,
}

impl GitLogin {
    pub fn new(provider: &str, server: String, username: &str, secret: &SecretFields) -> Option<GitLogin> {
        let password = secret.get("token").filter(|t| !t.is_empty()).or(secret.get("password"))?;
        Some(GitLogin { provider: provider.into(), server, username: username.into(), password: Zeroizing::new(password.into()) })
    }

    /// The value of an HTTP `Authorization` header for it.
    pub fn basic_auth(&self) -> Zeroizing<String> {
        use base64::Engine;
        let pair = Zeroizing::new(format!("{}:{}", self.username, self.password.as_str()));
        Zeroizing::new(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())))
    }
}

/// The secret key fields of one credentials, as sealed at rest: wiped from memory when dropped.
#[derive(Default)]
pub struct SecretFields(pub BTreeMap<String, Zeroizing<String>>);

impl SecretFields {
    pub fn to_json(&self) -> Zeroizing<String> {
        // Borrowed, not copied: the only copy of a value is the text, which is wiped.
        let fields: BTreeMap<&str, &str> = self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Zeroizing::new(serde_json::to_string(&fields).expect("a map of strings serializes"))
    }

    pub fn from_json(text: &[u8]) -> Option<SecretFields> {
        let map: BTreeMap<String, String> = serde_json::from_slice(text).ok()?;
        Some(SecretFields(map.into_iter().map(|(k, v)| (k, Zeroizing::new(v))).collect()))
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(|v| v.as_str())
    }
}

/// Splits the `keys` of a request into the public fields (answered back) and the secret ones
/// (sealed), checking every field against the provider. `kept`: the stored secret fields of the
/// credentials being updated, kept where the request leaves a secret field out (a form never
/// shows a stored secret, so it cannot send it back).
pub fn split_keys(
    p: &Provider,
    mut keys: Map<String, Value>,
    kept: Option<SecretFields>,
) -> Result<(Map<String, Value>, SecretFields), String> {
    if let Some(d) = keys.remove("discriminator") {
        if !d.is_null() && d.as_str() != Some(p.id) {
            return Err(format!("credentials.keys.discriminator must be '{}', the credentials provider", p.id));
        }
    }
    let mut public = Map::new();
    let mut secret = kept.unwrap_or_default();
    for (field, value) in keys {
        let value = match value {
            Value::Null => continue,
            Value::String(s) => s,
            _ => return Err(format!("credentials.keys.{field} must be a string")),
        };
        if p.secret.contains(&field.as_str()) {
            // Moved, not copied: the request's own string is wiped with the rest.
            let value = Zeroizing::new(value);
            if value.trim().is_empty() {
                continue;
            }
            check_secret(p, &field, &value)?;
            secret.0.insert(field, value);
        } else if p.public.contains(&field.as_str()) {
            // A certificate is PEM text; every other public field is one short line.
            let bad = if field == "certificate" { value.len() > 65_536 } else { value.len() > 4096 || value.contains(['\n', '\r', '\0']) };
            if bad {
                return Err(format!("credentials.keys.{field} must be one line of at most 4096 characters"));
            }
            if !value.trim().is_empty() {
                public.insert(field, Value::String(value));
            }
        } else {
            return Err(format!("credentials.keys.{field} is not a field of {} (fields: {})", p.title, fields(p).join(", ")));
        }
    }
    if p.id == "aws" {
        if let Some(mode) = public.get("mode").and_then(Value::as_str) {
            if mode != "keys" && mode != "role" {
                return Err(format!("credentials.keys.mode must be 'keys' or 'role', not '{mode}'"));
            }
        }
    }
    let present = |f: &str| public.contains_key(f) || secret.0.contains_key(f);
    if !p.required.iter().any(|set| set.iter().all(|f| present(f))) {
        let alternatives: Vec<String> =
            p.required.iter().map(|set| set.iter().map(|f| format!("credentials.keys.{f}")).collect::<Vec<_>>().join(" and ")).collect();
        let missing: Vec<&str> = p.required[0].iter().copied().filter(|f| !present(f)).collect();
        return Err(if alternatives.len() == 1 {
            format!("credentials.keys.{} is required for {}", missing.join(", credentials.keys."), p.title)
        } else {
            format!("{} need {}", p.title, alternatives.join(", or "))
        });
    }
    Ok((public, secret))
}

fn fields(p: &Provider) -> Vec<&'static str> {
    p.public.iter().chain(p.secret).copied().collect()
}

/// A private key must look like one (PEM or OpenSSH), so a pasted public key or a path is a clear
/// 400 now rather than an SSH failure later. The message never quotes the value.
fn check_secret(p: &Provider, field: &str, value: &str) -> Result<(), String> {
    if value.len() > 65_536 {
        return Err(format!("credentials.keys.{field} is longer than 65536 characters"));
    }
    if field == "privateKey" {
        let v = value.trim();
        if !(v.starts_with("-----BEGIN ") && v.contains("PRIVATE KEY-----") && v.ends_with("-----")) {
            return Err(format!(
                "credentials.keys.{field} of {} is not a private key in PEM or OpenSSH format (-----BEGIN ... PRIVATE KEY-----)",
                p.title
            ));
        }
    }
    Ok(())
}

/// Pipeline secret names, as Nextflow reads them (`secrets.NAME`) and as the Seqera schema's
/// pattern `^[a-zA-Z_](?:[0-9A-Za-z]+|(_)(?!\1)){1,49}$` says: a letter or '_', then letters,
/// digits and underscores (never two in a row after the first character), at most 100 characters
/// (the schema's maxLength).
pub fn check_secret_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let ok = (2..=100).contains(&b.len())
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !b[1..].windows(2).any(|w| w == b"__");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid secret name '{name}': use 2 to 100 letters, digits and single underscores, starting with a letter or underscore"
        ))
    }
}

/// The kinds of sealed values. A value is sealed with its row's kind and id as associated
/// data, so it opens only in the row it was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedKind {
    Credentials,
    PipelineSecret,
    /// The HMAC secret of a `github` action's hook.
    ActionHook,
}

impl SealedKind {
    pub const ALL: [SealedKind; 3] = [SealedKind::Credentials, SealedKind::PipelineSecret, SealedKind::ActionHook];

    pub fn aad(self, id: &str) -> Vec<u8> {
        match self {
            SealedKind::Credentials => format!("credentials:{id}").into_bytes(),
            SealedKind::PipelineSecret => format!("pipeline-secret:{id}").into_bytes(),
            SealedKind::ActionHook => format!("action-hook:{id}").into_bytes(),
        }
    }
}

/// The context a credentials or a secret lives in, as stored: its workspace, or its user's
/// personal context.
pub fn scope_key(user_id: i64, workspace_id: Option<i64>) -> String {
    match workspace_id {
        Some(ws) => format!("w:{ws}"),
        None => format!("u:{user_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn keys_split_into_public_and_secret_fields_and_required_ones_are_named() {
        let ssh = provider("ssh").unwrap();
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";
        let (public, secret) = split_keys(ssh, keys(json!({"discriminator": "ssh", "privateKey": pem, "passphrase": "pp"})), None).unwrap();
        assert!(public.is_empty());
        assert_eq!(secret.get("privateKey"), Some(pem));
        let e = split_keys(ssh, keys(json!({"passphrase": "pp"})), None).err().unwrap();
        assert_eq!(e, "credentials.keys.privateKey is required for SSH credentials");
        let e = split_keys(ssh, keys(json!({"privateKey": "ssh-rsa AAAA"})), None).err().unwrap();
        assert!(e.contains("not a private key") && !e.contains("AAAA"), "{e}");
        let k8s = provider("k8s").unwrap();
        let e = split_keys(k8s, keys(json!({"certificate": "c"})), None).err().unwrap();
        assert!(e.contains("credentials.keys.token, or credentials.keys.certificate and credentials.keys.privateKey"), "{e}");
        let gh = provider("github").unwrap();
        let e = split_keys(gh, keys(json!({"username": "u", "pasword": "typo"})), None).err().unwrap();
        assert!(e.starts_with("credentials.keys.pasword is not a field of GitHub credentials"), "{e}");
        assert!(split_keys(gh, keys(json!({"discriminator": "gitlab", "username": "u", "token": "t"})), None).is_err());
        assert!(split_keys(provider("aws").unwrap(), keys(json!({"assumeRoleArn": "arn", "mode": "both"})), None).is_err());
        assert!(provider("s3").unwrap_err().contains("not supported"));
        assert!(provider("nope").unwrap_err().starts_with("Unknown credentials.provider 'nope'"));
    }

    #[test]
    fn an_update_keeps_the_stored_secrets_it_leaves_out() {
        let gh = provider("github").unwrap();
        let (_, stored) = split_keys(gh, keys(json!({"username": "u", "token": "t1", "password": "p1"})), None).unwrap();
        let (public, secret) = split_keys(gh, keys(json!({"username": "v", "token": "t2", "password": ""})), Some(stored)).unwrap();
        assert_eq!(public["username"], "v");
        assert_eq!(secret.get("token"), Some("t2"));
        assert_eq!(secret.get("password"), Some("p1"));
        let back = SecretFields::from_json(secret.to_json().as_bytes()).unwrap();
        assert_eq!(back.get("token"), Some("t2"));
    }

    #[test]
    fn git_credentials_are_for_their_server_and_the_most_specific_wins() {
        assert_eq!(git_server("github", None).as_deref(), Some("https://github.com"));
        assert_eq!(git_server("gitea", Some("http://git.lab:3000/")).as_deref(), Some("http://git.lab:3000"));
        assert_eq!(git_server("codecommit", None), None);
        assert_eq!(git_server("ssh", None), None);
        let servers = ["https://github.com", "https://git.lab", "https://git.lab/team"];
        assert_eq!(git_match("https://github.com/nf-core/rnaseq", servers), Some(0));
        assert_eq!(git_match("https://git.lab/team/x.git", servers), Some(2));
        assert_eq!(git_match("https://git.lab/other/x", servers), Some(1));
        assert_eq!(git_match("https://git.lab.evil.com/x", servers), None, "a prefix of the host is not the host");
        assert_eq!(git_match("ssh://git.lab/team/x", servers), None);
        let login = GitLogin::new("github", "https://github.com".into(), "me", &SecretFields::from_json(br#"{"token": "t0k"}"#).unwrap());
        assert_eq!(login.unwrap().basic_auth().as_str(), "Basic bWU6dDBr");
    }

    #[test]
    fn names_follow_the_seqera_rules() {
        assert!(check_secret_name("MY_TOKEN").is_ok());
        assert!(check_secret_name("_x1").is_ok());
        assert!(check_secret_name("A__B").is_err());
        assert!(check_secret_name("1abc").is_err());
        assert!(check_secret_name("a").is_err());
        assert!(check_secret_name(&"a".repeat(100)).is_ok());
        assert!(check_secret_name(&"a".repeat(101)).is_err());
        assert_eq!(scope_key(3, Some(7)), "w:7");
        assert_eq!(scope_key(3, None), "u:3");
    }
}
