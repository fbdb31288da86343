//! The command line: clap definitions and one function per subcommand.
//!
//! Two layers, as in ripgrep: clap only checks the shape of the arguments;
//! [`hmasim::experiment::Plan::build`] validates them against the scenario.
//! Everything that can be checked is checked before the first run starts,
//! and nothing is written before every run has succeeded.
//!
//! Exit codes: 0 success (also on a closed standard output pipe); 1 a run or
//! an I/O operation failed, or `diff` found differences; 2 bad input (scenario or sweep errors, bad
//! arguments, a run estimated above `--max-events`, `--max-memory` or `--max-output`, an
//! existing output folder without `--force`, shard folders that do not
//! belong together); 3 the CSVs were written but a chart or the report could
//! not be drawn; 4 an expectation of the scenario did not hold (`run`,
//! `test`); 130 and 143 interrupted by SIGINT or SIGTERM ([`EXIT_CODES`]).
//!
//! `--json` (run, merge, list-runs, validate, diff): standard output carries one
//! JSON document ([`hmasim::output::json`], docs/json.md) and nothing else;
//! the text for humans goes to standard error. The exit codes are the same.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hmasim::engine::time::format_duration;
use hmasim::experiment::error::{EXIT_BAD_INPUT, EXIT_EXPECTATIONS};
use hmasim::experiment::estimate::{self, PlanEstimate};
use hmasim::experiment::expectations;
use hmasim::experiment::manifest::{self, Manifest};
use hmasim::experiment::plan::{enumerate_runs, group_by_point};
use hmasim::experiment::runner::{self, RunnerOptions};
use hmasim::experiment::{
    ExperimentError, Plan, PlanRequest, RunSpec, Shard, folder, history_copy, interrupt, merge,
    summary,
};
use hmasim::output::charts::{self, ChartOptions};
use hmasim::output::json::{self, Body, Document};
use hmasim::output::report::{self, ReportInfo};
use hmasim::scenario::values::{DURATION_EXPECTED, parse_duration};
use hmasim::scenario::{ReadSessionChoice, ScenarioError, render};
use rayon::prelude::*;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output turned out to be a closed pipe
/// (`hmasim list-runs s.toml | head -2`): the rest of the output is dropped
/// and the command goes on (a run still draws its charts) and exits as it
/// would have, quietly, as ripgrep does.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Set by `--json`: standard output is the JSON document's alone, the text
/// for humans goes to standard error.
static JSON_MODE: AtomicBool = AtomicBool::new(false);

/// Set once the JSON document was written: `main` writes one for an error
/// only if the command did not.
static JSON_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Writes to standard output (to standard error with `--json`); see
/// [`STDOUT_CLOSED`].
fn write_stdout(args: std::fmt::Arguments<'_>) -> Result<(), ExperimentError> {
    if JSON_MODE.load(Ordering::Relaxed) {
        // Like eprint!, which ignores a closed standard error.
        let _ = std::io::stderr().lock().write_fmt(args);
        return Ok(());
    }
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(ExperimentError::Stdout(e)),
    }
}

/// `print!` that ends quietly on a closed pipe (see [`write_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => {
        write_stdout(format_args!($($arg)*))?
    };
}

/// `println!` that ends quietly on a closed pipe (see [`write_stdout`]).
macro_rules! outln {
    () => {
        write_stdout(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        write_stdout(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// Writes the `--json` document to standard output (a closed pipe ends
/// quietly, as for the text).
fn emit(doc: &Document) -> Result<(), ExperimentError> {
    JSON_WRITTEN.store(true, Ordering::Relaxed);
    let mut out = std::io::stdout().lock();
    match out.write_all(&doc.to_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ExperimentError::Stdout(e)),
        _ => Ok(()),
    }
}

/// With `--json`, writes the document of `command` ending with `result`
/// (built by `body`); returns `result`.
fn finish_json(
    json: bool,
    command: &str,
    body: impl FnOnce() -> Body,
    result: Result<(), ExperimentError>,
) -> Result<(), ExperimentError> {
    if json {
        emit(&Document::new(command, body(), result.as_ref().map(|_| ())))?;
    }
    result
}

/// `--max-events N`: a positive whole number.
fn parse_max_events(text: &str) -> Result<u64, String> {
    match text.trim().replace('_', "").parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a number of events, 1 or more (default {})",
            estimate::DEFAULT_MAX_EVENTS
        )),
    }
}

/// The estimate of running `runs` of `plan` on `threads` threads.
fn estimate_plan(plan: &Plan, runs: &[RunSpec], threads: usize) -> PlanEstimate {
    let by_point = group_by_point(runs, plan.points.len(), |r| r.point);
    let points: Vec<_> = plan
        .points
        .iter()
        .zip(&by_point)
        .map(|(p, of_point)| (&p.scenario, of_point.len()))
        .collect();
    estimate::plan_estimate(&points, plan.request.trace, threads)
}

/// The largest per-run estimate among the points of `plan`.
fn largest_run(plan: &Plan) -> estimate::Estimate {
    plan.points
        .iter()
        .map(|p| estimate::estimate(&p.scenario, plan.request.trace))
        .fold(estimate::Estimate::default(), |a, b| {
            if b.work() > a.work() || (b.work() == a.work() && b.memory > a.memory) {
                b
            } else {
                a
            }
        })
}

/// `--jobs N`: a plain message for anything but a positive whole number.
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a number of worker threads, 1 or more (default: all cores; at most one \
             thread per run and {} in all start)",
            runner::MAX_THREADS
        )),
    }
}

