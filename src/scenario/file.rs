//! The raw scenario file: structs that mirror what the user writes.
//!
//! This layer only knows the *shape* of the file (which tables exist, which
//! keys each table allows). It is built by hand from `toml`'s spanned
//! document tree rather than derived with serde, so that every unknown key
//! and every table of the wrong shape is reported (serde stops at the
//! first), and an integer too large for 64 bits reaches [`super::validate`]
//! as a number with its field rather than as a parser error. Every leaf is
//! kept as a [`RawValue`] with its source span, so that [`super::validate`]
//! can do the type checks itself and name the field, line and column.

use super::diagnostic::{Collector, Kind, Pending};
use super::suggest;
use std::fmt;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Any TOML value, with array elements spanned so that errors can point at
/// one element (`clients.daily_profile[3]`).
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// A TOML string.
    String(String),
    /// A TOML integer, within `i64` as TOML allows (i128 so that range
    /// checks need no casts).
    Integer(i128),
    /// A TOML integer beyond `i64`, in decimal (or as written, without `_`,
    /// beyond even `i128`): never a valid value, but its error shows it.
    /// Not an [`RawValue::Integer`], so that no field takes it as a number
    /// that `--set`, `[sweep]` and `[[variant]]` (toml_edit, which refuses
    /// such integers) could not then re-read.
    HugeInteger(String),
    /// A TOML float, possibly `nan` or `inf`.
    Float(f64),
    /// A TOML boolean.
    Boolean(bool),
    /// A TOML date or time, as written (`simulation.start` takes an offset
    /// date-time; nothing else takes one).
    Datetime(String),
    /// A TOML array.
    Array(Vec<Spanned<RawValue>>),
    /// A TOML table where a value was expected; its content is dropped.
    Table,
}

impl RawValue {
    /// The TOML type name, for "found ..." in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::String(_) => "string",
            RawValue::Integer(_) | RawValue::HugeInteger(_) => "integer",
            RawValue::Float(_) => "float",
            RawValue::Boolean(_) => "boolean",
            RawValue::Datetime(_) => "datetime",
            RawValue::Array(_) => "array",
            RawValue::Table => "table",
        }
    }
}

impl fmt::Display for RawValue {
    /// A short rendering of the value for messages (`integer 5`, `string "x"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::String(s) => write!(f, "string {s:?}"),
            RawValue::Integer(i) => write!(f, "integer {i}"),
            RawValue::HugeInteger(s) => write!(f, "integer {s}"),
            RawValue::Float(x) => write!(f, "float {x}"),
            RawValue::Boolean(b) => write!(f, "boolean {b}"),
            other => f.write_str(other.type_name()),
        }
    }
}

/// A leaf field: absent, or a value with its byte span in the source.
pub type Field = Option<Spanned<RawValue>>;

/// A dotted field path built without allocating (`event[3].server`); it is
/// formatted only when a message needs it, so that a file of 100,000
/// `[[event]]` tables costs no string per entry.
#[derive(Clone, Copy, Debug)]
pub enum FieldPath<'a> {
    /// A top-level name or a whole dotted path (`worker.startup`).
    Name(&'a str),
    /// `parent.key`
    Key(&'a FieldPath<'a>, &'a str),
    /// `parent[index]`
    Index(&'a FieldPath<'a>, usize),
}

impl<'a> From<&'a str> for FieldPath<'a> {
    fn from(s: &'a str) -> Self {
        FieldPath::Name(s)
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Name(s) => f.write_str(s),
            FieldPath::Key(p, k) => write!(f, "{p}.{k}"),
            FieldPath::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// Where raw values are recorded from: the problems found, and where the
/// parsed piece of text starts in the file (the file may be parsed in
/// pieces: see [`super::validate`]) and how many `[[event]]` tables came
/// before it.
pub struct Build<'a> {
    /// Problems found (unknown keys, tables of the wrong shape).
    pub sink: &'a mut Collector,
    /// Byte offset of the parsed text in the file.
    pub offset: usize,
    /// Index of the first `[[event]]` table of the parsed text.
    pub event_base: usize,
}

impl<'a> Build<'a> {
    /// A builder for a whole file.
    pub fn new(sink: &'a mut Collector) -> Self {
        Build {
            sink,
            offset: 0,
            event_base: 0,
        }
    }

    fn span(&self, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
        span.start + self.offset..span.end + self.offset
    }
}

/// One table of the file: its keys, and how a key's value is stored.
pub trait RawTable: Default {
    /// Dotted path without indices (`""` for the top level, `maintenance.window`).
    const PATH: &'static str;
    /// The keys the table accepts, in documentation order.
    const KEYS: &'static [&'static str];
    /// Every written leaf under `prefix` (`worker`), lists of tables as one
    /// leaf each.
    fn leaves(&self, prefix: &str, out: &mut Vec<RawLeaf>);
    /// Forgets the value of `key`, as if it were not written.
    fn clear(&mut self, key: &str);
    /// Stores `value` under `key`; `false` if the table has no such key.
    fn set(
        &mut self,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        path: FieldPath<'_>,
        b: &mut Build<'_>,
    ) -> bool;
}

