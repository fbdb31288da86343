//! `[[expect]]`: what the results of the scenario must be, checked after a
//! run (`hmasim run`, `hmasim test`; `crate::experiment::expectations`).
//!
//! ```toml
//! [[expect]]                 # the mean over replications of a runs.csv metric
//! metric = "user_minutes"
//! read_session = false       # which runs (required when both flag values run)
//! max = 500                  # and/or min
//!
//! [[expect]]                 # the paired saving off - on (compare.csv)
//! saving = "user_minutes"
//! min = 100                  # the lower end of its 95% CI; max: the upper end
//!
//! [[expect]]                 # one seeded run, event for event
//! fingerprint = "9f3c0a5b1e2d4c68"
//! seed = 1                   # default simulation.seed
//! replication = 0            # default 0
//! read_session = false
//!
//! [[expect]]                 # in a file with [[variant]] tables: the runs of one
//! variant = "flag"           # variant (checked by the experiment layer, which
//! metric = "user_minutes"    # knows the variants)
//! read_session = true
//! max = 100
//! ```
//!
//! Every expectation is checked here against the rest of the file, so that
//! one that could never be checked (a flag value that does not run, a seed
//! the plan does not run, a saving with one replication) is an error with
//! its line and column rather than a failure after an hour of runs.

use super::file::{FieldPath, RawExpect, RawScenario, RawValue};
use super::resolved::{Org, ReadSessionChoice, Simulation};
use super::validate::{Cx, R, push};
use super::{Kind, suggest};
use serde::Serialize;
use toml::Spanned;

/// The metrics an expectation may name: the columns of `runs.csv` from
/// `requests` to `user_minutes`, those `compare.csv` has (a test keeps this
/// equal to `crate::experiment::row::METRICS`).
pub const METRICS: [&str; 12] = [
    "requests",
    "accepted",
    "rejected",
    "unavailable",
    "windows",
    "window_ms_total",
    "window_ms_max",
    "window_ms_p50",
    "window_ms_p95",
    "users_affected",
    "episodes",
    "user_minutes",
];

/// One `[[expect]]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expectation {
    /// Byte offset of the table in the scenario file (its line is shown in
    /// reports); not part of the resolved scenario.
    #[serde(skip)]
    pub offset: usize,
    /// The `[[variant]]` whose runs it is about, by name, and the byte
    /// offset of that name in the file (for errors).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "variant_name"
    )]
    pub variant: Option<(String, usize)>,
    /// What is checked.
    #[serde(flatten)]
    pub check: Check,
}

/// A variant as its name (in the manifest's resolved scenario).
fn variant_name<S: serde::Serializer>(
    v: &Option<(String, usize)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some((name, _)) => s.serialize_str(name),
        None => s.serialize_none(),
    }
}

/// What an expectation checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", untagged)]
pub enum Check {
    /// The mean of a metric over the runs of one flag value, within bounds.
    Metric {
        /// Index into [`METRICS`].
        #[serde(serialize_with = "metric_name")]
        metric: usize,
        /// Which runs.
        read_session: bool,
        /// Lowest allowed mean.
        min: Option<f64>,
        /// Highest allowed mean.
        max: Option<f64>,
    },
    /// The paired saving (flag off minus flag on) of a metric: its 95% CI's
    /// lower end at least `min`, its upper end at most `max`.
    Saving {
        /// Index into [`METRICS`].
        #[serde(serialize_with = "metric_name")]
        saving: usize,
        /// Lowest allowed lower end of the CI.
        min: Option<f64>,
        /// Highest allowed upper end of the CI.
        max: Option<f64>,
    },
    /// The fingerprint of one run.
    Fingerprint {
        /// The expected fingerprint.
        fingerprint: u64,
        /// The run's seed.
        seed: u64,
        /// The run's replication.
        replication: u32,
        /// The run's flag value.
        read_session: bool,
    },
}

impl Check {
    /// A short name for reports: `user_minutes (read_session false)`,
    /// `saving user_minutes`, `fingerprint (seed 1, replication 0, read_session false)`.
    pub fn name(&self) -> String {
        match self {
            Check::Metric {
                metric,
                read_session,
                ..
            } => format!("{} (read_session {read_session})", METRICS[*metric]),
            Check::Saving { saving, .. } => format!("saving {}", METRICS[*saving]),
            Check::Fingerprint {
                seed,
                replication,
                read_session,
                ..
            } => format!(
                "fingerprint (seed {seed}, replication {replication}, read_session {read_session})"
            ),
        }
    }
}

/// A metric index as its name (in the manifest's resolved scenario).
fn metric_name<S: serde::Serializer>(m: &usize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(METRICS[*m])
}