/// Deterministic simulator of Exchange Hybrid Modern Authentication lockouts
/// after Azure AD key rollovers, and of what EnableAuthAdminReadSession saves.
#[derive(Debug, Parser)]
#[command(
    name = "hmasim",
    version = hmasim::experiment::provenance::VERSION_TEXT,
    about,
    max_term_width = 100
)]
#[command(after_help = top_after_help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario (all replications, flag values and sweep points) and write its result folder.
    #[command(after_help = run_after_help())]
    Run(RunArgs),
    /// Check scenario files (including their [sweep] tables) without running them.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Print one JSON document (each file: ok, or its errors with positions) on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print the sweep points and the number of runs a `run` would do, without running.
    ListRuns(ListRunsArgs),
    /// Run every scenario that has [[expect]] tables and check them, like a test runner.
    #[command(after_help = test_after_help())]
    Test(TestArgs),
    /// Merge the folders of `run --shard K/N` into one result folder.
    Merge(MergeArgs),
    /// Compare two result folders run by run: fingerprints, runs.csv metrics and window counts.
    #[command(after_help = diff_after_help())]
    Diff(DiffArgs),
    /// Redraw the charts and the report of an existing result folder.
    Plot(PlotArgs),
    /// List the bundled scenarios, or print one to start from.
    #[command(
        after_help = "Examples:\n  hmasim example baseline > my.toml\n  hmasim example history --out my-history   the scenario and the CSV files it reads"
    )]
    Example {
        /// Scenario to print (without NAME: list them all).
        #[arg(value_parser = example_names())]
        name: Option<String>,
        /// Write NAME.toml and the data files it reads into this folder
        /// (created if missing; existing files are not replaced) instead of printing.
        #[arg(long, value_name = "DIR", requires = "name")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff).
    #[command(
        after_help = "Example: hmasim man > hmasim.1; hmasim man run > hmasim-run.1; man ./hmasim.1"
    )]
    Man {
        /// A subcommand whose page to print (without: the page of hmasim itself).
        command: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReadSessionArg {
    /// Flag off only.
    False,
    /// Flag on only.
    True,
    /// Both, as paired runs on the same seed.
    Both,
}

impl From<ReadSessionArg> for ReadSessionChoice {
    fn from(a: ReadSessionArg) -> Self {
        match a {
            ReadSessionArg::False => ReadSessionChoice::Off,
            ReadSessionArg::True => ReadSessionChoice::On,
            ReadSessionArg::Both => ReadSessionChoice::Both,
        }
    }
}

/// What to run: the scenario and everything that changes the set of runs.
#[derive(Debug, Args)]
struct PlanArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Root seed, 0..=2^63-1 like simulation.seed (overrides it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Replications per flag value and point (overrides simulation.replications).
    #[arg(long, value_name = "N")]
    replications: Option<u32>,
    /// Run only replication R (0-based), e.g. to re-run one row of a manifest.
    #[arg(long, value_name = "R")]
    replication: Option<u32>,
    /// EnableAuthAdminReadSession values to run (overrides org.read_session).
    #[arg(long, value_name = "VALUE")]
    read_session: Option<ReadSessionArg>,
    /// Set a scenario field: --set worker.startup=45s (repeatable; fixes a swept key).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Sweep a field over values: --vary maintenance.gap=5m,15m,30m (repeatable; a grid).
    #[arg(long = "vary", value_name = "KEY=V1,V2,...")]
    varies: Vec<String>,
    /// Run only the runs whose index is K mod N (0 <= K < N), for a cluster; merge with `hmasim merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Run only this [[variant]] of the scenario (repeatable; file order is kept).
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Fast-forward through quiet time (sets simulation.fast_forward = true): much
    /// faster on long horizons; agrees with exact mode in distribution, not byte for byte.
    #[arg(long)]
    fast_forward: bool,
}

#[derive(Debug, Args)]
struct ListRunsArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Print one JSON document (the points, every run, the estimate) on stdout.
    #[arg(long)]
    json: bool,
}

/// `--from/--to`: the time range the timeline charts zoom on.
#[derive(Debug, Args)]
struct ZoomArgs {
    /// Zoom the charts from this instant (e.g. "2d 4h").
    #[arg(long, value_name = "DUR")]
    from: Option<String>,
    /// Zoom the charts up to this instant.
    #[arg(long, value_name = "DUR")]
    to: Option<String>,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Worker threads (default: all cores; never more than runs). Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
    /// Refuse (exit 2, nothing run) when a run's estimated work exceeds N
    /// request-path events; also stops a run that processes more events
    /// (default: 36 billion, about 10 minutes of work).
    #[arg(long, value_name = "N", value_parser = parse_max_events)]
    max_events: Option<u64>,
    /// Refuse (exit 2, nothing run) when the estimated peak memory exceeds
    /// SIZE (e.g. 8G; default: half the physical memory).
    #[arg(long, value_name = "SIZE", value_parser = estimate::parse_size)]
    max_memory: Option<u64>,
    /// Refuse (exit 2, nothing run) when the estimated output (CSV, charts,
    /// and the runs in progress) exceeds SIZE (e.g. 20G; default: the free
    /// space of the output's file system less 1 GiB).
    #[arg(long, value_name = "SIZE", value_parser = estimate::parse_size)]
    max_output: Option<u64>,
    /// Output folder (default: output/<simulation.name>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace an existing result folder.
    #[arg(long)]
    force: bool,
    /// Trace the model's events in events.csv: lifecycle, rollovers, updates, rejections
    /// (accepted requests and probes are not traced).
    #[arg(long)]
    trace: bool,
    /// No progress bar (the final summary still prints).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write the CSVs only, no charts or report.
    #[arg(long)]
    no_charts: bool,
    /// Print one JSON document (means, CIs, savings, expectations, the folder) on stdout;
    /// the summary for humans goes to stderr.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    zoom: ZoomArgs,
}

#[derive(Debug, Args)]
struct TestArgs {
    /// Scenario files, or folders: every .toml file under a folder (recursively) is a scenario.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also write the results as JUnit XML (a testsuite per scenario, a testcase per expectation).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Worker threads per scenario (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    jobs: Option<usize>,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Shard folders (all N shards of one `run --shard K/N`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder for the merged results.
    #[arg(long, value_name = "DIR", required = true)]
    out: PathBuf,
    /// Replace an existing result folder.
    #[arg(long)]
    force: bool,
    /// Write the CSVs only, no charts or report.
    #[arg(long)]
    no_charts: bool,
    /// Print one JSON document (the merged folder's summary) on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// A result folder (written by `hmasim run` or `hmasim merge`).
    a: PathBuf,
    /// The result folder to compare it with.
    b: PathBuf,
    /// Accept metrics and window counts whose relative difference |a-b|/max(|a|,|b|)
    /// is at most REL (0.01 or 1%); a value that is 0 on one side only differs by 1.
    /// Fingerprints must match exactly.
    #[arg(long, value_name = "REL", value_parser = hmasim::experiment::diff::parse_tolerance)]
    tolerance: Option<f64>,
    /// Print one JSON document (runs matched, every differing value) on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct PlotArgs {
    /// A result folder.
    dir: PathBuf,
    #[command(flatten)]
    zoom: ZoomArgs,
}

