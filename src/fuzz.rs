//! What the fuzz targets (`fuzz/`) run on each input, and what `cargo test`
//! runs on every file of their committed corpora (`tests/integration/fuzz_corpus.rs`),
//! so that the corpus is replayed on stable Rust without cargo-fuzz.
//!
//! Each function takes the fuzzer's bytes through what `hmasim run` does up
//! to the files, with the bounds of [`BOUNDS`] ([`bounded::run_request`]),
//! and **panics** when hmasim breaks one of its promises about bad input
//! (README, "Running": the exit codes), so that the fuzzer reports it:
//!
//! - no panic, abort or allocation failure anywhere (the fuzzer sees those
//!   itself);
//! - every error about a file names a `file:line:column` that exists in
//!   that file (the scenario or a history CSV), and an error about an
//!   override names the argument;
//! - what validates also runs: once the plan is built (what `validate`
//!   checks), a run may only be refused by the estimate or stopped at the
//!   event limit, never fail for a reason of the file (a validate/run
//!   disagreement).
//!
//! Inputs are bytes, not text: a file that is not UTF-8 must give a
//! position too. History files are held in memory
//! ([`Files::in_memory`]): an input may carry them after the scenario, each
//! after a line `#%% NAME` (a TOML comment, so the scenario part stays
//! valid TOML), and the scenario's `[history]` paths name them.

use crate::experiment::ExperimentError;
use crate::experiment::PlanRequest;
use crate::experiment::bounded::{self, Bounds};
use crate::model::RunError;
use crate::scenario::diagnostic::line_column;
use crate::scenario::history::Files;
use crate::scenario::{self, Diagnostic, ReadSessionChoice, ScenarioError};
use std::path::PathBuf;

/// The bounds of a fuzzed run: a few milliseconds of work per input.
pub const BOUNDS: Bounds = Bounds {
    max_events: 100_000,
    max_memory: 64 << 20,
    max_runs: 4,
};

/// The name of the fuzzed scenario file in messages.
pub const ORIGIN: &str = "scenario.toml";

/// The line that starts an in-memory file of an input: `#%% NAME`.
pub const FILE_MARK: &str = "#%% ";

/// Splits an input into the scenario's bytes and the in-memory files after
/// it (see the module doc); of a name given twice, the last file holds.
pub fn split_files(data: &[u8]) -> (&[u8], Vec<(String, &[u8])>) {
    let mark = FILE_MARK.as_bytes();
    // Starts of the lines that are marks.
    let mut marks = Vec::new();
    let mut start = 0;
    while start < data.len() {
        if data[start..].starts_with(mark) {
            marks.push(start);
        }
        start = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |i| start + i + 1);
    }
    let scenario = &data[..marks.first().copied().unwrap_or(data.len())];
    let mut files = Vec::new();
    for (i, &m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).copied().unwrap_or(data.len());
        let line_end = data[m..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |p| m + p);
        let name = String::from_utf8_lossy(&data[m + mark.len()..line_end])
            .trim()
            .to_string();
        let body = &data[(line_end + 1).min(end)..end];
        // A name given twice: the last one holds.
        files.retain(|(n, _): &(String, &[u8])| *n != name);
        files.push((name, body));
    }
    (scenario, files)
}

/// The fuzz target `scenario`: scenario bytes (with in-memory history files,
/// see the module doc) through decoding, parsing, validation, the sweep,
/// the estimate and a bounded run.
pub fn scenario(data: &[u8]) {
    let (text, files) = split_files(data);
    let sources: Vec<(String, Vec<u8>)> = std::iter::once((ORIGIN.to_string(), text.to_vec()))
        .chain(files.iter().map(|(n, b)| (n.clone(), b.to_vec())))
        .collect();
    let text = match scenario::decode(text.to_vec(), ORIGIN) {
        Ok(t) => t,
        Err(e) => return check_error(&e.into(), &sources, &[]),
    };
    let request = PlanRequest {
        scenario: ORIGIN.into(),
        ..PlanRequest::default()
    };
    let history = Files::in_memory(
        files
            .into_iter()
            .map(|(n, b)| (PathBuf::from(n), b.to_vec())),
    );
    if let Err(e) = bounded::run_request(request, &text, history, &BOUNDS) {
        check_error(&e, &sources, &[]);
    }
}

