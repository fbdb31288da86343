//! The records one run produces: totals, failure windows, time series,
//! timeline intervals and the optional event trace.

use serde::{Deserialize, Serialize};

/// Why a worker process was spawned (the cause of its failure windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpawnCause {
    /// The first process of the run.
    Initial,
    /// A server came back from maintenance.
    MaintenanceReturn,
    /// The previous process crashed.
    CrashRestart,
    /// The server rebooted after a crash.
    ServerReboot,
    /// Managed availability recycled the previous process.
    MaRecycle,
    /// IIS recycled the previous process on its periodic schedule.
    PeriodicRecycle,
    /// A server came back from a maintenance window in which the update
    /// (Exchange 2019 CU6 / 2016 CU17) was installed.
    UpdateReturn,
}

impl SpawnCause {
    /// Every cause, in CSV order.
    pub const ALL: [SpawnCause; 7] = [
        SpawnCause::Initial,
        SpawnCause::MaintenanceReturn,
        SpawnCause::CrashRestart,
        SpawnCause::ServerReboot,
        SpawnCause::MaRecycle,
        SpawnCause::PeriodicRecycle,
        SpawnCause::UpdateReturn,
    ];

    /// The name written in CSVs (`maintenance_return`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SpawnCause::Initial => "initial",
            SpawnCause::MaintenanceReturn => "maintenance_return",
            SpawnCause::CrashRestart => "crash_restart",
            SpawnCause::ServerReboot => "server_reboot",
            SpawnCause::MaRecycle => "ma_recycle",
            SpawnCause::PeriodicRecycle => "periodic_recycle",
            SpawnCause::UpdateReturn => "update_return",
        }
    }

    /// Parses a CSV name back.
    pub fn parse(s: &str) -> Option<SpawnCause> {
        SpawnCause::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Identifies one run: which seed, replication and flag value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RunId {
    /// Scenario seed.
    pub seed: u64,
    /// Replication index, 0-based.
    pub replication: u32,
    /// `EnableAuthAdminReadSession`.
    pub read_session: bool,
}

/// One failure window (R10), as a `windows.csv` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowRecord {
    /// Server index.
    pub server: u32,
    /// App pool name.
    pub app_pool: String,
    /// First rejected request [ms].
    pub start_ms: u64,
    /// The worker's cache gained the key, the process ended, or the horizon [ms].
    pub end_ms: u64,
    /// Spawn cause of the worker process.
    pub cause: SpawnCause,
    /// The server had the update (CU6 / CU17) when the window opened: its
    /// workers honour `read_session` (R6).
    pub updated: bool,
    /// Index of the rejected key.
    pub rollover: u32,
    /// Requests rejected by this worker while the window was open.
    pub rejected_requests: u64,
    /// Distinct users among them.
    pub users_affected: u64,
}

impl WindowRecord {
    /// `end_ms - start_ms`.
    pub fn duration_ms(&self) -> u64 {
        self.end_ms - self.start_ms
    }
}

/// One `timeseries.csv` row: one bucket of `simulation.bucket` ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BucketRecord {
    /// Bucket start [ms].
    pub bucket_start_ms: u64,
    /// Requests resolved in the bucket.
    pub requests: u64,
    /// Of which rejected (401).
    pub rejected: u64,
    /// Of which unavailable.
    pub unavailable: u64,
    /// Fewest servers in the balancer's pool at any instant of the bucket
    /// (`servers_in_pool_min` in `timeseries.csv`).
    pub servers_in_pool: u32,
    /// Most workers with an open failure window at any instant of the
    /// bucket (`workers_failing_max` in `timeseries.csv`).
    pub workers_failing: u32,
}

/// Per-run totals, the numeric part of a `runs.csv` row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Requests resolved after warm-up (accepted + rejected + unavailable).
    pub requests: u64,
    /// Accepted.
    pub accepted: u64,
    /// Rejected with 401 by a worker's key cache.
    pub rejected: u64,
    /// Failed because the server was down but still in the pool, or no server was in the pool.
    pub unavailable: u64,
    /// Users with at least one rejected request.
    pub users_affected: u64,
    /// Prompt-loop episodes.
    pub episodes: u64,
    /// Sum of prompt-loop episode lengths [ms].
    pub episode_ms_total: u64,
    /// Longest prompt-loop episode [ms].
    pub episode_ms_max: u64,
    /// Events processed (queue events and requests).
    pub events: u64,
    /// Hash over the processed event sequence.
    pub fingerprint: u64,
    /// Simulated time spent fast-forwarding [ms] (0 in exact mode); not a
    /// `runs.csv` column, the summary prints it.
    pub fast_forwarded_ms: u64,
}

