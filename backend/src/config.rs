//! Typed configuration from the same `TOWER_*` environment variables Seqera Platform reads,
//! optionally completed by a `tower.yml` file. Invalid values stop the process with one line
//! naming the variable and what is wrong.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::email_pattern::EmailPatterns;

/// A configuration error: which setting, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

impl ConfigError {
    fn new(var: &str, message: impl Into<String>) -> Self {
        Self { var: var.to_string(), message: message.into() }
    }
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `mysql://user:pass@host:port/db?...` (JDBC forms are converted to this).
    MySql(String),
    /// Path of an SQLite database file.
    Sqlite(PathBuf),
}

#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: DbUrl,
    pub min_pool_size: u32,
    pub max_pool_size: u32,
    pub max_lifetime: Duration,
}

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
    pub crypto_secret_key: Option<String>,
    pub root_users: Vec<RootUser>,
    pub contact_email: Option<String>,
    pub backend_port: u16,
    pub cron_port: u16,
    pub unsafe_mode: bool,
    pub data_dir: PathBuf,
    /// Largest request body accepted, in bytes.
    pub max_body_size: usize,
    pub log_format: LogFormat,
    pub log_level: Option<String>,
    /// Sign-in (OIDC, e-mail links) and browser sessions.
    pub auth: AuthConfig,
    /// The SMTP relay cron sends the outbox through.
    pub mail: MailConfig,
    /// Intervals and limits of the cron jobs.
    pub cron: CronConfig,
    /// Request rate limits; `None` (default): off.
    pub rate_limit: Option<RateLimitConfig>,
}

/// `TOWER_RATELIMIT_*`: at most `limit` requests per `refresh` per token (or user); a request
/// over it waits up to `timeout` for the next window, else gets 429.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub limit: u64,
    pub refresh: Duration,
    pub timeout: Duration,
}

impl RateLimitConfig {
    /// On when `MICRONAUT_ENVIRONMENTS` lists `ratelim` (Seqera's switch) or
    /// `TOWER_RATELIMIT_ENABLED=true`.
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let by_env = get("MICRONAUT_ENVIRONMENTS").is_some_and(|e| e.split(',').any(|x| x.trim() == "ratelim"));
        if !(by_env || parse_bool(get, "TOWER_RATELIMIT_ENABLED", false)?) {
            return Ok(None);
        }
        let limit = parse_num::<u64>(get, "TOWER_RATELIMIT_PERIOD", 20)?;
        if limit == 0 {
            return Err(ConfigError::new("TOWER_RATELIMIT_PERIOD", "must be at least 1 request"));
        }
        // Zero is allowed: refuse at once rather than wait.
        let timeout = parse_duration_at_least(get, "TOWER_RATELIMIT_TIMEOUT", Duration::from_millis(500), Duration::ZERO)?;
        Ok(Some(RateLimitConfig { limit, refresh: parse_duration_ms(get, "TOWER_RATELIMIT_REFRESH", Duration::from_secs(1))?, timeout }))
    }
}

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
            merged = read_tower_yml(&path, &env)?;
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
        let user = get("TOWER_DB_USER");
        let password = get("TOWER_DB_PASSWORD");
        let url = match get("TOWER_DB_URL") {
            Some(raw) => parse_db_url(&raw, user.as_deref(), password.as_deref())?,
            None => DbUrl::Sqlite(data_dir.join("tower.db")),
        };
        let min_pool_size = parse_num::<u32>(&get, "TOWER_DB_MIN_POOL_SIZE", 5)?;
        let max_pool_size = parse_num::<u32>(&get, "TOWER_DB_MAX_POOL_SIZE", 10)?;
        if max_pool_size == 0 {
            return Err(ConfigError::new("TOWER_DB_MAX_POOL_SIZE", "must be at least 1"));
        }
        if min_pool_size > max_pool_size {
            return Err(ConfigError::new(
                "TOWER_DB_MIN_POOL_SIZE",
                format!("{min_pool_size} is larger than TOWER_DB_MAX_POOL_SIZE ({max_pool_size})"),
            ));
        }
        let max_lifetime = Duration::from_millis(parse_num::<u64>(&get, "TOWER_DB_MAX_LIFETIME", 1_800_000)?);

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
            None => (crate::auth::random_hex(32), true),
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

        Ok(Config {
            server_url,
            db: DbConfig { url, min_pool_size, max_pool_size, max_lifetime },
            redis_url,
            redis_password: get("TOWER_REDIS_PASSWORD"),
            redis_namespace,
            jwt_secret,
            jwt_secret_generated,
            crypto_secret_key: get("TOWER_CRYPTO_SECRETKEY"),
            root_users,
            contact_email,
            backend_port: parse_num::<u16>(&get, "TOWER_BACKEND_SERVER_PORT", 8080)?,
            cron_port: parse_num::<u16>(&get, "TOWER_CRON_SERVER_PORT", 8082)?,
            unsafe_mode,
            data_dir,
            max_body_size: parse_size(&get, "TOWER_MAX_BODY_SIZE", 16 * 1024 * 1024)?,
            log_format,
            log_level: get("TOWER_LOG_LEVEL"),
            auth: AuthConfig::from_lookup(&get, unsafe_mode)?,
            mail: MailConfig::from_lookup(&get)?,
            cron: CronConfig::from_lookup(&get)?,
            rate_limit: RateLimitConfig::from_lookup(&get)?,
        })
    }
}

