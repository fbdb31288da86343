//! Changing one scenario field by its dotted key: `--set`, `--vary` and the
//! `[sweep]` table all end up here.
//!
//! A value is applied by editing the parsed TOML document at the dotted path
//! and re-parsing the edited text through [`crate::scenario::parse_str`], so
//! every validation rule of the scenario layer applies to overridden values
//! exactly as to written ones. The document is edited with `toml_edit`, which
//! keeps the user's formatting: lines the override does not touch keep their
//! line numbers, so a validation error elsewhere still points at the right
//! line of the user's file.
//!
//! Keys are dotted paths into the file's tables: `worker.startup`,
//! `issuer.token_lifetime`; a numeric segment indexes an array or array of
//! tables: `maintenance.window.0.start`, `event.1.at`. Missing tables are
//! created; a missing final key is added (the scenario layer rejects keys it
//! does not know, naming them).

use super::ExperimentError;
use crate::scenario::{self, Scenario, ScenarioError};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// One field override: a dotted key and the value to put there.
#[derive(Clone, Debug)]
pub struct Override {
    /// Dotted key (`maintenance.gap`).
    pub key: String,
    /// The TOML value.
    pub value: Value,
}

impl Override {
    /// `key=value` as a user would type it after `--set`.
    pub fn to_arg(&self) -> String {
        format!("{}={}", self.key, display_value(&self.value))
    }
}

/// Parses a command-line value: a TOML literal if it is one (`4`, `0.5`,
/// `true`, `["60m","90m"]`, `"quoted"`), otherwise the text as a string, so
/// that `--set worker.startup=30s` needs no quotes.
pub fn parse_value(text: &str) -> Value {
    let text = text.trim();
    match text.parse::<Value>() {
        // A datetime is never a scenario value; `2024-01-01` is more likely meant as text.
        Ok(v) if !matches!(v, Value::Datetime(_)) => undecorated(v),
        _ => Value::from(text),
    }
}

/// How a value is shown to users and written in CSV columns: a string as its
/// bare text when [`parse_value`] would read that text back as the same
/// string (`30m`), anything else in TOML form (`4`, `["60m", "90m"]`, `"true"`).
pub fn display_value(value: &Value) -> String {
    if let Value::String(s) = value {
        let text = s.value();
        if matches!(parse_value(text), Value::String(ref t) if t.value() == text) {
            return text.to_string();
        }
    }
    undecorated(value.clone()).to_string()
}

/// `value` without the whitespace and comments it had in its source file.
pub fn undecorated(mut value: Value) -> Value {
    value.decor_mut().clear();
    value
}

/// Parses `key=value` (the argument of `--set`).
pub fn parse_set(arg: &str) -> Result<Override, String> {
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| "expected KEY=VALUE, e.g. --set worker.startup=45s".to_string())?;
    let key = key.trim();
    check_key(key)?;
    Ok(Override {
        key: key.to_string(),
        value: parse_value(value),
    })
}

/// Checks that a dotted key is well formed: non-empty segments, no `sweep`.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("empty key; expected a dotted key such as maintenance.gap".into());
    }
    if key.split('.').any(str::is_empty) {
        return Err(format!(
            "malformed key `{key}`: empty segment; expected a dotted key such as maintenance.gap"
        ));
    }
    if key.split('.').next() == Some("sweep") {
        return Err("the [sweep] table cannot itself be overridden or swept".into());
    }
    if !key.contains('.') {
        return Err(format!(
            "`{key}` is a whole table; name one of its fields, e.g. {key}.<field>"
        ));
    }
    Ok(())
}

/// Puts `value` at the dotted `key` of `doc`, creating missing tables.
///
/// Errors say which prefix of the path could not be followed and why (it is
/// not a table, an index is out of range).
pub fn apply(doc: &mut DocumentMut, key: &str, value: &Value) -> Result<(), String> {
    check_key(key)?;
    let segments: Vec<&str> = key.split('.').collect();
    set_in_table(doc.as_table_mut(), &segments, 0, value.clone())
}

