//! Which hmasim made a result folder: the build identity recorded in every
//! manifest and printed by `hmasim --version`.
//!
//! The identity comes from `build.rs`: the package version, the git commit
//! (`unknown` when built outside a git checkout, suffixed `-dirty` when
//! tracked files differed from it), rustc's version and the target triple.
//! Two binaries with the same identity were built from the same source with
//! the same compiler for the same platform; `merge` refuses shards whose
//! identities differ, because their runs may not be comparable.

use serde::{Deserialize, Serialize};

/// The build identity of an hmasim binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// `CARGO_PKG_VERSION`.
    pub version: String,
    /// The git commit it was built from, or `unknown`.
    pub commit: String,
    /// `rustc -V` of the compiler.
    pub rustc: String,
    /// The target triple.
    pub target: String,
}

impl Build {
    /// This binary's identity.
    pub fn current() -> Build {
        Build {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("HMASIM_GIT_COMMIT").to_string(),
            rustc: env!("HMASIM_RUSTC_VERSION").to_string(),
            target: env!("HMASIM_TARGET").to_string(),
        }
    }
}

impl std::fmt::Display for Build {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "hmasim {} (commit {}, {}, {})",
            self.version, self.commit, self.rustc, self.target
        )
    }
}

/// What `hmasim --version` prints after the program name.
pub const VERSION_TEXT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("HMASIM_GIT_COMMIT"),
    "\nrustc: ",
    env!("HMASIM_RUSTC_VERSION"),
    "\ntarget: ",
    env!("HMASIM_TARGET")
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_filled_in() {
        let b = Build::current();
        assert_eq!(b.version, env!("CARGO_PKG_VERSION"));
        // A commit hash (this crate is tested from its git checkout) or `unknown`.
        let hash = b.commit.trim_end_matches("-dirty");
        assert!(
            hash == "unknown" || (hash.len() == 40 && hash.bytes().all(|c| c.is_ascii_hexdigit())),
            "{}",
            b.commit
        );
        assert!(b.rustc.starts_with("rustc "), "{}", b.rustc);
        assert!(b.target.contains('-'), "{}", b.target);
        assert!(VERSION_TEXT.contains(&b.commit));
    }
}
