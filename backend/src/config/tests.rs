//! The settings as an operator writes them: names, defaults and the errors that name a variable.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::auth::{ACCESS_TOKEN_EXPIRATION, REFRESH_COOKIE_MAX_AGE, REFRESH_TOKEN_EXPIRATION};
use super::yaml::{flatten_yaml, resolve_placeholders};
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
    assert_eq!(cfg(&[("TOWER_OIDC_ISSUER", "http://idp.example.com"), ("TOWER_OIDC_CLIENT", "x")]).unwrap_err().var, "TOWER_OIDC_ISSUER");
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

#[test]
fn durations_too_large_to_hold_are_a_configuration_error() {
    for huge in ["PT9999999999999999H", "pt99999999999999999999s", "99999999999999999d", "18446744073709551616"] {
        let e = cfg(&[("AUTH_MAIL_DURATION", huge)]).unwrap_err();
        assert_eq!(e.var, "AUTH_MAIL_DURATION", "{huge}");
        assert!(e.message.contains(huge), "{e}");
    }
    let c = cfg(&[("AUTH_MAIL_DURATION", "PT1H30M"), ("TOWER_CRON_MAIL_LEASE", "pt90s")]).unwrap();
    assert_eq!(c.auth.mail_link_ttl, Duration::from_secs(5400));
    assert_eq!(c.cron.mail_lease, Duration::from_secs(90));
}

#[test]
fn tower_yml_is_read_by_a_yaml_parser() {
    // Block and flow styles, anchors, multi-line quoting: what a hand-written subset parser missed.
    let yml = "pool: &pool 20\ndatasources:\n  default:\n    maxPoolSize: *pool\n    url: 'jdbc:mysql://db:3306/tower'\ntower:\n  admin: { root-users: [a@b.org, 3] }\n  serverUrl: >-\n    https://tower.example.com\n";
    let flat = flatten_yaml(yml).unwrap();
    assert!(flat.contains(&("datasources.default.url".into(), "jdbc:mysql://db:3306/tower".into())), "{flat:?}");
    assert!(flat.contains(&("datasources.default.maxPoolSize".into(), "20".into())), "{flat:?}");
    assert!(flat.contains(&("datasources.default.maxPoolSize".into(), "20".into())), "{flat:?}");
    assert!(flat.contains(&("tower.admin.root-users".into(), "a@b.org,3".into())), "{flat:?}");
    assert!(flat.contains(&("tower.serverUrl".into(), "https://tower.example.com".into())), "{flat:?}");
    assert!(flatten_yaml("tower: [unclosed").is_err());
    assert!(flatten_yaml("- a\n- b\n").is_err());
    assert_eq!(flatten_yaml("").unwrap(), vec![]);
}

#[test]
fn the_embedded_default_keeps_the_secrets_it_generates() {
    let dir = std::env::temp_dir().join(format!("tower-kept-{}", crate::domain::ids::random_hex(6)));
    let data = dir.to_string_lossy().to_string();
    let mut first = cfg(&[("TOWER_DATA_DIR", &data)]).unwrap();
    first.keep_generated_secrets().unwrap();
    assert!(!first.jwt_secret_generated);
    let mut second = cfg(&[("TOWER_DATA_DIR", &data)]).unwrap();
    second.keep_generated_secrets().unwrap();
    assert_eq!(first.jwt_secret, second.jwt_secret);
    assert_eq!(first.crypto_secret_key, second.crypto_secret_key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("jwt-secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut given = cfg(&[("TOWER_DATA_DIR", &data), ("TOWER_CRYPTO_SECRETKEY", "an-operator-chosen-key")]).unwrap();
    given.keep_generated_secrets().unwrap();
    assert_eq!(given.crypto_secret_key.as_deref(), Some("an-operator-chosen-key"));
    let mut mysql = cfg(&[("TOWER_DATA_DIR", &data), ("TOWER_DB_URL", "mysql://u:p@db:3306/tower")]).unwrap();
    mysql.keep_generated_secrets().unwrap();
    assert!(mysql.jwt_secret_generated && mysql.crypto_secret_key.is_none(), "replicas must be given their secrets");
    assert!(cfg(&[("TOWER_CRYPTO_SECRETKEY", "short")]).is_err());
    let _ = std::fs::remove_dir_all(dir);
}
