//! The CSVs of a result folder, read once and shared by the charts.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::metrics::RunId;
use crate::output::read::{self, RunRow};

/// The CSVs of a result folder, read on demand. Errors are kept as text so
/// that every chart needing a malformed file reports it.
pub(crate) struct Folder {
    pub dir: PathBuf,
    /// `runs.csv`; `None` when absent.
    pub runs: Option<Result<Vec<RunRow>, String>>,
    /// `windows.csv` (all runs); `None` when absent.
    pub windows: Option<Result<Vec<read::WindowRow>, String>>,
    /// `rollovers.csv` (all runs); `None` when absent.
    pub rollovers: Option<Result<Vec<read::RolloverRow>, String>>,
    /// `timeseries.csv` rows of the focus runs, read on first use.
    focus_timeseries: OnceCell<Result<Vec<read::BucketRow>, String>>,
    /// `timeline.csv` rows of the focus runs, read on first use.
    focus_timeline: OnceCell<Result<Vec<read::TimelineRow>, String>>,
}

impl Folder {
    /// Reads the small files of `dir`; the large ones are read on first use.
    pub fn load(dir: &Path) -> Folder {
        fn opt<T>(
            dir: &Path,
            name: &str,
            f: impl FnOnce(&Path) -> Result<T, read::ReadError>,
        ) -> Option<Result<T, String>> {
            let p = dir.join(name);
            p.is_file().then(|| f(&p).map_err(|e| e.to_string()))
        }
        Folder {
            dir: dir.to_path_buf(),
            runs: opt(dir, "runs.csv", read::read_runs),
            windows: opt(dir, "windows.csv", read::read_windows),
            rollovers: opt(dir, "rollovers.csv", read::read_rollovers),
            focus_timeseries: OnceCell::new(),
            focus_timeline: OnceCell::new(),
        }
    }

    /// `timeseries.csv` rows of the [`Folder::focus`] runs, empty when absent.
    pub fn focus_timeseries(&self) -> Result<&[read::BucketRow], String> {
        self.focus_timeseries
            .get_or_init(|| {
                let focus = self.focus()?;
                let p = self.dir.join("timeseries.csv");
                if !p.is_file() {
                    return Ok(Vec::new());
                }
                read::read_timeseries(&p, |id| focus.contains(&id)).map_err(|e| e.to_string())
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// `timeline.csv` rows of the [`Folder::focus`] runs, empty when absent.
    pub fn focus_timeline(&self) -> Result<&[read::TimelineRow], String> {
        self.focus_timeline
            .get_or_init(|| {
                let focus = self.focus()?;
                let p = self.dir.join("timeline.csv");
                if !p.is_file() {
                    return Ok(Vec::new());
                }
                read::read_timeline(&p, |id| focus.contains(&id)).map_err(|e| e.to_string())
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// The run length [ms] as far as the focus runs' files tell: the end of
    /// the last bucket, interval or window (the CSVs do not store it).
    pub fn horizon_ms(&self) -> Result<u64, String> {
        let focus = self.focus()?;
        let series = self.focus_timeseries()?;
        let mut horizon = 0;
        for id in &focus {
            let starts: Vec<u64> = series
                .iter()
                .filter(|b| b.id == *id)
                .map(|b| b.bucket.bucket_start_ms)
                .collect();
            if let [.., a, b] = starts[..] {
                horizon = horizon.max(b.saturating_add(b.saturating_sub(a)));
            } else if let [b] = starts[..] {
                horizon = horizon.max(b);
            }
        }
        for r in self.focus_timeline()? {
            horizon = horizon.max(r.interval.end_ms);
        }
        for w in self.windows()?.iter().filter(|w| focus.contains(&w.id)) {
            horizon = horizon.max(w.window.end_ms);
        }
        Ok(horizon)
    }

    /// The bucket width [ms] of the focus runs' time series, if known.
    pub fn bucket_ms(&self) -> Result<Option<u64>, String> {
        let series = self.focus_timeseries()?;
        Ok(match series {
            [a, b, ..] if a.id == b.id && b.bucket.bucket_start_ms > a.bucket.bucket_start_ms => {
                Some(b.bucket.bucket_start_ms - a.bucket.bucket_start_ms)
            }
            _ => None,
        })
    }

    /// `runs.csv`, required.
    pub fn runs(&self) -> Result<&[RunRow], String> {
        match &self.runs {
            None => Err("runs.csv not found".into()),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(r)) => Ok(r),
        }
    }

    /// `windows.csv`, empty when absent.
    pub fn windows(&self) -> Result<&[read::WindowRow], String> {
        match &self.windows {
            None => Ok(&[]),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(r)) => Ok(r),
        }
    }

    /// `rollovers.csv`, empty when absent.
    pub fn rollovers(&self) -> Result<&[read::RolloverRow], String> {
        match &self.rollovers {
            None => Ok(&[]),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(r)) => Ok(r),
        }
    }

    /// The runs the time-axis charts show: replication 0 (or the lowest) of
    /// the first seed in `runs.csv`, flag off first, then flag on.
    pub fn focus(&self) -> Result<Vec<RunId>, String> {
        let runs = self.runs()?;
        let first = runs.first().ok_or("runs.csv has no runs")?;
        let seed = first.id.seed;
        let rep = runs
            .iter()
            .filter(|r| r.id.seed == seed)
            .map(|r| r.id.replication)
            .min()
            .unwrap_or(0);
        let ids: BTreeSet<RunId> = runs
            .iter()
            .map(|r| r.id)
            .filter(|id| id.seed == seed && id.replication == rep)
            .collect();
        Ok(ids.into_iter().collect())
    }
}
