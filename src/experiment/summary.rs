//! The summary printed for humans at the end of a run (stdout, even with
//! `--quiet`). Never written to a file: it carries the wall time.
//!
//! Per flag value: failure windows, rejected requests, users affected and
//! user-minutes in prompt loops (means per replication) and the longest
//! window of any replication. With both flag values, the headline:
//! "the read session saves X user-minutes per `<horizon>` (95% CI a..b),
//! Y fewer rejected requests, max window from P to Q".

use super::compare;
use super::manifest::Manifest;
use super::plan::group_by_point;
use super::row::{REJECTED, RunRow, USER_MINUTES, USERS_AFFECTED, WINDOW_MS_MAX, WINDOWS};
use super::runner::RunStats;
use crate::engine::time::format_duration;
use crate::metrics::stats::mean;
use std::fmt::Write;

/// A count for humans: no decimals when whole, one otherwise.
fn num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn mean_of(rows: &[&RunRow], m: usize) -> f64 {
    let v: Vec<f64> = rows.iter().map(|r| r.metric(m)).collect();
    mean(&v).unwrap_or(0.0)
}

fn max_window(rows: &[&RunRow]) -> u64 {
    rows.iter()
        .map(|r| r.counts[WINDOW_MS_MAX])
        .max()
        .unwrap_or(0)
}

/// The summary of `rows` (all runs, in run order); `stats` adds wall time and speed.
pub fn summary<S>(manifest: &Manifest<S>, rows: &[RunRow], stats: Option<RunStats>) -> String {
    let mut out = String::new();
    let by_point = group_by_point(rows, manifest.points.len(), |r| r.point);
    for p in &manifest.points {
        let of_point: Vec<&RunRow> = by_point[p.point].iter().map(|&i| &rows[i]).collect();
        if of_point.is_empty() {
            continue;
        }
        let indent = if manifest.is_sweep() {
            let values: Vec<String> = manifest
                .sweep_keys
                .iter()
                .zip(&p.values)
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            let _ = writeln!(out, "point {} ({}):", p.point, values.join(", "));
            "  "
        } else {
            ""
        };
        for &flag in &p.read_session {
            let of_flag: Vec<&RunRow> = of_point
                .iter()
                .copied()
                .filter(|r| r.id.read_session == flag)
                .collect();
            if of_flag.is_empty() {
                continue;
            }
            let reps = of_flag.len();
            let _ = writeln!(
                out,
                "{indent}read_session {flag:<5}: {} windows, {} rejected requests, {} users affected, {} user-minutes in prompt loops, max window {}{}",
                num(mean_of(&of_flag, WINDOWS)),
                num(mean_of(&of_flag, REJECTED)),
                num(mean_of(&of_flag, USERS_AFFECTED)),
                format_args!("{:.1}", mean_of(&of_flag, USER_MINUTES)),
                format_duration(max_window(&of_flag)),
                if reps > 1 {
                    format!("  (means of {reps} replications)")
                } else {
                    String::new()
                },
            );
        }
        let owned: Vec<RunRow> = of_point.iter().map(|r| **r).collect();
        if let Some(paired) = compare::paired(&owned) {
            let um = &paired.differences[USER_MINUTES];
            let saved = um.mean.unwrap_or(0.0);
            let ci = match um.ci95 {
                Some((lo, hi)) => format!("95% CI {lo:.1}..{hi:.1}"),
                None => "one replication, no CI: use --replications".to_string(),
            };
            let rejected = paired.differences[REJECTED].mean.unwrap_or(0.0);
            let off: Vec<&RunRow> = of_point
                .iter()
                .copied()
                .filter(|r| !r.id.read_session)
                .collect();
            let on: Vec<&RunRow> = of_point
                .iter()
                .copied()
                .filter(|r| r.id.read_session)
                .collect();
            let _ = writeln!(
                out,
                "{indent}the read session {} {:.1} user-minutes per {} ({ci}), {} {} rejected requests, max window from {} to {}",
                if saved >= 0.0 { "saves" } else { "costs" },
                saved.abs(),
                format_duration(p.horizon_ms),
                num(rejected.abs()),
                if rejected >= 0.0 { "fewer" } else { "more" },
                format_duration(max_window(&off)),
                format_duration(max_window(&on)),
            );
        }
    }
    if let Some(s) = stats {
        let secs = s.wall.as_secs_f64();
        let _ = writeln!(
            out,
            "{} runs on {} thread{} in {:.2} s, {} events, {:.1} M events/s",
            rows.len(),
            s.threads,
            if s.threads == 1 { "" } else { "s" },
            secs,
            s.events,
            if secs > 0.0 {
                s.events as f64 / secs / 1e6
            } else {
                0.0
            }
        );
    }
    out
}
