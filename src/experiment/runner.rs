//! Running the plan's runs in parallel and handing their results over in run order.
//!
//! Runs execute on a local rayon pool of `--jobs` threads (never more than
//! runs). Each run streams its rows, as it produces them, to its own files
//! in a spill folder ([`super::spill`]); a finished run is its
//! [`RunOutput`]: its integer metrics, its one `runs.csv` row and few
//! rollovers in memory, and its other rows as files. [`run_each`] hands the
//! outputs to the caller in run-index order whatever the scheduling (a small
//! reorder buffer holds runs that finished before an earlier one), so the
//! caller can append them to the result files as they come, and output
//! bytes never depend on `--jobs`. Memory holds the runs in progress (their
//! model state and bounded spill buffers), not their rows.

use super::ExperimentError;
use super::plan::{Plan, RunSpec};
use super::progress::Progress;
use super::row::RunRow;
use super::spill::{Limits, SpillSink};
use crate::metrics::RunResult;
use crate::model::progress::RunProgress;
use crate::model::{self, RunOptions};
use crate::output::csv::{self, CsvWriter};
use crate::scenario::clock::WallClock;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, mpsc};
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

/// One run's rows of one per-run file (without header): in memory, or a
/// byte range of a file (a run's spill file, a shard's file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The bytes themselves (small: a `runs.csv` row, the rollovers).
    Bytes(Vec<u8>),
    /// `len` bytes of `path` from `offset`.
    File {
        /// The file.
        path: PathBuf,
        /// Where the block starts.
        offset: u64,
        /// Its length.
        len: u64,
    },
}

impl Block {
    /// The whole file at `path`.
    pub fn whole_file(path: PathBuf) -> io::Result<Block> {
        let len = std::fs::metadata(&path)?.len();
        Ok(Block::File {
            path,
            offset: 0,
            len,
        })
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Block::Bytes(b) => b.len() as u64,
            Block::File { len, .. } => *len,
        }
    }

    /// Whether it holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the block to `out` (a file block through a small buffer).
    pub fn copy_to(&self, out: &mut impl Write) -> io::Result<()> {
        match self {
            Block::Bytes(b) => out.write_all(b),
            Block::File { path, offset, len } => {
                let mut file = File::open(path)?;
                file.seek(SeekFrom::Start(*offset))?;
                let copied = io::copy(&mut file.take(*len), out)?;
                if copied == *len {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{}: {copied} of {len} bytes", path.display()),
                    ))
                }
            }
        }
    }

    /// The block's bytes (for small blocks and tests).
    pub fn read(&self) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.copy_to(&mut v)?;
        Ok(v)
    }
}

/// One finished run: its numbers and its rows in each per-run file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// Identity and integer metrics.
    pub row: RunRow,
    /// The run's rows (without header) of each file of [`per_run_files`].
    pub blocks: Vec<Block>,
    /// The run's spill folder, to remove once its blocks are written.
    pub spill: Option<PathBuf>,
    /// Simulated time the run fast-forwarded [ms] (0 in exact mode, and
    /// from a merge, which runs nothing).
    pub fast_forwarded_ms: u64,
}

/// The per-run file `name` of `runs` (`scenario`: `simulation.name`;
/// `app_pools`: `pool.app_pools`, for the event trace; `clock`:
/// `simulation.start`, for the wall-clock columns).
fn write_file_for(
    name: &str,
    scenario: &str,
    app_pools: &[String],
    runs: &[&RunResult],
    clock: Option<&WallClock>,
) -> io::Result<Vec<u8>> {
    match name {
        "runs.csv" => csv::runs_csv(scenario, runs),
        "windows.csv" => csv::windows_csv(runs, clock),
        "timeseries.csv" => csv::timeseries_csv(runs, clock),
        "timeline.csv" => csv::timeline_csv(runs, clock),
        "rollovers.csv" => csv::rollovers_csv(runs, clock),
        "events.csv" => csv::events_csv(runs, app_pools, clock),
        other => unreachable!("not a per-run file: {other}"),
    }
}

