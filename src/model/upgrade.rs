//! The update per server: Exchange 2019 CU6 / Exchange 2016 CU17, the
//! builds that have `EnableAuthAdminReadSession` (R11 in `docs/model.md`).
//!
//! ```text
//!   pool.without_update = [2, 3]       servers 2 and 3 lack the update: their
//!                                      on-demand updates (R6) and the auth admin
//!                                      runs they execute (R7) use the write session
//!   install_update / rolling upgrade   a maintenance window; the update is
//!                                      installed when the server is offline in it
//!   return                             processes spawn with cause update_return
//! ```
//!
//! The server's state lives in [`super::server::Server`] (`updated`,
//! `install_windows`, `installed_offline`); the rules that decide with it
//! are here.

use crate::engine::Millis;

/// Whether the write session is used on a server: the organisation's flag
/// is off, or the server lacks the update (the flag does not exist there).
#[inline]
pub fn write_session(read_session: bool, server_updated: bool) -> bool {
    !(read_session && server_updated)
}

/// The server after `server` in a rolling upgrade over `without_update`
/// (ascending), or `None` after the last.
pub fn next_in_rollout(without_update: &[usize], server: usize) -> Option<usize> {
    without_update.iter().copied().find(|&s| s > server)
}

/// The first server of a rolling upgrade starting at `rolling_first`, and
/// when, if there is one.
pub fn first_in_rollout(
    without_update: &[usize],
    rolling_first: Option<Millis>,
) -> Option<(usize, Millis)> {
    Some((*without_update.first()?, rolling_first?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_session_is_used_without_the_flag_or_without_the_update() {
        assert!(write_session(false, true));
        assert!(write_session(false, false));
        assert!(write_session(true, false));
        assert!(!write_session(true, true));
    }

    #[test]
    fn a_rollout_goes_through_the_servers_in_index_order() {
        let list = [1, 3, 4];
        assert_eq!(first_in_rollout(&list, Some(7)), Some((1, 7)));
        assert_eq!(first_in_rollout(&list, None), None);
        assert_eq!(first_in_rollout(&[], Some(7)), None);
        assert_eq!(next_in_rollout(&list, 1), Some(3));
        assert_eq!(next_in_rollout(&list, 3), Some(4));
        assert_eq!(next_in_rollout(&list, 4), None);
    }
}
