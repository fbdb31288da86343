//! `hmasim merge`: shard folders back into one result folder.
//!
//! Each shard folder holds its runs' rows of every per-run file and, in
//! `shard_index.csv`, each run's index, integer metrics and block lengths
//! (see [`super::shard`]). The merge checks that the shards belong together
//! (same hmasim build as the merging binary, same scenario bytes, same plan,
//! shards 0..N each exactly once) and that every file holds exactly the blocks its index
//! lists, all before anything is written. Then it reads the runs' blocks in
//! index order, one run at a time, and hands them to the same folder writer
//! a single-machine run uses: the merged files are byte for byte those of an
//! unsharded run, and memory holds one run's rows, not the shards' files.
//! Only `manifest.json` differs: it records the merge command and
//! `merged_from`.

use super::ExperimentError;
use super::hash::sha256_hex;
use super::history_copy::HistoryCopy;
use super::manifest::{self, StoredManifest};
use super::plan::{enumerate_runs, group_by_point};
use super::provenance::Build;
use super::runner::{Block, RunOutput, headers, per_run_files};
use super::shard::{self, IndexEntry};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
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

/// A checked set of shards, ready to be written as one folder.
pub struct Merged {
    /// The merged folder's manifest.
    pub manifest: StoredManifest,
    /// The scenario file's bytes (every shard's copy, checked against the
    /// manifests' SHA-256).
    pub scenario: Vec<u8>,
    /// The copies of the `[history]` files and their bytes (checked alike).
    pub history: Vec<(HistoryCopy, Vec<u8>)>,
    /// The runs, to be read in run order.
    pub runs: ShardRuns,
}