/// The header line of each per-run file (what the writers emit for no
/// runs) of a point whose scenario has the start `clock`, if any; with
/// `variants`, `runs.csv` starts with the `variant` column.
pub fn headers(trace: bool, variants: bool, clock: Option<&WallClock>) -> io::Result<Vec<Vec<u8>>> {
    per_run_files(trace)
        .iter()
        .map(|&f| match f {
            "runs.csv" if variants => CsvWriter::new(&crate::output::table::variant_columns::<
                crate::output::table::RunsCsv<'_>,
            >())
            .finish(),
            _ => write_file_for(f, "", &[], &[], clock),
        })
        .collect()
}

/// How to run: threads and progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunnerOptions {
    /// Worker threads; `None` = all cores. Never more threads than runs start.
    pub jobs: Option<usize>,
    /// Draw a progress bar on stderr (it moves with the simulated time of
    /// the runs in progress: [`super::progress`]).
    pub progress: bool,
    /// Stop flag (SIGINT, SIGTERM): no run starts once it is set, and runs
    /// in progress stop at their next check (see [`RunOptions::stop`]).
    pub stop: Option<&'static AtomicBool>,
    /// Event limit of each run (see [`RunOptions::max_events`]).
    pub max_events: Option<u64>,
}

/// What running took (printed in the summary, never written to a file).
#[derive(Clone, Copy, Debug, Default)]
pub struct RunStats {
    /// Worker threads used (at most one per run).
    pub threads: usize,
    /// Wall-clock time of all runs.
    pub wall: Duration,
    /// Events processed by all runs.
    pub events: u64,
    /// Per flag value (`read_session` false, true): simulated time
    /// fast-forwarded and simulated time in all, of the runs that finished
    /// [ms].
    pub fast_forwarded_ms: [u64; 2],
    /// See `fast_forwarded_ms`.
    pub simulated_ms: [u64; 2],
    /// The most runs finished but not yet handed over at once (outputs in
    /// the reorder buffer or on their way to it): what memory holds beyond
    /// the runs in progress. At most [`WINDOW_PER_THREAD`] × threads.
    pub max_unwritten: usize,
}

/// Runs `runs` of `plan` and returns their outputs in the order of `runs`,
/// every block read into memory (for tests and benchmarks; a result folder
/// uses [`run_each`], which streams).
///
/// If a run fails, no further runs start and the failure of the lowest
/// run index among those that ran is returned.
pub fn run_all(
    plan: &Plan,
    runs: &[RunSpec],
    options: RunnerOptions,
) -> Result<(Vec<RunOutput>, RunStats), ExperimentError> {
    let spill = tempfile::tempdir().map_err(|e| ExperimentError::io(std::env::temp_dir(), e))?;
    let mut outputs = Vec::with_capacity(runs.len());
    let stats = run_each(plan, runs, options, spill.path(), |o| {
        let blocks = o
            .blocks
            .iter()
            .map(|b| b.read().map(Block::Bytes))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| ExperimentError::io(spill.path(), e))?;
        if let Some(dir) = &o.spill {
            std::fs::remove_dir_all(dir).map_err(|e| ExperimentError::io(dir, e))?;
        }
        outputs.push(RunOutput {
            row: o.row,
            blocks,
            spill: None,
            fast_forwarded_ms: o.fast_forwarded_ms,
        });
        Ok(())
    })?;
    Ok((outputs, stats))
}

