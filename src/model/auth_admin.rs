//! The auth admin job: the periodic certificate update on the anchor (R7).

/// Picks the server that runs the job: the anchor if it is up, else the
/// lowest-index server that is up, else none (the run is skipped).
pub fn choose_server(anchor: usize, up: impl Fn(usize) -> bool, servers: usize) -> Option<usize> {
    if up(anchor) {
        return Some(anchor);
    }
    (0..servers).find(|&s| up(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_first_then_lowest_up_then_none() {
        assert_eq!(choose_server(2, |_| true, 4), Some(2));
        assert_eq!(choose_server(2, |s| s != 2, 4), Some(0));
        assert_eq!(choose_server(0, |s| s == 3, 4), Some(3));
        assert_eq!(choose_server(1, |_| false, 4), None);
    }
}
