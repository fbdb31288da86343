//! Clients: users, their tokens and prompt loops, and the merged request
//! stream (R2, R9).
//!
//! The regular requests of every user are generated as one merged stream,
//! outside the event queue: with `poisson` arrivals the superposition of
//! `users` Poisson processes of mean `request_interval` is one Poisson
//! process of rate `users / request_interval` whose every arrival belongs to
//! a uniformly chosen user. The daily profile is applied by thinning:
//! candidates are drawn at the peak rate and kept with probability
//! `weight(hour) / peak`. The stream runs on nanoseconds internally so that
//! gaps of a fraction of a millisecond are not rounded away; requests are
//! handled at their millisecond. All of its draws come from
//! `clients.arrivals`, whatever the flag or the model state, so flag-off and
//! flag-on runs see the same arrivals; a request of a user in a prompt loop
//! is drawn and then suppressed.

use crate::engine::StreamRng;
use crate::engine::time::HOUR;
use crate::scenario::{Arrivals, Clients as ClientParams};

/// `loop_start` of a user not in a prompt loop.
pub const NO_LOOP: u64 = u64::MAX;
/// `last_server` of a user that has not reached a server yet.
pub const NO_SERVER: u32 = u32::MAX;

/// One user's state. Kept small: there may be millions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User {
    /// Expiry of the current token [ms]; 0 = no token yet.
    pub token_expiry: u64,
    /// Start of the current prompt-loop episode [ms], or [`NO_LOOP`].
    pub loop_start: u64,
    /// Incremented whenever a pending retry or give-up must be forgotten.
    pub retry_generation: u32,
    /// Server of the last request (client affinity), or [`NO_SERVER`].
    pub last_server: u32,
    /// Kid of the current token.
    pub token_kid: u8,
    /// App pool the prompt loop retries against.
    pub retry_pool: u8,
    /// A retry is pending, or none will come before the user gives up.
    pub retry_pending: bool,
    /// Has had a request rejected (after warm-up).
    pub affected: bool,
}

impl User {
    /// A user with no token, not in a loop.
    pub const NEW: User = User {
        token_expiry: 0,
        loop_start: NO_LOOP,
        retry_generation: 0,
        last_server: NO_SERVER,
        token_kid: 0,
        retry_pool: 0,
        retry_pending: false,
        affected: false,
    };

    /// In a prompt loop: regular requests are suppressed.
    #[inline(always)]
    pub fn in_loop(&self) -> bool {
        self.loop_start != NO_LOOP
    }
}

/// One regular request of the merged stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// When [ms].
    pub ms: u64,
    /// Which user.
    pub user: u32,
    /// Which app pool it is for.
    pub app_pool: u32,
}

enum Generator {
    Poisson {
        next_ns: u64,
        mean_gap_ns: f64,
        /// `weight / peak` per hour of the day; `None` when flat.
        acceptance: Option<[f64; 24]>,
    },
    Fixed {
        period: u64,
        cycle: u64,
        index: u32,
    },
}

/// The merged regular-request stream of all users.
pub struct ArrivalStream {
    generator: Generator,
    rng: StreamRng,
    users: u32,
    app_pools: u32,
    next: Arrival,
}

const NS_PER_MS: u64 = 1_000_000;

impl ArrivalStream {
    /// The stream of `params`' users over `app_pools` app pools, drawing from `rng`.
    pub fn new(params: &ClientParams, app_pools: u32, rng: StreamRng) -> Self {
        let generator = match params.arrivals {
            Arrivals::Poisson => {
                let peak = params.daily_profile.iter().cloned().fold(0.0, f64::max);
                let flat = params.daily_profile.iter().all(|&w| w == peak);
                let acceptance = (!flat).then(|| params.daily_profile.map(|w| w / peak));
                Generator::Poisson {
                    next_ns: 0,
                    mean_gap_ns: params.request_interval as f64 * NS_PER_MS as f64
                        / (f64::from(params.users) * peak),
                    acceptance,
                }
            }
            Arrivals::Fixed => Generator::Fixed {
                period: params.request_interval,
                cycle: 0,
                index: 0,
            },
        };
        let mut stream = ArrivalStream {
            generator,
            rng,
            users: params.users,
            app_pools,
            next: Arrival {
                ms: 0,
                user: 0,
                app_pool: 0,
            },
        };
        stream.advance_from_start();
        stream
    }

    fn advance_from_start(&mut self) {
        match self.generator {
            Generator::Poisson { .. } => self.advance(),
            Generator::Fixed { period, .. } => {
                self.next = fixed_arrival(period, self.users, self.app_pools, 0, 0)
            }
        }
    }

