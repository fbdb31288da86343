//! Sweep specifications: the `[sweep]` table of a scenario file and `--vary`.
//!
//! ```toml
//! [sweep]
//! "maintenance.gap" = ["5m", "15m", "30m"]          # a list of values
//! "pool.servers" = { from = 2, to = 8, step = 2 }     # an inclusive range: 2, 4, 6, 8
//! "worker.failed_update_hold" = { from = "10m", to = "30m", step = "10m" }  # durations
//! auth_admin.write_session_fails = { from = 0.0, to = 0.5, step = 0.25 }   # dotted keys work too
//! ```
//!
//! Each key is a dotted scenario key (see [`super::overrides`]); each value a
//! non-empty list of values of one type, or a range `{ from, to, step }` of
//! integers, floats or durations with `step > 0` and `from <= to`. The grid is
//! the cartesian product of the dimensions in key order: file order, then
//! `--vary` order, the first key varying slowest. `--vary key=v1,v2` adds a
//! dimension or replaces the file's dimension of the same key; `--set key=v`
//! removes the dimension of `key` (the command line fixes it).

use super::ExperimentError;
use super::overrides::{check_key, display_value, parse_value, undecorated, with_article};
use crate::engine::time::format_duration;
use crate::scenario::Location;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_edit::{InlineTable, Value};

/// Largest number of values one range may expand to, and of points in a grid:
/// beyond this a typo (`step = 1` instead of `"1h"`) is far more likely than intent.
pub const MAX_VALUES: usize = 100_000;

/// One varied parameter.
#[derive(Clone, Debug)]
pub struct Dimension {
    /// Dotted scenario key.
    pub key: String,
    /// Its values, in order, at least one.
    pub values: Vec<Value>,
    /// Where it was written, for errors: `file.toml:12:1: sweep."pool.servers"` or `--vary ...`.
    pub source: String,
}

impl Dimension {
    /// The values as shown in CSV columns and messages (`30m`, `4`).
    pub fn texts(&self) -> Vec<String> {
        self.values.iter().map(display_value).collect()
    }
}

/// Reads the `[sweep]` table of a scenario file (none: no dimensions).
///
/// `origin` names the file in errors, which start with the entry's
/// `file:line:column: sweep."dotted.key"`. Only the sweep entries are
/// converted to `toml_edit` values (from their source text), so a large file
/// costs one parse of the spanned tree, and none when it cannot hold a
/// `[sweep]` key at all.
pub fn from_file(text: &str, origin: &str) -> Result<Vec<Dimension>, ExperimentError> {
    // A key can spell "sweep" only literally or with \u escapes.
    if !text.contains("sweep") && !text.contains("\\u") && !text.contains("\\U") {
        return Ok(Vec::new());
    }
    let tree = DeTable::parse(text).map_err(|e| {
        let at = Location::of_offset(origin, text, e.span().map_or(0, |s| s.start));
        ExperimentError::BadSpec {
            what: at.to_string(),
            message: format!(
                "TOML syntax error: {}",
                e.message().trim_end().replace('\n', "; ")
            ),
        }
    })?;
    let Some(sweep) = tree.get_ref().get("sweep") else {
        return Ok(Vec::new());
    };
    let cx = FileCx { text, origin };
    let mut found = Vec::new();
    match sweep.get_ref() {
        DeValue::Table(t) => cx.walk(t, "", &mut found)?,
        _ => {
            return Err(ExperimentError::BadSpec {
                what: format!("{}: sweep", cx.at(sweep.span())),
                message: "sweep must be a table of `\"dotted.key\" = [values]` entries".into(),
            });
        }
    }
    // File order: the parsed tree sorts keys by name.
    found.sort_by_key(|(start, _)| *start);
    let out: Vec<Dimension> = found.into_iter().map(|(_, d)| d).collect();
    // The same key reached twice (quoted and dotted forms).
    for (i, d) in out.iter().enumerate() {
        if let Some(first) = out[..i].iter().find(|e| e.key == d.key) {
            return Err(ExperimentError::BadSpec {
                what: d.source.clone(),
                message: format!("`{}` is swept twice (also {})", d.key, first.source),
            });
        }
    }
    Ok(out)
}