/// Parses the arguments, runs the command, prints errors with their causes
/// and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => clap_error(e),
    };
    if let Err(e) = interrupt::install() {
        eprintln!(
            "warning: cannot handle SIGINT/SIGTERM ({e}); an interrupted run may leave its staging folder"
        );
    }
    let json_command = cli.command.json_name();
    JSON_MODE.store(json_command.is_some(), Ordering::Relaxed);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_error(&e);
            if let Some(command) = json_command
                && !JSON_WRITTEN.load(Ordering::Relaxed)
            {
                // The command failed before it had anything to report.
                let _ = emit(&Document::new(command, Body::empty(command), Err(&e)));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Ends on a command line clap refuses: with `--json` among the arguments,
/// the JSON document describes the error first (help and version text
/// are not errors).
fn clap_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let shows_text = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !shows_text && args.iter().any(|a| a == "--json") {
        let command = args
            .iter()
            .map(String::as_str)
            .find(|a| !a.starts_with('-'))
            .filter(|a| ["run", "merge", "list-runs", "validate", "diff"].contains(a))
            .unwrap_or("hmasim");
        // The error without clap's usage and "For more information" lines.
        let text = e.render().to_string();
        let message = text
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let code = u8::try_from(e.exit_code()).unwrap_or(EXIT_BAD_INPUT);
        let mut doc = Document::new(command, Body::empty(command), Ok(()));
        doc.exit = json::Exit::of(code);
        doc.errors = vec![json::ErrorRecord {
            kind: "bad_argument".into(),
            message,
            ..json::ErrorRecord::default()
        }];
        let _ = emit(&doc);
    }
    e.exit()
}

impl Command {
    /// The name of the command when it writes a `--json` document.
    fn json_name(&self) -> Option<&'static str> {
        match self {
            Command::Run(a) if a.json => Some("run"),
            Command::Merge(a) if a.json => Some("merge"),
            Command::ListRuns(a) if a.json => Some("list-runs"),
            Command::Validate { json: true, .. } => Some("validate"),
            Command::Diff(a) if a.json => Some("diff"),
            _ => None,
        }
    }
}

/// Prints `error: ...` and every cause not already part of the message.
fn print_error(e: &ExperimentError) {
    let mut shown = e.to_string();
    eprintln!("error: {shown}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !shown.contains(&text) {
            eprintln!("  caused by: {text}");
            shown.push_str(&text);
        }
        source = s.source();
    }
}

/// `error`, or what a signal made of it: once SIGINT or SIGTERM arrived,
/// the command's error is its consequence; `detail` says what was kept.
fn interrupted_or(error: ExperimentError, detail: impl FnOnce() -> String) -> ExperimentError {
    match interrupt::received() {
        Some(signal) => ExperimentError::Interrupted {
            signal: signal.name(),
            code: signal.exit_code(),
            detail: detail(),
        },
        None => error,
    }
}

/// Ends a command that was interrupted after its last check (while drawing,
/// or just after the runs): `detail` says what is complete.
fn check_interrupted(detail: impl FnOnce() -> String) -> Result<(), ExperimentError> {
    match interrupt::received() {
        Some(_) => Err(interrupted_or(
            ExperimentError::BadArgument(String::new()),
            detail,
        )),
        None => Ok(()),
    }
}

/// Tells the user about stale staging folders removed on the way.
fn report_stale(removed: &[folder::StaleStaging]) {
    for s in removed {
        eprintln!(
            "removed {}: a staging folder left by process {}, which no longer runs",
            s.dir.display(),
            s.pid
        );
    }
}

fn run(cli: Cli) -> Result<(), ExperimentError> {
    // Commands that write stop cleanly on a signal; validate and list-runs
    // (nothing to clean up) end at once.
    if matches!(
        cli.command,
        Command::Run(_) | Command::Merge(_) | Command::Plot(_) | Command::Test(_)
    ) {
        interrupt::cooperate();
    }
    match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Validate { scenarios, json } => cmd_validate(&scenarios, json),
        Command::ListRuns(args) => cmd_list_runs(args),
        Command::Test(args) => cmd_test(args),
        Command::Merge(args) => cmd_merge(args),
        Command::Diff(args) => cmd_diff(args),
        Command::Plot(args) => cmd_plot(args),
        Command::Example { name, out } => cmd_example(name.as_deref(), out.as_deref()),
        Command::Completions { shell } => cmd_completions(shell),
        Command::Man { command } => cmd_man(command.as_deref()),
    }
}

/// The arguments after the program name, for the manifest.
fn command_line() -> Vec<String> {
    std::env::args().skip(1).collect()
}

fn request(args: PlanArgs, trace: bool) -> PlanRequest {
    PlanRequest {
        scenario: args.scenario,
        sets: args.sets,
        varies: args.varies,
        seed: args.seed,
        replications: args.replications,
        replication: args.replication,
        read_session: args.read_session.map(Into::into),
        shard: args.shard,
        trace,
        variants: args.variants,
        fast_forward: args.fast_forward,
    }
}

/// A `--from/--to` range [ms]; either end may be open.
type ZoomRange = (Option<u64>, Option<u64>);

/// Parses `--from/--to` (checked before anything runs).
fn zoom(z: &ZoomArgs) -> Result<Option<ZoomRange>, ExperimentError> {
    let parse = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|t| {
                parse_duration(t).map_err(|_| {
                    ExperimentError::BadArgument(format!(
                        "--{flag} {t:?}: expected {DURATION_EXPECTED}"
                    ))
                })
            })
            .transpose()
    };
    let (from, to) = (parse("from", &z.from)?, parse("to", &z.to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ExperimentError::BadArgument(format!(
            "--from ({}) must be before --to ({})",
            z.from.as_deref().unwrap_or_default(),
            z.to.as_deref().unwrap_or_default()
        )));
    }
    Ok((from.is_some() || to.is_some()).then_some((from, to)))
}

