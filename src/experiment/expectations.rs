//! Checking a scenario's `[[expect]]` tables against the runs it made.
//!
//! Expectations describe the scenario file as written: its seed, its
//! replications, its flag values, a single point. [`not_checked`] says why a
//! command does not check them (a `--set`, a `--seed`, a `--vary`, a shard:
//! anything that changes which runs are made or what they are); `hmasim
//! run` then says so instead of failing. A file with both `[sweep]` and
//! expectations is refused ([`check_shape`]): each sweep point is another
//! scenario, and no single bound fits them all.
//!
//! [`evaluate`] works on the [`RunRow`]s a run already has (no CSV is read
//! back): a metric's mean over the runs of one flag value, the paired
//! saving's 95% confidence interval exactly as `compare.csv` computes it,
//! and a run's fingerprint.

use super::ExperimentError;
use super::compare;
use super::plan::{Plan, PlanRequest};
use super::row::{RunRow, fixed};
use super::sweep::Dimension;
use crate::metrics::stats::mean;
use crate::scenario::expect::{Check, Expectation};
use crate::scenario::{Diagnostics, Kind, Scenario, ScenarioError};

/// Refuses expectations in a file that sweeps (`[sweep]`): reported at the
/// first `[[expect]]`.
pub fn check_shape(
    base: &Scenario,
    file_dims: &[Dimension],
    text: &str,
    origin: &str,
) -> Result<(), ExperimentError> {
    let (Some(first), false) = (base.expect.first(), file_dims.is_empty()) else {
        return Ok(());
    };
    let d = crate::scenario::diagnostic::locate(
        crate::scenario::diagnostic::Pending {
            kind: Kind::Inconsistent,
            span: first.offset..first.offset + 1,
            field: Some("expect[0]".to_string()),
            message: "expectations are checked on one scenario, but [sweep] makes several"
                .to_string(),
            expected: Some(
                "expectations in a file without [sweep] (sweep it with --vary instead)".to_string(),
            ),
            suggestion: None,
        },
        text.as_bytes(),
        origin,
    );
    Err(ScenarioError::Invalid(Diagnostics::one(d)).into())
}

/// Why the runs of `request` are not the ones the expectations were written
/// for, if they are not: the command-line options that change them.
pub fn not_checked(request: &PlanRequest) -> Option<String> {
    let mut why = Vec::new();
    if !request.sets.is_empty() {
        why.push("--set");
    }
    if !request.varies.is_empty() {
        why.push("--vary");
    }
    if request.seed.is_some() {
        why.push("--seed");
    }
    if request.replications.is_some() {
        why.push("--replications");
    }
    if request.replication.is_some() {
        why.push("--replication");
    }
    if request.read_session.is_some() {
        why.push("--read-session");
    }
    if request.shard.is_some() {
        why.push("--shard");
    }
    // Fast-forward agrees with exact mode in distribution, not event for
    // event: fingerprints and tight margins were written for exact runs.
    if request.fast_forward {
        why.push("--fast-forward");
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// How one expectation came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It holds.
    Pass,
    /// It does not hold.
    Fail,
    /// The runs it is about were not made (a shard, `--replication`).
    Skipped,
}

/// One checked expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Line of its `[[expect]]` table in the scenario file.
    pub line: usize,
    /// What it checks (`user_minutes (read_session false)`).
    pub name: String,
    /// The bound, as written (`<= 500`, `>= 100`, `= 9f3c...`).
    pub bound: String,
    /// Pass, fail or skipped.
    pub verdict: Verdict,
    /// What was measured, and for a failure why it fails.
    pub detail: String,
}

/// A bound as written in the file (`500`, `12.5`).
fn num(x: f64) -> String {
    format!("{x}")
}

fn bound(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("in [{}, {}]", num(lo), num(hi)),
        (Some(lo), None) => format!(">= {}", num(lo)),
        (None, Some(hi)) => format!("<= {}", num(hi)),
        (None, None) => String::new(),
    }
}

/// A measured value: whole numbers (counts, means of equal counts) without
/// decimals, others with three.
fn show(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        fixed(x)
    }
}

/// Whether `x` is within the bounds, and if not, which one it breaks.
fn within(x: f64, min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    if let Some(lo) = min
        && x < lo
    {
        return Err(format!("{} < min {}", show(x), num(lo)));
    }
    if let Some(hi) = max
        && x > hi
    {
        return Err(format!("{} > max {}", show(x), num(hi)));
    }
    Ok(())
}

