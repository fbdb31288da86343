//! `[history]`: what actually happened on the servers, from CSV files.
//!
//! ```toml
//! [history]
//! events = "events.csv"        # at,kind,server,app_pool,duration
//! rollovers = "rollovers.csv"  # published,lead
//! ```
//!
//! Paths are relative to the scenario file. Each row becomes what a scenario
//! file could have written by hand, in addition to what it does write: an
//! `[[event]]` (crashes, recycles), a `[[maintenance.window]]` or an
//! `[[issuer.rollover]]`; rows are appended after the file's own tables, in
//! row order. The model therefore needs nothing new, and the random
//! processes run as usual: to replay only the history, set their rates to 0
//! (`docs/history.md`).
//!
//! The TOML side (the two paths, checked like any field) is validated with
//! the rest of the file; the files themselves are read by [`attach`], once
//! the scenario is valid, because reading needs the scenario's folder and
//! checking a row needs the pool (server count, app pool names) and
//! `simulation.start`. Every bad cell is a [`Diagnostic`] whose file is the
//! CSV, with its line, column, the column name and what would be valid; the
//! first [`MAX_DIAGNOSTICS`] in file order are reported.
//!
//! The CSV reader is small and hand-written rather than the `csv` crate's,
//! because a diagnostic needs each cell's byte position in the file (quotes
//! included), which `csv` does not give. It reads what spreadsheets and
//! PowerShell's `Export-Csv` write: a UTF-8 byte order mark, CRLF line
//! ends, quoted cells (with `""` for a quote, and line breaks inside),
//! blank lines and `#` comment lines (such as the `#TYPE` line of Windows
//! PowerShell 5.1).

use super::clock::{self, TIMESTAMP_EXPECTED, WallClock};
use super::diagnostic::{Collector, Diagnostic, Diagnostics, Kind, MAX_DIAGNOSTICS, Pending};
use super::file::{FieldPath, RawScenario, RawValue};
use super::resolved::{
    ExplicitRollover, History, MaintenanceWindow, Pool, Scenario, ScriptedEvent, ScriptedKind,
};
use super::validate::{Cx, R};
use super::values::{self, DURATION_EXPECTED, ValueError};
use super::{ScenarioError, suggest};
use crate::engine::Millis;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Whether a column of a row kind must, may or must not hold a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Required,
    Optional,
    Forbidden,
}

/// What a row of one kind becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Becomes {
    /// A `[[maintenance.window]]` of `duration`.
    Maintenance,
    /// An `[[event]]` of this kind (see [`scripted`]).
    Scripted(ScriptedKind),
}

/// One value of the `kind` column: which cells it needs and what it becomes.
struct RowKind {
    name: &'static str,
    app_pool: Need,
    duration: Need,
    becomes: Becomes,
}

/// The kinds of `events.csv`, in documentation order: name, app_pool,
/// duration, what the row becomes. Adding a kind is one line here (and, if
/// it carries a duration, its field in [`scripted`]).
const KINDS: &[RowKind] = {
    use Becomes::*;
    use Need::*;
    &[
        kind("maintenance", Forbidden, Required, Maintenance),
        kind(
            "worker_crash",
            Required,
            Forbidden,
            Scripted(ScriptedKind::WorkerCrash),
        ),
        kind(
            "ma_recycle",
            Required,
            Forbidden,
            Scripted(ScriptedKind::MaRecycle),
        ),
        kind(
            "periodic_recycle",
            Required,
            Forbidden,
            Scripted(ScriptedKind::PeriodicRecycle),
        ),
        kind(
            "server_crash",
            Forbidden,
            Forbidden,
            Scripted(ScriptedKind::ServerCrash),
        ),
        // Without a duration the window's length is drawn from
        // maintenance.duration, as for an [[event]].
        kind(
            "install_update",
            Forbidden,
            Optional,
            Scripted(ScriptedKind::InstallUpdate),
        ),
    ]
};

const fn kind(name: &'static str, app_pool: Need, duration: Need, becomes: Becomes) -> RowKind {
    RowKind {
        name,
        app_pool,
        duration,
        becomes,
    }
}

/// The scripted event of a history row. `duration` is `None` for every
/// kind whose `duration` is forbidden.
fn scripted(
    at: Millis,
    kind: ScriptedKind,
    server: usize,
    app_pool: Option<usize>,
    duration: Option<Millis>,
) -> ScriptedEvent {
    ScriptedEvent {
        at,
        kind,
        server,
        app_pool,
        duration,
    }
}

