//! Reading a result folder back, so `hmasim plot DIR` can redraw charts
//! without re-running the simulation.
//!
//! Columns are looked up by header name, so a file with extra columns still
//! reads. Malformed input is an error naming the file, the line and the
//! column; nothing here panics on user data.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::metrics::{
    BucketRecord, RolloverRecord, RunId, SpawnCause, StateInterval, StateKind, WindowRecord,
};
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

/// A CSV read as text, for files whose layout this module does not own
/// (`compare.csv`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Header fields.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// Reads `runs.csv`.
pub fn read_runs(path: &Path) -> Result<Vec<RunRow>, ReadError> {
    let mut out = Vec::new();
    let mut file = CsvFile::open(path)?;
    let c = file.columns(&crate::output::csv::RUNS_COLUMNS)?;
    while let Some(r) = file.next_record()? {
        out.push(RunRow {
            scenario: r.text(c[0]).to_string(),
            id: r.run_id(c[1], c[2], c[3])?,
            requests: r.parse(c[4])?,
            accepted: r.parse(c[5])?,
            rejected: r.parse(c[6])?,
            unavailable: r.parse(c[7])?,
            windows: r.parse(c[8])?,
            window_ms_total: r.parse(c[9])?,
            window_ms_max: r.parse(c[10])?,
            window_ms_p50: r.parse(c[11])?,
            window_ms_p95: r.parse(c[12])?,
            users_affected: r.parse(c[13])?,
            episodes: r.parse(c[14])?,
            user_minutes: r.float(c[15])?,
            events: r.parse(c[16])?,
            fingerprint: r.with(c[17], |s| {
                u64::from_str_radix(s, 16).map_err(|_| "expected 16 hex digits".to_string())
            })?,
        });
    }
    Ok(out)
}

/// Reads `windows.csv`.
pub fn read_windows(path: &Path) -> Result<Vec<WindowRow>, ReadError> {
    let mut out = Vec::new();
    let mut file = CsvFile::open(path)?;
    let c = file.columns(&crate::output::csv::WINDOWS_COLUMNS)?;
    while let Some(r) = file.next_record()? {
        let start_ms: u64 = r.parse(c[5])?;
        let end_ms: u64 = r.parse(c[6])?;
        if end_ms < start_ms {
            return Err(r.error(c[6], format!("end {end_ms} before start {start_ms}")));
        }
        let duration: u64 = r.parse(c[7])?;
        if duration != end_ms - start_ms {
            return Err(r.error(
                c[7],
                format!(
                    "{duration} is not end_ms - start_ms = {}",
                    end_ms - start_ms
                ),
            ));
        }
        out.push(WindowRow {
            id: r.run_id(c[0], c[1], c[2])?,
            window: WindowRecord {
                server: r.parse(c[3])?,
                app_pool: r.text(c[4]).to_string(),
                start_ms,
                end_ms,
                cause: r.with(c[8], |s| {
                    SpawnCause::parse(s).ok_or_else(|| format!("unknown cause `{s}`"))
                })?,
                rollover: r.parse(c[9])?,
                rejected_requests: r.parse(c[10])?,
                users_affected: r.parse(c[11])?,
            },
        });
    }
    Ok(out)
}

/// Reads the rows of `timeseries.csv` whose run `keep` accepts (the file
/// can hold millions of rows; charts need only a few runs).
pub fn read_timeseries(
    path: &Path,
    mut keep: impl FnMut(RunId) -> bool,
) -> Result<Vec<BucketRow>, ReadError> {
    let mut out = Vec::new();
    let mut file = CsvFile::open(path)?;
    let c = file.columns(&crate::output::csv::TIMESERIES_COLUMNS)?;
    while let Some(r) = file.next_record()? {
        let id = r.run_id(c[0], c[1], c[2])?;
        if !keep(id) {
            continue;
        }
        out.push(BucketRow {
            id,
            bucket: BucketRecord {
                bucket_start_ms: r.parse(c[3])?,
                requests: r.parse(c[4])?,
                rejected: r.parse(c[5])?,
                unavailable: r.parse(c[6])?,
                servers_in_pool: r.parse(c[7])?,
                workers_failing: r.parse(c[8])?,
            },
        });
    }
    Ok(out)
}

/// Reads the rows of `timeline.csv` whose run `keep` accepts.
pub fn read_timeline(
    path: &Path,
    mut keep: impl FnMut(RunId) -> bool,
) -> Result<Vec<TimelineRow>, ReadError> {
    let mut out = Vec::new();
    let mut file = CsvFile::open(path)?;
    let c = file.columns(&crate::output::csv::TIMELINE_COLUMNS)?;
    while let Some(r) = file.next_record()? {
        let id = r.run_id(c[0], c[1], c[2])?;
        if !keep(id) {
            continue;
        }
        let start_ms: u64 = r.parse(c[6])?;
        let end_ms: u64 = r.parse(c[7])?;
        if end_ms < start_ms {
            return Err(r.error(c[7], format!("end {end_ms} before start {start_ms}")));
        }
        out.push(TimelineRow {
            id,
            interval: StateInterval {
                server: r.parse(c[3])?,
                app_pool: r.text(c[4]).to_string(),
                state: r.with(c[5], |s| {
                    parse_state(s).ok_or_else(|| format!("unknown state `{s}`"))
                })?,
                start_ms,
                end_ms,
            },
        });
    }
    Ok(out)
}