/// Checks every expectation of `expect` against `rows` (the runs of one
/// point, in run order); `text` is the scenario file, for line numbers.
pub fn evaluate(expect: &[Expectation], rows: &[RunRow], text: &str) -> Vec<Outcome> {
    expect.iter().map(|e| outcome(e, rows, text)).collect()
}

fn outcome(e: &Expectation, rows: &[RunRow], text: &str) -> Outcome {
    let line = crate::scenario::Location::of_offset("", text, e.offset).line;
    let (bound, verdict, detail) = check(&e.check, rows);
    Outcome {
        line,
        name: e.check.name(),
        bound,
        verdict,
        detail,
    }
}

/// Checks the expectations of `plan`'s scenario against `rows` (all its
/// runs, in run order): one that names a variant against that variant's
/// runs only (skipped when `--variant` left it out), the others against
/// all of them (a plan without variants has one point).
pub fn evaluate_plan(plan: &Plan, rows: &[RunRow]) -> Vec<Outcome> {
    let text = &plan.scenario_text;
    plan.base
        .expect
        .iter()
        .map(|e| {
            let Some((name, _)) = &e.variant else {
                return outcome(e, rows, text);
            };
            let point = plan
                .points
                .iter()
                .find(|p| p.variant.as_ref().is_some_and(|v| &v.name == name));
            let mut o = match point {
                Some(p) => {
                    let of: Vec<RunRow> = rows
                        .iter()
                        .filter(|r| r.point == p.index)
                        .copied()
                        .collect();
                    outcome(e, &of, text)
                }
                None => Outcome {
                    verdict: Verdict::Skipped,
                    detail: format!("variant {name} was not run (--variant)"),
                    ..outcome(e, &[], text)
                },
            };
            o.name = format!("{} of variant {name}", o.name);
            o
        })
        .collect()
}

fn check(c: &Check, rows: &[RunRow]) -> (String, Verdict, String) {
    match *c {
        Check::Metric {
            metric,
            read_session,
            min,
            max,
        } => {
            let values: Vec<f64> = rows
                .iter()
                .filter(|r| r.id.read_session == read_session)
                .map(|r| r.metric(metric))
                .collect();
            let b = bound(min, max);
            let Some(m) = mean(&values) else {
                return (
                    b,
                    Verdict::Skipped,
                    format!("no read_session {read_session} run was made"),
                );
            };
            let of = match values.len() {
                1 => "one run".to_string(),
                n => format!("mean of {n} runs"),
            };
            match within(m, min, max) {
                Ok(()) => (b, Verdict::Pass, format!("{} ({of})", show(m))),
                Err(why) => (b, Verdict::Fail, format!("{why} ({of})")),
            }
        }
        Check::Saving { saving, min, max } => {
            let b = bound(min, max).replacen("in", "95% CI in", 1);
            let b = if b.starts_with('>') {
                format!("95% CI low {b}")
            } else if b.starts_with('<') {
                format!("95% CI high {b}")
            } else {
                b
            };
            let Some(paired) = compare::paired(rows) else {
                return (
                    b,
                    Verdict::Skipped,
                    "no flag off/on pair was run".to_string(),
                );
            };
            let s = &paired.differences[saving];
            let Some((lo, hi)) = s.ci95 else {
                return (
                    b,
                    Verdict::Skipped,
                    format!("{} pair: no confidence interval", paired.pairs),
                );
            };
            let mean = s.mean.unwrap_or(0.0);
            let measured = format!(
                "mean {}, 95% CI {}..{} ({} pairs)",
                fixed(mean),
                fixed(lo),
                fixed(hi),
                paired.pairs
            );
            let low = within(lo, min, None).map_err(|w| format!("CI low {w}"));
            let high = within(hi, None, max).map_err(|w| format!("CI high {w}"));
            match low.and(high) {
                Ok(()) => (b, Verdict::Pass, measured),
                Err(why) => (b, Verdict::Fail, format!("{why}: {measured}")),
            }
        }
        Check::Fingerprint {
            fingerprint,
            seed,
            replication,
            read_session,
        } => {
            let b = format!("= {fingerprint:016x}");
            let row = rows.iter().find(|r| {
                r.id.seed == seed
                    && r.id.replication == replication
                    && r.id.read_session == read_session
            });
            match row {
                None => (b, Verdict::Skipped, "that run was not made".to_string()),
                Some(r) if r.fingerprint == fingerprint => {
                    (b, Verdict::Pass, format!("{:016x}", r.fingerprint))
                }
                Some(r) => (
                    b,
                    Verdict::Fail,
                    format!(
                        "{:016x}: the run processed other events (or the same at other instants)",
                        r.fingerprint
                    ),
                ),
            }
        }
    }
}

