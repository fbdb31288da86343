//! `[history]`: CSV rows become the scenario tables a user could have
//! written, timestamps map onto the run through `simulation.start`, and
//! every bad row is reported at its file, line and column with nothing
//! written.

use crate::cli::{assert_code, hmasim, stderr, temp_dir};
use hmasim::experiment::{Plan, PlanRequest};
use std::path::Path;

const HEAD: &str = r#"[simulation]
name = "replay"
horizon = "3d"
[pool]
servers = 2
app_pools = ["ews", "owa"]
[clients]
users = 2
arrivals = "fixed"
request_interval = "10m"
"#;

fn plan(dir: &Path, file: &str) -> Result<Plan, hmasim::experiment::ExperimentError> {
    Plan::build(PlanRequest {
        scenario: dir.join(file),
        ..PlanRequest::default()
    })
}

#[test]
fn history_rows_are_the_tables_a_file_could_have_written() {
    let dir = temp_dir("history-tables");
    std::fs::create_dir(dir.join("h")).unwrap();
    std::fs::write(
        dir.join("h/events.csv"),
        "at,kind,server,app_pool,duration\n2h,ma_recycle,0,ews,\n1d 2h,maintenance,1,,90m\n\
         1d,server_crash,0,,\n1d,worker_crash,1,owa,\n",
    )
    .unwrap();
    std::fs::write(dir.join("h/rollovers.csv"), "lead,published\n1h,30h\n,2d\n").unwrap();
    std::fs::write(
        dir.join("replay.toml"),
        format!(
            "{HEAD}[history]\nevents = \"h/events.csv\"\nrollovers = \"h/rollovers.csv\"\n\
             [[event]]\nat = \"5h\"\nkind = \"periodic_recycle\"\nserver = 1\napp_pool = \"ews\"\n"
        ),
    )
    .unwrap();
    // The same history written as tables: the file's own come first.
    std::fs::write(
        dir.join("tables.toml"),
        format!(
            "{HEAD}[[event]]\nat = \"5h\"\nkind = \"periodic_recycle\"\nserver = 1\napp_pool = \"ews\"\n\
             [[event]]\nat = \"2h\"\nkind = \"ma_recycle\"\nserver = 0\napp_pool = \"ews\"\n\
             [[event]]\nat = \"1d\"\nkind = \"server_crash\"\nserver = 0\n\
             [[event]]\nat = \"1d\"\nkind = \"worker_crash\"\nserver = 1\napp_pool = \"owa\"\n\
             [[maintenance.window]]\nserver = 1\nstart = \"1d 2h\"\nduration = \"90m\"\n\
             [[issuer.rollover]]\nat = \"30h\"\nlead = \"1h\"\n\
             [[issuer.rollover]]\nat = \"2d\"\n"
        ),
    )
    .unwrap();
    let mut replay = plan(&dir, "replay.toml").unwrap().points[0]
        .scenario
        .clone();
    let tables = plan(&dir, "tables.toml").unwrap().points[0]
        .scenario
        .clone();
    assert_eq!(replay.events.len(), 4);
    assert_eq!(
        replay.history.events.as_deref(),
        Some("h/events.csv"),
        "the paths stay in the resolved scenario (the manifest shows them)"
    );
    // The model gets exactly what the tables give it: the same runs.
    replay.history = Default::default();
    assert_eq!(replay, tables);
}

#[test]
fn timestamps_need_a_start_and_mean_the_same_as_offsets() {
    let dir = temp_dir("history-timestamps");
    std::fs::write(
        dir.join("events.csv"),
        "at,kind,server\n2026-06-02T02:00:00+02:00,server_crash,1\n1d 1h,server_crash,1\n",
    )
    .unwrap();
    let with_start = format!(
        "{}[history]\nevents = \"events.csv\"\n",
        HEAD.replace(
            "horizon = \"3d\"",
            "horizon = \"3d\"\nstart = 2026-06-01T00:00:00Z"
        )
    );
    std::fs::write(dir.join("s.toml"), &with_start).unwrap();
    let s = plan(&dir, "s.toml").unwrap().base;
    let at: Vec<u64> = s.events.iter().map(|e| e.at).collect();
    assert_eq!(at, [86_400_000, 90_000_000]);

    // Without a start a timestamp is an error that says what to add.
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}[history]\nevents = \"events.csv\"\n"),
    )
    .unwrap();
    let err = plan(&dir, "s.toml").unwrap_err().to_string();
    assert!(
        err.contains("events.csv:2:1: at: \"2026-06-02T02:00:00+02:00\" is a timestamp, but the scenario has no simulation.start"),
        "{err}"
    );
}

