//! The CSV tables, one serde record type per table: the single definition
//! of a table's columns (names, order, how each value is written) for the
//! writers ([`super::csv`], the experiment layer's summaries) and the
//! readers ([`super::read`]). A column is a field; its name is the field's
//! name ([`columns`]). `docs/outputs.md` documents every column.
//!
//! Value formats: integers as written by `Display`, `read_session` as
//! `false|true`, text quoted only when needed, an absent value (`None`) as an
//! empty field, computed non-integer numbers as [`Fixed`] (three decimals),
//! fingerprints as [`Hex`]. Strings are [`Cow`]s so that a writer borrows
//! and a reader owns.
//!
//! With `simulation.start` set, the per-run tables have a wall-clock column
//! ([`Utc`], named `*_utc`: [`is_wall_clock`]) after each millisecond one;
//! without a start these fields are `None`, not written, and left out of
//! the header ([`columns_at`]), so such folders stay as they were.
//!
//! Tables with a variable part (the swept keys of `sweep.csv` and
//! `sweep_summary_long.csv`) are a [`Swept`] prefix before a record type;
//! `sweep_summary.csv` and `compare.csv`, wide tables whose column names
//! are built from the metric names, name their columns with
//! [`wide_summary_column`] and [`compare_columns`].

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::metrics::{
    BucketRecord, RolloverRecord, RunId, SpawnCause, StateInterval, StateKind, TraceRecord,
    WindowRecord,
};
use crate::scenario::clock::WallClock;

/// The columns of the table whose rows are `T`, in order: the names of its
/// fields (read from `T`'s derived `Deserialize`, which lists them).
pub fn columns<T: de::DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The derived impl hands its field names to `deserialize_struct` and
    // stops at the error returned there.
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// A deserializer that only records the field names of a struct.
struct FieldNames<'c>(&'c mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// Whether `column` is a wall-clock column (`start_utc`, ...): written only
/// when the scenario has a `simulation.start`, and never required by a reader.
pub fn is_wall_clock(column: &str) -> bool {
    column.ends_with("_utc")
}

/// The columns of the table whose rows are `T`, without the wall-clock
/// ones unless `wall_clock` (the scenario has a start).
pub fn columns_at<T: de::DeserializeOwned>(wall_clock: bool) -> Vec<&'static str> {
    columns::<T>()
        .iter()
        .copied()
        .filter(|c| wall_clock || !is_wall_clock(c))
        .collect()
}

/// An instant in UTC, to the millisecond, always with three decimals
/// (`2026-06-01T04:00:00.000Z`): one width, so that the column sorts as
/// text in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc(pub jiff::Timestamp);

impl Utc {
    /// The instant `ms` after the start of `clock`, if there is a clock.
    pub fn of(clock: Option<&WallClock>, ms: u64) -> Option<Utc> {
        clock.map(|c| Utc(c.at(ms)))
    }
}

impl Serialize for Utc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:.3}", self.0))
    }
}

impl<'de> Deserialize<'de> for Utc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct UtcVisitor;
        impl Visitor<'_> for UtcVisitor {
            type Value = Utc;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Utc, E> {
                s.parse().map(Utc).map_err(|_| {
                    E::custom(format!(
                        "expected an RFC 3339 timestamp such as 2026-06-01T00:00:00.000Z, found `{s}`"
                    ))
                })
            }
        }
        d.deserialize_str(UtcVisitor)
    }
}

/// Decimals of every computed (non-integer) number in hmasim's CSVs.
pub const DECIMALS: usize = 3;

/// A float as written in CSVs: [`DECIMALS`] fixed decimals, no `-0.000`.
pub fn fixed(x: f64) -> String {
    let s = format!("{x:.DECIMALS$}");
    if s.starts_with('-') && s[1..].bytes().all(|b| b == b'0' || b == b'.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A computed number: written with [`fixed`], read back as any finite number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed(pub f64);

impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fixed(self.0))
    }
}

impl<'de> Deserialize<'de> for Fixed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = f64::deserialize(d)?;
        if x.is_finite() {
            Ok(Fixed(x))
        } else {
            Err(de::Error::custom(format!(
                "expected a finite number, found {x}"
            )))
        }
    }
}

