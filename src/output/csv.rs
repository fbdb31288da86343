//! CSV writers: records in, bytes out. Each table's columns are its record
//! type in [`super::table`] (documented in `docs/outputs.md`).
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
//! replications), so the events of one file would be ambiguous without it.
//! With a `simulation.start` (`clock`), each millisecond column of a
//! per-run file is followed by its UTC timestamp (`start_utc`, ...); without
//! one the files are as they always were. `timeline.csv` and `rollovers.csv` are our
//! additions: they hold what is needed to redraw the timeline chart from the
//! folder alone (`hmasim plot`).

use std::cell::RefCell;
use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use super::table::METRIC_COLUMNS;
use super::table::{
    EventsCsv, RolloversCsv, RunsCsv, TimelineCsv, TimeseriesCsv, WindowsCsv, columns, columns_at,
};
use crate::metrics::{BucketRecord, RunId, RunResult, StateInterval, TraceRecord, WindowRecord};
use crate::scenario::clock::WallClock;

/// The header line of the table whose rows are `T`.
pub fn header<T: DeserializeOwned>() -> io::Result<Vec<u8>> {
    CsvWriter::new(columns::<T>()).finish()
}

/// A whole table: the header of `T`, then `rows` (without wall-clock
/// columns).
pub fn table<T: Serialize + DeserializeOwned>(
    rows: impl IntoIterator<Item = T>,
) -> io::Result<Vec<u8>> {
    table_at(None, rows)
}

/// A whole table whose rows have the wall-clock columns of `clock`.
fn table_at<T: Serialize + DeserializeOwned>(
    clock: Option<&WallClock>,
    rows: impl IntoIterator<Item = T>,
) -> io::Result<Vec<u8>> {
    let mut w = CsvWriter::new(&columns_at::<T>(clock.is_some()));
    for row in rows {
        w.record(&row);
    }
    w.finish()
}

/// `runs.csv`: one row per run with its totals and window statistics.
pub fn runs_csv(scenario: &str, runs: &[&RunResult]) -> io::Result<Vec<u8>> {
    table(runs.iter().map(|run| {
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
        RunsCsv::new(
            scenario,
            &run.id,
            &counts,
            t.episode_ms_total,
            t.events,
            t.fingerprint,
        )
    }))
}

/// `windows.csv`: every failure window of every run.
pub fn windows_csv(runs: &[&RunResult], clock: Option<&WallClock>) -> io::Result<Vec<u8>> {
    table_at(
        clock,
        runs.iter().flat_map(|run| {
            run.windows
                .iter()
                .map(|w| WindowsCsv::new(&run.id, w).at(clock))
        }),
    )
}

/// Appends one `windows.csv` row of run `id`.
pub(crate) fn window_row(
    w: &mut CsvWriter,
    id: &RunId,
    win: &WindowRecord,
    clock: Option<&WallClock>,
) {
    w.record(&WindowsCsv::new(id, win).at(clock));
}

/// `timeseries.csv`: one row per bucket per run.
pub fn timeseries_csv(runs: &[&RunResult], clock: Option<&WallClock>) -> io::Result<Vec<u8>> {
    table_at(
        clock,
        runs.iter().flat_map(|run| {
            run.timeseries
                .iter()
                .map(|b| TimeseriesCsv::new(&run.id, b).at(clock))
        }),
    )
}

/// Appends one `timeseries.csv` row of run `id`.
pub(crate) fn bucket_row(
    w: &mut CsvWriter,
    id: &RunId,
    b: &BucketRecord,
    clock: Option<&WallClock>,
) {
    w.record(&TimeseriesCsv::new(id, b).at(clock));
}

/// `events.csv` (`--trace`): the processed events of every run. The app pool
/// is written by name (`app_pools` is `pool.app_pools`, which the trace
/// indexes), like in `windows.csv`; an absent server or app pool is an empty
/// field.
pub fn events_csv(
    runs: &[&RunResult],
    app_pools: &[String],
    clock: Option<&WallClock>,
) -> io::Result<Vec<u8>> {
    table_at(
        clock,
        runs.iter().flat_map(|run| {
            run.trace
                .iter()
                .map(|e| EventsCsv::new(&run.id, e, app_pools).at(clock))
        }),
    )
}

/// Appends one `events.csv` row of run `id`.
pub(crate) fn event_row(
    w: &mut CsvWriter,
    id: &RunId,
    e: &TraceRecord,
    app_pools: &[String],
    clock: Option<&WallClock>,
) {
    w.record(&EventsCsv::new(id, e, app_pools).at(clock));
}

