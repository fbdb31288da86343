//! What every chart shares: colours, fonts, the title and legend frame,
//! axes, and number and duration formatting.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawError, FAMILY, WIDTH};
use crate::engine::time::format_duration;
use crate::scenario::clock::WallClock;

/// Flag off (write session).
pub(crate) const OFF_COLOR: RGBColor = RGBColor(213, 94, 0);
/// Flag on (read session).
pub(crate) const ON_COLOR: RGBColor = RGBColor(0, 114, 178);
/// Failure windows.
pub(crate) const WINDOW_COLOR: RGBColor = RGBColor(200, 16, 32);
/// Rollover instants.
pub(crate) const ROLLOVER_COLOR: RGBColor = RGBColor(106, 61, 154);
/// Secondary text.
pub(crate) const GREY_TEXT: RGBColor = RGBColor(90, 90, 90);

/// The colour of a flag value.
pub(crate) fn flag_color(read_session: bool) -> RGBColor {
    if read_session { ON_COLOR } else { OFF_COLOR }
}

/// The legend name of a flag value.
pub(crate) fn flag_label(read_session: bool) -> &'static str {
    if read_session {
        "flag on (read session)"
    } else {
        "flag off (write session)"
    }
}

/// A text style of the bundled font.
pub(crate) fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Axis label style.
pub(crate) fn label_font() -> TextStyle<'static> {
    font(17)
}

/// Axis description style.
pub(crate) fn desc_font() -> TextStyle<'static> {
    font(19)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line of this width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor),
    /// A dotted line.
    Dotted(RGBColor),
    /// A filled box.
    Block(RGBAColor),
    /// A filled dot.
    Dot(RGBColor),
}

/// Title, subtitle and legend of a chart.
pub(crate) struct Frame {
    pub title: String,
    pub subtitle: Option<String>,
    pub legend: Vec<(String, Swatch)>,
}

/// Fills the background, draws the title, subtitle and a legend row (never
/// over the data), and returns the area left for the plot.
pub(crate) fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    root.fill(&WHITE)?;
    let centre = (WIDTH / 2) as i32;
    let top = Pos::new(HPos::Center, VPos::Top);
    let mut y = 12;
    root.draw(&Text::new(
        frame.title.clone(),
        (centre, y),
        font(28).pos(top),
    ))?;
    y += 36;
    if let Some(sub) = &frame.subtitle {
        let style = font(17).color(&GREY_TEXT).pos(top);
        root.draw(&Text::new(sub.clone(), (centre, y), style))?;
        y += 26;
    }
    if !frame.legend.is_empty() {
        let style = font(17);
        const SWATCH: i32 = 26;
        const GAP: i32 = 6;
        const SPACING: i32 = 28;
        let max_row = WIDTH as i32 - 80;
        // Lay the entries out in rows, then centre each row.
        let mut rows: Vec<Vec<(&str, Swatch, i32)>> = vec![Vec::new()];
        let mut row_w = 0;
        for (label, swatch) in &frame.legend {
            let (tw, _) = root.estimate_text_size(label, &style)?;
            let w = SWATCH + GAP + tw as i32;
            let needed = if row_w == 0 { w } else { row_w + SPACING + w };
            if needed > max_row && row_w > 0 {
                rows.push(Vec::new());
                row_w = w;
            } else {
                row_w = needed;
            }
            if let Some(row) = rows.last_mut() {
                row.push((label.as_str(), *swatch, w));
            }
        }
        y += 4;
        for row in rows {
            let total: i32 =
                row.iter().map(|e| e.2).sum::<i32>() + SPACING * (row.len() as i32 - 1);
            let mut x = centre - total / 2;
            let cy = y + 9;
            for (label, swatch, w) in row {
                draw_swatch(root, swatch, x, cy)?;
                let left = Pos::new(HPos::Left, VPos::Center);
                root.draw(&Text::new(
                    label.to_string(),
                    (x + SWATCH + GAP, cy),
                    style.pos(left),
                ))?;
                x += w + SPACING;
            }
            y += 24;
        }
    }
    Ok(root.split_vertically(y + 4).1)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
) -> Result<(), DrawError> {
    match swatch {
        Swatch::Line(c, w) => {
            root.draw(&PathElement::new(
                vec![(x, y), (x + 26, y)],
                c.stroke_width(w),
            ))?;
        }
        Swatch::Dashed(c) => {
            for i in 0..3 {
                let x0 = x + i * 10;
                root.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 6, y)],
                    c.stroke_width(2),
                ))?;
            }
        }
        Swatch::Dotted(c) => {
            for i in 0..6 {
                let x0 = x + i * 5;
                root.draw(&PathElement::new(
                    vec![(x0, y), (x0 + 2, y)],
                    c.stroke_width(2),
                ))?;
            }
        }
        Swatch::Block(c) => {
            root.draw(&Rectangle::new(
                [(x + 2, y - 7), (x + 24, y + 7)],
                c.filled(),
            ))?;
        }
        Swatch::Dot(c) => {
            root.draw(&Circle::new((x + 13, y), 5, c.filled()))?;
        }
    }
    Ok(())
}

