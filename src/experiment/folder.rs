//! The result folder: which files it holds and how it is written.
//!
//! Layout without a sweep (`--out DIR`, default `output/<simulation.name>/`):
//!
//! ```text
//! DIR/runs.csv windows.csv timeseries.csv timeline.csv rollovers.csv
//!     events.csv        (only with --trace)
//!     compare.csv compare_summary.csv   (when both flag values ran)
//!     manifest.json
//!     scenario.toml     (the exact bytes of the scenario file run)
//!     history/          (copies of its [history] CSV files, if any)
//!     shard_index.csv   (only in a shard folder)
//!     *.png *.svg index.html   (charts and report, unless --no-charts)
//! ```
//!
//! With a sweep, the per-run files of point i go to `DIR/point-00i/` (with
//! that point's `compare.csv` and `compare_summary.csv`), and `DIR` holds
//! `sweep.csv`, `sweep_summary.csv`, `sweep_summary_long.csv`,
//! `manifest.json`, `scenario.toml` and the charts. With `[[variant]]`
//! tables, the per-run files of variant NAME go to `DIR/variant-NAME/`,
//! and `DIR` holds `variants.csv`, `manifest.json`, `scenario.toml` and
//! the charts.
//!
//! Writing is all or nothing: every file goes to a fresh staging folder
//! beside `DIR` ([`Staging`]), `.DIR.partial-PID`, and the staging folder is
//! renamed to `DIR` once complete; on an error (or SIGINT/SIGTERM) it is
//! removed. A process killed outright cannot remove it: a marker file in it
//! names the host and process, and the next run into the same parent folder
//! removes staging folders whose process no longer runs on this host
//! ([`remove_stale_staging`]); folders of live processes, of other hosts (a
//! shared file system) or without a marker are left alone. With `--force` an existing
//! result folder is replaced as a whole (renamed away, then deleted), so no
//! stale file of an earlier run survives; a folder that is not a result
//! folder (no `manifest.json`, not empty) is never replaced.
//!
//! The per-run files are streamed ([`FolderWriter`]): the staging folder is
//! created before the first run; each run streams its rows into its own
//! files under the staging folder's `.runs/` while it runs
//! ([`super::spill`]); they are appended (copied) to the result files as
//! soon as the run and the runs before it have finished, then removed; only
//! the runs' [`RunRow`]s are kept for the summaries written at the end.
//! Memory does not grow with the number of runs or the length of a run's
//! CSVs.

use super::ExperimentError;
use super::compare;
use super::history_copy::HistoryCopy;
use super::manifest::{self, Manifest};
use super::plan::group_by_point;
use super::row::RunRow;
use super::runner::{Block, RunOutput, headers, per_run_files};
use super::shard::{self, IndexEntry};
use super::sweep_tables::{self, PointRows};
use super::variant_tables::{self, VariantRows};
use crate::output::atomic;
use serde::Serialize;
use std::fs;
use std::io::{BufWriter, Write};
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

/// The folder, inside the staging folder, where runs stream their rows
/// ([`super::spill`]); removed before the commit.
const SPILL_DIR: &str = ".runs";

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// The file in a staging folder naming who is writing it (see
/// [`remove_stale_staging`]); removed just before the commit.
const OWNER_FILE: &str = ".hmasim-staging";

/// This host's name and boot (a process id means nothing on another host
/// or after a reboot).
fn host_identity() -> (String, String) {
    let boot = fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    (hostname(), boot)
}

#[cfg(unix)]
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if ok {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    }
}

#[cfg(not(unix))]
fn hostname() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

/// Whether process `pid` exists on this host.
#[cfg(unix)]
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let r = unsafe { libc::kill(pid, 0) };
    // EPERM: it exists but belongs to someone else.
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_exists(_pid: u32) -> bool {
    // Cannot tell: never remove.
    true
}

/// A staging folder removed because the process that made it is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleStaging {
    /// The folder removed.
    pub dir: PathBuf,
    /// The process that had made it.
    pub pid: u32,
}

