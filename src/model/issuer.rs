//! The token issuer (Azure AD): signing keys, rollovers and tokens (R1, R2).
//!
//! Rollovers come from three sources, merged in publish order: the periodic
//! schedule, the explicit `[[issuer.rollover]]` list and unannounced
//! emergency rollovers (a Poisson process on the `issuer.rollover` stream).
//! They are generated lazily, one ahead, so memory does not grow with the
//! horizon. Keys are numbered in publish order; ties at the same instant go
//! explicit, then periodic, then emergency.

use super::keys::KeySet;
use crate::engine::{SimTime, StreamRng, StreamSeed};
use crate::metrics::RolloverRecord;
use crate::scenario::{ExplicitRollover, Issuer as IssuerParams};

/// The name of the random stream emergency rollovers are drawn from.
pub const ROLLOVER_STREAM: &str = "issuer.rollover";

/// Where a rollover comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloverSource {
    /// `[[issuer.rollover]]`
    Explicit,
    /// `issuer.rollover_every`
    Periodic,
    /// `issuer.emergency_rate`
    Emergency,
}

/// One rollover still to publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRollover {
    /// Publish instant.
    pub publish: SimTime,
    /// Publish -> start signing [ms].
    pub lead: u64,
    /// Which source it comes from.
    pub source: RolloverSource,
}

/// How many rollovers of each source a run publishes before its horizon
/// (see [`rollovers_before`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RolloverCount {
    /// From `[[issuer.rollover]]`.
    pub explicit: usize,
    /// From `issuer.rollover_every`.
    pub periodic: usize,
    /// From `issuer.emergency_rate`.
    pub emergency: usize,
}

impl RolloverCount {
    /// All sources together.
    pub fn total(&self) -> usize {
        self.explicit + self.periodic + self.emergency
    }
}

/// The rollovers the run `seed` publishes before `horizon` [ms], counting
/// at most `limit`: the schedule depends only on the issuer's parameters
/// and the [`ROLLOVER_STREAM`] of (seed, replication), so it is known before
/// the run (the plan checks it against [`super::keys::MAX_ROLLOVERS`]). It
/// is the same sequence [`Issuer::next_rollover`] gives the run, which
/// schedules a rollover exactly when it publishes before the horizon.
pub fn rollovers_before(
    params: &IssuerParams,
    seed: StreamSeed,
    horizon: u64,
    limit: usize,
) -> RolloverCount {
    let mut issuer = Issuer::new(params, seed.stream(ROLLOVER_STREAM));
    let mut count = RolloverCount::default();
    while count.total() < limit {
        match issuer.next_rollover() {
            Some(r) if r.publish < SimTime(horizon) => match r.source {
                RolloverSource::Explicit => count.explicit += 1,
                RolloverSource::Periodic => count.periodic += 1,
                RolloverSource::Emergency => count.emergency += 1,
            },
            _ => break,
        }
    }
    count
}

/// Whether the schedule depends on the random stream (emergency
/// rollovers); if not, every (seed, replication) has the same one.
pub fn schedule_is_random(params: &IssuerParams) -> bool {
    params.emergency_rate.mean_interval_ms().is_some()
}

/// The issuer's state.
pub struct Issuer {
    /// Keys in the published metadata now (published, not retired).
    pub metadata: KeySet,
    /// Keys retired so far.
    pub retired: KeySet,
    /// The key that signs tokens issued now.
    pub signing: u8,
    /// Keys published so far (k0 included).
    pub published: usize,
    explicit: Vec<ExplicitRollover>,
    next_explicit: usize,
    next_periodic: Option<SimTime>,
    every: Option<u64>,
    periodic_lead: u64,
    next_emergency: SimTime,
    emergency_mean_ms: Option<f64>,
    rollover_rng: StreamRng,
    /// Rollovers published so far.
    pub records: Vec<RolloverRecord>,
}

impl Issuer {
    /// The issuer at t = 0: k0 published, signing, known to everyone.
    pub fn new(params: &IssuerParams, rollover_rng: StreamRng) -> Self {
        let mut explicit = params.rollovers.clone();
        // Stable sort: equal instants keep file order.
        explicit.sort_by_key(|r| r.at);
        let mut issuer = Issuer {
            metadata: KeySet::only(0),
            retired: KeySet::EMPTY,
            signing: 0,
            published: 1,
            explicit,
            next_explicit: 0,
            next_periodic: params
                .rollover_every
                .map(|_| SimTime(params.rollover_first)),
            every: params.rollover_every,
            periodic_lead: params.rollover_lead,
            next_emergency: SimTime::NEVER,
            emergency_mean_ms: params.emergency_rate.mean_interval_ms(),
            rollover_rng,
            records: Vec::new(),
        };
        issuer.next_emergency = issuer.draw_emergency(SimTime::ZERO);
        issuer
    }

    fn draw_emergency(&mut self, from: SimTime) -> SimTime {
        match self.emergency_mean_ms {
            Some(mean) => from.after(self.rollover_rng.exp_ms(mean).max(1)),
            None => SimTime::NEVER,
        }
    }

