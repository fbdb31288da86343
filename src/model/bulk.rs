//! Fast-forward's bulk accounting: where the requests of quiet time go,
//! without simulating them one by one (`docs/model.md`, "Fast-forward").
//!
//! The merged request stream is a Poisson process whose rate is
//! `users / request_interval` times the daily profile's weight of the hour
//! ([`Rate`]): its number of arrivals in `[a, b)` is a Poisson variate of
//! mean [`Rate::mean`]. Each arrival picks its server (by the balancer's
//! rule) and its app pool (uniformly) independently of the others, so the
//! arrivals of each outcome are independent Poisson processes whose rates
//! are the stream's times the outcome's [`Split`] share (Poisson thinning):
//! - *accepted*: a running server whose worker for that app pool is ready
//!   (in quiet time it knows every key a token can carry);
//! - *unavailable*: no server in the pool, or a server in the pool that
//!   does not run (crashed, not yet removed by the probes);
//! - per worker that is not ready, on a running server of the pool: a
//!   [`WorkerShare`]. Its requests wait in the worker's queue; the first
//!   request to a worker with no process (it spawns one) and, with
//!   `least_requests`, the first to an idle server (it makes the server
//!   busy) change the state, so those are simulated one by one
//!   ([`WorkerShare::first`]); the others are counted in bulk.
//!
//! Nothing here draws or changes state: `sim/fast_forward.rs` does, with
//! the shares computed here.

use super::server::Server;
use super::worker::{Process, Worker};
use crate::engine::time::{DAY, HOUR};
use crate::scenario::{Algorithm, Clients};

/// The merged stream's rate over time: piecewise constant per hour of the
/// day, so its integral over any interval is exact.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    /// Arrivals per ms per unit of profile weight: `users / request_interval`.
    per_weight_ms: f64,
    /// The hour's weight (`daily_profile`).
    weights: [f64; 24],
    /// `prefix[h]`: weight x ms of hours `0..h` of a day.
    prefix: [f64; 25],
}

impl Rate {
    /// The stream of `clients` (Poisson arrivals).
    pub fn new(clients: &Clients) -> Self {
        let mut prefix = [0.0; 25];
        for h in 0..24 {
            prefix[h + 1] = prefix[h] + clients.daily_profile[h] * HOUR as f64;
        }
        Rate {
            per_weight_ms: f64::from(clients.users) / clients.request_interval.max(1) as f64,
            weights: clients.daily_profile,
            prefix,
        }
    }

    /// Weight x ms from the start of `t`'s day to `t`.
    fn within_day(&self, t: u64) -> f64 {
        let in_day = t % DAY;
        let h = (in_day / HOUR) as usize;
        self.prefix[h] + self.weights[h] * (in_day % HOUR) as f64
    }

    /// Expected arrivals in `[a, b)` (0 when `b <= a`).
    pub fn mean(&self, a: u64, b: u64) -> f64 {
        if b <= a {
            return 0.0;
        }
        // Whole days apart, plus the difference of the positions in the
        // day: no large cumulative sums, so no precision lost on long runs.
        let days = (b / DAY - a / DAY) as f64;
        let weight_ms = days * self.prefix[24] + self.within_day(b) - self.within_day(a);
        self.per_weight_ms * weight_ms.max(0.0)
    }

    /// The millisecond of the first arrival after `a` of a Poisson process
    /// with `share` times this rate, given a standard exponential `e`: the
    /// instant `t` with `mean(a, t) * share = e`, rounded down. `None` if
    /// it never comes (a zero share) or lies beyond `u64` ms.
    pub fn first_arrival(&self, a: u64, share: f64, e: f64) -> Option<u64> {
        let scale = self.per_weight_ms * share;
        if scale.is_nan() || scale <= 0.0 {
            return None;
        }
        // What is left to cover, in weight x ms.
        let mut left = e / scale;
        let mut t = a;
        let mut walked_a_day = false;
        loop {
            let h = ((t % DAY) / HOUR) as usize;
            let hour_end = (t / HOUR + 1).checked_mul(HOUR)?;
            let w = self.weights[h];
            let here = w * (hour_end - t) as f64;
            if w > 0.0 && left <= here {
                let offset = (left / w) as u64;
                return t.checked_add(offset.min(hour_end - t - 1));
            }
            left -= here;
            t = hour_end;
            if t.is_multiple_of(DAY) && !walked_a_day {
                // Skip the whole days the rest covers (the profile has a
                // positive weight, so a day covers a positive amount).
                walked_a_day = true;
                let days = (left / self.prefix[24]).floor();
                if days >= 1.0 {
                    let skip = (days as u64).checked_mul(DAY)?;
                    t = t.checked_add(skip)?;
                    left -= days * self.prefix[24];
                }
            }
        }
    }
}

