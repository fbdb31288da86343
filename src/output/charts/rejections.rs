//! `rejections`: the share of requests rejected (401) per time-series
//! bucket, flag off and on overlaid, for the same run pair as the timeline,
//! with maintenance shaded and rollovers marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartOptions, DrawError, Folder, Frame, ROLLOVER_COLOR, Swatch, TimeAxis, desc_font,
    draw_empty, draw_frame, draw_label, explicit_or_full, flag_color, flag_label, font, impl_chart,
    label_font, tick_formatter,
};
use crate::engine::time::format_duration;
use crate::metrics::StateKind;

/// More buckets than this in the range are merged (keeping each group's
/// peak), so that a 14-day run at 1-minute buckets stays a light SVG.
const MAX_STEPS: usize = 1500;

/// A horizontal step: start [ms], end [ms], rejected share [%].
type Step = (u64, u64, f64);

pub(super) struct RejectionsChart {
    frame: Frame,
    /// Per flag value: (read_session, steps).
    series: Vec<(bool, Vec<Step>)>,
    maintenance: Vec<(u64, u64)>,
    /// (key, signing instant).
    rollovers: Vec<(u32, u64)>,
    range: (u64, u64),
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
    let range = explicit_or_full(options.zoom, horizon)?;
    let bucket = folder.bucket_ms()?.unwrap_or(horizon.max(1));

    let in_range = |start: u64| start.saturating_add(bucket) > range.0 && start < range.1;
    let total_in_range = focus.first().map_or(0, |id| {
        buckets
            .iter()
            .filter(|b| b.id == *id && in_range(b.bucket.bucket_start_ms))
            .count()
    });
    let group = total_in_range.div_ceil(MAX_STEPS).max(1);

    let mut series = Vec::new();
    for id in &focus {
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

    let mut legend: Vec<(String, Swatch)> = series
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
            Swatch::Block(RGBColor(120, 120, 120).mix(0.25)),
        ));
    }
    if !rollovers.is_empty() {
        legend.push((
            "new key signs tokens".into(),
            Swatch::Line(ROLLOVER_COLOR, 2),
        ));
    }
    let mut subtitle = match focus.first() {
        Some(id) => format!("seed {}, replication {}", id.seed, id.replication),
        None => String::new(),
    };
    if group > 1 {
        subtitle.push_str(&format!(" · peak of every {} buckets shown", group));
    }
    if options.zoom.is_some() {
        subtitle.push_str(&format!(
            " · {} to {}",
            format_duration(range.0),
            format_duration(range.1)
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
        series,
        maintenance: merged,
        rollovers,
        range,
    }))
}

impl RejectionsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        if self.series.iter().all(|(_, s)| s.is_empty()) {
            return draw_empty(&area, "no time-series buckets in this range");
        }
        let axis = TimeAxis::for_span(self.range.1 - self.range.0);
        let (x0, x1) = (axis.x(self.range.0), axis.x(self.range.1));
        let peak = self
            .series
            .iter()
            .flat_map(|(_, s)| s.iter().map(|p| p.2))
            .fold(0.0, f64::max);
        let y1 = if peak <= 0.0 {
            1.0
        } else {
            (peak * 1.12).min(100.0)
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..y1)?;
        let fx = tick_formatter(x1 - x0);
        let fy = tick_formatter(y1);
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(8)
            .max_light_lines(0)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .x_desc(axis.desc())
            .y_desc("rejected [% of requests]")
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        let clip = |t: u64| axis.x(t.clamp(self.range.0, self.range.1));
        chart.draw_series(
            self.maintenance
                .iter()
                .filter(|(s, e)| *s < self.range.1 && *e > self.range.0)
                .map(|(s, e)| {
                    Rectangle::new(
                        [(clip(*s), 0.0), (clip(*e), y1)],
                        RGBColor(120, 120, 120).mix(0.25).filled(),
                    )
                }),
        )?;
        for (key, t) in &self.rollovers {
            if !(self.range.0..=self.range.1).contains(t) {
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
        for (flag, steps) in &self.series {
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
