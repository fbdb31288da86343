//! Hand-computed lifecycle cases beyond the oracle: server crash and reboot,
//! maintenance drain and return, give-up. Same common setting as the oracle
//! cases (one user, a request every 10 s, probes every 5 s, 2 to fail or join).

use crate::common::{
    RECYCLE_AT_2H, TWO_SERVERS, intervals, oracle_scenario, run, scenario, windows,
};
use hmasim::metrics::StateKind;

#[test]
fn server_crash_fails_requests_until_the_balancer_notices_then_reboots() {
    // Crash at 1h 0m 2s; probes at 1h 0m 5s and 10s fail, so the server
    // leaves the pool at 1h 0m 10s (probes run before requests); every
    // request from 1h 0m 10s to 1h 5m 0s finds the pool empty. Reboot done
    // at 1h 5m 2s, good probes at 5s and 10s: back at 1h 5m 10s, when the
    // request spawns a process (cause server_reboot), ready 30 s later.
    let sc = oracle_scenario(
        "10h",
        "3h",
        r#"
[[event]]
at = "1h 0m 2s"
kind = "server_crash"
server = 0
"#,
    );
    let sc = {
        let mut sc = sc;
        sc.server.reboot = hmasim::scenario::MillisRange {
            min: 300_000,
            max: 300_000,
        };
        sc
    };
    let r = run(&sc, 1, false);
    assert_eq!(r.totals.unavailable, 30);
    assert_eq!(r.totals.requests, r.totals.accepted + r.totals.unavailable);
    assert_eq!(
        intervals(&r, 0, StateKind::Crashed),
        vec![(3_602_000, 3_902_000)]
    );
    assert_eq!(
        intervals(&r, 0, StateKind::OutOfPool),
        vec![(3_610_000, 3_910_000)]
    );
    assert_eq!(
        intervals(&r, 0, StateKind::WorkerStarting),
        vec![(0, 30_000), (3_910_000, 3_940_000)]
    );
    assert!(r.windows.is_empty());
}

/// [`TWO_SERVERS`] with server 1 in maintenance from 50m for 30m.
fn two_servers_maintenance() -> String {
    format!(
        "{TWO_SERVERS}\n[[maintenance.window]]\nserver = 1\nstart = \"50m\"\nduration = \"30m\"\n"
    )
}

#[test]
fn maintenance_drains_goes_offline_and_returns_with_new_processes() {
    let sc = scenario(&two_servers_maintenance());
    for flag in [false, true] {
        let r = run(&sc, 1, flag);
        // Probes fail from 50m; the second failed probe (50m 5s) removes
        // server 1, which then goes offline until the window ends at 1h 20m;
        // two good probes bring it back at 1h 20m 5s.
        assert_eq!(
            intervals(&r, 1, StateKind::Draining),
            vec![(3_000_000, 3_005_000)]
        );
        assert_eq!(
            intervals(&r, 1, StateKind::Maintenance),
            vec![(3_005_000, 4_800_000)]
        );
        assert_eq!(
            intervals(&r, 1, StateKind::OutOfPool),
            vec![(3_005_000, 4_805_000)]
        );
        assert_eq!(
            r.totals.unavailable, 0,
            "the drain keeps serving until removal"
        );
        let w = windows(&r);
        assert_eq!(w.len(), 2, "{w:?}");
        // The token renewed at 1h carries k1 and meets server 0's
        // established process (server 1 is offline).
        assert_eq!(w[0], (3_600_000, 3_602_000, "initial", 1));
        // Server 1's process spawned after its return meets k1 while local AD
        // (3 h replication) still lacks it.
        let (start, end, cause, rollover) = w[1];
        assert_eq!((cause, rollover), ("maintenance_return", 1));
        assert!(start >= 4_805_000 + 30_000, "{start}");
        let expected = if flag { 2_000 } else { 1_802_000 };
        assert_eq!(end - start, expected, "read_session = {flag}");
    }
}

#[test]
fn a_user_gives_up_after_give_up_after_and_resumes_with_a_fresh_token() {
    // O1 with give_up_after = 5m: the episode that starts at 2h 30s (the
    // recycled process rejects) ends at 2h 5m 30s by giving up, not at the
    // first accepted retry after 2h 30m 32s.
    let recycle = r#"
[[event]]
at = "2h"
kind = "ma_recycle"
server = 0
app_pool = "ews"
"#;
    let mut sc = oracle_scenario("1h", "3h", recycle);
    sc.clients.give_up_after = Some(300_000);
    let r = run(&sc, 1, false);
    assert_eq!(r.windows[1].start_ms, 7_230_000);
    // Episodes: [1h, 1h 20s) ended by an accepted retry. From 2h 30s the
    // hold lasts to 2h 30m 30s: retries every 20 s; the one due at 2h 5m 30s
    // is replaced by giving up then; the regular request of that instant
    // takes a fresh k1 token, is rejected, and starts the next episode. Six
    // episodes of exactly 5m (starting 2h 30s, 2h 5m 30s, ... 2h 25m 30s);
    // the one starting at 2h 30m 30s ends with the retry at 2h 30m 50s,
    // after the update completed at 2h 30m 32s.
    assert_eq!(r.totals.episodes, 8);
    assert_eq!(r.totals.episode_ms_max, 300_000);
    assert_eq!(r.totals.episode_ms_total, 20_000 + 6 * 300_000 + 20_000);
}