/// Declares a raw table: leaf keys (any value) and keys holding arrays of
/// tables, in documentation order.
macro_rules! raw_table {
    (
        $(#[$meta:meta])* $name:ident = $path:literal {
            $($key:ident),* $(,)?
        } $(tables { $($tkey:ident: $tty:ty),* $(,)? })?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        #[allow(missing_docs)]
        pub struct $name {
            $(pub $key: Field,)*
            $($(pub $tkey: Option<Vec<Spanned<$tty>>>,)*)?
        }

        impl RawTable for $name {
            const PATH: &'static str = $path;
            const KEYS: &'static [&'static str] =
                &[$(stringify!($key),)* $($(stringify!($tkey),)*)?];
            fn leaves(&self, prefix: &str, out: &mut Vec<RawLeaf>) {
                $(if let Some(v) = &self.$key {
                    out.push(RawLeaf {
                        path: format!("{prefix}.{}", stringify!($key)),
                        span: v.span(),
                        list: None,
                    });
                })*
                $($(if let Some(items) = &self.$tkey {
                    out.push(RawLeaf::list(format!("{prefix}.{}", stringify!($tkey)), items));
                })*)?
            }

            fn clear(&mut self, key: &str) {
                match key {
                    $(stringify!($key) => self.$key = None,)*
                    $($(stringify!($tkey) => self.$tkey = None,)*)?
                    _ => {}
                }
            }

            #[allow(unused_variables)]
            fn set(
                &mut self,
                key: &str,
                value: &Spanned<DeValue<'_>>,
                path: FieldPath<'_>,
                b: &mut Build<'_>,
            ) -> bool {
                match key {
                    $(stringify!($key) => self.$key = Some(raw_value(value, b.offset)),)*
                    $($(stringify!($tkey) => self.$tkey = array_of_tables(value, path, 0, b),)*)?
                    _ => return false,
                }
                true
            }
        }
    };
}

raw_table! {
    /// `[simulation]`
    RawSimulation = "simulation" {
        name, horizon, seed, replications, bucket, warmup, start, fast_forward, resume_before,
    }
}

raw_table! {
    /// `[org]`
    RawOrg = "org" { read_session }
}

raw_table! {
    /// `[issuer]`
    RawIssuer = "issuer" {
        token_lifetime, renew_before, rollover_every, rollover_first, rollover_lead,
        retire_after, emergency_rate,
    } tables { rollover: RawRollover }
}

raw_table! {
    /// One `[[issuer.rollover]]`.
    RawRollover = "issuer.rollover" { at, lead }
}

raw_table! {
    /// `[directory]`
    RawDirectory = "directory" { replication_delay }
}

raw_table! {
    /// `[auth_admin]`
    RawAuthAdmin = "auth_admin" {
        interval, anchor, first_run, write_session_fails, after_rollover,
    }
}

raw_table! {
    /// `[pool]`
    RawPool = "pool" { servers, app_pools, without_update }
}

raw_table! {
    /// `[balancer]`
    RawBalancer = "balancer" {
        algorithm, affinity, probe_interval, probe_down_after, probe_up_after,
    }
}

