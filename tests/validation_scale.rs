//! Validation is linear in the file's size: memory and work per `[[event]]`
//! table stay within a fixed budget from 5,000 to 50,000 tables.
//!
//! Measured by counting allocations on this test's own thread (a separate
//! test binary, so that its allocator counts nothing else), never by time:
//! the counts are the same on every machine and every run.

use hmasim::experiment::{Plan, PlanRequest};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn on_alloc(size: usize) {
    if ON.with(Cell::get) {
        let live = LIVE.with(|l| {
            l.set(l.get() + size);
            l.get()
        });
        PEAK.with(|p| p.set(p.get().max(live)));
        TOTAL.with(|t| t.set(t.get() + size));
    }
}

fn on_free(size: usize) {
    if ON.with(Cell::get) {
        LIVE.with(|l| l.set(l.get().saturating_sub(size)));
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are plain thread-local cells (no allocation inside).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        on_free(layout.size());
        on_alloc(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `(peak live bytes, total bytes allocated)` while validating a file of
/// `n` `[[event]]` tables as `validate` does.
fn measure(n: usize) -> (usize, usize) {
    let mut text = "[simulation]\nname = \"big\"\nhorizon = \"1d\"\n".to_string();
    for i in 0..n {
        text.push_str(&format!(
            "\n[[event]]\nat = \"{}m\"\nkind = \"server_crash\"\nserver = 0\n",
            i % 1000 + 1
        ));
    }
    let request = PlanRequest {
        scenario: "big.toml".into(),
        ..PlanRequest::default()
    };
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    TOTAL.with(|t| t.set(0));
    ON.with(|o| o.set(true));
    let plan = Plan::build_from_text(request, text);
    ON.with(|o| o.set(false));
    let plan = plan.expect("valid");
    assert_eq!(plan.base.events.len(), n);
    (PEAK.with(Cell::get), TOTAL.with(Cell::get))
}

/// Before: 100,000 tables took 8.5 s and 1 GB to validate (about 10 KB per
/// table, the file parsed some twenty times). The budgets below have room
/// for allocator and parser details but not for a second copy of the file
/// per key, or for a whole-file parse tree at 100,000 tables.
#[test]
fn validation_memory_and_work_grow_linearly_with_the_events() {
    let (small, large) = (5_000, 50_000);
    let (peak_small, total_small) = measure(small);
    let (peak_large, total_large) = measure(large);
    let per = |bytes: usize, n: usize| bytes as f64 / n as f64;
    let shown = format!(
        "{small}: peak {peak_small} B, allocated {total_small} B; {large}: peak {peak_large} B, allocated {total_large} B"
    );
    // Work: bytes allocated per table stay within a fixed budget and do not
    // grow with the number of tables (linear, not quadratic).
    assert!(per(total_small, small) < 10_000.0, "{shown}");
    assert!(per(total_large, large) < 10_000.0, "{shown}");
    assert!(
        per(total_large, large) < 1.5 * per(total_small, small),
        "{shown}"
    );
    // Memory: a large file is parsed in pieces, so the peak per table falls.
    assert!(per(peak_large, large) < 1_500.0, "{shown}");
    assert!(peak_large < 10 * peak_small, "{shown}");
}
