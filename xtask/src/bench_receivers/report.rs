//! The results: one table (terminal and BENCHMARKS.md), the ratios, the machine.

use std::fmt::Write as _;
use std::time::Duration;

use super::load::Measured;

/// The body sizes, in bytes, each a column group.
pub const SIZES: [usize; 2] = [256, 2048];

/// How a size reads: `256 B`, `2 KiB`.
pub fn size_label(size: usize) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// Which route of a receiver a row measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /webhook`: verified.
    Verified,
    /// `POST /unverified`: the same handler without verification.
    Unverified,
}

impl Route {
    pub const fn path(self) -> &'static str {
        match self {
            Self::Verified => "/webhook",
            Self::Unverified => "/unverified",
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Unverified => "unverified",
        }
    }
}

/// One receiver's route, measured at each of [`SIZES`].
#[derive(Debug, Clone)]
pub struct Row {
    /// The receiver, e.g. `axum` or `Express (Node)`.
    pub receiver: &'static str,
    /// Ours (an example or the gateway) or a reference peer.
    pub ours: bool,
    pub route: Route,
    /// What its unverified row is (`unverified`; the gateway's: `upstream alone`).
    pub unverified: &'static str,
    /// Per size, in the order of [`SIZES`]: the median of the rounds.
    pub measured: [Measured; 2],
    /// Per size, each round's req/s, in round order (for the paired ratios).
    pub rates: [Vec<f64>; 2],
}

impl Row {
    /// `axum` for a verified row, `axum (unverified)` for the other.
    pub fn label(&self) -> String {
        match self.route {
            Route::Verified => self.receiver.to_owned(),
            Route::Unverified => format!("{} ({})", self.receiver, self.unverified),
        }
    }

    /// The route column: `verified`, or what the unverified row is.
    pub fn route_name(&self) -> &'static str {
        match self.route {
            Route::Verified => "verified",
            Route::Unverified => self.unverified,
        }
    }
}

/// The receiver every row is compared with.
pub const REFERENCE: &str = "axum";

fn find<'a>(rows: &'a [Row], receiver: &str, route: Route) -> Option<&'a Row> {
    rows.iter()
        .find(|row| row.receiver == receiver && row.route == route)
}

/// `a / b` of two rates, when `b` is not zero.
fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// `f` of two rows' req/s at size `n`, paired by round (round `r` of `a` with round `r` of
/// `b`, measured close in time), then the median over the rounds: a neighbour that slows one
/// round down slows both sides of that round's pair. From the medians when the rows do not
/// have the same rounds.
fn paired(a: &Row, b: &Row, n: usize, f: impl Fn(f64, f64) -> Option<f64>) -> Option<f64> {
    let (ra, rb) = (&a.rates[n], &b.rates[n]);
    if ra.is_empty() || ra.len() != rb.len() {
        return f(a.measured[n].rate(), b.measured[n].rate());
    }
    let mut values: Vec<f64> = ra.iter().zip(rb).filter_map(|(&x, &y)| f(x, y)).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// `41,230`.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (n, digit) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `0.74 ms`, `12.3 ms`.
pub fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn shown(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.2}"))
}

/// The main table, Markdown: a row per receiver and route, per size its req/s, p50, p99 and
/// req/s as a ratio to axum (verified) at that size.
pub fn table(rows: &[Row]) -> String {
    let reference = find(rows, REFERENCE, Route::Verified);
    let mut out = String::from("| receiver | route |");
    let mut rule = String::from("|---|---|");
    for size in SIZES {
        let size = size_label(size);
        let _ = write!(out, " {size} req/s | p50 | p99 | vs axum |");
        rule.push_str("---:|---:|---:|---:|");
    }
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    for row in rows {
        let escaped = row.receiver.replace('*', "\\*");
        let name = if row.ours {
            format!("**{escaped}**")
        } else {
            escaped
        };
        let _ = write!(out, "| {name} | {} |", row.route_name());
        for (n, measured) in row.measured.iter().enumerate() {
            let versus = reference.and_then(|r| paired(row, r, n, ratio));
            let _ = write!(
                out,
                " {} | {} | {} | {} |",
                thousands(measured.rate()),
                millis(measured.p50),
                millis(measured.p99),
                shown(versus)
            );
        }
        out.push('\n');
    }
    out
}

