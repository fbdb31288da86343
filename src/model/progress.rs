//! How far a run has got, published for a progress display on another
//! thread.
//!
//! The run stores its simulated time and event count at every queued event
//! (never per request: a queued event comes at least once per
//! `balancer.probe_interval`), with relaxed atomic stores that cost about
//! as much as a plain store; the display reads them a few times a second.
//! Nothing the run computes depends on them.

use std::sync::atomic::{AtomicU64, Ordering};

/// A run's progress. Aligned to its own cache lines so that the runs of
/// neighbouring threads do not slow each other down (false sharing).
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct RunProgress {
    reached_ms: AtomicU64,
    events: AtomicU64,
}

impl RunProgress {
    /// A run that has not started.
    pub const fn new() -> Self {
        RunProgress {
            reached_ms: AtomicU64::new(0),
            events: AtomicU64::new(0),
        }
    }

    /// The run has reached `now_ms` of simulated time and processed `events`.
    #[inline]
    pub fn publish(&self, now_ms: u64, events: u64) {
        self.reached_ms.store(now_ms, Ordering::Relaxed);
        self.events.store(events, Ordering::Relaxed);
    }

    /// Simulated time reached [ms].
    pub fn reached_ms(&self) -> u64 {
        self.reached_ms.load(Ordering::Relaxed)
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{RunId, RunResult};
    use crate::model::{RunOptions, run};

    /// A run publishes how far it got, and publishing changes nothing it
    /// computes.
    #[test]
    fn a_run_publishes_its_simulated_time_and_events() {
        let text = "[simulation]\nname = \"p\"\nhorizon = \"6h\"\n\n[pool]\nservers = 2\n\
                    app_pools = [\"ews\"]\n\n[clients]\nusers = 20\nrequest_interval = \"5m\"\n";
        let sc = crate::scenario::parse_str(text, "p.toml").unwrap();
        let id = RunId {
            seed: 1,
            replication: 0,
            read_session: false,
        };
        let progress = RunProgress::new();
        let with = run(
            &sc,
            id,
            RunOptions {
                progress: Some(&progress),
                ..RunOptions::default()
            },
        )
        .unwrap();
        let without = run(&sc, id, RunOptions::default()).unwrap();
        assert_eq!(
            with,
            RunResult {
                wall_ms: with.wall_ms,
                ..without
            }
        );
        // The last queued event before the 6 h horizon: probes come every
        // few seconds.
        let horizon = sc.simulation.horizon;
        assert!(
            progress.reached_ms() <= horizon && progress.reached_ms() > horizon - 60_000,
            "{} of {horizon}",
            progress.reached_ms()
        );
        assert!(progress.events() > 0 && progress.events() <= with.totals.events);
    }
}