/// The scenario the `history` target gives its CSV files to: six servers,
/// four app pools (as the bundled `history.toml`), a start instant so that
/// timestamps are read, a horizon of two days.
pub const HISTORY_SCENARIO: &str = r#"[simulation]
name = "history"
start = "2026-04-01T00:00:00Z"
horizon = "2d"

[history]
events = "events.csv"
rollovers = "rollovers.csv"

[pool]
servers = 6
app_pools = ["ews", "mapi", "eas", "owa"]

[worker]
ma_recycle_rate = 0
crash_rate = 0

[server]
crash_rate = 0

[issuer]
rollover_every = "off"
emergency_rate = 0

[maintenance]
rolling_every = "off"

[clients]
users = 20
request_interval = "5m"
"#;

/// The fuzz target `history`: the input is `events.csv`, optionally
/// followed by `#%% rollovers.csv` and that file (otherwise it has a header
/// alone), read by [`HISTORY_SCENARIO`] and run.
pub fn history(data: &[u8]) {
    let (events, files) = split_files(data);
    let rollovers = files
        .iter()
        .find(|(n, _)| n == "rollovers.csv")
        .map_or(&b"published,lead\n"[..], |(_, b)| b);
    let files = [
        ("events.csv".to_string(), events.to_vec()),
        ("rollovers.csv".to_string(), rollovers.to_vec()),
    ];
    let request = PlanRequest {
        scenario: ORIGIN.into(),
        ..PlanRequest::default()
    };
    let history = Files::in_memory(files.iter().map(|(n, b)| (PathBuf::from(n), b.clone())));
    let sources: Vec<(String, Vec<u8>)> =
        std::iter::once((ORIGIN.to_string(), HISTORY_SCENARIO.as_bytes().to_vec()))
            .chain(files.iter().cloned())
            .collect();
    if let Err(e) = bounded::run_request(request, HISTORY_SCENARIO, history, &BOUNDS) {
        check_error(&e, &sources, &[]);
    }
}

/// The scenario the `overrides` target applies its arguments to: every kind
/// of table, so that keys such as `event.0.at` or
/// `maintenance.window.0.duration` reach something, and a `[sweep]`.
pub const OVERRIDES_SCENARIO: &str = r#"[simulation]
name = "overrides"
horizon = "6h"
bucket = "5m"

[issuer]
token_lifetime = ["60m", "90m"]
rollover_every = "off"

[[issuer.rollover]]
at = "1h"
lead = "0s"

[directory]
replication_delay = ["1m", "10m"]

[pool]
servers = 2
app_pools = ["ews", "owa"]

[worker]
crash_rate = "2/1d"
ma_recycle_rate = "1/1d"

[maintenance]
rolling_every = "off"

[[maintenance.window]]
server = 1
start = "2h"
duration = "30m"

[[event]]
at = "3h"
kind = "ma_recycle"
server = 0
app_pool = "ews"

[clients]
users = 10
request_interval = "2m"

[sweep]
"worker.failed_update_hold" = ["10m", "30m"]
"#;

