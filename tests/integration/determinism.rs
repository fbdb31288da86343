//! Determinism: same scenario and seed give the same run; flag-off and
//! flag-on runs see the same exogenous history (common random numbers).

use crate::common::{run, run_with, scenario};
use hmasim::metrics::TraceRecord;

/// A small pool with every source of randomness switched on.
pub const STORMY: &str = r#"
[simulation]
name = "stormy"
horizon = "3d"
seed = 11

[issuer]
rollover_every = "1d"
rollover_first = "6h"
emergency_rate = "2/1d"
token_lifetime = ["30m", "60m"]

[directory]
replication_delay = ["10m", "2h"]

[auth_admin]
interval = "12h"
write_session_fails = 0.5

[pool]
servers = 3
app_pools = ["ews", "mapi"]

[worker]
ma_recycle_rate = "4/1d"
crash_rate = "2/1d"
periodic_recycle = "off"

[server]
crash_rate = "1/1d"
reboot = ["5m", "15m"]

[maintenance]
rolling_every = "1d"
rolling_first = "8h"
duration = ["30m", "60m"]
gap = "10m"

[balancer]
algorithm = "random"

[clients]
users = 40
request_interval = "2m"
daily_profile = "office"
prompt_retry = ["20s", "60s"]
"#;

#[test]
fn same_scenario_and_seed_give_identical_runs() {
    let sc = scenario(STORMY);
    for flag in [false, true] {
        let mut a = run_with(&sc, 5, flag, true);
        let mut b = run_with(&sc, 5, flag, true);
        a.wall_ms = 0;
        b.wall_ms = 0;
        assert_eq!(a, b, "read_session = {flag}");
        assert!(a.totals.requests > 1000);
        assert!(!a.windows.is_empty(), "the scenario should produce windows");
    }
}

#[test]
fn different_seeds_give_different_histories() {
    let sc = scenario(STORMY);
    assert_ne!(
        run(&sc, 5, false).totals.fingerprint,
        run(&sc, 6, false).totals.fingerprint
    );
}

const EXOGENOUS: [&str; 7] = [
    "server_crash",
    "worker_crash",
    "ma_recycle",
    "maintenance_start",
    "rollover_publish",
    "rollover_sign",
    "rollover_retire",
];

fn exogenous(trace: &[TraceRecord]) -> Vec<(u64, &'static str, Option<u32>, Option<u32>)> {
    trace
        .iter()
        .filter(|t| EXOGENOUS.contains(&t.kind))
        .map(|t| (t.time_ms, t.kind, t.server, t.app_pool))
        .collect()
}

#[test]
fn flag_off_and_on_see_the_same_crashes_recycles_maintenance_and_rollovers() {
    let sc = scenario(STORMY);
    let off = run_with(&sc, 5, false, true);
    let on = run_with(&sc, 5, true, true);
    let (x, y) = (exogenous(&off.trace), exogenous(&on.trace));
    assert!(
        x.len() > 20,
        "too few exogenous events to compare: {}",
        x.len()
    );
    for kind in EXOGENOUS {
        assert!(x.iter().any(|e| e.1 == kind), "no {kind} in the trace");
    }
    assert_eq!(x, y);
    assert_eq!(off.rollovers, on.rollovers);
    // The flag changes the outcome, not the history.
    assert_ne!(off.totals.fingerprint, on.totals.fingerprint);
}

#[test]
fn adding_a_server_does_not_shift_the_rollovers() {
    let sc3 = scenario(STORMY);
    let sc4 = scenario(&STORMY.replace("servers = 3", "servers = 4"));
    assert_eq!(run(&sc3, 5, false).rollovers, run(&sc4, 5, false).rollovers);
}

/// Every file of a result folder, by name.
fn folder(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_same_scenario_run_twice_writes_byte_identical_files() {
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("determinism-twice");
    std::fs::create_dir_all(&tmp).unwrap();
    let scenario_path = tmp.join("stormy.toml");
    std::fs::write(&scenario_path, STORMY).unwrap();
    // The same command twice (the manifest records the command line).
    let out = tmp.join("out");
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_hmasim"))
            .args([
                "run",
                "--quiet",
                "--no-charts",
                "--force",
                "--trace",
                "--replications",
                "2",
                "--out",
            ])
            .arg(&out)
            .arg(&scenario_path)
            .status()
            .unwrap();
        assert!(status.success());
        outputs.push(folder(&out));
    }
    let names: Vec<&String> = outputs[0].keys().collect();
    for expected in [
        "runs.csv",
        "windows.csv",
        "timeseries.csv",
        "events.csv",
        "compare.csv",
        "compare_summary.csv",
        "manifest.json",
    ] {
        assert!(
            outputs[0].contains_key(expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn the_update_and_the_mitigations_do_not_shift_the_exogenous_history() {
    // Installations, warm-ups and extra auth admin runs draw from their own
    // streams (or none): every crash and recycle tick, maintenance window
    // and rollover happens at the same instant as without them.
    let plain = scenario(STORMY);
    let upgraded = scenario(&format!(
        "{}\n[upgrade]\nrolling_first = \"20h\"\n\
         [[event]]\nat = \"1d 3h\"\nkind = \"install_update\"\nserver = 0\n",
        STORMY
            .replace(
                "app_pools = [\"ews\", \"mapi\"]",
                "app_pools = [\"ews\", \"mapi\"]\nwithout_update = [1, 2]",
            )
            .replace("gap = \"10m\"", "gap = \"10m\"\nrejoin_after = \"6m\"")
            .replace(
                "write_session_fails = 0.5",
                "write_session_fails = 0.5\nafter_rollover = \"10m\"",
            )
    ));
    for flag in [false, true] {
        let a = run_with(&plain, 5, flag, true);
        let b = run_with(&upgraded, 5, flag, true);
        assert_eq!(exogenous(&a.trace), exogenous(&b.trace));
        assert_eq!(a.rollovers, b.rollovers);
        // The new features did act: installations, warm-ups, extra runs.
        for kind in ["update_installed", "warm_up_done"] {
            assert!(b.trace.iter().any(|t| t.kind == kind), "no {kind}");
        }
        assert!(
            b.trace
                .iter()
                .any(|t| t.kind == "auth_admin_run" && t.detail.starts_with("after k")),
            "no extra auth admin run"
        );
        // The periodic auth admin runs keep their instants.
        let periodic = |r: &hmasim::metrics::RunResult| -> Vec<u64> {
            r.trace
                .iter()
                .filter(|t| t.kind == "auth_admin_run" && !t.detail.starts_with("after k"))
                .map(|t| t.time_ms)
                .collect()
        };
        assert_eq!(periodic(&a), periodic(&b));
        assert_ne!(a.totals.fingerprint, b.totals.fingerprint);
    }
}
