//! `[[expect]]`: `hmasim run` checks them (exit 4), `hmasim test` runs every
//! scenario that has them like a test runner, with a JUnit report.

use crate::cli::{assert_code, hmasim, stderr, stdout, temp_dir};
use std::path::Path;

/// The oracle of `docs/model.md` section 9 (O1), two replications: flag off
/// holds a worker for 30 minutes, the read session saves exactly the hold.
const PAIRED: &str = r#"[simulation]
name = "paired"
horizon = "4h"
replications = 2
[issuer]
token_lifetime = ["60m", "60m"]
renew_before = "0s"
rollover_every = "off"
[[issuer.rollover]]
at = "1h"
[directory]
replication_delay = ["3h", "3h"]
[auth_admin]
interval = "off"
[pool]
servers = 1
app_pools = ["ews"]
[worker]
update_latency = ["2s", "2s"]
ma_recycle_rate = 0
crash_rate = 0
[server]
crash_rate = 0
[maintenance]
rolling_every = "off"
[[event]]
at = "2h"
kind = "ma_recycle"
server = 0
app_pool = "ews"
[clients]
users = 1
arrivals = "fixed"
request_interval = "10s"
prompt_retry = ["20s", "20s"]
"#;

/// Expectations that hold for [`PAIRED`]: window time is 1 802 000 + 2 000
/// ms off, 2 000 + 2 000 on; the saving is exactly 1 800 000 ms per pair.
const HOLDS: &str = r#"
[[expect]]
metric = "window_ms_total"
read_session = false
min = 1804000
max = 1804000
[[expect]]
saving = "window_ms_total"
min = 1800000
max = 1800000
"#;

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        out.push(e.unwrap().file_name().to_string_lossy().into_owned());
    }
    out.sort();
    out
}

/// The flag-off fingerprint of replication 1 of [`PAIRED`], from its runs.csv.
fn fingerprint(dir: &Path) -> String {
    std::fs::write(dir.join("fp.toml"), PAIRED).unwrap();
    let out = hmasim(dir, &["run", "fp.toml", "--out", "fp", "--no-charts"]);
    assert_code(&out, 0);
    let runs = std::fs::read_to_string(dir.join("fp/runs.csv")).unwrap();
    let row = runs.lines().find(|l| l.contains(",1,false,")).unwrap();
    row.rsplit(',').next().unwrap().to_string()
}

