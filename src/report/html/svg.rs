//! Charts as inline SVG: bars per hour on a time axis, so that a quiet hour shows as a gap
//! rather than vanishing. Drawn at a fixed size in a `viewBox` that CSS scales down; every
//! bar carries a `<title>` (the browser's tooltip), so the figures are there without
//! JavaScript. A chart with nothing to draw is not drawn: callers say so in words.

use crate::report::activity::ms;
use crate::report::text::xml_escape;
use crate::timestamp::Timestamp;
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 30.0;
/// Past this many hours from the first to the last, hours are drawn side by side without
/// their gaps: a bar per hour of a year would be thinner than a pixel.
const MAX_SLOTS: i64 = 24 * 62;
/// The width of one hour's bars, at most.
const MAX_BARS: f64 = 48.0;
/// Hours labelled under the axis, at most.
const TICKS: usize = 6;

/// One quantity per hour; its colour is the CSS class `s<index>` of its position.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

/// How several series share an hour.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Parts of one total (autovacuum and autoanalyze runs).
    Stacked,
    /// Side by side: quantities that are not parts of a whole (connections, sessions).
    Grouped,
}

/// What the values are, for the scale and the labels.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Millis,
}

impl Unit {
    pub fn format(self, v: f64) -> String {
        match self {
            _ if v == 0.0 => "0".to_string(),
            Unit::Count if v.fract() == 0.0 => format!("{v:.0}"),
            Unit::Count => format!("{v:.1}"),
            Unit::Millis => ms(v),
        }
    }

    /// The top of the scale: four steps of 1, 2, 2.5 or 5 × 10ⁿ that reach `peak`, so
    /// that each grid line reads as a round figure (a whole one for counts).
    fn ceiling(self, peak: f64) -> f64 {
        let raw = peak / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .map(|m| m * mag)
            .filter(|s| self == Unit::Millis || s.fract() == 0.0)
            .find(|s| *s >= raw)
            .unwrap_or(1.0_f64.max(10.0 * mag));
        4.0 * step
    }
}

/// A bar chart of `series` over `hours` (RFC 3339 hour starts, ascending); `None` when
/// every value is zero.
pub fn hourly(
    label: &str,
    hours: &[&str],
    series: &[Series<'_>],
    layout: Layout,
    unit: Unit,
) -> Option<String> {
    let slot_of = slots(hours);
    let slot_count = slot_of.last().map_or(0, |s| s + 1);
    let total = |i: usize| series.iter().map(|s| s.values[i]).sum::<f64>();
    let peak = (0..hours.len())
        .map(|i| match layout {
            Layout::Stacked => total(i),
            Layout::Grouped => series.iter().map(|s| s.values[i]).fold(0.0, f64::max),
        })
        .fold(0.0, f64::max);
    if peak <= 0.0 || slot_count == 0 {
        return None;
    }
    let top = unit.ceiling(peak);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot_w = plot_w / slot_count as f64;
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" role=\"img\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        xml_escape(label)
    );
    grid(&mut svg, top, &y, unit);
    let (gap, bar_w) = bar_geometry(slot_w, series.len(), layout);
    for (i, hour) in hours.iter().enumerate() {
        let x0 = LEFT + slot_of[i] as f64 * slot_w + gap / 2.0;
        let mut base = 0.0;
        for (k, s) in series.iter().enumerate() {
            let v = s.values[i];
            if v <= 0.0 {
                continue;
            }
            let (x, from) = match layout {
                Layout::Stacked => (x0, base),
                Layout::Grouped => (x0 + k as f64 * bar_w, 0.0),
            };
            let (y1, y0) = (y(from + v), y(from));
            let _ = write!(
                svg,
                "<rect class=\"s{k}\" x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar_w:.1}\" \
                 height=\"{:.1}\"><title>{}: {} {}</title></rect>",
                (y0 - y1).max(0.5),
                xml_escape(hour),
                unit.format(v),
                xml_escape(s.name)
            );
            base += v;
        }
    }
    axis(&mut svg, hours, &slot_of, slot_w);
    svg.push_str("</svg>");
    Some(svg)
}

/// Where each hour goes on the axis: its distance in hours from the first one, or its
/// rank when the hours cannot be read or span too long.
fn slots(hours: &[&str]) -> Vec<usize> {
    let at: Option<Vec<i64>> = hours
        .iter()
        .map(|h| Timestamp::parse(h.as_bytes()).map(|t| t.unix_millis().div_euclid(3_600_000)))
        .collect();
    match at {
        Some(at) if !at.is_empty() && at.windows(2).all(|w| w[0] < w[1]) => {
            if at[at.len() - 1] - at[0] < MAX_SLOTS {
                return at.iter().map(|h| (h - at[0]) as usize).collect();
            }
            (0..hours.len()).collect()
        }
        _ => (0..hours.len()).collect(),
    }
}

