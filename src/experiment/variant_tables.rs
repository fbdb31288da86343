//! `variants.csv`: the variants of a scenario compared on the same random
//! history, and the ranking the summary, the chart and the report show.
//!
//! For each variant (a point of the plan, one flag value) and each metric of
//! [`METRICS`]: the mean per run with its 95% Student t interval, and the
//! paired difference against the *reference*, the first variant of the
//! file (or of `--variant`): for every replication both ran, variant −
//! reference of the same (seed, replication), which share every random
//! draw (common random numbers), then the mean and interval of those
//! differences and the share of replications in which the variant did
//! better ([`Better`]: lower for every metric but `accepted`, none for
//! `requests`). Variants are ranked by mean user-minutes in prompt loops,
//! fewest first, ties in file order; the file lists them in rank order,
//! each with its metrics in [`METRICS`] order. Differences of counts are
//! computed in integers ([`RunRow::difference`]), numbers have [`fixed`]
//! decimals, as in `compare.csv`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;

use super::row::{METRICS, RunRow, USER_MINUTES};
use crate::metrics::stats::{Summary, summarize};
use crate::output::csv::CsvWriter;
use crate::output::table::{Better, Fixed, VariantsCsv, columns};

/// Name of the file.
pub const FILE: &str = "variants.csv";

/// One variant's runs, as the comparison needs them.
#[derive(Clone, Debug)]
pub struct VariantRows<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its flag value.
    pub read_session: bool,
    /// Its runs' rows, in run order.
    pub rows: Vec<RunRow>,
}

/// One metric of one variant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricComparison {
    /// Mean, sd and interval over the variant's runs.
    pub values: Summary,
    /// Of the paired differences variant − reference; `None` for the
    /// reference itself (and a variant that shares no replication with it).
    pub difference: Option<Summary>,
    /// Share of the pairs where the variant did better; `None` for the
    /// reference and for a metric without a direction.
    pub share_better: Option<f64>,
}

/// One variant compared with the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantComparison<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its flag value.
    pub read_session: bool,
    /// Its position among the variants (0: the reference).
    pub position: usize,
    /// Its rank by mean user-minutes, from 1.
    pub rank: usize,
    /// Per metric of [`METRICS`].
    pub metrics: Vec<MetricComparison>,
}

