//! `rejections`: the share of requests rejected (401) per time-series
//! bucket, flag off and on overlaid, for the same run pair as the timeline,
//! with maintenance shaded and rollovers marked.
//!
//! The rejections of a 14-day run fill an hour or two: without
//! `--from/--to`, a long run gets a second, larger panel around the failure
//! windows of its busiest day (the timeline's day, see [`super::zoom`]),
//! marked on the whole-run panel above it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::zoom::{self, range_text};
use super::{
    ChartOptions, DrawError, Folder, Frame, ROLLOVER_COLOR, Swatch, TimeAxis, desc_font,
    draw_empty, draw_frame, draw_label, explicit_or_full, flag_color, flag_label, font, impl_chart,
    label_font, tick_formatter,
};
use crate::engine::time::format_duration;
use crate::metrics::{StateKind, WindowRecord};
use crate::output::read::BucketRow;
use crate::scenario::clock::WallClock;

/// More buckets than this in a panel's range are merged (keeping each
/// group's peak), so that a 14-day run at 1-minute buckets stays a light SVG.
const MAX_STEPS: usize = 1500;

/// A zoomed panel is added when the stretch it shows is at most this share
/// of the run (a wider one would show little more than the whole run does).
const ZOOM_AT_MOST: u64 = 4;

/// Maintenance shading.
const MAINTENANCE_COLOR: RGBColor = RGBColor(120, 120, 120);
/// The zoomed range, marked on the whole-run panel.
const MARK_COLOR: RGBColor = RGBColor(240, 200, 40);

/// A horizontal step: start [ms], end [ms], rejected share [%].
type Step = (u64, u64, f64);

/// One time axis of the chart.
struct Panel {
    /// Above the plot; `None` with a single panel (the subtitle says it).
    caption: Option<String>,
    range: (u64, u64),
    /// Per flag value: (read_session, steps).
    series: Vec<(bool, Vec<Step>)>,
    /// The range a panel below shows in detail.
    marked: Option<(u64, u64)>,
}

pub(super) struct RejectionsChart {
    frame: Frame,
    /// `simulation.start`: the time axes are dated.
    start: Option<WallClock>,
    panels: Vec<Panel>,
    maintenance: Vec<(u64, u64)>,
    /// (key, signing instant).
    rollovers: Vec<(u32, u64)>,
}

impl_chart!(RejectionsChart);

