//! SVG charts drawn in Rust for the web pages and the reports: no JavaScript, no
//! third-party chart code. Output is a self-contained `<svg>` element whose colours come from
//! CSS classes (`chart-bar`, `chart-line`, `chart-point`, `chart-axis`, `chart-grid`,
//! `chart-label`), so the page's stylesheet themes it.

use std::fmt::Write as _;

/// One bar: its axis label, its value, and the text a screen reader or tooltip gives for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Short label under the bar (may be empty to leave the slot unlabelled).
    pub label: String,
    /// Height of the bar.
    pub value: u64,
    /// Full description, e.g. `2026-11-20: 12 records`.
    pub title: String,
}

/// Size of a chart in SVG user units (the element scales to its container).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The chart colours as a stylesheet, for places without the web UI's CSS (PDF and HTML
/// reports): the same classes, literal colours.
pub const CHART_CSS: &str = ".chart-bar,.chart-point{fill:#2f6fab}\
.chart-line{fill:none;stroke:#2f6fab;stroke-width:2}\
.chart-axis{stroke:#d5dbe3;stroke-width:1}\
.chart-grid{stroke:#d5dbe3;stroke-width:1;stroke-dasharray:3 3}\
.chart-label{fill:#55606e;font-size:12px}\
.chart-value{fill:#1b2430;font-size:11px}\
.chart-target{stroke:#a4262c;stroke-width:1;stroke-dasharray:6 3}\
.chart-bar-bad,.chart-point-bad{fill:#a4262c}\
.heat{fill:#dddddd;stroke:#ffffff;stroke-width:1}\
.heat-low{fill:#cfe8d4}.heat-medium{fill:#fbe7a6}.heat-high{fill:#f6bf8e}\
.heat-critical{fill:#ee8f86}.heat-none{fill:#eeeeee}\
.heat-count{fill:#111111;font-size:18px;font-weight:600}\
.budget-track{fill:#eef1f5;stroke:#d5dbe3;stroke-width:1}\
.budget-ok{fill:#1d6b45}.budget-low{fill:#b7791f}.budget-out{fill:#a4262c}";

/// A chart with [`CHART_CSS`] inside it, so it keeps its colours outside the web UI.
pub fn themed(svg: &str) -> String {
    match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => {
            let (open, rest) = svg.split_at(end + 1);
            format!("{open}<style>{CHART_CSS}</style>{rest}")
        }
        _ => svg.to_owned(),
    }
}

const LABEL_BAND: u32 = 18;
const TOP_PAD: u32 = 16;

/// Escapes text for XML character data and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A vertical bar chart of `bars`, scaled so the largest value fills the plot height; `summary`
/// is the chart's accessible name. With no bars, or all zero, the bars are flat lines.
pub fn bar_chart(bars: &[Bar], size: ChartSize, summary: &str) -> String {
    let mut svg = String::new();
    let plot_height = size.height.saturating_sub(LABEL_BAND + TOP_PAD).max(1);
    let baseline = TOP_PAD + plot_height;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let slots = u32::try_from(bars.len()).unwrap_or(u32::MAX).max(1);
    let slot = f64::from(size.width) / f64::from(slots);
    let bar_width = (slot * 0.7).max(1.0);
    let _ = write!(
        svg,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{summary}\" preserveAspectRatio=\"xMidYMid meet\">\
         <title>{summary}</title>",
        w = size.width,
        h = size.height,
        summary = xml_escape(summary),
    );
    for (i, bar) in bars.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let height = scaled(bar.value, max, plot_height);
        let x = f64::from(index) * slot + (slot - bar_width) / 2.0;
        let y = baseline - height;
        let _ = write!(
            svg,
            "<g><title>{title}</title><rect class=\"chart-bar\" x=\"{x:.1}\" y=\"{y}\" \
             width=\"{bar_width:.1}\" height=\"{height}\"/>",
            title = xml_escape(&bar.title),
        );
        if bar.value > 0 {
            let _ = write!(
                svg,
                "<text class=\"chart-value\" x=\"{cx:.1}\" y=\"{ty}\" text-anchor=\"middle\">{v}</text>",
                cx = x + bar_width / 2.0,
                ty = y.saturating_sub(3),
                v = bar.value,
            );
        }
        if !bar.label.is_empty() {
            let _ = write!(
                svg,
                "<text class=\"chart-label\" x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\">{label}</text>",
                cx = x + bar_width / 2.0,
                ly = size.height.saturating_sub(4),
                label = xml_escape(&bar.label),
            );
        }
        svg.push_str("</g>");
    }
    let _ = write!(
        svg,
        "<line class=\"chart-axis\" x1=\"0\" y1=\"{baseline}\" x2=\"{w}\" y2=\"{baseline}\"/></svg>",
        w = size.width,
    );
    svg
}

