//! The plan of an experiment: which scenarios (sweep points, or variants)
//! run, with which seeds, replications and flag values, in which fixed order.
//!
//! The run order is (sweep point, seed, replication, read_session false
//! before true); a run's *index* is its position in that order. Every output
//! row follows it, whatever order the runs actually executed in, and shards
//! select runs by index. A scenario with `[[variant]]` tables has one point
//! per variant, in file order, each with the variant's one flag value
//! ([`super::variants`]); it cannot also be a sweep.

use super::ExperimentError;
use super::manifest::{PointEntry, VariantEntry};
use super::overrides::{self, Override};
use super::params;
use super::shard::Shard;
use super::sweep::{self, Dimension};
use super::variants::{self, Variant};
use crate::metrics::RunId;
use crate::scenario::{self, ReadSessionChoice, Scenario, ScenarioError};
use std::path::PathBuf;
use toml_edit::Value;

/// What the user asked for on the command line (the low layer: flags only
/// validated for shape; [`Plan::build`] turns them into scenarios).
#[derive(Clone, Debug, Default)]
pub struct PlanRequest {
    /// The scenario file.
    pub scenario: PathBuf,
    /// `--set key=value`, in command-line order.
    pub sets: Vec<String>,
    /// `--vary key=v1,v2,...`, in command-line order.
    pub varies: Vec<String>,
    /// `--seed`: overrides `simulation.seed` (and a sweep over it).
    pub seed: Option<u64>,
    /// `--replications`: overrides `simulation.replications`.
    pub replications: Option<u32>,
    /// `--replication R`: run only replication R of each point.
    pub replication: Option<u32>,
    /// `--read-session`: overrides `org.read_session`.
    pub read_session: Option<ReadSessionChoice>,
    /// `--shard K/N`.
    pub shard: Option<Shard>,
    /// `--trace`: record every event (`events.csv`).
    pub trace: bool,
    /// `--variant NAME`: run only these variants (in file order); empty: all.
    pub variants: Vec<String>,
    /// `--fast-forward`: sets `simulation.fast_forward = true`.
    pub fast_forward: bool,
}

/// One sweep point (or variant): its values and its validated scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Index in grid order (or in the order of the variants run).
    pub index: usize,
    /// One value per sweep dimension, in dimension order.
    pub values: Vec<Value>,
    /// The scenario with the values (and every command-line override) applied.
    pub scenario: Scenario,
    /// The variant the point runs, if the scenario has `[[variant]]` tables.
    pub variant: Option<Variant>,
}

/// One run: where it sits in the run order and what the model gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    /// Position in the fixed run order.
    pub index: usize,
    /// Sweep point.
    pub point: usize,
    /// Seed, replication and flag value.
    pub id: RunId,
}

impl RunSpec {
    /// `point 2, seed 1, replication 3, read_session false` (for messages).
    pub fn describe(&self, sweep: bool) -> String {
        let point = if sweep {
            format!("point {}, ", self.point)
        } else {
            String::new()
        };
        format!(
            "{point}seed {}, replication {}, read_session {}",
            self.id.seed, self.id.replication, self.id.read_session
        )
    }
}

/// A validated experiment, ready to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The request it was built from.
    pub request: PlanRequest,
    /// The scenario file's bytes, as read.
    pub scenario_text: String,
    /// The scenario with `--set` and the flags applied, before any sweep value.
    pub base: Scenario,
    /// `--set` overrides, in order.
    pub sets: Vec<Override>,
    /// Sweep dimensions (none: not a sweep).
    pub dims: Vec<Dimension>,
    /// Sweep points in grid order (exactly one without a sweep).
    pub points: Vec<Point>,
    /// Parameters that differ from the defaults, as `(dotted key, value)`.
    pub non_defaults: Vec<(String, String)>,
    /// The `[history]` files the points read, with their bytes (copied
    /// into the result folder: [`super::history_copy`]).
    pub history_files: scenario::history::Files,
}

fn origin_of(path: &std::path::Path) -> String {
    path.display().to_string()
}

