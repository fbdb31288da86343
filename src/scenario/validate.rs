//! Raw file -> resolved [`Scenario`]: types, defaults, ranges, cross-field
//! consistency.
//!
//! Every check names the dotted field and the source location of the value
//! (or of the table that lacks it). Validation does not stop at the first
//! problem: every field is checked and every problem recorded (the
//! [`Collector`] keeps the first ones in file order). A check that combines
//! fields runs only when those fields are valid, so one mistake does not
//! cascade into several messages.
//!
//! Defaults are the ones of `docs/scenario.md`; they are written
//! once, in the `DEFAULT_*` strings below, in the same form a user would
//! write them, and go through the same parsers.

use super::diagnostic::{Collector, Diagnostic, Diagnostics, Kind, Pending};
use super::file::{Build, Field, FieldPath, RawScenario, RawValue};
use super::resolved::*;
use super::suggest;
use super::values::{self, DURATION_EXPECTED, RATE_EXPECTED, ValueError};
use crate::engine::Millis;
use crate::engine::time::format_duration;
use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeTable;

/// The problem was recorded in the collector; the value is unusable.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reported;

pub(super) type R<T> = std::result::Result<T, Reported>;

/// Parses and validates scenario `text` (named `origin` in messages):
/// the resolved scenario, or every problem found, in file order.
pub fn parse(text: &str, origin: &str) -> Result<Scenario, Diagnostics> {
    parse_with(text, origin, true)
}

fn parse_with(text: &str, origin: &str, pieces: bool) -> Result<Scenario, Diagnostics> {
    let (raw, sink) = match in_pieces(text).filter(|_| pieces) {
        Some(parsed) => parsed,
        None => {
            let tree = DeTable::parse(text).map_err(|e| syntax_error(text, origin, &e))?;
            let mut sink = Collector::default();
            let raw = RawScenario::from_tree(tree.get_ref(), &mut Build::new(&mut sink));
            (raw, sink)
        }
    };
    let cx = Cx {
        sink: RefCell::new(sink),
    };
    let scenario = cx.scenario(&raw);
    match (scenario, cx.sink.into_inner().finish(text, origin)) {
        (Ok(s), None) => Ok(s),
        (_, Some(d)) => Err(d),
        (Err(Reported), None) => unreachable!("a failed check records its problem"),
    }
}

/// The raw file of `text`, if it is TOML of the right shape (for callers
/// that compare variants of one file: see [`resolve`]).
pub fn parse_raw(text: &str) -> Option<RawScenario> {
    let (raw, sink) = match in_pieces(text) {
        Some(parsed) => parsed,
        None => {
            let tree = DeTable::parse(text).ok()?;
            let mut sink = Collector::default();
            let raw = RawScenario::from_tree(tree.get_ref(), &mut Build::new(&mut sink));
            (raw, sink)
        }
    };
    sink.is_empty().then_some(raw)
}

/// The resolved scenario of a raw file, if it is valid (without messages).
pub fn resolve(raw: &RawScenario) -> Option<Scenario> {
    let cx = Cx {
        sink: RefCell::new(Collector::default()),
    };
    let scenario = cx.scenario(raw).ok()?;
    cx.sink.into_inner().is_empty().then_some(scenario)
}

/// Files larger than this are parsed in pieces of about this size.
const PIECE_BYTES: usize = 256 * 1024;

/// Parses a large file in pieces, each starting at an `[[event]]` header.
///
/// toml's parser holds every token and parse event of its input besides the
/// tree, about 1.8 KB per `[[event]]` table: 180 MB for 100,000 of them.
/// Parsed in pieces of a few thousand tables, memory stays with the raw
/// structs. The result is exactly that of one parse: after the first
/// `[[event]]` header every key belongs to some table, and an `[[event]]`
/// header always appends to the top-level list, so a piece starting at one
/// means the same alone; pieces that both define some other top-level key
/// (where TOML's rules span pieces), or any piece that does not parse, give
/// `None` and the file is parsed whole, which gives TOML's own verdict.
fn in_pieces(text: &str) -> Option<(RawScenario, Collector)> {
    if text.len() < 2 * PIECE_BYTES {
        return None;
    }
    let starts = piece_starts(text);
    if starts.len() < 2 {
        return None;
    }
    let mut sink = Collector::default();
    let mut merged = RawScenario::default();
    let mut seen: Vec<String> = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let tree = DeTable::parse(&text[start..end]).ok()?;
        let keys: Vec<String> = tree
            .get_ref()
            .keys()
            .map(|k| k.get_ref().to_string())
            .collect();
        if keys.iter().any(|k| k != "event" && seen.contains(k)) {
            return None;
        }
        seen.extend(keys);
        let mut build = Build {
            sink: &mut sink,
            offset: start,
            event_base: merged.event.as_ref().map_or(0, Vec::len),
        };
        let piece = RawScenario::from_tree(tree.get_ref(), &mut build);
        merged.absorb(piece);
    }
    Some((merged, sink))
}

/// Where the pieces of [`in_pieces`] start: 0, then top-level `[[event]]`
/// headers (not the first) at least [`PIECE_BYTES`] apart. Found with
/// toml's lexer, so that brackets in strings, comments and multi-line
/// arrays are not taken for headers.
fn piece_starts(text: &str) -> Vec<usize> {
    use toml_parser::lexer::TokenKind;
    let mut starts = vec![0];
    let (mut depth, mut line_start, mut first_seen) = (0i64, true, false);
    for token in toml_parser::Source::new(text).lex() {
        match token.kind() {
            TokenKind::Newline => line_start = true,
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                let at = token.span().start();
                if depth == 0 && line_start && text[at..].starts_with("[[event]]") {
                    if first_seen && at - starts[starts.len() - 1] >= PIECE_BYTES {
                        starts.push(at);
                    }
                    first_seen = true;
                }
                depth += 1;
                line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth -= 1;
                line_start = false;
            }
            _ => line_start = false,
        }
    }
    starts
}

/// A TOML syntax error: only the first is reported (after one, the parser's
/// guesses about the rest are unreliable), with the field it is in when the
/// parser's best-effort tree says.
fn syntax_error(text: &str, origin: &str, e: &toml::de::Error) -> Diagnostics {
    let span = e.span().unwrap_or(0..0);
    let (tree, _) = DeTable::parse_recoverable(text);
    let field = super::file::field_at(tree.get_ref(), span.start);
    let message = e.message().trim_end().replace('\n', "; ");
    Diagnostics::one(super::diagnostic::locate(
        Pending {
            kind: Kind::Syntax,
            span,
            field,
            message: format!("TOML syntax error: {message}"),
            expected: None,
            suggestion: None,
        },
        text.as_bytes(),
        origin,
    ))
}

/// The diagnostic for bytes that are not UTF-8: the line and column of the
/// first invalid byte, and the field it is in when the rest parses.
pub fn encoding_error(bytes: &[u8], origin: &str, e: &std::str::Utf8Error) -> Diagnostic {
    let offset = e.valid_up_to();
    let lossy = String::from_utf8_lossy(bytes);
    let (tree, _) = DeTable::parse_recoverable(&lossy);
    let field = super::file::field_at(tree.get_ref(), offset);
    let bad: Vec<String> = bytes[offset..]
        .iter()
        .take(e.error_len().unwrap_or(1).max(1))
        .map(|b| format!("0x{b:02x}"))
        .collect();
    super::diagnostic::locate(
        Pending {
            kind: Kind::Encoding,
            span: offset..offset + 1,
            field,
            message: format!("not valid UTF-8: byte {} here", bad.join(" ")),
            expected: Some("a scenario file saved as UTF-8".to_string()),
            suggestion: None,
        },
        bytes,
        origin,
    )
}