/// A fingerprint: 16 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hex(pub u64);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:016x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HexVisitor;
        impl Visitor<'_> for HexVisitor {
            type Value = Hex;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("16 hex digits")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hex, E> {
                u64::from_str_radix(s, 16)
                    .map(Hex)
                    .map_err(|_| E::custom(format!("expected 16 hex digits, found `{s}`")))
            }
        }
        d.deserialize_str(HexVisitor)
    }
}

/// One `runs.csv` row: a run's totals and window statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunsCsv<'a> {
    /// `simulation.name`.
    pub scenario: Cow<'a, str>,
    /// Seed.
    pub seed: u64,
    /// Replication, 0-based.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
    /// Requests resolved after warm-up.
    pub requests: u64,
    /// Accepted.
    pub accepted: u64,
    /// Rejected (401).
    pub rejected: u64,
    /// Unavailable.
    pub unavailable: u64,
    /// Failure windows.
    pub windows: u64,
    /// Their total duration [ms].
    pub window_ms_total: u64,
    /// The longest [ms].
    pub window_ms_max: u64,
    /// Nearest-rank median duration [ms].
    pub window_ms_p50: u64,
    /// Nearest-rank 95th percentile duration [ms].
    pub window_ms_p95: u64,
    /// Users with a rejected request.
    pub users_affected: u64,
    /// Prompt-loop episodes.
    pub episodes: u64,
    /// User-minutes in prompt loops.
    pub user_minutes: Fixed,
    /// Events processed.
    pub events: u64,
    /// Hash of the processed event sequence.
    pub fingerprint: Hex,
}

/// The per-run metrics that `compare.csv`, `compare_summary.csv` and the
/// sweep summaries summarise: the [`RunsCsv`] columns from `requests` to
/// `user_minutes` (checked by a test).
pub const METRIC_COLUMNS: [&str; 12] = [
    "requests",
    "accepted",
    "rejected",
    "unavailable",
    "windows",
    "window_ms_total",
    "window_ms_max",
    "window_ms_p50",
    "window_ms_p95",
    "users_affected",
    "episodes",
    "user_minutes",
];

impl<'a> RunsCsv<'a> {
    /// The row of run `id` of `scenario`: `counts` are the first eleven
    /// [`METRIC_COLUMNS`], `user_minutes` is `episode_ms_total / 60 000`.
    pub fn new(
        scenario: &'a str,
        id: &RunId,
        counts: &[u64; 11],
        episode_ms_total: u64,
        events: u64,
        fingerprint: u64,
    ) -> Self {
        let [
            requests,
            accepted,
            rejected,
            unavailable,
            windows,
            window_ms_total,
            window_ms_max,
            window_ms_p50,
            window_ms_p95,
            users_affected,
            episodes,
        ] = *counts;
        RunsCsv {
            scenario: Cow::Borrowed(scenario),
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
            requests,
            accepted,
            rejected,
            unavailable,
            windows,
            window_ms_total,
            window_ms_max,
            window_ms_p50,
            window_ms_p95,
            users_affected,
            episodes,
            user_minutes: Fixed(episode_ms_total as f64 / 60_000.0),
            events,
            fingerprint: Hex(fingerprint),
        }
    }

    /// The run this row belongs to.
    pub fn id(&self) -> RunId {
        RunId {
            seed: self.seed,
            replication: self.replication,
            read_session: self.read_session,
        }
    }
}

/// One `windows.csv` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowsCsv<'a> {
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
    /// Server index.
    pub server: u32,
    /// App pool name.
    pub app_pool: Cow<'a, str>,
    /// First rejected request [ms].
    pub start_ms: u64,
    /// `start_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_utc: Option<Utc>,
    /// End [ms].
    pub end_ms: u64,
    /// `end_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_utc: Option<Utc>,
    /// `end_ms - start_ms`.
    pub duration_ms: u64,
    /// What spawned the process.
    pub cause: SpawnCause,
    /// The server had the update when the window opened. A folder written
    /// before this column existed had no update state: every server had it.
    #[serde(default = "had_the_update")]
    pub updated: bool,
    /// Index of the rejected key.
    pub rollover: u32,
    /// Rejections while the window was open.
    pub rejected_requests: u64,
    /// Distinct users among them.
    pub users_affected: u64,
}

