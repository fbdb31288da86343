//! Scenario errors: what is wrong, where (file, line, column) and in which
//! field, and what would have been valid.
//!
//! Every variant is fatal for the scenario: nothing is run from a file that
//! does not validate. All but [`ScenarioError::Io`] display as
//! `FILE:LINE:COLUMN: FIELD: message (expected: ...)`.

use std::fmt;
use std::path::PathBuf;

/// A position in a scenario file; line and column are 1-based, the column
/// counts characters (not bytes) from the start of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file name as given to [`super::load`] or [`super::parse_str`].
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` of `text` (clamped to the text).
    pub fn of_offset(file: &str, text: &str, offset: usize) -> Location {
        let bytes = text.as_bytes();
        let offset = offset.min(bytes.len());
        let before = &bytes[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // Lossy so that an offset inside a multi-byte character cannot panic.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why a scenario file was rejected.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (missing, unreadable, not UTF-8). Fatal.
    #[non_exhaustive]
    #[error("{}: cannot read scenario file: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The text is not valid TOML (unbalanced quotes, duplicate key, ...). Fatal.
    #[non_exhaustive]
    #[error("{at}: TOML syntax error: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Location,
        /// The parser's description.
        message: String,
    },

    /// A key that the table does not have (a typo, usually). Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: unknown key `{key}` (expected one of: {})", valid.join(", "))]
    UnknownKey {
        /// Where the key is written.
        at: Location,
        /// Dotted path of the unknown key (`worker.startupp`).
        field: String,
        /// The key as written.
        key: String,
        /// The keys the table accepts.
        valid: Vec<String>,
    },

    /// A value of the wrong TOML type (an integer where a duration string
    /// belongs, a table where an array of tables belongs, ...). Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: wrong type: found {found} (expected: {expected})")]
    WrongType {
        /// Where the value is written.
        at: Location,
        /// Dotted field (`pool.servers`, `clients.daily_profile[3]`).
        field: String,
        /// What was written (`integer 5`).
        found: String,
        /// What the field accepts.
        expected: String,
    },

    /// A value of the right type that cannot be parsed or is not one of the
    /// allowed words (`"5 parsecs"`, `algorithm = "fastest"`). Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: {message} (expected: {expected})")]
    BadValue {
        /// Where the value is written.
        at: Location,
        /// Dotted field.
        field: String,
        /// What is wrong.
        message: String,
        /// What the field accepts.
        expected: String,
    },

    /// A well-formed value outside its allowed range (zero where a positive
    /// duration is needed, a probability above 1, a count too large, a
    /// duration that overflows). Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: {message} (expected: {expected})")]
    OutOfRange {
        /// Where the value is written.
        at: Location,
        /// Dotted field.
        field: String,
        /// What is wrong.
        message: String,
        /// The allowed range.
        expected: String,
    },

    /// A `[min, max]` range with `min > max`. Fatal.
    #[non_exhaustive]
    #[error(
        "{at}: {field}: min {min} is greater than max {max} (expected: [min, max] with min <= max)"
    )]
    MinGreaterThanMax {
        /// Where the range is written.
        at: Location,
        /// Dotted field.
        field: String,
        /// The lower bound as written.
        min: String,
        /// The upper bound as written.
        max: String,
    },

    /// An index or name that does not exist: a server index `>= pool.servers`,
    /// an app pool not in `pool.app_pools`. Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: {message} (expected: {expected})")]
    IndexOutOfRange {
        /// Where the index is written.
        at: Location,
        /// Dotted field.
        field: String,
        /// What is wrong.
        message: String,
        /// The valid indices or names.
        expected: String,
    },

    /// A required table or field is absent (`[simulation]`, `simulation.name`,
    /// `event[0].kind`). Located at the table that should hold it. Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: missing required field (expected: {expected})")]
    Missing {
        /// The enclosing table's header, or the start of the file.
        at: Location,
        /// Dotted path of the missing field.
        field: String,
        /// What to write.
        expected: String,
    },

    /// Values that are fine alone but not together (`arrivals = "fixed"` with
    /// a non-flat profile, `app_pool` on a `server_crash`, `warmup >= horizon`).
    /// Fatal.
    #[non_exhaustive]
    #[error("{at}: {field}: {message} (expected: {expected})")]
    Inconsistent {
        /// Where the offending value is written.
        at: Location,
        /// Dotted field.
        field: String,
        /// What clashes with what.
        message: String,
        /// A consistent alternative.
        expected: String,
    },
}

impl ScenarioError {
    /// Where in the file the error is, if it concerns the file's content.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ScenarioError::Io { .. } => None,
            ScenarioError::Syntax { at, .. }
            | ScenarioError::UnknownKey { at, .. }
            | ScenarioError::WrongType { at, .. }
            | ScenarioError::BadValue { at, .. }
            | ScenarioError::OutOfRange { at, .. }
            | ScenarioError::MinGreaterThanMax { at, .. }
            | ScenarioError::IndexOutOfRange { at, .. }
            | ScenarioError::Missing { at, .. }
            | ScenarioError::Inconsistent { at, .. } => Some(at),
        }
    }

    /// The dotted field the error is about (`worker.startup`), if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ScenarioError::Io { .. } | ScenarioError::Syntax { .. } => None,
            ScenarioError::UnknownKey { field, .. }
            | ScenarioError::WrongType { field, .. }
            | ScenarioError::BadValue { field, .. }
            | ScenarioError::OutOfRange { field, .. }
            | ScenarioError::MinGreaterThanMax { field, .. }
            | ScenarioError::IndexOutOfRange { field, .. }
            | ScenarioError::Missing { field, .. }
            | ScenarioError::Inconsistent { field, .. } => Some(field),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_and_count_characters() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(Location::of_offset("f", text, 0).to_string(), "f:1:1");
        assert_eq!(Location::of_offset("f", text, 6).to_string(), "f:2:1");
        // 'x' is after a two-byte character: byte 15, character column 9.
        assert_eq!(Location::of_offset("f", text, 15).column, 9);
        // Out of range and mid-character offsets do not panic.
        let _ = Location::of_offset("f", text, 1000);
        let _ = Location::of_offset("f", text, 12);
    }
}
