//! A bounded run straight from scenario text: for fuzzing and for embedding
//! hmasim where a run must never take long or grow large.
//!
//! [`run_text`] does what `hmasim run` does up to the files: parse and
//! validate the text (with its `[sweep]`), estimate every run and refuse
//! what is above the bounds, then run every run one after the other with a
//! hard event limit, formatting every row as its CSV line and dropping it.
//! It writes nothing and reads no file.

use super::ExperimentError;
use super::estimate::{self, Limits};
use super::plan::{Plan, PlanRequest, enumerate_runs};
use super::row::RunRow;
use crate::metrics::stats::nearest_rank;
use crate::metrics::{BucketRecord, RowSink, RunId, StateInterval, TraceRecord, WindowRecord};
use crate::model::{self, RunOptions};
use crate::output::csv::{self, CsvWriter};
use crate::scenario::clock::WallClock;
use crate::scenario::history::Files;

/// What a bounded run may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Most events of one run: refused above it by the estimate, stopped
    /// past it while running.
    pub max_events: u64,
    /// Most estimated peak memory [bytes].
    pub max_memory: u64,
    /// Most runs in the plan.
    pub max_runs: usize,
}

impl Default for Bounds {
    /// A fraction of a second: a million events per run, 256 MiB, 16 runs.
    fn default() -> Self {
        Bounds {
            max_events: 1_000_000,
            max_memory: 256 << 20,
            max_runs: 16,
        }
    }
}

/// Formats each row and drops it; keeps the window durations for the
/// percentiles (bounded by the event limit: a window needs a request).
struct Discard<'a> {
    id: RunId,
    app_pools: &'a [String],
    clock: Option<&'a WallClock>,
    line: CsvWriter,
    durations: Vec<u64>,
}

impl RowSink for Discard<'_> {
    fn bucket(&mut self, row: &BucketRecord) {
        self.line.clear();
        csv::bucket_row(&mut self.line, &self.id, row, self.clock);
    }
    fn window(&mut self, row: &WindowRecord) {
        self.line.clear();
        csv::window_row(&mut self.line, &self.id, row, self.clock);
        self.durations.push(row.duration_ms());
    }
    fn interval(&mut self, row: &StateInterval) {
        self.line.clear();
        csv::interval_row(&mut self.line, &self.id, row, self.clock);
    }
    fn trace(&mut self, row: &TraceRecord) {
        self.line.clear();
        csv::event_row(&mut self.line, &self.id, row, self.app_pools, self.clock);
    }
}

/// Validates `text` (named `origin` in errors), refuses a plan above
/// `bounds`, and runs every run; returns their rows in run order. Errors
/// are those of `hmasim run`: a scenario error, a refusal
/// ([`ExperimentError::TooBig`]), or a run that failed or passed the event
/// limit ([`ExperimentError::Run`]).
pub fn run_text(text: &str, origin: &str, bounds: &Bounds) -> Result<Vec<RunRow>, ExperimentError> {
    let request = PlanRequest {
        scenario: origin.into(),
        ..PlanRequest::default()
    };
    run_request(request, text, Files::default(), bounds)
}

/// As [`run_text`], with the command line's overrides and options of
/// `request` (whose `scenario` names the file in errors; `--shard` is
/// ignored) and the `[history]` files read from `history` (which may hold
/// them in memory: [`Files::in_memory`]).
pub fn run_request(
    request: PlanRequest,
    text: &str,
    history: Files,
    bounds: &Bounds,
) -> Result<Vec<RunRow>, ExperimentError> {
    let plan = Plan::build_with_files(request, text.to_string(), history)?;
    let runs = enumerate_runs(&plan.point_entries(), plan.request.replication);
    if runs.len() > bounds.max_runs {
        return Err(ExperimentError::TooBig(format!(
            "the plan has {} runs, more than the bound of {}",
            runs.len(),
            bounds.max_runs
        )));
    }
    let points: Vec<_> = plan
        .points
        .iter()
        .map(|p| {
            (
                &p.scenario,
                runs.iter().filter(|r| r.point == p.index).count(),
            )
        })
        .collect();
    estimate::check(
        &estimate::plan_estimate(&points, false, 1),
        &Limits {
            max_events: bounds.max_events,
            max_memory: bounds.max_memory,
            // Nothing is written.
            max_output: u64::MAX,
        },
    )?;
    let mut rows = Vec::with_capacity(runs.len());
    for spec in &runs {
        let scenario = &plan.points[spec.point].scenario;
        let mut sink = Discard {
            id: spec.id,
            app_pools: &scenario.pool.app_pools,
            clock: scenario.simulation.start.as_ref(),
            line: CsvWriter::rows_only(),
            durations: Vec::new(),
        };
        let options = RunOptions {
            max_events: Some(bounds.max_events),
            trace: plan.request.trace,
            ..RunOptions::default()
        };
        let summary = model::run_into(scenario, spec.id, options, &mut sink).map_err(|source| {
            ExperimentError::Run {
                run: plan.describe(spec),
                source,
            }
        })?;
        sink.durations.sort_unstable();
        let p50 = nearest_rank(&sink.durations, 50);
        let p95 = nearest_rank(&sink.durations, 95);
        rows.push(RunRow::from_summary(
            spec.index, spec.point, &summary, p50, p95,
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::runner::{RunnerOptions, run_all};

    const TEXT: &str = "[simulation]\nname = \"b\"\nhorizon = \"6h\"\n[pool]\nservers = 2\n\
                        [worker]\ncrash_rate = \"4/1d\"\n[[issuer.rollover]]\nat = \"1h\"\n\
                        [clients]\nusers = 20\nrequest_interval = \"1m\"\n";

    #[test]
    fn a_bounded_run_gives_the_rows_of_a_real_run() {
        let rows = run_text(TEXT, "b.toml", &Bounds::default()).unwrap();
        let request = PlanRequest {
            scenario: "b.toml".into(),
            ..PlanRequest::default()
        };
        let plan = Plan::build_from_text(request, TEXT.to_string()).unwrap();
        let runs = enumerate_runs(&plan.point_entries(), None);
        let (outputs, _) = run_all(&plan, &runs, RunnerOptions::default()).unwrap();
        let expected: Vec<RunRow> = outputs.iter().map(|o| o.row).collect();
        assert_eq!(rows, expected);
        assert!(rows.iter().any(|r| r.counts[4] > 0), "no windows: {rows:?}");
    }

    #[test]
    fn too_big_plans_are_refused_and_long_runs_stopped() {
        let small = Bounds {
            max_events: 100,
            ..Bounds::default()
        };
        let e = run_text(TEXT, "b.toml", &small).unwrap_err();
        assert!(matches!(e, ExperimentError::TooBig(_)), "{e}");
        let many = TEXT.replace("horizon = \"6h\"", "horizon = \"6h\"\nreplications = 100");
        let e = run_text(&many, "b.toml", &Bounds::default()).unwrap_err();
        assert!(e.to_string().contains("200 runs"), "{e}");
        let e = run_text("[simulation]\nname = 3\n", "x.toml", &Bounds::default()).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
    }
}
