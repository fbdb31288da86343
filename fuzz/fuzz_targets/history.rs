//! Fuzz target `history`: A history `events.csv` (and `#%% rollovers.csv`) read by a fixed scenario and run.
//! What it runs and checks: `hmasim::fuzz::history`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hmasim::fuzz::history(data));