/// The columns of `events.csv`, in the order written by hmasim's docs.
pub const EVENT_COLUMNS: [&str; 5] = ["at", "kind", "server", "app_pool", "duration"];
/// The columns of `rollovers.csv`.
pub const ROLLOVER_COLUMNS: [&str; 2] = ["published", "lead"];

/// `a` or `an` before `word`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

// ---- the [history] table ---------------------------------------------------

impl Cx {
    /// `[history]`: two optional paths, non-empty strings.
    pub(super) fn history(&self, raw: &RawScenario) -> R<History> {
        let Some(h) = &raw.history else {
            return Ok(History::default());
        };
        let h = h.get_ref();
        let path = |key: &'static str, v: &Option<toml::Spanned<RawValue>>| -> R<Option<String>> {
            let Some(v) = v else { return Ok(None) };
            let field = FieldPath::Key(&FieldPath::Name("history"), key);
            let expected =
                "a CSV file path relative to the scenario file, e.g. \"history/events.csv\"";
            match v.get_ref() {
                RawValue::String(s) if !s.trim().is_empty() => Ok(Some(s.clone())),
                RawValue::String(_) => {
                    Err(self.bad(field, v.span(), "empty path".to_string(), expected))
                }
                _ => Err(self.wrong_type(field, v, expected)),
            }
        };
        let events = path("events", &h.events);
        let rollovers = path("rollovers", &h.rollovers);
        Ok(History {
            events: events?,
            rollovers: rollovers?,
        })
    }

    /// `simulation.start`: a timestamp, quoted or as a TOML offset date-time.
    pub(super) fn start(&self, v: &toml::Spanned<RawValue>) -> R<WallClock> {
        let path: FieldPath<'_> = "simulation.start".into();
        let text = match v.get_ref() {
            RawValue::String(s) => s.as_str(),
            RawValue::Datetime(d) => d.as_str(),
            _ => return Err(self.wrong_type(path, v, TIMESTAMP_EXPECTED)),
        };
        WallClock::parse(text).map_err(|e| self.value_error(path, v.span(), e))
    }
}

// ---- reading the files -----------------------------------------------------

/// History files read so far, by path: a sweep's points share one read.
#[derive(Clone, Debug, Default)]
pub struct Files {
    read: HashMap<PathBuf, Result<Vec<u8>, String>>,
    /// Never read the disk: only the files given to [`Files::in_memory`].
    memory_only: bool,
}

impl Files {
    /// The bytes read from `path`, if it was read (and could be).
    pub fn bytes(&self, path: &Path) -> Option<&[u8]> {
        self.read.get(path)?.as_deref().ok()
    }