impl Plan {
    /// Reads and validates the scenario, the overrides and the sweep, and
    /// builds every point's scenario. Nothing is run or written.
    pub fn build(request: PlanRequest) -> Result<Plan, ExperimentError> {
        let text = scenario::read(&request.scenario)?;
        Self::build_from_text(request, text)
    }

    /// As [`Plan::build`], with the file's text already read.
    pub fn build_from_text(request: PlanRequest, text: String) -> Result<Plan, ExperimentError> {
        Self::build_with_files(request, text, scenario::history::Files::default())
    }

    /// As [`Plan::build_from_text`], reading `[history]` files from `history`
    /// (which may hold them in memory, [`scenario::history::Files::in_memory`]).
    pub fn build_with_files(
        request: PlanRequest,
        text: String,
        mut history: scenario::history::Files,
    ) -> Result<Plan, ExperimentError> {
        let origin = origin_of(&request.scenario);
        let file_alone = match scenario::parse_str(&text, &origin) {
            // Not TOML at all: the scenario layer's error names file:line:column
            // in the project's format; the sweep reader would give its own.
            Err(e) if e.kind() == Some(scenario::Kind::Syntax) => return Err(e.into()),
            other => other,
        };
        let file_dims = sweep::from_file(&text, &origin)?;
        // The [[variant]] tables' own problems (names, keys) come with the
        // file's: both are written in the file.
        let file_variants = variants::from_file(&text, &origin);

        let sets = request
            .sets
            .iter()
            .map(|arg| {
                overrides::parse_set(arg).map_err(|message| ExperimentError::BadSpec {
                    what: format!("--set {arg}"),
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let set_sources: Vec<(&Override, String)> = sets
            .iter()
            .zip(&request.sets)
            .map(|(o, arg)| (o, format!("--set {arg}")))
            .collect();
        let mut base = match file_alone {
            Ok(s) if set_sources.is_empty() => s,
            Ok(_) => overrides::validate_with(&text, &text, &origin, &set_sources)?,
            // The file is invalid alone: fine if `--set` completes it (a file
            // used as a template), otherwise its own error, naming its lines.
            Err(e) => {
                let Ok(edited) = overrides::apply_all(&text, &sets) else {
                    return Err(e.into());
                };
                match scenario::parse_str(&edited, &origin) {
                    Ok(s) => s,
                    Err(e2) => {
                        // Blame a `--set` only for an error in the field it set.
                        let culprit = set_sources.iter().find(|(o, _)| {
                            e2.field().map(|f| f.replace('[', ".").replace(']', ""))
                                == Some(o.key.clone())
                        });
                        return Err(match culprit {
                            Some((o, what)) => {
                                overrides::invalid(what.clone(), o.key.clone(), e2, &text, &origin)
                            }
                            None => with_variant_problems(e, file_variants.err()),
                        });
                    }
                }
            }
        };
        let file_variants =
            file_variants.map_err(|d| ExperimentError::from(ScenarioError::Invalid(d)))?;
        apply_flags(&mut base, &request)?;
        // History files are relative to the scenario file, read once for every point.
        let folder = request
            .scenario
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        scenario::history::attach(&mut base, &text, &origin, &folder, &mut history)?;
        // Sweep points start from the file with `--set` applied (valid, as
        // just checked), so that errors are attributed to sweep values.
        let set_text = overrides::apply_all(&text, &sets).map_err(|(_, message)| {
            ExperimentError::BadSpec {
                what: origin.clone(),
                message,
            }
        })?;

        let vary_dims = request
            .varies
            .iter()
            .map(|arg| sweep::parse_vary(arg))
            .collect::<Result<Vec<_>, _>>()?;
        let mut fixed: Vec<String> = sets.iter().map(|o| o.key.clone()).collect();
        if request.seed.is_some() {
            fixed.push("simulation.seed".into());
        }
        if request.replications.is_some() {
            fixed.push("simulation.replications".into());
        }
        if request.read_session.is_some() {
            fixed.push("org.read_session".into());
        }
        if request.fast_forward {
            fixed.push("simulation.fast_forward".into());
        }
        super::expectations::check_shape(&base, &file_dims, &text, &origin)?;
        let dims = sweep::combine(file_dims, vary_dims, &fixed);
        variants::check_expect(&base, &file_variants, &text, &origin)?;
        if !file_variants.is_empty() {
            let file = VariantFile {
                text: &text,
                set_text: &set_text,
                origin: &origin,
                folder: &folder,
            };
            let points = variant_points(&request, file_variants, &dims, &sets, file, &mut history)?;
            return Self::finish(request, text, base, sets, dims, points)
                .map(|plan| plan.with_history(history));
        }
        if !request.variants.is_empty() {
            return Err(ExperimentError::BadArgument(format!(
                "--variant {}: {origin} has no [[variant]] tables",
                request.variants[0]
            )));
        }
        let grid = sweep::grid(&dims)?;

        let mut points = Vec::with_capacity(grid.len());
        for (index, coords) in grid.into_iter().enumerate() {
            let values: Vec<Value> = coords
                .iter()
                .zip(&dims)
                .map(|(&c, d)| d.values[c].clone())
                .collect();
            let scenario = if dims.is_empty() {
                base.clone()
            } else {
                let dim_overrides: Vec<Override> = dims
                    .iter()
                    .zip(&values)
                    .map(|(d, v)| Override {
                        key: d.key.clone(),
                        value: v.clone(),
                    })
                    .collect();
                // Sweep values first, `--set` last: the command line wins on overlaps.
                let mut sources: Vec<(&Override, String)> = dim_overrides
                    .iter()
                    .zip(&dims)
                    .map(|(o, d)| {
                        (
                            o,
                            format!(
                                "{} value {} (sweep point {index})",
                                d.source,
                                overrides::display_value(&o.value)
                            ),
                        )
                    })
                    .collect();
                sources.extend(set_sources.iter().cloned());
                let mut s = overrides::validate_with(&set_text, &text, &origin, &sources)?;
                apply_flags(&mut s, &request)?;
                scenario::history::attach(&mut s, &text, &origin, &folder, &mut history)?;
                s
            };
            points.push(Point {
                index,
                values,
                scenario,
                variant: None,
            });
        }
        Self::finish(request, text, base, sets, dims, points).map(|plan| plan.with_history(history))
    }

    /// The plan with the history files its points read.
    fn with_history(mut self, files: scenario::history::Files) -> Plan {
        self.history_files = files;
        self
    }

    /// Checks `--replication`, the number of runs and every run's rollovers
    /// of the plan of `points`.
    fn finish(
        request: PlanRequest,
        text: String,
        base: Scenario,
        sets: Vec<Override>,
        dims: Vec<Dimension>,
        points: Vec<Point>,
    ) -> Result<Plan, ExperimentError> {
        if let Some(r) = request.replication {
            for p in &points {
                let n = p.scenario.simulation.replications;
                if r >= n {
                    return Err(ExperimentError::BadArgument(format!(
                        "--replication {r} is out of range: {} has {n} replication{} (0..{n})",
                        match &p.variant {
                            Some(v) => format!("variant {}", v.name),
                            None if dims.is_empty() => "the scenario".to_string(),
                            None => format!("sweep point {}", p.index),
                        },
                        if n == 1 { "" } else { "s" }
                    )));
                }
            }
        }
        let non_defaults = params::non_defaults(&text, &sets, &request, &dims);
        let plan = Plan {
            request,
            scenario_text: text,
            base,
            sets,
            dims,
            points,
            non_defaults,
            history_files: scenario::history::Files::default(),
        };
        match count_runs(&plan.point_entries(), plan.request.replication) {
            Some(n) if n <= MAX_RUNS => super::rollovers::check(&plan).map(|()| plan),
            n => Err(too_many_runs(&plan, n)),
        }
    }

    /// Whether the plan is a sweep (at least one varied key; the folder then
    /// has one subfolder per point).
    pub fn is_sweep(&self) -> bool {
        !self.dims.is_empty()
    }

    /// Whether the points are the scenario's variants (one subfolder each).
    pub fn has_variants(&self) -> bool {
        self.points.iter().any(|p| p.variant.is_some())
    }

    /// `variant flag, seed 1, replication 3, read_session true` (for messages).
    pub fn describe(&self, spec: &RunSpec) -> String {
        match self.points.get(spec.point).and_then(|p| p.variant.as_ref()) {
            Some(v) => format!("variant {}, {}", v.name, spec.describe(false)),
            None => spec.describe(self.is_sweep()),
        }
    }

    /// The points as recorded in the manifest (and read back by a merge).
    pub fn point_entries(&self) -> Vec<PointEntry> {
        let width = point_dir_width(self.points.len());
        let copies = super::history_copy::names(self);
        self.points
            .iter()
            .map(|p| {
                let s = &p.scenario;
                let values: Vec<String> = p.values.iter().map(overrides::display_value).collect();
                // The folder's copy of the file, relative to the folder.
                let mut rerun = vec![
                    "run".to_string(),
                    super::manifest::SCENARIO_COPY.to_string(),
                    "--seed".to_string(),
                    s.simulation.seed.to_string(),
                ];
                if let Some(n) = self.request.replications {
                    rerun.extend(["--replications".to_string(), n.to_string()]);
                }
                if let Some(v) = &p.variant {
                    rerun.extend(["--variant".to_string(), v.name.clone()]);
                }
                if let Some(rs) = self.request.read_session {
                    rerun.extend([
                        "--read-session".to_string(),
                        read_session_arg(rs).to_string(),
                    ]);
                }
                // History files are read from the folder's copies.
                let history = super::history_copy::rerun_sets(&copies, s);
                let kept = |key: &str| !history.iter().any(|(k, _)| *k == key);
                for o in self.sets.iter().filter(|o| kept(&o.key)) {
                    rerun.extend(["--set".to_string(), o.to_arg()]);
                }
                for (d, v) in self.dims.iter().zip(&values) {
                    if kept(&d.key) {
                        rerun.extend(["--set".to_string(), format!("{}={v}", d.key)]);
                    }
                }
                for (key, copy) in history {
                    rerun.extend(["--set".to_string(), format!("{key}={copy}")]);
                }
                if self.request.trace {
                    rerun.push("--trace".to_string());
                }
                if self.request.fast_forward {
                    rerun.push("--fast-forward".to_string());
                }
                PointEntry {
                    point: p.index,
                    dir: match &p.variant {
                        Some(v) => v.folder(),
                        None if self.is_sweep() => format!("point-{:0width$}", p.index),
                        None => String::new(),
                    },
                    values,
                    name: s.simulation.name.clone(),
                    seed: s.simulation.seed,
                    replications: s.simulation.replications,
                    read_session: s.org.read_session.values().to_vec(),
                    horizon_ms: s.simulation.horizon,
                    failed_update_hold_ms: s.worker.failed_update_hold,
                    start: s.simulation.start,
                    fast_forward: s.simulation.fast_forward,
                    rerun,
                    variant: p.variant.as_ref().map(|v| VariantEntry {
                        name: v.name.clone(),
                        set: v.set_args(),
                    }),
                }
            })
            .collect()
    }
}

/// The file's diagnostics `e` with the problems of its `[[variant]]` tables
/// added, in file order.
fn with_variant_problems(
    e: ScenarioError,
    variants: Option<scenario::Diagnostics>,
) -> ExperimentError {
    match (e, variants) {
        (ScenarioError::Invalid(mut d), Some(v)) => {
            d.list.extend(v.list);
            d.list.sort_by_key(|d| d.span.start);
            let kept = scenario::diagnostic::MAX_DIAGNOSTICS;
            d.omitted += v.omitted + d.list.len().saturating_sub(kept);
            d.list.truncate(kept);
            ScenarioError::Invalid(d).into()
        }
        (e, _) => e.into(),
    }
}

/// The scenario file of a plan with variants.
struct VariantFile<'a> {
    /// Its text.
    text: &'a str,
    /// Its text with `--set` applied.
    set_text: &'a str,
    /// Its name in messages.
    origin: &'a str,
    /// Its folder (history files are relative to it).
    folder: &'a std::path::Path,
}

/// The points of a scenario with `[[variant]]` tables: one per variant run
/// (all, or those `--variant` names, in file order), each the scenario of
/// the file with `--set` with the variant's entries and its flag value.
fn variant_points(
    request: &PlanRequest,
    all: Vec<Variant>,
    dims: &[Dimension],
    sets: &[Override],
    file: VariantFile<'_>,
    history: &mut scenario::history::Files,
) -> Result<Vec<Point>, ExperimentError> {
    let VariantFile {
        text,
        set_text,
        origin,
        folder,
    } = file;
    let at = scenario::Location::of_offset(origin, text, all[0].span.start);
    if let Some(d) = dims.first() {
        return Err(ExperimentError::BadSpec {
            what: format!("{at}: variant"),
            message: format!(
                "[[variant]] tables cannot be combined with a sweep ({}); run the sweep \
                 once per alternative with --set, or compare the alternatives without the sweep",
                d.source
            ),
        });
    }
    if request.read_session.is_some() {
        return Err(ExperimentError::BadArgument(format!(
            "--read-session cannot be used with [[variant]] tables ({at}): each variant runs \
             its own flag value (`read_session` in its table); to run one of them, use --variant NAME"
        )));
    }
    if let Some(o) = sets.iter().find(|o| o.key == "org.read_session") {
        return Err(ExperimentError::BadArgument(format!(
            "--set {}: not used with [[variant]] tables ({at}): each variant runs its own \
             flag value (`read_session` in its table)",
            o.to_arg()
        )));
    }
    variants::check_org(text, origin)?;
    let selected = select(request, all, origin)?;
    let scenarios = variants::scenarios(&selected, set_text, text, origin)
        .map_err(|d| ExperimentError::from(ScenarioError::Invalid(d)))?;
    let mut points = Vec::with_capacity(selected.len());
    for (index, (v, mut scenario)) in selected.into_iter().zip(scenarios).enumerate() {
        apply_flags(&mut scenario, request)?;
        scenario::history::attach(&mut scenario, text, origin, folder, history)?;
        scenario.org.read_session = if v.read_session {
            ReadSessionChoice::On
        } else {
            ReadSessionChoice::Off
        };
        points.push(Point {
            index,
            values: Vec::new(),
            scenario,
            variant: Some(v),
        });
    }
    Ok(points)
}

/// The variants `--variant` names (all without it), in file order.
fn select(
    request: &PlanRequest,
    all: Vec<Variant>,
    origin: &str,
) -> Result<Vec<Variant>, ExperimentError> {
    if request.variants.is_empty() {
        return Ok(all);
    }
    for (i, name) in request.variants.iter().enumerate() {
        if request.variants[..i].contains(name) {
            return Err(ExperimentError::BadArgument(format!(
                "--variant {name} is given twice"
            )));
        }
        if !all.iter().any(|v| &v.name == name) {
            let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
            let hint = match scenario::suggest::closest(name, names.iter().copied()) {
                Some(close) => format!("did you mean {close}?"),
                None => format!("the variants are: {}", names.join(", ")),
            };
            return Err(ExperimentError::BadArgument(format!(
                "--variant {name}: {origin} has no variant {name:?}; {hint}"
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|v| request.variants.contains(&v.name))
        .collect())
}

/// The error for a plan of more than [`MAX_RUNS`] runs: naming
/// `--replications` (or its `--set`) when the command line set them,
/// otherwise at `simulation.replications` in the file (or, not written
/// there, at the `[simulation]` table), like every error about a file.
fn too_many_runs(plan: &Plan, n: Option<usize>) -> ExperimentError {
    let message = format!(
        "the plan has {} runs ({} point{} x replications x flag values), more than {MAX_RUNS}",
        n.map_or_else(|| "too many".to_string(), |n| n.to_string()),
        plan.points.len(),
        if plan.points.len() == 1 { "" } else { "s" }
    );
    let from_arguments = plan.request.replications.is_some()
        || plan.sets.iter().any(|o| o.key == "simulation.replications");
    if from_arguments {
        return ExperimentError::BadArgument(format!(
            "{message}; lower --replications or the number of sweep values"
        ));
    }
    let origin = origin_of(&plan.request.scenario);
    let mut d = scenario::Diagnostic {
        kind: scenario::Kind::Limit,
        at: scenario::Location {
            file: origin.clone(),
            line: 1,
            column: 1,
        },
        span: 0..0,
        field: Some("simulation.replications".to_string()),
        message,
        expected: Some(format!(
            "at most {MAX_RUNS} runs in all: fewer replications or sweep values"
        )),
        suggestion: None,
        source_line: None,
    };
    scenario::relocate(std::slice::from_mut(&mut d), &plan.scenario_text, &origin);
    scenario::ScenarioError::Invalid(scenario::Diagnostics::one(d)).into()
}

/// `--read-session` spelling of a choice.
pub fn read_session_arg(choice: ReadSessionChoice) -> &'static str {
    match choice {
        ReadSessionChoice::Off => "false",
        ReadSessionChoice::On => "true",
        ReadSessionChoice::Both => "both",
    }
}

/// Subfolder names are zero-padded to at least three digits, more for big
/// grids, so that they sort in point order.
fn point_dir_width(points: usize) -> usize {
    points.saturating_sub(1).to_string().len().max(3)
}

fn apply_flags(s: &mut Scenario, request: &PlanRequest) -> Result<(), ExperimentError> {
    if let Some(seed) = request.seed {
        s.simulation.seed = seed;
    }
    if let Some(n) = request.replications {
        if n == 0 {
            return Err(ExperimentError::BadArgument(
                "--replications must be at least 1".into(),
            ));
        }
        s.simulation.replications = n;
    }
    if let Some(rs) = request.read_session {
        s.org.read_session = rs;
    }
    if request.fast_forward {
        if s.clients.arrivals == scenario::Arrivals::Fixed {
            return Err(ExperimentError::BadArgument(format!(
                "--fast-forward: {} (clients.arrivals = \"fixed\"); run it without --fast-forward",
                scenario::validate::FIXED_ARRIVALS_CANNOT_FAST_FORWARD
            )));
        }
        s.simulation.fast_forward = true;
    }
    Ok(())
}

/// Largest number of runs a plan may have: the run list is built in memory
/// before anything runs, and beyond this a typo (`--replications 1000000`)
/// is far more likely than intent.
pub const MAX_RUNS: usize = 10_000_000;

/// How many runs [`enumerate_runs`] gives for `points` and `only`, without
/// building them; `None` if that does not fit in a `usize`.
pub fn count_runs(points: &[PointEntry], only: Option<u32>) -> Option<usize> {
    points.iter().try_fold(0usize, |total, p| {
        let reps = match only {
            Some(_) => 1,
            None => usize::try_from(p.replications).ok()?,
        };
        total.checked_add(reps.checked_mul(p.read_session.len())?)
    })
}

/// The indices of `items` per sweep point (`points` groups, each in the
/// items' order; an item whose point is out of range is in none): one pass,
/// where a filter per point would be quadratic in a big sweep.
pub fn group_by_point<T>(
    items: &[T],
    points: usize,
    point_of: impl Fn(&T) -> usize,
) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); points];
    for (i, item) in items.iter().enumerate() {
        if let Some(group) = groups.get_mut(point_of(item)) {
            group.push(i);
        }
    }
    groups
}

/// Every run of `points` in the fixed order (point, seed, replication,
/// read_session false before true); `only` keeps one replication per point.
pub fn enumerate_runs(points: &[PointEntry], only: Option<u32>) -> Vec<RunSpec> {
    let mut runs = Vec::new();
    for p in points {
        let reps: Vec<u32> = match only {
            Some(r) => vec![r],
            None => (0..p.replications).collect(),
        };
        for replication in reps {
            for &read_session in &p.read_session {
                runs.push(RunSpec {
                    index: runs.len(),
                    point: p.point,
                    id: RunId {
                        seed: p.seed,
                        replication,
                        read_session,
                    },
                });
            }
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_folders_sort_in_order() {
        assert_eq!(point_dir_width(1), 3);
        assert_eq!(point_dir_width(1000), 3);
        assert_eq!(point_dir_width(1001), 4);
    }
}
