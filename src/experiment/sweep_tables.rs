//! The sweep's own tables: `sweep.csv` (every run) and `sweep_summary.csv`
//! (every point).
//!
//! - `sweep.csv`: one row per (point, replication, flag) in run order:
//!   `point`, one column per varied key (named by its dotted key, values as
//!   written, e.g. `30m`), then the columns of `runs.csv`.
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

use super::compare;
use super::row::{METRICS, RunRow, fixed};
use crate::metrics::stats::{Summary, summarize};
use crate::output::csv::CsvWriter;

/// Name of the per-run sweep table.
pub const SWEEP_FILE: &str = "sweep.csv";
/// Name of the per-point summary.
pub const SUMMARY_FILE: &str = "sweep_summary.csv";

fn records(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("runs.csv written by hmasim parses"))
        .collect()
}

/// `sweep.csv`, written a run at a time: its header, then each run's rows.
#[derive(Clone, Debug)]
pub struct SweepTable {
    columns: Vec<String>,
    header: Vec<u8>,
}

impl SweepTable {
    /// The table of a sweep over `keys`; `runs_header` is the header line of runs.csv.
    pub fn new(keys: &[String], runs_header: &[u8]) -> SweepTable {
        let mut columns = vec!["point".to_string()];
        columns.extend(keys.iter().cloned());
        if let Some(h) = records(runs_header).first() {
            columns.extend(h.iter().map(str::to_string));
        }
        let header = CsvWriter::new(&columns).finish();
        SweepTable { columns, header }
    }

    /// The header line.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The rows of one run: `point`, its `values` (one per key), then each
    /// row of `block`, the run's rows of runs.csv. The file is the header
    /// followed by every run's rows in run order.
    pub fn rows(&self, point: usize, values: &[String], block: &[u8]) -> Vec<u8> {
        let mut w = CsvWriter::new(&self.columns);
        for record in records(block) {
            let mut cells = vec![point.to_string()];
            cells.extend(values.iter().cloned());
            cells.extend(record.iter().map(str::to_string));
            w.text_row(&cells);
        }
        let mut bytes = w.finish();
        bytes.drain(..self.header.len());
        bytes
    }
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

/// The three groups of columns of each metric, in column order.
pub const GROUPS: [&str; 3] = ["off", "on", "saved"];

/// The header of `sweep_summary.csv` for the varied `keys`.
pub fn summary_header(keys: &[String]) -> Vec<String> {
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    header.push("replications".into());
    for m in METRICS {
        for g in GROUPS {
            header.extend([
                format!("{m}_{g}_mean"),
                format!("{m}_{g}_ci_low"),
                format!("{m}_{g}_ci_high"),
            ]);
        }
    }
    header
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
pub fn sweep_summary_csv(keys: &[String], points: &[PointRows<'_>]) -> Vec<u8> {
    let mut w = CsvWriter::new(&summary_header(keys));
    for p in points {
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
        let mut cells = vec![p.point.to_string()];
        cells.extend(p.values.iter().cloned());
        cells.push(replications.len().to_string());
        for m in 0..METRICS.len() {
            for rows in &of_flag {
                let s = rows.as_ref().map(|rows| {
                    let v: Vec<f64> = rows.iter().map(|r| r.metric(m)).collect();
                    summarize(&v)
                });
                cells.extend(summary_cells(s.as_ref()));
            }
            cells.extend(summary_cells(
                saved.as_ref().and_then(|s| s.differences.get(m)),
            ));
        }
        w.text_row(&cells);
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
        let text = String::from_utf8(sweep_summary_csv(&keys, &points)).unwrap();
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
        let text = String::from_utf8(sweep_summary_csv(&keys, &points)).unwrap();
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
