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