/// The fuzz target `overrides`: the input is command-line arguments of
/// `hmasim run`, one a line, applied to [`OVERRIDES_SCENARIO`]:
/// `vary KEY=V1,V2` is a `--vary`, `seed N`, `replications N`,
/// `replication R`, `read-session off|on|both` and `trace` the options of
/// those names (a number that does not parse is what clap would refuse:
/// skipped), any other line a `--set`.
pub fn overrides(data: &[u8]) {
    let Ok(args) = std::str::from_utf8(data) else {
        // Arguments reach hmasim as Unicode (clap refuses anything else).
        return;
    };
    let mut request = PlanRequest {
        scenario: ORIGIN.into(),
        ..PlanRequest::default()
    };
    // What the command line would show, for errors that name an argument:
    // each line read once, the same way for the request and for this (a
    // line `vary` alone is `--vary ""`, not `--set vary`).
    let mut arguments = Vec::new();
    for line in args.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        arguments.push(match word {
            "vary" | "seed" | "replications" | "replication" | "read-session" => {
                format!("--{word} {rest}")
            }
            "trace" if rest.is_empty() => "--trace".to_string(),
            _ => format!("--set {line}"),
        });
        match word {
            "vary" => request.varies.push(rest.to_string()),
            // clap refuses seeds above 2^63-1 (cli.rs) before a plan is built.
            "seed" => request.seed = rest.parse().ok().filter(|&s: &u64| s <= i64::MAX as u64),
            "replications" => request.replications = rest.parse().ok(),
            "replication" => request.replication = rest.parse().ok(),
            "read-session" => {
                request.read_session = match rest {
                    "off" => Some(ReadSessionChoice::Off),
                    "on" => Some(ReadSessionChoice::On),
                    "both" => Some(ReadSessionChoice::Both),
                    _ => None,
                }
            }
            "trace" if rest.is_empty() => request.trace = true,
            _ => request.sets.push(line.to_string()),
        }
    }
    let sources = [(ORIGIN.to_string(), OVERRIDES_SCENARIO.as_bytes().to_vec())];
    if let Err(e) = bounded::run_request(request, OVERRIDES_SCENARIO, Files::default(), &BOUNDS) {
        check_error(&e, &sources, &arguments);
    }
}

/// Panics unless `e` is an error hmasim may give for input: about a file of
/// `sources` (name, bytes) at a position that exists there, about one of
/// `arguments` naming it, or a refusal of the bounds (see the module doc).
pub fn check_error(e: &ExperimentError, sources: &[(String, Vec<u8>)], arguments: &[String]) {
    let names_argument = |what: &str| arguments.iter().any(|a| what.starts_with(a.as_str()));
    match e {
        ExperimentError::Scenario(s) => match s.as_ref() {
            ScenarioError::Invalid(d) => {
                assert!(!d.list.is_empty(), "an invalid file without diagnostics");
                for d in &d.list {
                    check_position(d, sources, e);
                }
            }
            other => panic!("not an error of the text: {other}"),
        },
        ExperimentError::OverrideInvalid { what, key, error } => {
            assert!(
                names_argument(what) || starts_with_position(what, sources),
                "an override error that names neither an argument nor a position: {e}"
            );
            for d in error.diagnostics() {
                let about_the_value = d
                    .field
                    .as_deref()
                    .is_some_and(|f| crate::experiment::overrides::concerns(key, f));
                if !about_the_value {
                    check_position(d, sources, e);
                }
            }
        }
        ExperimentError::BadSpec { what, .. } => assert!(
            names_argument(what) || starts_with_position(what, sources),
            "an error that names neither an argument nor a position: {e}"
        ),
        // Errors about the arguments' values together (`--replication 5`
        // of 3, too many runs for `--replications`): only with arguments.
        ExperimentError::BadArgument(message) => assert!(
            !arguments.is_empty()
                && (message.starts_with("the plan has") && message.contains("--replications")
                    || message.starts_with("--replication")),
            "an unexpected argument error: {e}"
        ),
        ExperimentError::TooBig(_) => {}
        ExperimentError::Run { source, .. } => assert!(
            matches!(source, RunError::TooManyEvents { .. }),
            "a valid scenario failed to run (validate/run disagreement): {e}"
        ),
        other => panic!("an error that text alone cannot cause: {other}"),
    }
}