/// A worker that is not ready on a running server of the pool, and its
/// share of the stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkerShare {
    /// Worker index.
    pub worker: u32,
    /// Its share of the stream.
    pub share: f64,
    /// The next request changes the state (it spawns the process, or it
    /// makes an idle server busy for `least_requests`): simulated alone.
    pub first: bool,
}

/// Where the requests of quiet time go, as shares of the stream (see the
/// module documentation). The shares add up to 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    /// Accepted at once.
    pub accepted: f64,
    /// Unavailable at once.
    pub unavailable: f64,
    /// Queued at (or spawning) a worker that is not ready, in worker order.
    pub workers: Vec<WorkerShare>,
}

/// What [`split`] reads of the model.
pub struct Routing<'s> {
    /// The balancer's rule.
    pub algorithm: Algorithm,
    /// Users per server with client affinity (every user has reached a
    /// server and every server is in the pool: the quiet condition), or
    /// `None` without affinity.
    pub affinity: Option<&'s [u64]>,
    /// Servers in the balancer's pool, in index order.
    pub members: &'s [u32],
    /// Every server.
    pub servers: &'s [Server],
    /// Every worker, `server * app_pools + app_pool`.
    pub workers: &'s [Worker],
    /// App pools per server.
    pub app_pools: u32,
}

