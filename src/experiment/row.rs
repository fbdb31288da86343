//! The numbers of one run that summaries are computed from.
//!
//! Compare and sweep summaries, and the rows of `runs.csv` and `sweep.csv`,
//! are made from [`RunRow`]s, never from re-parsed CSV text: a shard stores
//! its rows exactly (integers only, in `shard_index.csv`), so a merge
//! recomputes the same rows and summaries from the same integers and writes
//! the same bytes as a single-machine run.

use crate::metrics::{RunId, RunResult, RunSummary};
use crate::output::csv::CsvWriter;
pub use crate::output::table::{DECIMALS, fixed};
use crate::output::table::{OfVariant, RunsCsv};
use std::borrow::Cow;

/// The metrics of `runs.csv` that summaries cover, in column order.
pub const METRICS: [&str; 12] = crate::output::csv::METRIC_COLUMNS;

/// Index of `user_minutes` in [`METRICS`] (the only non-integer metric).
pub const USER_MINUTES: usize = 11;
/// Index of `rejected` in [`METRICS`].
pub const REJECTED: usize = 2;
/// Index of `windows` in [`METRICS`].
pub const WINDOWS: usize = 4;
/// Index of `window_ms_max` in [`METRICS`].
pub const WINDOW_MS_MAX: usize = 6;
/// Index of `users_affected` in [`METRICS`].
pub const USERS_AFFECTED: usize = 9;

/// One run's identity and integer metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunRow {
    /// Position in the plan's fixed run order.
    pub index: usize,
    /// Sweep point (0 without a sweep).
    pub point: usize,
    /// Seed, replication, flag.
    pub id: RunId,
    /// The first eleven [`METRICS`] (all but `user_minutes`).
    pub counts: [u64; 11],
    /// Sum of prompt-loop episode lengths [ms]; `user_minutes` is this / 60 000.
    pub episode_ms_total: u64,
    /// Events processed (for events per second).
    pub events: u64,
    /// The run's fingerprint.
    pub fingerprint: u64,
}

impl RunRow {
    /// The row of a finished run.
    pub fn from_result(index: usize, point: usize, r: &RunResult) -> RunRow {
        let t = &r.totals;
        RunRow {
            index,
            point,
            id: r.id,
            counts: [
                t.requests,
                t.accepted,
                t.rejected,
                t.unavailable,
                r.windows.len() as u64,
                r.window_ms_total(),
                r.window_ms_max(),
                r.window_ms_percentile(50),
                r.window_ms_percentile(95),
                t.users_affected,
                t.episodes,
            ],
            episode_ms_total: t.episode_ms_total,
            events: t.events,
            fingerprint: t.fingerprint,
        }
    }

    /// The row of a run whose rows were streamed: `summary` and the window
    /// percentiles the sink computed.
    pub fn from_summary(
        index: usize,
        point: usize,
        summary: &RunSummary,
        window_p50_ms: u64,
        window_p95_ms: u64,
    ) -> RunRow {
        let (t, w) = (&summary.totals, &summary.windows);
        RunRow {
            index,
            point,
            id: summary.id,
            counts: [
                t.requests,
                t.accepted,
                t.rejected,
                t.unavailable,
                w.count,
                w.total_ms,
                w.max_ms,
                window_p50_ms,
                window_p95_ms,
                t.users_affected,
                t.episodes,
            ],
            episode_ms_total: t.episode_ms_total,
            events: t.events,
            fingerprint: t.fingerprint,
        }
    }

    /// Its `runs.csv` row (`scenario`: `simulation.name`): also its row of
    /// `sweep.csv`, so the two tables cannot disagree.
    pub fn runs_csv<'a>(&self, scenario: &'a str) -> RunsCsv<'a> {
        RunsCsv::new(
            scenario,
            &self.id,
            &self.counts,
            self.episode_ms_total,
            self.events,
            self.fingerprint,
        )
    }

    /// Its `runs.csv` line, as [`RunRow::runs_csv`] writes it, after the
    /// name of its variant if the scenario has `[[variant]]` tables.
    pub fn runs_line(&self, scenario: &str, variant: Option<&str>) -> std::io::Result<Vec<u8>> {
        let mut w = CsvWriter::rows_only();
        let row = self.runs_csv(scenario);
        match variant {
            Some(v) => w.record(&OfVariant {
                variant: Cow::Borrowed(v),
                row,
            }),
            None => w.record(&row),
        }
        w.finish()
    }

    /// Metric `m` (index into [`METRICS`]) as a float.
    pub fn metric(&self, m: usize) -> f64 {
        if m == USER_MINUTES {
            self.episode_ms_total as f64 / 60_000.0
        } else {
            self.counts[m] as f64
        }
    }

    /// `self - other` of metric `m`, computed in integers where the metric is
    /// one, so a difference of two large counts is exact.
    pub fn difference(&self, other: &RunRow, m: usize) -> f64 {
        if m == USER_MINUTES {
            (i128::from(self.episode_ms_total) - i128::from(other.episode_ms_total)) as f64
                / 60_000.0
        } else {
            (i128::from(self.counts[m]) - i128::from(other.counts[m])) as f64
        }
    }

    /// `self - other` of metric `m` as written in a per-replication CSV row:
    /// an integer for counts, [`fixed`] for user-minutes.
    pub fn difference_text(&self, other: &RunRow, m: usize) -> String {
        if m == USER_MINUTES {
            fixed(self.difference(other, m))
        } else {
            (i128::from(self.counts[m]) - i128::from(other.counts[m])).to_string()
        }
    }
}