/// The space around an hour's bars and the width of one bar: a fifth of the hour is
/// space, and an hour's bars are at most `MAX_BARS` wide (a log of one hour is one bar,
/// not a wall).
fn bar_geometry(slot_w: f64, series: usize, layout: Layout) -> (f64, f64) {
    let inner = if slot_w > 4.0 { slot_w * 0.8 } else { slot_w }.min(MAX_BARS);
    let gap = slot_w - inner;
    match layout {
        Layout::Stacked => (gap, inner),
        Layout::Grouped => (gap, inner / series.max(1) as f64),
    }
}

/// Horizontal lines at quarters of the scale, labelled.
fn grid(svg: &mut String, top: f64, y: &dyn Fn(f64) -> f64, unit: Unit) {
    for q in 0..=4 {
        let v = top * f64::from(q) / 4.0;
        let yy = y(v);
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            xml_escape(&unit.format(v))
        );
    }
}

/// The time axis: a few hours labelled `06-27 01:00`, the first and the last among them.
fn axis(svg: &mut String, hours: &[&str], slot_of: &[usize], slot_w: f64) {
    let n = hours.len();
    let with_year = hours[0].get(..4) != hours[n - 1].get(..4);
    let step = n.div_ceil(TICKS).max(1);
    let mut picks: Vec<usize> = (0..n).step_by(step).collect();
    if picks.last() != Some(&(n - 1)) {
        if picks.len() == TICKS {
            picks.pop();
        }
        picks.push(n - 1);
    }
    for i in picks {
        // Centred under its hour, kept inside the chart (a label is about 66 units wide).
        let x =
            (LEFT + (slot_of[i] as f64 + 0.5) * slot_w).clamp(LEFT + 34.0, WIDTH - RIGHT - 34.0);
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            HEIGHT - 10.0,
            xml_escape(&hour_label(hours[i], with_year))
        );
    }
}

/// `2024-06-27T01:00:00.000+02:00` → `06-27 01:00`, or `2024-06-27 01:00` when the
/// chart spans more than one year; anything else as it is.
fn hour_label(hour: &str, with_year: bool) -> String {
    let from = if with_year { 0 } else { 5 };
    match (hour.get(from..10), hour.get(11..16)) {
        (Some(day), Some(time)) if hour.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {time}")
        }
        _ => hour.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_are_gaps_on_the_axis() {
        let hours = [
            "2024-06-27T01:00:00.000+02:00",
            "2024-06-27T04:00:00.000+02:00",
        ];
        assert_eq!(slots(&hours), vec![0, 3]);
        // Hours that cannot be read are drawn in order.
        assert_eq!(slots(&["a", "b"]), vec![0, 1]);
    }

    #[test]
    fn nothing_to_draw_is_no_chart() {
        let s = [Series {
            name: "q",
            values: vec![0.0],
        }];
        assert!(hourly(
            "x",
            &["2024-06-27T01:00:00Z"],
            &s,
            Layout::Stacked,
            Unit::Count
        )
        .is_none());
        assert!(hourly("x", &[], &[], Layout::Grouped, Unit::Count).is_none());
    }

    #[test]
    fn bars_carry_their_figures_escaped() {
        let s = [Series {
            name: "<runs>",
            values: vec![474.0, 730.0],
        }];
        let hours = [
            "2024-06-27T01:00:00.000+02:00",
            "2024-06-27T02:00:00.000+02:00",
        ];
        let svg = hourly("a & b", &hours, &s, Layout::Stacked, Unit::Count).unwrap();
        assert!(svg.contains("<title>a &amp; b</title>"));
        assert!(svg.contains("<title>2024-06-27T02:00:00.000+02:00: 730 &lt;runs&gt;</title>"));
        assert!(svg.contains(">06-27 01:00</text>"));
        assert_eq!(
            hour_label("2022-11-27T18:00:00.000Z", true),
            "2022-11-27 18:00"
        );
        assert_eq!(Unit::Count.ceiling(730.0), 800.0);
        assert_eq!(Unit::Count.ceiling(474.0), 800.0);
        assert_eq!(Unit::Count.ceiling(5.0), 8.0);
        assert_eq!(Unit::Count.ceiling(1.0), 4.0);
        assert_eq!(Unit::Count.ceiling(90.0), 100.0);
        assert_eq!(Unit::Millis.ceiling(3.0), 4.0);
        assert_eq!(Unit::Millis.ceiling(60_000.0), 80_000.0);
    }
}
