//! The simulation: binds the model's entities to the engine and runs them.
//!
//! The loop interleaves two sources in the total order of [`super::event`]:
//! the event queue (rare events) and the merged regular-request stream
//! (most of the work), which never enters the queue. Regular requests of a
//! millisecond run after every queued event of that millisecond.

use super::auth_admin::{self, AuthAdminStreams, RunKind};
use super::balancer::Balancer;
use super::clients::{
    ArrivalStream, DRAW_AHEAD_FROM_USERS, NO_SERVER, Users, hot_in_loop, hot_kid_if_valid,
};
use super::directory::Directory;
use super::event::*;
use super::issuer::Issuer;
use super::keys::{KeySet, MAX_KEYS};
use super::server::Server;
use super::worker::{OpenWindow, Process, QueuedRequest, Serving, Worker};
use super::{RunError, RunOptions};
use super::{rejoin, upgrade};
use crate::engine::{EventQueue, Fingerprint, SimTime, StreamRng, StreamSeed};
use crate::metrics::{Recorder, RowSink, RunId, RunSummary, SpawnCause, StateKind, TraceRecord};
use crate::scenario::{Affinity, Algorithm, MillisRange, Scenario, ScriptedKind, StartMode};

// Fast-forward (`model/fast_forward.rs`) is a child of this module: it
// switches the run between exact and quiet stretches on this state.
#[path = "fast_forward.rs"]
mod fast_forward;
use fast_forward::FastForward;

/// Per-worker random streams.
struct WorkerStreams {
    crash: StreamRng,
    recycle: StreamRng,
    update: StreamRng,
}

/// Per-server random streams.
struct ServerStreams {
    crash: StreamRng,
    reboot: StreamRng,
    maintenance: StreamRng,
    /// Durations of installation windows drawn from `maintenance.duration`.
    update: StreamRng,
}

/// One run in progress.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    read_session: bool,
    now: SimTime,
    horizon: SimTime,
    queue: EventQueue<Event>,
    fingerprint: Fingerprint,
    events: u64,
    issuer: Issuer,
    directory: Directory,
    servers: Vec<Server>,
    workers: Vec<Worker>,
    serving: Serving,
    app_pools: u32,
    balancer: Balancer,
    /// Round robin without client affinity: routing is one step.
    plain_round_robin: bool,
    users: Users,
    arrivals: ArrivalStream,
    recorder: Recorder<'a>,
    trace: bool,
    error: Option<RunError>,
    /// [`RunOptions::stop`] and [`RunOptions::max_events`], checked at queued events.
    stop: Option<&'static std::sync::atomic::AtomicBool>,
    max_events: u64,
    /// [`RunOptions::progress`], published at queued events.
    progress: Option<&'a super::progress::RunProgress>,
    token_rng: StreamRng,
    replication_rng: StreamRng,
    auth_admin: AuthAdminStreams,
    retry_rng: StreamRng,
    server_streams: Vec<ServerStreams>,
    worker_streams: Vec<WorkerStreams>,
    /// Fast-forward's state; `None` in exact mode.
    ff: Option<Box<FastForward>>,
}

#[inline]
fn draw(rng: &mut StreamRng, range: MillisRange) -> u64 {
    rng.uniform_ms(range.min, range.max)
}

impl<'a> Simulation<'a> {
    /// Sets up the run `id` of `sc` at t = 0, its rows going to `sink`.
    pub fn new(
        sc: &'a Scenario,
        id: RunId,
        options: RunOptions<'a>,
        sink: &'a mut dyn RowSink,
    ) -> Result<Self, RunError> {
        let root = StreamSeed {
            seed: id.seed,
            replication: id.replication,
        };
        let servers = sc.pool.servers;
        let app_pools = sc.pool.app_pools.len() as u32;
        let server_streams = (0..servers)
            .map(|i| ServerStreams {
                crash: root.stream(&format!("server.{i}.crash")),
                reboot: root.stream(&format!("server.{i}.reboot")),
                maintenance: root.stream(&format!("server.{i}.maintenance")),
                update: root.stream(&format!("server.{i}.update")),
            })
            .collect();
        let mut workers = Vec::with_capacity(servers * app_pools as usize);
        let mut worker_streams = Vec::with_capacity(servers * app_pools as usize);
        for s in 0..servers {
            for (p, name) in sc.pool.app_pools.iter().enumerate() {
                workers.push(Worker::new(s as u32, p as u32));
                worker_streams.push(WorkerStreams {
                    crash: root.stream(&format!("worker.{s}.{name}.crash")),
                    recycle: root.stream(&format!("worker.{s}.{name}.recycle")),
                    update: root.stream(&format!("worker.{s}.{name}.update")),
                });
            }
        }
        let ff = sc
            .simulation
            .fast_forward
            .then(|| Box::new(FastForward::new(sc, &root, workers.len(), servers)));
        let mut sim = Simulation {
            sc,
            read_session: id.read_session,
            now: SimTime::ZERO,
            horizon: SimTime(sc.simulation.horizon),
            queue: EventQueue::new(),
            fingerprint: Fingerprint::default(),
            events: 0,
            issuer: Issuer::new(&sc.issuer, root.stream(super::issuer::ROLLOVER_STREAM)),
            directory: Directory::new(),
            servers: vec![Server::new(); servers],
            serving: Serving::new(workers.len()),
            workers,
            app_pools,
            plain_round_robin: sc.balancer.algorithm == Algorithm::RoundRobin
                && sc.balancer.affinity != Affinity::Client,
            balancer: Balancer::new(
                sc.balancer.algorithm,
                servers,
                root.stream("clients.routing"),
            ),
            users: Users::new(sc.clients.users, sc.balancer.affinity == Affinity::Client)?,
            arrivals: ArrivalStream::new(
                &sc.clients,
                app_pools,
                root.stream("clients.arrivals"),
                sc.clients.users >= DRAW_AHEAD_FROM_USERS,
            ),
            recorder: Recorder::new(
                sc.simulation.warmup,
                sc.simulation.bucket,
                sc.clients.users,
                servers as u32,
                sink,
            ),
            trace: options.trace,
            error: None,
            stop: options.stop,
            max_events: options.max_events.unwrap_or(u64::MAX),
            progress: options.progress,
            token_rng: root.stream("issuer.token_lifetime"),
            replication_rng: root.stream("directory.replication"),
            auth_admin: AuthAdminStreams::new(&root),
            retry_rng: root.stream("clients.retry"),
            server_streams,
            worker_streams,
            ff,
        };
        for &s in &sc.pool.without_update {
            sim.servers[s].updated = false;
            sim.recorder.server_updated(s as u32, false);
        }
        sim.schedule_initial_events();
        Ok(sim)
    }

