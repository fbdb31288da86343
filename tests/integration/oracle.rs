//! The hand-computed oracle cases O1 to O3 of docs/model.md section 9.

use crate::common::{RECYCLE_AT_2H, oracle_scenario, run, windows};

#[test]
fn o1_recycled_process_after_rollover_holds_30_minutes_without_the_flag() {
    let sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
    let off = run(&sc, 1, false);
    assert_eq!(
        windows(&off),
        vec![
            (3_600_000, 3_602_000, "initial", 1),
            (7_230_000, 9_032_000, "ma_recycle", 1),
        ]
    );
    assert_eq!(off.windows[1].duration_ms(), 1_802_000);
    // The recycled process's window: the three requests queued during its
    // start-up are rejected when it becomes ready, then one retry every 20 s
    // until the retry after the hold ends.
    assert_eq!(off.windows[1].users_affected, 1);
    assert!(off.windows[1].rejected_requests >= 3);
}

#[test]
fn o1_with_the_read_session_the_window_lasts_one_update() {
    let sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
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
fn o1_flag_saves_exactly_the_hold() {
    let sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
    let off = run(&sc, 1, false);
    let on = run(&sc, 1, true);
    assert_eq!(off.window_ms_total() - on.window_ms_total(), 1_800_000);
}

#[test]
fn o2_directory_already_holds_the_key_when_the_process_spawns() {
    let sc = oracle_scenario("1h", "10m", RECYCLE_AT_2H);
    for flag in [false, true] {
        let r = run(&sc, 1, flag);
        assert_eq!(
            windows(&r),
            vec![(3_600_000, 3_602_000, "initial", 1)],
            "read_session = {flag}"
        );
    }
}

#[test]
fn o3_rollover_after_the_process_is_established() {
    let sc = oracle_scenario("3h", "3h", RECYCLE_AT_2H);
    for flag in [false, true] {
        let r = run(&sc, 1, flag);
        assert_eq!(
            windows(&r),
            vec![(10_800_000, 10_802_000, "ma_recycle", 1)],
            "read_session = {flag}"
        );
    }
}

#[test]
fn o1_prompt_loop_and_request_accounting() {
    let sc = oracle_scenario("1h", "3h", RECYCLE_AT_2H);
    let off = run(&sc, 1, false);
    let t = off.totals;
    assert_eq!(t.requests, t.accepted + t.rejected + t.unavailable);
    assert_eq!(t.unavailable, 0);
    assert_eq!(t.users_affected, 1);
    // Two episodes: [1h, 1h 20s) and [2h 30s, first retry after 2h 30m 32s).
    assert_eq!(t.episodes, 2);
    // Retries at 2h 30s + 20 s * k; the first at or after 9 032 000 is k = 91.
    let second_end = 7_230_000 + 91 * 20_000;
    assert_eq!(t.episode_ms_total, 20_000 + (second_end - 7_230_000));
}
