//! The run fingerprint: a 64-bit hash over the sequence of processed events.
//!
//! Two runs with the same fingerprint processed the same events at the same
//! instants in the same order; a regression test can compare one number
//! instead of whole traces (OMNeT++ does the same). The mix is cheap enough to
//! run once per request.

/// Running hash over `(time, kind, entity)` triples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0x243f_6a88_85a3_08d3)
    }
}

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl Fingerprint {
    /// Folds one processed event into the hash.
    #[inline(always)]
    pub fn record(&mut self, time_ms: u64, kind: u8, entity: u32) {
        let word = time_ms ^ (u64::from(kind) << 56) ^ (u64::from(entity) << 24);
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(MULTIPLIER);
    }

    /// The hash value.
    pub fn value(&self) -> u64 {
        // A final avalanche so that runs differing in the last event still
        // differ in every digit.
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^ (z >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_matters() {
        let mut a = Fingerprint::default();
        a.record(1, 0, 0);
        a.record(2, 0, 0);
        let mut b = Fingerprint::default();
        b.record(2, 0, 0);
        b.record(1, 0, 0);
        assert_ne!(a.value(), b.value());
    }

    #[test]
    fn every_field_matters() {
        let base = {
            let mut f = Fingerprint::default();
            f.record(10, 1, 2);
            f.value()
        };
        for (t, k, e) in [(11, 1, 2), (10, 2, 2), (10, 1, 3)] {
            let mut f = Fingerprint::default();
            f.record(t, k, e);
            assert_ne!(f.value(), base);
        }
    }
}
