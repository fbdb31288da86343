//! The recorder: what the model reports while it runs, turned into records.
//!
//! The model calls it on every resolved request (cheap: one comparison and
//! one counter; totals are summed per bucket) and on the rare state changes
//! (windows, episodes, pool membership). Everything before `warmup` is
//! ignored: requests, and windows and episodes that start before it.
//!
//! Rows (buckets, closed windows, ended intervals, traced events) go to the
//! [`RowSink`] as soon as they are final; the recorder keeps only the
//! current bucket, the open windows (one per failing worker) and totals, so
//! its memory does not grow with simulated time.

use super::record::*;
use super::sink::RowSink;

/// An open failure window while the run goes on.
struct OpenWindow {
    record: WindowRecord,
    /// Users already counted, one bit per user.
    users_seen: Vec<u64>,
    /// Starts after warm-up, so it will be reported.
    counted: bool,
}

/// Collects one run's metrics.
pub struct Recorder<'a> {
    /// Where finished rows go.
    sink: &'a mut dyn RowSink,
    /// The windows handed to the sink.
    tally: WindowTally,
    /// Bytes of a users bitset that could not be allocated (the run must end:
    /// see [`Recorder::out_of_memory`]).
    out_of_memory: Option<usize>,
    warmup: u64,
    bucket_ms: u64,
    users: u32,
    totals: Totals,
    /// Current bucket and its end [ms].
    bucket: BucketRecord,
    bucket_end: u64,
    /// Warm-up is over: the current bucket's request counts are kept.
    counting: bool,
    /// The next instant at which a request must look at the bucket: the
    /// warm-up's end until it has passed (requests before it roll nothing),
    /// then `bucket_end`.
    next_check: u64,
    servers_in_pool: u32,
    workers_failing: u32,
    open: Vec<Option<OpenWindow>>,
    free_slots: Vec<u32>,
    spare_bitsets: Vec<Vec<u64>>,
    /// Per server: whether it has the update (for the windows it opens).
    updated: Vec<bool>,
}

impl<'a> Recorder<'a> {
    /// A recorder for `users` users, `servers` servers, time-series buckets of
    /// `bucket_ms`, ignoring `[0, warmup)`, handing rows to `sink`.
    pub fn new(
        warmup: u64,
        bucket_ms: u64,
        users: u32,
        servers: u32,
        sink: &'a mut dyn RowSink,
    ) -> Self {
        Recorder {
            sink,
            tally: WindowTally::default(),
            out_of_memory: None,
            warmup,
            bucket_ms,
            users,
            totals: Totals::default(),
            bucket: BucketRecord {
                bucket_start_ms: 0,
                servers_in_pool: servers,
                ..BucketRecord::default()
            },
            bucket_end: bucket_ms,
            counting: false,
            next_check: warmup,
            servers_in_pool: servers,
            workers_failing: 0,
            open: Vec::new(),
            free_slots: Vec::new(),
            spare_bitsets: Vec::new(),
            updated: vec![true; servers as usize],
        }
    }

    /// Server `server` has (or lacks) the update from now on; the windows
    /// its workers open say so (`windows.csv` column `updated`).
    pub fn server_updated(&mut self, server: u32, updated: bool) {
        self.updated[server as usize] = updated;
    }

    /// `Some(bytes)` once a users bitset of that size could not be
    /// allocated: the run cannot count distinct users and must end.
    pub fn out_of_memory(&self) -> Option<usize> {
        self.out_of_memory
    }

    /// A request at `t`: moves the current bucket forward to the one
    /// holding `t` (after the warm-up only).
    #[inline(always)]
    fn reach_request(&mut self, t: u64) {
        if t >= self.next_check {
            self.reach(t);
        }
    }

    /// Moves the current bucket forward to the one holding `t`, and past
    /// the warm-up once `t` is.
    #[cold]
    fn reach(&mut self, t: u64) {
        if !self.counting && t >= self.warmup {
            // Requests before the warm-up's end were counted only to keep
            // the per-request path to one comparison: forget them.
            self.counting = true;
            self.bucket.requests = 0;
        }
        if t >= self.bucket_end {
            self.roll(t);
        }
        self.next_check = if self.counting {
            self.bucket_end
        } else {
            self.warmup
        };
    }