raw_table! {
    /// `[worker]`
    RawWorker = "worker" {
        start_mode, startup, cache_reload, new_process_age, failed_update_hold,
        update_latency, established_write_session_fails, periodic_recycle,
        ma_recycle_rate, crash_rate, restart_delay,
    }
}

raw_table! {
    /// `[server]`
    RawServer = "server" { crash_rate, reboot }
}

raw_table! {
    /// `[maintenance]`
    RawMaintenance = "maintenance" {
        rolling_every, rolling_first, duration, gap, rejoin_after,
    } tables { window: RawWindow }
}

raw_table! {
    /// One `[[maintenance.window]]`.
    RawWindow = "maintenance.window" { server, start, duration }
}

raw_table! {
    /// One `[[event]]`.
    RawEvent = "event" { at, kind, server, app_pool, duration }
}

raw_table! {
    /// `[upgrade]`
    RawUpgrade = "upgrade" { rolling_first }
}

raw_table! {
    /// `[history]`: CSV files of past lifecycle events and rollovers.
    RawHistory = "history" { events, rollovers }
}

raw_table! {
    /// One `[[expect]]`: a check of the results (see `super::expect`).
    RawExpect = "expect" {
        metric, saving, fingerprint, read_session, min, max, seed, replication, variant,
    }
}

raw_table! {
    /// `[clients]`
    RawClients = "clients" {
        users, arrivals, request_interval, daily_profile, prompt_retry, give_up_after,
    }
}

/// The whole file. Every table is optional here; [`super::validate`] reports
/// the required ones. A `[sweep]` table and `[[variant]]` tables are
/// accepted whatever they hold and ignored: the experiment layer reads them
/// from the same text.
#[derive(Clone, Debug, Default)]
#[allow(missing_docs)]
pub struct RawScenario {
    pub simulation: Option<Spanned<RawSimulation>>,
    pub org: Option<Spanned<RawOrg>>,
    pub issuer: Option<Spanned<RawIssuer>>,
    pub directory: Option<Spanned<RawDirectory>>,
    pub auth_admin: Option<Spanned<RawAuthAdmin>>,
    pub pool: Option<Spanned<RawPool>>,
    pub balancer: Option<Spanned<RawBalancer>>,
    pub worker: Option<Spanned<RawWorker>>,
    pub server: Option<Spanned<RawServer>>,
    pub maintenance: Option<Spanned<RawMaintenance>>,
    pub upgrade: Option<Spanned<RawUpgrade>>,
    pub event: Option<Vec<Spanned<RawEvent>>>,
    pub clients: Option<Spanned<RawClients>>,
    pub history: Option<Spanned<RawHistory>>,
    pub expect: Option<Vec<Spanned<RawExpect>>>,
}

/// The written `(key, span)` pairs of one table of a list, in file order.
pub type WrittenTable = Vec<(String, std::ops::Range<usize>)>;

/// One written leaf of the file: a value, or a whole list of tables.
#[derive(Clone, Debug)]
pub struct RawLeaf {
    /// Dotted path (`worker.startup`, `event`).
    pub path: String,
    /// Where the value (or the list's first table) is written.
    pub span: std::ops::Range<usize>,
    /// For a list of tables: each table's written `(key, span)` pairs.
    pub list: Option<Vec<WrittenTable>>,
}

impl RawLeaf {
    fn list<T: RawTable>(path: String, items: &[Spanned<T>]) -> RawLeaf {
        let tables = items
            .iter()
            .map(|t| {
                let mut fields = Vec::new();
                t.get_ref().leaves("", &mut fields);
                fields.sort_by_key(|f| f.span.start);
                fields
                    .into_iter()
                    .map(|f| (f.path.trim_start_matches('.').to_string(), f.span))
                    .collect()
            })
            .collect();
        RawLeaf {
            path,
            span: items.first().map_or(0..0, |t| t.span()),
            list: Some(tables),
        }
    }
}

