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

use super::RunError;
use crate::engine::StreamRng;
use crate::engine::prefetch::prefetch;
use crate::engine::time::HOUR;
use crate::scenario::{Arrivals, Clients as ClientParams};

/// `loop_start` of a user not in a prompt loop.
pub const NO_LOOP: u64 = u64::MAX;
/// `last_server` of a user that has not reached a server yet.
pub const NO_SERVER: u32 = u32::MAX;

// The hot word of a user: what every request reads, in one `u64` so that a
// request touches one cache line of per-user state (a million users' state
// does not fit in cache). Bits 0..7: the kid of the current token (kids are
// < MAX_KEYS = 128). Bit 7: in a prompt loop. Bits 8..64: the instant the
// token is due for renewal, `expiry - renew_before` [ms], saturated at
// `RENEW_MAX` (2^56 - 1 ms, about 2.28 million years: a request at `now`
// renews iff `renew_at <= now`, and `now` < horizon, so the saturation never
// changes a decision for any horizon below that).
const KID_MASK: u64 = 0x7f;
const LOOP_BIT: u64 = 0x80;
const RENEW_SHIFT: u32 = 8;
const RENEW_MAX: u64 = u64::MAX >> RENEW_SHIFT;

/// What only a rejection, a prompt loop or a give-up touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ColdUser {
    /// Start of the current prompt-loop episode [ms], or [`NO_LOOP`].
    loop_start: u64,
    /// Incremented whenever a pending retry or give-up must be forgotten.
    retry_generation: u32,
    /// App pool the prompt loop retries against.
    retry_pool: u8,
    /// A retry is pending, or none will come before the user gives up.
    retry_pending: bool,
    /// Has had a request rejected (after warm-up).
    affected: bool,
}

const COLD_NEW: ColdUser = ColdUser {
    loop_start: NO_LOOP,
    retry_generation: 0,
    retry_pool: 0,
    retry_pending: false,
    affected: false,
};

/// Every user's state, split by how often it is touched: 8 bytes per user
/// read by every request (token and loop flag), 16 bytes per user only on
/// rejections and prompt loops, and 4 bytes per user for the last server
/// only with client affinity.
#[derive(Clone, Debug)]
pub struct Users {
    hot: Vec<u64>,
    cold: Vec<ColdUser>,
    /// Server each user last reached, or [`NO_SERVER`]; empty unless kept.
    last_server: Vec<u32>,
    /// Users in a prompt loop now (fast-forward's quiet condition reads it).
    in_loop: u32,
}

impl Users {
    /// `n` users with no token, not in a loop; `keep_last_server` for
    /// client affinity. Reserved fallibly: with millions of users this is
    /// the run's largest allocation, and a failure must end the run, not
    /// abort.
    pub fn new(n: u32, keep_last_server: bool) -> Result<Self, RunError> {
        let n = n as usize;
        let out_of_memory = |_| RunError::OutOfMemory {
            what: "the users' state",
            bytes: n.saturating_mul(BYTES_PER_USER),
        };
        Ok(Users {
            hot: filled(n, 0).map_err(out_of_memory)?,
            cold: filled(n, COLD_NEW).map_err(out_of_memory)?,
            last_server: filled(if keep_last_server { n } else { 0 }, NO_SERVER)
                .map_err(out_of_memory)?,
            in_loop: 0,
        })
    }

