//! The sweep's own tables: `sweep.csv` (every run), `sweep_summary.csv`
//! and `sweep_summary_long.csv` (every point).
//!
//! - `sweep.csv`: one row per (point, replication, flag) in run order:
//!   `point`, one column per varied key (named by its dotted key, values as
//!   written, e.g. `30m`), then the columns of `runs.csv`, made from the
//!   same record as the run's `runs.csv` row.
//! - `sweep_summary.csv`: one row per point:
//!   `point,<keys>,replications,` then for each metric m of [`METRICS`] the
//!   nine columns `m_off_mean,m_off_ci_low,m_off_ci_high`, `m_on_...` and
//!   `m_saved_...`. `off`/`on`: mean over the point's replications with that
//!   flag value and its 95% Student-t interval. `saved`: the paired
//!   difference off − on of each replication (the same pairs and arithmetic
//!   as the point's `compare.csv`), its mean and interval; with common random
//!   numbers it is much tighter than the two separate intervals. A flag value
//!   that did not run leaves its columns and the `saved` columns empty;
//!   intervals are empty with one replication. Numbers have [`fixed`]
//!   decimals.
//! - `sweep_summary_long.csv`: the same numbers in long form, one row per
//!   point, metric and group that ran: `point,<keys>,` then
//!   `metric,group,mean,ci_low,ci_high` ([`SweepSummaryLongCsv`]), `group`
//!   being `off`, `on` or `saved`. For tools that want one observation per
//!   row rather than 111 columns.

use std::borrow::Cow;
use std::io;

use super::compare;
use super::row::{METRICS, RunRow, fixed};
use crate::metrics::stats::{Summary, summarize};
use crate::output::csv::CsvWriter;
use crate::output::table::{
    Fixed, Group, RunsCsv, SweepSummaryLongCsv, Swept, swept_columns, wide_summary_columns,
};

/// Name of the per-run sweep table.
pub const SWEEP_FILE: &str = "sweep.csv";
/// Name of the per-point summary.
pub const SUMMARY_FILE: &str = "sweep_summary.csv";
/// Name of the per-point summary in long form.
pub const LONG_SUMMARY_FILE: &str = "sweep_summary_long.csv";

/// The header line of `sweep.csv` for a sweep over `keys`.
pub fn sweep_header(keys: &[String]) -> io::Result<Vec<u8>> {
    CsvWriter::new(&swept_columns::<RunsCsv>(keys)).finish()
}

/// The `sweep.csv` row of one run: `point`, its `values` (one per key),
/// then its `runs.csv` row (`scenario`: `simulation.name`), made from the
/// same record as that row. The file is the header followed by every
/// run's row in run order.
pub fn sweep_row(
    point: usize,
    values: &[String],
    scenario: &str,
    row: &RunRow,
) -> io::Result<Vec<u8>> {
    let mut w = CsvWriter::rows_only();
    w.record(&Swept {
        point: point as u64,
        values: Cow::Borrowed(values),
        row: row.runs_csv(scenario),
    });
    w.finish()
}

/// One sweep point as `sweep_summary.csv` needs it.
#[derive(Clone, Debug)]
pub struct PointRows<'a> {
    /// Point index.
    pub point: usize,
    /// Its values, one per key.
    pub values: &'a [String],
    /// Flag values run, false first.
    pub flags: &'a [bool],
    /// Its runs' rows.
    pub rows: Vec<RunRow>,
}

/// What both summaries say of one point.
struct PointSummary {
    /// Distinct (seed, replication) pairs that ran.
    replications: usize,
    /// Per metric of [`METRICS`], per [`Group`]: the summary, `None` when
    /// the group did not run.
    metrics: Vec<[Option<Summary>; 3]>,
}

