//! `hmasim diff A B`: runs matched by point, seed, replication and flag;
//! fingerprints exact, metrics and window counts within `--tolerance`;
//! exit 0 identical, 1 different, 2 bad input naming file, line and column.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::{assert_code, hmasim, stderr, stdout, temp_dir};

/// Six hours, two servers, a rollover at 1h and frequent recycles: a few
/// failure windows of several causes in every run, in well under a second.
const SMALL: &str = r#"[simulation]
name = "small"
horizon = "6h"
replications = 2
[pool]
servers = 2
app_pools = ["ews", "owa"]
[[issuer.rollover]]
at = "1h"
[worker]
ma_recycle_rate = "1/3h"
crash_rate = "1/6h"
[clients]
users = 40
request_interval = "30s"
"#;

/// Runs `small.toml` in `dir` into `out` with `extra` arguments.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["run", "small.toml", "--out", out, "--no-charts", "-q"];
    args.extend_from_slice(extra);
    assert_code(&hmasim(dir, &args), 0);
}

/// A folder with `small.toml` in it.
fn setup(name: &str) -> crate::cli::TempDir {
    let dir = temp_dir(name);
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    dir
}

/// The lines of the report that name `what` in their `what` column.
fn lines_about<'t>(report: &'t str, what: &str) -> Vec<&'t str> {
    report
        .lines()
        .filter(|l| l.split("  ").any(|cell| cell.trim() == what))
        .collect()
}

/// Replaces the first occurrence of `from` on line `line` (1-based) of `path`.
fn edit_line(path: &Path, line: usize, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines[line - 1].contains(from), "{}", lines[line - 1]);
    lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The cells of data line `line` (1-based, after the header) of a CSV.
fn cells(path: &Path, line: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .nth(line)
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// The position of `column` in the header of a CSV.
fn column(path: &Path, column: &str) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == column)
        .unwrap()
}