impl Cx {
    /// Every `[[expect]]`, checked against the (valid) simulation and org.
    pub(super) fn expectations(
        &self,
        raw: &RawScenario,
        sim: Option<&Simulation>,
        org: Option<&Org>,
    ) -> R<Vec<Expectation>> {
        let list = raw.expect.as_deref().unwrap_or_default();
        let mut out = Ok(Vec::with_capacity(list.len()));
        for (n, e) in list.iter().enumerate() {
            push(&mut out, self.expectation(n, e, sim, org));
        }
        out
    }

    fn expectation(
        &self,
        n: usize,
        table: &Spanned<RawExpect>,
        sim: Option<&Simulation>,
        org: Option<&Org>,
    ) -> R<Expectation> {
        let base: FieldPath<'_> = "expect".into();
        let item = FieldPath::Index(&base, n);
        let p = |k: &'static str| FieldPath::Key(&item, k);
        let e = table.get_ref();
        let header = table.span().start..table.span().start + 1;
        let written: Vec<(&str, &Spanned<RawValue>)> = [
            ("metric", &e.metric),
            ("saving", &e.saving),
            ("fingerprint", &e.fingerprint),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let (kind, value) = match written.as_slice() {
            [] => {
                return Err(self.report(
                    Kind::Missing,
                    header,
                    item,
                    "an expectation needs one of metric, saving or fingerprint".to_string(),
                    Some(
                        "metric = \"user_minutes\", saving = \"user_minutes\" or fingerprint = \"<16 hex digits>\""
                            .to_string(),
                    ),
                    None,
                ));
            }
            [one] => *one,
            [first, second, ..] => {
                return Err(self.inconsistent(
                    p(second.0),
                    Some(second.1.span()),
                    format!(
                        "an expectation checks one thing; this one has {} and {}",
                        first.0, second.0
                    ),
                    "one [[expect]] table for each of metric, saving and fingerprint",
                ));
            }
        };
        // Keys that belong to other kinds of expectation.
        let allowed: &[&str] = match kind {
            "metric" => &["read_session", "min", "max"],
            "saving" => &["min", "max"],
            _ => &["read_session", "seed", "replication"],
        };
        let mut stray = Ok(());
        for (key, v) in [
            ("read_session", &e.read_session),
            ("min", &e.min),
            ("max", &e.max),
            ("seed", &e.seed),
            ("replication", &e.replication),
        ] {
            if let Some(v) = v
                && !allowed.contains(&key)
            {
                stray = Err(self.inconsistent(
                    p(key),
                    Some(v.span()),
                    format!("a {kind} expectation takes no {key}"),
                    &format!("with {kind}: {}", allowed.join(", ")),
                ));
            }
        }
        let check = match kind {
            "metric" => {
                let metric = self.metric(p("metric"), value);
                let read_session = self.flag(p("read_session"), &e.read_session, &header, org);
                let (min, max) = self.bounds(&p, e, &header)?;
                Check::Metric {
                    metric: metric?,
                    read_session: read_session?,
                    min,
                    max,
                }
            }
            "saving" => {
                let saving = self.metric(p("saving"), value);
                let mut paired = Ok(());
                if let Some(org) = org
                    && org.read_session != ReadSessionChoice::Both
                {
                    paired = Err(self.inconsistent(
                        p("saving"),
                        Some(value.span()),
                        "a saving compares flag off with flag on, but only one flag value runs"
                            .to_string(),
                        "org.read_session = \"both\"",
                    ));
                }
                if let Some(sim) = sim
                    && sim.replications < 2
                {
                    paired = Err(self.inconsistent(
                        p("saving"),
                        Some(value.span()),
                        format!(
                            "a 95% confidence interval needs at least 2 replications; simulation.replications = {}",
                            sim.replications
                        ),
                        "simulation.replications >= 2",
                    ));
                }
                let (min, max) = self.bounds(&p, e, &header)?;
                paired?;
                Check::Saving {
                    saving: saving?,
                    min,
                    max,
                }
            }
            _ => {
                let fingerprint = self.fingerprint(p("fingerprint"), value);
                let read_session = self.flag(p("read_session"), &e.read_session, &header, org);
                let seed = match (&e.seed, sim) {
                    (None, Some(sim)) => Ok(sim.seed),
                    (None, None) => Ok(0),
                    (Some(v), sim) => {
                        let seed = self
                            .integer(p("seed"), v, 0, i64::MAX.into())
                            .map(|s| s as u64)?;
                        match sim {
                            Some(sim) if sim.seed != seed => Err(self.inconsistent(
                                p("seed"),
                                Some(v.span()),
                                format!("seed {seed} never runs: simulation.seed = {}", sim.seed),
                                &format!("seed = {} (simulation.seed), or no seed", sim.seed),
                            )),
                            _ => Ok(seed),
                        }
                    }
                };
                let replication = match (&e.replication, sim) {
                    (None, _) => Ok(0),
                    (Some(v), Some(sim)) => self
                        .integer(p("replication"), v, 0, i128::from(sim.replications) - 1)
                        .map(|r| r as u32),
                    (Some(v), None) => self
                        .integer(p("replication"), v, 0, u32::MAX.into())
                        .map(|r| r as u32),
                };
                Check::Fingerprint {
                    fingerprint: fingerprint?,
                    seed: seed?,
                    replication: replication?,
                    read_session: read_session?,
                }
            }
        };
        let variant = match &e.variant {
            None => None,
            Some(v) => match v.get_ref() {
                RawValue::String(name) => Some((name.clone(), v.span().start)),
                _ => return Err(self.wrong_type(p("variant"), v, "the name of a [[variant]]")),
            },
        };
        stray?;
        Ok(Expectation {
            offset: table.span().start,
            variant,
            check,
        })
    }

    fn metric(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<usize> {
        let expected = || format!("one of {}", METRICS.join(", "));
        match v.get_ref() {
            RawValue::String(s) => METRICS.iter().position(|m| m == s).ok_or_else(|| {
                self.report(
                    Kind::BadValue,
                    v.span(),
                    path,
                    format!("{s:?} is not a metric of runs.csv"),
                    Some(expected()),
                    suggest::closest(s, METRICS.iter().copied()).map(|m| format!("\"{m}\"")),
                )
            }),
            _ => Err(self.wrong_type(path, v, &expected())),
        }
    }

    /// `read_session` of a metric or fingerprint expectation: a value that
    /// runs; required when both do.
    fn flag(
        &self,
        path: FieldPath<'_>,
        v: &Option<Spanned<RawValue>>,
        header: &std::ops::Range<usize>,
        org: Option<&Org>,
    ) -> R<bool> {
        let runs = org.map_or(ReadSessionChoice::Both, |o| o.read_session);
        let Some(v) = v else {
            return match runs {
                ReadSessionChoice::Off => Ok(false),
                ReadSessionChoice::On => Ok(true),
                ReadSessionChoice::Both => Err(self.report(
                    Kind::Missing,
                    header.clone(),
                    path,
                    "both flag values run: say which runs this expectation is about".to_string(),
                    Some("read_session = false or read_session = true".to_string()),
                    None,
                )),
            };
        };
        let flag = self.boolean(path, v)?;
        if !runs.values().contains(&flag) {
            return Err(self.inconsistent(
                path,
                Some(v.span()),
                format!(
                    "read_session = {flag} never runs: org.read_session = {}",
                    !flag
                ),
                &format!("read_session = {}, or org.read_session = \"both\"", !flag),
            ));
        }
        Ok(flag)
    }

    /// `min` and `max`: finite numbers, at least one, `min <= max`.
    fn bounds<'p>(
        &self,
        p: &impl Fn(&'static str) -> FieldPath<'p>,
        e: &RawExpect,
        header: &std::ops::Range<usize>,
    ) -> R<(Option<f64>, Option<f64>)> {
        let number = |key: &'static str, v: &Option<Spanned<RawValue>>| -> R<Option<f64>> {
            let Some(v) = v else { return Ok(None) };
            let x = match v.get_ref() {
                RawValue::Integer(i) => *i as f64,
                RawValue::Float(x) if x.is_finite() => *x,
                RawValue::HugeInteger(s) => {
                    return Err(self.out_of_range(
                        p(key),
                        v.span(),
                        format!("{s} is beyond TOML's 64-bit integers"),
                        "a finite number, e.g. 500 or 12.5; integers within ±2^63",
                    ));
                }
                _ => return Err(self.wrong_type(p(key), v, "a finite number, e.g. 500 or 12.5")),
            };
            Ok(Some(x))
        };
        let min = number("min", &e.min);
        let max = number("max", &e.max);
        let (min, max) = (min?, max?);
        match (min, max, &e.max) {
            (None, None, _) => Err(self.report(
                Kind::Missing,
                header.clone(),
                p("max"),
                "an expectation needs a bound".to_string(),
                Some("min = N, max = N, or both".to_string()),
                None,
            )),
            (Some(lo), Some(hi), Some(v)) if lo > hi => Err(self.report(
                Kind::MinGreaterThanMax,
                v.span(),
                p("max"),
                format!("max {hi} is below min {lo}"),
                Some("min <= max".to_string()),
                None,
            )),
            _ => Ok((min, max)),
        }
    }

    fn fingerprint(&self, path: FieldPath<'_>, v: &Spanned<RawValue>) -> R<u64> {
        let expected = "16 hexadecimal digits, as in the fingerprint column of runs.csv";
        match v.get_ref() {
            RawValue::String(s) if s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(u64::from_str_radix(s, 16).expect("16 hex digits fit in 64 bits"))
            }
            RawValue::String(s) => Err(self.bad(
                path,
                v.span(),
                format!("{s:?} is not a fingerprint"),
                expected,
            )),
            _ => Err(self.wrong_type(path, v, expected)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    const HEAD: &str = "[simulation]\nname = \"x\"\nhorizon = \"1h\"\nreplications = 3\n";

    fn errors(extra: &str) -> Vec<String> {
        match parse_str(&format!("{HEAD}{extra}"), "s.toml") {
            Ok(_) => Vec::new(),
            Err(e) => e.diagnostics().iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn metric_names_are_those_of_runs_csv() {
        assert_eq!(METRICS, crate::experiment::row::METRICS);
    }

    #[test]
    fn valid_expectations_resolve() {
        let s = parse_str(
            &format!(
                "{HEAD}[[expect]]\nmetric = \"user_minutes\"\nread_session = false\nmax = 500\n\
                 [[expect]]\nsaving = \"windows\"\nmin = 1.5\n\
                 [[expect]]\nfingerprint = \"00000000000000FF\"\nreplication = 2\nread_session = true\n"
            ),
            "s.toml",
        )
        .unwrap();
        let checks: Vec<&Check> = s.expect.iter().map(|e| &e.check).collect();
        assert_eq!(
            checks,
            [
                &Check::Metric {
                    metric: 11,
                    read_session: false,
                    min: None,
                    max: Some(500.0)
                },
                &Check::Saving {
                    saving: 4,
                    min: Some(1.5),
                    max: None
                },
                &Check::Fingerprint {
                    fingerprint: 255,
                    seed: 1,
                    replication: 2,
                    read_session: true
                },
            ]
        );
        assert_eq!(s.expect[0].offset, HEAD.len());
    }

    #[test]
    fn every_mistake_is_named_with_its_place() {
        let e = errors(
            "[[expect]]\nmetric = \"user_minute\"\nread_session = false\nmax = 1\n\
             [[expect]]\nmetric = \"windows\"\nmax = 1\n\
             [[expect]]\nfingerprint = \"xyz\"\nseed = 2\nread_session = false\n\
             [[expect]]\nsaving = \"windows\"\nmin = 5\nmax = 1\nseed = 1\n",
        );
        assert_eq!(e.len(), 6, "{e:#?}");
        assert_eq!(
            e[0],
            "s.toml:6:10: expect[0].metric: \"user_minute\" is not a metric of runs.csv; did you mean \"user_minutes\"?"
        );
        assert!(
            e[1].starts_with("s.toml:9:1: expect[1].read_session: both flag values run"),
            "{}",
            e[1]
        );
        assert!(
            e[2].starts_with("s.toml:13:15: expect[2].fingerprint: \"xyz\" is not a fingerprint"),
            "{}",
            e[2]
        );
        assert!(
            e[3].starts_with("s.toml:14:8: expect[2].seed: seed 2 never runs: simulation.seed = 1"),
            "{}",
            e[3]
        );
        assert!(
            e[4].starts_with("s.toml:19:7: expect[3].max: max 1 is below min 5"),
            "{}",
            e[4]
        );
        assert!(
            e[5].starts_with("s.toml:20:8: expect[3].seed: a saving expectation takes no seed"),
            "{}",
            e[5]
        );
    }

    #[test]
    fn what_could_never_be_checked_is_refused() {
        let e = errors(
            "[org]\nread_session = false\n[[expect]]\nsaving = \"windows\"\nmin = 0\n\
             [[expect]]\nmetric = \"windows\"\nread_session = true\nmax = 0\n\
             [[expect]]\nfingerprint = \"0000000000000000\"\nreplication = 3\n\
             [[expect]]\nmetric = \"windows\"\n\
             [[expect]]\nmetric = \"windows\"\nsaving = \"windows\"\nmin = 0\n",
        );
        assert_eq!(e.len(), 5, "{e:#?}");
        assert!(
            e[0].contains("expect[0].saving: a saving compares flag off with flag on"),
            "{}",
            e[0]
        );
        assert!(
            e[1].contains("expect[1].read_session: read_session = true never runs"),
            "{}",
            e[1]
        );
        assert!(
            e[2].contains(
                "expect[2].replication: 3 is out of range (expected: an integer in 0..=2)"
            ),
            "{}",
            e[2]
        );
        assert!(
            e[3].contains("expect[3].max: an expectation needs a bound"),
            "{}",
            e[3]
        );
        assert!(
            e[4].contains("expect[4].saving: an expectation checks one thing"),
            "{}",
            e[4]
        );
        let one = parse_str(
            "[simulation]\nname = \"x\"\nhorizon = \"1h\"\n[[expect]]\nsaving = \"windows\"\nmin = 0\n",
            "s.toml",
        )
        .unwrap_err();
        assert!(
            one.to_string().contains("needs at least 2 replications"),
            "{one}"
        );
    }
}
