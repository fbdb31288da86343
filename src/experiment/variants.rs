//! Variants: the `[[variant]]` tables of a scenario file, the alternatives an
//! admin compares on one random history.
//!
//! ```toml
//! [[variant]]
//! name = "nothing"                              # the first variant is the reference
//!
//! [[variant]]
//! name = "flag"
//! read_session = true                           # false (the default) or true
//!
//! [[variant]]
//! name = "rejoin-6m"
//! set = { "maintenance.rejoin_after" = "6m" }   # dotted keys, as with --set
//! ```
//!
//! A variant is the scenario (with `--set` applied) plus its `set` entries,
//! run with its one flag value. The plan makes each variant one point, in
//! its own folder `variant-NAME/`, with the seed and replications of the
//! scenario: replication r of every variant draws every random stream from
//! the same (seed, r), so variants differ by their settings only (common
//! random numbers, as across the flag). A `set` entry wins over `--set` of
//! the same key: `--set` changes what every variant starts from.
//!
//! Every problem is a [`Diagnostic`](crate::scenario::Diagnostic) at its
//! place in the file: a name (unique, ignoring case: names become folder
//! names), a `read_session`, an unknown key, and each `set` entry, whose key
//! and value are validated as if written in the file (the scenario is
//! re-parsed with them, as for `--set`: [`super::overrides`]). A problem
//! that an entry causes in another field (`pool.servers = 1` with
//! `auth_admin.anchor = 2`) is reported at the entry, naming that field.

use super::ExperimentError;
use super::overrides::{self, check_key, concerns, display_value, undecorated};
use crate::scenario::diagnostic::{Collector, Diagnostics, Kind, Pending};
use crate::scenario::{self, Scenario, ScenarioError, suggest, values};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_edit::{DocumentMut, Value};

/// The top-level key of the variant tables.
pub const KEY: &str = "variant";

/// The keys of a `[[variant]]` table.
const TABLE_KEYS: [&str; 3] = ["name", "read_session", "set"];

/// Keys a variant may not set: all variants run the same seeds and
/// replications (that is what pairs them) over the same period (so that
/// their totals compare), and each has its own flag value.
const FIXED_KEYS: [(&str, &str); 7] = [
    (
        "simulation.seed",
        "every variant runs the same seeds (common random numbers): set it in [simulation] or with --seed",
    ),
    (
        "simulation.replications",
        "every variant runs the same replications (common random numbers): set it in [simulation] or with --replications",
    ),
    (
        "simulation.horizon",
        "every variant covers the same period, so that their totals compare: set it in [simulation] or with --set",
    ),
    (
        "simulation.warmup",
        "every variant measures the same period, so that their totals compare: set it in [simulation] or with --set",
    ),
    (
        "org.read_session",
        "a variant's flag value is its `read_session` key",
    ),
    (
        "simulation.fast_forward",
        "every variant runs in the same mode, so that their differences are the model's: set it in [simulation] or with --fast-forward",
    ),
    (
        "simulation.resume_before",
        "every variant resumes per-request simulation at the same instants (common random numbers): set it in [simulation] or with --set",
    ),
];

/// Prefix of a variant's folder in the result folder.
pub const FOLDER_PREFIX: &str = "variant-";

/// One `set` entry of a variant: a dotted key and its value.
#[derive(Clone, Debug)]
pub struct SetEntry {
    /// Dotted scenario key (`maintenance.rejoin_after`).
    pub key: String,
    /// The value, as written.
    pub value: Value,
    /// Where the key is written.
    pub key_span: Range<usize>,
    /// Where the value is written.
    pub value_span: Range<usize>,
}

impl SetEntry {
    /// `key=value`, as `--set` would take it.
    pub fn to_arg(&self) -> String {
        format!("{}={}", self.key, display_value(&self.value))
    }
}

/// One `[[variant]]` table.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Position among the file's `[[variant]]` tables (the `i` of `variant[i]`).
    pub index: usize,
    /// Its name (unique, ignoring case).
    pub name: String,
    /// The flag value it runs.
    pub read_session: bool,
    /// Its `set` entries, in file order.
    pub sets: Vec<SetEntry>,
    /// Where its table is written.
    pub span: Range<usize>,
    /// Where its name is written.
    name_span: Range<usize>,
}