fn is_local_host(host: Option<&str>) -> bool {
    matches!(host, Some("localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0"))
}

pub fn is_email(s: &str) -> bool {
    let mut parts = s.splitn(2, '@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !s.contains(char::is_whitespace)
}

fn parse_bool(get: &impl Fn(&str) -> Option<String>, var: &str, default: bool) -> Result<bool, ConfigError> {
    match get(var).map(|s| s.to_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError::new(var, format!("expected true or false, got '{other}'"))),
    }
}

fn parse_num<T: std::str::FromStr>(get: &impl Fn(&str) -> Option<String>, var: &str, default: T) -> Result<T, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| ConfigError::new(var, format!("expected a non-negative whole number, got '{s}'"))),
    }
}

/// Sizes accept plain bytes or a `KB`/`MB`/`GB` suffix (powers of 1024).
fn parse_size(get: &impl Fn(&str) -> Option<String>, var: &str, default: usize) -> Result<usize, ConfigError> {
    let Some(s) = get(var) else { return Ok(default) };
    let upper = s.to_uppercase();
    let (digits, mult) = [("GB", 1usize << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        .iter()
        .find_map(|(suf, m)| upper.strip_suffix(suf).map(|d| (d.trim().to_string(), *m)))
        .unwrap_or((upper.clone(), 1));
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n >= 1024)
        .ok_or_else(|| ConfigError::new(var, format!("expected a size of at least 1KB such as 16MB, got '{s}'")))
}

/// Accepts `jdbc:mysql://`, `jdbc:mariadb://`, `mysql://`, `mariadb://` and `sqlite://` URLs.
/// JDBC-only options (`permitMysqlScheme`, `sessionVariables`, ...) are dropped; the user and
/// password from `TOWER_DB_USER`/`TOWER_DB_PASSWORD` replace any in the URL.
pub fn parse_db_url(raw: &str, user: Option<&str>, password: Option<&str>) -> Result<DbUrl, ConfigError> {
    let bad = |m: String| ConfigError::new("TOWER_DB_URL", m);
    let s = raw.strip_prefix("jdbc:").unwrap_or(raw);
    if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(bad("sqlite URL has no file path, e.g. sqlite://data/tower.db".into()));
        }
        return Ok(DbUrl::Sqlite(PathBuf::from(path)));
    }
    let rest = s
        .strip_prefix("mysql://")
        .or_else(|| s.strip_prefix("mariadb://"))
        .ok_or_else(|| bad(format!("unsupported database URL '{raw}': use jdbc:mysql://host:3306/tower, mysql://... or sqlite://path")))?;
    let mut url = url::Url::parse(&format!("mysql://{rest}")).map_err(|e| bad(format!("not a valid URL ({e}): {raw}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(format!("no host in '{raw}'")));
    }
    if url.path().trim_matches('/').is_empty() {
        return Err(bad(format!("no database name in '{raw}', e.g. jdbc:mysql://db:3306/tower")));
    }
    // Keep only options the native client understands.
    const KEEP: &[&str] = &["ssl-mode", "ssl-ca", "ssl-cert", "ssl-key", "charset", "collation", "socket", "timezone"];
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| KEEP.contains(&k.as_ref())).map(|(k, v)| (k.into(), v.into())).collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    if let Some(u) = user {
        url.set_username(u).map_err(|_| ConfigError::new("TOWER_DB_USER", "cannot be used in a URL"))?;
    }
    if let Some(p) = password {
        url.set_password(Some(p)).map_err(|_| ConfigError::new("TOWER_DB_PASSWORD", "cannot be used in a URL"))?;
    }
    Ok(DbUrl::MySql(url.to_string()))
}

