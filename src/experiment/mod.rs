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
//!   runner: rayon over runs -> RunOutput per run   runner, row (sorted by run index)
//!        |
//!        v
//!   folder: per-run CSVs, compare.csv, sweep.csv,  folder, compare, sweep_tables,
//!           sweep_summary.csv, manifest.json       manifest, params, hash
//!        |            shard folders --merge--> the same bytes   (merge)
//!        v
//!   summary printed for humans                     summary
//! ```
//!
//! Determinism: every output byte is a function of the plan and of the runs'
//! results in run-index order. Runs execute in any order on any number of
//! threads, but their results are gathered and sorted before anything is
//! written, and every computed number is formatted with a fixed precision.
//! Errors and their exit codes are in [`error`].

pub mod compare;
pub mod error;
pub mod folder;
pub mod hash;
pub mod manifest;
pub mod merge;
pub mod overrides;
pub mod params;
pub mod plan;
pub mod row;
pub mod runner;
pub mod shard;
pub mod summary;
pub mod sweep;
pub mod sweep_tables;

pub use error::ExperimentError;
pub use plan::{Plan, PlanRequest, RunSpec};
pub use shard::Shard;
