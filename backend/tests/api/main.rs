//! Integration tests: the real backend on an ephemeral port against a real database, SQLite
//! always and MariaDB/MySQL when TOWER_TEST_MYSQL_URL is set.

mod helpers;

mod actions;
mod audit;
mod auth;
mod cli;
mod compute_envs;
mod credentials;
mod datasets;
mod git_http;
mod launch;
mod live;
mod migrations;
mod outage;
mod pipeline_versions;
mod runs;
mod service;
mod signin;
mod structure;
mod tenancy;
mod tokens;
mod trace;
mod tw;
