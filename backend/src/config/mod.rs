//! Typed configuration from the same `TOWER_*` environment variables Seqera Platform reads,
//! optionally completed by a `tower.yml` file. Invalid values stop the process with one line
//! naming the variable and what is wrong.

mod auth;
mod cron;
mod db;
mod env;
mod mail;
mod yaml;

use std::collections::HashMap;
use std::path::PathBuf;

pub use auth::{AuthConfig, OidcConfig, RateLimitConfig};
pub use cron::CronConfig;
pub use db::{parse_db_url, DbConfig, DbUrl};
pub use env::ConfigError;
pub use mail::MailConfig;

use crate::domain::email_pattern::is_email;
use env::{is_local_host, parse_bool, parse_num, parse_size};

/// A root user entry of `TOWER_ROOT_USERS`: a numeric user id or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootUser {
    Id(i64),
    Email(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Plain,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub server_url: String,
    pub db: DbConfig,
    pub redis_url: Option<String>,
    pub redis_password: Option<String>,
    /// `TOWER_REDIS_NAMESPACE`: prefix of every key and channel, so several Tower installations
    /// (or test runs) can share one Redis.
    pub redis_namespace: String,
    pub jwt_secret: String,
    /// True when `TOWER_JWT_SECRET` was not set and a random per-process secret is used.
    pub jwt_secret_generated: bool,
    /// The key of stored secrets, and during a rotation the one before it (still read).
    pub crypto_secret_key: Option<String>,
    pub crypto_previous_secret_key: Option<String>,
    pub root_users: Vec<RootUser>,
    pub contact_email: Option<String>,
    pub backend_port: u16,
    /// `TOWER_METRICS_PORT`: the Prometheus `/metrics` listener, apart from the API (0: any free port).
    pub metrics_port: u16,
    pub cron_port: u16,
    pub unsafe_mode: bool,
    pub data_dir: PathBuf,
    /// Largest request body accepted, in bytes.
    pub max_body_size: usize,
    pub log_format: LogFormat,
    pub log_level: Option<String>,
    /// `TOWER_SHUTDOWN_GRACE_PERIOD`: after SIGTERM, how long requests in flight (backend) or the
    /// job in progress (cron) may take before the process exits anyway. Below Kubernetes' 30 s.
    pub shutdown_grace: std::time::Duration,
    /// Sign-in (OIDC, e-mail links) and browser sessions.
    pub auth: AuthConfig,
    /// The SMTP relay cron sends the outbox through.
    pub mail: MailConfig,
    /// Intervals and limits of the cron jobs.
    pub cron: CronConfig,
    /// Request rate limits; `None` (default): off.
    pub rate_limit: Option<RateLimitConfig>,
    /// Whether compute environments may run pipelines on this host (`local-platform`).
    pub enable_local_platform: bool,
    /// Where launched runs report (`-with-tower`): `TOWER_LAUNCH_API_URL`, else the server URL
    /// with `/api`.
    pub launch_api_url: String,
}

