//! Reading a result folder back, so `hmasim plot DIR` can redraw charts
//! without re-running the simulation, and analysts' tools can be checked
//! against the files.
//!
//! Rows are read into the record types of [`super::table`], the same types
//! the writers write, so a table's columns are defined once. Columns are
//! looked up by header name, so a file with extra columns still reads.
//! Malformed input is an error naming the file, the line and the column;
//! nothing here panics on user data.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::de::DeserializeOwned;

use super::de;
use super::table::{
    CompareSummaryCsv, EventsCsv, Group, POINT_COLUMN, REPLICATIONS_COLUMN, RolloversCsv, RunsCsv,
    SweepSummaryLongCsv, Swept, TimelineCsv, TimeseriesCsv, VariantsCsv, WIDE_PARTS, WindowsCsv,
    columns, columns_at, wide_summary_column,
};
use crate::metrics::{BucketRecord, RolloverRecord, RunId, StateInterval, StateKind, WindowRecord};
use crate::output::csv::METRIC_COLUMNS;

/// A result file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The file has no header line.
    #[error("{}: empty file, expected a header line", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// The header lacks a required column.
    #[error("{}, line 1: missing column `{column}`", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The column's name.
        column: String,
    },
    /// A line is not valid CSV or has the wrong number of fields.
    #[error("{}, line {line}: {message}", file.display())]
    Record {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field does not parse.
    #[error("{}, line {line}, column {index} (`{column}`): {message}", file.display())]
    Field {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        index: usize,
        /// The column's name.
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// One `runs.csv` row.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Scenario name.
    pub scenario: String,
    /// Which run.
    pub id: RunId,
    /// Requests resolved.
    pub requests: u64,
    /// Accepted requests.
    pub accepted: u64,
    /// Rejected (401) requests.
    pub rejected: u64,
    /// Unavailable requests.
    pub unavailable: u64,
    /// Failure windows.
    pub windows: u64,
    /// Total failure-window time [ms].
    pub window_ms_total: u64,
    /// Longest failure window [ms].
    pub window_ms_max: u64,
    /// Median failure window [ms].
    pub window_ms_p50: u64,
    /// 95th percentile failure window [ms].
    pub window_ms_p95: u64,
    /// Users with at least one rejected request.
    pub users_affected: u64,
    /// Prompt-loop episodes.
    pub episodes: u64,
    /// User-minutes in prompt loops [min].
    pub user_minutes: f64,
    /// Events processed.
    pub events: u64,
    /// Run fingerprint.
    pub fingerprint: u64,
}

/// One `windows.csv` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowRow {
    /// Which run.
    pub id: RunId,
    /// The window.
    pub window: WindowRecord,
}

/// One `timeseries.csv` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketRow {
    /// Which run.
    pub id: RunId,
    /// The bucket.
    pub bucket: BucketRecord,
}

/// One `timeline.csv` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineRow {
    /// Which run.
    pub id: RunId,
    /// The interval.
    pub interval: StateInterval,
}

/// One `rollovers.csv` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RolloverRow {
    /// Which run.
    pub id: RunId,
    /// The rollover.
    pub rollover: RolloverRecord,
}

/// A mean with its 95% confidence interval (bounds absent with one replication).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanCi {
    /// Mean.
    pub mean: f64,
    /// Lower bound of the 95% CI.
    pub ci_low: Option<f64>,
    /// Upper bound of the 95% CI.
    pub ci_high: Option<f64>,
}

/// One metric of one `sweep_summary.csv` row: the mean and CI of each flag
/// value and of the paired saving off − on, each absent when it did not run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SweepMetric {
    /// Flag off (write session).
    pub off: Option<MeanCi>,
    /// Flag on (read session).
    pub on: Option<MeanCi>,
    /// Paired difference off − on per replication (what the flag saved).
    pub saved: Option<MeanCi>,
}

impl SweepMetric {
    /// The summary of one flag value.
    pub fn flag(&self, read_session: bool) -> Option<MeanCi> {
        if read_session { self.on } else { self.off }
    }
}

/// One `sweep_summary.csv` row: a sweep point.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// Sweep point index.
    pub point: u64,
    /// The varied parameters' values as the user wrote them, in
    /// [`SweepSummary::parameters`] order.
    pub values: Vec<String>,
    /// Replications summarised.
    pub replications: u64,
    /// Per metric of [`METRIC_COLUMNS`] (same order): off, on and saved.
    pub metrics: Vec<SweepMetric>,
}

impl SweepRow {
    /// The summaries of `metric` (a name from [`METRIC_COLUMNS`]).
    pub fn metric(&self, metric: &str) -> Option<SweepMetric> {
        let i = METRIC_COLUMNS.iter().position(|m| *m == metric)?;
        self.metrics.get(i).copied()
    }
}

/// `sweep_summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSummary {
    /// Dotted keys of the varied parameters (`maintenance.gap`, ...).
    pub parameters: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<SweepRow>,
}

