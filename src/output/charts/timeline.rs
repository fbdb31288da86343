//! `timeline`: what each server and worker was doing, the failure windows on
//! top, and the rollover instants, for one run pair (flag off above, flag on
//! below, same time axis).
//!
//! Over a long horizon a two-minute window is invisible, so without an
//! explicit range a run longer than two days is shown on its busiest day:
//! the 24 h holding the most failure-window time (see [`super::zoom`]).

use std::collections::BTreeSet;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::zoom::{self, Zoom, range_text};
use super::{
    ChartOptions, DrawError, Folder, Frame, GREY_TEXT, ROLLOVER_COLOR, Swatch, TimeAxis,
    WINDOW_COLOR, dashed_segment, desc_font, draw_empty, draw_frame, draw_label, draw_text_at,
    flag_label, font, impl_chart, label_font, tick_formatter,
};
use crate::engine::time::format_duration;
use crate::metrics::{RolloverRecord, RunId, StateInterval, StateKind, WindowRecord};
use crate::scenario::clock::WallClock;

/// One flag value's run.
struct Panel {
    read_session: bool,
    intervals: Vec<StateInterval>,
    windows: Vec<WindowRecord>,
    rollovers: Vec<RolloverRecord>,
}

/// One horizontal lane: a server, or one app pool of a server.
struct Lane {
    label: String,
    server: u32,
    pool: Option<String>,
}

pub(super) struct TimelineChart {
    frame: Frame,
    panels: Vec<Panel>,
    lanes: Vec<Lane>,
    /// Lanes per (server, pool) rather than per server.
    detailed: bool,
    range: (u64, u64),
    /// `simulation.start`: the time axis is dated.
    start: Option<WallClock>,
}

impl_chart!(TimelineChart);

/// Drawing order and look of the states: lighter, wider bands first.
const STATES: [(StateKind, RGBColor, f64); 5] = [
    (StateKind::OutOfPool, RGBColor(215, 215, 215), 0.08),
    (StateKind::Draining, RGBColor(253, 184, 99), 0.2),
    (StateKind::Maintenance, RGBColor(130, 130, 130), 0.2),
    (StateKind::Crashed, RGBColor(40, 40, 40), 0.2),
    (StateKind::WorkerStarting, RGBColor(146, 197, 222), 0.2),
];

fn state_label(k: StateKind) -> &'static str {
    match k {
        StateKind::OutOfPool => "out of pool",
        StateKind::Draining => "draining",
        StateKind::Maintenance => "maintenance",
        StateKind::Crashed => "crashed",
        StateKind::WorkerStarting => "worker starting",
    }
}

