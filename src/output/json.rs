//! `--json`: the machine-readable documents of `run`, `merge`,
//! `list-runs`, `validate` and `diff`, one JSON document on standard output.
//!
//! Every document is a [`Document`]: `schema_version` ([`SCHEMA_VERSION`],
//! raised whenever a field is removed or changes meaning; added fields
//! keep it), the `command`, the `exit` code with its meaning, the
//! `errors` behind a non-zero exit, and the command's own part (a run's
//! `summary`, a `plan`, validated `files`, a `diff`). `docs/json.md` documents every
//! field; a test checks that it names exactly the fields written here.
//!
//! The records are derived from serde, never formatted by hand. Every
//! field is always present: a value that does not exist (the standard
//! deviation of one replication, the paired saving of a run with one flag
//! value) is `null`, never left out and never `NaN` ([`Num`]). Computed
//! numbers carry the three decimals of the CSVs, so that a value here and
//! the same value in `compare_summary.csv` or `variants.csv` are equal.

use std::path::Path;

use serde::{Serialize, Serializer};

use crate::experiment::compare;
use crate::experiment::diff::{Diff, RunKey};
use crate::experiment::error::{
    EXIT_BAD_INPUT, EXIT_CHARTS, EXIT_EXPECTATIONS, EXIT_FAILURE, EXIT_OK, EXIT_SIGINT,
    EXIT_SIGTERM,
};
use crate::experiment::estimate::{self, Estimate, PlanEstimate};
use crate::experiment::expectations::{Outcome, Verdict};
use crate::experiment::folder::variant_rows;
use crate::experiment::manifest::Manifest;
use crate::experiment::plan::group_by_point;
use crate::experiment::row::{METRICS, RunRow};
use crate::experiment::runner::RunStats;
use crate::experiment::{ExperimentError, Plan, RunSpec, variant_tables};
use crate::metrics::stats::summarize;
use crate::output::table::fixed;
use crate::scenario::{Diagnostic, ScenarioError};

/// The version of the documents' layout.
pub const SCHEMA_VERSION: u32 = 1;

/// A computed number: rounded to [`DECIMALS`](crate::output::table::DECIMALS) decimals as the CSVs write
/// it, `null` if it is not finite (JSON has no `NaN`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Through the CSV text, so both say the same number (and -0 is 0).
        match fixed(self.0).parse::<f64>() {
            Ok(x) if x.is_finite() => s.serialize_f64(if x == 0.0 { 0.0 } else { x }),
            _ => s.serialize_none(),
        }
    }
}

/// An optional computed number.
fn num(x: Option<f64>) -> Option<Num> {
    x.map(Num)
}

/// A JSON object whose member names are data (metric names, swept keys),
/// in the given order.
#[derive(Clone, Debug, PartialEq)]
pub struct Named<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Named<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One document: the envelope every command shares, and its own part.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The subcommand (`run`, `list-runs`, ...).
    pub command: String,
    /// The version of hmasim that wrote it.
    pub hmasim_version: &'static str,
    /// The exit code and its meaning.
    pub exit: Exit,
    /// Why the exit code is not 0, one record per error (empty on success).
    pub errors: Vec<ErrorRecord>,
    /// Errors found but not listed (a file reports at most 20).
    pub errors_omitted: usize,
    /// The command's own part.
    #[serde(flatten)]
    pub body: Body,
}

/// The part of a document that depends on the command.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// `run` and `merge`: the summary, `null` when the command failed
    /// before it had results.
    Run {
        /// The results.
        summary: Option<RunSummary>,
    },
    /// `list-runs`: the plan, `null` when it could not be built.
    Plan {
        /// The plan.
        plan: Option<PlanDoc>,
    },
    /// `validate`: one report per file, in the order given.
    Validate {
        /// The files.
        files: Vec<FileReport>,
    },
    /// `diff`: what differs, `null` when a folder could not be read.
    Diff {
        /// The comparison.
        diff: Option<DiffDoc>,
    },
}

impl Body {
    /// The part of `command` with nothing in it (the command failed
    /// before it had anything to say).
    pub fn empty(command: &str) -> Body {
        match command {
            "list-runs" => Body::Plan { plan: None },
            "validate" => Body::Validate { files: Vec::new() },
            "diff" => Body::Diff { diff: None },
            _ => Body::Run { summary: None },
        }
    }
}