    /// Files held in memory, by path (as the scenario's folder joined with
    /// the `[history]` path); any other path cannot be read. For fuzzing
    /// and embedding: the same scenario text gives the same result
    /// wherever it runs.
    pub fn in_memory(files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> Files {
        Files {
            read: files.into_iter().map(|(p, b)| (p, Ok(b))).collect(),
            memory_only: true,
        }
    }

    fn get(&mut self, path: &Path) -> &Result<Vec<u8>, String> {
        let memory_only = self.memory_only;
        self.read.entry(path.to_path_buf()).or_insert_with(|| {
            if memory_only {
                Err("no such file (held in memory)".to_string())
            } else {
                std::fs::read(path).map_err(|e| e.to_string())
            }
        })
    }
}

/// Adds the rows of the scenario's history files to `s`: events and
/// maintenance windows after the file's own, rollovers likewise.
///
/// `text` is the scenario file (named `origin`), in which a file that cannot
/// be read is reported, at its `[history]` field; `base` is the scenario
/// file's folder. Every bad row is reported, first the events file's, then
/// the rollovers file's; on any error `s` is left as it was.
pub fn attach(
    s: &mut Scenario,
    text: &str,
    origin: &str,
    base: &Path,
    files: &mut Files,
) -> Result<(), ScenarioError> {
    if s.history.is_empty() {
        return Ok(());
    }
    let mut errors: Vec<Diagnostics> = Vec::new();
    let mut events = Vec::new();
    let mut windows = Vec::new();
    let mut rollovers = Vec::new();
    let history = s.history.clone();
    let sources = [
        ("history.events", history.events.as_deref()),
        ("history.rollovers", history.rollovers.as_deref()),
    ];
    for (field, rel) in sources {
        let Some(rel) = rel else { continue };
        let path = base.join(rel);
        let name = path.display().to_string();
        let bytes = match files.get(&path) {
            Ok(b) => b,
            Err(reason) => {
                errors.push(unreadable(field, rel, &name, reason, text, origin));
                continue;
            }
        };
        let csv = match CsvText::decode(bytes, &name) {
            Ok(t) => t,
            Err(d) => {
                errors.push(Diagnostics::one(*d));
                continue;
            }
        };
        let mut sink = Collector::default();
        let mut reader = RowReader {
            sink: &mut sink,
            pool: &s.pool,
            clock: s.simulation.start.as_ref(),
        };
        if field == "history.events" {
            reader.events(&csv.text, &mut events, &mut windows);
        } else {
            reader.rollovers(&csv.text, &mut rollovers);
        }
        if let Some(d) = sink.finish(&csv.text, &name) {
            errors.push(d);
        }
    }
    if !errors.is_empty() {
        return Err(ScenarioError::Invalid(combine(errors)));
    }
    s.events.extend(events);
    s.maintenance.windows.extend(windows);
    s.issuer.rollovers.extend(rollovers);
    Ok(())
}

/// The diagnostics of several files as one list: in the order given, at
/// most [`MAX_DIAGNOSTICS`], the rest counted.
fn combine(all: Vec<Diagnostics>) -> Diagnostics {
    let mut list = Vec::new();
    let mut omitted = 0;
    for d in all {
        omitted += d.omitted;
        for one in d.list {
            if list.len() < MAX_DIAGNOSTICS {
                list.push(one);
            } else {
                omitted += 1;
            }
        }
    }
    Diagnostics { list, omitted }
}

/// A history file that cannot be read, reported at its field in the
/// scenario file (or at `[history]` when the path came from `--set`).
fn unreadable(
    field: &str,
    rel: &str,
    name: &str,
    reason: &str,
    text: &str,
    origin: &str,
) -> Diagnostics {
    let mut d = [Diagnostic {
        kind: Kind::BadValue,
        at: super::Location {
            file: origin.to_string(),
            line: 1,
            column: 1,
        },
        span: 0..0,
        field: Some(field.to_string()),
        message: if rel == name {
            format!("cannot read {rel:?}: {reason}")
        } else {
            format!("cannot read {rel:?} ({name}): {reason}")
        },
        expected: Some("a readable CSV file, the path relative to the scenario file".to_string()),
        suggestion: None,
        source_line: None,
    }];
    super::relocate(&mut d, text, origin);
    let [d] = d;
    Diagnostics::one(d)
}

/// A history file's text, without a byte order mark.
struct CsvText {
    text: String,
}

impl CsvText {
    /// UTF-8 (a byte order mark is dropped: editors neither show nor count
    /// it, so columns on the first line are counted without it, as the
    /// user sees them); anything else is an error at the first bad byte,
    /// with a hint for UTF-16 (Windows PowerShell's `Out-File` default).
    fn decode(bytes: &[u8], name: &str) -> Result<CsvText, Box<Diagnostic>> {
        let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                // Spans and carets are then in this text, the same lines.
                let text = s.strip_prefix('\u{feff}').unwrap_or(s).to_string();
                Ok(CsvText { text })
            }
            Err(e) => {
                let offset = e.valid_up_to();
                let (message, expected) = if utf16 {
                    (
                        "the file is UTF-16; hmasim reads UTF-8".to_string(),
                        "a CSV file saved as UTF-8 (Export-Csv -Encoding UTF8)",
                    )
                } else {
                    (
                        format!("not valid UTF-8: byte 0x{:02x} here", bytes[offset]),
                        "a CSV file saved as UTF-8",
                    )
                };
                Err(Box::new(super::diagnostic::locate(
                    Pending {
                        kind: Kind::Encoding,
                        span: offset..offset + 1,
                        field: None,
                        message,
                        expected: Some(expected.to_string()),
                        suggestion: None,
                    },
                    bytes,
                    name,
                )))
            }
        }
    }
}

// ---- CSV records with positions --------------------------------------------

/// One cell: its text (unquoted) and where it is written (quotes included).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cell {
    text: String,
    span: Range<usize>,
}

/// One record: where it starts and its cells.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    start: usize,
    cells: Vec<Cell>,
}

