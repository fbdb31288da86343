//! Fast-forward mode (`simulation.fast_forward`, `--fast-forward`): the
//! run switches between *exact* stretches, where every request is simulated
//! as in exact mode, and *quiet* stretches, where no request can fail
//! ([`super::super::quiet`]) and requests are counted in bulk
//! ([`super::super::bulk`]) while every queued event (crashes, recycles,
//! maintenance, probes, auth admin runs, reloads, rollovers) still runs
//! through the same model code. `docs/model.md`, "Fast-forward", specifies
//! it; this file binds it to the simulation (a child of `sim`, so that the
//! switching code reads the simulation's state directly).
//!
//! - **Entering** quiet time: checked at queued events at most once a
//!   minute of simulated time while exact.
//! - **In quiet time** the stream's arrivals of each stretch between state
//!   changes (a *segment*, never across a bucket boundary or the metrics
//!   warm-up's end) are Poisson counts split by [`bulk::split`]; requests
//!   whose arrival changes the state (the first to a worker without a
//!   process) run one by one as [`Event::QuietRequest`]s.
//! - **Leaving** quiet time: at each resume instant ([`Event::Resume`],
//!   `resume_before` ahead of a signing instant), or when the quiet
//!   condition's invariant breaks (with client affinity, a server leaving
//!   the pool). Waiting bulk requests get users, every user gets a token
//!   from the stationary distribution of the token renewal process, and the
//!   request stream restarts.
//! - **Common random numbers**: at every resume instant and every exit, the
//!   request-driven streams move to a sub-stream named by the instant
//!   ([`StreamRng::reposition`]); bulk counts, single requests' clocks and
//!   the draws at an exit use sub-streams named by their instant too. Two
//!   runs (flag off and on) in the same state at the same instant draw the
//!   same numbers from there on.

use super::Simulation;
use crate::engine::poisson::poisson;
use crate::engine::time::MINUTE;
use crate::engine::{SimTime, StreamRng, StreamSeed, substream};
use crate::metrics::RunId;
use crate::metrics::RunSummary;
use crate::model::RunError;
use crate::model::bulk::{self, Rate, Split};
use crate::model::clients::NO_SERVER;
use crate::model::event::Event;
use crate::model::quiet::{self, Schedule};
use crate::model::worker::{Process, QueuedRequest};
use crate::scenario::{Affinity, Scenario};

/// How often an exact stretch checks whether the model is quiet, at most.
const CHECK_EVERY: u64 = MINUTE;

/// Sub-stream coordinates of the different uses of one instant.
const SALT_BULK: u64 = 1;
const SALT_CLOCK: u64 = 2 << 32;
const SALT_USER: u64 = 3 << 32;
const SALT_TOKENS: u64 = 4;
const SALT_QUEUED: u64 = 5;

/// A worker's clock of single requests in quiet time.
#[derive(Clone, Copy, Debug, Default)]
struct Clock {
    /// Its share of the stream when drawn (0: not running).
    share: f64,
    /// Bumped at every redraw: older [`Event::QuietRequest`]s are stale.
    generation: u32,
}

/// Fast-forward's state in a run (see the module documentation).
pub(super) struct FastForward {
    schedule: Schedule,
    rate: Rate,
    /// In a quiet stretch.
    quiet: bool,
    /// The signing key of the current quiet stretch.
    quiet_key: u8,
    /// Start of the current quiet stretch [ms].
    quiet_since: u64,
    /// Quiet time so far [ms].
    forwarded_ms: u64,
    /// The next instant an exact stretch checks the quiet condition.
    next_check: u64,
    /// Start of the open segment [ms].
    seg_start: u64,
    /// The shares of the open segment.
    split: Split,
    /// A probe changed the pool: recompute the shares.
    dirty: bool,
    clocks: Vec<Clock>,
    /// With client affinity: users per server, counted at the quiet
    /// stretch's start (routing state does not change in quiet time).
    users_per_server: Vec<u64>,
    /// With client affinity: every user has reached a server (once true,
    /// stays true).
    every_user_placed: bool,
    /// `clients.bulk`: segment counts.
    bulk_rng: StreamRng,
    /// `clients.quiet`: single requests' clocks and users.
    quiet_rng: StreamRng,
    /// `clients.resume`: tokens and waiting requests' users at an exit.
    resume_rng: StreamRng,
}

