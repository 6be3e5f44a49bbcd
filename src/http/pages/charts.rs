//! Charts drawn on the server as inline SVG (no JavaScript): a bar chart
//! of day counts and a line chart of a running total, scaled to any width
//! by their `viewBox`, each bar and point titled with its day and value
//! for screen readers and hover.

use std::fmt::Write;

use chrono::NaiveDate;

const W: f64 = 600.0;
const H: f64 = 200.0;
/// Room for the scale on the left and the dates below.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 30.0;

fn max_of(values: &[(NaiveDate, i64)]) -> i64 {
    values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1)
}

#[allow(clippy::cast_precision_loss)]
fn y_of(v: i64, max: i64) -> f64 {
    (H - BOTTOM) - (v.max(0) as f64 / max as f64) * (H - BOTTOM - 8.0)
}

/// The frame both charts share: the scale's top and zero, and the first
/// and last day.
fn frame(out: &mut String, label: &str, values: &[(NaiveDate, i64)], max: i64) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        crate::text::escape_html(label)
    );
    let zero = H - BOTTOM;
    let _ = write!(
        out,
        r#"<line x1="{LEFT}" y1="{zero}" x2="{W}" y2="{zero}" stroke="currentColor" stroke-opacity="0.4"/>"#
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="22" font-size="20" text-anchor="end" fill="currentColor">{max}</text><text x="{}" y="{zero}" font-size="20" text-anchor="end" fill="currentColor">0</text>"#,
        LEFT - 4.0,
        LEFT - 4.0
    );
    if let (Some((first, _)), Some((last, _))) = (values.first(), values.last()) {
        let _ = write!(
            out,
            r#"<text x="{LEFT}" y="{H}" font-size="20" fill="currentColor">{first}</text><text x="{W}" y="{H}" font-size="20" text-anchor="end" fill="currentColor">{last}</text>"#
        );
    }
}

/// Bars, one per day.
#[allow(clippy::cast_precision_loss)]
pub fn bars(label: &str, values: &[(NaiveDate, i64)]) -> String {
    let max = max_of(values);
    let mut out = String::new();
    frame(&mut out, label, values, max);
    let n = values.len().max(1) as f64;
    let step = (W - LEFT) / n;
    let width = (step * 0.8).max(1.0);
    for (i, (day, v)) in values.iter().enumerate() {
        let x = LEFT + step * i as f64 + (step - width) / 2.0;
        let y = y_of(*v, max);
        let h = (H - BOTTOM) - y;
        let _ = write!(
            out,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{h:.1}" fill="currentColor" fill-opacity="0.7"><title>{day}: {v}</title></rect>"#
        );
    }
    out.push_str("</svg>");
    out
}

/// A line through each day's value, with a dot per day.
#[allow(clippy::cast_precision_loss)]
pub fn line(label: &str, values: &[(NaiveDate, i64)]) -> String {
    let max = max_of(values);
    let mut out = String::new();
    frame(&mut out, label, values, max);
    let n = values.len().saturating_sub(1).max(1) as f64;
    let step = (W - LEFT - 4.0) / n;
    let points: Vec<(f64, f64, NaiveDate, i64)> = values
        .iter()
        .enumerate()
        .map(|(i, (day, v))| (LEFT + 2.0 + step * i as f64, y_of(*v, max), *day, *v))
        .collect();
    let path: Vec<String> = points
        .iter()
        .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="line" points="{}" fill="none" stroke="currentColor" stroke-width="2"/>"#,
        path.join(" ")
    );
    for (x, y, day, v) in &points {
        let _ = write!(
            out,
            r#"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="2.5" fill="currentColor"><title>{day}: {v}</title></circle>"#
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(values: &[i64]) -> Vec<(NaiveDate, i64)> {
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (start + chrono::Duration::days(i as i64), *v))
            .collect()
    }

    #[test]
    fn bars_scale_to_the_largest_day_and_title_each() {
        let svg = bars("Profile views <per day>", &days(&[0, 5, 10]));
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title>2026-12-03: 10</title>"));
        assert!(svg.contains("aria-label=\"Profile views &lt;per day&gt;\""));
        // The largest bar reaches the top of the plot; the empty day has no height.
        assert!(svg.contains(r#"y="8.0" width"#), "{svg}");
        assert!(svg.contains(r#"height="0.0""#));
    }

    #[test]
    fn a_line_has_a_point_per_day_even_with_no_data() {
        let svg = line("Followers", &days(&[2, 3]));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("<polyline"));
        let empty = line("Followers", &[]);
        assert!(empty.contains("</svg>"));
        assert_eq!(empty.matches("<circle").count(), 0);
    }
}