/// Compares `variants` (the first is the reference), in rank order.
pub fn compare<'a>(variants: &[VariantRows<'a>]) -> Vec<VariantComparison<'a>> {
    let reference: BTreeMap<(u64, u32), &RunRow> = variants
        .first()
        .map(|v| {
            v.rows
                .iter()
                .map(|r| ((r.id.seed, r.id.replication), r))
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<VariantComparison<'a>> = variants
        .iter()
        .enumerate()
        .map(|(position, v)| {
            let pairs: Vec<(&RunRow, &RunRow)> = if position == 0 {
                Vec::new()
            } else {
                v.rows
                    .iter()
                    .filter_map(|r| Some((r, *reference.get(&(r.id.seed, r.id.replication))?)))
                    .collect()
            };
            let metrics = (0..METRICS.len())
                .map(|m| {
                    let values: Vec<f64> = v.rows.iter().map(|r| r.metric(m)).collect();
                    let d: Vec<f64> = pairs.iter().map(|(r, b)| r.difference(b, m)).collect();
                    let share_better =
                        Better::of_metric(METRICS[m])
                            .filter(|_| !d.is_empty())
                            .map(|better| {
                                d.iter().filter(|&&x| better.improved(x)).count() as f64
                                    / d.len() as f64
                            });
                    MetricComparison {
                        values: summarize(&values),
                        difference: (!d.is_empty()).then(|| summarize(&d)),
                        share_better,
                    }
                })
                .collect();
            VariantComparison {
                name: v.name,
                read_session: v.read_session,
                position,
                rank: 0,
                metrics,
            }
        })
        .collect();
    // Fewest user-minutes first; a variant without runs last; ties in file order.
    let key = |c: &VariantComparison<'_>| c.metrics[USER_MINUTES].values.mean;
    out.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then(a.position.cmp(&b.position)),
        (x, y) => y
            .is_some()
            .cmp(&x.is_some())
            .then(a.position.cmp(&b.position)),
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    out
}

/// `variants.csv` of `variants` (the first is the reference).
pub fn variants_csv(variants: &[VariantRows<'_>]) -> io::Result<Vec<u8>> {
    let mut w = CsvWriter::new(columns::<VariantsCsv>());
    let opt = |x: Option<f64>| x.map(Fixed);
    for c in compare(variants) {
        for (metric, m) in METRICS.iter().zip(&c.metrics) {
            let d = m.difference;
            w.record(&VariantsCsv {
                variant: Cow::Borrowed(c.name),
                read_session: c.read_session,
                rank: c.rank as u64,
                metric: Cow::Borrowed(metric),
                better: Better::of_metric(metric),
                n: m.values.n as u64,
                mean: opt(m.values.mean),
                ci_low: opt(m.values.ci95.map(|c| c.0)),
                ci_high: opt(m.values.ci95.map(|c| c.1)),
                diff_mean: opt(d.and_then(|d| d.mean)),
                diff_ci_low: opt(d.and_then(|d| d.ci95).map(|c| c.0)),
                diff_ci_high: opt(d.and_then(|d| d.ci95).map(|c| c.1)),
                share_better: opt(m.share_better),
            });
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunId;

    /// A run of replication `rep` with `rejected` and `accepted` requests
    /// and `episode_ms` in prompt loops.
    fn row(rep: u32, read_session: bool, rejected: u64, accepted: u64, episode_ms: u64) -> RunRow {
        let mut counts = [0; 11];
        counts[1] = accepted;
        counts[2] = rejected;
        RunRow {
            index: 0,
            point: 0,
            id: RunId {
                seed: 9,
                replication: rep,
                read_session,
            },
            counts,
            episode_ms_total: episode_ms,
            events: 0,
            fingerprint: 0,
        }
    }

    fn cells<'a>(text: &'a str, variant: &str, metric: &str) -> Vec<&'a str> {
        text.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[0] == variant && c[3] == metric)
            .unwrap_or_else(|| panic!("no row {variant} {metric} in\n{text}"))
    }

    /// Three replications, by hand. Reference `a`: user-minutes 10, 20, 30.
    /// `b`: 4, 20, 12, so b − a = -6, 0, -18: mean -8, sd sqrt((4 + 64 +
    /// 100) / 2) = sqrt(84), half width t(2) sqrt(84 / 3) = 4.302652729749464
    /// x 5.291502622129181 = 22.767; better (lower) in 2 of 3. `c`: 40, 50,
    /// 60: c − a = 30 each, a zero-width interval, never better. Ranked b
    /// (mean 12), a (20), c (50).
    #[test]
    fn paired_differences_against_the_first_variant_by_hand() {
        let min = 60_000;
        let v = |name, flag, um: [u64; 3], rejected: [u64; 3], accepted: [u64; 3]| VariantRows {
            name,
            read_session: flag,
            rows: (0..3)
                .map(|r| row(r as u32, flag, rejected[r], accepted[r], um[r] * min))
                .collect(),
        };
        let variants = [
            v("a", false, [10, 20, 30], [5, 5, 5], [100, 100, 100]),
            v("b", true, [4, 20, 12], [1, 5, 2], [100, 101, 99]),
            v("c", false, [40, 50, 60], [9, 9, 9], [100, 100, 100]),
        ];
        let text = String::from_utf8(variants_csv(&variants).unwrap()).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            "variant,read_session,rank,metric,better,n,mean,ci_low,ci_high,diff_mean,diff_ci_low,diff_ci_high,share_better"
        );
        assert_eq!(text.lines().count(), 1 + 3 * METRICS.len());
        // Rank order, metrics in order within a variant.
        let order: Vec<&str> = text
            .lines()
            .skip(1)
            .step_by(METRICS.len())
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(order, ["b", "a", "c"]);
        assert_eq!(
            cells(&text, "b", "user_minutes"),
            [
                "b",
                "true",
                "1",
                "user_minutes",
                "lower",
                "3",
                "12.000",
                // Deviations -8, 8, 0: sd 8, 12 ∓ t(2) x 8 / sqrt(3) = 12 ∓ 19.873.
                "-7.873",
                "31.873",
                "-8.000",
                "-30.767",
                "14.767",
                "0.667"
            ]
        );
        assert_eq!(
            cells(&text, "a", "user_minutes")[2..],
            [
                "2",
                "user_minutes",
                "lower",
                "3",
                "20.000",
                "-4.841",
                "44.841",
                "",
                "",
                "",
                ""
            ]
        );
        assert_eq!(
            cells(&text, "c", "user_minutes")[9..],
            ["30.000", "30.000", "30.000", "0.000"]
        );
        // accepted: higher is better (b − a = 0, 1, -1: better once);
        // requests: no direction, no share.
        assert_eq!(cells(&text, "b", "accepted")[4], "higher");
        assert_eq!(cells(&text, "b", "accepted")[12], "0.333");
        assert_eq!(cells(&text, "b", "requests")[4], "");
        assert_eq!(cells(&text, "b", "requests")[12], "");
        // rejected: b − a = -4, 0, -3 in integers.
        assert_eq!(cells(&text, "b", "rejected")[9], "-2.333");
    }

    #[test]
    fn one_replication_has_no_intervals_and_ties_keep_file_order() {
        let one = |name| VariantRows {
            name,
            read_session: false,
            rows: vec![row(0, false, 1, 1, 60_000)],
        };
        let text = String::from_utf8(variants_csv(&[one("x"), one("y")]).unwrap()).unwrap();
        let y = cells(&text, "y", "user_minutes");
        assert_eq!(y[2], "2");
        assert_eq!(y[5..], ["1", "1.000", "", "", "0.000", "", "", "0.000"]);
        assert_eq!(cells(&text, "x", "user_minutes")[2], "1");
    }
}