/// Refuses a `--from` at or after the end of a run (of any point): its
/// time-axis charts would have nothing to show.
fn check_zoom_in_run(
    z: &ZoomArgs,
    zoom: Option<ZoomRange>,
    horizons: impl IntoIterator<Item = u64>,
) -> Result<(), ExperimentError> {
    let Some((Some(from), _)) = zoom else {
        return Ok(());
    };
    match horizons.into_iter().min() {
        Some(horizon) if from >= horizon => Err(ExperimentError::BadArgument(format!(
            "--from {} is not before the end of the run ({}); give an instant in 0s..{}",
            z.from.as_deref().unwrap_or_default(),
            format_duration(horizon),
            format_duration(horizon)
        ))),
        _ => Ok(()),
    }
}

fn cmd_run(args: RunArgs) -> Result<(), ExperimentError> {
    let zoom = zoom(&args.zoom)?;
    let trace = args.trace;
    let plan = Plan::build(request(args.plan, trace))?;
    check_zoom_in_run(
        &args.zoom,
        zoom,
        plan.points.iter().map(|p| p.scenario.simulation.horizon),
    )?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&plan.base.simulation.name));
    // Refuse early: an hour of runs must not end in "folder exists".
    folder::check_output(&out, args.force)?;

    let points = plan.point_entries();
    let all_runs = enumerate_runs(&points, plan.request.replication);
    let shard = plan.request.shard;
    let selected: Vec<_> = all_runs
        .iter()
        .copied()
        .filter(|r| shard.is_none_or(|s| s.selects(r.index)))
        .collect();
    // Refuse what would take hours or more memory than there is, before
    // anything is written.
    let limits = estimate::Limits {
        max_events: args.max_events.unwrap_or(estimate::DEFAULT_MAX_EVENTS),
        max_memory: args.max_memory.unwrap_or_else(estimate::default_max_memory),
        max_output: args
            .max_output
            .unwrap_or_else(|| estimate::default_max_output(&out)),
    };
    let threads = runner::threads_for(args.jobs, selected.len());
    estimate::check(&estimate_plan(&plan, &selected, threads), &limits)?;
    let options = RunnerOptions {
        jobs: args.jobs,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        stop: Some(interrupt::stop_flag()),
        max_events: Some(limits.max_events),
    };
    let mut manifest = Manifest::of_plan(
        &plan,
        command_line(),
        all_runs.len(),
        shard.map(|s| (s, selected.len())),
    );
    let history = history_copy::copies(&plan)?;
    manifest.history_copies = history.iter().map(|(c, _)| c.clone()).collect();
    // Each run's rows go to the (staging) folder as soon as the runs before
    // it have finished: memory does not grow with the number of runs.
    let mut writer = folder::FolderWriter::create(
        &out,
        args.force,
        &manifest,
        plan.scenario_text.as_bytes(),
        &history,
    )?;
    report_stale(writer.removed_stale());
    let spill = writer.spill_dir();
    let nothing_written = || {
        format!(
            "the runs were stopped and the staging folder removed; nothing was written to {}",
            out.display()
        )
    };
    let stats = runner::run_each(&plan, &selected, options, &spill, |o| writer.push(o))
        .map_err(|e| interrupted_or(e, nothing_written))?;
    check_interrupted(nothing_written)?;
    let rows = writer.finish()?;

    out!("{}", summary::summary(&manifest, &rows, Some(stats)));
    let (expectations, failed) = check_expectations(&plan, &rows)?;
    match shard {
        Some(s) => outln!(
            "shard {s}: {} of {} runs written to {}; merge all shards with `hmasim merge DIR... --out DIR`",
            selected.len(),
            all_runs.len(),
            out.display()
        ),
        None => outln!("results in {}", out.display()),
    }
    let drawn = if !args.no_charts && shard.is_none() {
        draw(&out, &manifest, zoom, None)
            .and_then(|()| check_interrupted(|| charts_not_drawn(&out)))
    } else {
        Ok(())
    };
    // A chart that failed (exit 3) wins over an expectation (exit 4).
    let result = drawn.and(failed.map_or(Ok(()), Err));
    finish_json(
        args.json,
        "run",
        || Body::Run {
            summary: Some(json::run_summary(
                &manifest,
                &rows,
                &out,
                Some(stats),
                expectations,
            )),
        },
        result,
    )
}

/// The expectations' report for `--json` (`None`: the scenario has none),
/// and the error of exit 4 when one failed.
type Checked = (Option<json::ExpectationsReport>, Option<ExperimentError>);

/// Checks the scenario's `[[expect]]` tables on the rows of the run and
/// prints one line each. Not checked when the command line changed the
/// runs they were written for.
fn check_expectations(
    plan: &Plan,
    rows: &[hmasim::experiment::row::RunRow],
) -> Result<Checked, ExperimentError> {
    let expect = &plan.base.expect;
    if expect.is_empty() {
        return Ok((None, None));
    }
    if let Some(why) = expectations::not_checked(&plan.request) {
        outln!(
            "expectations: {} not checked ({why} changes the runs they were written for)",
            expect.len()
        );
        return Ok((Some(json::ExpectationsReport::not_checked(why)), None));
    }
    let outcomes = expectations::evaluate_plan(plan, rows);
    outln!("expectations of {}:", plan.request.scenario.display());
    out!(
        "{}",
        expectations::lines(&outcomes, &plan.request.scenario.display().to_string())
    );
    let (passed, failed, skipped) = expectations::counts(&outcomes);
    outln!("{}", closing_line(passed, failed, skipped));
    let error = (failed > 0).then(|| ExperimentError::Checks {
        message: format!(
            "{failed} of {} expectations failed (the results were written)",
            outcomes.len()
        ),
        code: EXIT_EXPECTATIONS,
    });
    Ok((Some(json::ExpectationsReport::checked(&outcomes)), error))
}

/// `expectations: N passed, N failed[, N skipped]`: the closing line CI
/// systems read.
fn closing_line(passed: usize, failed: usize, skipped: usize) -> String {
    let skipped = if skipped > 0 {
        format!(", {skipped} skipped")
    } else {
        String::new()
    };
    format!("expectations: {passed} passed, {failed} failed{skipped}")
}

