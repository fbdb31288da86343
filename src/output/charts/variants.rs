//! `variants`: the variants of a scenario ranked by user-minutes in prompt
//! loops, from `variants.csv`. One row per variant, the best at the top;
//! left the mean per run with its 95% CI, right the paired difference
//! against the reference (the first variant) with its CI, which is far
//! tighter when the variants share their random history. Dots are coloured
//! by the variant's flag value.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    DrawError, Folder, Frame, GREY_TEXT, Swatch, TickedAxis, desc_font, draw_empty, draw_frame,
    error_bar, flag_color, flag_label, font, impl_chart, label_font, tick_formatter,
};
use crate::output::read::{self, MeanCi};

/// The metric ranked and drawn.
const METRIC: &str = "user_minutes";

/// One variant's row of the chart.
struct Row {
    name: String,
    read_session: bool,
    value: Option<MeanCi>,
    difference: Option<MeanCi>,
}

pub(super) struct VariantsChart {
    frame: Frame,
    /// In rank order.
    rows: Vec<Row>,
    /// The reference's name.
    reference: String,
}

impl_chart!(VariantsChart);

/// Longest variant name shown whole on the axis; longer ones are cut.
const MAX_LABEL_CHARS: usize = 28;

fn label(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL_CHARS {
        name.to_string()
    } else {
        let cut: String = name.chars().take(MAX_LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

pub(super) fn build(folder: &Folder) -> Result<Box<dyn super::Chart>, String> {
    let path = folder.dir.join("variants.csv");
    let rows = read::read_variants(&path).map_err(|e| e.to_string())?;
    let mut rows: Vec<_> = rows.into_iter().filter(|r| r.metric == METRIC).collect();
    rows.sort_by_key(|r| r.rank);
    let mean_ci = |mean: Option<f64>, lo: Option<f64>, hi: Option<f64>| {
        mean.map(|mean| MeanCi {
            mean,
            ci_low: lo,
            ci_high: hi,
        })
    };
    let reference = rows
        .iter()
        .find(|r| r.diff_mean.is_none())
        .map(|r| r.variant.to_string())
        .unwrap_or_default();
    let reps = rows.iter().map(|r| r.n).max().unwrap_or(0);
    let mut legend = Vec::new();
    for flag in [false, true] {
        if rows.iter().any(|r| r.read_session == flag) {
            legend.push((flag_label(flag).to_string(), Swatch::Dot(flag_color(flag))));
        }
    }
    Ok(Box::new(VariantsChart {
        frame: Frame {
            title: "Variants ranked by user-minutes in prompt loops".into(),
            subtitle: Some(format!(
                "mean per run with 95% CI over {reps} replication{}; right: paired difference \
                 against {reference} (same random history)",
                if reps == 1 { "" } else { "s" }
            )),
            legend,
        },
        rows: rows
            .into_iter()
            .map(|r| Row {
                value: mean_ci(
                    r.mean.map(|x| x.0),
                    r.ci_low.map(|x| x.0),
                    r.ci_high.map(|x| x.0),
                ),
                difference: mean_ci(
                    r.diff_mean.map(|x| x.0),
                    r.diff_ci_low.map(|x| x.0),
                    r.diff_ci_high.map(|x| x.0),
                ),
                name: r.variant.into_owned(),
                read_session: r.read_session,
            })
            .collect(),
        reference,
    }))
}

/// The x range of `values`: zero included, some room beyond the extremes.
fn x_range<'a>(values: impl Iterator<Item = &'a MeanCi>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for m in values {
        lo = lo.min(m.ci_low.unwrap_or(m.mean).min(m.mean));
        hi = hi.max(m.ci_high.unwrap_or(m.mean).max(m.mean));
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.08;
    (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
}

impl VariantsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        if self.rows.is_empty() {
            return draw_empty(&area, "variants.csv has no user_minutes rows");
        }
        let labels: Vec<String> = self.rows.iter().map(|r| label(&r.name)).collect();
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let label_area = (10 * longest as u32 + 20).clamp(80, 320);
        let (w, _) = area.dim_in_pixel();
        let (left, right) = area.split_horizontally(label_area + (w - label_area) * 11 / 20);
        let n = self.rows.len();
        // Rank 1 at the top.
        let y_of = |i: usize| (n - 1 - i) as f64;
        let ticks: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let fy = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                labels[n - 1 - i as usize].clone()
            } else {
                String::new()
            }
        };
        let panels = [
            (
                &left,
                label_area,
                "user-minutes per run [min]".to_string(),
                self.rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
            (
                &right,
                20,
                format!("difference vs {} [min]", label(&self.reference)),
                self.rows.iter().map(|r| r.difference).collect::<Vec<_>>(),
            ),
        ];
        for (panel, y_area, x_desc, values) in panels {
            let (x0, x1) = x_range(values.iter().flatten());
            let mut chart = ChartBuilder::on(panel)
                .margin_left(10)
                .margin_right(30)
                .margin_bottom(8)
                .x_label_area_size(50)
                .y_label_area_size(y_area)
                .build_cartesian_2d(x0..x1, TickedAxis::new(-0.5..n as f64 - 0.5, ticks.clone()))?;
            let fx = tick_formatter(x1 - x0);
            let no_labels = |_: &f64| String::new();
            let mut mesh = chart.configure_mesh();
            mesh.disable_y_mesh()
                .x_labels(6)
                .max_light_lines(0)
                .x_label_formatter(&fx)
                .x_desc(x_desc)
                .label_style(label_font())
                .axis_desc_style(desc_font())
                .bold_line_style(RGBColor(225, 225, 225));
            if y_area == label_area {
                mesh.y_label_formatter(&fy);
            } else {
                mesh.y_label_formatter(&no_labels);
            }
            mesh.draw()?;
            if x0 < 0.0 {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                    RGBColor(120, 120, 120).stroke_width(1),
                )))?;
            }
            for (i, (row, m)) in self.rows.iter().zip(&values).enumerate() {
                let y = y_of(i);
                let color = flag_color(row.read_session);
                let Some(m) = m else {
                    // The reference has no difference with itself: say so
                    // beside zero, on the side with room.
                    let room_right = 0.0 < (x0 + x1) / 2.0;
                    let (x, anchor) = if room_right {
                        ((x1 - x0) * 0.01, HPos::Left)
                    } else {
                        (-(x1 - x0) * 0.01, HPos::Right)
                    };
                    chart.draw_series(std::iter::once(Text::new(
                        "reference".to_string(),
                        (x, y),
                        font(16)
                            .color(&GREY_TEXT)
                            .pos(Pos::new(anchor, VPos::Center)),
                    )))?;
                    continue;
                };
                if let (Some(lo), Some(hi)) = (m.ci_low, m.ci_high) {
                    for seg in error_bar(y, lo, hi, 0.12, false) {
                        chart.draw_series(std::iter::once(PathElement::new(
                            seg,
                            color.stroke_width(2),
                        )))?;
                    }
                }
                chart.draw_series(std::iter::once(Circle::new((m.mean, y), 6, color.filled())))?;
            }
        }
        Ok(())
    }
}
