//! The experiment layer: paired comparisons, replications, sweeps, `--jobs`,
//! shards and merge, re-running one row from the manifest, sweep spec errors.

use crate::cli::{assert_code, files, hmasim, stderr, temp_dir, write};
use hmasim::experiment::{Plan, PlanRequest};
use std::path::{Path, PathBuf};

/// Oracle O1 (docs/model.md section 9): one server, one user every 10 s, one
/// explicit rollover at 1h and a scripted MA recycle at 2h. The recycled
/// process meets the unknown key: flag off it holds `failed_update_hold` + latency, flag on
/// only the latency, in every replication.
fn o1_text() -> String {
    let text = crate::common::oracle_text("1h", "3h", crate::common::RECYCLE_AT_2H)
        .replace("seed = 1\n", "seed = 1\nreplications = 3\n");
    assert!(
        text.contains("replications = 3"),
        "the oracle text changed shape"
    );
    text
}

/// A small pool where every random source is on, with a sweep: replications
/// differ, so ordering mistakes would show.
const NOISY_SWEEP: &str = r#"
[simulation]
name = "noisy"
horizon = "1d"
seed = 5
replications = 3

[issuer]
token_lifetime = ["30m", "60m"]
rollover_every = "off"
emergency_rate = "2/1d"
[[issuer.rollover]]
at = "4h"

[directory]
replication_delay = ["10m", "1h"]

[pool]
servers = 2
app_pools = ["ews", "mapi"]

[worker]
ma_recycle_rate = "6/1d"
crash_rate = "2/1d"

[server]
crash_rate = "1/1d"

[maintenance]
rolling_every = "off"

[clients]
users = 20
request_interval = "5m"

[sweep]
"worker.failed_update_hold" = ["10m", "30m"]
"pool.servers" = { from = 1, to = 2, step = 1 }
"#;

/// The cells of the `compare.csv` row labelled `row` under `column`.
fn compare_cell(text: &str, row: &str, column: &str) -> String {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    let line = lines.find(|l| l.split(',').next() == Some(row)).unwrap();
    line.split(',').nth(c).unwrap().to_string()
}

#[test]
fn paired_comparison_saves_exactly_the_hold_with_a_zero_width_ci() {
    let dir = temp_dir("paired");
    write(&dir, "o1.toml", &o1_text());
    let out = hmasim(
        &dir,
        &["run", "o1.toml", "--out", "res", "--no-charts", "--quiet"],
    );
    assert_code(&out, 0);
    let compare = std::fs::read_to_string(dir.join("res/compare.csv")).unwrap();
    let reps: Vec<&str> = compare.lines().filter(|l| l.starts_with("rep,")).collect();
    assert_eq!(reps.len(), 3, "{compare}");
    for rep in reps {
        // off - on of window_ms_total: the hold, exactly.
        assert_eq!(rep.split(',').nth(8), Some("1800000"), "{rep}");
    }
    assert_eq!(
        compare_cell(&compare, "mean", "window_ms_total"),
        "1800000.000"
    );
    assert_eq!(compare_cell(&compare, "sd", "window_ms_total"), "0.000");
    assert_eq!(
        compare_cell(&compare, "ci_low", "window_ms_total"),
        "1800000.000"
    );
    assert_eq!(
        compare_cell(&compare, "ci_high", "window_ms_total"),
        "1800000.000"
    );
    assert_eq!(
        compare_cell(&compare, "share_helped", "user_minutes"),
        "1.000"
    );
    // The same summary, one row per metric.
    let summary = std::fs::read_to_string(dir.join("res/compare_summary.csv")).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines[0], "metric,n,mean,sd,ci_low,ci_high,share_helped");
    assert_eq!(lines.len(), 1 + 12, "{summary}");
    assert!(lines.contains(&"window_ms_total,3,1800000.000,0.000,1800000.000,1800000.000,1.000"));
    assert!(lines.contains(&"user_minutes,3,30.000,0.000,30.000,30.000,1.000"));
    // The headline says so too.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the read session saves 30.0 user-minutes per 4h (95% CI 30.0..30.0)"),
        "{text}"
    );
    assert!(text.contains("max window from 30m 2s to 2s"), "{text}");
}

