//! Local Active Directory: the AuthServer certificates every server reads (R3).
//!
//! A certificate update writes the key set it read from the issuer when it
//! started; the write becomes visible to every server a draw from
//! `replication_delay` after it completes. The model schedules the
//! visibility; this type holds what is visible.

use super::keys::KeySet;

/// What local AD holds, as every server sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Directory {
    /// The visible key set.
    pub visible: KeySet,
}

impl Directory {
    /// At t = 0 local AD knows k0.
    pub fn new() -> Self {
        Directory {
            visible: KeySet::only(0),
        }
    }

    /// A write becomes visible. A later visible write replaces an earlier
    /// one, even when it was written earlier (replication can reorder).
    pub fn write_visible(&mut self, keys: KeySet) {
        self.visible = keys;
    }
}

impl Default for Directory {
    fn default() -> Self {
        Self::new()
    }
}