    fn roll(&mut self, t: u64) {
        while t >= self.bucket_end {
            if self.counting {
                self.totals.requests += self.bucket.requests;
            }
            if self.bucket_end > self.warmup {
                self.sink.bucket(&self.bucket);
            }
            self.bucket = BucketRecord {
                bucket_start_ms: self.bucket_end,
                servers_in_pool: self.servers_in_pool,
                workers_failing: self.workers_failing,
                ..BucketRecord::default()
            };
            self.bucket_end += self.bucket_ms;
        }
    }

    /// A request was accepted at `t` (`t` never decreases between calls).
    #[inline(always)]
    pub fn accepted(&mut self, t: u64) {
        self.reach_request(t);
        self.bucket.requests += 1;
    }

    /// A request was rejected (401) at `t`.
    #[inline]
    pub fn rejected(&mut self, t: u64) {
        self.reach_request(t);
        self.bucket.requests += 1;
        if t >= self.warmup {
            self.totals.rejected += 1;
            self.bucket.rejected += 1;
        }
    }

    /// A request was unavailable at `t`.
    #[inline]
    pub fn unavailable(&mut self, t: u64) {
        self.reach_request(t);
        self.bucket.requests += 1;
        if t >= self.warmup {
            self.totals.unavailable += 1;
            self.bucket.unavailable += 1;
        }
    }

    /// `accepted` and `unavailable` requests resolved at `t`, counted in
    /// bulk (fast-forward: requests of quiet time, and requests of quiet
    /// time that waited in a queue). `t` never decreases between calls, as
    /// for the other requests.
    pub fn resolved_in_bulk(&mut self, t: u64, accepted: u64, unavailable: u64) {
        if accepted == 0 && unavailable == 0 {
            return;
        }
        self.reach_request(t);
        self.bucket.requests += accepted + unavailable;
        if t >= self.warmup {
            self.totals.unavailable += unavailable;
            self.bucket.unavailable += unavailable;
        }
    }

    /// A user had its first rejected request at `t`.
    pub fn user_affected(&mut self, t: u64) -> bool {
        if t >= self.warmup {
            self.totals.users_affected += 1;
            true
        } else {
            false
        }
    }

    /// The balancer's pool now has `n` servers.
    pub fn servers_in_pool(&mut self, t: u64, n: u32) {
        self.reach(t);
        self.servers_in_pool = n;
        self.bucket.servers_in_pool = self.bucket.servers_in_pool.min(n);
    }

    fn failing_changed(&mut self, t: u64) {
        self.reach(t);
        self.bucket.workers_failing = self.bucket.workers_failing.max(self.workers_failing);
    }