impl Variant {
    /// Its subfolder of the result folder: `variant-NAME`.
    pub fn folder(&self) -> String {
        format!("{FOLDER_PREFIX}{}", self.name)
    }

    /// Its `set` entries as `key=value`, in file order.
    pub fn set_args(&self) -> Vec<String> {
        self.sets.iter().map(SetEntry::to_arg).collect()
    }

    /// The field path of its entry `key`: `variant[2].set."worker.startup"`.
    fn set_field(&self, key: &str) -> String {
        set_field(self.index, key)
    }
}

fn set_field(index: usize, key: &str) -> String {
    format!("{KEY}[{index}].set.{key:?}")
}

/// Reads the `[[variant]]` tables of a scenario file (none: no variants),
/// in file order. `origin` names the file in the diagnostics. A file that is
/// not TOML has no variants here: the scenario layer reports its syntax.
pub fn from_file(text: &str, origin: &str) -> Result<Vec<Variant>, Diagnostics> {
    // A key can spell "variant" only literally or with \u escapes.
    if !text.contains(KEY) && !text.contains("\\u") && !text.contains("\\U") {
        return Ok(Vec::new());
    }
    let Ok(tree) = DeTable::parse(text) else {
        return Ok(Vec::new());
    };
    let Some(tables) = tree.get_ref().get(KEY) else {
        return Ok(Vec::new());
    };
    let mut cx = Cx {
        text,
        sink: Collector::default(),
        problems: 0,
    };
    let mut out = Vec::new();
    let expected = "[[variant]] tables, each with a `name`";
    match tables.get_ref() {
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item.get_ref() {
                    DeValue::Table(t) => {
                        if let Some(v) = cx.variant(t, i, item.span()) {
                            out.push(v);
                        }
                    }
                    other => cx.wrong_type(item.span(), format!("{KEY}[{i}]"), other, expected),
                }
            }
        }
        other => cx.wrong_type(tables.span(), KEY.to_string(), other, expected),
    }
    // Names become folder names: unique, also where case does not count.
    for (i, v) in out.iter().enumerate() {
        if let Some(first) = out[..i]
            .iter()
            .find(|w| w.name.eq_ignore_ascii_case(&v.name))
        {
            cx.push(Pending {
                kind: Kind::Inconsistent,
                span: v.name_span.clone(),
                field: Some(format!("{KEY}[{}].name", v.index)),
                message: if first.name == v.name {
                    format!("variant name {:?} is used twice (also variant[{}])", v.name, first.index)
                } else {
                    format!(
                        "variant name {:?} differs from {:?} (variant[{}]) only in case; they name folders, which some file systems do not tell apart",
                        v.name, first.name, first.index
                    )
                },
                expected: Some("a name of its own for every variant".into()),
                suggestion: None,
            });
        }
    }
    match cx.sink.finish(text, origin) {
        Some(d) => Err(d),
        None => Ok(out),
    }
}

/// The file the tables are read from, and the problems found.
struct Cx<'a> {
    text: &'a str,
    sink: Collector,
    /// Problems pushed so far.
    problems: usize,
}

