//! `--json`: every command's document is the only thing on standard
//! output, parses, and says what the result folder's CSVs say.

use crate::cli::{assert_code, hmasim, stderr, temp_dir};
use hmasim::output::table::fixed;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

/// Two servers, 30 Poisson users, a rollover at 1h and recycles every 2h
/// on average with slow replication: flag off holds workers, flag on does
/// not, and the replications differ (non-trivial intervals).
pub const NOISY: &str = r#"[simulation]
name = "noisy"
horizon = "6h"
replications = 3

[issuer]
rollover_every = "off"
[[issuer.rollover]]
at = "1h"

[directory]
replication_delay = ["3h", "3h"]

[auth_admin]
interval = "off"

[pool]
servers = 2
app_pools = ["ews"]

[worker]
ma_recycle_rate = "1/2h"
crash_rate = 0

[server]
crash_rate = 0

[maintenance]
rolling_every = "off"

[clients]
users = 30
"#;

/// Variants of [`NOISY`]: the reference, the flag and a shorter hold.
pub const VARIANTS: &str = r#"
[[variant]]
name = "nothing"

[[variant]]
name = "flag"
read_session = true

[[variant]]
name = "hold-10m"
set = { "worker.failed_update_hold" = "10m" }
"#;

/// Standard output as the one JSON document it must be: anything else on
/// it (a summary line, a second document) fails to parse.
pub fn document(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

/// Runs `args` in `dir`, checks the exit code and the envelope, and
/// returns the document.
pub fn json_of(dir: &Path, args: &[&str], code: i32) -> Value {
    let out = hmasim(dir, args);
    assert_code(&out, code);
    let doc = document(&out);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["command"], args[0]);
    assert_eq!(doc["exit"]["code"], code);
    assert_eq!(doc["errors"].as_array().unwrap().is_empty(), code == 0);
    doc
}

/// A CSV file as rows of column name to text.
fn csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A JSON number (or null) as the CSVs write it: three decimals, empty for null.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        v => fixed(v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))),
    }
}

/// The value of `metric` of a runs.csv row (user_minutes has decimals).
fn value(row: &BTreeMap<String, String>, metric: &str) -> f64 {
    row[metric].parse().unwrap()
}