impl FastForward {
    /// Fast-forward for the run `root` of `sc` with `workers` workers and
    /// `servers` servers.
    pub(super) fn new(sc: &Scenario, root: &StreamSeed, workers: usize, servers: usize) -> Self {
        FastForward {
            schedule: Schedule::new(sc, *root),
            rate: Rate::new(&sc.clients),
            quiet: false,
            quiet_key: 0,
            quiet_since: 0,
            forwarded_ms: 0,
            next_check: 0,
            seg_start: 0,
            split: Split::default(),
            dirty: false,
            clocks: vec![Clock::default(); workers],
            users_per_server: vec![0; servers],
            every_user_placed: false,
            bulk_rng: root.stream("clients.bulk"),
            quiet_rng: root.stream("clients.quiet"),
            resume_rng: root.stream("clients.resume"),
        }
    }
}

impl<'a> Simulation<'a> {
    /// Whether the run is in a quiet stretch.
    #[inline]
    fn is_quiet(&self) -> bool {
        self.ff.as_ref().is_some_and(|ff| ff.quiet)
    }

    /// Set-up: the resume instants, first of all events (so each runs first
    /// among the events of its instant).
    pub(super) fn schedule_resumes(&mut self) {
        let Some(ff) = &self.ff else {
            return;
        };
        let resumes = ff.schedule.resumes().to_vec();
        for (index, r) in resumes.into_iter().enumerate() {
            self.at(
                SimTime(r),
                Event::Resume {
                    index: index as u32,
                },
            );
        }
    }

    /// A probe changed the pool: the shares change.
    pub(super) fn pool_changed(&mut self) {
        if let Some(ff) = &mut self.ff {
            ff.dirty = true;
        }
    }

    /// The run loop of fast-forward mode: [`Simulation::run`]'s, with the
    /// switches between exact and quiet stretches.
    pub(super) fn run_fast_forward(mut self, id: RunId) -> Result<RunSummary, RunError> {
        let horizon = self.horizon.ms();
        loop {
            if !self.is_quiet() {
                if self.arrivals.draws_ahead() {
                    self.regular_requests::<true>();
                } else {
                    self.regular_requests::<false>();
                }
            }
            let next_event = self.queue.next_time().ms();
            if next_event >= horizon {
                break;
            }
            let Some((key, event)) = self.queue.pop() else {
                break;
            };
            self.now = key.time;
            let probe = event == Event::Probe;
            if self.is_quiet() {
                self.segments_until(self.now.ms(), !probe);
            }
            let (kind, entity) = event.code();
            self.fingerprint.record(key.time.ms(), kind, entity);
            self.events += 1;
            self.handle(event);
            if let Some(error) = self.error.take() {
                return Err(error);
            }
            self.after_event(probe);
            self.check_limits()?;
        }
        self.now = self.horizon;
        if self.is_quiet() {
            self.segments_until(horizon, true);
            if let Some(ff) = &mut self.ff {
                ff.forwarded_ms += horizon - ff.quiet_since;
            }
        }
        let forwarded = self.ff.as_ref().map_or(0, |ff| ff.forwarded_ms);
        let mut summary = self.finish(id);
        summary.totals.fast_forwarded_ms = forwarded;
        Ok(summary)
    }