/// The top-level keys, in documentation order.
pub const TOP_KEYS: &[&str] = &[
    "simulation",
    "org",
    "issuer",
    "directory",
    "auth_admin",
    "pool",
    "balancer",
    "worker",
    "server",
    "maintenance",
    "upgrade",
    "event",
    "clients",
    "history",
    "expect",
    "sweep",
    "variant",
];

/// Calls `$f!(field)` for every top-level table field of [`RawScenario`].
macro_rules! each_table {
    ($f:ident) => {
        $f!(simulation);
        $f!(org);
        $f!(issuer);
        $f!(directory);
        $f!(auth_admin);
        $f!(pool);
        $f!(balancer);
        $f!(worker);
        $f!(server);
        $f!(maintenance);
        $f!(upgrade);
        $f!(clients);
        $f!(history);
    };
}

impl RawScenario {
    /// Adds the tables of `piece`, a later part of the same file whose
    /// top-level keys other than `event` are not in `self`.
    pub(crate) fn absorb(&mut self, piece: RawScenario) {
        macro_rules! take {
            ($t:ident) => {
                if piece.$t.is_some() {
                    self.$t = piece.$t;
                }
            };
        }
        each_table!(take);
        if let Some(events) = piece.event {
            self.event.get_or_insert_with(Vec::new).extend(events);
        }
        if let Some(expect) = piece.expect {
            self.expect.get_or_insert_with(Vec::new).extend(expect);
        }
    }

    /// Every written leaf, in file order; lists of tables (`event`,
    /// `issuer.rollover`, `maintenance.window`) as one leaf each.
    pub fn leaves(&self) -> Vec<RawLeaf> {
        let mut out = Vec::new();
        macro_rules! visit {
            ($t:ident) => {
                if let Some(t) = &self.$t {
                    t.get_ref().leaves(stringify!($t), &mut out);
                }
            };
        }
        each_table!(visit);
        if let Some(items) = &self.event {
            out.push(RawLeaf::list("event".to_string(), items));
        }
        out.sort_by_key(|l| l.span.start);
        out
    }

    /// The file without the leaf at dotted `path` (as listed by [`Self::leaves`]).
    pub fn without(&self, path: &str) -> RawScenario {
        let mut out = self.clone();
        let (table, key) = path.split_once('.').unwrap_or((path, ""));
        macro_rules! clear {
            ($t:ident) => {
                if table == stringify!($t)
                    && let Some(t) = &mut out.$t
                {
                    t.get_mut().clear(key);
                }
            };
        }
        each_table!(clear);
        if path == "event" {
            out.event = None;
        }
        out
    }

    /// The file without its lists of tables: small however many events the
    /// file holds, and no other field resolves differently without them.
    pub fn without_lists(&self) -> RawScenario {
        RawScenario {
            event: None,
            expect: None,
            issuer: self.issuer.as_ref().map(|i| {
                let mut i = i.clone();
                i.get_mut().rollover = None;
                i
            }),
            maintenance: self.maintenance.as_ref().map(|m| {
                let mut m = m.clone();
                m.get_mut().window = None;
                m
            }),
            ..self.clone_without_lists_shallow()
        }
    }

    fn clone_without_lists_shallow(&self) -> RawScenario {
        RawScenario {
            simulation: self.simulation.clone(),
            org: self.org.clone(),
            issuer: None,
            directory: self.directory.clone(),
            auth_admin: self.auth_admin.clone(),
            pool: self.pool.clone(),
            balancer: self.balancer.clone(),
            worker: self.worker.clone(),
            server: self.server.clone(),
            maintenance: None,
            upgrade: self.upgrade.clone(),
            event: None,
            clients: self.clients.clone(),
            history: self.history.clone(),
            expect: None,
        }
    }

