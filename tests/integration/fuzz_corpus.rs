//! The fuzzers' corpora (`fuzz/corpus/TARGET/`, minimised with `cargo fuzz
//! cmin`), replayed on stable Rust: every input goes through the same
//! function its fuzz target calls (`hmasim::fuzz`), which panics when
//! hmasim breaks a promise about bad input. CI needs no nightly toolchain
//! or cargo-fuzz for this; README, "Fuzzing", says how to fuzz further.

use std::path::Path;

/// Runs `target` on every file of `fuzz/corpus/NAME/`; fails naming each
/// input that panicked, and if the corpus is missing or nearly empty.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "{}: only {} inputs",
        dir.display(),
        paths.len()
    );
    let mut failed = Vec::new();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        if std::panic::catch_unwind(|| target(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "inputs that fail: {failed:#?}");
}

#[test]
fn the_scenario_corpus_replays() {
    replay("scenario", hmasim::fuzz::scenario);
}

#[test]
fn the_history_corpus_replays() {
    replay("history", hmasim::fuzz::history);
}

#[test]
fn the_overrides_corpus_replays() {
    replay("overrides", hmasim::fuzz::overrides);
}