/// Splits `text` into records; blank lines and lines starting with `#` are
/// skipped. A quote that never closes is reported and ends the file.
fn records(text: &str, sink: &mut Collector) -> Vec<Record> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // At the start of a line.
        let line_end = b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| i + p);
        let line = &text[i..line_end];
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            i = line_end + 1;
            continue;
        }
        let start = i;
        let mut cells = Vec::new();
        loop {
            // One cell from i.
            let mut j = i;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            if j < b.len() && b[j] == b'"' {
                let open = j;
                let mut value = String::new();
                let mut k = j + 1;
                let mut closed = false;
                while k < b.len() {
                    if b[k] == b'"' {
                        if b.get(k + 1) == Some(&b'"') {
                            value.push('"');
                            k += 2;
                            continue;
                        }
                        closed = true;
                        k += 1;
                        break;
                    }
                    let ch = text[k..].chars().next().unwrap_or('\u{fffd}');
                    value.push(ch);
                    k += ch.len_utf8();
                }
                if !closed {
                    sink.push(Pending {
                        kind: Kind::Syntax,
                        span: open..open + 1,
                        field: None,
                        message: "this quote is never closed".to_string(),
                        expected: Some("a closing quote \" at the end of the cell".to_string()),
                        suggestion: None,
                    });
                    return out;
                }
                let span = open..k;
                // Only spaces may follow the closing quote.
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t' || b[k] == b'\r') {
                    k += 1;
                }
                if k < b.len() && b[k] != b',' && b[k] != b'\n' {
                    sink.push(Pending {
                        kind: Kind::Syntax,
                        span: k..k + 1,
                        field: None,
                        message: "text after a closing quote".to_string(),
                        expected: Some("a comma or the end of the line after a quoted cell; write \"\" for a quote inside one".to_string()),
                        suggestion: None,
                    });
                    while k < b.len() && b[k] != b',' && b[k] != b'\n' {
                        k += 1;
                    }
                }
                cells.push(Cell { text: value, span });
                i = k;
            } else {
                let mut k = j;
                while k < b.len() && b[k] != b',' && b[k] != b'\n' {
                    k += 1;
                }
                let raw = &text[j..k];
                let trimmed = raw.trim_end();
                cells.push(Cell {
                    text: trimmed.to_string(),
                    span: j..j + trimmed.len(),
                });
                i = k;
            }
            if i < b.len() && b[i] == b',' {
                i += 1;
                continue;
            }
            // End of line or of the text.
            i += 1;
            break;
        }
        out.push(Record { start, cells });
    }
    out
}

// ---- rows -----------------------------------------------------------------

/// Checks rows against the scenario and records every problem.
struct RowReader<'a, 'b> {
    sink: &'a mut Collector,
    pool: &'b Pool,
    clock: Option<&'b WallClock>,
}

/// One checked header: for each wanted column, its cell index if present.
struct Header {
    columns: Vec<Option<usize>>,
    /// The column names, in file order.
    names: Vec<String>,
}

impl RowReader<'_, '_> {
    fn push(
        &mut self,
        kind: Kind,
        span: Range<usize>,
        column: &str,
        message: String,
        expected: String,
    ) {
        self.sink.push(Pending {
            kind,
            span,
            field: Some(column.to_string()),
            message,
            expected: Some(expected),
            suggestion: None,
        });
    }