/// Removes the staging folders (`.NAME.partial-PID`) in `parent` left by
/// processes that no longer run: same host and boot as ours (from the
/// owner file in them) and no process PID, or an earlier boot. Returns
/// what it removed; folders it cannot judge are left alone.
pub fn remove_stale_staging(parent: &Path) -> Vec<StaleStaging> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let (host, boot) = host_identity();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once(".partial-"))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        let Ok(owner) = fs::read_to_string(dir.join(OWNER_FILE)) else {
            continue;
        };
        let field = |key: &str| {
            owner
                .lines()
                .find_map(|l| l.strip_prefix(key).map(str::trim).map(str::to_string))
        };
        let same_host = field("host ").as_deref() == Some(host.as_str()) && !host.is_empty();
        let same_pid = field("pid ").and_then(|p| p.parse::<u32>().ok()) == Some(pid);
        let other_boot = !boot.is_empty() && field("boot ").is_some_and(|b| b != boot);
        let gone = other_boot || !process_exists(pid);
        if same_host
            && same_pid
            && gone
            && pid != std::process::id()
            && fs::remove_dir_all(&dir).is_ok()
        {
            removed.push(StaleStaging { dir, pid });
        }
    }
    removed
}

/// The staging folder of a result folder being written (see the module
/// doc): files are written into it, [`Staging::commit`] renames it to the
/// result folder. Dropped without a commit (an error, a panic), it is
/// removed, with the parent folders it created.
#[derive(Debug)]
pub struct Staging {
    /// The result folder.
    out: PathBuf,
    force: bool,
    /// The staging folder beside `out`.
    dir: PathBuf,
    /// Parent folders of `out` created for it, deepest first.
    created: Vec<PathBuf>,
    committed: bool,
    /// Stale staging folders of dead processes removed on the way.
    stale: Vec<StaleStaging>,
}

