//! The summary printed for humans at the end of a run (stdout, even with
//! `--quiet`). Never written to a file: it carries the wall time.
//!
//! Per flag value: failure windows, rejected requests, users affected and
//! user-minutes in prompt loops (means per replication) and the longest
//! window of any replication. With both flag values, the headline:
//! "the read session saves X user-minutes per `<horizon>` (95% CI a..b),
//! Y fewer rejected requests, max window from P to Q". With variants, the
//! variants ranked by user-minutes, as in `variants.csv`.

use super::compare;
use super::folder::variant_rows;
use super::manifest::Manifest;
use super::plan::group_by_point;
use super::row::{REJECTED, RunRow, USER_MINUTES, USERS_AFFECTED, WINDOW_MS_MAX, WINDOWS};
use super::runner::RunStats;
use super::variant_tables;
use crate::engine::time::format_duration;
use crate::metrics::stats::{Summary, mean};
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

/// How much simulated time the runs fast-forwarded, per flag value.
fn fast_forwarded(s: &RunStats) -> String {
    let parts: Vec<String> = [false, true]
        .into_iter()
        .filter(|&flag| s.simulated_ms[usize::from(flag)] > 0)
        .map(|flag| {
            let i = usize::from(flag);
            let share = s.fast_forwarded_ms[i] as f64 / s.simulated_ms[i] as f64;
            format!("{:.1}% with read_session {flag}", 100.0 * share)
        })
        .collect();
    format!(
        "fast-forward: requests counted in bulk over {} of the simulated time",
        parts.join(", ")
    )
}

/// The summary of `rows` (all runs, in run order); `stats` adds wall time and speed.
pub fn summary<S>(manifest: &Manifest<S>, rows: &[RunRow], stats: Option<RunStats>) -> String {
    let mut out = String::new();
    if manifest.has_variants() {
        variants(&mut out, manifest, rows);
    } else {
        points(&mut out, manifest, rows);
    }
    if let Some(s) = stats
        && manifest.points.iter().any(|p| p.fast_forward)
    {
        let _ = writeln!(out, "{}", fast_forwarded(&s));
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

/// `mean [low, high]` with one decimal, or the mean alone without an interval.
fn mean_ci(s: &Summary) -> String {
    match (s.mean, s.ci95) {
        (Some(m), Some((lo, hi))) => format!("{m:.1} [{lo:.1}, {hi:.1}]"),
        (Some(m), None) => format!("{m:.1}"),
        _ => "-".into(),
    }
}

/// The variants ranked by user-minutes, one line each, in aligned columns.
fn variants<S>(out: &mut String, manifest: &Manifest<S>, rows: &[RunRow]) {
    let variants = variant_rows(manifest, rows);
    let compared = variant_tables::compare(&variants);
    let Some(reference) = variants.first() else {
        return;
    };
    let reps = variants.iter().map(|v| v.rows.len()).max().unwrap_or(0);
    let horizon = manifest.points.first().map_or(0, |p| p.horizon_ms);
    let _ = writeln!(
        out,
        "variants ranked by user-minutes in prompt loops per {} (mean per run [95% CI] over {reps} replication{}; \
         difference against {} paired per replication):",
        format_duration(horizon),
        if reps == 1 { "" } else { "s" },
        reference.name
    );
    let vs = format!("vs {}", reference.name);
    let mut table: Vec<[String; 8]> = vec![[
        "rank".into(),
        "variant".into(),
        "flag".into(),
        "user-minutes".into(),
        vs,
        "better in".into(),
        "users affected".into(),
        "max window".into(),
    ]];
    for c in &compared {
        let um = &c.metrics[USER_MINUTES];
        let better = match (um.share_better, um.difference) {
            (Some(share), Some(d)) => {
                format!("{} of {}", (share * d.n as f64).round() as usize, d.n)
            }
            _ => "-".into(),
        };
        let of_variant: Vec<&RunRow> = variants[c.position].rows.iter().collect();
        table.push([
            c.rank.to_string(),
            c.name.to_string(),
            if c.read_session { "on" } else { "off" }.into(),
            mean_ci(&um.values),
            um.difference.as_ref().map_or_else(|| "-".into(), mean_ci),
            better,
            num(mean_of(&of_variant, USERS_AFFECTED)),
            format_duration(max_window(&of_variant)),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, &w))| {
                // Numbers right-aligned, names left.
                if c == 0 || c == 6 {
                    format!("{text:>w$}")
                } else {
                    format!("{text:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
    }
}

/// One block per point: each flag value's means, and the paired saving.
fn points<S>(out: &mut String, manifest: &Manifest<S>, rows: &[RunRow]) {
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
}
