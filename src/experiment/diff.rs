//! `hmasim diff A B`: what differs between two result folders, for
//! regression checks (did a new build, a changed parameter or another seed
//! change the runs?).
//!
//! Both folders are read through their manifests (which say where each
//! point's files are) and [`crate::output::read`], whose readers use the
//! record types of [`crate::output::table`]: a malformed file is an error
//! naming its file, line and column, never a panic or a half comparison.
//!
//! Runs are matched by (point, seed, replication, read_session). With
//! `[[variant]]` tables the point is the variant, named by its folder
//! (`variant-NAME/`), not by its index: a folder of all the variants and one
//! of `--variant NAME` share that variant's runs. Of every matched pair:
//!
//! - the `fingerprint`, exactly (two runs with one fingerprint processed the
//!   same event sequence);
//! - every metric column of `runs.csv` (the [`METRIC_COLUMNS`] and the
//!   columns after them, such as `events`), and the number of `windows.csv`
//!   rows of the run, in all and per cause: equal, or within the relative
//!   tolerance (see [`relative_difference`]).
//!
//! Runs that only one folder has are listed. The scenario name is not
//! compared (two copies of one scenario under two names run the same), and
//! neither are the other files: they are made from these rows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::ExperimentError;
use super::manifest::{self, StoredManifest};
use crate::metrics::{RunId, SpawnCause};
use crate::output::charts::fmt_value;
use crate::output::read::{self, ReadError};
use crate::output::table::{METRIC_COLUMNS, RunsCsv, columns, fixed};

/// The `runs.csv` column compared exactly, never with a tolerance.
const FINGERPRINT: &str = "fingerprint";

/// The column that names a run's variant, in folders that have one: part of
/// the key that matches runs.
const VARIANT: &str = "variant";

/// The `runs.csv` columns compared as numbers: every column from the first
/// metric on, but the fingerprint.
pub fn metric_columns() -> Vec<&'static str> {
    let all = columns::<RunsCsv>();
    let first = all
        .iter()
        .position(|c| *c == METRIC_COLUMNS[0])
        .unwrap_or(all.len());
    all[first..]
        .iter()
        .filter(|c| **c != FINGERPRINT)
        .copied()
        .collect()
}

/// How to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DiffOptions {
    /// Largest relative difference of a metric or a window count that
    /// still counts as equal ([`relative_difference`]); 0: exact.
    pub tolerance: f64,
}

/// Parses `--tolerance`: a number `>= 0` (`0.01`) or a percentage (`1%`).
pub fn parse_tolerance(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x / scale),
        _ => Err(format!(
            "expected a relative difference >= 0, such as 0.01 or 1% (found {text:?})"
        )),
    }
}

/// The relative difference of `a` and `b`: `|a - b| / max(|a|, |b|)`, the
/// same whichever folder comes first. Two zeros differ by 0; zero and any
/// other value by 1 (100%), so only a tolerance of 1 or more accepts a
/// value that became zero or stopped being zero.
pub fn relative_difference(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs());
    if a == b || scale == 0.0 {
        0.0
    } else {
        (a - b).abs() / scale
    }
}

/// Which run: what matches runs of the two folders.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    /// Sweep point (0 without a sweep, and for a variant).
    pub point: usize,
    /// The variant (its name, as in `runs.csv` and its folder), if any.
    pub variant: Option<String>,
    /// Seed, replication and flag value.
    pub id: RunId,
}

/// One run of a folder, as compared.
#[derive(Clone, Debug)]
struct Run {
    key: RunKey,
    fingerprint: u64,
    /// The text of each of [`metric_columns`], as in the file.
    metrics: Vec<String>,
    /// `windows.csv` rows per cause, in [`SpawnCause::ALL`] order.
    windows: [u64; SpawnCause::ALL.len()],
}

impl Side {
    /// The distinct seeds of its runs, in order of appearance.
    fn seeds(&self) -> Vec<u64> {
        let mut seeds = Vec::new();
        for r in &self.runs {
            if !seeds.contains(&r.key.id.seed) {
                seeds.push(r.key.id.seed);
            }
        }
        seeds
    }
}

