//! `cargo xtask readme [NAME ...]`: each framework section of README.md, built as the new
//! crate a reader would make from it.
//!
//! A section to check is marked `<!-- readme-check: NAME -->`, followed by a ```` ```toml ````
//! block (the dependency lines, as written for crates.io) and then a ```` ```rust ```` block
//! (the whole `main.rs`). For each one this writes, under `$CARGO_TARGET_DIR/readme-check/NAME/`,
//! a crate of its own (own workspace, edition 2024) with exactly those dependencies, and
//! `[patch.crates-io]` entries pointing the workspace crates it names at this checkout; then
//! runs `cargo check` on it, warnings denied for the snippet. Only that crate's dependencies
//! are resolved and unified, so a feature the README forgets (the adapter's `events`, warp's
//! `server`) fails here although the workspace's own doctests, whose features are unified
//! across every package, compile.
//!
//! The throwaway crate starts from a copy of the workspace's `Cargo.lock` (cargo adds what
//! the snippet needs beyond it), so versions match the workspace's and its builds are reused
//! through the shared target directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::{step, workspace};

/// The sections that must be there: one per framework adapter.
pub const REQUIRED: &[&str] = &["axum", "actix", "warp", "rocket"];

const MARKER_OPEN: &str = "<!-- readme-check:";
const MARKER_CLOSE: &str = "-->";

/// One marked section of the README.
#[derive(Debug, PartialEq, Eq)]
pub struct Snippet {
    pub name: String,
    /// 1-based README line of the first line inside the ```` ```toml ```` block.
    pub toml_line: usize,
    pub toml: String,
    /// 1-based README line of the first line inside the ```` ```rust ```` block.
    pub rust_line: usize,
    /// The code as rustdoc compiles it (hidden `# ` lines included, without the `# `).
    pub rust: String,
}

/// A fenced code block: its info string, first content line (0-based) and content lines.
struct Block<'a> {
    info: &'a str,
    first: usize,
    lines: Vec<&'a str>,
}

/// The fence opening `line`, if it opens one: its info string.
fn fence_info(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix("```").map(str::trim)
}

/// The block whose fence opens at or after `from`, stopping at a marker: `None` if none.
fn next_block<'a>(lines: &[&'a str], from: usize) -> Result<Option<(Block<'a>, usize)>, String> {
    let mut n = from;
    while n < lines.len() {
        let line = lines[n];
        if line.trim_start().starts_with(MARKER_OPEN) {
            return Ok(None);
        }
        if let Some(info) = fence_info(line) {
            let first = n + 1;
            let end = lines[first..]
                .iter()
                .position(|line| line.trim() == "```")
                .map(|offset| first + offset)
                .ok_or_else(|| format!("README.md:{}: code block never closed", n + 1))?;
            let block = Block {
                info,
                first,
                lines: lines[first..end].to_vec(),
            };
            return Ok(Some((block, end + 1)));
        }
        n += 1;
    }
    Ok(None)
}

/// A line of a Rust block as rustdoc compiles it: `# x` and a lone `#` are hidden lines
/// (kept, without the mark); `##` is an escaped `#`.
fn unhide(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed == "#" {
        ""
    } else if let Some(rest) = trimmed.strip_prefix("# ") {
        rest
    } else if trimmed.starts_with("##") {
        &trimmed[1..]
    } else {
        line
    }
}

/// Every marked section of `readme`, in order.
pub fn snippets(readme: &str) -> Result<Vec<Snippet>, String> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut snippets: Vec<Snippet> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix(MARKER_OPEN) else {
            continue;
        };
        let at = format!("README.md:{}", n + 1);
        let name = rest
            .strip_suffix(MARKER_CLOSE)
            .map(str::trim)
            .filter(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
            .ok_or_else(|| {
                format!("{at}: expected `{MARKER_OPEN} NAME {MARKER_CLOSE}`, NAME in a-z, 0-9, -")
            })?;
        if snippets.iter().any(|snippet| snippet.name == name) {
            return Err(format!("{at}: a second `{name}` section"));
        }
        let missing = |what: &str| {
            format!(
                "{at}: the `{name}` section needs a ```toml block, then a ```rust block ({what})"
            )
        };
        let (toml, after) = next_block(&lines, n + 1)?.ok_or_else(|| missing("no toml block"))?;
        if toml.info != "toml" {
            return Err(missing(&format!("found ```{} first", toml.info)));
        }
        let (rust, _) = next_block(&lines, after)?.ok_or_else(|| missing("no rust block"))?;
        if rust.info.split(',').next().map(str::trim) != Some("rust") {
            return Err(missing(&format!("found ```{} after the toml", rust.info)));
        }
        snippets.push(Snippet {
            name: name.to_owned(),
            toml_line: toml.first + 1,
            toml: toml.lines.iter().map(|line| format!("{line}\n")).collect(),
            rust_line: rust.first + 1,
            rust: rust
                .lines
                .iter()
                .map(|line| format!("{}\n", unhide(line)))
                .collect(),
        });
    }
    Ok(snippets)
}