/// `timeline.csv`: server and worker state intervals (for the timeline chart).
pub fn timeline_csv(runs: &[&RunResult], clock: Option<&WallClock>) -> io::Result<Vec<u8>> {
    table_at(
        clock,
        runs.iter().flat_map(|run| {
            run.timeline
                .iter()
                .map(|s| TimelineCsv::new(&run.id, s).at(clock))
        }),
    )
}

/// Appends one `timeline.csv` row of run `id`.
pub(crate) fn interval_row(
    w: &mut CsvWriter,
    id: &RunId,
    s: &StateInterval,
    clock: Option<&WallClock>,
) {
    w.record(&TimelineCsv::new(id, s).at(clock));
}

/// `rollovers.csv`: the key rollovers each run saw (for the charts).
pub fn rollovers_csv(runs: &[&RunResult], clock: Option<&WallClock>) -> io::Result<Vec<u8>> {
    table_at(
        clock,
        runs.iter().flat_map(|run| {
            run.rollovers
                .iter()
                .map(|r| RolloversCsv::new(&run.id, r).at(clock))
        }),
    )
}

/// Appends the `rollovers.csv` rows of run `id`.
pub(crate) fn rollover_rows(
    w: &mut CsvWriter,
    id: &RunId,
    rollovers: &[crate::metrics::RolloverRecord],
    clock: Option<&WallClock>,
) {
    for r in rollovers {
        w.record(&RolloversCsv::new(id, r).at(clock));
    }
}

/// Writes CSV records with the conventions of the module doc (the `csv`
/// crate with `\n` line ends, quoting only where needed), into memory.
///
/// Writing to memory cannot fail for hmasim's record types; should a
/// record not serialize (a type the CSV format cannot hold), the first
/// error is kept and returned by [`CsvWriter::drain`] or
/// [`CsvWriter::finish`] instead of broken bytes.
pub(crate) struct CsvWriter {
    inner: csv::Writer<Buffer>,
    error: Option<csv::Error>,
}

