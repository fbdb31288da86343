//! Worker processes: one per app pool per server, each with its key cache
//! (R4, R5, R6).
//!
//! A worker slot outlives its processes: the slot keeps the request queue
//! (IIS's, which survives a process) and the cause for the next spawn; a
//! process brings the key cache, the update state and the failure window.
//! Every process gets a new `generation`; events scheduled for an earlier
//! process carry its generation and are ignored when it has ended.

use super::keys::KeySet;
use crate::engine::SimTime;
use crate::metrics::SpawnCause;
use std::collections::VecDeque;

/// Where a worker's current process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// No process (never spawned, or ended and not yet respawned).
    None,
    /// Spawned, starting up.
    Starting,
    /// Ready: serves requests.
    Ready,
}

/// A request waiting in an app pool's queue for a ready process: the user
/// (`< 2^25`; scenarios allow at most 10 million users) and the kid of the
/// token it carries (`< 128`), in 4 bytes. At t = 0 no process runs yet, and
/// every request of the first start-up waits: with a million users that is
/// millions of requests.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueuedRequest(u32);

impl QueuedRequest {
    /// A request of `user` with a token of `kid`.
    #[inline]
    pub fn new(user: u32, kid: u8) -> Self {
        debug_assert!(user < 1 << 25 && kid < 128);
        QueuedRequest(user << 7 | u32::from(kid & 0x7f))
    }

    /// The user who sent it.
    #[inline]
    pub fn user(self) -> u32 {
        self.0 >> 7
    }

    /// The kid of the token it carries.
    #[inline]
    pub fn kid(self) -> u8 {
        (self.0 & 0x7f) as u8
    }
}

impl std::fmt::Debug for QueuedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QueuedRequest {{ user: {}, kid: {} }}",
            self.user(),
            self.kid()
        )
    }
}

/// An open failure window (R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenWindow {
    /// The rejected key.
    pub kid: u8,
    /// Slot in the recorder's open-window table.
    pub slot: u32,
}

/// One worker slot (server, app pool).
#[derive(Clone, Debug)]
pub struct Worker {
    /// Server index.
    pub server: u32,
    /// App pool index.
    pub app_pool: u32,
    /// Current process.
    pub process: Process,
    /// Incremented at every spawn and every end of a process.
    pub generation: u32,
    /// Spawn instant of the current process.
    pub spawned_at: SimTime,
    /// Spawn cause of the current process.
    pub cause: SpawnCause,
    /// Cause recorded for the next spawn.
    pub next_cause: SpawnCause,
    /// The next process spawns no earlier than this (crash + restart delay).
    pub not_before: SimTime,
    /// A `WorkerSpawn` event is pending.
    pub spawn_scheduled: bool,
    /// Keys the process accepts.
    pub cache: KeySet,
    /// A successful update is in flight.
    pub update_in_flight: bool,
    /// A failed-update hold lasts until this instant (`ZERO` = none).
    pub hold_until: SimTime,
    /// The open failure window, if any.
    pub window: Option<OpenWindow>,
    /// Requests waiting for a ready process, in arrival order.
    pub queue: VecDeque<QueuedRequest>,
    /// Fast-forward only: requests of quiet time waiting for a ready
    /// process, counted in bulk (`model::bulk`); they carry the signing
    /// key, which the process knows. Always 0 in exact mode.
    pub bulk_queued: u64,
}

impl Worker {
    /// A slot with no process yet.
    pub fn new(server: u32, app_pool: u32) -> Self {
        Worker {
            server,
            app_pool,
            process: Process::None,
            generation: 0,
            spawned_at: SimTime::ZERO,
            cause: SpawnCause::Initial,
            next_cause: SpawnCause::Initial,
            not_before: SimTime::ZERO,
            spawn_scheduled: false,
            cache: KeySet::EMPTY,
            update_in_flight: false,
            hold_until: SimTime::ZERO,
            window: None,
            queue: VecDeque::new(),
            bulk_queued: 0,
        }
    }

    /// Requests wait for a process (one by one or counted in bulk).
    #[inline]
    pub fn has_waiting(&self) -> bool {
        !self.queue.is_empty() || self.bulk_queued > 0
    }

    /// Whether a process exists (starting or ready).
    #[inline]
    pub fn has_process(&self) -> bool {
        self.process != Process::None
    }

