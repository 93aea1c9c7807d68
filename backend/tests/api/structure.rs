//! The backend's layers, as `docs/architecture.md` draws them: the import graph between the
//! top-level modules of `backend/src` has no cycle, only the composition root (`main.rs`,
//! `app.rs`), `state.rs` and `api/` name the application state, and no source file grows past
//! what one can read in a sitting.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `api/org/teams.rs` -> `api`; `config/mod.rs` -> `config`; `error.rs` -> `error`.
fn top_module(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a file names through `crate::`, including grouped imports such as
/// `use crate::{auth::Caller, store};`.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `tower_backend_crate::`, not ours
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        at_start = true;
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && at_start {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.insert(std::mem::take(&mut item));
                        at_start = false;
                    }
                }
            }
            if at_start && !item.is_empty() {
                out.insert(item);
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn strip_line_comments(text: &str) -> String {
    text.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n")
}

struct Tree {
    /// module -> (module it names -> a file that does)
    edges: BTreeMap<String, BTreeMap<String, String>>,
    files: Vec<(String, String)>,
}

fn read_tree() -> Tree {
    let root = src();
    let mut paths = Vec::new();
    sources(&root, &mut paths);
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut files = Vec::new();
    for path in paths {
        let relative = path.strip_prefix(&root).unwrap().to_path_buf();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = relative.to_string_lossy().to_string();
        let module = top_module(&relative);
        if module != "main" && module != "lib" {
            for target in crate_references(&strip_line_comments(&text)) {
                if target != module {
                    edges.entry(module.clone()).or_default().entry(target).or_insert_with(|| name.clone());
                }
            }
        }
        files.push((name, text));
    }
    Tree { edges, files }
}

/// A cycle in the graph, as the list of modules along it, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let tree = read_tree();
    if let Some(cycle) = find_cycle(&tree.edges) {
        let steps: Vec<String> = cycle.windows(2).map(|w| format!("{} -> {} (in {})", w[0], w[1], tree.edges[&w[0]][&w[1]])).collect();
        panic!("import cycle between backend modules:\n  {}", steps.join("\n  "));
    }
    // The graph is read for real: the layers we know of are in it.
    assert!(tree.edges["api"].contains_key("store") && tree.edges["store"].contains_key("domain"));
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (a, b) in [("api", "auth"), ("auth", "store"), ("store", "domain"), ("domain", "api")] {
        edges.entry(a.into()).or_default().insert(b.into(), String::new());
    }
    assert_eq!(find_cycle(&edges).unwrap(), ["api", "auth", "store", "domain", "api"]);
    edges.get_mut("domain").unwrap().clear();
    assert_eq!(find_cycle(&edges), None);
    assert_eq!(
        crate_references("use crate::{auth::{self, Caller}, store};\nlet x = crate::domain::time::now();"),
        ["auth", "domain", "store"].into_iter().map(String::from).collect()
    );
}

#[test]
fn only_the_composition_root_and_the_api_name_the_application_state() {
    let tree = read_tree();
    let allowed = |f: &str| f == "main.rs" || f == "app.rs" || f == "state.rs" || f.starts_with("api/") || f.starts_with("api\\");
    let offenders: Vec<&str> =
        tree.files.iter().filter(|(f, text)| !allowed(f) && text.contains("AppState")).map(|(f, _)| f.as_str()).collect();
    assert!(offenders.is_empty(), "these files name AppState, which belongs to api/: {offenders:?}");
}

#[test]
fn no_source_file_is_too_long_to_read_in_one_sitting() {
    let tree = read_tree();
    let long: Vec<String> = tree
        .files
        .iter()
        .map(|(f, text)| (f, text.lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{f}: {n} lines"))
        .collect();
    assert!(long.is_empty(), "split these files (at most {MAX_LINES} lines): {long:?}");
}
