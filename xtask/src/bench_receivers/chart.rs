//! The chart (docs/receivers.svg): drawn by plotters from the measured rows, never by hand.
//!
//! Two panels of horizontal grouped bars, one bar per body size: req/s on the left, p99
//! latency on the right; the receivers top to bottom in the table's order.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::report::{Row, SIZES, size_label, thousands};

/// One bar colour per body size.
const COLOURS: [RGBColor; 2] = [RGBColor(46, 117, 182), RGBColor(237, 125, 49)];
const FONT: &str = "sans-serif";
const ROW_HEIGHT: u32 = 36;

/// Draws `rows` to `path`, with `title` above and `note` (the machine, the load) below.
pub fn draw(path: &Path, rows: &[Row], title: &str, note: &str) -> Result<(), String> {
    let height = 190 + ROW_HEIGHT * u32::try_from(rows.len()).unwrap_or(u32::MAX / 64);
    let root = SVGBackend::new(path, (1200, height)).into_drawing_area();
    let failed = |error: &dyn std::fmt::Display| format!("chart {}: {error}", path.display());
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let (body, footer) = root.split_vertically(height - 66);
    let grey = (FONT, 13).into_font().color(&RGBColor(90, 90, 90));
    for (n, line) in wrap(note, 170).iter().enumerate() {
        let y = 6 + 18 * i32::try_from(n).unwrap_or(0);
        footer
            .draw(&Text::new(line.clone(), (12, y), grey.clone()))
            .map_err(|e| failed(&e))?;
    }
    let body = body.titled(title, (FONT, 20)).map_err(|e| failed(&e))?;
    // One legend for both panels, under the title on the right.
    for (size, colour) in COLOURS.iter().enumerate() {
        let x = 1200 - 190 + 90 * i32::try_from(size).unwrap_or(0);
        root.draw(&Rectangle::new([(x, 34), (x + 14, 44)], colour.filled()))
            .map_err(|e| failed(&e))?;
        root.draw(&Text::new(
            size_label(SIZES[size]),
            (x + 20, 33),
            (FONT, 13).into_font(),
        ))
        .map_err(|e| failed(&e))?;
    }
    let panels = body.split_evenly((1, 2));
    let labels: Vec<String> = rows.iter().map(Row::label).collect();
    let rates: Vec<[f64; 2]> = rows
        .iter()
        .map(|row| [row.measured[0].rate(), row.measured[1].rate()])
        .collect();
    let p99s: Vec<[f64; 2]> = rows
        .iter()
        .map(|row| row.measured.map(|m| m.p99.as_secs_f64() * 1e3))
        .collect();
    panel(
        &root,
        &panels[0],
        "requests per second (higher is better)",
        &labels,
        &rates,
        &|v| thousands(v),
    )
    .map_err(|e| failed(&e))?;
    panel(
        &root,
        &panels[1],
        "p99 latency, ms (lower is better)",
        &labels,
        &p99s,
        &|v| format!("{v:.2}"),
    )
    .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// One panel: a row of two bars per label, `values[row][size]`, top to bottom. The labels
/// are drawn on `root` at the rows' pixel positions (plotters' mesh labels sit at its own
/// key points, not at the rows' centres).
fn panel(
    root: &Area<'_>,
    area: &Area<'_>,
    caption: &str,
    labels: &[String],
    values: &[[f64; 2]],
    shown: &dyn Fn(f64) -> String,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let n = labels.len();
    let top = values.iter().flatten().copied().fold(0.0, f64::max);
    // Room on the right for the value printed after the longest bar.
    let x_max = if top > 0.0 { top * 1.22 } else { 1.0 };
    // Row `i` (0 at the top) spans y in [n-1-i, n-i].
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 15))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(170)
        .build_cartesian_2d(0f64..x_max, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| shown(*x))
        .x_labels(5)
        .label_style((FONT, 12))
        .draw()?;
    for (size, colour) in COLOURS.iter().enumerate() {
        // The first size's bar above the second's, both inside the row's band.
        let offset = if size == 0 { 0.52 } else { 0.14 };
        let bar = |i: usize| {
            let y = (n - 1 - i) as f64 + offset;
            (values[i][size], y, y + 0.34)
        };
        chart.draw_series((0..n).map(|i| {
            let (value, low, high) = bar(i);
            Rectangle::new([(0.0, low), (value, high)], colour.filled())
        }))?;
        let style = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series((0..n).map(|i| {
            let (value, low, high) = bar(i);
            Text::new(
                shown(value),
                (value + x_max * 0.01, (low + high) / 2.0),
                style.clone(),
            )
        }))?;
    }
    let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5));
        root.draw(&Text::new(label.clone(), (x - 8, y), style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::bench_receivers::load::Measured;
    use crate::bench_receivers::report::Route;

    #[test]
    fn the_note_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(wrap("a-very-long-word b", 4), ["a-very-long-word", "b"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn the_svg_holds_every_label_and_every_measured_value() {
        let measured = |rate: u64, p99_us: u64| Measured {
            requests: rate,
            seconds: 1.0,
            p50: Duration::from_micros(p99_us / 2),
            p99: Duration::from_micros(p99_us),
            connect_errors: 0,
            io_errors: 0,
            timeouts: 0,
            non_2xx: 0,
            checked: 0,
            bad: 0,
        };
        let rows = [
            Row {
                receiver: "axum",
                ours: true,
                route: Route::Verified,
                unverified: "unverified",
                measured: [measured(41_230, 1_500), measured(30_100, 2_250)],
                rates: [vec![41_230.0], vec![30_100.0]],
            },
            Row {
                receiver: "Express (Node)",
                ours: false,
                route: Route::Unverified,
                unverified: "unverified",
                measured: [measured(9_870, 6_000), measured(8_010, 7_100)],
                rates: [vec![9_870.0], vec![8_010.0]],
            },
        ];
        let dir = std::env::temp_dir().join(format!("xtask-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chart.svg");
        draw(&path, &rows, "a title", "a note").unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for text in [
            "a title",
            "a note",
            "axum",
            "Express (Node) (unverified)",
            "41,230",
            "8,010",
            "1.50",
            "7.10",
            "256 B",
            "2 KiB",
        ] {
            assert!(svg.contains(text), "{text} not in the chart");
        }
        // Two panels of two series of two bars: eight bars, plus legend swatches and the
        // background rectangles.
        assert!(svg.matches("<rect").count() >= 8);
    }
}
