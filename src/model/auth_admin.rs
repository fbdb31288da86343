//! The auth admin job: the periodic certificate update on the anchor, and
//! the optional extra run after each key is published (R7).

use crate::engine::{Millis, SimTime, StreamRng, StreamSeed};
use crate::scenario::MillisRange;

/// Which run of the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// The periodic schedule (`interval`).
    Periodic,
    /// The extra run `after_rollover` after key `k` was published.
    AfterRollover(u8),
}

/// The two draws of one kind of run.
pub struct RunStreams {
    latency: StreamRng,
    write_session: StreamRng,
}

impl RunStreams {
    /// The latency and the write-session failure test of one run. Both are
    /// drawn at every run, whatever the flag and whichever server is up, so
    /// the streams stay aligned across runs that differ in those.
    pub fn draw(&mut self, latency: MillisRange, write_session_fails: f64) -> (u64, bool) {
        let latency = self.latency.uniform_ms(latency.min, latency.max);
        (latency, self.write_session.bernoulli(write_session_fails))
    }
}

/// The job's random streams. The extra runs have their own, so that adding
/// them never shifts the periodic runs' draws.
pub struct AuthAdminStreams {
    /// `auth_admin.latency`, `auth_admin.write_session`.
    pub periodic: RunStreams,
    /// `auth_admin.after_rollover.latency`, `auth_admin.after_rollover.write_session`.
    pub after_rollover: RunStreams,
}

impl AuthAdminStreams {
    /// The streams of one run of the simulation.
    pub fn new(root: &StreamSeed) -> Self {
        AuthAdminStreams {
            periodic: RunStreams {
                latency: root.stream("auth_admin.latency"),
                write_session: root.stream("auth_admin.write_session"),
            },
            after_rollover: RunStreams {
                latency: root.stream("auth_admin.after_rollover.latency"),
                write_session: root.stream("auth_admin.after_rollover.write_session"),
            },
        }
    }

    /// The streams of `kind`.
    pub fn of(&mut self, kind: RunKind) -> &mut RunStreams {
        match kind {
            RunKind::Periodic => &mut self.periodic,
            RunKind::AfterRollover(_) => &mut self.after_rollover,
        }
    }
}

/// Picks the server that runs the job: the anchor if it is up, else the
/// lowest-index server that is up, else none (the run is skipped).
pub fn choose_server(anchor: usize, up: impl Fn(usize) -> bool, servers: usize) -> Option<usize> {
    if up(anchor) {
        return Some(anchor);
    }
    (0..servers).find(|&s| up(s))
}

/// When the extra run after a key published at `publish` happens, if
/// `after_rollover` is set.
pub fn after_rollover_at(publish: SimTime, after_rollover: Option<Millis>) -> Option<SimTime> {
    after_rollover.map(|d| publish.after(d))
}

/// Whether an executed run fails: it ran under the write session (see
/// [`super::upgrade::write_session`]) and its failure test came out true.
pub fn fails(write_session: bool, failure_test: bool) -> bool {
    write_session && failure_test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_first_then_lowest_up_then_none() {
        assert_eq!(choose_server(2, |_| true, 4), Some(2));
        assert_eq!(choose_server(2, |s| s != 2, 4), Some(0));
        assert_eq!(choose_server(0, |s| s == 3, 4), Some(3));
        assert_eq!(choose_server(1, |_| false, 4), None);
    }

    #[test]
    fn the_extra_runs_have_their_own_streams() {
        let root = StreamSeed {
            seed: 1,
            replication: 0,
        };
        let range = MillisRange {
            min: 0,
            max: 1 << 40,
        };
        let mut a = AuthAdminStreams::new(&root);
        let mut b = AuthAdminStreams::new(&root);
        // Extra runs in between do not shift the periodic draws.
        let first = a.of(RunKind::Periodic).draw(range, 0.5);
        b.of(RunKind::AfterRollover(1)).draw(range, 0.5);
        b.of(RunKind::AfterRollover(2)).draw(range, 0.5);
        assert_eq!(b.of(RunKind::Periodic).draw(range, 0.5), first);
        assert_ne!(a.of(RunKind::AfterRollover(1)).draw(range, 0.5), first);
        assert_eq!(after_rollover_at(SimTime(5), Some(10)), Some(SimTime(15)));
        assert_eq!(after_rollover_at(SimTime(5), None), None);
        assert!(fails(true, true) && !fails(false, true) && !fails(true, false));
    }
}
