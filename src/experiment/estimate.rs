//! How much work, output and memory a run will take, estimated from the
//! resolved scenario before anything runs.
//!
//! `validate` and `list-runs` print the estimate; `run` refuses, with exit 2
//! and nothing written, a plan whose largest run would take more work than
//! `--max-events` or whose peak memory would exceed `--max-memory`
//! ([`check`]). The numbers are deliberately simple, rough upper-ish bounds
//! of expected values, not predictions:
//!
//! - **Events** (the unit of work): request candidates plus lifecycle
//!   events. Poisson arrivals draw candidates at the daily profile's *peak*
//!   rate and thin them, so every candidate counts: `users x horizon /
//!   request_interval x peak` (fixed arrivals: without the peak factor).
//!   Lifecycle events from the rates, each with its follow-ups: a server
//!   crash (tick, reboot, pool leave and join), a worker crash, managed-
//!   availability or periodic recycle (tick, spawn, ready), cache reloads,
//!   health probes (one per server per `probe_interval`), auth admin runs,
//!   maintenance windows, rollovers (each making every worker update) and
//!   scripted events. Prompt-loop retries are not counted: they depend on
//!   the failures the run finds (at most one per user per
//!   `clients.prompt_retry` while it is in a loop).
//! - **Rows**: one time-series row per bucket after warm-up; timeline rows
//!   (a worker start per spawn, two per server crash, three per maintenance
//!   window); windows (at most one per spawned process and one per worker
//!   and rollover); with `--trace`, one per lifecycle event but health
//!   probes (rejected requests are traced too and are not counted).
//! - **Memory** of a run in progress: the users' state, workers and
//!   servers, their random streams, the event queue (pending events per
//!   worker, server and user), one users bitset per worker failing at the
//!   same time (all of them at worst: the bound that matters with millions
//!   of users) and the bounded spill buffers ([`super::spill`]). A plan
//!   holds that once per thread, plus a few hundred bytes per run (its spec
//!   and its row for the summaries).
//!
//! **Work**, what `--max-events` limits, is counted in request-path events:
//! a request candidate counts 1, a lifecycle event [`LIFECYCLE_COST`], an
//! output row [`ROW_COST`] (formatting and writing a CSV line costs far more
//! than a request). The weights were measured on the 2-core development
//! machine with the release build, one run on one thread, all three in the
//! same sitting: `scenarios/large-org.toml` for 1 day (57.9 million
//! estimated events, almost all requests) in 1.28 s, 45 M events/s, 22 ns
//! each; 1 day of `ma_recycle_rate = "50/1s"` on one worker (21.6 million
//! lifecycle events, 8.6 million rows) in 8.35 s; 1 day of `bucket = "1ms"`
//! (86.4 million rows, nothing else) in 45.7 s, 530 ns a row, 24 requests'
//! worth; the rest of the recycle run, 3.8 s for 21.6 million lifecycle
//! events, 8 requests' worth each. (The machine was shared and loaded:
//! absolute times were up to three times those of a quiet machine, the
//! ratios are what counts.)
//!
//! **Output** (what `--max-output` limits) is the rows times the bytes of a
//! row of each file, from the widths of its cells (the digits of the
//! horizon for times, of the counts for counts, the longest word for
//! words), plus the summaries per run and [`FOLDER_BYTES`] per folder; its
//! peak on disk adds the largest run once more, for the moment its rows are
//! copied from the spill files into place. Against real output (per-run
//! files, both flag values, debug build): 1 ms buckets for 10 minutes
//! estimated 16.8 MB for 16.1 MB written (+4%); the bundled `patch-night`,
//! `baseline` and `crash-storm` for 2 days +15%, +42% and +78% (windows are
//! bounded by one per spawn, and most spawns open none); a recycle storm
//! (`"100/1s"`, 2 hours) 88.6 MB for 34.2 MB (2.6 times). With `--trace`
//! the rejected requests' rows are not counted: a crash storm's
//! `events.csv` is mostly those. The default limit is the free space of
//! the output's file system less [`FREE_SPACE_MARGIN`]
//! ([`default_max_output`]).
//!
//! The default limit, [`DEFAULT_MAX_EVENTS`], is about ten minutes of one
//! run on one core of a quiet 2-core development machine: `cargo bench
//! --bench request_path` (`scenarios/large-org.toml`, 403 million requests
//! in 7 days, estimated 405 million events) measured 6.4 to 6.6 s, about 60
//! million events per second; 600 s x 60 M = 36 billion. The default memory
//! limit is half the physical memory ([`physical_memory`]).

