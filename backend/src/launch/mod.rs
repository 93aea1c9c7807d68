//! The launch side: where the Nextflow head job runs. Pre-flight checks of compute environments
//! (`checks`), scripts on a cluster over SSH (`ssh`) and the Kubernetes API (`k8s`). Uses the
//! store, the domain rules and the keyring; never `api/` or `state.rs`.

pub mod action;
pub mod checks;
pub mod create;
pub mod k8s;
pub mod reconcile;
pub mod repo;
pub mod ssh;
pub mod submit;

/// The last line of a program's output that says something (its error, as a rule).
fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rev().find(|l| !l.is_empty())
}

/// An event of the launch side in the audit log (a launch opening stored secrets, a schedule
/// firing): written or, if it cannot be, a warning; never a reason to stop.
async fn audit(db: &crate::store::Db, event: crate::store::audit::NewEvent<'_>) {
    if let Err(e) = crate::store::audit::record(db, &event, crate::domain::time::now_millis()).await {
        tracing::warn!(error = %e, event = event.event, "cannot write an audit log event");
    }
}
