//! Experiments: replications, paired flag comparisons, parameter sweeps,
//! parallel execution, shards, and the result folder they write.
//!
//! ```text
//! scenario file + --set / --vary / [sweep]        overrides, sweep
//!        |  one validated Scenario per sweep point (re-parsed by the scenario layer)
//!        v
//!      Plan: points x replications x flag values   plan (run index = position in that order)
//!        |  every run's rollover schedule checked  rollovers (more than a run holds: exit 2)
//!        |  --shard K/N keeps index % N == K       shard
//!        |  work and memory estimated, refused     estimate (bounded: the same for
//!        |  above --max-events / --max-memory       scenario text, writing nothing)
//!        v
//!   runner: rayon over runs; each run streams its  runner, spill, row (handed over
//!        |  rows to its own spill files             in run index order through a
//!        |                                          reorder buffer), progress (the bar)
//!        v
//!   folder: per-run files appended (copied) run    folder, compare, sweep_tables,
//!           by run, sweep.csv too; compare.csv,    manifest, provenance, params, hash
//!           the sweep summaries, manifest.json and
//!           scenario.toml at the end, in a staging
//!           folder renamed into place when complete
//!        |            shard folders --merge--> the same bytes   (merge)
//!        v
//!   summary printed for humans                     summary
//!
//!   two result folders --compared run by run-->    diff
//! ```
//!
//! Determinism: every output byte is a function of the plan and of the runs'
//! results in run-index order. Runs execute in any order on any number of
//! threads, but their results are handed to the folder writer in run-index
//! order (a run that finished before an earlier one waits in a small reorder
//! buffer), and every computed number is formatted with a fixed precision
//! (`docs/determinism.md`). Memory holds the runs in progress (model state
//! and bounded spill buffers), that buffer and one small [`row::RunRow`] per
//! run: it does not grow with simulated time or the length of the CSVs.
//! SIGINT and SIGTERM stop the runs cleanly ([`interrupt`]). Errors and their
//! exit codes are in [`error`].

pub mod bounded;
pub mod compare;
pub mod diff;
pub mod error;
pub mod estimate;
pub mod expectations;
pub mod folder;
pub mod hash;
pub mod history_copy;
pub mod interrupt;
pub mod manifest;
pub mod merge;
pub mod overrides;
pub mod params;
pub mod plan;
pub mod progress;
pub mod provenance;
pub mod rollovers;
pub mod row;
pub mod runner;
pub mod shard;
pub mod spill;
pub mod summary;
pub mod sweep;
pub mod sweep_tables;
pub mod test_runner;
pub mod variant_tables;
pub mod variants;

pub use error::ExperimentError;
pub use plan::{Plan, PlanRequest, RunSpec};
pub use shard::Shard;