use super::ExperimentError;
use super::spill;
use crate::engine::time::format_duration;
use crate::model::worker::Worker;
use crate::scenario::{Arrivals, Rate, Scenario};

/// Default `--max-events`: about ten minutes of work for one run (see the
/// module doc for the measurement).
pub const DEFAULT_MAX_EVENTS: u64 = 36_000_000_000;

/// Request-path events per second of one run on one core, by which work is
/// turned into time in messages (see the module doc).
pub const EVENTS_PER_SECOND: f64 = 60e6;

/// Work of one lifecycle event, in request-path events (measured).
pub const LIFECYCLE_COST: f64 = 8.0;

/// Work of one output row, in request-path events (measured).
pub const ROW_COST: f64 = 24.0;

/// Share of physical memory a plan may use by default.
pub const DEFAULT_MEMORY_SHARE: f64 = 0.5;

/// Physical memory assumed when it cannot be read (not Linux).
pub const FALLBACK_MEMORY: u64 = 4 << 30;

/// The estimate of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// Request candidates drawn.
    pub requests: f64,
    /// Lifecycle events (queue events).
    pub lifecycle: f64,
    /// Output rows (time series, timeline, windows, trace).
    pub rows: f64,
    /// Peak memory of the run in progress [bytes].
    pub memory: f64,
    /// Bytes of CSV the run writes (its rows of `timeseries.csv`,
    /// `timeline.csv`, `windows.csv` and, with `--trace`, `events.csv`).
    pub output: f64,
}

impl Estimate {
    /// Events: request candidates and lifecycle events.
    pub fn events(&self) -> f64 {
        self.requests + self.lifecycle
    }

    /// Work in request-path events (see the module doc).
    pub fn work(&self) -> f64 {
        self.requests + LIFECYCLE_COST * self.lifecycle + ROW_COST * self.rows
    }
}

/// Expected events of `rate` per entity over `horizon` ms.
fn expected(rate: &Rate, horizon: f64) -> f64 {
    rate.mean_interval_ms().map_or(0.0, |mean| horizon / mean)
}

/// Events every `period` ms over `horizon` ms (`None`: never).
fn every(period: Option<u64>, horizon: f64) -> f64 {
    period.map_or(0.0, |p| horizon / p.max(1) as f64 + 1.0)
}

/// Bytes of one pending event in the queue (the event, its time, priority
/// and sequence number, and the heap's slack).
const QUEUE_ENTRY: f64 = 64.0;
/// Bytes of one random stream (ChaCha8 state and buffer).
const STREAM: f64 = 400.0;