impl PointSummary {
    fn of(p: &PointRows<'_>) -> PointSummary {
        let mut replications: Vec<(u64, u32)> = p
            .rows
            .iter()
            .map(|r| (r.id.seed, r.id.replication))
            .collect();
        replications.sort_unstable();
        replications.dedup();
        // Per flag value (false, true): its rows, if it ran.
        let of_flag: Vec<Option<Vec<&RunRow>>> = [false, true]
            .into_iter()
            .map(|flag| {
                let rows: Vec<&RunRow> = p
                    .rows
                    .iter()
                    .filter(|r| r.id.read_session == flag)
                    .collect();
                (p.flags.contains(&flag) && !rows.is_empty()).then_some(rows)
            })
            .collect();
        // The same pairs and differences as compare.csv.
        let saved = match (&of_flag[0], &of_flag[1]) {
            (Some(_), Some(_)) => compare::paired(&p.rows),
            _ => None,
        };
        let flag_summary = |rows: &Option<Vec<&RunRow>>, m: usize| {
            rows.as_ref().map(|rows| {
                let v: Vec<f64> = rows.iter().map(|r| r.metric(m)).collect();
                summarize(&v)
            })
        };
        let metrics = (0..METRICS.len())
            .map(|m| {
                [
                    flag_summary(&of_flag[0], m),
                    flag_summary(&of_flag[1], m),
                    saved.as_ref().and_then(|s| s.differences.get(m)).copied(),
                ]
            })
            .collect();
        PointSummary {
            replications: replications.len(),
            metrics,
        }
    }
}

/// Mean, CI low and CI high of `s` as written (empty when absent).
fn summary_cells(s: Option<&Summary>) -> [String; 3] {
    let s = s.copied();
    [
        s.and_then(|s| s.mean).map(fixed).unwrap_or_default(),
        s.and_then(|s| s.ci95)
            .map(|c| fixed(c.0))
            .unwrap_or_default(),
        s.and_then(|s| s.ci95)
            .map(|c| fixed(c.1))
            .unwrap_or_default(),
    ]
}

