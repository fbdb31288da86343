//! Request-path benchmark: hmasim's cost per request as the number of users
//! grows, next to the yardstick (`yardstick.rs`, a minimal loop over the
//! same requests) at the same size, in one sitting.
//!
//! `cargo bench --bench request_path` runs `scenarios/large-org.toml`, flag
//! off, single thread, at three sizes:
//! - 20,000 users, 7 days, as the file is (a rollover every day);
//! - 200,000 users, 12 hours, rollovers off;
//! - 1,000,000 users, 2 hours, rollovers off;
//!
//! and prints a table: requests, wall time and millions of requests per
//! second of hmasim and of the yardstick, and the ratio of their costs per
//! request (yardstick rate / hmasim rate). Each size runs
//! hmasim and the yardstick alternately `HMASIM_BENCH_RUNS` times (default
//! 3) and keeps the best time of each (this machine is shared: the best is
//! the least disturbed). `HMASIM_BENCH_SIZES=0,2` runs only some sizes.

use hmasim::experiment::{Plan, PlanRequest};
use hmasim::metrics::RunId;
use hmasim::model::{self, RunOptions};
use hmasim::scenario::Scenario;
use std::time::Instant;

#[path = "yardstick.rs"]
mod yardstick;

/// One point of the scaling curve: users, horizon, `--set`s.
struct Size {
    users: u32,
    horizon: &'static str,
    rollovers: bool,
}

const SIZES: [Size; 3] = [
    Size {
        users: 20_000,
        horizon: "7d",
        rollovers: true,
    },
    Size {
        users: 200_000,
        horizon: "12h",
        rollovers: false,
    },
    Size {
        users: 1_000_000,
        horizon: "2h",
        rollovers: false,
    },
];

const SCENARIO: &str = "scenarios/large-org.toml";

/// `SCENARIO` at `size`, validated as `hmasim run --set ...` would.
fn scenario(size: &Size) -> Scenario {
    let mut sets = vec![
        format!("clients.users={}", size.users),
        format!("simulation.horizon={}", size.horizon),
    ];
    if !size.rollovers {
        sets.push("issuer.rollover_every=off".into());
    }
    let request = PlanRequest {
        scenario: SCENARIO.into(),
        sets,
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

/// One hmasim run, flag off: requests and wall time [s].
fn hmasim(sc: &Scenario) -> (u64, f64) {
    let id = RunId {
        seed: sc.simulation.seed,
        replication: 0,
        read_session: false,
    };
    let start = Instant::now();
    let result = model::run(sc, id, RunOptions::default()).expect("benchmark run");
    (result.totals.requests, start.elapsed().as_secs_f64())
}

fn main() {
    let env = |name: &str| std::env::var(name).ok();
    let runs: usize = env("HMASIM_BENCH_RUNS")
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let chosen: Vec<usize> = env("HMASIM_BENCH_SIZES")
        .map(|s| s.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_else(|| (0..SIZES.len()).collect());
    println!(
        "{SCENARIO}, flag off, one thread; best of {runs} alternate runs of hmasim and the yardstick"
    );
    println!(
        "{:>9} {:>7} {:>9} | {:>11} {:>8} {:>7} | {:>11} {:>8} {:>7} | {:>5}",
        "users",
        "horizon",
        "rollovers",
        "requests",
        "hmasim s",
        "M/s",
        "requests",
        "yardst. s",
        "M/s",
        "ratio"
    );
    for &i in &chosen {
        let Some(size) = SIZES.get(i) else { continue };
        let sc = scenario(size);
        let w = yardstick::workload(&sc);
        let (mut best_h, mut best_y) = (f64::INFINITY, f64::INFINITY);
        let mut requests = 0;
        let mut yard_requests = 0;
        for _ in 0..runs {
            let (n, wall) = hmasim(&sc);
            requests = n;
            best_h = best_h.min(wall);
            let (counts, wall) = yardstick::timed(&w);
            yard_requests = counts.requests;
            best_y = best_y.min(wall);
        }
        let (rate_h, rate_y) = (
            requests as f64 / best_h / 1e6,
            yard_requests as f64 / best_y / 1e6,
        );
        println!(
            "{:>9} {:>7} {:>9} | {:>11} {:>8.3} {:>7.1} | {:>11} {:>8.3} {:>7.1} | {:>4.2}x",
            size.users,
            size.horizon,
            if size.rollovers { "daily" } else { "off" },
            requests,
            best_h,
            rate_h,
            yard_requests,
            best_y,
            rate_y,
            rate_y / rate_h
        );
    }
}
