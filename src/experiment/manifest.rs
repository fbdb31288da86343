//! `manifest.json`: everything needed to know how a result folder was made
//! and to re-run any row of it.
//!
//! Keys come in the fixed order of the struct fields below; no timestamps or
//! wall times (the file is as deterministic as the CSVs). Fields:
//!
//! - `manifest_version` ([`MANIFEST_VERSION`]: readers refuse others),
//! - `build`: the identity of the hmasim that wrote it (version, git commit,
//!   rustc, target; see [`super::provenance`]),
//! - `command` (the arguments after the program name),
//! - `scenario`: `path` as given, `copy` (the exact copy of the file kept in
//!   the folder, [`SCENARIO_COPY`]), `name`; `scenario_sha256`: SHA-256 of
//!   the file's bytes (`sha256sum DIR/scenario.toml` prints it),
//! - `history_copies` (only with `[history]` files): each file's `path` as
//!   written, its `copy` in the folder and its SHA-256
//!   ([`super::history_copy`]),
//! - `set`: the `--set` overrides; `seed`, `replications`, `read_session`:
//!   the command-line flags that override the file (`null` when not given);
//!   `replication`: the one replication run (`--replication`), or `null`,
//! - `sweep_keys` and `sweep_sources` (where each dimension was written),
//! - `points`: per sweep point (one without a sweep) its folder (`""` = the
//!   result folder itself), values, resolved seed, replications, flag values,
//!   horizon, hold, and `rerun`: the arguments that re-run it alone from the
//!   result folder (they name the copy `scenario.toml`, so editing or moving
//!   the original file changes nothing; add `--replication R` for one row
//!   and `--out` for where to write),
//! - `seeds` (distinct, in point order), `runs` (in the whole plan), `trace`,
//! - `shard` (`{index, count, runs}` or `null`), `merged_from` (only in merged folders),
//! - `parameters`: `[key, value]` pairs that differ from the defaults,
//! - `scenario_resolved`: the validated scenario (before sweep values), all durations in ms.

use super::ExperimentError;
use super::history_copy::{self, HistoryCopy};
use super::plan::{MAX_RUNS, Plan, count_runs};
use super::provenance::Build;
use super::shard::Shard;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path};

/// Name of the manifest file in every result folder.
pub const FILE: &str = "manifest.json";

/// Name of the exact copy of the scenario file in every result folder.
pub const SCENARIO_COPY: &str = "scenario.toml";

/// The manifest format this hmasim writes: raised whenever a field is
/// added, removed or changes meaning. Version 3 added the points' `variant`
/// and `start`, and `history_copies` (each there only when set).
pub const MANIFEST_VERSION: u32 = 3;

/// The oldest manifest format this hmasim reads: a version-2 manifest is
/// one of version 3 without variants.
pub const OLDEST_READ_VERSION: u32 = 2;

/// The scenario file a folder was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRef {
    /// Path as given on the command line.
    pub path: String,
    /// The exact copy of the file in the result folder ([`SCENARIO_COPY`]).
    pub copy: String,
    /// `simulation.name`.
    pub name: String,
}

/// One sweep point (or the only point of a plain run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointEntry {
    /// Index in grid order.
    pub point: usize,
    /// Subfolder holding the point's per-run files; `""` without a sweep.
    pub dir: String,
    /// One value per sweep key, as written (`30m`).
    pub values: Vec<String>,
    /// `simulation.name` (the `scenario` column of runs.csv).
    pub name: String,
    /// Seed of every run of the point.
    pub seed: u64,
    /// Replications configured for the point.
    pub replications: u32,
    /// Flag values run, false first.
    pub read_session: Vec<bool>,
    /// Horizon [ms] (for "per `<horizon>`" in summaries).
    pub horizon_ms: u64,
    /// `worker.failed_update_hold` [ms] (marked on charts).
    pub failed_update_hold_ms: u64,
    /// `simulation.start`, if set: the per-run files have wall-clock
    /// columns and the charts date their time axes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<crate::scenario::clock::WallClock>,
    /// `simulation.fast_forward`: left out when false, so exact-mode
    /// manifests stay as they were; shards must agree on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fast_forward: bool,
    /// Arguments after `hmasim` that re-run this point alone, run from the
    /// result folder (the scenario is its copy, [`SCENARIO_COPY`]); add
    /// `--replication R` to reproduce one row.
    pub rerun: Vec<String>,
    /// The `[[variant]]` this point runs (absent without variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<VariantEntry>,
}

