//! Diagnostics: what is wrong in a scenario file, as data.
//!
//! A [`Diagnostic`] holds everything a reader (or a program) needs: the
//! kind, the position (file, line, column and byte span), the dotted field,
//! the message, what would be valid and a close alternative ("did you
//! mean"), plus the source line for a snippet. How it is shown is separate:
//! [`Diagnostic`]'s `Display` is the one-line form
//! `file:line:column: field: message`, and [`super::render`] adds the source
//! snippet with a caret.
//!
//! Validation records every problem it finds in a [`Collector`]; the
//! collector keeps the first [`MAX_DIAGNOSTICS`] in file order, whatever
//! order they were found in, and counts the rest.

use std::fmt;
use std::ops::Range;

/// Most diagnostics reported for one file; beyond this the first ones in
/// file order are shown and the rest counted (one typo repeated in a
/// generated file should not print 100,000 lines).
pub const MAX_DIAGNOSTICS: usize = 20;

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
        let (line, column, _) = line_column(text.as_bytes(), offset);
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

/// `(line, column, start of the line)` of byte `offset` (clamped) of
/// `bytes`; the column counts characters. Works on bytes that are not valid
/// UTF-8 (the column of an invalid byte counts the characters before it).
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize, usize) {
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
    (line, column, line_start)
}

/// What kind of mistake a diagnostic reports. The names of
/// [`Kind::name`] are stable, for machine-readable output.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The file is not valid UTF-8.
    Encoding,
    /// The text is not valid TOML (unbalanced quotes, duplicate key, ...).
    Syntax,
    /// A key that the table does not have (a typo, usually).
    UnknownKey,
    /// A value of the wrong TOML type (an integer where a duration string
    /// belongs, a table where an array of tables belongs, ...).
    WrongType,
    /// A value of the right type that cannot be parsed or is not one of the
    /// allowed words (`"5 parsecs"`, `algorithm = "fastest"`).
    BadValue,
    /// A well-formed value outside its allowed range (zero where a positive
    /// duration is needed, a probability above 1, a number too large).
    OutOfRange,
    /// A `[min, max]` range with `min > max`.
    MinGreaterThanMax,
    /// An index or name that does not exist: a server index `>= pool.servers`,
    /// an app pool not in `pool.app_pools`.
    IndexOutOfRange,
    /// A required table or field is absent; located at the table that should
    /// hold it.
    Missing,
    /// Values that are fine alone but not together (`arrivals = "fixed"` with
    /// a non-flat profile, `warmup >= horizon`).
    Inconsistent,
    /// The scenario exceeds a limit of the simulator for some run of the
    /// plan (more key rollovers in the horizon than a run can hold).
    Limit,
}

impl Kind {
    /// A stable snake_case name (`unknown_key`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Encoding => "encoding",
            Kind::Syntax => "syntax",
            Kind::UnknownKey => "unknown_key",
            Kind::WrongType => "wrong_type",
            Kind::BadValue => "bad_value",
            Kind::OutOfRange => "out_of_range",
            Kind::MinGreaterThanMax => "min_greater_than_max",
            Kind::IndexOutOfRange => "index_out_of_range",
            Kind::Missing => "missing",
            Kind::Inconsistent => "inconsistent",
            Kind::Limit => "limit",
        }
    }
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of mistake.
    pub kind: Kind,
    /// File, line and column of the start of [`Diagnostic::span`].
    pub at: Location,
    /// Byte range in the file's text (may span lines).
    pub span: Range<usize>,
    /// The dotted field (`worker.startup`, `event[3].server`), when the
    /// problem concerns one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be valid, when that can be said.
    pub expected: Option<String>,
    /// A close valid alternative to what was written (a key or word).
    pub suggestion: Option<String>,
    /// The text of line [`Location::line`], for the snippet.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// The caret's byte range within [`Diagnostic::source_line`]: from the
    /// span's start to its end or the end of the line, at least one byte.
    pub fn caret(&self) -> Option<Range<usize>> {
        let line = self.source_line.as_ref()?;
        // The column counts characters; find its byte offset in the line.
        let start = line
            .char_indices()
            .nth(self.at.column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i);
        let len = self.span.end.saturating_sub(self.span.start).max(1);
        let mut end = (start + len).min(line.len());
        while !line.is_char_boundary(end) {
            end += 1;
        }
        Some(start..end)
    }

    /// What follows the message on the one-line form: the suggestion if
    /// there is one, else what would be valid.
    pub fn hint(&self) -> Option<String> {
        match (&self.suggestion, &self.expected) {
            (Some(s), _) => Some(format!("did you mean {s}?")),
            (None, Some(e)) => Some(format!("expected: {e}")),
            (None, None) => None,
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: field: message (expected: ...)`, or with `; did
    /// you mean X?` in place of the expected values when one is close.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.at)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)?;
        match (&self.suggestion, &self.expected) {
            (Some(s), _) => write!(f, "; did you mean {s}?"),
            (None, Some(e)) => write!(f, " (expected: {e})"),
            (None, None) => Ok(()),
        }
    }
}