impl Document {
    /// The document of `command` ending with `result`.
    pub fn new(command: &str, body: Body, result: Result<(), &ExperimentError>) -> Document {
        let (code, errors, errors_omitted) = match result {
            Ok(()) => (EXIT_OK, Vec::new(), 0),
            Err(e) => {
                let (errors, omitted) = errors_of(e);
                (e.exit_code(), errors, omitted)
            }
        };
        Document {
            schema_version: SCHEMA_VERSION,
            command: command.to_string(),
            hmasim_version: env!("CARGO_PKG_VERSION"),
            exit: Exit::of_command(command, code),
            errors,
            errors_omitted,
            body,
        }
    }

    /// The document as written: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain data with string keys: serialising cannot fail.
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// The process's exit code and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Exit {
    /// The exit code.
    pub code: u8,
    /// Its meaning, one of [`exit_meaning`]'s words.
    pub meaning: &'static str,
}

impl Exit {
    /// The exit of `code`.
    pub fn of(code: u8) -> Exit {
        Exit {
            code,
            meaning: exit_meaning(code),
        }
    }

    /// The exit of `code` for `command`: exit 1 of `diff` means that the
    /// folders differ.
    pub fn of_command(command: &str, code: u8) -> Exit {
        match (command, code) {
            ("diff", EXIT_FAILURE) => Exit {
                code,
                meaning: DIFFERENT,
            },
            _ => Exit::of(code),
        }
    }
}

/// The meaning of exit 1 of `diff`.
pub const DIFFERENT: &str = "different";

/// The word for an exit code (the codes of `hmasim --help`).
pub fn exit_meaning(code: u8) -> &'static str {
    match code {
        EXIT_OK => "success",
        EXIT_FAILURE => "failure",
        EXIT_BAD_INPUT => "bad_input",
        EXIT_CHARTS => "charts_failed",
        EXIT_EXPECTATIONS => "expectations_failed",
        EXIT_SIGINT | EXIT_SIGTERM => "interrupted",
        _ => "unknown",
    }
}

/// One error: a scenario diagnostic with its position, or any other
/// error of the command with what it concerns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    /// A diagnostic's kind (`unknown_key`, ...) or the error's (`io`, ...).
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// The file it concerns.
    pub file: Option<String>,
    /// Line in `file`, from 1 (diagnostics).
    pub line: Option<usize>,
    /// Column in characters, from 1 (diagnostics).
    pub column: Option<usize>,
    /// The dotted field (`worker.startup`).
    pub field: Option<String>,
    /// What would be valid.
    pub expected: Option<String>,
    /// A close valid alternative (`` `startup` ``).
    pub suggestion: Option<String>,
    /// The suggestion or what would be valid, as one sentence.
    pub help: Option<String>,
    /// The text of `line`.
    pub source_line: Option<String>,
    /// The command-line option or sweep entry that made the scenario
    /// invalid (`--set worker.startup=abc`).
    pub context: Option<String>,
}

impl ErrorRecord {
    /// The record of one scenario diagnostic.
    pub fn of_diagnostic(d: &Diagnostic) -> ErrorRecord {
        ErrorRecord {
            kind: d.kind.name().to_string(),
            message: d.message.clone(),
            file: Some(d.at.file.clone()),
            line: Some(d.at.line),
            column: Some(d.at.column),
            field: d.field.clone(),
            expected: d.expected.clone(),
            suggestion: d.suggestion.clone(),
            help: d.hint(),
            source_line: d.source_line.clone(),
            context: None,
        }
    }
}

/// `e` with every cause not already part of its message.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The records of a scenario error, and how many diagnostics were omitted.
fn scenario_errors(e: &ScenarioError) -> (Vec<ErrorRecord>, usize) {
    match e {
        ScenarioError::Invalid(d) => (
            d.list.iter().map(ErrorRecord::of_diagnostic).collect(),
            d.omitted,
        ),
        ScenarioError::Io { path, .. } => (
            vec![ErrorRecord {
                kind: "cannot_read".into(),
                message: with_causes(e),
                file: Some(path.display().to_string()),
                ..ErrorRecord::default()
            }],
            0,
        ),
    }
}