impl Cx<'_> {
    fn push(&mut self, p: Pending) {
        self.problems += 1;
        self.sink.push(p);
    }

    fn bad(
        &mut self,
        kind: Kind,
        span: Range<usize>,
        field: String,
        message: String,
        expected: &str,
    ) {
        self.push(Pending {
            kind,
            span,
            field: Some(field),
            message,
            expected: Some(expected.to_string()),
            suggestion: None,
        });
    }

    fn wrong_type(
        &mut self,
        span: Range<usize>,
        field: String,
        found: &DeValue<'_>,
        expected: &str,
    ) {
        let found = match found {
            DeValue::Array(a) if !a.is_empty() && a.iter().all(|i| i.get_ref().is_table()) => {
                "array of tables"
            }
            other => other.type_str(),
        };
        self.bad(
            Kind::WrongType,
            span,
            field,
            format!("wrong type: found {found}"),
            expected,
        );
    }

    /// One `[[variant]]` table (`None` when it has a problem).
    fn variant(&mut self, t: &DeTable<'_>, index: usize, span: Range<usize>) -> Option<Variant> {
        let errors_before = self.problems;
        let path = format!("{KEY}[{index}]");
        let mut name = None;
        let mut read_session = false;
        let mut sets = Vec::new();
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let field = format!("{path}.{key}");
            match key {
                "name" => match v.get_ref() {
                    DeValue::String(s) => match values::check_name(s) {
                        Ok(()) => name = Some(s.to_string()),
                        Err(values::ValueError::Bad { message, expected }) => {
                            self.bad(Kind::BadValue, v.span(), field, message, &expected)
                        }
                        Err(values::ValueError::OutOfRange { message, expected }) => {
                            self.bad(Kind::OutOfRange, v.span(), field, message, &expected)
                        }
                    },
                    other => self.wrong_type(v.span(), field, other, values::NAME_EXPECTED),
                },
                "read_session" => {
                    let expected = "false or true (a variant runs one flag value)";
                    match v.get_ref() {
                        DeValue::Boolean(b) => read_session = *b,
                        DeValue::String(s) if s == "false" || s == "true" => {
                            read_session = s == "true";
                        }
                        DeValue::String(s) if s == "both" => self.bad(
                            Kind::BadValue,
                            v.span(),
                            field,
                            "\"both\" is not one flag value: write two variants, one with read_session = false and one with true".into(),
                            expected,
                        ),
                        DeValue::String(s) => self.bad(
                            Kind::BadValue,
                            v.span(),
                            field,
                            format!("unknown value {s:?}"),
                            expected,
                        ),
                        other => self.wrong_type(v.span(), field, other, expected),
                    }
                }
                "set" => match v.get_ref() {
                    DeValue::Table(entries) => self.entries(entries, index, "", &mut sets),
                    other => self.wrong_type(
                        v.span(),
                        field,
                        other,
                        "a table of \"dotted.key\" = value entries, e.g. set = { \"worker.startup\" = \"45s\" }",
                    ),
                },
                other => {
                    let suggestion = suggest::closest(other, TABLE_KEYS).map(|k| format!("`{k}`"));
                    self.push(Pending {
                        kind: Kind::UnknownKey,
                        span: k.span(),
                        field: Some(field),
                        message: format!("unknown key `{other}`"),
                        expected: Some(format!("one of: {}", TABLE_KEYS.join(", "))),
                        suggestion,
                    });
                }
            }
        }
        if name.is_none() && t.get("name").is_none() {
            self.push(Pending {
                kind: Kind::Missing,
                span: span.clone(),
                field: Some(format!("{path}.name")),
                message: "missing field `name`".into(),
                expected: Some(values::NAME_EXPECTED.into()),
                suggestion: None,
            });
        }
        if self.problems > errors_before {
            return None;
        }
        Some(Variant {
            index,
            name: name?,
            read_session,
            sets,
            name_span: t.get("name").map_or(span.clone(), |v| v.span()),
            span,
        })
    }

    /// The entries of a `set` table (or of a table a dotted key made in it).
    fn entries(&mut self, t: &DeTable<'_>, index: usize, prefix: &str, out: &mut Vec<SetEntry>) {
        for (k, v) in t.iter() {
            let key = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            match v.get_ref() {
                // `set = { worker.startup = "45s" }`: TOML makes a table of a dotted key.
                DeValue::Table(sub) => self.entries(sub, index, &key, out),
                _ => self.entry(key, k.span(), v, index, out),
            }
        }
    }

    fn entry(
        &mut self,
        key: String,
        key_span: Range<usize>,
        v: &Spanned<DeValue<'_>>,
        index: usize,
        out: &mut Vec<SetEntry>,
    ) {
        let field = set_field(index, &key);
        let key_problem = check_key(&key).err().or_else(|| {
            let first = key.split('.').next().unwrap_or_default();
            if first == KEY {
                return Some("a variant cannot set [[variant]] tables".into());
            }
            // A result folder's re-runs point the history fields at its
            // copies with --set, which a variant's entries would override.
            if first == "history" {
                return Some(format!(
                    "a variant cannot set {key}: every variant replays the same [history] \
                     files; to compare histories, run the scenario once per file with \
                     --set {key}=FILE"
                ));
            }
            FIXED_KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(k, why)| format!("a variant cannot set {k}: {why}"))
        });
        if let Some(message) = key_problem {
            self.bad(
                Kind::BadValue,
                key_span,
                field,
                message,
                "a dotted scenario key such as \"maintenance.gap\", as --set takes",
            );
            return;
        }
        if let Some(first) = out.iter().find(|e| e.key == key) {
            let at = scenario::Location::of_offset("", self.text, first.key_span.start);
            self.bad(
                Kind::Inconsistent,
                key_span,
                field,
                format!("`{key}` is set twice (also at line {})", at.line),
                "each key once per variant",
            );
            return;
        }
        if let DeValue::Array(items) = v.get_ref()
            && items.iter().any(|i| i.get_ref().is_table())
        {
            self.bad(
                Kind::WrongType,
                v.span(),
                field,
                "wrong type: found a table in an array".into(),
                "a value as the field takes it (a string, number, boolean or array)",
            );
            return;
        }
        let written = self.text.get(v.span()).unwrap_or_default();
        match written.parse::<Value>() {
            Ok(value) => out.push(SetEntry {
                key,
                value: undecorated(value),
                key_span,
                value_span: v.span(),
            }),
            Err(e) => self.bad(
                Kind::Syntax,
                v.span(),
                field,
                e.message().trim_end().replace('\n', "; "),
                "a TOML value",
            ),
        }
    }
}