/// Checks a point's flags against its runs.csv and its savings against
/// its compare_summary.csv (its folder is relative to `dir`).
fn check_point(point: &Value, dir: &Path) {
    let folder = dir.join(point["folder"].as_str().unwrap());
    let runs = csv(&folder.join("runs.csv"));
    let flags = point["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2);
    for flag in flags {
        let on = flag["read_session"].as_bool().unwrap();
        let of: Vec<_> = runs
            .iter()
            .filter(|r| r["read_session"] == on.to_string())
            .collect();
        assert_eq!(flag["runs"], of.len());
        let metrics = flag["metrics"].as_object().unwrap();
        // (serde_json's map sorts the names; the order is checked in src/output/json.rs.)
        let mut names: Vec<&str> = metrics.keys().map(String::as_str).collect();
        let mut all = hmasim::experiment::row::METRICS.to_vec();
        names.sort();
        all.sort();
        assert_eq!(names, all);
        for (name, stat) in metrics {
            let v: Vec<f64> = of.iter().map(|r| value(r, name)).collect();
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(stat["n"], v.len(), "{name}");
            if name == "user_minutes" {
                // runs.csv rounds each run's user-minutes to three decimals.
                let m = stat["mean"].as_f64().unwrap();
                assert!((m - mean).abs() <= 0.0015, "{name} mean {m} {mean}");
            } else {
                assert_eq!(text(&stat["mean"]), fixed(mean), "{name} mean");
            }
            assert_eq!(text(&stat["min"]), fixed(min), "{name} min");
            assert_eq!(text(&stat["max"]), fixed(max), "{name} max");
            let (lo, hi) = (
                stat["ci_low"].as_f64().unwrap(),
                stat["ci_high"].as_f64().unwrap(),
            );
            assert!(
                lo <= mean + 1e-3 && mean <= hi + 1e-3,
                "{name}: {lo} {mean} {hi}"
            );
        }
    }
    let savings = &point["savings"];
    let compare = csv(&folder.join("compare_summary.csv"));
    assert_eq!(compare.len(), 12);
    for row in &compare {
        let s = &savings["metrics"][&row["metric"]];
        assert_eq!(savings["pairs"].to_string(), row["n"]);
        for field in ["mean", "sd", "ci_low", "ci_high", "share_helped"] {
            assert_eq!(text(&s[field]), row[field], "{} {field}", row["metric"]);
        }
    }
}

#[test]
fn run_reports_what_runs_csv_and_compare_summary_say() {
    let dir = temp_dir("json-run");
    std::fs::write(dir.join("s.toml"), NOISY).unwrap();
    let out = hmasim(
        &dir,
        &["run", "s.toml", "--out", "r", "--no-charts", "--json"],
    );
    assert_code(&out, 0);
    // The summary for humans went to standard error.
    assert!(
        stderr(&out).contains("read_session false: "),
        "{}",
        stderr(&out)
    );
    let doc = document(&out);
    assert_eq!(doc["exit"]["meaning"], "success");
    let s = &doc["summary"];
    assert_eq!(s["folder"], "r");
    assert_eq!(s["kind"], "single");
    assert_eq!(s["runs"], 6);
    assert_eq!(s["scenario"]["path"], "s.toml");
    assert!(s["expectations"].is_null() && s["variants"].is_null());
    assert_eq!(
        s["performance"]["events"].as_u64().map(|e| e > 0),
        Some(true)
    );
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0]["folder"], "r");
    check_point(&points[0], &dir);
    // The saving is real and has an interval.
    let um = &points[0]["savings"]["metrics"]["user_minutes"];
    assert!(um["ci_low"].as_f64().unwrap() > 0.0, "{um}");
    // The same document on one thread, but for the wall time and the folder.
    let again = json_of(
        &dir,
        &[
            "run",
            "s.toml",
            "--out",
            "r1",
            "--no-charts",
            "--json",
            "-j",
            "1",
        ],
        0,
    );
    let deterministic = |d: &Value| {
        let mut d = d.clone();
        d["summary"]["performance"] = Value::Null;
        d["summary"]["folder"] = Value::Null;
        d["summary"]["points"][0]["folder"] = Value::Null;
        d
    };
    assert_eq!(deterministic(&again), deterministic(&doc));
    assert_eq!(again["summary"]["performance"]["threads"], 1);

    // A sweep: one entry per point, each against its own folder.
    let doc = json_of(
        &dir,
        &[
            "run",
            "s.toml",
            "--out",
            "sweep",
            "--no-charts",
            "--json",
            "--vary",
            "pool.servers=1,2",
        ],
        0,
    );
    let s = &doc["summary"];
    assert_eq!(s["kind"], "sweep");
    assert_eq!(s["sweep_keys"], serde_json::json!(["pool.servers"]));
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    for (i, p) in points.iter().enumerate() {
        assert_eq!(p["values"]["pool.servers"], (i + 1).to_string());
        let folder = p["folder"].as_str().unwrap();
        assert!(folder.starts_with("sweep/"), "{folder}");
        check_point(p, &dir);
    }
}