/// The records of `e`, and how many diagnostics were found but not kept.
pub fn errors_of(e: &ExperimentError) -> (Vec<ErrorRecord>, usize) {
    let other = |kind: &str, file: Option<&Path>| {
        (
            vec![ErrorRecord {
                kind: kind.to_string(),
                message: with_causes(e),
                file: file.map(|f| f.display().to_string()),
                ..ErrorRecord::default()
            }],
            0,
        )
    };
    match e {
        ExperimentError::Scenario(s) => scenario_errors(s),
        ExperimentError::OverrideInvalid { what, key, error } => {
            let (mut records, omitted) = scenario_errors(error);
            for r in &mut records {
                r.context = Some(what.clone());
                // The overridden field's position is in the edited text,
                // not in the user's file (as the message line says).
                if r.field
                    .as_deref()
                    .is_some_and(|f| crate::experiment::overrides::concerns(key, f))
                {
                    (r.file, r.line, r.column, r.source_line) = (None, None, None, None);
                }
            }
            (records, omitted)
        }
        ExperimentError::BadSpec { .. } => other("bad_spec", None),
        ExperimentError::BadArgument(_) => other("bad_argument", None),
        ExperimentError::OutputExists(p) => other("output_exists", Some(p)),
        ExperimentError::NotAResultFolder(p) => other("not_a_result_folder", Some(p)),
        ExperimentError::Merge(_) => other("merge", None),
        ExperimentError::Io { path, .. } => other("io", Some(path)),
        ExperimentError::Run { .. } => other("run_failed", None),
        ExperimentError::Plot { dir, .. } | ExperimentError::Charts { dir, .. } => {
            other("charts", Some(dir))
        }
        ExperimentError::Stdout(_) => other("stdout", None),
        ExperimentError::Interrupted { .. } => other("interrupted", None),
        ExperimentError::TooBig(_) => other("too_big", None),
        ExperimentError::Checks { .. } => other("checks", None),
    }
}

// ---------------------------------------------------------------------------
// run and merge

/// The scenario file a document is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioInfo {
    /// `simulation.name`.
    pub name: String,
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, as in `manifest.json`.
    pub sha256: String,
}

/// The shard a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ShardInfo {
    /// K of `--shard K/N`.
    pub index: u32,
    /// N.
    pub count: u32,
    /// Runs in the shard.
    pub runs: usize,
}

/// What a run or a merge wrote, summarised.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The result folder.
    pub folder: String,
    /// `single`, `sweep` or `variants`.
    pub kind: &'static str,
    /// Runs written to the folder.
    pub runs: usize,
    /// Runs of the whole plan (all shards).
    pub planned_runs: usize,
    /// The shard, `null` for a complete folder.
    pub shard: Option<ShardInfo>,
    /// The swept keys, in grid order (empty without a sweep).
    pub sweep_keys: Vec<String>,
    /// Per point (one without a sweep; none with variants).
    pub points: Vec<PointSummary>,
    /// The variants ranked, `null` without variants.
    pub variants: Option<VariantsSummary>,
    /// The `[[expect]]` checks, `null` when the scenario has none.
    pub expectations: Option<ExpectationsReport>,
    /// Threads, wall time and speed (`run` only; `null` for `merge`).
    pub performance: Option<Performance>,
}

/// One sweep point (or the only point).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PointSummary {
    /// Index in grid order.
    pub point: usize,
    /// Its folder.
    pub folder: String,
    /// Swept key to its value, as written (`30m`).
    pub values: Named<String>,
    /// Seed of its runs.
    pub seed: u64,
    /// Replications configured.
    pub replications: u32,
    /// Horizon [ms].
    pub horizon_ms: u64,
    /// Per flag value run, false first.
    pub flags: Vec<FlagSummary>,
    /// Flag off − flag on, paired per replication; `null` unless both ran.
    pub savings: Option<Savings>,
}

/// The runs of one flag value of a point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlagSummary {
    /// The flag value.
    pub read_session: bool,
    /// Its runs.
    pub runs: usize,
    /// Per metric of `runs.csv`, in column order.
    pub metrics: Named<Stat>,
}

/// A metric over runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stat {
    /// Runs.
    pub n: usize,
    /// Mean.
    pub mean: Option<Num>,
    /// Sample standard deviation (`null` for one run).
    pub sd: Option<Num>,
    /// 95% Student t interval of the mean (`null` for one run).
    pub ci_low: Option<Num>,
    /// Its upper end.
    pub ci_high: Option<Num>,
    /// Smallest value of a run.
    pub min: Option<Num>,
    /// Largest value of a run.
    pub max: Option<Num>,
}

impl Stat {
    fn of(values: &[f64]) -> Stat {
        let s = summarize(values);
        let fold = |f: fn(f64, f64) -> f64| values.iter().copied().reduce(f).map(Num);
        Stat {
            n: s.n,
            mean: num(s.mean),
            sd: num(s.sd),
            ci_low: num(s.ci95.map(|c| c.0)),
            ci_high: num(s.ci95.map(|c| c.1)),
            min: fold(f64::min),
            max: fold(f64::max),
        }
    }
}

/// The paired comparison of a point, as `compare_summary.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Savings {
    /// Pairs (replications run with both flag values).
    pub pairs: usize,
    /// Per metric: off − on.
    pub metrics: Named<Saving>,
}