/// Reads `rollovers.csv`.
pub fn read_rollovers(path: &Path) -> Result<Vec<RolloverRow>, ReadError> {
    let mut out = Vec::new();
    let mut file = CsvFile::open(path)?;
    let c = file.columns(&crate::output::csv::ROLLOVERS_COLUMNS)?;
    while let Some(r) = file.next_record()? {
        out.push(RolloverRow {
            id: r.run_id(c[0], c[1], c[2])?,
            rollover: RolloverRecord {
                key: r.parse(c[3])?,
                publish_ms: r.parse(c[4])?,
                sign_ms: r.parse(c[5])?,
                retire_previous_ms: r.parse(c[6])?,
            },
        });
    }
    Ok(out)
}

/// Reads `sweep_summary.csv` (one row per point): `point`, the varied
/// parameters, `replications`, then per metric m of [`METRIC_COLUMNS`] and
/// group g of `off`, `on`, `saved` the columns `m_g_mean,m_g_ci_low,m_g_ci_high`.
/// An empty mean means the group did not run (its bounds must be empty too);
/// empty, `nan` or `NaN` CI bounds read as absent, but not only one of them.
pub fn read_sweep_summary(path: &Path) -> Result<SweepSummary, ReadError> {
    const GROUPS: [&str; 3] = ["off", "on", "saved"];
    let mut file = CsvFile::open(path)?;
    let point = file.column("point")?;
    let replications = file.column("replications")?;
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
        for (cols, g) in groups.iter_mut().zip(GROUPS) {
            for (col, part) in cols.iter_mut().zip(["mean", "ci_low", "ci_high"]) {
                *col = file.column(&format!("{m}_{g}_{part}"))?;
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

    fn columns<const N: usize>(&self, names: &[&str; N]) -> Result<[usize; N], ReadError> {
        let mut out = [0; N];
        for (o, n) in out.iter_mut().zip(names) {
            *o = self.column(n)?;
        }
        Ok(out)
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
    record: &'a csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn text(&self, col: usize) -> &str {
        // The reader rejects records shorter than the header.
        self.record.get(col).unwrap_or("")
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

    fn boolean(&self, col: usize) -> Result<bool, ReadError> {
        self.with(col, |s| match s {
            "false" => Ok(false),
            "true" => Ok(true),
            _ => Err(format!("expected `false` or `true`, found `{s}`")),
        })
    }

    fn run_id(&self, seed: usize, rep: usize, flag: usize) -> Result<RunId, ReadError> {
        Ok(RunId {
            seed: self.parse(seed)?,
            replication: self.parse(rep)?,
            read_session: self.boolean(flag)?,
        })
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

    #[test]
    fn round_trips_every_writer() {
        let d = TempDir::new("roundtrip");
        let (off, on) = (sample_run(false), sample_run(true));
        let runs = [&off, &on];

        let rows = read_runs(&d.file("runs.csv", &w::runs_csv("demo", &runs))).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].id, on.id);
        assert_eq!(rows[0].window_ms_total, 1_804_000);
        assert_eq!(rows[0].fingerprint, 0xab);
        assert!((rows[0].user_minutes - 1.667).abs() < 1e-9);

        let wins = read_windows(&d.file("windows.csv", &w::windows_csv(&runs))).unwrap();
        assert_eq!(wins.len(), 4);
        assert_eq!(wins[1].window, off.windows[1]);

        let ts = read_timeseries(&d.file("ts.csv", &w::timeseries_csv(&runs)), |id| {
            id.read_session
        })
        .unwrap();
        assert_eq!(ts.len(), 2);
        assert_eq!(ts[1].bucket, on.timeseries[1]);

        let tl = read_timeline(&d.file("tl.csv", &w::timeline_csv(&runs)), |_| true).unwrap();
        assert_eq!(tl[3].interval, on.timeline[1]);

        let ro = read_rollovers(&d.file("ro.csv", &w::rollovers_csv(&runs))).unwrap();
        assert_eq!(ro[0].rollover, off.rollovers[0]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let d = TempDir::new("errors");
        let p = d.file(
            "windows.csv",
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,rollover,rejected_requests,users_affected\n\
              1,0,false,0,ews,10,20,10,initial,1,1,1\n\
              1,0,maybe,0,ews,10,20,10,initial,1,1,1\n",
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
            b"seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,rollover,rejected_requests,users_affected\n\
              1,0,false,0,ews,10,20,11,initial,1,1,1\n",
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