/// Draws a text at an absolute backend position (e.g. from
/// `ChartContext::backend_coord`), which the chart's own coordinates cannot
/// address (labels outside the plotting area).
pub(crate) fn draw_text_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    pos: (i32, i32),
    style: TextStyle<'_>,
) -> Result<(), DrawError> {
    root.draw(&Text::new(text.to_string(), pos, style))?;
    Ok(())
}

/// Like [`draw_text_at`] on a white box, for labels over data.
pub(crate) fn draw_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    pos: (i32, i32),
    style: TextStyle<'_>,
) -> Result<(), DrawError> {
    let (w, h) = root.estimate_text_size(text, &style)?;
    let (w, h) = (w as i32, h as i32);
    // The box assumes a left-top anchor, which every caller uses.
    root.draw(&Rectangle::new(
        [(pos.0 - 2, pos.1 - 1), (pos.0 + w + 2, pos.1 + h + 2)],
        WHITE.mix(0.85).filled(),
    ))?;
    draw_text_at(root, text, pos, style)
}

/// Draws a dashed vertical or any straight segment in data coordinates.
pub(crate) fn dashed_segment(
    from: (f64, f64),
    to: (f64, f64),
    dash: u32,
    gap: u32,
    style: ShapeStyle,
) -> DashedLineSeries<std::vec::IntoIter<(f64, f64)>, u32> {
    DashedLineSeries::new(vec![from, to], dash, gap, style)
}

/// The segments of an error bar (a 95% CI) from `lo` to `hi` at `at`, with
/// caps `cap` long on each side: vertical (at x = `at`) or horizontal (at
/// y = `at`), in data coordinates.
pub(crate) fn error_bar(
    at: f64,
    lo: f64,
    hi: f64,
    cap: f64,
    vertical: bool,
) -> [Vec<(f64, f64)>; 3] {
    let p = |along: f64, across: f64| {
        if vertical {
            (across, along)
        } else {
            (along, across)
        }
    };
    [
        vec![p(lo, at), p(hi, at)],
        vec![p(lo, at - cap), p(lo, at + cap)],
        vec![p(hi, at - cap), p(hi, at + cap)],
    ]
}

/// A linear `f64` axis with the tick positions given (categories at
/// integers). plotters' `with_key_points` wrapper loses the `f64`
/// formatter, so this small axis type stands in for it.
pub(crate) struct TickedAxis {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
}

impl TickedAxis {
    pub fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> TickedAxis {
        TickedAxis { range, ticks }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span <= 0.0 {
            return limit.0;
        }
        let share = (value - self.range.start) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// A message in the middle of an empty plot area.
pub(crate) fn draw_empty<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
) -> Result<(), DrawError> {
    let (w, h) = area.dim_in_pixel();
    let style = font(20)
        .color(&GREY_TEXT)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Time and numbers.

/// The unit of a time axis, chosen from the span shown; with a
/// `simulation.start`, dated: ticks fall on whole UTC hours and days and
/// are labelled with the time of day, or the date at midnight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TimeAxis {
    /// Milliseconds per axis unit.
    pub unit_ms: f64,
    /// Unit symbol.
    pub unit: &'static str,
    /// The start of the run, if known: the axis is dated.
    clock: Option<WallClock>,
    /// Added to every instant before it becomes an axis value: the start's
    /// time of day in UTC, so that axis values count from the midnight
    /// before the start and whole values are whole hours and days.
    shift_ms: u64,
}

const DAY: u64 = 86_400_000;

impl TimeAxis {
    /// Minutes up to 4 h, hours up to 4 days, days beyond.
    pub fn for_span(span_ms: u64) -> TimeAxis {
        if span_ms <= 4 * 3_600_000 {
            TimeAxis::of_unit(60_000.0, "min")
        } else if span_ms <= 4 * DAY {
            TimeAxis::of_unit(3_600_000.0, "h")
        } else {
            TimeAxis::of_unit(86_400_000.0, "d")
        }
    }