/// Refuses `org.read_session` written in a file with `[[variant]]` tables:
/// each variant runs its own flag value, so the field would be ignored.
pub fn check_org(text: &str, origin: &str) -> Result<(), ExperimentError> {
    let Ok(tree) = DeTable::parse(text) else {
        return Ok(());
    };
    let Some(span) = scenario::file::written_span(tree.get_ref(), "org.read_session") else {
        return Ok(());
    };
    let mut sink = Collector::default();
    sink.push(Pending {
        kind: Kind::Inconsistent,
        span,
        field: Some("org.read_session".into()),
        message: "not used with [[variant]] tables: each variant runs its own flag value".into(),
        expected: Some("no org.read_session; `read_session = true` in the [[variant]] tables that run the flag".into()),
        suggestion: None,
    });
    match sink.finish(text, origin) {
        Some(d) => Err(ScenarioError::Invalid(d).into()),
        None => Ok(()),
    }
}

/// Checks that the `[[expect]]` tables and the `[[variant]]` tables (`all`,
/// those of the file) fit: with variants, every expectation names one
/// (`variant = "NAME"`), runs with its flag value and is not a `saving`
/// (a variant runs one flag value); without, none names one.
pub fn check_expect(
    base: &Scenario,
    all: &[Variant],
    text: &str,
    origin: &str,
) -> Result<(), ExperimentError> {
    use crate::scenario::expect::Check;
    let mut sink = Collector::default();
    let names: Vec<&str> = all.iter().map(|v| v.name.as_str()).collect();
    for (i, e) in base.expect.iter().enumerate() {
        let header = e.offset..e.offset + 1;
        let mut problem = |span: Range<usize>, field: &str, message: String, expected: String| {
            sink.push(Pending {
                kind: Kind::Inconsistent,
                span,
                field: Some(format!("expect[{i}]{field}")),
                message,
                expected: Some(expected),
                suggestion: None,
            })
        };
        let Some((name, at)) = &e.variant else {
            if !all.is_empty() {
                problem(
                    header,
                    "",
                    "with [[variant]] tables, an expectation is about the runs of one variant"
                        .into(),
                    format!("variant = one of {}", names.join(", ")),
                );
            }
            continue;
        };
        let span = *at..*at + name.len() + 2;
        let Some(v) = all.iter().find(|v| &v.name == name) else {
            let message = if all.is_empty() {
                "the scenario has no [[variant]] tables".to_string()
            } else {
                format!("no variant {name:?}")
            };
            let expected = match suggest::closest(name, names.iter().copied()) {
                Some(close) => format!("did you mean {close:?}?"),
                None if all.is_empty() => "no variant key without [[variant]] tables".into(),
                None => format!("one of {}", names.join(", ")),
            };
            problem(span, ".variant", message, expected);
            continue;
        };
        match e.check {
            Check::Saving { .. } => problem(
                header,
                ".saving",
                "a variant runs one flag value: it has no saving off − on".into(),
                "a metric expectation per variant (metric = \"user_minutes\", read_session, min or max)"
                    .into(),
            ),
            Check::Metric { read_session, .. } | Check::Fingerprint { read_session, .. }
                if read_session != v.read_session =>
            {
                problem(
                    header,
                    ".read_session",
                    format!(
                        "variant {} runs read_session = {}, not {read_session}",
                        v.name, v.read_session
                    ),
                    format!("read_session = {}", v.read_session),
                )
            }
            _ => {}
        }
    }
    match sink.finish(text, origin) {
        Some(d) => Err(ScenarioError::Invalid(d).into()),
        None => Ok(()),
    }
}

