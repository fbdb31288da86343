//! Raw file -> resolved [`Scenario`]: types, defaults, ranges, cross-field
//! consistency.
//!
//! Every check names the dotted field and the source location of the value
//! (or of the table that lacks it). Defaults are the ones of
//! `docs/scenario.md`; they are written once, in the `DEFAULT_*` strings below, in the
//! same form a user would write them, and go through the same parsers.

use super::error::{Location, ScenarioError};
use super::file::{self, Field, RawScenario, RawValue};
use super::resolved::*;
use super::values::{self, DURATION_EXPECTED, RATE_EXPECTED, ValueError};
use crate::engine::Millis;
use crate::engine::time::format_duration;
use std::borrow::Cow;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

type Result<T> = std::result::Result<T, ScenarioError>;

/// Parses `text` (named `origin` in messages) into the raw structs: TOML
/// syntax and the shape of the file (known keys, tables where tables belong).
pub fn parse_raw(text: &str, origin: &str) -> Result<RawScenario> {
    let cx = Cx { origin, text };
    // The untyped tree first: it reports syntax errors, and it is what maps a
    // serde error's span back to a dotted field.
    let tree = DeTable::parse(text).map_err(|e| ScenarioError::Syntax {
        at: cx.at(e.span().map_or(0, |s| s.start)),
        message: e.message().to_string(),
    })?;
    toml::from_str::<RawScenario>(text).map_err(|e| cx.structural(tree.get_ref(), &e))
}

/// Validates a raw scenario parsed from `text` (for locations) named `origin`.
pub fn validate(raw: &RawScenario, text: &str, origin: &str) -> Result<Scenario> {
    let cx = Cx { origin, text };
    let simulation = cx.simulation(raw)?;
    let org = cx.org(raw)?;
    let issuer = cx.issuer(raw)?;
    let directory = cx.directory(raw)?;
    let pool = cx.pool(raw)?;
    let auth_admin = cx.auth_admin(raw, &pool)?;
    let balancer = cx.balancer(raw)?;
    let worker = cx.worker(raw)?;
    let server = cx.server(raw)?;
    let maintenance = cx.maintenance(raw, &pool)?;
    let events = cx.events(raw, &pool)?;
    let clients = cx.clients(raw)?;
    Ok(Scenario {
        simulation,
        org,
        issuer,
        directory,
        auth_admin,
        pool,
        balancer,
        worker,
        server,
        maintenance,
        events,
        clients,
    })
}

// Defaults, as a user would write them (docs/scenario.md).
const DEFAULT_SEED: u64 = 1;
const DEFAULT_REPLICATIONS: u32 = 1;
const DEFAULT_BUCKET: &str = "1m";
const DEFAULT_WARMUP: &str = "0s";
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
const DEFAULT_USERS: u32 = 2000;
const DEFAULT_REQUEST_INTERVAL: &str = "60s";
const DEFAULT_PROMPT_RETRY: (&str, &str) = ("20s", "120s");

/// Limits on counts (resolved.rs documents them as invariants).
const MAX_SERVERS: i128 = 1024;
const MAX_APP_POOLS: usize = 64;
const MAX_USERS: i128 = 10_000_000;
/// Names end up in folder names: keep them short.
const MAX_NAME_LEN: usize = 128;

