//! The validated scenario: typed, defaulted, range-checked parameters.
//!
//! This is what the model consumes. It is built from the raw file by
//! [`super::validate`]; nothing here can be out of range (every invariant the
//! validator checks is listed on the field). Durations and instants are
//! integer milliseconds.

use crate::engine::Millis;
use serde::Serialize;

/// A whole validated scenario (fields in `docs/scenario.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// `[simulation]`
    pub simulation: Simulation,
    /// `[org]`
    pub org: Org,
    /// `[issuer]` (Azure AD)
    pub issuer: Issuer,
    /// `[directory]` (local AD)
    pub directory: Directory,
    /// `[auth_admin]`
    pub auth_admin: AuthAdmin,
    /// `[pool]`
    pub pool: Pool,
    /// `[balancer]`
    pub balancer: Balancer,
    /// `[worker]`
    pub worker: Worker,
    /// `[server]`
    pub server: Server,
    /// `[maintenance]`
    pub maintenance: Maintenance,
    /// `[upgrade]`: the rolling installation of the update.
    pub upgrade: Upgrade,
    /// `[[event]]`: scripted lifecycle events, in file order.
    pub events: Vec<ScriptedEvent>,
    /// `[clients]`
    pub clients: Clients,
    /// `[history]`: the CSV files whose rows were added to `events`,
    /// `maintenance.windows` and `issuer.rollovers` (`super::history`).
    #[serde(skip_serializing_if = "History::is_empty")]
    pub history: History,
    /// `[[expect]]`: checks of the results, in file order (`super::expect`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<super::expect::Expectation>,
}

/// `[history]`: CSV files of what happened, paths as written (relative to
/// the scenario file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct History {
    /// Lifecycle events and maintenance windows (`at,kind,server,app_pool,duration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
    /// Key rollovers (`published,lead`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollovers: Option<String>,
}

impl History {
    /// Whether no history file is named.
    pub fn is_empty(&self) -> bool {
        self.events.is_none() && self.rollovers.is_none()
    }
}

/// An inclusive uniform range of durations `[min, max]` [ms]; `min <= max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MillisRange {
    /// Lower bound [ms].
    pub min: Millis,
    /// Upper bound [ms], `>= min`.
    pub max: Millis,
}

/// A Poisson rate written `"N/duration"`: `count` events per `per` ms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rate {
    /// Events per period, `>= 0` and finite.
    pub count: f64,
    /// The period [ms], `> 0`.
    pub per: Millis,
}

impl Rate {
    /// Mean time between events [ms], or `None` for a zero rate.
    pub fn mean_interval_ms(&self) -> Option<f64> {
        (self.count > 0.0).then(|| self.per as f64 / self.count)
    }
}

/// `[simulation]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    /// Used in output folder and file names; non-empty, no path separators.
    pub name: String,
    /// Length of a run [ms], `> 0`.
    pub horizon: Millis,
    /// Root seed of every random stream.
    pub seed: u64,
    /// Replications per flag value, `>= 1`.
    pub replications: u32,
    /// Time-series resolution [ms], `> 0`.
    pub bucket: Millis,
    /// Metrics ignore `[0, warmup)` [ms], `< horizon`.
    pub warmup: Millis,
    /// The wall-clock instant of t = 0, if given: history files may then
    /// use timestamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<super::clock::WallClock>,
    /// Fast-forward through quiet time (`docs/model.md`, "Fast-forward");
    /// `false`, the default, is exact mode. Not written to manifests when
    /// false, so exact-mode manifests stay as they were.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fast_forward: bool,
    /// With fast-forward: how long before each key's signing instant
    /// requests are simulated one by one again [ms]; `None`: derived from
    /// the token lifetime and the request interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_before: Option<Millis>,
}

/// Which values of `EnableAuthAdminReadSession` to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadSessionChoice {
    /// Flag off only (`false`).
    Off,
    /// Flag on only (`true`).
    On,
    /// Both, as paired runs on the same seed (`"both"`).
    Both,
}

impl ReadSessionChoice {
    /// The flag values to run, off first.
    pub fn values(self) -> &'static [bool] {
        match self {
            ReadSessionChoice::Off => &[false],
            ReadSessionChoice::On => &[true],
            ReadSessionChoice::Both => &[false, true],
        }
    }
}