/// The scenario of each variant: `base` (the file's text with `--set`
/// applied; valid) with the variant's `set` entries applied. Problems are
/// located in `original`, the file `origin`: every variant is checked and
/// every problem reported, in file order.
pub fn scenarios(
    variants: &[Variant],
    base: &str,
    original: &str,
    origin: &str,
) -> Result<Vec<Scenario>, Diagnostics> {
    let mut sink = Collector::default();
    let mut out = Vec::with_capacity(variants.len());
    let tree = DeTable::parse(original).ok();
    for v in variants {
        match scenario_of(v, base, origin) {
            Ok(s) => out.push(s),
            Err(problems) => {
                for p in problems {
                    sink.push(p.located(v, original, tree.as_ref()));
                }
            }
        }
    }
    match sink.finish(original, origin) {
        Some(d) => Err(d),
        None => Ok(out),
    }
}

/// A problem of one variant, before it is placed in the file.
enum Problem {
    /// Entry `entry` cannot be applied (a path through a value, an index
    /// out of range).
    Apply { entry: usize, message: String },
    /// The scenario with the variant's entries applied does not validate:
    /// a diagnostic of the edited text, and the entry that made it fail.
    Invalid {
        culprit: usize,
        diagnostic: scenario::Diagnostic,
    },
}

impl Problem {
    /// Where the problem goes in the file: at the entry whose field it is
    /// about (its key for an unknown key, else its value), or, for a field
    /// the variant did not set, at the entry that made it invalid.
    fn located(self, v: &Variant, text: &str, tree: Option<&Spanned<DeTable<'_>>>) -> Pending {
        match self {
            Problem::Apply { entry, message } => {
                // No such entry: the text itself did not re-read (a bug, see
                // scenario_of); placed at the table rather than panicking.
                let Some(e) = v.sets.get(entry) else {
                    return Pending {
                        kind: Kind::BadValue,
                        span: v.span.clone(),
                        field: Some(format!("{KEY}[{}]", v.index)),
                        message,
                        expected: None,
                        suggestion: None,
                    };
                };
                Pending {
                    kind: Kind::BadValue,
                    span: e.key_span.clone(),
                    field: Some(v.set_field(&e.key)),
                    message: format!("cannot set `{}`: {message}", e.key),
                    expected: Some("a dotted key that names a scenario field".into()),
                    suggestion: None,
                }
            }
            Problem::Invalid {
                culprit,
                diagnostic: d,
            } => {
                let field = d.field.clone().unwrap_or_default();
                // The longest key that the field is about: `a.b` before `a`.
                let about = v
                    .sets
                    .iter()
                    .filter(|e| concerns(&e.key, &field))
                    .max_by_key(|e| e.key.len());
                match about {
                    Some(e) => Pending {
                        kind: d.kind,
                        span: if d.kind == Kind::UnknownKey {
                            e.key_span.clone()
                        } else {
                            e.value_span.clone()
                        },
                        field: Some(v.set_field(&e.key)),
                        message: d.message,
                        expected: d.expected,
                        suggestion: d.suggestion.map(|s| dotted_suggestion(&field, &s)),
                    },
                    None => {
                        // A variant without entries cannot make the file
                        // invalid: as above, placed at the table.
                        let Some(e) = v.sets.get(culprit) else {
                            return Pending {
                                kind: d.kind,
                                span: v.span.clone(),
                                field: Some(format!("{KEY}[{}]", v.index)),
                                message: format!("{field} is invalid: {}", d.message),
                                expected: d.expected,
                                suggestion: d.suggestion,
                            };
                        };
                        let written = tree
                            .and_then(|t| scenario::file::written_span(t.get_ref(), &field))
                            .map(|span| {
                                let at = scenario::Location::of_offset("", text, span.start);
                                format!(" (line {})", at.line)
                            })
                            .unwrap_or_default();
                        Pending {
                            kind: d.kind,
                            span: e.value_span.clone(),
                            field: Some(v.set_field(&e.key)),
                            message: format!(
                                "with this value, {field}{written} is invalid: {}",
                                d.message
                            ),
                            expected: d.expected,
                            suggestion: d.suggestion,
                        }
                    }
                }
            }
        }
    }
}