    /// Closes the open segment at every bucket boundary (and the metrics
    /// warm-up's end) up to `t`, and at `t` itself if `flush` and requests
    /// are being queued in bulk (an event may now resolve them).
    fn segments_until(&mut self, t: u64, flush: bool) {
        let (bucket, warmup) = (self.sc.simulation.bucket.max(1), self.sc.simulation.warmup);
        loop {
            let Some(ff) = &self.ff else {
                return;
            };
            let start = ff.seg_start;
            let mut boundary = (start / bucket + 1).saturating_mul(bucket);
            if warmup > start {
                boundary = boundary.min(warmup);
            }
            if boundary > t {
                break;
            }
            self.close_segment(boundary);
        }
        let queuing = self
            .ff
            .as_ref()
            .is_some_and(|ff| ff.split.workers.iter().any(|w| !w.first));
        if flush && queuing {
            self.close_segment(t);
        }
    }

    /// Counts the requests of the open segment `[seg_start, end)` with its
    /// shares (one sub-stream per segment start) and opens the next at `end`.
    fn close_segment(&mut self, end: u64) {
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        let start = ff.seg_start;
        if end <= start {
            return;
        }
        ff.seg_start = end;
        let mean = ff.rate.mean(start, end);
        let rng = &mut ff.bulk_rng;
        rng.reposition(substream(start, SALT_BULK));
        let accepted = poisson(rng, mean * ff.split.accepted);
        let unavailable = poisson(rng, mean * ff.split.unavailable);
        for w in ff.split.workers.iter().filter(|w| !w.first) {
            let queued = poisson(rng, mean * w.share);
            let worker = &mut self.workers[w.worker as usize];
            worker.bulk_queued += queued;
            let server = &mut self.servers[worker.server as usize];
            server.outstanding = server
                .outstanding
                .saturating_add(u32::try_from(queued).unwrap_or(u32::MAX));
        }
        self.recorder.resolved_in_bulk(start, accepted, unavailable);
    }

    /// Before a server stops or a worker's queue is served: count the
    /// requests queued in bulk so far.
    pub(super) fn flush_bulk(&mut self) {
        if self.is_quiet() {
            self.close_segment(self.now.ms());
        }
    }

    /// After every event: in quiet time, the shares and the invariant; in
    /// an exact stretch, whether the model has become quiet.
    fn after_event(&mut self, probe: bool) {
        let Some(ff) = &mut self.ff else {
            return;
        };
        if ff.quiet {
            if probe && !ff.dirty {
                return;
            }
            ff.dirty = false;
            if let Some(reason) = self.invariant_broken() {
                self.exit_quiet(reason);
            } else {
                self.reshare();
            }
        } else if self.now.ms() >= ff.next_check {
            self.try_enter();
        }
    }

    /// The signing key and the instant it started signing.
    fn signing(&self) -> (u8, u64) {
        let k = self.issuer.signing;
        let since = self
            .issuer
            .records
            .iter()
            .find(|r| r.key == u32::from(k))
            .map_or(0, |r| r.sign_ms);
        (k, since)
    }

