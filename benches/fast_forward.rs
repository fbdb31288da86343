//! Fast-forward benchmark (issue 12): what skipping quiet time saves on a
//! year with a rollover every 42 days.
//!
//! `cargo bench --bench fast_forward` runs `scenarios/large-org.toml`
//! (16 servers x 4 app pools, managed-availability recycles every 6 hours)
//! with `simulation.horizon=365d` and `issuer.rollover_every=42d`:
//! - case 0: 20,000 users, a request a minute, flag off, one thread: exact
//!   mode, then fast-forward; prints both times and the speed-up;
//! - case 1: 1,000,000 users, a request every 30 s, fast-forward, both flag
//!   values on two threads at once (as `hmasim run` would on the 2-core
//!   machine): prints the wall time of the pair.
//!
//! Each prints wall and CPU time (this machine is shared: the CPU time of
//! the thread leaves out the time other processes held the core) and the
//! share of the horizon fast-forwarded. `HMASIM_BENCH_CASES=1` runs only
//! some cases. The exact run of case 0 takes minutes (10 billion requests).

use hmasim::experiment::{Plan, PlanRequest};
use hmasim::metrics::{RunId, RunResult};
use hmasim::model::{self, RunOptions};
use hmasim::scenario::Scenario;
use std::time::Instant;

const SCENARIO: &str = "scenarios/large-org.toml";

/// `SCENARIO` with `sets`, validated as `hmasim run --set ...` would.
fn scenario(sets: &[&str]) -> Scenario {
    let request = PlanRequest {
        scenario: SCENARIO.into(),
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..PlanRequest::default()
    };
    match Plan::build(request) {
        Ok(plan) => plan.base,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

/// CPU time of this thread so far [s] (Linux, `/proc/thread-self/stat`).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// One run of `sc` with flag value `read_session`: the result, wall and
/// CPU seconds.
fn timed_run(sc: &Scenario, read_session: bool) -> (RunResult, f64, f64) {
    let id = RunId {
        seed: sc.simulation.seed,
        replication: 0,
        read_session,
    };
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let r = model::run(sc, id, RunOptions::default()).expect("benchmark run");
    let wall = wall.elapsed().as_secs_f64();
    let cpu = match (cpu, cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    (r, wall, cpu)
}

fn line(label: &str, r: &RunResult, wall: f64, cpu: f64, horizon: u64) {
    println!(
        "{label:28} requests {:>14}  events {:>13}  fast-forwarded {:>5.1}%  wall {:>8.1} s  cpu {:>8.1} s  user-minutes {:.0}",
        r.totals.requests,
        r.totals.events,
        100.0 * r.totals.fast_forwarded_ms as f64 / horizon as f64,
        wall,
        cpu,
        r.totals.episode_ms_total as f64 / 60_000.0,
    );
}

fn main() {
    let cases: Vec<usize> = std::env::var("HMASIM_BENCH_CASES")
        .ok()
        .map(|s| s.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 1]);
    let year = ["simulation.horizon=365d", "issuer.rollover_every=42d"];
    if cases.contains(&0) {
        let mut sets = year.to_vec();
        sets.extend(["clients.users=20000", "clients.request_interval=60s"]);
        let exact = scenario(&sets);
        sets.push("simulation.fast_forward=true");
        let ff = scenario(&sets);
        println!(
            "case 0: {SCENARIO}, 20,000 users, 1/min, 365d, rollover every 42d, flag off, one thread"
        );
        let h = exact.simulation.horizon;
        let (r, wall_ff, cpu_ff) = timed_run(&ff, false);
        line("fast-forward", &r, wall_ff, cpu_ff, h);
        let (r, wall, cpu) = timed_run(&exact, false);
        line("exact", &r, wall, cpu, h);
        println!(
            "speed-up: {:.1}x by CPU time, {:.1}x by wall time",
            cpu / cpu_ff,
            wall / wall_ff
        );
    }
    if cases.contains(&1) {
        let mut sets = year.to_vec();
        sets.extend([
            "clients.users=1000000",
            "clients.request_interval=30s",
            "simulation.fast_forward=true",
        ]);
        let ff = scenario(&sets);
        println!(
            "case 1: {SCENARIO}, 1,000,000 users, 1/30s, 365d, rollover every 42d, fast-forward, both flags on two threads"
        );
        let start = Instant::now();
        let results = std::thread::scope(|s| {
            let handles: Vec<_> = [false, true]
                .into_iter()
                .map(|flag| {
                    let ff = &ff;
                    s.spawn(move || (flag, timed_run(ff, flag)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        });
        let total = start.elapsed().as_secs_f64();
        for (flag, (r, wall, cpu)) in &results {
            line(
                &format!("read_session {flag}"),
                r,
                *wall,
                *cpu,
                ff.simulation.horizon,
            );
        }
        println!("both flags: {total:.1} s wall ({:.1} min)", total / 60.0);
    }
}
