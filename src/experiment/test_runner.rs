//! `hmasim test`: run every scenario that has expectations and check them,
//! like a test runner.
//!
//! A path is a scenario file, or a folder whose `.toml` files are all
//! scenarios (searched recursively, in path order, hidden entries skipped).
//! A scenario without `[[expect]]` is listed and not run. Each scenario is
//! run as `hmasim run` would run it with no option (its own seed,
//! replications and flag values), but nothing is written: each run's rows
//! go to a temporary folder that is removed as soon as the run is counted,
//! and only the [`RunRow`]s are kept, which is all the expectations need.

use super::estimate;
use super::expectations::{self, Outcome};
use super::plan::{Plan, PlanRequest, enumerate_runs};
use super::row::RunRow;
use super::runner::{self, RunnerOptions};
use super::{ExperimentError, interrupt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What testing one scenario file gave.
#[derive(Debug)]
pub enum Tested {
    /// It has no `[[expect]]`: not run.
    NoExpectations,
    /// Its expectations, checked, in file order.
    Checked(Vec<Outcome>),
    /// It could not be tested: invalid, too big, or a run failed.
    Error(ExperimentError),
}

/// One scenario file's report.
#[derive(Debug)]
pub struct Report {
    /// The file, as found.
    pub path: PathBuf,
    /// `simulation.name`, when the file is valid.
    pub name: Option<String>,
    /// Runs made.
    pub runs: usize,
    /// Wall time of the runs.
    pub wall: Duration,
    /// The outcome.
    pub tested: Tested,
}

/// The scenario files of `paths` (files as given; folders searched), in
/// order, without duplicates. A path that does not exist, or a folder
/// without any `.toml` file, is bad input.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ExperimentError> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| ExperimentError::io(p, e))?;
            found.sort();
            if found.is_empty() {
                return Err(ExperimentError::BadArgument(format!(
                    "{}: no .toml scenario file in this folder",
                    p.display()
                )));
            }
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(ExperimentError::BadArgument(format!(
                "{}: no such file or folder; give scenario files or folders of them",
                p.display()
            )));
        }
    }
    // `s.toml` and `./s.toml` are one scenario.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Builds, runs and checks one scenario file on `jobs` threads.
pub fn test_file(path: &Path, jobs: Option<usize>) -> Report {
    let mut report = Report {
        path: path.to_path_buf(),
        name: None,
        runs: 0,
        wall: Duration::ZERO,
        tested: Tested::NoExpectations,
    };
    let plan = match Plan::build(PlanRequest {
        scenario: path.to_path_buf(),
        ..PlanRequest::default()
    }) {
        Ok(plan) => plan,
        Err(e) => {
            report.tested = Tested::Error(e);
            return report;
        }
    };
    report.name = Some(plan.base.simulation.name.clone());
    if plan.base.expect.is_empty() {
        return report;
    }
    let start = Instant::now();
    report.tested = match run(&plan, jobs) {
        Ok(rows) => {
            report.runs = rows.len();
            Tested::Checked(expectations::evaluate_plan(&plan, &rows))
        }
        Err(e) => Tested::Error(e),
    };
    report.wall = start.elapsed();
    report
}

/// Every run of `plan`, rows only; refused as `hmasim run` refuses a plan
/// estimated above the default limits.
fn run(plan: &Plan, jobs: Option<usize>) -> Result<Vec<RunRow>, ExperimentError> {
    let runs = enumerate_runs(&plan.point_entries(), None);
    let threads = runner::threads_for(jobs, runs.len());
    let points: Vec<_> = plan
        .points
        .iter()
        .map(|p| {
            let n = runs.iter().filter(|r| r.point == p.index).count();
            (&p.scenario, n)
        })
        .collect();
    let limits = estimate::Limits {
        max_events: estimate::DEFAULT_MAX_EVENTS,
        max_memory: estimate::default_max_memory(),
        // Spills are removed run by run; nothing stays.
        max_output: u64::MAX,
    };
    estimate::check(&estimate::plan_estimate(&points, false, threads), &limits)?;
    let spill = tempfile::Builder::new()
        .prefix("hmasim-test-")
        .tempdir()
        .map_err(|e| ExperimentError::io(std::env::temp_dir(), e))?;
    let options = RunnerOptions {
        jobs,
        progress: false,
        stop: Some(interrupt::stop_flag()),
        max_events: Some(limits.max_events),
    };
    let mut rows = Vec::with_capacity(runs.len());
    runner::run_each(plan, &runs, options, spill.path(), |o| {
        if let Some(dir) = &o.spill {
            std::fs::remove_dir_all(dir).map_err(|e| ExperimentError::io(dir, e))?;
        }
        rows.push(o.row);
        Ok(())
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_searched_recursively_in_order_without_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["b.toml", "a/z.toml", "a/x.csv", ".hidden/h.toml", "c.toml"] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let found = discover(&[d.to_path_buf(), d.join("c.toml")]).unwrap();
        let rel: Vec<String> = found
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(rel, ["a/z.toml", "b.toml", "c.toml"]);
        assert!(discover(&[d.join("nothing")]).is_err());
        assert!(discover(&[d.join(".hidden/none")]).is_err());
    }
}