/// One metric's paired difference off − on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Saving {
    /// Mean.
    pub mean: Option<Num>,
    /// Sample standard deviation (`null` for one pair).
    pub sd: Option<Num>,
    /// 95% Student t interval of the mean (`null` for one pair).
    pub ci_low: Option<Num>,
    /// Its upper end.
    pub ci_high: Option<Num>,
    /// Share of pairs with off − on > 0.
    pub share_helped: Num,
}

/// The variants of a scenario, as `variants.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantsSummary {
    /// The variant the others are compared with (the first).
    pub reference: String,
    /// In rank order.
    pub ranked: Vec<VariantSummary>,
}

/// One variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantSummary {
    /// Its name.
    pub name: String,
    /// By mean user-minutes, from 1.
    pub rank: usize,
    /// Its place among the variants run (0: the reference).
    pub position: usize,
    /// Its flag value.
    pub read_session: bool,
    /// Its `set` entries, `key=value`.
    pub set: Vec<String>,
    /// Its folder.
    pub folder: String,
    /// Its runs.
    pub runs: usize,
    /// Per metric of `runs.csv`.
    pub metrics: Named<VariantMetric>,
}

/// One metric of a variant.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VariantMetric {
    /// Runs.
    pub n: usize,
    /// Mean per run.
    pub mean: Option<Num>,
    /// Sample standard deviation.
    pub sd: Option<Num>,
    /// 95% interval of the mean.
    pub ci_low: Option<Num>,
    /// Its upper end.
    pub ci_high: Option<Num>,
    /// Smallest value of a run.
    pub min: Option<Num>,
    /// Largest value of a run.
    pub max: Option<Num>,
    /// Mean of variant − reference, paired per replication (`null` for the reference).
    pub diff_mean: Option<Num>,
    /// 95% interval of that mean.
    pub diff_ci_low: Option<Num>,
    /// Its upper end.
    pub diff_ci_high: Option<Num>,
    /// Share of pairs where the variant did better (`null` for the
    /// reference and `requests`).
    pub share_better: Option<Num>,
}

/// The `[[expect]]` tables of the scenario, checked or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationsReport {
    /// Whether they were checked.
    pub checked: bool,
    /// The options that changed the runs they were written for, when not.
    pub not_checked_because: Option<String>,
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped (their runs were not made).
    pub skipped: usize,
    /// One per `[[expect]]`, in file order (empty when not checked).
    pub results: Vec<ExpectationResult>,
}

impl ExpectationsReport {
    /// Expectations checked with `outcomes`.
    pub fn checked(outcomes: &[Outcome]) -> ExpectationsReport {
        let count = |v| outcomes.iter().filter(|o| o.verdict == v).count();
        ExpectationsReport {
            checked: true,
            not_checked_because: None,
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            skipped: count(Verdict::Skipped),
            results: outcomes
                .iter()
                .map(|o| ExpectationResult {
                    line: o.line,
                    name: o.name.clone(),
                    bound: o.bound.clone(),
                    verdict: match o.verdict {
                        Verdict::Pass => "pass",
                        Verdict::Fail => "fail",
                        Verdict::Skipped => "skipped",
                    },
                    detail: o.detail.clone(),
                })
                .collect(),
        }
    }

    /// Expectations not checked because of `why` (`--seed`).
    pub fn not_checked(why: String) -> ExpectationsReport {
        ExpectationsReport {
            checked: false,
            not_checked_because: Some(why),
            passed: 0,
            failed: 0,
            skipped: 0,
            results: Vec::new(),
        }
    }
}

/// One checked expectation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationResult {
    /// Line of its `[[expect]]` table.
    pub line: usize,
    /// What it checks.
    pub name: String,
    /// The bound, as written.
    pub bound: String,
    /// `pass`, `fail` or `skipped`.
    pub verdict: &'static str,
    /// What was measured, and for a failure why it fails.
    pub detail: String,
}

/// How long the runs took (not deterministic, unlike everything else).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Performance {
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock seconds of all runs.
    pub wall_seconds: Num,
    /// Events processed.
    pub events: u64,
    /// Events per second.
    pub events_per_second: Num,
    /// With fast-forward: the share of the simulated time fast-forwarded,
    /// per flag value (`false`, `true`; `null` for a value not run); `null`
    /// in exact mode.
    pub fast_forwarded: Option<[Option<Num>; 2]>,
}

fn kind_of(sweep: bool, variants: bool) -> &'static str {
    if variants {
        "variants"
    } else if sweep {
        "sweep"
    } else {
        "single"
    }
}