/// `[org]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Org {
    /// `read_session = false | true | "both"`.
    pub read_session: ReadSessionChoice,
}

/// One explicit `[[issuer.rollover]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ExplicitRollover {
    /// Publish instant [ms from start].
    pub at: Millis,
    /// Publish -> start signing [ms].
    pub lead: Millis,
}

/// `[issuer]` (Azure AD)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issuer {
    /// Token lifetime, uniform [ms]; `min > 0`.
    pub token_lifetime: MillisRange,
    /// Renew a token this long before expiry [ms]; `< token_lifetime.min`.
    pub renew_before: Millis,
    /// Period of periodic rollovers [ms], `None` for `"off"`; `> 0`.
    pub rollover_every: Option<Millis>,
    /// First periodic rollover's publish instant [ms].
    pub rollover_first: Millis,
    /// Periodic rollovers: publish -> start signing [ms].
    pub rollover_lead: Millis,
    /// Start signing -> previous key removed from the metadata [ms].
    pub retire_after: Millis,
    /// Unannounced rollovers (lead 0), Poisson.
    pub emergency_rate: Rate,
    /// `[[issuer.rollover]]`, in file order.
    pub rollovers: Vec<ExplicitRollover>,
}

/// `[directory]` (local AD)
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Directory {
    /// Write completion -> visible to every server, uniform [ms].
    pub replication_delay: MillisRange,
}

/// `[auth_admin]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuthAdmin {
    /// Period of the job [ms], `None` for `"off"`; `> 0`.
    pub interval: Option<Millis>,
    /// Server index that runs it; `< pool.servers`.
    pub anchor: usize,
    /// First run [ms from start].
    pub first_run: Millis,
    /// Probability a run fails under the write session, in `[0, 1]`.
    pub write_session_fails: f64,
    /// An extra run this long after each key is published [ms], `None` for
    /// `"off"` (an admin script watching Azure AD's metadata).
    pub after_rollover: Option<Millis>,
}

/// `[pool]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pool {
    /// Number of servers, `1..=1024`.
    pub servers: usize,
    /// App pool names, non-empty, unique, at most 64.
    pub app_pools: Vec<String>,
    /// Servers without the update (Exchange 2019 CU6 / 2016 CU17) at the
    /// start: ascending, distinct, each `< servers`.
    pub without_update: Vec<usize>,
}

/// Load-balancing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Next server in the pool, in index order.
    RoundRobin,
    /// Uniform among servers in the pool.
    Random,
    /// Fewest outstanding requests, ties in round-robin order.
    LeastRequests,
}

/// Session affinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Affinity {
    /// Every request is balanced afresh.
    None,
    /// A user keeps the server it last reached while that server is in the pool.
    Client,
}

/// `[balancer]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Balancer {
    /// `round_robin | random | least_requests`.
    pub algorithm: Algorithm,
    /// `none | client`.
    pub affinity: Affinity,
    /// Health probe period [ms], `> 0`.
    pub probe_interval: Millis,
    /// Consecutive failed probes before removal, `>= 1`.
    pub probe_down_after: u32,
    /// Consecutive good probes before re-adding, `>= 1`.
    pub probe_up_after: u32,
}

/// When worker processes spawn (R4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartMode {
    /// At the first request routed to the app pool (IIS default).
    OnDemand,
    /// At the lifecycle event itself.
    AlwaysRunning,
}

/// `[worker]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Worker {
    /// `on_demand | always_running`.
    pub start_mode: StartMode,
    /// Spawn -> ready [ms].
    pub startup: Millis,
    /// Key cache reload period [ms] after spawn, `None` for `"off"`; `> 0`.
    pub cache_reload: Option<Millis>,
    /// A process younger than this is "newly spawned" [ms].
    pub new_process_age: Millis,
    /// How long a failed update leaves the worker rejecting [ms].
    pub failed_update_hold: Millis,
    /// Duration of a successful update, uniform [ms].
    pub update_latency: MillisRange,
    /// Whether established workers' write-session updates fail too.
    pub established_write_session_fails: bool,
    /// IIS periodic recycle [ms after spawn], `None` for `"off"`; `> 0`.
    pub periodic_recycle: Option<Millis>,
    /// Managed-availability recycles per worker, Poisson.
    pub ma_recycle_rate: Rate,
    /// Worker crashes per worker, Poisson.
    pub crash_rate: Rate,
    /// Crash -> earliest spawn of the next process [ms].
    pub restart_delay: Millis,
}