/// A likelihood × impact heat map: `grid[l][i]` counts risks at likelihood `l + 1` and impact
/// `i + 1`; likelihood rises upwards, impact to the right. Each cell's class is
/// `heat heat-<band>` where `band(score)` names the score band (`low`, `high`, ...), so the
/// stylesheet colours it; `summary` is the accessible name.
pub fn heat_map(
    grid: &[Vec<u32>],
    likelihood: &[String],
    impact: &[String],
    band: &dyn Fn(u32) -> String,
    summary: &str,
) -> String {
    const CELL: usize = 56;
    const LEFT: usize = 112;
    const BOTTOM: usize = 44;
    let rows = likelihood.len();
    let cols = impact.len();
    let (w, h) = (LEFT + cols * CELL, rows * CELL + BOTTOM);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"heat-map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{summary}\"><title>{summary}</title>",
        summary = xml_escape(summary),
    );
    // Top row first (the highest likelihood), so reading order follows the picture.
    for (l, l_label) in likelihood.iter().enumerate().rev() {
        let y = (rows - 1 - l) * CELL;
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"{x}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>",
            x = LEFT - 6,
            ty = y + CELL / 2 + 4,
            label = xml_escape(l_label),
        );
        for (i, i_label) in impact.iter().enumerate() {
            let count = grid.get(l).and_then(|r| r.get(i)).copied().unwrap_or(0);
            let score = u32::try_from((l + 1) * (i + 1)).unwrap_or(u32::MAX);
            let x = LEFT + i * CELL;
            let _ = write!(
                svg,
                "<g><title>{title}</title><rect class=\"heat heat-{band}\" x=\"{x}\" y=\"{y}\" \
                 width=\"{c}\" height=\"{c}\"/>",
                title = xml_escape(&format!(
                    "{l_label} × {i_label} (score {score}): {count} risk(s)"
                )),
                band = xml_escape(&band(score)),
                c = CELL - 2,
            );
            if count > 0 {
                let _ = write!(
                    svg,
                    "<text class=\"heat-count\" x=\"{cx}\" y=\"{cy}\" text-anchor=\"middle\">{count}</text>",
                    cx = x + CELL / 2 - 1,
                    cy = y + CELL / 2 + 6,
                );
            }
            svg.push_str("</g>");
        }
    }
    for (i, i_label) in impact.iter().enumerate() {
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>",
            cx = LEFT + i * CELL + CELL / 2,
            ty = rows * CELL + 16,
            label = xml_escape(i_label),
        );
    }
    let _ = write!(
        svg,
        "<text class=\"chart-label\" x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\">Impact →</text></svg>",
        cx = LEFT + cols * CELL / 2,
        ty = rows * CELL + 36,
    );
    svg
}

/// One point of a line chart: its axis label (may be empty), its value, and the text a
/// screen reader or tooltip gives for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Short label under the point (empty leaves it unlabelled).
    pub label: String,
    /// The value, on the chart's `0..=max` scale (clamped to it).
    pub value: f64,
    /// Full description, e.g. `2026-11-20 14:02 UTC: 61.5`.
    pub title: String,
}