/// Reads the `tower.yml` keys we understand. `${VAR}` placeholders are resolved from the
/// environment, as in the Seqera template. Only simple nested maps of scalars are supported.
fn read_tower_yml(path: &Path, env: &HashMap<String, String>) -> Result<HashMap<String, String>, ConfigError> {
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

fn resolve_placeholders(value: &str, env: &HashMap<String, String>) -> String {
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

/// Flattens an indentation-based YAML mapping into dotted keys (`a:\n  b: 1` -> `a.b = 1`).
/// Sequences of scalars become comma-separated values. Comments and quotes are handled.
fn flatten_yaml(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        if line.trim().is_empty() || line.trim() == "---" {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let content = line.trim();
        if let Some(item) = content.strip_prefix("- ") {
            let Some((_, parent)) = stack.last() else { return Err(format!("line {}: list item outside a key", n + 1)) };
            let value = unquote(item.trim());
            match out.iter_mut().find(|(k, _)| k == parent) {
                Some((_, v)) if !v.is_empty() => v.push_str(&format!(",{value}")),
                Some((_, v)) => *v = value,
                None => out.push((parent.clone(), value)),
            }
            continue;
        }
        let Some((key, value)) = content.split_once(':') else { return Err(format!("line {}: expected 'key: value'", n + 1)) };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let full = match stack.last() {
            Some((_, p)) => format!("{p}.{}", key.trim()),
            None => key.trim().to_string(),
        };
        let value = unquote(value.trim());
        out.retain(|(k, _)| k != &full);
        out.push((full.clone(), value));
        stack.push((indent, full));
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) if i == 0 || line[..i].ends_with(' ') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-in and sessions

/// The environment names Micronaut derives from the `tower.yml` keys Seqera documents.
const ACCESS_TOKEN_EXPIRATION: &str = "MICRONAUT_SECURITY_TOKEN_GENERATOR_ACCESS_TOKEN_EXPIRATION";
const REFRESH_TOKEN_EXPIRATION: &str = "MICRONAUT_SECURITY_TOKEN_JWT_GENERATOR_REFRESH_TOKEN_EXPIRATION";
const REFRESH_COOKIE_MAX_AGE: &str = "MICRONAUT_SECURITY_TOKEN_REFRESH_COOKIE_COOKIE_MAX_AGE";
const OIDC_TOKEN_AUTH_METHOD: &str = "MICRONAUT_SECURITY_OAUTH2_CLIENTS_OIDC_OPENID_TOKEN_AUTH_METHOD";

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Lifetime of the access JWT (cookie `JWT` and `access_token`).
    pub access_token_ttl: Duration,
    /// A session ends when it has not been refreshed for this long.
    pub refresh_token_ttl: Duration,
    /// `Max-Age` of the refresh and XSRF cookies.
    pub refresh_cookie_max_age: Duration,
    /// How long an e-mail sign-in link stays valid (`auth.mail.duration`).
    pub mail_link_ttl: Duration,
    /// `TOWER_TRUSTED_EMAILS`: who may create an account with an e-mail link; `None`: everybody.
    pub trusted_emails: Option<EmailPatterns>,
    /// `TOWER_AUTH_DISABLE_EMAIL`, effective only when OIDC is configured.
    pub disable_email: bool,
    pub oidc: Option<OidcConfig>,
}

#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Always contains `openid`.
    pub scopes: Vec<String>,
    /// `TOWER_AUTH_OIDC_ALLOW_LIST`: who may sign in with OIDC; `None`: everybody the provider accepts.
    pub allow_list: Option<EmailPatterns>,
    /// Send the client secret in the token request body (`client_secret_post`) instead of HTTP Basic.
    pub secret_in_body: Option<bool>,
}

impl AuthConfig {
    /// Whether e-mail link sign-in is offered.
    pub fn email_enabled(&self) -> bool {
        !(self.disable_email && self.oidc.is_some())
    }

    fn from_lookup(get: &impl Fn(&str) -> Option<String>, unsafe_mode: bool) -> Result<Self, ConfigError> {
        let access_token_ttl = parse_duration(get, ACCESS_TOKEN_EXPIRATION, Duration::from_secs(3600))?;
        let refresh_token_ttl = parse_duration(get, REFRESH_TOKEN_EXPIRATION, Duration::from_secs(6 * 3600))?;
        let refresh_cookie_max_age = parse_duration(get, REFRESH_COOKIE_MAX_AGE, Duration::from_secs(12 * 3600))?;
        if refresh_cookie_max_age < refresh_token_ttl {
            return Err(ConfigError::new(
                REFRESH_COOKIE_MAX_AGE,
                format!(
                    "{} s is shorter than {REFRESH_TOKEN_EXPIRATION} ({} s): the cookie would vanish while the session is still valid",
                    refresh_cookie_max_age.as_secs(),
                    refresh_token_ttl.as_secs()
                ),
            ));
        }
        let mail_link_ttl = parse_duration(get, "AUTH_MAIL_DURATION", Duration::from_secs(30 * 60))?;
        let patterns = |var: &str| get(var).map(|v| EmailPatterns::parse(&v).map_err(|m| ConfigError::new(var, m))).transpose();
        let trusted_emails = patterns("TOWER_TRUSTED_EMAILS")?;

        let oidc = match (get("TOWER_OIDC_ISSUER"), get("TOWER_OIDC_CLIENT")) {
            (None, None) => None,
            (None, Some(_)) => return Err(ConfigError::new("TOWER_OIDC_ISSUER", "is required when TOWER_OIDC_CLIENT is set")),
            (Some(_), None) => return Err(ConfigError::new("TOWER_OIDC_CLIENT", "is required when TOWER_OIDC_ISSUER is set")),
            (Some(issuer), Some(client_id)) => {
                let parsed = url::Url::parse(&issuer)
                    .map_err(|e| ConfigError::new("TOWER_OIDC_ISSUER", format!("not a valid URL ({e}): {issuer}")))?;
                match parsed.scheme() {
                    "https" => {}
                    "http" if unsafe_mode || is_local_host(parsed.host_str()) => {}
                    _ => {
                        return Err(ConfigError::new(
                            "TOWER_OIDC_ISSUER",
                            "must use https:// (set TOWER_ENABLE_UNSAFE_MODE=true to allow plain http)",
                        ))
                    }
                }
                let mut scopes = vec!["openid".to_string()];
                for s in get("TOWER_OIDC_SCOPES").unwrap_or_else(|| "openid,email,profile".into()).split(',').map(str::trim) {
                    if s.is_empty() || scopes.iter().any(|x| x == s) {
                        continue;
                    }
                    if !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\') {
                        return Err(ConfigError::new("TOWER_OIDC_SCOPES", format!("'{s}' is not a valid scope name")));
                    }
                    scopes.push(s.to_string());
                }
                let secret_in_body = match get(OIDC_TOKEN_AUTH_METHOD).map(|s| s.to_lowercase()).as_deref() {
                    None => None,
                    Some("client_secret_post") => Some(true),
                    Some("client_secret_basic") => Some(false),
                    Some(other) => {
                        return Err(ConfigError::new(
                            OIDC_TOKEN_AUTH_METHOD,
                            format!("expected client_secret_basic or client_secret_post, got '{other}'"),
                        ))
                    }
                };
                Some(OidcConfig {
                    issuer,
                    client_id,
                    client_secret: get("TOWER_OIDC_SECRET"),
                    scopes,
                    allow_list: patterns("TOWER_AUTH_OIDC_ALLOW_LIST")?,
                    secret_in_body,
                })
            }
        };
        Ok(AuthConfig {
            access_token_ttl,
            refresh_token_ttl,
            refresh_cookie_max_age,
            mail_link_ttl,
            trusted_emails,
            disable_email: parse_bool(get, "TOWER_AUTH_DISABLE_EMAIL", false)?,
            oidc,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Mail and cron

/// The SMTP relay. Without `TOWER_SMTP_HOST`, mail stays in the outbox (and is logged) until a
/// relay is configured: nothing fails at startup.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// User and password, sent only when `TOWER_SMTP_AUTH` is true and a user is set.
    pub smtp_credentials: Option<(String, String)>,
    pub starttls_enabled: bool,
    pub starttls_required: bool,
}

impl MailConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // Seqera's templates write `null` for "no value" (an unauthenticated gateway).
        let value = |var: &str| get(var).filter(|v| !v.eq_ignore_ascii_case("null"));
        let smtp_host = value("TOWER_SMTP_HOST");
        if let Some(h) = &smtp_host {
            if h.contains("://") || h.contains('/') || h.chars().any(char::is_whitespace) {
                return Err(ConfigError::new("TOWER_SMTP_HOST", format!("expected a host name without scheme or path, got '{h}'")));
            }
        }
        let auth = parse_bool(get, "TOWER_SMTP_AUTH", true)?;
        let smtp_credentials = match (auth, value("TOWER_SMTP_USER")) {
            (true, Some(user)) => Some((user, value("TOWER_SMTP_PASSWORD").unwrap_or_default())),
            _ => None,
        };
        Ok(MailConfig {
            smtp_host,
            smtp_port: parse_num::<u16>(get, "TOWER_SMTP_PORT", 587)?,
            smtp_credentials,
            starttls_enabled: parse_bool(get, "TOWER_SMTP_STARTTLS_ENABLED", false)?,
            starttls_required: parse_bool(get, "TOWER_SMTP_STARTTLS_REQUIRED", false)?,
        })
    }
}

/// Intervals and limits of the cron jobs (`TOWER_CRON_*`).
#[derive(Debug, Clone)]
pub struct CronConfig {
    /// How often the watchdog looks for silent runs.
    pub watchdog_interval: Duration,
    /// A SUBMITTED or RUNNING run with no trace request for this long becomes UNKNOWN.
    pub unknown_after: Duration,
    /// An UNKNOWN run silent for this long gets a completion time and stops being active.
    pub zombie_after: Duration,
    /// How often the outbox is sent.
    pub mail_interval: Duration,
    /// How long a cron owns a mail it is sending; a cron killed mid-send loses it after this.
    pub mail_lease: Duration,
    /// How long sent mail is kept.
    pub mail_retention: Duration,
    /// How often cleanup runs.
    pub cleanup_interval: Duration,
    /// Rows deleted per statement by cleanup, so no statement holds long locks.
    pub cleanup_chunk_size: u32,
    /// Runs that ended longer ago than this are deleted; `None` (default): kept forever.
    pub run_retention: Option<Duration>,
    /// A job lock not released (its cron died) is taken over after this long.
    pub lock_timeout: Duration,
}

impl CronConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = |var: &str, secs: u64| parse_duration(get, var, Duration::from_secs(secs));
        let cleanup_chunk_size = parse_num::<u32>(get, "TOWER_CRON_CLEANUP_CHUNK_SIZE", 1000)?;
        if cleanup_chunk_size == 0 {
            return Err(ConfigError::new("TOWER_CRON_CLEANUP_CHUNK_SIZE", "must be at least 1"));
        }
        let run_retention = match get("TOWER_CRON_RUN_RETENTION") {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("off") || v == "0" => None,
            Some(_) => Some(d("TOWER_CRON_RUN_RETENTION", 0)?),
        };
        Ok(CronConfig {
            watchdog_interval: d("TOWER_CRON_WATCHDOG_INTERVAL", 30)?,
            unknown_after: d("TOWER_CRON_WATCHDOG_UNKNOWN_AFTER", 190)?,
            zombie_after: d("TOWER_CRON_WATCHDOG_ZOMBIE_AFTER", 86_400)?,
            mail_interval: d("TOWER_CRON_MAIL_INTERVAL", 10)?,
            mail_lease: d("TOWER_CRON_MAIL_LEASE", 120)?,
            mail_retention: d("TOWER_CRON_MAIL_RETENTION", 7 * 86_400)?,
            cleanup_interval: d("TOWER_CRON_CLEANUP_INTERVAL", 300)?,
            cleanup_chunk_size,
            run_retention,
            lock_timeout: d("TOWER_CRON_LOCK_TIMEOUT", 600)?,
        })
    }
}

