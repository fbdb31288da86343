//! `sweep_<metric>`: a metric's mean and 95% CI per sweep point, one line
//! per flag value, and `sweep_saved_<metric>`: the paired saving off − on
//! with its 95% CI per point, both from `sweep_summary.csv`. Parameter
//! values are shown as the user wrote them (`30m`), so the x axis is
//! categorical, in point order.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    DrawError, Folder, Frame, Swatch, TickedAxis, desc_font, draw_empty, draw_frame, error_bar,
    flag_color, flag_label, impl_chart, label_font, tick_formatter,
};
use crate::output::read::{self, MeanCi, SweepSummary};

/// The metrics drawn per flag value (`sweep_<metric>`), by `sweep_summary.csv` name.
pub(super) const METRICS: [&str; 3] = ["user_minutes", "rejected", "window_ms_total"];

/// The metrics whose paired saving is drawn (`sweep_saved_<metric>`).
pub(super) const SAVED_METRICS: [&str; 1] = ["user_minutes"];

/// The saving off − on (Okabe-Ito bluish green, beside the flags' vermillion and blue).
const SAVED_COLOR: RGBColor = RGBColor(0, 158, 115);

/// Axis description and the factor from the CSV unit to the axis unit.
fn metric_axis(metric: &str) -> (&'static str, &'static str, f64) {
    match metric {
        "user_minutes" => ("User-minutes in prompt loops", "user-minutes [min]", 1.0),
        "rejected" => ("Rejected requests (401)", "rejected requests", 1.0),
        "window_ms_total" => (
            "Total failure-window time",
            "failure-window time [min]",
            1.0 / 60_000.0,
        ),
        _ => ("", "", 1.0),
    }
}

/// One line of a sweep chart: one optional summary per point.
struct Series {
    color: RGBColor,
    values: Vec<Option<MeanCi>>,
}

pub(super) struct SweepChart {
    frame: Frame,
    /// Category labels, in point order.
    points: Vec<String>,
    x_desc: String,
    y_desc: String,
    series: Vec<Series>,
    /// Shown instead of the lines when no series has a value.
    no_values: &'static str,
}

impl_chart!(SweepChart);

fn scaled(m: MeanCi, scale: f64) -> MeanCi {
    MeanCi {
        mean: m.mean * scale,
        ci_low: m.ci_low.map(|v| v * scale),
        ci_high: m.ci_high.map(|v| v * scale),
    }
}

/// Point labels, the x axis description and the replications text of `summary`.
fn layout(summary: &SweepSummary) -> (Vec<String>, String, String) {
    let points = summary
        .rows
        .iter()
        .map(|row| {
            if row.values.is_empty() {
                format!("point {}", row.point)
            } else {
                row.values.join(", ")
            }
        })
        .collect();
    let x_desc = if summary.parameters.is_empty() {
        "sweep point".into()
    } else {
        summary.parameters.join(", ")
    };
    let reps: Vec<u64> = summary.rows.iter().map(|r| r.replications).collect();
    let reps_text = match (reps.iter().min(), reps.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} replications per point"),
        (Some(a), Some(b)) => format!("{a} to {b} replications per point"),
        _ => String::new(),
    };
    (points, x_desc, reps_text)
}

fn read_summary(folder: &Folder) -> Result<SweepSummary, String> {
    read::read_sweep_summary(&folder.dir.join("sweep_summary.csv")).map_err(|e| e.to_string())
}

/// `sweep_<metric>`: the mean per flag value.
pub(super) fn build(folder: &Folder, metric: &str) -> Result<Box<dyn super::Chart>, String> {
    let summary = read_summary(folder)?;
    let (title, y_desc, scale) = metric_axis(metric);
    let (points, x_desc, reps_text) = layout(&summary);
    let mut legend = Vec::new();
    let mut series = Vec::new();
    for flag in [false, true] {
        let values: Vec<Option<MeanCi>> = summary
            .rows
            .iter()
            .map(|r| {
                r.metric(metric)
                    .and_then(|m| m.flag(flag))
                    .map(|m| scaled(m, scale))
            })
            .collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        legend.push((
            flag_label(flag).to_string(),
            Swatch::Line(flag_color(flag), 2),
        ));
        series.push(Series {
            color: flag_color(flag),
            values,
        });
    }
    Ok(Box::new(SweepChart {
        frame: Frame {
            title: format!("{title} across the sweep"),
            subtitle: Some(format!("mean with 95% confidence interval; {reps_text}")),
            legend,
        },
        points,
        x_desc,
        y_desc: y_desc.to_string(),
        series,
        no_values: "sweep_summary.csv has no means",
    }))
}

