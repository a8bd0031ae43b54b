//! SVG charts drawn in Rust for the web pages (and, later, reports): no JavaScript, no
//! third-party chart code. Output is a self-contained `<svg>` element whose colours come from
//! CSS classes (`chart-bar`, `chart-axis`, `chart-label`), so the page's stylesheet themes it.

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
