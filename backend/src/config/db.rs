//! Where the database lives and how many connections each process keeps.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::env::{parse_duration_ms, parse_num};
use super::ConfigError;

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
    /// `TOWER_DB_ACQUIRE_TIMEOUT`: how long a request waits for a connection before it is
    /// answered 503 with `Retry-After`, so requests do not pile up behind a slow or absent database.
    pub acquire_timeout: Duration,
}

impl DbConfig {
    /// `TOWER_DB_*`; without `TOWER_DB_URL`, an SQLite file in the data directory.
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>, data_dir: &Path) -> Result<Self, ConfigError> {
        let user = get("TOWER_DB_USER");
        let password = get("TOWER_DB_PASSWORD");
        let url = match get("TOWER_DB_URL") {
            Some(raw) => parse_db_url(&raw, user.as_deref(), password.as_deref())?,
            None => DbUrl::Sqlite(data_dir.join("tower.db")),
        };
        let min_pool_size = parse_num::<u32>(get, "TOWER_DB_MIN_POOL_SIZE", 5)?;
        let max_pool_size = parse_num::<u32>(get, "TOWER_DB_MAX_POOL_SIZE", 10)?;
        if max_pool_size == 0 {
            return Err(ConfigError::new("TOWER_DB_MAX_POOL_SIZE", "must be at least 1"));
        }
        if min_pool_size > max_pool_size {
            return Err(ConfigError::new(
                "TOWER_DB_MIN_POOL_SIZE",
                format!("{min_pool_size} is larger than TOWER_DB_MAX_POOL_SIZE ({max_pool_size})"),
            ));
        }
        let max_lifetime = Duration::from_millis(parse_num::<u64>(get, "TOWER_DB_MAX_LIFETIME", 1_800_000)?);
        let acquire_timeout = parse_duration_ms(get, "TOWER_DB_ACQUIRE_TIMEOUT", Duration::from_secs(5))?;
        Ok(DbConfig { url, min_pool_size, max_pool_size, max_lifetime, acquire_timeout })
    }
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
