//! One test per bug found, named after it, with a line saying what it was.

use crate::cli::{TINY, assert_code, hmasim, stderr, temp_dir};
use crate::common::{run_with, scenario};

/// The request loop read the next event's time once per batch of arrivals, so
/// an update scheduled by a request (60 ms later) ran after arrivals that came
/// after it: time went backwards by 60 ms. Found by the invariants proptest.
#[test]
fn an_event_scheduled_by_a_request_runs_before_later_arrivals() {
    let sc = scenario(
        r#"
[simulation]
name = "regression"
horizon = "7h"
seed = 514997
[issuer]
token_lifetime = ["20m", "70m"]
rollover_every = "off"
[[issuer.rollover]]
at = "6h"
[directory]
replication_delay = ["0s", "0s"]
[auth_admin]
interval = "3h"
write_session_fails = 0.5
[pool]
servers = 1
app_pools = ["ews"]
[worker]
failed_update_hold = "10m"
ma_recycle_rate = 0
crash_rate = 0
[server]
crash_rate = 0
[maintenance]
rolling_every = "off"
[clients]
users = 15
arrivals = "fixed"
request_interval = "1m"
prompt_retry = ["10s", "90s"]
give_up_after = "1m"
"#,
    );
    let r = run_with(&sc, 514_997, false, true);
    assert!(r.trace.iter().any(|t| t.kind == "update_done"));
    for pair in r.trace.windows(2) {
        assert!(
            pair[0].time_ms <= pair[1].time_ms,
            "{:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// A zero hold with established_write_session_fails retried a failing update
/// at the same instant forever (the run never ended). Now a scenario error.
#[test]
fn zero_hold_with_failing_established_updates_is_refused() {
    let err = hmasim::scenario::parse_str(
        "[simulation]\nname = \"x\"\nhorizon = \"1h\"\n[worker]\nfailed_update_hold = \"0s\"\nestablished_write_session_fails = true\n",
        "x.toml",
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("x.toml:5:"), "{message}");
    assert!(message.contains("worker.failed_update_hold"), "{message}");
}

/// `--set bogus.key=1` cited line 56 of a 54-line file: the error was
/// located in the edited text, where the new table had been appended. An
/// error in an override's own value now names the argument instead.
#[test]
fn set_of_an_unknown_key_names_the_argument_not_a_line_past_the_end() {
    let dir = temp_dir("set-bogus");
    std::fs::write(dir.join("t.toml"), TINY).unwrap();
    let out = hmasim(&dir, &["list-runs", "t.toml", "--set", "bogus.key=1"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: --set bogus.key=1: bogus: unknown key `bogus`"),
        "{err}"
    );
    assert!(!err.contains("t.toml:"), "{err}");
}

/// An override that makes another field invalid points at that field in
/// the user's file, not in the edited copy (whose lines moved when the
/// override inserted a key above it).
#[test]
fn an_override_breaking_another_field_points_at_the_users_line() {
    let text = "[simulation]\nname = \"x\"\nhorizon = \"2h\"\n[pool]\n[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 3\n";
    let request = hmasim::experiment::PlanRequest {
        scenario: "t.toml".into(),
        sets: vec!["pool.servers=2".into()],
        ..Default::default()
    };
    let e = hmasim::experiment::Plan::build_from_text(request, text.to_string())
        .unwrap_err()
        .to_string();
    // `servers = 2` is inserted under [pool] (line 5 of the edited text),
    // which moves the event's server from line 8 to line 9 there.
    assert_eq!(
        e,
        "--set pool.servers=2: t.toml:8:10: event[0].server: server 3 does not exist (expected: a server index in 0..=1 ([pool] servers = 2))"
    );
}

/// `[sweep]` errors gave `(FILE:LINE)` only, without column or field.
#[test]
fn sweep_errors_name_line_column_and_field() {
    let dir = temp_dir("sweep-position");
    std::fs::write(
        dir.join("s.toml"),
        format!("{TINY}\n[sweep]\n  \"pool.servers\" = {{ from = 3, to = 1, step = 1 }}\n"),
    )
    .unwrap();
    let out = hmasim(&dir, &["validate", "s.toml"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains(
            "error: s.toml:15:3: sweep.\"pool.servers\": from (3) is greater than to (1)"
        ),
        "{}",
        stderr(&out)
    );
}

/// `seed = 18446744073709551616` printed a multi-line "TOML parse error at
/// line 4, column 8" without the field (the sweep reader's parser rejected
/// the file before the scenario's error was shown).
#[test]
fn seed_beyond_64_bits_is_one_line_naming_the_field_and_range() {
    let dir = temp_dir("seed-overflow");
    std::fs::write(
        dir.join("o.toml"),
        "[simulation]\nname = \"x\"\nhorizon = \"1h\"\nseed = 18446744073709551616\n",
    )
    .unwrap();
    for args in [&["run", "o.toml"][..], &["list-runs", "o.toml"][..]] {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        assert_eq!(
            stderr(&out),
            "error: o.toml:4:8: simulation.seed: 18446744073709551616 is out of range (expected: an integer in 0..=9223372036854775807)\n"
        );
    }
}

/// A file that is not UTF-8 gave "stream did not contain valid UTF-8" with
/// no position.
#[test]
fn invalid_utf8_names_the_line_and_column_of_the_first_bad_byte() {
    let dir = temp_dir("latin1");
    let mut bytes = b"[simulation]\nname = \"caf".to_vec();
    bytes.extend_from_slice(b"\xe9\"\nhorizon = \"1h\"\n");
    std::fs::write(dir.join("l.toml"), bytes).unwrap();
    let out = hmasim(&dir, &["validate", "l.toml"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).starts_with("l.toml:2:12: simulation.name: not valid UTF-8: byte 0xe9"),
        "{}",
        stderr(&out)
    );
}

/// `--seed 9223372036854775808` was accepted although simulation.seed is
/// 0..=2^63-1.
#[test]
fn seed_flag_beyond_2_63_is_refused_like_the_field() {
    let dir = temp_dir("seed-flag");
    std::fs::write(dir.join("t.toml"), TINY).unwrap();
    let out = hmasim(
        &dir,
        &["list-runs", "t.toml", "--seed", "9223372036854775808"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("9223372036854775808 is not in 0..=9223372036854775807"),
        "{}",
        stderr(&out)
    );
    let out = hmasim(
        &dir,
        &["list-runs", "t.toml", "--seed", "9223372036854775807"],
    );
    assert_code(&out, 0);
}

/// More than 127 rollovers in the horizon: `validate` said OK, then `run`
/// exited 1 (a key set holds 128 keys). The plan now computes every run's
/// rollover schedule and refuses such a scenario with exit 2, naming the
/// field, before anything runs; at 127 both accept.
#[test]
fn more_than_127_rollovers_are_refused_by_validate_as_by_run() {
    let text = |horizon: &str| {
        format!(
            "[simulation]\nname = \"keys\"\nhorizon = \"{horizon}\"\n[issuer]\nrollover_every = \"1h\"\nrollover_first = \"1h\"\n\
             [pool]\nservers = 1\napp_pools = [\"ews\"]\n[clients]\nusers = 1\n"
        )
    };
    let dir = temp_dir("rollovers");
    // Publishes at 1h, 2h, ..., 127h: 127 rollovers before 128h.
    std::fs::write(dir.join("ok.toml"), text("128h")).unwrap();
    let out = hmasim(&dir, &["validate", "ok.toml"]);
    assert_code(&out, 0);
    let sc = scenario(&text("128h"));
    assert!(hmasim::model::run(&sc, run_id(1, 0), Default::default()).is_ok());

    // One more millisecond of horizon: the 128th rollover publishes.
    std::fs::write(dir.join("bad.toml"), text("128h 1ms")).unwrap();
    let sc = scenario(&text("128h 1ms"));
    assert!(hmasim::model::run(&sc, run_id(1, 0), Default::default()).is_err());
    for args in [
        &["validate", "bad.toml"][..],
        &["run", "bad.toml", "--out", "res"][..],
    ] {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains("bad.toml:5:18: issuer.rollover_every: seed 1, replication 0 publishes more than 127 key rollovers"),
            "{err}"
        );
        assert!(!dir.join("res").exists());
    }
    // Set on the command line: the argument is named.
    let out = hmasim(
        &dir,
        &["list-runs", "ok.toml", "--set", "issuer.rollover_every=30m"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).starts_with(
            "error: --set issuer.rollover_every=30m: issuer.rollover_every: seed 1, replication 0"
        ),
        "{}",
        stderr(&out)
    );
    let out = hmasim(
        &dir,
        &[
            "list-runs",
            "ok.toml",
            "--set",
            "simulation.horizon=200h",
            "--seed",
            "7",
        ],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains(
            "ok.toml:5:18: issuer.rollover_every: --seed 7, replication 0 publishes more than 127 key rollovers before the horizon (8d 8h, from --set simulation.horizon=200h)"
        ),
        "{}",
        stderr(&out)
    );
}

/// With emergency rollovers the count differs per (seed, replication):
/// the plan accepts a replication exactly when its run succeeds.
#[test]
fn the_plan_and_the_run_agree_on_every_replication() {
    let text = "[simulation]\nname = \"keys\"\nhorizon = \"10d\"\n[issuer]\nrollover_every = \"off\"\n\
                emergency_rate = \"127/10d\"\n[pool]\nservers = 1\napp_pools = [\"ews\"]\n\
                [worker]\ncrash_rate = 0\nma_recycle_rate = 0\n[server]\ncrash_rate = 0\n\
                [maintenance]\nrolling_every = \"off\"\n[clients]\nusers = 1\nrequest_interval = \"1h\"\n";
    let sc = scenario(text);
    let (mut accepted, mut refused) = (0, 0);
    for replication in 0..12 {
        let request = hmasim::experiment::PlanRequest {
            scenario: "keys.toml".into(),
            replications: Some(12),
            replication: Some(replication),
            ..Default::default()
        };
        let plan = hmasim::experiment::Plan::build_from_text(request, text.to_string());
        let run = hmasim::model::run(&sc, run_id(1, replication), Default::default());
        assert_eq!(plan.is_ok(), run.is_ok(), "replication {replication}");
        if plan.is_ok() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // Both outcomes occur, so the agreement is not trivial.
    assert!(accepted > 0 && refused > 0, "{accepted} {refused}");
}

fn run_id(seed: u64, replication: u32) -> hmasim::metrics::RunId {
    hmasim::metrics::RunId {
        seed,
        replication,
        read_session: false,
    }
}

/// A file asking for more runs than a plan holds (`replications =
/// 4294967295`, both flag values) was refused by `validate` and `run` with
/// "the plan has 8589934590 runs ...": no file, line or column, the only
/// error about a file without one. Found while writing the acceptance
/// check's mutator (its `NUMBERS` include 4294967295). It is now a
/// diagnostic at `simulation.replications`, or at `[simulation]` when only
/// a sweep makes the runs; `--replications` still names the argument.
#[test]
fn too_many_runs_from_the_file_are_reported_at_simulation_replications() {
    let dir = temp_dir("regression-too-many-runs");
    let file = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    file(
        "reps.toml",
        TINY.replace(
            "horizon = \"2h\"\n",
            "horizon = \"2h\"\nreplications = 4294967295\n",
        ),
    );
    file(
        "sweep.toml",
        TINY.replace(
            "horizon = \"2h\"\n",
            "horizon = \"2h\"\nreplications = 4000000\n",
        ) + "[sweep]\n\"pool.servers\" = [1, 2]\n",
    );
    for (args, at) in [
        (
            &["validate", "reps.toml"][..],
            "reps.toml:4:16: simulation.replications: ",
        ),
        (
            &["run", "reps.toml", "--out", "r"][..],
            "reps.toml:4:16: simulation.replications: ",
        ),
        (
            &["validate", "sweep.toml"][..],
            "sweep.toml:4:16: simulation.replications: ",
        ),
    ] {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        let err = stderr(&out);
        let first = err.lines().next().unwrap();
        assert!(
            first.trim_start_matches("error: ").starts_with(at),
            "{args:?}: {err}"
        );
        assert!(err.contains("more than 10000000"), "{err}");
    }
    // From the command line: the argument is named.
    let out = hmasim(&dir, &["validate", "reps.toml"]);
    assert!(!stderr(&out).contains("--replications"));
    let out = hmasim(
        &dir,
        &["list-runs", "sweep.toml", "--replications", "4000000"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("lower --replications"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("r").exists());
}

/// A history CSV starting with a byte order mark (what PowerShell's
/// `Export-Csv -Encoding UTF8` writes) had the mark replaced by three
/// spaces, so errors on its first line named a column two to the right of
/// the cell, past the end of a line of that length. Editors neither show
/// nor count the mark: the column is now the cell's as the user sees it.
/// Found by the `history` fuzz target (`events.csv:1:43` on a 41-character
/// line).
#[test]
fn a_byte_order_mark_does_not_shift_the_columns_of_the_first_line() {
    use hmasim::experiment::{PlanRequest, bounded};
    use hmasim::scenario::history::Files;
    let csv = "\u{feff}at,kind,server,app_pool,durationx\n1h,ma_recycle,0,ews,\n";
    let text = format!("{TINY}[history]\nevents = \"events.csv\"\n");
    let request = PlanRequest {
        scenario: "s.toml".into(),
        ..PlanRequest::default()
    };
    let files = Files::in_memory([("events.csv".into(), csv.as_bytes().to_vec())]);
    let e = bounded::run_request(request, &text, files, &Default::default()).unwrap_err();
    // "at,kind,server,app_pool," is 24 characters: the unknown column starts at 25.
    assert!(
        e.to_string()
            .starts_with("events.csv:1:25: durationx: unknown column \"durationx\""),
        "{e}"
    );
    // The fuzz target's own check of the position agrees.
    hmasim::fuzz::history(csv.as_bytes());
}

/// The `overrides` fuzz target's first finding (input `vary`): the harness
/// showed a line `vary` alone as `--set vary` while it ran it as an empty
/// `--vary`, so it took hmasim's right answer, an error naming `--vary`,
/// for one naming no argument. The harness reads each line once now; what
/// hmasim says of an empty `--vary` is pinned here.
#[test]
fn an_empty_vary_is_refused_naming_the_argument() {
    let dir = temp_dir("empty-vary");
    std::fs::write(dir.join("t.toml"), TINY).unwrap();
    for args in [
        &["list-runs", "t.toml", "--vary", ""][..],
        &["run", "t.toml", "--vary", "", "--out", "res"][..],
    ] {
        let out = hmasim(&dir, args);
        assert_code(&out, 2);
        let err = stderr(&out);
        assert!(
            err.starts_with("error: --vary : expected KEY=V1,V2,..."),
            "{err}"
        );
        assert!(!dir.join("res").exists());
    }
    hmasim::fuzz::overrides(b"vary");
    hmasim::fuzz::overrides(b"vary \ntrace x\ntrace\nseed\n");
}

/// `max = 18446744073709551616` in an `[[expect]]` (an integer beyond the
/// 64 bits TOML allows) validated: the bounds took any i128. With
/// `[[variant]]` tables, `validate` then panicked (index out of bounds in
/// variants.rs: toml_edit, which refuses such integers, could not re-read
/// the file, and the error was placed at the first `set` entry of a variant
/// that had none); without, `--set` failed with "line 16, column 7: integer
/// number overflowed", no field. Found by the acceptance mutator (5,000
/// mutants, seed 11, a mutant of scenarios/mitigations.toml). Integers
/// beyond i64 are now never a number, in any field.
#[test]
fn an_integer_beyond_64_bits_in_an_expectation_is_refused_by_validate() {
    let dir = temp_dir("expect-huge-integer");
    let expect = "[[expect]]\nvariant = \"a\"\nmetric = \"user_minutes\"\nread_session = false\nmax = 18446744073709551616\n";
    let with_variant = format!("{TINY}[[variant]]\nname = \"a\"\n{expect}");
    let without = format!("{TINY}{}", expect.replace("variant = \"a\"\n", ""));
    let weights = TINY.replace(
        "request_interval",
        "daily_profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9223372036854775808]\nrequest_interval",
    );
    for (name, text, field) in [
        ("v.toml", &with_variant, "expect[0].max"),
        ("e.toml", &without, "expect[0].max"),
        ("w.toml", &weights, "clients.daily_profile[23]"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
        let line = text
            .lines()
            .position(|l| l.contains("18446744073709551616") || l.contains("9223372036854775808"))
            .unwrap()
            + 1;
        for args in [
            &["validate", name][..],
            &["list-runs", name, "--set", "clients.users=2"][..],
        ] {
            let out = hmasim(&dir, args);
            assert_code(&out, 2);
            let err = stderr(&out);
            let err = err.strip_prefix("error: ").unwrap_or(&err);
            assert!(
                err.starts_with(&format!("{name}:{line}:")) && err.contains(field),
                "{args:?}: {err}"
            );
        }
    }
}
