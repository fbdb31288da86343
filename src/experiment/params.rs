//! Which parameters of a scenario differ from hmasim's defaults (for the
//! report and the manifest).
//!
//! Rather than keeping a second copy of every default here, each key the
//! user wrote is removed in turn and the file re-validated: if the resolved
//! scenario is unchanged, the key only restated its default. Keys whose
//! removal makes the file invalid (the required ones) are always listed.

use super::overrides::{self, Override, display_value, undecorated};
use super::plan::{PlanRequest, read_session_arg};
use super::sweep::Dimension;
use crate::scenario::file::WrittenTable;
use crate::scenario::validate;
use std::ops::Range;
use toml_edit::{Array, InlineTable, Value};

/// `(dotted key, value as written)` for every parameter that differs from its
/// default, in file order, then command-line flags, then swept keys (value
/// `v1 | v2 | ...`).
pub fn non_defaults(
    text: &str,
    sets: &[Override],
    request: &PlanRequest,
    dims: &[Dimension],
) -> Vec<(String, String)> {
    let mut all: Vec<Override> = sets.to_vec();
    if let Some(seed) = request.seed.and_then(|s| i64::try_from(s).ok()) {
        all.push(Override {
            key: "simulation.seed".into(),
            value: Value::from(seed),
        });
    }
    if let Some(n) = request.replications {
        all.push(Override {
            key: "simulation.replications".into(),
            value: Value::from(i64::from(n)),
        });
    }
    if let Some(rs) = request.read_session {
        all.push(Override {
            key: "org.read_session".into(),
            value: overrides::parse_value(read_session_arg(rs)),
        });
    }
    if request.fast_forward {
        all.push(Override {
            key: "simulation.fast_forward".into(),
            value: Value::from(true),
        });
    }
    let Ok(edited) = overrides::apply_all(text, &all) else {
        return Vec::new();
    };
    let Some(raw) = validate::parse_raw(&edited) else {
        return Vec::new();
    };
    // Lists of tables (events, windows, explicit rollovers) are compared
    // apart: written and non-empty, they differ from the default (none), and
    // no other field resolves differently because of them. Every other key
    // is tried on the file without them, which stays small however many
    // events it has (so this is linear in the file's size).
    let small = raw.without_lists();
    let resolved = validate::resolve(&small);
    let mut out: Vec<(String, String)> = Vec::new();
    for leaf in raw.leaves() {
        let (differs, shown) = match &leaf.list {
            Some(tables) => (!tables.is_empty(), show_tables(&edited, tables)),
            None => {
                let without = validate::resolve(&small.without(&leaf.path));
                let differs = match (&resolved, without) {
                    (Some(a), Some(b)) => *a != b,
                    _ => true,
                };
                (differs, show(&edited, &leaf.span))
            }
        };
        if differs {
            out.push((leaf.path, shown));
        }
    }
    for d in dims {
        let shown = d.texts().join(" | ");
        match out.iter_mut().find(|(k, _)| *k == d.key) {
            Some(entry) => entry.1 = shown,
            None => out.push((d.key.clone(), shown)),
        }
    }
    out
}

/// Lists of tables longer than this are shown as `[N tables]`: shown in
/// full they are unreadable.
const MAX_SHOWN_TABLES: usize = 16;

/// A value as [`display_value`] shows it, from its source text.
fn show(text: &str, span: &Range<usize>) -> String {
    let written = text.get(span.clone()).unwrap_or_default();
    match written.parse::<Value>() {
        Ok(v) => display_value(&v),
        Err(_) => written.to_string(),
    }
}

/// A list of tables as an array of inline tables (`[{ at = "1h", ... }]`).
fn show_tables(text: &str, tables: &[WrittenTable]) -> String {
    if tables.len() > MAX_SHOWN_TABLES {
        return format!("[{} tables]", tables.len());
    }
    let mut array = Array::new();
    for fields in tables {
        let mut table = InlineTable::new();
        for (key, span) in fields {
            let written = text.get(span.clone()).unwrap_or_default();
            if let Ok(v) = written.parse::<Value>() {
                table.insert(key, undecorated(v));
            }
        }
        table.fmt();
        array.push(table);
    }
    array.fmt();
    display_value(&Value::Array(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_written_keys_that_differ_from_defaults_in_file_order() {
        let text = r#"
[simulation]
name = "x"
horizon = "2h"
seed = 1          # the default: not listed
[worker]
startup = "45s"
crash_rate = "1/30d"   # the default
[[event]]
at = "1h"
kind = "server_crash"
server = 0
[pool]
app_pools = ["ews", 'owa']
clients = { users = 5 }
"#
        .replace("clients = { users = 5 }", "[clients]\nusers = 5");
        let got = non_defaults(&text, &[], &PlanRequest::default(), &[]);
        let want = [
            ("simulation.name", "x"),
            ("simulation.horizon", "2h"),
            ("worker.startup", "45s"),
            (
                "event",
                r#"[{ at = "1h", kind = "server_crash", server = 0 }]"#,
            ),
            ("pool.app_pools", r#"["ews", 'owa']"#),
            ("clients.users", "5"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_long_list_of_tables_is_summarised() {
        let mut text = "[simulation]\nname = \"x\"\nhorizon = \"2h\"\n".to_string();
        for _ in 0..20 {
            text.push_str("[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 0\n");
        }
        let got = non_defaults(&text, &[], &PlanRequest::default(), &[]);
        assert_eq!(got[2], ("event".to_string(), "[20 tables]".to_string()));
    }
}
