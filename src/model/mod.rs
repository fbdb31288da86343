//! The HMA model (`docs/model.md`: rules R1 to R11) on top of the engine.
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
//! [`server`], [`worker`], [`balancer`], [`clients`]; one per concept that
//! spans them: [`upgrade`] (which servers have the update), [`rejoin`]
//! (warm-up before a returning server rejoins); [`event`] holds the
//! events and the same-instant priority table; [`sim`] binds them to the
//! engine. `docs/model.md` specifies every rule and decision, naming the
//! code that encodes it.

pub mod auth_admin;
pub mod balancer;
pub mod bulk;
pub mod clients;
pub mod directory;
pub mod event;
pub mod issuer;
pub mod keys;
pub mod progress;
pub mod quiet;
pub mod rejoin;
pub mod server;
pub mod sim;
pub mod upgrade;
pub mod worker;

use crate::metrics::{Collect, RowSink, RunId, RunResult, RunSummary};
use crate::scenario::Scenario;
use std::sync::atomic::AtomicBool;

/// Options of one run that are not part of the scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// Record processed events for `events.csv` (costs time and output).
    pub trace: bool,
    /// End the run with [`RunError::Stopped`] once this is set (SIGINT,
    /// SIGTERM). Checked at every queued event, never per request: at least
    /// once per `balancer.probe_interval` of simulated time.
    pub stop: Option<&'static AtomicBool>,
    /// End the run with [`RunError::TooManyEvents`] once it has processed
    /// more events than this (checked like `stop`, so a run may go a little
    /// past it): a hard bound for unattended and fuzzed runs.
    pub max_events: Option<u64>,
    /// Where the run publishes how far it has got (simulated time, events),
    /// at every queued event like `stop`, for a progress display.
    pub progress: Option<&'a progress::RunProgress>,
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
    /// The stop flag of [`RunOptions::stop`] was set.
    #[error("stopped before the horizon")]
    Stopped,
    /// The run processed more events than [`RunOptions::max_events`].
    #[error("stopped after more than {limit} events, the event limit (--max-events)")]
    TooManyEvents {
        /// The limit.
        limit: u64,
    },
    /// A large allocation failed (the run needs more memory than there is).
    #[error("out of memory: could not allocate {bytes} bytes for {what}")]
    OutOfMemory {
        /// What the memory was for.
        what: &'static str,
        /// How much was asked for.
        bytes: usize,
    },
}

/// Runs one replication of `scenario` with one flag value, keeping every
/// row in memory (see [`run_into`] to stream them).
pub fn run(scenario: &Scenario, id: RunId, options: RunOptions<'_>) -> Result<RunResult, RunError> {
    let mut rows = Collect::default();
    let summary = run_into(scenario, id, options, &mut rows)?;
    let rows = rows.sorted();
    Ok(RunResult {
        id: summary.id,
        totals: summary.totals,
        windows: rows.windows,
        timeseries: rows.timeseries,
        timeline: rows.timeline,
        rollovers: summary.rollovers,
        trace: rows.trace,
        wall_ms: summary.wall_ms,
    })
}

/// Runs one replication of `scenario` with one flag value, handing every
/// row to `sink` as soon as it is final (see [`crate::metrics::sink`]).
pub fn run_into(
    scenario: &Scenario,
    id: RunId,
    options: RunOptions<'_>,
    sink: &mut dyn RowSink,
) -> Result<RunSummary, RunError> {
    let started = std::time::Instant::now();
    let mut summary = sim::Simulation::new(scenario, id, options, sink)?.run(id)?;
    summary.wall_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}