    /// Builds the raw file from the parsed document, recording every unknown
    /// key and every table of the wrong shape in `sink`.
    pub(crate) fn from_tree(tree: &DeTable<'_>, b: &mut Build<'_>) -> RawScenario {
        let mut raw = RawScenario::default();
        for (k, v) in tree.iter() {
            let key: &str = k.get_ref();
            let path = FieldPath::Name(key);
            match key {
                "simulation" => raw.simulation = table_of(v, path, b),
                "org" => raw.org = table_of(v, path, b),
                "issuer" => raw.issuer = table_of(v, path, b),
                "directory" => raw.directory = table_of(v, path, b),
                "auth_admin" => raw.auth_admin = table_of(v, path, b),
                "pool" => raw.pool = table_of(v, path, b),
                "balancer" => raw.balancer = table_of(v, path, b),
                "worker" => raw.worker = table_of(v, path, b),
                "server" => raw.server = table_of(v, path, b),
                "maintenance" => raw.maintenance = table_of(v, path, b),
                "upgrade" => raw.upgrade = table_of(v, path, b),
                "event" => raw.event = array_of_tables(v, path, b.event_base, b),
                "clients" => raw.clients = table_of(v, path, b),
                "history" => raw.history = table_of(v, path, b),
                "expect" => raw.expect = array_of_tables(v, path, 0, b),
                "sweep" | "variant" => {}
                _ => unknown_key(b, k, path, TOP_KEYS),
            }
        }
        raw
    }
}

/// Records an unknown key, with the closest valid key if one is close.
fn unknown_key(
    b: &mut Build<'_>,
    key: &Spanned<impl AsRef<str>>,
    path: FieldPath<'_>,
    keys: &[&str],
) {
    let written = key.get_ref().as_ref();
    let span = b.span(key.span());
    b.sink.push(Pending {
        kind: Kind::UnknownKey,
        span,
        field: Some(path.to_string()),
        message: format!("unknown key `{written}`"),
        expected: Some(format!("one of: {}", keys.join(", "))),
        suggestion: suggest::closest(written, keys.iter().copied()).map(|k| format!("`{k}`")),
    });
}

/// The fields of a table of type `T`.
fn build<T: RawTable>(table: &DeTable<'_>, path: FieldPath<'_>, b: &mut Build<'_>) -> T {
    let mut out = T::default();
    for (k, v) in table.iter() {
        let key: &str = k.get_ref();
        let child = FieldPath::Key(&path, key);
        if !out.set(key, v, child, b) {
            unknown_key(b, k, child, T::KEYS);
        }
    }
    out
}

/// A table `[T::PATH]` (or an inline table); anything else is a wrong type.
fn table_of<T: RawTable>(
    v: &Spanned<DeValue<'_>>,
    path: FieldPath<'_>,
    b: &mut Build<'_>,
) -> Option<Spanned<T>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(Spanned::new(b.span(v.span()), build(t, path, b))),
        other => {
            wrong_shape(b, v, path, other, format!("a table [{}]", T::PATH));
            None
        }
    }
}

/// An array of tables `[[T::PATH]]` (or an array of inline tables); `base`
/// numbers its first table.
fn array_of_tables<T: RawTable>(
    v: &Spanned<DeValue<'_>>,
    path: FieldPath<'_>,
    base: usize,
    b: &mut Build<'_>,
) -> Option<Vec<Spanned<T>>> {
    let expected = || format!("an array of tables [[{}]]", T::PATH);
    let DeValue::Array(items) = v.get_ref() else {
        wrong_shape(b, v, path, v.get_ref(), expected());
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = FieldPath::Index(&path, base + i);
        match item.get_ref() {
            DeValue::Table(t) => {
                out.push(Spanned::new(b.span(item.span()), build(t, item_path, b)))
            }
            other => wrong_shape(b, item, item_path, other, expected()),
        }
    }
    Some(out)
}

fn wrong_shape(
    b: &mut Build<'_>,
    v: &Spanned<DeValue<'_>>,
    path: FieldPath<'_>,
    found: &DeValue<'_>,
    expected: String,
) {
    let found = match found {
        DeValue::Array(a) if a.iter().all(|i| i.get_ref().is_table()) && !a.is_empty() => {
            "array of tables"
        }
        other => other.type_str(),
    };
    let span = b.span(v.span());
    b.sink.push(Pending {
        kind: Kind::WrongType,
        span,
        field: Some(path.to_string()),
        message: format!("wrong type: found {found}"),
        expected: Some(expected),
        suggestion: None,
    });
}