/// A result folder read for comparison.
struct Side {
    dir: PathBuf,
    manifest: StoredManifest,
    /// In file order, point after point.
    runs: Vec<Run>,
    /// Whether a `runs.csv` of the folder has a `variant` column.
    variants: bool,
}

/// One value that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The run.
    pub run: RunKey,
    /// What: `fingerprint`, a `runs.csv` column, `windows.csv rows` or
    /// `windows.csv rows, cause C`.
    pub what: String,
    /// The value in A, as written (counts as integers).
    pub a: String,
    /// The value in B.
    pub b: String,
    /// For numbers: B − A, and the [`relative_difference`].
    pub change: Option<(String, f64)>,
}

/// What `hmasim diff` found.
#[derive(Clone, Debug)]
pub struct Diff {
    /// Folder A, as given.
    pub a: PathBuf,
    /// Folder B, as given.
    pub b: PathBuf,
    /// Runs in A.
    pub runs_a: usize,
    /// Runs in B.
    pub runs_b: usize,
    /// Runs in both.
    pub matched: usize,
    /// Matched runs with at least one difference.
    pub runs_differing: usize,
    /// Every difference beyond the tolerance, run by run in A's order.
    pub differences: Vec<Difference>,
    /// Values that differ, but within the tolerance.
    pub tolerated: usize,
    /// Runs only in A, in A's order.
    pub only_a: Vec<RunKey>,
    /// Runs only in B, in B's order.
    pub only_b: Vec<RunKey>,
    /// What is worth knowing but is not a difference of runs (another
    /// scenario name, other sweep values at a point).
    pub notes: Vec<String>,
    /// The options used.
    pub options: DiffOptions,
    show_point: bool,
    show_variant: bool,
    /// False when the runs were matched without their seeds.
    show_seed: bool,
}

/// `windows.csv rows` or `windows.csv rows, cause C`.
fn window_label(cause: Option<SpawnCause>) -> String {
    match cause {
        None => "windows.csv rows".to_string(),
        Some(c) => format!("windows.csv rows, cause {}", c.as_str()),
    }
}

/// Compares the result folders `a` and `b`.
pub fn diff(a: &Path, b: &Path, options: DiffOptions) -> Result<Diff, ExperimentError> {
    let metrics = metric_columns();
    let mut sa = read_side(a, &metrics)?;
    let mut sb = read_side(b, &metrics)?;
    let mut notes = Vec::new();
    // Two folders of one seed each, another in each: the same experiment
    // on another random history. Its runs pair by replication, so that the
    // report names what the seed changed rather than only listing runs.
    let (seeds_a, seeds_b) = (sa.seeds(), sb.seeds());
    let any_seed = seeds_a.len() == 1 && seeds_b.len() == 1 && seeds_a != seeds_b;
    if any_seed {
        let by = if sa.variants || sb.variants {
            "variant"
        } else {
            "point"
        };
        notes.push(format!(
            "A ran seed {} and B seed {}: runs are matched by {by}, replication and read_session",
            seeds_a[0], seeds_b[0]
        ));
        for r in sa.runs.iter_mut().chain(sb.runs.iter_mut()) {
            r.key.id.seed = 0;
        }
    }
    if sa.manifest.scenario.name != sb.manifest.scenario.name {
        notes.push(format!(
            "scenario names differ ({} in A, {} in B); not compared",
            sa.manifest.scenario.name, sb.manifest.scenario.name
        ));
    }
    notes.extend(sweep_notes(&sa.manifest, &sb.manifest));
    notes.extend(variant_notes(&sa.manifest, &sb.manifest));

    let in_b: HashMap<&RunKey, &Run> = sb.runs.iter().map(|r| (&r.key, r)).collect();
    let in_a: HashMap<&RunKey, &Run> = sa.runs.iter().map(|r| (&r.key, r)).collect();
    let mut found = Diff {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        runs_a: sa.runs.len(),
        runs_b: sb.runs.len(),
        matched: 0,
        runs_differing: 0,
        differences: Vec::new(),
        tolerated: 0,
        only_a: Vec::new(),
        only_b: Vec::new(),
        notes,
        options,
        // Variants are told apart by name, not by point.
        show_point: [&sa, &sb].iter().any(|s| {
            let points = &s.manifest.points;
            points
                .iter()
                .any(|p| p.variant.is_none() && (points.len() > 1 || !p.dir.is_empty()))
        }),
        show_variant: sa.variants || sb.variants,
        show_seed: !any_seed,
    };
    for ra in &sa.runs {
        let Some(rb) = in_b.get(&ra.key) else {
            found.only_a.push(ra.key.clone());
            continue;
        };
        found.matched += 1;
        let before = found.differences.len();
        compare_runs(ra, rb, &metrics, &mut found);
        if found.differences.len() > before {
            found.runs_differing += 1;
        }
    }
    found.only_b = sb
        .runs
        .iter()
        .filter(|r| !in_a.contains_key(&r.key))
        .map(|r| r.key.clone())
        .collect();
    Ok(found)
}

