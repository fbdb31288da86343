//! The HMA model (`../shared/model.md` section 1) on top of the engine.
//! (skeleton; being written)

use crate::metrics::{RunId, RunResult};
use crate::scenario::Scenario;

/// Options of one run that are not part of the scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record every processed event for `events.csv`.
    pub trace: bool,
}

/// Errors a run can end with (the scenario itself was valid).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// More key rollovers fell inside the horizon than the key set can hold. Fatal for this run.
    #[error("{count} key rollovers fall inside the horizon; hmasim supports at most {max} per run (lower issuer.emergency_rate or shorten the horizon)")]
    TooManyRollovers {
        /// Rollovers that were scheduled.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Runs one replication of `scenario` with one flag value.
pub fn run(scenario: &Scenario, id: RunId, options: RunOptions) -> Result<RunResult, RunError> {
    let _ = (scenario, id, options);
    todo!("model being written")
}
