//! The SQL migrations are embedded at compile time (refinery's `embed_migrations!`): rebuild when
//! a migration is added or changed, not only when Rust code changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=../migrations/mysql");
    println!("cargo:rerun-if-changed=../migrations/sqlite");
}