/// Adds the differences of one matched pair to `found`.
fn compare_runs(ra: &Run, rb: &Run, metrics: &[&str], found: &mut Diff) {
    if ra.fingerprint != rb.fingerprint {
        found.differences.push(Difference {
            run: ra.key.clone(),
            what: FINGERPRINT.to_string(),
            a: format!("{:016x}", ra.fingerprint),
            b: format!("{:016x}", rb.fingerprint),
            change: None,
        });
    }
    let tolerance = found.options.tolerance;
    let number = |what: String, a: &str, b: &str, found: &mut Diff| {
        let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) else {
            // Both were checked by the reader; text that still differs is
            // a difference.
            if a != b {
                found.differences.push(Difference {
                    run: ra.key.clone(),
                    what,
                    a: a.to_string(),
                    b: b.to_string(),
                    change: None,
                });
            }
            return;
        };
        if x == y {
            return;
        }
        let rel = relative_difference(x, y);
        if rel <= tolerance {
            found.tolerated += 1;
            return;
        }
        // Counts exactly; computed numbers with their three decimals.
        let delta = match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(i), Ok(j)) => {
                let d = i128::from(j) - i128::from(i);
                if d > 0 {
                    format!("+{d}")
                } else {
                    d.to_string()
                }
            }
            _ => {
                let d = fixed(y - x);
                if y > x { format!("+{d}") } else { d }
            }
        };
        found.differences.push(Difference {
            run: ra.key.clone(),
            what,
            a: a.to_string(),
            b: b.to_string(),
            change: Some((delta, rel)),
        });
    };
    for (i, m) in metrics.iter().enumerate() {
        number(m.to_string(), &ra.metrics[i], &rb.metrics[i], found);
    }
    let total = |r: &Run| r.windows.iter().sum::<u64>().to_string();
    number(window_label(None), &total(ra), &total(rb), found);
    for (i, cause) in SpawnCause::ALL.into_iter().enumerate() {
        let (x, y) = (ra.windows[i], rb.windows[i]);
        if x != y {
            number(
                window_label(Some(cause)),
                &x.to_string(),
                &y.to_string(),
                found,
            );
        }
    }
}

