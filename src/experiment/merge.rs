//! `hmasim merge`: shard folders back into one result folder.
//!
//! Each shard folder holds its runs' rows of every per-run file and, in
//! `shard_index.csv`, each run's index, integer metrics and block lengths
//! (see [`super::shard`]). The merge checks that the shards belong together
//! (same hmasim version, same scenario bytes, same plan, shards 0..N each
//! exactly once), cuts every file into per-run blocks, and hands the runs in
//! index order to the same folder writer a single-machine run uses: the
//! merged files are byte for byte those of an unsharded run. Only
//! `manifest.json` differs: it records the merge command and `merged_from`.

use super::ExperimentError;
use super::manifest::{self, StoredManifest};
use super::plan::{enumerate_runs, group_by_point};
use super::runner::{RunOutput, headers, per_run_files};
use super::shard::{self, IndexEntry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn merge_error(message: String) -> ExperimentError {
    ExperimentError::Merge(message)
}

/// The parts of a manifest that must agree between shards of one plan.
/// (`rerun` is left out: it names the scenario path, which may differ
/// between the machines that ran the shards.)
fn plan_key(m: &StoredManifest) -> String {
    let points: Vec<_> = m
        .points
        .iter()
        .map(|p| manifest::PointEntry {
            rerun: Vec::new(),
            ..p.clone()
        })
        .collect();
    serde_json::to_string(&(
        &m.set,
        m.seed,
        m.replications,
        m.replication,
        &m.read_session,
        &m.sweep_keys,
        &points,
        m.runs,
        m.trace,
    ))
    .expect("serialisable")
}

/// Reads and checks the shard folders `dirs`; returns the merged folder's
/// manifest (recording `command`) and every run's output in run order.
pub fn merge(
    dirs: &[PathBuf],
    command: Vec<String>,
) -> Result<(StoredManifest, Vec<RunOutput>), ExperimentError> {
    if dirs.is_empty() {
        return Err(merge_error("no shard folders given".into()));
    }
    let mut manifests = Vec::new();
    let mut shards = Vec::new();
    for d in dirs {
        let m = manifest::read(d)?;
        let Some(s) = m.shard else {
            return Err(merge_error(format!(
                "{} is a complete result folder, not a shard (its manifest has no shard)",
                d.display()
            )));
        };
        if s.count == 0 || s.index >= s.count {
            return Err(merge_error(format!(
                "{}: shard {{index: {}, count: {}}} is not a shard K/N with 0 <= K < N (damaged or edited?)",
                d.join(manifest::FILE).display(),
                s.index,
                s.count
            )));
        }
        manifests.push(m);
        shards.push(s.shard());
    }
    let first = &manifests[0];
    let version = env!("CARGO_PKG_VERSION");
    for (d, m) in dirs.iter().zip(&manifests) {
        if m.hmasim_version != version {
            return Err(merge_error(format!(
                "{} was written by hmasim {}, this is hmasim {version}; merge with the version that ran the shards",
                d.display(),
                m.hmasim_version
            )));
        }
        if m.scenario.hash != first.scenario.hash {
            return Err(merge_error(format!(
                "{} was run from a different scenario file ({} {}) than {} ({} {})",
                d.display(),
                m.scenario.path,
                m.scenario.hash,
                dirs[0].display(),
                first.scenario.path,
                first.scenario.hash
            )));
        }
        if plan_key(m) != plan_key(first) {
            return Err(merge_error(format!(
                "{} was run with other options (--set, --vary, --seed, --replications, --read-session or --trace) than {}",
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let count = shards[0].count;
    // Shard index -> its folder; a map, not a vector of `count` slots: the
    // count comes from a file.
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for (d, s) in dirs.iter().zip(&shards) {
        if s.count != count {
            return Err(merge_error(format!(
                "{} is shard {s} but {} is shard {}",
                d.display(),
                dirs[0].display(),
                shards[0]
            )));
        }
        if let Some(other) = seen.insert(s.index, d) {
            return Err(merge_error(format!(
                "shard {s} given twice: {} and {}",
                other.display(),
                d.display()
            )));
        }
    }
    if seen.len() < count as usize {
        // Name the first few missing shards; N may be large.
        const SHOWN: usize = 10;
        let missing = count as usize - seen.len();
        let mut names: Vec<String> = (0..count)
            .filter(|i| !seen.contains_key(i))
            .take(SHOWN)
            .map(|i| format!("{i}/{count}"))
            .collect();
        if missing > SHOWN {
            names.push(format!("and {} more", missing - SHOWN));
        }
        return Err(merge_error(format!(
            "missing shard(s) {}",
            names.join(", ")
        )));
    }

    let runs = enumerate_runs(&first.points, first.replication);
    let files = per_run_files(first.trace);
    let headers = headers(first.trace);
    let mut outputs: Vec<RunOutput> = Vec::with_capacity(runs.len());
    for ((d, m), s) in dirs.iter().zip(&manifests).zip(&shards) {
        let index_path = d.join(shard::INDEX_FILE);
        let text = std::fs::read_to_string(&index_path)
            .map_err(|e| merge_error(format!("{}: {e}", index_path.display())))?;
        let entries = shard::read_index(&text, files)
            .map_err(|e| merge_error(format!("{}: {e}", index_path.display())))?;
        let expected: Vec<_> = runs.iter().filter(|r| s.selects(r.index)).collect();
        let matches = entries.len() == expected.len()
            && entries
                .iter()
                .zip(&expected)
                .all(|(e, r)| e.row.index == r.index && e.row.point == r.point && e.row.id == r.id);
        if !matches {
            return Err(merge_error(format!(
                "{} does not list the runs of shard {s} of its manifest",
                index_path.display()
            )));
        }
        outputs.extend(read_blocks(d, m, &entries, files, &headers)?);
    }
    outputs.sort_by_key(|o| o.row.index);
    let mut merged = manifests.swap_remove(0);
    merged.command = command;
    merged.shard = None;
    merged.merged_from = dirs.iter().map(|d| d.display().to_string()).collect();
    Ok((merged, outputs))
}

/// Cuts one shard's per-run files into the blocks of its runs.
fn read_blocks(
    dir: &Path,
    m: &StoredManifest,
    entries: &[IndexEntry],
    files: &[&str],
    headers: &[Vec<u8>],
) -> Result<Vec<RunOutput>, ExperimentError> {
    let mut outputs: Vec<RunOutput> = entries
        .iter()
        .map(|e| RunOutput {
            row: e.row,
            blocks: vec![Vec::new(); files.len()],
        })
        .collect();
    let by_point = group_by_point(entries, m.points.len(), |e| e.row.point);
    for (p, of_point) in m.points.iter().zip(&by_point) {
        for (f, name) in files.iter().enumerate() {
            let path = dir.join(&p.dir).join(name);
            let bytes = std::fs::read(&path)
                .map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
            let damaged = || {
                merge_error(format!(
                    "{} does not match {} (damaged or edited?)",
                    path.display(),
                    shard::INDEX_FILE
                ))
            };
            let header = &headers[f];
            if !bytes.starts_with(header) {
                return Err(damaged());
            }
            let mut at = header.len();
            for &i in of_point {
                let end = at.checked_add(entries[i].lengths[f]).ok_or_else(damaged)?;
                let block = bytes.get(at..end).ok_or_else(damaged)?;
                // runs.csv rows are re-read for sweep.csv: they must parse.
                if f == 0
                    && csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_reader(block)
                        .records()
                        .any(|r| r.is_err())
                {
                    return Err(damaged());
                }
                outputs[i].blocks[f] = block.to_vec();
                at = end;
            }
            if at != bytes.len() {
                return Err(damaged());
            }
        }
    }
    Ok(outputs)
}