    /// In quiet time, what the quiet condition guarantees and an event could
    /// still break: with client affinity every server stays in the pool; and,
    /// as a guard on the proof, no user in a loop, no window, the key of the
    /// quiet stretch still signs, local AD and every process hold it, and
    /// every ready process of a running server accepts it.
    fn invariant_broken(&self) -> Option<&'static str> {
        let k = self.issuer.signing;
        if self.sc.balancer.affinity == Affinity::Client && self.servers.iter().any(|s| !s.in_pool)
        {
            return Some("a server left the pool (client affinity)");
        }
        if self.users.in_loop_count() > 0 || self.workers.iter().any(|w| w.window.is_some()) {
            return Some("a request failed");
        }
        if self.ff.as_ref().is_some_and(|ff| ff.quiet_key != k) {
            return Some("another key signs");
        }
        if !self.directory.visible.contains(k) {
            return Some("local AD lacks the signing key");
        }
        let lost = self.workers.iter().enumerate().any(|(i, w)| {
            (w.has_process() && !w.cache.contains(k))
                || (w.process == Process::Ready
                    && self.servers[w.server as usize].running()
                    && !self.serving.accepts(i as u32, k))
        });
        lost.then_some("a process lacks the signing key")
    }

    /// Recomputes the shares; on a change, closes the segment (the old
    /// shares held until now) and redraws the clocks that changed.
    fn reshare(&mut self) {
        let Some(ff) = &self.ff else {
            return;
        };
        let affinity =
            (self.sc.balancer.affinity == Affinity::Client).then_some(&ff.users_per_server[..]);
        let split = bulk::split(&bulk::Routing {
            algorithm: self.balancer.algorithm(),
            affinity,
            members: self.balancer.members(),
            servers: &self.servers,
            workers: &self.workers,
            app_pools: self.app_pools,
        });
        if split == ff.split {
            return;
        }
        self.close_segment(self.now.ms());
        if let Some(ff) = &mut self.ff {
            ff.split = split;
        }
        self.redraw_clocks();
    }

    /// Every worker whose next request changes the state gets a clock at its
    /// share of the stream (a thinned Poisson process, so memoryless: a
    /// clock whose share did not change keeps its pending request).
    fn redraw_clocks(&mut self) {
        let now = self.now.ms();
        let horizon = self.horizon.ms();
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        let mut wanted = vec![0.0; ff.clocks.len()];
        for w in ff.split.workers.iter().filter(|w| w.first) {
            wanted[w.worker as usize] = w.share;
        }
        let mut due = Vec::new();
        for (w, share) in wanted.into_iter().enumerate() {
            let clock = &mut ff.clocks[w];
            if clock.share == share {
                continue;
            }
            clock.share = share;
            clock.generation = clock.generation.wrapping_add(1);
            if share > 0.0 {
                ff.quiet_rng
                    .reposition(substream(now, SALT_CLOCK | w as u64));
                let e = ff.quiet_rng.exp1();
                if let Some(t) = ff.rate.first_arrival(now, share, e)
                    && t < horizon
                {
                    due.push((t, w as u32, clock.generation));
                }
            }
        }
        for (t, worker, generation) in due {
            self.at(SimTime(t), Event::QuietRequest { worker, generation });
        }
    }

    /// [`Event::QuietRequest`]: a request to a worker that is not ready,
    /// through the model's own code (it spawns the process or waits for
    /// it), from a user who may send there.
    pub(super) fn quiet_request(&mut self, worker: u32, generation: u32) {
        let now = self.now.ms();
        let users = self.users.len() as u32;
        let server = self.workers[worker as usize].server;
        let affinity = self.sc.balancer.affinity == Affinity::Client;
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        let clock = &mut ff.clocks[worker as usize];
        if !ff.quiet || clock.generation != generation {
            return;
        }
        // Used up: the state changes, and the next redraw sets it again.
        clock.share = 0.0;
        ff.quiet_rng
            .reposition(substream(now, SALT_USER | u64::from(worker)));
        let user = pick_user(&mut ff.quiet_rng, users, |u| {
            !affinity || self.users.last_server(u) == server
        });
        let kid = self.issuer.signing;
        self.deliver(worker, server, user, kid);
    }

    /// Checks the quiet condition and enters a quiet stretch if it holds.
    fn try_enter(&mut self) {
        let now = self.now.ms();
        let (k, since) = self.signing();
        let affinity = self.sc.balancer.affinity == Affinity::Client;
        if affinity && !self.ff.as_ref().is_some_and(|ff| ff.every_user_placed) {
            let placed =
                (0..self.users.len() as u32).all(|u| self.users.last_server(u) != NO_SERVER);
            if let Some(ff) = &mut self.ff {
                ff.every_user_placed = placed;
            }
        }
        let Some(ff) = &self.ff else {
            return;
        };
        // The resume instant of the next key to sign (one signing now may
        // not have been handled yet): at or before now between a resume
        // instant and its signing instant.
        let next_resume = ff
            .schedule
            .next_sign_from(now)
            .map(|a| a.saturating_sub(quiet::resume_before(self.sc)));
        let state = quiet::State {
            now,
            signing: k,
            signing_since: since,
            lifetime_max: self.sc.issuer.token_lifetime.max,
            users_in_loop: self.users.in_loop_count(),
            visible: self.directory.visible,
            workers: &self.workers,
            affinity: affinity.then_some((&self.servers[..], ff.every_user_placed)),
            next_resume,
        };
        let verdict = quiet::check(&state, self.queue.pending());
        let next_check = match verdict {
            Ok(()) => {
                self.enter_quiet(next_resume);
                return;
            }
            // Nothing can be quiet before the next key signs and its old
            // tokens expire.
            Err(quiet::NotQuiet::SigningTooSoon) => ff
                .schedule
                .next_sign_from(now)
                .unwrap_or(u64::MAX)
                .max(now + CHECK_EVERY),
            Err(quiet::NotQuiet::TokensOfAnOlderKey) => {
                since.saturating_add(self.sc.issuer.token_lifetime.max)
            }
            Err(_) => now + CHECK_EVERY,
        };
        if let Some(ff) = &mut self.ff {
            ff.next_check = next_check;
        }
    }

    fn enter_quiet(&mut self, until: Option<u64>) {
        let now = self.now.ms();
        let key = self.issuer.signing;
        let affinity = self.sc.balancer.affinity == Affinity::Client;
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        ff.quiet = true;
        ff.quiet_key = key;
        ff.quiet_since = now;
        ff.seg_start = now;
        ff.split = Split::default();
        for clock in &mut ff.clocks {
            clock.share = 0.0;
            clock.generation = clock.generation.wrapping_add(1);
        }
        if affinity {
            ff.users_per_server.iter_mut().for_each(|c| *c = 0);
            for u in 0..self.users.len() as u32 {
                let s = self.users.last_server(u);
                if let Some(c) = ff.users_per_server.get_mut(s as usize) {
                    *c += 1;
                }
            }
        }
        self.trace("fast_forward_start", None, None, || match until {
            Some(t) => format!("quiet until {t}"),
            None => "quiet until the horizon".to_string(),
        });
        self.reshare();
    }

    /// Ends the quiet stretch now: requests are simulated one by one again.
    fn exit_quiet(&mut self, reason: &'static str) {
        let now = self.now.ms();
        self.close_segment(now);
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        ff.quiet = false;
        ff.forwarded_ms += now - ff.quiet_since;
        ff.next_check = now + CHECK_EVERY;
        ff.split = Split::default();
        for clock in &mut ff.clocks {
            clock.share = 0.0;
            clock.generation = clock.generation.wrapping_add(1);
        }
        self.trace("fast_forward_end", None, None, || reason.to_string());
        self.materialise_bulk_queues();
        self.resume_tokens();
        self.reposition_request_streams(now);
    }

    /// [`Event::Resume`]: the next key signs `resume_before` from now.
    pub(super) fn resume(&mut self) {
        if self.is_quiet() {
            self.exit_quiet("resume before the next key signs");
        } else {
            self.reposition_request_streams(self.now.ms());
        }
    }

    /// The request-driven streams (the ones a flag value may consume
    /// differently) continue from the sub-stream of instant `t`, and the
    /// request stream restarts at `t`.
    fn reposition_request_streams(&mut self, t: u64) {
        let sub = substream(t, 0);
        self.token_rng.reposition(sub);
        self.replication_rng.reposition(sub);
        self.retry_rng.reposition(sub);
        self.balancer.reposition(sub);
        for w in &mut self.worker_streams {
            w.update.reposition(sub);
        }
        self.arrivals.restart(t, sub);
    }

    /// Requests of quiet time still waiting for a process become requests
    /// of users (uniform among those who may send there), carrying the
    /// signing key, behind those already waiting.
    fn materialise_bulk_queues(&mut self) {
        let now = self.now.ms();
        let users = self.users.len() as u32;
        let affinity = self.sc.balancer.affinity == Affinity::Client;
        let kid = self.issuer.signing;
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        for (i, w) in self.workers.iter_mut().enumerate() {
            if w.bulk_queued == 0 {
                continue;
            }
            ff.resume_rng
                .reposition(substream(now, SALT_QUEUED << 32 | i as u64));
            let server = w.server;
            for _ in 0..std::mem::take(&mut w.bulk_queued) {
                let user = pick_user(&mut ff.resume_rng, users, |u| {
                    !affinity || self.users.last_server(u) == server
                });
                w.queue.push_back(QueuedRequest::new(user, kid));
            }
        }
    }

    /// Every user's token from the stationary distribution of its renewal
    /// cycle at the current hour's request rate (`docs/model.md`,
    /// "Fast-forward"): the requests simulated from here on then only have
    /// to absorb what that distribution leaves out.
    fn resume_tokens(&mut self) {
        let now = self.now.ms();
        let issuer = &self.sc.issuer;
        let valid_min = issuer
            .token_lifetime
            .min
            .saturating_sub(issuer.renew_before) as f64;
        let valid_max = issuer
            .token_lifetime
            .max
            .saturating_sub(issuer.renew_before) as f64;
        let kid = self.issuer.signing;
        let users = self.users.len();
        let Some(ff) = self.ff.as_deref_mut() else {
            return;
        };
        // A user's requests per ms at this hour, and the mean time from a
        // token falling due to the user's next request.
        let per_user = ff.rate.mean(now, now + 1) / users.max(1) as f64;
        let due = if per_user > 0.0 {
            1.0 / per_user
        } else {
            f64::INFINITY
        };
        let valid_mean = (valid_min + valid_max) / 2.0;
        // Nobody requests at this hour (a zero weight): every token falls
        // due before its user's next request.
        let p_valid = if valid_mean > 0.0 && due.is_finite() {
            valid_mean / (valid_mean + due)
        } else {
            0.0
        };
        let rng = &mut ff.resume_rng;
        rng.reposition(substream(now, SALT_TOKENS));
        for u in 0..users as u32 {
            if rng.unit() >= p_valid {
                self.users.drop_token(u);
                continue;
            }
            let left = stationary_residual(rng, valid_min, valid_max);
            let renew_at = now.saturating_add(left as u64);
            if renew_at > now {
                self.users.issue_token(u, kid, renew_at);
            } else {
                self.users.drop_token(u);
            }
        }
    }
}

/// A user for which `allowed` holds, uniform among them, by rejection (the
/// caller knows some user is allowed; after a bounded number of tries the
/// first allowed user found by a scan is taken).
fn pick_user(rng: &mut StreamRng, users: u32, allowed: impl Fn(u32) -> bool) -> u32 {
    for _ in 0..1024 {
        let u = rng.below(users.max(1));
        if allowed(u) {
            return u;
        }
    }
    let start = rng.below(users.max(1));
    (0..users)
        .map(|i| (start + i) % users)
        .find(|&u| allowed(u))
        .unwrap_or(0)
}

/// The time left on a token at a random instant of its valid period, for
/// valid periods uniform on `[lo, hi]` ms: density proportional to
/// `P(valid period > r)` (length-biased, then uniform within): 1 on
/// `[0, lo]`, falling linearly to 0 at `hi`.
fn stationary_residual(rng: &mut StreamRng, lo: f64, hi: f64) -> f64 {
    let flat = lo;
    let slope = (hi - lo) / 2.0;
    if flat + slope <= 0.0 {
        return 0.0;
    }
    if rng.unit() * (flat + slope) < flat {
        rng.unit() * lo
    } else {
        hi - (hi - lo) * rng.unit().sqrt()
    }
}