// Defaults, as a user would write them (docs/scenario.md).
const DEFAULT_SEED: u64 = 1;
const DEFAULT_REPLICATIONS: u32 = 1;
const DEFAULT_BUCKET: &str = "1m";
const DEFAULT_WARMUP: &str = "0s";
/// Why `simulation.fast_forward` and `clients.arrivals = "fixed"` exclude each other.
pub const FIXED_ARRIVALS_CANNOT_FAST_FORWARD: &str = "fast_forward = true counts the requests of quiet time as a Poisson stream; clients.arrivals = \"fixed\" sends at exact instants and cannot be fast-forwarded";
const DEFAULT_TOKEN_LIFETIME: (&str, &str) = ("60m", "90m");
const DEFAULT_RENEW_BEFORE: &str = "5m";
const DEFAULT_ROLLOVER_EVERY: &str = "42d";
const DEFAULT_ROLLOVER_FIRST: &str = "21d";
const DEFAULT_ROLLOVER_LEAD: &str = "0s";
const DEFAULT_RETIRE_AFTER: &str = "1d";
const DEFAULT_EMERGENCY_RATE: &str = "0/365d";
const DEFAULT_EXPLICIT_LEAD: &str = "0s";
const DEFAULT_REPLICATION_DELAY: (&str, &str) = ("5s", "60s");
const DEFAULT_AUTH_INTERVAL: &str = "12h";
const DEFAULT_FIRST_RUN: &str = "0s";
const DEFAULT_SERVERS: usize = 4;
const DEFAULT_APP_POOLS: [&str; 4] = ["ews", "mapi", "eas", "owa"];
const DEFAULT_PROBE_INTERVAL: &str = "5s";
const DEFAULT_PROBE_AFTER: u32 = 2;
const DEFAULT_STARTUP: &str = "30s";
const DEFAULT_CACHE_RELOAD: &str = "24h";
const DEFAULT_NEW_PROCESS_AGE: &str = "5m";
const DEFAULT_FAILED_UPDATE_HOLD: &str = "30m";
const DEFAULT_UPDATE_LATENCY: (&str, &str) = ("1s", "5s");
const DEFAULT_MA_RECYCLE_RATE: &str = "1/7d";
const DEFAULT_WORKER_CRASH_RATE: &str = "1/30d";
const DEFAULT_RESTART_DELAY: &str = "10s";
const DEFAULT_SERVER_CRASH_RATE: &str = "1/180d";
const DEFAULT_REBOOT: (&str, &str) = ("5m", "15m");
const DEFAULT_ROLLING_EVERY: &str = "30d";
const DEFAULT_ROLLING_FIRST: &str = "10d 2h";
const DEFAULT_MAINTENANCE_DURATION: (&str, &str) = ("60m", "120m");
const DEFAULT_GAP: &str = "15m";
const DEFAULT_REJOIN_AFTER: &str = "0s";
const DEFAULT_USERS: u32 = 2000;
const DEFAULT_REQUEST_INTERVAL: &str = "60s";
const DEFAULT_PROMPT_RETRY: (&str, &str) = ("20s", "120s");

/// Limits on counts (resolved.rs documents them as invariants).
const MAX_SERVERS: i128 = 1024;
const MAX_APP_POOLS: usize = 64;
const MAX_USERS: i128 = 10_000_000;
const POOL_NAME_EXPECTED: &str = "a non-empty name of characters A-Z a-z 0-9 _ -";
const OFF_EXPECTED: &str = "\"off\" or a duration > 0s such as \"12h\"";
const RANGE_EXPECTED: &str =
    "[min, max] such as [\"60m\", \"90m\"], or one duration such as \"60m\" (min = max)";
const PROFILE_EXPECTED: &str =
    "\"flat\", \"office\", or an array of 24 non-negative numbers with at least one > 0";

/// A parsed default; they are constants, so a failure is a bug here.
fn dflt(s: &str) -> Millis {
    values::parse_duration(s).expect("default durations are valid")
}

fn dflt_range((min, max): (&str, &str)) -> MillisRange {
    MillisRange {
        min: dflt(min),
        max: dflt(max),
    }
}

fn dflt_rate(s: &str) -> Rate {
    values::parse_rate(s).expect("default rates are valid")
}

/// Applies `parse` to a present field, or returns `default`.
fn or<T>(field: &Field, default: T, parse: impl FnOnce(&Spanned<RawValue>) -> R<T>) -> R<T> {
    match field {
        Some(v) => parse(v),
        None => Ok(default),
    }
}

/// The content of an optional table, or an empty one.
fn table<T: Default + Clone>(t: &Option<Spanned<T>>) -> Cow<'_, T> {
    match t {
        Some(s) => Cow::Borrowed(s.get_ref()),
        None => Cow::Owned(T::default()),
    }
}

/// A required field: parsed if present, else a [`Kind::Missing`] located at
/// the table that should hold it.
pub(super) fn required<T>(
    cx: &Cx,
    field: &Field,
    path: FieldPath<'_>,
    table: &Option<Range<usize>>,
    expected: &str,
    parse: impl FnOnce(&Spanned<RawValue>) -> R<T>,
) -> R<T> {
    match field {
        Some(v) => parse(v),
        None => Err(cx.missing(path, table, expected)),
    }
}

/// The validation context: where problems are recorded.
pub(super) struct Cx {
    sink: RefCell<Collector>,
}

impl Cx {
    // ---- recording problems ------------------------------------------

    pub(super) fn report(
        &self,
        kind: Kind,
        span: Range<usize>,
        path: FieldPath<'_>,
        message: String,
        expected: Option<String>,
        suggestion: Option<String>,
    ) -> Reported {
        self.sink.borrow_mut().push(Pending {
            kind,
            span,
            field: Some(path.to_string()),
            message,
            expected,
            suggestion,
        });
        Reported
    }

    pub(super) fn wrong_type(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        expected: &str,
    ) -> Reported {
        self.report(
            Kind::WrongType,
            v.span(),
            path,
            format!("wrong type: found {}", v.get_ref()),
            Some(expected.to_string()),
            None,
        )
    }

    pub(super) fn bad(
        &self,
        path: FieldPath<'_>,
        span: Range<usize>,
        message: String,
        expected: &str,
    ) -> Reported {
        self.report(
            Kind::BadValue,
            span,
            path,
            message,
            Some(expected.to_string()),
            None,
        )
    }

    pub(super) fn out_of_range(
        &self,
        path: FieldPath<'_>,
        span: Range<usize>,
        message: String,
        expected: &str,
    ) -> Reported {
        self.report(
            Kind::OutOfRange,
            span,
            path,
            message,
            Some(expected.to_string()),
            None,
        )
    }

    pub(super) fn inconsistent(
        &self,
        path: FieldPath<'_>,
        span: Option<Range<usize>>,
        message: String,
        expected: &str,
    ) -> Reported {
        self.report(
            Kind::Inconsistent,
            span.unwrap_or(0..0),
            path,
            message,
            Some(expected.to_string()),
            None,
        )
    }

