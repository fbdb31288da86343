//! `compare.csv`: the paired flag comparison.
//!
//! With `read_session = "both"` every replication runs flag off and flag on
//! on the same seed (common random numbers), so the difference off - on of a
//! metric isolates what the flag did. Layout (one file per sweep point):
//!
//! ```text
//! row,seed,replication,requests,accepted,...,episodes,user_minutes
//! rep,1,0,0,4,-4,0,0,1800000,...        one row per replication: off - on
//! rep,1,1,...
//! mean,,,...                            mean of the differences
//! sd,,,...                              sample standard deviation (empty for one replication)
//! ci_low,,,...                          95% Student-t confidence interval of the mean
//! ci_high,,,...                         (empty for one replication)
//! share_helped,,,...                    share of replications with off - on > 0, i.e. where
//!                                       the flag lowered the metric (user_minutes: where it helped)
//! ```
//!
//! Per-replication differences of counts are integers; user-minutes and every
//! summary value have three decimals. The number of pairs is the number of
//! `rep` rows.
//!
//! `compare_summary.csv` holds the same summary in long form, for tools
//! that want one observation per row: one row per metric with
//! `metric,n,mean,sd,ci_low,ci_high,share_helped` ([`CompareSummaryCsv`]),
//! the numbers written exactly as in `compare.csv`.

use std::io;

use super::row::{METRICS, RunRow, fixed};
use crate::metrics::stats::{Summary, summarize};
use crate::output::csv::CsvWriter;
use crate::output::table::{CompareSummaryCsv, Fixed, compare_columns};

/// Name of the file.
pub const FILE: &str = "compare.csv";
/// Name of the summary in long form.
pub const SUMMARY_FILE: &str = "compare_summary.csv";

/// Flag-off and flag-on rows of the same seed and replication, in row order.
pub fn pairs(rows: &[RunRow]) -> Vec<(&RunRow, &RunRow)> {
    rows.iter()
        .filter(|r| !r.id.read_session)
        .filter_map(|off| {
            rows.iter()
                .find(|on| {
                    on.id.read_session
                        && on.point == off.point
                        && on.id.seed == off.id.seed
                        && on.id.replication == off.id.replication
                })
                .map(|on| (off, on))
        })
        .collect()
}

/// Summary of the paired differences of every metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Paired {
    /// Number of pairs.
    pub pairs: usize,
    /// Mean, sd and CI of off - on, per metric of [`METRICS`].
    pub differences: Vec<Summary>,
    /// Share of pairs with off - on > 0, per metric.
    pub share_helped: Vec<f64>,
}

/// Summarises the pairs among `rows` (one point); `None` without pairs.
pub fn paired(rows: &[RunRow]) -> Option<Paired> {
    let pairs = pairs(rows);
    if pairs.is_empty() {
        return None;
    }
    let mut differences = Vec::new();
    let mut share_helped = Vec::new();
    for m in 0..METRICS.len() {
        let d: Vec<f64> = pairs
            .iter()
            .map(|(off, on)| off.difference(on, m))
            .collect();
        differences.push(summarize(&d));
        share_helped.push(d.iter().filter(|&&x| x > 0.0).count() as f64 / d.len() as f64);
    }
    Some(Paired {
        pairs: pairs.len(),
        differences,
        share_helped,
    })
}

/// `compare.csv` for the rows of one point (in run order); `None` when not
/// both flag values ran.
pub fn compare_csv(rows: &[RunRow]) -> io::Result<Option<Vec<u8>>> {
    let Some(summary) = paired(rows) else {
        return Ok(None);
    };
    let mut w = CsvWriter::new(&compare_columns(&METRICS));
    for (off, on) in pairs(rows) {
        let mut cells = vec![
            "rep".to_string(),
            off.id.seed.to_string(),
            off.id.replication.to_string(),
        ];
        cells.extend((0..METRICS.len()).map(|m| off.difference_text(on, m)));
        w.text_row(&cells);
    }
    let opt = |x: Option<f64>| x.map(fixed).unwrap_or_default();
    let labels = ["mean", "sd", "ci_low", "ci_high", "share_helped"];
    for label in labels {
        let mut cells = vec![label.to_string(), String::new(), String::new()];
        cells.extend(
            summary
                .differences
                .iter()
                .zip(&summary.share_helped)
                .map(|(s, &share)| match label {
                    "mean" => opt(s.mean),
                    "sd" => opt(s.sd),
                    "ci_low" => opt(s.ci95.map(|c| c.0)),
                    "ci_high" => opt(s.ci95.map(|c| c.1)),
                    _ => fixed(share),
                }),
        );
        w.text_row(&cells);
    }
    w.finish().map(Some)
}