/// What a server or worker was doing during an interval (timeline chart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Server failing probes for maintenance but still in the pool.
    Draining,
    /// Server offline for maintenance.
    Maintenance,
    /// Server crashed, rebooting.
    Crashed,
    /// Server out of the balancer's pool (any reason).
    OutOfPool,
    /// Worker process spawned, not yet ready.
    WorkerStarting,
}

impl StateKind {
    /// The name written in `timeline.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Draining => "draining",
            StateKind::Maintenance => "maintenance",
            StateKind::Crashed => "crashed",
            StateKind::OutOfPool => "out_of_pool",
            StateKind::WorkerStarting => "worker_starting",
        }
    }
}

/// An interval of a server (or one of its workers) in a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StateInterval {
    /// Server index.
    pub server: u32,
    /// App pool name for worker states, empty for server states.
    pub app_pool: String,
    /// The state.
    pub state: StateKind,
    /// Start [ms].
    pub start_ms: u64,
    /// End [ms] (the horizon if still in that state).
    pub end_ms: u64,
}

/// One key rollover as it happened in the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RolloverRecord {
    /// Index of the new key.
    pub key: u32,
    /// Published in the metadata [ms].
    pub publish_ms: u64,
    /// Starts signing tokens [ms].
    pub sign_ms: u64,
    /// The previous key leaves the metadata [ms].
    pub retire_previous_ms: u64,
}

/// One `events.csv` row (`--trace`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceRecord {
    /// When [ms].
    pub time_ms: u64,
    /// Event kind (`server_crash`, `rollover_sign`, `request_rejected`, ...).
    pub kind: &'static str,
    /// Server index, if the event concerns one.
    pub server: Option<u32>,
    /// App pool index, if the event concerns a worker.
    pub app_pool: Option<u32>,
    /// Free-form detail (key index, cause, user, ...).
    pub detail: String,
}

/// Count, total and longest duration of the failure windows a run reported
/// (kept by the recorder as windows close; percentiles need every duration
/// and are the sink's business).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowTally {
    /// Windows counted (started after warm-up).
    pub count: u64,
    /// Sum of their durations [ms].
    pub total_ms: u64,
    /// Longest [ms], 0 if none.
    pub max_ms: u64,
}

impl WindowTally {
    /// Counts one window.
    pub fn add(&mut self, w: &WindowRecord) {
        let d = w.duration_ms();
        self.count += 1;
        self.total_ms += d;
        self.max_ms = self.max_ms.max(d);
    }
}

/// What one run returns when its rows went to a [`super::RowSink`]:
/// everything but the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    /// Which run.
    pub id: RunId,
    /// Totals.
    pub totals: Totals,
    /// The windows handed to the sink.
    pub windows: WindowTally,
    /// The rollovers that happened before the horizon (at most 127).
    pub rollovers: Vec<RolloverRecord>,
    /// Wall-clock time of the run [ms]; never written to a CSV (not reproducible).
    pub wall_ms: u64,
}

/// Everything one run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Which run.
    pub id: RunId,
    /// Totals.
    pub totals: Totals,
    /// Failure windows, ordered by start, then server, then app pool.
    pub windows: Vec<WindowRecord>,
    /// One row per bucket from warm-up to the horizon.
    pub timeseries: Vec<BucketRecord>,
    /// Server and worker state intervals, ordered by start.
    pub timeline: Vec<StateInterval>,
    /// The rollovers that happened before the horizon.
    pub rollovers: Vec<RolloverRecord>,
    /// Processed events, only with tracing on.
    pub trace: Vec<TraceRecord>,
    /// Wall-clock time of the run [ms]; never written to a CSV (not reproducible).
    pub wall_ms: u64,
}

impl RunResult {
    /// Total failure-window time [ms].
    pub fn window_ms_total(&self) -> u64 {
        self.windows.iter().map(WindowRecord::duration_ms).sum()
    }

    /// Longest failure window [ms], 0 if none.
    pub fn window_ms_max(&self) -> u64 {
        self.windows
            .iter()
            .map(WindowRecord::duration_ms)
            .max()
            .unwrap_or(0)
    }

    /// Percentile `p` (0..=100, nearest rank) of window durations [ms], 0 if none.
    pub fn window_ms_percentile(&self, p: u32) -> u64 {
        let mut d: Vec<u64> = self.windows.iter().map(WindowRecord::duration_ms).collect();
        d.sort_unstable();
        super::stats::nearest_rank(&d, p)
    }

    /// User-minutes spent in prompt loops.
    pub fn user_minutes(&self) -> f64 {
        self.totals.episode_ms_total as f64 / 60_000.0
    }
}