/// The bytes a [`CsvWriter`] wrote: behind a `RefCell` because
/// `csv::Writer` lends its writer only by shared reference, and a writer
/// formatting one row at a time (a run's spill files) must empty it
/// between rows rather than grow it.
#[derive(Default)]
struct Buffer(RefCell<Vec<u8>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.get_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
        let inner = csv::WriterBuilder::new()
            .has_headers(false)
            // Each table's width is its record type's; sweep tables add
            // their keys, the same for every row.
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Buffer::default());
        CsvWriter { inner, error: None }
    }

    fn keep(&mut self, result: csv::Result<()>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// Appends one record (a table's record type, see [`super::table`]).
    pub(crate) fn record<T: Serialize>(&mut self, row: &T) {
        let result = self.inner.serialize(row);
        self.keep(result);
    }

    /// Appends one record of text fields.
    pub(crate) fn text_row<S: AsRef<str>>(&mut self, fields: &[S]) {
        let result = self.inner.write_record(fields.iter().map(AsRef::as_ref));
        self.keep(result);
    }

    /// Hands the bytes written since the last drain (or clear) to `f` and
    /// forgets them; the first error instead, if there was one.
    pub(crate) fn drain<R>(&mut self, f: impl FnOnce(&[u8]) -> io::Result<R>) -> io::Result<R> {
        if let Some(e) = self.error.take() {
            self.clear();
            return Err(e.into());
        }
        self.inner.flush()?;
        let mut bytes = self.inner.get_ref().0.borrow_mut();
        let result = f(&bytes);
        bytes.clear();
        result
    }

    /// Forgets the bytes written (keeps the buffers).
    pub(crate) fn clear(&mut self) {
        let result = self.inner.flush().map_err(csv::Error::from);
        self.keep(result);
        self.inner.get_ref().0.borrow_mut().clear();
    }

    /// The bytes written, or the first error.
    pub(crate) fn finish(mut self) -> io::Result<Vec<u8>> {
        if let Some(e) = self.error.take() {
            return Err(e.into());
        }
        let buffer = self
            .inner
            .into_inner()
            .map_err(|e| io::Error::other(e.error().to_string()))?;
        Ok(buffer.0.into_inner())
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
                fast_forwarded_ms: 0,
            },
            windows: vec![
                WindowRecord {
                    server: 0,
                    app_pool: "ews".into(),
                    start_ms: 3_600_000,
                    end_ms: 3_602_000,
                    cause: SpawnCause::Initial,
                    updated: true,
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
                    updated: false,
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

    fn text(bytes: io::Result<Vec<u8>>) -> String {
        String::from_utf8(bytes.unwrap()).unwrap()
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
            text(windows_csv(&[&run], None)),
            "seed,replication,read_session,server,app_pool,start_ms,end_ms,duration_ms,cause,updated,rollover,rejected_requests,users_affected\n\
             7,2,true,0,ews,3600000,3602000,2000,initial,true,1,1,1\n\
             7,2,true,1,\"my,pool\",7230000,9032000,1802000,ma_recycle,false,1,7,2\n"
        );
    }

    #[test]
    fn timeseries_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(timeseries_csv(&[&run], None)),
            "seed,replication,read_session,bucket_start_ms,requests,rejected,unavailable,servers_in_pool_min,workers_failing_max\n\
             7,2,false,0,600,0,2,2,0\n\
             7,2,false,60000,400,8,0,1,1\n"
        );
    }

    #[test]
    fn events_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(events_csv(&[&run], &["ews".to_string()], None)),
            "time_ms,kind,server,app_pool,detail,seed,replication,read_session\n\
             0,rollover_sign,,,k1,7,2,false\n\
             5,request_rejected,1,ews,\"user \"\"3\"\"\",7,2,false\n"
        );
    }

    #[test]
    fn timeline_csv_exact() {
        let run = sample_run(false);
        assert_eq!(
            text(timeline_csv(&[&run], None)),
            "seed,replication,read_session,server,app_pool,state,start_ms,end_ms\n\
             7,2,false,1,,maintenance,100,200\n\
             7,2,false,1,ews,worker_starting,200,30200\n"
        );
    }

    #[test]
    fn rollovers_csv_exact() {
        let (off, on) = (sample_run(false), sample_run(true));
        assert_eq!(
            text(rollovers_csv(&[&off, &on], None)),
            "seed,replication,read_session,key,publish_ms,sign_ms,retire_previous_ms\n\
             7,2,false,1,3600000,3600000,90000000\n\
             7,2,true,1,3600000,3600000,90000000\n"
        );
    }

    #[test]
    fn a_start_adds_a_utc_column_after_each_millisecond_one() {
        let clock = WallClock::parse("2026-06-01T22:00:00Z").unwrap();
        let c = Some(&clock);
        let (run, pools) = (sample_run(true), ["ews".to_string()]);
        assert_eq!(
            text(windows_csv(&[&run], c)),
            "seed,replication,read_session,server,app_pool,start_ms,start_utc,end_ms,end_utc,duration_ms,cause,updated,rollover,rejected_requests,users_affected\n\
             7,2,true,0,ews,3600000,2026-06-01T23:00:00.000Z,3602000,2026-06-01T23:00:02.000Z,2000,initial,true,1,1,1\n\
             7,2,true,1,\"my,pool\",7230000,2026-06-02T00:00:30.000Z,9032000,2026-06-02T00:30:32.000Z,1802000,ma_recycle,false,1,7,2\n"
        );
        assert_eq!(
            text(timeseries_csv(&[&run], c))
                .lines()
                .take(2)
                .collect::<Vec<_>>(),
            [
                "seed,replication,read_session,bucket_start_ms,bucket_start_utc,requests,rejected,unavailable,servers_in_pool_min,workers_failing_max",
                "7,2,true,0,2026-06-01T22:00:00.000Z,600,0,2,2,0"
            ]
        );
        assert_eq!(
            text(timeline_csv(&[&run], c)).lines().nth(2).unwrap(),
            "7,2,true,1,ews,worker_starting,200,2026-06-01T22:00:00.200Z,30200,2026-06-01T22:00:30.200Z"
        );
        assert_eq!(
            text(rollovers_csv(&[&run], c)),
            "seed,replication,read_session,key,publish_ms,publish_utc,sign_ms,sign_utc,retire_previous_ms,retire_previous_utc\n\
             7,2,true,1,3600000,2026-06-01T23:00:00.000Z,3600000,2026-06-01T23:00:00.000Z,90000000,2026-06-02T23:00:00.000Z\n"
        );
        assert_eq!(
            text(events_csv(&[&run], &pools, c))
                .lines()
                .take(2)
                .collect::<Vec<_>>(),
            [
                "time_ms,time_utc,kind,server,app_pool,detail,seed,replication,read_session",
                "0,2026-06-01T22:00:00.000Z,rollover_sign,,,k1,7,2,true"
            ]
        );
        // runs.csv has no instants: the same with or without a start.
        let mut w = CsvWriter::rows_only();
        window_row(&mut w, &run.id, &run.windows[0], c);
        assert_eq!(
            String::from_utf8(w.finish().unwrap()).unwrap(),
            "7,2,true,0,ews,3600000,2026-06-01T23:00:00.000Z,3602000,2026-06-01T23:00:02.000Z,2000,initial,true,1,1,1\n"
        );
    }

    #[test]
    fn empty_input_gives_header_only() {
        assert_eq!(
            text(rollovers_csv(&[], None)),
            "seed,replication,read_session,key,publish_ms,sign_ms,retire_previous_ms\n"
        );
    }
}