/// A parsed value as a [`RawValue`] with its span (shifted by `offset`).
fn raw_value(v: &Spanned<DeValue<'_>>, offset: usize) -> Spanned<RawValue> {
    let value = match v.get_ref() {
        DeValue::String(s) => RawValue::String(s.to_string()),
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) if i64::try_from(n).is_ok() => RawValue::Integer(n),
            Ok(n) => RawValue::HugeInteger(n.to_string()),
            Err(_) => RawValue::HugeInteger(i.to_string()),
        },
        // toml hands floats over in a form `f64::from_str` reads (`inf`,
        // `nan`, no `_`); an overflowing one (`1e999`) reads as infinite.
        DeValue::Float(x) => RawValue::Float(x.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => RawValue::Boolean(*b),
        DeValue::Datetime(d) => RawValue::Datetime(d.to_string()),
        DeValue::Array(items) => {
            RawValue::Array(items.iter().map(|i| raw_value(i, offset)).collect())
        }
        DeValue::Table(_) => RawValue::Table,
    };
    let span = v.span();
    Spanned::new(span.start + offset..span.end + offset, value)
}

/// The dotted path of the innermost key or value of `tree` whose span holds
/// byte `offset` (for errors found before or outside validation: an invalid
/// UTF-8 byte, a syntax error after a valid key).
pub(crate) fn field_at(tree: &DeTable<'_>, offset: usize) -> Option<String> {
    fn in_table(t: &DeTable<'_>, prefix: Option<&str>, offset: usize) -> Option<String> {
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let path = match prefix {
                Some(p) => format!("{p}.{key}"),
                None => key.to_string(),
            };
            let on_key = k.span().contains(&offset);
            let on_value = v.span().contains(&offset) || (v.span().end == offset && offset > 0);
            if let DeValue::Table(sub) = v.get_ref()
                && let Some(found) = in_table(sub, Some(&path), offset)
            {
                return Some(found);
            }
            if let DeValue::Array(items) = v.get_ref() {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    if let DeValue::Table(sub) = item.get_ref()
                        && let Some(found) = in_table(sub, Some(&item_path), offset)
                    {
                        return Some(found);
                    }
                    if item.span().contains(&offset) && !item.get_ref().is_table() {
                        return Some(item_path);
                    }
                }
            }
            if on_key || (on_value && !v.get_ref().is_table()) {
                return Some(path);
            }
        }
        None
    }
    in_table(tree, None, offset)
}

/// One step of a field path: a key or an array index.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `event[3].server` -> `event`, `3`, `server`.
fn steps(field: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some((index, tail)) = rest.split_once(']') {
            match index.parse() {
                Ok(i) => out.push(Step::Index(i)),
                Err(_) => return out,
            }
            rest = tail.strip_prefix('[').unwrap_or(tail);
        }
    }
    out
}

/// The span of `field` (`event[3].server`) in `tree`: the value's if it is
/// written, else that of the closest enclosing table or array that is
/// (its header), else `None`.
pub(crate) fn span_of(tree: &DeTable<'_>, field: &str) -> Option<std::ops::Range<usize>> {
    walk_to(tree, field).0
}

/// The span of `field` in `tree` if it is written there itself.
pub(crate) fn written_span(tree: &DeTable<'_>, field: &str) -> Option<std::ops::Range<usize>> {
    match walk_to(tree, field) {
        (span, true) => span,
        _ => None,
    }
}

