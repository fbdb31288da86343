//! The scenario content hash recorded in manifests.
//!
//! FNV-1a 64 over the file's bytes (the engine's [`fnv1a64`]): tiny,
//! dependency-free and fully specified, so a manifest written today can be
//! checked against a file on another machine years later. It only has to tell
//! scenario files apart (merge refuses shards of different files), not resist
//! an adversary.

use crate::engine::rng::fnv1a64;

/// The hash as written in manifests: `fnv1a64:` and 16 lower-case hex digits.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("fnv1a64:{:016x}", fnv1a64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(content_hash(b"a"), "fnv1a64:af63dc4c8601ec8c");
    }
}