fn cmd_test(args: TestArgs) -> Result<(), ExperimentError> {
    use hmasim::experiment::test_runner::{self, Tested};
    use hmasim::output::junit;
    // Refuse a report that cannot be written before an hour of runs.
    if let Some(path) = &args.junit {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if parent.is_some_and(|p| !p.is_dir()) || path.is_dir() {
            return Err(ExperimentError::BadArgument(format!(
                "--junit {}: give a file in an existing folder",
                path.display()
            )));
        }
    }
    let files = test_runner::discover(&args.paths)?;
    let mut suites = Vec::new();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let (mut bad_input, mut run_errors, mut without) = (0, 0, 0);
    for path in &files {
        let report = test_runner::test_file(path, args.jobs);
        if interrupt::received().is_some() {
            return Err(interrupted_or(
                ExperimentError::BadArgument(String::new()),
                || "testing stopped; nothing was written".to_string(),
            ));
        }
        let file = path.display().to_string();
        let classname = report.name.clone().unwrap_or_else(|| file.clone());
        let mut cases = Vec::new();
        match &report.tested {
            Tested::NoExpectations => {
                without += 1;
                outln!("test {file}: no [[expect]], not run");
                continue;
            }
            Tested::Error(e) => {
                if e.exit_code() == hmasim::experiment::error::EXIT_BAD_INPUT {
                    bad_input += 1;
                } else {
                    run_errors += 1;
                }
                outln!("test {file}: ERROR");
                let text = error_text(e);
                for line in text.lines() {
                    outln!("  {line}");
                }
                cases.push(junit::Case {
                    name: "run".to_string(),
                    classname,
                    file: file.clone(),
                    line: None,
                    result: junit::CaseResult::Error(text),
                });
            }
            Tested::Checked(outcomes) => {
                outln!(
                    "test {file} ({} runs, {:.1} s)",
                    report.runs,
                    report.wall.as_secs_f64()
                );
                out!("{}", expectations::lines(outcomes, &file));
                let (p, f, s) = expectations::counts(outcomes);
                (passed, failed, skipped) = (passed + p, failed + f, skipped + s);
                for o in outcomes {
                    let what = format!("{} {}: {}", o.name, o.bound, o.detail);
                    cases.push(junit::Case {
                        name: format!("{} {}", o.name, o.bound),
                        classname: classname.clone(),
                        file: file.clone(),
                        line: Some(o.line),
                        result: match o.verdict {
                            expectations::Verdict::Pass => junit::CaseResult::Passed(what),
                            expectations::Verdict::Fail => junit::CaseResult::Failed(what),
                            expectations::Verdict::Skipped => junit::CaseResult::Skipped(what),
                        },
                    });
                }
            }
        }
        suites.push(junit::Suite {
            name: file,
            time: report.wall.as_secs_f64(),
            cases,
        });
    }
    if let Some(path) = &args.junit {
        hmasim::output::atomic::write_file(path, junit::render(&suites).as_bytes())
            .map_err(|e| ExperimentError::io(path, e))?;
    }
    let tested = files.len() - without - bad_input - run_errors;
    outln!(
        "{tested} scenario{} tested, {without} without expectations, {} could not be tested",
        if tested == 1 { "" } else { "s" },
        bad_input + run_errors
    );
    outln!("{}", closing_line(passed, failed, skipped));
    let code = if bad_input > 0 {
        hmasim::experiment::error::EXIT_BAD_INPUT
    } else if run_errors > 0 {
        hmasim::experiment::error::EXIT_FAILURE
    } else if failed > 0 {
        EXIT_EXPECTATIONS
    } else {
        return Ok(());
    };
    let mut why = Vec::new();
    if bad_input + run_errors > 0 {
        why.push(format!(
            "{} scenario{} could not be tested",
            bad_input + run_errors,
            if bad_input + run_errors == 1 { "" } else { "s" }
        ));
    }
    if failed > 0 {
        why.push(format!(
            "{failed} of {} expectations failed",
            passed + failed + skipped
        ));
    }
    Err(ExperimentError::Checks {
        message: why.join("; "),
        code,
    })
}

/// An error as `hmasim validate` shows it, without colour: the diagnostics
/// of a scenario with their snippets, anything else with its causes.
fn error_text(e: &ExperimentError) -> String {
    if let ExperimentError::Scenario(s) = e
        && let ScenarioError::Invalid(d) = s.as_ref()
    {
        return render::render_all(d, false).trim_end().to_string();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(&format!("\n  caused by: {more}"));
        }
        source = s.source();
    }
    text
}

fn charts_not_drawn(dir: &Path) -> String {
    format!(
        "the results in {dir} are complete, but not every chart was drawn; redraw them with `hmasim plot {dir}`",
        dir = dir.display()
    )
}

fn cmd_validate(scenarios: &[PathBuf], json: bool) -> Result<(), ExperimentError> {
    let mut bad = 0;
    let mut files = Vec::new();
    for path in scenarios {
        let request = PlanRequest {
            scenario: path.clone(),
            ..PlanRequest::default()
        };
        match Plan::build(request) {
            Ok(plan) => {
                let runs = enumerate_runs(&plan.point_entries(), None).len();
                let sweep = if plan.is_sweep() {
                    format!("{} sweep points, ", plan.points.len())
                } else if plan.has_variants() {
                    format!("{} variants, ", plan.points.len())
                } else {
                    String::new()
                };
                let largest = largest_run(&plan);
                files.push(json::FileReport::ok(
                    &path.display().to_string(),
                    &plan,
                    runs,
                    &largest,
                ));
                outln!(
                    "{}: OK ({sweep}{runs} runs; {}{})",
                    path.display(),
                    if plan.is_sweep() {
                        "largest point: "
                    } else if plan.has_variants() {
                        "largest variant: "
                    } else {
                        ""
                    },
                    estimate::describe(&largest)
                );
            }
            Err(e) => {
                bad += 1;
                files.push(json::FileReport::failed(&path.display().to_string(), &e));
                print_validate_error(&e);
            }
        }
    }
    let result = if bad > 0 {
        Err(ExperimentError::BadArgument(format!(
            "{bad} of {} scenario files invalid",
            scenarios.len()
        )))
    } else {
        Ok(())
    };
    if json {
        let mut doc = Document::new(
            "validate",
            Body::empty("validate"),
            result.as_ref().map(|_| ()),
        );
        // The errors behind the exit code are the files' own.
        doc.errors = files.iter().flat_map(|f| f.errors.clone()).collect();
        doc.errors_omitted = files.iter().map(|f| f.errors_omitted).sum();
        doc.body = Body::Validate { files };
        emit(&doc)?;
    }
    result
}