/// Counts of passed, failed and skipped outcomes.
pub fn counts(outcomes: &[Outcome]) -> (usize, usize, usize) {
    let n = |v| outcomes.iter().filter(|o| o.verdict == v).count();
    (n(Verdict::Pass), n(Verdict::Fail), n(Verdict::Skipped))
}

/// One line per outcome: `  pass  s.toml:40  user_minutes (read_session false) <= 500: 412.350 (mean of 5 runs)`.
pub fn lines(outcomes: &[Outcome], origin: &str) -> String {
    let mut out = String::new();
    for o in outcomes {
        let word = match o.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "skip",
        };
        out.push_str(&format!(
            "  {word}  {origin}:{}  {} {}: {}\n",
            o.line, o.name, o.bound, o.detail
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RunId;

    fn row(replication: u32, read_session: bool, windows: u64, fingerprint: u64) -> RunRow {
        let mut counts = [0; 11];
        counts[4] = windows;
        RunRow {
            index: 0,
            point: 0,
            id: RunId {
                seed: 1,
                replication,
                read_session,
            },
            counts,
            episode_ms_total: 60_000 * windows,
            events: 0,
            fingerprint,
        }
    }

    fn expectation(check: Check) -> Expectation {
        Expectation {
            offset: 0,
            variant: None,
            check,
        }
    }

    #[test]
    fn bounds_on_means_savings_and_fingerprints() {
        // windows off: 4, 6 (mean 5); on: 1, 1. Savings 3 and 5: mean 4,
        // sd sqrt(2), CI 4 -+ 12.706 * sqrt(2) / sqrt(2) = 4 -+ 12.706.
        let rows = [
            row(0, false, 4, 10),
            row(0, true, 1, 11),
            row(1, false, 6, 12),
            row(1, true, 1, 13),
        ];
        let checks = [
            Check::Metric {
                metric: 4,
                read_session: false,
                min: Some(5.0),
                max: Some(5.0),
            },
            Check::Metric {
                metric: 11,
                read_session: true,
                min: None,
                max: Some(0.5),
            },
            Check::Saving {
                saving: 4,
                min: Some(-9.0),
                max: None,
            },
            Check::Saving {
                saving: 4,
                min: Some(-8.0),
                max: Some(100.0),
            },
            Check::Fingerprint {
                fingerprint: 12,
                seed: 1,
                replication: 1,
                read_session: false,
            },
            Check::Fingerprint {
                fingerprint: 12,
                seed: 1,
                replication: 1,
                read_session: true,
            },
            Check::Fingerprint {
                fingerprint: 12,
                seed: 1,
                replication: 2,
                read_session: true,
            },
        ];
        let e: Vec<Expectation> = checks.into_iter().map(expectation).collect();
        let out = evaluate(&e, &rows, "");
        let verdicts: Vec<Verdict> = out.iter().map(|o| o.verdict).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Pass, Fail, Pass, Fail, Pass, Fail, Skipped]);
        assert_eq!(out[0].detail, "5 (mean of 2 runs)");
        assert_eq!(out[1].detail, "1 > max 0.5 (mean of 2 runs)");
        assert_eq!(out[2].bound, "95% CI low >= -9");
        assert_eq!(
            out[3].detail,
            "CI low -8.706 < min -8: mean 4.000, 95% CI -8.706..16.706 (2 pairs)"
        );
        assert_eq!(out[5].bound, "= 000000000000000c");
        assert_eq!(counts(&out), (3, 3, 1));
        // One flag value only: the saving cannot be computed, the other flag is not there.
        let only_off = [row(0, false, 4, 10)];
        let out = evaluate(&e[1..3], &only_off, "");
        assert_eq!(out[0].verdict, Skipped);
        assert_eq!(out[1].verdict, Skipped);
    }

    #[test]
    fn command_line_changes_are_named() {
        assert_eq!(not_checked(&PlanRequest::default()), None);
        let r = PlanRequest {
            seed: Some(3),
            sets: vec!["a.b=1".into()],
            ..PlanRequest::default()
        };
        assert_eq!(not_checked(&r).as_deref(), Some("--set, --seed"));
    }
}
