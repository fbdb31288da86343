//! Servers: crash and reboot, maintenance drain and return (R4, R8).
//!
//! ```text
//!            crash                 reboot done
//!   up ---------------> crashed ----------------> up (new workers: server_reboot)
//!   |  maintenance start (fails probes, still serving)
//!   +--> draining --(balancer removes it)--> offline --(window ends)--> up (new workers: maintenance_return)
//! ```
//! A server runs worker processes only while it is neither crashed nor
//! offline. Overlapping maintenance windows nest: it returns when the last
//! one ends. A window that ends before the balancer removed the server
//! cancels the drain and keeps its workers.
//!
//! An installation of the update (`install_update`, the rolling upgrade) is
//! a maintenance window that installs it once the server is offline
//! ([`super::upgrade`]); the first return after that spawns with cause
//! `update_return`. With `maintenance.rejoin_after` a returning server warms
//! up before it passes its probes ([`super::rejoin`]).

use crate::engine::SimTime;
use crate::metrics::SpawnCause;

/// One server's state.
#[derive(Clone, Debug)]
pub struct Server {
    /// Crashed, rebooting.
    pub crashed: bool,
    /// Active maintenance windows (they may overlap).
    pub maintenance_depth: u32,
    /// Offline for maintenance (left the pool while in a window).
    pub offline: bool,
    /// In the balancer's pool.
    pub in_pool: bool,
    /// Consecutive failed probes.
    pub failed_probes: u32,
    /// Consecutive good probes.
    pub good_probes: u32,
    /// Requests waiting at its workers' queues (for `least_requests`).
    pub outstanding: u32,
    /// Since when it has been in each timeline state (`NEVER` = not in it).
    pub crashed_since: SimTime,
    /// Start of the current drain.
    pub draining_since: SimTime,
    /// Start of the current offline period.
    pub offline_since: SimTime,
    /// Since when it has been out of the pool.
    pub out_of_pool_since: SimTime,
    /// Has the update (Exchange 2019 CU6 / 2016 CU17): honours `read_session`.
    pub updated: bool,
    /// Open installation windows (counted in `maintenance_depth` too).
    pub install_windows: u32,
    /// The update was installed in the current offline period: the next
    /// return spawns its processes with cause `update_return`.
    pub installed_offline: bool,
    /// Warming up after a return (`rejoin_after`): fails its probes.
    pub warming: bool,
}

impl Server {
    /// A server at t = 0: up and in the pool.
    pub fn new() -> Self {
        Server {
            crashed: false,
            maintenance_depth: 0,
            offline: false,
            in_pool: true,
            failed_probes: 0,
            good_probes: 0,
            outstanding: 0,
            crashed_since: SimTime::NEVER,
            draining_since: SimTime::NEVER,
            offline_since: SimTime::NEVER,
            out_of_pool_since: SimTime::NEVER,
            updated: true,
            install_windows: 0,
            installed_offline: false,
            warming: false,
        }
    }

    /// Runs worker processes and answers requests.
    #[inline(always)]
    pub fn running(&self) -> bool {
        !self.crashed && !self.offline
    }

    /// Passes its health probe: not crashed, not in a maintenance window,
    /// not warming up.
    pub fn healthy(&self) -> bool {
        !self.crashed && self.maintenance_depth == 0 && !self.warming
    }

    /// Installs the update if an installation window is open while the
    /// server is offline, once per offline period; `true` if it did now.
    pub fn install_if_offline(&mut self) -> bool {
        if self.offline && self.install_windows > 0 && !self.installed_offline {
            self.updated = true;
            self.installed_offline = true;
            true
        } else {
            false
        }
    }

    /// The cause of the processes of a return that would otherwise have
    /// `cause`: `update_return` for the first return after an installation.
    pub fn return_cause(&mut self, cause: SpawnCause) -> SpawnCause {
        if std::mem::take(&mut self.installed_offline) {
            SpawnCause::UpdateReturn
        } else {
            cause
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_only_offline_inside_an_installation_window_once() {
        let mut s = Server::new();
        s.updated = false;
        s.install_windows = 1;
        assert!(!s.install_if_offline(), "draining: not yet");
        s.offline = true;
        assert!(s.install_if_offline());
        assert!(s.updated);
        assert!(!s.install_if_offline(), "once per offline period");
        assert_eq!(
            s.return_cause(SpawnCause::MaintenanceReturn),
            SpawnCause::UpdateReturn
        );
        assert_eq!(
            s.return_cause(SpawnCause::MaintenanceReturn),
            SpawnCause::MaintenanceReturn,
            "only the first return after the installation"
        );
        let mut plain = Server::new();
        plain.offline = true;
        assert!(!plain.install_if_offline(), "no installation window");
    }

    #[test]
    fn a_warming_server_fails_its_probes() {
        let mut s = Server::new();
        assert!(s.healthy());
        s.warming = true;
        assert!(!s.healthy() && s.running());
    }
}