/// Estimates one run of `sc` (see the module doc); `trace` counts `events.csv`.
pub fn estimate(sc: &Scenario, trace: bool) -> Estimate {
    let horizon = sc.simulation.horizon as f64;
    let users = f64::from(sc.clients.users);
    let servers = sc.pool.servers as f64;
    let workers = servers * sc.pool.app_pools.len() as f64;

    let peak = match sc.clients.arrivals {
        Arrivals::Poisson => sc.clients.daily_profile.iter().cloned().fold(0.0, f64::max),
        Arrivals::Fixed => 1.0,
    };
    let all_requests = users * horizon / sc.clients.request_interval.max(1) as f64 * peak;

    let server_crashes = servers * expected(&sc.server.crash_rate, horizon);
    let worker_ends = workers
        * (expected(&sc.worker.crash_rate, horizon)
            + expected(&sc.worker.ma_recycle_rate, horizon)
            + every(sc.worker.periodic_recycle, horizon));
    let reloads = workers * every(sc.worker.cache_reload, horizon);
    let probes = servers * every(Some(sc.balancer.probe_interval), horizon);
    let auth_admin = 3.0 * every(sc.auth_admin.interval, horizon);
    let rolling_windows = servers * every(sc.maintenance.rolling_every, horizon);
    let maintenance = rolling_windows + sc.maintenance.windows.len() as f64;
    let rollovers = (every(sc.issuer.rollover_every, horizon)
        + expected(&sc.issuer.emergency_rate, horizon)
        + sc.issuer.rollovers.len() as f64)
        .min(128.0);
    let scripted = sc.events.len() as f64;
    let requests = all_requests * exact_share(sc, rollovers);
    // Spawns: the first process of every worker, one after every process
    // end, every server crash and maintenance window restarts its workers.
    let per_server_workers = workers / servers.max(1.0);
    let spawns =
        workers + worker_ends + scripted + (server_crashes + maintenance) * per_server_workers;
    let lifecycle = 4.0 * server_crashes
        + 3.0 * (worker_ends + scripted)
        + reloads
        + probes
        + auth_admin
        + 4.0 * maintenance
        + rollovers * (3.0 + 2.0 * workers)
        + 2.0 * spawns;

    let buckets =
        (horizon - sc.simulation.warmup as f64) / sc.simulation.bucket.max(1) as f64 + 1.0;
    let timeline = spawns + 2.0 * server_crashes + 3.0 * maintenance;
    let windows = spawns + rollovers * workers;
    // Health probes are not traced.
    let traced = if trace { lifecycle - probes } else { 0.0 };
    let rows = buckets + timeline + windows + traced;
    let widths = RowBytes::of(sc, requests / buckets);
    let output = buckets * widths.timeseries
        + timeline * widths.timeline
        + windows * widths.window
        + traced * widths.event;

    let bitset = (users / 64.0).ceil() * 8.0;
    let memory = users * crate::model::clients::BYTES_PER_USER as f64
        + workers * (std::mem::size_of::<Worker>() as f64 + 3.0 * STREAM + bitset + 64.0)
        + servers * (256.0 + 3.0 * STREAM)
        + QUEUE_ENTRY * (4.0 * workers + 4.0 * servers + 2.0 * users + 256.0)
        + spill::bytes_per_run(&spill::Limits::default()) as f64;
    Estimate {
        requests,
        lifecycle,
        rows,
        memory,
        output,
    }
}

/// Bytes of one CSV row of each file, from the widths of its cells: a
/// number takes the digits of the largest value it can have (times: the
/// horizon in ms), a word its longest spelling, a comma or the line end one
/// byte each. Measured against real output in the module doc.
struct RowBytes {
    timeseries: f64,
    timeline: f64,
    window: f64,
    event: f64,
}

/// Decimal digits of `x` (at least 1).
fn digits(x: f64) -> f64 {
    if x < 10.0 {
        1.0
    } else {
        x.log10().floor() + 1.0
    }
}

impl RowBytes {
    fn of(sc: &Scenario, requests_per_bucket: f64) -> RowBytes {
        let servers = sc.pool.servers as f64;
        let workers = servers * sc.pool.app_pools.len() as f64;
        // seed,replication,read_session, (`false` the longer word).
        let id = digits(sc.simulation.seed as f64)
            + digits(f64::from(sc.simulation.replications.saturating_sub(1)))
            + 9.0;
        let time = digits(sc.simulation.horizon as f64) + 1.0;
        let server = digits(servers) + 1.0;
        let pool = sc.pool.app_pools.iter().map(String::len).max().unwrap_or(0) as f64 + 1.0;
        RowBytes {
            // bucket_start_ms, requests, rejected and unavailable (mostly
            // 0), servers_in_pool_min, workers_failing_max.
            timeseries: id
                + time
                + digits(requests_per_bucket)
                + 1.0
                + 4.0
                + server
                + digits(workers)
                + 1.0,
            // server, app_pool, state (`worker_starting` the longest), start_ms, end_ms.
            timeline: id + server + pool + 16.0 + 2.0 * time,
            // server, app_pool, start_ms, end_ms, duration_ms (minutes:
            // 8 bytes), cause (`maintenance_return`), rollover,
            // rejected_requests, users_affected.
            window: id
                + server
                + pool
                + 2.0 * time
                + 8.0
                + 19.0
                + 4.0
                + 2.0 * (digits(f64::from(sc.clients.users)) + 1.0),
            // time_ms, kind, server, app_pool, detail (a key set such as
            // `loads {k3,k4}` or a cause): 28 bytes of words, measured.
            event: id + time + server + pool + 28.0,
        }
    }
}

