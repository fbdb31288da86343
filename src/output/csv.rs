//! CSV writers: records in, bytes out (columns defined in `docs/outputs.md`).
//!
//! Each writer is a pure function of its input so that the same runs always
//! give the same bytes; the caller writes them with [`super::atomic`]. Rows
//! follow the order of the `runs` slice and, within a run, the record order.
//! Times are integer milliseconds, `read_session` is `false|true`, floats have
//! a fixed number of decimals, line ends are `\n`, and a field is quoted only
//! when it contains a comma, a quote or a line break (app pool names come
//! from the user).
//!
//! Every per-run file starts with the run key `seed,replication,read_session`,
//! except `events.csv`, whose first columns are the event itself,
//! `time_ms,kind,server,app_pool,detail`; the run key follows
//! them, because a flag comparison always holds two runs (and usually many
//! replications), so the events of one file would be ambiguous without it. `timeline.csv` and `rollovers.csv` are our
//! additions: they hold what is needed to redraw the timeline chart from the
//! folder alone (`hmasim plot`).

use std::fmt::{self, Write as _};

use crate::metrics::{BucketRecord, RunId, RunResult, StateInterval, TraceRecord, WindowRecord};

/// The per-run metrics that `compare.csv` and `sweep_summary.csv`
/// summarise: the `runs.csv` columns from `requests` to `user_minutes`.
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

/// `runs.csv` columns: the run key, [`METRIC_COLUMNS`], `events`, `fingerprint`
/// (built from [`METRIC_COLUMNS`], so that the two lists cannot drift apart).
pub const RUNS_COLUMNS: [&str; 18] = {
    let mut columns = [""; 18];
    let key = ["scenario", "seed", "replication", "read_session"];
    let mut i = 0;
    while i < key.len() {
        columns[i] = key[i];
        i += 1;
    }
    let mut m = 0;
    while m < METRIC_COLUMNS.len() {
        columns[key.len() + m] = METRIC_COLUMNS[m];
        m += 1;
    }
    columns[16] = "events";
    columns[17] = "fingerprint";
    columns
};

/// `windows.csv` columns.
pub const WINDOWS_COLUMNS: [&str; 12] = [
    "seed",
    "replication",
    "read_session",
    "server",
    "app_pool",
    "start_ms",
    "end_ms",
    "duration_ms",
    "cause",
    "rollover",
    "rejected_requests",
    "users_affected",
];

/// `timeseries.csv` columns.
pub const TIMESERIES_COLUMNS: [&str; 9] = [
    "seed",
    "replication",
    "read_session",
    "bucket_start_ms",
    "requests",
    "rejected",
    "unavailable",
    "servers_in_pool",
    "workers_failing",
];

/// `events.csv` columns (the event's five, then the run key; see the module doc).
pub const EVENTS_COLUMNS: [&str; 8] = [
    "time_ms",
    "kind",
    "server",
    "app_pool",
    "detail",
    "seed",
    "replication",
    "read_session",
];

/// `timeline.csv` columns.
pub const TIMELINE_COLUMNS: [&str; 8] = [
    "seed",
    "replication",
    "read_session",
    "server",
    "app_pool",
    "state",
    "start_ms",
    "end_ms",
];

/// `rollovers.csv` columns.
pub const ROLLOVERS_COLUMNS: [&str; 7] = [
    "seed",
    "replication",
    "read_session",
    "key",
    "publish_ms",
    "sign_ms",
    "retire_previous_ms",
];

/// `runs.csv`: one row per run with its totals and window statistics.
pub fn runs_csv(scenario: &str, runs: &[&RunResult]) -> Vec<u8> {
    let mut w = CsvWriter::new(&RUNS_COLUMNS);
    for run in runs {
        let t = &run.totals;
        let counts = [
            t.requests,
            t.accepted,
            t.rejected,
            t.unavailable,
            run.windows.len() as u64,
            run.window_ms_total(),
            run.window_ms_max(),
            run.window_ms_percentile(50),
            run.window_ms_percentile(95),
            t.users_affected,
            t.episodes,
        ];
        runs_row(
            &mut w,
            scenario,
            &run.id,
            &counts,
            t.episode_ms_total,
            t.events,
            t.fingerprint,
        );
    }
    w.finish()
}