/// What verifying costs on each framework (verified / unverified req/s, and the CPU time it
/// adds per request, 1/verified - 1/unverified), then each of ours against each peer.
pub fn ratios(rows: &[Row]) -> String {
    let mut out = String::from(
        "Verification on each framework: req/s verified / unverified (1.00 = free), and what it \
         adds per request on the receiver's one core (1/verified - 1/unverified):\n\n| framework |",
    );
    let mut rule = String::from("|---|");
    for size in SIZES {
        let _ = write!(out, " {0} ratio | {0} added |", size_label(size));
        rule.push_str("---:|---:|");
    }
    let _ = write!(out, "\n{rule}\n");
    for verified in rows.iter().filter(|row| row.route == Route::Verified) {
        let Some(unverified) = find(rows, verified.receiver, Route::Unverified) else {
            continue;
        };
        let _ = write!(out, "| {} |", verified.receiver);
        for n in 0..SIZES.len() {
            let added = paired(verified, unverified, n, |v, u| {
                (v > 0.0 && u > 0.0).then(|| (1.0 / v - 1.0 / u) * 1e6)
            });
            let added = added.map_or_else(|| "-".to_owned(), |us| format!("{us:+.1} µs"));
            let _ = write!(
                out,
                " {} | {added} |",
                shown(paired(verified, unverified, n, ratio))
            );
        }
        out.push('\n');
    }
    let peers: Vec<&Row> = rows
        .iter()
        .filter(|row| !row.ours && row.route == Route::Verified)
        .collect();
    if peers.is_empty() {
        return out;
    }
    out.push_str("\nOurs against each peer, both verifying: req/s ours / theirs (above 1: ours is faster):\n\n| ours |");
    let mut rule = String::from("|---|");
    for peer in &peers {
        for size in SIZES {
            let _ = write!(out, " / {} {} |", peer.receiver, size_label(size));
            rule.push_str("---:|");
        }
    }
    let _ = write!(out, "\n{rule}\n");
    for ours in rows
        .iter()
        .filter(|row| row.ours && row.route == Route::Verified)
    {
        let _ = write!(out, "| {} |", ours.receiver);
        for peer in &peers {
            for n in 0..SIZES.len() {
                let r = paired(ours, peer, n, ratio);
                let _ = write!(out, " {} |", shown(r));
            }
        }
        out.push('\n');
    }
    out
}