pub(super) fn build(
    folder: &Folder,
    options: &ChartOptions,
) -> Result<Box<dyn super::Chart>, String> {
    let focus = folder.focus()?;
    let buckets = folder.focus_timeseries()?;
    let horizon = match options.horizon_ms {
        Some(h) => h,
        None => folder.horizon_ms()?,
    };
    let bucket = folder.bucket_ms()?.unwrap_or(horizon.max(1));
    let windows: Vec<&WindowRecord> = folder
        .windows()?
        .iter()
        .filter(|w| focus.contains(&w.id))
        .map(|w| &w.window)
        .collect();

    // (range, caption); the first panel is the whole run or the chosen range.
    let whole = explicit_or_full(options.zoom, horizon)?;
    let mut ranges: Vec<(u64, u64)> = vec![whole];
    if options.zoom.is_none() {
        let day = zoom::busiest_day_or_whole(None, horizon, &windows)?.range;
        if let Some(z) = zoom::around_windows(&windows, day)
            && (z.1 - z.0) * ZOOM_AT_MOST <= whole.1 - whole.0
        {
            ranges.push(z);
        }
    }
    let zoomed = ranges.get(1).copied();

    let mut subtitle = match focus.first() {
        Some(id) => format!("seed {}, replication {}", id.seed, id.replication),
        None => String::new(),
    };
    let mut panels = Vec::new();
    for (i, &range) in ranges.iter().enumerate() {
        let (series, group) = steps(buckets, &focus, bucket, range);
        let grouped = if group > 1 {
            format!(" · peak of every {group} buckets shown")
        } else {
            String::new()
        };
        let caption = match (zoomed, i) {
            (None, _) => {
                subtitle.push_str(&grouped);
                if options.zoom.is_some() {
                    subtitle.push_str(&format!(" · {}", range_text(range, options.start.as_ref())));
                }
                None
            }
            (Some(_), 0) => Some(format!("whole run ({}){grouped}", format_duration(horizon))),
            (Some(z), _) => Some(format!(
                "{}: around the failure windows of the busiest day{grouped}",
                range_text(z, options.start.as_ref())
            )),
        };
        panels.push(Panel {
            caption,
            range,
            series,
            marked: if i == 0 { zoomed } else { None },
        });
    }

    // Maintenance of the first focus run (the flag does not change it).
    let mut maintenance: Vec<(u64, u64)> = folder
        .focus_timeline()?
        .iter()
        .filter(|r| focus.first() == Some(&r.id))
        .filter(|r| {
            matches!(
                r.interval.state,
                StateKind::Draining | StateKind::Maintenance
            )
        })
        .map(|r| (r.interval.start_ms, r.interval.end_ms))
        .collect();
    maintenance.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (s, e) in maintenance {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }

    let mut rollovers: Vec<(u32, u64)> = folder
        .rollovers()?
        .iter()
        .filter(|r| focus.contains(&r.id))
        .map(|r| (r.rollover.key, r.rollover.sign_ms))
        .collect();
    rollovers.sort_unstable();
    rollovers.dedup();

    let mut legend: Vec<(String, Swatch)> = panels[0]
        .series
        .iter()
        .map(|(flag, _)| {
            (
                flag_label(*flag).to_string(),
                Swatch::Line(flag_color(*flag), 2),
            )
        })
        .collect();
    if !merged.is_empty() {
        legend.push((
            "server maintenance (draining or offline)".into(),
            Swatch::Block(MAINTENANCE_COLOR.mix(0.25)),
        ));
    }
    if !rollovers.is_empty() {
        legend.push((
            "new key signs tokens".into(),
            Swatch::Line(ROLLOVER_COLOR, 2),
        ));
    }
    if zoomed.is_some() {
        legend.push((
            "shown below in detail".into(),
            Swatch::Block(MARK_COLOR.mix(0.45)),
        ));
    }
    Ok(Box::new(RejectionsChart {
        frame: Frame {
            title: format!(
                "Rejected requests (401) per {} bucket",
                format_duration(bucket)
            ),
            subtitle: Some(subtitle),
            legend,
        },
        panels,
        maintenance: merged,
        rollovers,
        start: options.start,
    }))
}

/// The steps of each focus run in `range`, and how many buckets each step
/// merges (at most [`MAX_STEPS`] steps per run).
fn steps(
    buckets: &[BucketRow],
    focus: &[crate::metrics::RunId],
    bucket: u64,
    range: (u64, u64),
) -> (Vec<(bool, Vec<Step>)>, usize) {
    let in_range = |start: u64| start.saturating_add(bucket) > range.0 && start < range.1;
    let total_in_range = focus.first().map_or(0, |id| {
        buckets
            .iter()
            .filter(|b| b.id == *id && in_range(b.bucket.bucket_start_ms))
            .count()
    });
    let group = total_in_range.div_ceil(MAX_STEPS).max(1);
    let mut series = Vec::new();
    for id in focus {
        let mut steps: Vec<Step> = Vec::new();
        let rows: Vec<_> = buckets
            .iter()
            .filter(|b| b.id == *id && in_range(b.bucket.bucket_start_ms))
            .collect();
        for chunk in rows.chunks(group) {
            let start = chunk[0].bucket.bucket_start_ms;
            let end = chunk[chunk.len() - 1]
                .bucket
                .bucket_start_ms
                .saturating_add(bucket);
            let peak = chunk
                .iter()
                .map(|b| {
                    if b.bucket.requests == 0 {
                        0.0
                    } else {
                        100.0 * b.bucket.rejected as f64 / b.bucket.requests as f64
                    }
                })
                .fold(0.0, f64::max);
            steps.push((start, end, peak));
        }
        series.push((id.read_session, steps));
    }
    series.sort_by_key(|s| s.0);
    (series, group)
}

