//! The HMA model (`docs/model.md`: rules R1 to R10) on top of the engine.
//!
//! ```text
//!          issuer (Azure AD)                                  clients (users)
//!   keys k0,k1,... signs tokens with one                  token = (kid, expiry)
//!            |  metadata read by                               | merged request stream
//!            v                                                 v
//!   auth admin job (anchor) --writes--> local AD          balancer (health probes)
//!   on-demand updates      --writes-->  (directory)        |        |        |
//!                                          | read at spawn  v        v        v
//!                                          +----------> server 0 .. server N-1
//!                                                       one worker per app pool:
//!                                                       key cache, queue, window
//! ```
//!
//! One file per entity: [`issuer`], [`directory`], [`auth_admin`],
//! [`server`], [`worker`], [`balancer`], [`clients`]; [`event`] holds the
//! events and the same-instant priority table; [`sim`] binds them to the
//! engine. `docs/model.md` specifies every rule and decision, naming the
//! code that encodes it.

pub mod auth_admin;
pub mod balancer;
pub mod clients;
pub mod directory;
pub mod event;
pub mod issuer;
pub mod keys;
pub mod server;
pub mod sim;
pub mod worker;

use crate::metrics::{RunId, RunResult};
use crate::scenario::Scenario;

/// Options of one run that are not part of the scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record processed events for `events.csv` (costs memory and time).
    pub trace: bool,
}

/// Errors a run can end with (the scenario itself was valid).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// More key rollovers fell inside the horizon than a key set can hold. Fatal for this run.
    #[error(
        "more than {max} key rollovers fall inside the horizon ({count} keys); hmasim supports at most {max} per run: lower issuer.emergency_rate, lengthen issuer.rollover_every or shorten simulation.horizon"
    )]
    TooManyRollovers {
        /// Keys that would have been published.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Runs one replication of `scenario` with one flag value.
pub fn run(scenario: &Scenario, id: RunId, options: RunOptions) -> Result<RunResult, RunError> {
    let started = std::time::Instant::now();
    let mut result = sim::Simulation::new(scenario, id, options).run(id)?;
    result.wall_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}