#[test]
fn variants_are_reported_as_variants_csv_ranks_them() {
    let dir = temp_dir("json-variants");
    std::fs::write(dir.join("v.toml"), format!("{NOISY}{VARIANTS}")).unwrap();
    let doc = json_of(
        &dir,
        &["run", "v.toml", "--out", "v", "--no-charts", "--json"],
        0,
    );
    let s = &doc["summary"];
    assert_eq!(s["kind"], "variants");
    assert_eq!(s["points"], serde_json::json!([]));
    assert_eq!(s["variants"]["reference"], "nothing");
    let ranked = s["variants"]["ranked"].as_array().unwrap();
    assert_eq!(ranked.len(), 3);
    let table = csv(&dir.join("v/variants.csv"));
    assert_eq!(table.len(), 3 * 12);
    for (i, v) in ranked.iter().enumerate() {
        assert_eq!(v["rank"], i + 1);
        let name = v["name"].as_str().unwrap();
        let runs = csv(&dir.join(v["folder"].as_str().unwrap()).join("runs.csv"));
        assert_eq!(v["runs"], runs.len());
        for row in table.iter().filter(|r| r["variant"] == name) {
            let m = &v["metrics"][&row["metric"]];
            assert_eq!(row["rank"], v["rank"].to_string());
            assert_eq!(row["read_session"], v["read_session"].to_string());
            assert_eq!(row["n"], m["n"].to_string());
            for field in [
                "mean",
                "ci_low",
                "ci_high",
                "diff_mean",
                "diff_ci_low",
                "diff_ci_high",
                "share_better",
            ] {
                assert_eq!(
                    text(&m[field]),
                    row[field],
                    "{name} {} {field}",
                    row["metric"]
                );
            }
        }
    }
    // The flag is first: the reference's diff is null.
    assert_eq!(ranked[0]["name"], "flag");
    let reference = ranked.iter().find(|v| v["name"] == "nothing").unwrap();
    assert!(reference["metrics"]["user_minutes"]["diff_mean"].is_null());
    assert_eq!(
        ranked.iter().find(|v| v["name"] == "hold-10m").unwrap()["set"],
        serde_json::json!(["worker.failed_update_hold=10m"])
    );
}

/// Expectations of [`NOISY`]: the first holds, the second does not.
const EXPECT: &str = r#"
[[expect]]
saving = "user_minutes"
min = 1
[[expect]]
metric = "windows"
read_session = true
max = 0
"#;

#[test]
fn expectations_and_their_exit_4_are_in_the_document() {
    let dir = temp_dir("json-expect");
    std::fs::write(dir.join("e.toml"), format!("{NOISY}{EXPECT}")).unwrap();
    let doc = json_of(
        &dir,
        &["run", "e.toml", "--out", "e", "--no-charts", "--json"],
        4,
    );
    assert_eq!(doc["exit"]["meaning"], "expectations_failed");
    assert_eq!(doc["errors"][0]["kind"], "checks");
    // The results were written, and the document has them.
    assert!(dir.join("e/runs.csv").is_file());
    let e = &doc["summary"]["expectations"];
    assert_eq!(e["checked"], true);
    assert_eq!(
        (&e["passed"], &e["failed"], &e["skipped"]),
        (&1.into(), &1.into(), &0.into())
    );
    let results = e["results"].as_array().unwrap();
    let lines: Vec<u64> = results
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    let first = NOISY.lines().count() as u64 + 2;
    assert_eq!(lines, [first, first + 3]);
    assert_eq!(results[0]["verdict"], "pass");
    assert_eq!(results[1]["verdict"], "fail");
    assert!(results[1]["detail"].as_str().unwrap().contains("> max 0"));
    check_point(&doc["summary"]["points"][0], &dir);

    // Changed runs: not checked, and exit 0.
    let doc = json_of(
        &dir,
        &[
            "run",
            "e.toml",
            "--out",
            "e2",
            "--no-charts",
            "--json",
            "--seed",
            "5",
        ],
        0,
    );
    let e = &doc["summary"]["expectations"];
    assert_eq!(e["checked"], false);
    assert_eq!(e["not_checked_because"], "--seed");
    assert_eq!(e["results"], serde_json::json!([]));
}