/// The file a `[sweep]` table is read from, for positions and source text.
struct FileCx<'a> {
    text: &'a str,
    origin: &'a str,
}

impl FileCx<'_> {
    fn at(&self, span: Range<usize>) -> Location {
        Location::of_offset(self.origin, self.text, span.start)
    }

    /// `file:line:column: sweep."dotted.key"`: where an entry is written.
    fn source(&self, key: &str, span: Range<usize>) -> String {
        format!("{}: sweep.{}", self.at(span), quoted_key(key))
    }

    /// The `toml_edit` value of an inline value, from its source text.
    fn value(&self, v: &Spanned<DeValue<'_>>, source: &str) -> Result<Value, ExperimentError> {
        let written = self.text.get(v.span()).unwrap_or_default();
        written
            .parse::<Value>()
            .map(undecorated)
            .map_err(|e| ExperimentError::BadSpec {
                what: source.to_string(),
                message: e.message().trim_end().replace('\n', "; "),
            })
    }

    /// Every entry under `t`, with the byte offset of its key.
    fn walk(
        &self,
        t: &DeTable<'_>,
        prefix: &str,
        out: &mut Vec<(usize, Dimension)>,
    ) -> Result<(), ExperimentError> {
        for (key, v) in t.iter() {
            let full = joined(prefix, key.get_ref());
            let source = self.source(&full, key.span());
            match v.get_ref() {
                DeValue::Table(sub)
                    if !is_range_table(sub.iter().map(|(k, _)| k.get_ref().as_ref())) =>
                {
                    self.walk(sub, &full, out)?
                }
                DeValue::Table(sub) => {
                    // A range, written inline or as a `[sweep."key"]` table.
                    let mut range = InlineTable::new();
                    for (k, item) in sub.iter() {
                        range.insert(k.get_ref().as_ref(), self.value(item, &source)?);
                    }
                    out.push((
                        key.span().start,
                        leaf(&full, &Value::InlineTable(range), source)?,
                    ));
                }
                DeValue::Array(items) if items.iter().any(|i| i.get_ref().is_table()) => {
                    return Err(ExperimentError::BadSpec {
                        what: source,
                        message: "expected a list of values or a range { from, to, step }".into(),
                    });
                }
                _ => {
                    let value = self.value(v, &source)?;
                    out.push((key.span().start, leaf(&full, &value, source)?));
                }
            }
        }
        Ok(())
    }
}

/// A dotted key as one TOML key: `"pool.servers"` (quoted when it holds
/// anything but bare-key characters).
fn quoted_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn joined(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A table is a range if it has any of the range keys; otherwise it only
/// groups dotted keys (`[sweep.maintenance] gap = [...]`).
fn is_range_table<'a>(mut keys: impl Iterator<Item = &'a str>) -> bool {
    keys.any(|k| matches!(k, "from" | "to" | "step"))
}

/// One `key = [values]` or `key = { from, to, step }` entry.
fn leaf(key: &str, value: &Value, source: String) -> Result<Dimension, ExperimentError> {
    let bad = |message: String| ExperimentError::BadSpec {
        what: source.clone(),
        message,
    };
    check_key(key).map_err(bad)?;
    let values = match value {
        Value::Array(a) => {
            let values: Vec<Value> = a.iter().cloned().map(undecorated).collect();
            check_list(&values).map_err(bad)?;
            values
        }
        Value::InlineTable(t) => expand_range(t).map_err(bad)?,
        other => {
            return Err(bad(format!(
                "expected a list of values `[a, b, ...]` or a range `{{ from = .., to = .., step = .. }}`, found {}",
                with_article(other.type_name())
            )));
        }
    };
    Ok(Dimension {
        key: key.to_string(),
        values,
        source,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) | Value::Float(_) => "number",
        other => other.type_name(),
    }
}

