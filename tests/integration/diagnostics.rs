//! How `hmasim validate` shows a file's problems: every one, in file order,
//! each a `file:line:column: field: message` line that editors can jump to,
//! then the source line with a caret and what would be valid.

use crate::cli::{assert_code, hmasim, stderr, temp_dir};

#[test]
fn validate_shows_every_error_in_file_order_with_a_snippet() {
    let dir = temp_dir("diagnostics");
    std::fs::write(
        dir.join("bad.toml"),
        "[simulation]\nname = \"x\"\nhorizon = \"1d\"\n[worker]\nstartupp = \"30s\"\n[pool]\nservers = 0\n",
    )
    .unwrap();
    let out = hmasim(&dir, &["validate", "bad.toml"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert_eq!(
        err,
        "\
bad.toml:5:1: worker.startupp: unknown key `startupp`
  |
5 | startupp = \"30s\"
  | ^^^^^^^^ did you mean `startup`?
bad.toml:7:11: pool.servers: 0 is out of range
  |
7 | servers = 0
  |           ^ expected: an integer in 1..=1024
error: 1 of 1 scenario files invalid
"
    );
    // Not a terminal: no colour codes.
    assert!(!err.contains('\x1b'));
}

#[test]
fn run_prints_one_line_per_error() {
    let dir = temp_dir("diagnostics-run");
    std::fs::write(
        dir.join("bad.toml"),
        "[simulation]\nname = \"x\"\nhorizon = \"1d\"\nwarmup = 5\n[clients]\nusers = 0\n",
    )
    .unwrap();
    let out = hmasim(&dir, &["run", "bad.toml", "--out", "res"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("error: bad.toml:4:10: simulation.warmup: wrong type"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("bad.toml:6:9: clients.users: 0 is out of range"),
        "{err}"
    );
    assert!(!dir.join("res").exists());
}
