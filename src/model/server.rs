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

use crate::engine::SimTime;

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
        }
    }

    /// Runs worker processes and answers requests.
    #[inline(always)]
    pub fn running(&self) -> bool {
        !self.crashed && !self.offline
    }

    /// Passes its health probe: running and not in a maintenance window.
    pub fn healthy(&self) -> bool {
        !self.crashed && self.maintenance_depth == 0
    }
}

impl Default for Server {
    fn default() -> Self {
        Self::new()
    }
}