    /// The header of `records` (the first), mapped onto `wanted`; `None`
    /// when a required column is missing (every problem reported).
    fn header(
        &mut self,
        records: &[Record],
        wanted: &[&'static str],
        required: &[&'static str],
    ) -> Option<Header> {
        let expected = format!("a header line naming the columns {}", wanted.join(","));
        let Some(first) = records.first() else {
            self.sink.push(Pending {
                kind: Kind::Missing,
                span: 0..0,
                field: None,
                message: "the file has no header line".to_string(),
                expected: Some(expected),
                suggestion: None,
            });
            return None;
        };
        let mut columns = vec![None; wanted.len()];
        let mut ok = true;
        for (i, cell) in first.cells.iter().enumerate() {
            let name = cell.text.trim();
            match wanted.iter().position(|w| *w == name) {
                Some(c) if columns[c].is_some() => {
                    ok = false;
                    self.push(
                        Kind::BadValue,
                        cell.span.clone(),
                        name,
                        format!("column {name:?} appears twice"),
                        expected.clone(),
                    );
                }
                Some(c) => columns[c] = Some(i),
                None => {
                    ok = false;
                    self.sink.push(Pending {
                        kind: Kind::UnknownKey,
                        span: cell.span.clone(),
                        field: Some(name.to_string()),
                        message: format!("unknown column {name:?}"),
                        expected: Some(format!("columns among {}", wanted.join(","))),
                        suggestion: suggest::closest(name, wanted.iter().copied())
                            .map(|w| format!("`{w}`")),
                    });
                }
            }
        }
        for r in required {
            let c = wanted.iter().position(|w| w == r).unwrap_or(0);
            if columns[c].is_none() {
                ok = false;
                self.push(
                    Kind::Missing,
                    first.start..first.start + 1,
                    r,
                    format!("the header has no column {r:?}"),
                    expected.clone(),
                );
            }
        }
        ok.then_some(Header {
            columns,
            names: first
                .cells
                .iter()
                .map(|c| c.text.trim().to_string())
                .collect(),
        })
    }

    /// The cell of column `c` in `rec`, if the header has it and it is not empty.
    fn cell<'r>(&mut self, h: &Header, rec: &'r Record, c: usize) -> Option<&'r Cell> {
        let i = h.columns[c]?;
        rec.cells.get(i).filter(|cell| !cell.text.trim().is_empty())
    }

    /// Whether `rec` has as many cells as the header (reported if not: at
    /// the row, naming the first column without a cell, or at the first
    /// cell beyond the last column).
    fn width_ok(&mut self, h: &Header, rec: &Record) -> bool {
        let (have, width) = (rec.cells.len(), h.names.len());
        if have == width {
            return true;
        }
        let cells = |n: usize| format!("{n} cell{}", if n == 1 { "" } else { "s" });
        let expected = format!(
            "{} ({}), empty ones included",
            cells(width),
            h.names.join(",")
        );
        let pending = if have < width {
            let missing = &h.names[have];
            Pending {
                kind: Kind::Missing,
                span: rec.start..rec.cells.last().map_or(rec.start + 1, |c| c.span.end),
                field: Some(missing.clone()),
                message: format!(
                    "this row has {}, the header {}: no {missing} cell",
                    cells(have),
                    width
                ),
                expected: Some(expected),
                suggestion: None,
            }
        } else {
            Pending {
                kind: Kind::BadValue,
                span: rec.cells[width].span.clone(),
                field: None,
                message: format!(
                    "this row has {}, the header {}: cell {} is after the last column, {}",
                    cells(have),
                    width,
                    width + 1,
                    h.names[width - 1]
                ),
                expected: Some(expected),
                suggestion: None,
            }
        };
        self.sink.push(pending);
        false
    }