    /// Schedules `event` at `t`; events at or after the horizon never happen.
    #[inline]
    fn at(&mut self, t: SimTime, event: Event) {
        if t < self.horizon {
            self.queue.schedule(t, event.priority(), event);
        }
    }

    fn trace(
        &mut self,
        kind: &'static str,
        server: Option<u32>,
        app_pool: Option<u32>,
        detail: impl FnOnce() -> String,
    ) {
        if self.trace {
            self.recorder.trace(&TraceRecord {
                time_ms: self.now.ms(),
                kind,
                server,
                app_pool,
                detail: detail(),
            });
        }
    }

    fn schedule_initial_events(&mut self) {
        let sc = self.sc;
        self.schedule_resumes();
        self.schedule_next_rollover();
        if sc.auth_admin.interval.is_some() {
            self.at(SimTime(sc.auth_admin.first_run), Event::AuthAdminRun);
        }
        for s in 0..self.servers.len() {
            self.schedule_server_crash_tick(s as u32);
        }
        if sc.maintenance.rolling_every.is_some() {
            self.at(
                SimTime(sc.maintenance.rolling_first),
                Event::MaintenanceCycle,
            );
        }
        for w in &sc.maintenance.windows {
            self.at(
                SimTime(w.start),
                Event::MaintenanceStart {
                    server: w.server as u32,
                    source: WindowSource::Explicit(w.duration),
                },
            );
        }
        if let Some((server, at)) =
            upgrade::first_in_rollout(&sc.pool.without_update, sc.upgrade.rolling_first)
        {
            self.at(
                SimTime(at),
                Event::InstallStart {
                    server: server as u32,
                    source: InstallSource::Rolling,
                },
            );
        }
        for w in 0..self.workers.len() as u32 {
            self.schedule_worker_crash_tick(w);
            self.schedule_ma_recycle_tick(w);
            if sc.worker.start_mode == StartMode::AlwaysRunning {
                self.spawn_worker(w);
            }
        }
        for e in &sc.events {
            let worker = e.server as u32 * self.app_pools + e.app_pool.unwrap_or(0) as u32;
            let event = match e.kind {
                ScriptedKind::ServerCrash => Event::ServerCrash {
                    server: e.server as u32,
                    scripted: true,
                },
                ScriptedKind::WorkerCrash => Event::WorkerCrash {
                    worker,
                    scripted: true,
                },
                ScriptedKind::MaRecycle => Event::MaRecycle {
                    worker,
                    scripted: true,
                },
                ScriptedKind::PeriodicRecycle => Event::PeriodicRecycle {
                    worker,
                    generation: 0,
                    scripted: true,
                },
                ScriptedKind::InstallUpdate => Event::InstallStart {
                    server: e.server as u32,
                    source: e
                        .duration
                        .map_or(InstallSource::Drawn, InstallSource::Explicit),
                },
            };
            self.at(SimTime(e.at), event);
        }
        self.at(SimTime::ZERO, Event::Probe);
    }

    fn schedule_server_crash_tick(&mut self, server: u32) {
        if let Some(mean) = self.sc.server.crash_rate.mean_interval_ms() {
            let gap = self.server_streams[server as usize]
                .crash
                .exp_ms(mean)
                .max(1);
            self.at(
                self.now.after(gap),
                Event::ServerCrash {
                    server,
                    scripted: false,
                },
            );
        }
    }

    fn schedule_worker_crash_tick(&mut self, worker: u32) {
        if let Some(mean) = self.sc.worker.crash_rate.mean_interval_ms() {
            let gap = self.worker_streams[worker as usize]
                .crash
                .exp_ms(mean)
                .max(1);
            self.at(
                self.now.after(gap),
                Event::WorkerCrash {
                    worker,
                    scripted: false,
                },
            );
        }
    }

    fn schedule_ma_recycle_tick(&mut self, worker: u32) {
        if let Some(mean) = self.sc.worker.ma_recycle_rate.mean_interval_ms() {
            let gap = self.worker_streams[worker as usize]
                .recycle
                .exp_ms(mean)
                .max(1);
            self.at(
                self.now.after(gap),
                Event::MaRecycle {
                    worker,
                    scripted: false,
                },
            );
        }
    }

    fn schedule_next_rollover(&mut self) {
        if let Some(r) = self.issuer.next_rollover() {
            if r.publish >= self.horizon {
                return;
            }
            let key = self.issuer.published;
            if key >= MAX_KEYS {
                self.error.get_or_insert(RunError::TooManyRollovers {
                    count: key,
                    max: MAX_KEYS - 1,
                });
                return;
            }
            self.at(
                r.publish,
                Event::RolloverPublish {
                    key: key as u8,
                    lead: r.lead,
                },
            );
        }
    }

    /// Runs to the horizon and returns what was measured.
    pub fn run(mut self, id: RunId) -> Result<RunSummary, RunError> {
        if self.ff.is_some() {
            return self.run_fast_forward(id);
        }
        let horizon = self.horizon.ms();
        loop {
            if self.arrivals.draws_ahead() {
                self.regular_requests::<true>();
            } else {
                self.regular_requests::<false>();
            }
            let next_event = self.queue.next_time().ms();
            if next_event >= horizon {
                break;
            }
            let Some((key, event)) = self.queue.pop() else {
                break;
            };
            self.now = key.time;
            let (kind, entity) = event.code();
            self.fingerprint.record(key.time.ms(), kind, entity);
            self.events += 1;
            self.handle(event);
            if let Some(error) = self.error.take() {
                return Err(error);
            }
            self.check_limits()?;
        }
        self.now = self.horizon;
        Ok(self.finish(id))
    }

