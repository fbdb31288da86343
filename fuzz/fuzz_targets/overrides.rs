//! Fuzz target `overrides`: Command-line overrides (`--set`, `--vary`, `--seed`, ...), one a line, on a fixed scenario.
//! What it runs and checks: `hmasim::fuzz::overrides`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hmasim::fuzz::overrides(data));