    /// An axis of `unit_ms` per unit, named `unit`, not dated.
    pub fn of_unit(unit_ms: f64, unit: &'static str) -> TimeAxis {
        TimeAxis {
            unit_ms,
            unit,
            clock: None,
            shift_ms: 0,
        }
    }

    /// The axis dated from `clock` (`simulation.start`), if there is one.
    pub fn dated(mut self, clock: Option<WallClock>) -> TimeAxis {
        self.clock = clock;
        self.shift_ms = clock.map_or(0, |c| {
            c.start().as_millisecond().rem_euclid(DAY as i64) as u64
        });
        self
    }

    /// The x coordinate from `from` to `to` [ms].
    pub fn coord(&self, from: u64, to: u64) -> TimeRange {
        TimeRange {
            inner: (self.x(from)..self.x(to)).into(),
            axis: *self,
        }
    }

    /// Whether the axis shows dates and times of day.
    pub fn is_dated(&self) -> bool {
        self.clock.is_some()
    }

    /// An instant in axis units.
    pub fn x(&self, ms: u64) -> f64 {
        ms.saturating_add(self.shift_ms) as f64 / self.unit_ms
    }

    /// The axis description.
    pub fn desc(&self) -> String {
        match self.clock {
            Some(_) => "time (UTC)".to_string(),
            None => format!("time since start [{}]", self.unit),
        }
    }

    /// The axis description for `range` [ms]: with a start, the dates it
    /// covers (tick labels show only times of day between midnights).
    pub fn desc_of(&self, range: (u64, u64)) -> String {
        let Some(clock) = self.clock else {
            return self.desc();
        };
        let first = utc(clock.at(range.0));
        // The range ends before its end instant.
        let last = utc(clock.at(range.1.saturating_sub(1).max(range.0)));
        if first.date() == last.date() {
            format!("time (UTC), {}", first.date())
        } else {
            format!("date and time (UTC), {} to {}", first.date(), last.date())
        }
    }