#[test]
fn a_run_twice_is_identical_and_exits_0() {
    let dir = setup("diff-same");
    run(&dir, "a", &[]);
    run(&dir, "b", &["-j", "1"]);
    let out = hmasim(&dir, &["diff", "a", "b"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_eq!(
        text,
        "identical: 4 runs (fingerprints, 13 metrics, window counts)\n"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn another_seed_or_a_changed_parameter_exits_1_naming_what_changed() {
    let dir = setup("diff-changed");
    run(&dir, "a", &[]);
    run(&dir, "seed", &["--seed", "2"]);
    run(&dir, "set", &["--set", "pool.servers=3"]);

    // One seed each, another in each: runs pair by replication and flag.
    let out = hmasim(&dir, &["diff", "a", "seed"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "note: A ran seed 1 and B seed 2: runs are matched by point, replication and read_session\n\
             replication  read_session  what "
        ),
        "{text}"
    );
    // Every run's event history changed, and so did its load.
    assert_eq!(lines_about(&text, "fingerprint").len(), 4, "{text}");
    assert_eq!(lines_about(&text, "requests").len(), 4, "{text}");
    assert!(
        text.lines().last().unwrap().starts_with("differ: "),
        "{text}"
    );
    assert!(
        stderr(&out).contains("error: a and seed differ"),
        "{}",
        stderr(&out)
    );

    let out = hmasim(&dir, &["diff", "a", "set"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    // Three servers draw other random histories: the fingerprints differ,
    // and each differing value is a line with both values and B − A.
    let fingerprints = lines_about(&text, "fingerprint");
    assert_eq!(fingerprints.len(), 4, "{text}");
    let a = std::fs::read_to_string(dir.join("a/runs.csv")).unwrap();
    let first_fp = a.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(fingerprints[0].contains(first_fp), "{text}");
    let requests = lines_about(&text, "requests");
    assert!(!requests.is_empty(), "{text}");
    let cells: Vec<&str> = requests[0].split_whitespace().collect();
    // seed, replication, read_session, what, A, B, B - A, relative
    let (x, y): (i64, i64) = (cells[4].parse().unwrap(), cells[5].parse().unwrap());
    assert_eq!(cells[6], format!("{:+}", y - x), "{text}");
    assert!(cells[7].ends_with('%'), "{text}");
}

#[test]
fn tolerance_accepts_small_relative_differences_but_never_in_fingerprints() {
    let dir = setup("diff-tolerance");
    run(&dir, "a", &[]);
    run(&dir, "b", &[]);
    let runs = dir.join("b/runs.csv");
    // user_minutes of the first run, 5% higher, fingerprint unchanged.
    let um = column(&runs, "user_minutes");
    let value: f64 = cells(&runs, 1)[um].parse().unwrap();
    assert!(value > 0.0, "the first run has prompt loops");
    let raised = format!("{:.3}", value * 1.05);
    let mut row = cells(&runs, 1);
    row[um] = raised.clone();
    let text = std::fs::read_to_string(&runs).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&runs, text.replacen(&first, &row.join(","), 1)).unwrap();

    let out = hmasim(&dir, &["diff", "a", "b"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let lines = lines_about(&text, "user_minutes");
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains(&raised), "{text}");
    assert!(lines_about(&text, "fingerprint").is_empty(), "{text}");

    let out = hmasim(&dir, &["diff", "a", "b", "--tolerance", "6%"]);
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("; tolerance 6%: 1 value within it"),
        "{}",
        stdout(&out)
    );
    let out = hmasim(&dir, &["diff", "a", "b", "--tolerance", "0.04"]);
    assert_code(&out, 1);

    // A zero on one side only is a relative difference of 1: only a
    // tolerance of 1 accepts it.
    let unavailable = column(&runs, "unavailable");
    let row = cells(&runs, 2);
    assert_eq!(
        row[unavailable], "0",
        "the second run has no unavailable requests"
    );
    let mut edited = row.clone();
    edited[unavailable] = "1".into();
    let text = std::fs::read_to_string(&runs).unwrap();
    std::fs::write(&runs, text.replacen(&row.join(","), &edited.join(","), 1)).unwrap();
    let out = hmasim(&dir, &["diff", "a", "b", "--tolerance", "99%"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let lines = lines_about(&text, "unavailable");
    assert_eq!(lines.len(), 1, "{text}");
    let words: Vec<&str> = lines[0].split_whitespace().collect();
    assert!(words.ends_with(&["0", "1", "+1", "100%"]), "{text}");
    assert_code(&hmasim(&dir, &["diff", "a", "b", "--tolerance", "1"]), 0);

    // A different fingerprint is a difference whatever the tolerance.
    let fp = column(&runs, "fingerprint");
    let row = cells(&runs, 3);
    let mut edited = row.clone();
    edited[fp] = "0123456789abcdef".into();
    let text = std::fs::read_to_string(&runs).unwrap();
    std::fs::write(&runs, text.replacen(&row.join(","), &edited.join(","), 1)).unwrap();
    let out = hmasim(&dir, &["diff", "a", "b", "--tolerance", "100"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let lines = lines_about(&text, "fingerprint");
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains("0123456789abcdef"), "{text}");

    for bad in ["-1", "x", "5%%"] {
        let out = hmasim(&dir, &["diff", "a", "b", &format!("--tolerance={bad}")]);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("expected a relative difference >= 0"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn window_counts_are_compared_in_all_and_per_cause() {
    let dir = setup("diff-windows");
    run(&dir, "a", &[]);
    run(&dir, "b", &[]);
    let windows = dir.join("b/windows.csv");
    let text = std::fs::read_to_string(&windows).unwrap();
    let cause = column(&windows, "cause");
    // Drop the first window of the first run.
    let first = text.lines().nth(1).unwrap().to_string();
    let gone = first.split(',').nth(cause).unwrap().to_string();
    std::fs::write(&windows, text.replacen(&(first + "\n"), "", 1)).unwrap();
    let out = hmasim(&dir, &["diff", "a", "b"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let all = lines_about(&text, "windows.csv rows");
    let by_cause = lines_about(&text, &format!("windows.csv rows, cause {gone}"));
    assert_eq!((all.len(), by_cause.len()), (1, 1), "{text}");
    assert!(all[0].contains("-1"), "{text}");
    assert!(
        text.ends_with("differ: 2 values in 1 of 4 matched runs\n"),
        "{text}"
    );
}

#[test]
fn runs_only_in_one_folder_are_listed() {
    let dir = setup("diff-missing");
    run(&dir, "two", &[]);
    run(&dir, "one", &["--replications", "1"]);
    let out = hmasim(&dir, &["diff", "two", "one"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "2 runs only in A:\n\
         \x20 seed  replication  read_session\n\
         \x20 1     1            false\n\
         \x20 1     1            true\n\
         differ: the 2 matched runs agree, 2 runs only in A\n"
    );
    let out = hmasim(&dir, &["diff", "one", "two"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("2 runs only in B:\n"),
        "{}",
        stdout(&out)
    );
    // Flag off only: the flag-on runs are missing.
    run(&dir, "off", &["--read-session", "false"]);
    let out = hmasim(&dir, &["diff", "two", "off"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).ends_with("differ: the 2 matched runs agree, 2 runs only in A\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn sweep_points_are_part_of_the_match() {
    let dir = setup("diff-sweep");
    run(&dir, "up", &["--vary", "pool.servers=2,3"]);
    run(&dir, "up2", &["--vary", "pool.servers=2,3"]);
    run(&dir, "down", &["--vary", "pool.servers=3,2"]);
    assert_code(&hmasim(&dir, &["diff", "up", "up2"]), 0);
    let out = hmasim(&dir, &["diff", "up", "down"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "note: point 0: pool.servers=2 in A, pool.servers=3 in B\n\
             note: point 1: pool.servers=3 in A, pool.servers=2 in B\n\
             point  seed  replication  read_session  what"
        ),
        "{text}"
    );
    // The same runs, under other points: every fingerprint differs.
    let fingerprints = lines_about(&text, "fingerprint");
    assert_eq!(fingerprints.len(), 8, "{text}");
    assert!(fingerprints[0].starts_with("0 "), "{text}");
    assert!(fingerprints[7].starts_with("1 "), "{text}");
    // A plain run is point 0 of a sweep of one point.
    run(&dir, "plain", &[]);
    let out = hmasim(&dir, &["diff", "up", "plain"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("swept keys differ"), "{text}");
    assert!(
        text.ends_with("differ: the 4 matched runs agree, 4 runs only in A\n"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_file_line_and_column() {
    let dir = setup("diff-bad");
    run(&dir, "a", &[]);
    run(&dir, "b", &[]);
    let expect_2 = |args: &[&str], want: &str| {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(err.contains(want), "want {want:?}, got {err}");
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    };
    expect_2(&["diff", "a", "nowhere"], "nowhere: no such folder");
    std::fs::create_dir(dir.join("empty")).unwrap();
    expect_2(
        &["diff", "empty", "b"],
        "empty is not an hmasim result folder (no manifest.json)",
    );
    expect_2(&["diff", "a"], "Usage");

    // A flag that is neither false nor true, on line 3.
    let runs = dir.join("b/runs.csv");
    let rs = column(&runs, "read_session");
    edit_line(&runs, 3, ",true,", ",maybe,");
    expect_2(
        &["diff", "a", "b"],
        &format!(
            "b/runs.csv, line 3, column {} (`read_session`): expected `false` or `true`, found `maybe`",
            rs + 1
        ),
    );
    edit_line(&runs, 3, ",maybe,", ",true,");
    assert_code(&hmasim(&dir, &["diff", "a", "b"]), 0);

    // A window whose duration is not its end minus its start.
    let windows = dir.join("b/windows.csv");
    let d = column(&windows, "duration_ms");
    let mut row = cells(&windows, 1);
    let text = std::fs::read_to_string(&windows).unwrap();
    let old = row.join(",");
    row[d] = "1".into();
    std::fs::write(&windows, text.replacen(&old, &row.join(","), 1)).unwrap();
    expect_2(
        &["diff", "a", "b"],
        &format!("b/windows.csv, line 2, column {} (`duration_ms`)", d + 1),
    );
    std::fs::remove_file(&windows).unwrap();
    expect_2(&["diff", "a", "b"], "b/windows.csv");
    std::fs::write(dir.join("a/manifest.json"), "{").unwrap();
    expect_2(&["diff", "a", "b"], "a/manifest.json");
}

#[test]
fn a_closed_stdout_pipe_keeps_the_exit_code() {
    let dir = setup("diff-pipe");
    run(&dir, "a", &[]);
    run(&dir, "b", &["--seed", "3"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hmasim"))
        .args(["diff", "a", "b"])
        .current_dir(&*dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err, "error: a and b differ\n");
}

/// `small.toml` with three variants: the reference, the flag and more
/// users.
fn variants(users: u32) -> String {
    format!(
        "{SMALL}\n[[variant]]\nname = \"nothing\"\n\n[[variant]]\nname = \"flag\"\nread_session = true\n\n\
         [[variant]]\nname = \"more\"\nset = {{ \"clients.users\" = {users} }}\n"
    )
}

#[test]
fn variants_are_matched_by_name_not_by_point() {
    let dir = setup("diff-variants");
    std::fs::write(dir.join("small.toml"), variants(50)).unwrap();
    run(&dir, "all", &[]);
    run(&dir, "all2", &["-j", "1"]);
    assert_code(&hmasim(&dir, &["diff", "all", "all2"]), 0);
    run(&dir, "seed", &["--seed", "2"]);
    let out = hmasim(&dir, &["diff", "all", "seed"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).starts_with(
            "note: A ran seed 1 and B seed 2: runs are matched by variant, replication and read_session\n\
             variant  replication  read_session  what"
        ),
        "{}",
        stdout(&out)
    );

    // The variant `more` alone is point 0 of its folder, point 2 of `all`:
    // its runs match by name, the other variants' runs are only in A.
    run(&dir, "more", &["--variant", "more"]);
    let out = hmasim(&dir, &["diff", "all", "more"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "4 runs only in A:\n\
         \x20 variant  seed  replication  read_session\n\
         \x20 nothing  1     0            false\n\
         \x20 nothing  1     1            false\n\
         \x20 flag     1     0            true\n\
         \x20 flag     1     1            true\n\
         differ: the 2 matched runs agree, 4 runs only in A\n"
    );

    // More users in `more`: its runs differ (named by variant, not by
    // point), the others agree, and the note says what it set.
    std::fs::write(dir.join("small.toml"), variants(60)).unwrap();
    run(&dir, "shorter", &[]);
    let out = hmasim(&dir, &["diff", "all", "shorter"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "note: variant more: sets clients.users=50 in A, clients.users=60 in B\n\
             variant  seed  replication  read_session  what"
        ),
        "{text}"
    );
    let changed: Vec<&str> = text.lines().skip(2).filter(|l| l.contains("  ")).collect();
    assert!(!changed.is_empty(), "{text}");
    assert!(changed.iter().all(|l| l.starts_with("more ")), "{text}");

    // A folder without variants has no runs in common with one with them.
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    run(&dir, "plain", &[]);
    let out = hmasim(&dir, &["diff", "plain", "more"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out)
            .starts_with("note: B has [[variant]] runs and A none: their runs cannot match\n"),
        "{}",
        stdout(&out)
    );

    // A variant folder's runs.csv naming another variant is bad input.
    let runs = dir.join("more/variant-more/runs.csv");
    let col = column(&runs, "variant");
    edit_line(&runs, 2, "more,", "flag,");
    let out = hmasim(&dir, &["diff", "all", "more"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains(&format!(
            "variant-more/runs.csv, line 2, column {} (`variant`): expected `more`, found `flag`",
            col + 1
        )),
        "{}",
        stderr(&out)
    );
}
