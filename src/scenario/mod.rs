//! Scenario files: parsing (TOML with source spans), validation, and the
//! resolved [`Scenario`] the model runs.
//!
//! Two layers, as in ripgrep's argument handling: [`file`] mirrors what the
//! user writes (strings, spans, defaults) and only checks the syntax;
//! [`validate`] turns it into typed, range-checked values or an error that
//! names the file, line, column and field. The file format is described
//! field by field in `docs/scenario.md`.

pub mod error;
pub mod examples;
pub mod file;
pub mod resolved;
pub mod validate;
pub mod values;

pub use error::{Location, ScenarioError};
pub use resolved::*;

use std::path::Path;

/// Reads, parses and validates the scenario file at `path`. Messages name the
/// file as `path` displays; a file that cannot be read (or is not UTF-8)
/// gives [`ScenarioError::Io`] naming the path.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&text, &path.display().to_string())
}

/// Parses and validates scenario `text`; `origin` is the file name used in
/// error messages. A `[sweep]` table is accepted and ignored (the experiment
/// layer reads it).
pub fn parse_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let raw = validate::parse_raw(text, origin)?;
    validate::validate(&raw, text, origin)
}
