//! Experiments: replications, paired flag comparisons, parameter sweeps,
//! parallel execution, shards, and the result folder they write.
//!
//! ```text
//! scenario file + --set / --vary / [sweep]        overrides, sweep
//!        |  one validated Scenario per sweep point (re-parsed by the scenario layer)
//!        v
//!      Plan: points x replications x flag values   plan (run index = position in that order)
//!        |  --shard K/N keeps index % N == K       shard
//!        v
//!   runner: rayon over runs -> RunOutput per run   runner, row (handed over in run
//!        |  index order through a reorder buffer)
//!        v
//!   folder: per-run CSVs and sweep.csv appended    folder, compare, sweep_tables,
//!           run by run; compare.csv,               manifest, params, hash
//!           sweep_summary.csv, manifest.json from
//!           the runs' RunRows at the end
//!        |            shard folders --merge--> the same bytes   (merge)
//!        v
//!   summary printed for humans                     summary
//! ```
//!
//! Determinism: every output byte is a function of the plan and of the runs'
//! results in run-index order. Runs execute in any order on any number of
//! threads, but their results are handed to the folder writer in run-index
//! order (a run that finished before an earlier one waits in a small reorder
//! buffer), and every computed number is formatted with a fixed precision.
//! Memory holds the runs in progress, that buffer and one small [`row::RunRow`]
//! per run: it does not grow with the length of the runs' CSVs.
//! Errors and their exit codes are in [`error`].

pub mod bounded;
pub mod compare;
pub mod error;
pub mod estimate;
pub mod folder;
pub mod hash;
pub mod interrupt;
pub mod manifest;
pub mod merge;
pub mod overrides;
pub mod params;
pub mod plan;
pub mod provenance;
pub mod row;
pub mod runner;
pub mod shard;
pub mod spill;
pub mod summary;
pub mod sweep;
pub mod sweep_tables;

pub use error::ExperimentError;
pub use plan::{Plan, PlanRequest, RunSpec};
pub use shard::Shard;