fn stats_of(rows: &[&RunRow]) -> Named<Stat> {
    Named(
        METRICS
            .iter()
            .enumerate()
            .map(|(m, name)| {
                let v: Vec<f64> = rows.iter().map(|r| r.metric(m)).collect();
                (name.to_string(), Stat::of(&v))
            })
            .collect(),
    )
}

/// The summary of a folder written to `folder` from `manifest` and `rows`
/// (all its runs, in run order); `stats` for a run, `expectations` if the
/// scenario has any.
pub fn run_summary<S>(
    manifest: &Manifest<S>,
    rows: &[RunRow],
    folder: &Path,
    stats: Option<RunStats>,
    expectations: Option<ExpectationsReport>,
) -> RunSummary {
    let sub = |dir: &str| {
        if dir.is_empty() {
            folder.display().to_string()
        } else {
            folder.join(dir).display().to_string()
        }
    };
    let by_point = group_by_point(rows, manifest.points.len(), |r| r.point);
    let mut points = Vec::new();
    let mut variants = None;
    if manifest.has_variants() {
        let of = variant_rows(manifest, rows);
        let ranked = variant_tables::compare(&of)
            .into_iter()
            .map(|c| {
                let v = &of[c.position];
                let entry = manifest
                    .points
                    .iter()
                    .filter(|p| p.variant.is_some())
                    .nth(c.position);
                let metrics = METRICS
                    .iter()
                    .zip(&c.metrics)
                    .enumerate()
                    .map(|(m, (name, mc))| {
                        let values: Vec<f64> = v.rows.iter().map(|r| r.metric(m)).collect();
                        let s = Stat::of(&values);
                        let d = mc.difference;
                        let metric = VariantMetric {
                            n: s.n,
                            mean: s.mean,
                            sd: s.sd,
                            ci_low: s.ci_low,
                            ci_high: s.ci_high,
                            min: s.min,
                            max: s.max,
                            diff_mean: num(d.and_then(|d| d.mean)),
                            diff_ci_low: num(d.and_then(|d| d.ci95).map(|c| c.0)),
                            diff_ci_high: num(d.and_then(|d| d.ci95).map(|c| c.1)),
                            share_better: num(mc.share_better),
                        };
                        (name.to_string(), metric)
                    })
                    .collect();
                VariantSummary {
                    name: c.name.to_string(),
                    rank: c.rank,
                    position: c.position,
                    read_session: c.read_session,
                    set: entry
                        .and_then(|p| p.variant.as_ref())
                        .map(|v| v.set.clone())
                        .unwrap_or_default(),
                    folder: entry.map(|p| sub(&p.dir)).unwrap_or_default(),
                    runs: v.rows.len(),
                    metrics: Named(metrics),
                }
            })
            .collect();
        variants = Some(VariantsSummary {
            reference: of.first().map(|v| v.name.to_string()).unwrap_or_default(),
            ranked,
        });
    } else {
        for p in &manifest.points {
            let of_point: Vec<&RunRow> = by_point[p.point].iter().map(|&i| &rows[i]).collect();
            let flags = p
                .read_session
                .iter()
                .map(|&flag| {
                    let of_flag: Vec<&RunRow> = of_point
                        .iter()
                        .copied()
                        .filter(|r| r.id.read_session == flag)
                        .collect();
                    FlagSummary {
                        read_session: flag,
                        runs: of_flag.len(),
                        metrics: stats_of(&of_flag),
                    }
                })
                .collect();
            let owned: Vec<RunRow> = of_point.iter().map(|r| **r).collect();
            let savings = compare::paired(&owned).map(|paired| Savings {
                pairs: paired.pairs,
                metrics: Named(
                    METRICS
                        .iter()
                        .zip(paired.differences.iter().zip(&paired.share_helped))
                        .map(|(name, (s, &share))| {
                            let saving = Saving {
                                mean: num(s.mean),
                                sd: num(s.sd),
                                ci_low: num(s.ci95.map(|c| c.0)),
                                ci_high: num(s.ci95.map(|c| c.1)),
                                share_helped: Num(share),
                            };
                            (name.to_string(), saving)
                        })
                        .collect(),
                ),
            });
            points.push(PointSummary {
                point: p.point,
                folder: sub(&p.dir),
                values: Named(
                    manifest
                        .sweep_keys
                        .iter()
                        .cloned()
                        .zip(p.values.iter().cloned())
                        .collect(),
                ),
                seed: p.seed,
                replications: p.replications,
                horizon_ms: p.horizon_ms,
                flags,
                savings,
            });
        }
    }
    RunSummary {
        scenario: ScenarioInfo {
            name: manifest.scenario.name.clone(),
            path: manifest.scenario.path.clone(),
            sha256: manifest.scenario_sha256.clone(),
        },
        folder: folder.display().to_string(),
        kind: kind_of(manifest.is_sweep(), manifest.has_variants()),
        runs: rows.len(),
        planned_runs: manifest.runs,
        shard: manifest.shard.map(|s| ShardInfo {
            index: s.index,
            count: s.count,
            runs: s.runs,
        }),
        sweep_keys: manifest.sweep_keys.clone(),
        points,
        variants,
        expectations,
        performance: stats.map(|s| {
            let secs = s.wall.as_secs_f64();
            Performance {
                threads: s.threads,
                wall_seconds: Num(secs),
                events: s.events,
                events_per_second: Num(if secs > 0.0 {
                    s.events as f64 / secs
                } else {
                    0.0
                }),
                fast_forwarded: manifest.points.iter().any(|p| p.fast_forward).then(|| {
                    [0, 1].map(|i| {
                        (s.simulated_ms[i] > 0)
                            .then(|| Num(s.fast_forwarded_ms[i] as f64 / s.simulated_ms[i] as f64))
                    })
                }),
            }
        }),
    }
}