/// Appends one `runs.csv` row: `counts` are the first eleven
/// [`METRIC_COLUMNS`], `user_minutes` is `episode_ms_total / 60 000`.
pub(crate) fn runs_row(
    w: &mut CsvWriter,
    scenario: &str,
    id: &RunId,
    counts: &[u64; 11],
    episode_ms_total: u64,
    events: u64,
    fingerprint: u64,
) {
    let mut fields: Vec<&dyn fmt::Display> =
        vec![&scenario, &id.seed, &id.replication, &id.read_session];
    fields.extend(counts.iter().map(|c| c as &dyn fmt::Display));
    let user_minutes = format_args!("{:.3}", episode_ms_total as f64 / 60_000.0);
    let fingerprint = format_args!("{fingerprint:016x}");
    fields.extend([&user_minutes as &dyn fmt::Display, &events, &fingerprint]);
    w.row(&fields);
}

/// `windows.csv`: every failure window of every run.
pub fn windows_csv(runs: &[&RunResult]) -> Vec<u8> {
    let mut w = CsvWriter::new(&WINDOWS_COLUMNS);
    for run in runs {
        for win in &run.windows {
            window_row(&mut w, &run.id, win);
        }
    }
    w.finish()
}

/// Appends one `windows.csv` row of run `id`.
pub(crate) fn window_row(w: &mut CsvWriter, id: &RunId, win: &WindowRecord) {
    w.row(&[
        &id.seed,
        &id.replication,
        &id.read_session,
        &win.server,
        &win.app_pool,
        &win.start_ms,
        &win.end_ms,
        &win.duration_ms(),
        &win.cause.as_str(),
        &win.rollover,
        &win.rejected_requests,
        &win.users_affected,
    ]);
}

/// `timeseries.csv`: one row per bucket per run.
pub fn timeseries_csv(runs: &[&RunResult]) -> Vec<u8> {
    let mut w = CsvWriter::new(&TIMESERIES_COLUMNS);
    for run in runs {
        for b in &run.timeseries {
            bucket_row(&mut w, &run.id, b);
        }
    }
    w.finish()
}

/// Appends one `timeseries.csv` row of run `id`.
pub(crate) fn bucket_row(w: &mut CsvWriter, id: &RunId, b: &BucketRecord) {
    w.row(&[
        &id.seed,
        &id.replication,
        &id.read_session,
        &b.bucket_start_ms,
        &b.requests,
        &b.rejected,
        &b.unavailable,
        &b.servers_in_pool,
        &b.workers_failing,
    ]);
}

/// `events.csv` (`--trace`): the processed events of every run. The app pool
/// is written by name (`app_pools` is `pool.app_pools`, which the trace
/// indexes), like in `windows.csv`; an absent server or app pool is an empty
/// field.
pub fn events_csv(runs: &[&RunResult], app_pools: &[String]) -> Vec<u8> {
    let mut w = CsvWriter::new(&EVENTS_COLUMNS);
    for run in runs {
        for e in &run.trace {
            event_row(&mut w, &run.id, e, app_pools);
        }
    }
    w.finish()
}

/// Appends one `events.csv` row of run `id`.
pub(crate) fn event_row(w: &mut CsvWriter, id: &RunId, e: &TraceRecord, app_pools: &[String]) {
    w.row(&[
        &e.time_ms,
        &e.kind,
        &Opt(e.server),
        &Opt(e.app_pool.map(|i| PoolName(app_pools, i))),
        &e.detail,
        &id.seed,
        &id.replication,
        &id.read_session,
    ]);
}

/// `timeline.csv`: server and worker state intervals (for the timeline chart).
pub fn timeline_csv(runs: &[&RunResult]) -> Vec<u8> {
    let mut w = CsvWriter::new(&TIMELINE_COLUMNS);
    for run in runs {
        for s in &run.timeline {
            interval_row(&mut w, &run.id, s);
        }
    }
    w.finish()
}

/// Appends one `timeline.csv` row of run `id`.
pub(crate) fn interval_row(w: &mut CsvWriter, id: &RunId, s: &StateInterval) {
    w.row(&[
        &id.seed,
        &id.replication,
        &id.read_session,
        &s.server,
        &s.app_pool,
        &s.state.as_str(),
        &s.start_ms,
        &s.end_ms,
    ]);
}

/// `rollovers.csv`: the key rollovers each run saw (for the charts).
pub fn rollovers_csv(runs: &[&RunResult]) -> Vec<u8> {
    let mut w = CsvWriter::new(&ROLLOVERS_COLUMNS);
    for run in runs {
        rollover_rows(&mut w, &run.id, &run.rollovers);
    }
    w.finish()
}