/// Every diagnostic of one file (at most [`MAX_DIAGNOSTICS`]), in file order,
/// and how many more there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The diagnostics, in file order; never empty.
    pub list: Vec<Diagnostic>,
    /// How many more were found but not kept.
    pub omitted: usize,
}

impl Diagnostics {
    /// One diagnostic.
    pub fn one(d: Diagnostic) -> Diagnostics {
        Diagnostics {
            list: vec![d],
            omitted: 0,
        }
    }

    /// The first, in file order.
    pub fn first(&self) -> &Diagnostic {
        &self.list[0]
    }
}

impl fmt::Display for Diagnostics {
    /// One line per diagnostic, then `... and N more`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        if self.omitted > 0 {
            write!(
                f,
                "\n... and {} more error{} not shown",
                self.omitted,
                if self.omitted == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// A diagnostic before it is located: positions are computed only for the
/// ones kept, so that collecting many stays linear in the file size.
#[derive(Clone, Debug)]
pub struct Pending {
    /// What kind of mistake.
    pub kind: Kind,
    /// Byte range in the text.
    pub span: Range<usize>,
    /// The dotted field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be valid.
    pub expected: Option<String>,
    /// A close valid alternative.
    pub suggestion: Option<String>,
}

/// Collects diagnostics in any order and keeps the first
/// [`MAX_DIAGNOSTICS`] in file order.
#[derive(Debug, Default)]
pub struct Collector {
    pending: Vec<Pending>,
    dropped: usize,
}

impl Collector {
    /// Records one problem.
    pub fn push(&mut self, p: Pending) {
        self.pending.push(p);
        // Keep memory bounded: prune to the first MAX in file order now and
        // then (amortised, so a file with many errors stays linear).
        if self.pending.len() >= 4 * MAX_DIAGNOSTICS {
            self.prune();
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    fn prune(&mut self) {
        // Stable: equal positions keep the order they were found in.
        self.pending.sort_by_key(|p| p.span.start);
        if self.pending.len() > MAX_DIAGNOSTICS {
            self.dropped += self.pending.len() - MAX_DIAGNOSTICS;
            self.pending.truncate(MAX_DIAGNOSTICS);
        }
    }

    /// The diagnostics located in `text` (the file `origin`), or `None` if
    /// nothing was recorded.
    pub fn finish(mut self, text: &str, origin: &str) -> Option<Diagnostics> {
        if self.pending.is_empty() {
            return None;
        }
        self.prune();
        let list = self
            .pending
            .into_iter()
            .map(|p| locate(p, text.as_bytes(), origin))
            .collect();
        Some(Diagnostics {
            list,
            omitted: self.dropped,
        })
    }
}

/// Turns a pending diagnostic into a located one in `bytes` (the text of
/// file `origin`), with its source line.
pub fn locate(p: Pending, bytes: &[u8], origin: &str) -> Diagnostic {
    let (line, column, line_start) = line_column(bytes, p.span.start);
    let line_end = bytes[line_start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| line_start + i);
    let text = String::from_utf8_lossy(&bytes[line_start..line_end]);
    let source_line = Some(text.trim_end_matches('\r').to_string());
    Diagnostic {
        kind: p.kind,
        at: Location {
            file: origin.to_string(),
            line,
            column,
        },
        span: p.span,
        field: p.field,
        message: p.message,
        expected: p.expected,
        suggestion: p.suggestion,
        source_line,
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

    fn pending(start: usize) -> Pending {
        Pending {
            kind: Kind::BadValue,
            span: start..start + 1,
            field: Some(format!("f{start}")),
            message: "bad".into(),
            expected: None,
            suggestion: None,
        }
    }

    #[test]
    fn keeps_the_first_in_file_order_and_counts_the_rest() {
        let text = "x\n".repeat(1000);
        let mut c = Collector::default();
        for start in (0..1000).rev() {
            c.push(pending(2 * start));
        }
        let d = c.finish(&text, "f").unwrap();
        assert_eq!(d.list.len(), MAX_DIAGNOSTICS);
        assert_eq!(d.omitted, 1000 - MAX_DIAGNOSTICS);
        let lines: Vec<usize> = d.list.iter().map(|d| d.at.line).collect();
        assert_eq!(lines, (1..=MAX_DIAGNOSTICS).collect::<Vec<_>>());
        assert!(d.to_string().ends_with("... and 980 more errors not shown"));
    }

    #[test]
    fn caret_covers_the_span_on_its_line() {
        let text = "a = 1\nkey = \"é long\"\n";
        let d = locate(
            Pending {
                span: 12..21,
                ..pending(0)
            },
            text.as_bytes(),
            "f",
        );
        assert_eq!(d.source_line.as_deref(), Some("key = \"é long\""));
        let caret = d.caret().unwrap();
        assert_eq!(&d.source_line.as_ref().unwrap()[caret], "\"é long\"");
        // A span past the line's end stops at the end of the line.
        let d = locate(
            Pending {
                span: 6..100,
                ..pending(0)
            },
            text.as_bytes(),
            "f",
        );
        assert_eq!(d.caret(), Some(0..15));
    }
}