/// Whether `what` starts with `file:line:column` of a position that exists.
fn starts_with_position(what: &str, sources: &[(String, Vec<u8>)]) -> bool {
    sources.iter().any(|(name, bytes)| {
        let Some(rest) = what.strip_prefix(name.as_str()) else {
            return false;
        };
        let mut parts = rest.splitn(4, ':');
        let (Some(""), Some(line), Some(column)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        match (line.parse(), column.trim().parse()) {
            (Ok(line), Ok(column)) => exists(bytes, line, column),
            _ => false,
        }
    })
}

/// Panics unless `d` is located at a line and column of its file that exist.
fn check_position(d: &Diagnostic, sources: &[(String, Vec<u8>)], e: &ExperimentError) {
    let Some((_, bytes)) = sources.iter().find(|(name, _)| *name == d.at.file) else {
        panic!("a diagnostic in an unknown file {:?}: {e}", d.at.file);
    };
    assert!(
        exists(bytes, d.at.line, d.at.column),
        "{} names a position its file does not have: {e}",
        d.at
    );
}

/// Whether line `line`, column `column` (1-based, characters) exists in
/// `bytes`: a character of the line, or just past its end.
fn exists(bytes: &[u8], line: usize, column: usize) -> bool {
    let (last_line, _, _) = line_column(bytes, bytes.len());
    if line < 1 || column < 1 || line > last_line {
        return false;
    }
    // The start of the line, then its length in characters.
    let start = if line == 1 {
        0
    } else {
        match bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line - 2)
        {
            Some((i, _)) => i + 1,
            None => return false,
        }
    };
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| start + i);
    let (_, end_column, _) = line_column(bytes, end);
    column <= end_column
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_split_into_the_scenario_and_its_files() {
        let data = b"[a]\nx = 1\n#%% events.csv\nat,kind\n1h,x\n#%% r.csv\npublished\n";
        let (text, files) = split_files(data);
        assert_eq!(text, b"[a]\nx = 1\n");
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0],
            ("events.csv".to_string(), &b"at,kind\n1h,x\n"[..])
        );
        assert_eq!(files[1], ("r.csv".to_string(), &b"published\n"[..]));
        let (text, files) = split_files(b"#%% only");
        assert!(text.is_empty());
        assert_eq!(files, [("only".to_string(), &b""[..])]);
        // A name twice: the last holds, as in the in-memory files (the
        // first fuzzing session's first "crash" was this harness checking
        // positions against the other copy).
        let (_, files) = split_files(b"#%% a\n1\n#%% b\n2\n#%% a\n3\n");
        assert_eq!(
            files,
            [
                ("b".to_string(), &b"2\n"[..]),
                ("a".to_string(), &b"3\n"[..])
            ]
        );
    }

    #[test]
    fn positions_exist_only_inside_the_file() {
        let text = b"ab\n\xc3\xa9\n";
        assert!(exists(text, 1, 1));
        assert!(exists(text, 1, 3));
        assert!(!exists(text, 1, 4));
        assert!(exists(text, 2, 2));
        assert!(!exists(text, 2, 3));
        assert!(exists(text, 3, 1));
        assert!(!exists(text, 4, 1));
        assert!(!exists(text, 0, 1));
        assert!(exists(b"", 1, 1));
    }

    #[test]
    fn the_targets_scenarios_run_and_an_invented_line_is_caught() {
        scenario(crate::fuzz::OVERRIDES_SCENARIO.as_bytes());
        history(b"at,kind,server,app_pool,duration\n2026-04-01T08:58:31Z,ma_recycle,4,ews,\n");
        overrides(b"worker.startup=45s\nvary pool.servers=1,2\nseed 3\n");
        // The bug of issue 7: `--set bogus.key=1` cited a line the file lacks.
        let sources = [(ORIGIN.to_string(), b"a = 1\n".to_vec())];
        let invented = Diagnostic {
            kind: scenario::Kind::UnknownKey,
            at: scenario::Location {
                file: ORIGIN.into(),
                line: 56,
                column: 1,
            },
            span: 0..0,
            field: Some("bogus".into()),
            message: "unknown".into(),
            expected: None,
            suggestion: None,
            source_line: None,
        };
        let e: ExperimentError =
            ScenarioError::Invalid(scenario::Diagnostics::one(invented)).into();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_error(&e, &sources, &[])
        }));
        assert!(caught.is_err());
    }
}
