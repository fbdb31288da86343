//! Hand-computed cases of the mitigations (`docs/model.md` R7, R8):
//! `maintenance.rejoin_after` (a returning server warms up before it
//! rejoins) and `auth_admin.after_rollover` (an extra certificate update
//! after each key is published). Same settings as the oracle and lifecycle
//! cases (one user, a request every 10 s, probes every 5 s, 2 to fail or
//! join, `update_latency` 2 s, `startup` 30 s, `new_process_age` 5 m).

use crate::common::{
    RECYCLE_AT_2H, TWO_SERVERS, intervals, oracle_scenario, oracle_text, run, run_with, scenario,
    windows,
};
use hmasim::metrics::{RunResult, StateKind};

/// The windows of a run as `(server, start_ms, end_ms, cause)`.
fn windows_at(r: &RunResult) -> Vec<(u32, u64, u64, &'static str)> {
    r.windows
        .iter()
        .map(|w| (w.server, w.start_ms, w.end_ms, w.cause.as_str()))
        .collect()
}

/// Instants of the traced steps of `kind`, with their detail.
fn traced(r: &RunResult, kind: &str) -> Vec<(u64, String)> {
    r.trace
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| (t.time_ms, t.detail.clone()))
        .collect()
}

// ---- R8: maintenance.rejoin_after -----------------------------------------------

/// [`TWO_SERVERS`] with server 1 in maintenance from 50m for 30m, a
/// `rejoin_after` and `extra` appended.
fn rejoin(rejoin_after: &str, extra: &str) -> hmasim::scenario::Scenario {
    scenario(&format!(
        "{}\n[[maintenance.window]]\nserver = 1\nstart = \"50m\"\nduration = \"30m\"\n{extra}",
        TWO_SERVERS.replace(
            "rolling_every = \"off\"",
            &format!("rolling_every = \"off\"\nrejoin_after = \"{rejoin_after}\""),
        )
    ))
}

#[test]
fn without_rejoin_after_the_first_request_meets_a_new_process() {
    // Control (lifecycle::maintenance_*): server 1 is offline from 50m 5s,
    // returns at 1h 20m and rejoins at 1h 20m 5s. The cursor stays on server
    // 0: 4 810 000 -> 0, 4 820 000 -> 1 spawns (maintenance_return, loads
    // {k0}: the 1h write is visible after the horizon), 4 840 000 -> 1
    // queues. Ready at 4 850 000, 30 s old: flag off the update fails,
    // [4 850 000, 6 652 000); flag on [4 850 000, 4 852 000).
    let sc = rejoin("0s", "");
    for flag in [false, true] {
        let end = if flag { 4_852_000 } else { 6_652_000 };
        assert_eq!(
            windows_at(&run(&sc, 1, flag)),
            vec![
                (0, 3_600_000, 3_602_000, "initial"),
                (1, 4_850_000, end, "maintenance_return"),
            ]
        );
    }
}

#[test]
fn rejoin_after_keeps_the_server_out_until_its_processes_are_established() {
    // rejoin_after = 6m: at the return (1h 20m = 4 800 000) the warm-up spawns
    // server 1's process at once (maintenance_return, loads {k0}), ready at
    // 4 830 000. Probes fail until it is ready and 6 m old: 4 800 000 +
    // 360 000 = 5 160 000, a probe instant, whose probe is the first good one;
    // the second (5 165 000) re-adds the server. Cursor on server 0:
    // 5 170 000 -> 0, 5 180 000 -> 1, whose process is 380 s old, established
    // (>= 5 m): it rejects k1 and its update succeeds in both flag settings:
    // [5 180 000, 5 182 000). The flag saves nothing here; the hold is gone.
    let sc = rejoin("6m", "");
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        assert_eq!(
            windows_at(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial"),
                (1, 5_180_000, 5_182_000, "maintenance_return"),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            intervals(&r, 1, StateKind::OutOfPool),
            vec![(3_005_000, 5_165_000)]
        );
        assert_eq!(
            intervals(&r, 1, StateKind::WorkerStarting),
            vec![(10_000, 40_000), (4_800_000, 4_830_000)]
        );
        assert_eq!(traced(&r, "warm_up_done"), vec![(5_160_000, String::new())]);
    }
}