/// A suggestion for the last segment of `field` (`` `startup` `` for
/// `worker.startupp`) as a whole dotted key (`` `worker.startup` ``), the
/// form a `set` key is written in.
fn dotted_suggestion(field: &str, suggestion: &str) -> String {
    match field.rsplit_once('.') {
        Some((parent, _)) if suggestion.starts_with('`') && suggestion.ends_with('`') => {
            format!("`{parent}.{}`", suggestion.trim_matches('`'))
        }
        _ => suggestion.to_string(),
    }
}

/// The scenario of variant `v` on `base`, or its problems.
fn scenario_of(v: &Variant, base: &str, origin: &str) -> Result<Scenario, Vec<Problem>> {
    let apply = |n: usize| -> Result<String, Vec<Problem>> {
        let mut doc: DocumentMut = base.parse().map_err(|e: toml_edit::TomlError| {
            // `base` validated: only a bug gets here; say so at the first entry.
            vec![Problem::Apply {
                entry: 0,
                message: format!("the scenario text does not parse: {}", e.message()),
            }]
        })?;
        let mut problems = Vec::new();
        for (entry, e) in v.sets.iter().enumerate().take(n) {
            if let Err(message) = overrides::apply(&mut doc, &e.key, &e.value) {
                problems.push(Problem::Apply { entry, message });
            }
        }
        if problems.is_empty() {
            Ok(doc.to_string())
        } else {
            Err(problems)
        }
    };
    let all = v.sets.len();
    let edited = apply(all)?;
    let error = match scenario::parse_str(&edited, origin) {
        Ok(s) => return Ok(s),
        Err(e) => e,
    };
    // The entry that makes the scenario invalid: the shortest prefix of
    // entries that fails (for diagnostics about fields no entry set).
    let culprit = (1..all)
        .find(|&n| {
            apply(n)
                .ok()
                .is_some_and(|text| scenario::parse_str(&text, origin).is_err())
        })
        .unwrap_or(all)
        .saturating_sub(1);
    Err(error
        .diagnostics()
        .iter()
        .map(|d| Problem::Invalid {
            culprit,
            diagnostic: d.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[simulation]\nname = \"x\"\nhorizon = \"2h\"\n";

    fn variants(extra: &str) -> Result<Vec<Variant>, String> {
        let text = format!("{BASE}{extra}");
        from_file(&text, "s.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_names_flags_and_entries_in_file_order() {
        let v = variants(
            r#"
[[variant]]
name = "nothing"

[[variant]]
name = "flag"
read_session = true

[[variant]]
name = "two"
set = { "worker.startup" = "45s", maintenance.gap = "5m", "pool.servers" = 2 }
"#,
        )
        .unwrap();
        let names: Vec<_> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["nothing", "flag", "two"]);
        assert_eq!(
            v.iter().map(|v| v.read_session).collect::<Vec<_>>(),
            [false, true, false]
        );
        let mut args = v[2].set_args();
        args.sort();
        assert_eq!(
            args,
            ["maintenance.gap=5m", "pool.servers=2", "worker.startup=45s"]
        );
        assert_eq!(v[1].folder(), "variant-flag");
        assert!(variants("").unwrap().is_empty());
    }

    #[test]
    fn table_problems_are_placed_and_all_reported() {
        let e = variants(
            r#"
[[variant]]
name = ""
[[variant]]
name = "a"
read_session = "both"
sett = { }
[[variant]]
read_session = 1
[[variant]]
name = "A"
set = { "pool" = 1, "simulation.seed" = 3, "variant.0.name" = "x", "simulation.horizon" = "1d", "history.events" = "e.csv" }
"#,
        )
        .unwrap_err();
        for want in [
            "s.toml:6:8: variant[0].name: empty name",
            "s.toml:9:16: variant[1].read_session: \"both\" is not one flag value",
            "s.toml:10:1: variant[1].sett: unknown key `sett`; did you mean `set`?",
            "s.toml:12:16: variant[2].read_session: wrong type: found integer",
            "variant[2].name: missing field `name`",
            "s.toml:15:9: variant[3].set.\"pool\": `pool` is a whole table",
            "variant[3].set.\"simulation.seed\": a variant cannot set simulation.seed",
            "variant[3].set.\"variant.0.name\": a variant cannot set [[variant]] tables",
            "variant[3].set.\"simulation.horizon\": a variant cannot set simulation.horizon: every variant covers the same period",
            "variant[3].set.\"history.events\": a variant cannot set history.events: every variant replays the same [history] files",
        ] {
            assert!(e.contains(want), "want {want}\n got {e}");
        }
        // Both of `a` and `A` are fine alone; the second is refused.
        let e = variants("[[variant]]\nname = \"a\"\n[[variant]]\nname = \"A\"\n").unwrap_err();
        assert!(
            e.starts_with("s.toml:7:8: variant[1].name: variant name \"A\" differs from \"a\" (variant[0]) only in case"),
            "{e}"
        );
        let e = variants("[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n").unwrap_err();
        assert!(
            e.contains("variant name \"a\" is used twice (also variant[0])"),
            "{e}"
        );
        let e = from_file(&format!("variant = 3\n{BASE}"), "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.toml:1:11: variant: wrong type: found integer"),
            "{e}"
        );
    }

    fn checked(extra: &str) -> Result<Vec<Scenario>, String> {
        let text = format!("{BASE}{extra}");
        let v = from_file(&text, "s.toml").map_err(|e| e.to_string())?;
        scenarios(&v, &text, &text, "s.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn set_entries_are_validated_as_if_written_at_their_place() {
        let s = checked(
            "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nset = { \"worker.startup\" = \"45s\" }\n",
        )
        .unwrap();
        assert_eq!(s[0].worker.startup, 30_000);
        assert_eq!(s[1].worker.startup, 45_000);
        let e = checked(
            r#"[[variant]]
name = "a"
set = { "worker.startup" = "abc", "worker.startupp" = "1s" }
[[variant]]
name = "b"
set = { "pool.servers" = 1, "auth_admin.anchor" = 0 }
[[variant]]
name = "c"
set = { "pool.servers" = 1 }
[[variant]]
name = "d"
set = { "simulation.name.first" = "x" }
"#,
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert!(
            lines[0].starts_with(
                "s.toml:6:28: variant[0].set.\"worker.startup\": in \"abc\": expected a number"
            ),
            "{e}"
        );
        assert_eq!(
            lines[1],
            "s.toml:6:35: variant[0].set.\"worker.startupp\": unknown key `startupp`; did you mean `worker.startup`?"
        );
        // Nothing wrong with b: anchor 0 is a server of one.
        assert!(!e.contains("variant[1]"), "{e}");
        assert!(
            e.contains("s.toml:15:9: variant[3].set.\"simulation.name.first\": cannot set `simulation.name.first`: `simulation.name` is a string"),
            "{e}"
        );
        // The default anchor is 0: c is fine; with an anchor written, c breaks it.
        let e = checked(
            "[auth_admin]\nanchor = 2\n[[variant]]\nname = \"c\"\nset = { \"pool.servers\" = 1, \"worker.startup\" = \"1s\" }\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("s.toml:8:26: variant[0].set.\"pool.servers\": with this value, auth_admin.anchor (line 5) is invalid: server 2 does not exist"),
            "{e}"
        );
    }
}