fn check_list(values: &[Value]) -> Result<(), String> {
    let Some(first) = values.first() else {
        return Err("empty list: give at least one value".into());
    };
    if values.len() > MAX_VALUES {
        return Err(format!("more than {MAX_VALUES} values"));
    }
    for (i, v) in values.iter().enumerate().skip(1) {
        if kind(v) != kind(first) {
            return Err(format!(
                "type mismatch: value {} ({}) is {} but value 1 ({}) is {}",
                i + 1,
                display_value(v),
                with_article(v.type_name()),
                display_value(first),
                with_article(first.type_name())
            ));
        }
    }
    Ok(())
}

/// Expands `{ from, to, step }` into its values, `from` and `to` included
/// (when `to - from` is a multiple of `step`).
fn expand_range(t: &InlineTable) -> Result<Vec<Value>, String> {
    for (k, _) in t.iter() {
        if !matches!(k, "from" | "to" | "step") {
            return Err(format!(
                "unknown key `{k}` in a range; a range is {{ from = .., to = .., step = .. }}"
            ));
        }
    }
    let get = |k: &str| {
        t.get(k)
            .ok_or_else(|| format!("a range needs `{k}`: {{ from = .., to = .., step = .. }}"))
    };
    let (from, to, step) = (get("from")?, get("to")?, get("step")?);
    match (from, to, step) {
        (Value::Integer(a), Value::Integer(b), Value::Integer(s)) => {
            let (a, b, s) = (*a.value(), *b.value(), *s.value());
            check_order(
                s <= 0,
                a > b,
                &a.to_string(),
                &b.to_string(),
                &s.to_string(),
            )?;
            // In i128: `to - from` of two i64 can overflow i64.
            let steps = (i128::from(b) - i128::from(a)) / i128::from(s);
            check_count(u64::try_from(steps + 1).unwrap_or(u64::MAX))?;
            // Every value lies in from..=to, so none overflows.
            Ok((0..=steps as i64).map(|i| Value::from(a + i * s)).collect())
        }
        (Value::String(a), Value::String(b), Value::String(s)) => {
            let parse = |v: &str, what: &str| {
                parse_duration(v).ok_or_else(|| {
                    format!(
                        "{what} = \"{v}\" is not a duration (like \"90s\", \"15m\", \"1h 30m\")"
                    )
                })
            };
            let (a, b, s) = (
                parse(a.value(), "from")?,
                parse(b.value(), "to")?,
                parse(s.value(), "step")?,
            );
            let (ta, tb, ts) = (format_duration(a), format_duration(b), format_duration(s));
            check_order(s == 0, a > b, &ta, &tb, &ts)?;
            let count = (b - a) / s + 1;
            check_count(count)?;
            Ok((0..count)
                .map(|i| Value::from(format_duration(a + i * s)))
                .collect())
        }
        (a, b, s) if [a, b, s].iter().all(|v| kind(v) == "number") => {
            let num = |v: &Value| match v {
                Value::Integer(i) => *i.value() as f64,
                Value::Float(f) => *f.value(),
                _ => unreachable!("checked numeric"),
            };
            let (fa, fb, fs) = (num(a), num(b), num(s));
            if ![fa, fb, fs].iter().all(|x| x.is_finite()) {
                return Err("from, to and step must be finite".into());
            }
            check_order(
                fs <= 0.0,
                fa > fb,
                &display_value(a),
                &display_value(b),
                &display_value(s),
            )?;
            // Round every value to the decimals the user wrote, so that
            // 0.1 + 2 * 0.1 is written 0.3, not 0.30000000000000004.
            let decimals = [a, b, s].iter().map(|v| decimals(&display_value(v))).max();
            let decimals = decimals.unwrap_or(0);
            let count = ((fb - fa) / fs + 1e-9).floor() as u64 + 1;
            check_count(count)?;
            (0..count)
                .map(|i| {
                    let x = fa + i as f64 * fs;
                    let text = format!("{x:.decimals$}");
                    text.parse::<f64>()
                        .map(Value::from)
                        .map_err(|e| format!("cannot expand the range: {e}"))
                })
                .collect()
        }
        _ => Err(format!(
            "type mismatch: from, to and step must be all integers, all numbers or all durations (found {}, {}, {})",
            from.type_name(),
            to.type_name(),
            step.type_name()
        )),
    }
}