/// `sweep_summary.csv` of `points`, in point order.
pub fn sweep_summary_csv(keys: &[String], points: &[PointRows<'_>]) -> io::Result<Vec<u8>> {
    let mut w = CsvWriter::new(&wide_summary_columns(keys, &METRICS));
    for p in points {
        let summary = PointSummary::of(p);
        let mut cells = vec![p.point.to_string()];
        cells.extend(p.values.iter().cloned());
        cells.push(summary.replications.to_string());
        for groups in &summary.metrics {
            for s in groups {
                cells.extend(summary_cells(s.as_ref()));
            }
        }
        w.text_row(&cells);
    }
    w.finish()
}

/// `sweep_summary_long.csv` of `points`: per point, metric (in
/// [`METRICS`] order) and group (off, on, saved) that ran, one row with
/// the numbers of the matching `sweep_summary.csv` columns.
pub fn sweep_summary_long_csv(keys: &[String], points: &[PointRows<'_>]) -> io::Result<Vec<u8>> {
    let mut w = CsvWriter::new(&swept_columns::<SweepSummaryLongCsv>(keys));
    for p in points {
        let summary = PointSummary::of(p);
        for (metric, groups) in METRICS.iter().zip(&summary.metrics) {
            for (group, s) in Group::ALL.into_iter().zip(groups) {
                let Some((s, mean)) = s.as_ref().and_then(|s| Some((s, s.mean?))) else {
                    continue;
                };
                w.record(&Swept {
                    point: p.point as u64,
                    values: Cow::Borrowed(p.values),
                    row: SweepSummaryLongCsv {
                        metric: Cow::Borrowed(metric),
                        group,
                        mean: Fixed(mean),
                        ci_low: s.ci95.map(|c| Fixed(c.0)),
                        ci_high: s.ci95.map(|c| Fixed(c.1)),
                    },
                });
            }
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunId;

    fn row(replication: u32, read_session: bool, window_ms_total: u64, episode_ms: u64) -> RunRow {
        let mut counts = [0; 11];
        counts[5] = window_ms_total;
        RunRow {
            index: 0,
            point: 0,
            id: RunId {
                seed: 3,
                replication,
                read_session,
            },
            counts,
            episode_ms_total: episode_ms,
            events: 0,
            fingerprint: 0,
        }
    }

    /// `sweep.csv` rows are `point`, the values, then exactly the run's
    /// `runs.csv` line; the reader gets back every number.
    #[test]
    fn sweep_csv_round_trips_and_embeds_the_runs_line() {
        let keys = vec!["worker.startup".to_string(), "pool.app_pools".to_string()];
        let values = vec!["30s".to_string(), "[\"ews\", \"a,b\"]".to_string()];
        let mut runs = [row(0, false, 1_800_000, 90_000), row(0, true, 2_000, 0)];
        runs[1].counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        runs[1].fingerprint = u64::MAX;
        runs[1].events = 99;
        let mut bytes = sweep_header(&keys).unwrap();
        for r in &runs {
            let line = sweep_row(4, &values, "demo", r).unwrap();
            let prefix = "4,30s,\"[\"\"ews\"\", \"\"a,b\"\"]\",";
            assert_eq!(
                line,
                [prefix.as_bytes(), &r.runs_line("demo", None).unwrap()].concat()
            );
            bytes.extend(line);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SWEEP_FILE);
        std::fs::write(&path, &bytes).unwrap();
        let table = crate::output::read::read_sweep(&path).unwrap();
        assert_eq!(table.parameters, keys);
        assert_eq!(table.rows.len(), 2);
        for (read, r) in table.rows.iter().zip(&runs) {
            assert_eq!((read.point, &*read.values), (4, &values[..]));
            let got = &read.row;
            assert_eq!((got.scenario.as_str(), got.id), ("demo", r.id));
            let counts = [
                got.requests,
                got.accepted,
                got.rejected,
                got.unavailable,
                got.windows,
                got.window_ms_total,
                got.window_ms_max,
                got.window_ms_p50,
                got.window_ms_p95,
                got.users_affected,
                got.episodes,
            ];
            assert_eq!(counts, r.counts);
            assert_eq!(
                (got.user_minutes, got.events, got.fingerprint),
                (
                    r.episode_ms_total as f64 / 60_000.0,
                    r.events,
                    r.fingerprint
                )
            );
        }
    }

    /// The long form holds one row per point, metric and group that ran,
    /// with the numbers of the wide form; read back and written again it
    /// gives the same bytes.
    #[test]
    fn the_long_summary_is_the_wide_one_row_per_value_and_round_trips() {
        let keys = vec![
            "worker.failed_update_hold".to_string(),
            "pool.servers".to_string(),
        ];
        let values = [
            vec!["10m".to_string(), "2".to_string()],
            vec!["30m".to_string(), "2".to_string()],
        ];
        let both = [false, true];
        let on_only = [true];
        let rows = |hold: u64| -> Vec<RunRow> {
            (0..3u32)
                .flat_map(|r| {
                    let noise = 1000 * u64::from(r * r);
                    [
                        row(r, false, hold + noise, 60_000 * (r as u64 + 2)),
                        row(r, true, noise, 60_000),
                    ]
                })
                .collect()
        };
        let points = [
            PointRows {
                point: 0,
                values: &values[0],
                flags: &both,
                rows: rows(600_000),
            },
            PointRows {
                point: 1,
                values: &values[1],
                flags: &on_only,
                rows: vec![row(0, true, 5, 60_000)],
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let wide_path = dir.path().join(SUMMARY_FILE);
        std::fs::write(&wide_path, sweep_summary_csv(&keys, &points).unwrap()).unwrap();
        let long_bytes = sweep_summary_long_csv(&keys, &points).unwrap();
        let long_path = dir.path().join(LONG_SUMMARY_FILE);
        std::fs::write(&long_path, &long_bytes).unwrap();
        let wide = crate::output::read::read_sweep_summary(&wide_path).unwrap();
        let long = crate::output::read::read_sweep_summary_long(&long_path).unwrap();

        assert!(long_bytes.starts_with(
            b"point,worker.failed_update_hold,pool.servers,metric,group,mean,ci_low,ci_high\n"
        ));
        assert_eq!(long.parameters, keys);
        // Point 0: 12 metrics x 3 groups; point 1: 12 metrics, flag on only.
        assert_eq!(long.rows.len(), 12 * 3 + 12);
        let mut expected = Vec::new();
        for w in &wide.rows {
            for (metric, m) in METRICS.iter().zip(&w.metrics) {
                for (group, s) in Group::ALL.into_iter().zip([m.off, m.on, m.saved]) {
                    if let Some(s) = s {
                        expected.push((w.point, w.values.clone(), *metric, group, s));
                    }
                }
            }
        }
        let got: Vec<_> = long
            .rows
            .iter()
            .map(|r| {
                let s = crate::output::read::MeanCi {
                    mean: r.row.mean.0,
                    ci_low: r.row.ci_low.map(|x| x.0),
                    ci_high: r.row.ci_high.map(|x| x.0),
                };
                (r.point, r.values.to_vec(), &*r.row.metric, r.row.group, s)
            })
            .collect();
        assert_eq!(got, expected);
        // One replication at point 1: no interval.
        assert!(long.rows[36..].iter().all(|r| r.row.ci_low.is_none()));
        let saved = &long.rows[3 * 5 + 2].row;
        assert_eq!(
            (&*saved.metric, saved.group),
            ("window_ms_total", Group::Saved)
        );
        assert_eq!(saved.mean, Fixed(600_000.0));

        let mut again = CsvWriter::new(&swept_columns::<SweepSummaryLongCsv>(&keys));
        for r in &long.rows {
            again.record(r);
        }
        assert_eq!(again.finish().unwrap(), long_bytes);
    }

    /// The cell of `column` in the data line `line` (1-based) of `text`.
    fn cell(text: &str, line: usize, column: &str) -> String {
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let c = header.iter().position(|h| *h == column).unwrap();
        let l = lines.nth(line - 1).unwrap();
        l.split(',').nth(c).unwrap().to_string()
    }

    #[test]
    fn one_row_per_point_with_paired_saving() {
        let keys = vec!["worker.failed_update_hold".to_string()];
        let flags = [false, true];
        let values = [vec!["10m".to_string()], vec!["30m".to_string()]];
        // Off varies by replication, on by the same amount: the paired
        // difference is constant although off and on vary.
        let rows = |hold: u64| -> Vec<RunRow> {
            (0..3u32)
                .flat_map(|r| {
                    let noise = 1000 * u64::from(r);
                    [
                        row(r, false, hold + 2000 + noise, 60_000 * (r as u64 + 2)),
                        row(r, true, 2000 + noise, 60_000),
                    ]
                })
                .collect()
        };
        let points: Vec<PointRows<'_>> = [600_000, 1_800_000]
            .iter()
            .enumerate()
            .map(|(i, &hold)| PointRows {
                point: i,
                values: &values[i],
                flags: &flags,
                rows: rows(hold),
            })
            .collect();
        let text = String::from_utf8(sweep_summary_csv(&keys, &points).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 2, "{text}");
        assert!(lines[0].starts_with(
            "point,worker.failed_update_hold,replications,requests_off_mean,requests_off_ci_low,\
             requests_off_ci_high,requests_on_mean,requests_on_ci_low,requests_on_ci_high,\
             requests_saved_mean,requests_saved_ci_low,requests_saved_ci_high,accepted_off_mean"
        ));
        assert_eq!(lines[0].split(',').count(), 3 + 12 * 9);
        assert!(lines[0].ends_with("user_minutes_saved_ci_high"));
        assert!(lines[1].starts_with("0,10m,3,"), "{}", lines[1]);
        for (line, hold) in [(1, "600000.000"), (2, "1800000.000")] {
            for c in ["mean", "ci_low", "ci_high"] {
                assert_eq!(
                    cell(&text, line, &format!("window_ms_total_saved_{c}")),
                    hold
                );
            }
        }
        assert_eq!(cell(&text, 2, "window_ms_total_off_mean"), "1803000.000");
        assert_eq!(cell(&text, 2, "window_ms_total_on_mean"), "3000.000");
        // on: 2000, 3000, 4000: sd 1000, half width t(2) * 1000 / sqrt(3) = 2484.138.
        assert_eq!(cell(&text, 2, "window_ms_total_on_ci_low"), "515.862");
        assert_eq!(cell(&text, 1, "user_minutes_saved_mean"), "2.000");
        assert_eq!(cell(&text, 1, "user_minutes_on_ci_low"), "1.000");
    }

    #[test]
    fn a_flag_value_that_did_not_run_leaves_its_columns_empty() {
        let keys = vec!["pool.servers".to_string()];
        let values = vec!["2".to_string()];
        let flags = [true];
        let points = [PointRows {
            point: 0,
            values: &values,
            flags: &flags,
            rows: vec![row(0, true, 5, 60_000)],
        }];
        let text = String::from_utf8(sweep_summary_csv(&keys, &points).unwrap()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert_eq!(cell(&text, 1, "replications"), "1");
        assert_eq!(cell(&text, 1, "window_ms_total_on_mean"), "5.000");
        // One replication: no interval.
        assert_eq!(cell(&text, 1, "window_ms_total_on_ci_low"), "");
        for g in ["off", "saved"] {
            for c in ["mean", "ci_low", "ci_high"] {
                assert_eq!(cell(&text, 1, &format!("user_minutes_{g}_{c}")), "");
            }
        }
    }
}