/// The span of the deepest written part of `field`, and whether that is
/// the whole field.
fn walk_to(tree: &DeTable<'_>, field: &str) -> (Option<std::ops::Range<usize>>, bool) {
    let steps = steps(field);
    let mut reached = 0;
    let mut found = None;
    let mut table = Some(tree);
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for step in &steps {
        let next = match (step, table, current.map(|c| c.get_ref())) {
            (Step::Key(k), Some(t), _) => t.get(*k),
            (Step::Index(i), _, Some(DeValue::Array(items))) => items.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        found = Some(next.span());
        table = next.get_ref().as_table();
        current = Some(next);
        reached += 1;
    }
    (found, reached == steps.len() && reached > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> (RawScenario, Vec<String>) {
        let tree = DeTable::parse(text).unwrap();
        let mut sink = Collector::default();
        let raw = RawScenario::from_tree(tree.get_ref(), &mut Build::new(&mut sink));
        let messages = sink
            .finish(text, "t")
            .map(|d| d.list.iter().map(|d| d.to_string()).collect())
            .unwrap_or_default();
        (raw, messages)
    }

    #[test]
    fn raw_values_keep_element_spans() {
        let (raw, errors) = raw("[clients]\ndaily_profile = [1, 2.5, \"x\"]\n");
        assert!(errors.is_empty(), "{errors:?}");
        let profile = raw.clients.unwrap().into_inner().daily_profile.unwrap();
        let RawValue::Array(items) = profile.get_ref() else {
            panic!("not an array")
        };
        assert_eq!(items[0].get_ref(), &RawValue::Integer(1));
        assert_eq!(items[1].get_ref(), &RawValue::Float(2.5));
        assert_eq!(items[2].span(), 35..38);
    }

    #[test]
    fn datetimes_huge_integers_and_sweep() {
        let (raw, errors) = raw(
            "sweep = { a = [1, 99999999999999999999] }\n[simulation]\nname = 1979-05-27\n\
             seed = 18446744073709551616\nhorizon = 0xffffffffffffffffffffffffffffffffff\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let sim = raw.simulation.unwrap().into_inner();
        assert_eq!(
            sim.name.unwrap().get_ref(),
            &RawValue::Datetime("1979-05-27".to_string())
        );
        assert_eq!(
            sim.seed.unwrap().get_ref(),
            &RawValue::HugeInteger("18446744073709551616".to_string())
        );
        assert!(matches!(
            sim.horizon.unwrap().get_ref(),
            RawValue::HugeInteger(_)
        ));
    }

    #[test]
    fn every_unknown_key_and_wrong_shape_is_reported() {
        let (_, errors) = raw(
            "[worker]\nstartupp = 1\n[[event]]\nbegin = 2\n[[event]]\nat = 3\nzz = 4\n\
             [[org]]\n[bogus]\n",
        );
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(
            errors[0].starts_with(
                "t:2:1: worker.startupp: unknown key `startupp`; did you mean `startup`?"
            ),
            "{}",
            errors[0]
        );
        assert!(errors[1].starts_with("t:4:1: event[0].begin: unknown key `begin` (expected: one of: at, kind, server, app_pool, duration)"), "{}", errors[1]);
        assert!(
            errors[2].starts_with("t:7:1: event[1].zz: "),
            "{}",
            errors[2]
        );
        assert!(
            errors[3].starts_with(
                "t:8:1: org: wrong type: found array of tables (expected: a table [org])"
            ),
            "{}",
            errors[3]
        );
        assert!(
            errors[4].starts_with("t:9:2: bogus: unknown key"),
            "{}",
            errors[4]
        );
    }

    #[test]
    fn finds_the_span_of_a_field_or_its_table() {
        let text = "[a]\nb = 1\n[[c]]\nd = \"xyz\"\n[[c]]\n";
        let tree = DeTable::parse(text).unwrap();
        let at = |f: &str| span_of(tree.get_ref(), f).map(|s| &text[s]);
        assert_eq!(at("a.b"), Some("1"));
        assert_eq!(at("c[0].d"), Some("\"xyz\""));
        // Absent: the closest written ancestor.
        assert_eq!(at("c[1].d"), Some("[[c]]"));
        assert_eq!(at("a.zz"), Some("[a]"));
        assert_eq!(at("zz.y"), None);
    }

    #[test]
    fn finds_the_field_at_an_offset() {
        let text = "[a]\nb = 1\n[[c]]\nd = \"xyz\"\n";
        let tree = DeTable::parse(text).unwrap();
        assert_eq!(field_at(tree.get_ref(), 4).as_deref(), Some("a.b"));
        assert_eq!(field_at(tree.get_ref(), 8).as_deref(), Some("a.b"));
        assert_eq!(field_at(tree.get_ref(), 22).as_deref(), Some("c[0].d"));
        assert_eq!(field_at(tree.get_ref(), 0), None);
    }
}