/// Appends the `rollovers.csv` rows of run `id`.
pub(crate) fn rollover_rows(
    w: &mut CsvWriter,
    id: &RunId,
    rollovers: &[crate::metrics::RolloverRecord],
) {
    for r in rollovers {
        w.row(&[
            &id.seed,
            &id.replication,
            &id.read_session,
            &r.key,
            &r.publish_ms,
            &r.sign_ms,
            &r.retire_previous_ms,
        ]);
    }
}

/// An optional number: empty field when absent.
struct Opt<T>(Option<T>);

impl<T: fmt::Display> fmt::Display for Opt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => Ok(()),
        }
    }
}

/// An app pool index written as its name (the index itself if out of range).
struct PoolName<'a>(&'a [String], u32);

impl fmt::Display for PoolName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match usize::try_from(self.1).ok().and_then(|i| self.0.get(i)) {
            Some(name) => f.write_str(name),
            None => self.1.fmt(f),
        }
    }
}

/// Minimal RFC 4180 writer with `\n` line ends (also used for `sweep.csv`
/// and `sweep_summary.csv`, whose parameter values come from the user).
///
/// Hand-written rather than `csv::Writer` because every field here is
/// already text through `Display`; one reusable scratch buffer keeps the
/// large time series cheap.
pub(crate) struct CsvWriter {
    out: Vec<u8>,
    scratch: String,
}

impl CsvWriter {
    /// A writer whose first line is the header `columns`.
    pub(crate) fn new<S: AsRef<str>>(columns: &[S]) -> CsvWriter {
        let mut w = CsvWriter::rows_only();
        w.text_row(columns);
        w
    }

    /// A writer of rows without a header (one run's block of a file).
    pub(crate) fn rows_only() -> CsvWriter {
        CsvWriter {
            out: Vec::new(),
            scratch: String::new(),
        }
    }

    /// The bytes written so far (see [`CsvWriter::clear`]).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.out
    }

    /// Forgets the bytes written (keeps the buffers).
    pub(crate) fn clear(&mut self) {
        self.out.clear();
    }

    /// Appends one record of text fields.
    pub(crate) fn text_row<S: AsRef<str>>(&mut self, fields: &[S]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            push_field(&mut self.out, field.as_ref());
        }
        self.out.push(b'\n');
    }

    /// Appends one record, each field written with `Display`.
    pub(crate) fn row(&mut self, fields: &[&dyn fmt::Display]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.scratch.clear();
            // Writing to a String cannot fail.
            let _ = write!(self.scratch, "{field}");
            push_field(&mut self.out, &self.scratch);
        }
        self.out.push(b'\n');
    }

    /// The bytes written.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.out
    }
}

