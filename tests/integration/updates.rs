//! Hand-computed cases of R11 (`docs/model.md`): servers without the update
//! use the write session whatever the flag; installing the update is a
//! maintenance window; the rolling upgrade. Same settings as the oracle and
//! lifecycle cases (one user, a request every 10 s, probes every 5 s, 2 to
//! fail or join, `update_latency` 2 s, local AD replication 3 h).

use crate::common::{RECYCLE_AT_2H, TWO_SERVERS, intervals, oracle_text, run, run_with, scenario};
use hmasim::metrics::{RunResult, StateKind};

/// The windows of a run as `(server, start_ms, end_ms, cause, updated)`.
fn windows_of(r: &RunResult) -> Vec<(u32, u64, u64, &'static str, bool)> {
    r.windows
        .iter()
        .map(|w| (w.server, w.start_ms, w.end_ms, w.cause.as_str(), w.updated))
        .collect()
}

/// `(time_ms, kind, server)` of the traced steps of `kinds`.
fn steps(r: &RunResult, kinds: &[&str]) -> Vec<(u64, &'static str, Option<u32>)> {
    r.trace
        .iter()
        .filter(|t| kinds.contains(&t.kind))
        .map(|t| (t.time_ms, t.kind, t.server))
        .collect()
}

const INSTALL_STEPS: [&str; 4] = [
    "install_update_start",
    "maintenance_offline",
    "update_installed",
    "update_cancelled",
];

#[test]
fn a_server_without_the_update_uses_the_write_session_with_the_flag_on() {
    // Oracle O1 with the only server lacking the update: the process recycled
    // at 2h is 30 s old when it rejects k1 at 2h 30s, and its update fails
    // under the write session even with the flag on: hold until 2h 30m 30s,
    // retry done at 2h 30m 32s, window [7 230 000, 9 032 000) as O1's flag
    // off. The 1h window (established process) is O1's in both settings.
    // Every window says the server lacked the update.
    let text = oracle_text("1h", "3h", RECYCLE_AT_2H).replace(
        "app_pools = [\"ews\"]",
        "app_pools = [\"ews\"]\nwithout_update = [0]",
    );
    let sc = scenario(&text);
    for flag in [false, true] {
        let r = run(&sc, 1, flag);
        assert_eq!(
            windows_of(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial", false),
                (0, 7_230_000, 9_032_000, "ma_recycle", false),
            ],
            "read_session = {flag}"
        );
    }
}

/// [`TWO_SERVERS`] (rollover at 1h) with both servers lacking the update and
/// `extra` appended.
fn two_servers_without_update(extra: &str) -> String {
    format!(
        "{}\n{extra}",
        TWO_SERVERS.replace(
            "app_pools = [\"ews\"]",
            "app_pools = [\"ews\"]\nwithout_update = [0, 1]"
        )
    )
}

#[test]
fn install_update_drains_installs_offline_and_returns_with_update_return() {
    // Server 1 installs from 50m for 30m. Like the maintenance case of
    // lifecycle.rs: probes fail from 50m, the second (50m 5s) removes server
    // 1, which goes offline and gets the update at 3 005 000; the window ends
    // at 1h 20m, good probes at 1h 20m and 1h 20m 5s re-add it.
    // Meanwhile server 0 serves alone: the 1h request (k1 token) meets its
    // established process: window [3 600 000, 3 602 000) on a server without
    // the update (its update succeeds anyway: established). The retry at
    // 1h 20s is accepted there.
    // Re-adding server 1 at 4 805 000 leaves the round-robin cursor on server
    // 0: 4 810 000 -> 0, 4 820 000 -> 1, which spawns a process (cause
    // update_return) loading {k0} (the 1h write is visible only after the
    // horizon); 4 840 000 -> 1 queues too. Ready at 4 850 000: the first
    // queued request is rejected by a 30-second-old process on an updated
    // server: flag on, the update succeeds, [4 850 000, 4 852 000); flag off,
    // hold 30 m, then the established retry: [4 850 000, 6 652 000).
    let sc = scenario(&two_servers_without_update(
        "[[event]]\nat = \"50m\"\nkind = \"install_update\"\nserver = 1\nduration = \"30m\"\n",
    ));
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        let end = if flag { 4_852_000 } else { 6_652_000 };
        assert_eq!(
            windows_of(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial", false),
                (1, 4_850_000, end, "update_return", true),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            steps(&r, &INSTALL_STEPS),
            vec![
                (3_000_000, "install_update_start", Some(1)),
                (3_005_000, "maintenance_offline", Some(1)),
                (3_005_000, "update_installed", Some(1)),
            ]
        );
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
    }
}

#[test]
fn an_installation_window_that_ends_before_the_removal_installs_nothing() {
    // Server 1's installation window [40m, 40m 3s) ends before the second
    // failed probe (40m 5s): the drain is cancelled, nothing is installed.
    // The maintenance window from 50m then returns it at 1h 20m with cause
    // maintenance_return and still without the update: with the flag on too,
    // the 30-second-old process's update fails: [4 850 000, 6 652 000) (the
    // same round-robin walk as in the installation case above).
    let sc = scenario(&two_servers_without_update(
        "[[event]]\nat = \"40m\"\nkind = \"install_update\"\nserver = 1\nduration = \"3s\"\n\
         [[maintenance.window]]\nserver = 1\nstart = \"50m\"\nduration = \"30m\"\n",
    ));
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        assert_eq!(
            windows_of(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial", false),
                (1, 4_850_000, 6_652_000, "maintenance_return", false),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            steps(&r, &INSTALL_STEPS),
            vec![
                (2_400_000, "install_update_start", Some(1)),
                (2_403_000, "update_cancelled", Some(1)),
                (3_005_000, "maintenance_offline", Some(1)),
            ]
        );
        assert_eq!(
            intervals(&r, 1, StateKind::Draining),
            vec![(2_400_000, 2_403_000), (3_000_000, 3_005_000)]
        );
    }
}

