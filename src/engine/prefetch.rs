//! A cache-line prefetch hint, for loops that know which memory they will
//! touch a few iterations ahead (a million users' state does not fit in
//! cache; a request would otherwise wait for its user's word).

/// Asks the CPU to bring the cache line holding `address` into its nearest
/// cache. A hint only: it cannot fault, whatever the address (so callers need
/// no bounds check), and has no effect on the program's results. A no-op on
/// targets other than x86_64.
#[inline(always)]
pub fn prefetch<T>(address: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 (SSE, part of every x86_64 CPU) is a hint: it
    // dereferences nothing the program can observe, never faults whatever
    // the address, and changes no program state.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

#[cfg(test)]
mod tests {
    use super::prefetch;

    #[test]
    fn prefetching_any_address_changes_nothing() {
        let words = vec![7u64; 4];
        prefetch(words.as_ptr());
        // Far out of bounds and null: still only a hint.
        prefetch(words.as_ptr().wrapping_add(1 << 40));
        prefetch(std::ptr::null::<u64>());
        assert_eq!(words, vec![7u64; 4]);
    }
}