impl Config {
    /// Reads the process environment, plus `tower.yml` when `TOWER_CONFIG_FILE` names one or
    /// `./tower.yml` exists.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let explicit = env.get("TOWER_CONFIG_FILE").map(PathBuf::from);
        let yaml_path = explicit.clone().or_else(|| {
            let p = PathBuf::from("tower.yml");
            p.exists().then_some(p)
        });
        let mut merged = HashMap::new();
        if let Some(path) = yaml_path {
            merged = yaml::read_tower_yml(&path, &env)?;
        }
        merged.extend(env);
        Self::from_lookup(|k| merged.get(k).cloned())
    }

    /// Builds the configuration from any lookup function (the environment in production,
    /// a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        let unsafe_mode = parse_bool(&get, "TOWER_ENABLE_UNSAFE_MODE", false)?;
        let server_url = get("TOWER_SERVER_URL").unwrap_or_else(|| "http://localhost:8000".into());
        let parsed = url::Url::parse(&server_url)
            .map_err(|e| ConfigError::new("TOWER_SERVER_URL", format!("not a valid URL ({e}): {server_url}")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if unsafe_mode || is_local_host(parsed.host_str()) => {}
            "http" => {
                return Err(ConfigError::new(
                    "TOWER_SERVER_URL",
                    "must use https:// (set TOWER_ENABLE_UNSAFE_MODE=true to allow plain http)",
                ))
            }
            other => return Err(ConfigError::new("TOWER_SERVER_URL", format!("unsupported scheme '{other}', use https:// or http://"))),
        }
        let server_url = server_url.trim_end_matches('/').to_string();

        let data_dir = PathBuf::from(get("TOWER_DATA_DIR").unwrap_or_else(|| "data".into()));
        let redis_url = get("TOWER_REDIS_URL");
        if let Some(r) = &redis_url {
            let ok = url::Url::parse(r).map(|u| matches!(u.scheme(), "redis" | "rediss")).unwrap_or(false);
            if !ok {
                return Err(ConfigError::new("TOWER_REDIS_URL", format!("expected redis://host:port or rediss://host:port, got '{r}'")));
            }
        }

        let redis_namespace = get("TOWER_REDIS_NAMESPACE").unwrap_or_else(|| "tower".into());
        if redis_namespace.is_empty()
            || redis_namespace.len() > 64
            || !redis_namespace.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(ConfigError::new(
                "TOWER_REDIS_NAMESPACE",
                format!("expected 1 to 64 letters, digits, '-', '_' or '.', got '{redis_namespace}'"),
            ));
        }

        let (jwt_secret, jwt_secret_generated) = match get("TOWER_JWT_SECRET") {
            Some(s) if s.chars().count() < 35 => {
                return Err(ConfigError::new(
                    "TOWER_JWT_SECRET",
                    format!("must be at least 35 characters long (got {})", s.chars().count()),
                ))
            }
            Some(s) => (s, false),
            None => (crate::domain::ids::random_hex(32), true),
        };

        let root_users = match get("TOWER_ROOT_USERS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if let Ok(id) = s.parse::<i64>() {
                        Ok(RootUser::Id(id))
                    } else if is_email(s) {
                        Ok(RootUser::Email(s.to_lowercase()))
                    } else {
                        Err(ConfigError::new("TOWER_ROOT_USERS", format!("'{s}' is neither a user id nor an e-mail address")))
                    }
                })
                .collect::<Result<_, _>>()?,
        };

        let contact_email = get("TOWER_CONTACT_EMAIL");
        if let Some(e) = &contact_email {
            if !is_email(e) {
                return Err(ConfigError::new("TOWER_CONTACT_EMAIL", format!("'{e}' is not an e-mail address")));
            }
        }

        let log_format = match get("TOWER_LOG_APPENDER").map(|s| s.to_uppercase()).as_deref() {
            None | Some("STDOUT") => LogFormat::Plain,
            Some("JSON") => LogFormat::Json,
            Some(other) => return Err(ConfigError::new("TOWER_LOG_APPENDER", format!("expected STDOUT or JSON, got '{other}'"))),
        };

        let launch_api_url = match get("TOWER_LAUNCH_API_URL") {
            Some(u) if url::Url::parse(&u).is_ok_and(|p| matches!(p.scheme(), "http" | "https")) => u.trim_end_matches('/').to_string(),
            Some(u) => return Err(ConfigError::new("TOWER_LAUNCH_API_URL", format!("expected an http:// or https:// URL, got '{u}'"))),
            None => format!("{server_url}/api"),
        };
        Ok(Config {
            server_url,
            db: DbConfig::from_lookup(&get, &data_dir)?,
            redis_url,
            redis_password: get("TOWER_REDIS_PASSWORD"),
            redis_namespace,
            jwt_secret,
            jwt_secret_generated,
            crypto_secret_key: crypto_key(&get, "TOWER_CRYPTO_SECRETKEY")?,
            crypto_previous_secret_key: crypto_key(&get, "TOWER_CRYPTO_PREVIOUS_SECRETKEY")?,
            root_users,
            contact_email,
            backend_port: parse_num::<u16>(&get, "TOWER_BACKEND_SERVER_PORT", 8080)?,
            metrics_port: parse_num::<u16>(&get, "TOWER_METRICS_PORT", 9090)?,
            cron_port: parse_num::<u16>(&get, "TOWER_CRON_SERVER_PORT", 8082)?,
            unsafe_mode,
            data_dir,
            max_body_size: parse_size(&get, "TOWER_MAX_BODY_SIZE", 16 * 1024 * 1024)?,
            log_format,
            log_level: get("TOWER_LOG_LEVEL"),
            shutdown_grace: env::parse_duration(&get, "TOWER_SHUTDOWN_GRACE_PERIOD", std::time::Duration::from_secs(20))?,
            auth: AuthConfig::from_lookup(&get, unsafe_mode)?,
            mail: MailConfig::from_lookup(&get)?,
            cron: CronConfig::from_lookup(&get)?,
            rate_limit: RateLimitConfig::from_lookup(&get)?,
            enable_local_platform: env::parse_bool(&get, "TOWER_ENABLE_LOCAL_PLATFORM", false)?,
            launch_api_url,
        })
    }
}

#[cfg(test)]
mod tests;

impl Config {
    /// The embedded default (SQLite) keeps the secrets it was not given: a JWT secret and a key
    /// for stored secrets are generated once into the data directory (mode 0600) and read back at
    /// every start, so sessions and stored credentials survive a restart. A MySQL deployment is
    /// left as configured: its replicas must share the secrets, so they come from the operator.
    pub fn keep_generated_secrets(&mut self) -> Result<(), ConfigError> {
        if !matches!(self.db.url, DbUrl::Sqlite(_)) {
            return Ok(());
        }
        if self.jwt_secret_generated {
            self.jwt_secret = kept_secret(&self.data_dir, "jwt-secret", "TOWER_JWT_SECRET")?;
            self.jwt_secret_generated = false;
        }
        if self.crypto_secret_key.is_none() {
            self.crypto_secret_key = Some(kept_secret(&self.data_dir, "crypto-secret-key", "TOWER_CRYPTO_SECRETKEY")?);
        }
        Ok(())
    }
}

/// The secret in `dir/file`, made (64 random hex digits, readable by the owner only) if absent.
fn kept_secret(dir: &std::path::Path, file: &str, var: &str) -> Result<String, ConfigError> {
    use std::io::Write;
    let path = dir.join(file);
    let fail = |e: std::io::Error| ConfigError::new(var, format!("not set, and {} cannot be kept: {e}", path.display()));
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 35 => return Ok(s.trim().to_string()),
        Ok(_) => {
            return Err(ConfigError::new(
                var,
                format!("not set, and {} holds no usable secret: delete it to make a new one", path.display()),
            ))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(e)),
        Err(_) => {}
    }
    std::fs::create_dir_all(dir).map_err(fail)?;
    let secret = crate::domain::ids::random_hex(32);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&path).map_err(fail)?;
    f.write_all(secret.as_bytes()).and_then(|_| f.sync_all()).map_err(fail)?;
    Ok(secret)
}

/// A key for stored secrets: long enough to be one.
fn crypto_key(get: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<Option<String>, ConfigError> {
    match get(var) {
        Some(k) if k.chars().count() < 16 => {
            Err(ConfigError::new(var, format!("must be at least 16 characters long (got {})", k.chars().count())))
        }
        other => Ok(other),
    }
}