/// Runs one run, streaming its rows into `spill/run-INDEX/` and its
/// progress to `progress`.
fn execute(
    plan: &Plan,
    spec: &RunSpec,
    options: &RunnerOptions,
    spill: &Path,
    progress: Option<&RunProgress>,
) -> Result<RunOutput, ExperimentError> {
    let scenario = &plan.points[spec.point].scenario;
    let trace = plan.request.trace;
    let dir = spill.join(format!("run-{}", spec.index));
    let io_error = |e| ExperimentError::io(&dir, e);
    let mut sink = SpillSink::create(
        &dir,
        spec.id,
        &scenario.pool.app_pools,
        trace,
        Limits::default(),
    )
    .map_err(io_error)?
    .with_clock(scenario.simulation.start);
    let run_options = RunOptions {
        trace,
        stop: options.stop,
        max_events: options.max_events,
        progress,
    };
    let summary = match model::run_into(scenario, spec.id, run_options, &mut sink) {
        Ok(summary) => summary,
        Err(source) => {
            drop(sink);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(ExperimentError::Run {
                run: plan.describe(spec),
                source,
            });
        }
    };
    let files = sink.finish().map_err(io_error)?;
    let row = RunRow::from_summary(
        spec.index,
        spec.point,
        &summary,
        files.window_p50_ms,
        files.window_p95_ms,
    );
    let variant = plan.points[spec.point].variant.as_ref();
    let runs_line = row
        .runs_line(&scenario.simulation.name, variant.map(|v| v.name.as_str()))
        .map_err(io_error)?;
    let mut rollovers = CsvWriter::rows_only();
    csv::rollover_rows(
        &mut rollovers,
        &spec.id,
        &summary.rollovers,
        scenario.simulation.start.as_ref(),
    );
    let mut blocks = vec![
        Block::Bytes(runs_line),
        Block::whole_file(files.windows).map_err(io_error)?,
        Block::whole_file(files.timeseries).map_err(io_error)?,
        Block::whole_file(files.timeline).map_err(io_error)?,
        Block::Bytes(rollovers.finish().map_err(io_error)?),
    ];
    if let Some(events) = files.events {
        blocks.push(Block::whole_file(events).map_err(io_error)?);
    }
    Ok(RunOutput {
        row,
        blocks,
        spill: Some(dir),
        fast_forwarded_ms: summary.totals.fast_forwarded_ms,
    })
}

/// How far (in runs) a worker may run ahead of the oldest run not yet handed
/// to the sink, per thread. The reorder buffer holds at most about
/// `WINDOW_PER_THREAD * threads` outputs whatever the number of runs.
const WINDOW_PER_THREAD: usize = 4;

/// What the workers and the collecting thread share.
struct Shared {
    /// The position in `runs` of the next run to start.
    next: AtomicUsize,
    /// How many runs have finished (successfully or not).
    finished: AtomicUsize,
    /// Set when a run or the sink failed (or a thread panicked): start no more runs.
    failed: AtomicBool,
    /// How many outputs have been handed to the sink.
    flushed: Mutex<usize>,
    /// Signalled when `flushed` grows or `failed` is set.
    progress: Condvar,
}

impl Shared {
    fn flushed(&self) -> MutexGuard<'_, usize> {
        self.flushed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the workers: none starts another run, none waits any longer.
    fn stop(&self) {
        self.failed.store(true, Ordering::SeqCst);
        // Notify under the lock: a worker between its check and its wait
        // cannot miss the wake-up.
        let _flushed = self.flushed();
        self.progress.notify_all();
    }

    fn stopped(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }
}

/// Calls [`Shared::stop`] when dropped, also while unwinding from a panic,
/// so that no thread waits forever for a run that will never come.
struct StopOnDrop<'a> {
    shared: &'a Shared,
    always: bool,
}

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        if self.always || std::thread::panicking() {
            self.shared.stop();
        }
    }
}