/// `updated` of a `windows.csv` written before the column existed.
fn had_the_update() -> bool {
    true
}

impl<'a> WindowsCsv<'a> {
    /// Columns added after hmasim 0.1's first folders: readers accept a
    /// header without them (their fields have a serde default).
    pub const ADDED: [&'static str; 1] = ["updated"];

    /// The row of window `w` of run `id`.
    pub fn new(id: &RunId, w: &'a WindowRecord) -> Self {
        WindowsCsv {
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
            server: w.server,
            app_pool: Cow::Borrowed(&w.app_pool),
            start_ms: w.start_ms,
            start_utc: None,
            end_ms: w.end_ms,
            end_utc: None,
            duration_ms: w.duration_ms(),
            cause: w.cause,
            updated: w.updated,
            rollover: w.rollover,
            rejected_requests: w.rejected_requests,
            users_affected: w.users_affected,
        }
    }

    /// With the wall-clock columns of `clock`, if any.
    pub fn at(mut self, clock: Option<&WallClock>) -> Self {
        self.start_utc = Utc::of(clock, self.start_ms);
        self.end_utc = Utc::of(clock, self.end_ms);
        self
    }

    /// The run and the window (`duration_ms` is implied by the bounds).
    pub fn into_parts(self) -> (RunId, WindowRecord) {
        let id = key(self.seed, self.replication, self.read_session);
        let w = WindowRecord {
            server: self.server,
            app_pool: self.app_pool.into_owned(),
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            cause: self.cause,
            updated: self.updated,
            rollover: self.rollover,
            rejected_requests: self.rejected_requests,
            users_affected: self.users_affected,
        };
        (id, w)
    }
}

/// One `timeseries.csv` row: a bucket of one run. The two gauge columns
/// are an extreme over the bucket, and named so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeseriesCsv {
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
    /// Bucket start [ms].
    pub bucket_start_ms: u64,
    /// `bucket_start_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_start_utc: Option<Utc>,
    /// Requests resolved in the bucket.
    pub requests: u64,
    /// Of which rejected.
    pub rejected: u64,
    /// Of which unavailable.
    pub unavailable: u64,
    /// Fewest servers in the pool at any instant of the bucket.
    pub servers_in_pool_min: u32,
    /// Most workers with an open failure window at any instant of the bucket.
    pub workers_failing_max: u32,
}

impl TimeseriesCsv {
    /// The names these columns had before they said min and max (hmasim
    /// 0.1 folders up to the rename), as (old, new): readers accept them.
    pub const RENAMED: [(&str, &str); 2] = [
        ("servers_in_pool", "servers_in_pool_min"),
        ("workers_failing", "workers_failing_max"),
    ];

    /// The row of bucket `b` of run `id`.
    pub fn new(id: &RunId, b: &BucketRecord) -> Self {
        TimeseriesCsv {
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
            bucket_start_ms: b.bucket_start_ms,
            bucket_start_utc: None,
            requests: b.requests,
            rejected: b.rejected,
            unavailable: b.unavailable,
            servers_in_pool_min: b.servers_in_pool,
            workers_failing_max: b.workers_failing,
        }
    }

    /// With the wall-clock column of `clock`, if any.
    pub fn at(mut self, clock: Option<&WallClock>) -> Self {
        self.bucket_start_utc = Utc::of(clock, self.bucket_start_ms);
        self
    }

    /// The run and the bucket.
    pub fn into_parts(self) -> (RunId, BucketRecord) {
        let id = key(self.seed, self.replication, self.read_session);
        let b = BucketRecord {
            bucket_start_ms: self.bucket_start_ms,
            requests: self.requests,
            rejected: self.rejected,
            unavailable: self.unavailable,
            servers_in_pool: self.servers_in_pool_min,
            workers_failing: self.workers_failing_max,
        };
        (id, b)
    }
}

