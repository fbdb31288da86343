//! The result folder's copies of the `[history]` CSV files.
//!
//! A result folder keeps the scenario file's exact bytes (`scenario.toml`),
//! so that any row can be re-run from the folder alone; a scenario with a
//! `[history]` table also needs the CSV files it names, relative to itself.
//! They are copied, exactly as the plan read them, to `DIR/history/NAME`
//! (the file's own name; `NAME-2.csv`, ... when two files share a name),
//! listed in the manifest with their SHA-256, and every point's `rerun`
//! arguments point the history fields at the copies with `--set
//! history.events=history/NAME` (paths are relative to the scenario file,
//! here the folder's `scenario.toml`). The scenario copy stays the exact
//! bytes its SHA-256 names.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ExperimentError;
use super::hash::sha256_hex;
use super::plan::Plan;
use crate::scenario::Scenario;

/// The subfolder of the result folder that holds the copies.
pub const DIR: &str = "history";

/// One history file kept in a result folder (a `history_copies` entry of
/// the manifest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryCopy {
    /// The path as the scenario, `--set` or a sweep value wrote it
    /// (relative to the scenario file).
    pub path: String,
    /// The copy, relative to the result folder (`history/events.csv`).
    pub copy: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

/// The history fields of a scenario: dotted key and path as written.
fn fields(s: &Scenario) -> [(&'static str, Option<&str>); 2] {
    [
        ("history.events", s.history.events.as_deref()),
        ("history.rollovers", s.history.rollovers.as_deref()),
    ]
}

/// The folder history paths are relative to: the scenario file's.
fn scenario_folder(plan: &Plan) -> PathBuf {
    plan.request
        .scenario
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Every history file the plan's points read, as (path as written, copy
/// relative to the result folder), in order of first use: point by point,
/// the events file before the rollovers file.
pub fn names(plan: &Plan) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    for p in &plan.points {
        for (field, path) in fields(&p.scenario) {
            let Some(path) = path else { continue };
            if names.iter().any(|(q, _)| q == path) {
                continue;
            }
            let own = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("{}.csv", &field["history.".len()..]));
            let copy = unique(&names, &own);
            names.push((path.to_string(), copy));
        }
    }
    names
}

/// `history/NAME`, or `history/STEM-2.EXT`, ... if a copy has that name.
fn unique(taken: &[(String, String)], name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| match n {
            1 => format!("{DIR}/{name}"),
            n => format!("{DIR}/{stem}-{n}{ext}"),
        })
        .find(|c| !taken.iter().any(|(_, t)| t == c))
        .expect("a free name")
}

/// The copies of the plan's history files: their manifest entries and the
/// bytes the plan read and ran.
pub fn copies(plan: &Plan) -> Result<Vec<(HistoryCopy, Vec<u8>)>, ExperimentError> {
    let folder = scenario_folder(plan);
    names(plan)
        .into_iter()
        .map(|(path, copy)| {
            let file = folder.join(&path);
            let bytes = plan.history_files.bytes(&file).ok_or_else(|| {
                ExperimentError::BadArgument(format!(
                    "{}: the history file was not read with the scenario",
                    file.display()
                ))
            })?;
            let entry = HistoryCopy {
                path,
                copy,
                sha256: sha256_hex(bytes),
            };
            Ok((entry, bytes.to_vec()))
        })
        .collect()
}

/// The `(key, value)` of each `--set` that points a re-run of `s` from the
/// result folder at the copies (`names` is [`names`] of its plan).
pub fn rerun_sets(names: &[(String, String)], s: &Scenario) -> Vec<(&'static str, String)> {
    fields(s)
        .into_iter()
        .filter_map(|(key, path)| {
            let path = path?;
            let (_, copy) = names.iter().find(|(p, _)| p == path)?;
            Some((key, copy.clone()))
        })
        .collect()
}

/// Checks a manifest's copy entry: a file directly in [`DIR`].
pub fn check_entry(c: &HistoryCopy) -> Result<(), String> {
    let mut parts = Path::new(&c.copy).components();
    let ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(std::path::Component::Normal(d)), Some(std::path::Component::Normal(_)), None)
            if d == DIR
    );
    if ok {
        Ok(())
    } else {
        Err(format!(
            "history copy {:?} is not a file of the folder's {DIR}/",
            c.copy
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_keep_their_names_unless_two_share_one() {
        let mut taken = Vec::new();
        for name in [
            "events.csv",
            "events.csv",
            "events.csv",
            "rollovers",
            "rollovers",
        ] {
            let c = unique(&taken, name);
            taken.push((String::new(), c));
        }
        let copies: Vec<&str> = taken.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(
            copies,
            [
                "history/events.csv",
                "history/events-2.csv",
                "history/events-3.csv",
                "history/rollovers",
                "history/rollovers-2"
            ]
        );
    }

    #[test]
    fn entries_must_stay_in_the_history_folder() {
        let entry = |copy: &str| HistoryCopy {
            path: "x.csv".into(),
            copy: copy.into(),
            sha256: String::new(),
        };
        assert!(check_entry(&entry("history/events.csv")).is_ok());
        for bad in [
            "../x.csv",
            "history/../../x",
            "/etc/passwd",
            "events.csv",
            "history/a/b",
        ] {
            assert!(check_entry(&entry(bad)).is_err(), "{bad}");
        }
    }
}
