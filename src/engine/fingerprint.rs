//! The run fingerprint: a 64-bit hash over the sequence of processed events.
//!
//! Two runs with the same fingerprint processed the same events at the same
//! instants in the same order; a regression test can compare one number
//! instead of whole traces (OMNeT++ does the same). It runs once per request,
//! so the mix must stay cheap.
//!
//! Times and events are folded into two separate lanes: `time` into one,
//! `kind << 32 | entity` into the other, each by `(lane.rotate_left(23) ^ word)
//! * odd constant`, a bijection of the lane for a fixed word and of the word
//! for a fixed lane. So two event sequences that reach the same state after
//! the same prefix differ in the next event's time or kind/entity only if
//! the lanes differ: no pair of events can cancel out the way they did when
//! both went into one word (`time ^ kind << 56 ^ entity << 24` made `(t, e)`
//! and `(t ^ x << 24, e ^ x)` the same). The lanes are independent chains, so
//! the processor runs the two multiplies side by side: the cost per event is
//! about that of the one-lane mix. Only [`Fingerprint::value`] combines them.

/// Running hash over `(time, kind, entity)` triples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The times, in order.
    time: u64,
    /// The `(kind, entity)` words, in order.
    event: u64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint {
            time: 0x243f_6a88_85a3_08d3,
            event: 0x1319_8a2e_0370_7344,
        }
    }
}

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline(always)]
fn fold(lane: u64, word: u64) -> u64 {
    (lane.rotate_left(23) ^ word).wrapping_mul(MULTIPLIER)
}

impl Fingerprint {
    /// Folds one processed event into the hash.
    #[inline(always)]
    pub fn record(&mut self, time_ms: u64, kind: u8, entity: u32) {
        self.time = fold(self.time, time_ms);
        self.event = fold(self.event, (u64::from(kind) << 32) | u64::from(entity));
    }

    /// The hash value.
    pub fn value(&self) -> u64 {
        // One more round joins the lanes (rotated, so that equal lanes do not
        // cancel); a final avalanche makes runs differing in the last event
        // differ in every digit.
        let mut z = fold(self.time, self.event.rotate_left(32));
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^ (z >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(events: &[(u64, u8, u32)]) -> u64 {
        let mut f = Fingerprint::default();
        for &(t, k, e) in events {
            f.record(t, k, e);
        }
        f.value()
    }

    #[test]
    fn order_matters() {
        assert_ne!(of(&[(1, 0, 0), (2, 0, 0)]), of(&[(2, 0, 0), (1, 0, 0)]));
        assert_ne!(of(&[(1, 0, 7), (1, 0, 8)]), of(&[(1, 0, 8), (1, 0, 7)]));
    }

    #[test]
    fn every_field_matters() {
        let base = of(&[(10, 1, 2)]);
        for event in [(11, 1, 2), (10, 2, 2), (10, 1, 3)] {
            assert_ne!(of(&[event]), base);
        }
    }

    /// The old one-word mix gave `(t, kind, e)` and `(t ^ x << 24, kind, e ^ x)`
    /// the same hash for every `x` (issue 7); with two lanes they differ.
    #[test]
    fn the_old_aliasing_pairs_differ() {
        let old_word = |t: u64, k: u8, e: u32| t ^ (u64::from(k) << 56) ^ (u64::from(e) << 24);
        for (t, k, e) in [
            (3_600_000u64, 3u8, 17u32),
            (0, 0, 0),
            (86_400_000, 9, 123_456),
        ] {
            for x in [1u32, 2, 0xff, 12_345, 1 << 20] {
                let (t2, e2) = (t ^ (u64::from(x) << 24), e ^ x);
                assert_eq!(
                    old_word(t, k, e),
                    old_word(t2, k, e2),
                    "the pair aliased before"
                );
                assert_ne!(of(&[(t, k, e)]), of(&[(t2, k, e2)]), "t {t}, e {e}, x {x}");
                // Also inside a longer sequence.
                assert_ne!(
                    of(&[(1, 1, 1), (t, k, e), (5, 2, 2)]),
                    of(&[(1, 1, 1), (t2, k, e2), (5, 2, 2)])
                );
            }
        }
        // Kind and the entity's top bits are apart.
        assert_ne!(of(&[(5, 1, 0)]), of(&[(5, 0, 1 << 31)]));
    }
}