/// Applies every override in order, then renders the edited document (no
/// overrides: the text as it is, without a parse).
pub fn apply_all<'a>(
    text: &str,
    overrides: impl IntoIterator<Item = &'a Override>,
) -> Result<String, (String, String)> {
    let mut overrides = overrides.into_iter().peekable();
    if overrides.peek().is_none() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let (line, column) = e
            .span()
            .map(|s| {
                let at = crate::scenario::Location::of_offset("", text, s.start);
                (at.line, at.column)
            })
            .unwrap_or((1, 1));
        let message = e.message().trim_end().replace('\n', "; ");
        (
            String::new(),
            format!("line {line}, column {column}: {message}"),
        )
    })?;
    for o in overrides {
        apply(&mut doc, &o.key, &o.value).map_err(|m| (o.key.clone(), m))?;
    }
    Ok(doc.to_string())
}

/// Validates `text` with `overrides` applied in order, each with how the
/// user wrote it (`--set a.b=1`, a sweep value). When the result is invalid
/// the error names the first override whose addition makes it so, and its
/// diagnostics are located in `original` (the user's file, `origin`).
pub fn validate_with(
    text: &str,
    original: &str,
    origin: &str,
    overrides: &[(&Override, String)],
) -> Result<Scenario, ExperimentError> {
    let all: Vec<&Override> = overrides.iter().map(|(o, _)| *o).collect();
    let edited = apply_all(text, all.iter().copied()).map_err(|(key, message)| {
        let what = overrides
            .iter()
            .find(|(o, _)| o.key == key)
            .map(|(_, w)| w.clone())
            .unwrap_or_else(|| origin.to_string());
        ExperimentError::BadSpec { what, message }
    })?;
    match scenario::parse_str(&edited, origin) {
        Ok(s) => Ok(s),
        Err(full_error) => {
            // Attribute the error: the shortest prefix of overrides that fails.
            for n in 1..overrides.len() {
                let edited = apply_all(text, all[..n].iter().copied())
                    .expect("a prefix of applicable overrides applies");
                if let Err(source) = scenario::parse_str(&edited, origin) {
                    let (o, what) = &overrides[n - 1];
                    return Err(invalid(
                        what.clone(),
                        o.key.clone(),
                        source,
                        original,
                        origin,
                    ));
                }
            }
            let (what, key) = overrides
                .last()
                .map(|(o, w)| (w.clone(), o.key.clone()))
                .unwrap_or_else(|| (origin.to_string(), String::new()));
            Err(invalid(what, key, full_error, original, origin))
        }
    }
}

/// The error for override `what` (of dotted `key`) that made the scenario
/// invalid: its diagnostics were found in an edited copy of the file, so
/// they are moved to where their fields are written in `original` (those
/// about the overridden value itself show no position: the argument names it).
pub fn invalid(
    what: String,
    key: String,
    mut error: ScenarioError,
    original: &str,
    origin: &str,
) -> ExperimentError {
    if let ScenarioError::Invalid(d) = &mut error {
        scenario::relocate(&mut d.list, original, origin);
    }
    ExperimentError::OverrideInvalid {
        what,
        key,
        error: Box::new(error),
    }
}