fn check_order(step_bad: bool, reversed: bool, a: &str, b: &str, s: &str) -> Result<(), String> {
    if step_bad {
        return Err(format!("step must be positive, found {s}"));
    }
    if reversed {
        return Err(format!("from ({a}) is greater than to ({b})"));
    }
    Ok(())
}

fn check_count(count: u64) -> Result<(), String> {
    if count > MAX_VALUES as u64 {
        return Err(format!(
            "the range has {count} values, more than {MAX_VALUES}; check the step"
        ));
    }
    Ok(())
}

fn decimals(text: &str) -> usize {
    match text.split_once('.') {
        Some((_, frac)) => frac.chars().take_while(char::is_ascii_digit).count(),
        None => 0,
    }
}

/// Parses a duration with the scenario layer's parser (`"90s"`, `"1h 30m"`).
fn parse_duration(text: &str) -> Option<u64> {
    crate::scenario::values::parse_duration(text).ok()
}

/// Splits `v1,v2,...` at commas outside quotes, brackets and braces, so that
/// `--vary 'issuer.token_lifetime=["60m","60m"],["30m","90m"]'` has two values.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Parses the argument of `--vary`: `key=v1,v2,...` or `key={ from = 2, to = 8, step = 2 }`.
pub fn parse_vary(arg: &str) -> Result<Dimension, ExperimentError> {
    let source = format!("--vary {arg}");
    let bad = |message: String| ExperimentError::BadSpec {
        what: source.clone(),
        message,
    };
    let (key, list) = arg.split_once('=').ok_or_else(|| {
        bad("expected KEY=V1,V2,... e.g. --vary maintenance.gap=5m,15m,30m".into())
    })?;
    let key = key.trim();
    let list = list.trim();
    if list.is_empty() {
        return Err(bad("empty list: give at least one value".into()));
    }
    let values: Vec<Value> = split_top_level(list).into_iter().map(parse_value).collect();
    let value = match values.as_slice() {
        [Value::InlineTable(t)] if is_range_table(t.iter().map(|(k, _)| k)) => {
            Value::InlineTable(t.clone())
        }
        _ => Value::Array(values.into_iter().collect()),
    };
    leaf(key, &value, source.clone())
}

/// The dimensions of the grid: the file's, with `--vary` replacing or adding
/// and keys fixed by `--set` (or `--seed`, ...) removed.
pub fn combine(file: Vec<Dimension>, vary: Vec<Dimension>, fixed: &[String]) -> Vec<Dimension> {
    let mut dims = file;
    for v in vary {
        match dims.iter_mut().find(|d| d.key == v.key) {
            Some(d) => *d = v,
            None => dims.push(v),
        }
    }
    dims.retain(|d| !fixed.contains(&d.key));
    dims
}