/// `[server]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Server {
    /// Whole-server crashes per server, Poisson.
    pub crash_rate: Rate,
    /// Crash -> back, uniform [ms]; `min > 0`.
    pub reboot: MillisRange,
}

/// One explicit `[[maintenance.window]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MaintenanceWindow {
    /// Server index, `< pool.servers`.
    pub server: usize,
    /// Start of the drain [ms from start].
    pub start: Millis,
    /// Window length [ms], `> 0`.
    pub duration: Millis,
}

/// `[maintenance]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Maintenance {
    /// Period of rolling maintenance cycles [ms], `None` for `"off"`; `> 0`.
    pub rolling_every: Option<Millis>,
    /// Start of the first cycle [ms from start].
    pub rolling_first: Millis,
    /// Per-server window length, uniform [ms]; `min > 0`.
    pub duration: MillisRange,
    /// Pause between two servers of a cycle (and of the rolling upgrade) [ms].
    pub gap: Millis,
    /// A server returning from maintenance or an installation rejoins only
    /// when its worker processes are ready and at least this old [ms]; 0 =
    /// at once.
    pub rejoin_after: Millis,
    /// `[[maintenance.window]]`, in file order.
    pub windows: Vec<MaintenanceWindow>,
}

/// `[upgrade]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Upgrade {
    /// Start of the rolling installation on the servers of
    /// `pool.without_update` [ms from start], `None` for `"off"`.
    pub rolling_first: Option<Millis>,
}

/// Kinds of scripted `[[event]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptedKind {
    /// Managed-availability recycle of one worker.
    MaRecycle,
    /// IIS periodic recycle of one worker.
    PeriodicRecycle,
    /// Crash of one worker process.
    WorkerCrash,
    /// Crash of a whole server.
    ServerCrash,
    /// Installation of the update on a server: a maintenance window that
    /// installs it while the server is offline.
    InstallUpdate,
}

/// One `[[event]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScriptedEvent {
    /// Instant [ms from start].
    pub at: Millis,
    /// What happens.
    pub kind: ScriptedKind,
    /// Server index, `< pool.servers`.
    pub server: usize,
    /// Index into `pool.app_pools`; `Some` exactly for worker kinds.
    pub app_pool: Option<usize>,
    /// Window length of an `install_update` [ms], `> 0`; `None` draws it
    /// from `maintenance.duration`. Always `None` for the other kinds.
    pub duration: Option<Millis>,
}

/// Request arrival process (R9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// Each user is a Poisson process scaled by the daily profile.
    Poisson,
    /// User i sends at `i * interval / users + n * interval` exactly.
    Fixed,
}

/// `[clients]`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clients {
    /// Number of users, `1..=10_000_000`.
    pub users: u32,
    /// `poisson | fixed`.
    pub arrivals: Arrivals,
    /// Mean time between a user's requests [ms], `> 0`.
    pub request_interval: Millis,
    /// Hourly weights (hour 0 = 00:00 of every simulated day), normalised to
    /// mean 1, all `>= 0`, at least one `> 0`. All ones when `"flat"`; must be
    /// flat with `arrivals = "fixed"`.
    pub daily_profile: [f64; 24],
    /// Rejection -> retry with a fresh token, uniform [ms].
    pub prompt_retry: MillisRange,
    /// A user stops retrying after this long in a prompt loop [ms]; `None` = `"off"`.
    pub give_up_after: Option<Millis>,
}

/// The `"office"` daily profile before normalisation: quiet nights, a morning
/// ramp, busy office hours, a quieter evening.
pub const OFFICE_PROFILE: [f64; 24] = [
    0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 2.5, 2.5, 2.4, 2.0, 2.3, 2.5, 2.4, 2.2, 1.8, 1.2,
    0.8, 0.6, 0.5, 0.4, 0.3,
];