#[test]
fn a_cache_reload_during_the_hold_ends_the_window() {
    // Local AD holds k1 from 2h 0m 2s (1h replication); the recycled process
    // spawned at 2h loaded {k0} just before. It rejects at 2h 30s and holds,
    // but its reload 10m after spawn (2h 10m) brings k1 from local AD.
    let mut sc = oracle_scenario("1h", "1h", RECYCLE_AT_2H);
    sc.worker.cache_reload = Some(600_000);
    let off = run(&sc, 1, false);
    assert_eq!(windows(&off)[1], (7_230_000, 7_800_000, "ma_recycle", 1));
    let on = run(&sc, 1, true);
    assert_eq!(windows(&on)[1], (7_230_000, 7_232_000, "ma_recycle", 1));
}

#[test]
fn a_crashed_worker_respawns_after_the_restart_delay_with_cause_crash_restart() {
    // Crash at 2h; the 2h request waits; the next process spawns at 2h 10s
    // (restart_delay), is ready at 2h 40s and meets k1 while newly spawned.
    let crash = RECYCLE_AT_2H.replace("ma_recycle", "worker_crash");
    let sc = oracle_scenario("1h", "3h", &crash);
    let off = run(&sc, 1, false);
    assert_eq!(
        windows(&off)[1],
        (7_240_000, 7_240_000 + 1_802_000, "crash_restart", 1)
    );
    assert_eq!(
        intervals(&off, 0, StateKind::WorkerStarting)[1],
        (7_210_000, 7_240_000)
    );
}

#[test]
fn always_running_processes_spawn_at_the_lifecycle_event() {
    // The same crash with always-running processes: the spawn does not wait
    // for a request, it happens at 2h 10s all the same; without any request
    // in the queue the first rejection is the 2h 40s request.
    let crash = RECYCLE_AT_2H.replace("ma_recycle", "worker_crash");
    let mut sc = oracle_scenario("1h", "3h", &crash);
    sc.worker.start_mode = hmasim::scenario::StartMode::AlwaysRunning;
    let off = run(&sc, 1, false);
    assert_eq!(
        intervals(&off, 0, StateKind::WorkerStarting),
        vec![(0, 30_000), (7_210_000, 7_240_000)]
    );
    assert_eq!(
        windows(&off)[1],
        (7_240_000, 7_240_000 + 1_802_000, "crash_restart", 1)
    );
}

#[test]
fn failing_established_updates_hold_again_until_the_process_ends() {
    // established_write_session_fails: under the write session even the
    // established worker's update at 1h fails, and so does every retry after
    // a hold; the window lasts until the recycle at 2h ends the process. The
    // recycled process fails the same way until the horizon.
    let mut sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
    sc.worker.established_write_session_fails = true;
    let off = run(&sc, 1, false);
    assert_eq!(
        windows(&off),
        vec![
            (3_600_000, 7_200_000, "initial", 1),
            (7_230_000, 14_400_000, "ma_recycle", 1),
        ]
    );
    let on = run(&sc, 1, true);
    assert_eq!(
        windows(&on),
        vec![
            (3_600_000, 3_602_000, "initial", 1),
            (7_230_000, 7_232_000, "ma_recycle", 1),
        ]
    );
}

#[test]
fn the_auth_admin_job_fails_over_to_the_lowest_server_that_is_up() {
    // Anchor 1 is in maintenance (offline from 5s) at the 1h run: server 0 runs it.
    let text = two_servers_maintenance()
        .replace("interval = \"off\"", "interval = \"1h\"\nanchor = 1")
        .replace("start = \"50m\"", "start = \"0s\"")
        .replace("duration = \"30m\"", "duration = \"90m\"");
    let sc = scenario(&text);
    let r = crate::common::run_with(&sc, 1, false, true);
    let runs: Vec<(u64, Option<u32>)> = r
        .trace
        .iter()
        .filter(|t| t.kind == "auth_admin_run")
        .map(|t| (t.time_ms, t.server))
        .collect();
    assert_eq!(
        runs,
        vec![
            (0, Some(1)),
            (3_600_000, Some(0)),
            (7_200_000, Some(1)),
            (10_800_000, Some(1))
        ]
    );
}