/// Checks the shard folders `dirs` (manifests, builds, scenario copies,
/// indexes and the size, header and runs.csv rows of every file); returns
/// the merged folder's manifest (recording `command`), the scenario and the
/// runs.
pub fn merge(dirs: &[PathBuf], command: Vec<String>) -> Result<Merged, ExperimentError> {
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
    let this = Build::current();
    for (d, m) in dirs.iter().zip(&manifests) {
        // Runs of two builds may differ: every shard must come from this
        // very binary (which also computes the merged summaries).
        if m.build != this {
            return Err(merge_error(format!(
                "{} was written by {}, this is {this}; run every shard and the merge with one hmasim binary",
                d.display(),
                m.build
            )));
        }
        if m.scenario_sha256 != first.scenario_sha256 {
            return Err(merge_error(format!(
                "{} was run from a different scenario file ({}, sha256 {}) than {} ({}, sha256 {})",
                d.display(),
                m.scenario.path,
                m.scenario_sha256,
                dirs[0].display(),
                first.scenario.path,
                first.scenario_sha256
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

    // Every shard's copy of the scenario must be the file its manifest names.
    let mut scenario = Vec::new();
    for d in dirs {
        let path = d.join(manifest::SCENARIO_COPY);
        let bytes =
            std::fs::read(&path).map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
        if sha256_hex(&bytes) != first.scenario_sha256 {
            return Err(merge_error(format!(
                "{} does not match the scenario_sha256 of its manifest (damaged or edited?)",
                path.display()
            )));
        }
        scenario = bytes;
    }
    // And so must its copies of the history files.
    let mut history = Vec::new();
    for (d, m) in dirs.iter().zip(&manifests) {
        if m.history_copies != first.history_copies {
            return Err(merge_error(format!(
                "{} was run with other [history] files than {}",
                d.display(),
                dirs[0].display()
            )));
        }
        history.clear();
        for c in &m.history_copies {
            let path = d.join(&c.copy);
            let bytes = std::fs::read(&path)
                .map_err(|e| merge_error(format!("{}: {e}", path.display())))?;
            if sha256_hex(&bytes) != c.sha256 {
                return Err(merge_error(format!(
                    "{} does not match the sha256 of its manifest's history_copies (damaged or edited?)",
                    path.display()
                )));
            }
            history.push((c.clone(), bytes));
        }
    }

    let runs = enumerate_runs(&first.points, first.replication);
    let files = per_run_files(first.trace);
    // Per point: a sweep may vary simulation.start (wall-clock columns).
    let headers = first
        .points
        .iter()
        .map(|p| headers(first.trace, first.has_variants(), p.start.as_ref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| merge_error(e.to_string()))?;
    let mut readers: Vec<ShardReader> = Vec::with_capacity(dirs.len());
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
        check_files(d, m, &entries, files, &headers)?;
        readers.push(ShardReader {
            dir: d.clone(),
            point_dirs: m.points.iter().map(|p| p.dir.clone()).collect(),
            entries,
            next: 0,
            open: None,
        });
    }
    // Shard index -> position in `readers`.
    let position: BTreeMap<u32, usize> = shards
        .iter()
        .enumerate()
        .map(|(i, s)| (s.index, i))
        .collect();
    let order = runs
        .iter()
        .map(|r| position[&((r.index % count as usize) as u32)])
        .collect();
    let mut merged = manifests.swap_remove(0);
    merged.command = command;
    merged.shard = None;
    merged.merged_from = dirs.iter().map(|d| d.display().to_string()).collect();
    let runs = ShardRuns {
        readers,
        order,
        files,
        headers,
    };
    Ok(Merged {
        manifest: merged,
        scenario,
        history,
        runs,
    })
}

fn damaged(path: &Path) -> ExperimentError {
    merge_error(format!(
        "{} does not match {} (damaged or edited?)",
        path.display(),
        shard::INDEX_FILE
    ))
}

/// Checks one shard's per-run files against its index before anything is
/// written: every file has the right header and exactly the bytes the index
/// lists; each run's runs.csv row is the one its index entry gives (the
/// summaries and `sweep.csv` are made from the index).
fn check_files(
    dir: &Path,
    m: &StoredManifest,
    entries: &[IndexEntry],
    files: &[&str],
    headers: &[Vec<Vec<u8>>],
) -> Result<(), ExperimentError> {
    let by_point = group_by_point(entries, m.points.len(), |e| e.row.point);
    for (p, of_point) in m.points.iter().zip(&by_point) {
        for (f, name) in files.iter().enumerate() {
            let path = dir.join(&p.dir).join(name);
            let io_error = |e: std::io::Error| merge_error(format!("{}: {e}", path.display()));
            let len = std::fs::metadata(&path).map_err(io_error)?.len();
            let header = &headers[p.point][f];
            let expected = of_point
                .iter()
                .try_fold(header.len() as u64, |at, &i| {
                    at.checked_add(entries[i].lengths[f] as u64)
                })
                .ok_or_else(|| damaged(&path))?;
            if len != expected {
                return Err(damaged(&path));
            }
            let mut reader = BufReader::new(File::open(&path).map_err(io_error)?);
            let mut read = |n: usize| -> Result<Vec<u8>, ExperimentError> {
                let mut bytes = vec![0; n];
                reader.read_exact(&mut bytes).map_err(|e| match e.kind() {
                    ErrorKind::UnexpectedEof => damaged(&path),
                    _ => io_error(e),
                })?;
                Ok(bytes)
            };
            if read(header.len())? != *header {
                return Err(damaged(&path));
            }
            if f == 0 {
                for &i in of_point {
                    let variant = p.variant.as_ref().map(|v| v.name.as_str());
                    let expected = entries[i]
                        .row
                        .runs_line(&p.name, variant)
                        .map_err(io_error)?;
                    if read(entries[i].lengths[f])? != expected {
                        return Err(damaged(&path));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The runs of checked shard folders, read back one at a time in run order.
pub struct ShardRuns {
    /// One per shard folder, in the order given.
    readers: Vec<ShardReader>,
    /// For each run in run order, the reader holding it.
    order: Vec<usize>,
    files: &'static [&'static str],
    /// Per point, the header of each file.
    headers: Vec<Vec<Vec<u8>>>,
}

impl ShardRuns {
    /// Hands every run's output to `sink` in run order, reading each run's
    /// blocks only when its turn comes.
    pub fn for_each(
        mut self,
        mut sink: impl FnMut(RunOutput) -> Result<(), ExperimentError>,
    ) -> Result<(), ExperimentError> {
        for &r in &self.order {
            let output = self.readers[r].next_output(self.files, &self.headers);
            sink(output)?;
        }
        Ok(())
    }
}

/// One shard folder, read run after run.
struct ShardReader {
    dir: PathBuf,
    /// Each point's subfolder.
    point_dirs: Vec<String>,
    entries: Vec<IndexEntry>,
    /// The next entry to read.
    next: usize,
    /// The point being read and one reader per per-run file.
    open: Option<(usize, Vec<BlockReader>)>,
}

impl ShardReader {
    /// The next run's blocks: ranges of the shard's files (checked against
    /// the index before the merge started), which the writer copies
    /// straight from the shard: a run's rows are never all in memory.
    fn next_output(&mut self, files: &[&str], headers: &[Vec<Vec<u8>>]) -> RunOutput {
        let entry = &self.entries[self.next];
        self.next += 1;
        let point = entry.row.point;
        if self.open.as_ref().is_none_or(|(p, _)| *p != point) {
            let dir = self.dir.join(&self.point_dirs[point]);
            let readers = files
                .iter()
                .zip(&headers[point])
                .map(|(name, header)| BlockReader {
                    path: dir.join(name),
                    offset: header.len() as u64,
                })
                .collect();
            self.open = Some((point, readers));
        }
        let readers = match &mut self.open {
            Some((_, readers)) => readers,
            None => unreachable!("opened above"),
        };
        let blocks = readers
            .iter_mut()
            .zip(&entry.lengths)
            .map(|(reader, &len)| reader.range(len))
            .collect();
        RunOutput {
            row: entry.row,
            blocks,
            spill: None,
            fast_forwarded_ms: 0,
        }
    }
}

/// The consecutive blocks of one file.
struct BlockReader {
    path: PathBuf,
    /// Where the next block starts.
    offset: u64,
}

impl BlockReader {
    /// The next block as a range of the file.
    fn range(&mut self, len: usize) -> Block {
        let block = Block::File {
            path: self.path.clone(),
            offset: self.offset,
            len: len as u64,
        };
        self.offset += len as u64;
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_consecutive_ranges_after_the_header() {
        let mut reader = BlockReader {
            path: PathBuf::from("f.csv"),
            offset: 7,
        };
        let ranges: Vec<(u64, u64)> = [3, 4, 0, 1]
            .iter()
            .map(|&n| match reader.range(n) {
                Block::File { offset, len, .. } => (offset, len),
                Block::Bytes(_) => unreachable!(),
            })
            .collect();
        assert_eq!(ranges, [(7, 3), (10, 4), (14, 0), (14, 1)]);
    }
}