#[test]
fn list_runs_lists_the_runs_run_makes_with_their_estimate() {
    let dir = temp_dir("json-list");
    std::fs::write(dir.join("s.toml"), NOISY).unwrap();
    let args = ["s.toml", "--vary", "pool.servers=1,2", "--shard", "1/3"];
    let list = json_of(&dir, &[&["list-runs", "--json"][..], &args].concat(), 0);
    let plan = &list["plan"];
    assert_eq!(plan["kind"], "sweep");
    assert_eq!(plan["runs"], 12);
    assert_eq!(plan["sweep"][0]["key"], "pool.servers");
    assert_eq!(plan["sweep"][0]["values"], serde_json::json!(["1", "2"]));
    let run_list = plan["run_list"].as_array().unwrap();
    assert_eq!(run_list.len(), 12);
    let selected: Vec<&Value> = run_list.iter().filter(|r| r["selected"] == true).collect();
    assert_eq!(plan["shard"]["runs"], selected.len());
    assert_eq!(plan["estimate"]["runs"], selected.len());
    // Each point's estimate is the library's, and the largest is the plan's.
    let built = hmasim::experiment::Plan::build(hmasim::experiment::PlanRequest {
        scenario: dir.join("s.toml"),
        varies: vec!["pool.servers=1,2".into()],
        ..Default::default()
    })
    .unwrap();
    let mut max_work = 0;
    for (p, point) in plan["points"].as_array().unwrap().iter().zip(&built.points) {
        let e = hmasim::experiment::estimate::estimate(&point.scenario, false);
        assert_eq!(p["estimate"]["events"], e.events().round() as u64);
        assert_eq!(p["estimate"]["memory_bytes"], e.memory.round() as u64);
        assert_eq!(p["runs"], 6);
        max_work = max_work.max(p["estimate"]["work_events"].as_u64().unwrap());
    }
    assert_eq!(plan["estimate"]["max_work_events"], max_work);

    // The shard run makes exactly the selected runs, in this order.
    let run = json_of(
        &dir,
        &[&["run", "--json", "--no-charts", "--out", "sh"][..], &args].concat(),
        0,
    );
    assert_eq!(run["summary"]["shard"], plan["shard"]);
    let mut made = Vec::new();
    for p in run["summary"]["points"].as_array().unwrap() {
        for r in csv(&dir.join(p["folder"].as_str().unwrap()).join("runs.csv")) {
            made.push((
                p["point"].as_u64().unwrap(),
                r["seed"].clone(),
                r["replication"].clone(),
                r["read_session"].clone(),
            ));
        }
    }
    let listed: Vec<_> = selected
        .iter()
        .map(|r| {
            (
                r["point"].as_u64().unwrap(),
                r["seed"].to_string(),
                r["replication"].to_string(),
                r["read_session"].to_string(),
            )
        })
        .collect();
    assert_eq!(made, listed);
}

#[test]
fn merge_reports_the_summary_of_the_unsharded_run() {
    let dir = temp_dir("json-merge");
    std::fs::write(dir.join("s.toml"), NOISY).unwrap();
    let run = |out: &str, extra: &[&str]| {
        json_of(
            &dir,
            &[
                &["run", "s.toml", "--json", "--no-charts", "--out", out][..],
                extra,
            ]
            .concat(),
            0,
        )
    };
    let whole = run("whole", &[]);
    run("s0", &["--shard", "0/2"]);
    run("s1", &["--shard", "1/2"]);
    let merged = json_of(
        &dir,
        &[
            "merge",
            "s0",
            "s1",
            "--out",
            "merged",
            "--no-charts",
            "--json",
        ],
        0,
    );
    let (w, m) = (&whole["summary"], &merged["summary"]);
    assert_eq!(m["folder"], "merged");
    assert!(m["performance"].is_null());
    assert_eq!(m["shard"], Value::Null);
    let without_folder = |p: &Value| {
        let mut p = p.clone();
        p["folder"] = Value::Null;
        p
    };
    assert_eq!(
        without_folder(&m["points"][0]),
        without_folder(&w["points"][0])
    );
}