    /// The checks of [`RunOptions`] and of the recorder's allocations, made at
    /// every queued event (never per request), and the progress published.
    #[inline]
    fn check_limits(&self) -> Result<(), RunError> {
        if let Some(p) = self.progress {
            p.publish(self.now.ms(), self.events);
        }
        if self.events > self.max_events {
            return Err(RunError::TooManyEvents {
                limit: self.max_events,
            });
        }
        if self
            .stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Err(RunError::Stopped);
        }
        if let Some(bytes) = self.recorder.out_of_memory() {
            return Err(RunError::OutOfMemory {
                what: "the users of a failure window",
                bytes,
            });
        }
        Ok(())
    }

    /// The hot loop: regular requests up to the next queued event. The
    /// bound is read again after every request, because a request may
    /// schedule an event (an update, a retry) before the next arrival.
    /// `AHEAD`: the stream draws ahead, and the user of each arrival drawn
    /// is prefetched.
    #[inline(always)]
    fn regular_requests<const AHEAD: bool>(&mut self) {
        let horizon = self.horizon.ms();
        loop {
            let arrival = self.arrivals.peek::<AHEAD>();
            if arrival.ms >= self.queue.next_time().ms().min(horizon) {
                break;
            }
            self.now = SimTime(arrival.ms);
            self.regular_request(arrival.user, arrival.app_pool);
            let drawn = self.arrivals.advance::<AHEAD>();
            if AHEAD {
                self.users.prefetch(drawn);
            }
        }
    }

    fn finish(mut self, id: RunId) -> RunSummary {
        let horizon = self.horizon.ms();
        for u in 0..self.users.len() as u32 {
            if let Some(start) = self.users.close_loop_at_horizon(u) {
                self.recorder.episode(start, horizon);
            }
        }
        for s in 0..self.servers.len() {
            let server = self.servers[s].clone();
            let s = s as u32;
            if server.crashed {
                self.recorder.interval(
                    s,
                    "",
                    StateKind::Crashed,
                    server.crashed_since.ms(),
                    horizon,
                );
            }
            if server.offline {
                self.recorder.interval(
                    s,
                    "",
                    StateKind::Maintenance,
                    server.offline_since.ms(),
                    horizon,
                );
            } else if server.maintenance_depth > 0 {
                self.recorder.interval(
                    s,
                    "",
                    StateKind::Draining,
                    server.draining_since.ms(),
                    horizon,
                );
            }
            if !server.in_pool {
                self.recorder.interval(
                    s,
                    "",
                    StateKind::OutOfPool,
                    server.out_of_pool_since.ms(),
                    horizon,
                );
            }
        }
        for w in 0..self.workers.len() {
            if self.workers[w].process == Process::Starting {
                let (s, p, since) = (
                    self.workers[w].server,
                    self.workers[w].app_pool,
                    self.workers[w].spawned_at,
                );
                let name = &self.sc.pool.app_pools[p as usize];
                self.recorder
                    .interval(s, name, StateKind::WorkerStarting, since.ms(), horizon);
            }
        }
        let (mut totals, windows) = self.recorder.finish(horizon);
        totals.events = self.events;
        totals.fingerprint = self.fingerprint.value();
        RunSummary {
            id,
            totals,
            windows,
            rollovers: self.issuer.records,
            wall_ms: 0,
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::ServerCrash { server, scripted } => {
                if !scripted {
                    self.schedule_server_crash_tick(server);
                }
                self.crash_server(server);
            }
            Event::WorkerCrash { worker, scripted } => {
                if !scripted {
                    self.schedule_worker_crash_tick(worker);
                }
                self.crash_worker(worker);
            }
            Event::MaRecycle { worker, scripted } => {
                if !scripted {
                    self.schedule_ma_recycle_tick(worker);
                }
                self.recycle_worker(worker, SpawnCause::MaRecycle);
            }
            Event::PeriodicRecycle {
                worker,
                generation,
                scripted,
            } => {
                if scripted || generation == self.workers[worker as usize].generation {
                    self.recycle_worker(worker, SpawnCause::PeriodicRecycle);
                }
            }
            Event::MaintenanceCycle => {
                if let Some(every) = self.sc.maintenance.rolling_every {
                    self.at(self.now.after(every), Event::MaintenanceCycle);
                }
                self.at(
                    self.now,
                    Event::MaintenanceStart {
                        server: 0,
                        source: WindowSource::Rolling,
                    },
                );
            }
            Event::MaintenanceStart { server, source } => self.start_maintenance(server, source),
            Event::InstallStart { server, source } => self.start_install(server, source),
            Event::InstallEnd { server } => self.end_install(server),
            Event::RolloverPublish { key, lead } => {
                self.issuer
                    .publish(key, self.now, lead, self.sc.issuer.retire_after);
                self.trace("rollover_publish", None, None, || format!("k{key}"));
                self.at(self.now.after(lead), Event::RolloverSign { key });
                if let Some(t) =
                    auth_admin::after_rollover_at(self.now, self.sc.auth_admin.after_rollover)
                {
                    self.at(t, Event::AuthAdminAfterRollover { key });
                }
                self.schedule_next_rollover();
            }
            Event::RolloverSign { key } => {
                self.issuer.start_signing(key);
                self.trace("rollover_sign", None, None, || format!("k{key}"));
                if key > 0 {
                    self.at(
                        self.now.after(self.sc.issuer.retire_after),
                        Event::RolloverRetire { key: key - 1 },
                    );
                }
            }
            Event::RolloverRetire { key } => {
                self.issuer.retire(key);
                self.trace("rollover_retire", None, None, || format!("k{key}"));
            }
            Event::DirectoryWriteVisible { keys } => {
                self.directory.write_visible(keys);
                self.trace("directory_visible", None, None, || keys.to_string());
            }
            Event::AuthAdminRun => self.run_auth_admin(RunKind::Periodic),
            Event::AuthAdminAfterRollover { key } => {
                self.run_auth_admin(RunKind::AfterRollover(key))
            }
            Event::AuthAdminDone { keys, failed } => {
                self.trace("auth_admin_done", None, None, || {
                    if failed {
                        "failed".to_string()
                    } else {
                        keys.to_string()
                    }
                });
                if !failed {
                    self.write_directory(keys);
                }
            }
            Event::UpdateDone {
                worker,
                generation,
                keys,
            } => {
                if generation == self.workers[worker as usize].generation {
                    self.finish_update(worker, keys);
                }
            }
            Event::HoldEnd { worker, generation } => {
                if generation == self.workers[worker as usize].generation {
                    self.workers[worker as usize].hold_until = SimTime::ZERO;
                    self.start_update(worker, true);
                }
            }
            Event::CacheReload { worker, generation } => {
                if generation == self.workers[worker as usize].generation {
                    self.reload_cache(worker, generation);
                }
            }
            Event::RebootDone { server } => self.reboot_done(server),
            Event::MaintenanceEnd { server } => self.end_maintenance(server),
            Event::WorkerSpawn { worker } => {
                self.workers[worker as usize].spawn_scheduled = false;
                let w = &self.workers[worker as usize];
                let wanted = self.keeps_processes(w.server) || w.has_waiting();
                if wanted
                    && !w.has_process()
                    && self.now >= w.not_before
                    && self.servers[w.server as usize].running()
                {
                    self.spawn_worker(worker);
                }
            }
            Event::WorkerReady { worker, generation } => {
                if generation == self.workers[worker as usize].generation {
                    self.worker_ready(worker);
                }
            }
            Event::Probe => self.probe(),
            Event::Retry { user, generation } => {
                let users = &mut self.users;
                if generation == users.retry_generation(user) && users.in_loop(user) {
                    users.set_retry_pending(user, false);
                    let pool = u32::from(users.retry_pool(user));
                    let kid = self.issue_token(user);
                    self.send::<true>(user, pool, kid);
                }
            }
            Event::GiveUp { user, generation } => {
                let users = &self.users;
                if generation == users.retry_generation(user) && users.in_loop(user) {
                    self.end_loop(user);
                    // Resumes regular requests with a fresh token.
                    self.users.drop_token(user);
                }
            }
            Event::Resume { .. } => self.resume(),
            Event::QuietRequest { worker, generation } => self.quiet_request(worker, generation),
        }
    }

    // ---- servers and maintenance ----------------------------------------

    fn crash_server(&mut self, server: u32) {
        let s = server as usize;
        if !self.servers[s].running() {
            self.trace("server_crash", Some(server), None, || {
                "ignored: server not running".into()
            });
            return;
        }
        let reboot = draw(&mut self.server_streams[s].reboot, self.sc.server.reboot);
        self.trace("server_crash", Some(server), None, || {
            format!("reboot in {reboot} ms")
        });
        self.servers[s].crashed = true;
        self.refresh_server(server);
        self.servers[s].crashed_since = self.now;
        self.stop_server_workers(server, SpawnCause::ServerReboot);
        self.at(self.now.after(reboot), Event::RebootDone { server });
    }

    fn reboot_done(&mut self, server: u32) {
        let s = server as usize;
        self.servers[s].crashed = false;
        self.refresh_server(server);
        let since = self.servers[s].crashed_since.ms();
        self.recorder
            .interval(server, "", StateKind::Crashed, since, self.now.ms());
        self.trace("reboot_done", Some(server), None, String::new);
        if self.servers[s].maintenance_depth > 0 && !self.servers[s].in_pool {
            self.go_offline(server);
        } else if self.servers[s].running() {
            self.start_server_workers(server, SpawnCause::ServerReboot);
        }
    }

    fn start_maintenance(&mut self, server: u32, source: WindowSource) {
        let s = server as usize;
        let duration = match source {
            WindowSource::Rolling => draw(
                &mut self.server_streams[s].maintenance,
                self.sc.maintenance.duration,
            ),
            WindowSource::Explicit(d) => d,
        };
        self.trace("maintenance_start", Some(server), None, || {
            format!("{duration} ms")
        });
        self.at(self.now.after(duration), Event::MaintenanceEnd { server });
        if source == WindowSource::Rolling && s + 1 < self.servers.len() {
            let next = self.now.after(duration).after(self.sc.maintenance.gap);
            self.at(
                next,
                Event::MaintenanceStart {
                    server: server + 1,
                    source: WindowSource::Rolling,
                },
            );
        }
        self.open_window(server);
    }

    /// A maintenance window (or installation window) opens on `server`:
    /// windows nest; the first starts the drain.
    fn open_window(&mut self, server: u32) {
        let srv = &mut self.servers[server as usize];
        srv.maintenance_depth += 1;
        if srv.maintenance_depth == 1 {
            srv.draining_since = self.now;
            if !srv.in_pool {
                self.go_offline(server);
            }
        }
    }

    /// An installation window of the update: a maintenance window that
    /// installs it once the server is offline (R11).
    fn start_install(&mut self, server: u32, source: InstallSource) {
        let s = server as usize;
        let duration = match source {
            InstallSource::Rolling | InstallSource::Drawn => draw(
                &mut self.server_streams[s].update,
                self.sc.maintenance.duration,
            ),
            InstallSource::Explicit(d) => d,
        };
        self.trace("install_update_start", Some(server), None, || {
            format!("{duration} ms")
        });
        self.at(self.now.after(duration), Event::InstallEnd { server });
        if source == InstallSource::Rolling
            && let Some(next) = upgrade::next_in_rollout(&self.sc.pool.without_update, s)
        {
            let at = self.now.after(duration).after(self.sc.maintenance.gap);
            self.at(
                at,
                Event::InstallStart {
                    server: next as u32,
                    source: InstallSource::Rolling,
                },
            );
        }
        self.servers[s].install_windows += 1;
        self.open_window(server);
        // Already offline (in another window): installed at once.
        self.install_if_offline(server);
    }

    fn install_if_offline(&mut self, server: u32) {
        if self.servers[server as usize].install_if_offline() {
            self.recorder.server_updated(server, true);
            self.trace("update_installed", Some(server), None, String::new);
        }
    }

    fn end_install(&mut self, server: u32) {
        let srv = &mut self.servers[server as usize];
        srv.install_windows -= 1;
        // Offline stays until the last window ends: a server not offline now
        // never was during this window, so nothing was installed.
        if !srv.offline {
            self.trace("update_cancelled", Some(server), None, || {
                "window ended before the server left the pool".into()
            });
        }
        self.end_maintenance(server);
    }

    fn go_offline(&mut self, server: u32) {
        let s = server as usize;
        if self.servers[s].offline {
            return;
        }
        self.servers[s].offline = true;
        self.refresh_server(server);
        self.servers[s].offline_since = self.now;
        let drained_since = self.servers[s].draining_since.ms();
        self.recorder.interval(
            server,
            "",
            StateKind::Draining,
            drained_since,
            self.now.ms(),
        );
        self.trace("maintenance_offline", Some(server), None, String::new);
        self.stop_server_workers(server, SpawnCause::MaintenanceReturn);
        self.install_if_offline(server);
    }

    fn end_maintenance(&mut self, server: u32) {
        let s = server as usize;
        self.servers[s].maintenance_depth -= 1;
        if self.servers[s].maintenance_depth > 0 {
            return;
        }
        self.trace("maintenance_end", Some(server), None, String::new);
        if self.servers[s].offline {
            self.servers[s].offline = false;
            self.refresh_server(server);
            let since = self.servers[s].offline_since.ms();
            self.recorder
                .interval(server, "", StateKind::Maintenance, since, self.now.ms());
            if self.servers[s].running() {
                self.start_server_workers(server, SpawnCause::MaintenanceReturn);
            }
        } else {
            // The window ended before the balancer removed the server: the
            // drain is cancelled and its workers keep running.
            let since = self.servers[s].draining_since.ms();
            self.recorder
                .interval(server, "", StateKind::Draining, since, self.now.ms());
        }
        self.servers[s].draining_since = SimTime::NEVER;
    }

    /// Brings `worker`'s entry of the serving table in line with its
    /// process, its cache and its server.
    fn refresh_serving(&mut self, worker: u32) {
        let w = &self.workers[worker as usize];
        let keys = if w.process == Process::Ready && self.servers[w.server as usize].running() {
            w.cache
        } else {
            KeySet::EMPTY
        };
        self.serving.set(worker, keys);
    }

    /// The serving entries of every worker of `server` (it started or stopped running).
    fn refresh_server(&mut self, server: u32) {
        for w in self.worker_range(server) {
            self.refresh_serving(w);
        }
    }

    fn worker_range(&self, server: u32) -> std::ops::Range<u32> {
        server * self.app_pools..(server + 1) * self.app_pools
    }

    /// The server stops: its processes end and queued requests fail.
    fn stop_server_workers(&mut self, server: u32, next_cause: SpawnCause) {
        self.flush_bulk();
        self.servers[server as usize].warming = false;
        for w in self.worker_range(server) {
            self.end_process(w, next_cause);
            let worker = &mut self.workers[w as usize];
            let mut queue = std::mem::take(&mut worker.queue);
            let bulk = std::mem::take(&mut worker.bulk_queued);
            let srv = &mut self.servers[server as usize];
            srv.outstanding = srv
                .outstanding
                .saturating_sub(bulk.min(u64::from(u32::MAX)) as u32);
            self.recorder.resolved_in_bulk(self.now.ms(), 0, bulk);
            self.servers[server as usize].outstanding -= queue.len() as u32;
            for request in queue.drain(..) {
                self.unavailable(request.user());
            }
            self.workers[w as usize].queue = queue;
        }
    }

    /// The server runs again: new processes (always running, or a warm-up
    /// before rejoining) or a cause for the next on-demand spawn.
    fn start_server_workers(&mut self, server: u32, cause: SpawnCause) {
        let cause = self.servers[server as usize].return_cause(cause);
        self.servers[server as usize].warming =
            rejoin::warms_up(cause, self.sc.maintenance.rejoin_after);
        let spawn_all = self.keeps_processes(server);
        for w in self.worker_range(server) {
            self.workers[w as usize].next_cause = cause;
            if spawn_all {
                // A worker crash just before the server stopped still
                // delays its next process (R4), whatever happened since.
                let not_before = self.workers[w as usize].not_before;
                if self.now >= not_before {
                    self.spawn_worker(w);
                } else {
                    self.schedule_spawn(w, not_before);
                }
            }
        }
    }

    /// Whether `server`'s workers get a process whether or not a request
    /// waits: always running, or warming up before rejoining.
    fn keeps_processes(&self, server: u32) -> bool {
        self.sc.worker.start_mode == StartMode::AlwaysRunning
            || self.servers[server as usize].warming
    }

    fn probe(&mut self) {
        let mut changed = false;
        for s in 0..self.servers.len() {
            let server = s as u32;
            if self.servers[s].warming {
                let range = self.worker_range(server);
                let workers = &self.workers[range.start as usize..range.end as usize];
                if rejoin::warmed_up(workers, self.now, self.sc.maintenance.rejoin_after) {
                    self.servers[s].warming = false;
                    self.trace("warm_up_done", Some(server), None, String::new);
                }
            }
            let healthy = self.servers[s].healthy();
            let srv = &mut self.servers[s];
            if healthy {
                srv.good_probes += 1;
                srv.failed_probes = 0;
                if !srv.in_pool && srv.good_probes >= self.sc.balancer.probe_up_after {
                    srv.in_pool = true;
                    let since = srv.out_of_pool_since.ms();
                    self.balancer.add(server);
                    self.recorder
                        .interval(server, "", StateKind::OutOfPool, since, self.now.ms());
                    self.trace("pool_join", Some(server), None, String::new);
                    changed = true;
                }
            } else {
                srv.failed_probes += 1;
                srv.good_probes = 0;
                if srv.in_pool && srv.failed_probes >= self.sc.balancer.probe_down_after {
                    srv.in_pool = false;
                    srv.out_of_pool_since = self.now;
                    let in_maintenance = srv.maintenance_depth > 0;
                    self.balancer.remove(server);
                    self.trace("pool_leave", Some(server), None, String::new);
                    changed = true;
                    if in_maintenance {
                        self.go_offline(server);
                    }
                }
            }
        }
        if changed {
            let n = self.balancer.members().len() as u32;
            self.recorder.servers_in_pool(self.now.ms(), n);
            self.pool_changed();
        }
        self.at(
            self.now.after(self.sc.balancer.probe_interval),
            Event::Probe,
        );
    }

    // ---- worker processes ---------------------------------------------------

    fn spawn_worker(&mut self, worker: u32) {
        let visible = self.directory.visible;
        let w = &mut self.workers[worker as usize];
        w.spawn(self.now, visible);
        self.refresh_serving(worker);
        let w = &self.workers[worker as usize];
        let generation = w.generation;
        let (server, pool, cause) = (w.server, w.app_pool, w.cause);
        self.trace("worker_spawn", Some(server), Some(pool), || {
            format!("{} loads {visible}", cause.as_str())
        });
        let wk = &self.sc.worker;
        self.at(
            self.now.after(wk.startup),
            Event::WorkerReady { worker, generation },
        );
        if let Some(reload) = wk.cache_reload {
            self.at(
                self.now.after(reload),
                Event::CacheReload { worker, generation },
            );
        }
        if let Some(period) = wk.periodic_recycle {
            self.at(
                self.now.after(period),
                Event::PeriodicRecycle {
                    worker,
                    generation,
                    scripted: false,
                },
            );
        }
    }

    /// Ends the worker's process, if any; its window closes (R10).
    fn end_process(&mut self, worker: u32, next_cause: SpawnCause) -> bool {
        let w = &mut self.workers[worker as usize];
        if !w.has_process() {
            // Nothing ended: the next process keeps the cause it had.
            return false;
        }
        w.next_cause = next_cause;
        if let Some(window) = w.window.take() {
            self.recorder.close_window(window.slot, self.now.ms());
        }
        if w.process == Process::Starting {
            let name = &self.sc.pool.app_pools[w.app_pool as usize];
            self.recorder.interval(
                w.server,
                name,
                StateKind::WorkerStarting,
                w.spawned_at.ms(),
                self.now.ms(),
            );
        }
        w.end_process();
        self.refresh_serving(worker);
        true
    }

    fn crash_worker(&mut self, worker: u32) {
        let (server, pool) = (
            self.workers[worker as usize].server,
            self.workers[worker as usize].app_pool,
        );
        if !self.end_process(worker, SpawnCause::CrashRestart) {
            self.trace("worker_crash", Some(server), Some(pool), || {
                "ignored: no process".into()
            });
            return;
        }
        self.trace("worker_crash", Some(server), Some(pool), String::new);
        let restart = self.now.after(self.sc.worker.restart_delay);
        self.workers[worker as usize].not_before = restart;
        self.respawn_if_wanted(worker, restart);
    }

    fn recycle_worker(&mut self, worker: u32, cause: SpawnCause) {
        let (server, pool) = (
            self.workers[worker as usize].server,
            self.workers[worker as usize].app_pool,
        );
        if !self.end_process(worker, cause) {
            self.trace(cause.as_str(), Some(server), Some(pool), || {
                "ignored: no process".into()
            });
            return;
        }
        self.trace(cause.as_str(), Some(server), Some(pool), String::new);
        self.respawn_if_wanted(worker, self.now);
    }

    fn respawn_if_wanted(&mut self, worker: u32, at: SimTime) {
        let w = &self.workers[worker as usize];
        if self.keeps_processes(w.server) || w.has_waiting() {
            self.schedule_spawn(worker, at);
        }
    }

    fn schedule_spawn(&mut self, worker: u32, at: SimTime) {
        let w = &mut self.workers[worker as usize];
        if !w.spawn_scheduled {
            w.spawn_scheduled = true;
            self.at(at, Event::WorkerSpawn { worker });
        }
    }

    fn worker_ready(&mut self, worker: u32) {
        let w = &mut self.workers[worker as usize];
        w.process = Process::Ready;
        self.refresh_serving(worker);
        let w = &mut self.workers[worker as usize];
        let (server, pool, since) = (w.server, w.app_pool, w.spawned_at);
        let mut queue = std::mem::take(&mut w.queue);
        let name = &self.sc.pool.app_pools[pool as usize];
        self.recorder.interval(
            server,
            name,
            StateKind::WorkerStarting,
            since.ms(),
            self.now.ms(),
        );
        self.servers[server as usize].outstanding -= queue.len() as u32;
        for request in queue.drain(..) {
            self.validate(worker, request.user(), request.kid());
        }
        self.workers[worker as usize].queue = queue;
        // Fast-forward: requests of quiet time, which carry the signing key
        // the process loaded (the quiet condition).
        let bulk = std::mem::take(&mut self.workers[worker as usize].bulk_queued);
        if bulk > 0 {
            let srv = &mut self.servers[server as usize];
            srv.outstanding = srv
                .outstanding
                .saturating_sub(bulk.min(u64::from(u32::MAX)) as u32);
            self.recorder.resolved_in_bulk(self.now.ms(), bulk, 0);
        }
    }

    /// R6: an update, started by a rejection or after a hold.
    fn start_update(&mut self, worker: u32, after_hold: bool) {
        let wk = &self.sc.worker;
        let w = &mut self.workers[worker as usize];
        let newly_spawned = !after_hold && w.is_new(self.now, wk.new_process_age);
        // A server without the update uses the write session whatever the flag (R11).
        let write_session =
            upgrade::write_session(self.read_session, self.servers[w.server as usize].updated);
        let fails = write_session && (newly_spawned || wk.established_write_session_fails);
        let (server, pool, generation) = (w.server, w.app_pool, w.generation);
        if fails {
            w.hold_until = self.now.after(wk.failed_update_hold);
            let until = w.hold_until;
            self.trace("update_failed", Some(server), Some(pool), || {
                format!("hold until {}", until.ms())
            });
            self.at(until, Event::HoldEnd { worker, generation });
        } else {
            w.update_in_flight = true;
            let latency = draw(
                &mut self.worker_streams[worker as usize].update,
                wk.update_latency,
            );
            let keys = self.issuer.metadata;
            self.trace("update_start", Some(server), Some(pool), || {
                format!("fetched {keys}")
            });
            self.at(
                self.now.after(latency),
                Event::UpdateDone {
                    worker,
                    generation,
                    keys,
                },
            );
        }
    }

    fn finish_update(&mut self, worker: u32, keys: KeySet) {
        let w = &mut self.workers[worker as usize];
        w.update_in_flight = false;
        w.cache = keys;
        self.refresh_serving(worker);
        let w = &self.workers[worker as usize];
        let (server, pool) = (w.server, w.app_pool);
        self.trace("update_done", Some(server), Some(pool), || keys.to_string());
        self.write_directory(keys);
        self.close_window_if_healed(worker);
    }

    fn reload_cache(&mut self, worker: u32, generation: u32) {
        let (visible, retired) = (self.directory.visible, self.issuer.retired);
        let w = &mut self.workers[worker as usize];
        w.reload(visible, retired);
        self.refresh_serving(worker);
        let w = &self.workers[worker as usize];
        let (server, pool, cache) = (w.server, w.app_pool, w.cache);
        self.trace("cache_reload", Some(server), Some(pool), || {
            cache.to_string()
        });
        if let Some(period) = self.sc.worker.cache_reload {
            self.at(
                self.now.after(period),
                Event::CacheReload { worker, generation },
            );
        }
        self.close_window_if_healed(worker);
    }

    /// R10: the window closes when the cache gains the rejected key. A key
    /// the issuer has retired can never be gained; the window then closes at
    /// the first update or reload after the retirement (the rejections are
    /// the token's fault from then on, not the worker's).
    fn close_window_if_healed(&mut self, worker: u32) {
        let w = &mut self.workers[worker as usize];
        if let Some(OpenWindow { kid, slot }) = w.window
            && (w.cache.contains(kid) || self.issuer.retired.contains(kid))
        {
            w.window = None;
            self.recorder.close_window(slot, self.now.ms());
        }
    }

    // ---- directory and auth admin job ---------------------------------------

    fn write_directory(&mut self, keys: KeySet) {
        let delay = draw(
            &mut self.replication_rng,
            self.sc.directory.replication_delay,
        );
        self.at(self.now.after(delay), Event::DirectoryWriteVisible { keys });
    }

    /// R7: a run of the auth admin job, periodic or after a rollover.
    fn run_auth_admin(&mut self, kind: RunKind) {
        let aa = &self.sc.auth_admin;
        if kind == RunKind::Periodic
            && let Some(interval) = aa.interval
        {
            self.at(self.now.after(interval), Event::AuthAdminRun);
        }
        let (latency, failure_test) = self
            .auth_admin
            .of(kind)
            .draw(self.sc.worker.update_latency, aa.write_session_fails);
        // The trace says which run it was (an extra one names its key).
        let label = move || match kind {
            RunKind::Periodic => String::new(),
            RunKind::AfterRollover(key) => format!("after k{key}: "),
        };
        let servers = &self.servers;
        match auth_admin::choose_server(aa.anchor, |s| servers[s].running(), servers.len()) {
            None => self.trace("auth_admin_run", None, None, || {
                format!("{}skipped: no server up", label())
            }),
            Some(server) => {
                let write_session =
                    upgrade::write_session(self.read_session, self.servers[server].updated);
                let failed = auth_admin::fails(write_session, failure_test);
                let keys = self.issuer.metadata;
                self.trace("auth_admin_run", Some(server as u32), None, || {
                    format!("{}read {keys}", label())
                });
                self.at(
                    self.now.after(latency),
                    Event::AuthAdminDone { keys, failed },
                );
            }
        }
    }

    // ---- requests and users ----------------------------------------------------

    /// A regular request of the merged stream (suppressed in a prompt loop).
    #[inline(always)]
    fn regular_request(&mut self, user: u32, app_pool: u32) {
        let hot = self.users.hot(user);
        if hot_in_loop(hot) {
            return;
        }
        self.fingerprint
            .record(self.now.ms(), KIND_REGULAR_REQUEST, user);
        self.events += 1;
        let kid = match hot_kid_if_valid(hot, self.now.ms()) {
            Some(kid) => kid,
            None => self.issue_token(user),
        };
        self.send::<false>(user, app_pool, kid);
    }

    /// A user sends a bearer request with a token of `kid` to `app_pool`
    /// (R2, R9). `MAY_BE_IN_LOOP`: false for regular requests, whose user
    /// is known not to be in a prompt loop.
    #[inline(always)]
    fn send<const MAY_BE_IN_LOOP: bool>(&mut self, user: u32, app_pool: u32, kid: u8) {
        let server = if self.plain_round_robin {
            self.balancer.round_robin()
        } else {
            self.route(user)
        };
        let Some(server) = server else {
            self.unavailable(user);
            return;
        };
        let worker = server * self.app_pools + app_pool;
        if self.serving.accepts(worker, kid) {
            // The common case: the server runs, the process is ready and
            // knows the kid (R5).
            debug_assert!(self.servers[server as usize].running());
            debug_assert!(self.workers[worker as usize].process == Process::Ready);
            debug_assert!(self.workers[worker as usize].cache.contains(kid));
            self.users.set_last_server(user, server);
            self.recorder.accepted(self.now.ms());
            if MAY_BE_IN_LOOP && self.users.in_loop(user) {
                self.end_loop(user);
            }
        } else {
            self.deliver(worker, server, user, kid);
        }
    }

    /// Routing other than plain round robin. With client affinity (R9):
    /// the server the user last reached while it is in the pool, else the
    /// balancer's choice.
    #[inline(never)]
    fn route(&mut self, user: u32) -> Option<u32> {
        if self.sc.balancer.affinity == Affinity::Client {
            let last_server = self.users.last_server(user);
            if last_server != NO_SERVER && self.servers[last_server as usize].in_pool {
                return Some(last_server);
            }
        }
        let servers = &self.servers;
        self.balancer.route(|s| servers[s as usize].outstanding)
    }

    /// A request the serving table does not accept: the server is down, the
    /// process not ready, or the kid unknown.
    #[cold]
    fn deliver(&mut self, worker: u32, server: u32, user: u32, kid: u8) {
        if !self.servers[server as usize].running() {
            self.unavailable(user);
            return;
        }
        // Affinity keeps the server the user last *reached* (R9).
        self.users.set_last_server(user, server);
        if self.workers[worker as usize].process == Process::Ready {
            debug_assert!(!self.workers[worker as usize].cache.contains(kid));
            self.validate(worker, user, kid);
        } else {
            self.enqueue(worker, user, kid);
        }
    }

    /// A new token for `user`, signed with the issuer's current key (R2):
    /// renewed `renew_before` ahead of its expiry.
    #[cold]
    fn issue_token(&mut self, user: u32) -> u8 {
        let now = self.now.ms();
        let kid = self.issuer.signing;
        let lifetime = draw(&mut self.token_rng, self.sc.issuer.token_lifetime);
        // expiry <= t + renew_before  <=>  t >= expiry - renew_before.
        let renew_at = now.saturating_add(lifetime.saturating_sub(self.sc.issuer.renew_before));
        self.users.issue_token(user, kid, renew_at);
        kid
    }

    #[cold]
    fn enqueue(&mut self, worker: u32, user: u32, kid: u8) {
        let w = &mut self.workers[worker as usize];
        w.queue.push_back(QueuedRequest::new(user, kid));
        let (server, has_process, not_before) = (w.server, w.has_process(), w.not_before);
        self.servers[server as usize].outstanding += 1;
        if !has_process {
            if self.now >= not_before {
                self.spawn_worker(worker);
            } else {
                self.schedule_spawn(worker, not_before);
            }
        }
    }

    /// R5: accept the request if the worker knows its key.
    #[inline(always)]
    fn validate(&mut self, worker: u32, user: u32, kid: u8) {
        if self.workers[worker as usize].cache.contains(kid) {
            self.recorder.accepted(self.now.ms());
            if self.users.in_loop(user) {
                self.end_loop(user);
            }
        } else {
            self.reject(worker, user, kid);
        }
    }

    #[cold]
    fn reject(&mut self, worker: u32, user: u32, kid: u8) {
        let now = self.now;
        self.recorder.rejected(now.ms());
        if !self.users.affected(user) && self.recorder.user_affected(now.ms()) {
            self.users.mark_affected(user);
        }
        let w = &self.workers[worker as usize];
        let (server, pool, cause) = (w.server, w.app_pool, w.cause);
        let slot = match w.window {
            Some(window) => window.slot,
            None => {
                let name = &self.sc.pool.app_pools[pool as usize];
                let slot = self
                    .recorder
                    .open_window(now.ms(), server, name, cause, u32::from(kid));
                self.workers[worker as usize].window = Some(OpenWindow { kid, slot });
                slot
            }
        };
        self.recorder.rejected_in_window(slot, user);
        self.trace("request_rejected", Some(server), Some(pool), || {
            format!("user {user} k{kid}")
        });
        let w = &self.workers[worker as usize];
        if !w.update_in_flight && !w.hold_active(now) {
            self.start_update(worker, false);
        }
        if !self.users.in_loop(user) {
            self.users.start_loop(user, now.ms(), pool as u8);
            // The user gives up when give_up_after has passed, even if its
            // retry is then still waiting in a queue (R9).
            if let Some(limit) = self.sc.clients.give_up_after {
                let generation = self.users.retry_generation(user);
                self.at(now.after(limit), Event::GiveUp { user, generation });
            }
        }
        self.ensure_retry(user);
    }

    #[cold]
    fn unavailable(&mut self, user: u32) {
        self.recorder.unavailable(self.now.ms());
        if self.users.in_loop(user) {
            self.ensure_retry(user);
        }
    }

    /// A user in a prompt loop has its next retry scheduled, unless it would
    /// come at or after giving up (scheduled when the loop started).
    fn ensure_retry(&mut self, user: u32) {
        if self.users.retry_pending(user) {
            return;
        }
        let (start, generation) = (
            self.users.loop_start(user),
            self.users.retry_generation(user),
        );
        let retry = self
            .now
            .after(draw(&mut self.retry_rng, self.sc.clients.prompt_retry));
        let gives_up_first = self
            .sc
            .clients
            .give_up_after
            .is_some_and(|limit| retry >= SimTime(start).after(limit));
        self.users.set_retry_pending(user, true);
        if !gives_up_first {
            self.at(retry, Event::Retry { user, generation });
        }
    }

    /// The prompt-loop episode of `user` ends now.
    fn end_loop(&mut self, user: u32) {
        let start = self.users.end_loop(user);
        self.recorder.episode(start, self.now.ms());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `file` (a scenario of `scenarios/`, with a shorter horizon and
    /// fewer users) with the stream drawing ahead or not: the summary and
    /// every row, trace included.
    fn run(
        file: &str,
        sets: &[(&str, u64)],
        draw_ahead: bool,
        read_session: bool,
    ) -> (RunSummary, crate::metrics::Collect) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let mut sc = crate::scenario::load(&path).expect("scenario loads");
        for &(key, value) in sets {
            match key {
                "horizon" => sc.simulation.horizon = value,
                "users" => sc.clients.users = value as u32,
                _ => unreachable!("unknown test setting {key}"),
            }
        }
        let id = RunId {
            seed: sc.simulation.seed,
            replication: 0,
            read_session,
        };
        let mut rows = crate::metrics::Collect::default();
        let options = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let mut sim = Simulation::new(&sc, id, options, &mut rows).expect("run starts");
        let root = StreamSeed {
            seed: id.seed,
            replication: id.replication,
        };
        sim.arrivals = ArrivalStream::new(
            &sc.clients,
            sim.app_pools,
            root.stream("clients.arrivals"),
            draw_ahead,
        );
        let summary = sim.run(id).expect("run succeeds");
        (summary, rows)
    }

    #[test]
    fn drawing_ahead_changes_no_result() {
        const DAY: u64 = 86_400_000;
        // Small user counts keep the debug build fast; each case has a
        // rollover, rejections and prompt loops inside its horizon.
        let cases: [(&str, &[(&str, u64)]); 3] = [
            ("crash-storm.toml", &[("horizon", 2 * DAY), ("users", 150)]),
            ("affinity.toml", &[("horizon", DAY), ("users", 150)]),
            ("large-org.toml", &[("horizon", DAY / 2), ("users", 200)]),
        ];
        for (file, sets) in cases {
            for read_session in [false, true] {
                let one_by_one = run(file, sets, false, read_session);
                let ahead = run(file, sets, true, read_session);
                if !read_session {
                    assert!(
                        one_by_one.0.totals.rejected > 0,
                        "{file}: no rejection to compare"
                    );
                }
                assert_eq!(one_by_one, ahead, "{file}, read_session {read_session}");
            }
        }
    }
}