/// A CSV read as text, for files without a record type (`compare.csv`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Header fields.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// A sweep table (`sweep.csv`, `sweep_summary_long.csv`): its swept keys
/// and its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct SweptTable<T> {
    /// Dotted keys of the varied parameters, in column order.
    pub parameters: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<Swept<'static, T>>,
}

/// Reads `runs.csv`.
pub fn read_runs(path: &Path) -> Result<Vec<RunRow>, ReadError> {
    read_rows(path, |r: RunsCsv<'_>, _| Ok(Some(RunRow::from(r))))
}

/// A row and the text of some of its columns (`None`: no such column).
pub type WithCells<T> = (T, Vec<Option<String>>);

/// Reads `runs.csv` like [`read_runs`], keeping with each row the text of
/// its `extra` columns (`None` for a column the file does not have): for
/// tools that treat columns alike by name (`hmasim diff`). Each `(column,
/// value)` of `fixed` the file has must hold `value` in every row (a
/// variant folder's `variant` column its name): otherwise an error names
/// the cell.
pub fn read_runs_with(
    path: &Path,
    extra: &[&str],
    fixed: &[(&str, &str)],
) -> Result<Vec<WithCells<RunRow>>, ReadError> {
    read_rows(path, |r: RunsCsv<'_>, row| {
        for (column, value) in fixed {
            if let Some(&col) = row.index.get(*column)
                && row.text(col) != *value
            {
                return Err(row.error(
                    col,
                    format!("expected `{value}`, found `{}`", row.text(col)),
                ));
            }
        }
        let cells = row.texts(extra).map(|c| c.map(str::to_string)).collect();
        Ok(Some((RunRow::from(r), cells)))
    })
}

impl From<RunsCsv<'_>> for RunRow {
    fn from(r: RunsCsv<'_>) -> RunRow {
        RunRow {
            id: r.id(),
            scenario: r.scenario.into_owned(),
            requests: r.requests,
            accepted: r.accepted,
            rejected: r.rejected,
            unavailable: r.unavailable,
            windows: r.windows,
            window_ms_total: r.window_ms_total,
            window_ms_max: r.window_ms_max,
            window_ms_p50: r.window_ms_p50,
            window_ms_p95: r.window_ms_p95,
            users_affected: r.users_affected,
            episodes: r.episodes,
            user_minutes: r.user_minutes.0,
            events: r.events,
            fingerprint: r.fingerprint.0,
        }
    }
}

/// Reads `windows.csv` (checking `end_ms >= start_ms` and `duration_ms`).
pub fn read_windows(path: &Path) -> Result<Vec<WindowRow>, ReadError> {
    let mut rows = Vec::new();
    for_each_window(path, &[], |w, _| rows.push(w))?;
    Ok(rows)
}

/// Hands every `windows.csv` row, checked as [`read_windows`] checks it,
/// with the text of its `extra` columns (`None` for a column the file does
/// not have) to `each`, keeping none: the file may hold millions of rows.
pub fn for_each_window(
    path: &Path,
    extra: &[&str],
    mut each: impl FnMut(WindowRow, &[Option<&str>]),
) -> Result<(), ReadError> {
    read_rows_compat(path, &[], &WindowsCsv::ADDED, |r: WindowsCsv<'_>, row| {
        if r.end_ms < r.start_ms {
            return Err(row.error_in(
                "end_ms",
                format!("end {} before start {}", r.end_ms, r.start_ms),
            ));
        }
        if r.duration_ms != r.end_ms - r.start_ms {
            return Err(row.error_in(
                "duration_ms",
                format!(
                    "{} is not end_ms - start_ms = {}",
                    r.duration_ms,
                    r.end_ms - r.start_ms
                ),
            ));
        }
        let (id, window) = r.into_parts();
        let cells: Vec<Option<&str>> = row.texts(extra).collect();
        each(WindowRow { id, window }, &cells);
        Ok(None::<()>)
    })
    .map(drop)
}

/// Reads the rows of `timeseries.csv` whose run `keep` accepts (the file
/// can hold millions of rows; charts need only a few runs). A folder
/// written before the gauge columns were renamed
/// ([`TimeseriesCsv::RENAMED`]) still reads.
pub fn read_timeseries(
    path: &Path,
    mut keep: impl FnMut(RunId) -> bool,
) -> Result<Vec<BucketRow>, ReadError> {
    read_rows_renamed(path, &TimeseriesCsv::RENAMED, |r: TimeseriesCsv, _| {
        let (id, bucket) = r.into_parts();
        Ok(keep(id).then_some(BucketRow { id, bucket }))
    })
}

/// Reads the rows of `timeline.csv` whose run `keep` accepts.
pub fn read_timeline(
    path: &Path,
    mut keep: impl FnMut(RunId) -> bool,
) -> Result<Vec<TimelineRow>, ReadError> {
    read_rows(path, |r: TimelineCsv<'_>, row| {
        if r.end_ms < r.start_ms {
            return Err(row.error_in(
                "end_ms",
                format!("end {} before start {}", r.end_ms, r.start_ms),
            ));
        }
        let (id, interval) = r.into_parts();
        Ok(keep(id).then_some(TimelineRow { id, interval }))
    })
}