#[test]
fn validate_reports_every_file_and_every_error_with_its_position() {
    let dir = temp_dir("json-validate");
    std::fs::write(dir.join("good.toml"), NOISY).unwrap();
    let bad =
        "[simulation]\nname = \"x\"\nhorizon = \"1d\"\n[worker]\nstartupp = \"4s\"\nstartup = 5\n";
    std::fs::write(dir.join("bad.toml"), bad).unwrap();
    let args = ["validate", "good.toml", "bad.toml", "missing.toml"];
    let doc = json_of(&dir, &[&args[..], &["--json"]].concat(), 2);
    assert_eq!(doc["exit"]["meaning"], "bad_input");
    let files = doc["files"].as_array().unwrap();
    let ok: Vec<bool> = files.iter().map(|f| f["ok"].as_bool().unwrap()).collect();
    assert_eq!(ok, [true, false, false]);
    assert_eq!(files[0]["plan"]["runs"], 6);
    assert_eq!(files[0]["plan"]["scenario"]["name"], "noisy");
    assert!(files[1]["plan"].is_null());
    let errors = files[1]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["kind"], "unknown_key");
    assert_eq!(errors[0]["field"], "worker.startupp");
    assert_eq!(
        (&errors[0]["line"], &errors[0]["column"]),
        (&5.into(), &1.into())
    );
    assert_eq!(errors[0]["suggestion"], "`startup`");
    assert_eq!(errors[0]["help"], "did you mean `startup`?");
    assert_eq!(errors[0]["source_line"], "startupp = \"4s\"");
    assert_eq!(errors[1]["kind"], "wrong_type");
    assert_eq!(
        (&errors[1]["line"], &errors[1]["column"]),
        (&6.into(), &11.into())
    );
    assert_eq!(files[2]["errors"][0]["kind"], "cannot_read");
    assert_eq!(files[2]["errors"][0]["file"], "missing.toml");
    // The top-level errors are the files' errors, in order.
    let all: Vec<&Value> = files
        .iter()
        .flat_map(|f| f["errors"].as_array().unwrap())
        .collect();
    assert_eq!(
        doc["errors"].as_array().unwrap().iter().collect::<Vec<_>>(),
        all
    );
    // Each diagnostic is the line editors jump to in the text output.
    let text = stderr(&hmasim(&dir, &args));
    for e in errors {
        let line = format!(
            "{}:{}:{}: {}: {}",
            e["file"].as_str().unwrap(),
            e["line"],
            e["column"],
            e["field"].as_str().unwrap(),
            e["message"].as_str().unwrap()
        );
        assert!(text.contains(&line), "{line} not in\n{text}");
    }
}

#[test]
fn errors_are_documents_with_the_documented_exit_codes() {
    let dir = temp_dir("json-errors");
    std::fs::write(dir.join("s.toml"), NOISY).unwrap();
    std::fs::write(
        dir.join("bad.toml"),
        NOISY.replace("servers = 2", "servers = 0"),
    )
    .unwrap();
    // An invalid scenario: its diagnostics, nothing written.
    let doc = json_of(&dir, &["run", "bad.toml", "--json", "--out", "b"], 2);
    assert!(doc["summary"].is_null());
    let e = &doc["errors"][0];
    assert_eq!(e["field"], "pool.servers");
    assert_eq!(e["file"], "bad.toml");
    assert_eq!(e["line"], 18);
    assert!(!dir.join("b").exists());
    // A bad --set: the option is the context, the position is not the file's.
    let doc = json_of(
        &dir,
        &[
            "list-runs",
            "s.toml",
            "--json",
            "--set",
            "worker.startup=abc",
        ],
        2,
    );
    assert!(doc["plan"].is_null());
    assert_eq!(doc["errors"][0]["context"], "--set worker.startup=abc");
    assert_eq!(doc["errors"][0]["field"], "worker.startup");
    assert!(doc["errors"][0]["line"].is_null());
    // An existing folder.
    json_of(
        &dir,
        &["run", "s.toml", "--json", "--out", "x", "--no-charts"],
        0,
    );
    let doc = json_of(&dir, &["run", "s.toml", "--json", "--out", "x"], 2);
    assert_eq!(doc["errors"][0]["kind"], "output_exists");
    assert_eq!(doc["errors"][0]["file"], "x");
    // An argument clap refuses.
    let doc = json_of(&dir, &["run", "s.toml", "--json", "--jobs", "0"], 2);
    assert_eq!(doc["errors"][0]["kind"], "bad_argument");
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--jobs")
    );
    // Without --json, standard output has no document.
    let out = hmasim(&dir, &["validate", "s.toml"]);
    assert_code(&out, 0);
    assert!(serde_json::from_slice::<Value>(&out.stdout).is_err());
}

