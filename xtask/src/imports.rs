//! The core's modules import each other without a circle (issue 12: `verification.rs` and
//! `verifier.rs` once imported each other). A test, run by `cargo xtask ci`'s tests step.
//!
//! A module of `crates/qiscus-webhook/src` is a top-level file or folder (`events/` is one
//! module). An edge is any path in its code that leaves it: `crate::mac::key`,
//! `use crate::{Error, mac::{self, key}}`, or `super::` out of a top-level file; a name the
//! root re-exports (`crate::Verifier`) is an edge to the module it comes from. The files are
//! parsed with `syn`, so comments, doc links and strings never count.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use syn::visit::{self, Visit};
use syn::{Item, UseTree};

/// Module name -> the modules it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The first segment (after the root) of every path each leaf of `tree` names, with `prefix`
/// the segments before it: `mac::{self, key}` -> `mac`, `mac`.
fn use_leaves(tree: &UseTree, prefix: &mut Vec<String>, leaves: &mut Vec<(Vec<String>, String)>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_leaves(&path.tree, prefix, leaves);
            prefix.pop();
        }
        UseTree::Group(group) => {
            for tree in &group.items {
                use_leaves(tree, prefix, leaves);
            }
        }
        UseTree::Name(name) => leaves.push((prefix.clone(), name.ident.to_string())),
        UseTree::Rename(rename) => leaves.push((prefix.clone(), rename.rename.to_string())),
        UseTree::Glob(_) => leaves.push((prefix.clone(), "*".to_owned())),
    }
}

/// The root's `pub use module::{A, B};`: re-exported name -> its module.
fn re_exports(lib: &syn::File) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in &lib.items {
        let Item::Use(used) = item else { continue };
        let mut leaves = Vec::new();
        use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
        for (path, name) in leaves {
            if let Some(module) = path.first() {
                names.insert(name, module.clone());
            }
        }
    }
    names
}

/// Collects, for one file, the crate-absolute paths it names (as segment lists).
struct Paths {
    /// Where the visitor stands: the file's module path plus the inline `mod`s it is in.
    at: Vec<String>,
    found: Vec<Vec<String>>,
}

impl Paths {
    /// `segments` made crate-absolute, if it starts with `crate`, `super` or `self`.
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut base = self.at.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("super" | "self") => {
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        "super" => drop(base.pop()),
                        "self" => {}
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            _ => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn record(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.found.push(path);
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        self.at.push(module.ident.to_string());
        visit::visit_item_mod(self, module);
        self.at.pop();
    }

    fn visit_item_use(&mut self, used: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&used.tree, &mut Vec::new(), &mut leaves);
        for (mut path, name) in leaves {
            if name != "self" && name != "*" {
                path.push(name);
            }
            self.record(&path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.record(&segments);
        visit::visit_path(self, path);
    }
}

/// The graph of the modules in `files` (path relative to `src/`, source), `lib.rs` giving the
/// re-exports.
fn graph(files: &[(String, String)]) -> Graph {
    let parse = |path: &str, source: &str| {
        syn::parse_file(source).unwrap_or_else(|error| panic!("{path}: {error}"))
    };
    let exported = files
        .iter()
        .find(|(path, _)| path == "lib.rs")
        .map(|(path, source)| re_exports(&parse(path, source)))
        .unwrap_or_default();
    let mut graph = Graph::new();
    for (path, source) in files.iter().filter(|(path, _)| path != "lib.rs") {
        let mut at: Vec<String> = path
            .trim_end_matches(".rs")
            .split('/')
            .map(str::to_owned)
            .collect();
        if at.last().is_some_and(|last| last == "mod") {
            at.pop();
        }
        let module = at[0].clone();
        let mut paths = Paths {
            at,
            found: Vec::new(),
        };
        paths.visit_file(&parse(path, source));
        let uses = graph.entry(module.clone()).or_default();
        for found in paths.found {
            let Some(first) = found.first() else { continue };
            let target = exported.get(first).unwrap_or(first);
            if *target != module {
                uses.insert(target.clone());
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

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
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
            "mod verifier;\n#[cfg(all())]\npub use verifier::{\n    MAX_TOKENS,\n    Verifier,\n};\npub use verification::Verification;",
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
            "/// Uses [`crate::Verifier`] in a doc link only.\n\
             const A: &str = \"crate::verifier\"; /* crate::verifier */ // crate::verifier\n",
        ),
    ]);
    let graph = graph(&tree);
    assert_eq!(graph["verification"], set(&["mac", "verifier"]));
    assert!(
        graph["mac"].is_empty(),
        "comments and strings are not imports"
    );
    let found = circle(&graph).expect("the circle");
    assert_eq!(found.first(), found.last());
    assert!(found.contains(&"verifier".to_owned()) && found.contains(&"verification".to_owned()));
}

#[test]
fn super_out_of_a_top_level_file_is_the_root_and_inline_modules_stay_inside() {
    let tree = files(&[
        ("lib.rs", "pub use verifier::{MAX_TOKENS, Verifier};"),
        // `super` of a top-level file is the crate root; in its inline module, the file.
        (
            "verification.rs",
            "use super::MAX_TOKENS;\nmod tests { use super::*; fn f() { super::helper(); } }",
        ),
        (
            "verifier.rs",
            "fn f() -> crate::verification::Verification { todo!() }",
        ),
    ]);
    let graph = graph(&tree);
    assert_eq!(graph["verification"], set(&["verifier"]));
    assert_eq!(graph["verifier"], set(&["verification"]));
    assert!(circle(&graph).is_some());
}

#[test]
fn submodules_belong_to_their_folder_and_nested_groups_are_read() {
    let tree = files(&[
        ("lib.rs", "pub use error::Error;"),
        (
            "events/time.rs",
            "use crate::{events::Event, error::{self}, Error};\nuse super::room::Room;\nfn f() { super::super::mac::key(); }",
        ),
        (
            "events/mod.rs",
            "use crate::mac::key;\nuse self::time::Time;",
        ),
        ("error.rs", ""),
    ]);
    let graph = graph(&tree);
    assert_eq!(graph["events"], set(&["error", "mac"]));
    assert_eq!(circle(&graph), None);
}
