//! Refuses, before anything runs, a plan with a run that would publish more
//! key rollovers than a run can hold.
//!
//! Key sets are 128-bit masks (`model::keys`): one instruction per
//! membership test on every request. Rather than widen them on that path,
//! the plan uses that a run's rollover schedule depends only on the issuer's
//! parameters and the `issuer.rollover` stream of (seed, replication): it is
//! computed here for every run of the plan (once per point when there are
//! no emergency rollovers, whose draws are the only random part), so that
//! `validate`, `list-runs` and `run` all refuse such a scenario with exit 2,
//! naming the field that makes the rollovers and the seed and replication,
//! instead of `validate` accepting it and `run` failing.

use super::ExperimentError;
use super::overrides;
use super::plan::{Plan, Point};
use crate::engine::StreamSeed;
use crate::engine::time::format_duration;
use crate::model::issuer::{self, RolloverCount};
use crate::model::keys::MAX_ROLLOVERS;
use crate::scenario::{self, Diagnostic, Diagnostics, Kind, Location, ScenarioError};

/// Checks every run of `plan` (see the module documentation).
pub fn check(plan: &Plan) -> Result<(), ExperimentError> {
    for point in &plan.points {
        let s = &point.scenario;
        let replications = match plan.request.replication {
            Some(r) => r..r + 1,
            None => 0..s.simulation.replications,
        };
        let random = issuer::schedule_is_random(&s.issuer);
        for replication in replications {
            let seed = StreamSeed {
                seed: s.simulation.seed,
                replication,
            };
            let count =
                issuer::rollovers_before(&s.issuer, seed, s.simulation.horizon, MAX_ROLLOVERS + 1);
            if count.total() > MAX_ROLLOVERS {
                return Err(too_many(plan, point, replication, count));
            }
            if !random {
                break;
            }
        }
    }
    Ok(())
}

/// The error: at the field that makes most of the rollovers, in the file or
/// the argument that set it.
fn too_many(plan: &Plan, point: &Point, replication: u32, c: RolloverCount) -> ExperimentError {
    let s = &point.scenario;
    let text = &plan.scenario_text;
    let origin = plan.request.scenario.display().to_string();
    let source = if c.emergency >= c.periodic.max(c.explicit) {
        "issuer.emergency_rate"
    } else if c.periodic >= c.explicit {
        "issuer.rollover_every"
    } else {
        "issuer.rollover"
    };
    // A field left at its default is not written: the horizon is.
    let set_by = |field: &str| argument_for(plan, point, field);
    let field = if set_by(source).is_some() || scenario::is_written(text, source) {
        source
    } else {
        "simulation.horizon"
    };
    let seed = match plan.request.seed {
        Some(seed) => format!("--seed {seed}"),
        None => format!("seed {}", s.simulation.seed),
    };
    let replication = match plan.request.replications {
        Some(n) => format!("replication {replication} (of --replications {n})"),
        None => format!("replication {replication}"),
    };
    let horizon = match set_by("simulation.horizon") {
        Some((what, _)) => format!("{}, from {what}", format_duration(s.simulation.horizon)),
        None => format_duration(s.simulation.horizon),
    };
    let point_text = match &point.variant {
        Some(v) => format!("variant {}, ", v.name),
        None if plan.is_sweep() => format!("sweep point {}, ", point.index),
        None => String::new(),
    };
    let mut d = Diagnostic {
        kind: Kind::Limit,
        at: Location {
            file: origin.clone(),
            line: 1,
            column: 1,
        },
        span: 0..0,
        field: Some(field.to_string()),
        message: format!(
            "{point_text}{seed}, {replication} publishes more than {MAX_ROLLOVERS} key rollovers before the horizon ({horizon}): among the first {}, {} emergency, {} periodic, {} explicit; a run holds at most {MAX_ROLLOVERS}",
            c.total(),
            c.emergency,
            c.periodic,
            c.explicit,
        ),
        expected: Some(format!(
            "at most {MAX_ROLLOVERS} rollovers per run: lower issuer.emergency_rate, lengthen issuer.rollover_every, list fewer [[issuer.rollover]] or shorten simulation.horizon"
        )),
        suggestion: None,
        source_line: None,
    };
    scenario::relocate(std::slice::from_mut(&mut d), text, &origin);
    let error = ScenarioError::Invalid(Diagnostics::one(d));
    match set_by(field) {
        Some((what, key)) => ExperimentError::OverrideInvalid {
            what,
            key,
            error: Box::new(error),
        },
        None => error.into(),
    }
}

/// The `--set` or sweep value that set `field` at `point`, as the user wrote
/// it, and its key.
fn argument_for(plan: &Plan, point: &Point, field: &str) -> Option<(String, String)> {
    // A variant's entry wins over `--set` of the same key.
    if let Some(v) = &point.variant
        && let Some(e) = v.sets.iter().find(|e| e.key == field)
    {
        let at = crate::scenario::Location::of_offset(
            &plan.request.scenario.display().to_string(),
            &plan.scenario_text,
            e.value_span.start,
        );
        return Some((
            format!("{at}: variant {} sets {}", v.name, e.to_arg()),
            e.key.clone(),
        ));
    }
    // `--set` wins over a sweep value of the same key (it removes the dimension).
    if let Some(o) = plan.sets.iter().rev().find(|o| o.key == field) {
        return Some((format!("--set {}", o.to_arg()), o.key.clone()));
    }
    plan.dims
        .iter()
        .zip(&point.values)
        .find(|(d, _)| d.key == field)
        .map(|(d, v)| {
            (
                format!(
                    "{} value {} (sweep point {})",
                    d.source,
                    overrides::display_value(v),
                    point.index
                ),
                d.key.clone(),
            )
        })
}
