//! Fast-forward's quiet condition: when no request can fail before the next
//! key starts signing, and when per-request simulation must resume
//! (`docs/model.md`, "Fast-forward", which proves the condition sufficient).
//!
//! A request is rejected only when its token's key is not in the cache of
//! the process that validates it (R5); rejections are what start failure
//! windows, updates and prompt loops. With K the signing key, the model is
//! *quiet* at an instant when, after that instant's events:
//!
//! - Q1 no user is in a prompt loop;
//! - Q2 no worker has an open failure window or an active hold;
//! - Q3 every token carries K: K is k0, or K started signing at least
//!   `token_lifetime` max ago (tokens of older keys have expired);
//! - Q4 local AD holds K, and every pending write or cache replacement
//!   (local AD write not yet visible, update completion of a live process,
//!   auth admin completion that did not fail) carries a set holding K;
//! - Q5 every process, starting or ready, has K in its cache, and every
//!   request waiting in a worker's queue carries K;
//! - Q6 with client affinity: every server is in the pool and every user
//!   has reached a server (so routing state does not change in quiet time);
//! - Q7 the next resume instant (the next signing instant minus
//!   [`resume_before`]) is at least [`MIN_QUIET`] away.
//!
//! Until the next signing instant nothing can break Q1 to Q5: no process
//! can lose K or be spawned without it, local AD cannot lose it, and every
//! new token carries it (the proof in `docs/model.md`). Q6 is broken by a
//! server leaving the pool, which ends the quiet.

use super::event::Event;
use super::issuer::{Issuer, ROLLOVER_STREAM};
use super::keys::{KeySet, MAX_ROLLOVERS};
use super::server::Server;
use super::worker::Worker;
use crate::engine::time::MINUTE;
use crate::engine::{SimTime, StreamSeed};
use crate::scenario::Scenario;

/// The shortest quiet stretch worth entering: shorter ones save little and
/// cost an entry and a resumption.
pub const MIN_QUIET: u64 = 10 * MINUTE;

/// How long before each signing instant requests are simulated one by one
/// again: `simulation.resume_before`, else 4 x (`token_lifetime` max +
/// `request_interval`), four renewal cycles of a user's token (the choice
/// and why it is enough: `docs/model.md`, "Fast-forward").
pub fn resume_before(sc: &Scenario) -> u64 {
    sc.simulation.resume_before.unwrap_or_else(|| {
        4u64.saturating_mul(
            sc.issuer
                .token_lifetime
                .max
                .saturating_add(sc.clients.request_interval),
        )
    })
}

/// The instants at which keys start signing in a run, known before it
/// starts: the rollover schedule depends only on the issuer's parameters
/// and the `issuer.rollover` stream (see [`super::issuer::rollovers_before`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Signing instants before the horizon, ascending (a key that never
    /// takes over, because a newer one signs first, is listed too).
    signs: Vec<u64>,
    /// `sign - resume_before` of each, ascending, distinct, `> 0`.
    resumes: Vec<u64>,
}

impl Schedule {
    /// The schedule of the run `seed` of `sc`.
    pub fn new(sc: &Scenario, seed: StreamSeed) -> Self {
        let horizon = SimTime(sc.simulation.horizon);
        let mut issuer = Issuer::new(&sc.issuer, seed.stream(ROLLOVER_STREAM));
        let mut signs = Vec::new();
        // One more than a run can hold: such a run ends with an error anyway.
        for _ in 0..=MAX_ROLLOVERS {
            match issuer.next_rollover() {
                Some(r) if r.publish < horizon => {
                    let sign = r.publish.after(r.lead);
                    if sign < horizon {
                        signs.push(sign.ms());
                    }
                }
                _ => break,
            }
        }
        signs.sort_unstable();
        let lead = resume_before(sc);
        let mut resumes: Vec<u64> = signs
            .iter()
            .map(|s| s.saturating_sub(lead))
            .filter(|&r| r > 0)
            .collect();
        resumes.dedup();
        Schedule { signs, resumes }
    }

    /// The resume instants: `resume_before` ahead of each signing instant
    /// (those after t = 0), ascending.
    pub fn resumes(&self) -> &[u64] {
        &self.resumes
    }

    /// The signing instants, ascending.
    pub fn signs(&self) -> &[u64] {
        &self.signs
    }

    /// The first signing instant at or after `t`, if any (one at `t` may
    /// not have been handled yet).
    pub fn next_sign_from(&self, t: u64) -> Option<u64> {
        let i = self.signs.partition_point(|&s| s < t);
        self.signs.get(i).copied()
    }
}

/// Why the model is not quiet (the first condition found false).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotQuiet {
    /// Q1.
    UserInPromptLoop,
    /// Q2.
    WindowOrHold,
    /// Q3.
    TokensOfAnOlderKey,
    /// Q4: local AD lacks the signing key.
    DirectoryLacksKey,
    /// Q4: a pending write or cache replacement lacks it.
    PendingSetLacksKey,
    /// Q5.
    ProcessLacksKey,
    /// Q5: a queued request carries another key.
    QueuedOtherKey,
    /// Q6.
    AffinityState,
    /// Q7.
    SigningTooSoon,
}