/// A scenario's diagnostics with their source snippets (colour only on a
/// terminal, and not with NO_COLOR), each starting with the
/// `file:line:column: field: message` line editors jump to; other errors as
/// [`print_error`] prints them.
fn print_validate_error(e: &ExperimentError) {
    match e {
        ExperimentError::Scenario(s) => match s.as_ref() {
            ScenarioError::Invalid(d) => {
                let color =
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                eprint!("{}", render::render_all(d, color));
            }
            _ => print_error(e),
        },
        _ => print_error(e),
    }
}

fn cmd_list_runs(args: ListRunsArgs) -> Result<(), ExperimentError> {
    let json = args.json;
    let plan = Plan::build(request(args.plan, false))?;
    let points = plan.point_entries();
    let runs = enumerate_runs(&points, plan.request.replication);
    let keys: Vec<String> = plan.dims.iter().map(|d| d.key.clone()).collect();
    for (d, k) in plan.dims.iter().zip(&keys) {
        outln!("sweep {k}: {} values from {}", d.values.len(), d.source);
    }
    let mut header = vec!["point".to_string()];
    if plan.has_variants() {
        header.push("variant".into());
    }
    header.extend(keys.iter().cloned());
    header.extend(
        [
            "seed",
            "replications",
            "read_session",
            "runs",
            "events/run",
            "output/run",
            "memory/run",
        ]
        .map(String::from),
    );
    let mut table = vec![header];
    let runs_of_point = group_by_point(&runs, points.len(), |r| r.point);
    for p in &points {
        let mut row = vec![p.point.to_string()];
        if let Some(v) = &p.variant {
            row.push(v.name.clone());
        }
        row.extend(p.values.iter().cloned());
        let reps = match plan.request.replication {
            Some(r) => format!("only {r}"),
            None => p.replications.to_string(),
        };
        let flags: Vec<String> = p.read_session.iter().map(bool::to_string).collect();
        let n = runs_of_point[p.point].len();
        let e = estimate::estimate(&plan.points[p.point].scenario, plan.request.trace);
        row.extend([
            p.seed.to_string(),
            reps,
            flags.join("+"),
            n.to_string(),
            estimate::count(e.events()),
            estimate::bytes(e.output),
            estimate::bytes(e.memory),
        ]);
        table.push(row);
    }
    let widths: Vec<usize> = (0..table[0].len())
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
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        outln!("{}", cells.join("  ").trim_end());
    }
    out!(
        "{} runs ({} {}{})",
        runs.len(),
        points.len(),
        if plan.has_variants() {
            "variant"
        } else {
            "point"
        },
        if points.len() == 1 { "" } else { "s" }
    );
    let selected: Vec<RunSpec> = match plan.request.shard {
        Some(s) => {
            let selected: Vec<RunSpec> = runs
                .iter()
                .copied()
                .filter(|r| s.selects(r.index))
                .collect();
            outln!("; shard {s} runs {} of them", selected.len());
            selected
        }
        None => {
            outln!();
            runs.clone()
        }
    };
    let runs_all = runs;
    let threads = runner::threads_for(None, selected.len());
    let e = estimate_plan(&plan, &selected, threads);
    outln!(
        "estimate: up to {} of work per run on one core; {} events and {} rows in all; output {}; peak memory {} on {} thread{}",
        estimate::duration(e.max_work),
        estimate::count(e.total_events),
        estimate::count(e.total_rows),
        estimate::bytes(e.output),
        estimate::bytes(e.memory),
        e.threads,
        if e.threads == 1 { "" } else { "s" }
    );
    finish_json(
        json,
        "list-runs",
        || Body::Plan {
            plan: Some(json::plan_doc(&plan, &runs_all, &selected, &e)),
        },
        Ok(()),
    )
}

fn cmd_merge(args: MergeArgs) -> Result<(), ExperimentError> {
    // The same folder however spelt (`s0`, `./s0`): replacing a shard with
    // the merge would lose it.
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    if args.dirs.iter().any(|d| same(d, &args.out)) {
        return Err(ExperimentError::BadArgument(
            "--out must not be one of the shard folders".into(),
        ));
    }
    folder::check_output(&args.out, args.force)?;
    let merge::Merged {
        manifest,
        scenario,
        history,
        runs,
    } = merge::merge(&args.dirs, command_line())?;
    let mut writer =
        folder::FolderWriter::create(&args.out, args.force, &manifest, &scenario, &history)?;
    report_stale(writer.removed_stale());
    let nothing_written = || {
        format!(
            "the merge was stopped and the staging folder removed; nothing was written to {}",
            args.out.display()
        )
    };
    runs.for_each(|o| {
        check_interrupted(nothing_written)?;
        writer.push(o)
    })?;
    check_interrupted(nothing_written)?;
    let rows = writer.finish()?;
    out!("{}", summary::summary(&manifest, &rows, None));
    outln!(
        "merged {} shards ({} runs) into {}",
        args.dirs.len(),
        rows.len(),
        args.out.display()
    );
    let result = if args.no_charts {
        Ok(())
    } else {
        draw(&args.out, &manifest, None, None)
            .and_then(|()| check_interrupted(|| charts_not_drawn(&args.out)))
    };
    finish_json(
        args.json,
        "merge",
        || Body::Run {
            summary: Some(json::run_summary(&manifest, &rows, &args.out, None, None)),
        },
        result,
    )
}

fn cmd_diff(args: DiffArgs) -> Result<(), ExperimentError> {
    use hmasim::experiment::diff::{self, DiffOptions};
    let options = DiffOptions {
        tolerance: args.tolerance.unwrap_or(0.0),
    };
    let found = diff::diff(&args.a, &args.b, options)?;
    out!("{}", found.render());
    let result = if found.identical() {
        Ok(())
    } else {
        Err(ExperimentError::Checks {
            message: format!("{} and {} differ", args.a.display(), args.b.display()),
            code: hmasim::experiment::error::EXIT_FAILURE,
        })
    };
    finish_json(
        args.json,
        "diff",
        || Body::Diff {
            diff: Some(json::diff_doc(&found)),
        },
        result,
    )
}