impl Staging {
    /// Checks `out` (see [`check_output`]) and creates a fresh staging folder beside it.
    pub fn create(out: &Path, force: bool) -> Result<Staging, ExperimentError> {
        check_output(out, force)?;
        // Filled in as things are created, so that dropping it on an error
        // removes what was made so far.
        let mut staging = Staging {
            out: out.to_path_buf(),
            force,
            dir: PathBuf::new(),
            created: Vec::new(),
            committed: false,
            stale: Vec::new(),
        };
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            let mut missing = Some(parent);
            while let Some(p) = missing.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
                staging.created.push(p.to_path_buf());
                missing = p.parent();
            }
            fs::create_dir_all(parent).map_err(|e| ExperimentError::io(parent, e))?;
        }
        let dir = sibling(out, "partial");
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        staging.stale = remove_stale_staging(parent);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| ExperimentError::io(&dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| ExperimentError::io(&dir, e))?;
        staging.dir = dir;
        let (host, boot) = host_identity();
        let owner = format!(
            "hmasim staging folder: removed by the next run into this folder once its process is gone\nhost {host}\npid {}\nboot {boot}\n",
            std::process::id()
        );
        let owner_file = staging.dir.join(OWNER_FILE);
        fs::write(&owner_file, owner).map_err(|e| ExperimentError::io(&owner_file, e))?;
        Ok(staging)
    }

    /// Stale staging folders (of processes that no longer run) removed
    /// when this one was created.
    pub fn removed_stale(&self) -> &[StaleStaging] {
        &self.stale
    }

    /// Where `rel` will be once committed (named in errors).
    fn shown(&self, rel: &Path) -> PathBuf {
        self.out.join(rel)
    }

    fn create_parent(&self, rel: &Path) -> Result<PathBuf, ExperimentError> {
        let path = self.dir.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| ExperimentError::io(dir, e))?;
        }
        Ok(path)
    }

    /// The folder under the staging folder where runs stream their rows.
    fn spill_dir(&self) -> PathBuf {
        self.dir.join(SPILL_DIR)
    }

    /// Writes the file `rel` (relative to the result folder) whole.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), ExperimentError> {
        let path = self.create_parent(rel)?;
        atomic::write_file(&path, bytes).map_err(|e| ExperimentError::io(self.shown(rel), e))
    }

    /// Creates the file `rel` starting with `header`, to append to.
    fn append(&self, rel: &Path, header: &[u8]) -> Result<AppendFile, ExperimentError> {
        let path = self.create_parent(rel)?;
        let shown = self.shown(rel);
        let file = fs::File::create(&path).map_err(|e| ExperimentError::io(&shown, e))?;
        let mut file = AppendFile {
            file: BufWriter::with_capacity(1 << 16, file),
            shown,
        };
        file.write(header)?;
        Ok(file)
    }

    /// Renames the staging folder to the result folder, replacing an old
    /// result folder with `force` (checked again: it may have appeared
    /// while the runs ran).
    pub fn commit(mut self) -> Result<(), ExperimentError> {
        check_output(&self.out, self.force)?;
        let owner_file = self.dir.join(OWNER_FILE);
        fs::remove_file(&owner_file).map_err(|e| ExperimentError::io(&owner_file, e))?;
        let (out, staging) = (&self.out, &self.dir);
        if out.exists() {
            let old = sibling(out, "old");
            fs::rename(out, &old).map_err(|e| ExperimentError::io(out, e))?;
            if let Err(e) = fs::rename(staging, out) {
                let _ = fs::rename(&old, out);
                return Err(ExperimentError::io(out, e));
            }
            self.committed = true;
            fs::remove_dir_all(&old).map_err(|e| ExperimentError::io(&old, e))?;
        } else {
            fs::rename(staging, out).map_err(|e| ExperimentError::io(out, e))?;
            self.committed = true;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        if !self.dir.as_os_str().is_empty() && self.dir.exists() {
            let _ = fs::remove_dir_all(&self.dir);
        }
        for dir in &self.created {
            // Only if empty: something else may have been put there meanwhile.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// A file of the staging folder written a block at a time.
struct AppendFile {
    file: BufWriter<fs::File>,
    /// Its path in the result folder (for errors).
    shown: PathBuf,
}

impl AppendFile {
    fn write(&mut self, bytes: &[u8]) -> Result<(), ExperimentError> {
        self.file
            .write_all(bytes)
            .map_err(|e| ExperimentError::io(&self.shown, e))
    }

    /// Appends a run's block (copying a file block in small pieces).
    fn append(&mut self, block: &Block) -> Result<(), ExperimentError> {
        block.copy_to(&mut self.file).map_err(|e| match block {
            // A read error names the file read, a write error the file written.
            Block::File { path, .. } if e.kind() != std::io::ErrorKind::StorageFull => {
                ExperimentError::io(path, e)
            }
            _ => ExperimentError::io(&self.shown, e),
        })
    }

    /// Flushes the file to disk (as [`atomic::write_file`] does).
    fn close(self) -> Result<(), ExperimentError> {
        let shown = self.shown;
        let file = self
            .file
            .into_inner()
            .map_err(|e| ExperimentError::io(&shown, e.into_error()))?;
        file.sync_all().map_err(|e| ExperimentError::io(&shown, e))
    }
}

/// A summary file of one point, from its runs' rows (`None`: not written).
type PointTable = fn(&[RunRow]) -> std::io::Result<Option<Vec<u8>>>;

/// A summary file of a sweep, from its keys and points.
type SweepTable = fn(&[String], &[PointRows<'_>]) -> std::io::Result<Vec<u8>>;

/// The point whose per-run files are being written.
struct OpenPoint {
    /// Position in the manifest's points.
    position: usize,
    /// One file per [`per_run_files`].
    files: Vec<AppendFile>,
    /// Where the point's rows start in [`FolderWriter::rows`].
    first_row: usize,
}

/// Writes a result folder from the runs' outputs, given one at a time in
/// run order: each run's rows are appended to the per-run files of its
/// point (and to `sweep.csv`) at once, so only the runs' [`RunRow`]s stay in
/// memory; the summaries (`compare.csv`, `compare_summary.csv`,
/// `sweep_summary.csv`, `sweep_summary_long.csv`, `variants.csv`,
/// `shard_index.csv`) and `manifest.json` are written from them by
/// [`FolderWriter::finish`], which then commits the folder. The bytes are
/// those of every file written at once: headers, then the runs' blocks in
/// run order. Dropped before `finish` (an error), it leaves nothing behind.
///
/// Runs come point after point (the plan's run order), so the files of one
/// point only are open at a time.
pub struct FolderWriter<'m, S> {
    manifest: &'m Manifest<S>,
    staging: Staging,
    files: &'static [&'static str],
    /// No shard: compare and sweep summaries are written.
    complete: bool,
    open: Option<OpenPoint>,
    /// Position in the manifest's points of the next point to open.
    next_point: usize,
    /// Every run's row so far, in run order.
    rows: Vec<RunRow>,
    /// For a shard: every run's block length in each per-run file.
    lengths: Vec<Vec<usize>>,
    /// `sweep.csv`, for a complete sweep.
    sweep: Option<AppendFile>,
}

impl<'m, S: Serialize> FolderWriter<'m, S> {
    /// Starts writing the folder `out` described by `manifest` (see
    /// [`Staging::create`]); `scenario` is the scenario file's bytes, kept
    /// as [`manifest::SCENARIO_COPY`], and `history` the `[history]` files'
    /// copies and bytes ([`super::history_copy`]).
    pub fn create(
        out: &Path,
        force: bool,
        manifest: &'m Manifest<S>,
        scenario: &[u8],
        history: &[(HistoryCopy, Vec<u8>)],
    ) -> Result<Self, ExperimentError> {
        let staging = Staging::create(out, force)?;
        staging.write(Path::new(manifest::SCENARIO_COPY), scenario)?;
        for (c, bytes) in history {
            staging.write(Path::new(&c.copy), bytes)?;
        }
        let spill = staging.spill_dir();
        fs::create_dir(&spill).map_err(|e| ExperimentError::io(&spill, e))?;
        let complete = manifest.shard.is_none();
        let sweep = if manifest.is_sweep() && complete {
            let rel = Path::new(sweep_tables::SWEEP_FILE);
            let header = sweep_tables::sweep_header(&manifest.sweep_keys)
                .map_err(|e| ExperimentError::io(staging.shown(rel), e))?;
            Some(staging.append(rel, &header)?)
        } else {
            None
        };
        Ok(FolderWriter {
            manifest,
            staging,
            files: per_run_files(manifest.trace),
            complete,
            open: None,
            next_point: 0,
            rows: Vec::new(),
            lengths: Vec::new(),
            sweep,
        })
    }

    /// Stale staging folders removed when the staging folder was created
    /// (see [`remove_stale_staging`]).
    pub fn removed_stale(&self) -> &[StaleStaging] {
        self.staging.removed_stale()
    }

    /// Where runs stream their rows before [`FolderWriter::push`] appends
    /// them (a folder inside the staging folder, removed with it).
    pub fn spill_dir(&self) -> PathBuf {
        self.staging.spill_dir()
    }

    /// Appends the next run's output (runs must come in run order) and
    /// removes its spill folder.
    pub fn push(&mut self, output: RunOutput) -> Result<(), ExperimentError> {
        let point = output.row.point;
        while self
            .open
            .as_ref()
            .is_none_or(|o| self.manifest.points[o.position].point != point)
        {
            self.close_point()?;
            assert!(
                self.next_point < self.manifest.points.len(),
                "run {} of point {point} came after that point's files were closed (runs must come in run order)",
                output.row.index
            );
            self.open_next_point()?;
        }
        let open = self.open.as_mut().expect("opened above");
        assert_eq!(output.blocks.len(), open.files.len(), "one block per file");
        for (file, block) in open.files.iter_mut().zip(&output.blocks) {
            file.append(block)?;
        }
        if let Some(file) = &mut self.sweep {
            // From the run's numbers, as its runs.csv row was: no
            // formatted bytes are parsed back.
            let p = &self.manifest.points[open.position];
            let row = sweep_tables::sweep_row(point, &p.values, &p.name, &output.row)
                .map_err(|e| ExperimentError::io(&file.shown, e))?;
            file.write(&row)?;
        }
        if !self.complete {
            self.lengths
                .push(output.blocks.iter().map(|b| b.len() as usize).collect());
        }
        if let Some(dir) = &output.spill {
            fs::remove_dir_all(dir).map_err(|e| ExperimentError::io(dir, e))?;
        }
        self.rows.push(output.row);
        Ok(())
    }

    fn open_next_point(&mut self) -> Result<(), ExperimentError> {
        let position = self.next_point;
        let point = &self.manifest.points[position];
        let dir = PathBuf::from(&point.dir);
        // Each point's own: a sweep may vary simulation.start.
        let headers = headers(
            self.manifest.trace,
            self.manifest.has_variants(),
            point.start.as_ref(),
        )
        .map_err(|e| ExperimentError::io(self.staging.shown(&dir), e))?;
        let files = self
            .files
            .iter()
            .zip(&headers)
            .map(|(name, header)| self.staging.append(&dir.join(name), header))
            .collect::<Result<Vec<_>, _>>()?;
        self.open = Some(OpenPoint {
            position,
            files,
            first_row: self.rows.len(),
        });
        self.next_point += 1;
        Ok(())
    }

    /// Closes the open point's files and writes its `compare.csv` and
    /// `compare_summary.csv`.
    fn close_point(&mut self) -> Result<(), ExperimentError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        for file in open.files {
            file.close()?;
        }
        if self.complete {
            let dir = PathBuf::from(&self.manifest.points[open.position].dir);
            let rows = &self.rows[open.first_row..];
            let tables: [(&str, PointTable); 2] = [
                (compare::FILE, compare::compare_csv),
                (compare::SUMMARY_FILE, compare::compare_summary_csv),
            ];
            for (name, table) in tables {
                let rel = dir.join(name);
                let bytes =
                    table(rows).map_err(|e| ExperimentError::io(self.staging.shown(&rel), e))?;
                if let Some(bytes) = bytes {
                    self.staging.write(&rel, &bytes)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the rest of the folder (the files of points without runs, the
    /// summaries, `manifest.json`), commits it and returns every run's row
    /// in run order.
    pub fn finish(mut self) -> Result<Vec<RunRow>, ExperimentError> {
        self.close_point()?;
        while self.next_point < self.manifest.points.len() {
            self.open_next_point()?;
            self.close_point()?;
        }
        let manifest = self.manifest;
        if let Some(file) = self.sweep.take() {
            file.close()?;
            let by_point = group_by_point(&self.rows, manifest.points.len(), |r| r.point);
            let points: Vec<PointRows<'_>> = manifest
                .points
                .iter()
                .map(|p| PointRows {
                    point: p.point,
                    values: &p.values,
                    flags: &p.read_session,
                    rows: by_point[p.point].iter().map(|&i| self.rows[i]).collect(),
                })
                .collect();
            let tables: [(&str, SweepTable); 2] = [
                (sweep_tables::SUMMARY_FILE, sweep_tables::sweep_summary_csv),
                (
                    sweep_tables::LONG_SUMMARY_FILE,
                    sweep_tables::sweep_summary_long_csv,
                ),
            ];
            for (name, table) in tables {
                let rel = Path::new(name);
                let bytes = table(&manifest.sweep_keys, &points)
                    .map_err(|e| ExperimentError::io(self.staging.shown(rel), e))?;
                self.staging.write(rel, &bytes)?;
            }
        }
        if self.complete && manifest.has_variants() {
            let rel = Path::new(variant_tables::FILE);
            let bytes = variant_tables::variants_csv(&variant_rows(manifest, &self.rows))
                .map_err(|e| ExperimentError::io(self.staging.shown(rel), e))?;
            self.staging.write(rel, &bytes)?;
        }
        if !self.complete {
            let entries: Vec<IndexEntry> = self
                .rows
                .iter()
                .zip(std::mem::take(&mut self.lengths))
                .map(|(&row, lengths)| IndexEntry { row, lengths })
                .collect();
            self.staging.write(
                Path::new(shard::INDEX_FILE),
                &shard::index_csv(&entries, self.files),
            )?;
        }
        self.staging
            .write(Path::new(manifest::FILE), &manifest.to_bytes())?;
        let spill = self.staging.spill_dir();
        fs::remove_dir_all(&spill).map_err(|e| ExperimentError::io(&spill, e))?;
        self.staging.commit()?;
        Ok(self.rows)
    }
}

/// The runs of each variant of `manifest` (its points), from `rows` (all
/// runs, in run order).
pub fn variant_rows<'m, S>(manifest: &'m Manifest<S>, rows: &[RunRow]) -> Vec<VariantRows<'m>> {
    let by_point = group_by_point(rows, manifest.points.len(), |r| r.point);
    manifest
        .points
        .iter()
        .filter_map(|p| {
            let v = p.variant.as_ref()?;
            Some(VariantRows {
                name: &v.name,
                read_session: p.read_session.first().copied().unwrap_or(false),
                rows: by_point[p.point].iter().map(|&i| rows[i]).collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hmasim-folder-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staging_folder_dropped_without_commit_leaves_nothing() {
        let dir = temp("drop");
        let out = dir.join("new/parent/res");
        let staging = Staging::create(&out, false).unwrap();
        staging.write(Path::new("point-000/a.csv"), b"a\n").unwrap();
        let mut file = staging.append(Path::new("b.csv"), b"h\n").unwrap();
        file.write(b"row\n").unwrap();
        assert_eq!(
            entries(&dir.join("new/parent")),
            [".res.partial-".to_string() + &std::process::id().to_string()]
        );
        drop(file);
        drop(staging);
        assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_commit_renames_the_staging_folder_and_replaces_an_old_result() {
        let dir = temp("commit");
        let out = dir.join("res");
        for (round, text) in [(0, "first"), (1, "second")] {
            let staging = Staging::create(&out, round > 0).unwrap();
            let mut file = staging.append(Path::new("p/a.csv"), b"h\n").unwrap();
            file.write(text.as_bytes()).unwrap();
            file.close().unwrap();
            staging.write(Path::new(manifest::FILE), b"{}").unwrap();
            staging.commit().unwrap();
            assert_eq!(
                fs::read_to_string(out.join("p/a.csv")).unwrap(),
                format!("h\n{text}")
            );
            assert_eq!(entries(&dir), ["res"]);
        }
        // Without --force the result folder is refused and left alone.
        assert!(matches!(
            Staging::create(&out, false),
            Err(ExperimentError::OutputExists(_))
        ));
        assert_eq!(entries(&dir), ["res"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
