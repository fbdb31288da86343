//! `impact`: user-minutes in prompt loops per replication, flag off and flag
//! on side by side (paired dots joined by a line), with the mean paired
//! difference and its 95% Student t interval in the subtitle.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    DrawError, Folder, Frame, OFF_COLOR, ON_COLOR, Swatch, TickedAxis, dashed_segment, desc_font,
    draw_empty, draw_frame, flag_color, flag_label, fmt_value, impl_chart, label_font,
    tick_formatter,
};
use crate::metrics::stats;

/// One replication: its label and user-minutes per flag value.
struct Pair {
    label: String,
    off: Option<f64>,
    on: Option<f64>,
}

pub(super) struct ImpactChart {
    frame: Frame,
    pairs: Vec<Pair>,
    mean_off: Option<f64>,
    mean_on: Option<f64>,
}

impl_chart!(ImpactChart);

/// The paired difference off - on over the replications that ran both ways.
pub(crate) struct PairedDifference {
    /// Mean difference.
    pub mean: f64,
    /// 95% Student t interval of the mean, `None` with one pair.
    pub ci95: Option<(f64, f64)>,
    /// Complete pairs.
    pub n: usize,
    /// Pairs where the flag helped (off > on).
    pub helped: usize,
}

/// One (seed, replication) with a metric's value per flag value.
pub(crate) struct PairedValues {
    /// (seed, replication).
    pub key: (u64, u32),
    /// Flag off.
    pub off: Option<f64>,
    /// Flag on.
    pub on: Option<f64>,
}

impl PairedValues {
    /// off - on when both ran.
    pub fn difference(&self) -> Option<f64> {
        Some(self.off? - self.on?)
    }
}

/// Pairs a metric's values by (seed, replication), in `runs.csv` order.
pub(crate) fn paired(
    runs: &[crate::output::read::RunRow],
    value: impl Fn(&crate::output::read::RunRow) -> f64,
) -> Vec<PairedValues> {
    let mut out: Vec<PairedValues> = Vec::new();
    for r in runs {
        let key = (r.id.seed, r.id.replication);
        let i = match out.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                out.push(PairedValues {
                    key,
                    off: None,
                    on: None,
                });
                out.len() - 1
            }
        };
        if r.id.read_session {
            out[i].on = Some(value(r));
        } else {
            out[i].off = Some(value(r));
        }
    }
    out
}

/// Mean paired difference off - on with its CI, over complete pairs.
pub(crate) fn paired_difference(pairs: &[PairedValues]) -> Option<PairedDifference> {
    let d: Vec<f64> = pairs.iter().filter_map(PairedValues::difference).collect();
    let summary = stats::summarize(&d);
    Some(PairedDifference {
        mean: summary.mean?,
        ci95: summary.ci95,
        n: d.len(),
        helped: d.iter().filter(|v| **v > 0.0).count(),
    })
}

pub(super) fn build(folder: &Folder) -> Result<Box<dyn super::Chart>, String> {
    let runs = folder.runs()?;
    let raw = paired(runs, |r| r.user_minutes);
    let seeds_differ = raw.iter().any(|p| p.key.0 != raw[0].key.0);
    let pairs: Vec<Pair> = raw
        .iter()
        .map(|p| Pair {
            label: if seeds_differ {
                format!("{}/{}", p.key.0, p.key.1)
            } else {
                p.key.1.to_string()
            },
            off: p.off,
            on: p.on,
        })
        .collect();
    let mean = |f: fn(&Pair) -> Option<f64>| {
        let v: Vec<f64> = pairs.iter().filter_map(f).collect();
        stats::mean(&v)
    };
    let mean_off = mean(|p| p.off);
    let mean_on = mean(|p| p.on);

    let subtitle = match paired_difference(&raw) {
        Some(d) => {
            let ci = match d.ci95 {
                Some((lo, hi)) => format!(", 95% CI [{}, {}]", fmt_value(lo), fmt_value(hi)),
                None => ", no CI with one pair".to_string(),
            };
            format!(
                "off − on: mean {} user-minutes{ci} (Student t, n = {}); the flag helped in {} of {}",
                fmt_value(d.mean),
                d.n,
                d.helped,
                d.n
            )
        }
        None => "only one flag value ran: no paired difference".to_string(),
    };
    let mut legend = Vec::new();
    for (flag, m) in [(false, mean_off), (true, mean_on)] {
        if let Some(m) = m {
            legend.push((flag_label(flag).to_string(), Swatch::Dot(flag_color(flag))));
            legend.push((
                format!(
                    "mean {} ({})",
                    fmt_value(m),
                    if flag { "on" } else { "off" }
                ),
                Swatch::Dashed(flag_color(flag)),
            ));
        }
    }
    Ok(Box::new(ImpactChart {
        frame: Frame {
            title: "User-minutes in prompt loops per replication".into(),
            subtitle: Some(subtitle),
            legend,
        },
        pairs,
        mean_off,
        mean_on,
    }))
}

impl ImpactChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        if self.pairs.is_empty() {
            return draw_empty(&area, "no runs in runs.csv");
        }
        let n = self.pairs.len();
        let peak = self
            .pairs
            .iter()
            .flat_map(|p| [p.off, p.on])
            .flatten()
            .fold(0.0, f64::max);
        let y1 = if peak <= 0.0 { 1.0 } else { peak * 1.12 };
        let x0 = 0.4;
        let x1 = n as f64 + 0.6;
        // Label every replication while they fit, else about 20 of them.
        let step = n.div_ceil(20).max(1);
        let ticks: Vec<f64> = (1..=n).step_by(step).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(30)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(80)
            // A little room below zero so that dots at 0 are not cut by the axis.
            .build_cartesian_2d(TickedAxis::new(x0..x1, ticks), -0.02 * y1..y1)?;
        let fx = |v: &f64| {
            let i = v.round() as usize;
            if i >= 1 && (v - i as f64).abs() < 1e-6 {
                self.pairs
                    .get(i - 1)
                    .map_or(String::new(), |p| p.label.clone())
            } else {
                String::new()
            }
        };
        let fy = tick_formatter(y1);
        let x_desc = if self.pairs.iter().any(|p| p.label.contains('/')) {
            "run (seed/replication)"
        } else {
            "replication"
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_labels(8)
            .max_light_lines(0)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .x_desc(x_desc)
            .y_desc("user-minutes in prompt loops [min]")
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        for (m, color) in [(self.mean_off, OFF_COLOR), (self.mean_on, ON_COLOR)] {
            if let Some(m) = m {
                chart.draw_series(dashed_segment(
                    (x0, m),
                    (x1, m),
                    8,
                    5,
                    color.stroke_width(1),
                ))?;
            }
        }
        // Off a little left of the replication, on a little right.
        let dx = 0.15;
        let radius = if n > 60 { 3 } else { 6 };
        chart.draw_series(self.pairs.iter().enumerate().filter_map(|(i, p)| {
            let x = i as f64 + 1.0;
            Some(PathElement::new(
                vec![(x - dx, p.off?), (x + dx, p.on?)],
                RGBColor(150, 150, 150).stroke_width(2),
            ))
        }))?;
        for (flag, dx) in [(false, -dx), (true, dx)] {
            let color = flag_color(flag);
            chart.draw_series(self.pairs.iter().enumerate().filter_map(|(i, p)| {
                let y = if flag { p.on } else { p.off }?;
                Some(Circle::new(
                    (i as f64 + 1.0 + dx, y),
                    radius,
                    color.filled(),
                ))
            }))?;
        }
        Ok(())
    }
}