fn cmd_plot(args: PlotArgs) -> Result<(), ExperimentError> {
    let zoom = zoom(&args.zoom)?;
    if !args.dir.is_dir() {
        return Err(ExperimentError::BadArgument(format!(
            "{}: no such folder; give a folder written by `hmasim run` or `hmasim merge`",
            args.dir.display()
        )));
    }
    // A point folder of a sweep has no manifest of its own: use its parent's.
    let (root, only) = if args.dir.join(manifest::FILE).is_file() {
        (args.dir.clone(), None)
    } else {
        let parent = args.dir.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = args
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        (parent, name)
    };
    if !root.join(manifest::FILE).is_file() {
        return Err(ExperimentError::BadArgument(format!(
            "{} is not an hmasim result folder (no {} in it or its parent)",
            args.dir.display(),
            manifest::FILE
        )));
    }
    let manifest = manifest::read(&root)?;
    if manifest.shard.is_some() {
        return Err(ExperimentError::BadArgument(format!(
            "{} is a shard; merge the shards first, then plot the merged folder",
            root.display()
        )));
    }
    if let Some(name) = &only
        && !manifest.points.iter().any(|p| &p.dir == name)
    {
        return Err(ExperimentError::BadArgument(format!(
            "{} is not a result folder (no {})",
            args.dir.display(),
            manifest::FILE
        )));
    }
    check_zoom_in_run(
        &args.zoom,
        zoom,
        manifest.points.iter().map(|p| p.horizon_ms),
    )?;
    // plot writes nothing but charts and the report: say so when they fail.
    draw(&root, &manifest, zoom, only.as_deref()).map_err(|e| match e {
        ExperimentError::Charts { message, .. } => ExperimentError::Plot {
            dir: args.dir.clone(),
            message,
        },
        other => other,
    })?;
    check_interrupted(|| {
        format!(
            "not every chart of {} was redrawn; run `hmasim plot` again",
            args.dir.display()
        )
    })?;
    outln!("charts redrawn in {}", args.dir.display());
    Ok(())
}

/// One folder to draw: where, for the report, and the chart options.
struct DrawTarget {
    dir: PathBuf,
    info: ReportInfo,
    options: ChartOptions,
}

/// Draws the charts and the report of a written result folder: the folder
/// itself and, for a sweep or variants, every point's subfolder (or only `only`).
fn draw<S>(
    dir: &Path,
    manifest: &Manifest<S>,
    zoom: Option<ZoomRange>,
    only: Option<&str>,
) -> Result<(), ExperimentError> {
    let options = |p: &manifest::PointEntry| ChartOptions {
        zoom: zoom.map(|(f, t)| (f.unwrap_or(0), t.unwrap_or(p.horizon_ms))),
        hold_ms: p.failed_update_hold_ms,
        horizon_ms: Some(p.horizon_ms),
        start: p.start,
    };
    let mut targets = Vec::new();
    if only.is_none() {
        let first = &manifest.points[0];
        targets.push(DrawTarget {
            dir: dir.to_path_buf(),
            info: ReportInfo {
                scenario: manifest.scenario.name.clone(),
                changed_parameters: manifest.parameters.clone(),
                variants: manifest
                    .points
                    .iter()
                    .filter_map(|p| p.variant.as_ref())
                    .map(|v| (v.name.clone(), v.set.clone()))
                    .collect(),
            },
            options: options(first),
        });
    }
    if manifest.has_point_folders() {
        for p in &manifest.points {
            if only.is_some_and(|o| o != p.dir) {
                continue;
            }
            // The point's report shows its own values in place of the swept
            // lists, or its variant's entries.
            let mut changed = manifest.parameters.clone();
            let mut own: Vec<(String, String)> = manifest
                .sweep_keys
                .iter()
                .cloned()
                .zip(p.values.iter().cloned())
                .collect();
            if let Some(v) = &p.variant {
                own.extend(v.set.iter().filter_map(|a| {
                    let (k, v) = a.split_once('=')?;
                    Some((k.to_string(), v.to_string()))
                }));
            }
            for (key, value) in own {
                match changed.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 = value,
                    None => changed.push((key, value)),
                }
            }
            let scenario = match &p.variant {
                Some(v) => format!(
                    "{} (variant {}, flag {})",
                    p.name,
                    v.name,
                    if p.read_session == [true] {
                        "on"
                    } else {
                        "off"
                    }
                ),
                None => format!("{} (sweep point {})", p.name, p.point),
            };
            targets.push(DrawTarget {
                dir: dir.join(&p.dir),
                info: ReportInfo {
                    scenario,
                    changed_parameters: changed,
                    variants: Vec::new(),
                },
                options: options(p),
            });
        }
    }
    let sweep = manifest.has_point_folders();
    // Charts of different folders are independent: draw them in parallel.
    let failures: Vec<String> = targets
        .par_iter()
        .flat_map_iter(|t| {
            let mut failures = Vec::new();
            // A signal: draw no further folder (the caller reports it).
            if interrupt::received().is_some() {
                return failures;
            }
            let label = if sweep {
                format!("{}: ", t.dir.display())
            } else {
                String::new()
            };
            if let Err(e) = charts::draw_all(&t.dir, &t.options) {
                failures.extend(e.to_string().lines().map(|l| format!("{label}{l}")));
            }
            if let Err(e) = report::write_report(&t.dir, &t.info) {
                failures.push(format!("{label}report index.html: {e}"));
            }
            failures
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ExperimentError::Charts {
            dir: dir.to_path_buf(),
            message: failures.join("\n"),
        })
    }
}

// ---------------------------------------------------------------------------
// Shell integration: help texts, examples, completions, man pages.

/// The exit codes, shown by `--help`, `run --help` and the man pages.
const EXIT_CODES: &str = "\
Exit codes:
  0    success (also when standard output is a closed pipe)
  1    a run or an I/O operation failed (a run past --max-events, out of memory, disk full);
       diff: the result folders differ
  2    bad input: scenario or sweep errors, bad arguments, a run estimated above
       --max-events, --max-memory or --max-output, an existing output folder without
       --force, shard folders that do not belong together or come from another build
       (nothing is written)
  3    the CSVs were written but a chart or the report could not be drawn
  4    an [[expect]] of the scenario did not hold (run: the results were written; test:
       every scenario could be tested); 3 wins when a chart failed too, and for test 2
       (a bad scenario) and 1 (a failed run) win over 4
  130  interrupted by SIGINT, 143 by SIGTERM (the staging folder is removed)";

