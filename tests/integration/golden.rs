//! Golden files: the `runs.csv` and `windows.csv` of a small seeded scenario,
//! produced by the real binary, compared byte for byte with `tests/golden/`.
//!
//! Regenerate them only on purpose, after a change that is meant to change
//! results: `HMASIM_REGENERATE_GOLDEN=1 cargo test --test integration golden::`

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file `name`, or rewrites it when
/// `HMASIM_REGENERATE_GOLDEN` is set.
fn assert_golden(name: &str, actual: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var_os("HMASIM_REGENERATE_GOLDEN").is_some() {
        fs::write(&path, actual).unwrap();
        eprintln!("regenerated {}", path.display());
        return;
    }
    let expected = fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with HMASIM_REGENERATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let first_difference = String::from_utf8_lossy(actual)
            .lines()
            .zip(String::from_utf8_lossy(&expected).lines())
            .enumerate()
            .find(|(_, (a, e))| a != e)
            .map(|(i, (a, e))| format!("line {}:\n  got      {a}\n  expected {e}", i + 1))
            .unwrap_or_else(|| "lengths differ".to_string());
        panic!(
            "{name} differs from {} at {first_difference}\nIf the change is intended, regenerate with \
             HMASIM_REGENERATE_GOLDEN=1 cargo test --test integration golden::",
            path.display()
        );
    }
}

#[test]
fn small_scenario_matches_the_golden_runs_and_windows() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-small");
    let status = Command::new(env!("CARGO_BIN_EXE_hmasim"))
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--force",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(&out)
        .arg(golden_dir().join("small.toml"))
        .status()
        .unwrap();
    assert!(status.success());
    let runs = fs::read(out.join("runs.csv")).unwrap();
    let windows = fs::read(out.join("windows.csv")).unwrap();
    // The golden files must say something: both flags, both replications,
    // and failure windows of more than one cause.
    let runs_text = String::from_utf8_lossy(&runs);
    assert_eq!(runs_text.lines().count(), 5, "{runs_text}");
    let windows_text = String::from_utf8_lossy(&windows);
    assert!(windows_text.contains(",true,") && windows_text.contains(",false,"));
    assert!(windows_text.lines().count() > 10, "{windows_text}");
    assert_golden("small_runs.csv", &runs);
    assert_golden("small_windows.csv", &windows);
}