#[test]
fn a_process_that_ends_during_the_warm_up_is_respawned_and_the_wait_restarts() {
    // As above with a worker crash at 1h 22m (4 920 000) on server 1: the
    // process ends, not_before = 4 930 000 (restart_delay 10 s); the warm-up
    // respawns it then (cause crash_restart), ready at 4 960 000. Warm at
    // 4 930 000 + 360 000 = 5 290 000 (a probe instant), re-added at
    // 5 295 000; 5 300 000 -> 0, 5 310 000 -> 1: 380 s old, established:
    // [5 310 000, 5 312 000) in both flag settings.
    let crash =
        "[[event]]\nat = \"1h 22m\"\nkind = \"worker_crash\"\nserver = 1\napp_pool = \"ews\"\n";
    let sc = rejoin("6m", crash);
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        assert_eq!(
            windows_at(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial"),
                (1, 5_310_000, 5_312_000, "crash_restart"),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            intervals(&r, 1, StateKind::OutOfPool),
            vec![(3_005_000, 5_295_000)]
        );
        assert_eq!(
            traced(&r, "worker_spawn")
                .into_iter()
                .filter(|(t, _)| *t > 4_000_000)
                .collect::<Vec<_>>(),
            vec![
                (4_800_000, "maintenance_return loads {k0}".to_string()),
                (4_930_000, "crash_restart loads {k0}".to_string()),
            ]
        );
    }
}

#[test]
fn rejoin_after_does_not_apply_to_a_crash_reboot() {
    // lifecycle::server_crash_* with rejoin_after = 6m: a reboot is not an
    // admin-controlled return. Crash at 1h 0m 2s, out of the pool at
    // 1h 0m 10s, reboot done at 1h 5m 2s, back at 1h 5m 10s as without it.
    let mut sc = oracle_scenario(
        "10h",
        "3h",
        "[[event]]\nat = \"1h 0m 2s\"\nkind = \"server_crash\"\nserver = 0\n",
    );
    sc.server.reboot = hmasim::scenario::MillisRange {
        min: 300_000,
        max: 300_000,
    };
    sc.maintenance.rejoin_after = 360_000;
    let r = run(&sc, 1, false);
    assert_eq!(
        intervals(&r, 0, StateKind::OutOfPool),
        vec![(3_610_000, 3_910_000)]
    );
    assert_eq!(r.totals.unavailable, 30);
}

// ---- R7: auth_admin.after_rollover ------------------------------------------------

/// O1's setting with k1 published at 1h and signing at 2h (lead 1h), local
/// AD replicating in 20 m, the recycle at 1h 56m, and `[auth_admin]` lines.
fn before_signing(auth_admin: &str) -> hmasim::scenario::Scenario {
    let events = RECYCLE_AT_2H.replace("\"2h\"", "\"1h 56m\"");
    let text = oracle_text("1h", "20m", &events)
        .replace("lead = \"0s\"", "lead = \"1h\"")
        .replace(
            "interval = \"off\"",
            &format!("interval = \"off\"\n{auth_admin}"),
        );
    scenario(&text)
}

#[test]
fn an_extra_run_after_the_rollover_writes_the_key_before_the_recycle() {
    // Without it (review::without_the_auth_admin_job_*): local AD holds {k0}
    // when the process recycled at 1h 56m spawns; at 2h k1 signs, the renewed
    // token carries it and the 4-minute-old process rejects it: flag off
    // [7 200 000, 9 002 000), flag on [7 200 000, 7 202 000).
    // With after_rollover = 10m: at 1h 10m the run on the anchor reads
    // {k0,k1}, completes after 2 s (update_latency), and its write is
    // visible at 1h 30m 2s: the 1h 56m process loads {k0,k1}. No window.
    let control = before_signing("");
    assert_eq!(
        windows(&run(&control, 1, false)),
        vec![(7_200_000, 9_002_000, "ma_recycle", 1)]
    );
    let sc = before_signing("after_rollover = \"10m\"");
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        assert_eq!(windows(&r), vec![], "read_session = {flag}");
        assert_eq!(
            traced(&r, "auth_admin_run"),
            vec![(4_200_000, "after k1: read {k0,k1}".to_string())]
        );
        assert_eq!(
            traced(&r, "auth_admin_done"),
            vec![(4_202_000, "{k0,k1}".to_string())]
        );
    }
}

