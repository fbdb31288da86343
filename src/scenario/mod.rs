//! Scenario files: parsing (TOML with source spans), validation, and the
//! resolved [`Scenario`] the model runs.
//!
//! Two layers, as in ripgrep's argument handling: [`file`] mirrors what the
//! user writes (strings, spans, defaults) and only checks the shape;
//! [`validate`] turns it into typed, range-checked values or a list of
//! [`Diagnostic`]s, each naming the file, line, column and field.
//! [`render`] shows diagnostics with a source snippet. The file format is
//! described field by field in `docs/scenario.md`.

pub mod clock;
pub mod diagnostic;
pub mod error;
pub mod examples;
pub mod expect;
pub mod file;
pub mod history;
pub mod render;
pub mod resolved;
pub mod suggest;
pub mod validate;
pub mod values;

pub use diagnostic::{Diagnostic, Diagnostics, Kind, Location};
pub use error::ScenarioError;
pub use resolved::*;

use std::path::Path;

/// Reads a scenario file as text. A file that cannot be read gives
/// [`ScenarioError::Io`] naming the path; one that is not UTF-8 gives a
/// diagnostic at the line and column of the first invalid byte.
pub fn read(path: &Path) -> Result<String, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(bytes, &path.display().to_string())
}

/// A scenario file's bytes as text, or a diagnostic at the line and column
/// of the first byte that is not UTF-8 (`origin` names the file).
pub fn decode(bytes: Vec<u8>, origin: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let d = validate::encoding_error(e.as_bytes(), origin, &e.utf8_error());
        ScenarioError::Invalid(Diagnostics::one(d))
    })
}

/// Reads, parses and validates the scenario file at `path` (see [`read`]).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = read(path)?;
    parse_str(&text, &path.display().to_string())
}

/// Parses and validates scenario `text`; `origin` is the file name used in
/// error messages. A `[sweep]` table and `[[variant]]` tables are accepted
/// and ignored (the experiment layer reads them).
pub fn parse_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    validate::parse(text, origin).map_err(ScenarioError::Invalid)
}

/// Whether `field` (`issuer.emergency_rate`) is written in `text`.
pub fn is_written(text: &str, field: &str) -> bool {
    toml::de::DeTable::parse(text)
        .ok()
        .and_then(|tree| file::written_span(tree.get_ref(), field))
        .is_some()
}

/// Moves each diagnostic to where its field is written in `text` (the file
/// `origin`), or to the closest enclosing table that is written, or to the
/// start of the file. For diagnostics found in an edited copy of a file
/// (`--set`, sweep values), whose lines the user's file may not have.
pub fn relocate(diagnostics: &mut [Diagnostic], text: &str, origin: &str) {
    let Ok(tree) = toml::de::DeTable::parse(text) else {
        return;
    };
    for d in diagnostics {
        let span = d
            .field
            .as_deref()
            .and_then(|f| file::span_of(tree.get_ref(), f))
            .unwrap_or(0..0);
        let pending = diagnostic::Pending {
            kind: d.kind,
            span,
            field: d.field.take(),
            message: std::mem::take(&mut d.message),
            expected: d.expected.take(),
            suggestion: d.suggestion.take(),
        };
        *d = diagnostic::locate(pending, text.as_bytes(), origin);
    }
}
