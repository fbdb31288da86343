//! The documentation in `docs/` against the code: examples parse as they
//! claim, every column, stream, trace kind and fingerprint code is named, and
//! every test the docs cite exists. A failure here means the docs drifted.

use crate::common::{run_with, scenario};
use hmasim::model::event::{Event, InstallSource, WindowSource};
use hmasim::model::keys::KeySet;
use hmasim::output::table::{
    self, RolloversCsv, RunsCsv, TimelineCsv, TimeseriesCsv, WindowsCsv, columns,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The first ```toml block after the heading line `heading` of `text`.
fn toml_block_after(text: &str, heading: &str) -> String {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no heading {heading:?}"));
    let rest = &text[start..];
    let open = rest.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let close = rest[open..].find("```").expect("a closed block");
    rest[open..open + close].to_string()
}

/// Backticked spans of `text`.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_full_example_of_scenario_md_is_the_defaults_plus_its_lists() {
    let doc = read("docs/scenario.md");
    let full = scenario(&toml_block_after(&doc, "## A file with every field"));
    assert_eq!(
        (
            full.issuer.rollovers.len(),
            full.maintenance.windows.len(),
            full.events.len()
        ),
        (1, 1, 1)
    );
    let mut stripped = full.clone();
    stripped.issuer.rollovers.clear();
    stripped.maintenance.windows.clear();
    stripped.events.clear();
    let minimal = scenario(&format!(
        "[simulation]\nname = \"{}\"\nhorizon = \"14d\"\n",
        full.simulation.name
    ));
    assert_eq!(stripped, minimal);
}

#[test]
fn every_key_of_the_full_example_has_a_row_in_scenario_md() {
    let doc = read("docs/scenario.md");
    let example = toml_block_after(&doc, "## A file with every field");
    let mut keys = 0;
    for line in example.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some((key, _)) = line.split_once('=') {
            let row = format!("| `{}` |", key.trim());
            assert!(doc.contains(&row), "docs/scenario.md has no row {row}");
            keys += 1;
        }
    }
    assert!(keys > 50, "only {keys} keys found in the example");
}

#[test]
fn outputs_md_names_every_column_of_every_record_table() {
    let doc = read("docs/outputs.md");
    let spans = code_spans(&doc);
    let all = [
        columns::<RunsCsv>(),
        columns::<WindowsCsv>(),
        columns::<TimeseriesCsv>(),
        columns::<TimelineCsv>(),
        columns::<RolloversCsv>(),
        columns::<table::EventsCsv>(),
        columns::<table::CompareSummaryCsv>(),
        columns::<table::SweepSummaryLongCsv>(),
        columns::<table::VariantsCsv>(),
        &[table::VARIANT_COLUMN],
    ];
    for column in all.into_iter().flatten() {
        let named = spans
            .iter()
            .any(|s| s.split(", ").any(|part| part == *column));
        assert!(named, "docs/outputs.md does not name the column `{column}`");
    }
}

