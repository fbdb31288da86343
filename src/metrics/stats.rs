//! Small statistics used by summaries: percentiles, means, Student-t
//! confidence intervals.

/// Nearest-rank percentile `p` (0..=100) of sorted values; 0 when empty.
///
/// Nearest rank (the smallest value with at least p% of values at or below
/// it) is used because it always returns an observed duration: a window of
/// exactly 30m 2s stays 30m 2s, which interpolation would not guarantee.
pub fn nearest_rank(sorted: &[u64], p: u32) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let p = u64::from(p.min(100));
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    sorted[(rank - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_hand_values() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&v, 50), 50);
        assert_eq!(nearest_rank(&v, 95), 100);
        assert_eq!(nearest_rank(&v, 0), 10);
        assert_eq!(nearest_rank(&[7], 95), 7);
        assert_eq!(nearest_rank(&[], 50), 0);
    }
}
