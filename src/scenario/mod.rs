//! Scenario files: parsing (TOML with source spans), validation, and the
//! resolved [`Scenario`] the model runs.
//!
//! Two layers, as in ripgrep's argument handling: [`file`] mirrors what the
//! user writes (strings, spans, defaults) and only checks the syntax;
//! [`validate`] turns it into typed, range-checked values or an error that
//! names the file, line, column and field.

pub mod error;
pub mod file;
pub mod resolved;
pub mod validate;
pub mod values;

pub use error::ScenarioError;
pub use resolved::*;