/// The share of the horizon whose requests are simulated one by one: 1 in
/// exact mode; with fast-forward, around each of `signings` signing
/// instants, from the resume instant until the quiet condition can hold
/// again at the earliest with every update and auth admin run the danger may
/// need (`resume_before` + the longest token lifetime + the slowest
/// local-AD replication + the auth admin interval + a failed update's hold),
/// plus one token lifetime at the start. An upper-ish bound like the rest:
/// quiet time also needs every process to have loaded the key, which a
/// scenario without recycles may delay further.
pub fn exact_share(sc: &Scenario, signings: f64) -> f64 {
    if !sc.simulation.fast_forward {
        return 1.0;
    }
    let lifetime = sc.issuer.token_lifetime.max as f64;
    let span = crate::model::quiet::resume_before(sc) as f64
        + lifetime
        + sc.directory.replication_delay.max as f64
        + sc.auth_admin.interval.unwrap_or(0) as f64
        + sc.worker.failed_update_hold as f64;
    let horizon = sc.simulation.horizon.max(1) as f64;
    ((signings * span + lifetime) / horizon).min(1.0)
}

/// Bytes a plan holds per run besides the runs in progress: its spec, its
/// row for the summaries, the reorder buffer's share.
pub const BYTES_PER_PLANNED_RUN: u64 =
    (std::mem::size_of::<super::RunSpec>() + std::mem::size_of::<super::row::RunRow>() + 64) as u64;

/// The estimate of a whole plan: the largest run, the total, the peak memory.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlanEstimate {
    /// The most work of any run (see [`Estimate::work`]).
    pub max_work: f64,
    /// The events and rows of that run.
    pub largest: Estimate,
    /// Events of all runs.
    pub total_events: f64,
    /// Rows of all runs.
    pub total_rows: f64,
    /// Peak memory: the largest run's memory per thread, plus the plan.
    pub memory: f64,
    /// The threads it assumes.
    pub threads: usize,
    /// Bytes of the result folder: the runs' CSV rows, a few hundred bytes
    /// per run for the summaries, [`FOLDER_BYTES`] per folder.
    pub output: f64,
    /// Peak disk use while running: [`PlanEstimate::output`] plus the
    /// largest run's rows once more. A run's rows are written once, to its
    /// spill files, and copied into the result files when the runs before
    /// it are done, the spill files then removed: only the run being copied
    /// exists twice.
    pub disk: f64,
}

/// Bytes of a result folder besides its per-run rows: charts (PNG and
/// SVG), `index.html`, the manifest and the copy of the scenario; measured
/// at 0.5 to 1 MiB on the bundled scenarios.
pub const FOLDER_BYTES: f64 = 2.0 * 1024.0 * 1024.0;

/// Bytes per run in the summaries (`runs.csv`, `compare.csv`, `sweep.csv`,
/// `shard_index.csv`, `rollovers.csv`): measured about 200 to 400.
pub const SUMMARY_BYTES_PER_RUN: f64 = 1024.0;

/// Estimates running `runs_per_point[i]` runs of each of `points` on
/// `threads` threads.
pub fn plan_estimate(points: &[(&Scenario, usize)], trace: bool, threads: usize) -> PlanEstimate {
    let mut e = PlanEstimate {
        threads,
        ..PlanEstimate::default()
    };
    let mut max_memory: f64 = 0.0;
    let mut max_output: f64 = 0.0;
    let mut runs = 0;
    for (sc, n) in points {
        let one = estimate(sc, trace);
        if *n > 0 {
            if one.work() > e.max_work {
                e.max_work = one.work();
                e.largest = one;
            }
            max_memory = max_memory.max(one.memory);
            max_output = max_output.max(one.output);
        }
        e.total_events += one.events() * *n as f64;
        e.total_rows += one.rows * *n as f64;
        e.output += (one.output + SUMMARY_BYTES_PER_RUN) * *n as f64;
        runs += n;
    }
    e.memory =
        max_memory * threads.min(runs).max(1) as f64 + (runs as u64 * BYTES_PER_PLANNED_RUN) as f64;
    // A sweep has a folder per point and one for the whole.
    let folders = if points.len() > 1 {
        points.len() + 1
    } else {
        1
    };
    e.output += FOLDER_BYTES * folders as f64;
    e.disk = e.output + max_output;
    e
}

/// The limits `run` checks a plan against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most events of any one run (`--max-events`).
    pub max_events: u64,
    /// Most peak memory [bytes] (`--max-memory`).
    pub max_memory: u64,
    /// Most peak disk use of the output [bytes] (`--max-output`).
    pub max_output: u64,
}

