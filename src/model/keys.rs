//! Key sets: which signing keys an entity knows.
//!
//! Keys are numbered k0, k1, ... in publish order (R1). A set is a 128-bit
//! mask: copying, merging and membership tests are single instructions, which
//! matters because every request tests membership. A run with more than
//! [`MAX_KEYS`] keys is refused rather than approximated: the plan computes
//! every run's rollover schedule before anything runs and refuses one that
//! would publish more than [`MAX_ROLLOVERS`] (`experiment::rollovers`), so
//! `validate` and `run` agree; the run's own check stays as a safeguard.

use std::fmt;

/// Highest number of keys (k0 included) a run may publish.
pub const MAX_KEYS: usize = 128;

/// Highest number of rollovers a run may publish (k0 is not one).
pub const MAX_ROLLOVERS: usize = MAX_KEYS - 1;

/// A set of key indices `< MAX_KEYS`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KeySet(u128);

impl KeySet {
    /// The empty set.
    pub const EMPTY: KeySet = KeySet(0);

    /// The set holding only `key`.
    #[inline]
    pub fn only(key: u8) -> KeySet {
        KeySet(1u128 << key)
    }

    /// Whether `key` is in the set.
    #[inline(always)]
    pub fn contains(self, key: u8) -> bool {
        (self.0 >> key) & 1 == 1
    }

    /// Adds `key`.
    #[inline]
    pub fn insert(&mut self, key: u8) {
        self.0 |= 1u128 << key;
    }

    /// Removes `key`.
    #[inline]
    pub fn remove(&mut self, key: u8) {
        self.0 &= !(1u128 << key);
    }

    /// Keys in either set.
    #[inline]
    pub fn union(self, other: KeySet) -> KeySet {
        KeySet(self.0 | other.0)
    }

    /// Keys in `self` but not in `other`.
    #[inline]
    pub fn minus(self, other: KeySet) -> KeySet {
        KeySet(self.0 & !other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The keys in increasing order.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0..MAX_KEYS as u8).filter(move |&k| self.contains(k))
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for KeySet {
    /// `{k0,k3}`: the form used in trace details.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, k) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "k{k}")?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut s = KeySet::only(0);
        s.insert(5);
        s.insert(127);
        assert!(s.contains(0) && s.contains(5) && s.contains(127));
        assert!(!s.contains(1));
        s.remove(5);
        assert!(!s.contains(5));
        let t = KeySet::only(1).union(KeySet::only(127));
        assert_eq!(s.union(t).minus(KeySet::only(127)).to_string(), "{k0,k1}");
        assert!(KeySet::EMPTY.is_empty());
    }
}