/// Durations as Micronaut writes them: `90` (seconds), `500ms`, `30s`, `30m`, `6h`, `1d`, or ISO-8601
/// such as `PT6H30M`. Must be at least one second.
fn parse_duration(get: &impl Fn(&str) -> Option<String>, var: &str, default: Duration) -> Result<Duration, ConfigError> {
    parse_duration_at_least(get, var, default, Duration::from_secs(1))
}

/// As [`parse_duration`], down to one millisecond.
fn parse_duration_ms(get: &impl Fn(&str) -> Option<String>, var: &str, default: Duration) -> Result<Duration, ConfigError> {
    parse_duration_at_least(get, var, default, Duration::from_millis(1))
}

fn parse_duration_at_least(
    get: &impl Fn(&str) -> Option<String>,
    var: &str,
    default: Duration,
    min: Duration,
) -> Result<Duration, ConfigError> {
    let Some(raw) = get(var) else { return Ok(default) };
    let bad = || ConfigError::new(var, format!("expected a duration such as 3600, 30m, 6h or PT6H, got '{raw}'"));
    let s = raw.to_lowercase();
    let ms: u64 = if let Some(iso) = s.strip_prefix("pt") {
        let mut total = 0u64;
        let mut num = String::new();
        for c in iso.chars() {
            match c {
                '0'..='9' => num.push(c),
                'h' | 'm' | 's' => {
                    let n: u64 = num.parse().map_err(|_| bad())?;
                    total += n * match c {
                        'h' => 3_600_000,
                        'm' => 60_000,
                        _ => 1000,
                    };
                    num.clear();
                }
                _ => return Err(bad()),
            }
        }
        if !num.is_empty() || iso.is_empty() {
            return Err(bad());
        }
        total
    } else {
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let mult = match unit.trim() {
            "" | "s" => 1000,
            "ms" => 1,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        n.checked_mul(mult).ok_or_else(bad)?
    };
    if (ms as u128) < min.as_millis() {
        return Err(ConfigError::new(var, format!("must be at least {min:?}, got '{raw}'")));
    }
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_an_sqlite_file_in_the_data_directory() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.db.url, DbUrl::Sqlite(PathBuf::from("data/tower.db")));
        assert_eq!(c.backend_port, 8080);
        assert!(c.jwt_secret_generated);
    }

    #[test]
    fn accepts_the_jdbc_form_seqera_documents() {
        let url = parse_db_url(
            "jdbc:mysql://db:3306/tower?permitMysqlScheme=true&sessionVariables=sql_mode='STRICT_TRANS_TABLES'",
            Some("tower"),
            Some("s3cr@t"),
        )
        .unwrap();
        assert_eq!(url, DbUrl::MySql("mysql://tower:s3cr%40t@db:3306/tower".into()));
        assert_eq!(parse_db_url("mariadb://u:p@h/t", None, None).unwrap(), DbUrl::MySql("mysql://u:p@h/t".into()));
        assert_eq!(parse_db_url("sqlite:///tmp/x.db", None, None).unwrap(), DbUrl::Sqlite("/tmp/x.db".into()));
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let e = cfg(&[("TOWER_DB_URL", "postgres://x/y")]).unwrap_err();
        assert_eq!(e.var, "TOWER_DB_URL");
        assert!(e.to_string().starts_with("TOWER_DB_URL: unsupported database URL"));
        assert_eq!(cfg(&[("TOWER_BACKEND_SERVER_PORT", "80a")]).unwrap_err().var, "TOWER_BACKEND_SERVER_PORT");
        assert_eq!(cfg(&[("TOWER_JWT_SECRET", "short")]).unwrap_err().var, "TOWER_JWT_SECRET");
        assert_eq!(cfg(&[("TOWER_ROOT_USERS", "1,bob")]).unwrap_err().var, "TOWER_ROOT_USERS");
        assert_eq!(cfg(&[("TOWER_ENABLE_UNSAFE_MODE", "maybe")]).unwrap_err().var, "TOWER_ENABLE_UNSAFE_MODE");
        assert_eq!(cfg(&[("TOWER_SERVER_URL", "http://tower.example.com")]).unwrap_err().var, "TOWER_SERVER_URL");
        assert_eq!(cfg(&[("TOWER_DB_MIN_POOL_SIZE", "20")]).unwrap_err().var, "TOWER_DB_MIN_POOL_SIZE");
        assert_eq!(cfg(&[("TOWER_REDIS_URL", "localhost:6379")]).unwrap_err().var, "TOWER_REDIS_URL");
        assert_eq!(cfg(&[("TOWER_CONTACT_EMAIL", "nobody")]).unwrap_err().var, "TOWER_CONTACT_EMAIL");
    }

    #[test]
    fn unsafe_mode_allows_plain_http_server_urls() {
        let c = cfg(&[("TOWER_SERVER_URL", "http://tower.example.com/"), ("TOWER_ENABLE_UNSAFE_MODE", "true")]).unwrap();
        assert_eq!(c.server_url, "http://tower.example.com");
    }

    #[test]
    fn root_users_take_ids_and_emails() {
        let c = cfg(&[("TOWER_ROOT_USERS", "7, Admin@Example.com")]).unwrap();
        assert_eq!(c.root_users, vec![RootUser::Id(7), RootUser::Email("admin@example.com".into())]);
    }

    #[test]
    fn tower_yml_keys_map_to_environment_names_and_resolve_placeholders() {
        let yml = "tower:\n  serverUrl: \"https://tower.example.com\" # public\n  admin:\n    root-users:\n      - a@b.org\n      - 3\nmail:\n  from: ${TOWER_CONTACT_EMAIL:ops@x.org}\n";
        let flat = flatten_yaml(yml).unwrap();
        assert!(flat.contains(&("tower.serverUrl".into(), "https://tower.example.com".into())));
        assert!(flat.contains(&("tower.admin.root-users".into(), "a@b.org,3".into())));
        assert_eq!(resolve_placeholders("${TOWER_CONTACT_EMAIL:ops@x.org}", &HashMap::new()), "ops@x.org");
    }

    #[test]
    fn the_shipped_example_tower_env_is_valid() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docker/tower.env")).unwrap();
        let pairs: Vec<(String, String)> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| l.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).unwrap())
            .collect();
        let map: HashMap<String, String> = pairs.into_iter().collect();
        let c = Config::from_lookup(|k| map.get(k).cloned()).unwrap();
        assert_eq!(c.db.url, DbUrl::MySql("mysql://tower:tower@db:3306/tower".into()));
        assert_eq!(c.root_users, vec![RootUser::Email("admin@example.com".into())]);
    }

    #[test]
    fn sign_in_settings_use_seqera_names_and_defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.auth.access_token_ttl, Duration::from_secs(3600));
        assert_eq!(c.auth.refresh_token_ttl, Duration::from_secs(6 * 3600));
        assert_eq!(c.auth.refresh_cookie_max_age, Duration::from_secs(12 * 3600));
        assert_eq!(c.auth.mail_link_ttl, Duration::from_secs(1800));
        assert!(c.auth.oidc.is_none() && c.auth.trusted_emails.is_none() && c.auth.email_enabled());

        let c = cfg(&[
            ("TOWER_OIDC_ISSUER", "https://idp.example.com/realms/x"),
            ("TOWER_OIDC_CLIENT", "tower"),
            ("TOWER_OIDC_SCOPES", "email, groups"),
            ("TOWER_AUTH_OIDC_ALLOW_LIST", "*@example.com"),
            ("TOWER_AUTH_DISABLE_EMAIL", "true"),
            ("AUTH_MAIL_DURATION", "PT1H"),
            (ACCESS_TOKEN_EXPIRATION, "600"),
            (REFRESH_TOKEN_EXPIRATION, "2h"),
        ])
        .unwrap();
        let oidc = c.auth.oidc.as_ref().unwrap();
        assert_eq!(oidc.scopes, vec!["openid", "email", "groups"]);
        assert!(oidc.allow_list.as_ref().unwrap().matches("A@Example.com"));
        assert!(!c.auth.email_enabled());
        assert_eq!(c.auth.mail_link_ttl, Duration::from_secs(3600));
        assert_eq!(c.auth.access_token_ttl, Duration::from_secs(600));
        assert_eq!(c.auth.refresh_token_ttl, Duration::from_secs(7200));
    }

    #[test]
    fn bad_sign_in_settings_name_the_variable() {
        assert_eq!(cfg(&[("TOWER_OIDC_CLIENT", "x")]).unwrap_err().var, "TOWER_OIDC_ISSUER");
        assert_eq!(cfg(&[("TOWER_OIDC_ISSUER", "https://idp.example.com")]).unwrap_err().var, "TOWER_OIDC_CLIENT");
        assert_eq!(
            cfg(&[("TOWER_OIDC_ISSUER", "http://idp.example.com"), ("TOWER_OIDC_CLIENT", "x")]).unwrap_err().var,
            "TOWER_OIDC_ISSUER"
        );
        assert_eq!(cfg(&[("TOWER_TRUSTED_EMAILS", "example.com")]).unwrap_err().var, "TOWER_TRUSTED_EMAILS");
        assert_eq!(cfg(&[("AUTH_MAIL_DURATION", "soon")]).unwrap_err().var, "AUTH_MAIL_DURATION");
        assert_eq!(cfg(&[("AUTH_MAIL_DURATION", "10ms")]).unwrap_err().var, "AUTH_MAIL_DURATION");
        assert_eq!(cfg(&[(REFRESH_COOKIE_MAX_AGE, "1h")]).unwrap_err().var, REFRESH_COOKIE_MAX_AGE);
    }

    #[test]
    fn smtp_and_cron_settings_use_seqera_names_and_tolerate_a_missing_relay() {
        let c = cfg(&[]).unwrap();
        assert!(c.mail.smtp_host.is_none());
        assert_eq!(c.mail.smtp_port, 587);
        assert_eq!(c.cron.unknown_after, Duration::from_secs(190));
        assert_eq!(c.cron.zombie_after, Duration::from_secs(86_400));
        assert!(c.cron.run_retention.is_none());

        let c = cfg(&[
            ("TOWER_SMTP_HOST", "smtp.example.com"),
            ("TOWER_SMTP_PORT", "2525"),
            ("TOWER_SMTP_USER", "mailer"),
            ("TOWER_SMTP_PASSWORD", "pw"),
            ("TOWER_SMTP_STARTTLS_REQUIRED", "true"),
            ("TOWER_CRON_RUN_RETENTION", "365d"),
            ("TOWER_CRON_MAIL_LEASE", "5s"),
        ])
        .unwrap();
        assert_eq!(c.mail.smtp_host.as_deref(), Some("smtp.example.com"));
        assert_eq!(c.mail.smtp_port, 2525);
        assert_eq!(c.mail.smtp_credentials, Some(("mailer".into(), "pw".into())));
        assert!(c.mail.starttls_required);
        assert_eq!(c.cron.run_retention, Some(Duration::from_secs(365 * 86_400)));
        assert_eq!(c.cron.mail_lease, Duration::from_secs(5));

        // A gateway without authentication, written as Seqera's template does.
        let c = cfg(&[("TOWER_SMTP_HOST", "relay"), ("TOWER_SMTP_USER", "null"), ("TOWER_SMTP_PASSWORD", "null")]).unwrap();
        assert_eq!(c.mail.smtp_credentials, None);
        let c = cfg(&[("TOWER_SMTP_HOST", "relay"), ("TOWER_SMTP_USER", "u"), ("TOWER_SMTP_AUTH", "false")]).unwrap();
        assert_eq!(c.mail.smtp_credentials, None);
    }

    #[test]
    fn bad_smtp_and_cron_settings_name_the_variable() {
        assert_eq!(cfg(&[("TOWER_SMTP_HOST", "smtp://x")]).unwrap_err().var, "TOWER_SMTP_HOST");
        assert_eq!(cfg(&[("TOWER_SMTP_PORT", "port")]).unwrap_err().var, "TOWER_SMTP_PORT");
        assert_eq!(cfg(&[("TOWER_SMTP_STARTTLS_ENABLED", "maybe")]).unwrap_err().var, "TOWER_SMTP_STARTTLS_ENABLED");
        assert_eq!(cfg(&[("TOWER_CRON_WATCHDOG_UNKNOWN_AFTER", "soon")]).unwrap_err().var, "TOWER_CRON_WATCHDOG_UNKNOWN_AFTER");
        assert_eq!(cfg(&[("TOWER_CRON_CLEANUP_CHUNK_SIZE", "0")]).unwrap_err().var, "TOWER_CRON_CLEANUP_CHUNK_SIZE");
        assert_eq!(cfg(&[("TOWER_CRON_RUN_RETENTION", "forever")]).unwrap_err().var, "TOWER_CRON_RUN_RETENTION");
    }
}