#[test]
fn every_bad_row_is_reported_in_file_order_and_nothing_is_written() {
    let dir = temp_dir("history-bad-rows");
    std::fs::write(
        dir.join("events.csv"),
        "at,kind,server,app_pool,duration\n\
         1h,ma_recycel,0,ews,\n\
         2h,worker_crash,5,ews,\n\
         3h,maintenance,0,,\n\
         3x,server_crash,0,,\n\
         4h,server_crash,0,owa,\n\
         5h,worker_crash,0,exchange,\n",
    )
    .unwrap();
    std::fs::write(dir.join("rollovers.csv"), "published,laed\n1d,1h\n").unwrap();
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}[history]\nevents = \"events.csv\"\nrollovers = \"rollovers.csv\"\n"),
    )
    .unwrap();
    let out = hmasim(&dir, &["run", "s.toml", "--out", "res"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(".csv:")).collect();
    let want = [
        "events.csv:2:4: kind: unknown kind \"ma_recycel\"; did you mean \"ma_recycle\"?",
        "events.csv:3:17: server: server 5 does not exist (expected: a server index in 0..=1 ([pool] servers = 2))",
        "events.csv:4:19: duration: a maintenance row needs a duration (expected: a duration > 0s such as \"90m\")",
        "events.csv:5:1: at: in \"3x\": unknown unit \"x\"",
        "events.csv:6:19: app_pool: a server_crash row takes no app_pool (expected: an empty app_pool cell with kind server_crash)",
        "events.csv:7:19: app_pool: unknown app pool \"exchange\" (expected: one of \"ews\", \"owa\" ([pool] app_pools))",
        "rollovers.csv:1:11: laed: unknown column \"laed\"; did you mean `lead`?",
    ];
    assert_eq!(lines.len(), want.len(), "{err}");
    for (got, want) in lines.iter().zip(want) {
        let got = got.trim_start_matches("error: ");
        assert!(got.starts_with(want), "got  {got}\nwant {want}");
    }
    assert!(!dir.join("res").exists());

    // validate shows each with its line and a caret under the cell.
    let out = hmasim(&dir, &["validate", "s.toml"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out)
            .contains("3 | 2h,worker_crash,5,ews,\n  |                 ^ expected: a server index"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_file_is_reported_where_the_scenario_names_it() {
    let dir = temp_dir("history-missing");
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}[history]\nrollovers = \"nowhere.csv\"\n"),
    )
    .unwrap();
    let out = hmasim(&dir, &["validate", "s.toml"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.starts_with("s.toml:12:13: history.rollovers: cannot read \"nowhere.csv\""),
        "{err}"
    );
}

#[test]
fn the_bundled_history_replays_its_csv_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/history");
    let plan = Plan::build(PlanRequest {
        scenario: root.join("history.toml"),
        ..PlanRequest::default()
    })
    .unwrap();
    let s = &plan.base;
    let rows = |f: &str| {
        std::fs::read_to_string(root.join(f))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .count()
            - 1
    };
    assert_eq!(
        s.events.len() + s.maintenance.windows.len(),
        rows("events.csv")
    );
    assert_eq!(s.issuer.rollovers.len(), 2);
    assert_eq!(s.pool.servers, 6);
    // A quarter, replayed alone: every random process is off.
    assert_eq!(s.simulation.horizon, 91 * 86_400_000);
    assert_eq!(s.worker.crash_rate.count, 0.0);
    assert_eq!(s.worker.ma_recycle_rate.count, 0.0);
    assert_eq!(s.server.crash_rate.count, 0.0);
    assert_eq!(s.maintenance.rolling_every, None);
    assert_eq!(s.issuer.rollover_every, None);
    assert_eq!(s.issuer.emergency_rate.count, 0.0);
    assert!(s.events.iter().all(|e| e.at < s.simulation.horizon));
}