/// One `timeline.csv` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCsv<'a> {
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
    /// Server index.
    pub server: u32,
    /// App pool name for worker states, empty for server states.
    pub app_pool: Cow<'a, str>,
    /// The state.
    pub state: StateKind,
    /// Start [ms].
    pub start_ms: u64,
    /// `start_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_utc: Option<Utc>,
    /// End [ms].
    pub end_ms: u64,
    /// `end_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_utc: Option<Utc>,
}

impl<'a> TimelineCsv<'a> {
    /// The row of interval `s` of run `id`.
    pub fn new(id: &RunId, s: &'a StateInterval) -> Self {
        TimelineCsv {
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
            server: s.server,
            app_pool: Cow::Borrowed(&s.app_pool),
            state: s.state,
            start_ms: s.start_ms,
            start_utc: None,
            end_ms: s.end_ms,
            end_utc: None,
        }
    }

    /// With the wall-clock columns of `clock`, if any.
    pub fn at(mut self, clock: Option<&WallClock>) -> Self {
        self.start_utc = Utc::of(clock, self.start_ms);
        self.end_utc = Utc::of(clock, self.end_ms);
        self
    }

    /// The run and the interval.
    pub fn into_parts(self) -> (RunId, StateInterval) {
        let id = key(self.seed, self.replication, self.read_session);
        let s = StateInterval {
            server: self.server,
            app_pool: self.app_pool.into_owned(),
            state: self.state,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
        };
        (id, s)
    }
}

/// One `rollovers.csv` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloversCsv {
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
    /// n of key kn.
    pub key: u32,
    /// kn entered the metadata [ms].
    pub publish_ms: u64,
    /// `publish_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_utc: Option<Utc>,
    /// kn starts signing [ms].
    pub sign_ms: u64,
    /// `sign_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_utc: Option<Utc>,
    /// k(n-1) leaves the metadata [ms].
    pub retire_previous_ms: u64,
    /// `retire_previous_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retire_previous_utc: Option<Utc>,
}

impl RolloversCsv {
    /// The row of rollover `r` of run `id`.
    pub fn new(id: &RunId, r: &RolloverRecord) -> Self {
        RolloversCsv {
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
            key: r.key,
            publish_ms: r.publish_ms,
            publish_utc: None,
            sign_ms: r.sign_ms,
            sign_utc: None,
            retire_previous_ms: r.retire_previous_ms,
            retire_previous_utc: None,
        }
    }

    /// With the wall-clock columns of `clock`, if any.
    pub fn at(mut self, clock: Option<&WallClock>) -> Self {
        self.publish_utc = Utc::of(clock, self.publish_ms);
        self.sign_utc = Utc::of(clock, self.sign_ms);
        self.retire_previous_utc = Utc::of(clock, self.retire_previous_ms);
        self
    }

    /// The run and the rollover.
    pub fn into_parts(self) -> (RunId, RolloverRecord) {
        let id = key(self.seed, self.replication, self.read_session);
        let r = RolloverRecord {
            key: self.key,
            publish_ms: self.publish_ms,
            sign_ms: self.sign_ms,
            retire_previous_ms: self.retire_previous_ms,
        };
        (id, r)
    }
}

/// One `events.csv` row (`--trace`): the event first, then the run key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsCsv<'a> {
    /// When [ms].
    pub time_ms: u64,
    /// `time_ms` in UTC (with a start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_utc: Option<Utc>,
    /// Event kind.
    pub kind: Cow<'a, str>,
    /// The server concerned, if any.
    pub server: Option<u32>,
    /// The app pool (by name) of the worker concerned, if any.
    pub app_pool: Option<Cow<'a, str>>,
    /// Detail.
    pub detail: Cow<'a, str>,
    /// Seed.
    pub seed: u64,
    /// Replication.
    pub replication: u32,
    /// The flag.
    pub read_session: bool,
}