/// The dependency names of a `[dependencies]` block, each with whether its line sets `path`.
fn dependencies(toml: &str) -> Vec<(&str, bool)> {
    toml.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('['))
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let value = value.replace(' ', "");
            Some((key.trim(), value.contains("path=")))
        })
        .collect()
}

/// The throwaway crate's `Cargo.toml`: the snippet's dependencies, the checkout patched in.
fn manifest(snippet: &Snippet, patches: &[(&str, &Path)]) -> String {
    let mut manifest = format!(
        "# Written by `cargo xtask readme` from README.md (`{MARKER_OPEN} {} {MARKER_CLOSE}`).\n\
         [package]\nname = \"readme-check-{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\n\n# Its own workspace, not the checkout's.\n[workspace]\n\n\
         [lints.rust]\nwarnings = \"deny\"\n\n",
        snippet.name, snippet.name
    );
    if !snippet
        .toml
        .lines()
        .any(|line| line.trim() == "[dependencies]")
    {
        manifest.push_str("[dependencies]\n");
    }
    manifest.push_str(&snippet.toml);
    manifest.push_str("\n# This checkout, for the crates of the workspace the snippet names.\n[patch.crates-io]\n");
    for (name, dir) in patches {
        // A TOML literal string: no escapes, so any path without a `'` is written as is.
        let _ = writeln!(manifest, "{name} = {{ path = '{}' }}", dir.display());
    }
    manifest
}

/// Writes `contents` to `path` unless it already holds exactly that (keeps cargo's
/// fingerprints, and so a warm run, untouched).
fn write_if_changed(path: &Path, contents: &[u8]) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|error| format!("{}: {error}", path.display()))
}

/// Writes the throwaway crate of `snippet` under `dir`.
fn write_crate(snippet: &Snippet, dir: &Path, patches: &[(&str, &Path)]) -> Result<(), String> {
    write_if_changed(
        &dir.join("Cargo.toml"),
        manifest(snippet, patches).as_bytes(),
    )?;
    write_if_changed(&dir.join("src").join("main.rs"), snippet.rust.as_bytes())?;
    // The workspace's lock file, again only when it changed since the last copy: in between,
    // cargo keeps the crate's own lock (with what the snippet adds) up to date.
    let lock = step::root().join("Cargo.lock");
    if let Ok(workspace_lock) = std::fs::read(&lock) {
        let copy = dir.join("Cargo.lock.workspace");
        if std::fs::read(&copy).ok().as_ref() != Some(&workspace_lock) {
            write_if_changed(&dir.join("Cargo.lock"), &workspace_lock)?;
            write_if_changed(&copy, &workspace_lock)?;
        }
    }
    Ok(())
}

/// Checks one snippet: its crate written under `dir`, `cargo check`ed.
fn check(snippet: &Snippet, dir: &Path, crates: &[workspace::Package]) -> Result<(), String> {
    let at = format!(
        "README.md:{} (`{}` section)",
        snippet.toml_line, snippet.name
    );
    let mut patches = Vec::new();
    for (name, has_path) in dependencies(&snippet.toml) {
        let Some(package) = crates.iter().find(|package| package.name == name) else {
            continue;
        };
        if has_path {
            return Err(format!(
                "{at}: `{name}` is given by path; the README's dependency lines are version \
                 requirements, as on crates.io"
            ));
        }
        patches.push((package.name.as_str(), package.dir.as_path()));
    }
    if patches.is_empty() {
        return Err(format!(
            "{at}: the dependency lines name no crate of this workspace"
        ));
    }
    write_crate(snippet, dir, &patches)?;

    let mut command = step::cargo_command();
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", step::target_dir())
        .args(["check", "--manifest-path"])
        .arg(dir.join("Cargo.toml"));
    step::run(command).map(drop).map_err(|_| {
        format!(
            "README.md:{}: the `{}` section does not build as a new crate with its dependency \
             lines (README.md:{}); see cargo's output above. The crate is {} (line N of \
             src/main.rs is README.md line {} + N).",
            snippet.rust_line,
            snippet.name,
            snippet.toml_line,
            dir.display(),
            snippet.rust_line - 1
        )
    })
}

pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!(
            "usage: cargo xtask readme [NAME ...]\n\nBuilds each README section marked \
             `{MARKER_OPEN} NAME {MARKER_CLOSE}` (all, or the NAMEs given) as a new crate \
             from its own dependency lines, and `cargo check`s it."
        );
        return Ok(());
    }
    let path = step::root().join("README.md");
    let readme =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let snippets = snippets(&readme)?;
    for required in REQUIRED {
        if !snippets.iter().any(|snippet| snippet.name == *required) {
            return Err(format!(
                "README.md has no `{MARKER_OPEN} {required} {MARKER_CLOSE}` section"
            ));
        }
    }
    for name in args {
        if !snippets.iter().any(|snippet| snippet.name == *name) {
            return Err(format!("README.md has no `{name}` section"));
        }
    }
    let crates = workspace::packages()?;
    let base: PathBuf = step::target_dir().join("readme-check");
    let started = Instant::now();
    let mut checked = 0;
    for snippet in &snippets {
        if !args.is_empty() && !args.contains(&snippet.name) {
            continue;
        }
        println!(
            "xtask readme {}: cargo check as a new crate ...",
            snippet.name
        );
        let one = Instant::now();
        check(snippet, &base.join(&snippet.name), &crates)?;
        println!(
            "xtask readme {}: ok in {}",
            snippet.name,
            step::seconds(one.elapsed())
        );
        checked += 1;
    }
    println!(
        "xtask readme: {checked} section(s) build as new crates, in {}",
        step::seconds(started.elapsed())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "\
# title

<!-- readme-check: axum -->
```toml
[dependencies]
qiscus-webhook-axum = { version = \"0.1\", features = [\"events\"] }
```

Some prose.

```rust,no_run
# use std::error::Error;
fn main() {
    ## not hidden
    #[allow(unused)]
    let x = 1;
}
```

```rust
// not part of any section
```
";

    #[test]
    fn a_section_is_its_toml_block_then_its_rust_block_with_hidden_lines_kept() {
        let snippets = snippets(README).unwrap();
        assert_eq!(
            snippets,
            [Snippet {
                name: "axum".into(),
                toml_line: 5,
                toml: "[dependencies]\nqiscus-webhook-axum = { version = \"0.1\", features = [\"events\"] }\n".into(),
                rust_line: 12,
                rust: "use std::error::Error;\nfn main() {\n# not hidden\n    #[allow(unused)]\n    \
                       let x = 1;\n}\n"
                    .into(),
            }]
        );
    }

    #[test]
    fn a_section_without_both_blocks_in_order_is_an_error() {
        let no_rust = "<!-- readme-check: warp -->\n```toml\n[dependencies]\n```\n";
        assert!(snippets(no_rust).unwrap_err().contains("no rust block"));

        let rust_first = "<!-- readme-check: warp -->\n```rust\nfn main() {}\n```\n";
        assert!(
            snippets(rust_first)
                .unwrap_err()
                .contains("found ```rust first")
        );

        // The next section's marker ends the search: blocks are never borrowed from it.
        let cut = "<!-- readme-check: warp -->\n```toml\n```\n<!-- readme-check: axum -->\n\
                   ```toml\n```\n```rust\n```\n";
        assert!(snippets(cut).unwrap_err().contains("`warp` section"));

        let unclosed = "<!-- readme-check: warp -->\n```toml\n[dependencies]\n";
        assert!(snippets(unclosed).unwrap_err().contains("never closed"));

        let twice = format!("{README}\n{README}");
        assert!(
            snippets(&twice)
                .unwrap_err()
                .contains("a second `axum` section")
        );

        let bad_name = "<!-- readme-check: Axum! -->\n";
        assert!(
            snippets(bad_name)
                .unwrap_err()
                .starts_with("README.md:1: expected")
        );
    }

    #[test]
    fn dependency_lines_are_read_with_whether_they_give_a_path() {
        let toml = "[dependencies]\n# a comment\nqiscus-webhook-axum = { version = \"0.1\" }\n\
                    axum = \"0.8\"\nqiscus-webhook = { path = \"crates/qiscus-webhook\" }\n";
        assert_eq!(
            dependencies(toml),
            [
                ("qiscus-webhook-axum", false),
                ("axum", false),
                ("qiscus-webhook", true)
            ]
        );
    }

    #[test]
    fn the_manifest_patches_the_named_crates_and_denies_warnings() {
        let snippet = &snippets(README).unwrap()[0];
        let dir = Path::new("/checkout/crates/qiscus-webhook-axum");
        let manifest = manifest(snippet, &[("qiscus-webhook-axum", dir)]);
        assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
        assert!(manifest.contains("\nwarnings = \"deny\"\n"), "{manifest}");
        assert_eq!(manifest.matches("[dependencies]").count(), 1, "{manifest}");
        assert!(
            manifest.ends_with(
                "[patch.crates-io]\nqiscus-webhook-axum = { path = '/checkout/crates/qiscus-webhook-axum' }\n"
            ),
            "{manifest}"
        );
    }

    #[test]
    fn the_readme_has_every_framework_section() {
        let readme = std::fs::read_to_string(step::root().join("README.md")).unwrap();
        let snippets = snippets(&readme).unwrap();
        for required in REQUIRED {
            let snippet = snippets.iter().find(|snippet| snippet.name == *required);
            let snippet = snippet.unwrap_or_else(|| panic!("no `{required}` section"));
            assert!(snippet.rust.contains("fn main("), "`{required}`: no main");
        }
    }
}