    /// The tick label of axis value `v`: a number of units, or with a
    /// start the date at a UTC midnight and the time of day otherwise
    /// (`Apr 15`, `22:00`, `22:10:30`).
    pub fn label(&self, v: f64, numbers: &dyn Fn(&f64) -> String) -> String {
        let Some(clock) = self.clock else {
            return numbers(&v);
        };
        let ms = (v * self.unit_ms).round() as i64 - self.shift_ms as i64;
        let instant = clock.start().as_millisecond().saturating_add(ms).clamp(
            jiff::Timestamp::MIN.as_millisecond(),
            jiff::Timestamp::MAX.as_millisecond(),
        );
        let Ok(t) = jiff::Timestamp::from_millisecond(instant) else {
            return numbers(&v);
        };
        wall_label(utc(t))
    }
}

/// The x coordinate of a [`TimeAxis`]: plotters' own `f64` axis, whose
/// ticks it keeps, except on a dated axis, whose ticks fall on whole
/// seconds, minutes, hours or days of UTC (plotters' steps of 1, 2 and 5
/// units would put them at 22:30, 23:20, 00:10).
pub(crate) struct TimeRange {
    inner: plotters::coord::types::RangedCoordf64,
    axis: TimeAxis,
}

/// Tick steps of a dated axis [ms]; beyond the last, doublings of it.
const STEPS: [u64; 21] = [
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
];

impl TimeRange {
    /// Ticks at multiples of the smallest step that gives at most `max`
    /// of them (axis values count from a UTC midnight: see [`TimeAxis`]).
    fn dated_ticks(&self, max: usize) -> Vec<f64> {
        let range = self.inner.range();
        let unit = self.axis.unit_ms;
        let lo = (range.start * unit).ceil().max(0.0) as u64;
        let hi = (range.end * unit).floor().max(0.0) as u64;
        if max == 0 || hi < lo {
            return Vec::new();
        }
        // Multiples of `step` in [lo, hi].
        let count = |step: u64| (hi / step + 1).saturating_sub(lo.div_ceil(step));
        let mut step = STEPS[0];
        let mut i = 0;
        while count(step) > max as u64 {
            i += 1;
            step = STEPS.get(i).copied().unwrap_or(step.saturating_mul(2));
        }
        let first = lo.div_ceil(step) * step;
        (0..)
            .map(|k| first + k * step)
            .take_while(|&t| t <= hi)
            .map(|t| t as f64 / unit)
            .collect()
    }
}

impl Ranged for TimeRange {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if !self.axis.is_dated() {
            return self.inner.key_points(hint);
        }
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        self.dated_ticks(hint.max_num_points())
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// The UTC date and time `ms` after the start of `clock`, for captions:
/// `2026-04-15 22:00`, with seconds and milliseconds only when not zero.
pub(crate) fn wall_text(clock: &WallClock, ms: u64) -> String {
    let t = utc(clock.at(ms));
    let mut text = format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute());
    match (t.second(), t.millisecond()) {
        (0, 0) => {}
        (s, 0) => text.push_str(&format!(":{s:02}")),
        (s, ms) => text.push_str(&format!(":{s:02}.{ms:03}")),
    }
    text
}

/// `t` as a UTC date and time.
fn utc(t: jiff::Timestamp) -> jiff::civil::DateTime {
    jiff::tz::Offset::UTC.to_datetime(t)
}

/// A tick label: `Apr 15` at midnight, `22:00`, or `22:10:30` within a
/// minute.
fn wall_label(t: jiff::civil::DateTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    if (h, m, s, t.millisecond()) == (0, 0, 0, 0) {
        let month = MONTHS[usize::try_from(t.month() - 1).unwrap_or(0).min(11)];
        format!("{month} {}", t.day())
    } else if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// `v` with at most `decimals` decimals, trailing zeros dropped, no `-0`.
pub(crate) fn fmt_decimals(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Tick labels for an axis spanning `span` units: enough decimals for
/// ticks at steps of 1, 2 or 5 times a power of ten (trailing zeros are
/// dropped; a loop rather than `log10` keeps the choice the same on every
/// machine).
pub(crate) fn tick_formatter(span: f64) -> impl Fn(&f64) -> String {
    let mut decimals = 2;
    let mut step = span.abs() / 8.0;
    while step > 0.0 && step < 1.0 && decimals < 8 {
        step *= 10.0;
        decimals += 1;
    }
    move |v: &f64| fmt_decimals(*v, decimals)
}

/// A value for reading (titles, tables): about four significant digits,
/// never an exponent.
pub fn fmt_value(v: f64) -> String {
    let a = v.abs();
    let decimals = if a >= 1000.0 || (v == v.trunc() && a < 1e15) {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.decimals$}");
    // No "-0.000" for a value that rounds to zero.
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A duration shortened for axis ticks and rounded means: its two largest
/// units, rounded down (`30m 2s`, `2d 4h`, `250ms`), written by
/// [`format_duration`]. Exact values (a hold, an instant) use
/// [`format_duration`] itself.
pub fn fmt_duration_rounded(ms: u64) -> String {
    const UNITS: [u64; 4] = [86_400_000, 3_600_000, 60_000, 1000];
    let kept = match UNITS.iter().position(|&size| ms >= size) {
        // Below a second: milliseconds, as they are.
        None => ms,
        Some(i) => {
            let finest = UNITS.get(i + 1).copied().unwrap_or(UNITS[i]);
            ms - ms % finest
        }
    };
    format_duration(kept)
}

/// The zoom range for the time-axis charts: the explicit one, else the
/// whole run `[0, horizon)`.
pub(crate) fn explicit_or_full(
    zoom: Option<(u64, u64)>,
    horizon_ms: u64,
) -> Result<(u64, u64), String> {
    match zoom {
        Some((from, to)) if from >= to => Err(format!(
            "empty time range: from {} is not before to {}",
            format_duration(from),
            format_duration(to)
        )),
        Some(r) => Ok(r),
        None => Ok((0, horizon_ms.max(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_numbers() {
        assert_eq!(fmt_duration_rounded(250), "250ms");
        assert_eq!(fmt_duration_rounded(1_500), "1s");
        assert_eq!(fmt_duration_rounded(30_000), "30s");
        assert_eq!(fmt_duration_rounded(1_800_000), "30m");
        assert_eq!(fmt_duration_rounded(1_802_400), "30m 2s");
        assert_eq!(fmt_duration_rounded(5_400_000), "1h 30m");
        assert_eq!(fmt_duration_rounded(3_600_000), "1h");
        assert_eq!(
            fmt_duration_rounded(2 * 86_400_000 + 4 * 3_600_000 + 5000),
            "2d 4h"
        );
        assert_eq!(fmt_decimals(2.0, 2), "2");
        assert_eq!(fmt_decimals(2.5, 2), "2.5");
        assert_eq!(fmt_decimals(-0.001, 2), "0");
        assert_eq!(fmt_decimals(120.0, 0), "120");
        assert_eq!(fmt_duration_rounded(0), "0s");
        let f = tick_formatter(0.02);
        assert_eq!(
            (f(&0.0125), f(&2.0)),
            ("0.0125".to_string(), "2".to_string())
        );
        let f = tick_formatter(24.0);
        assert_eq!(
            (f(&236.0), f(&236.5)),
            ("236".to_string(), "236.5".to_string())
        );
        assert_eq!(fmt_value(1322.76), "1323");
        assert_eq!(fmt_value(12.345), "12.35");
        assert_eq!(fmt_value(-0.0001), "0.000");
        assert_eq!(fmt_value(3.0), "3");
    }

    #[test]
    fn dated_axes_tick_on_whole_utc_hours_and_label_midnights_with_the_date() {
        let clock = WallClock::parse("2026-04-14T22:30:00Z").unwrap();
        let numbers = |v: &f64| format!("{v}");
        // Hours: the axis counts from the midnight before the start.
        let axis = TimeAxis::for_span(2 * DAY).dated(Some(clock));
        assert_eq!(axis.x(0), 22.5);
        assert_eq!(axis.x(90 * 60_000), 24.0);
        assert_eq!(axis.label(23.0, &numbers), "23:00");
        assert_eq!(axis.label(24.0, &numbers), "Apr 15");
        assert_eq!(axis.label(46.0, &numbers), "22:00");
        assert_eq!(axis.desc(), "time (UTC)");
        assert_eq!(
            axis.desc_of((0, DAY)),
            "date and time (UTC), 2026-04-14 to 2026-04-15"
        );
        assert_eq!(
            axis.desc_of((2 * 3_600_000, 3 * 3_600_000)),
            "time (UTC), 2026-04-15"
        );
        // Ticks on whole half hours and days (multiples of the step counted
        // from the midnight before the start), at most as many as asked for.
        let ticks = |axis: TimeAxis, from: u64, to: u64, max: usize| -> Vec<String> {
            let numbers = |v: &f64| format!("{v}");
            axis.coord(from, to)
                .dated_ticks(max)
                .iter()
                .map(|v| axis.label(*v, &numbers))
                .collect()
        };
        let four_hours = TimeAxis::for_span(4 * 3_600_000).dated(Some(clock));
        assert_eq!(
            ticks(four_hours, 0, 4 * 3_600_000, 12),
            [
                "22:30", "23:00", "23:30", "Apr 15", "00:30", "01:00", "01:30", "02:00", "02:30"
            ]
        );
        let quarter = TimeAxis::for_span(91 * DAY).dated(Some(clock));
        assert_eq!(
            ticks(quarter, 0, 91 * DAY, 12),
            ["Apr 28", "May 12", "May 26", "Jun 9", "Jun 23", "Jul 7"]
        );
        assert!(ticks(quarter, 0, 91 * DAY, 0).is_empty());
        // Days across a month end; minutes with seconds.
        let days = TimeAxis::for_span(30 * DAY).dated(Some(clock));
        assert_eq!(days.label(17.0, &numbers), "May 1");
        let minutes = TimeAxis::for_span(3_600_000).dated(Some(clock));
        assert_eq!(minutes.label(22.0 * 60.0 + 31.5, &numbers), "22:31:30");
        // Without a start nothing changes.
        let plain = TimeAxis::for_span(2 * DAY);
        assert_eq!(
            (plain.x(3_600_000), plain.label(1.0, &numbers)),
            (1.0, "1".to_string())
        );
        assert_eq!(plain.desc(), "time since start [h]");
        assert_eq!(plain.desc_of((0, DAY)), "time since start [h]");
        assert_eq!(wall_text(&clock, 0), "2026-04-14 22:30");
        assert_eq!(wall_text(&clock, 61_250), "2026-04-14 22:31:01.250");
    }
}