const AXIS_BAND: u32 = 34;
const RIGHT_PAD: u32 = 10;

/// A line chart of `points` in order, evenly spaced, on a fixed `0..=max` scale (a score out of
/// 100 keeps its meaning from chart to chart) with gridlines at 0, half and `max`; `summary` is
/// the chart's accessible name. One point is drawn as a dot; none leaves the empty grid.
pub fn line_chart(points: &[Point], max: f64, size: ChartSize, summary: &str) -> String {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let plot_height = f64::from(size.height.saturating_sub(LABEL_BAND + TOP_PAD).max(1));
    let plot_width = f64::from(size.width.saturating_sub(AXIS_BAND + RIGHT_PAD).max(1));
    let left = f64::from(AXIS_BAND);
    let top = f64::from(TOP_PAD);
    let y_of = |v: f64| {
        let v = if v.is_finite() {
            v.clamp(0.0, max)
        } else {
            0.0
        };
        top + plot_height * (1.0 - v / max)
    };
    let count = points.len();
    let x_of = |i: usize| {
        if count < 2 {
            left + plot_width / 2.0
        } else {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let last = u32::try_from(count - 1).unwrap_or(u32::MAX);
            left + plot_width * f64::from(i) / f64::from(last)
        }
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{summary}\" preserveAspectRatio=\"xMidYMid meet\">\
         <title>{summary}</title>",
        w = size.width,
        h = size.height,
        summary = xml_escape(summary),
    );
    for grid in [0.0, max / 2.0, max] {
        let y = y_of(grid);
        let _ = write!(
            svg,
            "<line class=\"{class}\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\"/>\
             <text class=\"chart-label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{grid}</text>",
            class = if grid == 0.0 {
                "chart-axis"
            } else {
                "chart-grid"
            },
            right = left + plot_width,
            lx = AXIS_BAND.saturating_sub(6),
            ty = y + 4.0,
        );
    }
    if count > 1 {
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.value)))
            .collect();
        let _ = write!(
            svg,
            "<polyline class=\"chart-line\" points=\"{}\"/>",
            path.join(" ")
        );
    }
    for (i, p) in points.iter().enumerate() {
        let (x, y) = (x_of(i), y_of(p.value));
        let _ = write!(
            svg,
            "<g><title>{title}</title><circle class=\"chart-point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"/>",
            title = xml_escape(&p.title),
        );
        if !p.label.is_empty() {
            let _ = write!(
                svg,
                "<text class=\"chart-label\" x=\"{x:.1}\" y=\"{ly}\" text-anchor=\"{anchor}\">{label}</text>",
                ly = size.height.saturating_sub(4),
                // The first and last labels stay inside the box.
                anchor = if count > 1 && i == 0 {
                    "start"
                } else if count > 1 && i + 1 == count {
                    "end"
                } else {
                    "middle"
                },
                label = xml_escape(&p.label),
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// A percentage as pages print it: up to `decimals` decimals, trailing zeros dropped
/// (`99.9 %`, `100 %`, `-12.5 %`).
pub fn percent(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    let text = if text == "-0" { "0" } else { text };
    format!("{text} %")
}

/// One slot of a percentage chart (a day of an SLO): its axis label (may be empty), its value
/// in percent (none when nothing was measured), and the text a screen reader or tooltip
/// gives for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Short label under the slot (empty leaves it unlabelled).
    pub label: String,
    /// The value in percent, if any.
    pub value: Option<f64>,
    /// Full description, e.g. `2026-03-02: 99.93 % of 1,200,000 requests good`.
    pub title: String,
}

/// Left band of the percentage charts, wide enough for `99.95 %`.
const PERCENT_BAND: u32 = 54;
/// Lowest value a budget chart draws (an overspent budget is clamped to it).
const BUDGET_FLOOR: f64 = -1000.0;

fn percent_svg_open(svg: &mut String, size: ChartSize, summary: &str) {
    let _ = write!(
        svg,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{summary}\" preserveAspectRatio=\"xMidYMid meet\">\
         <title>{summary}</title>",
        w = size.width,
        h = size.height,
        summary = xml_escape(summary),
    );
}

/// A horizontal line across the plot with its value printed in the left band.
fn percent_rule(svg: &mut String, class: &str, y: f64, right: f64, label: &str) {
    let _ = write!(
        svg,
        "<line class=\"{class}\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right:.1}\" y2=\"{y:.1}\"/>\
         <text class=\"chart-label\" x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{label}</text>",
        left = PERCENT_BAND,
        lx = PERCENT_BAND.saturating_sub(6),
        ty = y + 4.0,
        label = xml_escape(label),
    );
}

/// The x-axis label of slot `i` of `count` at `x`, the first and last kept inside the box.
fn slot_label(svg: &mut String, label: &str, x: f64, i: usize, count: usize, height: u32) {
    if label.is_empty() {
        return;
    }
    let anchor = if count > 1 && i == 0 {
        "start"
    } else if count > 1 && i + 1 == count {
        "end"
    } else {
        "middle"
    };
    let _ = write!(
        svg,
        "<text class=\"chart-label\" x=\"{x:.1}\" y=\"{ly}\" text-anchor=\"{anchor}\">{label}</text>",
        ly = height.saturating_sub(4),
        label = xml_escape(label),
    );
}

/// A line chart of an error budget remaining, in percent, over evenly spaced slots: the scale
/// runs from 100 % down to 0 %, or further down to the lowest value when the budget was
/// overspent (rounded to a multiple of 25, clamped at -1000 %), with the zero line as the axis.
/// Points below zero get the class `chart-point-bad`; slots without a value break the line.
pub fn budget_chart(levels: &[Level], size: ChartSize, summary: &str) -> String {
    let lowest = levels
        .iter()
        .filter_map(|l| l.value)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min)
        .max(BUDGET_FLOOR);
    let bottom = (lowest / 25.0).floor() * 25.0;
    let span = 100.0 - bottom;
    let plot_height = f64::from(size.height.saturating_sub(LABEL_BAND + TOP_PAD).max(1));
    let left = f64::from(PERCENT_BAND);
    let plot_width = f64::from(size.width.saturating_sub(PERCENT_BAND + RIGHT_PAD).max(1));
    let right = left + plot_width;
    let top = f64::from(TOP_PAD);
    let y_of = |v: f64| {
        let v = if v.is_finite() {
            v.clamp(bottom, 100.0)
        } else {
            bottom
        };
        top + plot_height * (100.0 - v) / span
    };
    let count = levels.len();
    let x_of = |i: usize| {
        if count < 2 {
            left + plot_width / 2.0
        } else {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let last = u32::try_from(count - 1).unwrap_or(u32::MAX);
            left + plot_width * f64::from(i) / f64::from(last)
        }
    };
    let mut svg = String::new();
    percent_svg_open(&mut svg, size, summary);
    percent_rule(&mut svg, "chart-grid", y_of(100.0), right, "100 %");
    percent_rule(&mut svg, "chart-grid", y_of(50.0), right, "50 %");
    percent_rule(&mut svg, "chart-axis", y_of(0.0), right, "0 %");
    if bottom < 0.0 {
        percent_rule(
            &mut svg,
            "chart-grid",
            y_of(bottom),
            right,
            &percent(bottom, 0),
        );
    }
    // One polyline per run of measured slots.
    let mut run: Vec<String> = Vec::new();
    let mut runs: Vec<Vec<String>> = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        match l.value {
            Some(v) => run.push(format!("{:.1},{:.1}", x_of(i), y_of(v))),
            None => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
    for r in runs.iter().filter(|r| r.len() > 1) {
        let _ = write!(
            svg,
            "<polyline class=\"chart-line\" points=\"{}\"/>",
            r.join(" ")
        );
    }
    for (i, l) in levels.iter().enumerate() {
        let x = x_of(i);
        svg.push_str("<g>");
        let _ = write!(svg, "<title>{}</title>", xml_escape(&l.title));
        if let Some(v) = l.value {
            let _ = write!(
                svg,
                "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\"/>",
                class = if v < 0.0 {
                    "chart-point chart-point-bad"
                } else {
                    "chart-point"
                },
                y = y_of(v),
            );
        }
        slot_label(&mut svg, &l.label, x, i, count, size.height);
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// A bar chart of percentages against a `target` percent (e.g. daily compliance against
/// 99.9 %): the scale runs from 100 % down to just below the lowest of the values and the
/// target (one target's allowance further down, so the target line never sits on the axis),
/// bars at or above the target get the class `chart-bar`, those below `chart-bar chart-bar-bad`,
/// and a dashed `chart-target` line marks the target. Slots without a value have no bar.
pub fn target_bars(levels: &[Level], target: f64, size: ChartSize, summary: &str) -> String {
    let target = if target.is_finite() {
        target.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let lowest = levels
        .iter()
        .filter_map(|l| l.value)
        .filter(|v| v.is_finite())
        .fold(target, f64::min)
        .max(0.0);
    let allowance = (100.0 - target).max(0.001);
    let bottom = (lowest - allowance).max(0.0);
    let span = (100.0 - bottom).max(0.001);
    let plot_height = f64::from(size.height.saturating_sub(LABEL_BAND + TOP_PAD).max(1));
    let left = f64::from(PERCENT_BAND);
    let plot_width = f64::from(size.width.saturating_sub(PERCENT_BAND + RIGHT_PAD).max(1));
    let right = left + plot_width;
    let top = f64::from(TOP_PAD);
    let baseline = top + plot_height;
    let y_of = |v: f64| {
        let v = if v.is_finite() {
            v.clamp(bottom, 100.0)
        } else {
            bottom
        };
        top + plot_height * (100.0 - v) / span
    };
    let count = levels.len();
    let slots = u32::try_from(count).unwrap_or(u32::MAX).max(1);
    let slot = plot_width / f64::from(slots);
    let bar_width = (slot * 0.7).max(1.0);
    let decimals = if allowance < 0.1 { 3 } else { 2 };
    let mut svg = String::new();
    percent_svg_open(&mut svg, size, summary);
    percent_rule(&mut svg, "chart-grid", y_of(100.0), right, "100 %");
    for (i, l) in levels.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let x = left + f64::from(index) * slot + (slot - bar_width) / 2.0;
        svg.push_str("<g>");
        let _ = write!(svg, "<title>{}</title>", xml_escape(&l.title));
        if let Some(v) = l.value {
            // Any measured slot keeps at least one unit of height, so it stays visible.
            let y = y_of(v).min(baseline - 1.0);
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_width:.1}\" \
                 height=\"{h:.1}\"/>",
                class = if v >= target {
                    "chart-bar"
                } else {
                    "chart-bar chart-bar-bad"
                },
                h = baseline - y,
            );
        }
        slot_label(
            &mut svg,
            &l.label,
            x + bar_width / 2.0,
            i,
            count,
            size.height,
        );
        svg.push_str("</g>");
    }
    percent_rule(
        &mut svg,
        "chart-target",
        y_of(target),
        right,
        &percent(target, decimals),
    );
    percent_rule(
        &mut svg,
        "chart-axis",
        baseline,
        right,
        &percent(bottom, decimals),
    );
    svg.push_str("</svg>");
    svg
}

/// A small horizontal bar of an error budget remaining (a ratio, `1.0` = untouched): the
/// filled share is the budget left, classed `budget-ok`, `budget-low` (under 25 %) or, once
/// overspent, a full `budget-out` bar; no value draws the empty track. `summary` is the
/// accessible name.
pub fn budget_bar(remaining: Option<f64>, summary: &str) -> String {
    const WIDTH: f64 = 100.0;
    let (class, width) = match remaining.filter(|r| r.is_finite()) {
        None => ("budget-none", 0.0),
        Some(r) if r < 0.0 => ("budget-out", WIDTH),
        Some(r) if r < 0.25 => ("budget-low", r * WIDTH),
        Some(r) => ("budget-ok", r.min(1.0) * WIDTH),
    };
    format!(
        "<svg class=\"budget-bar\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 10\" \
         preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{summary}\"><title>{summary}</title>\
         <rect class=\"budget-track\" x=\"0\" y=\"0\" width=\"100\" height=\"10\" rx=\"2\"/>\
         <rect class=\"budget-fill {class}\" x=\"0\" y=\"0\" width=\"{width:.1}\" height=\"10\" rx=\"2\"/></svg>",
        summary = xml_escape(summary),
    )
}

/// `value` as a height out of `full`, relative to `max`; any non-zero value gets at least one
/// unit so it stays visible next to a much larger one.
fn scaled(value: u64, max: u64, full: u32) -> u32 {
    if max == 0 || value == 0 {
        return 0;
    }
    let h = (u128::from(value) * u128::from(full)) / u128::from(max);
    u32::try_from(h).unwrap_or(full).clamp(1, full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: u64) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            title: format!("{label}: {value}"),
        }
    }

    const SIZE: ChartSize = ChartSize {
        width: 280,
        height: 134,
    };

    fn heights(svg: &str) -> Vec<u32> {
        svg.split("<rect ")
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn one_rect_per_bar_scaled_to_the_largest() {
        let svg = bar_chart(
            &[bar("1", 0), bar("2", 50), bar("3", 100)],
            SIZE,
            "three days",
        );
        // plot height = 134 - 18 - 16 = 100
        assert_eq!(heights(&svg), vec![0, 50, 100]);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(svg.contains("<title>three days</title>"), "{svg}");
        assert!(svg.contains("aria-label=\"three days\""), "{svg}");
        assert!(svg.contains("<title>3: 100</title>"), "{svg}");
    }

    #[test]
    fn small_values_stay_visible_and_zero_max_draws_flat_bars() {
        assert_eq!(
            heights(&bar_chart(&[bar("a", 1), bar("b", 100_000)], SIZE, "x")),
            vec![1, 100]
        );
        assert_eq!(
            heights(&bar_chart(&[bar("a", 0), bar("b", 0)], SIZE, "x")),
            vec![0, 0]
        );
        assert_eq!(heights(&bar_chart(&[], SIZE, "x")), Vec::<u32>::new());
        assert_eq!(
            heights(&bar_chart(&[bar("a", u64::MAX)], SIZE, "x")),
            vec![100]
        );
    }

    #[test]
    fn bars_stay_inside_the_view_box() {
        let bars: Vec<Bar> = (0..14).map(|i| bar(&i.to_string(), i * 7)).collect();
        let svg = bar_chart(&bars, SIZE, "two weeks");
        for rect in svg.split("<rect ").skip(1) {
            let attr = |name: &str| -> f64 {
                let v = rect.split(&format!(" {name}=\"")).nth(1).unwrap();
                v[..v.find('"').unwrap()].parse().unwrap()
            };
            let (x, y, w, h) = (attr("x"), attr("y"), attr("width"), attr("height"));
            assert!(x >= 0.0 && x + w <= 280.0 + 1e-9, "{rect}");
            assert!(y >= 0.0 && y + h <= 134.0, "{rect}");
        }
    }

    #[test]
    fn text_is_escaped() {
        let svg = bar_chart(
            &[Bar {
                label: "<b>".to_owned(),
                value: 1,
                title: "a & \"b\"".to_owned(),
            }],
            SIZE,
            "<script>",
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(svg.contains("a &amp; &quot;b&quot;"), "{svg}");
    }

    fn point(value: f64) -> Point {
        Point {
            label: String::new(),
            value,
            title: format!("at {value}"),
        }
    }

    fn circles(svg: &str) -> Vec<(f64, f64)> {
        svg.split("<circle ")
            .skip(1)
            .map(|c| {
                let attr = |name: &str| -> f64 {
                    let v = c.split(&format!(" {name}=\"")).nth(1).unwrap();
                    v[..v.find('"').unwrap()].parse().unwrap()
                };
                (attr("cx"), attr("cy"))
            })
            .collect()
    }

    #[test]
    fn line_chart_scales_to_max_and_stays_inside_the_view_box() {
        // plot: y from 16 (max) to 116 (zero); x from 34 to 270
        let svg = line_chart(
            &[
                point(0.0),
                point(50.0),
                point(100.0),
                point(250.0),
                point(-3.0),
            ],
            100.0,
            SIZE,
            "score trend",
        );
        let c = circles(&svg);
        assert_eq!(c.len(), 5);
        assert_eq!(
            c.iter().map(|(_, y)| *y).collect::<Vec<_>>(),
            vec![116.0, 66.0, 16.0, 16.0, 116.0],
            "values are clamped to 0..=max"
        );
        assert_eq!(c[0].0, 34.0);
        assert_eq!(c[4].0, 270.0);
        assert!(c.windows(2).all(|w| w[0].0 < w[1].0), "{c:?}");
        assert_eq!(svg.matches("<polyline ").count(), 1);
        assert!(svg.contains("<title>at 50</title>"), "{svg}");
        assert!(svg.contains("aria-label=\"score trend\""), "{svg}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn line_chart_of_one_point_is_a_dot_and_of_none_an_empty_grid() {
        let one = line_chart(&[point(40.0)], 100.0, SIZE, "x");
        assert_eq!(circles(&one).len(), 1);
        assert!(!one.contains("<polyline"), "{one}");
        let none = line_chart(&[], 100.0, SIZE, "x");
        assert!(circles(&none).is_empty());
        assert_eq!(none.matches("<line ").count(), 3, "{none}");
        let nan = line_chart(&[point(f64::NAN)], 0.0, SIZE, "<x>");
        assert_eq!(circles(&nan)[0].1, 116.0);
        assert!(nan.contains("&lt;x&gt;") && !nan.contains("<x>"), "{nan}");
    }

    fn level(value: Option<f64>) -> Level {
        Level {
            label: String::new(),
            value,
            title: format!("{value:?}"),
        }
    }

    #[test]
    fn percents_drop_trailing_zeros() {
        assert_eq!(percent(99.9, 3), "99.9 %");
        assert_eq!(percent(100.0, 3), "100 %");
        assert_eq!(percent(99.9534, 3), "99.953 %");
        assert_eq!(percent(-12.5, 1), "-12.5 %");
        assert_eq!(percent(-0.0001, 1), "0 %");
        assert_eq!(percent(250.0, 0), "250 %");
    }

    #[test]
    fn budget_chart_extends_below_zero_and_breaks_on_gaps() {
        // plot: y from 16 (100 %) to 116 (0 %) when nothing is overspent
        let svg = budget_chart(
            &[
                level(Some(100.0)),
                level(Some(50.0)),
                level(None),
                level(Some(0.0)),
                level(Some(10.0)),
            ],
            SIZE,
            "budget",
        );
        let c = circles(&svg);
        assert_eq!(
            c.iter().map(|(_, y)| *y).collect::<Vec<_>>(),
            vec![16.0, 66.0, 116.0, 106.0]
        );
        assert_eq!(svg.matches("<polyline ").count(), 2, "{svg}");
        assert!(!svg.contains("chart-point-bad"), "{svg}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
        // Overspent: the scale reaches -100 %, zero sits half-way.
        let over = budget_chart(&[level(Some(100.0)), level(Some(-80.0))], SIZE, "over");
        let c = circles(&over);
        assert_eq!(c[0].1, 16.0);
        assert!((c[1].1 - (16.0 + 180.0 / 2.0)).abs() < 0.11, "{c:?}");
        assert!(over.contains("chart-point-bad"), "{over}");
        assert!(over.contains(">-100 %<"), "{over}");
        for (x, y) in c {
            assert!((0.0..=280.0).contains(&x) && (0.0..=134.0).contains(&y));
        }
        let none = budget_chart(&[], SIZE, "<x>");
        assert!(circles(&none).is_empty());
        assert!(
            none.contains("&lt;x&gt;") && !none.contains("<x>"),
            "{none}"
        );
    }

    #[test]
    fn target_bars_mark_the_days_below_target() {
        let svg = target_bars(
            &[
                level(Some(99.95)),
                level(Some(99.0)),
                level(None),
                level(Some(100.0)),
            ],
            99.9,
            SIZE,
            "daily",
        );
        assert_eq!(svg.matches("<rect ").count(), 3, "{svg}");
        assert_eq!(svg.matches("chart-bar-bad").count(), 1, "{svg}");
        assert_eq!(svg.matches("class=\"chart-target\"").count(), 1, "{svg}");
        assert!(svg.contains(">99.9 %<"), "{svg}");
        for rect in svg.split("<rect ").skip(1) {
            let attr = |name: &str| -> f64 {
                let v = rect.split(&format!(" {name}=\"")).nth(1).unwrap();
                v[..v.find('"').unwrap()].parse().unwrap()
            };
            assert!(attr("height") >= 1.0 && attr("height") <= 100.0, "{rect}");
            assert!(
                attr("x") >= 0.0 && attr("x") + attr("width") <= 280.0 + 1e-9,
                "{rect}"
            );
            assert!(
                attr("y") >= 0.0 && attr("y") + attr("height") <= 134.0,
                "{rect}"
            );
        }
    }

    #[test]
    fn budget_bars_fill_with_the_budget_left() {
        let width = |svg: &str| -> f64 {
            let fill = svg.split("budget-fill").nth(1).unwrap();
            let v = fill.split("width=\"").nth(1).unwrap();
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        let ok = budget_bar(Some(0.6), "60 % left");
        assert!(ok.contains("budget-ok") && width(&ok) == 60.0, "{ok}");
        let low = budget_bar(Some(0.1), "x");
        assert!(low.contains("budget-low") && width(&low) == 10.0, "{low}");
        let out = budget_bar(Some(-2.0), "x");
        assert!(out.contains("budget-out") && width(&out) == 100.0, "{out}");
        let none = budget_bar(None, "no data");
        assert!(
            none.contains("budget-none") && width(&none) == 0.0,
            "{none}"
        );
        assert!(budget_bar(Some(3.0), "x").contains("width=\"100.0\""));
        assert!(budget_bar(None, "<b>").contains("&lt;b&gt;"));
    }

    #[test]
    fn heat_map_places_counts_and_bands_by_cell() {
        let labels = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let grid = vec![vec![0, 0, 0], vec![0, 2, 0], vec![1, 0, 0]];
        let band = |score: u32| {
            if score >= 6 {
                "high".to_owned()
            } else {
                "low".to_owned()
            }
        };
        let svg = heat_map(
            &grid,
            &labels(&["Rare", "Possible", "Likely <often>"]),
            &labels(&["Minor", "Major", "Severe"]),
            &band,
            "Residual risk",
        );
        assert_eq!(svg.matches("<rect ").count(), 9);
        assert!(
            svg.contains("Possible × Major (score 4): 2 risk(s)"),
            "{svg}"
        );
        assert!(
            svg.contains("Likely &lt;often&gt; × Minor (score 3): 1 risk(s)"),
            "{svg}"
        );
        assert_eq!(svg.matches("heat-high").count(), 3, "scores 6, 6 and 9");
        assert_eq!(svg.matches("class=\"heat-count\"").count(), 2);
        // The top row is the highest likelihood.
        let first = svg.find("Likely &lt;often&gt; ×").unwrap();
        assert!(first < svg.find("Rare ×").unwrap());
    }
}