/// The shares of the stream in the model's state now.
pub fn split(r: &Routing<'_>) -> Split {
    let mut out = Split::default();
    let n = r.members.len();
    if n == 0 {
        out.unavailable = 1.0;
        return out;
    }
    // The share of the stream each member receives.
    let least = r.affinity.is_none() && r.algorithm == Algorithm::LeastRequests;
    let fewest = r
        .members
        .iter()
        .map(|&s| r.servers[s as usize].outstanding)
        .min()
        .unwrap_or(0);
    let tied = r
        .members
        .iter()
        .filter(|&&s| r.servers[s as usize].outstanding == fewest)
        .count();
    let users: u64 = r.affinity.map_or(0, |c| c.iter().sum());
    let routed = |s: u32| -> f64 {
        match r.affinity {
            Some(counts) if users > 0 => counts[s as usize] as f64 / users as f64,
            Some(_) => 1.0 / n as f64,
            None if least => {
                if r.servers[s as usize].outstanding == fewest {
                    1.0 / tied as f64
                } else {
                    0.0
                }
            }
            None => 1.0 / n as f64,
        }
    };
    let per_pool = 1.0 / f64::from(r.app_pools);
    for &s in r.members {
        let share = routed(s);
        if share == 0.0 {
            continue;
        }
        let server = &r.servers[s as usize];
        if !server.running() {
            out.unavailable += share;
            continue;
        }
        for p in 0..r.app_pools {
            let w = s * r.app_pools + p;
            let worker = &r.workers[w as usize];
            if worker.process == Process::Ready {
                out.accepted += share * per_pool;
            } else {
                let first = (worker.process == Process::None && !worker.has_waiting())
                    || (least && server.outstanding == 0);
                out.workers.push(WorkerShare {
                    worker: w,
                    share: share * per_pool,
                    first,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::model::keys::KeySet;
    use crate::scenario::{Arrivals, MillisRange};

    fn clients(users: u32, interval: u64, profile: [f64; 24]) -> Clients {
        Clients {
            users,
            arrivals: Arrivals::Poisson,
            request_interval: interval,
            daily_profile: profile,
            prompt_retry: MillisRange { min: 1, max: 1 },
            give_up_after: None,
        }
    }

    #[test]
    fn the_mean_integrates_the_hourly_profile() {
        let mut profile = [0.0; 24];
        profile[1] = 12.0;
        profile[2] = 12.0;
        let r = Rate::new(&clients(60, 60_000, profile));
        // 60 users, one request a minute each: one arrival a second at
        // weight 1; hours 1 and 2 at weight 12: 43 200 an hour each.
        assert_eq!(r.mean(0, HOUR), 0.0);
        assert_eq!(r.mean(HOUR, 2 * HOUR), 43_200.0);
        assert_eq!(r.mean(HOUR + HOUR / 2, 2 * HOUR + HOUR / 2), 43_200.0);
        assert_eq!(r.mean(0, DAY), 86_400.0);
        // Across days, far into a year, without losing precision.
        let far = 364 * DAY;
        assert_eq!(
            r.mean(far + HOUR, far + DAY + 2 * HOUR),
            86_400.0 + 43_200.0
        );
        assert_eq!(r.mean(5, 5), 0.0);
        assert_eq!(r.mean(9, 5), 0.0);
    }

    #[test]
    fn the_first_arrival_inverts_the_mean() {
        let mut profile = [0.5; 24];
        profile[3] = 0.0;
        profile[4] = 12.5;
        let r = Rate::new(&clients(1000, 60_000, profile));
        for (a, share, e) in [
            (0, 1.0, 0.5),
            (2 * HOUR + 17, 0.25, 3.0),
            (2 * HOUR, 1.0, 20_000.0),
            (DAY - 5, 0.01, 1e6),
            (40 * DAY + 123, 1e-3, 7.5),
        ] {
            let t = r.first_arrival(a, share, e).unwrap();
            assert!(t >= a);
            // The mean reaches e within the millisecond t.
            assert!(
                r.mean(a, t) * share <= e * (1.0 + 1e-12),
                "{a} {share} {e}: {t}"
            );
            assert!(
                r.mean(a, t + 1) * share >= e * (1.0 - 1e-12),
                "{a} {share} {e}: {t}"
            );
            // Never inside the silent hour.
            assert_ne!((t % DAY) / HOUR, 3);
        }
        assert_eq!(r.first_arrival(0, 0.0, 1.0), None);
    }

    fn ready(server: u32, pool: u32) -> Worker {
        let mut w = Worker::new(server, pool);
        w.spawn(SimTime(0), KeySet::only(0));
        w.process = Process::Ready;
        w
    }

    #[test]
    fn shares_follow_routing_and_worker_states() {
        // Two servers, two app pools; server 1 crashed but still in the pool;
        // worker 0.1 has no process, worker 0.0 is ready.
        let mut servers = vec![Server::new(), Server::new()];
        servers[1].crashed = true;
        let workers = vec![ready(0, 0), Worker::new(0, 1), ready(1, 0), ready(1, 1)];
        let members = [0, 1];
        fn routing<'s>(
            algorithm: Algorithm,
            servers: &'s [Server],
            affinity: Option<&'s [u64]>,
            members: &'s [u32],
            workers: &'s [Worker],
        ) -> Routing<'s> {
            Routing {
                algorithm,
                affinity,
                members,
                servers,
                workers,
                app_pools: 2,
            }
        }
        let s = split(&routing(
            Algorithm::RoundRobin,
            &servers,
            None,
            &members,
            &workers,
        ));
        assert_eq!((s.accepted, s.unavailable), (0.25, 0.5));
        assert_eq!(
            s.workers,
            vec![WorkerShare {
                worker: 1,
                share: 0.25,
                first: true
            }]
        );
        // Client affinity: three users of server 0, one of server 1.
        let counts = [3, 1];
        let s = split(&routing(
            Algorithm::Random,
            &servers,
            Some(&counts),
            &members,
            &workers,
        ));
        assert_eq!((s.accepted, s.unavailable), (0.375, 0.25));
        assert_eq!(s.workers[0].share, 0.375);
        // Least requests: server 0 busy (a request waits), server 1 idle.
        servers[0].outstanding = 1;
        let s = split(&routing(
            Algorithm::LeastRequests,
            &servers,
            None,
            &members,
            &workers,
        ));
        assert_eq!((s.accepted, s.unavailable, s.workers.len()), (0.0, 1.0, 0));
        // Every server busy: ties share, and a request to a worker with
        // waiting requests is counted in bulk.
        servers[1].outstanding = 1;
        let mut waiting = workers.clone();
        waiting[1].bulk_queued = 1;
        let r = routing(Algorithm::LeastRequests, &servers, None, &members, &waiting);
        let s = split(&r);
        assert_eq!((s.accepted, s.unavailable), (0.25, 0.5));
        assert!(!s.workers[0].first);
        // No server in the pool: everything is unavailable.
        let r = routing(Algorithm::RoundRobin, &servers, None, &[], &workers);
        assert_eq!(
            split(&r),
            Split {
                accepted: 0.0,
                unavailable: 1.0,
                workers: vec![]
            }
        );
    }
}