impl Default for Limits {
    /// The default events and memory limits; no output limit (its default
    /// depends on the output folder: [`default_max_output`]).
    fn default() -> Self {
        Limits {
            max_events: DEFAULT_MAX_EVENTS,
            max_memory: default_max_memory(),
            max_output: u64::MAX,
        }
    }
}

/// Refuses a plan above `limits`, with the estimate and how to proceed.
pub fn check(e: &PlanEstimate, limits: &Limits) -> Result<(), ExperimentError> {
    if e.max_work > limits.max_events as f64 {
        return Err(ExperimentError::TooBig(format!(
            "a run would take about {} of work ({}), more than --max-events {} allows ({}); nothing was run. \
             Raise --max-events to run it anyway, or lower clients.users, simulation.horizon, the rates \
             or the number of buckets",
            duration(e.max_work),
            describe_work(&e.largest),
            limits.max_events,
            duration(limits.max_events as f64),
        )));
    }
    if e.memory > limits.max_memory as f64 {
        return Err(ExperimentError::TooBig(format!(
            "the runs would need about {} of memory ({} thread{} at once), more than --max-memory {}; \
             nothing was run. Raise --max-memory, lower --jobs, or lower clients.users or pool.servers",
            bytes(e.memory),
            e.threads,
            if e.threads == 1 { "" } else { "s" },
            bytes(limits.max_memory as f64),
        )));
    }
    if e.disk > limits.max_output as f64 {
        return Err(ExperimentError::TooBig(format!(
            "the output would take about {} of disk ({} of CSV and charts, {} rows, and {} more \
             while the largest run's rows are copied into place), more than --max-output {} (by \
             default the free space of the output's file system less {}); nothing was run. Raise --max-output or free some space to write it anyway, \
             or raise simulation.bucket, shorten simulation.horizon, leave out --trace or run fewer runs",
            bytes(e.disk),
            bytes(e.output),
            count(e.total_rows),
            bytes(e.disk - e.output),
            bytes(limits.max_output as f64),
            bytes(FREE_SPACE_MARGIN as f64),
        )));
    }
    Ok(())
}

/// A count for humans: `403.3 million`, `36 billion`, `1234`.
pub fn count(n: f64) -> String {
    let (scale, unit) = if n >= 1e12 {
        (1e12, " trillion")
    } else if n >= 1e9 {
        (1e9, " billion")
    } else if n >= 1e6 {
        (1e6, " million")
    } else {
        return format!("{}", n.round() as u64);
    };
    let v = n / scale;
    if v >= 1e6 {
        // Beyond words: scientific.
        format!("{n:.2e}")
    } else {
        format!("{v:.1}{unit}")
    }
}