/// Whether a diagnostic on `field` (`event[1].at`, `bogus`) concerns the
/// overridden `key` (`event.1.at`, `bogus.key`): one path contains the other.
pub fn concerns(key: &str, field: &str) -> bool {
    let segments = |s: &str| -> Vec<String> {
        s.replace('[', ".")
            .replace(']', "")
            .split('.')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (k, f) = (segments(key), segments(field));
    let n = k.len().min(f.len());
    n > 0 && k[..n] == f[..n]
}

/// `a string`, `an integer`: a TOML type name for messages.
pub(crate) fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn prefix(segments: &[&str], depth: usize) -> String {
    segments[..=depth].join(".")
}

/// Replaces a value keeping the old one's surrounding whitespace and comment,
/// so the line still reads like the user's.
fn replace_value(old: &mut Value, new: Value) {
    let decor = old.decor().clone();
    *old = new;
    *old.decor_mut() = decor;
}

fn set_in_table(
    table: &mut Table,
    segs: &[&str],
    depth: usize,
    value: Value,
) -> Result<(), String> {
    let seg = segs[depth];
    let last = depth + 1 == segs.len();
    if last {
        match table.get_mut(seg) {
            Some(Item::Value(old)) => replace_value(old, value),
            Some(other) => *other = Item::Value(value),
            None => {
                table.insert(seg, Item::Value(value));
            }
        }
        return Ok(());
    }
    if table.get(seg).is_none() {
        let mut t = Table::new();
        // No empty `[a]` header when only sub-tables get keys.
        t.set_implicit(true);
        table.insert(seg, Item::Table(t));
    }
    match table.get_mut(seg) {
        Some(Item::Table(t)) => set_in_table(t, segs, depth + 1, value),
        Some(Item::ArrayOfTables(a)) => set_in_array_of_tables(a, segs, depth + 1, value),
        Some(Item::Value(v)) => set_in_value(v, segs, depth, value),
        _ => Err(format!("cannot follow `{}`", prefix(segs, depth))),
    }
}

/// `v` is the value at `segs[..=depth]`; descend into it with `segs[depth + 1]`.
fn set_in_value(v: &mut Value, segs: &[&str], depth: usize, value: Value) -> Result<(), String> {
    match v {
        Value::InlineTable(t) => set_in_inline(t, segs, depth + 1, value),
        Value::Array(a) => set_in_array(a, segs, depth + 1, value),
        other => Err(format!(
            "`{}` is {}, not a table or array: `{}` cannot be set inside it",
            prefix(segs, depth),
            with_article(other.type_name()),
            segs.join(".")
        )),
    }
}

fn set_in_inline(
    table: &mut InlineTable,
    segs: &[&str],
    depth: usize,
    value: Value,
) -> Result<(), String> {
    let seg = segs[depth];
    if depth + 1 == segs.len() {
        match table.get_mut(seg) {
            Some(old) => replace_value(old, value),
            None => {
                table.insert(seg, value);
            }
        }
        return Ok(());
    }
    if table.get(seg).is_none() {
        table.insert(seg, Value::InlineTable(InlineTable::new()));
    }
    let child = table.get_mut(seg).expect("inserted above");
    set_in_value(child, segs, depth, value)
}

fn index(segs: &[&str], depth: usize, len: usize) -> Result<usize, String> {
    let seg = segs[depth];
    let i: usize = seg.parse().map_err(|_| {
        format!(
            "`{}` is an array: the next key segment must be an index 0..{len}, found `{seg}`",
            segs[..depth].join(".")
        )
    })?;
    if i >= len {
        return Err(format!(
            "index {i} out of range: `{}` has {len} entr{}",
            segs[..depth].join("."),
            if len == 1 { "y" } else { "ies" }
        ));
    }
    Ok(i)
}

fn set_in_array(
    array: &mut Array,
    segs: &[&str],
    depth: usize,
    value: Value,
) -> Result<(), String> {
    let i = index(segs, depth, array.len())?;
    let slot = array.get_mut(i).expect("index checked");
    if depth + 1 == segs.len() {
        replace_value(slot, value);
        Ok(())
    } else {
        set_in_value(slot, segs, depth, value)
    }
}

fn set_in_array_of_tables(
    array: &mut ArrayOfTables,
    segs: &[&str],
    depth: usize,
    value: Value,
) -> Result<(), String> {
    let i = index(segs, depth, array.len())?;
    if depth + 1 == segs.len() {
        return Err(format!(
            "`{}` is a table; name one of its fields",
            segs.join(".")
        ));
    }
    let table = array.get_mut(i).expect("index checked");
    set_in_table(table, segs, depth + 1, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"# comment
[simulation]
name = "x"   # trailing
horizon = "4h"

[[maintenance.window]]
server = 0
start = "1h"
duration = "90m"

[issuer]
token_lifetime = ["60m", "90m"]
"#;

    fn set(text: &str, key: &str, value: &str) -> Result<String, String> {
        let mut doc: DocumentMut = text.parse().unwrap();
        apply(&mut doc, key, &parse_value(value))?;
        Ok(doc.to_string())
    }

    #[test]
    fn values_parse_as_toml_or_as_text() {
        assert_eq!(display_value(&parse_value("30m")), "30m");
        assert_eq!(display_value(&parse_value("1h 30m")), "1h 30m");
        assert!(matches!(parse_value("4"), Value::Integer(_)));
        assert!(matches!(parse_value("0.25"), Value::Float(_)));
        assert!(matches!(parse_value("true"), Value::Boolean(_)));
        assert!(matches!(parse_value(r#"["60m","90m"]"#), Value::Array(_)));
        assert_eq!(display_value(&parse_value(r#""true""#)), r#""true""#);
        assert_eq!(display_value(&parse_value(r#""30m""#)), "30m");
        assert_eq!(display_value(&parse_value("off")), "off");
    }

    #[test]
    fn replaces_in_place_keeping_the_other_lines() {
        let out = set(DOC, "simulation.name", "y").unwrap();
        assert_eq!(out, DOC.replace(r#"name = "x""#, r#"name = "y""#));
    }

    #[test]
    fn adds_missing_keys_and_tables() {
        let out = set(DOC, "simulation.seed", "7").unwrap();
        assert!(out.contains("seed = 7"), "{out}");
        let out = set(DOC, "worker.startup", "45s").unwrap();
        assert!(out.contains("[worker]\nstartup = \"45s\""), "{out}");
        let t: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(t["worker"]["startup"].as_str(), Some("45s"));
    }

    #[test]
    fn indexes_arrays_and_arrays_of_tables() {
        let out = set(DOC, "maintenance.window.0.start", "2h").unwrap();
        assert!(out.contains(r#"start = "2h""#), "{out}");
        let out = set(DOC, "issuer.token_lifetime.1", "120m").unwrap();
        assert!(out.contains(r#"["60m", "120m"]"#), "{out}");
        let e = set(DOC, "maintenance.window.3.start", "2h").unwrap_err();
        assert!(
            e.contains("index 3 out of range: `maintenance.window` has 1 entry"),
            "{e}"
        );
        let e = set(DOC, "maintenance.window.x", "2h").unwrap_err();
        assert!(e.contains("must be an index"), "{e}");
    }

    #[test]
    fn a_field_concerns_a_key_when_one_path_holds_the_other() {
        assert!(concerns("bogus.key", "bogus"));
        assert!(concerns(
            "issuer.token_lifetime",
            "issuer.token_lifetime[0]"
        ));
        assert!(concerns("event.1.at", "event[1].at"));
        assert!(!concerns("event.1.at", "event[10].at"));
        assert!(!concerns("pool.servers", "event[0].server"));
        assert!(!concerns("simulation.horizon", "simulation.warmup"));
        assert!(!concerns("", "simulation"));
    }

    #[test]
    fn no_overrides_leave_the_text_as_it_is() {
        let odd = "a   =  1 # kept\nb = 18446744073709551616\n";
        assert_eq!(apply_all(odd, []).unwrap(), odd);
    }

    #[test]
    fn refuses_paths_through_scalars_and_bad_keys() {
        let e = set(DOC, "simulation.name.first", "a").unwrap_err();
        assert!(e.contains("`simulation.name` is a string"), "{e}");
        assert!(check_key("a..b").unwrap_err().contains("empty segment"));
        assert!(check_key("simulation").unwrap_err().contains("whole table"));
        assert!(check_key("sweep.x").is_err());
        assert!(
            parse_set("worker.startup")
                .unwrap_err()
                .contains("KEY=VALUE")
        );
        let o = parse_set("worker.startup = 45s").unwrap();
        assert_eq!(o.to_arg(), "worker.startup=45s");
    }
}