/// `sweep_saved_<metric>`: the paired saving off − on per point.
pub(super) fn build_saved(folder: &Folder, metric: &str) -> Result<Box<dyn super::Chart>, String> {
    let summary = read_summary(folder)?;
    let (title, y_desc, scale) = metric_axis(metric);
    let (points, x_desc, reps_text) = layout(&summary);
    let values: Vec<Option<MeanCi>> = summary
        .rows
        .iter()
        .map(|r| {
            r.metric(metric)
                .and_then(|m| m.saved)
                .map(|m| scaled(m, scale))
        })
        .collect();
    Ok(Box::new(SweepChart {
        frame: Frame {
            title: format!("{title} saved by the read session across the sweep"),
            subtitle: Some(format!(
                "paired difference flag off − on per replication (same random history), \
                 mean with 95% confidence interval; {reps_text}"
            )),
            legend: vec![(
                "saved: flag off − flag on".to_string(),
                Swatch::Line(SAVED_COLOR, 2),
            )],
        },
        points,
        x_desc,
        y_desc: match y_desc.find(" [") {
            Some(i) => format!("{} saved (off − on){}", &y_desc[..i], &y_desc[i..]),
            None => format!("{y_desc} saved (off − on)"),
        },
        series: vec![Series {
            color: SAVED_COLOR,
            values,
        }],
        no_values: "only one flag value ran: no paired saving",
    }))
}

impl SweepChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        if self.points.is_empty() {
            return draw_empty(&area, "sweep_summary.csv has no rows");
        }
        if self
            .series
            .iter()
            .all(|s| s.values.iter().all(Option::is_none))
        {
            return draw_empty(&area, self.no_values);
        }
        let n = self.points.len();
        let top = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .map(|m| m.ci_high.unwrap_or(m.mean).max(m.mean))
            .fold(0.0, f64::max);
        let bottom = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .map(|m| m.ci_low.unwrap_or(m.mean).min(m.mean))
            .fold(0.0, f64::min);
        let y1 = if top <= 0.0 { 1.0 } else { top * 1.12 };
        let y0 = if bottom < 0.0 { bottom * 1.12 } else { 0.0 };
        let step = n.div_ceil(16).max(1);
        let ticks: Vec<f64> = (0..n).step_by(step).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(TickedAxis::new(-0.5..n as f64 - 0.5, ticks), y0..y1)?;
        let fx = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                self.points.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let fy = tick_formatter(y1 - y0);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(8)
            .max_light_lines(0)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        let count = self.series.len() as f64;
        if y0 < 0.0 {
            // A saving (or a CI bound) below zero: mark zero.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                RGBColor(120, 120, 120).stroke_width(1),
            )))?;
        }
        for (k, series) in self.series.iter().enumerate() {
            // Offset the flag values a little so their error bars do not overlap.
            let dx = (k as f64 - (count - 1.0) / 2.0) * 0.08;
            let (color, values) = (series.color, &series.values);
            let pts: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, m)| Some((i as f64 + dx, m.as_ref()?.mean)))
                .collect();
            chart.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?;
            for (i, m) in values.iter().enumerate() {
                let Some(m) = m else { continue };
                let x = i as f64 + dx;
                if let (Some(lo), Some(hi)) = (m.ci_low, m.ci_high) {
                    for seg in error_bar(x, lo, hi, 0.06, true) {
                        chart.draw_series(std::iter::once(PathElement::new(
                            seg,
                            color.stroke_width(2),
                        )))?;
                    }
                }
            }
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 5, color.filled())))?;
        }
        Ok(())
    }
}