/// `compare_summary.csv` for the rows of one point (in run order): one row
/// per metric of [`METRICS`]; `None` when not both flag values ran.
pub fn compare_summary_csv(rows: &[RunRow]) -> io::Result<Option<Vec<u8>>> {
    let Some(summary) = paired(rows) else {
        return Ok(None);
    };
    let mut w = CsvWriter::new(crate::output::table::columns::<CompareSummaryCsv>());
    for ((metric, s), &share) in METRICS
        .iter()
        .zip(&summary.differences)
        .zip(&summary.share_helped)
    {
        w.record(&CompareSummaryCsv {
            metric: (*metric).into(),
            n: summary.pairs as u64,
            mean: s.mean.map(Fixed),
            sd: s.sd.map(Fixed),
            ci_low: s.ci95.map(|c| Fixed(c.0)),
            ci_high: s.ci95.map(|c| Fixed(c.1)),
            share_helped: Fixed(share),
        });
    }
    w.finish().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunId;

    fn row(
        index: usize,
        replication: u32,
        read_session: bool,
        window_ms_total: u64,
        episode_ms: u64,
    ) -> RunRow {
        let mut counts = [0; 11];
        counts[5] = window_ms_total;
        counts[2] = if read_session { 1 } else { 5 };
        RunRow {
            index,
            point: 0,
            id: RunId {
                seed: 7,
                replication,
                read_session,
            },
            counts,
            episode_ms_total: episode_ms,
            events: 0,
            fingerprint: 0,
        }
    }

    #[test]
    fn known_differences_give_a_zero_width_interval() {
        let rows: Vec<RunRow> = (0..4u32)
            .flat_map(|r| {
                let i = 2 * r as usize;
                [
                    row(i, r, false, 1_802_000 + u64::from(r), 90_000),
                    row(i + 1, r, true, 2_000 + u64::from(r), 30_000),
                ]
            })
            .collect();
        let text = String::from_utf8(compare_csv(&rows).unwrap().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "row,seed,replication,requests,accepted,rejected,unavailable,windows,window_ms_total,window_ms_max,window_ms_p50,window_ms_p95,users_affected,episodes,user_minutes"
        );
        assert_eq!(lines[1], "rep,7,0,0,0,4,0,0,1800000,0,0,0,0,0,1.000");
        assert_eq!(lines.len(), 1 + 4 + 5);
        assert_eq!(
            lines[5],
            "mean,,,0.000,0.000,4.000,0.000,0.000,1800000.000,0.000,0.000,0.000,0.000,0.000,1.000"
        );
        assert_eq!(
            lines[6],
            "sd,,,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000"
        );
        assert_eq!(lines[7], lines[5].replace("mean", "ci_low"));
        assert_eq!(lines[8], lines[5].replace("mean", "ci_high"));
        assert_eq!(
            lines[9],
            "share_helped,,,0.000,0.000,1.000,0.000,0.000,1.000,0.000,0.000,0.000,0.000,0.000,1.000"
        );
    }

    #[test]
    fn one_replication_has_no_interval_and_one_flag_no_file() {
        let rows = [row(0, 0, false, 10, 0), row(1, 0, true, 4, 0)];
        let text = String::from_utf8(compare_csv(&rows).unwrap().unwrap()).unwrap();
        assert!(text.contains("\nsd,,,,,,,,,,,,,,\n"), "{text}");
        assert_eq!(compare_csv(&rows[..1]).unwrap(), None);
    }

    /// Pairs whose differences vary, so that sd and CI are not trivial.
    fn noisy() -> Vec<RunRow> {
        (0..5u32)
            .flat_map(|r| {
                let i = 2 * r as usize;
                let noise = u64::from(r * r) * 7_919;
                [
                    row(i, r, false, 1_802_000 + noise, 90_000 + noise),
                    row(i + 1, r, true, 2_000 + noise / 3, 30_000),
                ]
            })
            .collect()
    }

    /// compare_summary.csv says what the summary rows of compare.csv say,
    /// one metric per row, with the same text for every number.
    #[test]
    fn compare_summary_is_the_summary_of_compare_csv_in_long_form() {
        for rows in [noisy(), noisy()[..2].to_vec()] {
            let wide = String::from_utf8(compare_csv(&rows).unwrap().unwrap()).unwrap();
            let long = String::from_utf8(compare_summary_csv(&rows).unwrap().unwrap()).unwrap();
            let wide: Vec<Vec<&str>> = wide.lines().map(|l| l.split(',').collect()).collect();
            let long: Vec<Vec<&str>> = long.lines().map(|l| l.split(',').collect()).collect();
            assert_eq!(
                long[0],
                [
                    "metric",
                    "n",
                    "mean",
                    "sd",
                    "ci_low",
                    "ci_high",
                    "share_helped"
                ]
            );
            assert_eq!(long.len(), 1 + METRICS.len());
            let pairs = wide.iter().filter(|l| l[0] == "rep").count();
            for (m, line) in long[1..].iter().enumerate() {
                assert_eq!(line[0], METRICS[m]);
                assert_eq!(line[1], pairs.to_string());
                for (c, label) in ["mean", "sd", "ci_low", "ci_high", "share_helped"]
                    .iter()
                    .enumerate()
                {
                    let w = wide.iter().find(|l| l[0] == *label).unwrap();
                    assert_eq!(line[2 + c], w[3 + m], "{label} of {}", METRICS[m]);
                }
            }
        }
        assert_eq!(compare_summary_csv(&noisy()[..1]).unwrap(), None);
    }

    #[test]
    fn compare_summary_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        for (name, rows) in [("five", noisy()), ("one", noisy()[..2].to_vec())] {
            let bytes = compare_summary_csv(&rows).unwrap().unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let read = crate::output::read::read_compare_summary(&path).unwrap();
            assert_eq!(read.len(), METRICS.len());
            let paired = paired(&rows).unwrap();
            assert!(read.iter().all(|r| r.n == paired.pairs as u64));
            assert_eq!(read[5].metric, "window_ms_total");
            assert_eq!(read[5].sd.is_some(), paired.pairs > 1);
            // Written again, the records read give the same bytes.
            assert_eq!(crate::output::csv::table(read).unwrap(), bytes);
        }
    }
}