/// Notes on points whose sweep values differ between the folders.
fn sweep_notes(a: &StoredManifest, b: &StoredManifest) -> Vec<String> {
    let mut notes = Vec::new();
    if a.sweep_keys != b.sweep_keys {
        if a.is_sweep() || b.is_sweep() {
            notes.push(format!(
                "swept keys differ (A: {}; B: {}): runs are matched by point index",
                keys_text(&a.sweep_keys),
                keys_text(&b.sweep_keys)
            ));
        }
        return notes;
    }
    for (pa, pb) in a.points.iter().zip(&b.points) {
        if pa.values != pb.values {
            let show = |v: &[String]| {
                a.sweep_keys
                    .iter()
                    .zip(v)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            notes.push(format!(
                "point {}: {} in A, {} in B",
                pa.point,
                show(&pa.values),
                show(&pb.values)
            ));
        }
    }
    notes
}

/// Notes on variants of one name that set other values, and on a folder
/// with variants compared with one without.
fn variant_notes(a: &StoredManifest, b: &StoredManifest) -> Vec<String> {
    match (a.has_variants(), b.has_variants()) {
        (false, false) => return Vec::new(),
        (true, false) | (false, true) => {
            let (with, without) = if a.has_variants() {
                ("A", "B")
            } else {
                ("B", "A")
            };
            return vec![format!(
                "{with} has [[variant]] runs and {without} none: their runs cannot match"
            )];
        }
        (true, true) => {}
    }
    let mut notes = Vec::new();
    for va in a.points.iter().filter_map(|p| p.variant.as_ref()) {
        let Some(vb) = b
            .points
            .iter()
            .filter_map(|p| p.variant.as_ref())
            .find(|v| v.name == va.name)
        else {
            continue;
        };
        if va.set != vb.set {
            let show = |set: &[String]| {
                if set.is_empty() {
                    "nothing".to_string()
                } else {
                    set.join(" ")
                }
            };
            notes.push(format!(
                "variant {}: sets {} in A, {} in B",
                va.name,
                show(&va.set),
                show(&vb.set)
            ));
        }
    }
    notes
}

fn keys_text(keys: &[String]) -> String {
    if keys.is_empty() {
        "none, not a sweep".to_string()
    } else {
        keys.join(", ")
    }
}

/// An unreadable or malformed file: bad input.
fn bad(e: ReadError) -> ExperimentError {
    ExperimentError::BadArgument(e.to_string())
}

/// Reads the runs of the result folder `dir`: every point's `runs.csv` and
/// `windows.csv`.
fn read_side(dir: &Path, metrics: &[&str]) -> Result<Side, ExperimentError> {
    if !dir.is_dir() {
        return Err(ExperimentError::BadArgument(format!(
            "{}: no such folder; give a folder written by `hmasim run` or `hmasim merge`",
            dir.display()
        )));
    }
    if !dir.join(manifest::FILE).is_file() {
        return Err(ExperimentError::BadArgument(format!(
            "{} is not an hmasim result folder (no {}); give the folder `hmasim run` wrote, \
             not one of its point folders",
            dir.display(),
            manifest::FILE
        )));
    }
    let manifest = manifest::read(dir)?;
    let mut extra: Vec<&str> = metrics.to_vec();
    extra.push(VARIANT);
    let mut side = Side {
        dir: dir.to_path_buf(),
        manifest,
        runs: Vec::new(),
        variants: false,
    };
    let mut index: HashMap<RunKey, usize> = HashMap::new();
    // (point, seed, replication, flag) -> the runs with that key (several
    // only when variants share a folder).
    let mut by_id: HashMap<(usize, RunId), Vec<usize>> = HashMap::new();
    for p in &side.manifest.points {
        let folder = side.dir.join(&p.dir);
        let runs_path = folder.join("runs.csv");
        // A variant is matched by name: run alone (`--variant NAME`) it is
        // point 0 of its folder.
        let (point, named) = match &p.variant {
            Some(v) => (0, Some(v.name.clone())),
            None => (p.point, None),
        };
        let fixed: Vec<(&str, &str)> = named.iter().map(|n| (VARIANT, n.as_str())).collect();
        for (row, cells) in read::read_runs_with(&runs_path, &extra, &fixed).map_err(bad)? {
            let (values, variant) = cells.split_at(metrics.len());
            let variant = named.clone().or_else(|| variant[0].clone());
            side.variants |= variant.is_some();
            let key = RunKey {
                point,
                variant,
                id: row.id,
            };
            if index.contains_key(&key) {
                return Err(ExperimentError::BadArgument(format!(
                    "{}: lists the run {} twice (damaged or edited?)",
                    runs_path.display(),
                    describe(&key, true, true)
                )));
            }
            let at = side.runs.len();
            index.insert(key.clone(), at);
            by_id.entry((p.point, row.id)).or_default().push(at);
            side.runs.push(Run {
                key,
                fingerprint: row.fingerprint,
                // Every metric is a column of the record type: present.
                metrics: values
                    .iter()
                    .map(|v| v.clone().unwrap_or_default())
                    .collect(),
                windows: [0; SpawnCause::ALL.len()],
            });
        }
        let windows_path = folder.join("windows.csv");
        let mut stray: Option<RunKey> = None;
        read::for_each_window(&windows_path, &[VARIANT], |w, cells| {
            let variant = cells[0];
            let candidates = by_id.get(&(p.point, w.id)).map_or(&[][..], Vec::as_slice);
            let run = match variant {
                Some(v) => candidates
                    .iter()
                    .find(|&&i| side.runs[i].key.variant.as_deref() == Some(v)),
                None if candidates.len() == 1 => candidates.first(),
                None => None,
            };
            match run {
                Some(&i) => {
                    let cause = SpawnCause::ALL
                        .iter()
                        .position(|c| *c == w.window.cause)
                        .unwrap_or(0);
                    side.runs[i].windows[cause] += 1;
                }
                None => {
                    stray.get_or_insert(RunKey {
                        point,
                        variant: variant.map(str::to_string).or_else(|| named.clone()),
                        id: w.id,
                    });
                }
            }
        })
        .map_err(bad)?;
        if let Some(key) = stray {
            return Err(ExperimentError::BadArgument(format!(
                "{}: has windows of the run {}, which {} does not list (damaged or edited?)",
                windows_path.display(),
                describe(&key, true, true),
                runs_path.display()
            )));
        }
    }
    Ok(side)
}

/// `point 2, seed 1, replication 0, read_session false` (for messages).
fn describe(key: &RunKey, point: bool, variant: bool) -> String {
    let mut parts = Vec::new();
    if point && key.variant.is_none() {
        parts.push(format!("point {}", key.point));
    }
    if variant && let Some(v) = &key.variant {
        parts.push(format!("variant {v}"));
    }
    parts.push(format!(
        "seed {}, replication {}, read_session {}",
        key.id.seed, key.id.replication, key.id.read_session
    ));
    parts.join(", ")
}

/// Rows of cells as aligned text: columns left-aligned, two spaces apart,
/// no trailing blanks.
fn aligned(rows: &[Vec<String>]) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..width)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text
}

