#![recursion_limit = "256"]
//! Tower backend: the REST API, Nextflow trace ingestion and persistence, as a library so the
//! cron service, the all-in-one command and the tests share one implementation. The layers and
//! which may import which: `docs/architecture.md`.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod domain;
pub mod error;
pub mod launch;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod state;
pub mod store;
