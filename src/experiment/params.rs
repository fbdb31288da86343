//! Which parameters of a scenario differ from hmasim's defaults (for the
//! report and the manifest).
//!
//! Rather than keeping a second copy of every default here, each key the
//! user wrote is removed in turn and the file re-validated: if the resolved
//! scenario is unchanged, the key only restated its default. Keys whose
//! removal makes the file invalid (the required ones) are always listed.

use super::overrides::{self, Override, display_value};
use super::plan::{PlanRequest, read_session_arg};
use super::sweep::Dimension;
use crate::scenario;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// `(dotted key, value as written)` for every parameter that differs from its
/// default, in file order, then command-line flags, then swept keys (value
/// `v1 | v2 | ...`).
pub fn non_defaults(
    text: &str,
    origin: &str,
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
    let Ok(edited) = overrides::apply_all(text, &all) else {
        return Vec::new();
    };
    let Ok(doc) = edited.parse::<DocumentMut>() else {
        return Vec::new();
    };
    let resolved = scenario::parse_str(&edited, origin).ok();
    let mut leaves = Vec::new();
    collect_table(doc.as_table(), &mut Vec::new(), &mut leaves);
    let mut out: Vec<(String, String)> = Vec::new();
    for (path, shown) in leaves {
        if path.first().map(String::as_str) == Some("sweep") {
            continue;
        }
        let mut without = doc.clone();
        remove(without.as_table_mut(), &path);
        let same = match (&resolved, scenario::parse_str(&without.to_string(), origin)) {
            (Some(a), Ok(b)) => *a == b,
            _ => false,
        };
        if !same {
            out.push((path.join("."), shown));
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

fn collect_table(t: &Table, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    for (k, item) in t.iter() {
        path.push(k.to_string());
        match item {
            Item::Table(sub) => collect_table(sub, path, out),
            Item::Value(Value::InlineTable(sub)) => collect_inline(sub, path, out),
            Item::Value(v) => out.push((path.clone(), display_value(v))),
            Item::ArrayOfTables(a) => {
                let array = a.clone().into_array();
                out.push((path.clone(), display_value(&Value::Array(array))));
            }
            Item::None => {}
        }
        path.pop();
    }
}

fn collect_inline(t: &InlineTable, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    for (k, v) in t.iter() {
        path.push(k.to_string());
        match v {
            Value::InlineTable(sub) => collect_inline(sub, path, out),
            v => out.push((path.clone(), display_value(v))),
        }
        path.pop();
    }
}

fn remove(t: &mut Table, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            t.remove(last);
        }
        [first, rest @ ..] => match t.get_mut(first) {
            Some(Item::Table(sub)) => remove(sub, rest),
            Some(Item::Value(Value::InlineTable(sub))) => remove_inline(sub, rest),
            _ => {}
        },
    }
}

fn remove_inline(t: &mut InlineTable, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            t.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(Value::InlineTable(sub)) = t.get_mut(first) {
                remove_inline(sub, rest)
            }
        }
    }
}