#[test]
fn an_installation_window_opening_while_offline_installs_at_once() {
    // Server 1 is offline in the maintenance window [50m, 1h 20m) from 50m 5s;
    // an installation window [1h, 1h 30m) opens while it is offline: the
    // update is installed at 1h. The windows nest: the server returns when
    // the last one ends, at 1h 30m (5 400 000), with cause update_return;
    // good probes at 1h 30m and 1h 30m 5s re-add it. The cursor stays on
    // server 0: 5 410 000 -> 0, 5 420 000 -> 1 spawns, 5 440 000 -> 1 queues,
    // ready at 5 450 000: the window of the installation case, 600 000 later.
    let sc = scenario(&two_servers_without_update(
        "[[maintenance.window]]\nserver = 1\nstart = \"50m\"\nduration = \"30m\"\n\
         [[event]]\nat = \"1h\"\nkind = \"install_update\"\nserver = 1\nduration = \"30m\"\n",
    ));
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        let end = if flag { 5_452_000 } else { 7_252_000 };
        assert_eq!(
            windows_of(&r),
            vec![
                (0, 3_600_000, 3_602_000, "initial", false),
                (1, 5_450_000, end, "update_return", true),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            steps(&r, &INSTALL_STEPS),
            vec![
                (3_005_000, "maintenance_offline", Some(1)),
                (3_600_000, "install_update_start", Some(1)),
                (3_600_000, "update_installed", Some(1)),
            ]
        );
        assert_eq!(
            intervals(&r, 1, StateKind::Maintenance),
            vec![(3_005_000, 5_400_000)]
        );
    }
}

#[test]
fn a_rolling_upgrade_installs_server_after_server_with_the_maintenance_gap() {
    // Both servers lack the update; rolling upgrade from 50m, windows of 30m
    // (maintenance.duration fixed: no draw), gap 15m: server 0 in
    // [50m, 1h 20m), server 1 in [1h 35m, 2h 5m).
    // Server 0 leaves the pool at 50m 5s (offline, installed); server 1
    // serves alone: the 1h request meets its established process,
    // [3 600 000, 3 602 000), on a server without the update. Server 0
    // rejoins at 4 805 000; the cursor stays on server 1: 4 810 000 -> 1,
    // 4 820 000 -> 0 spawns (update_return, loads {k0}), 4 840 000 -> 0
    // queues; ready at 4 850 000: flag on [4 850 000, 4 852 000), flag off
    // [4 850 000, 6 652 000).
    // Server 1 leaves at 1h 35m 5s (installed), returns at 2h 5m and rejoins
    // at 7 505 000 with the cursor on server 0 (alone in the pool until
    // then; flag off, the user's episodes have ended by then: server 0 heals
    // at 6 652 000): 7 510 000 -> 0, 7 520 000 -> 1 spawns (update_return,
    // local AD still {k0}), 7 540 000 -> 1 queues; ready at 7 550 000: flag on
    // [7 550 000, 7 552 000), flag off [7 550 000, 9 352 000).
    let sc = scenario(
        &two_servers_without_update("[upgrade]\nrolling_first = \"50m\"\n").replace(
            "[maintenance]\nrolling_every = \"off\"",
            "[maintenance]\nrolling_every = \"off\"\nduration = \"30m\"\ngap = \"15m\"",
        ),
    );
    for flag in [false, true] {
        let r = run_with(&sc, 1, flag, true);
        let (end0, end1) = if flag {
            (4_852_000, 7_552_000)
        } else {
            (6_652_000, 9_352_000)
        };
        assert_eq!(
            windows_of(&r),
            vec![
                (1, 3_600_000, 3_602_000, "initial", false),
                (0, 4_850_000, end0, "update_return", true),
                (1, 7_550_000, end1, "update_return", true),
            ],
            "read_session = {flag}"
        );
        assert_eq!(
            steps(&r, &["install_update_start", "update_installed"]),
            vec![
                (3_000_000, "install_update_start", Some(0)),
                (3_005_000, "update_installed", Some(0)),
                (5_700_000, "install_update_start", Some(1)),
                (5_705_000, "update_installed", Some(1)),
            ]
        );
    }
}

#[test]
fn an_upgrade_table_without_servers_to_update_does_nothing() {
    // [upgrade] with an empty pool.without_update: nothing to install, the
    // run is event for event the run without the table.
    let plain = scenario(TWO_SERVERS);
    let with = scenario(&format!(
        "{TWO_SERVERS}\n[upgrade]\nrolling_first = \"50m\"\n"
    ));
    for flag in [false, true] {
        let (a, b) = (run(&plain, 1, flag), run(&with, 1, flag));
        assert_eq!(a.totals, b.totals);
        assert_eq!(a.windows, b.windows);
    }
}
