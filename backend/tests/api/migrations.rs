//! Migrations: both dialects build the same schema, concurrent migrators do not race, and the
//! backend refuses an old schema.

use std::collections::BTreeSet;

use tower_backend::app::{Application, SchemaMode};
use tower_backend::store::{migrate, Db};

use crate::helpers::{drop_database, fresh_database, mysql_available, test_config, Kind};

type Schema = BTreeSet<String>;

fn family(t: &str) -> &'static str {
    let t = t.to_lowercase();
    if t.contains("int") || t.contains("bool") {
        "integer"
    } else if t.contains("char") || t.contains("text") {
        "text"
    } else if t.contains("double") || t.contains("real") || t.contains("float") {
        "real"
    } else {
        "other"
    }
}

async fn schema_of(db: &Db) -> Schema {
    let mut out = Schema::new();
    match db {
        Db::Sqlite(p) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .fetch_all(p)
                    .await
                    .unwrap();
            for t in tables {
                out.insert(format!("table {t}"));
                let cols: Vec<(String, String, i64, i64)> =
                    sqlx::query_as(&format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{t}')"))
                        .fetch_all(p)
                        .await
                        .unwrap();
                for (name, ty, notnull, pk) in cols {
                    out.insert(format!("column {t}.{name} {} {}", family(&ty), if notnull == 1 || pk > 0 { "not null" } else { "null" }));
                    if pk > 0 {
                        out.insert(format!("primary {t}.{name}"));
                    }
                }
                let idx: Vec<(String, i64)> = sqlx::query_as(&format!(
                    "SELECT name, \"unique\" FROM pragma_index_list('{t}') WHERE name NOT LIKE 'sqlite_autoindex%'"
                ))
                .fetch_all(p)
                .await
                .unwrap();
                for (name, unique) in idx {
                    let cols: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"))
                        .fetch_all(p)
                        .await
                        .unwrap();
                    out.insert(format!("index {t}.{name} unique={} ({})", unique == 1, cols.join(",")));
                }
            }
        }
        Db::MySql(p) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()")
                    .fetch_all(p)
                    .await
                    .unwrap();
            for t in tables {
                out.insert(format!("table {t}"));
                let cols: Vec<(String, String, String, String)> = sqlx::query_as(
                    "SELECT CAST(column_name AS CHAR), CAST(data_type AS CHAR), CAST(is_nullable AS CHAR), CAST(column_key AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
                )
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
                for (name, ty, nullable, key) in cols {
                    out.insert(format!("column {t}.{name} {} {}", family(&ty), if nullable == "NO" { "not null" } else { "null" }));
                    if key == "PRI" {
                        out.insert(format!("primary {t}.{name}"));
                    }
                }
                let idx: Vec<(String, i64, String)> = sqlx::query_as(
                    "SELECT CAST(index_name AS CHAR), CAST(MAX(non_unique) AS SIGNED), CAST(GROUP_CONCAT(column_name ORDER BY seq_in_index) AS CHAR) FROM information_schema.statistics \
                     WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY' GROUP BY index_name",
                )
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
                for (name, non_unique, cols) in idx {
                    // InnoDB adds an index for each foreign key that has none; SQLite does not need one.
                    if name.starts_with("fk_") {
                        continue;
                    }
                    out.insert(format!("index {t}.{name} unique={} ({cols})", non_unique == 0));
                }
            }
        }
    }
    out
}

async fn migrated(kind: Kind) -> (Db, Option<(String, String)>, Option<std::path::PathBuf>) {
    let (url, m, t) = fresh_database(kind).await;
    let cfg = test_config(&url, &[]);
    let db = Db::connect(&cfg.db).await.unwrap();
    let applied = migrate::migrate(&db, tower_backend::app::sqlite_path(&cfg)).await.unwrap();
    assert!(!applied.is_empty());
    (db, m, t)
}

#[tokio::test]
async fn mysql_and_sqlite_migrations_produce_the_same_tables_columns_and_indexes() {
    let (sqlite, m1, t1) = migrated(Kind::Sqlite).await;
    let lite = schema_of(&sqlite).await;
    assert!(
        lite.contains("table tw_task")
            && lite.contains("index tw_workflow.ix_workflow_owner_list unique=false (owner_id,workspace_id,deleted,date_created,id,status,run_name,project_name,session_id)"),
        "{lite:#?}"
    );
    if !mysql_available() {
        eprintln!("TOWER_TEST_MYSQL_URL is not set: comparison with MySQL not run");
    } else {
        let (mysql, m2, t2) = migrated(Kind::MySql).await;
        let my = schema_of(&mysql).await;
        let only_lite: Vec<_> = lite.difference(&my).collect();
        let only_my: Vec<_> = my.difference(&lite).collect();
        assert!(only_lite.is_empty() && only_my.is_empty(), "only in SQLite: {only_lite:#?}\nonly in MySQL: {only_my:#?}");
        mysql.close().await;
        drop_database(m2, t2).await;
    }
    sqlite.close().await;
    drop_database(m1, t1).await;
}

async fn concurrent_migrations_apply_each_version_once(kind: Kind) {
    let (url, m, t) = fresh_database(kind).await;
    let cfg = test_config(&url, &[]);
    let a = Db::connect(&cfg.db).await.unwrap();
    let b = Db::connect(&cfg.db).await.unwrap();
    let path = tower_backend::app::sqlite_path(&cfg);
    let (ra, rb) = tokio::join!(migrate::migrate(&a, path.clone()), migrate::migrate(&b, path.clone()));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.len() + rb.len(), migrate::migration_count(&a), "each migration applied by exactly one starter");
    let rows: i64 =
        tower_backend::with_pool!(&a, p => sqlx::query_scalar("SELECT COUNT(*) FROM refinery_schema_history").fetch_one(p).await.unwrap());
    assert_eq!(rows, migrate::migration_count(&a) as i64);
    assert!(migrate::migrate(&a, path).await.unwrap().is_empty(), "nothing left to do");
    a.close().await;
    b.close().await;
    drop_database(m, t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_starters_migrating_sqlite_at_once_do_not_race() {
    concurrent_migrations_apply_each_version_once(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_starters_migrating_mysql_at_once_do_not_race() {
    if mysql_available() {
        concurrent_migrations_apply_each_version_once(Kind::MySql).await;
    }
}

#[tokio::test]
async fn the_backend_refuses_a_schema_older_than_it_needs_and_says_to_run_cron() {
    let (url, m, t) = fresh_database(Kind::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = Application::build_with_listener(test_config(&url, &[]), SchemaMode::Check, listener).await.err().expect("refused");
    let msg = format!("{err:#}");
    assert!(msg.contains("schema is at version 0") && msg.contains("tower-cron migrate"), "{msg}");
    drop_database(m, t).await;
}
