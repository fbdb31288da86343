//! Rejoining after a return: `maintenance.rejoin_after` (R8 in
//! `docs/model.md`).
//!
//! An admin who controls the return (maintenance, an installation) can keep
//! the server out of the load balancer until its worker processes are warm:
//! at the return a warm-up request spawns a process in every app pool, and
//! the server fails its health probes until every process on it is ready
//! and at least `rejoin_after` old, so the first user request meets an
//! established process (R6). A crash reboot is not controlled by an admin
//! and rejoins as before. `rejoin_after = 0s` is the default: no warm-up.

use super::worker::{Process, Worker};
use crate::engine::{Millis, SimTime};
use crate::metrics::SpawnCause;

/// Whether a return whose processes have `cause` warms up before rejoining.
pub fn warms_up(cause: SpawnCause, rejoin_after: Millis) -> bool {
    rejoin_after > 0
        && matches!(
            cause,
            SpawnCause::MaintenanceReturn | SpawnCause::UpdateReturn
        )
}

/// Whether the server of `workers` (all its app pools) is warm at `now`:
/// every worker has a ready process at least `rejoin_after` old.
pub fn warmed_up(workers: &[Worker], now: SimTime, rejoin_after: Millis) -> bool {
    workers
        .iter()
        .all(|w| w.process == Process::Ready && now.since(w.spawned_at) >= rejoin_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::keys::KeySet;

    #[test]
    fn only_admin_controlled_returns_warm_up() {
        assert!(warms_up(SpawnCause::MaintenanceReturn, 1));
        assert!(warms_up(SpawnCause::UpdateReturn, 1));
        assert!(!warms_up(SpawnCause::ServerReboot, 1));
        assert!(!warms_up(SpawnCause::MaintenanceReturn, 0));
    }

    #[test]
    fn warm_means_every_process_ready_and_old_enough() {
        let mut w = vec![Worker::new(0, 0), Worker::new(0, 1)];
        for x in &mut w {
            x.spawn(SimTime(100), KeySet::only(0));
        }
        assert!(!warmed_up(&w, SimTime(1_000), 500), "starting");
        for x in &mut w {
            x.process = Process::Ready;
        }
        assert!(!warmed_up(&w, SimTime(599), 500));
        assert!(warmed_up(&w, SimTime(600), 500), "exactly rejoin_after old");
        w[1].end_process();
        assert!(!warmed_up(&w, SimTime(600), 500), "a process missing");
    }
}