// ---------------------------------------------------------------------------
// list-runs and validate

/// The estimate of one run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RunEstimate {
    /// Request candidates and lifecycle events.
    pub events: u64,
    /// Request candidates.
    pub requests: u64,
    /// Lifecycle events.
    pub lifecycle_events: u64,
    /// Output rows.
    pub rows: u64,
    /// Work in request-path events (what `--max-events` limits).
    pub work_events: u64,
    /// That work in seconds on one core.
    pub work_seconds: Num,
    /// Peak memory of the run [bytes].
    pub memory_bytes: u64,
}

impl RunEstimate {
    /// The record of `e` (rounded to whole events, rows and bytes).
    pub fn of(e: &Estimate) -> RunEstimate {
        let whole = |x: f64| x.round() as u64;
        RunEstimate {
            events: whole(e.events()),
            requests: whole(e.requests),
            lifecycle_events: whole(e.lifecycle),
            rows: whole(e.rows),
            work_events: whole(e.work()),
            work_seconds: Num(e.work() / estimate::EVENTS_PER_SECOND),
            memory_bytes: whole(e.memory),
        }
    }
}

/// What `list-runs` prints: the plan, its runs, the estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanDoc {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// `single`, `sweep` or `variants`.
    pub kind: &'static str,
    /// The swept keys, in grid order.
    pub sweep: Vec<SweepKey>,
    /// The points (variants), in run order.
    pub points: Vec<PlanPoint>,
    /// Runs of the whole plan.
    pub runs: usize,
    /// The shard, `null` without `--shard`.
    pub shard: Option<ShardInfo>,
    /// The estimate of the runs selected (the shard's, or all).
    pub estimate: PlanEstimateDoc,
    /// Every run of the plan, in run order.
    pub run_list: Vec<PlannedRun>,
}

/// One swept key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SweepKey {
    /// The dotted key.
    pub key: String,
    /// Its values, as written.
    pub values: Vec<String>,
    /// Where they were given (`--vary ...`, `file:line:column: sweep...`).
    pub source: String,
}

/// One point of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanPoint {
    /// Index in run order.
    pub point: usize,
    /// The variant it runs (`null` without variants).
    pub variant: Option<String>,
    /// Swept key to its value.
    pub values: Named<String>,
    /// Seed.
    pub seed: u64,
    /// Replications configured.
    pub replications: u32,
    /// The only replication run (`--replication`), else `null`.
    pub replication: Option<u32>,
    /// Flag values, false first.
    pub read_session: Vec<bool>,
    /// Runs of the point.
    pub runs: usize,
    /// The estimate of each of its runs.
    pub estimate: RunEstimate,
}

/// The estimate of the runs selected.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PlanEstimateDoc {
    /// Runs selected.
    pub runs: usize,
    /// Threads assumed.
    pub threads: usize,
    /// The most work of one run, in request-path events.
    pub max_work_events: u64,
    /// That work in seconds on one core.
    pub max_work_seconds: Num,
    /// Events of all runs.
    pub total_events: u64,
    /// Rows of all runs.
    pub total_rows: u64,
    /// Peak memory on `threads` threads [bytes].
    pub peak_memory_bytes: u64,
}

/// One run of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedRun {
    /// Position in run order.
    pub index: usize,
    /// Its point.
    pub point: usize,
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// Flag value.
    pub read_session: bool,
    /// Whether the shard runs it (always `true` without `--shard`).
    pub selected: bool,
}

