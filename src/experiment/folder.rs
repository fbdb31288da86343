//! The result folder: which files it holds and how it is written.
//!
//! Layout without a sweep (`--out DIR`, default `output/<simulation.name>/`):
//!
//! ```text
//! DIR/runs.csv windows.csv timeseries.csv timeline.csv rollovers.csv
//!     events.csv        (only with --trace)
//!     compare.csv       (when both flag values ran)
//!     manifest.json
//!     shard_index.csv   (only in a shard folder)
//!     *.png *.svg index.html   (charts and report, unless --no-charts)
//! ```
//!
//! With a sweep, the per-run files of point i go to `DIR/point-00i/` (with
//! that point's `compare.csv`), and `DIR` holds `sweep.csv`,
//! `sweep_summary.csv`, `manifest.json` and the charts.
//!
//! Writing is all or nothing: every file goes to a fresh staging folder
//! beside `DIR` (each through [`crate::output::atomic::write_file`]), and
//! the staging folder is renamed to `DIR` once complete. With `--force` an
//! existing result folder is replaced as a whole (renamed away, then
//! deleted), so no stale file of an earlier run survives; a folder that is
//! not a result folder (no `manifest.json`, not empty) is never replaced.

use super::ExperimentError;
use super::compare;
use super::manifest::{self, Manifest};
use super::plan::group_by_point;
use super::row::RunRow;
use super::runner::{RunOutput, per_run_files};
use super::shard::{self, IndexEntry};
use super::sweep_tables::{self, PointRows};
use crate::output::atomic;
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

/// Refuses an existing output folder unless `force`, and never replaces a
/// folder that is not an hmasim result folder. Called before any run, and
/// again just before writing.
pub fn check_output(out: &Path, force: bool) -> Result<(), ExperimentError> {
    let Ok(meta) = fs::symlink_metadata(out) else {
        return Ok(());
    };
    if !force {
        return Err(ExperimentError::OutputExists(out.to_path_buf()));
    }
    if !meta.is_dir() {
        return Err(ExperimentError::NotAResultFolder(out.to_path_buf()));
    }
    let empty = fs::read_dir(out)
        .map_err(|e| ExperimentError::io(out, e))?
        .next()
        .is_none();
    if !empty && !out.join(manifest::FILE).is_file() {
        return Err(ExperimentError::NotAResultFolder(out.to_path_buf()));
    }
    Ok(())
}

/// Every file of a result folder, as `(path relative to the folder, bytes)`,
/// for `outputs` in run order. `headers` are the per-run files' header lines.
pub fn contents<S: Serialize>(
    manifest: &Manifest<S>,
    outputs: &[RunOutput],
    headers: &[Vec<u8>],
) -> Vec<(PathBuf, Vec<u8>)> {
    let files = per_run_files(manifest.trace);
    let complete = manifest.shard.is_none();
    let mut out: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let by_point = group_by_point(outputs, manifest.points.len(), |o| o.row.point);
    let of_point = |point: usize| by_point[point].iter().map(|&i| &outputs[i]);
    for p in &manifest.points {
        let dir = PathBuf::from(&p.dir);
        let of_point: Vec<&RunOutput> = of_point(p.point).collect();
        for (i, name) in files.iter().enumerate() {
            let mut bytes = headers[i].clone();
            for o in &of_point {
                bytes.extend_from_slice(&o.blocks[i]);
            }
            out.push((dir.join(name), bytes));
        }
        if complete {
            let rows: Vec<RunRow> = of_point.iter().map(|o| o.row).collect();
            if let Some(bytes) = compare::compare_csv(&rows) {
                out.push((dir.join(compare::FILE), bytes));
            }
        }
    }
    if manifest.is_sweep() && complete {
        let values_of = |point: usize| manifest.points[point].values.as_slice();
        let runs: Vec<(usize, &[String], &[u8])> = outputs
            .iter()
            .map(|o| (o.row.point, values_of(o.row.point), o.blocks[0].as_slice()))
            .collect();
        out.push((
            PathBuf::from(sweep_tables::SWEEP_FILE),
            sweep_tables::sweep_csv(&manifest.sweep_keys, &headers[0], &runs),
        ));
        let points: Vec<PointRows<'_>> = manifest
            .points
            .iter()
            .map(|p| PointRows {
                point: p.point,
                values: &p.values,
                flags: &p.read_session,
                rows: of_point(p.point).map(|o| o.row).collect(),
            })
            .collect();
        out.push((
            PathBuf::from(sweep_tables::SUMMARY_FILE),
            sweep_tables::sweep_summary_csv(&manifest.sweep_keys, &points),
        ));
    }
    if manifest.shard.is_some() {
        let entries: Vec<IndexEntry> = outputs
            .iter()
            .map(|o| IndexEntry {
                row: o.row,
                lengths: o.blocks.iter().map(Vec::len).collect(),
            })
            .collect();
        out.push((
            PathBuf::from(shard::INDEX_FILE),
            shard::index_csv(&entries, files),
        ));
    }
    out.push((PathBuf::from(manifest::FILE), manifest.to_bytes()));
    out
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Writes `files` as the folder `out`, all or nothing (see the module doc).
pub fn commit(
    out: &Path,
    force: bool,
    files: &[(PathBuf, Vec<u8>)],
) -> Result<(), ExperimentError> {
    check_output(out, force)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| ExperimentError::io(parent, e))?;
    }
    let staging = sibling(out, "partial");
    let result = (|| {
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| ExperimentError::io(&staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| ExperimentError::io(&staging, e))?;
        for (rel, bytes) in files {
            let path = staging.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| ExperimentError::io(dir, e))?;
            }
            atomic::write_file(&path, bytes).map_err(|e| ExperimentError::io(out.join(rel), e))?;
        }
        if out.exists() {
            let old = sibling(out, "old");
            fs::rename(out, &old).map_err(|e| ExperimentError::io(out, e))?;
            if let Err(e) = fs::rename(&staging, out) {
                let _ = fs::rename(&old, out);
                return Err(ExperimentError::io(out, e));
            }
            fs::remove_dir_all(&old).map_err(|e| ExperimentError::io(&old, e))?;
        } else {
            fs::rename(&staging, out).map_err(|e| ExperimentError::io(out, e))?;
        }
        Ok(())
    })();
    if result.is_err() && staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}