/// A size for humans, in powers of 1024: `6.4 MiB`.
pub fn bytes(n: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{} B", v.round() as u64)
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Work as time on one core: `about 2m 30s`.
pub fn duration(work: f64) -> String {
    let ms = work / EVENTS_PER_SECOND * 1000.0;
    if ms >= 1000.0 * 86_400.0 * 365.0 * 1000.0 {
        "more than a thousand years".into()
    } else {
        // Whole seconds: the estimate is rough.
        format_duration((ms / 1000.0).ceil() as u64 * 1000)
    }
}

/// `405.1 million events, 5269 rows, weighted as 405.3 million request-path events`.
fn describe_work(e: &Estimate) -> String {
    format!(
        "{} events, {} rows: {} request-path events at {} per row and {} per lifecycle event",
        count(e.events()),
        count(e.rows),
        count(e.work()),
        ROW_COST,
        LIFECYCLE_COST
    )
}

/// One line for `validate` and `list-runs`: per run events, rows, output, memory, time.
pub fn describe(e: &Estimate) -> String {
    format!(
        "about {} events, {} rows ({} of CSV), {} of memory and {} on one core per run",
        count(e.events()),
        count(e.rows),
        bytes(e.output),
        bytes(e.memory),
        duration(e.work())
    )
}

/// Parses `--max-memory`: a number with an optional unit `K`, `M`, `G`,
/// `T` (powers of 1024; `KiB`, `GB`, ... are read the same), or bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad =
        || format!("expected a size such as 512M, 8G or 1.5T (powers of 1024), found `{text}`");
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit.trim_end_matches('B').trim_end_matches('I');
    let scale: f64 = match unit {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// Physical memory [bytes]: `MemTotal` of `/proc/meminfo`, or
/// [`FALLBACK_MEMORY`] where it cannot be read.
pub fn physical_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(FALLBACK_MEMORY, |kib| kib.saturating_mul(1024))
}

/// Default `--max-memory`: [`DEFAULT_MEMORY_SHARE`] of [`physical_memory`].
pub fn default_max_memory() -> u64 {
    (physical_memory() as f64 * DEFAULT_MEMORY_SHARE) as u64
}

/// Disk space `--max-output` leaves free by default: the system and other
/// programs need some too, and the estimate is rough.
pub const FREE_SPACE_MARGIN: u64 = 1 << 30;

/// Default `--max-output` when the free space cannot be read (not Unix).
pub const FALLBACK_MAX_OUTPUT: u64 = 100 << 30;

/// Bytes available to an unprivileged user on the file system that holds
/// `path` (or its nearest existing ancestor: the output folder need not
/// exist yet), from `statvfs`; `None` where it cannot be read.
pub fn free_space(path: &std::path::Path) -> Option<u64> {
    let absolute = std::path::absolute(path).ok()?;
    let existing = absolute.ancestors().find(|p| p.exists())?;
    statvfs_available(existing)
}

#[cfg(unix)]
fn statvfs_available(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: an all-zero statvfs is valid; statvfs fills it from a
    // NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(unix))]
fn statvfs_available(_path: &std::path::Path) -> Option<u64> {
    None
}

/// Default `--max-output` for a result folder at `out`: the free space of
/// its file system less [`FREE_SPACE_MARGIN`] (at least 1 byte, so that
/// nothing is started on a full disk), or [`FALLBACK_MAX_OUTPUT`].
pub fn default_max_output(out: &std::path::Path) -> u64 {
    free_space(out).map_or(FALLBACK_MAX_OUTPUT, |free| {
        free.saturating_sub(FREE_SPACE_MARGIN).max(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The W1 pool; `simulation` adds to `[simulation]`, `extra` appends tables.
    fn scenario_with(simulation: &str, extra: &str) -> Scenario {
        let text = format!(
            "[simulation]\nname = \"e\"\nhorizon = \"7d\"\n{simulation}\n[pool]\nservers = 16\n\
             app_pools = [\"ews\", \"mapi\", \"eas\", \"owa\"]\n\
             [clients]\nusers = 20000\nrequest_interval = \"30s\"\n{extra}"
        );
        crate::scenario::parse_str(&text, "e.toml").unwrap()
    }

    fn scenario(extra: &str) -> Scenario {
        scenario_with("", extra)
    }

    #[test]
    fn requests_are_the_candidates_at_the_peak_rate() {
        // W1 of the benchmark: 20,000 users every 30 s for 7 days, flat.
        let flat = estimate(&scenario(""), false);
        assert!(
            (flat.requests - 403_200_000.0).abs() < 1.0,
            "{}",
            flat.requests
        );
        // The office profile peaks at 2.5 / mean: the thinning draws that many candidates.
        let office = estimate(&scenario("daily_profile = \"office\"\n"), false);
        let ratio = office.requests / flat.requests;
        let office = crate::scenario::resolved::OFFICE_PROFILE;
        let peak = 2.5 / (office.iter().sum::<f64>() / 24.0);
        assert!((ratio - peak).abs() < 1e-9, "{ratio}");
    }

    #[test]
    fn fast_forward_counts_the_requests_around_signing_instants_only() {
        // 365 days, a rollover every 42 days, no emergency rollover: the
        // estimate counts 365 / 42 + 1 signing instants.
        let text = |ff: bool| {
            format!(
                "[simulation]\nname = \"e\"\nhorizon = \"365d\"\nfast_forward = {ff}\n\
                 [issuer]\nrollover_every = \"42d\"\nemergency_rate = \"0/365d\"\n\
                 [clients]\nusers = 20000\nrequest_interval = \"60s\"\n"
            )
        };
        let sc = |ff| crate::scenario::parse_str(&text(ff), "e.toml").unwrap();
        let (exact, ff) = (estimate(&sc(false), false), estimate(&sc(true), false));
        assert_eq!(exact_share(&sc(false), 9.0), 1.0);
        let share = ff.requests / exact.requests;
        let expected = exact_share(&sc(true), 365.0 / 42.0 + 1.0);
        assert!((share - expected).abs() < 1e-12, "{share} {expected}");
        // A few days of 365 at most, and at least the resume spans.
        assert!(share < 0.2 && share > 0.02, "{share}");
        assert_eq!(ff.lifecycle, exact.lifecycle);
        // A horizon shorter than the spans is all exact.
        let short = text(true).replace("365d", "12h");
        let short = crate::scenario::parse_str(&short, "e.toml").unwrap();
        assert_eq!(exact_share(&short, 1.0), 1.0);
    }

    #[test]
    fn absurd_values_give_absurd_estimates() {
        let base = estimate(&scenario(""), false);
        assert!(base.events() < DEFAULT_MAX_EVENTS as f64);
        // A bucket of 1 ms: 605 million time-series rows.
        let bucket = estimate(&scenario_with("bucket = \"1ms\"", ""), false);
        assert!(bucket.rows > 604_800_000.0, "{}", bucket.rows);
        let fast = estimate(&scenario("[worker]\nma_recycle_rate = \"5/1ms\"\n"), false);
        assert!(fast.lifecycle > 1e11, "{}", fast.lifecycle);
        assert!(fast.rows > 1e11, "{}", fast.rows);
        let crash = estimate(&scenario("[worker]\ncrash_rate = \"1000/1ms\"\n"), false);
        assert!(crash.events() > DEFAULT_MAX_EVENTS as f64);
        // request_interval = 1ms: 30,000 times the requests.
        let interval = estimate(&scenario("").clone(), false).requests;
        let text = "[simulation]\nname = \"e\"\nhorizon = \"7d\"\n[pool]\nservers = 16\n\
                    app_pools = [\"ews\", \"mapi\", \"eas\", \"owa\"]\n\
                    [clients]\nusers = 20000\nrequest_interval = \"1ms\"\n";
        let fast = estimate(&crate::scenario::parse_str(text, "e.toml").unwrap(), false);
        assert_eq!(fast.requests, interval * 30_000.0);
    }

    #[test]
    fn memory_grows_with_users_and_servers_not_time() {
        let a = estimate(&scenario(""), false);
        let longer = estimate(
            &crate::scenario::parse_str(
                "[simulation]\nname = \"e\"\nhorizon = \"700d\"\n[pool]\nservers = 16\napp_pools = [\"ews\", \"mapi\", \"eas\", \"owa\"]\n\
                 [clients]\nusers = 20000\nrequest_interval = \"30s\"\n",
                "e.toml",
            )
            .unwrap(),
            false,
        );
        assert_eq!(a.memory, longer.memory);
        // 10 million users: their state and bitsets dominate.
        let many = crate::scenario::parse_str(
            "[simulation]\nname = \"e\"\nhorizon = \"1d\"\n[clients]\nusers = 10000000\n",
            "e.toml",
        )
        .unwrap();
        assert!(estimate(&many, false).memory > 300e6);
    }

    #[test]
    fn check_refuses_with_the_estimate_and_the_flag_to_raise() {
        let e = PlanEstimate {
            max_work: 5e10,
            largest: Estimate {
                requests: 5e10,
                ..Estimate::default()
            },
            total_events: 1e11,
            total_rows: 0.0,
            memory: 1e6,
            threads: 2,
            output: 0.0,
            disk: 0.0,
        };
        let err = check(
            &e,
            &Limits {
                max_events: 1_000_000,
                max_memory: 1 << 30,
                max_output: u64::MAX,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("about 13m 54s of work (50.0 billion events"),
            "{err}"
        );
        assert!(err.contains("Raise --max-events"), "{err}");
        let err = check(
            &e,
            &Limits {
                max_events: u64::MAX,
                max_memory: 1000,
                max_output: u64::MAX,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("about 976.6 KiB of memory (2 threads"),
            "{err}"
        );
        assert!(err.contains("Raise --max-memory"), "{err}");
        assert!(
            check(
                &e,
                &Limits {
                    max_events: u64::MAX,
                    max_memory: u64::MAX,
                    max_output: u64::MAX,
                }
            )
            .is_ok()
        );
    }

    /// The bytes `sc`'s run (seed 1, replication 0, flag off) writes to its
    /// per-run files, without their header lines, and the estimate.
    fn output_of(text: &str, trace: bool) -> (f64, f64) {
        use crate::output::csv;
        let sc = crate::scenario::parse_str(text, "e.toml").unwrap();
        let id = crate::metrics::RunId {
            seed: 1,
            replication: 0,
            read_session: false,
        };
        let options = crate::model::RunOptions {
            trace,
            ..Default::default()
        };
        let r = crate::model::run(&sc, id, options).unwrap();
        let rows = |table: std::io::Result<Vec<u8>>| {
            let t = table.unwrap();
            let header = t.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
            (t.len() - header) as f64
        };
        let mut actual = rows(csv::timeseries_csv(&[&r], None))
            + rows(csv::timeline_csv(&[&r], None))
            + rows(csv::windows_csv(&[&r], None));
        if trace {
            actual += rows(csv::events_csv(&[&r], &sc.pool.app_pools, None));
        }
        (estimate(&sc, trace).output, actual)
    }

    #[test]
    fn output_bytes_are_close_for_time_series_and_err_high_elsewhere() {
        let tiny = "[simulation]\nname = \"e\"\nhorizon = \"1m\"\nbucket = \"1ms\"\n\
                    [pool]\nservers = 1\napp_pools = [\"ews\"]\n\
                    [clients]\nusers = 1\narrivals = \"fixed\"\nrequest_interval = \"60s\"\n";
        let (estimated, actual) = output_of(tiny, false);
        // 60,001 rows of about 26 bytes: within 10%.
        assert!(actual > 1.5e6, "{actual}");
        assert!(
            (estimated / actual - 1.0).abs() < 0.1,
            "{estimated} vs {actual}"
        );
        // A day of a small pool with rollovers, crashes and maintenance:
        // rows of every file, some traced; high, but not absurdly.
        let pool = "[simulation]\nname = \"e\"\nhorizon = \"1d\"\nbucket = \"5m\"\n\
                    [issuer]\nrollover_every = \"6h\"\nrollover_first = \"1h\"\n\
                    [pool]\nservers = 3\napp_pools = [\"ews\", \"mapi\"]\n\
                    [worker]\ncrash_rate = \"4/1d\"\nma_recycle_rate = \"3/1d\"\n\
                    [maintenance]\nrolling_every = \"12h\"\nrolling_first = \"2h\"\n\
                    [clients]\nusers = 40\nrequest_interval = \"2m\"\n";
        for trace in [false, true] {
            let (estimated, actual) = output_of(pool, trace);
            assert!(
                estimated >= actual && estimated < 3.0 * actual,
                "trace {trace}: {estimated} vs {actual}"
            );
        }
    }

    #[test]
    fn a_plan_above_max_output_is_refused_with_the_estimate() {
        let sc = scenario_with("bucket = \"1ms\"", "");
        let e = plan_estimate(&[(&sc, 2)], false, 2);
        // 605 million rows of over 30 bytes per run, then one run twice.
        assert!(e.output > 2.0 * 6e8 * 30.0, "{}", e.output);
        assert!((e.disk - e.output - e.largest.output).abs() < 1.0);
        let limits = Limits {
            max_events: u64::MAX,
            max_memory: u64::MAX,
            max_output: 20 << 30,
        };
        let err = check(&e, &limits).unwrap_err().to_string();
        assert!(err.contains("more than --max-output 20.0 GiB"), "{err}");
        assert!(err.contains("Raise --max-output"), "{err}");
        assert!(err.contains("1.2 billion rows"), "{err}");
        let small = plan_estimate(&[(&scenario(""), 2)], false, 2);
        assert!(check(&small, &limits).is_ok());
        // A sweep: a folder per point and one for the whole.
        let sweep = plan_estimate(&[(&sc, 0), (&scenario(""), 2)], false, 2);
        assert!(sweep.output > small.output + FOLDER_BYTES);
    }

    #[test]
    fn free_space_is_read_for_folders_that_do_not_exist_yet() {
        let here = free_space(std::path::Path::new(".")).unwrap();
        assert!(here > 0);
        let below = free_space(std::path::Path::new("no/such/folder/yet")).unwrap();
        // The same file system; other processes write meanwhile.
        assert!(below.abs_diff(here) < 1 << 30, "{here} {below}");
        assert!(default_max_output(std::path::Path::new("x")) < here);
    }

    #[test]
    fn sizes_parse_in_powers_of_1024() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "G", "-1G", "1X", "0", "1e30T", "nan"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(physical_memory() > 0);
    }
}