#[test]
fn run_checks_expectations_after_writing_and_exits_4_when_one_fails() {
    let dir = temp_dir("expect-run");
    let fp = fingerprint(&dir);
    let pinned = format!(
        "{HOLDS}[[expect]]\nfingerprint = \"{fp}\"\nreplication = 1\nread_session = false\n"
    );
    std::fs::write(dir.join("ok.toml"), format!("{PAIRED}{pinned}")).unwrap();
    let out = hmasim(&dir, &["run", "ok.toml", "--out", "ok", "--no-charts"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("  pass  ok.toml:37  window_ms_total (read_session false) in [1804000, 1804000]: 1804000 (mean of 2 runs)"), "{text}");
    assert!(text.contains("  pass  ok.toml:42  saving window_ms_total 95% CI in [1800000, 1800000]: mean 1800000.000, 95% CI 1800000.000..1800000.000 (2 pairs)"), "{text}");
    assert!(text.contains(&format!("  pass  ok.toml:46  fingerprint (seed 1, replication 1, read_session false) = {fp}: {fp}")), "{text}");
    assert!(
        text.contains("\nexpectations: 3 passed, 0 failed\n"),
        "{text}"
    );

    // One bound off by one ms and another fingerprint: exit 4, the results written all the same.
    let broken = format!("{PAIRED}{pinned}")
        .replace("min = 1804000\nmax = 1804000", "max = 1803999")
        .replace(&fp, "0123456789abcdef");
    std::fs::write(dir.join("bad.toml"), broken).unwrap();
    let out = hmasim(&dir, &["run", "bad.toml", "--out", "bad", "--no-charts"]);
    assert_code(&out, 4);
    let text = stdout(&out);
    assert!(text.contains("  FAIL  bad.toml:37  window_ms_total (read_session false) <= 1803999: 1804000 > max 1803999"), "{text}");
    assert!(text.contains("  FAIL  bad.toml:45  fingerprint"), "{text}");
    assert!(
        text.contains("\nexpectations: 1 passed, 2 failed\n"),
        "{text}"
    );
    assert!(stderr(&out).contains("2 of 3 expectations failed (the results were written)"));
    assert!(dir.join("bad/runs.csv").is_file() && dir.join("bad/manifest.json").is_file());

    // A command line that changes the runs: not checked, exit 0.
    let out = hmasim(
        &dir,
        &[
            "run",
            "bad.toml",
            "--out",
            "seed",
            "--no-charts",
            "--seed",
            "2",
        ],
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains(
            "expectations: 3 not checked (--seed changes the runs they were written for)"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn expectations_in_a_sweeping_file_are_refused_at_their_place() {
    let dir = temp_dir("expect-sweep");
    std::fs::write(
        dir.join("s.toml"),
        format!("{PAIRED}{HOLDS}[sweep]\n\"worker.startup\" = [\"30s\", \"60s\"]\n"),
    )
    .unwrap();
    let out = hmasim(&dir, &["run", "s.toml", "--out", "res"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("s.toml:37:1: expect[0]: expectations are checked on one scenario, but [sweep] makes several"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("res").exists());
}

#[test]
fn test_runs_every_scenario_with_expectations_and_leaves_nothing_behind() {
    let dir = temp_dir("expect-test");
    let suite = dir.join("suite");
    std::fs::create_dir_all(suite.join("more")).unwrap();
    std::fs::write(suite.join("a.toml"), format!("{PAIRED}{HOLDS}")).unwrap();
    std::fs::write(suite.join("more/plain.toml"), PAIRED).unwrap();
    let before = files(&suite);
    let out = hmasim(&dir, &["test", "suite", "--junit", "junit.xml"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("test suite/a.toml (4 runs, "), "{text}");
    assert!(
        text.contains("test suite/more/plain.toml: no [[expect]], not run"),
        "{text}"
    );
    assert!(text.ends_with("1 scenario tested, 1 without expectations, 0 could not be tested\nexpectations: 2 passed, 0 failed\n"), "{text}");
    assert_eq!(files(&suite), before);
    assert_eq!(files(&suite.join("more")), ["plain.toml"]);
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hmasim\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"0\" "), "{xml}");
    assert!(xml.contains("<testcase name=\"saving window_ms_total 95% CI in [1800000, 1800000]\" classname=\"paired\" file=\"suite/a.toml\" line=\"42\"/>"), "{xml}");

    // A failing expectation: exit 4, a <failure> in the report.
    std::fs::write(
        suite.join("b.toml"),
        format!("{PAIRED}{HOLDS}").replace("min = 1800000\nmax = 1800000", "min = 1800001"),
    )
    .unwrap();
    let out = hmasim(&dir, &["test", "suite", "--junit", "junit.xml"]);
    assert_code(&out, 4);
    assert!(
        stdout(&out).ends_with("expectations: 3 passed, 1 failed\n"),
        "{}",
        stdout(&out)
    );
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        xml.contains(" tests=\"4\" failures=\"1\" errors=\"0\" "),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"saving window_ms_total 95% CI low &gt;= 1800001"),
        "{xml}"
    );

    // A bad scenario is an error case, and bad input wins: exit 2.
    std::fs::write(suite.join("c.toml"), "[simulation]\nname = \"c\"\n").unwrap();
    let out = hmasim(&dir, &["test", "suite", "--junit", "junit.xml"]);
    assert_code(&out, 2);
    assert!(stdout(&out).contains("test suite/c.toml: ERROR\n  suite/c.toml:1:1: simulation.horizon: missing required field"), "{}", stdout(&out));
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(xml.contains(" errors=\"1\" "), "{xml}");
    assert!(xml.contains("<error message=\"suite/c.toml:1:1: simulation.horizon: missing required field\" type=\"error\">"), "{xml}");
    assert_eq!(files(&dir), ["junit.xml", "suite"]);

    // Nothing to test: bad input.
    let out = hmasim(&dir, &["test", "nowhere"]);
    assert_code(&out, 2);
    let out = hmasim(&dir, &["test", "suite", "--junit", "no/such/dir/j.xml"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--junit no/such/dir/j.xml: give a file in an existing folder"));
}

/// `hmasim test scenarios/`: every bundled scenario meets its expectations.
/// The bundled scenarios are long (large-org alone is 800 million events):
/// under a minute with the test profile's optimisation (Cargo.toml), half an
/// hour without it.
#[test]
fn the_bundled_scenarios_meet_their_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = hmasim(root, &["test", "scenarios"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("8 scenarios tested, 0 without expectations, 0 could not be tested"),
        "{text}"
    );
    assert!(!text.contains("FAIL") && !text.contains("skip"), "{text}");
    assert!(
        !root.join("scenarios/history/output").exists() && !root.join("output/history").exists()
    );
}
