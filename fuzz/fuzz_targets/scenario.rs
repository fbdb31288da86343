//! Fuzz target `scenario`: Scenario bytes (with in-memory history files after `#%% NAME` lines) through
//! parsing, validation, the sweep, the estimate and a bounded run.
//! What it runs and checks: `hmasim::fuzz::scenario`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hmasim::fuzz::scenario(data));