    pub(super) fn missing(
        &self,
        path: FieldPath<'_>,
        table: &Option<Range<usize>>,
        expected: &str,
    ) -> Reported {
        // Point at the table's header (its first line), not the whole table.
        let span = table.as_ref().map_or(0..0, |s| s.start..s.start + 1);
        self.report(
            Kind::Missing,
            span,
            path,
            "missing required field".to_string(),
            Some(expected.to_string()),
            None,
        )
    }

    pub(super) fn value_error(
        &self,
        path: FieldPath<'_>,
        span: Range<usize>,
        e: ValueError,
    ) -> Reported {
        match e {
            ValueError::Bad { message, expected } => self.bad(path, span, message, &expected),
            ValueError::OutOfRange { message, expected } => {
                self.out_of_range(path, span, message, &expected)
            }
        }
    }

    // ---- typed leaves -------------------------------------------------

    pub(super) fn duration(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<Millis> {
        match v.get_ref() {
            RawValue::String(s) if s.trim() == "off" => Err(self.bad(
                path,
                v.span(),
                "\"off\" is not allowed for this field".to_string(),
                DURATION_EXPECTED,
            )),
            RawValue::String(s) => {
                values::parse_duration(s).map_err(|e| self.value_error(path, v.span(), e))
            }
            RawValue::Integer(_) | RawValue::HugeInteger(_) | RawValue::Float(_) => Err(self
                .wrong_type(
                    path,
                    v,
                    "a duration string with a unit, e.g. \"90s\" or \"30m\"",
                )),
            _ => Err(self.wrong_type(path, v, DURATION_EXPECTED)),
        }
    }

    fn positive(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<Millis> {
        let ms = self.duration(path, v)?;
        if ms == 0 {
            return Err(self.out_of_range(
                path,
                v.span(),
                "must be > 0s".to_string(),
                "a duration > 0s",
            ));
        }
        Ok(ms)
    }

    /// `"off"` -> `None`, else a duration `> 0`.
    fn positive_or_off(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<Option<Millis>> {
        if matches!(v.get_ref(), RawValue::String(s) if s.trim() == "off") {
            return Ok(None);
        }
        if matches!(v.get_ref(), RawValue::Boolean(_)) {
            return Err(self.wrong_type(path, v, OFF_EXPECTED));
        }
        let ms = self.duration(path, v)?;
        if ms == 0 {
            return Err(self.out_of_range(
                path,
                v.span(),
                "must be > 0s; write \"off\" to disable".to_string(),
                OFF_EXPECTED,
            ));
        }
        Ok(Some(ms))
    }

    /// `"off"` -> `None`, else a duration `>= 0`.
    fn duration_or_off(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<Option<Millis>> {
        if matches!(v.get_ref(), RawValue::String(s) if s.trim() == "off") {
            return Ok(None);
        }
        if matches!(v.get_ref(), RawValue::Boolean(_)) {
            return Err(self.wrong_type(path, v, "\"off\" or a duration such as \"10m\""));
        }
        self.duration(path, v).map(Some)
    }

    fn range(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<MillisRange> {
        match v.get_ref() {
            RawValue::String(_) => {
                let ms = self.duration(path, v)?;
                Ok(MillisRange { min: ms, max: ms })
            }
            RawValue::Array(items) if items.len() == 2 => {
                let min = self.duration(FieldPath::Index(&path, 0), &items[0]);
                let max = self.duration(FieldPath::Index(&path, 1), &items[1]);
                let (min, max) = (min?, max?);
                if min > max {
                    return Err(self.report(
                        Kind::MinGreaterThanMax,
                        v.span(),
                        path,
                        format!(
                            "min {} is greater than max {}",
                            format_duration(min),
                            format_duration(max)
                        ),
                        Some("[min, max] with min <= max".to_string()),
                        None,
                    ));
                }
                Ok(MillisRange { min, max })
            }
            RawValue::Array(items) => Err(self.bad(
                path,
                v.span(),
                format!("a range has 2 elements, found {}", items.len()),
                RANGE_EXPECTED,
            )),
            _ => Err(self.wrong_type(path, v, RANGE_EXPECTED)),
        }
    }

    /// A range whose `min` must be `> 0`.
    fn positive_range(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<MillisRange> {
        let r = self.range(path, v)?;
        if r.min == 0 {
            return Err(self.out_of_range(
                path,
                v.span(),
                "min must be > 0s".to_string(),
                "a range with min > 0s",
            ));
        }
        Ok(r)
    }

    fn rate(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<Rate> {
        let zero = Rate {
            count: 0.0,
            per: values::ZERO_RATE_PER,
        };
        match v.get_ref() {
            RawValue::String(s) => {
                values::parse_rate(s).map_err(|e| self.value_error(path, v.span(), e))
            }
            RawValue::Integer(0) => Ok(zero),
            RawValue::Float(x) if *x == 0.0 => Ok(zero),
            RawValue::Integer(_) | RawValue::HugeInteger(_) | RawValue::Float(_) => Err(self.bad(
                path,
                v.span(),
                format!(
                    "{} has no period; only 0 may be written as a bare number",
                    v.get_ref()
                ),
                RATE_EXPECTED,
            )),
            _ => Err(self.wrong_type(path, v, RATE_EXPECTED)),
        }
    }

    pub(super) fn integer(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        lo: i128,
        hi: i128,
    ) -> R<i128> {
        let expected = || format!("an integer in {lo}..={hi}");
        match v.get_ref() {
            RawValue::Integer(i) if (lo..=hi).contains(i) => Ok(*i),
            RawValue::Integer(i) => {
                Err(self.out_of_range(path, v.span(), format!("{i} is out of range"), &expected()))
            }
            RawValue::HugeInteger(s) => {
                Err(self.out_of_range(path, v.span(), format!("{s} is out of range"), &expected()))
            }
            _ => Err(self.wrong_type(path, v, &expected())),
        }
    }

    pub(super) fn boolean(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<bool> {
        match v.get_ref() {
            RawValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type(path, v, "true or false")),
        }
    }

    fn probability(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<f64> {
        let expected = "a number in [0, 1]";
        let p = match v.get_ref() {
            RawValue::Integer(i) => *i as f64,
            RawValue::HugeInteger(_) => f64::INFINITY,
            RawValue::Float(x) => *x,
            _ => return Err(self.wrong_type(path, v, expected)),
        };
        if !(0.0..=1.0).contains(&p) {
            return Err(self.out_of_range(
                path,
                v.span(),
                format!("{} is not a probability", v.get_ref()),
                expected,
            ));
        }
        Ok(p)
    }

    /// One of a fixed set of words; a misspelt word gets the closest one.
    pub(super) fn word<T: Copy>(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        words: &[(&str, T)],
    ) -> R<T> {
        let expected = || {
            words
                .iter()
                .map(|(w, _)| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match v.get_ref() {
            RawValue::String(s) => match words.iter().find(|(w, _)| w == s) {
                Some(&(_, t)) => Ok(t),
                None => Err(self.report(
                    Kind::BadValue,
                    v.span(),
                    path,
                    format!("unknown value {s:?}"),
                    Some(expected()),
                    suggest::closest(s, words.iter().map(|(w, _)| *w)).map(|w| format!("\"{w}\"")),
                )),
            },
            _ => Err(self.wrong_type(path, v, &expected())),
        }
    }

    /// A server index `< servers`; only its type is checked when the pool
    /// itself is invalid (its size is unknown).
    fn server_index(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        pool: Option<&Pool>,
    ) -> R<usize> {
        self.server_index_of(path, v, pool.map(|p| p.servers))
    }

    /// [`Self::server_index`] given the number of servers, if known.
    fn server_index_of(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        servers: Option<usize>,
    ) -> R<usize> {
        let expected = || match servers {
            Some(servers) => format!(
                "a server index in 0..={} ([pool] servers = {servers})",
                servers - 1,
            ),
            None => "a server index".to_string(),
        };
        let i = match v.get_ref() {
            RawValue::Integer(i) => Some(*i),
            RawValue::HugeInteger(_) => None,
            _ => return Err(self.wrong_type(path, v, &expected())),
        };
        let Some(servers) = servers else {
            return Ok(0);
        };
        i.and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < servers)
            .ok_or_else(|| {
                self.report(
                    Kind::IndexOutOfRange,
                    v.span(),
                    path,
                    format!("server {} does not exist", raw_number(v.get_ref())),
                    Some(expected()),
                    None,
                )
            })
    }

    fn app_pool_index(
        &self,
        path: FieldPath<'_>,
        v: &Spanned<RawValue>,
        pool: Option<&Pool>,
    ) -> R<usize> {
        let expected = || match pool {
            Some(pool) => format!("one of {} ([pool] app_pools)", quoted_list(&pool.app_pools)),
            None => "an app pool name of [pool] app_pools".to_string(),
        };
        let RawValue::String(s) = v.get_ref() else {
            return Err(self.wrong_type(path, v, &expected()));
        };
        let Some(pool) = pool else {
            return Ok(0);
        };
        pool.app_pools.iter().position(|x| x == s).ok_or_else(|| {
            self.report(
                Kind::IndexOutOfRange,
                v.span(),
                path,
                format!("unknown app pool {s:?}"),
                Some(expected()),
                suggest::closest(s, pool.app_pools.iter().map(String::as_str))
                    .map(|w| format!("\"{w}\"")),
            )
        })
    }

    // ---- tables -------------------------------------------------------

    fn scenario(&self, raw: &RawScenario) -> R<Scenario> {
        let simulation = self.simulation(raw);
        let org = self.org(raw);
        let issuer = self.issuer(raw);
        let directory = self.directory(raw);
        let pool = self.pool(raw);
        let auth_admin = self.auth_admin(raw, pool.as_ref().ok());
        let balancer = self.balancer(raw);
        let worker = self.worker(raw);
        let server = self.server(raw);
        let maintenance = self.maintenance(raw, pool.as_ref().ok());
        let upgrade = self.upgrade(raw);
        let events = self.events(raw, pool.as_ref().ok());
        let clients = self.clients(raw);
        let history = self.history(raw);
        let expect = self.expectations(raw, simulation.as_ref().ok(), org.as_ref().ok());
        let fast_forward =
            self.fast_forward_fits(raw, simulation.as_ref().ok(), clients.as_ref().ok());
        fast_forward?;
        Ok(Scenario {
            simulation: simulation?,
            org: org?,
            issuer: issuer?,
            directory: directory?,
            auth_admin: auth_admin?,
            pool: pool?,
            balancer: balancer?,
            worker: worker?,
            server: server?,
            maintenance: maintenance?,
            upgrade: upgrade?,
            events: events?,
            clients: clients?,
            history: history?,
            expect: expect?,
        })
    }

    /// Fast-forward counts requests in bulk as a Poisson stream: fixed
    /// arrivals (deterministic instants, for hand computations) cannot be.
    fn fast_forward_fits(
        &self,
        raw: &RawScenario,
        simulation: Option<&Simulation>,
        clients: Option<&Clients>,
    ) -> R<()> {
        let (Some(simulation), Some(clients)) = (simulation, clients) else {
            return Ok(());
        };
        if !simulation.fast_forward || clients.arrivals != Arrivals::Fixed {
            return Ok(());
        }
        let span = raw
            .simulation
            .as_ref()
            .and_then(|t| t.get_ref().fast_forward.as_ref())
            .map(|v| v.span());
        Err(self.inconsistent(
            "simulation.fast_forward".into(),
            span,
            FIXED_ARRIVALS_CANNOT_FAST_FORWARD.to_string(),
            "fast_forward = false with arrivals = \"fixed\", or arrivals = \"poisson\"",
        ))
    }

    fn simulation(&self, raw: &RawScenario) -> R<Simulation> {
        let Some(table) = &raw.simulation else {
            return Err(self.missing(
                "simulation".into(),
                &None,
                "a [simulation] table with name and horizon, e.g. name = \"demo\", horizon = \"14d\"",
            ));
        };
        let span = Some(table.span());
        let s = table.get_ref();
        let name = required(
            self,
            &s.name,
            "simulation.name".into(),
            &span,
            "name = \"...\" (A-Z a-z 0-9 . _ -)",
            |v| self.name(v),
        );
        let horizon = required(
            self,
            &s.horizon,
            "simulation.horizon".into(),
            &span,
            "horizon = a duration > 0s, e.g. \"14d\"",
            |v| self.positive("simulation.horizon".into(), v),
        );
        let seed = or(&s.seed, DEFAULT_SEED, |v| {
            self.integer("simulation.seed".into(), v, 0, i64::MAX.into())
                .map(|i| i as u64)
        });
        let replications = or(&s.replications, DEFAULT_REPLICATIONS, |v| {
            self.integer("simulation.replications".into(), v, 1, u32::MAX.into())
                .map(|i| i as u32)
        });
        let bucket = or(&s.bucket, dflt(DEFAULT_BUCKET), |v| {
            self.positive("simulation.bucket".into(), v)
        });
        let warmup = or(&s.warmup, dflt(DEFAULT_WARMUP), |v| {
            self.duration("simulation.warmup".into(), v)
        });
        let start = or(&s.start, None, |v| self.start(v).map(Some));
        let fast_forward = or(&s.fast_forward, false, |v| {
            self.boolean("simulation.fast_forward".into(), v)
        });
        let resume_before = or(&s.resume_before, None, |v| {
            self.duration("simulation.resume_before".into(), v)
                .map(Some)
        });
        if let (Ok(warmup), Ok(horizon)) = (warmup, horizon)
            && warmup >= horizon
        {
            return Err(self.inconsistent(
                "simulation.warmup".into(),
                s.warmup.as_ref().map(|v| v.span()),
                format!(
                    "warmup {} is not shorter than horizon {}",
                    format_duration(warmup),
                    format_duration(horizon)
                ),
                "warmup < horizon",
            ));
        }
        Ok(Simulation {
            name: name?,
            horizon: horizon?,
            seed: seed?,
            replications: replications?,
            bucket: bucket?,
            warmup: warmup?,
            start: start?,
            fast_forward: fast_forward?,
            resume_before: resume_before?,
        })
    }

    fn name(&self, v: &Spanned<RawValue>) -> R<String> {
        let path: FieldPath<'_> = "simulation.name".into();
        let RawValue::String(s) = v.get_ref() else {
            return Err(self.wrong_type(path, v, values::NAME_EXPECTED));
        };
        values::check_name(s).map_err(|e| self.value_error(path, v.span(), e))?;
        Ok(s.clone())
    }

    fn org(&self, raw: &RawScenario) -> R<Org> {
        let expected = "false, true, \"false\", \"true\" or \"both\"";
        let path: FieldPath<'_> = "org.read_session".into();
        let read_session = match raw
            .org
            .as_ref()
            .and_then(|o| o.get_ref().read_session.as_ref())
        {
            None => ReadSessionChoice::Both,
            Some(v) => match v.get_ref() {
                RawValue::Boolean(false) => ReadSessionChoice::Off,
                RawValue::Boolean(true) => ReadSessionChoice::On,
                RawValue::String(_) => self.word(
                    path,
                    v,
                    &[
                        ("false", ReadSessionChoice::Off),
                        ("true", ReadSessionChoice::On),
                        ("both", ReadSessionChoice::Both),
                    ],
                )?,
                _ => return Err(self.wrong_type(path, v, expected)),
            },
        };
        Ok(Org { read_session })
    }

    fn issuer(&self, raw: &RawScenario) -> R<Issuer> {
        let i = table(&raw.issuer);
        let token_lifetime = or(&i.token_lifetime, dflt_range(DEFAULT_TOKEN_LIFETIME), |v| {
            self.positive_range("issuer.token_lifetime".into(), v)
        });
        let renew_before = or(&i.renew_before, dflt(DEFAULT_RENEW_BEFORE), |v| {
            self.duration("issuer.renew_before".into(), v)
        });
        let mut consistent = Ok(());
        if let (Ok(renew_before), Ok(token_lifetime)) = (renew_before, token_lifetime)
            && renew_before >= token_lifetime.min
        {
            // Point at whichever of the two the user wrote (renew_before first).
            let (path, span) = match (&i.renew_before, &i.token_lifetime) {
                (Some(v), _) => ("issuer.renew_before", Some(v.span())),
                (None, Some(v)) => ("issuer.token_lifetime", Some(v.span())),
                (None, None) => ("issuer.renew_before", None),
            };
            consistent = Err(self.inconsistent(
                path.into(),
                span,
                format!(
                    "renew_before {} is not shorter than the shortest token lifetime {}",
                    format_duration(renew_before),
                    format_duration(token_lifetime.min)
                ),
                "renew_before < token_lifetime min",
            ));
        }
        let rollover_every = or(&i.rollover_every, Some(dflt(DEFAULT_ROLLOVER_EVERY)), |v| {
            self.positive_or_off("issuer.rollover_every".into(), v)
        });
        let rollover_first = or(&i.rollover_first, dflt(DEFAULT_ROLLOVER_FIRST), |v| {
            self.duration("issuer.rollover_first".into(), v)
        });
        let rollover_lead = or(&i.rollover_lead, dflt(DEFAULT_ROLLOVER_LEAD), |v| {
            self.duration("issuer.rollover_lead".into(), v)
        });
        let retire_after = or(&i.retire_after, dflt(DEFAULT_RETIRE_AFTER), |v| {
            self.duration("issuer.retire_after".into(), v)
        });
        let emergency_rate = or(&i.emergency_rate, dflt_rate(DEFAULT_EMERGENCY_RATE), |v| {
            self.rate("issuer.emergency_rate".into(), v)
        });
        let list = i.rollover.as_deref().unwrap_or_default();
        let mut rollovers = Ok(Vec::with_capacity(list.len()));
        let base: FieldPath<'_> = "issuer.rollover".into();
        for (n, r) in list.iter().enumerate() {
            let span = Some(r.span());
            let r = r.get_ref();
            let item = FieldPath::Index(&base, n);
            let at = required(
                self,
                &r.at,
                FieldPath::Key(&item, "at"),
                &span,
                "at = the publish instant, e.g. \"3d 4h\"",
                |v| self.duration(FieldPath::Key(&item, "at"), v),
            );
            let lead = or(&r.lead, dflt(DEFAULT_EXPLICIT_LEAD), |v| {
                self.duration(FieldPath::Key(&item, "lead"), v)
            });
            push(
                &mut rollovers,
                (|| {
                    Ok(ExplicitRollover {
                        at: at?,
                        lead: lead?,
                    })
                })(),
            );
        }
        consistent?;
        Ok(Issuer {
            token_lifetime: token_lifetime?,
            renew_before: renew_before?,
            rollover_every: rollover_every?,
            rollover_first: rollover_first?,
            rollover_lead: rollover_lead?,
            retire_after: retire_after?,
            emergency_rate: emergency_rate?,
            rollovers: rollovers?,
        })
    }

    fn directory(&self, raw: &RawScenario) -> R<Directory> {
        let d = table(&raw.directory);
        let replication_delay = or(
            &d.replication_delay,
            dflt_range(DEFAULT_REPLICATION_DELAY),
            |v| self.range("directory.replication_delay".into(), v),
        )?;
        Ok(Directory { replication_delay })
    }

    fn pool(&self, raw: &RawScenario) -> R<Pool> {
        let p = table(&raw.pool);
        let servers = or(&p.servers, DEFAULT_SERVERS, |v| {
            self.integer("pool.servers".into(), v, 1, MAX_SERVERS)
                .map(|i| i as usize)
        });
        let default_pools = DEFAULT_APP_POOLS.iter().map(|s| s.to_string()).collect();
        let app_pools = or(&p.app_pools, default_pools, |v| self.app_pools(v));
        let without_update = or(&p.without_update, Vec::new(), |v| {
            self.without_update(v, servers.ok())
        });
        Ok(Pool {
            servers: servers?,
            app_pools: app_pools?,
            without_update: without_update?,
        })
    }

    /// `pool.without_update`: distinct server indices, stored ascending.
    fn without_update(&self, v: &Spanned<RawValue>, servers: Option<usize>) -> R<Vec<usize>> {
        let path: FieldPath<'_> = "pool.without_update".into();
        let expected = "an array of distinct server indices, e.g. [2, 3]";
        let RawValue::Array(items) = v.get_ref() else {
            return Err(self.wrong_type(path, v, expected));
        };
        let mut list: R<Vec<usize>> = Ok(Vec::with_capacity(items.len()));
        let mut seen: Vec<(usize, usize)> = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let item_path = FieldPath::Index(&path, n);
            let index = self.server_index_of(item_path, item, servers);
            let index = match index {
                Ok(i) if servers.is_some() => match seen.iter().find(|(s, _)| *s == i) {
                    Some(&(_, first)) => Err(self.bad(
                        item_path,
                        item.span(),
                        format!("duplicate server {i} (also {path}[{first}])"),
                        "distinct server indices",
                    )),
                    None => {
                        seen.push((i, n));
                        Ok(i)
                    }
                },
                other => other,
            };
            push(&mut list, index);
        }
        let mut list = list?;
        list.sort_unstable();
        Ok(list)
    }

    fn app_pools(&self, v: &Spanned<RawValue>) -> R<Vec<String>> {
        let path: FieldPath<'_> = "pool.app_pools".into();
        let expected = "an array of 1 to 64 unique app pool names, e.g. [\"ews\", \"owa\"]";
        let RawValue::Array(items) = v.get_ref() else {
            return Err(self.wrong_type(path, v, expected));
        };
        if items.is_empty() || items.len() > MAX_APP_POOLS {
            return Err(self.out_of_range(
                path,
                v.span(),
                format!("{} app pools", items.len()),
                expected,
            ));
        }
        let mut names: R<Vec<String>> = Ok(Vec::with_capacity(items.len()));
        let mut seen: Vec<&str> = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let item_path = FieldPath::Index(&path, n);
            let RawValue::String(s) = item.get_ref() else {
                push(
                    &mut names,
                    Err(self.wrong_type(item_path, item, POOL_NAME_EXPECTED)),
                );
                continue;
            };
            // Names appear in stream names (`worker.<i>.<pool>.crash`) and CSV
            // cells: no dots, commas or quotes.
            let name = if s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            {
                Err(self.bad(
                    item_path,
                    item.span(),
                    format!("{s:?} is not a valid app pool name"),
                    POOL_NAME_EXPECTED,
                ))
            } else if let Some(first) = seen.iter().position(|x| x == s) {
                Err(self.bad(
                    item_path,
                    item.span(),
                    format!("duplicate app pool name {s:?} (also {path}[{first}])"),
                    "unique app pool names",
                ))
            } else {
                Ok(s.clone())
            };
            seen.push(s);
            push(&mut names, name);
        }
        names
    }

    fn auth_admin(&self, raw: &RawScenario, pool: Option<&Pool>) -> R<AuthAdmin> {
        let a = table(&raw.auth_admin);
        let interval = or(&a.interval, Some(dflt(DEFAULT_AUTH_INTERVAL)), |v| {
            self.positive_or_off("auth_admin.interval".into(), v)
        });
        let anchor = or(&a.anchor, 0, |v| {
            self.server_index("auth_admin.anchor".into(), v, pool)
        });
        let first_run = or(&a.first_run, dflt(DEFAULT_FIRST_RUN), |v| {
            self.duration("auth_admin.first_run".into(), v)
        });
        let write_session_fails = or(&a.write_session_fails, 0.0, |v| {
            self.probability("auth_admin.write_session_fails".into(), v)
        });
        let after_rollover = or(&a.after_rollover, None, |v| {
            self.duration_or_off("auth_admin.after_rollover".into(), v)
        });
        Ok(AuthAdmin {
            interval: interval?,
            anchor: anchor?,
            first_run: first_run?,
            write_session_fails: write_session_fails?,
            after_rollover: after_rollover?,
        })
    }

    fn balancer(&self, raw: &RawScenario) -> R<Balancer> {
        let b = table(&raw.balancer);
        let algorithm = or(&b.algorithm, Algorithm::RoundRobin, |v| {
            self.word(
                "balancer.algorithm".into(),
                v,
                &[
                    ("round_robin", Algorithm::RoundRobin),
                    ("random", Algorithm::Random),
                    ("least_requests", Algorithm::LeastRequests),
                ],
            )
        });
        let affinity = or(&b.affinity, Affinity::None, |v| {
            self.word(
                "balancer.affinity".into(),
                v,
                &[("none", Affinity::None), ("client", Affinity::Client)],
            )
        });
        let probe_interval = or(&b.probe_interval, dflt(DEFAULT_PROBE_INTERVAL), |v| {
            self.positive("balancer.probe_interval".into(), v)
        });
        let count = |path: &'static str, f: &Field| {
            or(f, DEFAULT_PROBE_AFTER, |v| {
                self.integer(path.into(), v, 1, u32::MAX.into())
                    .map(|i| i as u32)
            })
        };
        let probe_down_after = count("balancer.probe_down_after", &b.probe_down_after);
        let probe_up_after = count("balancer.probe_up_after", &b.probe_up_after);
        Ok(Balancer {
            algorithm: algorithm?,
            affinity: affinity?,
            probe_interval: probe_interval?,
            probe_down_after: probe_down_after?,
            probe_up_after: probe_up_after?,
        })
    }

    fn worker(&self, raw: &RawScenario) -> R<Worker> {
        let w = table(&raw.worker);
        let start_mode = or(&w.start_mode, StartMode::OnDemand, |v| {
            self.word(
                "worker.start_mode".into(),
                v,
                &[
                    ("on_demand", StartMode::OnDemand),
                    ("always_running", StartMode::AlwaysRunning),
                ],
            )
        });
        let dur = |path: &'static str, f: &Field, d: &str| {
            or(f, dflt(d), |v| self.duration(path.into(), v))
        };
        let startup = dur("worker.startup", &w.startup, DEFAULT_STARTUP);
        let cache_reload = or(&w.cache_reload, Some(dflt(DEFAULT_CACHE_RELOAD)), |v| {
            self.positive_or_off("worker.cache_reload".into(), v)
        });
        let new_process_age = dur(
            "worker.new_process_age",
            &w.new_process_age,
            DEFAULT_NEW_PROCESS_AGE,
        );
        let failed_update_hold = dur(
            "worker.failed_update_hold",
            &w.failed_update_hold,
            DEFAULT_FAILED_UPDATE_HOLD,
        );
        let update_latency = or(&w.update_latency, dflt_range(DEFAULT_UPDATE_LATENCY), |v| {
            self.range("worker.update_latency".into(), v)
        });
        let established_write_session_fails = or(&w.established_write_session_fails, false, |v| {
            self.boolean("worker.established_write_session_fails".into(), v)
        });
        let mut consistent = Ok(());
        if let (Ok(true), Ok(0)) = (established_write_session_fails, failed_update_hold) {
            // Every retry would fail again at the same instant, forever.
            consistent = Err(self.inconsistent(
                "worker.failed_update_hold".into(),
                w.failed_update_hold.as_ref().map(|v| v.span()),
                "a zero hold with established_write_session_fails = true retries a failing update endlessly at one instant".to_string(),
                "failed_update_hold > 0s, or established_write_session_fails = false",
            ));
        }
        let periodic_recycle = or(&w.periodic_recycle, None, |v| {
            self.positive_or_off("worker.periodic_recycle".into(), v)
        });
        let ma_recycle_rate = or(
            &w.ma_recycle_rate,
            dflt_rate(DEFAULT_MA_RECYCLE_RATE),
            |v| self.rate("worker.ma_recycle_rate".into(), v),
        );
        let crash_rate = or(&w.crash_rate, dflt_rate(DEFAULT_WORKER_CRASH_RATE), |v| {
            self.rate("worker.crash_rate".into(), v)
        });
        let restart_delay = dur(
            "worker.restart_delay",
            &w.restart_delay,
            DEFAULT_RESTART_DELAY,
        );
        consistent?;
        Ok(Worker {
            start_mode: start_mode?,
            startup: startup?,
            cache_reload: cache_reload?,
            new_process_age: new_process_age?,
            failed_update_hold: failed_update_hold?,
            update_latency: update_latency?,
            established_write_session_fails: established_write_session_fails?,
            periodic_recycle: periodic_recycle?,
            ma_recycle_rate: ma_recycle_rate?,
            crash_rate: crash_rate?,
            restart_delay: restart_delay?,
        })
    }

    fn server(&self, raw: &RawScenario) -> R<Server> {
        let s = table(&raw.server);
        let crash_rate = or(&s.crash_rate, dflt_rate(DEFAULT_SERVER_CRASH_RATE), |v| {
            self.rate("server.crash_rate".into(), v)
        });
        let reboot = or(&s.reboot, dflt_range(DEFAULT_REBOOT), |v| {
            self.positive_range("server.reboot".into(), v)
        });
        Ok(Server {
            crash_rate: crash_rate?,
            reboot: reboot?,
        })
    }

    fn maintenance(&self, raw: &RawScenario, pool: Option<&Pool>) -> R<Maintenance> {
        let m = table(&raw.maintenance);
        let rolling_every = or(&m.rolling_every, Some(dflt(DEFAULT_ROLLING_EVERY)), |v| {
            self.positive_or_off("maintenance.rolling_every".into(), v)
        });
        let rolling_first = or(&m.rolling_first, dflt(DEFAULT_ROLLING_FIRST), |v| {
            self.duration("maintenance.rolling_first".into(), v)
        });
        let duration = or(&m.duration, dflt_range(DEFAULT_MAINTENANCE_DURATION), |v| {
            self.positive_range("maintenance.duration".into(), v)
        });
        let gap = or(&m.gap, dflt(DEFAULT_GAP), |v| {
            self.duration("maintenance.gap".into(), v)
        });
        let rejoin_after = or(&m.rejoin_after, dflt(DEFAULT_REJOIN_AFTER), |v| {
            self.duration("maintenance.rejoin_after".into(), v)
        });
        let list = m.window.as_deref().unwrap_or_default();
        let mut windows = Ok(Vec::with_capacity(list.len()));
        let base: FieldPath<'_> = "maintenance.window".into();
        for (n, w) in list.iter().enumerate() {
            let span = Some(w.span());
            let w = w.get_ref();
            let item = FieldPath::Index(&base, n);
            let p = |k: &'static str| FieldPath::Key(&item, k);
            let server = required(
                self,
                &w.server,
                p("server"),
                &span,
                "server = a server index, e.g. 0",
                |v| self.server_index(p("server"), v, pool),
            );
            let start = required(
                self,
                &w.start,
                p("start"),
                &span,
                "start = an instant, e.g. \"2d 22h\"",
                |v| self.duration(p("start"), v),
            );
            let duration = required(
                self,
                &w.duration,
                p("duration"),
                &span,
                "duration = a duration > 0s, e.g. \"90m\"",
                |v| self.positive(p("duration"), v),
            );
            push(
                &mut windows,
                (|| {
                    Ok(MaintenanceWindow {
                        server: server?,
                        start: start?,
                        duration: duration?,
                    })
                })(),
            );
        }
        Ok(Maintenance {
            rolling_every: rolling_every?,
            rolling_first: rolling_first?,
            duration: duration?,
            gap: gap?,
            rejoin_after: rejoin_after?,
            windows: windows?,
        })
    }

    /// `[upgrade]`. Without servers in `pool.without_update` it has nothing
    /// to install and does nothing (a variant or sweep may empty the list).
    fn upgrade(&self, raw: &RawScenario) -> R<Upgrade> {
        let u = table(&raw.upgrade);
        let rolling_first = or(&u.rolling_first, None, |v| {
            self.duration_or_off("upgrade.rolling_first".into(), v)
        })?;
        Ok(Upgrade { rolling_first })
    }

    fn events(&self, raw: &RawScenario, pool: Option<&Pool>) -> R<Vec<ScriptedEvent>> {
        let list = raw.event.as_deref().unwrap_or_default();
        let mut events = Ok(Vec::with_capacity(list.len()));
        let base: FieldPath<'_> = "event".into();
        for (n, e) in list.iter().enumerate() {
            let span = Some(e.span());
            let e = e.get_ref();
            let item = FieldPath::Index(&base, n);
            let p = |k: &'static str| FieldPath::Key(&item, k);
            let at = required(
                self,
                &e.at,
                p("at"),
                &span,
                "at = an instant, e.g. \"2h\"",
                |v| self.duration(p("at"), v),
            );
            let kind = required(
                self,
                &e.kind,
                p("kind"),
                &span,
                "kind = \"ma_recycle\" | \"periodic_recycle\" | \"worker_crash\" | \"server_crash\" | \"install_update\"",
                |v| {
                    self.word(
                        p("kind"),
                        v,
                        &[
                            ("ma_recycle", ScriptedKind::MaRecycle),
                            ("periodic_recycle", ScriptedKind::PeriodicRecycle),
                            ("worker_crash", ScriptedKind::WorkerCrash),
                            ("server_crash", ScriptedKind::ServerCrash),
                            ("install_update", ScriptedKind::InstallUpdate),
                        ],
                    )
                },
            );
            let server = required(
                self,
                &e.server,
                p("server"),
                &span,
                "server = a server index, e.g. 0",
                |v| self.server_index(p("server"), v, pool),
            );
            // Whether an app pool belongs depends on the kind: unchecked
            // when the kind itself is invalid.
            let app_pool = match (kind, &e.app_pool) {
                (Err(r), _) => Err(r),
                (Ok(ScriptedKind::ServerCrash | ScriptedKind::InstallUpdate), None) => Ok(None),
                (Ok(k @ (ScriptedKind::ServerCrash | ScriptedKind::InstallUpdate)), Some(v)) => {
                    let word = kind_word(k);
                    Err(self.inconsistent(
                        p("app_pool"),
                        Some(v.span()),
                        format!(
                            "{} concerns the whole server and takes no app_pool",
                            with_article(word)
                        ),
                        &format!("no app_pool with kind = \"{word}\""),
                    ))
                }
                (Ok(_), None) => {
                    let expected = match pool {
                        Some(pool) => format!("app_pool = one of {}", quoted_list(&pool.app_pools)),
                        None => "app_pool = an app pool name of [pool] app_pools".to_string(),
                    };
                    Err(self.inconsistent(
                        p("app_pool"),
                        span.clone().map(|s| s.start..s.start + 1),
                        "a worker event needs the app pool whose worker it concerns".to_string(),
                        &expected,
                    ))
                }
                (Ok(_), Some(v)) => self.app_pool_index(p("app_pool"), v, pool).map(Some),
            };
            // Only an installation is a window with a length.
            let duration = match (kind, &e.duration) {
                (_, None) => Ok(None),
                (Err(r), Some(_)) => Err(r),
                (Ok(ScriptedKind::InstallUpdate), Some(v)) => {
                    self.positive(p("duration"), v).map(Some)
                }
                (Ok(k), Some(v)) => Err(self.inconsistent(
                    p("duration"),
                    Some(v.span()),
                    format!("{} has no duration", with_article(kind_word(k))),
                    "no duration, or kind = \"install_update\" (a window length > 0s)",
                )),
            };
            push(
                &mut events,
                (|| {
                    Ok(ScriptedEvent {
                        at: at?,
                        kind: kind?,
                        server: server?,
                        app_pool: app_pool?,
                        duration: duration?,
                    })
                })(),
            );
        }
        events
    }

    fn clients(&self, raw: &RawScenario) -> R<Clients> {
        let c = table(&raw.clients);
        let users = or(&c.users, DEFAULT_USERS, |v| {
            self.integer("clients.users".into(), v, 1, MAX_USERS)
                .map(|i| i as u32)
        });
        let arrivals = or(&c.arrivals, Arrivals::Poisson, |v| {
            self.word(
                "clients.arrivals".into(),
                v,
                &[("poisson", Arrivals::Poisson), ("fixed", Arrivals::Fixed)],
            )
        });
        let request_interval = or(&c.request_interval, dflt(DEFAULT_REQUEST_INTERVAL), |v| {
            self.positive("clients.request_interval".into(), v)
        });
        let daily_profile = or(&c.daily_profile, [1.0; 24], |v| self.profile(v));
        let mut consistent = Ok(());
        if let (Ok(Arrivals::Fixed), Ok(profile)) = (arrivals, &daily_profile)
            && *profile != [1.0; 24]
        {
            consistent = Err(self.inconsistent(
                "clients.daily_profile".into(),
                c.daily_profile.as_ref().map(|v| v.span()),
                "arrivals = \"fixed\" sends at exact instants and cannot follow a daily profile"
                    .to_string(),
                "daily_profile = \"flat\" with arrivals = \"fixed\"",
            ));
        }
        // A zero retry delay would let a rejected user retry forever at one instant.
        let prompt_retry = or(&c.prompt_retry, dflt_range(DEFAULT_PROMPT_RETRY), |v| {
            self.positive_range("clients.prompt_retry".into(), v)
        });
        let give_up_after = or(&c.give_up_after, None, |v| {
            self.duration_or_off("clients.give_up_after".into(), v)
        });
        consistent?;
        Ok(Clients {
            users: users?,
            arrivals: arrivals?,
            request_interval: request_interval?,
            daily_profile: daily_profile?,
            prompt_retry: prompt_retry?,
            give_up_after: give_up_after?,
        })
    }

    fn profile(&self, v: &Spanned<RawValue>) -> R<[f64; 24]> {
        let path: FieldPath<'_> = "clients.daily_profile".into();
        let raw: [f64; 24] = match v.get_ref() {
            RawValue::String(s) if s == "flat" => return Ok([1.0; 24]),
            RawValue::String(s) if s == "office" => OFFICE_PROFILE,
            RawValue::String(s) => {
                return Err(self.report(
                    Kind::BadValue,
                    v.span(),
                    path,
                    format!("unknown profile {s:?}"),
                    Some(PROFILE_EXPECTED.to_string()),
                    suggest::closest(s, ["flat", "office"]).map(|w| format!("\"{w}\"")),
                ));
            }
            RawValue::Array(items) if items.len() == 24 => {
                let mut w = Ok([0.0; 24]);
                for (h, item) in items.iter().enumerate() {
                    let item_path = FieldPath::Index(&path, h);
                    let x = match item.get_ref() {
                        RawValue::Integer(i) => *i as f64,
                        RawValue::HugeInteger(_) => f64::INFINITY,
                        RawValue::Float(x) => *x,
                        _ => {
                            w = Err(self.wrong_type(item_path, item, "a non-negative number"));
                            continue;
                        }
                    };
                    if !x.is_finite() || x < 0.0 {
                        w = Err(self.out_of_range(
                            item_path,
                            item.span(),
                            format!("weight {x} is not a finite non-negative number"),
                            "a finite number >= 0",
                        ));
                        continue;
                    }
                    if let Ok(w) = &mut w {
                        w[h] = x;
                    }
                }
                w?
            }
            RawValue::Array(items) => {
                return Err(self.bad(
                    path,
                    v.span(),
                    format!("a profile has 24 hourly weights, found {}", items.len()),
                    PROFILE_EXPECTED,
                ));
            }
            _ => return Err(self.wrong_type(path, v, PROFILE_EXPECTED)),
        };
        normalise(&raw).ok_or_else(|| {
            self.out_of_range(
                path,
                v.span(),
                "every weight is zero".to_string(),
                PROFILE_EXPECTED,
            )
        })
    }
}

/// The word of a scripted event kind, as written in the file.
fn kind_word(kind: ScriptedKind) -> &'static str {
    match kind {
        ScriptedKind::MaRecycle => "ma_recycle",
        ScriptedKind::PeriodicRecycle => "periodic_recycle",
        ScriptedKind::WorkerCrash => "worker_crash",
        ScriptedKind::ServerCrash => "server_crash",
        ScriptedKind::InstallUpdate => "install_update",
    }
}

/// `a server_crash`, `an install_update`.
fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

/// A number as written in a message (`5`, not `integer 5`).
fn raw_number(v: &RawValue) -> String {
    match v {
        RawValue::Integer(i) => i.to_string(),
        RawValue::HugeInteger(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Appends `item` to a list being validated; the list fails if any item did.
pub(super) fn push<T>(list: &mut R<Vec<T>>, item: R<T>) {
    match (list.as_mut(), item) {
        (Ok(list), Ok(item)) => list.push(item),
        (_, Err(r)) => *list = Err(r),
        (Err(_), Ok(_)) => {}
    }
}

/// Scales finite non-negative weights to mean 1; `None` if all are zero.
/// Equal weights give exactly 1.0 (so `[2, 2, ...]` counts as flat).
fn normalise(w: &[f64; 24]) -> Option<[f64; 24]> {
    let max = w.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return None;
    }
    if w.iter().all(|&x| x == w[0]) {
        return Some([1.0; 24]);
    }
    // Divide by the max first so that the sum cannot overflow.
    let scaled = w.map(|x| x / max);
    let sum: f64 = scaled.iter().sum();
    Some(scaled.map(|x| x * 24.0 / sum))
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_mean_one() {
        let mut w = [1.0; 24];
        w[0] = 3.0;
        let n = normalise(&w).unwrap();
        let mean: f64 = n.iter().sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert!((n[0] / n[1] - 3.0).abs() < 1e-12);
        assert_eq!(normalise(&[0.0; 24]), None);
        assert_eq!(normalise(&[7.5; 24]), Some([1.0; 24]));
        let mut huge = [f64::MAX; 24];
        huge[1] = 0.0;
        assert!(normalise(&huge).unwrap().iter().all(|x| x.is_finite()));
    }

    /// A file of `n` events, more than two pieces long, with `extra` at the end.
    fn big(n: usize, extra: &str) -> String {
        let mut text =
            "[simulation]\nname = \"big\"\nhorizon = \"1d\"\n[pool]\nservers = 2\n".to_string();
        for i in 0..n {
            text.push_str(&format!(
                "[[event]] # {i}\nat = \"{}m\"\nkind = \"{}\"\nserver = {}\n",
                i % 1000 + 1,
                if i % 2 == 0 {
                    "server_crash"
                } else {
                    "worker_crash\"\napp_pool = \"ews"
                },
                i % 2
            ));
        }
        text.push_str(extra);
        text
    }

    #[test]
    fn a_large_file_parsed_in_pieces_means_the_same_as_parsed_whole() {
        let valid = big(12_000, "[worker]\nstartup = \"45s\"\n");
        assert!(piece_starts(&valid).len() > 3);
        let whole = parse_with(&valid, "f", false).unwrap();
        assert_eq!(parse_with(&valid, "f", true).unwrap(), whole);
        assert_eq!(whole.events.len(), 12_000);

        // Mistakes in late pieces keep their positions and event indices.
        let mut bad = big(12_000, "[clients]\nusers = 0\n");
        bad = bad.replacen("server = 1\n", "server = 7\n", 1);
        let at = bad.rfind("server = 0").unwrap();
        bad.replace_range(at..at + 10, "servr = 0");
        let whole = parse_with(&bad, "f", false).unwrap_err();
        assert_eq!(parse_with(&bad, "f", true).unwrap_err(), whole);
        let fields: Vec<&str> = whole
            .list
            .iter()
            .filter_map(|d| d.field.as_deref())
            .collect();
        assert!(fields.contains(&"event[1].server"), "{whole}");
        assert!(fields.contains(&"event[11998].servr"), "{whole}");
        assert!(fields.contains(&"clients.users"), "{whole}");

        // A table defined twice across pieces: parsed whole, TOML's error.
        let twice = format!("[worker]\nstartup = \"1s\"\n{}", big(12_000, "[worker]\n"));
        assert!(in_pieces(&twice).is_none());
        let e = parse(&twice, "f").unwrap_err();
        assert_eq!(e.first().kind, Kind::Syntax, "{e}");
    }

    #[test]
    fn defaults_parse() {
        for d in [DEFAULT_BUCKET, DEFAULT_ROLLING_FIRST, DEFAULT_GAP] {
            dflt(d);
        }
        dflt_rate(DEFAULT_SERVER_CRASH_RATE);
    }
}