/// The grid's points as value indices per dimension, the first dimension
/// varying slowest. No dimensions: one point with no coordinates.
pub fn grid(dims: &[Dimension]) -> Result<Vec<Vec<usize>>, ExperimentError> {
    let mut total: usize = 1;
    for d in dims {
        total = total
            .checked_mul(d.values.len())
            .filter(|&t| t <= MAX_VALUES)
            .ok_or_else(|| ExperimentError::BadSpec {
                what: d.source.clone(),
                message: format!("the sweep grid has more than {MAX_VALUES} points"),
            })?;
    }
    let mut points = Vec::with_capacity(total);
    let mut coords = vec![0usize; dims.len()];
    for _ in 0..total {
        points.push(coords.clone());
        for (c, d) in coords.iter_mut().zip(dims).rev() {
            *c += 1;
            if *c < d.values.len() {
                break;
            }
            *c = 0;
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(text: &str) -> Result<Vec<Dimension>, String> {
        from_file(text, "s.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_lists_and_ranges_in_file_order() {
        let d = dims(
            r#"
[simulation]
name = "x"
[sweep]
"maintenance.gap" = ["5m", "15m", "30m"]
"pool.servers" = { from = 2, to = 8, step = 2 }
auth_admin.write_session_fails = { from = 0.0, to = 0.3, step = 0.1 }
[sweep.worker]
failed_update_hold = { from = "10m", to = "30m", step = "10m" }
"#,
        )
        .unwrap();
        let keys: Vec<_> = d.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "maintenance.gap",
                "pool.servers",
                "auth_admin.write_session_fails",
                "worker.failed_update_hold"
            ]
        );
        assert_eq!(d[0].texts(), ["5m", "15m", "30m"]);
        assert_eq!(d[1].texts(), ["2", "4", "6", "8"]);
        assert_eq!(d[2].texts(), ["0.0", "0.1", "0.2", "0.3"]);
        assert_eq!(d[3].texts(), ["10m", "20m", "30m"]);
        assert_eq!(d[0].source, "s.toml:5:1: sweep.\"maintenance.gap\"");
        assert_eq!(
            d[3].source,
            "s.toml:9:1: sweep.\"worker.failed_update_hold\""
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            (r#""maintenance.gap" = []"#, "empty list"),
            (
                r#""pool.servers" = { from = 2, to = 8, step = 0 }"#,
                "step must be positive, found 0",
            ),
            (
                r#""pool.servers" = { from = 8, to = 2, step = 2 }"#,
                "from (8) is greater than to (2)",
            ),
            (
                r#""simulation.seed" = { from = -9223372036854775808, to = 9223372036854775807, step = 1 }"#,
                "more than 100000; check the step",
            ),
            (
                r#""pool.servers" = { from = 2, to = 8 }"#,
                "a range needs `step`",
            ),
            (
                r#""pool.servers" = { from = 2, to = 8, step = 1, by = 3 }"#,
                "unknown key `by`",
            ),
            (
                r#""pool.servers" = [2, "four"]"#,
                "type mismatch: value 2 (four) is a string",
            ),
            (
                r#""pool.servers" = { from = 2, to = "8m", step = 1 }"#,
                "type mismatch",
            ),
            (
                r#""worker.startup" = { from = "1m", to = "5x", step = "1m" }"#,
                "is not a duration",
            ),
            (r#""pool.servers" = 4"#, "expected a list"),
            (r#""pool" = [1, 2]"#, "whole table"),
            (
                r#""pool.servers" = [1]
pool.servers = [2]"#,
                "swept twice",
            ),
        ];
        for (entry, want) in cases {
            let e = dims(&format!("[sweep]\n{entry}\n")).unwrap_err();
            assert!(e.contains(want), "{entry}: {e}");
            assert!(e.contains("s.toml:2:1: sweep."), "{entry}: {e}");
        }
    }

    #[test]
    fn vary_splits_at_top_level_commas() {
        let d = parse_vary("maintenance.gap=5m,15m, 30m").unwrap();
        assert_eq!(d.texts(), ["5m", "15m", "30m"]);
        let d = parse_vary(r#"issuer.token_lifetime=["60m","60m"],["30m","90m"]"#).unwrap();
        assert_eq!(d.values.len(), 2);
        let d = parse_vary("pool.servers={ from = 1, to = 3, step = 1 }").unwrap();
        assert_eq!(d.texts(), ["1", "2", "3"]);
        let e = parse_vary("pool.servers=").unwrap_err().to_string();
        assert!(e.starts_with("--vary pool.servers=: empty list"), "{e}");
        assert!(parse_vary("pool.servers").is_err());
    }

    #[test]
    fn grid_is_the_product_first_key_slowest() {
        let a = parse_vary("a.x=1,2").unwrap();
        let b = parse_vary("b.y=1,2,3").unwrap();
        let g = grid(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], [0, 0]);
        assert_eq!(g[1], [0, 1]);
        assert_eq!(g[3], [1, 0]);
        assert_eq!(grid(&[]).unwrap(), vec![Vec::<usize>::new()]);
        let c = combine(
            vec![a.clone(), b.clone()],
            vec![parse_vary("a.x=7").unwrap()],
            &["b.y".into()],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].texts(), ["7"]);
    }
}