#[test]
fn outputs_md_names_every_trace_kind() {
    let doc = read("docs/outputs.md");
    let spans = code_spans(&doc);
    let sc = scenario(&read("tests/golden/small.toml"));
    let r = run_with(&sc, sc.simulation.seed, false, true);
    let mut kinds: Vec<&str> = r.trace.iter().map(|t| t.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert!(kinds.len() > 15, "{kinds:?}");
    for kind in kinds {
        assert!(
            spans.contains(&kind),
            "docs/outputs.md does not describe the trace kind `{kind}`"
        );
    }
}

/// Stream names with their variable parts replaced by `*`.
fn pattern(name: &str) -> String {
    let mut out = String::new();
    let mut skip = None;
    for c in name.chars() {
        match (skip, c) {
            (None, '{') => skip = Some('}'),
            (None, '<') => skip = Some('>'),
            (Some(end), c) if c == end => {
                skip = None;
                out.push('*');
            }
            (Some(_), _) => {}
            (None, c) => out.push(c),
        }
    }
    out
}

#[test]
fn model_md_lists_every_random_stream() {
    let mut in_code = Vec::new();
    for entry in std::fs::read_dir(root().join("src/model")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for piece in text.split(".stream(").skip(1) {
            let piece = piece.trim_start_matches("&format!(");
            if let Some(name) = piece.strip_prefix('"').and_then(|p| p.split('"').next()) {
                in_code.push(pattern(name));
            }
        }
        // Streams named by a constant (`ROLLOVER_STREAM`) where several
        // places draw from them.
        for line in text.lines() {
            if let Some((_, literal)) = line.split_once("_STREAM: &str = \"") {
                in_code.push(pattern(literal.trim_end_matches("\";")));
            }
        }
    }
    in_code.sort();
    in_code.dedup();
    assert!(in_code.len() >= 14, "{in_code:?}");
    let doc = read("docs/model.md");
    let table = &doc[doc.find("### The streams and their draws").unwrap()..];
    let table = &table[..table.find("\n\n**").unwrap()];
    let mut in_docs: Vec<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(pattern)
        .collect();
    in_docs.sort();
    assert_eq!(in_docs, in_code);
}

#[test]
fn model_md_gives_every_fingerprint_code_and_priority() {
    let doc = read("docs/model.md");
    let k = KeySet::EMPTY;
    let events = [
        (
            Event::ServerCrash {
                server: 0,
                scripted: false,
            },
            "server crash tick",
        ),
        (
            Event::WorkerCrash {
                worker: 0,
                scripted: false,
            },
            "worker crash tick",
        ),
        (
            Event::MaRecycle {
                worker: 0,
                scripted: false,
            },
            "MA recycle",
        ),
        (
            Event::PeriodicRecycle {
                worker: 0,
                generation: 0,
                scripted: false,
            },
            "periodic recycle",
        ),
        (
            Event::MaintenanceStart {
                server: 0,
                source: WindowSource::Rolling,
            },
            "maintenance start",
        ),
        (Event::MaintenanceCycle, "maintenance cycle"),
        (
            Event::RolloverPublish { key: 1, lead: 0 },
            "rollover publish",
        ),
        (Event::RolloverSign { key: 1 }, "rollover sign"),
        (Event::RolloverRetire { key: 0 }, "rollover retire"),
        (
            Event::DirectoryWriteVisible { keys: k },
            "local AD write visible",
        ),
        (Event::AuthAdminRun, "auth admin run"),
        (
            Event::AuthAdminDone {
                keys: k,
                failed: false,
            },
            "auth admin completion",
        ),
        (
            Event::UpdateDone {
                worker: 0,
                generation: 0,
                keys: k,
            },
            "update completion",
        ),
        (
            Event::HoldEnd {
                worker: 0,
                generation: 0,
            },
            "hold end",
        ),
        (
            Event::CacheReload {
                worker: 0,
                generation: 0,
            },
            "cache reload",
        ),
        (Event::RebootDone { server: 0 }, "reboot done"),
        (Event::MaintenanceEnd { server: 0 }, "maintenance end"),
        (Event::WorkerSpawn { worker: 0 }, "worker spawn"),
        (
            Event::WorkerReady {
                worker: 0,
                generation: 0,
            },
            "worker ready",
        ),
        (Event::Probe, "probe round"),
        (
            Event::Retry {
                user: 0,
                generation: 0,
            },
            "prompt retry",
        ),
        (
            Event::GiveUp {
                user: 0,
                generation: 0,
            },
            "give-up",
        ),
        (
            Event::InstallStart {
                server: 0,
                source: InstallSource::Rolling,
            },
            "installation start",
        ),
        (Event::InstallEnd { server: 0 }, "installation end"),
        (
            Event::AuthAdminAfterRollover { key: 1 },
            "auth admin run after a rollover",
        ),
        (Event::Resume { index: 0 }, "resume"),
        (
            Event::QuietRequest {
                worker: 0,
                generation: 0,
            },
            "quiet request",
        ),
    ];
    let table = &doc[doc
        .find("| priority | class | events |")
        .expect("the priority table")..];
    let priority_rows: Vec<&str> = table.lines().take_while(|l| l.starts_with('|')).collect();
    for (event, name) in events {
        let (kind, _) = event.code();
        let row = format!("| {kind} | {name}");
        assert!(
            doc.lines().any(|l| l.starts_with(&row)),
            "docs/model.md has no fingerprint row {row:?}"
        );
        let class = priority_rows
            .iter()
            .find(|l| l.starts_with(&format!("| {} |", event.priority())))
            .unwrap_or_else(|| panic!("no priority row {}", event.priority()));
        assert!(
            class.contains(name),
            "{name}: priority {} row {class:?} does not list it",
            event.priority()
        );
    }
    let regular = format!(
        "| {} | regular request",
        hmasim::model::event::KIND_REGULAR_REQUEST
    );
    assert!(doc.contains(&regular));
}

/// `module::name` or `module::tests::name`, optionally ending in `*`.
fn cited_tests(text: &str) -> Vec<(String, String, bool)> {
    code_spans(text)
        .into_iter()
        .filter_map(|span| {
            let parts: Vec<&str> = span.split("::").collect();
            let ok = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            };
            let (module, name) = match parts.as_slice() {
                [m, n] => (*m, *n),
                [m, "tests", n] => (*m, *n),
                _ => return None,
            };
            let (name, prefix) = match name.strip_suffix('*') {
                Some(n) => (n, true),
                None => (name, false),
            };
            (ok(module) && ok(name)).then(|| (module.to_string(), name.to_string(), prefix))
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_test_the_docs_cite_exists() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    let mut checked = 0;
    for doc in [
        "docs/model.md",
        "docs/outputs.md",
        "docs/scenario.md",
        "docs/json.md",
    ] {
        for (module, name, prefix) in cited_tests(&read(doc)) {
            // A module name may be a file of src/ and one of tests/ (variants).
            let candidates: Vec<&PathBuf> = files
                .iter()
                .filter(|f| f.file_stem().is_some_and(|s| s == module.as_str()))
                .collect();
            assert!(
                !candidates.is_empty(),
                "{doc}: no file for module `{module}`"
            );
            let found = candidates.iter().any(|file| {
                let text = std::fs::read_to_string(file).unwrap();
                text.split("fn ").skip(1).any(|f| {
                    let id: String = f
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if prefix {
                        id.starts_with(&name)
                    } else {
                        id == name
                    }
                })
            });
            assert!(
                found,
                "{doc} cites `{module}::{name}{}`, which no file {module}.rs has",
                if prefix { "*" } else { "" },
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} citations found");
}

// ---- Details an independent reimplementation had to read from traces --------
// (docs/model.md R8 "The cursor when the pool changes" and R9 "Retries").

#[test]
fn the_round_robin_walk_goes_on_when_servers_leave_and_join() {
    use hmasim::engine::StreamRng;
    use hmasim::model::balancer::Balancer;
    use hmasim::scenario::Algorithm;
    let mut b = Balancer::new(
        Algorithm::RoundRobin,
        4,
        StreamRng::new(1, 0, "clients.routing"),
    );
    let next = |b: &mut Balancer| b.route(|_| 0);
    assert_eq!(next(&mut b), Some(0));
    // Server 1 was next and leaves: its turn goes to the next higher index.
    b.remove(1);
    assert_eq!(
        (next(&mut b), next(&mut b), next(&mut b)),
        (Some(2), Some(3), Some(0))
    );
    // Server 1 rejoins while 2 is next: the walk goes on from 2 and visits 1
    // when it gets there.
    b.add(1);
    let walk: Vec<_> = (0..5).map(|_| next(&mut b)).collect();
    assert_eq!(walk, [Some(2), Some(3), Some(0), Some(1), Some(2)]);
    // An empty pool routes nowhere; the first server to rejoin is next, and
    // one that joins after it waits for the walk to reach it.
    for s in 0..4 {
        b.remove(s);
    }
    assert_eq!(next(&mut b), None);
    b.add(3);
    b.add(1);
    assert_eq!((next(&mut b), next(&mut b)), (Some(3), Some(1)));
}

#[test]
fn a_retry_waiting_in_a_queue_is_not_pending_and_retries_go_to_the_episodes_pool() {
    // One user every 10 s over app pools ews and mapi (request n goes to
    // pool n mod 2), flag on, rollover at 1h, restart_delay 30 s.
    // - 59m 59s: ews recycled. 1h: k1 signs; the 1h token carries k1; the
    //   1h request spawns ews (loads {k0}, ready 1h 0m 30s) and waits.
    // - 1h 0m 5s: mapi crashes (next process not before 1h 0m 35s). The
    //   1h 0m 10s request (mapi, k1) waits; mapi spawns 1h 0m 35s, ready 1h 1m 5s.
    // - 1h 0m 20s (ews) waits. 1h 0m 30s: ews ready, rejects both: the
    //   episode starts, its retry pool is ews, retry R1 due 1h 0m 50s.
    // - 1h 0m 45s: ews crashes (next not before 1h 1m 15s). R1 is sent at
    //   1h 0m 50s and waits in ews's queue: no longer pending.
    // - 1h 1m 5s: mapi rejects the 1h 0m 10s request. No retry is pending
    //   (R1 waits in a queue), so R2 is drawn: due 1h 1m 25s, to ews (the
    //   episode's pool; mapi, updated at 1h 1m 7s, would accept it). R2
    //   waits in ews's queue behind R1.
    // - 1h 1m 45s: ews ready (loads {k0}): rejects R1, then R2. At R1's
    //   rejection no retry is pending (R2 was sent): R3 due 1h 2m 5s;
    //   at R2's, R3 is pending. R3 is accepted: episode [1h 0m 30s, 1h 2m 5s).
    // Were a queued retry pending, R2 would not exist: 4 rejections. Were
    // retries sent to the pool whose rejection scheduled them, R2 would go to
    // mapi and be accepted at 1h 1m 25s.
    let sc = scenario(
        r#"
[simulation]
name = "pending"
horizon = "2h"
[org]
read_session = true
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
app_pools = ["ews", "mapi"]
[worker]
update_latency = ["2s", "2s"]
restart_delay = "30s"
ma_recycle_rate = 0
crash_rate = 0
[server]
crash_rate = 0
[maintenance]
rolling_every = "off"
[[event]]
at = "59m 59s"
kind = "ma_recycle"
server = 0
app_pool = "ews"
[[event]]
at = "1h 0m 5s"
kind = "worker_crash"
server = 0
app_pool = "mapi"
[[event]]
at = "1h 0m 45s"
kind = "worker_crash"
server = 0
app_pool = "ews"
[clients]
users = 1
arrivals = "fixed"
request_interval = "10s"
prompt_retry = ["20s", "20s"]
"#,
    );
    let r = run_with(&sc, 1, true, true);
    let rejections: Vec<(u64, Option<u32>)> = r
        .trace
        .iter()
        .filter(|t| t.kind == "request_rejected")
        .map(|t| (t.time_ms, t.app_pool))
        .collect();
    let (ews, mapi) = (Some(0), Some(1));
    assert_eq!(
        rejections,
        [
            (3_630_000, ews),
            (3_630_000, ews),
            (3_665_000, mapi),
            (3_705_000, ews),
            (3_705_000, ews)
        ]
    );
    assert_eq!((r.totals.episodes, r.totals.episode_ms_total), (1, 95_000));
}

// ---- docs/json.md against the documents --json writes ------------------------

/// Field name to the JSON types seen, per object path (`$.summary.points[]`).
type Shapes = BTreeMap<String, BTreeMap<String, BTreeSet<&'static str>>>;

fn json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Records the fields of every object under `v` at `path`. The members of
/// a `metrics` object are data (metric names): their objects are `path.*`;
/// those of `values` (swept keys) are strings.
fn shapes(v: &serde_json::Value, path: &str, out: &mut Shapes) {
    use serde_json::Value;
    match v {
        Value::Array(items) => {
            for item in items {
                shapes(item, &format!("{path}[]"), out);
            }
        }
        Value::Object(map) if path.ends_with(".metrics") => {
            for item in map.values() {
                shapes(item, &format!("{path}.*"), out);
            }
        }
        Value::Object(_) if path.ends_with(".values") => {}
        Value::Object(map) => {
            let fields = out.entry(path.to_string()).or_default();
            for (k, item) in map {
                fields.entry(k.clone()).or_default().insert(json_type(item));
            }
            for (k, item) in map {
                shapes(item, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// The objects of docs/json.md: each `#### `PATH`[, `PATH`...]` heading
/// and the fields of the table after it, with their type cells.
fn documented_objects(doc: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Vec<String> = Vec::new();
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("#### ") {
            current = code_spans(heading).iter().map(|s| s.to_string()).collect();
            for path in &current {
                out.entry(path.clone()).or_default();
            }
        } else if line.starts_with('#') {
            current.clear();
        } else if let Some(row) = line.strip_prefix("| `") {
            let cells: Vec<&str> = row.split(" | ").collect();
            let field = cells[0].trim_end_matches('`');
            for path in &current {
                out.get_mut(path)
                    .unwrap()
                    .insert(field.to_string(), cells[1].to_string());
            }
        }
    }
    out
}

/// The ```json blocks of `doc`, each with the path of the heading above it.
fn json_blocks(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut heading = "$".to_string();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("#### ") {
            heading = code_spans(h)[0].to_string();
        }
        if line == "```json" {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            out.push((heading.clone(), block.join("\n")));
        }
    }
    out
}

/// Documents of every command and shape: a single run with expectations
/// (one failing), a sharded sweep, variants, a fast-forward run, a sharded plan, validated
/// files good and bad, and a diff with runs in both and in one only.
fn documents() -> Vec<serde_json::Value> {
    use crate::json::{NOISY, VARIANTS, json_of};
    let dir = crate::cli::temp_dir("docs-json");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("s.toml", NOISY);
    write("v.toml", &format!("{NOISY}{VARIANTS}"));
    let expect = "[[expect]]\nsaving = \"user_minutes\"\nmin = 1\n[[expect]]\nmetric = \"windows\"\nread_session = true\nmax = 0\n";
    write("e.toml", &format!("{NOISY}{expect}"));
    write(
        "bad.toml",
        "[simulation]\nname = \"x\"\nhorizon = \"1d\"\n[worker]\nstartupp = \"4s\"\n",
    );
    let sweep = ["--vary", "pool.servers=1,2", "--shard", "0/2"];
    let run = |out: &str, file: &str, extra: &[&str], code| {
        let args = [
            &["run", file, "--json", "--no-charts", "--out", out][..],
            extra,
        ]
        .concat();
        json_of(&dir, &args, code)
    };
    vec![
        run("e", "e.toml", &[], 4),
        run("s", "s.toml", &sweep, 0),
        run("v", "v.toml", &[], 0),
        run("ff", "s.toml", &["--fast-forward"], 0),
        json_of(
            &dir,
            &[&["list-runs", "s.toml", "--json"][..], &sweep].concat(),
            0,
        ),
        json_of(&dir, &["validate", "s.toml", "bad.toml", "--json"], 2),
        // Folders to diff: runs in both (that differ), only in A, only in B.
        run("a", "s.toml", &["--replications", "2"], 0),
        run(
            "b",
            "s.toml",
            &[
                "--replications",
                "3",
                "--read-session",
                "false",
                "--set",
                "clients.users=31",
            ],
            0,
        ),
        json_of(&dir, &["diff", "a", "b", "--json"], 1),
    ]
}

/// The members of a document of which it has the one of its command.
const BODIES: [&str; 4] = ["summary", "plan", "files", "diff"];

#[test]
fn json_md_documents_every_field_written() {
    let doc = read("docs/json.md");
    let documented = documented_objects(&doc);
    let mut written = Shapes::new();
    for d in documents() {
        let parts = BODIES.iter().filter(|b| d.get(**b).is_some()).count();
        assert_eq!(parts, 1, "{d}");
        shapes(&d, "$", &mut written);
    }
    // Objects keyed by metric: exactly the metrics of runs.csv.
    let mut metric_objects = 0;
    for path in written.keys().filter(|p| p.ends_with(".metrics.*")) {
        let parent = &path[..path.len() - ".metrics.*".len()];
        assert!(written[parent].contains_key("metrics"), "{path}");
        metric_objects += 1;
    }
    assert_eq!(metric_objects, 3);
    for (path, fields) in &written {
        let Some(doc_fields) = documented.get(path) else {
            panic!("docs/json.md has no table for `{path}` (fields {fields:?})");
        };
        let names: Vec<&String> = fields.keys().collect();
        let doc_names: Vec<&String> = doc_fields.keys().collect();
        assert_eq!(names, doc_names, "fields of `{path}`");
        for (field, types) in fields {
            let cell = &doc_fields[field];
            for t in types {
                let ok = match *t {
                    "integer" => cell.contains("integer") || cell.starts_with("number"),
                    t => cell.contains(t),
                };
                assert!(
                    ok,
                    "`{path}.{field}` was written as {t}; docs/json.md says {cell:?}"
                );
            }
        }
    }
    for path in documented.keys() {
        assert!(
            written.contains_key(path),
            "docs/json.md documents `{path}`, never written"
        );
    }
    // The examples are documents (or the object under their heading) with
    // exactly the documented fields.
    let blocks = json_blocks(&doc);
    assert_eq!(blocks.len(), 6);
    for (heading, block) in blocks {
        let v: serde_json::Value =
            serde_json::from_str(&block).unwrap_or_else(|e| panic!("{heading}: {e}\n{block}"));
        let root = if v.get("schema_version").is_some() {
            "$".to_string()
        } else {
            heading
        };
        let mut example = Shapes::new();
        shapes(&v, &root, &mut example);
        for (path, fields) in &example {
            let names: Vec<&String> = fields.keys().collect();
            // A document has the part of its command only.
            let doc_names: Vec<&String> = documented[path]
                .keys()
                .filter(|f| path != "$" || !BODIES.contains(&f.as_str()) || fields.contains_key(*f))
                .collect();
            assert_eq!(names, doc_names, "the example's `{path}`");
        }
    }
    // Every exit code's meaning is named.
    for code in [0, 1, 2, 3, 4, 130, 143] {
        let meaning = hmasim::output::json::exit_meaning(code);
        assert!(doc.contains(&format!("`{meaning}` (")), "{meaning}");
    }
    assert!(doc.contains(&format!("`{}` (", hmasim::output::json::DIFFERENT)));
}