    /// Users in a prompt loop now.
    pub fn in_loop_count(&self) -> u32 {
        self.in_loop
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    /// True when there are no users.
    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    /// The hot word of `user` (pass it to [`hot_in_loop`] and [`hot_kid_if_valid`]).
    #[inline(always)]
    pub fn hot(&self, user: u32) -> u64 {
        self.hot[user as usize]
    }

    /// Asks the CPU to bring `user`'s hot word into cache: the merged stream
    /// knows its users some requests ahead, and a million users' words do
    /// not fit in cache.
    #[inline(always)]
    pub fn prefetch(&self, user: u32) {
        // No bounds check needed: a prefetch of any address is harmless.
        prefetch(self.hot.as_ptr().wrapping_add(user as usize));
    }

    /// In a prompt loop: regular requests are suppressed.
    #[inline(always)]
    pub fn in_loop(&self, user: u32) -> bool {
        hot_in_loop(self.hot(user))
    }

    /// Gives `user` a new token of `kid`, due for renewal at `renew_at` [ms];
    /// returns the new hot word.
    #[inline]
    pub fn issue_token(&mut self, user: u32, kid: u8, renew_at: u64) -> u64 {
        let h = &mut self.hot[user as usize];
        *h = renew_at.min(RENEW_MAX) << RENEW_SHIFT | (*h & LOOP_BIT) | (u64::from(kid) & KID_MASK);
        *h
    }

    /// Drops `user`'s token: the next request gets a fresh one.
    pub fn drop_token(&mut self, user: u32) {
        let h = &mut self.hot[user as usize];
        *h &= LOOP_BIT | KID_MASK;
    }

    /// Start of `user`'s prompt loop [ms], or [`NO_LOOP`].
    pub fn loop_start(&self, user: u32) -> u64 {
        self.cold[user as usize].loop_start
    }

    /// `user` enters a prompt loop at `t`, retrying against `retry_pool`.
    pub fn start_loop(&mut self, user: u32, t: u64, retry_pool: u8) {
        let c = &mut self.cold[user as usize];
        c.loop_start = t;
        c.retry_pool = retry_pool;
        self.hot[user as usize] |= LOOP_BIT;
        self.in_loop += 1;
    }

    /// Ends `user`'s prompt loop, forgetting its pending retry and give-up;
    /// returns when the loop started.
    pub fn end_loop(&mut self, user: u32) -> u64 {
        let c = &mut self.cold[user as usize];
        let start = c.loop_start;
        c.loop_start = NO_LOOP;
        c.retry_pending = false;
        c.retry_generation = c.retry_generation.wrapping_add(1);
        self.hot[user as usize] &= !LOOP_BIT;
        self.in_loop -= 1;
        start
    }

    /// Clears the loop of `user` at the horizon (nothing is pending any
    /// more); returns when it started, if it was in one.
    pub fn close_loop_at_horizon(&mut self, user: u32) -> Option<u64> {
        if self.in_loop(user) {
            let c = &mut self.cold[user as usize];
            let start = c.loop_start;
            c.loop_start = NO_LOOP;
            self.hot[user as usize] &= !LOOP_BIT;
            self.in_loop -= 1;
            Some(start)
        } else {
            None
        }
    }

    /// Generation of `user`'s pending retry and give-up.
    pub fn retry_generation(&self, user: u32) -> u32 {
        self.cold[user as usize].retry_generation
    }

    /// App pool `user`'s prompt loop retries against.
    pub fn retry_pool(&self, user: u32) -> u8 {
        self.cold[user as usize].retry_pool
    }

    /// A retry is pending (or none will come before the user gives up).
    pub fn retry_pending(&self, user: u32) -> bool {
        self.cold[user as usize].retry_pending
    }

    /// Sets whether a retry is pending.
    pub fn set_retry_pending(&mut self, user: u32, pending: bool) {
        self.cold[user as usize].retry_pending = pending;
    }

    /// Marks `user` affected (it had a request rejected after warm-up).
    pub fn mark_affected(&mut self, user: u32) {
        self.cold[user as usize].affected = true;
    }

    /// Whether `user` was marked affected.
    pub fn affected(&self, user: u32) -> bool {
        self.cold[user as usize].affected
    }

    /// Server `user` last reached, or [`NO_SERVER`] (also when not kept).
    #[inline]
    pub fn last_server(&self, user: u32) -> u32 {
        self.last_server
            .get(user as usize)
            .copied()
            .unwrap_or(NO_SERVER)
    }

    /// Records the server `user` reached (kept only with client affinity).
    #[inline(always)]
    pub fn set_last_server(&mut self, user: u32, server: u32) {
        if let Some(s) = self.last_server.get_mut(user as usize) {
            *s = server;
        }
    }
}

/// Bytes of state per user, at most (8 hot, 16 cold, 4 with client affinity).
pub const BYTES_PER_USER: usize =
    std::mem::size_of::<u64>() + std::mem::size_of::<ColdUser>() + std::mem::size_of::<u32>();

/// `n` copies of `value`, reserved fallibly.
fn filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>, std::collections::TryReserveError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)?;
    v.resize(n, value);
    Ok(v)
}

/// Whether the hot word says "in a prompt loop".
#[inline(always)]
pub fn hot_in_loop(hot: u64) -> bool {
    hot & LOOP_BIT != 0
}

