//! The sweep's own tables: `sweep.csv` (every run) and `sweep_summary.csv`
//! (every point and flag value).
//!
//! - `sweep.csv`: one row per (point, replication, flag) in run order:
//!   `point`, one column per varied key (named by its dotted key, values as
//!   written, e.g. `30m`), then the columns of `runs.csv`.
//! - `sweep_summary.csv`: one row per (point, flag value):
//!   `point,<keys>,read_session,replications,` then for each metric m of
//!   [`METRICS`] `m_mean,m_ci_low,m_ci_high` (mean over the replications and
//!   its 95% Student-t interval; the interval is empty with one replication).

use super::row::{METRICS, RunRow, fixed};
use crate::metrics::stats::summarize;
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

/// `sweep.csv`: `runs` is `(point, point values, the run's runs.csv rows)` in
/// run order; `runs_header` is the header line of runs.csv.
pub fn sweep_csv(
    keys: &[String],
    runs_header: &[u8],
    runs: &[(usize, &[String], &[u8])],
) -> Vec<u8> {
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    if let Some(h) = records(runs_header).first() {
        header.extend(h.iter().map(str::to_string));
    }
    let mut w = CsvWriter::new(&header);
    for (point, values, block) in runs {
        for record in records(block) {
            let mut cells = vec![point.to_string()];
            cells.extend(values.iter().cloned());
            cells.extend(record.iter().map(str::to_string));
            w.text_row(&cells);
        }
    }
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

/// `sweep_summary.csv` of `points`, in point order.
pub fn sweep_summary_csv(keys: &[String], points: &[PointRows<'_>]) -> Vec<u8> {
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    header.push("read_session".into());
    header.push("replications".into());
    for m in METRICS {
        header.extend([
            format!("{m}_mean"),
            format!("{m}_ci_low"),
            format!("{m}_ci_high"),
        ]);
    }
    let mut w = CsvWriter::new(&header);
    for p in points {
        for &flag in p.flags {
            let of_flag: Vec<&RunRow> = p
                .rows
                .iter()
                .filter(|r| r.id.read_session == flag)
                .collect();
            let mut cells = vec![p.point.to_string()];
            cells.extend(p.values.iter().cloned());
            cells.push(flag.to_string());
            cells.push(of_flag.len().to_string());
            for m in 0..METRICS.len() {
                let v: Vec<f64> = of_flag.iter().map(|r| r.metric(m)).collect();
                let s = summarize(&v);
                cells.push(s.mean.map(fixed).unwrap_or_default());
                cells.push(s.ci95.map(|c| fixed(c.0)).unwrap_or_default());
                cells.push(s.ci95.map(|c| fixed(c.1)).unwrap_or_default());
            }
            w.text_row(&cells);
        }
    }
    w.finish()
}
