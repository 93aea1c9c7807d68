//! Intervals and limits of the cron jobs (`TOWER_CRON_*`).

use std::time::Duration;

use super::env::{parse_duration, parse_num};
use super::ConfigError;

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
    /// (While the cron lives, its lock on the mail job keeps every other cron away.)
    pub mail_lease: Duration,
    /// How long sent mail is kept.
    pub mail_retention: Duration,
    /// How often cleanup runs.
    pub cleanup_interval: Duration,
    /// Rows deleted per statement by cleanup, so no statement holds long locks.
    pub cleanup_chunk_size: u32,
    /// Runs that ended longer ago than this are deleted; `None` (default): kept forever.
    pub run_retention: Option<Duration>,
    /// The lease of a job lock. A running job renews it every third of this, so a lock dies with
    /// its cron: another takes the job over at most this long after a crash.
    pub lock_timeout: Duration,
    /// Audit log events older than this are deleted (`TOWER_AUDIT_LOG_RETENTION_DAYS`, 365).
    pub audit_log_retention: Duration,
}

impl CronConfig {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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
        let audit_days = parse_num::<u32>(get, "TOWER_AUDIT_LOG_RETENTION_DAYS", 365)?;
        if audit_days == 0 {
            return Err(ConfigError::new("TOWER_AUDIT_LOG_RETENTION_DAYS", "must be at least 1"));
        }
        Ok(CronConfig {
            watchdog_interval: d("TOWER_CRON_WATCHDOG_INTERVAL", 30)?,
            unknown_after: d("TOWER_CRON_WATCHDOG_UNKNOWN_AFTER", 190)?,
            zombie_after: d("TOWER_CRON_WATCHDOG_ZOMBIE_AFTER", 86_400)?,
            mail_interval: d("TOWER_CRON_MAIL_INTERVAL", 10)?,
            mail_lease: d("TOWER_CRON_MAIL_LEASE", 30)?,
            mail_retention: d("TOWER_CRON_MAIL_RETENTION", 7 * 86_400)?,
            cleanup_interval: d("TOWER_CRON_CLEANUP_INTERVAL", 300)?,
            cleanup_chunk_size,
            run_retention,
            lock_timeout: d("TOWER_CRON_LOCK_TIMEOUT", 10)?,
            audit_log_retention: Duration::from_secs(u64::from(audit_days) * 86_400),
        })
    }
}
