//! The `hmasim` binary: exit codes, error messages, and that bad input
//! never creates or touches an output folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh empty folder for one test, removed when the test passes (kept
/// for inspection when it fails).
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh empty folder for one test (see [`TempDir`]).
pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("hmasim-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Runs the binary with `args` in `cwd`.
pub fn hmasim(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hmasim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the hmasim binary runs")
}

/// Asserts the exit code, showing the output when it differs.
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A tiny valid scenario: one server, one user, one day, deterministic.
pub const TINY: &str = r#"[simulation]
name = "tiny"
horizon = "2h"

[pool]
servers = 1
app_pools = ["ews"]

[clients]
users = 1
arrivals = "fixed"
request_interval = "60s"
"#;

/// Every file under `dir` (relative path -> bytes).
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Writes `text` to `dir/name`; returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_scenario_exits_2_names_the_place_and_creates_no_folder() {
    let dir = temp_dir("bad-scenario");
    write(
        &dir,
        "bad.toml",
        &TINY.replace(r#"horizon = "2h""#, r#"horizon = "2x""#),
    );
    // Explicit --out and the default output/<name>/ alike.
    for args in [
        &["run", "bad.toml", "--out", "res"][..],
        &["run", "bad.toml"][..],
    ] {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.contains("bad.toml:3:11"), "{err}");
        assert!(err.contains("simulation.horizon"), "{err}");
        assert!(!dir.join("res").exists());
        assert!(!dir.join("output").exists());
    }
    // So is a syntax error, in the scenario layer's file:line:column form.
    write(
        &dir,
        "syntax.toml",
        &TINY.replace(r#"name = "tiny""#, r#"name = "tiny"#),
    );
    let out = hmasim(&dir, &["run", "syntax.toml", "--out", "res"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("syntax.toml:2:13: simulation.name: TOML syntax error"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("res").exists());
    // A missing file is bad input too.
    let out = hmasim(&dir, &["run", "missing.toml", "--out", "res"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("missing.toml"));
    assert!(!dir.join("res").exists());
}

#[test]
fn existing_folder_is_refused_without_force_and_left_untouched() {
    let dir = temp_dir("exists");
    write(&dir, "tiny.toml", TINY);
    std::fs::create_dir(dir.join("res")).unwrap();
    write(&dir.join("res"), "notes.txt", "mine");

    let out = hmasim(&dir, &["run", "tiny.toml", "--out", "res", "--no-charts"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("res/notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(dir.join("res")).unwrap().count(), 1);

    // Not a result folder: refused even with --force.
    let out = hmasim(
        &dir,
        &["run", "tiny.toml", "--out", "res", "--force", "--no-charts"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("not an hmasim result folder"),
        "{}",
        stderr(&out)
    );
    assert!(dir.join("res/notes.txt").exists());

    // A result folder is replaced with --force, and only with it.
    let out = hmasim(&dir, &["run", "tiny.toml", "--out", "r2", "--no-charts"]);
    assert_code(&out, 0);
    let runs = std::fs::read(dir.join("r2/runs.csv")).unwrap();
    let again = [
        "run",
        "tiny.toml",
        "--out",
        "r2",
        "--no-charts",
        "--seed",
        "9",
    ];
    assert_code(&hmasim(&dir, &again), 2);
    assert_eq!(std::fs::read(dir.join("r2/runs.csv")).unwrap(), runs);
    assert_code(&hmasim(&dir, &[&again[..], &["--force"]].concat()), 0);
    let replaced = std::fs::read_to_string(dir.join("r2/runs.csv")).unwrap();
    assert!(
        replaced
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("tiny,9,0,false,"),
        "{replaced}"
    );
}

#[test]
fn validate_reports_each_file() {
    let dir = temp_dir("validate");
    write(&dir, "good.toml", TINY);
    write(
        &dir,
        "bad.toml",
        &TINY.replace("servers = 1", "servers = 0"),
    );
    let out = hmasim(&dir, &["validate", "good.toml"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("good.toml: OK"), "{}", stdout(&out));

    let out = hmasim(&dir, &["validate", "good.toml", "bad.toml"]);
    assert_code(&out, 2);
    assert!(stdout(&out).contains("good.toml: OK"));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:6:11") && err.contains("pool.servers"),
        "{err}"
    );
    assert!(err.contains("1 of 2 scenario files invalid"), "{err}");

    // validate checks the [sweep] table too.
    write(
        &dir,
        "sweep.toml",
        &format!("{TINY}\n[sweep]\n\"pool.servers\" = []\n"),
    );
    let out = hmasim(&dir, &["validate", "sweep.toml"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains(r#"sweep.toml:15:1: sweep."pool.servers": empty list"#),
        "{}",
        stderr(&out)
    );
}

#[test]
fn list_runs_prints_the_grid_without_running() {
    let dir = temp_dir("list-runs");
    write(
        &dir,
        "s.toml",
        &format!("{TINY}\n[sweep]\n\"pool.servers\" = {{ from = 1, to = 3, step = 1 }}\n"),
    );
    let out = hmasim(
        &dir,
        &[
            "list-runs",
            "s.toml",
            "--replications",
            "2",
            "--vary",
            "worker.startup=10s,1m",
            "--shard",
            "1/4",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(
            "point  pool.servers  worker.startup  seed  replications  read_session  runs"
        ),
        "{text}"
    );
    assert!(
        text.contains("5      3             1m              1     2             false+true    4"),
        "{text}"
    );
    assert!(
        text.contains("24 runs (6 points); shard 1/4 runs 6 of them"),
        "{text}"
    );
    assert!(!dir.join("output").exists());
}

#[test]
fn bad_overrides_and_arguments_exit_2_naming_the_culprit() {
    let dir = temp_dir("bad-args");
    write(&dir, "tiny.toml", TINY);
    let cases: [(&[&str], &str); 9] = [
        (
            &["--set", "worker.startup=abc"],
            "--set worker.startup=abc: ",
        ),
        (&["--set", "worker.startp=1s"], "--set worker.startp=1s: "),
        (
            &["--vary", "pool.servers=1,x"],
            "--vary pool.servers=1,x: type mismatch",
        ),
        (
            &["--vary", "pool.servers=0,1"],
            "--vary pool.servers=0,1 value 0 (sweep point 0): pool.servers: 0 is out of range",
        ),
        (
            &["--replication", "3", "--replications", "2"],
            "--replication 3 is out of range",
        ),
        (&["--shard", "2/2"], "expected K/N"),
        (
            &["--from", "3h", "--to", "1h"],
            "--from (3h) must be before --to (1h)",
        ),
        (
            &["--from", "2h"],
            "--from 2h is not before the end of the run (2h)",
        ),
        (
            &["--replications", "4000000000"],
            "the plan has 8000000000 runs",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["run", "tiny.toml", "--out", "res", "--no-charts"];
        args.extend_from_slice(extra);
        let out = hmasim(&dir, &args);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(want), "{extra:?}: {}", stderr(&out));
        assert!(!dir.join("res").exists(), "{extra:?}");
    }
}

#[test]
fn a_chart_failure_keeps_the_csvs_and_exits_3() {
    let dir = temp_dir("chart-failure");
    write(&dir, "tiny.toml", TINY);
    let out = hmasim(
        &dir,
        &[
            "run",
            "tiny.toml",
            "--out",
            "res",
            "--no-charts",
            "--replications",
            "2",
        ],
    );
    assert_code(&out, 0);
    // Damage a CSV the charts read: `plot` reports which chart failed.
    std::fs::write(dir.join("res/windows.csv"), "not,the,header\n1,2,3\n").unwrap();
    let out = hmasim(&dir, &["plot", "res"]);
    assert_code(&out, 3);
    let err = stderr(&out);
    assert!(err.contains("chart windows"), "{err}");
    assert!(dir.join("res/runs.csv").exists());

    // Bad `plot` arguments are bad input, checked before drawing anything.
    let cases: [(&[&str], &str); 3] = [
        (&["plot", "nowhere"], "nowhere: no such folder"),
        (
            &["plot", "res", "--from", "3h"],
            "--from 3h is not before the end of the run (2h)",
        ),
        (&["plot", "."], "is not an hmasim result folder"),
    ];
    for (args, want) in cases {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}
