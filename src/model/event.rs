//! The model's events and their same-instant priority table.
//!
//! Events at the same millisecond run in this order (lower first), then in
//! scheduling order:
//!
//! | priority | class                  | events |
//! |---------:|------------------------|--------|
//! | 0 | lifecycle down            | server crash, worker crash, MA / periodic recycle (end of the old process), maintenance start, installation start; fast-forward's resume (first of its instant) |
//! | 1 | key and directory changes | rollover publish / sign / retire, AD write visible, auth admin run (periodic or after a rollover) and completion, update completion, hold end, cache reload |
//! | 2 | lifecycle up              | reboot done, maintenance end, installation end, worker spawn, worker ready |
//! | 3 | health probes             | probe round |
//! | 4 | requests (queued)         | prompt retries, giving up; fast-forward's single requests of quiet time |
//! | 5 | requests (stream)         | regular requests of the merged arrival stream: never queued, handled after every queued event of the same millisecond, in arrival order |
//!
//! Time-series buckets are not events: a request counts in the bucket its
//! millisecond falls in, `[start, start + bucket)`, which is what "bucket ends
//! last" means when bucket boundaries are half-open.
//!
//! Why this order: a crash at the instant of a request must make it fail; a
//! rollover at the instant of a request must already sign its fresh token
//! (oracle O1 relies on this); a worker that becomes ready at an instant
//! serves the requests of that instant; probes see the state after every
//! change of their instant.

use super::keys::KeySet;
use crate::metrics::SpawnCause;

/// Lifecycle down.
pub const PRIORITY_DOWN: u8 = 0;
/// Key and directory changes.
pub const PRIORITY_KEYS: u8 = 1;
/// Lifecycle up.
pub const PRIORITY_UP: u8 = 2;
/// Health probes.
pub const PRIORITY_PROBE: u8 = 3;
/// Queued requests (retries).
pub const PRIORITY_REQUEST: u8 = 4;
/// Fingerprint kind code of a regular request from the arrival stream.
pub const KIND_REGULAR_REQUEST: u8 = 200;

/// Index of a worker: `server * app_pools + app_pool`.
pub type WorkerIndex = u32;

/// Where a maintenance window comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowSource {
    /// A rolling cycle: draw the duration, then start the next server.
    Rolling,
    /// An explicit `[[maintenance.window]]` of this length [ms].
    Explicit(u64),
}

/// Where an installation window of the update comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallSource {
    /// The rolling upgrade: draw the duration, then start the next server.
    Rolling,
    /// An `install_update` event without `duration`: draw it.
    Drawn,
    /// An `install_update` event of this length [ms].
    Explicit(u64),
}

/// Something that happens at an instant. Small and `Copy`: no boxing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Poisson tick of a server's crash process (`scripted`: from `[[event]]`, not rescheduled).
    ServerCrash {
        /// Server index.
        server: u32,
        /// From `[[event]]`: not a Poisson tick, so not rescheduled.
        scripted: bool,
    },
    /// Poisson tick of a worker's crash process.
    WorkerCrash {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// From `[[event]]`: not a Poisson tick, so not rescheduled.
        scripted: bool,
    },
    /// Managed-availability recycle (Poisson tick or scripted).
    MaRecycle {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// From `[[event]]`: not a Poisson tick, so not rescheduled.
        scripted: bool,
    },
    /// IIS periodic recycle of process `generation` (or scripted, any process).
    PeriodicRecycle {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
        /// From `[[event]]`: not a Poisson tick, so not rescheduled.
        scripted: bool,
    },
    /// A maintenance window starts on `server` (the drain).
    MaintenanceStart {
        /// Server index.
        server: u32,
        /// Rolling cycle or explicit window.
        source: WindowSource,
    },
    /// A rolling maintenance cycle starts (server 0 first).
    MaintenanceCycle,
    /// Key `key` appears in the metadata; it starts signing `lead` ms later.
    RolloverPublish {
        /// Key index.
        key: u8,
        /// Publish -> start signing [ms].
        lead: u64,
    },
    /// Key `key` starts signing tokens.
    RolloverSign {
        /// Key index.
        key: u8,
    },
    /// Key `key` leaves the metadata.
    RolloverRetire {
        /// Key index.
        key: u8,
    },
    /// A local AD write becomes visible to every server.
    DirectoryWriteVisible {
        /// The key set read from the issuer when the update started.
        keys: KeySet,
    },
    /// The auth admin job starts a run.
    AuthAdminRun,
    /// The auth admin job's run completes.
    AuthAdminDone {
        /// The key set read from the issuer when the update started.
        keys: KeySet,
        /// The write session failed: nothing is written.
        failed: bool,
    },
    /// A worker's successful on-demand update completes.
    UpdateDone {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
        /// The key set read from the issuer when the update started.
        keys: KeySet,
    },
    /// A worker's failed-update hold ends.
    HoldEnd {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
    },
    /// A worker reloads its key cache from local AD.
    CacheReload {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
    },
    /// A crashed server is back.
    RebootDone {
        /// Server index.
        server: u32,
    },
    /// A maintenance window ends on `server`.
    MaintenanceEnd {
        /// Server index.
        server: u32,
    },
    /// A worker may spawn its next process now.
    WorkerSpawn {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
    },
    /// Process `generation` of a worker finished starting.
    WorkerReady {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
    },
    /// A round of health probes over every server.
    Probe,
    /// An installation window of the update opens on `server` (the drain).
    InstallStart {
        /// Server index.
        server: u32,
        /// Rolling upgrade or scripted event.
        source: InstallSource,
    },
    /// An installation window of the update ends on `server`.
    InstallEnd {
        /// Server index.
        server: u32,
    },
    /// The auth admin job's extra run after key `key` was published.
    AuthAdminAfterRollover {
        /// Key index.
        key: u8,
    },
    /// A user in a prompt loop retries.
    Retry {
        /// User index.
        user: u32,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
    },
    /// A user in a prompt loop gives up.
    GiveUp {
        /// User index.
        user: u32,
        /// The process (or user retry) generation the event belongs to; stale if it changed.
        generation: u32,
    },
    /// Fast-forward only: `resume_before` ahead of a key's signing
    /// instant, requests are simulated one by one again and the
    /// request-driven streams move to the instant's sub-stream.
    Resume {
        /// Index of the resume instant in the run's schedule.
        index: u32,
    },
    /// Fast-forward only: in quiet time, a request to a worker that is not
    /// ready and whose next request changes the state (`model::bulk`).
    QuietRequest {
        /// Worker index (`server * app_pools + app_pool`).
        worker: WorkerIndex,
        /// The worker's request clock when it was drawn; stale if redrawn.
        generation: u32,
    },
}