impl Diff {
    /// Whether no run differs beyond the tolerance and both folders have
    /// the same runs.
    pub fn identical(&self) -> bool {
        self.differences.is_empty() && self.only_a.is_empty() && self.only_b.is_empty()
    }

    /// Whether runs were matched with their seeds (false: each folder ran
    /// one seed, another in each, and the keys' seeds are 0).
    pub fn seeds_matched(&self) -> bool {
        self.show_seed
    }

    fn key_header(&self) -> Vec<String> {
        let mut h = Vec::new();
        if self.show_point {
            h.push("point".to_string());
        }
        if self.show_variant {
            h.push(VARIANT.to_string());
        }
        if self.show_seed {
            h.push("seed".to_string());
        }
        h.extend(["replication", "read_session"].map(String::from));
        h
    }

    fn key_cells(&self, k: &RunKey) -> Vec<String> {
        let mut cells = Vec::new();
        if self.show_point {
            cells.push(k.point.to_string());
        }
        if self.show_variant {
            cells.push(k.variant.clone().unwrap_or_default());
        }
        if self.show_seed {
            cells.push(k.id.seed.to_string());
        }
        cells.extend([k.id.replication.to_string(), k.id.read_session.to_string()]);
        cells
    }

    /// The report: notes, the table of differing values (one line per
    /// value: the run, what, A, B, B − A and the relative difference), the
    /// runs only in A and only in B, and a closing line.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for n in &self.notes {
            let _ = writeln!(text, "note: {n}");
        }
        if !self.differences.is_empty() {
            let mut rows = vec![self.key_header()];
            rows[0].extend(["what", "A", "B", "B - A", "relative"].map(String::from));
            for d in &self.differences {
                let mut row = self.key_cells(&d.run);
                row.extend([d.what.clone(), d.a.clone(), d.b.clone()]);
                if let Some((delta, rel)) = &d.change {
                    row.extend([delta.clone(), format!("{}%", fmt_value(rel * 100.0))]);
                }
                rows.push(row);
            }
            text.push_str(&aligned(&rows));
        }
        for (label, only) in [("A", &self.only_a), ("B", &self.only_b)] {
            if only.is_empty() {
                continue;
            }
            let _ = writeln!(
                text,
                "{} run{} only in {label}:",
                only.len(),
                if only.len() == 1 { "" } else { "s" }
            );
            let mut rows = vec![self.key_header()];
            rows.extend(only.iter().map(|k| self.key_cells(k)));
            for line in aligned(&rows).lines() {
                let _ = writeln!(text, "  {line}");
            }
        }
        text.push_str(&self.summary());
        text.push('\n');
        text
    }

    /// One line: identical, or how much differs.
    pub fn summary(&self) -> String {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let tolerance = if self.options.tolerance > 0.0 {
            format!(
                "; tolerance {}%: {} within it",
                fmt_value(self.options.tolerance * 100.0),
                plural(self.tolerated, "value")
            )
        } else {
            String::new()
        };
        if self.identical() {
            return format!(
                "identical: {} (fingerprints, {} metrics, window counts){tolerance}",
                plural(self.matched, "run"),
                metric_columns().len()
            );
        }
        let mut parts = vec![if self.differences.is_empty() {
            format!(
                "the {} matched {}",
                self.matched,
                if self.matched == 1 {
                    "run agrees"
                } else {
                    "runs agree"
                }
            )
        } else {
            format!(
                "{} in {} of {} matched runs",
                plural(self.differences.len(), "value"),
                self.runs_differing,
                self.matched
            )
        }];
        if !self.only_a.is_empty() {
            parts.push(format!("{} only in A", plural(self.only_a.len(), "run")));
        }
        if !self.only_b.is_empty() {
            parts.push(format!("{} only in B", plural(self.only_b.len(), "run")));
        }
        format!("differ: {}{tolerance}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_are_the_runs_columns_from_requests_on_but_the_fingerprint() {
        let m = metric_columns();
        assert_eq!(m[..METRIC_COLUMNS.len()], METRIC_COLUMNS);
        assert_eq!(m[METRIC_COLUMNS.len()..], ["events"]);
        assert!(columns::<RunsCsv>().contains(&FINGERPRINT));
    }

    #[test]
    fn relative_differences_are_symmetric_and_zero_is_a_whole_difference() {
        assert_eq!(relative_difference(100.0, 90.0), 0.1);
        assert_eq!(relative_difference(90.0, 100.0), 0.1);
        assert_eq!(relative_difference(0.0, 0.0), 0.0);
        assert_eq!(relative_difference(0.0, 0.001), 1.0);
        assert_eq!(relative_difference(5.0, 0.0), 1.0);
        assert_eq!(relative_difference(7.0, 7.0), 0.0);
    }

    #[test]
    fn tolerances_are_numbers_or_percentages() {
        assert_eq!(parse_tolerance("0.05"), Ok(0.05));
        assert_eq!(parse_tolerance("5%"), Ok(0.05));
        assert_eq!(parse_tolerance(" 0 "), Ok(0.0));
        for bad in ["-1", "x", "nan", "inf", "%", ""] {
            assert!(parse_tolerance(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tables_are_aligned_without_trailing_blanks() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string(), String::new()],
            vec!["ccc".to_string(), "d".to_string(), "e".to_string()],
        ];
        assert_eq!(aligned(&rows), "a    bb\nccc  d   e\n");
    }
}
