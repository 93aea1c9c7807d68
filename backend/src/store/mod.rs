//! Database access: the only place with SQL. One `Db` handle over MySQL/MariaDB or SQLite;
//! each repository function is written once and type-checked against both drivers by
//! [`with_pool!`], and the few dialect differences (upsert syntax, casts, locking) live in
//! [`Dialect`].

pub mod action;
pub mod audit;
pub mod compute_env;
pub mod credentials;
pub mod cron;
pub mod dataset;
pub mod label;
pub mod launch;
pub mod mail;
pub mod migrate;
pub mod org;
pub mod pipeline;
pub mod pipeline_secret;
pub mod pipeline_version;
pub mod query;
pub mod sealed;
pub mod session;
pub mod sign_in;
pub mod star;
pub mod task;
pub mod token;
pub mod user;
pub mod workflow;

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Database, Transaction};

use crate::config::{DbConfig, DbUrl};

/// A connection pool to the configured database.
#[derive(Clone, Debug)]
pub enum Db {
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

/// Runs `$body` with `$p` bound to the concrete pool, so one body serves both dialects.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::store::Db::MySql($p) => $body,
            $crate::store::Db::Sqlite($p) => $body,
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    MySql,
    Sqlite,
}

impl Dialect {
    /// `SUM(expr)` as a floating-point number on both dialects (MySQL sums integers as DECIMAL).
    pub fn sum_real(self, expr: &str) -> String {
        format!("(COALESCE(SUM({expr}), 0) + 0e0)")
    }
}

impl Db {
    pub async fn connect(cfg: &DbConfig) -> anyhow::Result<Db> {
        match &cfg.url {
            DbUrl::MySql(url) => {
                let opts = MySqlConnectOptions::from_str(url).context("invalid TOWER_DB_URL")?.charset("utf8mb4");
                let pool = MySqlPoolOptions::new()
                    // Nothing here needs repeatable reads, and READ COMMITTED spares the batched
                    // task upserts InnoDB's gap locks, which otherwise make concurrent runs wait.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::Executor::execute(&mut *conn, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").await?;
                            Ok(())
                        })
                    })
                    .min_connections(cfg.min_pool_size)
                    .max_connections(cfg.max_pool_size)
                    .max_lifetime(cfg.max_lifetime)
                    .acquire_timeout(cfg.acquire_timeout)
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot connect to MySQL at {}", redact(url)))?;
                Ok(Db::MySql(pool))
            }
            DbUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create data directory {}", dir.display()))?;
                }
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .min_connections(1)
                    .max_connections(cfg.max_pool_size.max(2))
                    .acquire_timeout(cfg.acquire_timeout)
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot open SQLite database {}", path.display()))?;
                Ok(Db::Sqlite(pool))
            }
        }
    }

    /// [`Db::connect`], waiting for a MySQL server that is not there yet (the connection is
    /// refused or not answered: it is starting) instead of failing: tries again with a growing
    /// pause (1 s up to 10 s), saying so each time, until it answers. Any other error (a host
    /// name that does not resolve, a wrong password, a missing database) fails at once.
    pub async fn connect_waiting(cfg: &DbConfig) -> anyhow::Result<Db> {
        let mut pause = Duration::from_secs(1);
        loop {
            let e = match Db::connect(cfg).await {
                Err(e) if matches!(cfg.url, DbUrl::MySql(_)) && e.downcast_ref::<sqlx::Error>().is_some_and(is_unreachable) => e,
                other => return other,
            };
            tracing::warn!(error = format!("{e:#}"), retry_in_s = pause.as_secs(), "the database is not reachable yet; waiting for it");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(10));
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::MySql(_) => Dialect::MySql,
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }

    /// Connections open, of which idle, and the most the pool opens.
    pub fn pool_state(&self) -> (u32, u32, u32) {
        with_pool!(self, p => (p.size(), u32::try_from(p.num_idle()).unwrap_or(u32::MAX), p.options().get_max_connections()))
    }
}

/// Starts a transaction that will write. SQLite takes the write lock up front (`BEGIN
/// IMMEDIATE`), so two writers queue on the busy timeout instead of failing with "database is
/// locked" when a read transaction tries to upgrade.
pub trait BeginWrite {
    type Db: Database;
    fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for MySqlPool {
    type Db = sqlx::MySql;
    fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, sqlx::MySql>, sqlx::Error>> + Send {
        self.begin()
    }
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, sqlx::Sqlite>, sqlx::Error>> + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

/// Whether a transaction failed only because of concurrency (InnoDB deadlock or lock wait
/// timeout, SQLite busy) and may simply be run again.
pub fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            code == "40001" || (code == "HY000" && d.message().contains("Lock wait timeout")) || matches!(code.as_ref(), "5" | "6" | "517")
        }
        _ => false,
    }
}

/// Runs a transaction body again when it failed only because of concurrency, up to 5 attempts.
pub async fn retry_on_conflict<T, F, Fut>(mut body: F) -> sqlx::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = sqlx::Result<T>>,
{
    let mut attempt = 1;
    loop {
        match body().await {
            Err(e) if attempt < 5 && is_retryable(&e) => {
                tracing::debug!(attempt, error = %e, "transaction conflict, retrying");
                tokio::time::sleep(Duration::from_millis(5 * attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Whether a connection attempt failed because the server is not there yet: refused, reset or
/// not answering. A host name that does not resolve is not among them: in compose and Kubernetes
/// the name exists before the server starts, so that is a configuration (or network) fault, and
/// the process exits for the orchestrator to restart it.
fn is_unreachable(e: &sqlx::Error) -> bool {
    use std::io::ErrorKind::*;
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Io(io) => {
            matches!(io.kind(), ConnectionRefused | ConnectionReset | ConnectionAborted | TimedOut | HostUnreachable | NetworkUnreachable)
        }
        _ => false,
    }
}

/// Whether an error is a unique-key violation (so the caller can answer 409).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Whether the database answers.
pub async fn ping(db: &Db) -> bool {
    with_pool!(db, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
}