/// What [`check`] reads of the model.
pub struct State<'s> {
    /// Now [ms].
    pub now: u64,
    /// The signing key.
    pub signing: u8,
    /// When it started signing [ms] (0 for k0).
    pub signing_since: u64,
    /// `issuer.token_lifetime` max [ms].
    pub lifetime_max: u64,
    /// Users in a prompt loop.
    pub users_in_loop: u32,
    /// Local AD's visible set.
    pub visible: KeySet,
    /// Every worker.
    pub workers: &'s [Worker],
    /// With client affinity: every server, and whether every user has
    /// reached a server; `None` without affinity.
    pub affinity: Option<(&'s [Server], bool)>,
    /// The resume instant of the next key to sign after now (at or before
    /// now between a resume instant and its signing instant), if any [ms].
    pub next_resume: Option<u64>,
}

/// `Ok` when the model is quiet (Q1 to Q7), else the first condition that
/// fails; `pending`: the events still in the queue.
pub fn check<'e>(
    s: &State<'_>,
    pending: impl IntoIterator<Item = &'e Event>,
) -> Result<(), NotQuiet> {
    let k = s.signing;
    if s.users_in_loop > 0 {
        return Err(NotQuiet::UserInPromptLoop);
    }
    if let Some(next) = s.next_resume
        && next < s.now.saturating_add(MIN_QUIET)
    {
        return Err(NotQuiet::SigningTooSoon);
    }
    if k > 0 && s.now < s.signing_since.saturating_add(s.lifetime_max) {
        return Err(NotQuiet::TokensOfAnOlderKey);
    }
    if !s.visible.contains(k) {
        return Err(NotQuiet::DirectoryLacksKey);
    }
    let now = SimTime(s.now);
    for w in s.workers {
        if w.window.is_some() || w.hold_active(now) {
            return Err(NotQuiet::WindowOrHold);
        }
        if w.has_process() && !w.cache.contains(k) {
            return Err(NotQuiet::ProcessLacksKey);
        }
        if w.queue.iter().any(|q| q.kid() != k) {
            return Err(NotQuiet::QueuedOtherKey);
        }
    }
    if let Some((servers, every_user_placed)) = s.affinity
        && (!every_user_placed || servers.iter().any(|srv| !srv.in_pool))
    {
        return Err(NotQuiet::AffinityState);
    }
    for e in pending {
        let lacks = match *e {
            Event::DirectoryWriteVisible { keys } => !keys.contains(k),
            Event::AuthAdminDone {
                keys,
                failed: false,
            } => !keys.contains(k),
            Event::UpdateDone {
                worker,
                generation,
                keys,
            } => generation == s.workers[worker as usize].generation && !keys.contains(k),
            _ => false,
        };
        if lacks {
            return Err(NotQuiet::PendingSetLacksKey);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{DAY, HOUR};
    use crate::model::worker::{OpenWindow, Process, QueuedRequest};

    fn keys(list: &[u8]) -> KeySet {
        let mut k = KeySet::EMPTY;
        for &x in list {
            k.insert(x);
        }
        k
    }

    fn ready(cache: &[u8]) -> Worker {
        let mut w = Worker::new(0, 0);
        w.spawn(SimTime(0), keys(cache));
        w.process = Process::Ready;
        w
    }

    fn state(workers: &[Worker]) -> State<'_> {
        State {
            now: 10 * DAY,
            signing: 1,
            signing_since: 9 * DAY,
            lifetime_max: 90 * 60_000,
            users_in_loop: 0,
            visible: keys(&[0, 1]),
            workers,
            affinity: None,
            next_resume: Some(20 * DAY),
        }
    }

    #[test]
    fn each_condition_on_its_own_makes_the_model_not_quiet() {
        let workers = vec![ready(&[1]), Worker::new(0, 1)];
        assert_eq!(check(&state(&workers), &[]), Ok(()));
        let s = |f: &dyn Fn(&mut State<'_>)| {
            let mut s = state(&workers);
            f(&mut s);
            check(&s, &[])
        };
        assert_eq!(s(&|s| s.users_in_loop = 1), Err(NotQuiet::UserInPromptLoop));
        assert_eq!(
            s(&|s| s.signing_since = s.now - HOUR),
            Err(NotQuiet::TokensOfAnOlderKey)
        );
        // k0 has no older key: quiet from t = 0.
        assert_eq!(
            s(&|s| {
                s.signing = 0;
                s.signing_since = 0;
                s.now = 0;
                s.visible = keys(&[0]);
                s.workers = &[];
            }),
            Ok(())
        );
        assert_eq!(
            s(&|s| s.visible = keys(&[0])),
            Err(NotQuiet::DirectoryLacksKey)
        );
        assert_eq!(
            s(&|s| s.next_resume = Some(s.now + MIN_QUIET - 1)),
            Err(NotQuiet::SigningTooSoon)
        );
        let stale = vec![ready(&[0])];
        let mut st = state(&stale);
        assert_eq!(check(&st, &[]), Err(NotQuiet::ProcessLacksKey));
        let mut windowed = vec![ready(&[1])];
        windowed[0].window = Some(OpenWindow { kid: 0, slot: 0 });
        st.workers = &windowed;
        assert_eq!(check(&st, &[]), Err(NotQuiet::WindowOrHold));
        let mut held = vec![ready(&[1])];
        held[0].hold_until = SimTime(st.now + 1);
        st.workers = &held;
        assert_eq!(check(&st, &[]), Err(NotQuiet::WindowOrHold));
        let mut queued = vec![Worker::new(0, 0)];
        queued[0].queue.push_back(QueuedRequest::new(3, 0));
        st.workers = &queued;
        assert_eq!(check(&st, &[]), Err(NotQuiet::QueuedOtherKey));
        let mut servers = vec![Server::new(), Server::new()];
        let st = State {
            affinity: Some((&servers, false)),
            ..state(&workers)
        };
        assert_eq!(check(&st, &[]), Err(NotQuiet::AffinityState));
        servers[1].in_pool = false;
        let st = State {
            affinity: Some((&servers, true)),
            ..state(&workers)
        };
        assert_eq!(check(&st, &[]), Err(NotQuiet::AffinityState));
    }

    #[test]
    fn the_schedule_lists_every_signing_instant_and_its_resume_instant() {
        // Periodic rollovers at 21d and 63d with a 2h lead, an explicit one
        // published at 30d that signs at 35d, one at 1h (its resume instant
        // would be before t = 0), and one published before the horizon that
        // signs after it.
        let sc = crate::scenario::parse_str(
            r#"
            [simulation]
            name = "s"
            horizon = "70d"
            [issuer]
            rollover_every = "42d"
            rollover_first = "21d"
            rollover_lead = "2h"
            token_lifetime = ["60m", "90m"]
            [[issuer.rollover]]
            at = "30d"
            lead = "5d"
            [[issuer.rollover]]
            at = "1h"
            [[issuer.rollover]]
            at = "69d"
            lead = "2d"
            [clients]
            request_interval = "30s"
            "#,
            "s.toml",
        )
        .unwrap();
        let w = resume_before(&sc);
        assert_eq!(w, 4 * (90 * 60_000 + 30_000));
        let seed = StreamSeed {
            seed: 1,
            replication: 0,
        };
        let s = Schedule::new(&sc, seed);
        let signs = [HOUR, 21 * DAY + 2 * HOUR, 35 * DAY, 63 * DAY + 2 * HOUR];
        assert_eq!(s.signs(), &signs[..]);
        assert_eq!(
            s.resumes(),
            &signs[1..].iter().map(|a| a - w).collect::<Vec<_>>()[..]
        );
        assert_eq!(s.next_sign_from(0), Some(HOUR));
        assert_eq!(s.next_sign_from(HOUR), Some(HOUR));
        assert_eq!(s.next_sign_from(HOUR + 1), Some(21 * DAY + 2 * HOUR));
        assert_eq!(s.next_sign_from(63 * DAY + 2 * HOUR + 1), None);
        let mut fixed = sc.clone();
        fixed.simulation.resume_before = Some(DAY);
        assert_eq!(
            Schedule::new(&fixed, seed).resumes()[0],
            20 * DAY + 2 * HOUR
        );
    }

    #[test]
    fn pending_sets_must_hold_the_signing_key() {
        let workers = vec![ready(&[1])];
        let live = workers[0].generation;
        let s = state(&workers);
        let old = keys(&[0]);
        for (event, quiet) in [
            (Event::DirectoryWriteVisible { keys: old }, false),
            (
                Event::DirectoryWriteVisible {
                    keys: keys(&[0, 1]),
                },
                true,
            ),
            (
                Event::AuthAdminDone {
                    keys: old,
                    failed: false,
                },
                false,
            ),
            // A failed run writes nothing.
            (
                Event::AuthAdminDone {
                    keys: old,
                    failed: true,
                },
                true,
            ),
            (
                Event::UpdateDone {
                    worker: 0,
                    generation: live,
                    keys: old,
                },
                false,
            ),
            // An update of a process that has ended changes nothing.
            (
                Event::UpdateDone {
                    worker: 0,
                    generation: live + 1,
                    keys: old,
                },
                true,
            ),
        ] {
            let want = if quiet {
                Ok(())
            } else {
                Err(NotQuiet::PendingSetLacksKey)
            };
            assert_eq!(check(&s, &[event]), want, "{event:?}");
        }
    }
}