/// Appends one field, quoted (with doubled quotes) only when it needs it.
fn push_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::{
        BucketRecord, RolloverRecord, RunId, SpawnCause, StateInterval, StateKind, Totals,
        TraceRecord, WindowRecord,
    };

    /// A small hand-built run: two windows, two buckets, two intervals, one rollover, two events.
    pub(crate) fn sample_run(read_session: bool) -> RunResult {
        RunResult {
            id: RunId {
                seed: 7,
                replication: 2,
                read_session,
            },
            totals: Totals {
                requests: 1000,
                accepted: 990,
                rejected: 8,
                unavailable: 2,
                users_affected: 3,
                episodes: 4,
                episode_ms_total: 100_000,
                episode_ms_max: 60_000,
                events: 1234,
                fingerprint: 0xab,
            },
            windows: vec![
                WindowRecord {
                    server: 0,
                    app_pool: "ews".into(),
                    start_ms: 3_600_000,
                    end_ms: 3_602_000,
                    cause: SpawnCause::Initial,
                    rollover: 1,
                    rejected_requests: 1,
                    users_affected: 1,
                },
                WindowRecord {
                    server: 1,
                    app_pool: "my,pool".into(),
                    start_ms: 7_230_000,
                    end_ms: 9_032_000,
                    cause: SpawnCause::MaRecycle,
                    rollover: 1,
                    rejected_requests: 7,
                    users_affected: 2,
                },
            ],
            timeseries: vec![
                BucketRecord {
                    bucket_start_ms: 0,
                    requests: 600,
                    rejected: 0,
                    unavailable: 2,
                    servers_in_pool: 2,
                    workers_failing: 0,
                },
                BucketRecord {
                    bucket_start_ms: 60_000,
                    requests: 400,
                    rejected: 8,
                    unavailable: 0,
                    servers_in_pool: 1,
                    workers_failing: 1,
                },
            ],
            timeline: vec![
                StateInterval {
                    server: 1,
                    app_pool: String::new(),
                    state: StateKind::Maintenance,
                    start_ms: 100,
                    end_ms: 200,
                },
                StateInterval {
                    server: 1,
                    app_pool: "ews".into(),
                    state: StateKind::WorkerStarting,
                    start_ms: 200,
                    end_ms: 30_200,
                },
            ],
            rollovers: vec![RolloverRecord {
                key: 1,
                publish_ms: 3_600_000,
                sign_ms: 3_600_000,
                retire_previous_ms: 90_000_000,
            }],
            trace: vec![
                TraceRecord {
                    time_ms: 0,
                    kind: "rollover_sign",
                    server: None,
                    app_pool: None,
                    detail: "k1".into(),
                },
                TraceRecord {
                    time_ms: 5,
                    kind: "request_rejected",
                    server: Some(1),
                    app_pool: Some(0),
                    detail: "user \"3\"".into(),
                },
            ],
            wall_ms: 999,
        }
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn runs_csv_exact() {
        let (off, on) = (sample_run(false), sample_run(true));
        let got = text(runs_csv("demo", &[&off, &on]));
        assert_eq!(
            got,
            "scenario,seed,replication,read_session,requests,accepted,rejected,unavailable,windows,window_ms_total,window_ms_max,window_ms_p50,window_ms_p95,users_affected,episodes,user_minutes,events,fingerprint\n\
             demo,7,2,false,1000,990,8,2,2,1804000,1802000,2000,1802000,3,4,1.667,1234,00000000000000ab\n\
             demo,7,2,true,1000,990,8,2,2,1804000,1802000,2000,1802000,3,4,1.667,1234,00000000000000ab\n"
        );
    }

    #[test]
    fn runs_csv_quotes_scenario_and_handles_no_windows() {
        let mut run = sample_run(false);
        run.windows.clear();
        run.totals.episode_ms_total = 0;
        run.totals.fingerprint = u64::MAX;
        let got = text(runs_csv("a,\"b\"", &[&run]));
        assert_eq!(
            got.lines().nth(1).unwrap(),
            "\"a,\"\"b\"\"\",7,2,false,1000,990,8,2,0,0,0,0,0,3,4,0.000,1234,ffffffffffffffff"
        );
    }

    #[test]
    fn windows_csv_exact() {
        let run = sample_run(true);
        assert_eq!(
            text(windows_csv(&[&run])),
            "seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,rollover,rejected_requests,users_affected\n\
             7,2,true,0,ews,3600000,3602000,2000,initial,1,1,1\n\
             7,2,true,1,\"my,pool\",7230000,9032000,1802000,ma_recycle,1,7,2\n"
        );
    }

    #[test]
    fn timeseries_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(timeseries_csv(&[&run])),
            "seed,replication,read_session,bucket_start_ms,requests,rejected,unavailable,servers_in_pool,workers_failing\n\
             7,2,false,0,600,0,2,2,0\n\
             7,2,false,60000,400,8,0,1,1\n"
        );
    }

    #[test]
    fn events_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(events_csv(&[&run], &["ews".to_string()])),
            "time_ms,kind,server,app_pool,detail,seed,replication,read_session\n\
             0,rollover_sign,,,k1,7,2,false\n\
             5,request_rejected,1,ews,\"user \"\"3\"\"\",7,2,false\n"
        );
    }

    #[test]
    fn timeline_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(timeline_csv(&[&run])),
            "seed,replication,read_session,server,app_pool,state,start_ms,end_ms\n\
             7,2,false,1,,maintenance,100,200\n\
             7,2,false,1,ews,worker_starting,200,30200\n"
        );
    }

    #[test]
    fn rollovers_csv_exact() {
        let (off, on) = (sample_run(false), sample_run(true));
        assert_eq!(
            text(rollovers_csv(&[&off, &on])),
            "seed,replication,read_session,key,publish_ms,sign_ms,retire_previous_ms\n\
             7,2,false,1,3600000,3600000,90000000\n\
             7,2,true,1,3600000,3600000,90000000\n"
        );
    }

    #[test]
    fn empty_input_gives_header_only() {
        assert_eq!(
            text(rollovers_csv(&[])),
            "seed,replication,read_session,key,publish_ms,sign_ms,retire_previous_ms\n"
        );
    }
}
