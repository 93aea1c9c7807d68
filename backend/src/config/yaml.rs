//! `tower.yml`: the keys of Seqera's template that we understand, each standing for the
//! environment variable of the same setting. The file is parsed by a real YAML parser
//! (yaml-rust2) and flattened into dotted keys; environment variables win over it.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use super::auth::{ACCESS_TOKEN_EXPIRATION, REFRESH_COOKIE_MAX_AGE, REFRESH_TOKEN_EXPIRATION};
use super::ConfigError;

/// Settings that `tower.yml` may carry, keyed by the environment variable they stand for.
/// Environment variables win over the file, as in Seqera Platform.
const YAML_KEYS: &[(&str, &str)] = &[
    ("tower.serverUrl", "TOWER_SERVER_URL"),
    ("tower.contactEmail", "TOWER_CONTACT_EMAIL"),
    ("mail.from", "TOWER_CONTACT_EMAIL"),
    ("tower.admin.root-users", "TOWER_ROOT_USERS"),
    ("tower.crypto.secretKey", "TOWER_CRYPTO_SECRETKEY"),
    ("datasources.default.url", "TOWER_DB_URL"),
    ("datasources.default.username", "TOWER_DB_USER"),
    ("datasources.default.password", "TOWER_DB_PASSWORD"),
    ("datasources.default.minPoolSize", "TOWER_DB_MIN_POOL_SIZE"),
    ("datasources.default.maxPoolSize", "TOWER_DB_MAX_POOL_SIZE"),
    ("datasources.default.maxLifetime", "TOWER_DB_MAX_LIFETIME"),
    ("redisson.uri", "TOWER_REDIS_URL"),
    ("redisson.password", "TOWER_REDIS_PASSWORD"),
    ("tower.trustedEmails", "TOWER_TRUSTED_EMAILS"),
    ("tower.trusted-emails", "TOWER_TRUSTED_EMAILS"),
    ("tower.auth.disable-email", "TOWER_AUTH_DISABLE_EMAIL"),
    ("tower.auth.oidc.allow-list", "TOWER_AUTH_OIDC_ALLOW_LIST"),
    ("auth.mail.duration", "AUTH_MAIL_DURATION"),
    ("micronaut.security.token.generator.access-token.expiration", ACCESS_TOKEN_EXPIRATION),
    ("micronaut.security.token.jwt.generator.access-token.expiration", ACCESS_TOKEN_EXPIRATION),
    ("micronaut.security.token.jwt.generator.refresh-token.expiration", REFRESH_TOKEN_EXPIRATION),
    ("micronaut.security.token.refresh.cookie.cookie-max-age", REFRESH_COOKIE_MAX_AGE),
    ("mail.smtp.host", "TOWER_SMTP_HOST"),
    ("mail.smtp.port", "TOWER_SMTP_PORT"),
    ("mail.smtp.user", "TOWER_SMTP_USER"),
    ("mail.smtp.password", "TOWER_SMTP_PASSWORD"),
    ("mail.smtp.auth", "TOWER_SMTP_AUTH"),
    ("mail.smtp.starttls.enable", "TOWER_SMTP_STARTTLS_ENABLED"),
    ("mail.smtp.starttls.required", "TOWER_SMTP_STARTTLS_REQUIRED"),
];

/// Reads the `tower.yml` keys we understand. `${VAR}` placeholders are resolved from the
/// environment, as in the Seqera template.
pub(super) fn read_tower_yml(path: &Path, env: &HashMap<String, String>) -> Result<HashMap<String, String>, ConfigError> {
    let var = "TOWER_CONFIG_FILE";
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(var, format!("cannot read {}: {e}", path.display())))?;
    let flat = flatten_yaml(&text).map_err(|m| ConfigError::new(var, format!("{}: {m}", path.display())))?;
    let mut out = HashMap::new();
    for (key, value) in flat {
        let value = resolve_placeholders(&value, env);
        if let Some((_, env_name)) = YAML_KEYS.iter().find(|(k, _)| *k == key) {
            if !value.is_empty() {
                out.insert(env_name.to_string(), value);
            }
        }
    }
    Ok(out)
}

pub(super) fn resolve_placeholders(value: &str, env: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                let inner = &rest[start + 2..start + end];
                let (name, default) = inner.split_once(':').unwrap_or((inner, ""));
                out.push_str(env.get(name).map(String::as_str).unwrap_or(default));
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Flattens a YAML mapping into dotted keys (`a:\n  b: 1` -> `a.b = 1`). Sequences of scalars
/// become comma-separated values; `null` and `~` become empty values.
pub(super) fn flatten_yaml(text: &str) -> Result<Vec<(String, String)>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    if let Some(doc) = docs.first() {
        match doc {
            Yaml::Hash(_) => flatten_into(&mut out, "", doc)?,
            Yaml::Null => {}
            _ => return Err("expected a mapping of keys at the top level".into()),
        }
    }
    Ok(out)
}

fn flatten_into(out: &mut Vec<(String, String)>, prefix: &str, node: &Yaml) -> Result<(), String> {
    match node {
        Yaml::Hash(map) => {
            for (k, v) in map {
                let key = scalar(k).ok_or_else(|| format!("a key under '{prefix}' is not a plain value"))?;
                let full = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                flatten_into(out, &full, v)?;
            }
        }
        Yaml::Array(items) => {
            let values: Option<Vec<String>> = items.iter().map(scalar).collect();
            let values = values.ok_or_else(|| format!("'{prefix}': only lists of plain values are supported"))?;
            out.push((prefix.to_string(), values.join(",")));
        }
        other => out.push((prefix.to_string(), scalar(other).ok_or_else(|| format!("'{prefix}': unsupported value"))?)),
    }
    Ok(())
}

fn scalar(node: &Yaml) -> Option<String> {
    match node {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Null => Some(String::new()),
        _ => None,
    }
}