/// Runs `runs` of `plan` and hands each run's output to `sink` in the order
/// of `runs`, as soon as it and every run before it have finished, so a
/// caller can write outputs as they come and keep nothing.
///
/// Workers take runs in order from a shared counter; a run finished before
/// an earlier one waits in a reorder buffer until the earlier ones are
/// handed over. A worker does not start a run more than
/// [`WINDOW_PER_THREAD`] × threads positions ahead of the oldest run not yet
/// handed over, so the buffer stays bounded by the number of threads, not
/// the number of runs. `sink` runs on the calling thread.
///
/// If a run or `sink` fails, no further runs start and the error of the
/// lowest run position among the failures is returned (a run's error, or
/// the sink's error on that run's output). When the stop flag ends the
/// runs early, the error is a run's [`crate::model::RunError::Stopped`].
///
/// Each run's rows are streamed into its own folder under `spill` (which
/// the caller removes on an error); the sink is given the folder with each
/// output and removes it once written.
pub fn run_each(
    plan: &Plan,
    runs: &[RunSpec],
    options: RunnerOptions,
    spill: &Path,
    mut sink: impl FnMut(RunOutput) -> Result<(), ExperimentError>,
) -> Result<RunStats, ExperimentError> {
    let start = Instant::now();
    let events = AtomicU64::new(0);
    let forwarded = [AtomicU64::new(0), AtomicU64::new(0)];
    let simulated = [AtomicU64::new(0), AtomicU64::new(0)];
    let threads = threads_for(options.jobs, runs.len());
    let progress = Progress::stderr(runs.len(), threads, options.progress);
    let stop_requested = || {
        options
            .stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
    };

    // Runs `spec` on worker thread `thread`.
    let execute = |thread: usize, spec: &RunSpec| -> Result<RunOutput, ExperimentError> {
        if stop_requested() {
            return Err(ExperimentError::Run {
                run: plan.describe(spec),
                source: model::RunError::Stopped,
            });
        }
        let horizon_ms = plan.points[spec.point].scenario.simulation.horizon;
        let published = progress.as_ref().and_then(|p| p.start(thread, horizon_ms));
        let output = execute(plan, spec, &options, spill, published);
        let run_events = output.as_ref().map_or(0, |o| o.row.events);
        if let Some(p) = &progress {
            p.finish(thread, run_events);
        }
        events.fetch_add(run_events, Ordering::Relaxed);
        if let Ok(o) = &output {
            let flag = usize::from(spec.id.read_session);
            forwarded[flag].fetch_add(o.fast_forwarded_ms, Ordering::Relaxed);
            simulated[flag].fetch_add(horizon_ms, Ordering::Relaxed);
        }
        output
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            ExperimentError::BadArgument(format!(
                "cannot start {threads} worker threads: {e}; lower --jobs"
            ))
        })?;
    let window = WINDOW_PER_THREAD * threads;
    let shared = Shared {
        next: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        flushed: Mutex::new(0),
        progress: Condvar::new(),
    };

    // One worker per thread: take the next run, wait while it is too far
    // ahead of the sink, run it, send its output (with its position).
    let worker = |thread: usize, tx: mpsc::Sender<(usize, Result<RunOutput, ExperimentError>)>| {
        let _guard = StopOnDrop {
            shared: &shared,
            always: false,
        };
        loop {
            if shared.stopped() {
                return;
            }
            let i = shared.next.fetch_add(1, Ordering::SeqCst);
            if i >= runs.len() {
                return;
            }
            {
                let mut flushed = shared.flushed();
                while i >= *flushed + window && !shared.stopped() {
                    flushed = shared
                        .progress
                        .wait(flushed)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            if shared.stopped() {
                return;
            }
            let output = execute(thread, &runs[i]);
            shared.finished.fetch_add(1, Ordering::SeqCst);
            if output.is_err() {
                shared.stop();
            }
            if tx.send((i, output)).is_err() {
                return;
            }
        }
    };

    let mut max_unwritten = 0;
    let done = AtomicBool::new(false);
    let first_error = std::thread::scope(|threads_scope| {
        // Redraws the progress bar while the runs run; stopped when this
        // scope's work ends, also by a panic (the scope waits for it).
        let ticker = progress
            .as_ref()
            .map(|p| threads_scope.spawn(|| p.show_until(&done)));
        let _ticker_guard = SetOnDrop {
            flag: &done,
            thread: ticker.as_ref().map(|t| t.thread().clone()),
        };
        pool.in_place_scope(|scope| {
            // Whatever happens here (an error, a panic in `sink`), the workers
            // must not wait for the sink any longer once this returns.
            let _guard = StopOnDrop {
                shared: &shared,
                always: true,
            };
            let (tx, rx) = mpsc::channel();
            let worker = &worker;
            for thread in 0..threads {
                let tx = tx.clone();
                scope.spawn(move |_| worker(thread, tx));
            }
            drop(tx);
            // Finished runs waiting for an earlier one, by position.
            let mut pending: BTreeMap<usize, RunOutput> = BTreeMap::new();
            let mut handed = 0;
            let mut first_error: Option<(usize, ExperimentError)> = None;
            // Ends when every worker has returned.
            for (i, output) in rx {
                let finished = shared.finished.load(Ordering::SeqCst);
                max_unwritten = max_unwritten.max(finished - handed);
                let output = match output {
                    Ok(o) if first_error.is_none() => o,
                    Ok(_) => continue,
                    Err(e) => {
                        if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                            first_error = Some((i, e));
                        }
                        pending.clear();
                        continue;
                    }
                };
                pending.insert(i, output);
                while let Some(o) = pending.remove(&handed) {
                    if let Err(e) = sink(o) {
                        shared.stop();
                        first_error = Some((handed, e));
                        pending.clear();
                        break;
                    }
                    handed += 1;
                }
                if first_error.is_none() {
                    *shared.flushed() = handed;
                    shared.progress.notify_all();
                }
            }
            first_error.map(|(_, e)| e)
        })
    });
    if let Some(p) = &progress {
        p.clear();
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let stats = RunStats {
        threads,
        wall: start.elapsed(),
        events: events.into_inner(),
        max_unwritten,
        fast_forwarded_ms: forwarded.map(AtomicU64::into_inner),
        simulated_ms: simulated.map(AtomicU64::into_inner),
    };
    Ok(stats)
}

/// Most worker threads ever started, whatever `--jobs` says: far beyond
/// the cores of any machine, threads only cost memory and start-up time
/// (and results never depend on their number).
pub const MAX_THREADS: usize = 1024;

/// Worker threads for `runs` runs: `--jobs` or all cores, but never more
/// than there are runs (a thread without a run only costs) or
/// [`MAX_THREADS`], and at least one.
pub fn threads_for(jobs: Option<usize>, runs: usize) -> usize {
    let wanted =
        jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    wanted.min(runs).clamp(1, MAX_THREADS)
}

/// Sets `flag` and wakes `thread` when dropped, also while unwinding.
struct SetOnDrop<'a> {
    flag: &'a AtomicBool,
    thread: Option<std::thread::Thread>,
}

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.flag.store(true, Ordering::Release);
        if let Some(t) = &self.thread {
            t.unpark();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::PlanRequest;
    use crate::experiment::plan::enumerate_runs;

    /// 40 replications x 2 flag values of a small noisy pool.
    const TEXT: &str = r#"
[simulation]
name = "t"
horizon = "6h"
seed = 2
replications = 40

[pool]
servers = 2
app_pools = ["ews"]

[worker]
crash_rate = "4/1d"

[clients]
users = 10
request_interval = "5m"
"#;

    fn plan(text: &str) -> (Plan, Vec<RunSpec>) {
        let request = PlanRequest {
            scenario: "t.toml".into(),
            ..PlanRequest::default()
        };
        let plan = Plan::build_from_text(request, text.to_string()).unwrap();
        let runs = enumerate_runs(&plan.point_entries(), None);
        (plan, runs)
    }

    fn jobs(n: usize) -> RunnerOptions {
        RunnerOptions {
            jobs: Some(n),
            ..RunnerOptions::default()
        }
    }

    #[test]
    fn outputs_come_in_run_order_and_the_buffer_stays_bounded() {
        let (plan, runs) = plan(TEXT);
        assert_eq!(runs.len(), 80);
        let mut seen = Vec::new();
        let spill = tempfile::tempdir().unwrap();
        let stats = run_each(&plan, &runs, jobs(3), spill.path(), |o| {
            // A slow sink: without the window the workers would finish
            // every run while the first ones are being written.
            std::thread::sleep(Duration::from_millis(5));
            seen.push(o.row.index);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..runs.len()).collect::<Vec<_>>());
        assert!(
            stats.max_unwritten <= WINDOW_PER_THREAD * 3,
            "{} outputs waited at once",
            stats.max_unwritten
        );
        let (one, _) = run_all(&plan, &runs, jobs(1)).unwrap();
        let (three, _) = run_all(&plan, &runs, jobs(3)).unwrap();
        assert!(one == three, "--jobs 1 and 3 differ");
    }

    /// Streamed through spill files, every per-run file holds exactly the
    /// bytes the in-memory writers give for the same runs (with the trace),
    /// with and without the wall-clock columns of a start.
    #[test]
    fn streamed_blocks_equal_the_in_memory_files() {
        for start in ["", "start = \"2026-04-01T22:00:00Z\"\n"] {
            streamed_blocks_equal_the_in_memory_files_with(start);
        }
    }

    fn streamed_blocks_equal_the_in_memory_files_with(start: &str) {
        let request = PlanRequest {
            scenario: "t.toml".into(),
            trace: true,
            ..PlanRequest::default()
        };
        // A rollover an hour in: crashes then spawn workers that reject.
        let text = TEXT.replace("replications = 40", &format!("replications = 2\n{start}"))
            + "\n[[issuer.rollover]]\nat = \"1h\"\n";
        let plan = Plan::build_from_text(request, text).unwrap();
        let clock = plan.points[0].scenario.simulation.start;
        assert_eq!(clock.is_some(), !start.is_empty());
        let runs = enumerate_runs(&plan.point_entries(), None);
        let (outputs, _) = run_all(&plan, &runs, jobs(2)).unwrap();
        let scenario = &plan.points[0].scenario;
        let results: Vec<RunResult> = runs
            .iter()
            .map(|r| {
                let options = RunOptions {
                    trace: true,
                    ..RunOptions::default()
                };
                model::run(scenario, r.id, options).unwrap()
            })
            .collect();
        let refs: Vec<&RunResult> = results.iter().collect();
        assert!(
            results
                .iter()
                .any(|r| !r.windows.is_empty() && !r.timeline.is_empty())
        );
        for (f, (name, header)) in per_run_files(true)
            .iter()
            .zip(headers(true, false, clock.as_ref()).unwrap())
            .enumerate()
        {
            let mut streamed = header.clone();
            for o in &outputs {
                streamed.extend(o.blocks[f].read().unwrap());
            }
            let in_memory =
                write_file_for(name, "t", &scenario.pool.app_pools, &refs, clock.as_ref()).unwrap();
            assert!(streamed == in_memory, "{name} differs");
            let header = String::from_utf8(header).unwrap();
            if *name != "runs.csv" {
                assert_eq!(header.contains("_utc,"), clock.is_some(), "{header}");
            }
        }
    }

    #[test]
    fn never_more_threads_than_runs() {
        assert_eq!(threads_for(Some(10_000), 2), 2);
        assert_eq!(threads_for(Some(3), 80), 3);
        assert_eq!(threads_for(Some(4), 0), 1);
        assert_eq!(threads_for(Some(usize::MAX), 1 << 20), MAX_THREADS);
        assert!(threads_for(None, 1) == 1);
        let (plan, runs) = plan(TEXT);
        let spill = tempfile::tempdir().unwrap();
        let stats = run_each(&plan, &runs[..2], jobs(10_000), spill.path(), |_| Ok(())).unwrap();
        assert_eq!(stats.threads, 2);
    }

    #[test]
    fn a_failing_sink_stops_the_runs_and_its_error_is_returned() {
        let (plan, runs) = plan(TEXT);
        let mut handed = Vec::new();
        let spill = tempfile::tempdir().unwrap();
        let e = run_each(&plan, &runs, jobs(3), spill.path(), |o| {
            handed.push(o.row.index);
            match o.row.index {
                5 => Err(ExperimentError::BadArgument("disk full".into())),
                _ => Ok(()),
            }
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(handed, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_failing_run_stops_the_others_and_its_error_is_returned() {
        // About 1000 rollovers in 6 hours: every run fails. The plan refuses
        // such a scenario, so the rate is raised after the plan is built.
        let (mut plan, runs) = plan(TEXT);
        plan.points[0].scenario.issuer.emergency_rate = crate::scenario::Rate {
            count: 4000.0,
            per: crate::engine::time::DAY,
        };
        let mut handed = 0;
        let spill = tempfile::tempdir().unwrap();
        let e = run_each(&plan, &runs, jobs(3), spill.path(), |_| {
            handed += 1;
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("failed: more than"), "{e}");
        assert_eq!(handed, 0);
    }
}