#[test]
fn an_extra_run_after_the_recycle_is_too_late_for_that_process() {
    // after_rollover = 1h: the run at 2h writes {k0,k1} (visible 2h 20m 2s),
    // but the process spawned at 1h 56m loaded {k0} and rejects k1 at 2h
    // while new: the control's windows, unchanged.
    let sc = before_signing("after_rollover = \"1h\"");
    assert_eq!(
        windows(&run(&sc, 1, false)),
        vec![(7_200_000, 9_002_000, "ma_recycle", 1)]
    );
    assert_eq!(
        windows(&run(&sc, 1, true)),
        vec![(7_200_000, 7_202_000, "ma_recycle", 1)]
    );
}

#[test]
fn an_extra_run_on_a_server_without_the_update_fails_under_the_flag() {
    // after_rollover = 10m with write_session_fails = 1 on a server without
    // the update: the run at 1h 10m uses the write session even with the flag
    // on and fails; local AD keeps {k0} and the recycled process meets k1
    // at 2h while new, and its own update fails too (no update):
    // [7 200 000, 9 002 000) in both flag settings.
    let text = oracle_text("1h", "20m", &RECYCLE_AT_2H.replace("\"2h\"", "\"1h 56m\""))
        .replace("lead = \"0s\"", "lead = \"1h\"")
        .replace(
            "interval = \"off\"",
            "interval = \"off\"\nafter_rollover = \"10m\"\nwrite_session_fails = 1.0",
        )
        .replace(
            "app_pools = [\"ews\"]",
            "app_pools = [\"ews\"]\nwithout_update = [0]",
        );
    let sc = scenario(&text);
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        assert_eq!(
            windows(&r),
            vec![(7_200_000, 9_002_000, "ma_recycle", 1)],
            "read_session = {flag}"
        );
        assert_eq!(
            traced(&r, "auth_admin_done"),
            vec![(4_202_000, "failed".to_string())]
        );
    }
    // The same on an updated server: the flag on makes it succeed.
    let updated = scenario(&text.replace("without_update = [0]", "without_update = []"));
    assert_eq!(windows(&run(&updated, 1, true)), vec![]);
}

#[test]
fn extra_runs_follow_every_key_and_leave_the_periodic_schedule_alone() {
    // O1's setting with the job every hour from 0 and after_rollover = 10m,
    // and a second rollover at 2h 30m: periodic runs at 0, 1h, 2h, 3h; extra
    // runs at 1h 10m (after k1) and 2h 40m (after k2). The run at 1h reads
    // {k0,k1}: the publish was scheduled at set-up, before that run.
    let text = oracle_text("1h", "3h", "[[issuer.rollover]]\nat = \"2h 30m\"\n").replace(
        "interval = \"off\"",
        "interval = \"1h\"\nafter_rollover = \"10m\"",
    );
    let r = run_with(&scenario(&text), 1, false, true);
    assert_eq!(
        traced(&r, "auth_admin_run"),
        vec![
            (0, "read {k0}".to_string()),
            (3_600_000, "read {k0,k1}".to_string()),
            (4_200_000, "after k1: read {k0,k1}".to_string()),
            (7_200_000, "read {k0,k1}".to_string()),
            (9_600_000, "after k2: read {k0,k1,k2}".to_string()),
            (10_800_000, "read {k0,k1,k2}".to_string()),
        ]
    );
    // Without after_rollover the periodic runs are at the same instants.
    let plain = run_with(
        &scenario(&text.replace("after_rollover = \"10m\"", "")),
        1,
        false,
        true,
    );
    let periodic: Vec<u64> = traced(&plain, "auth_admin_run")
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(periodic, vec![0, 3_600_000, 7_200_000, 10_800_000]);
}

#[test]
fn o1_is_unchanged_by_the_default_mitigations() {
    // rejoin_after = "0s" and after_rollover = "off" written out give O1.
    let sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
    let written = scenario(
        &oracle_text("1h", "3h", RECYCLE_AT_2H)
            .replace(
                "rolling_every = \"off\"",
                "rolling_every = \"off\"\nrejoin_after = \"0s\"",
            )
            .replace(
                "interval = \"off\"",
                "interval = \"off\"\nafter_rollover = \"off\"",
            ),
    );
    assert_eq!(sc, written);
}
