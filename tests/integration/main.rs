//! hmasim's integration tests: one binary, one module per behaviour.

mod charts;
mod cli;
mod common;
mod determinism;
mod diagnostics;
mod diff;
mod docs;
mod expectations;
mod experiments;
mod fast_forward;
mod golden;
mod history;
mod invariants;
mod json;
mod lifecycle;
mod misuse;
mod mitigations;
mod oracle;
mod regression;
mod report;
mod review;
mod scenario_errors;
mod shell;
mod updates;
mod variants;
