//! The load balancer: its pool of servers, routing and health-probe
//! thresholds (R8, R9 affinity).
//!
//! The pool is kept as a sorted list of member indices, rebuilt only when a
//! probe adds or removes a server (rare), so that routing a request is a
//! constant-time step for round robin and random.

use crate::engine::StreamRng;
use crate::scenario::Algorithm;

/// The balancer's pool and routing state.
pub struct Balancer {
    algorithm: Algorithm,
    /// Servers in the pool, in index order.
    members: Vec<u32>,
    /// Position in `members` of the next round-robin choice.
    cursor: usize,
    routing: StreamRng,
}

impl Balancer {
    /// Every server in the pool at t = 0.
    pub fn new(algorithm: Algorithm, servers: usize, routing: StreamRng) -> Self {
        Balancer {
            algorithm,
            members: (0..servers as u32).collect(),
            cursor: 0,
            routing,
        }
    }

    /// Fast-forward: random routing draws from sub-stream `substream` of
    /// `clients.routing` from now on (see [`StreamRng::reposition`]).
    pub fn reposition(&mut self, substream: u64) {
        self.routing.reposition(substream);
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Servers in the pool now.
    #[inline]
    pub fn members(&self) -> &[u32] {
        &self.members
    }

    /// Adds `server` to the pool; round robin goes on from where it was.
    pub fn add(&mut self, server: u32) {
        let next_server = self.next_round_robin_server();
        if let Err(pos) = self.members.binary_search(&server) {
            self.members.insert(pos, server);
        }
        self.cursor = self.position_of_first_at_or_after(next_server);
    }

    /// Removes `server` from the pool; round robin goes on from where it was.
    pub fn remove(&mut self, server: u32) {
        let next_server = self.next_round_robin_server();
        if let Ok(pos) = self.members.binary_search(&server) {
            self.members.remove(pos);
        }
        self.cursor = self.position_of_first_at_or_after(next_server);
    }

    fn next_round_robin_server(&self) -> u32 {
        self.members.get(self.cursor).copied().unwrap_or(0)
    }

    fn position_of_first_at_or_after(&self, server: u32) -> usize {
        let pos = self.members.partition_point(|&m| m < server);
        if pos >= self.members.len() { 0 } else { pos }
    }

    /// Whether `server` is in the pool.
    pub fn contains(&self, server: u32) -> bool {
        self.members.binary_search(&server).is_ok()
    }

    /// Picks a server for a request, or `None` when the pool is empty.
    /// `outstanding(s)` is used by `least_requests` only.
    #[inline(always)]
    pub fn route(&mut self, outstanding: impl Fn(u32) -> u32) -> Option<u32> {
        if self.algorithm == Algorithm::RoundRobin {
            self.round_robin()
        } else {
            self.route_other(outstanding)
        }
    }

    /// The round-robin step (for a balancer known to use round robin).
    #[inline(always)]
    pub fn round_robin(&mut self) -> Option<u32> {
        debug_assert!(self.algorithm == Algorithm::RoundRobin);
        // The cursor is 0 when the pool is empty, so `get` is also the
        // emptiness test.
        let s = *self.members.get(self.cursor)?;
        self.cursor += 1;
        if self.cursor == self.members.len() {
            self.cursor = 0;
        }
        Some(s)
    }

    #[inline(never)]
    fn route_other(&mut self, outstanding: impl Fn(u32) -> u32) -> Option<u32> {
        let n = self.members.len();
        if n == 0 {
            return None;
        }
        match self.algorithm {
            Algorithm::Random => Some(self.members[self.routing.below(n as u32) as usize]),
            _ => Some(self.least_requests(outstanding)),
        }
    }

    /// Fewest outstanding; ties go in round-robin order so that an idle pool
    /// is not all sent to the lowest index. Kept out of line: round robin,
    /// the common case, stays small where it is inlined.
    #[inline(never)]
    fn least_requests(&mut self, outstanding: impl Fn(u32) -> u32) -> u32 {
        let n = self.members.len();
        let mut best = self.cursor;
        let mut best_load = u32::MAX;
        for i in 0..n {
            let pos = (self.cursor + i) % n;
            let load = outstanding(self.members[pos]);
            if load < best_load {
                best = pos;
                best_load = load;
            }
        }
        self.cursor = (best + 1) % n;
        self.members[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balancer(a: Algorithm, n: usize) -> Balancer {
        Balancer::new(a, n, StreamRng::new(1, 0, "clients.routing"))
    }

    #[test]
    fn round_robin_cycles_and_skips_removed_servers() {
        let mut b = balancer(Algorithm::RoundRobin, 3);
        let picks: Vec<u32> = (0..4).map(|_| b.route(|_| 0).unwrap()).collect();
        assert_eq!(picks, vec![0, 1, 2, 0]);
        b.remove(2);
        let picks: Vec<u32> = (0..3).map(|_| b.route(|_| 0).unwrap()).collect();
        assert_eq!(picks, vec![1, 0, 1]);
        b.add(2);
        let picks: Vec<u32> = (0..3).map(|_| b.route(|_| 0).unwrap()).collect();
        assert_eq!(picks, vec![0, 1, 2]);
    }

    #[test]
    fn empty_pool_routes_nowhere() {
        let mut b = balancer(Algorithm::Random, 1);
        b.remove(0);
        assert_eq!(b.route(|_| 0), None);
        assert!(!b.contains(0));
    }

    #[test]
    fn least_requests_prefers_idle_servers_and_rotates_ties() {
        let mut b = balancer(Algorithm::LeastRequests, 3);
        assert_eq!(b.route(|s| if s == 0 { 5 } else { 0 }), Some(1));
        assert_eq!(b.route(|s| if s == 0 { 5 } else { 0 }), Some(2));
        assert_eq!(b.route(|_| 0), Some(0));
    }

    #[test]
    fn random_stays_in_pool() {
        let mut b = balancer(Algorithm::Random, 4);
        b.remove(1);
        for _ in 0..100 {
            assert_ne!(b.route(|_| 0), Some(1));
        }
    }
}