#[test]
fn sweep_summary_has_one_row_per_point_with_the_exact_paired_saving() {
    let dir = temp_dir("sweep-summary");
    write(&dir, "o1.toml", &o1_text());
    let out = hmasim(
        &dir,
        &[
            "run",
            "o1.toml",
            "--vary",
            "worker.failed_update_hold=10m,30m",
            "--out",
            "res",
            "--no-charts",
            "--quiet",
        ],
    );
    assert_code(&out, 0);
    let path = dir.join("res/sweep_summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 2, "one row per point:\n{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        header[..6],
        [
            "point",
            "worker.failed_update_hold",
            "replications",
            "requests_off_mean",
            "requests_off_ci_low",
            "requests_off_ci_high"
        ]
    );
    assert_eq!(header.len(), 3 + 12 * 9);
    assert_eq!(header.last(), Some(&"user_minutes_saved_ci_high"));
    let cell = |line: usize, column: &str| {
        let c = header.iter().position(|h| *h == column).unwrap();
        lines[line].split(',').nth(c).unwrap().to_string()
    };
    for (line, hold, hold_ms) in [(1, "10m", "600000.000"), (2, "30m", "1800000.000")] {
        assert_eq!(cell(line, "point"), (line - 1).to_string());
        assert_eq!(cell(line, "worker.failed_update_hold"), hold);
        assert_eq!(cell(line, "replications"), "3");
        // The flag saves exactly the hold, in every replication: a
        // zero-width interval.
        for c in ["mean", "ci_low", "ci_high"] {
            assert_eq!(
                cell(line, &format!("window_ms_total_saved_{c}")),
                hold_ms,
                "{hold}"
            );
        }
        // The same number as the point's compare.csv.
        let compare =
            std::fs::read_to_string(dir.join(format!("res/point-00{}/compare.csv", line - 1)))
                .unwrap();
        for m in ["window_ms_total", "user_minutes", "rejected"] {
            assert_eq!(
                cell(line, &format!("{m}_saved_mean")),
                compare_cell(&compare, "mean", m)
            );
        }
    }
    // Both flags: a 2s window at the rollover; then off holds the hold plus
    // the 2s update, on only the update.
    assert_eq!(cell(2, "window_ms_total_off_mean"), "1804000.000");
    assert_eq!(cell(2, "window_ms_total_on_mean"), "4000.000");
    assert_eq!(cell(2, "window_ms_total_on_ci_high"), "4000.000");
    assert_eq!(cell(1, "user_minutes_saved_mean"), "10.000");
    assert_eq!(cell(2, "user_minutes_saved_ci_low"), "30.000");

    // The long form says the same, one value per row.
    let long = std::fs::read_to_string(dir.join("res/sweep_summary_long.csv")).unwrap();
    let long: Vec<&str> = long.lines().collect();
    assert_eq!(
        long[0],
        "point,worker.failed_update_hold,metric,group,mean,ci_low,ci_high"
    );
    assert_eq!(long.len(), 1 + 2 * 12 * 3);
    assert!(long.contains(&"1,30m,window_ms_total,saved,1800000.000,1800000.000,1800000.000"));
    assert!(long.contains(&"0,10m,user_minutes,saved,10.000,10.000,10.000"));

    // The reader sees the same.
    let s = hmasim::output::read::read_sweep_summary(&path).unwrap();
    assert_eq!(s.parameters, ["worker.failed_update_hold"]);
    assert_eq!(s.rows.len(), 2);
    let saved = s.rows[0].metric("window_ms_total").unwrap().saved.unwrap();
    assert_eq!(
        (saved.mean, saved.ci_low, saved.ci_high),
        (600_000.0, Some(600_000.0), Some(600_000.0))
    );

    // One replication: no intervals; one flag value: no saving.
    let out = hmasim(
        &dir,
        &[
            "run",
            "o1.toml",
            "--vary",
            "worker.failed_update_hold=10m,30m",
            "--replications",
            "1",
            "--read-session",
            "true",
            "--out",
            "on-only",
            "--no-charts",
            "--quiet",
        ],
    );
    assert_code(&out, 0);
    let text = std::fs::read_to_string(dir.join("on-only/sweep_summary.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let c = |column: &str| {
        let i = header.iter().position(|h| *h == column).unwrap();
        lines[1].split(',').nth(i).unwrap().to_string()
    };
    assert_eq!(lines[0], header.join(","));
    assert_eq!(c("replications"), "1");
    assert_eq!(c("window_ms_total_on_mean"), "4000.000");
    for column in [
        "window_ms_total_on_ci_low",
        "window_ms_total_off_mean",
        "window_ms_total_off_ci_high",
        "window_ms_total_saved_mean",
        "user_minutes_saved_ci_low",
    ] {
        assert_eq!(c(column), "", "{column}");
    }
}

#[test]
fn jobs_do_not_change_a_single_byte() {
    let dir = temp_dir("jobs");
    write(&dir, "noisy.toml", NOISY_SWEEP);
    for (jobs, out) in [("1", "j1"), ("2", "j2")] {
        let o = hmasim(
            &dir,
            &[
                "run",
                "noisy.toml",
                "--out",
                out,
                "--jobs",
                jobs,
                "--no-charts",
                "-q",
            ],
        );
        assert_code(&o, 0);
    }
    let (a, b) = (files(&dir.join("j1")), files(&dir.join("j2")));
    assert!(
        a.contains_key(Path::new("sweep.csv"))
            && a.contains_key(Path::new("sweep_summary.csv"))
            && a.contains_key(Path::new("sweep_summary_long.csv"))
            && a.contains_key(Path::new("point-003/compare.csv"))
            && a.contains_key(Path::new("point-003/compare_summary.csv"))
    );
    let summary = String::from_utf8(a[Path::new("sweep_summary.csv")].clone()).unwrap();
    assert_eq!(summary.lines().count(), 1 + 4, "one row per point");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name != Path::new("manifest.json") {
            assert!(
                bytes == &b[name],
                "{} differs between --jobs 1 and 2",
                name.display()
            );
        }
    }
    // 4 points x 3 replications x 2 flag values, in the fixed order.
    let sweep = String::from_utf8(a[Path::new("sweep.csv")].clone()).unwrap();
    assert_eq!(sweep.lines().count(), 1 + 24);
    let keys: Vec<String> = sweep
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            // point, hold, servers, scenario, seed, replication, read_session
            format!("{} {} {} {}", c[0], c[4], c[5], c[6])
        })
        .collect();
    assert_eq!(keys[0], "0 5 0 false");
    assert_eq!(keys[1], "0 5 0 true");
    assert_eq!(keys[2], "0 5 1 false");
    assert_eq!(keys[23], "3 5 2 true");
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    let dir = temp_dir("shards");
    write(&dir, "noisy.toml", NOISY_SWEEP);
    let common = ["--no-charts", "-q", "--trace", "--replications", "2"];
    let mut whole = vec!["run", "noisy.toml", "--out", "whole"];
    whole.extend(common);
    assert_code(&hmasim(&dir, &whole), 0);
    for k in ["0/2", "1/2"] {
        let out = format!("shard{}", &k[..1]);
        let mut args = vec!["run", "noisy.toml", "--out", &out, "--shard", k];
        args.extend(common);
        assert_code(&hmasim(&dir, &args), 0);
    }
    assert!(
        !dir.join("shard0/sweep.csv").exists(),
        "summaries are the merge's job"
    );
    let out = hmasim(
        &dir,
        &[
            "merge",
            "shard1",
            "shard0",
            "--out",
            "merged",
            "--no-charts",
        ],
    );
    assert_code(&out, 0);
    let (a, b) = (files(&dir.join("whole")), files(&dir.join("merged")));
    for summary in [
        "sweep_summary.csv",
        "sweep_summary_long.csv",
        "point-000/compare_summary.csv",
    ] {
        assert!(a.contains_key(Path::new(summary)), "{summary}");
    }
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name != Path::new("manifest.json") {
            assert!(
                bytes == &b[name],
                "{} differs after the merge",
                name.display()
            );
        }
    }
    // The manifests differ only in how the folder was made.
    let strip = |p: &Path| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("command");
        o.remove("merged_from");
        v
    };
    assert_eq!(
        strip(&dir.join("whole/manifest.json")),
        strip(&dir.join("merged/manifest.json"))
    );

    // Refusals: a missing shard, a duplicate, shards of another scenario.
    let out = hmasim(&dir, &["merge", "shard0", "--out", "m2"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("missing shard(s) 1/2"),
        "{}",
        stderr(&out)
    );
    let out = hmasim(&dir, &["merge", "shard0", "shard0", "--out", "m2"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("shard 0/2 given twice"),
        "{}",
        stderr(&out)
    );
    write(
        &dir,
        "other.toml",
        &NOISY_SWEEP.replace("users = 20", "users = 21"),
    );
    let mut args = vec!["run", "other.toml", "--out", "other1", "--shard", "1/2"];
    args.extend(common);
    assert_code(&hmasim(&dir, &args), 0);
    let out = hmasim(&dir, &["merge", "shard0", "other1", "--out", "m2"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("different scenario file"),
        "{}",
        stderr(&out)
    );
    // The merge never replaces one of its shards, however the folder is spelt.
    let out = hmasim(
        &dir,
        &["merge", "shard0", "shard1", "--out", "./shard0", "--force"],
    );
    assert_code(&out, 2);
    assert!(dir.join("shard0/shard_index.csv").exists());
    // A damaged shard manifest is refused, not trusted: a shard index out of
    // range, a point folder outside the result folder.
    let manifest = dir.join("shard1/manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    for (from, to, want) in [
        (
            "\"index\": 1",
            "\"index\": 7",
            "is not a shard K/N with 0 <= K < N",
        ),
        (
            "\"dir\": \"point-001\"",
            "\"dir\": \"../point-001\"",
            "point 1: folder \"../point-001\" is not one folder name",
        ),
    ] {
        assert!(m.contains(from), "{from} not in the manifest");
        std::fs::write(&manifest, m.replace(from, to)).unwrap();
        let out = hmasim(&dir, &["merge", "shard0", "shard1", "--out", "m2"]);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(want), "{}", stderr(&out));
    }
    std::fs::write(&manifest, &m).unwrap();
    // Another hmasim build (here a faked commit): refused, naming both builds.
    let mut v: serde_json::Value = serde_json::from_str(&m).unwrap();
    v["build"]["commit"] = "0000000000000000000000000000000000000000".into();
    std::fs::write(
        dir.join("shard1/manifest.json"),
        serde_json::to_vec_pretty(&v).unwrap(),
    )
    .unwrap();
    let out = hmasim(&dir, &["merge", "shard0", "shard1", "--out", "m2"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out)
            .contains("written by hmasim 0.1.0 (commit 0000000000000000000000000000000000000000"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("m2").exists());
}

/// The `(replication, read_session)` of each row of a per-run CSV.
fn run_keys(text: &str) -> Vec<(u32, bool)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (replication, flag) = (column("replication"), column("read_session"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[replication].parse().unwrap(), r[flag].parse().unwrap())
        })
        .collect()
}