/// The variant a point runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantEntry {
    /// Its name (`variant` column of its `runs.csv`).
    pub name: String,
    /// Its `set` entries as `key=value`, in file order.
    pub set: Vec<String>,
}

/// A shard's place in the whole plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// K of `--shard K/N`.
    pub index: u32,
    /// N of `--shard K/N`.
    pub count: u32,
    /// Runs in this shard.
    pub runs: usize,
}

impl ShardEntry {
    /// The shard as a [`Shard`].
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.index,
            count: self.count,
        }
    }
}

/// The manifest; `S` is the resolved scenario: `&Scenario` when writing after
/// a run, raw JSON when a merge copies it from a shard verbatim.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest<S> {
    /// [`MANIFEST_VERSION`] of the hmasim that wrote the folder.
    pub manifest_version: u32,
    /// The identity of the hmasim that wrote the folder.
    pub build: Build,
    /// Command-line arguments after the program name.
    pub command: Vec<String>,
    /// The scenario file.
    pub scenario: ScenarioRef,
    /// SHA-256 of the scenario file's bytes (lower-case hex).
    pub scenario_sha256: String,
    /// The folder's copies of the `[history]` files the points read
    /// (absent without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history_copies: Vec<HistoryCopy>,
    /// `--set key=value` overrides.
    pub set: Vec<String>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--replications`, if given.
    pub replications: Option<u32>,
    /// `--replication`, if given: only this replication ran.
    pub replication: Option<u32>,
    /// `--read-session`, if given (`false`, `true` or `both`).
    pub read_session: Option<String>,
    /// Varied keys, in grid order (empty: not a sweep).
    pub sweep_keys: Vec<String>,
    /// Where each varied key's values came from.
    pub sweep_sources: Vec<String>,
    /// Sweep points (exactly one without a sweep).
    pub points: Vec<PointEntry>,
    /// Distinct seeds, in point order.
    pub seeds: Vec<u64>,
    /// Runs in the whole plan (all shards).
    pub runs: usize,
    /// Whether events were traced (`events.csv`).
    pub trace: bool,
    /// The shard this folder holds, or `null` for a complete folder.
    pub shard: Option<ShardEntry>,
    /// The shard folders a merged folder was made from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Parameters that differ from the defaults: `[key, value]`.
    pub parameters: Vec<(String, String)>,
    /// The validated scenario before sweep values, durations in ms.
    pub scenario_resolved: S,
}

impl<S> Manifest<S> {
    /// Whether the folder holds a sweep (per-point subfolders).
    pub fn is_sweep(&self) -> bool {
        !self.sweep_keys.is_empty()
    }

    /// Whether the folder holds variants (one subfolder per variant).
    pub fn has_variants(&self) -> bool {
        self.points.iter().any(|p| p.variant.is_some())
    }

    /// Whether each point has its own subfolder (a sweep, or variants).
    pub fn has_point_folders(&self) -> bool {
        self.is_sweep() || self.has_variants()
    }
}

impl<'a> Manifest<&'a crate::scenario::Scenario> {
    /// The manifest of `plan` run with `command`, as `shard` (with `shard_runs` runs).
    pub fn of_plan(
        plan: &'a Plan,
        command: Vec<String>,
        total_runs: usize,
        shard: Option<(Shard, usize)>,
    ) -> Self {
        let points = plan.point_entries();
        let mut seeds: Vec<u64> = Vec::new();
        for p in &points {
            if !seeds.contains(&p.seed) {
                seeds.push(p.seed);
            }
        }
        let r = &plan.request;
        Manifest {
            manifest_version: MANIFEST_VERSION,
            build: Build::current(),
            command,
            scenario: ScenarioRef {
                path: r.scenario.display().to_string(),
                copy: SCENARIO_COPY.to_string(),
                name: plan.base.simulation.name.clone(),
            },
            scenario_sha256: super::hash::sha256_hex(plan.scenario_text.as_bytes()),
            history_copies: Vec::new(),
            set: plan.sets.iter().map(|o| o.to_arg()).collect(),
            seed: r.seed,
            replications: r.replications,
            replication: r.replication,
            read_session: r
                .read_session
                .map(|c| super::plan::read_session_arg(c).to_string()),
            sweep_keys: plan.dims.iter().map(|d| d.key.clone()).collect(),
            sweep_sources: plan.dims.iter().map(|d| d.source.clone()).collect(),
            points,
            seeds,
            runs: total_runs,
            trace: r.trace,
            shard: shard.map(|(s, runs)| ShardEntry {
                index: s.index,
                count: s.count,
                runs,
            }),
            merged_from: Vec::new(),
            parameters: plan.non_defaults.clone(),
            scenario_resolved: &plan.base,
        }
    }
}

impl<S: Serialize> Manifest<S> {
    /// The file's bytes: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        v.push(b'\n');
        v
    }
}

/// A manifest read back from a folder, its resolved scenario kept verbatim.
pub type StoredManifest = Manifest<Box<serde_json::value::RawValue>>;

/// Reads `DIR/manifest.json`.
pub fn read(dir: &Path) -> Result<StoredManifest, ExperimentError> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        ExperimentError::BadArgument(format!(
            "{}: {e} (is {} an hmasim result folder?)",
            path.display(),
            dir.display()
        ))
    })?;
    // The version first: a manifest of another format would fail below with
    // a message about some field, not about what is wrong.
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("manifest_version")
                .and_then(serde_json::Value::as_u64)
        });
    if !version.is_some_and(|v| (OLDEST_READ_VERSION.into()..=MANIFEST_VERSION.into()).contains(&v))
    {
        return Err(ExperimentError::BadArgument(format!(
            "{}: manifest version {}, this hmasim reads versions {OLDEST_READ_VERSION} to {MANIFEST_VERSION} ({}); \
             use the hmasim that wrote the folder, or re-run it with this one",
            path.display(),
            version.map_or_else(
                || "unknown (written by an older hmasim?)".into(),
                |v| v.to_string()
            ),
            Build::current()
        )));
    }
    let manifest: StoredManifest = serde_json::from_str(&text).map_err(|e| {
        ExperimentError::BadArgument(format!(
            "{}: not a manifest this hmasim can read: {e}",
            path.display()
        ))
    })?;
    check(&manifest).map_err(|e| {
        ExperimentError::BadArgument(format!("{}: {e} (damaged or edited?)", path.display()))
    })?;
    Ok(manifest)
}

/// Checks what the readers of a stored manifest rely on: points numbered
/// in order, point folders that stay inside the result folder (one per
/// point), one value per sweep key, flag values false before true, variants
/// on every point or none (each with one flag value, not with a sweep), and
/// a run count that matches the points (and fits [`MAX_RUNS`]).
fn check<S>(m: &Manifest<S>) -> Result<(), String> {
    if m.points.is_empty() {
        return Err("`points` is empty".into());
    }
    for (i, c) in m.history_copies.iter().enumerate() {
        history_copy::check_entry(c)?;
        if m.history_copies[..i].iter().any(|d| d.copy == c.copy) {
            return Err(format!("history copy {:?} is listed twice", c.copy));
        }
    }
    let folders = m.has_point_folders();
    let variants = m.has_variants();
    let mut dirs = std::collections::HashSet::new();
    for (i, p) in m.points.iter().enumerate() {
        if p.point != i {
            return Err(format!("point {i} is numbered {}", p.point));
        }
        let mut parts = Path::new(&p.dir).components();
        let dir_ok = matches!(
            (folders, parts.next(), parts.next()),
            (false, None, _) | (true, Some(Component::Normal(_)), None)
        );
        if !dir_ok {
            return Err(format!(
                "point {i}: folder {:?} is not {}",
                p.dir,
                if folders {
                    "one folder name inside the result folder"
                } else {
                    "\"\" (the result folder itself)"
                }
            ));
        }
        if folders && !dirs.insert(p.dir.as_str()) {
            return Err(format!("point {i}: folder {:?} is used twice", p.dir));
        }
        if variants && (p.variant.is_none() || m.is_sweep() || p.read_session.len() != 1) {
            return Err(format!(
                "point {i}: a folder of variants has one variant with one flag value per point, and no sweep"
            ));
        }
        if p.values.len() != m.sweep_keys.len() {
            return Err(format!(
                "point {i} has {} values for {} sweep keys",
                p.values.len(),
                m.sweep_keys.len()
            ));
        }
        if p.read_session.is_empty()
            || p.read_session.len() > 2
            || p.read_session.windows(2).any(|w| w != [false, true])
        {
            return Err(format!(
                "point {i}: read_session {:?} is not [false], [true] or [false, true]",
                p.read_session
            ));
        }
        if m.replication.is_some_and(|r| r >= p.replications) {
            return Err(format!(
                "replication {:?} is out of range for point {i} ({} replications)",
                m.replication, p.replications
            ));
        }
    }
    match count_runs(&m.points, m.replication) {
        Some(n) if n == m.runs && n <= MAX_RUNS => Ok(()),
        n => Err(format!(
            "`runs` is {} but the points make {}",
            m.runs,
            n.map_or_else(|| "too many".to_string(), |n| n.to_string())
        )),
    }
}