    /// A required cell: its value, or `Missing` reported at the row.
    fn required<'r>(
        &mut self,
        h: &Header,
        rec: &'r Record,
        c: usize,
        name: &str,
        expected: &str,
    ) -> Option<&'r Cell> {
        let cell = self.cell(h, rec, c);
        if cell.is_none() {
            let span = h.columns[c]
                .and_then(|i| rec.cells.get(i))
                .map_or(rec.start..rec.start + 1, |c| c.span.start..c.span.start + 1);
            self.push(
                Kind::Missing,
                span,
                name,
                format!("missing {name}"),
                expected.to_string(),
            );
        }
        cell
    }

    fn value_error(&mut self, cell: &Cell, column: &str, e: ValueError) {
        let (kind, message, expected) = match e {
            ValueError::Bad { message, expected } => (Kind::BadValue, message, expected),
            ValueError::OutOfRange { message, expected } => (Kind::OutOfRange, message, expected),
        };
        self.push(kind, cell.span.clone(), column, message, expected);
    }

    /// An instant: an offset (`3d 4h`) or, with `simulation.start`, a timestamp.
    fn instant(&mut self, cell: &Cell, column: &str) -> Option<Millis> {
        let text = cell.text.trim();
        let result = if clock::looks_like_timestamp(text) {
            match self.clock {
                Some(c) => c.offset_of(text),
                None => Err(ValueError::Bad {
                    message: format!("{text:?} is a timestamp, but the scenario has no simulation.start"),
                    expected: "an offset from the start such as \"3d 4h\", or set simulation.start = \"...Z\" in the scenario".to_string(),
                }),
            }
        } else {
            values::parse_duration(text).map_err(|e| match e {
                ValueError::Bad { message, .. } => ValueError::Bad {
                    message,
                    expected: match self.clock {
                        Some(_) => {
                            format!("{TIMESTAMP_EXPECTED}, or an offset: {DURATION_EXPECTED}")
                        }
                        None => format!("an offset from the start: {DURATION_EXPECTED}"),
                    },
                },
                other => other,
            })
        };
        result.map_err(|e| self.value_error(cell, column, e)).ok()
    }

    fn duration(&mut self, cell: &Cell, column: &str, positive: bool) -> Option<Millis> {
        match values::parse_duration(cell.text.trim()) {
            Ok(0) if positive => {
                self.push(
                    Kind::OutOfRange,
                    cell.span.clone(),
                    column,
                    "must be > 0s".to_string(),
                    "a duration > 0s such as \"90m\"".to_string(),
                );
                None
            }
            Ok(ms) => Some(ms),
            Err(e) => {
                self.value_error(cell, column, e);
                None
            }
        }
    }

    fn server(&mut self, cell: &Cell) -> Option<usize> {
        let servers = self.pool.servers;
        let text = cell.text.trim();
        match text.parse::<usize>() {
            Ok(i) if i < servers => Some(i),
            parsed => {
                let (kind, message) = match parsed {
                    Ok(_) => (
                        Kind::IndexOutOfRange,
                        format!("server {text} does not exist"),
                    ),
                    Err(_) => (Kind::BadValue, format!("{text:?} is not a server index")),
                };
                self.push(
                    kind,
                    cell.span.clone(),
                    "server",
                    message,
                    format!(
                        "a server index in 0..={} ([pool] servers = {servers})",
                        servers - 1
                    ),
                );
                None
            }
        }
    }

    fn app_pool(&mut self, cell: &Cell) -> Option<usize> {
        let text = cell.text.trim();
        let names = &self.pool.app_pools;
        if let Some(i) = names.iter().position(|n| n == text) {
            return Some(i);
        }
        let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        self.sink.push(Pending {
            kind: Kind::IndexOutOfRange,
            span: cell.span.clone(),
            field: Some("app_pool".to_string()),
            message: format!("unknown app pool {text:?}"),
            expected: Some(format!("one of {} ([pool] app_pools)", list.join(", "))),
            suggestion: suggest::closest(text, names.iter().map(String::as_str))
                .map(|w| format!("\"{w}\"")),
        });
        None
    }

    /// `events.csv`: every row checked; the valid ones appended in row order.
    fn events(
        &mut self,
        text: &str,
        events: &mut Vec<ScriptedEvent>,
        windows: &mut Vec<MaintenanceWindow>,
    ) {
        let recs = records(text, self.sink);
        let Some(h) = self.header(&recs, &EVENT_COLUMNS, &["at", "kind", "server"]) else {
            return;
        };
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        let kinds_expected = format!("one of {}", kinds.join(", "));
        for rec in &recs[1..] {
            if !self.width_ok(&h, rec) {
                continue;
            }
            let at = self
                .required(&h, rec, 0, "at", "an instant")
                .and_then(|c| self.instant(c, "at"));
            let kind = self
                .required(&h, rec, 1, "kind", &kinds_expected)
                .and_then(|c| {
                    let text = c.text.trim();
                    let found = KINDS.iter().find(|k| k.name == text);
                    if found.is_none() {
                        self.sink.push(Pending {
                            kind: Kind::BadValue,
                            span: c.span.clone(),
                            field: Some("kind".to_string()),
                            message: format!("unknown kind {text:?}"),
                            expected: Some(kinds_expected.clone()),
                            suggestion: suggest::closest(text, kinds.iter().copied())
                                .map(|w| format!("\"{w}\"")),
                        });
                    }
                    found
                });
            let server = self
                .required(&h, rec, 2, "server", "a server index")
                .and_then(|c| self.server(c));
            // Whether app_pool and duration belong depends on the kind:
            // unchecked when the kind is invalid.
            let Some(kind) = kind else { continue };
            let app_pool = self.by_kind(&h, rec, 3, kind, |r, c| r.app_pool(c));
            let duration = self.by_kind(&h, rec, 4, kind, |r, c| r.duration(c, "duration", true));
            let (Some(at), Some(server), Some(app_pool), Some(duration)) =
                (at, server, app_pool, duration)
            else {
                continue;
            };
            match kind.becomes {
                Becomes::Maintenance => windows.push(MaintenanceWindow {
                    server,
                    start: at,
                    duration: duration.unwrap_or_default(),
                }),
                Becomes::Scripted(k) => events.push(scripted(at, k, server, app_pool, duration)),
            }
        }
    }

    /// A cell whose presence the kind decides: `Some(value)` when fine
    /// (`Some(None)` for an absent optional or forbidden cell), `None` after
    /// reporting a problem.
    fn by_kind<T>(
        &mut self,
        h: &Header,
        rec: &Record,
        c: usize,
        kind: &RowKind,
        parse: impl FnOnce(&mut Self, &Cell) -> Option<T>,
    ) -> Option<Option<T>> {
        let column = EVENT_COLUMNS[c];
        let need = if column == "app_pool" {
            kind.app_pool
        } else {
            kind.duration
        };
        let kind = kind.name;
        let cell = self.cell(h, rec, c);
        match (need, cell) {
            (Need::Forbidden, None) | (Need::Optional, None) => Some(None),
            (Need::Forbidden, Some(cell)) => {
                self.push(
                    Kind::Inconsistent,
                    cell.span.clone(),
                    column,
                    format!("{} {kind} row takes no {column}", article(kind)),
                    format!("an empty {column} cell with kind {kind}"),
                );
                None
            }
            (Need::Required, None) => {
                let expected = match column {
                    "app_pool" => {
                        let list: Vec<String> = self
                            .pool
                            .app_pools
                            .iter()
                            .map(|n| format!("\"{n}\""))
                            .collect();
                        format!("one of {} ([pool] app_pools)", list.join(", "))
                    }
                    _ => "a duration > 0s such as \"90m\"".to_string(),
                };
                let span = h.columns[c]
                    .and_then(|i| rec.cells.get(i))
                    .map_or(rec.start..rec.start + 1, |c| c.span.start..c.span.start + 1);
                self.push(
                    Kind::Missing,
                    span,
                    column,
                    format!("a {kind} row needs {} {column}", article(column)),
                    expected,
                );
                None
            }
            (_, Some(cell)) => parse(self, cell).map(Some),
        }
    }

    /// `rollovers.csv`: every row checked; the valid ones appended in row order.
    fn rollovers(&mut self, text: &str, rollovers: &mut Vec<ExplicitRollover>) {
        let recs = records(text, self.sink);
        let Some(h) = self.header(&recs, &ROLLOVER_COLUMNS, &["published"]) else {
            return;
        };
        for rec in &recs[1..] {
            if !self.width_ok(&h, rec) {
                continue;
            }
            let at = self
                .required(&h, rec, 0, "published", "an instant")
                .and_then(|c| self.instant(c, "published"));
            let lead = match self.cell(&h, rec, 1) {
                None => Some(0),
                Some(c) => self.duration(c, "lead", false),
            };
            if let (Some(at), Some(lead)) = (at, lead) {
                rollovers.push(ExplicitRollover { at, lead });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<String>> {
        let mut sink = Collector::default();
        let r = records(text, &mut sink);
        assert!(sink.is_empty());
        r.into_iter()
            .map(|r| r.cells.into_iter().map(|c| c.text).collect())
            .collect()
    }

    #[test]
    fn reads_quotes_crlf_comments_and_blank_lines() {
        let text = "#TYPE x\r\na,b,c\r\n\r\n\"1d\",\"say \"\"hi\"\"\", x \r\n1,\"two\nlines\",\n";
        assert_eq!(
            cells(text),
            [
                vec!["a", "b", "c"],
                vec!["1d", "say \"hi\"", "x"],
                vec!["1", "two\nlines", ""],
            ]
        );
    }

    #[test]
    fn cell_spans_point_at_what_is_written() {
        let text = "a,b\n 3d , \"x\"\n";
        let mut sink = Collector::default();
        let r = records(text, &mut sink);
        assert_eq!(&text[r[1].cells[0].span.clone()], "3d");
        assert_eq!(&text[r[1].cells[1].span.clone()], "\"x\"");
    }

    #[test]
    fn an_unclosed_quote_is_reported() {
        let mut sink = Collector::default();
        records("a\n\"x\n", &mut sink);
        let d = sink.finish("a\n\"x\n", "f.csv").unwrap();
        assert_eq!(
            d.first().to_string(),
            "f.csv:2:1: this quote is never closed (expected: a closing quote \" at the end of the cell)"
        );
    }
}
