//! `windows`: the cumulative distribution of failure-window durations over
//! every run, flag off against flag on, on a log time axis with the
//! failed-update hold marked: with the flag off, windows of newly spawned
//! workers pile up just past the hold.

use plotters::coord::Shift;

use crate::engine::time::format_duration;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartOptions, DrawError, Folder, Frame, GREY_TEXT, Swatch, dashed_segment, desc_font,
    draw_empty, draw_frame, draw_text_at, flag_color, flag_label, fmt_duration_rounded, font,
    impl_chart, label_font,
};

pub(super) struct WindowsChart {
    frame: Frame,
    /// Per flag value present: sorted durations [ms].
    series: Vec<(bool, Vec<u64>)>,
    hold_ms: u64,
}

impl_chart!(WindowsChart);

pub(super) fn build(
    folder: &Folder,
    options: &ChartOptions,
) -> Result<Box<dyn super::Chart>, String> {
    let windows = folder.windows()?;
    // Flag values that ran: from runs.csv when readable, else from the windows.
    let mut flags: Vec<bool> = match folder.runs() {
        Ok(runs) => runs.iter().map(|r| r.id.read_session).collect(),
        Err(_) => windows.iter().map(|w| w.id.read_session).collect(),
    };
    flags.sort_unstable();
    flags.dedup();
    let mut legend = Vec::new();
    let mut series = Vec::new();
    for flag in flags {
        let mut d: Vec<u64> = windows
            .iter()
            .filter(|w| w.id.read_session == flag)
            .map(|w| w.window.duration_ms())
            .collect();
        d.sort_unstable();
        let runs = match folder.runs() {
            Ok(runs) => runs.iter().filter(|r| r.id.read_session == flag).count(),
            Err(_) => {
                let mut ids: Vec<_> = windows
                    .iter()
                    .filter(|w| w.id.read_session == flag)
                    .map(|w| w.id)
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids.len()
            }
        };
        legend.push((
            format!(
                "{}: {} windows in {} run{}",
                flag_label(flag),
                d.len(),
                runs,
                if runs == 1 { "" } else { "s" }
            ),
            Swatch::Line(flag_color(flag), 3),
        ));
        series.push((flag, d));
    }
    legend.push((
        format!("failed_update_hold = {}", format_duration(options.hold_ms)),
        Swatch::Dashed(GREY_TEXT),
    ));
    Ok(Box::new(WindowsChart {
        frame: Frame {
            title: "Failure-window durations (CDF over all runs)".into(),
            subtitle: Some("share of windows lasting at most the given time; log time axis".into()),
            legend,
        },
        series,
        hold_ms: options.hold_ms,
    }))
}

/// Tick candidates [s]: round durations people think in.
const TICKS_S: [f64; 16] = [
    0.001,
    0.01,
    0.1,
    1.0,
    10.0,
    60.0,
    300.0,
    1800.0,
    3600.0,
    4.0 * 3600.0,
    86_400.0,
    7.0 * 86_400.0,
    30.0 * 86_400.0,
    365.0 * 86_400.0,
    3650.0 * 86_400.0,
    36_500.0 * 86_400.0,
];

impl WindowsChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        let all: Vec<u64> = self
            .series
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        if all.is_empty() {
            return draw_empty(&area, "no failure windows in any run");
        }
        // Durations in seconds; a zero-length window sits at the left edge.
        let lo_ms = all
            .iter()
            .copied()
            .filter(|&d| d > 0)
            .min()
            .unwrap_or(1000)
            .min(self.hold_ms.max(1));
        let hi_ms = all
            .iter()
            .copied()
            .max()
            .unwrap_or(1)
            .max(self.hold_ms)
            .max(lo_ms.saturating_add(1));
        let x0 = lo_ms as f64 / 1000.0 / 2.0;
        let x1 = hi_ms as f64 / 1000.0 * 2.0;
        let ticks: Vec<f64> = TICKS_S
            .iter()
            .copied()
            .filter(|t| *t >= x0 && *t <= x1)
            .collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(10)
            .margin_right(40)
            .margin_bottom(8)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale().with_key_points(ticks), 0.0..100.0)?;
        let fx = |v: &f64| fmt_duration_rounded((v * 1000.0).round() as u64);
        let fy = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .y_labels(11)
            .max_light_lines(0)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .x_desc("failure-window duration (log scale)")
            .y_desc("windows lasting at most this long [%]")
            .label_style(label_font())
            .axis_desc_style(desc_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        let hold = self.hold_ms as f64 / 1000.0;
        chart.draw_series(dashed_segment(
            (hold, 0.0),
            (hold, 100.0),
            8,
            5,
            GREY_TEXT.stroke_width(2),
        ))?;
        let (px, py) = chart.backend_coord(&(hold, 100.0));
        let style = font(14)
            .color(&GREY_TEXT)
            .pos(Pos::new(HPos::Right, VPos::Top));
        draw_text_at(
            root,
            &format!("hold {}", format_duration(self.hold_ms)),
            (px - 6, py + 4),
            style,
        )?;

        for (flag, d) in &self.series {
            if d.is_empty() {
                continue;
            }
            let n = d.len() as f64;
            let x = |ms: u64| (ms as f64 / 1000.0).max(x0);
            let mut points = vec![(x0, 0.0)];
            for (i, ms) in d.iter().enumerate() {
                points.push((x(*ms), 100.0 * i as f64 / n));
                points.push((x(*ms), 100.0 * (i + 1) as f64 / n));
            }
            points.push((x1, 100.0));
            let width = if *flag { 2 } else { 3 };
            chart.draw_series(LineSeries::new(
                points,
                flag_color(*flag).stroke_width(width),
            ))?;
        }
        Ok(())
    }
}