#[test]
fn history_files_and_a_start_keep_the_other_outputs_as_they_were() {
    // A scenario without [history] or start writes no new column; the
    // manifest's resolved scenario has no new key.
    let dir = temp_dir("history-bytes");
    std::fs::write(dir.join("s.toml"), HEAD).unwrap();
    let out = hmasim(&dir, &["run", "s.toml", "--out", "res", "--no-charts"]);
    assert_code(&out, 0);
    let manifest = std::fs::read_to_string(dir.join("res/manifest.json")).unwrap();
    for key in ["\"start\"", "\"history\"", "\"expect\""] {
        assert!(!manifest.contains(key), "{key} in {manifest}");
    }
}

#[test]
fn an_install_update_row_is_the_event_with_or_without_its_duration() {
    // install_update takes no app pool and an optional duration, like the
    // [[event]] kind it becomes.
    let dir = temp_dir("history-install-update");
    std::fs::write(
        dir.join("events.csv"),
        "at,kind,server,app_pool,duration\n10h,install_update,1,,45m\n1d,install_update,0,,\n",
    )
    .unwrap();
    let with_pool = HEAD.replace(
        "app_pools = [\"ews\", \"owa\"]",
        "app_pools = [\"ews\", \"owa\"]\nwithout_update = [0, 1]",
    );
    std::fs::write(
        dir.join("replay.toml"),
        format!("{with_pool}[history]\nevents = \"events.csv\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("tables.toml"),
        format!(
            "{with_pool}[[event]]\nat = \"10h\"\nkind = \"install_update\"\nserver = 1\nduration = \"45m\"\n\
             [[event]]\nat = \"1d\"\nkind = \"install_update\"\nserver = 0\n"
        ),
    )
    .unwrap();
    let mut replay = plan(&dir, "replay.toml").unwrap().base;
    let tables = plan(&dir, "tables.toml").unwrap().base;
    assert_eq!(replay.events[0].duration, Some(45 * 60_000));
    assert_eq!(replay.events[1].duration, None);
    replay.history = Default::default();
    assert_eq!(replay, tables);

    // An app pool is refused at its cell.
    std::fs::write(
        dir.join("events.csv"),
        "at,kind,server,app_pool,duration\n10h,install_update,1,ews,\n",
    )
    .unwrap();
    let err = plan(&dir, "replay.toml").unwrap_err().to_string();
    assert!(
        err.contains("events.csv:2:22: app_pool: an install_update row takes no app_pool"),
        "{err}"
    );
}

/// The `rerun` arguments of point `i` of the manifest in `dir`.
fn rerun_of(dir: &Path, i: usize) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["points"][i]["rerun"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_result_folder_keeps_its_history_files_and_re_runs_from_them_alone() {
    let dir = temp_dir("history-rerun");
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("data")).unwrap();
    let events = "at,kind,server,app_pool,duration\n2h,ma_recycle,0,ews,\n1d 2h,maintenance,1,,90m\n\
                  1d,worker_crash,1,owa,\n";
    let rollovers = "published,lead\n30h,1h\n";
    std::fs::write(src.join("data/events.csv"), events).unwrap();
    std::fs::write(src.join("data/rollovers.csv"), rollovers).unwrap();
    std::fs::write(
        src.join("s.toml"),
        format!(
            "{HEAD}[history]\nevents = \"data/events.csv\"\nrollovers = \"data/rollovers.csv\"\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| assert_code(&hmasim(&dir, args), 0);
    run(&["run", "src/s.toml", "--out", "res", "--no-charts", "-q"]);
    let res = dir.join("res");
    assert_eq!(
        std::fs::read_to_string(res.join("history/events.csv")).unwrap(),
        events
    );
    assert_eq!(
        std::fs::read_to_string(res.join("history/rollovers.csv")).unwrap(),
        rollovers
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(res.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["history_copies"][0],
        serde_json::json!({
            "path": "data/events.csv",
            "copy": "history/events.csv",
            "sha256": hmasim::experiment::hash::sha256_hex(events.as_bytes()),
        })
    );
    let mut args = rerun_of(&res, 0);
    assert_eq!(
        args[2..],
        [
            "--seed",
            "1",
            "--set",
            "history.events=history/events.csv",
            "--set",
            "history.rollovers=history/rollovers.csv"
        ]
    );

    // Shards carry the copies, and the merge checks and keeps them.
    for k in ["0", "1"] {
        let shard = format!("{k}/2");
        let out = format!("shard{k}");
        run(&["run", "src/s.toml", "--shard", &shard, "--out", &out, "-q"]);
        assert!(dir.join(&out).join("history/rollovers.csv").is_file());
    }
    run(&[
        "merge",
        "shard0",
        "shard1",
        "--out",
        "merged",
        "--no-charts",
    ]);
    for f in ["history/events.csv", "history/rollovers.csv", "runs.csv"] {
        assert_eq!(
            std::fs::read(res.join(f)).unwrap(),
            std::fs::read(dir.join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
    std::fs::write(dir.join("shard1/history/events.csv"), "at,kind,server\n").unwrap();
    let out = hmasim(&dir, &["merge", "shard0", "shard1", "--out", "m2"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("shard1/history/events.csv does not match the sha256"),
        "{}",
        stderr(&out)
    );

    // Moved elsewhere, the originals gone: a row re-runs from the folder.
    let moved = dir.join("elsewhere/moved");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&res, &moved).unwrap();
    std::fs::remove_dir_all(&src).unwrap();
    let row = dir.join("row");
    args.extend(["--replication", "0", "--no-charts", "-q", "--out"].map(String::from));
    args.push(row.display().to_string());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_code(&hmasim(&moved, &argv), 0);
    for f in ["runs.csv", "windows.csv", "timeline.csv", "rollovers.csv"] {
        assert_eq!(
            std::fs::read(moved.join(f)).unwrap(),
            std::fs::read(row.join(f)).unwrap(),
            "{f}"
        );
    }
    let moved_text = moved.display().to_string();
    let row_text = row.display().to_string();
    assert_code(&hmasim(&dir, &["diff", &moved_text, &row_text]), 0);
}

#[test]
fn a_swept_history_file_is_copied_per_point_under_unique_names() {
    let dir = temp_dir("history-swept");
    for (sub, at) in [("a", "2h"), ("b", "3h")] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(
            dir.join(sub).join("events.csv"),
            format!("at,kind,server,app_pool\n{at},ma_recycle,0,ews\n"),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}[history]\nevents = \"a/events.csv\"\n"),
    )
    .unwrap();
    let out = hmasim(
        &dir,
        &[
            "run",
            "s.toml",
            "--vary",
            "history.events=a/events.csv,b/events.csv",
            "--out",
            "res",
            "--no-charts",
            "-q",
        ],
    );
    assert_code(&out, 0);
    let res = dir.join("res");
    let read = |f: &str| std::fs::read_to_string(res.join(f)).unwrap();
    assert!(read("history/events.csv").contains("2h,"));
    assert!(read("history/events-2.csv").contains("3h,"));
    let rerun = rerun_of(&res, 1);
    assert_eq!(
        rerun[rerun.len() - 2..],
        ["--set", "history.events=history/events-2.csv"],
        "the swept value is replaced by the copy: {rerun:?}"
    );
    assert!(
        !rerun.iter().any(|a| a.contains("b/events.csv")),
        "{rerun:?}"
    );
}

/// Checks that every `X_utc` column of the CSV at `path` is its `X_ms`
/// column after `start`, and returns how many such cells there were.
fn check_wall_clock(path: &Path, start: &str) -> usize {
    let clock = hmasim::scenario::clock::WallClock::parse(start).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let pairs: Vec<(usize, usize)> = header
        .iter()
        .enumerate()
        .filter(|(_, c)| c.ends_with("_utc"))
        .map(|(i, c)| {
            let ms = c.replace("_utc", "_ms");
            (header.iter().position(|h| *h == ms).unwrap(), i)
        })
        .collect();
    assert!(!pairs.is_empty(), "{}: {header:?}", path.display());
    let mut cells = 0;
    for line in lines {
        // No quoted cells here: app pools are plain names.
        let row: Vec<&str> = line.split(',').collect();
        for &(ms, utc) in &pairs {
            let at = clock.at(row[ms].parse().unwrap());
            assert_eq!(row[utc], format!("{at:.3}"), "{}: {line}", path.display());
            cells += 1;
        }
    }
    cells
}

#[test]
fn a_start_dates_every_instant_of_the_per_run_files() {
    let dir = temp_dir("history-wall-clock");
    let events = "at,kind,server,app_pool,duration\n2026-06-02T02:00:00+02:00,ma_recycle,0,ews,\n\
                  1d 2h,maintenance,1,,90m\n";
    std::fs::write(dir.join("events.csv"), events).unwrap();
    let dated = HEAD.replace(
        "horizon = \"3d\"",
        "horizon = \"3d\"\nstart = \"2026-06-01T22:00:00Z\"",
    ) + "[history]\nevents = \"events.csv\"\n[[issuer.rollover]]\nat = \"1d\"\n";
    std::fs::write(dir.join("dated.toml"), &dated).unwrap();
    // The same history in offsets, without a start.
    std::fs::write(
        dir.join("offsets.csv"),
        events.replace("2026-06-02T02:00:00+02:00", "2h"),
    )
    .unwrap();
    std::fs::write(
        dir.join("plain.toml"),
        HEAD.to_string()
            + "[history]\nevents = \"offsets.csv\"\n[[issuer.rollover]]\nat = \"1d\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| assert_code(&hmasim(&dir, args), 0);
    run(&[
        "run",
        "dated.toml",
        "--trace",
        "--out",
        "dated",
        "--no-charts",
        "-q",
    ]);
    run(&[
        "run",
        "plain.toml",
        "--trace",
        "--out",
        "plain",
        "--no-charts",
        "-q",
    ]);
    for f in [
        "timeseries.csv",
        "timeline.csv",
        "rollovers.csv",
        "events.csv",
    ] {
        assert!(
            check_wall_clock(&dir.join("dated").join(f), "2026-06-01T22:00:00Z") > 0,
            "{f}"
        );
        let plain = std::fs::read_to_string(dir.join("plain").join(f)).unwrap();
        assert!(!plain.contains("_utc"), "{f}: {plain}");
    }
    let header = std::fs::read_to_string(dir.join("dated/windows.csv")).unwrap();
    assert!(header.starts_with(
        "seed,replication,read_session,server,app_pool,start_ms,start_utc,end_ms,end_utc,duration_ms,"
    ));
    let manifest = std::fs::read_to_string(dir.join("dated/manifest.json")).unwrap();
    assert!(
        manifest.contains("\"start\": \"2026-06-01T22:00:00Z\""),
        "{manifest}"
    );
    // The other files do not change with a start.
    assert_code(&hmasim(&dir, &["diff", "dated", "plain"]), 0);

    // Each point of a sweep over the start has its own dates; shards of it
    // merge to the same bytes.
    let vary = "simulation.start=2026-06-01T22:00:00Z,2026-01-01T00:00:00+01:00";
    run(&[
        "run",
        "dated.toml",
        "--vary",
        vary,
        "--out",
        "sweep",
        "--no-charts",
        "-q",
    ]);
    let timeline = dir.join("sweep/point-001/timeline.csv");
    assert!(check_wall_clock(&timeline, "2025-12-31T23:00:00Z") > 0);
    for k in ["0", "1", "2"] {
        let shard = format!("{k}/3");
        let out = format!("s{k}");
        run(&[
            "run",
            "dated.toml",
            "--vary",
            vary,
            "--shard",
            &shard,
            "--out",
            &out,
            "-q",
        ]);
    }
    run(&["merge", "s0", "s1", "s2", "--out", "merged", "--no-charts"]);
    for f in [
        "point-000/timeline.csv",
        "point-001/timeline.csv",
        "point-001/rollovers.csv",
    ] {
        assert_eq!(
            std::fs::read(dir.join("sweep").join(f)).unwrap(),
            std::fs::read(dir.join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn variants_of_a_dated_history_re_run_from_the_folder_alone() {
    let dir = temp_dir("history-variants");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let events = "at,kind,server,app_pool,duration\n2026-06-02T02:00:00Z,ma_recycle,0,ews,\n\
                  1d 2h,maintenance,1,,90m\n";
    std::fs::write(src.join("events.csv"), events).unwrap();
    let dated = HEAD.replace(
        "horizon = \"3d\"",
        "horizon = \"3d\"\nstart = \"2026-06-01T22:00:00Z\"",
    ) + "[history]\nevents = \"events.csv\"\n[[issuer.rollover]]\nat = \"1d\"\n\n\
         [[variant]]\nname = \"nothing\"\n\n\
         [[variant]]\nname = \"flag\"\nread_session = true\n";
    std::fs::write(src.join("s.toml"), &dated).unwrap();
    let out = hmasim(
        &dir,
        &["run", "src/s.toml", "--out", "res", "--no-charts", "-q"],
    );
    assert_code(&out, 0);
    let res = dir.join("res");
    // Each variant's folder has the wall-clock columns.
    for v in ["variant-nothing", "variant-flag"] {
        assert!(check_wall_clock(&res.join(v).join("timeline.csv"), "2026-06-01T22:00:00Z") > 0);
    }
    let mut args = rerun_of(&res, 1);
    assert_eq!(
        args[2..],
        [
            "--seed",
            "1",
            "--variant",
            "flag",
            "--set",
            "history.events=history/events.csv"
        ]
    );
    // The originals gone, the flag variant re-runs from the folder: the
    // same runs as in the folder, the other variant's only there.
    std::fs::remove_dir_all(&src).unwrap();
    let row = dir.join("row");
    args.extend(["--no-charts", "-q", "--out"].map(String::from));
    args.push(row.display().to_string());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_code(&hmasim(&res, &argv), 0);
    assert_eq!(
        std::fs::read(res.join("variant-flag/windows.csv")).unwrap(),
        std::fs::read(row.join("variant-flag/windows.csv")).unwrap()
    );
    let out = hmasim(&dir, &["diff", "res", "row"]);
    assert_code(&out, 1);
    assert!(
        crate::cli::stdout(&out).ends_with(
            "1 run only in A:\n\
             \x20 variant  seed  replication  read_session\n\
             \x20 nothing  1     0            false\n\
             differ: the 1 matched run agrees, 1 run only in A\n"
        ),
        "{}",
        crate::cli::stdout(&out)
    );

    // A variant cannot point at other history files: its re-run could not
    // read the folder's copies.
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("events.csv"), events).unwrap();
    std::fs::write(
        src.join("s.toml"),
        dated + "set = { \"history.events\" = \"other.csv\" }\n",
    )
    .unwrap();
    let out = hmasim(&dir, &["run", "src/s.toml", "--out", "bad", "-q"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out)
            .contains("variant[1].set.\"history.events\": a variant cannot set history.events"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("bad").exists());
}

#[test]
fn a_row_with_too_few_or_too_many_cells_names_the_column() {
    let dir = temp_dir("history-width");
    std::fs::write(
        dir.join("events.csv"),
        "at,kind,server,app_pool,duration\n1h,worker_crash,0,ews,,1h\n",
    )
    .unwrap();
    std::fs::write(dir.join("rollovers.csv"), "published,lead\n1d\n").unwrap();
    std::fs::write(
        dir.join("s.toml"),
        format!("{HEAD}[history]\nevents = \"events.csv\"\nrollovers = \"rollovers.csv\"\n"),
    )
    .unwrap();
    let out = hmasim(&dir, &["run", "s.toml", "--out", "res"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    for want in [
        "events.csv:2:24: this row has 6 cells, the header 5: cell 6 is after the last column, \
         duration (expected: 5 cells (at,kind,server,app_pool,duration), empty ones included)",
        "rollovers.csv:2:1: lead: this row has 1 cell, the header 2: no lead cell \
         (expected: 2 cells (published,lead), empty ones included)",
    ] {
        assert!(err.contains(want), "want {want}\n got {err}");
    }
    assert!(!dir.join("res").exists());
}