pub(super) fn build(
    folder: &Folder,
    options: &ChartOptions,
) -> Result<Box<dyn super::Chart>, String> {
    let focus = folder.focus()?;
    let timeline = folder.focus_timeline()?;
    let windows = folder.windows()?;
    let rollovers = folder.rollovers()?;
    let horizon = match options.horizon_ms {
        Some(h) => h,
        None => folder.horizon_ms()?,
    };

    let mut panels: Vec<Panel> = focus
        .iter()
        .map(|id| Panel {
            read_session: id.read_session,
            intervals: timeline
                .iter()
                .filter(|r| r.id == *id)
                .map(|r| r.interval.clone())
                .collect(),
            windows: windows
                .iter()
                .filter(|r| r.id == *id)
                .map(|r| r.window.clone())
                .collect(),
            rollovers: rollovers
                .iter()
                .filter(|r| r.id == *id)
                .map(|r| r.rollover)
                .collect(),
        })
        .collect();
    panels.sort_by_key(|p| p.read_session);

    let all: Vec<&WindowRecord> = panels.iter().flat_map(|p| &p.windows).collect();
    let Zoom { range, how } = zoom::busiest_day_or_whole(options.zoom, horizon, &all)?;

    // Servers: every index up to the largest seen (a quiet server still
    // gets its lane), or only those seen when the indices are implausibly
    // large for one lane each. App pools in order of first appearance.
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    let mut pools: Vec<String> = Vec::new();
    for p in &panels {
        let names = p
            .intervals
            .iter()
            .map(|i| (i.server, i.app_pool.as_str()))
            .chain(p.windows.iter().map(|w| (w.server, w.app_pool.as_str())));
        for (server, pool) in names {
            seen.insert(server);
            if !pool.is_empty() && !pools.iter().any(|q| q == pool) {
                pools.push(pool.to_string());
            }
        }
    }
    let servers: Vec<u32> = match seen.last() {
        Some(&max) if max < 128 => (0..=max).collect(),
        _ => seen.into_iter().collect(),
    };
    let budget = if panels.len() > 1 { 18 } else { 30 };
    let detailed = !pools.is_empty() && servers.len() * (pools.len() + 1) <= budget;
    let mut lanes = Vec::new();
    for &s in &servers {
        lanes.push(Lane {
            label: format!("server {s}"),
            server: s,
            pool: None,
        });
        if detailed {
            for p in &pools {
                lanes.push(Lane {
                    label: p.clone(),
                    server: s,
                    pool: Some(p.clone()),
                });
            }
        }
    }

    let id: Option<RunId> = focus.first().copied();
    let mut subtitle = match id {
        Some(id) => format!("seed {}, replication {}", id.seed, id.replication),
        None => String::new(),
    };
    if range == (0, horizon) {
        subtitle.push_str(&format!(" · whole run ({})", format_duration(horizon)));
    } else {
        subtitle.push_str(&format!(
            " · {} of {} ({how})",
            range_text(range, options.start.as_ref()),
            format_duration(horizon)
        ));
    }

    let mut legend: Vec<(String, Swatch)> = Vec::new();
    for (kind, color, _) in STATES {
        let present = panels.iter().any(|p| {
            p.intervals
                .iter()
                .any(|i| i.state == kind && overlaps(i.start_ms, i.end_ms, range))
        });
        if present {
            legend.push((state_label(kind).into(), Swatch::Block(color.to_rgba())));
        }
    }
    legend.push((
        "failure window".into(),
        Swatch::Block(WINDOW_COLOR.to_rgba()),
    ));
    let shown = |instant: fn(&RolloverRecord) -> u64| {
        panels.iter().any(|p| {
            p.rollovers
                .iter()
                .any(|r| (range.0..=range.1).contains(&instant(r)))
        })
    };
    // A publish at the signing instant (lead 0) hides under the signing line.
    if shown(|r| {
        if r.publish_ms == r.sign_ms {
            u64::MAX
        } else {
            r.publish_ms
        }
    }) {
        legend.push(("new key published".into(), Swatch::Dashed(ROLLOVER_COLOR)));
    }
    if shown(|r| r.sign_ms) {
        legend.push((
            "new key signs tokens".into(),
            Swatch::Line(ROLLOVER_COLOR, 2),
        ));
    }
    if shown(|r| r.retire_previous_ms) {
        legend.push(("old key retired".into(), Swatch::Dotted(ROLLOVER_COLOR)));
    }

    Ok(Box::new(TimelineChart {
        frame: Frame {
            title: "Timeline: servers, workers and failure windows".into(),
            subtitle: Some(subtitle),
            legend,
        },
        panels,
        lanes,
        detailed,
        range,
        start: options.start,
    }))
}

fn overlaps(start: u64, end: u64, range: (u64, u64)) -> bool {
    start < range.1 && end > range.0 || (start == end && (range.0..range.1).contains(&start))
}