    /// Opens a failure window at `t`; returns its slot.
    pub fn open_window(
        &mut self,
        t: u64,
        server: u32,
        app_pool: &str,
        cause: SpawnCause,
        rollover: u32,
    ) -> u32 {
        let mut users_seen = self.spare_bitsets.pop().unwrap_or_default();
        users_seen.clear();
        let words = (self.users as usize).div_ceil(64);
        // Reserved fallibly: with millions of users and many failing workers
        // at once this is the run's largest allocation.
        match users_seen.try_reserve_exact(words) {
            Ok(()) => users_seen.resize(words, 0),
            Err(_) => {
                self.out_of_memory.get_or_insert(words * 8);
            }
        }
        let window = OpenWindow {
            record: WindowRecord {
                server,
                app_pool: app_pool.to_string(),
                start_ms: t,
                end_ms: t,
                cause,
                updated: self.updated[server as usize],
                rollover,
                rejected_requests: 0,
                users_affected: 0,
            },
            users_seen,
            counted: t >= self.warmup,
        };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.open[slot as usize] = Some(window);
                slot
            }
            None => {
                self.open.push(Some(window));
                (self.open.len() - 1) as u32
            }
        };
        self.workers_failing += 1;
        self.failing_changed(t);
        slot
    }

    /// A request of `user` was rejected inside the window in `slot`.
    pub fn rejected_in_window(&mut self, slot: u32, user: u32) {
        if let Some(w) = self.open[slot as usize].as_mut() {
            w.record.rejected_requests += 1;
            let (word, bit) = ((user / 64) as usize, user % 64);
            // No bitset when it could not be allocated (the run is ending).
            if let Some(seen) = w.users_seen.get_mut(word)
                && *seen & (1 << bit) == 0
            {
                *seen |= 1 << bit;
                w.record.users_affected += 1;
            }
        }
    }

    /// Closes the window in `slot` at `t`.
    pub fn close_window(&mut self, slot: u32, t: u64) {
        if let Some(mut w) = self.open[slot as usize].take() {
            w.record.end_ms = t;
            if w.counted {
                self.tally.add(&w.record);
                self.sink.window(&w.record);
            }
            self.spare_bitsets.push(w.users_seen);
            self.free_slots.push(slot);
            self.workers_failing -= 1;
            self.failing_changed(t);
        }
    }

    /// A prompt-loop episode `[start, end)` ended.
    pub fn episode(&mut self, start: u64, end: u64) {
        if start >= self.warmup {
            let len = end.saturating_sub(start);
            self.totals.episodes += 1;
            self.totals.episode_ms_total += len;
            self.totals.episode_ms_max = self.totals.episode_ms_max.max(len);
        }
    }

    /// A server or worker was in `state` during `[start, end)`.
    pub fn interval(
        &mut self,
        server: u32,
        app_pool: &str,
        state: StateKind,
        start: u64,
        end: u64,
    ) {
        if end > start && end > self.warmup {
            self.sink.interval(&StateInterval {
                server,
                app_pool: app_pool.to_string(),
                state,
                start_ms: start,
                end_ms: end,
            });
        }
    }

    /// An event was traced (`--trace`).
    pub fn trace(&mut self, row: &TraceRecord) {
        self.sink.trace(row);
    }

    /// Closes everything still open at the horizon, hands the last rows to
    /// the sink and returns the totals (without events and fingerprint) and
    /// the windows' tally.
    pub fn finish(mut self, horizon: u64) -> (Totals, WindowTally) {
        for slot in 0..self.open.len() as u32 {
            self.close_window(slot, horizon);
        }
        self.reach(horizon.saturating_sub(1));
        if self.counting {
            self.totals.requests += self.bucket.requests;
        }
        self.totals.accepted =
            self.totals.requests - self.totals.rejected - self.totals.unavailable;
        if self.bucket_end > self.warmup && self.bucket.bucket_start_ms < horizon {
            self.sink.bucket(&self.bucket);
        }
        (self.totals, self.tally)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Collect;

    #[test]
    fn counts_into_half_open_buckets_after_warmup() {
        let mut rows = Collect::default();
        let mut r = Recorder::new(100, 100, 4, 2, &mut rows);
        r.accepted(50); // warm-up: ignored
        r.accepted(100);
        r.rejected(199);
        r.unavailable(200);
        let (totals, _) = r.finish(300);
        let rows = rows.timeseries;
        assert_eq!(totals.requests, 3);
        assert_eq!(
            (totals.accepted, totals.rejected, totals.unavailable),
            (1, 1, 1)
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].bucket_start_ms, rows[0].requests, rows[0].rejected),
            (100, 2, 1)
        );
        assert_eq!((rows[1].bucket_start_ms, rows[1].unavailable), (200, 1));
    }

    #[test]
    fn warmup_ends_inside_a_bucket_a_gauge_opened() {
        // A gauge rolls into [100, 200) before the warm-up ends at 150:
        // the requests at 120 and 149 must not count, those from 150 must.
        let mut rows = Collect::default();
        let mut r = Recorder::new(150, 100, 4, 2, &mut rows);
        r.accepted(10);
        r.servers_in_pool(110, 1);
        r.accepted(120);
        r.unavailable(149);
        r.accepted(150);
        r.rejected(199);
        r.accepted(250);
        let (totals, _) = r.finish(300);
        assert_eq!(
            (totals.requests, totals.accepted, totals.rejected),
            (3, 2, 1)
        );
        assert_eq!(totals.unavailable, 0);
        let counts: Vec<_> = rows
            .timeseries
            .iter()
            .map(|b| (b.bucket_start_ms, b.requests, b.rejected, b.unavailable))
            .collect();
        assert_eq!(counts, vec![(100, 2, 1, 0), (200, 1, 0, 0)]);
    }

    #[test]
    fn warmup_ended_by_a_gauge_forgets_earlier_requests() {
        let mut rows = Collect::default();
        let mut r = Recorder::new(150, 100, 4, 2, &mut rows);
        r.accepted(120);
        r.servers_in_pool(260, 1);
        r.accepted(270);
        let (totals, _) = r.finish(300);
        assert_eq!((totals.requests, totals.accepted), (1, 1));
        let counts: Vec<_> = rows
            .timeseries
            .iter()
            .map(|b| (b.bucket_start_ms, b.requests))
            .collect();
        assert_eq!(counts, vec![(100, 0), (200, 1)]);
    }

    #[test]
    fn gauges_keep_extremes_within_a_bucket_and_carry_over() {
        let mut rows = Collect::default();
        let mut r = Recorder::new(0, 100, 4, 3, &mut rows);
        r.servers_in_pool(10, 2);
        r.servers_in_pool(20, 3);
        let slot = r.open_window(30, 0, "ews", SpawnCause::Initial, 1);
        r.close_window(slot, 40);
        let (_, tally) = r.finish(300);
        let Collect {
            windows,
            timeseries: rows,
            ..
        } = rows;
        assert_eq!(
            tally,
            WindowTally {
                count: 1,
                total_ms: 10,
                max_ms: 10
            }
        );
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].servers_in_pool, rows[0].workers_failing), (2, 1));
        assert_eq!((rows[1].servers_in_pool, rows[1].workers_failing), (3, 0));
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].duration_ms(), 10);
    }

    #[test]
    fn windows_count_distinct_users_and_close_at_horizon() {
        let mut rows = Collect::default();
        let mut r = Recorder::new(0, 1000, 130, 1, &mut rows);
        let slot = r.open_window(5, 0, "ews", SpawnCause::MaRecycle, 1);
        for user in [3, 3, 129, 64, 3] {
            r.rejected_in_window(slot, user);
        }
        r.finish(500);
        let windows = rows.windows;
        assert_eq!(windows[0].rejected_requests, 5);
        assert_eq!(windows[0].users_affected, 3);
        assert_eq!(windows[0].end_ms, 500);
    }

    #[test]
    fn bulk_counts_go_where_single_requests_would() {
        // The same requests, one by one and in bulk, give the same rows.
        let one_by_one = {
            let mut rows = Collect::default();
            let mut r = Recorder::new(150, 100, 4, 2, &mut rows);
            r.accepted(120);
            r.unavailable(120);
            for _ in 0..3 {
                r.accepted(160);
            }
            r.unavailable(160);
            r.accepted(250);
            (r.finish(300).0, rows)
        };
        let in_bulk = {
            let mut rows = Collect::default();
            let mut r = Recorder::new(150, 100, 4, 2, &mut rows);
            r.resolved_in_bulk(120, 1, 1);
            r.resolved_in_bulk(160, 3, 1);
            r.resolved_in_bulk(200, 0, 0);
            r.resolved_in_bulk(250, 1, 0);
            (r.finish(300).0, rows)
        };
        assert_eq!(one_by_one, in_bulk);
        assert_eq!(
            (
                in_bulk.0.requests,
                in_bulk.0.unavailable,
                in_bulk.0.accepted
            ),
            (5, 1, 4)
        );
    }

    #[test]
    fn episodes_before_warmup_are_ignored() {
        let mut rows = Collect::default();
        let mut r = Recorder::new(100, 1000, 1, 1, &mut rows);
        r.episode(50, 150);
        r.episode(200, 260);
        r.episode(300, 400);
        let (totals, _) = r.finish(1000);
        assert_eq!(
            (
                totals.episodes,
                totals.episode_ms_total,
                totals.episode_ms_max
            ),
            (2, 160, 100)
        );
    }
}