impl Event {
    /// The same-instant priority (see the module table).
    pub fn priority(&self) -> u8 {
        match self {
            Event::ServerCrash { .. }
            | Event::WorkerCrash { .. }
            | Event::MaRecycle { .. }
            | Event::PeriodicRecycle { .. }
            | Event::MaintenanceStart { .. }
            | Event::MaintenanceCycle
            | Event::InstallStart { .. }
            | Event::Resume { .. } => PRIORITY_DOWN,
            Event::RolloverPublish { .. }
            | Event::RolloverSign { .. }
            | Event::RolloverRetire { .. }
            | Event::DirectoryWriteVisible { .. }
            | Event::AuthAdminRun
            | Event::AuthAdminAfterRollover { .. }
            | Event::AuthAdminDone { .. }
            | Event::UpdateDone { .. }
            | Event::HoldEnd { .. }
            | Event::CacheReload { .. } => PRIORITY_KEYS,
            Event::RebootDone { .. }
            | Event::MaintenanceEnd { .. }
            | Event::InstallEnd { .. }
            | Event::WorkerSpawn { .. }
            | Event::WorkerReady { .. } => PRIORITY_UP,
            Event::Probe => PRIORITY_PROBE,
            Event::Retry { .. } | Event::GiveUp { .. } | Event::QuietRequest { .. } => {
                PRIORITY_REQUEST
            }
        }
    }

    /// Fingerprint kind code and entity of the event.
    pub fn code(&self) -> (u8, u32) {
        match *self {
            Event::ServerCrash { server, .. } => (1, server),
            Event::WorkerCrash { worker, .. } => (2, worker),
            Event::MaRecycle { worker, .. } => (3, worker),
            Event::PeriodicRecycle { worker, .. } => (4, worker),
            Event::MaintenanceStart { server, .. } => (5, server),
            Event::MaintenanceCycle => (6, 0),
            Event::RolloverPublish { key, .. } => (7, u32::from(key)),
            Event::RolloverSign { key } => (8, u32::from(key)),
            Event::RolloverRetire { key } => (9, u32::from(key)),
            Event::DirectoryWriteVisible { .. } => (10, 0),
            Event::AuthAdminRun => (11, 0),
            Event::AuthAdminDone { .. } => (12, 0),
            Event::UpdateDone { worker, .. } => (13, worker),
            Event::HoldEnd { worker, .. } => (14, worker),
            Event::CacheReload { worker, .. } => (15, worker),
            Event::RebootDone { server } => (16, server),
            Event::MaintenanceEnd { server } => (17, server),
            Event::WorkerSpawn { worker } => (18, worker),
            Event::WorkerReady { worker, .. } => (19, worker),
            Event::Probe => (20, 0),
            Event::Retry { user, .. } => (21, user),
            Event::GiveUp { user, .. } => (22, user),
            Event::InstallStart { server, .. } => (23, server),
            Event::InstallEnd { server } => (24, server),
            Event::AuthAdminAfterRollover { key } => (25, u32::from(key)),
            Event::Resume { index } => (26, index),
            Event::QuietRequest { worker, .. } => (27, worker),
        }
    }
}

/// The spawn cause a lifecycle event leaves for the next process.
pub fn cause_of_recycle(periodic: bool) -> SpawnCause {
    if periodic {
        SpawnCause::PeriodicRecycle
    } else {
        SpawnCause::MaRecycle
    }
}