    /// Takes the next rollover in publish order, if any.
    pub fn next_rollover(&mut self) -> Option<PendingRollover> {
        let explicit = self
            .explicit
            .get(self.next_explicit)
            .map(|r| SimTime(r.at))
            .unwrap_or(SimTime::NEVER);
        let periodic = self.next_periodic.unwrap_or(SimTime::NEVER);
        let emergency = self.next_emergency;
        let earliest = explicit.min(periodic).min(emergency);
        if earliest == SimTime::NEVER {
            return None;
        }
        if explicit == earliest {
            let r = self.explicit[self.next_explicit];
            self.next_explicit += 1;
            Some(PendingRollover {
                publish: explicit,
                lead: r.lead,
                source: RolloverSource::Explicit,
            })
        } else if periodic == earliest {
            self.next_periodic = self.every.map(|every| periodic.after(every));
            Some(PendingRollover {
                publish: periodic,
                lead: self.periodic_lead,
                source: RolloverSource::Periodic,
            })
        } else {
            self.next_emergency = self.draw_emergency(emergency);
            Some(PendingRollover {
                publish: emergency,
                lead: 0,
                source: RolloverSource::Emergency,
            })
        }
    }

    /// Publishes key `key` (R1); `retire_after` dates the previous key's retirement.
    pub fn publish(&mut self, key: u8, now: SimTime, lead: u64, retire_after: u64) {
        self.metadata.insert(key);
        self.published = self.published.max(usize::from(key) + 1);
        let sign = now.after(lead);
        self.records.push(RolloverRecord {
            key: u32::from(key),
            publish_ms: now.ms(),
            sign_ms: sign.ms(),
            retire_previous_ms: sign.after(retire_after).ms(),
        });
    }

    /// Key `key` starts signing. A key never takes over from a newer one.
    pub fn start_signing(&mut self, key: u8) {
        self.signing = self.signing.max(key);
    }

    /// Key `key` leaves the metadata.
    pub fn retire(&mut self, key: u8) {
        self.metadata.remove(key);
        self.retired.insert(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{DAY, HOUR};
    use crate::scenario::{MillisRange, Rate};

    fn params(every: Option<u64>, explicit: Vec<ExplicitRollover>, emergency: f64) -> IssuerParams {
        IssuerParams {
            token_lifetime: MillisRange {
                min: HOUR,
                max: HOUR,
            },
            renew_before: 0,
            rollover_every: every,
            rollover_first: 21 * DAY,
            rollover_lead: 0,
            retire_after: DAY,
            emergency_rate: Rate {
                count: emergency,
                per: 365 * DAY,
            },
            rollovers: explicit,
        }
    }

    #[test]
    fn merges_sources_in_publish_order() {
        let explicit = vec![
            ExplicitRollover {
                at: 30 * DAY,
                lead: 5,
            },
            ExplicitRollover { at: DAY, lead: 0 },
        ];
        let mut issuer = Issuer::new(
            &params(Some(42 * DAY), explicit, 0.0),
            StreamRng::new(1, 0, "issuer.rollover"),
        );
        let order: Vec<u64> = std::iter::from_fn(|| issuer.next_rollover())
            .take(4)
            .map(|r| r.publish.ms())
            .collect();
        assert_eq!(order, vec![DAY, 21 * DAY, 30 * DAY, 63 * DAY]);
    }

    #[test]
    fn no_sources_means_no_rollovers() {
        let mut issuer = Issuer::new(
            &params(None, vec![], 0.0),
            StreamRng::new(1, 0, "issuer.rollover"),
        );
        assert_eq!(issuer.next_rollover(), None);
    }

    #[test]
    fn emergency_rollovers_have_no_lead_and_increase() {
        let mut issuer = Issuer::new(
            &params(None, vec![], 365.0),
            StreamRng::new(1, 0, "issuer.rollover"),
        );
        let mut last = SimTime::ZERO;
        for _ in 0..20 {
            let r = issuer.next_rollover().unwrap();
            assert_eq!(r.lead, 0);
            assert!(r.publish > last);
            last = r.publish;
        }
    }

    #[test]
    fn counts_the_rollovers_before_the_horizon_by_source() {
        let explicit = vec![ExplicitRollover { at: DAY, lead: 0 }];
        let seed = StreamSeed {
            seed: 1,
            replication: 0,
        };
        // Periodic at 21d, 63d, 105d; explicit at 1d; before 100d: 3.
        let p = params(Some(42 * DAY), explicit, 0.0);
        let c = rollovers_before(&p, seed, 100 * DAY, usize::MAX);
        assert_eq!((c.explicit, c.periodic, c.emergency), (1, 2, 0));
        // A publish at the horizon itself does not happen.
        assert_eq!(rollovers_before(&p, seed, 63 * DAY, usize::MAX).total(), 2);
        // Counting stops at the limit.
        assert_eq!(rollovers_before(&p, seed, 100 * DAY, 2).total(), 2);
        assert!(!schedule_is_random(&p));
        // Emergency rollovers follow the stream of (seed, replication).
        let p = params(None, vec![], 3650.0);
        assert!(schedule_is_random(&p));
        let a = rollovers_before(&p, seed, 30 * DAY, usize::MAX).emergency;
        let other = StreamSeed {
            seed: 1,
            replication: 1,
        };
        let b = rollovers_before(&p, other, 30 * DAY, usize::MAX).emergency;
        assert!(a > 200 && b > 200 && a != b, "{a} {b}");
    }

    #[test]
    fn signing_never_goes_back() {
        let mut issuer = Issuer::new(
            &params(None, vec![], 0.0),
            StreamRng::new(1, 0, "issuer.rollover"),
        );
        issuer.start_signing(2);
        issuer.start_signing(1);
        assert_eq!(issuer.signing, 2);
        issuer.retire(0);
        assert!(!issuer.metadata.contains(0) && issuer.retired.contains(0));
    }
}
