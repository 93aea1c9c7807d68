//! Plain types and pure rules of Tower: statuses, the trace protocol's records, progress
//! aggregation, identifiers and time. Nothing here touches the network or the database.

pub mod action;
pub mod audit;
pub mod compute_env;
pub mod credentials;
pub mod crypto;
pub mod dataset;
pub mod email_pattern;
pub mod ids;
pub mod launch;
pub mod names;
pub mod progress;
pub mod search;
pub mod status;
pub mod time;
pub mod trace;