/// `text` (Markdown) with its prose lines wrapped at `width` columns, at spaces: tables,
/// headings, images and fenced code stay as they are; a list item's continuation lines are
/// indented by two spaces.
pub fn wrap_markdown(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        let keep = fenced
            || line.len() <= width
            || line.starts_with('|')
            || line.starts_with('#')
            || line.starts_with("![");
        if keep {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = if line.starts_with("- ") { "  " } else { "" };
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > width {
                out.push_str(&current);
                out.push('\n');
                current = indent.to_owned();
            } else if !current.is_empty() && current != indent {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// The section's heading in BENCHMARKS.md.
pub const HEADING: &str = "## Receivers side by side";

/// `doc` with the section that starts at [`HEADING`] (up to the next `## ` heading) replaced
/// by `section`, or `section` appended when there is none.
pub fn replace_section(doc: &str, section: &str) -> String {
    crate::machine::replace_section(doc, HEADING, section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(rate: u64, p99_us: u64) -> Measured {
        Measured {
            requests: rate * 10,
            seconds: 10.0,
            p50: Duration::from_micros(p99_us / 2),
            p99: Duration::from_micros(p99_us),
            connect_errors: 0,
            io_errors: 0,
            timeouts: 0,
            non_2xx: 0,
            checked: 0,
            bad: 0,
        }
    }

    fn rows() -> Vec<Row> {
        let row = |receiver, ours, route, a, b| Row {
            receiver,
            ours,
            route,
            unverified: "unverified",
            measured: [measured(a, 1000), measured(b, 2000)],
            rates: [vec![a as f64], vec![b as f64]],
        };
        vec![
            row("axum", true, Route::Verified, 40_000, 20_000),
            row("axum", true, Route::Unverified, 50_000, 40_000),
            row("Express (Node)", false, Route::Verified, 10_000, 8_000),
        ]
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(41_230.4), "41,230");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(millis(Duration::from_micros(742)), "0.74 ms");
        assert_eq!(millis(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(size_label(256), "256 B");
        assert_eq!(size_label(2048), "2 KiB");
    }

    #[test]
    fn every_row_is_compared_with_axum_verified_at_its_size() {
        let table = table(&rows());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(
            lines[0].starts_with("| receiver | route | 256 B req/s |"),
            "{table}"
        );
        assert_eq!(
            lines[2],
            "| **axum** | verified | 40,000 | 0.50 ms | 1.00 ms | 1.00 | 20,000 | 1.00 ms | 2.00 ms | 1.00 |"
        );
        assert!(
            lines[3].ends_with("| 1.25 | 40,000 | 1.00 ms | 2.00 ms | 2.00 |"),
            "{table}"
        );
        assert!(
            lines[4].starts_with("| Express (Node) | verified | 10,000 |"),
            "{table}"
        );
        assert!(
            lines[4].contains("| 0.25 |") && lines[4].ends_with("| 0.40 |"),
            "{table}"
        );
    }

    #[test]
    fn the_ratios_are_verified_over_unverified_and_ours_over_each_peer() {
        let ratios = ratios(&rows());
        // 40k/50k = 0.80, 1/40k - 1/50k = 5 µs; 20k/40k = 0.50, 1/20k - 1/40k = 25 µs.
        assert!(
            ratios.contains("| axum | 0.80 | +5.0 µs | 0.50 | +25.0 µs |"),
            "{ratios}"
        );
        assert!(
            ratios.contains("| ours | / Express (Node) 256 B | / Express (Node) 2 KiB |"),
            "{ratios}"
        );
        assert!(ratios.contains("| axum | 4.00 | 2.50 |"), "{ratios}");
        // Express has no unverified row here: no line in the first table.
        assert_eq!(ratios.matches("| Express (Node) |").count(), 0, "{ratios}");
    }

    #[test]
    fn ratios_pair_the_rounds_before_taking_the_median() {
        let row = |rates: [f64; 3]| Row {
            receiver: "r",
            ours: true,
            route: Route::Verified,
            unverified: "unverified",
            measured: [measured(rates[1] as u64, 1000), measured(1, 1000)],
            rates: [rates.to_vec(), vec![1.0; 3]],
        };
        // Round 2 was slow for both: paired, the ratio is 2 in every round; the ratio of the
        // medians (20k / 12k) would not be.
        let verified = row([20_000.0, 10_000.0, 22_000.0]);
        let unverified = row([10_000.0, 5_000.0, 11_000.0]);
        assert_eq!(paired(&verified, &unverified, 0, ratio), Some(2.0));
        // Rounds that do not pair up: the medians.
        let mut one = row([12_000.0, 10_000.0, 0.0]);
        one.rates[0].truncate(1);
        // 10k (its median) / 5k (the unverified row's).
        assert_eq!(paired(&one, &unverified, 0, ratio), Some(2.0));
    }

    #[test]
    fn prose_is_wrapped_and_everything_else_kept() {
        let text = "# A heading that is long enough to be wrapped if it were prose at all\n\
                    one two three four five six seven\n\
                    - item one two three four five\n\
                    | a table row that is longer than the width | x |\n\
                    ```sh\ncargo xtask bench receivers --and --many --options\n```\n";
        let wrapped = wrap_markdown(text, 16);
        assert_eq!(
            wrapped,
            "# A heading that is long enough to be wrapped if it were prose at all\n\
             one two three\nfour five six\nseven\n\
             - item one two\n  three four\n  five\n\
             | a table row that is longer than the width | x |\n\
             ```sh\ncargo xtask bench receivers --and --many --options\n```\n"
        );
        for line in wrapped
            .lines()
            .filter(|line| !line.starts_with(['#', '|', 'c']))
        {
            assert!(line.len() <= 16, "{line:?}");
        }
    }

    #[test]
    fn the_section_is_replaced_in_place_or_appended() {
        let fresh = format!("{HEADING}\n\nnew\n");
        let appended = replace_section("# Benchmarks\n\n## Core\n\ncore\n", &fresh);
        assert_eq!(
            appended,
            format!("# Benchmarks\n\n## Core\n\ncore\n\n{HEADING}\n\nnew\n")
        );

        let middle = format!("# B\n\n{HEADING}\n\nold\n\n## Next\n\nnext\n");
        assert_eq!(
            replace_section(&middle, &fresh),
            format!("# B\n\n{HEADING}\n\nnew\n\n## Next\n\nnext\n")
        );
        let last = format!("# B\n\n{HEADING}\n\nold\nold\n");
        assert_eq!(
            replace_section(&last, &fresh),
            format!("# B\n\n{HEADING}\n\nnew\n")
        );
        // Replacing twice changes nothing more.
        assert_eq!(
            replace_section(&replace_section(&middle, &fresh), &fresh),
            replace_section(&middle, &fresh)
        );
    }
}