impl<'a> EventsCsv<'a> {
    /// The row of traced event `e` of run `id`; `app_pools` names the
    /// trace's app pool indices (an index out of range is written as the
    /// number).
    pub fn new(id: &RunId, e: &'a TraceRecord, app_pools: &'a [String]) -> Self {
        let app_pool =
            e.app_pool.map(
                |i| match usize::try_from(i).ok().and_then(|i| app_pools.get(i)) {
                    Some(name) => Cow::Borrowed(name.as_str()),
                    None => Cow::Owned(i.to_string()),
                },
            );
        EventsCsv {
            time_ms: e.time_ms,
            time_utc: None,
            kind: Cow::Borrowed(e.kind),
            server: e.server,
            app_pool,
            detail: Cow::Borrowed(&e.detail),
            seed: id.seed,
            replication: id.replication,
            read_session: id.read_session,
        }
    }

    /// The run this row belongs to.
    pub fn id(&self) -> RunId {
        key(self.seed, self.replication, self.read_session)
    }

    /// With the wall-clock column of `clock`, if any.
    pub fn at(mut self, clock: Option<&WallClock>) -> Self {
        self.time_utc = Utc::of(clock, self.time_ms);
        self
    }
}

fn key(seed: u64, replication: u32, read_session: bool) -> RunId {
    RunId {
        seed,
        replication,
        read_session,
    }
}

/// One `compare_summary.csv` row: the paired differences `off − on` of one
/// metric over a point's pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareSummaryCsv<'a> {
    /// The metric (a `runs.csv` column from `requests` to `user_minutes`).
    pub metric: Cow<'a, str>,
    /// Pairs.
    pub n: u64,
    /// Mean difference.
    pub mean: Option<Fixed>,
    /// Sample standard deviation (empty for one pair).
    pub sd: Option<Fixed>,
    /// 95% Student t interval of the mean, low bound (empty for one pair).
    pub ci_low: Option<Fixed>,
    /// High bound.
    pub ci_high: Option<Fixed>,
    /// Share of pairs with `off − on > 0`.
    pub share_helped: Fixed,
}

/// Which way a metric is better, for ranking variants: `lower` for every
/// `runs.csv` metric but `accepted` (`higher`: requests served) and
/// `requests` (none: the load, whose differences are retries that the
/// other metrics already count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// A lower value is better.
    Lower,
    /// A higher value is better.
    Higher,
}

impl Better {
    /// The direction of a `runs.csv` metric (a [`METRIC_COLUMNS`] name).
    pub fn of_metric(metric: &str) -> Option<Better> {
        match metric {
            "requests" => None,
            "accepted" => Some(Better::Higher),
            _ => Some(Better::Lower),
        }
    }

    /// Whether the difference `d` (a variant minus the reference) is an
    /// improvement.
    pub fn improved(self, d: f64) -> bool {
        match self {
            Better::Lower => d < 0.0,
            Better::Higher => d > 0.0,
        }
    }
}

/// One `variants.csv` row: one metric of one variant, with the paired
/// difference against the first variant (the reference) of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantsCsv<'a> {
    /// The variant's name.
    pub variant: Cow<'a, str>,
    /// Its flag value.
    pub read_session: bool,
    /// Its rank by mean user-minutes in prompt loops, 1 = fewest (ties in
    /// file order); the same on all its rows.
    pub rank: u64,
    /// The metric (a `runs.csv` column from `requests` to `user_minutes`).
    pub metric: Cow<'a, str>,
    /// Which way the metric is better (empty for `requests`).
    pub better: Option<Better>,
    /// Runs of the variant (its replications).
    pub n: u64,
    /// Mean per run.
    pub mean: Option<Fixed>,
    /// 95% Student t interval of the mean, low bound (empty for one run).
    pub ci_low: Option<Fixed>,
    /// High bound.
    pub ci_high: Option<Fixed>,
    /// Mean paired difference variant − reference over the replications
    /// both ran (empty for the reference itself).
    pub diff_mean: Option<Fixed>,
    /// 95% Student t interval of the mean difference, low bound (empty for
    /// the reference and for one pair).
    pub diff_ci_low: Option<Fixed>,
    /// High bound.
    pub diff_ci_high: Option<Fixed>,
    /// Share of those replications in which the variant did better than the
    /// reference (empty for the reference and for `requests`).
    pub share_better: Option<Fixed>,
}