/// Reads `rollovers.csv`.
pub fn read_rollovers(path: &Path) -> Result<Vec<RolloverRow>, ReadError> {
    read_rows(path, |r: RolloversCsv, _| {
        let (id, rollover) = r.into_parts();
        Ok(Some(RolloverRow { id, rollover }))
    })
}

/// Reads `events.csv`.
pub fn read_events(path: &Path) -> Result<Vec<EventsCsv<'static>>, ReadError> {
    read_rows(path, |r: EventsCsv<'static>, _| Ok(Some(r)))
}

/// Reads `compare_summary.csv`.
pub fn read_compare_summary(path: &Path) -> Result<Vec<CompareSummaryCsv<'static>>, ReadError> {
    read_rows(path, |r: CompareSummaryCsv<'static>, _| Ok(Some(r)))
}

/// Reads `variants.csv`.
pub fn read_variants(path: &Path) -> Result<Vec<VariantsCsv<'static>>, ReadError> {
    read_rows(path, |r: VariantsCsv<'static>, _| Ok(Some(r)))
}

/// Reads `sweep.csv`: `point`, the swept keys, then the columns of `runs.csv`.
pub fn read_sweep(path: &Path) -> Result<SweptTable<RunRow>, ReadError> {
    let t = read_swept::<RunsCsv<'static>>(path)?;
    Ok(SweptTable {
        parameters: t.parameters,
        rows: t
            .rows
            .into_iter()
            .map(|s| Swept {
                point: s.point,
                values: s.values,
                row: RunRow::from(s.row),
            })
            .collect(),
    })
}

/// Reads `sweep_summary_long.csv`: `point`, the swept keys, then the
/// columns of [`SweepSummaryLongCsv`].
pub fn read_sweep_summary_long(
    path: &Path,
) -> Result<SweptTable<SweepSummaryLongCsv<'static>>, ReadError> {
    read_swept(path)
}

/// Reads `sweep_summary.csv` (one row per point): `point`, the varied
/// parameters, `replications`, then per metric m of [`METRIC_COLUMNS`] and
/// group g the columns [`wide_summary_column`]`(m, g, part)` of each part
/// `mean`, `ci_low`, `ci_high`. An empty mean means the group did not run
/// (its bounds must be empty too); empty, `nan` or `NaN` CI bounds read as
/// absent, but not only one of them.
pub fn read_sweep_summary(path: &Path) -> Result<SweepSummary, ReadError> {
    let mut file = CsvFile::open(path)?;
    let point = file.column(POINT_COLUMN)?;
    let replications = file.column(REPLICATIONS_COLUMN)?;
    if replications <= point {
        return Err(ReadError::Record {
            file: path.to_path_buf(),
            line: 1,
            message: "expected `point`, the varied parameters, then `replications`".into(),
        });
    }
    let parameters: Vec<String> = file.header[point + 1..replications].to_vec();
    let mut metric_cols = Vec::new();
    for m in METRIC_COLUMNS {
        let mut groups = [[0; 3]; 3];
        for (cols, g) in groups.iter_mut().zip(Group::ALL) {
            for (col, part) in cols.iter_mut().zip(WIDE_PARTS) {
                *col = file.column(&wide_summary_column(m, g, part))?;
            }
        }
        metric_cols.push(groups);
    }
    let mut rows = Vec::new();
    while let Some(r) = file.next_record()? {
        let mut metrics = Vec::with_capacity(metric_cols.len());
        for groups in &metric_cols {
            let [off, on, saved] = groups.map(|[mean, low, high]| r.mean_ci(mean, low, high));
            metrics.push(SweepMetric {
                off: off?,
                on: on?,
                saved: saved?,
            });
        }
        rows.push(SweepRow {
            point: r.parse(point)?,
            values: (point + 1..replications)
                .map(|i| r.text(i).to_string())
                .collect(),
            replications: r.parse(replications)?,
            metrics,
        });
    }
    Ok(SweepSummary { parameters, rows })
}

/// Reads any CSV as text (header and rows).
pub fn read_table(path: &Path) -> Result<Table, ReadError> {
    let mut file = CsvFile::open(path)?;
    let mut table = Table {
        header: file.header.clone(),
        rows: Vec::new(),
    };
    while let Some(r) = file.next_record()? {
        table
            .rows
            .push(r.record.iter().map(str::to_string).collect());
    }
    Ok(table)
}