/// Where each shell looks for completion scripts.
const COMPLETIONS_HELP: &str = "\
Install:
  bash:        hmasim completions bash > ~/.local/share/bash-completion/completions/hmasim
  zsh:         hmasim completions zsh > ~/.zfunc/_hmasim   (fpath+=~/.zfunc before compinit)
  fish:        hmasim completions fish > ~/.config/fish/completions/hmasim.fish
  PowerShell:  hmasim completions powershell >> $PROFILE";

fn top_after_help() -> String {
    format!(
        "\
Examples:
  hmasim example                          list the bundled scenarios
  hmasim example baseline > my.toml       start from one of them
  hmasim validate my.toml                 check a scenario without running it
  hmasim run my.toml                      flag off and on; results in output/<name>/
  hmasim run my.toml --replications 20    20 paired runs, means with 95% CIs
  hmasim list-runs my.toml --vary pool.servers=2,4,8
  hmasim plot output/my-pool --from 3d --to 4d
  hmasim test scenarios/ --junit report.xml  check every scenario's [[expect]] tables
  hmasim diff output/old output/new       what differs between two result folders, run by run

{EXIT_CODES}"
    )
}

fn test_after_help() -> String {
    format!(
        "\
Every scenario runs as `hmasim run FILE` would (its own seed, replications and flag values) and
writes nothing but the --junit report. One line per expectation, then a summary.

Examples:
  hmasim test scenarios/                     every .toml file under scenarios/
  hmasim test my.toml --junit junit.xml      for GitLab, Jenkins or GitHub Actions

{EXIT_CODES}"
    )
}

fn diff_after_help() -> String {
    format!(
        "\
Runs are matched by point, seed, replication and read_session; with [[variant]] tables the point
is the variant, by name (its folder variant-NAME/), so a folder of all the variants and one of
--variant NAME share that variant's runs. One line per differing value, then the runs only in A
or only in B.

Examples:
  hmasim diff output/old output/new                  exit 0 if identical, 1 if not
  hmasim diff output/old output/new --tolerance 1%   metrics may differ by up to 1%

Exit codes of diff: 0 identical (within the tolerance), 1 the folders differ, 2 bad input (not a
result folder, an unreadable or malformed file: the message names file, line and column).

{EXIT_CODES}"
    )
}

fn run_after_help() -> String {
    format!(
        "\
Examples:
  hmasim run my.toml
      results in output/<simulation.name>/
  hmasim run my.toml --replications 20 -j 4 --force
      20 pairs on 4 threads, replacing the folder
  hmasim run my.toml --set worker.failed_update_hold=10m --read-session both
      one field changed, flag off and on
  hmasim run my.toml --vary maintenance.gap=5m,15m,30m --out results/gap
      a sweep of three points
  hmasim run my.toml --variant nothing --variant flag
      two of its [[variant]] tables
  hmasim run my.toml --seed 7 --replications 20 --replication 3 --trace
      re-runs one row of a 20-replication runs.csv, traced
  hmasim run sweep.toml --shard 0/4 --out shards/0
      one of 4 shards; then `hmasim merge`
  hmasim run my.toml --json | jq .summary
      one JSON document on stdout, the text on stderr

{EXIT_CODES}"
    )
}

/// Writes `bytes` to standard output; a closed pipe (`hmasim man | head`)
/// is not an error.
fn print_bytes(bytes: &[u8]) -> Result<(), ExperimentError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(ExperimentError::io("standard output", e))
        }
        _ => Ok(()),
    }
}

/// The bundled scenarios' names, so that clap checks NAME and the shell
/// completions offer them.
fn example_names() -> clap::builder::PossibleValuesParser {
    hmasim::scenario::examples::EXAMPLES.map(|e| e.name).into()
}

fn cmd_example(name: Option<&str>, out: Option<&Path>) -> Result<(), ExperimentError> {
    use hmasim::scenario::examples;
    let Some(name) = name else {
        let width = examples::EXAMPLES
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for e in &examples::EXAMPLES {
            text.push_str(&format!("{:<width$}  {}\n", e.name, e.summary()));
        }
        print_bytes(text.as_bytes())?;
        // On standard error, so that the list stays one scenario per line.
        eprintln!("`hmasim example NAME > NAME.toml` writes one to a file.");
        return Ok(());
    };
    let Some(e) = examples::find(name) else {
        return Err(ExperimentError::BadArgument(format!(
            "no bundled scenario {name:?}; the bundled scenarios are: {}",
            examples::names()
        )));
    };
    let Some(dir) = out else {
        print_bytes(e.text.as_bytes())?;
        if !e.files.is_empty() {
            let names: Vec<&str> = e.files.iter().map(|f| f.0).collect();
            eprintln!(
                "{} reads {} beside it: `hmasim example {} --out DIR` writes them all.",
                e.name,
                names.join(" and "),
                e.name
            );
        }
        return Ok(());
    };
    let main = format!("{}.toml", e.name);
    let all: Vec<(&str, &str)> = std::iter::once((main.as_str(), e.text))
        .chain(e.files.iter().copied())
        .collect();
    // All or nothing: refuse before writing anything.
    if let Some((existing, _)) = all.iter().find(|(f, _)| dir.join(f).exists()) {
        return Err(ExperimentError::BadArgument(format!(
            "{} exists; choose another folder (existing files are not replaced)",
            dir.join(existing).display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|err| ExperimentError::io(dir, err))?;
    for (f, text) in &all {
        let path = dir.join(f);
        hmasim::output::atomic::write_file(&path, text.as_bytes())
            .map_err(|err| ExperimentError::io(&path, err))?;
    }
    outln!(
        "wrote {} in {}; run it with `hmasim run {}`",
        all.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", "),
        dir.display(),
        dir.join(&main).display()
    );
    Ok(())
}

fn cmd_completions(shell: clap_complete::Shell) -> Result<(), ExperimentError> {
    use clap::CommandFactory as _;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "hmasim", &mut script);
    print_bytes(&script)
}

fn cmd_man(command: Option<&str>) -> Result<(), ExperimentError> {
    use clap::CommandFactory as _;
    // As clap_mangen::generate_to does: built, so that subcommands are
    // called `hmasim-run` (the names the top page refers to).
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let page = match command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                return Err(ExperimentError::BadArgument(format!(
                    "no subcommand {name:?}; man pages exist for hmasim and: {}",
                    names.join(", ")
                )));
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("hmasim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|e| ExperimentError::io("standard output", e))?;
    print_bytes(&roff)
}
