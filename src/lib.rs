//! # hmasim
//!
//! A deterministic discrete-event simulator of Exchange Server Hybrid Modern
//! Authentication (HMA) lockouts after Azure AD signing-key rollovers, and of
//! what `Set-OrganizationConfig -EnableAuthAdminReadSession $true` saves.
//!
//! Data flows one way:
//!
//! ```text
//! scenario file --parse/validate--> Scenario --> model (on the engine) --> RunResult --> writers
//!   (scenario)                                    (model, engine)          (metrics)      (output)
//!                           experiment: replications x flag values x sweep points, in parallel
//! ```
//!
//! - [`engine`]: integer time, the event queue, named random streams, the run fingerprint.
//! - [`scenario`]: TOML scenario files, validation, the resolved [`scenario::Scenario`].
//! - [`model`]: issuer, local AD, auth admin job, servers, workers, balancer, clients.
//! - [`metrics`]: what a run measured.
//! - [`experiment`]: replications, paired comparisons, sweeps, parallel execution.
//! - [`output`]: CSVs, manifest, charts, report.
//! - [`fuzz`]: what the fuzz targets run on an input (and `cargo test` on their corpora).

pub mod engine;
pub mod experiment;
pub mod fuzz;
pub mod metrics;
pub mod model;
pub mod output;
pub mod scenario;