/// Parses a `timeline.csv` state name.
pub fn parse_state(s: &str) -> Option<StateKind> {
    [
        StateKind::Draining,
        StateKind::Maintenance,
        StateKind::Crashed,
        StateKind::OutOfPool,
        StateKind::WorkerStarting,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

/// Reads a table of `T` records: checks that the header has every column
/// of `T` (extra columns are ignored), then hands each record and its
/// context to `each`, which keeps, drops (`None`) or refuses it.
fn read_rows<T: DeserializeOwned, U>(
    path: &Path,
    each: impl FnMut(T, &Row<'_>) -> Result<Option<U>, ReadError>,
) -> Result<Vec<U>, ReadError> {
    read_rows_renamed(path, &[], each)
}

/// [`read_rows`] of a table some of whose columns were renamed: a header
/// with an old name (and not the new one) reads as if it had the new one.
fn read_rows_renamed<T: DeserializeOwned, U>(
    path: &Path,
    renamed: &[(&str, &str)],
    each: impl FnMut(T, &Row<'_>) -> Result<Option<U>, ReadError>,
) -> Result<Vec<U>, ReadError> {
    read_rows_compat(path, renamed, &[], each)
}

/// [`read_rows_renamed`] of a table that also gained the columns `added`:
/// a header without them reads, their fields taking their serde default.
fn read_rows_compat<T: DeserializeOwned, U>(
    path: &Path,
    renamed: &[(&str, &str)],
    added: &[&str],
    mut each: impl FnMut(T, &Row<'_>) -> Result<Option<U>, ReadError>,
) -> Result<Vec<U>, ReadError> {
    let mut file = CsvFile::open(path)?;
    file.rename(renamed);
    // Wall-clock columns are there only when the scenario had a start.
    let required: Vec<&str> = columns_at::<T>(false)
        .into_iter()
        .filter(|c| !added.contains(c))
        .collect();
    file.require(&required)?;
    let mut out = Vec::new();
    while let Some(r) = file.next_record()? {
        let record = r.deserialize::<T>()?;
        if let Some(u) = each(record, &r)? {
            out.push(u);
        }
    }
    Ok(out)
}

/// Reads a [`Swept`] table whose rows end with `T`: the swept keys are
/// the columns between `point` and the first column of `T`.
fn read_swept<T: DeserializeOwned>(path: &Path) -> Result<SweptTable<T>, ReadError> {
    let mut file = CsvFile::open(path)?;
    let tail = columns::<T>();
    let point = file.column(POINT_COLUMN)?;
    let first = tail
        .first()
        .map_or(Ok(file.header.len()), |c| file.column(c))?;
    if point != 0 || first <= point || file.header.len() != first + tail.len() {
        return Err(ReadError::Record {
            file: path.to_path_buf(),
            line: 1,
            message: format!(
                "expected `point`, the swept keys, then the columns {}",
                tail.join(",")
            ),
        });
    }
    file.require(tail)?;
    let parameters = file.header[point + 1..first].to_vec();
    let mut rows = Vec::new();
    while let Some(r) = file.next_record()? {
        let row = r.deserialize_from::<T>(first)?;
        rows.push(Swept {
            point: r.parse(point)?,
            values: Cow::Owned((point + 1..first).map(|i| r.text(i).to_string()).collect()),
            row,
        });
    }
    Ok(SweptTable { parameters, rows })
}

/// A CSV file being read, with its header.
struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<File>,
    header: Vec<String>,
    index: HashMap<String, usize>,
    record: csv::StringRecord,
}

impl CsvFile {
    fn open(path: &Path) -> Result<CsvFile, ReadError> {
        let f = File::open(path).map_err(|source| ReadError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(f);
        let mut first = csv::StringRecord::new();
        let got = reader
            .read_record(&mut first)
            .map_err(|e| csv_error(path, e))?;
        if !got {
            return Err(ReadError::Empty {
                file: path.to_path_buf(),
            });
        }
        let header: Vec<String> = first.iter().map(str::to_string).collect();
        let mut index = HashMap::new();
        for (i, h) in header.iter().enumerate().rev() {
            // The first occurrence wins for a duplicated name.
            index.insert(h.clone(), i);
        }
        Ok(CsvFile {
            path: path.to_path_buf(),
            reader,
            header,
            index,
            record: csv::StringRecord::new(),
        })
    }

    fn column(&self, name: &str) -> Result<usize, ReadError> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| ReadError::MissingColumn {
                file: self.path.clone(),
                column: name.to_string(),
            })
    }

    /// Renames the header's columns `old` to `new`, for each pair whose
    /// `new` is not already there.
    fn rename(&mut self, renamed: &[(&str, &str)]) {
        for (old, new) in renamed {
            if self.index.contains_key(*new) {
                continue;
            }
            if let Some(i) = self.index.remove(*old) {
                self.header[i] = new.to_string();
                self.index.insert(new.to_string(), i);
            }
        }
    }

    /// Checks that the header has every column of `names`.
    fn require(&self, names: &[&str]) -> Result<(), ReadError> {
        names.iter().try_for_each(|n| self.column(n).map(|_| ()))
    }

    fn next_record(&mut self) -> Result<Option<Row<'_>>, ReadError> {
        let got = self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| csv_error(&self.path, e))?;
        if !got {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        Ok(Some(Row {
            path: &self.path,
            header: &self.header,
            index: &self.index,
            record: &self.record,
            line,
        }))
    }
}

fn csv_error(path: &Path, e: csv::Error) -> ReadError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields, expected {expected_len} like the header"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::Io(err) => {
            return ReadError::Io {
                file: path.to_path_buf(),
                source: io::Error::new(err.kind(), err.to_string()),
            };
        }
        _ => e.to_string(),
    };
    ReadError::Record {
        file: path.to_path_buf(),
        line,
        message,
    }
}