impl TimelineChart {
    fn lane_of(&self, server: u32, pool: &str) -> Option<usize> {
        let want_pool = self.detailed && !pool.is_empty();
        self.lanes.iter().position(|l| {
            l.server == server
                && match (&l.pool, want_pool) {
                    (Some(p), true) => p == pool,
                    (None, false) => true,
                    _ => false,
                }
        })
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = draw_frame(root, &self.frame)?;
        if self.lanes.is_empty() || self.panels.is_empty() {
            return draw_empty(&area, "no servers in timeline.csv or windows.csv");
        }
        let axis = TimeAxis::for_span(self.range.1 - self.range.0).dated(self.start);
        let (x0, x1) = (axis.x(self.range.0), axis.x(self.range.1));
        let n = self.lanes.len() as f64;
        let parts = area.split_evenly((self.panels.len(), 1));
        // Lane labels shrink with the lanes, and with very many lanes only
        // every k-th is labelled (about 70 px of a panel go to its caption
        // and axis).
        let panel_h = f64::from(parts[0].dim_in_pixel().1);
        let lane_px = ((panel_h - 70.0) / n).max(1.0);
        let label_size = (lane_px * 0.8).clamp(9.0, 17.0) as u32;
        let label_step = (12.0 / lane_px).ceil().max(1.0) as usize;
        let label_style = font(label_size);
        let mut label_w = 0;
        for l in &self.lanes {
            label_w = label_w.max(root.estimate_text_size(&l.label, &label_style)?.0);
        }
        for (i, (panel, part)) in self.panels.iter().zip(&parts).enumerate() {
            let last = i + 1 == self.panels.len();
            let mut chart = ChartBuilder::on(part)
                .caption(flag_label(panel.read_session), font(18))
                .margin_left(10)
                .margin_right(30)
                .margin_bottom(if last { 6 } else { 10 })
                .x_label_area_size(if last { 50 } else { 26 })
                .y_label_area_size(label_w + 20)
                .build_cartesian_2d(axis.coord(self.range.0, self.range.1), 0.0..n)?;
            let numbers = tick_formatter(x1 - x0);
            let formatter = |v: &f64| axis.label(*v, &numbers);
            let mut mesh = chart.configure_mesh();
            mesh.disable_y_mesh()
                .y_labels(0)
                .x_labels(12)
                .max_light_lines(0)
                .x_label_formatter(&formatter)
                .label_style(label_font())
                .axis_desc_style(desc_font())
                .bold_line_style(RGBColor(225, 225, 225));
            if last {
                mesh.x_desc(axis.desc_of(self.range));
            }
            mesh.draw()?;

            let (plot_w, _) = chart.plotting_area().dim_in_pixel();
            let min_w = (x1 - x0) * 3.0 / f64::from(plot_w.max(1));
            let lane_y = |lane: usize, inset: f64| {
                let top = n - lane as f64;
                (top - 1.0 + inset, top - inset)
            };
            let bar = |start: u64, end: u64, lane: usize, inset: f64| {
                let a = axis.x(start.max(self.range.0));
                let b = axis.x(end.min(self.range.1)).max(a + min_w);
                let (lo, hi) = lane_y(lane, inset);
                [(a, lo), (b, hi)]
            };

            // Server groups on alternating backgrounds, separated by lines
            // (drawn after every background, so that none covers a line).
            let mut groups = Vec::new();
            let mut group_start = 0;
            for (li, lane) in self.lanes.iter().enumerate() {
                if self
                    .lanes
                    .get(li + 1)
                    .is_none_or(|l| l.server != lane.server)
                {
                    let (lo, _) = lane_y(li, 0.0);
                    let (_, hi) = lane_y(group_start, 0.0);
                    groups.push((lane.server, lo, hi));
                    group_start = li + 1;
                }
            }
            chart.draw_series(groups.iter().filter(|g| g.0 % 2 == 1).map(|&(_, lo, hi)| {
                Rectangle::new([(x0, lo), (x1, hi)], RGBColor(244, 244, 248).filled())
            }))?;
            chart.draw_series(groups.iter().filter(|g| g.1 > 0.0).map(|&(_, lo, _)| {
                PathElement::new(
                    vec![(x0, lo), (x1, lo)],
                    RGBColor(190, 190, 190).stroke_width(1),
                )
            }))?;

            for (kind, color, inset) in STATES {
                let bars: Vec<_> = panel
                    .intervals
                    .iter()
                    .filter(|iv| iv.state == kind && overlaps(iv.start_ms, iv.end_ms, self.range))
                    .filter_map(|iv| {
                        let lane = self.lane_of(iv.server, &iv.app_pool)?;
                        Some(Rectangle::new(
                            bar(iv.start_ms, iv.end_ms, lane, inset),
                            color.filled(),
                        ))
                    })
                    .collect();
                chart.draw_series(bars)?;
            }
            // Rollover lines under the windows: a window starting at the
            // rollover must stay visible.
            let inside = |t: u64| (self.range.0..=self.range.1).contains(&t);
            for r in &panel.rollovers {
                // Publish dashed, retire dotted (the legend's swatches).
                for (t, dash) in [(r.publish_ms, 6), (r.retire_previous_ms, 2)] {
                    if inside(t) {
                        let x = axis.x(t);
                        chart.draw_series(dashed_segment(
                            (x, 0.0),
                            (x, n),
                            dash,
                            4,
                            ROLLOVER_COLOR.stroke_width(2),
                        ))?;
                    }
                }
                if inside(r.sign_ms) {
                    let x = axis.x(r.sign_ms);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, 0.0), (x, n)],
                        ROLLOVER_COLOR.stroke_width(2),
                    )))?;
                    let (px, py) = chart.backend_coord(&(x, n));
                    let style = font(15)
                        .color(&ROLLOVER_COLOR)
                        .pos(Pos::new(HPos::Left, VPos::Top));
                    draw_label(root, &format!("k{}", r.key), (px + 4, py + 2), style)?;
                }
            }

            let bars: Vec<_> = panel
                .windows
                .iter()
                .filter(|w| overlaps(w.start_ms, w.end_ms, self.range))
                .filter_map(|w| {
                    let lane = self.lane_of(w.server, &w.app_pool)?;
                    Some(Rectangle::new(
                        bar(w.start_ms, w.end_ms, lane, 0.3),
                        WINDOW_COLOR.filled(),
                    ))
                })
                .collect();
            chart.draw_series(bars)?;

            for (li, lane) in self.lanes.iter().enumerate().step_by(label_step) {
                let (px, py) = chart.backend_coord(&(x0, n - li as f64 - 0.5));
                let style = if lane.pool.is_some() {
                    label_style.color(&GREY_TEXT)
                } else {
                    label_style.clone()
                };
                let style = style.pos(Pos::new(HPos::Right, VPos::Center));
                draw_text_at(root, &lane.label, (px - 8, py), style)?;
            }
        }
        Ok(())
    }
}
