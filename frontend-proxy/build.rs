//! Puts the web app inside the binary.
//!
//! When the app's sources (`web/`) changed since `web/dist` was built and npm is on PATH, this
//! runs `npm ci` (only when `package-lock.json` is newer than `node_modules`) and `npm run build`.
//! Then every file of `web/dist` is embedded: files with precompressed siblings only as their
//! `.br` and `.gz` (the plain bytes are unzipped at startup), the others as they are. Without npm
//! the build still succeeds: an existing `web/dist` is embedded (Docker builds copy one in), or
//! none, and the binary then serves its "not built" page. A hash of the sources, written beside
//! the build, says whether `web/dist` is current, so each cargo profile does not rebuild it.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// What the built app depends on, relative to `web/`.
const SOURCES: &[&str] =
    &["src", "public", "scripts", "index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];
/// Written into `web/dist` after a build: the hash of [`SOURCES`] it was built from.
const STAMP: &str = ".sources-hash";

fn main() {
    let web = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("web");
    for source in SOURCES {
        println!("cargo:rerun-if-changed=web/{source}");
    }
    println!("cargo:rerun-if-env-changed=TOWER_WEB_BUILD");
    let dist = web.join("dist");

    let hash = sources_hash(&web);
    let current = fs::read_to_string(dist.join(STAMP)).is_ok_and(|stamp| stamp.trim() == hash);
    if !current && env::var("TOWER_WEB_BUILD").as_deref() != Ok("0") {
        match build(&web) {
            Ok(()) => fs::write(dist.join(STAMP), &hash).expect("write web/dist/.sources-hash"),
            Err(why) if dist.join("index.html").is_file() => {
                println!("cargo:warning=web app not rebuilt ({why}); embedding the existing frontend-proxy/web/dist")
            }
            Err(why) => println!(
                "cargo:warning=web app not built ({why}): the binary will serve a 'not built' page. \
                 Install Node.js and npm (Debian: nodejs npm) and build again."
            ),
        }
    }

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("web_app.rs");
    fs::write(out, generate(&dist, &files)).expect("write web_app.rs");
}

/// Runs npm; the reason it could not, if it could not.
fn build(web: &Path) -> Result<(), String> {
    let npm = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("npm").args(args).current_dir(web).status().map_err(|e| format!("npm: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`npm {}` failed with {status}", args.join(" ")))
        }
    };
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    if installed.is_none() || installed < modified(&web.join("package-lock.json")) {
        npm(&["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    npm(&["run", "--silent", "build"])
}

/// A hash over the names and contents of the source files.
fn sources_hash(web: &Path) -> String {
    let mut files = Vec::new();
    for source in SOURCES {
        let path = web.join(source);
        if path.is_dir() {
            collect(web, &path, &mut files);
        } else if path.is_file() {
            files.push(source.to_string());
        }
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        fs::read(web.join(&file)).unwrap_or_default().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// The files under `dir`, as `/`-separated paths relative to `root`.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// `static FILES: &[EmbeddedFile]`, one entry per served file, its variants included.
fn generate(dist: &Path, files: &[String]) -> String {
    let has = |name: &str| files.iter().any(|f| f == name);
    let include = |name: &str| format!("include_bytes!({:?})", dist.join(name).display().to_string());
    let mut code = String::from("pub static FILES: &[EmbeddedFile] = &[\n");
    for file in files {
        let variant = file.ends_with(".br") || file.ends_with(".gz");
        if variant || file.starts_with('.') || file.contains("/.") {
            continue;
        }
        let (gz, br) = (format!("{file}.gz"), format!("{file}.br"));
        let mut hasher = DefaultHasher::new();
        fs::read(dist.join(file)).expect("read a file of web/dist").hash(&mut hasher);
        let raw = if has(&gz) { "b\"\"".to_owned() } else { include(file) };
        let gzip = if has(&gz) { include(&gz) } else { "b\"\"".to_owned() };
        let brotli = if has(&gz) && has(&br) { include(&br) } else { "b\"\"".to_owned() };
        writeln!(
            code,
            "    EmbeddedFile {{ path: {file:?}, hash: \"{:016x}\", raw: {raw}, gzip: {gzip}, br: {brotli} }},",
            hasher.finish()
        )
        .expect("write to a String");
    }
    code.push_str("];\n");
    code
}
