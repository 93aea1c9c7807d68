//! Schema migrations with refinery, driven through our own sqlx pools (refinery's bundled
//! drivers would link a second MySQL client and a second SQLite). Migrating holds a lock —
//! `GET_LOCK` on MySQL, an exclusive file lock beside the SQLite file — so two starters never
//! race; the second waits and then finds nothing to do.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use refinery_core::traits::r#async::{AsyncMigrate, AsyncQuery, AsyncTransaction};
use refinery_core::{Migration, Runner, Target};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::Db;
use crate::with_pool;

mod embedded_mysql {
    refinery::embed_migrations!("../migrations/mysql");
}
mod embedded_sqlite {
    refinery::embed_migrations!("../migrations/sqlite");
}

const HISTORY_TABLE: &str = "refinery_schema_history";
const MYSQL_LOCK: &str = "tower_schema_migration";
const LOCK_WAIT_SECONDS: i64 = 600;

fn runner(db: &Db) -> Runner {
    match db {
        Db::MySql(_) => embedded_mysql::migrations::runner(),
        Db::Sqlite(_) => embedded_sqlite::migrations::runner(),
    }
}

/// The schema version this build needs: its newest migration.
pub fn required_version(db: &Db) -> i32 {
    runner(db).get_migrations().iter().map(|m| m.version()).max().unwrap_or(0)
}

/// How many migrations this build embeds.
pub fn migration_count(db: &Db) -> usize {
    runner(db).get_migrations().len()
}

/// The newest migration applied to the database, 0 for an empty database.
pub async fn current_version(db: &Db) -> anyhow::Result<i32> {
    let sql = format!("SELECT MAX(version) FROM {HISTORY_TABLE}");
    let v: Result<Option<i32>, sqlx::Error> = with_pool!(db, p => sqlx::query_scalar(&sql).fetch_one(p).await);
    match v {
        Ok(v) => Ok(v.unwrap_or(0)),
        // The history table does not exist yet.
        Err(sqlx::Error::Database(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Fails with an operator-facing message when the schema is older than this build needs.
pub async fn check_schema(db: &Db) -> anyhow::Result<()> {
    let (have, need) = (current_version(db).await?, required_version(db));
    if have < need {
        bail!(
            "the database schema is at version {have} but this backend needs version {need}: \
             run `tower-cron migrate` (or start tower-cron, which migrates at startup) and start the backend again"
        );
    }
    Ok(())
}

/// Applies every pending migration under the migration lock, logging one line per migration.
/// Returns the names of the migrations applied.
pub async fn migrate(db: &Db, sqlite_path: Option<PathBuf>) -> anyhow::Result<Vec<String>> {
    let _guard = MigrationLock::acquire(db, sqlite_path).await?;
    let runner = runner(db);
    let mut driver = Migrator(db.clone());
    // Created here rather than by refinery so that on MySQL it has a text collation sqlx can
    // read whatever the server's default is.
    let mut create_history = Migrator::assert_migrations_table_query(HISTORY_TABLE).trim().trim_end_matches(';').to_string();
    if matches!(db, Db::MySql(_)) {
        create_history.push_str(" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    }
    driver.execute([create_history.as_str()].into_iter()).await?;
    let applied = runner.get_applied_migrations_async(&mut driver).await.context("cannot read the migration history")?;
    let pending: Vec<&Migration> = runner.get_migrations().iter().filter(|m| !applied.iter().any(|a| a.version() == m.version())).collect();
    if pending.is_empty() {
        tracing::info!(version = current_version(db).await?, "database schema is up to date");
        return Ok(vec![]);
    }
    let mut names = Vec::new();
    for m in pending {
        let started = Instant::now();
        tracing::info!(migration = %m, "applying migration");
        let report = runner_for_target(db, m.version()).run_async(&mut driver).await.with_context(|| format!("migration {m} failed"))?;
        for done in report.applied_migrations() {
            tracing::info!(migration = %done, elapsed_ms = started.elapsed().as_millis() as u64, "applied migration");
            names.push(done.to_string());
        }
    }
    Ok(names)
}

fn runner_for_target(db: &Db, version: i32) -> Runner {
    runner(db).set_target(Target::Version(version)).set_abort_divergent(true).set_abort_missing(true)
}

/// Holds the migration lock until dropped: a MySQL connection holding `GET_LOCK`, or the
/// locked file beside the SQLite database.
struct MigrationLock {
    mysql: Option<sqlx::pool::PoolConnection<sqlx::MySql>>,
    _file: Option<std::fs::File>,
}

impl MigrationLock {
    async fn acquire(db: &Db, sqlite_path: Option<PathBuf>) -> anyhow::Result<Self> {
        match db {
            Db::MySql(pool) => {
                let mut conn = pool.acquire().await?;
                tracing::info!("waiting for the migration lock");
                let got: Option<i64> =
                    sqlx::query_scalar("SELECT GET_LOCK(?, ?)").bind(MYSQL_LOCK).bind(LOCK_WAIT_SECONDS).fetch_one(&mut *conn).await?;
                if got != Some(1) {
                    bail!("another process held the migration lock for more than {LOCK_WAIT_SECONDS} s");
                }
                Ok(MigrationLock { mysql: Some(conn), _file: None })
            }
            Db::Sqlite(_) => {
                let Some(path) = sqlite_path else { return Ok(MigrationLock { mysql: None, _file: None }) };
                let lock_path = path.with_extension("migrate.lock");
                let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
                    f.lock()?;
                    Ok(f)
                })
                .await??;
                Ok(MigrationLock { mysql: None, _file: Some(file) })
            }
        }
    }
}

impl Drop for MigrationLock {
    fn drop(&mut self) {
        if let Some(mut conn) = self.mysql.take() {
            // Release on the connection that holds it; closing it would release it as well.
            tokio::spawn(async move {
                let _ = sqlx::query("SELECT RELEASE_LOCK(?)").bind(MYSQL_LOCK).execute(&mut *conn).await;
            });
        }
    }
}

/// refinery's async driver interface over our pools.
struct Migrator(Db);

impl AsyncTransaction for Migrator {
    type Error = sqlx::Error;

    async fn execute<'a, T: Iterator<Item = &'a str> + Send + 'a>(&mut self, queries: T) -> Result<usize, Self::Error> {
        let queries: Vec<&str> = queries.collect();
        // One multi-statement script per transaction; refinery's own statements lack a final `;`.
        let script: String = queries.iter().map(|q| format!("{};\n", q.trim().trim_end_matches(';'))).collect();
        with_pool!(&self.0, p => {
            let mut tx = p.begin().await?;
            // `Executor::execute` rather than `RawSql::execute`: the latter's future cannot be
            // proven `Send` inside refinery's generic trait method.
            sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&script)).await?;
            tx.commit().await?;
        });
        Ok(queries.len())
    }
}

impl AsyncQuery<Vec<Migration>> for Migrator {
    async fn query(&mut self, query: &str) -> Result<Vec<Migration>, Self::Error> {
        let rows: Vec<(i32, String, String, String)> = with_pool!(&self.0, p => sqlx::query_as(query).fetch_all(p).await?);
        rows.into_iter()
            .map(|(version, name, applied_on, checksum)| {
                let applied_on = OffsetDateTime::parse(&applied_on, &Rfc3339).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                let checksum = checksum.parse::<u64>().map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                Ok(Migration::applied(version, name, applied_on, checksum))
            })
            .collect()
    }
}

impl AsyncMigrate for Migrator {}