const NAME_EXPECTED: &str =
    "a non-empty name of at most 128 characters A-Z a-z 0-9 . _ - (not only dots)";
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
fn or<T>(
    field: &Field,
    default: T,
    parse: impl FnOnce(&Spanned<RawValue>) -> Result<T>,
) -> Result<T> {
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

/// The validation context: the file name and text, to turn spans into
/// locations.
struct Cx<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Cx<'_> {
    fn at(&self, offset: usize) -> Location {
        Location::of_offset(self.origin, self.text, offset)
    }

    fn at_span(&self, span: &Option<Range<usize>>) -> Location {
        self.at(span.as_ref().map_or(0, |s| s.start))
    }

    // ---- error constructors -------------------------------------------

    fn wrong_type(&self, path: &str, v: &Spanned<RawValue>, expected: &str) -> ScenarioError {
        ScenarioError::WrongType {
            at: self.at(v.span().start),
            field: path.to_string(),
            found: v.get_ref().to_string(),
            expected: expected.to_string(),
        }
    }

    fn bad(
        &self,
        path: &str,
        span: Range<usize>,
        message: String,
        expected: &str,
    ) -> ScenarioError {
        ScenarioError::BadValue {
            at: self.at(span.start),
            field: path.to_string(),
            message,
            expected: expected.to_string(),
        }
    }

    fn out_of_range(
        &self,
        path: &str,
        span: Range<usize>,
        message: String,
        expected: &str,
    ) -> ScenarioError {
        ScenarioError::OutOfRange {
            at: self.at(span.start),
            field: path.to_string(),
            message,
            expected: expected.to_string(),
        }
    }

    fn index(
        &self,
        path: &str,
        span: Range<usize>,
        message: String,
        expected: String,
    ) -> ScenarioError {
        ScenarioError::IndexOutOfRange {
            at: self.at(span.start),
            field: path.to_string(),
            message,
            expected,
        }
    }

    fn inconsistent(
        &self,
        path: &str,
        span: Option<Range<usize>>,
        message: String,
        expected: &str,
    ) -> ScenarioError {
        ScenarioError::Inconsistent {
            at: self.at_span(&span),
            field: path.to_string(),
            message,
            expected: expected.to_string(),
        }
    }

    fn missing(
        &self,
        path: &str,
        table_span: &Option<Range<usize>>,
        expected: &str,
    ) -> ScenarioError {
        ScenarioError::Missing {
            at: self.at_span(table_span),
            field: path.to_string(),
            expected: expected.to_string(),
        }
    }

    fn value_error(&self, path: &str, span: Range<usize>, e: ValueError) -> ScenarioError {
        match e {
            ValueError::Bad { message, expected } => self.bad(path, span, message, &expected),
            ValueError::OutOfRange { message, expected } => {
                self.out_of_range(path, span, message, &expected)
            }
        }
    }

    /// Maps a serde error of [`parse_raw`] (unknown key, table of the wrong
    /// shape, number overflow) to the field it concerns.
    fn structural(&self, tree: &DeTable<'_>, e: &toml::de::Error) -> ScenarioError {
        let span = e.span().unwrap_or(0..0);
        let message = e.message();
        let found = locate(tree, "", &span);
        let at = self.at(span.start);
        if message.starts_with("unknown field") {
            let key = message.split('`').nth(1).unwrap_or("").to_string();
            let field = found
                .as_ref()
                .map_or_else(|| key.clone(), |(p, _)| p.clone());
            let parent = field
                .strip_suffix(key.as_str())
                .map_or("", |p| p.trim_end_matches('.'));
            let valid = file::schema_of(parent)
                .map(|t| t.keys.iter().map(|k| k.to_string()).collect())
                .unwrap_or_default();
            return ScenarioError::UnknownKey {
                at,
                field,
                key,
                valid,
            };
        }
        let field = found.as_ref().map_or_else(String::new, |(p, _)| p.clone());
        if message.contains("overflowed") {
            return ScenarioError::OutOfRange {
                at,
                field,
                message: "number too large".to_string(),
                expected: "an integer of at most 64 bits or a finite float".to_string(),
            };
        }
        match found {
            Some((path, Some(kind))) => {
                let expected = match file::schema_of(&path) {
                    Some(t) if t.array => format!("an array of tables [[{}]]", t.path),
                    Some(t) => format!("a table [{}]", t.path),
                    None => message.to_string(),
                };
                ScenarioError::WrongType {
                    at,
                    field: path,
                    found: kind.to_string(),
                    expected,
                }
            }
            _ => ScenarioError::Syntax {
                at,
                message: message.to_string(),
            },
        }
    }

    // ---- typed leaves -------------------------------------------------

    fn duration(&self, path: &str, v: &Spanned<RawValue>) -> Result<Millis> {
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
            RawValue::Integer(_) | RawValue::Float(_) => Err(self.wrong_type(
                path,
                v,
                "a duration string with a unit, e.g. \"90s\" or \"30m\"",
            )),
            _ => Err(self.wrong_type(path, v, DURATION_EXPECTED)),
        }
    }

    fn positive(&self, path: &str, v: &Spanned<RawValue>) -> Result<Millis> {
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
    fn positive_or_off(&self, path: &str, v: &Spanned<RawValue>) -> Result<Option<Millis>> {
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
    fn duration_or_off(&self, path: &str, v: &Spanned<RawValue>) -> Result<Option<Millis>> {
        if matches!(v.get_ref(), RawValue::String(s) if s.trim() == "off") {
            return Ok(None);
        }
        if matches!(v.get_ref(), RawValue::Boolean(_)) {
            return Err(self.wrong_type(path, v, "\"off\" or a duration such as \"10m\""));
        }
        self.duration(path, v).map(Some)
    }

    fn range(&self, path: &str, v: &Spanned<RawValue>) -> Result<MillisRange> {
        match v.get_ref() {
            RawValue::String(_) => {
                let ms = self.duration(path, v)?;
                Ok(MillisRange { min: ms, max: ms })
            }
            RawValue::Array(items) if items.len() == 2 => {
                let min = self.duration(&format!("{path}[0]"), &items[0])?;
                let max = self.duration(&format!("{path}[1]"), &items[1])?;
                if min > max {
                    return Err(ScenarioError::MinGreaterThanMax {
                        at: self.at(v.span().start),
                        field: path.to_string(),
                        min: format_duration(min),
                        max: format_duration(max),
                    });
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
    fn positive_range(&self, path: &str, v: &Spanned<RawValue>) -> Result<MillisRange> {
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

    fn rate(&self, path: &str, v: &Spanned<RawValue>) -> Result<Rate> {
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
            RawValue::Integer(_) | RawValue::Float(_) => Err(self.bad(
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

    fn integer(&self, path: &str, v: &Spanned<RawValue>, lo: i128, hi: i128) -> Result<i128> {
        let expected = format!("an integer in {lo}..={hi}");
        match v.get_ref() {
            RawValue::Integer(i) if (lo..=hi).contains(i) => Ok(*i),
            RawValue::Integer(i) => {
                Err(self.out_of_range(path, v.span(), format!("{i} is out of range"), &expected))
            }
            _ => Err(self.wrong_type(path, v, &expected)),
        }
    }

    fn boolean(&self, path: &str, v: &Spanned<RawValue>) -> Result<bool> {
        match v.get_ref() {
            RawValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type(path, v, "true or false")),
        }
    }

    fn probability(&self, path: &str, v: &Spanned<RawValue>) -> Result<f64> {
        let expected = "a number in [0, 1]";
        let p = match v.get_ref() {
            RawValue::Integer(i) => *i as f64,
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

    /// One of a fixed set of words.
    fn word<T: Copy>(&self, path: &str, v: &Spanned<RawValue>, words: &[(&str, T)]) -> Result<T> {
        let expected = words
            .iter()
            .map(|(w, _)| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" | ");
        match v.get_ref() {
            RawValue::String(s) => words
                .iter()
                .find(|(w, _)| w == s)
                .map(|&(_, t)| t)
                .ok_or_else(|| self.bad(path, v.span(), format!("unknown value {s:?}"), &expected)),
            _ => Err(self.wrong_type(path, v, &expected)),
        }
    }

    /// A server index `< servers`.
    fn server_index(&self, path: &str, v: &Spanned<RawValue>, pool: &Pool) -> Result<usize> {
        let expected = format!(
            "a server index in 0..={} ([pool] servers = {})",
            pool.servers - 1,
            pool.servers
        );
        match v.get_ref() {
            RawValue::Integer(i) => usize::try_from(*i)
                .ok()
                .filter(|&i| i < pool.servers)
                .ok_or_else(|| {
                    self.index(
                        path,
                        v.span(),
                        format!("server {i} does not exist"),
                        expected,
                    )
                }),
            _ => Err(self.wrong_type(path, v, &expected)),
        }
    }

    // ---- tables -------------------------------------------------------

    fn simulation(&self, raw: &RawScenario) -> Result<Simulation> {
        let Some(table) = &raw.simulation else {
            return Err(self.missing(
                "simulation",
                &None,
                "a [simulation] table with name and horizon, e.g. name = \"demo\", horizon = \"14d\"",
            ));
        };
        let span = Some(table.span());
        let s = table.get_ref();
        let name = match &s.name {
            Some(v) => self.name(v)?,
            None => {
                return Err(self.missing(
                    "simulation.name",
                    &span,
                    "name = \"...\" (A-Z a-z 0-9 . _ -)",
                ));
            }
        };
        let horizon_field = s.horizon.as_ref();
        let horizon = match horizon_field {
            Some(v) => self.positive("simulation.horizon", v)?,
            None => {
                return Err(self.missing(
                    "simulation.horizon",
                    &span,
                    "horizon = a duration > 0s, e.g. \"14d\"",
                ));
            }
        };
        let seed = or(&s.seed, DEFAULT_SEED, |v| {
            self.integer("simulation.seed", v, 0, i64::MAX.into())
                .map(|i| i as u64)
        })?;
        let replications = or(&s.replications, DEFAULT_REPLICATIONS, |v| {
            self.integer("simulation.replications", v, 1, u32::MAX.into())
                .map(|i| i as u32)
        })?;
        let bucket = or(&s.bucket, dflt(DEFAULT_BUCKET), |v| {
            self.positive("simulation.bucket", v)
        })?;
        let warmup = or(&s.warmup, dflt(DEFAULT_WARMUP), |v| {
            self.duration("simulation.warmup", v)
        })?;
        if warmup >= horizon {
            return Err(self.inconsistent(
                "simulation.warmup",
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
            name,
            horizon,
            seed,
            replications,
            bucket,
            warmup,
        })
    }

    fn name(&self, v: &Spanned<RawValue>) -> Result<String> {
        let path = "simulation.name";
        let RawValue::String(s) = v.get_ref() else {
            return Err(self.wrong_type(path, v, NAME_EXPECTED));
        };
        if s.is_empty() {
            return Err(self.bad(path, v.span(), "empty name".to_string(), NAME_EXPECTED));
        }
        if s.chars().count() > MAX_NAME_LEN {
            return Err(self.out_of_range(
                path,
                v.span(),
                "name too long".to_string(),
                NAME_EXPECTED,
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(self.bad(
                path,
                v.span(),
                format!("character {c:?} is not allowed in a name"),
                NAME_EXPECTED,
            ));
        }
        // "." and ".." would escape the output folder.
        if s.chars().all(|c| c == '.') {
            return Err(self.bad(
                path,
                v.span(),
                format!("{s:?} is not a usable folder name"),
                NAME_EXPECTED,
            ));
        }
        Ok(s.clone())
    }

    fn org(&self, raw: &RawScenario) -> Result<Org> {
        let expected = "false, true, \"false\", \"true\" or \"both\"";
        let path = "org.read_session";
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

    fn issuer(&self, raw: &RawScenario) -> Result<Issuer> {
        let i = table(&raw.issuer);
        let token_lifetime = or(&i.token_lifetime, dflt_range(DEFAULT_TOKEN_LIFETIME), |v| {
            self.positive_range("issuer.token_lifetime", v)
        })?;
        let renew_before = or(&i.renew_before, dflt(DEFAULT_RENEW_BEFORE), |v| {
            self.duration("issuer.renew_before", v)
        })?;
        if renew_before >= token_lifetime.min {
            // Point at whichever of the two the user wrote (renew_before first).
            let (path, span) = match (&i.renew_before, &i.token_lifetime) {
                (Some(v), _) => ("issuer.renew_before", Some(v.span())),
                (None, Some(v)) => ("issuer.token_lifetime", Some(v.span())),
                (None, None) => ("issuer.renew_before", None),
            };
            return Err(self.inconsistent(
                path,
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
            self.positive_or_off("issuer.rollover_every", v)
        })?;
        let rollover_first = or(&i.rollover_first, dflt(DEFAULT_ROLLOVER_FIRST), |v| {
            self.duration("issuer.rollover_first", v)
        })?;
        let rollover_lead = or(&i.rollover_lead, dflt(DEFAULT_ROLLOVER_LEAD), |v| {
            self.duration("issuer.rollover_lead", v)
        })?;
        let retire_after = or(&i.retire_after, dflt(DEFAULT_RETIRE_AFTER), |v| {
            self.duration("issuer.retire_after", v)
        })?;
        let emergency_rate = or(&i.emergency_rate, dflt_rate(DEFAULT_EMERGENCY_RATE), |v| {
            self.rate("issuer.emergency_rate", v)
        })?;
        let mut rollovers = Vec::new();
        for (n, r) in i.rollover.iter().flatten().enumerate() {
            let span = Some(r.span());
            let r = r.get_ref();
            let at = match &r.at {
                Some(v) => self.duration(&format!("issuer.rollover[{n}].at"), v)?,
                None => {
                    return Err(self.missing(
                        &format!("issuer.rollover[{n}].at"),
                        &span,
                        "at = the publish instant, e.g. \"3d 4h\"",
                    ));
                }
            };
            let lead = or(&r.lead, dflt(DEFAULT_EXPLICIT_LEAD), |v| {
                self.duration(&format!("issuer.rollover[{n}].lead"), v)
            })?;
            rollovers.push(ExplicitRollover { at, lead });
        }
        Ok(Issuer {
            token_lifetime,
            renew_before,
            rollover_every,
            rollover_first,
            rollover_lead,
            retire_after,
            emergency_rate,
            rollovers,
        })
    }

    fn directory(&self, raw: &RawScenario) -> Result<Directory> {
        let d = table(&raw.directory);
        let replication_delay = or(
            &d.replication_delay,
            dflt_range(DEFAULT_REPLICATION_DELAY),
            |v| self.range("directory.replication_delay", v),
        )?;
        Ok(Directory { replication_delay })
    }

    fn pool(&self, raw: &RawScenario) -> Result<Pool> {
        let p = table(&raw.pool);
        let servers = or(&p.servers, DEFAULT_SERVERS, |v| {
            self.integer("pool.servers", v, 1, MAX_SERVERS)
                .map(|i| i as usize)
        })?;
        let default_pools = DEFAULT_APP_POOLS.iter().map(|s| s.to_string()).collect();
        let app_pools = or(&p.app_pools, default_pools, |v| self.app_pools(v))?;
        Ok(Pool { servers, app_pools })
    }

    fn app_pools(&self, v: &Spanned<RawValue>) -> Result<Vec<String>> {
        let path = "pool.app_pools";
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
        let mut names: Vec<String> = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{n}]");
            let RawValue::String(s) = item.get_ref() else {
                return Err(self.wrong_type(&item_path, item, POOL_NAME_EXPECTED));
            };
            // Names appear in stream names (`worker.<i>.<pool>.crash`) and CSV
            // cells: no dots, commas or quotes.
            if s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            {
                return Err(self.bad(
                    &item_path,
                    item.span(),
                    format!("{s:?} is not a valid app pool name"),
                    POOL_NAME_EXPECTED,
                ));
            }
            if let Some(first) = names.iter().position(|x| x == s) {
                return Err(self.bad(
                    &item_path,
                    item.span(),
                    format!("duplicate app pool name {s:?} (also {path}[{first}])"),
                    "unique app pool names",
                ));
            }
            names.push(s.clone());
        }
        Ok(names)
    }

    fn auth_admin(&self, raw: &RawScenario, pool: &Pool) -> Result<AuthAdmin> {
        let a = table(&raw.auth_admin);
        let interval = or(&a.interval, Some(dflt(DEFAULT_AUTH_INTERVAL)), |v| {
            self.positive_or_off("auth_admin.interval", v)
        })?;
        let anchor = or(&a.anchor, 0, |v| {
            self.server_index("auth_admin.anchor", v, pool)
        })?;
        let first_run = or(&a.first_run, dflt(DEFAULT_FIRST_RUN), |v| {
            self.duration("auth_admin.first_run", v)
        })?;
        let write_session_fails = or(&a.write_session_fails, 0.0, |v| {
            self.probability("auth_admin.write_session_fails", v)
        })?;
        Ok(AuthAdmin {
            interval,
            anchor,
            first_run,
            write_session_fails,
        })
    }

    fn balancer(&self, raw: &RawScenario) -> Result<Balancer> {
        let b = table(&raw.balancer);
        let algorithm = or(&b.algorithm, Algorithm::RoundRobin, |v| {
            self.word(
                "balancer.algorithm",
                v,
                &[
                    ("round_robin", Algorithm::RoundRobin),
                    ("random", Algorithm::Random),
                    ("least_requests", Algorithm::LeastRequests),
                ],
            )
        })?;
        let affinity = or(&b.affinity, Affinity::None, |v| {
            self.word(
                "balancer.affinity",
                v,
                &[("none", Affinity::None), ("client", Affinity::Client)],
            )
        })?;
        let probe_interval = or(&b.probe_interval, dflt(DEFAULT_PROBE_INTERVAL), |v| {
            self.positive("balancer.probe_interval", v)
        })?;
        let count = |path: &str, f: &Field| {
            or(f, DEFAULT_PROBE_AFTER, |v| {
                self.integer(path, v, 1, u32::MAX.into()).map(|i| i as u32)
            })
        };
        let probe_down_after = count("balancer.probe_down_after", &b.probe_down_after)?;
        let probe_up_after = count("balancer.probe_up_after", &b.probe_up_after)?;
        Ok(Balancer {
            algorithm,
            affinity,
            probe_interval,
            probe_down_after,
            probe_up_after,
        })
    }

    fn worker(&self, raw: &RawScenario) -> Result<Worker> {
        let w = table(&raw.worker);
        let start_mode = or(&w.start_mode, StartMode::OnDemand, |v| {
            self.word(
                "worker.start_mode",
                v,
                &[
                    ("on_demand", StartMode::OnDemand),
                    ("always_running", StartMode::AlwaysRunning),
                ],
            )
        })?;
        let dur = |path: &str, f: &Field, d: &str| or(f, dflt(d), |v| self.duration(path, v));
        let startup = dur("worker.startup", &w.startup, DEFAULT_STARTUP)?;
        let cache_reload = or(&w.cache_reload, Some(dflt(DEFAULT_CACHE_RELOAD)), |v| {
            self.positive_or_off("worker.cache_reload", v)
        })?;
        let new_process_age = dur(
            "worker.new_process_age",
            &w.new_process_age,
            DEFAULT_NEW_PROCESS_AGE,
        )?;
        let failed_update_hold = dur(
            "worker.failed_update_hold",
            &w.failed_update_hold,
            DEFAULT_FAILED_UPDATE_HOLD,
        )?;
        let update_latency = or(&w.update_latency, dflt_range(DEFAULT_UPDATE_LATENCY), |v| {
            self.range("worker.update_latency", v)
        })?;
        let established_write_session_fails = or(&w.established_write_session_fails, false, |v| {
            self.boolean("worker.established_write_session_fails", v)
        })?;
        if established_write_session_fails && failed_update_hold == 0 {
            // Every retry would fail again at the same instant, forever.
            return Err(self.inconsistent(
                "worker.failed_update_hold",
                w.failed_update_hold.as_ref().map(|v| v.span()),
                "a zero hold with established_write_session_fails = true retries a failing update endlessly at one instant".to_string(),
                "failed_update_hold > 0s, or established_write_session_fails = false",
            ));
        }
        let periodic_recycle = or(&w.periodic_recycle, None, |v| {
            self.positive_or_off("worker.periodic_recycle", v)
        })?;
        let ma_recycle_rate = or(
            &w.ma_recycle_rate,
            dflt_rate(DEFAULT_MA_RECYCLE_RATE),
            |v| self.rate("worker.ma_recycle_rate", v),
        )?;
        let crash_rate = or(&w.crash_rate, dflt_rate(DEFAULT_WORKER_CRASH_RATE), |v| {
            self.rate("worker.crash_rate", v)
        })?;
        let restart_delay = dur(
            "worker.restart_delay",
            &w.restart_delay,
            DEFAULT_RESTART_DELAY,
        )?;
        Ok(Worker {
            start_mode,
            startup,
            cache_reload,
            new_process_age,
            failed_update_hold,
            update_latency,
            established_write_session_fails,
            periodic_recycle,
            ma_recycle_rate,
            crash_rate,
            restart_delay,
        })
    }

    fn server(&self, raw: &RawScenario) -> Result<Server> {
        let s = table(&raw.server);
        let crash_rate = or(&s.crash_rate, dflt_rate(DEFAULT_SERVER_CRASH_RATE), |v| {
            self.rate("server.crash_rate", v)
        })?;
        let reboot = or(&s.reboot, dflt_range(DEFAULT_REBOOT), |v| {
            self.positive_range("server.reboot", v)
        })?;
        Ok(Server { crash_rate, reboot })
    }

    fn maintenance(&self, raw: &RawScenario, pool: &Pool) -> Result<Maintenance> {
        let m = table(&raw.maintenance);
        let rolling_every = or(&m.rolling_every, Some(dflt(DEFAULT_ROLLING_EVERY)), |v| {
            self.positive_or_off("maintenance.rolling_every", v)
        })?;
        let rolling_first = or(&m.rolling_first, dflt(DEFAULT_ROLLING_FIRST), |v| {
            self.duration("maintenance.rolling_first", v)
        })?;
        let duration = or(&m.duration, dflt_range(DEFAULT_MAINTENANCE_DURATION), |v| {
            self.positive_range("maintenance.duration", v)
        })?;
        let gap = or(&m.gap, dflt(DEFAULT_GAP), |v| {
            self.duration("maintenance.gap", v)
        })?;
        let mut windows = Vec::new();
        for (n, w) in m.window.iter().flatten().enumerate() {
            let span = Some(w.span());
            let w = w.get_ref();
            let p = |k: &str| format!("maintenance.window[{n}].{k}");
            let server = match &w.server {
                Some(v) => self.server_index(&p("server"), v, pool)?,
                None => {
                    return Err(self.missing(
                        &p("server"),
                        &span,
                        "server = a server index, e.g. 0",
                    ));
                }
            };
            let start = match &w.start {
                Some(v) => self.duration(&p("start"), v)?,
                None => {
                    return Err(self.missing(
                        &p("start"),
                        &span,
                        "start = an instant, e.g. \"2d 22h\"",
                    ));
                }
            };
            let duration = match &w.duration {
                Some(v) => self.positive(&p("duration"), v)?,
                None => {
                    return Err(self.missing(
                        &p("duration"),
                        &span,
                        "duration = a duration > 0s, e.g. \"90m\"",
                    ));
                }
            };
            windows.push(MaintenanceWindow {
                server,
                start,
                duration,
            });
        }
        Ok(Maintenance {
            rolling_every,
            rolling_first,
            duration,
            gap,
            windows,
        })
    }

    fn events(&self, raw: &RawScenario, pool: &Pool) -> Result<Vec<ScriptedEvent>> {
        let mut events = Vec::new();
        for (n, e) in raw.event.iter().flatten().enumerate() {
            let span = Some(e.span());
            let e = e.get_ref();
            let p = |k: &str| format!("event[{n}].{k}");
            let at = match &e.at {
                Some(v) => self.duration(&p("at"), v)?,
                None => return Err(self.missing(&p("at"), &span, "at = an instant, e.g. \"2h\"")),
            };
            let kind = match &e.kind {
                Some(v) => self.word(
                    &p("kind"),
                    v,
                    &[
                        ("ma_recycle", ScriptedKind::MaRecycle),
                        ("periodic_recycle", ScriptedKind::PeriodicRecycle),
                        ("worker_crash", ScriptedKind::WorkerCrash),
                        ("server_crash", ScriptedKind::ServerCrash),
                    ],
                )?,
                None => {
                    return Err(self.missing(
                        &p("kind"),
                        &span,
                        "kind = \"ma_recycle\" | \"periodic_recycle\" | \"worker_crash\" | \"server_crash\"",
                    ));
                }
            };
            let server = match &e.server {
                Some(v) => self.server_index(&p("server"), v, pool)?,
                None => {
                    return Err(self.missing(
                        &p("server"),
                        &span,
                        "server = a server index, e.g. 0",
                    ));
                }
            };
            let app_pool = match (kind, &e.app_pool) {
                (ScriptedKind::ServerCrash, None) => None,
                (ScriptedKind::ServerCrash, Some(v)) => {
                    return Err(self.inconsistent(
                        &p("app_pool"),
                        Some(v.span()),
                        "a server_crash concerns the whole server and takes no app_pool"
                            .to_string(),
                        "no app_pool with kind = \"server_crash\"",
                    ));
                }
                (_, None) => {
                    return Err(self.inconsistent(
                        &p("app_pool"),
                        span,
                        "a worker event needs the app pool whose worker it concerns".to_string(),
                        &format!("app_pool = one of {}", quoted_list(&pool.app_pools)),
                    ));
                }
                (_, Some(v)) => Some(self.app_pool_index(&p("app_pool"), v, pool)?),
            };
            events.push(ScriptedEvent {
                at,
                kind,
                server,
                app_pool,
            });
        }
        Ok(events)
    }

    fn app_pool_index(&self, path: &str, v: &Spanned<RawValue>, pool: &Pool) -> Result<usize> {
        let expected = format!("one of {} ([pool] app_pools)", quoted_list(&pool.app_pools));
        match v.get_ref() {
            RawValue::String(s) => pool.app_pools.iter().position(|x| x == s).ok_or_else(|| {
                self.index(path, v.span(), format!("unknown app pool {s:?}"), expected)
            }),
            _ => Err(self.wrong_type(path, v, &expected)),
        }
    }

    fn clients(&self, raw: &RawScenario) -> Result<Clients> {
        let c = table(&raw.clients);
        let users = or(&c.users, DEFAULT_USERS, |v| {
            self.integer("clients.users", v, 1, MAX_USERS)
                .map(|i| i as u32)
        })?;
        let arrivals = or(&c.arrivals, Arrivals::Poisson, |v| {
            self.word(
                "clients.arrivals",
                v,
                &[("poisson", Arrivals::Poisson), ("fixed", Arrivals::Fixed)],
            )
        })?;
        let request_interval = or(&c.request_interval, dflt(DEFAULT_REQUEST_INTERVAL), |v| {
            self.positive("clients.request_interval", v)
        })?;
        let daily_profile = or(&c.daily_profile, [1.0; 24], |v| self.profile(v))?;
        if arrivals == Arrivals::Fixed && daily_profile != [1.0; 24] {
            return Err(self.inconsistent(
                "clients.daily_profile",
                c.daily_profile.as_ref().map(|v| v.span()),
                "arrivals = \"fixed\" sends at exact instants and cannot follow a daily profile"
                    .to_string(),
                "daily_profile = \"flat\" with arrivals = \"fixed\"",
            ));
        }
        // A zero retry delay would let a rejected user retry forever at one instant.
        let prompt_retry = or(&c.prompt_retry, dflt_range(DEFAULT_PROMPT_RETRY), |v| {
            self.positive_range("clients.prompt_retry", v)
        })?;
        let give_up_after = or(&c.give_up_after, None, |v| {
            self.duration_or_off("clients.give_up_after", v)
        })?;
        Ok(Clients {
            users,
            arrivals,
            request_interval,
            daily_profile,
            prompt_retry,
            give_up_after,
        })
    }

    fn profile(&self, v: &Spanned<RawValue>) -> Result<[f64; 24]> {
        let path = "clients.daily_profile";
        let raw: [f64; 24] = match v.get_ref() {
            RawValue::String(s) if s == "flat" => return Ok([1.0; 24]),
            RawValue::String(s) if s == "office" => OFFICE_PROFILE,
            RawValue::String(s) => {
                return Err(self.bad(
                    path,
                    v.span(),
                    format!("unknown profile {s:?}"),
                    PROFILE_EXPECTED,
                ));
            }
            RawValue::Array(items) if items.len() == 24 => {
                let mut w = [0.0; 24];
                for (h, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{h}]");
                    let x = match item.get_ref() {
                        RawValue::Integer(i) => *i as f64,
                        RawValue::Float(x) => *x,
                        _ => {
                            return Err(self.wrong_type(&item_path, item, "a non-negative number"));
                        }
                    };
                    if !x.is_finite() || x < 0.0 {
                        return Err(self.out_of_range(
                            &item_path,
                            item.span(),
                            format!("weight {x} is not a finite non-negative number"),
                            "a finite number >= 0",
                        ));
                    }
                    w[h] = x;
                }
                w
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

/// The dotted path of the key or value whose span is `span`, and the TOML
/// type found there (`None` when the span is a key's).
fn locate(
    table: &DeTable<'_>,
    prefix: &str,
    span: &Range<usize>,
) -> Option<(String, Option<&'static str>)> {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        if k.span() == *span {
            return Some((path, None));
        }
        if let Some(found) = locate_value(v, path, span) {
            return Some(found);
        }
    }
    None
}

fn locate_value(
    v: &Spanned<DeValue<'_>>,
    path: String,
    span: &Range<usize>,
) -> Option<(String, Option<&'static str>)> {
    if v.span() == *span {
        return Some((path, Some(v.get_ref().type_str())));
    }
    match v.get_ref() {
        DeValue::Table(t) => locate(t, &path, span),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| locate_value(item, format!("{path}[{i}]"), span)),
        _ => None,
    }
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

    #[test]
    fn defaults_parse() {
        for d in [DEFAULT_BUCKET, DEFAULT_ROLLING_FIRST, DEFAULT_GAP] {
            dflt(d);
        }
        dflt_rate(DEFAULT_SERVER_CRASH_RATE);
    }
}