/// Which runs a sweep summary value is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The point's flag-off runs.
    Off,
    /// The point's flag-on runs.
    On,
    /// The paired differences off − on.
    Saved,
}

impl Group {
    /// Every group, in column order.
    pub const ALL: [Group; 3] = [Group::Off, Group::On, Group::Saved];

    /// The name written in CSVs.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Off => "off",
            Group::On => "on",
            Group::Saved => "saved",
        }
    }
}

/// The record part of a `sweep_summary_long.csv` row (after `point` and
/// the swept keys: see [`Swept`]): one metric of one group at one point.
/// A group that did not run has no row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummaryLongCsv<'a> {
    /// The metric (a `runs.csv` column from `requests` to `user_minutes`).
    pub metric: Cow<'a, str>,
    /// `off`, `on` or `saved`.
    pub group: Group,
    /// Mean over the group's runs (or pairs).
    pub mean: Fixed,
    /// 95% Student t interval, low bound (empty with one replication).
    pub ci_low: Option<Fixed>,
    /// High bound.
    pub ci_high: Option<Fixed>,
}

/// A row of a sweep table: `point`, one value per swept key, then the
/// columns of `T` (the keys vary from sweep to sweep, so they cannot be
/// fields).
#[derive(Clone, Debug, PartialEq)]
pub struct Swept<'a, T> {
    /// Sweep point index.
    pub point: u64,
    /// The swept keys' values, as written.
    pub values: Cow<'a, [String]>,
    /// The rest of the row.
    pub row: T,
}

impl<T: Serialize> Serialize for Swept<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A CSV record writes nested sequences and structs as consecutive fields.
        (self.point, &*self.values, &self.row).serialize(s)
    }
}

/// The first column of a [`Swept`] table.
pub const POINT_COLUMN: &str = "point";

/// A row of a variant's table: `variant`, then the columns of `T` (the
/// `runs.csv` of a scenario with `[[variant]]` tables names each run's
/// variant, so that the variants' files can be put together).
#[derive(Clone, Debug, PartialEq)]
pub struct OfVariant<'a, T> {
    /// The variant's name.
    pub variant: Cow<'a, str>,
    /// The rest of the row.
    pub row: T,
}

impl<T: Serialize> Serialize for OfVariant<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&*self.variant, &self.row).serialize(s)
    }
}

/// The first column of an [`OfVariant`] table, and of `variants.csv`.
pub const VARIANT_COLUMN: &str = "variant";

/// The header of an [`OfVariant`] table whose rows end with `T`.
pub fn variant_columns<T: de::DeserializeOwned>() -> Vec<String> {
    let mut header = vec![VARIANT_COLUMN.to_string()];
    header.extend(columns::<T>().iter().map(|c| c.to_string()));
    header
}

/// The header of a [`Swept`] table over `keys` whose rows end with `T`.
pub fn swept_columns<T: de::DeserializeOwned>(keys: &[String]) -> Vec<String> {
    let mut header = vec![POINT_COLUMN.to_string()];
    header.extend(keys.iter().cloned());
    header.extend(columns::<T>().iter().map(|c| c.to_string()));
    header
}

/// The parts of a `sweep_summary.csv` column after the metric and group.
pub const WIDE_PARTS: [&str; 3] = ["mean", "ci_low", "ci_high"];

/// The `sweep_summary.csv` column of `metric`, `group` and `part` (one of
/// [`WIDE_PARTS`]): `{metric}_{group}_{part}`.
pub fn wide_summary_column(metric: &str, group: Group, part: &str) -> String {
    format!("{metric}_{}_{part}", group.as_str())
}

/// The column after the swept keys of `sweep_summary.csv`.
pub const REPLICATIONS_COLUMN: &str = "replications";