fn scenario_info(plan: &Plan) -> ScenarioInfo {
    ScenarioInfo {
        name: plan.base.simulation.name.clone(),
        path: plan.request.scenario.display().to_string(),
        sha256: crate::experiment::hash::sha256_hex(plan.scenario_text.as_bytes()),
    }
}

/// The plan of `list-runs`: `runs` all runs, `selected` the shard's, `e`
/// their estimate.
pub fn plan_doc(plan: &Plan, runs: &[RunSpec], selected: &[RunSpec], e: &PlanEstimate) -> PlanDoc {
    let points = plan.point_entries();
    let runs_of_point = group_by_point(runs, points.len(), |r| r.point);
    let keys: Vec<String> = plan.dims.iter().map(|d| d.key.clone()).collect();
    let shard = plan.request.shard;
    PlanDoc {
        scenario: scenario_info(plan),
        kind: kind_of(plan.is_sweep(), plan.has_variants()),
        sweep: plan
            .dims
            .iter()
            .map(|d| SweepKey {
                key: d.key.clone(),
                values: d.texts(),
                source: d.source.clone(),
            })
            .collect(),
        points: points
            .iter()
            .map(|p| PlanPoint {
                point: p.point,
                variant: p.variant.as_ref().map(|v| v.name.clone()),
                values: Named(keys.iter().cloned().zip(p.values.iter().cloned()).collect()),
                seed: p.seed,
                replications: p.replications,
                replication: plan.request.replication,
                read_session: p.read_session.clone(),
                runs: runs_of_point[p.point].len(),
                estimate: RunEstimate::of(&estimate::estimate(
                    &plan.points[p.point].scenario,
                    plan.request.trace,
                )),
            })
            .collect(),
        runs: runs.len(),
        shard: shard.map(|s| ShardInfo {
            index: s.index,
            count: s.count,
            runs: selected.len(),
        }),
        estimate: PlanEstimateDoc {
            runs: selected.len(),
            threads: e.threads,
            max_work_events: e.max_work.round() as u64,
            max_work_seconds: Num(e.max_work / estimate::EVENTS_PER_SECOND),
            total_events: e.total_events.round() as u64,
            total_rows: e.total_rows.round() as u64,
            peak_memory_bytes: e.memory.round() as u64,
        },
        run_list: runs
            .iter()
            .map(|r| PlannedRun {
                index: r.index,
                point: r.point,
                seed: r.id.seed,
                replication: r.id.replication,
                read_session: r.id.read_session,
                selected: shard.is_none_or(|s| s.selects(r.index)),
            })
            .collect(),
    }
}

/// One file of `validate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub file: String,
    /// Whether it validates.
    pub ok: bool,
    /// Its errors (empty when `ok`).
    pub errors: Vec<ErrorRecord>,
    /// Errors found but not listed.
    pub errors_omitted: usize,
    /// What it would run (`null` unless `ok`).
    pub plan: Option<FilePlan>,
}

/// What a valid file would run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilePlan {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// `single`, `sweep` or `variants`.
    pub kind: &'static str,
    /// Points (variants).
    pub points: usize,
    /// Runs.
    pub runs: usize,
    /// The estimate of its largest run.
    pub largest_run: RunEstimate,
}

impl FileReport {
    /// The report of a file that validated into `plan` (`runs` runs, the
    /// largest estimated at `largest`).
    pub fn ok(file: &str, plan: &Plan, runs: usize, largest: &Estimate) -> FileReport {
        FileReport {
            file: file.to_string(),
            ok: true,
            errors: Vec::new(),
            errors_omitted: 0,
            plan: Some(FilePlan {
                scenario: scenario_info(plan),
                kind: kind_of(plan.is_sweep(), plan.has_variants()),
                points: plan.points.len(),
                runs,
                largest_run: RunEstimate::of(largest),
            }),
        }
    }

    /// The report of a file that does not validate.
    pub fn failed(file: &str, e: &ExperimentError) -> FileReport {
        let (errors, errors_omitted) = errors_of(e);
        FileReport {
            file: file.to_string(),
            ok: false,
            errors,
            errors_omitted,
            plan: None,
        }
    }
}

// ---------------------------------------------------------------------------
// diff

