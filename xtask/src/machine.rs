//! What a benchmark says about the machine it ran on, and how it rewrites its own section of
//! BENCHMARKS.md: shared by `bench gateway` and `bench receivers`.

use std::process::Command;

/// The first line `program args` prints (stdout, else stderr), trimmed; `"<program>: not
/// found"` when it cannot be run.
pub fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|output| {
            let out = if output.stdout.is_empty() {
                output.stderr
            } else {
                output.stdout
            };
            String::from_utf8_lossy(&out)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|_| format!("{program}: not found"))
}

/// The CPU's model name, from /proc/cpuinfo.
pub fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown CPU".to_owned(),
            |(_, model)| model.trim().to_owned(),
        )
}

/// The first word of a /proc file (the kernel release, the 1-minute load average).
pub fn first_word(path: &str) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

/// How many CPUs this process may use.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// wrk's name and version (`wrk debian/4.1.0-3+b2`).
pub fn wrk_version() -> String {
    first_line("wrk", &["-v"])
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `doc` with the section that starts at `heading` (a `## ` line, up to the next `## `
/// heading) replaced by `section`, or `section` appended when there is none.
pub fn replace_section(doc: &str, heading: &str, section: &str) -> String {
    let section = section.trim_end();
    let start = doc
        .match_indices(heading)
        .find(|(at, _)| *at == 0 || doc[..*at].ends_with('\n'))
        .map(|(at, _)| at);
    let Some(start) = start else {
        return format!("{}\n\n{section}\n", doc.trim_end());
    };
    let after = start + heading.len();
    let end = doc[after..]
        .find("\n## ")
        .map_or(doc.len(), |offset| after + offset + 1);
    match &doc[end..] {
        "" => format!("{}{section}\n", &doc[..start]),
        rest => format!("{}{section}\n\n{rest}", &doc[..start]),
    }
}
