//! Scenario errors: a file that cannot be read, or the diagnostics of a file
//! that does not validate.
//!
//! Both are fatal for the scenario: nothing is run from a file that does not
//! validate. An invalid file displays as one line per diagnostic, each
//! `FILE:LINE:COLUMN: FIELD: message (expected: ...)`, in file order.

pub use super::diagnostic::{Diagnostic, Diagnostics, Kind, Location};
use std::path::PathBuf;

/// Why a scenario file was rejected.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (missing, unreadable). Fatal.
    #[non_exhaustive]
    #[error("{}: cannot read scenario file: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The file's content is invalid: every problem found, in file order.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl ScenarioError {
    /// The diagnostics, if the error concerns the file's content.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid(d) => &d.list,
        }
    }

    /// The first diagnostic in file order, if any.
    pub fn first(&self) -> Option<&Diagnostic> {
        self.diagnostics().first()
    }

    /// Where in the file the first error is, if it concerns the file's content.
    pub fn location(&self) -> Option<&Location> {
        self.first().map(|d| &d.at)
    }

    /// The dotted field the first error is about (`worker.startup`), if any.
    pub fn field(&self) -> Option<&str> {
        self.first().and_then(|d| d.field.as_deref())
    }

    /// The kind of the first error, if it concerns the file's content.
    pub fn kind(&self) -> Option<Kind> {
        self.first().map(|d| d.kind)
    }
}

impl From<Diagnostics> for ScenarioError {
    fn from(d: Diagnostics) -> Self {
        ScenarioError::Invalid(d)
    }
}