/// What `diff` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffDoc {
    /// Folder A, as given.
    pub a: String,
    /// Folder B, as given.
    pub b: String,
    /// `--tolerance`, as a fraction (0: exact).
    pub tolerance: f64,
    /// Whether no value differs beyond the tolerance and both have the same runs.
    pub identical: bool,
    /// Whether runs were matched with their seeds (false: each folder ran
    /// one seed, another in each; then `seed` is `null` in the runs).
    pub seeds_matched: bool,
    /// Runs in A.
    pub runs_a: usize,
    /// Runs in B.
    pub runs_b: usize,
    /// Runs in both.
    pub matched: usize,
    /// Matched runs with at least one difference.
    pub runs_differing: usize,
    /// Values that differ, but within the tolerance.
    pub tolerated: usize,
    /// Every value that differs beyond the tolerance, run by run in A's order.
    pub differences: Vec<DiffValue>,
    /// Runs only in A, in A's order.
    pub only_a: Vec<DiffRun>,
    /// Runs only in B, in B's order.
    pub only_b: Vec<DiffRun>,
    /// What is worth knowing but is not a difference of runs.
    pub notes: Vec<String>,
}

/// A run, as `diff` matches it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffRun {
    /// Sweep point (0 without a sweep, and with variants).
    pub point: usize,
    /// The variant, `null` without variants.
    pub variant: Option<String>,
    /// Seed (`null` when runs were matched without it).
    pub seed: Option<u64>,
    /// Replication.
    pub replication: u32,
    /// Flag value.
    pub read_session: bool,
}

/// One value that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffValue {
    /// The run.
    pub run: DiffRun,
    /// `fingerprint`, a `runs.csv` column, `windows.csv rows` or
    /// `windows.csv rows, cause C`.
    pub what: String,
    /// The value in A, as written.
    pub a: String,
    /// The value in B, as written.
    pub b: String,
    /// B − A as text (`+12`, `-0.250`), `null` for a fingerprint.
    pub change: Option<String>,
    /// The relative difference |A − B| / max(|A|, |B|), not rounded;
    /// `null` for a fingerprint.
    pub relative: Option<f64>,
}

/// The document part of `found`.
pub fn diff_doc(found: &Diff) -> DiffDoc {
    let seeds = found.seeds_matched();
    let run = |k: &RunKey| DiffRun {
        point: k.point,
        variant: k.variant.clone(),
        seed: seeds.then_some(k.id.seed),
        replication: k.id.replication,
        read_session: k.id.read_session,
    };
    DiffDoc {
        a: found.a.display().to_string(),
        b: found.b.display().to_string(),
        tolerance: found.options.tolerance,
        identical: found.identical(),
        seeds_matched: seeds,
        runs_a: found.runs_a,
        runs_b: found.runs_b,
        matched: found.matched,
        runs_differing: found.runs_differing,
        tolerated: found.tolerated,
        differences: found
            .differences
            .iter()
            .map(|d| DiffValue {
                run: run(&d.run),
                what: d.what.clone(),
                a: d.a.clone(),
                b: d.b.clone(),
                change: d.change.as_ref().map(|c| c.0.clone()),
                relative: d.change.as_ref().map(|c| c.1),
            })
            .collect(),
        only_a: found.only_a.iter().map(run).collect(),
        only_b: found.only_b.iter().map(run).collect(),
        notes: found.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::DECIMALS;

    #[test]
    fn numbers_have_the_csv_decimals_and_never_nan() {
        let text = |x: f64| serde_json::to_string(&Num(x)).unwrap();
        assert_eq!(text(1.0 / 3.0), "0.333");
        assert_eq!(text(2.0), "2.0");
        assert_eq!(text(-0.0001), "0.0");
        assert_eq!(text(f64::NAN), "null");
        assert_eq!(text(f64::INFINITY), "null");
        assert_eq!(DECIMALS, 3);
    }

    #[test]
    fn named_objects_keep_their_order() {
        let n = Named(vec![("b".to_string(), 1), ("a".to_string(), 2)]);
        assert_eq!(serde_json::to_string(&n).unwrap(), r#"{"b":1,"a":2}"#);
    }

    #[test]
    fn every_exit_code_has_a_meaning() {
        for code in [0, 1, 2, 3, 4, 130, 143] {
            assert_ne!(exit_meaning(code), "unknown", "{code}");
        }
        let e = ExperimentError::BadArgument("--jobs 0".into());
        let d = Document::new("run", Body::empty("run"), Err(&e));
        let v: serde_json::Value = serde_json::from_slice(&d.to_bytes()).unwrap();
        assert_eq!(v["exit"]["code"], 2);
        assert_eq!(v["exit"]["meaning"], "bad_input");
        assert_eq!(v["errors"][0]["kind"], "bad_argument");
        assert_eq!(v["errors"][0]["message"], "--jobs 0");
        assert!(v["summary"].is_null());
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
    }
}