/// One record with the context its errors need.
struct Row<'a> {
    path: &'a Path,
    header: &'a [String],
    index: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    /// The record as a `T` (columns found by name; the first of a
    /// duplicated name counts).
    fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ReadError> {
        self.deserialize_from(0)
    }

    /// The columns from `first` on as a `T`.
    fn deserialize_from<T: DeserializeOwned>(&self, first: usize) -> Result<T, ReadError> {
        let cells = self
            .header
            .iter()
            .zip(self.record.iter())
            .enumerate()
            .skip(first)
            .filter(|(i, (name, _))| self.index.get(*name) == Some(i))
            .map(|(i, (name, text))| (i, name.as_str(), text));
        de::from_cells(cells).map_err(|e| match e.column {
            Some(col) => self.error(col, e.message),
            None => ReadError::Record {
                file: self.path.to_path_buf(),
                line: self.line,
                message: e.message,
            },
        })
    }

    /// An error in the column named `column`.
    fn error_in(&self, column: &str, message: String) -> ReadError {
        let col = self.index.get(column).copied().unwrap_or(0);
        self.error(col, message)
    }

    fn text(&self, col: usize) -> &str {
        // The reader rejects records shorter than the header.
        self.record.get(col).unwrap_or("")
    }

    /// The text of each column of `names`, `None` where the file has none.
    fn texts<'n>(&self, names: &'n [&str]) -> impl Iterator<Item = Option<&str>> + use<'_, 'n> {
        names
            .iter()
            .map(|n| self.index.get(*n).map(|&col| self.text(col)))
    }

    fn error(&self, col: usize, message: String) -> ReadError {
        ReadError::Field {
            file: self.path.to_path_buf(),
            line: self.line,
            index: col + 1,
            column: self.header.get(col).cloned().unwrap_or_default(),
            message,
        }
    }

    fn with<T>(
        &self,
        col: usize,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ReadError> {
        f(self.text(col)).map_err(|m| self.error(col, m))
    }

    fn parse<T: FromStr>(&self, col: usize) -> Result<T, ReadError> {
        self.with(col, |s| {
            s.parse()
                .map_err(|_| format!("expected a non-negative integer, found `{s}`"))
        })
    }

    fn float(&self, col: usize) -> Result<f64, ReadError> {
        self.with(col, |s| match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("expected a number, found `{s}`")),
        })
    }

    fn optional_float(&self, col: usize) -> Result<Option<f64>, ReadError> {
        let s = self.text(col);
        if s.is_empty() || s.eq_ignore_ascii_case("nan") {
            return Ok(None);
        }
        self.float(col).map(Some)
    }

    /// A mean and its CI; `None` when the mean is empty (the group did
    /// not run), an error when a bound is there without the mean or without
    /// the other bound.
    fn mean_ci(&self, mean: usize, low: usize, high: usize) -> Result<Option<MeanCi>, ReadError> {
        let ci_low = self.optional_float(low)?;
        let ci_high = self.optional_float(high)?;
        if self.text(mean).is_empty() {
            if let Some(col) = [(low, ci_low), (high, ci_high)]
                .into_iter()
                .find_map(|(c, v)| v.map(|_| c))
            {
                return Err(self.error(
                    col,
                    format!("a CI bound without a mean (column {} is empty)", mean + 1),
                ));
            }
            return Ok(None);
        }
        match (ci_low, ci_high) {
            (Some(_), None) => {
                return Err(self.error(high, "empty, but the CI's low bound is not".into()));
            }
            (None, Some(_)) => {
                return Err(self.error(low, "empty, but the CI's high bound is not".into()));
            }
            _ => {}
        }
        Ok(Some(MeanCi {
            mean: self.float(mean)?,
            ci_low,
            ci_high,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::csv as w;
    use crate::output::csv::tests::sample_run;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let p = std::env::temp_dir().join(format!("hmasim-read-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
        fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
            let p = self.0.join(name);
            std::fs::write(&p, contents).unwrap();
            p
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The header line of `bytes`: the columns of its record type.
    fn header_of(bytes: &[u8]) -> Vec<String> {
        let line = bytes.split(|&b| b == b'\n').next().unwrap();
        String::from_utf8(line.to_vec())
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn runs_round_trip() {
        let d = TempDir::new("runs");
        let (off, mut on) = (sample_run(false), sample_run(true));
        on.totals.fingerprint = u64::MAX;
        let bytes = w::runs_csv("a,\"b\"", &[&off, &on]).unwrap();
        assert_eq!(header_of(&bytes), columns::<RunsCsv>());
        let rows = read_runs(&d.file("runs.csv", &bytes)).unwrap();
        let expected = |r: &crate::metrics::RunResult| RunRow {
            scenario: "a,\"b\"".into(),
            id: r.id,
            requests: 1000,
            accepted: 990,
            rejected: 8,
            unavailable: 2,
            windows: 2,
            window_ms_total: 1_804_000,
            window_ms_max: 1_802_000,
            window_ms_p50: 2_000,
            window_ms_p95: 1_802_000,
            users_affected: 3,
            episodes: 4,
            user_minutes: 1.667,
            events: 1234,
            fingerprint: r.totals.fingerprint,
        };
        assert_eq!(rows, [expected(&off), expected(&on)]);
        // With the text of named columns, absent ones as None.
        let with =
            read_runs_with(&d.0.join("runs.csv"), &["user_minutes", "variant"], &[]).unwrap();
        assert_eq!(with.len(), 2);
        assert_eq!(with[1].0, expected(&on));
        assert_eq!(with[1].1, [Some("1.667".to_string()), None]);
    }

    #[test]
    fn windows_round_trip() {
        let d = TempDir::new("windows");
        let (off, on) = (sample_run(false), sample_run(true));
        let bytes = w::windows_csv(&[&off, &on], None).unwrap();
        assert_eq!(header_of(&bytes), columns_at::<WindowsCsv>(false));
        let path = d.file("windows.csv", &bytes);
        let rows = read_windows(&path).unwrap();
        let mut seen = Vec::new();
        for_each_window(&path, &["cause", "nope"], |w, cells| {
            seen.push((
                w.window.cause.as_str(),
                cells[0].map(str::to_string),
                cells[1].is_none(),
            ));
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                ("initial", Some("initial".to_string()), true),
                ("ma_recycle", Some("ma_recycle".to_string()), true),
                ("initial", Some("initial".to_string()), true),
                ("ma_recycle", Some("ma_recycle".to_string()), true),
            ]
        );
        let expected: Vec<WindowRow> = [&off, &on]
            .iter()
            .flat_map(|r| {
                r.windows.iter().map(|w| WindowRow {
                    id: r.id,
                    window: w.clone(),
                })
            })
            .collect();
        assert_eq!(rows, expected);
        // The sample has a window on a server without the update.
        assert!(rows.iter().any(|r| !r.window.updated));

        // A folder written before the `updated` column had no update state:
        // every server had the update.
        let old = d.file(
            "old-windows.csv",
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,rollover,rejected_requests,users_affected\n\
              1,0,false,2,ews,10,20,10,maintenance_return,1,3,2\n",
        );
        let rows = read_windows(&old).unwrap();
        assert_eq!(rows.len(), 1);
        let w = &rows[0].window;
        assert!(w.updated);
        assert_eq!(
            (
                w.server,
                w.cause,
                w.rollover,
                w.rejected_requests,
                w.users_affected
            ),
            (2, crate::metrics::SpawnCause::MaintenanceReturn, 1, 3, 2)
        );
        let bad = d.file(
            "bad-windows.csv",
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,updated,rollover,rejected_requests,users_affected\n\
              1,0,false,2,ews,10,20,10,initial,maybe,1,3,2\n",
        );
        let e = read_windows(&bad).unwrap_err().to_string();
        assert!(e.contains("line 2, column 10 (`updated`)"), "{e}");
    }

    #[test]
    fn timeseries_round_trip() {
        let d = TempDir::new("timeseries");
        let (off, on) = (sample_run(false), sample_run(true));
        let bytes = w::timeseries_csv(&[&off, &on], None).unwrap();
        assert_eq!(header_of(&bytes), columns_at::<TimeseriesCsv>(false));
        let path = d.file("timeseries.csv", &bytes);
        let all = read_timeseries(&path, |_| true).unwrap();
        let expected: Vec<BucketRow> = [&off, &on]
            .iter()
            .flat_map(|r| {
                r.timeseries
                    .iter()
                    .map(|&bucket| BucketRow { id: r.id, bucket })
            })
            .collect();
        assert_eq!(all, expected);
        let on_only = read_timeseries(&path, |id| id.read_session).unwrap();
        assert_eq!(on_only, expected[2..]);

        // A folder written before the gauge columns said min and max.
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(
            "seed,replication,read_session,bucket_start_ms,requests,rejected,unavailable,\
             servers_in_pool_min,workers_failing_max\n"
        ));
        let old = text.replacen(
            "servers_in_pool_min,workers_failing_max",
            "servers_in_pool,workers_failing",
            1,
        );
        let old_path = d.file("old-timeseries.csv", old.as_bytes());
        assert_eq!(read_timeseries(&old_path, |_| true).unwrap(), expected);
        let neither = text.replacen("servers_in_pool_min", "servers", 1);
        let e = read_timeseries(&d.file("neither.csv", neither.as_bytes()), |_| true).unwrap_err();
        assert!(
            e.to_string()
                .contains("missing column `servers_in_pool_min`"),
            "{e}"
        );
    }

    #[test]
    fn timeline_round_trip() {
        let d = TempDir::new("timeline");
        let (off, on) = (sample_run(false), sample_run(true));
        let bytes = w::timeline_csv(&[&off, &on], None).unwrap();
        assert_eq!(header_of(&bytes), columns_at::<TimelineCsv>(false));
        let rows = read_timeline(&d.file("timeline.csv", &bytes), |_| true).unwrap();
        let expected: Vec<TimelineRow> = [&off, &on]
            .iter()
            .flat_map(|r| {
                r.timeline.iter().map(|s| TimelineRow {
                    id: r.id,
                    interval: s.clone(),
                })
            })
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn rollovers_round_trip() {
        let d = TempDir::new("rollovers");
        let (off, on) = (sample_run(false), sample_run(true));
        let bytes = w::rollovers_csv(&[&off, &on], None).unwrap();
        assert_eq!(header_of(&bytes), columns_at::<RolloversCsv>(false));
        let rows = read_rollovers(&d.file("rollovers.csv", &bytes)).unwrap();
        let expected: Vec<RolloverRow> = [&off, &on]
            .iter()
            .flat_map(|r| {
                r.rollovers
                    .iter()
                    .map(|&rollover| RolloverRow { id: r.id, rollover })
            })
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn events_round_trip() {
        let d = TempDir::new("events");
        let run = sample_run(true);
        let pools = ["ews".to_string()];
        let bytes = w::events_csv(&[&run], &pools, None).unwrap();
        assert_eq!(header_of(&bytes), columns_at::<EventsCsv>(false));
        let rows = read_events(&d.file("events.csv", &bytes)).unwrap();
        let expected: Vec<EventsCsv<'_>> = run
            .trace
            .iter()
            .map(|e| EventsCsv::new(&run.id, e, &pools))
            .collect();
        assert_eq!(rows, expected);
        assert_eq!(rows[1].app_pool.as_deref(), Some("ews"));
        assert_eq!(rows[1].detail, "user \"3\"");
        assert_eq!((rows[0].server, rows[0].id()), (None, run.id));
    }

    #[test]
    fn wall_clock_columns_are_read_when_there_and_checked() {
        let d = TempDir::new("utc");
        let clock = crate::scenario::clock::WallClock::parse("2026-06-01T00:00:00Z").unwrap();
        let (off, on) = (sample_run(false), sample_run(true));
        let plain =
            read_windows(&d.file("plain.csv", &w::windows_csv(&[&off, &on], None).unwrap()));
        let bytes = w::windows_csv(&[&off, &on], Some(&clock)).unwrap();
        assert_eq!(header_of(&bytes), columns::<WindowsCsv>());
        let dated = read_windows(&d.file("dated.csv", &bytes));
        assert_eq!(plain.unwrap(), dated.unwrap());
        let bytes = w::timeline_csv(&[&on], Some(&clock)).unwrap();
        let rows = read_timeline(&d.file("timeline.csv", &bytes), |_| true).unwrap();
        assert_eq!(rows.len(), on.timeline.len());
        // A wall-clock cell that is not a timestamp is refused where it is.
        let text = String::from_utf8(w::rollovers_csv(&[&on], Some(&clock)).unwrap()).unwrap();
        let bad = text.replacen("2026-06-01T01:00:00.000Z", "yesterday", 1);
        let e = read_rollovers(&d.file("rollovers.csv", bad.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2, column 6 (`publish_utc`): expected an RFC 3339 timestamp"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let d = TempDir::new("errors");
        let p = d.file(
            "windows.csv",
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,updated,rollover,rejected_requests,users_affected\n\
              1,0,false,0,ews,10,20,10,initial,true,1,1,1\n\
              1,0,maybe,0,ews,10,20,10,initial,true,1,1,1\n",
        );
        let e = read_windows(&p).unwrap_err().to_string();
        assert!(
            e.contains("windows.csv, line 3, column 3 (`read_session`)"),
            "{e}"
        );

        let p = d.file("runs.csv", b"scenario,seed\nx,1\n");
        let e = read_runs(&p).unwrap_err().to_string();
        assert!(e.contains("missing column `replication`"), "{e}");

        let p = d.file("rollovers.csv", b"seed,replication,read_session,key,publish_ms,sign_ms,retire_previous_ms\n1,0,false,1,2\n");
        let e = read_rollovers(&p).unwrap_err().to_string();
        assert!(e.contains("line 2: 5 fields, expected 7"), "{e}");

        let p = d.file("empty.csv", b"");
        assert!(matches!(read_table(&p), Err(ReadError::Empty { .. })));

        let e = read_runs(&d.0.join("absent.csv")).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }));

        let p = d.file(
            "windows2.csv",
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,updated,rollover,rejected_requests,users_affected\n\
              1,0,false,0,ews,10,20,11,initial,true,1,1,1\n",
        );
        let e = read_windows(&p).unwrap_err().to_string();
        assert!(e.contains("column 8 (`duration_ms`)"), "{e}");
    }

    /// The three cells of metric i and group g (`off`, `on`, `saved`) of a row.
    type Cells<'a> = &'a dyn Fn(usize, &str) -> String;

    /// A `sweep_summary.csv` over two parameters with one row per entry of
    /// `rows`, whose three cells of metric i and group g are `cells(i, g)`.
    fn sweep_text(rows: &[Cells<'_>]) -> String {
        let mut text = String::from("point,maintenance.gap,worker.startup,replications");
        for m in METRIC_COLUMNS {
            for g in ["off", "on", "saved"] {
                text.push_str(&format!(",{m}_{g}_mean,{m}_{g}_ci_low,{m}_{g}_ci_high"));
            }
        }
        text.push('\n');
        for (point, cells) in rows.iter().enumerate() {
            text.push_str(&format!("{point},15m,30s,3"));
            for i in 0..METRIC_COLUMNS.len() {
                for g in ["off", "on", "saved"] {
                    text.push(',');
                    text.push_str(&cells(i, g));
                }
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn reads_sweep_summary() {
        let d = TempDir::new("sweep");
        let full = |i: usize, g: &str| match g {
            "off" => format!("{i}.5,{i},{}", i + 1),
            "on" => format!("{i},{i},{i}"),
            _ => "0.500,-1.000,2.000".to_string(),
        };
        let off_only = |i: usize, g: &str| match g {
            "off" => format!("{i},,"),
            _ => ",,".to_string(),
        };
        let p = d.file(
            "sweep_summary.csv",
            sweep_text(&[&full, &off_only]).as_bytes(),
        );
        let s = read_sweep_summary(&p).unwrap();
        assert_eq!(s.parameters, ["maintenance.gap", "worker.startup"]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].values, ["15m", "30s"]);
        assert_eq!(s.rows[0].replications, 3);
        let um = s.rows[0].metric("user_minutes").unwrap();
        let off = um.off.unwrap();
        assert_eq!(
            (off.mean, off.ci_low, off.ci_high),
            (11.5, Some(11.0), Some(12.0))
        );
        assert_eq!(um.flag(true).unwrap().mean, 11.0);
        assert_eq!(um.saved.unwrap().ci_low, Some(-1.0));
        let rejected = s.rows[1].metric("rejected").unwrap();
        assert_eq!(rejected.off.unwrap().mean, 2.0);
        assert_eq!(rejected.off.unwrap().ci_low, None);
        assert_eq!((rejected.on, rejected.saved), (None, None));
    }

    #[test]
    fn malformed_sweep_summaries_name_line_and_column() {
        let d = TempDir::new("sweep-errors");
        let good = |_: usize, _: &str| "1,0,2".to_string();
        let check = |name: &str, text: String, want: &str| {
            let p = d.file(name, text.as_bytes());
            let e = read_sweep_summary(&p).unwrap_err().to_string();
            assert!(
                e.contains(name) && e.contains(want),
                "want {want:?}\n got {e}"
            );
        };
        // Columns: point, 2 parameters, replications, then 9 per metric; the
        // second metric's `on` group starts at column 4 + 9 + 3 + 1 = 17.
        let bad_mean = |i: usize, g: &str| {
            if i == 1 && g == "on" {
                "x,0,2".into()
            } else {
                good(i, g)
            }
        };
        check(
            "bad-mean.csv",
            sweep_text(&[&good, &bad_mean]),
            "line 3, column 17 (`accepted_on_mean`): expected a number, found `x`",
        );
        let no_mean = |i: usize, g: &str| {
            if i == 0 && g == "saved" {
                ",0,2".into()
            } else {
                good(i, g)
            }
        };
        check(
            "no-mean.csv",
            sweep_text(&[&no_mean]),
            "line 2, column 12 (`requests_saved_ci_low`): a CI bound without a mean",
        );
        let half_ci = |i: usize, g: &str| {
            if i == 0 && g == "off" {
                "1,0,".into()
            } else {
                good(i, g)
            }
        };
        check(
            "half-ci.csv",
            sweep_text(&[&half_ci]),
            "line 2, column 7 (`requests_off_ci_high`): empty, but the CI's low bound is not",
        );
        let text = sweep_text(&[&good]).replacen("0,15m,30s,3", "0,15m,30s,three", 1);
        check("reps.csv", text, "line 2, column 4 (`replications`)");
        let text =
            sweep_text(&[&good]).replacen(",user_minutes_saved_mean", ",user_minutes_saved", 1);
        check(
            "missing.csv",
            text,
            "missing column `user_minutes_saved_mean`",
        );
        // The old layout (one row per point and flag) is refused, not misread.
        check(
            "old.csv",
            "point,pool.servers,read_session,replications,requests_mean\n0,2,false,1,5\n".into(),
            "missing column `requests_off_mean`",
        );
        let text = sweep_text(&[&good]) + "1,15m\n";
        check("short.csv", text, "line 3: 2 fields, expected");
    }
}