#[test]
fn many_replications_are_written_in_run_order_whatever_the_jobs() {
    // 30 replications x 2 flag values = 60 short runs of unequal length: with
    // more threads than cores they finish far out of order, so the rows of
    // runs that finished early must wait for the earlier runs.
    let dir = temp_dir("order");
    let text = NOISY_SWEEP
        .split("[sweep]")
        .next()
        .unwrap()
        .replace("replications = 3", "replications = 30");
    write(&dir, "many.toml", &text);
    for jobs in ["1", "2", "5"] {
        let out = format!("j{jobs}");
        let args = [
            "run",
            "many.toml",
            "--out",
            &out,
            "--jobs",
            jobs,
            "--trace",
            "--no-charts",
            "-q",
        ];
        assert_code(&hmasim(&dir, &args), 0);
    }
    // Every run has rows in each of these files, in run order.
    let expected: Vec<(u32, bool)> = (0..30).flat_map(|r| [(r, false), (r, true)]).collect();
    let folders: Vec<_> = ["j1", "j2", "j5"].map(|j| files(&dir.join(j))).into();
    for (folder, jobs) in folders.iter().zip(["1", "2", "5"]) {
        let text = |name: &str| String::from_utf8(folder[Path::new(name)].clone()).unwrap();
        assert_eq!(run_keys(&text("runs.csv")), expected, "--jobs {jobs}");
        for name in ["timeseries.csv", "timeline.csv", "events.csv"] {
            let mut keys = run_keys(&text(name));
            keys.dedup();
            assert_eq!(keys, expected, "{name} of --jobs {jobs}: runs out of order");
        }
    }
    let reference = &folders[0];
    for (other, jobs) in folders[1..].iter().zip(["2", "5"]) {
        assert_eq!(
            reference.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in reference {
            if name != Path::new("manifest.json") {
                assert!(
                    bytes == &other[name],
                    "{} differs between --jobs 1 and {jobs}",
                    name.display()
                );
            }
        }
    }
}

#[test]
fn a_run_failing_after_others_were_written_leaves_nothing() {
    // Point 1 publishes far more keys than a run supports. The plan refuses
    // that (exit 2, nothing written), so to make its runs fail after point
    // 0's rows went to the staging folder, the rate is raised after the plan
    // is built, and the steps of `run` are taken here.
    use hmasim::experiment::plan::enumerate_runs;
    use hmasim::experiment::{folder, manifest::Manifest, runner};
    let dir = temp_dir("failing");
    let text = NOISY_SWEEP.split("[sweep]").next().unwrap().to_string()
        + "[sweep]\n\"issuer.emergency_rate\" = [\"1/1d\", \"2/1d\"]\n";
    write(&dir, "failing.toml", &text);
    let request = PlanRequest {
        scenario: dir.join("failing.toml"),
        ..PlanRequest::default()
    };
    let mut plan = Plan::build_from_text(request, text).unwrap();
    plan.points[1].scenario.issuer.emergency_rate = hmasim::scenario::Rate {
        count: 1000.0,
        per: hmasim::engine::time::DAY,
    };
    let runs = enumerate_runs(&plan.point_entries(), None);
    let manifest = Manifest::of_plan(&plan, Vec::new(), runs.len(), None);
    let out = dir.join("new/parent/res");
    let mut writer =
        folder::FolderWriter::create(&out, false, &manifest, plan.scenario_text.as_bytes(), &[])
            .unwrap();
    let options = runner::RunnerOptions {
        jobs: Some(2),
        progress: false,
        stop: None,
        max_events: None,
    };
    let spill = writer.spill_dir();
    let e = runner::run_each(&plan, &runs, options, &spill, |o| writer.push(o)).unwrap_err();
    drop(writer);
    assert_eq!(e.exit_code(), 1);
    assert!(
        e.to_string()
            .contains("run point 1, seed 5, replication 0, read_session false failed: more than"),
        "{e}"
    );
    let left: Vec<_> = std::fs::read_dir(&*dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["failing.toml"],
        "the staging folder and the parents it made are gone"
    );
    // From the command line, the same sweep value is refused before anything runs.
    let text = NOISY_SWEEP.split("[sweep]").next().unwrap().to_string()
        + "[sweep]\n\"issuer.emergency_rate\" = [\"1/1d\", \"1000/1d\"]\n";
    write(&dir, "failing.toml", &text);
    let out = hmasim(
        &dir,
        &["run", "failing.toml", "--out", "res", "--no-charts", "-q"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("sweep point 1, seed 5, replication 0 publishes more than 127"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("res").exists());
}

#[test]
fn a_damaged_shard_file_is_refused_before_anything_is_written() {
    let dir = temp_dir("damaged");
    write(&dir, "noisy.toml", NOISY_SWEEP);
    for k in ["0/2", "1/2"] {
        let out = format!("shard{}", &k[..1]);
        let args = [
            "run",
            "noisy.toml",
            "--out",
            &out,
            "--shard",
            k,
            "--no-charts",
            "-q",
        ];
        assert_code(&hmasim(&dir, &args), 0);
    }
    let merge = || {
        hmasim(
            &dir,
            &["merge", "shard0", "shard1", "--out", "m", "--no-charts"],
        )
    };
    let left = || {
        let mut names: Vec<String> = std::fs::read_dir(&*dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let timeseries = dir.join("shard1/point-002/timeseries.csv");
    let runs = dir.join("shard0/point-001/runs.csv");
    let (ts, rs) = (
        std::fs::read(&timeseries).unwrap(),
        std::fs::read(&runs).unwrap(),
    );
    // One byte more; a row of runs.csv that no longer parses (a byte that
    // is not UTF-8, same length); a missing file.
    let mut longer = ts.clone();
    longer.push(b'\n');
    let mut not_utf8 = rs.clone();
    let second_line = rs.iter().position(|&b| b == b'\n').unwrap() + 1;
    not_utf8[second_line] = 0xff;
    for (path, bytes, want) in [
        (
            &timeseries,
            Some(longer),
            "timeseries.csv does not match shard_index.csv",
        ),
        (
            &runs,
            Some(not_utf8),
            "runs.csv does not match shard_index.csv",
        ),
        (&timeseries, None, "timeseries.csv: "),
    ] {
        match bytes {
            Some(b) => std::fs::write(path, b).unwrap(),
            None => std::fs::remove_file(path).unwrap(),
        }
        let out = merge();
        assert_code(&out, 2);
        assert!(stderr(&out).contains(want), "{want}: {}", stderr(&out));
        assert_eq!(left(), ["noisy.toml", "shard0", "shard1"]);
        std::fs::write(&timeseries, &ts).unwrap();
        std::fs::write(&runs, &rs).unwrap();
    }
    assert_code(&merge(), 0);
    assert!(dir.join("m/sweep.csv").exists());
}

#[test]
fn one_row_re_run_from_the_manifest_reproduces_it() {
    let dir = temp_dir("rerun");
    write(&dir, "noisy.toml", NOISY_SWEEP);
    assert_code(
        &hmasim(
            &dir,
            &["run", "noisy.toml", "--out", "sweep", "--no-charts", "-q"],
        ),
        0,
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sweep/manifest.json")).unwrap()).unwrap();
    // The folder keeps the file's exact bytes, and the manifest their SHA-256.
    let copy = std::fs::read(dir.join("sweep/scenario.toml")).unwrap();
    assert_eq!(copy, NOISY_SWEEP.as_bytes());
    assert_eq!(
        manifest["scenario_sha256"],
        hmasim::experiment::hash::sha256_hex(NOISY_SWEEP.as_bytes())
    );
    let point = &manifest["points"][2];
    let mut args: Vec<String> = point["rerun"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(args[..2], ["run", "scenario.toml"], "{args:?}");
    assert!(args.contains(&"--set".to_string()), "{args:?}");
    let row = dir.join("row");
    args.extend(["--replication", "1", "--no-charts", "-q", "--out"].map(String::from));
    args.push(row.display().to_string());
    // Editing (here: breaking) the original changes nothing: the re-run,
    // from the result folder, uses the copy.
    write(&dir, "noisy.toml", "not a scenario");
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_code(&hmasim(&dir.join("sweep"), &argv), 0);

    let rerun = std::fs::read_to_string(row.join("runs.csv")).unwrap();
    let original = std::fs::read_to_string(
        dir.join(format!("sweep/{}/runs.csv", point["dir"].as_str().unwrap())),
    )
    .unwrap();
    let rows: Vec<&str> = rerun.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{rerun}");
    for row in rows {
        assert!(row.contains(",5,1,"), "{row}");
        assert!(
            original.lines().any(|l| l == row),
            "{row} not in\n{original}"
        );
    }
}

fn plan_error(text: &str, varies: &[&str]) -> String {
    let request = PlanRequest {
        scenario: PathBuf::from("s.toml"),
        varies: varies.iter().map(|s| s.to_string()).collect(),
        ..PlanRequest::default()
    };
    match Plan::build_from_text(request, text.to_string()) {
        Ok(_) => panic!("accepted: {text} {varies:?}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn bad_sweep_specs_give_clear_errors() {
    let base = crate::cli::TINY;
    let sweep = |entry: &str| format!("{base}\n[sweep]\n{entry}\n");
    let cases = [
        (
            sweep(r#""worker.startp" = ["1s", "2s"]"#),
            r#"s.toml:15:1: sweep."worker.startp" value 1s (sweep point 0): worker.startp: unknown key `startp`; did you mean `startup`?"#,
        ),
        (
            sweep(r#""pool.servers" = []"#),
            r#"s.toml:15:1: sweep."pool.servers": empty list"#,
        ),
        (
            sweep(r#""pool.servers" = [1, "two"]"#),
            "type mismatch: value 2 (two) is a string but value 1 (1) is an integer",
        ),
        (
            sweep(r#""pool.servers" = ["two"]"#),
            r#"value two (sweep point 0): pool.servers: "#,
        ),
        (
            sweep(r#""pool.servers" = { from = 1, to = 4, step = 0 }"#),
            "step must be positive, found 0",
        ),
        (
            sweep(r#""pool.servers" = { from = 4, to = 1, step = 1 }"#),
            "from (4) is greater than to (1)",
        ),
        (
            sweep(r#""worker.startup" = { from = "1m", to = 5, step = "1m" }"#),
            "type mismatch: from, to and step",
        ),
        (sweep(r#""simulation" = [1]"#), "whole table"),
    ];
    for (text, want) in cases {
        let e = plan_error(&text, &[]);
        assert!(e.contains(want), "want {want:?}\n got {e}");
    }
    let e = plan_error(base, &["maintenance.gap="]);
    assert!(e.contains("--vary maintenance.gap=: empty list"), "{e}");
    let e = plan_error(base, &["maintenance.gap=5m,x"]);
    assert!(
        e.contains("--vary maintenance.gap=5m,x value x (sweep point 1): maintenance.gap: "),
        "{e}"
    );
}

#[test]
fn a_file_completed_by_set_is_a_template_and_its_own_errors_name_its_lines() {
    let template = "[simulation]\nname = \"tpl\"\n\n[pool]\nservers = 1\n";
    let build = |sets: &[&str]| {
        let request = PlanRequest {
            scenario: PathBuf::from("tpl.toml"),
            sets: sets.iter().map(|s| s.to_string()).collect(),
            ..PlanRequest::default()
        };
        Plan::build_from_text(request, template.to_string())
    };
    let plan = build(&["simulation.horizon=2h"]).unwrap();
    assert_eq!(plan.base.simulation.horizon, 7_200_000);
    let e = build(&[]).unwrap_err().to_string();
    assert!(
        e.starts_with("tpl.toml:1:1: simulation.horizon: missing"),
        "{e}"
    );
    let e = build(&["simulation.horizon=1x"]).unwrap_err().to_string();
    assert!(
        e.starts_with("--set simulation.horizon=1x: simulation.horizon: "),
        "{e}"
    );
}