/// The header of `sweep_summary.csv` for the swept `keys` and `metrics`:
/// `point`, the keys, `replications`, then per metric and group the
/// [`WIDE_PARTS`].
pub fn wide_summary_columns(keys: &[String], metrics: &[&str]) -> Vec<String> {
    let mut header = vec![POINT_COLUMN.to_string()];
    header.extend(keys.iter().cloned());
    header.push(REPLICATIONS_COLUMN.into());
    for m in metrics {
        for g in Group::ALL {
            header.extend(WIDE_PARTS.iter().map(|p| wide_summary_column(m, g, p)));
        }
    }
    header
}

/// The first three columns of `compare.csv`, before one column per metric.
pub const COMPARE_KEY_COLUMNS: [&str; 3] = ["row", "seed", "replication"];

/// The header of `compare.csv` for `metrics`.
pub fn compare_columns(metrics: &[&str]) -> Vec<String> {
    let mut header: Vec<String> = COMPARE_KEY_COLUMNS.iter().map(|c| c.to_string()).collect();
    header.extend(metrics.iter().map(|m| m.to_string()));
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_field_names_in_order() {
        assert_eq!(
            columns::<RolloversCsv>(),
            [
                "seed",
                "replication",
                "read_session",
                "key",
                "publish_ms",
                "publish_utc",
                "sign_ms",
                "sign_utc",
                "retire_previous_ms",
                "retire_previous_utc"
            ]
        );
        // Without a start, the wall-clock columns are left out.
        assert_eq!(
            columns_at::<RolloversCsv>(false),
            [
                "seed",
                "replication",
                "read_session",
                "key",
                "publish_ms",
                "sign_ms",
                "retire_previous_ms"
            ]
        );
        assert_eq!(
            columns_at::<TimeseriesCsv>(true)[3..5],
            ["bucket_start_ms", "bucket_start_utc"]
        );
        assert_eq!(
            columns::<SweepSummaryLongCsv>(),
            ["metric", "group", "mean", "ci_low", "ci_high"]
        );
        // Not a struct: no columns.
        assert!(columns::<u64>().is_empty());
    }

    #[test]
    fn each_wall_clock_column_follows_its_millisecond_column() {
        let tables = [
            columns::<WindowsCsv>(),
            columns::<TimeseriesCsv>(),
            columns::<TimelineCsv>(),
            columns::<RolloversCsv>(),
            columns::<EventsCsv>(),
        ];
        let mut seen = 0;
        for cols in tables {
            for (i, c) in cols.iter().enumerate().filter(|(_, c)| is_wall_clock(c)) {
                let ms = c.replace("_utc", "_ms");
                assert_eq!(cols[i - 1], ms, "{cols:?}");
                seen += 1;
            }
            // Every millisecond instant has one (durations do not).
            for c in cols
                .iter()
                .filter(|c| c.ends_with("_ms") && **c != "duration_ms")
            {
                assert!(cols.contains(&c.replace("_ms", "_utc").as_str()), "{c}");
            }
        }
        assert_eq!(seen, 9);
        assert!(!columns::<RunsCsv>().iter().any(|c| is_wall_clock(c)));
    }

    #[test]
    fn the_metrics_are_the_runs_columns_from_requests_to_user_minutes() {
        let runs = columns::<RunsCsv>();
        let at = runs.iter().position(|c| *c == "requests").unwrap();
        assert_eq!(runs[at..at + METRIC_COLUMNS.len()], METRIC_COLUMNS);
        assert_eq!(runs[at + METRIC_COLUMNS.len() - 1], "user_minutes");
    }

    #[test]
    fn fixed_has_no_negative_zero() {
        assert_eq!(fixed(-0.0001), "0.000");
        assert_eq!(fixed(-1.5), "-1.500");
        assert_eq!(fixed(1_800_000.0), "1800000.000");
    }

    #[test]
    fn wide_columns() {
        let keys = ["pool.servers".to_string()];
        let h = wide_summary_columns(&keys, &["requests", "user_minutes"]);
        assert_eq!(h.len(), 3 + 2 * 9);
        assert_eq!(
            h[..4],
            ["point", "pool.servers", "replications", "requests_off_mean"]
        );
        assert_eq!(
            h.last().map(String::as_str),
            Some("user_minutes_saved_ci_high")
        );
    }
}
