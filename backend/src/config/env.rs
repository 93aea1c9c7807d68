//! Reading single settings from a lookup (the environment merged with `tower.yml`): booleans,
//! numbers, sizes and durations, each failing with a [`ConfigError`] that names the variable.

use std::time::Duration;

/// A configuration error: which setting, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(var: &str, message: impl Into<String>) -> Self {
        Self { var: var.to_string(), message: message.into() }
    }
}

pub(super) fn parse_bool(get: &impl Fn(&str) -> Option<String>, var: &str, default: bool) -> Result<bool, ConfigError> {
    match get(var).map(|s| s.to_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError::new(var, format!("expected true or false, got '{other}'"))),
    }
}

pub(super) fn parse_num<T: std::str::FromStr>(get: &impl Fn(&str) -> Option<String>, var: &str, default: T) -> Result<T, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| ConfigError::new(var, format!("expected a non-negative whole number, got '{s}'"))),
    }
}

/// Sizes accept plain bytes or a `KB`/`MB`/`GB` suffix (powers of 1024).
pub(super) fn parse_size(get: &impl Fn(&str) -> Option<String>, var: &str, default: usize) -> Result<usize, ConfigError> {
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

/// Durations as Micronaut writes them: `90` (seconds), `500ms`, `30s`, `30m`, `6h`, `1d`, or ISO-8601
/// such as `PT6H30M`. Must be at least one second.
pub(super) fn parse_duration(get: &impl Fn(&str) -> Option<String>, var: &str, default: Duration) -> Result<Duration, ConfigError> {
    parse_duration_at_least(get, var, default, Duration::from_secs(1))
}

/// As [`parse_duration`], down to one millisecond.
pub(super) fn parse_duration_ms(get: &impl Fn(&str) -> Option<String>, var: &str, default: Duration) -> Result<Duration, ConfigError> {
    parse_duration_at_least(get, var, default, Duration::from_millis(1))
}

pub(super) fn parse_duration_at_least(
    get: &impl Fn(&str) -> Option<String>,
    var: &str,
    default: Duration,
    min: Duration,
) -> Result<Duration, ConfigError> {
    let Some(raw) = get(var) else { return Ok(default) };
    let bad = || ConfigError::new(var, format!("expected a duration such as 3600, 30m, 6h or PT6H, got '{raw}'"));
    let duration = if raw.starts_with(['P', 'p']) {
        // ISO-8601, parsed by jiff: an amount too large for a duration is an error, not a wrap.
        let d: jiff::SignedDuration = raw.to_uppercase().parse().map_err(|_| bad())?;
        Duration::try_from(d).map_err(|_| bad())?
    } else {
        let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (digits, unit) = raw.split_at(split);
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let ms_per_unit: u64 = match unit.trim().to_lowercase().as_str() {
            "" | "s" => 1000,
            "ms" => 1,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        Duration::from_millis(n.checked_mul(ms_per_unit).ok_or_else(bad)?)
    };
    if duration < min {
        return Err(ConfigError::new(var, format!("must be at least {min:?}, got '{raw}'")));
    }
    Ok(duration)
}

/// Hosts where plain `http://` is fine without `TOWER_ENABLE_UNSAFE_MODE`.
pub(super) fn is_local_host(host: Option<&str>) -> bool {
    matches!(host, Some("localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0"))
}