    /// The next arrival (not yet handled).
    #[inline(always)]
    pub fn peek(&self) -> Arrival {
        self.next
    }

    /// Moves to the following arrival.
    #[inline(always)]
    pub fn advance(&mut self) {
        match &mut self.generator {
            Generator::Poisson {
                next_ns,
                mean_gap_ns,
                acceptance,
            } => loop {
                let gap = self.rng.exp1() * *mean_gap_ns;
                *next_ns = next_ns.saturating_add(gap as u64);
                let ms = *next_ns / NS_PER_MS;
                if let Some(accept) = acceptance {
                    let hour = ((ms / HOUR) % 24) as usize;
                    if self.rng.unit() >= accept[hour] {
                        continue;
                    }
                }
                // One draw picks both the user and the app pool
                // (multiply-shift: unbiased enough for any user count here).
                let r = self.rng.next_u64();
                let user = (((r >> 32) * u64::from(self.users)) >> 32) as u32;
                let app_pool = ((u64::from(r as u32) * u64::from(self.app_pools)) >> 32) as u32;
                self.next = Arrival { ms, user, app_pool };
                return;
            },
            Generator::Fixed {
                period,
                cycle,
                index,
            } => {
                *index += 1;
                if *index == self.users {
                    *index = 0;
                    *cycle += 1;
                }
                self.next = fixed_arrival(*period, self.users, self.app_pools, *cycle, *index);
            }
        }
    }
}

/// Request `cycle` of user `index` with `fixed` arrivals (R9):
/// `index * period / users + cycle * period`, in integer milliseconds.
fn fixed_arrival(period: u64, users: u32, app_pools: u32, cycle: u64, index: u32) -> Arrival {
    let offset = u64::from(index) * period / u64::from(users);
    Arrival {
        ms: cycle.saturating_mul(period).saturating_add(offset),
        user: index,
        // Deterministic rotation over app pools, so hand computations need no draws.
        app_pool: ((cycle + u64::from(index)) % u64::from(app_pools)) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SECOND;
    use crate::scenario::MillisRange;

    fn params(arrivals: Arrivals, users: u32, interval: u64, profile: [f64; 24]) -> ClientParams {
        ClientParams {
            users,
            arrivals,
            request_interval: interval,
            daily_profile: profile,
            prompt_retry: MillisRange { min: 1, max: 1 },
            give_up_after: None,
        }
    }

    #[test]
    fn fixed_arrivals_follow_the_formula() {
        let mut s = ArrivalStream::new(
            &params(Arrivals::Fixed, 3, 10 * SECOND, [1.0; 24]),
            2,
            StreamRng::new(1, 0, "a"),
        );
        let got: Vec<(u64, u32, u32)> = (0..5)
            .map(|_| {
                let a = s.peek();
                s.advance();
                (a.ms, a.user, a.app_pool)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 0, 0),
                (3333, 1, 1),
                (6666, 2, 0),
                (10_000, 0, 1),
                (13_333, 1, 0)
            ]
        );
    }

    #[test]
    fn poisson_rate_matches_users_over_interval() {
        let mut s = ArrivalStream::new(
            &params(Arrivals::Poisson, 100, 10 * SECOND, [1.0; 24]),
            4,
            StreamRng::new(1, 0, "a"),
        );
        let horizon = 2 * HOUR;
        let mut n = 0u64;
        let mut last = 0;
        let mut per_user = [0u32; 100];
        while s.peek().ms < horizon {
            assert!(s.peek().ms >= last);
            last = s.peek().ms;
            per_user[s.peek().user as usize] += 1;
            assert!(s.peek().app_pool < 4);
            n += 1;
            s.advance();
        }
        let expected = 100.0 * horizon as f64 / (10 * SECOND) as f64; // 72 000
        assert!(
            (n as f64 - expected).abs() < 4.0 * expected.sqrt(),
            "n = {n}"
        );
        assert!(per_user.iter().all(|&c| c > 500 && c < 950));
    }

    #[test]
    fn profile_thins_quiet_hours() {
        let mut profile = [0.0; 24];
        profile[1] = 24.0; // all traffic between 01:00 and 02:00
        let mut s = ArrivalStream::new(
            &params(Arrivals::Poisson, 50, 60 * SECOND, profile),
            1,
            StreamRng::new(1, 0, "a"),
        );
        let mut n = 0;
        while s.peek().ms < 24 * HOUR {
            let hour = s.peek().ms / HOUR;
            assert_eq!(hour, 1);
            n += 1;
            s.advance();
        }
        assert!(n > 0);
    }
}
