//! Parallel-replication benchmark: the same 8 runs with `--jobs 1` and
//! `--jobs 2` (large-org, 1 day, 4 replications, flag off and on).
//!
//! `cargo bench --bench replications` runs 1, 2, 1, 2 jobs, prints every wall
//! time and the speed-up of the best of each (this machine is a shared VM:
//! single timings vary), and checks that all give the same outputs. Set
//! `HMASIM_BENCH_SCENARIO`, `HMASIM_BENCH_HORIZON` or
//! `HMASIM_BENCH_REPLICATIONS` to change the workload.

use hmasim::experiment::plan::enumerate_runs;
use hmasim::experiment::runner::{RunnerOptions, run_all};
use hmasim::experiment::{Plan, PlanRequest};
use std::time::Instant;

fn main() {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let request = PlanRequest {
        scenario: env("HMASIM_BENCH_SCENARIO", "scenarios/large-org.toml").into(),
        sets: vec![format!(
            "simulation.horizon={}",
            env("HMASIM_BENCH_HORIZON", "1d")
        )],
        replications: env("HMASIM_BENCH_REPLICATIONS", "4").parse().ok(),
        ..PlanRequest::default()
    };
    let plan = match Plan::build(request) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runs = enumerate_runs(&plan.point_entries(), None);
    let mut best = [f64::INFINITY; 2];
    let mut outputs = Vec::new();
    for jobs in [1, 2, 1, 2] {
        let start = Instant::now();
        let options = RunnerOptions {
            jobs: Some(jobs),
            ..RunnerOptions::default()
        };
        let (output, stats) = run_all(&plan, &runs, options).expect("benchmark runs");
        let wall = start.elapsed().as_secs_f64();
        println!(
            "--jobs {jobs}: {} runs, {} events, {wall:.2} s, {:.1} M events/s",
            runs.len(),
            stats.events,
            stats.events as f64 / wall / 1e6
        );
        best[jobs - 1] = best[jobs - 1].min(wall);
        outputs.push(output);
    }
    assert!(
        outputs.iter().all(|o| *o == outputs[0]),
        "--jobs 1 and --jobs 2 gave different outputs"
    );
    println!(
        "best of two: --jobs 1 {:.2} s, --jobs 2 {:.2} s, speed-up {:.2}x (outputs identical)",
        best[0],
        best[1],
        best[0] / best[1]
    );
}
