//! Running the plan's runs in parallel and gathering their results in run order.
//!
//! Runs execute on a local rayon pool of `--jobs` threads. Each finished run
//! is turned at once into its [`RunOutput`]: its integer metrics and its rows
//! of every per-run CSV (formatted by [`crate::output::csv`]), so memory
//! holds CSV bytes rather than whole results. `par_iter().collect()` keeps
//! the input order, so outputs come back in run-index order whatever the
//! scheduling: output bytes never depend on `--jobs`.

use super::ExperimentError;
use super::plan::{Plan, RunSpec};
use super::row::RunRow;
use crate::metrics::RunResult;
use crate::model::{self, RunOptions};
use crate::output::csv;
use crate::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The per-run CSV files, in the order their blocks are kept.
pub const PER_RUN_FILES: [&str; 6] = [
    "runs.csv",
    "windows.csv",
    "timeseries.csv",
    "timeline.csv",
    "rollovers.csv",
    "events.csv",
];

/// The per-run files written with or without `--trace` (`events.csv` only with).
pub fn per_run_files(trace: bool) -> &'static [&'static str] {
    if trace {
        &PER_RUN_FILES
    } else {
        &PER_RUN_FILES[..5]
    }
}

/// One finished run: its numbers and its rows in each per-run file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// Identity and integer metrics.
    pub row: RunRow,
    /// The run's rows (without header) of each file of [`per_run_files`].
    pub blocks: Vec<Vec<u8>>,
}

/// The per-run file `name` of `runs` (`scenario`: `simulation.name`;
/// `app_pools`: `pool.app_pools`, for the event trace).
fn write_file_for(
    name: &str,
    scenario: &str,
    app_pools: &[String],
    runs: &[&RunResult],
) -> Vec<u8> {
    match name {
        "runs.csv" => csv::runs_csv(scenario, runs),
        "windows.csv" => csv::windows_csv(runs),
        "timeseries.csv" => csv::timeseries_csv(runs),
        "timeline.csv" => csv::timeline_csv(runs),
        "rollovers.csv" => csv::rollovers_csv(runs),
        "events.csv" => csv::events_csv(runs, app_pools),
        other => unreachable!("not a per-run file: {other}"),
    }
}

/// The header line of each per-run file (what the writers emit for no runs).
pub fn headers(trace: bool) -> Vec<Vec<u8>> {
    per_run_files(trace)
        .iter()
        .map(|f| write_file_for(f, "", &[], &[]))
        .collect()
}

/// Formats one run's rows of every per-run file. A file is the header
/// followed by the blocks of its runs in order, exactly what the writers
/// produce for several runs at once; keeping blocks apart lets shards be
/// merged by splitting and interleaving bytes.
pub fn blocks(
    scenario: &Scenario,
    result: &RunResult,
    headers: &[Vec<u8>],
    trace: bool,
) -> Vec<Vec<u8>> {
    per_run_files(trace)
        .iter()
        .zip(headers)
        .map(|(f, header)| {
            let mut bytes = write_file_for(
                f,
                &scenario.simulation.name,
                &scenario.pool.app_pools,
                &[result],
            );
            assert!(
                bytes.starts_with(header),
                "{f}: the writer's output for one run does not start with its header"
            );
            bytes.drain(..header.len());
            bytes
        })
        .collect()
}

/// How to run: threads and progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunnerOptions {
    /// Worker threads; `None` = all cores.
    pub jobs: Option<usize>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What running took (printed in the summary, never written to a file).
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    /// Wall-clock time of all runs.
    pub wall: Duration,
    /// Events processed by all runs.
    pub events: u64,
}

/// Runs `runs` of `plan` and returns their outputs in the order of `runs`.
///
/// If a run fails, no further runs start and the failure of the lowest
/// run index among those that ran is returned.
pub fn run_all(
    plan: &Plan,
    runs: &[RunSpec],
    options: RunnerOptions,
) -> Result<(Vec<RunOutput>, RunStats), ExperimentError> {
    let trace = plan.request.trace;
    let headers = headers(trace);
    let start = Instant::now();
    let events = AtomicU64::new(0);
    let failed = AtomicBool::new(false);
    let bar = progress_bar(runs.len(), options.progress);

    let execute = |spec: &RunSpec| -> Option<Result<RunOutput, ExperimentError>> {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let scenario = &plan.points[spec.point].scenario;
        let result = match model::run(scenario, spec.id, RunOptions { trace }) {
            Ok(r) => r,
            Err(source) => {
                failed.store(true, Ordering::Relaxed);
                return Some(Err(ExperimentError::Run {
                    run: spec.describe(plan.is_sweep()),
                    source,
                }));
            }
        };
        let row = RunRow::from_result(spec.index, spec.point, &result);
        let blocks = blocks(scenario, &result, &headers, trace);
        drop(result);
        let total = events.fetch_add(row.events, Ordering::Relaxed) + row.events;
        if let Some(bar) = &bar {
            let secs = start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{:.1} M events/s", total as f64 / secs / 1e6));
            bar.inc(1);
        }
        Some(Ok(RunOutput { row, blocks }))
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|e| {
            ExperimentError::BadArgument(format!("cannot start {:?} threads: {e}", options.jobs))
        })?;
    let results: Vec<Option<Result<RunOutput, ExperimentError>>> =
        pool.install(|| runs.par_iter().map(execute).collect());
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut outputs = Vec::with_capacity(results.len());
    let mut first_error = None;
    for r in results {
        match r {
            Some(Ok(o)) => outputs.push(o),
            Some(Err(e)) if first_error.is_none() => first_error = Some(e),
            _ => {}
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let stats = RunStats {
        wall: start.elapsed(),
        events: events.into_inner(),
    };
    Ok((outputs, stats))
}

fn progress_bar(len: usize, enabled: bool) -> Option<ProgressBar> {
    if !enabled || len == 0 {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{bar:30.cyan/blue} {pos}/{len} runs  {elapsed_precise}  ETA {eta}  {msg}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(250));
    Some(bar)
}
