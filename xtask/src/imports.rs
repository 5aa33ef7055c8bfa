//! The core's modules import each other without a circle (issue 12: `verification.rs` and
//! `verifier.rs` once imported each other). A test, run by `cargo xtask ci`'s tests step.
//!
//! A module of `crates/qiscus-webhook/src` is a top-level file or folder (`events/` is one
//! module). An edge is any `crate::` path in its code (comments left out, so doc links do not
//! count): `crate::mac::key`, `crate::{Error, mac::{self, key}}`; a name the root re-exports
//! (`crate::Verifier`) is an edge to the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Module name -> the modules it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The root's `pub use module::{A, B};` lines: re-exported name -> its module.
fn re_exports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    // Statements, not lines: rustfmt wraps a long `pub use` list over several.
    let code: Vec<&str> = code_lines(lib).collect();
    for statement in code.join("\n").split(';') {
        // After any attribute (`#[cfg(feature = "std")]`) on the lines before it.
        let Some(rest) = statement
            .find("pub use ")
            .map(|at| &statement[at + "pub use ".len()..])
        else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        for item in top_level(items.trim().trim_start_matches('{').trim_end_matches('}')) {
            names.insert(first_name(item), module.to_owned());
        }
    }
    names
}

/// The lines of `source` that are code: `//` and `///` comments dropped.
fn code_lines(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
}

/// The leading identifier of a path item (`mac::{self, key}` -> `mac`, `Error` -> `Error`).
fn first_name(item: &str) -> String {
    item.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// `a, b::{c, d}, e` split at its top-level commas.
fn top_level(list: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (at, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&list[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items.retain(|item| !item.trim().is_empty());
    items
}

/// The first names of every `crate::` path in `code`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1usize;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(end, _)| end);
            names.extend(top_level(&group[..end]).into_iter().map(first_name));
        } else {
            names.push(first_name(rest));
        }
    }
    names
}

/// The graph of the modules in `files` (path relative to `src/`, source), `lib.rs` giving the
/// re-exports.
fn graph(files: &[(String, String)]) -> Graph {
    let lib = files
        .iter()
        .find(|(path, _)| path == "lib.rs")
        .map_or("", |(_, source)| source.as_str());
    let exported = re_exports(lib);
    let mut graph = Graph::new();
    for (path, source) in files.iter().filter(|(path, _)| path != "lib.rs") {
        let module = path
            .split('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".rs")
            .to_owned();
        let code: Vec<&str> = code_lines(source).collect();
        let uses = graph.entry(module.clone()).or_default();
        for name in crate_paths(&code.join("\n")) {
            let target = exported.get(&name).cloned().unwrap_or(name);
            if target != module && !target.is_empty() {
                uses.insert(target);
            }
        }
    }
    graph
}

/// A circle of `graph`, as the modules along it (first = last), if there is one.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut found = path[at..].to_vec();
            found.push(module.to_owned());
            return Some(found);
        }
        if !done.insert(module.to_owned()) {
            return None;
        }
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(found) = visit(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(graph, module, &mut Vec::new(), &mut done))
}

/// Every `.rs` file below `dir`, as (path relative to `dir`, source).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("a readable source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(dir).expect("below dir");
                let name = relative.to_string_lossy().replace('\\', "/");
                files.push((name, fs::read_to_string(&path).expect("a UTF-8 source")));
            }
        }
    }
    files
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(path, source)| ((*path).to_owned(), (*source).to_owned()))
        .collect()
}

#[test]
fn the_core_has_no_import_circle() {
    let src = crate::step::root().join("crates/qiscus-webhook/src");
    let graph = graph(&sources(&src));
    // The scan must see the core's real edges, or finding no circle would prove nothing.
    assert!(graph["verifier"].contains("verification"), "{graph:?}");
    assert!(graph["verification"].contains("mac"), "{graph:?}");
    assert!(graph["drive"].contains("verification"), "{graph:?}");
    // `Rejection` is re-exported under `#[cfg(feature = "std")]`: still mapped to its module.
    assert!(graph["drive"].contains("rejection"), "{graph:?}");
    assert!(!graph["drive"].contains("Rejection"), "{graph:?}");
    assert_eq!(circle(&graph), None, "{graph:?}");
}

#[test]
fn a_circle_through_a_re_export_is_found() {
    // The circle this test exists for: `verification` took `MAX_TOKENS` from `verifier`
    // through the root, and `verifier` builds a `Verification`.
    let tree = files(&[
        (
            "lib.rs",
            "mod verifier;\npub use verifier::{\n    MAX_TOKENS,\n    Verifier,\n};\npub use verification::Verification;",
        ),
        (
            "verifier.rs",
            "use crate::{Error, Verification};\npub const MAX_TOKENS: usize = 4;",
        ),
        (
            "verification.rs",
            "use crate::{MAX_TOKENS, mac::{self, key}};",
        ),
        (
            "mac.rs",
            "/// Uses [`crate::Verifier`] in a doc link only.\n",
        ),
    ]);
    let graph = graph(&tree);
    assert_eq!(
        graph["verification"],
        BTreeSet::from(["mac".to_owned(), "verifier".to_owned()])
    );
    assert!(graph["mac"].is_empty(), "a doc link is not an import");
    let found = circle(&graph).expect("the circle");
    assert_eq!(found.first(), found.last());
    assert!(found.contains(&"verifier".to_owned()) && found.contains(&"verification".to_owned()));
}

#[test]
fn submodules_belong_to_their_folder_and_nested_groups_are_read() {
    let tree = files(&[
        ("lib.rs", "pub use error::Error;"),
        (
            "events/time.rs",
            "use crate::{events::Event, error::{self}, Error};",
        ),
        ("events/mod.rs", "use crate::mac::key;"),
        ("error.rs", ""),
    ]);
    let graph = graph(&tree);
    assert_eq!(
        graph["events"],
        BTreeSet::from(["error".to_owned(), "mac".to_owned()])
    );
    assert_eq!(circle(&graph), None);
}