impl RejectionsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        let parts = match self.panels.len() {
            1 => vec![area],
            _ => {
                // The detail gets the larger share: it is what the chart is for.
                let h = area.dim_in_pixel().1;
                let (top, bottom) = area.split_vertically(h * 2 / 5);
                vec![top, bottom]
            }
        };
        for (i, (panel, part)) in self.panels.iter().zip(&parts).enumerate() {
            self.draw_panel(root, part, panel, i + 1 == self.panels.len())?;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        last: bool,
    ) -> Result<(), DrawError> {
        let range = panel.range;
        if panel.series.iter().all(|(_, s)| s.is_empty()) {
            return draw_empty(area, "no time-series buckets in this range");
        }
        // A range that does not start at 0 is labelled with instants
        // ("10d 22h"): hours or minutes since the start in the hundreds
        // or thousands do not read.
        let instants = range.0 > 0;
        let span = range.1 - range.0;
        let axis = if instants && span > 2 * 3_600_000 {
            TimeAxis::of_unit(3_600_000.0, "h")
        } else {
            TimeAxis::for_span(span)
        }
        .dated(self.start);
        let (x0, x1) = (axis.x(range.0), axis.x(range.1));
        let peak = panel
            .series
            .iter()
            .flat_map(|(_, s)| s.iter().map(|p| p.2))
            .fold(0.0, f64::max);
        let y1 = if peak <= 0.0 {
            1.0
        } else {
            (peak * 1.12).min(100.0)
        };
        let mut builder = ChartBuilder::on(area);
        if let Some(c) = &panel.caption {
            builder.caption(c, font(18));
        }
        let mut chart = builder
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(if last { 8 } else { 12 })
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(axis.coord(range.0, range.1), 0.0..y1)?;
        let numbers = tick_formatter(x1 - x0);
        let unit_ms = axis.unit_ms;
        let at = move |v: &f64| format_duration((v * unit_ms).round().max(0.0) as u64);
        // With a start, dates and times of day, wherever the range starts.
        let dated = |v: &f64| axis.label(*v, &numbers);
        let fx: &dyn Fn(&f64) -> String = if axis.is_dated() {
            &dated
        } else if instants {
            &at
        } else {
            &numbers
        };
        let fy = tick_formatter(y1);
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(if instants { 8 } else { 12 })
            .y_labels(if self.panels.len() > 1 { 5 } else { 8 })
            .max_light_lines(0)
            .x_label_formatter(fx)
            .y_label_formatter(&fy)
            .y_desc("rejected [%]")
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .bold_line_style(RGBColor(225, 225, 225));
        mesh.x_desc(if axis.is_dated() {
            axis.desc_of(range)
        } else if instants {
            "time since start".to_string()
        } else {
            axis.desc()
        });
        mesh.draw()?;

        let clip = |t: u64| axis.x(t.clamp(range.0, range.1));
        if let Some((s, e)) = panel.marked {
            // At least 6 px wide: four hours of 14 days are 13 px.
            let (plot_w, _) = chart.plotting_area().dim_in_pixel();
            let min_w = (x1 - x0) * 6.0 / f64::from(plot_w.max(1));
            let (a, b) = (clip(s), clip(e));
            let grow = (min_w - (b - a)).max(0.0) / 2.0;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a - grow, 0.0), (b + grow, y1)],
                MARK_COLOR.mix(0.45).filled(),
            )))?;
        }
        chart.draw_series(
            self.maintenance
                .iter()
                .filter(|(s, e)| *s < range.1 && *e > range.0)
                .map(|(s, e)| {
                    Rectangle::new(
                        [(clip(*s), 0.0), (clip(*e), y1)],
                        MAINTENANCE_COLOR.mix(0.25).filled(),
                    )
                }),
        )?;
        for (key, t) in &self.rollovers {
            if !(range.0..=range.1).contains(t) {
                continue;
            }
            let x = axis.x(*t);
            // Thin, so that a rejection spike at the same instant shows.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, y1)],
                ROLLOVER_COLOR.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(x, y1));
            let style = font(15)
                .color(&ROLLOVER_COLOR)
                .pos(Pos::new(HPos::Left, VPos::Top));
            draw_label(root, &format!("k{key}"), (px + 4, py + 2), style)?;
        }
        // Flag off first and thicker, so that flag on stays visible on top.
        for (flag, steps) in &panel.series {
            let mut points = Vec::with_capacity(steps.len() * 2);
            for (s, e, v) in steps {
                points.push((clip(*s), *v));
                points.push((clip(*e), *v));
            }
            let width = if *flag { 2 } else { 3 };
            chart.draw_series(LineSeries::new(
                points,
                flag_color(*flag).stroke_width(width),
            ))?;
        }
        Ok(())
    }
}
