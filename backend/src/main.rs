//! `tower-backend`: serves the API, or with `token create` prints a new access token.

use std::process::ExitCode;

use tower_backend::app::{init_tracing, shutdown_signal, Application, SchemaMode};
use tower_backend::config::Config;
use tower_backend::{api, store};

const USAGE: &str = "\
Usage:
  tower-backend                                      serve the API on TOWER_BACKEND_SERVER_PORT (default 8080)
  tower-backend token create --email EMAIL --name N  create the user if needed and print a new access token
  tower-backend openapi                              print the OpenAPI document (YAML)
  tower-backend --version

Configuration comes from TOWER_* environment variables (see README.md).";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["--help" | "-h" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        ["openapi"] => {
            print!("{}", api::openapi_yaml());
            return ExitCode::SUCCESS;
        }
        ["--version" | "-V"] => {
            println!("tower-backend {} ({})", api::service_info::VERSION, api::service_info::COMMIT_ID);
            return ExitCode::SUCCESS;
        }
        [] | ["serve"] | ["token", "create", ..] => {}
        _ => {
            eprintln!("unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tower-backend: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = init_tracing(Some(&config));
    let result = match args.as_slice() {
        ["token", "create", rest @ ..] => token_create(config, rest).await,
        _ => serve(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tower-backend: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config, SchemaMode::Check).await?;
    app.run_until(shutdown_signal()).await
}

/// Prints only the token on stdout, so scripts can capture it.
async fn token_create(config: Config, args: &[&str]) -> anyhow::Result<()> {
    let (mut email, mut name) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--email" => email = it.next().copied(),
            "--name" => name = it.next().copied(),
            other => anyhow::bail!("unknown option {other}\n\n{USAGE}"),
        }
    }
    let email = email.ok_or_else(|| anyhow::anyhow!("--email is required\n\n{USAGE}"))?;
    let name = name.ok_or_else(|| anyhow::anyhow!("--name is required\n\n{USAGE}"))?;
    if !tower_backend::domain::email_pattern::is_email(email) {
        anyhow::bail!("'{email}' is not an e-mail address");
    }
    let db = store::Db::connect(&config.db).await?;
    store::migrate::check_schema(&db).await?;
    let user = store::user::ensure(&db, email).await?;
    let (_, access_key) = api::token::create_token(&db, user.id, name).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{access_key}");
    db.close().await;
    Ok(())
}