#[test]
fn diff_reports_the_runs_matched_and_every_value_that_differs() {
    let dir = temp_dir("json-diff");
    std::fs::write(dir.join("s.toml"), NOISY).unwrap();
    let run = |out: &str, extra: &[&str]| {
        json_of(
            &dir,
            &[
                &["run", "s.toml", "--json", "--no-charts", "--out", out][..],
                extra,
            ]
            .concat(),
            0,
        )
    };
    run("a", &[]);
    run("b", &["--replications", "2", "--set", "clients.users=31"]);
    let doc = json_of(&dir, &["diff", "a", "b", "--json"], 1);
    assert_eq!(doc["exit"]["meaning"], "different");
    let d = &doc["diff"];
    assert_eq!((&d["a"], &d["b"]), (&"a".into(), &"b".into()));
    assert_eq!(d["identical"], false);
    assert_eq!(d["seeds_matched"], true);
    assert_eq!(
        (&d["runs_a"], &d["runs_b"], &d["matched"]),
        (&6.into(), &4.into(), &4.into())
    );
    assert_eq!(d["runs_differing"], 4);
    // Replication 2 ran in A only, with both flag values.
    let only_a = d["only_a"].as_array().unwrap();
    assert_eq!(only_a.len(), 2);
    assert!(
        only_a
            .iter()
            .all(|r| r["replication"] == 2 && r["seed"] == 1)
    );
    assert_eq!(d["only_b"], serde_json::json!([]));
    // Every value is the one of the folders' runs.csv.
    let (ra, rb) = (csv(&dir.join("a/runs.csv")), csv(&dir.join("b/runs.csv")));
    let find = |rows: &[BTreeMap<String, String>], run: &Value| {
        rows.iter()
            .find(|r| {
                r["replication"].parse().ok() == run["replication"].as_u64()
                    && r["read_session"].parse().ok() == run["read_session"].as_bool()
            })
            .cloned()
            .unwrap()
    };
    let differences = d["differences"].as_array().unwrap();
    let fingerprints = differences
        .iter()
        .filter(|v| v["what"] == "fingerprint")
        .count();
    assert_eq!(fingerprints, 4);
    let mut columns = 0;
    for v in differences {
        let what = v["what"].as_str().unwrap();
        let (a, b) = (find(&ra, &v["run"]), find(&rb, &v["run"]));
        let Some(in_a) = a.get(what) else {
            assert!(what.starts_with("windows.csv rows"), "{what}");
            continue;
        };
        assert_eq!(v["a"], in_a.as_str(), "{what}");
        assert_eq!(v["b"], b[what].as_str(), "{what}");
        if what != "fingerprint" {
            let (x, y): (f64, f64) = (in_a.parse().unwrap(), b[what].parse().unwrap());
            let relative = v["relative"].as_f64().unwrap();
            assert!((relative - (x - y).abs() / x.abs().max(y.abs())).abs() < 1e-12);
            assert!(
                v["change"]
                    .as_str()
                    .unwrap()
                    .starts_with(if y > x { '+' } else { '-' })
            );
            columns += 1;
        }
    }
    assert!(columns > 4, "{columns}");

    // A folder and itself: identical, exit 0.
    let doc = json_of(&dir, &["diff", "a", "a", "--json"], 0);
    assert_eq!(doc["diff"]["identical"], true);
    assert_eq!(doc["diff"]["matched"], 6);
    assert_eq!(doc["diff"]["differences"], serde_json::json!([]));
    // Not a folder: exit 2, no comparison.
    let doc = json_of(&dir, &["diff", "a", "nope", "--json"], 2);
    assert!(doc["diff"].is_null());
}