    /// Starts a new process that loads `directory` keys.
    pub fn spawn(&mut self, now: SimTime, directory: KeySet) {
        self.process = Process::Starting;
        self.generation = self.generation.wrapping_add(1);
        self.spawned_at = now;
        self.cause = self.next_cause;
        self.cache = directory;
        self.update_in_flight = false;
        self.hold_until = SimTime::ZERO;
    }

    /// Ends the current process; its pending events become stale.
    pub fn end_process(&mut self) {
        self.process = Process::None;
        self.generation = self.generation.wrapping_add(1);
        self.cache = KeySet::EMPTY;
        self.update_in_flight = false;
        self.hold_until = SimTime::ZERO;
    }

    /// "Newly spawned" (R6): younger than `new_process_age` at `now`.
    pub fn is_new(&self, now: SimTime, new_process_age: u64) -> bool {
        now.since(self.spawned_at) < new_process_age
    }

    /// A hold from a failed update is active at `now`.
    pub fn hold_active(&self, now: SimTime) -> bool {
        now < self.hold_until
    }

    /// A periodic reload (R4): add what local AD holds, drop retired keys,
    /// keep keys the worker fetched itself that are not retired.
    pub fn reload(&mut self, directory: KeySet, retired: KeySet) {
        self.cache = self.cache.union(directory).minus(retired);
    }
}

/// Which keys each worker accepts a request with right now: its cache while
/// its process is ready and its server runs, none otherwise.
///
/// Kept apart from [`Worker`] so that the accepted request, most of the
/// work, reads one word of this table instead of the server's state, the
/// process state and the cache. The simulation refreshes a worker's entry
/// whenever one of those changes (rare events only).
#[derive(Clone, Debug)]
pub struct Serving {
    /// Two words per worker: keys 0..64 and 64..128.
    words: Vec<u64>,
}

impl Serving {
    /// `workers` workers accepting nothing.
    pub fn new(workers: usize) -> Self {
        Serving {
            words: vec![0; workers * 2],
        }
    }

    /// Whether `worker` accepts a token of `kid` now.
    #[inline(always)]
    pub fn accepts(&self, worker: u32, kid: u8) -> bool {
        let i = worker as usize * 2 + usize::from(kid >> 6);
        self.words.get(i).is_some_and(|w| w >> (kid & 63) & 1 == 1)
    }

    /// `worker` now accepts exactly `keys`.
    pub fn set(&mut self, worker: u32, keys: KeySet) {
        let mut words = [0u64; 2];
        for k in keys.iter() {
            words[usize::from(k >> 6)] |= 1 << (k & 63);
        }
        let i = worker as usize * 2;
        self.words[i..i + 2].copy_from_slice(&words);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_adds_directory_keys_and_drops_retired_only() {
        let mut w = Worker::new(0, 0);
        w.spawn(SimTime(0), KeySet::only(0));
        w.cache.insert(2); // fetched by an update, not in AD
        let mut retired = KeySet::EMPTY;
        retired.insert(0);
        w.reload(KeySet::only(0).union(KeySet::only(1)), retired);
        assert_eq!(w.cache.to_string(), "{k1,k2}");
    }

    #[test]
    fn queued_requests_keep_user_and_kid() {
        for (user, kid) in [(0, 0), (1, 127), (9_999_999, 5), ((1 << 25) - 1, 64)] {
            let q = QueuedRequest::new(user, kid);
            assert_eq!((q.user(), q.kid()), (user, kid));
        }
        assert_eq!(std::mem::size_of::<QueuedRequest>(), 4);
    }

    #[test]
    fn serving_accepts_exactly_the_set_keys() {
        let mut s = Serving::new(3);
        let mut keys = KeySet::only(1);
        keys.insert(64);
        keys.insert(127);
        s.set(1, keys);
        for k in 0..128u8 {
            assert_eq!(s.accepts(1, k), keys.contains(k), "k{k}");
            assert!(!s.accepts(0, k) && !s.accepts(2, k));
        }
        s.set(1, KeySet::EMPTY);
        assert!(!(0..128u8).any(|k| s.accepts(1, k)));
    }

    #[test]
    fn generations_make_old_events_stale() {
        let mut w = Worker::new(0, 0);
        w.spawn(SimTime(0), KeySet::only(0));
        let first = w.generation;
        w.end_process();
        assert_ne!(w.generation, first);
        w.spawn(SimTime(5), KeySet::only(0));
        assert_ne!(w.generation, first);
        assert!(w.is_new(SimTime(10), 300_000));
        assert!(!w.is_new(SimTime(300_005), 300_000));
    }
}