/// The kid of the token in the hot word, unless the token is missing or due
/// for renewal at `now`.
#[inline(always)]
pub fn hot_kid_if_valid(hot: u64, now: u64) -> Option<u8> {
    if hot >> RENEW_SHIFT > now {
        Some((hot & KID_MASK) as u8)
    } else {
        None
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

/// How many arrivals the stream draws ahead of the one being handled, when
/// it draws ahead, so that the model can prefetch their users' state (a
/// power of two).
pub const LOOKAHEAD: usize = 16;

/// From this many users on, the stream draws ahead: their hot words (8
/// bytes each) no longer fit in a core's own cache, and a request would
/// wait for its user's word. Below, drawing ahead only costs time.
pub const DRAW_AHEAD_FROM_USERS: u32 = 65_536;

/// The merged regular-request stream of all users.
///
/// With `draw_ahead`, arrivals are drawn [`LOOKAHEAD`] ahead of the one
/// handled; otherwise one at a time. The stream depends on nothing but its
/// own draws, so drawing ahead changes nothing (arrivals drawn past the
/// horizon are never handled). The model calls `peek` and `advance` with
/// `AHEAD` equal to [`ArrivalStream::draws_ahead`], so that each way of
/// drawing compiles to its own loop.
pub struct ArrivalStream {
    generator: Generator,
    rng: StreamRng,
    users: u32,
    app_pools: u32,
    ahead: [Arrival; LOOKAHEAD],
    head: usize,
    draw_ahead: bool,
}

const NS_PER_MS: u64 = 1_000_000;

impl ArrivalStream {
    /// The stream of `params`' users over `app_pools` app pools, drawing
    /// from `rng`, [`LOOKAHEAD`] ahead if `draw_ahead`.
    pub fn new(params: &ClientParams, app_pools: u32, rng: StreamRng, draw_ahead: bool) -> Self {
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
        let first = Arrival {
            ms: 0,
            user: 0,
            app_pool: 0,
        };
        let mut stream = ArrivalStream {
            generator,
            rng,
            users: params.users,
            app_pools,
            ahead: [first; LOOKAHEAD],
            head: 0,
            draw_ahead,
        };
        let n = if draw_ahead { LOOKAHEAD } else { 1 };
        for i in 0..n {
            stream.ahead[i] = stream.draw();
        }
        stream
    }

    /// Whether the stream draws [`LOOKAHEAD`] ahead.
    pub fn draws_ahead(&self) -> bool {
        self.draw_ahead
    }

    /// Fast-forward: forgets the arrivals drawn so far and starts the
    /// stream afresh at `ms`, its draws now from sub-stream `substream` of
    /// its random stream (see [`StreamRng::reposition`]). A Poisson process
    /// has no memory, so the arrivals from `ms` on have the distribution
    /// they had. Fixed arrivals (which fast-forward refuses) are left as
    /// they are.
    pub fn restart(&mut self, ms: u64, substream: u64) {
        let Generator::Poisson { next_ns, .. } = &mut self.generator else {
            return;
        };
        *next_ns = ms.saturating_mul(NS_PER_MS);
        self.rng.reposition(substream);
        self.head = 0;
        let n = if self.draw_ahead { LOOKAHEAD } else { 1 };
        for i in 0..n {
            self.ahead[i] = self.draw();
        }
    }

    /// The next arrival (not yet handled). `AHEAD`: [`Self::draws_ahead`].
    #[inline(always)]
    pub fn peek<const AHEAD: bool>(&self) -> Arrival {
        debug_assert_eq!(AHEAD, self.draw_ahead);
        if AHEAD {
            self.ahead[self.head % LOOKAHEAD]
        } else {
            self.ahead[0]
        }
    }

    /// Moves to the following arrival; returns the user of the one drawn
    /// (when drawing ahead, `LOOKAHEAD - 1` after the new next one), to
    /// prefetch its state. `AHEAD`: [`Self::draws_ahead`].
    #[inline(always)]
    pub fn advance<const AHEAD: bool>(&mut self) -> u32 {
        debug_assert_eq!(AHEAD, self.draw_ahead);
        let drawn = self.draw();
        if AHEAD {
            self.ahead[self.head % LOOKAHEAD] = drawn;
            self.head = (self.head + 1) % LOOKAHEAD;
        } else {
            self.ahead[0] = drawn;
        }
        drawn.user
    }

    /// Draws the arrival after the last one drawn.
    #[inline(always)]
    fn draw(&mut self) -> Arrival {
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
                return Arrival { ms, user, app_pool };
            },
            Generator::Fixed {
                period,
                cycle,
                index,
            } => {
                let drawn = fixed_arrival(*period, self.users, self.app_pools, *cycle, *index);
                *index += 1;
                if *index == self.users {
                    *index = 0;
                    *cycle += 1;
                }
                drawn
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
impl ArrivalStream {
    fn peek_any(&self) -> Arrival {
        if self.draw_ahead {
            self.peek::<true>()
        } else {
            self.peek::<false>()
        }
    }

    fn advance_any(&mut self) {
        if self.draw_ahead {
            self.advance::<true>();
        } else {
            self.advance::<false>();
        }
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
            false,
        );
        let got: Vec<(u64, u32, u32)> = (0..5)
            .map(|_| {
                let a = s.peek::<false>();
                s.advance::<false>();
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
    fn hot_word_keeps_token_loop_and_renewal_apart() {
        let mut u = Users::new(3, false).unwrap();
        assert_eq!(hot_kid_if_valid(u.hot(0), 0), None, "no token yet");
        u.issue_token(0, 5, 1000);
        assert_eq!(hot_kid_if_valid(u.hot(0), 999), Some(5));
        assert_eq!(hot_kid_if_valid(u.hot(0), 1000), None, "due at renew_at");
        u.start_loop(0, 10, 2);
        assert!(u.in_loop(0) && !u.in_loop(1));
        assert_eq!(u.in_loop_count(), 1);
        u.issue_token(0, 127, 2000);
        assert!(u.in_loop(0), "a new token keeps the loop");
        assert_eq!(hot_kid_if_valid(u.hot(0), 1999), Some(127));
        assert_eq!((u.loop_start(0), u.retry_pool(0)), (10, 2));
        assert_eq!(u.end_loop(0), 10);
        assert!(!u.in_loop(0) && u.loop_start(0) == NO_LOOP);
        assert_eq!(u.in_loop_count(), 0);
        assert_eq!(u.retry_generation(0), 1);
        assert_eq!(
            hot_kid_if_valid(u.hot(0), 1999),
            Some(127),
            "loop end keeps the token"
        );
        u.drop_token(0);
        assert_eq!(hot_kid_if_valid(u.hot(0), 0), None);
        // Renewal instants beyond 2^56 - 1 ms saturate there.
        u.issue_token(1, 3, u64::MAX);
        assert_eq!(hot_kid_if_valid(u.hot(1), RENEW_MAX - 1), Some(3));
        assert!(!u.in_loop(1));
        assert_eq!(u.last_server(2), NO_SERVER, "not kept without affinity");
        u.set_last_server(2, 7);
        assert_eq!(u.last_server(2), NO_SERVER);
        let mut kept = Users::new(1, true).unwrap();
        kept.set_last_server(0, 7);
        assert_eq!(kept.last_server(0), 7);
    }

    #[test]
    fn drawing_ahead_keeps_the_order_and_names_the_users_to_prefetch() {
        let p = params(Arrivals::Poisson, 1000, 10 * SECOND, [1.0; 24]);
        let mut stream = ArrivalStream::new(&p, 3, StreamRng::new(4, 0, "a"), true);
        let mut one_by_one = ArrivalStream::new(&p, 3, StreamRng::new(4, 0, "a"), false);
        let expected: Vec<Arrival> = (0..300)
            .map(|_| {
                let a = one_by_one.peek::<false>();
                one_by_one.advance::<false>();
                a
            })
            .collect();
        let mut prefetched = Vec::new();
        for want in &expected[..200] {
            assert_eq!(stream.peek::<true>(), *want);
            prefetched.push(stream.advance::<true>());
        }
        // Each advance names the user LOOKAHEAD arrivals after the one handled.
        for (i, user) in prefetched.iter().enumerate() {
            assert_eq!(*user, expected[i + LOOKAHEAD].user);
        }
    }

    #[test]
    fn a_restart_forgets_the_drawn_arrivals_and_depends_on_its_substream_only() {
        let p = params(Arrivals::Poisson, 1000, 10 * SECOND, [1.0; 24]);
        for ahead in [false, true] {
            let mut a = ArrivalStream::new(&p, 2, StreamRng::new(4, 0, "a"), ahead);
            let mut b = ArrivalStream::new(&p, 2, StreamRng::new(4, 0, "a"), ahead);
            for _ in 0..50 {
                b.advance_any();
            }
            a.restart(HOUR, 9);
            b.restart(HOUR, 9);
            for _ in 0..40 {
                let (x, y) = (a.peek_any(), b.peek_any());
                assert_eq!(x, y);
                assert!(x.ms >= HOUR);
                a.advance_any();
                b.advance_any();
            }
        }
    }

    #[test]
    fn poisson_rate_matches_users_over_interval() {
        let mut s = ArrivalStream::new(
            &params(Arrivals::Poisson, 100, 10 * SECOND, [1.0; 24]),
            4,
            StreamRng::new(1, 0, "a"),
            false,
        );
        let horizon = 2 * HOUR;
        let mut n = 0u64;
        let mut last = 0;
        let mut per_user = [0u32; 100];
        while s.peek::<false>().ms < horizon {
            let a = s.peek::<false>();
            assert!(a.ms >= last);
            last = a.ms;
            per_user[a.user as usize] += 1;
            assert!(a.app_pool < 4);
            n += 1;
            s.advance::<false>();
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
            true,
        );
        let mut n = 0;
        while s.peek::<true>().ms < 24 * HOUR {
            let hour = s.peek::<true>().ms / HOUR;
            assert_eq!(hour, 1);
            n += 1;
            s.advance::<true>();
        }
        assert!(n > 0);
    }
}
