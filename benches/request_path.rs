//! Request-path benchmark: `scenarios/large-org.toml` (the W1 workload of
//! `shared/perf/README.md`), one flag value, single thread.
//!
//! `cargo bench --bench request_path` prints requests per second; compare it
//! with `w1_limit super 20000 604800` run in the same sitting (README.md,
//! "Speed"). Set `HMASIM_BENCH_SCENARIO` to benchmark another file and
//! `HMASIM_BENCH_RUNS` for more repetitions (the median is reported).

use hmasim::metrics::RunId;
use hmasim::model::{self, RunOptions};
use std::time::Instant;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not run us.
    let path = std::env::var("HMASIM_BENCH_SCENARIO")
        .unwrap_or_else(|_| "scenarios/large-org.toml".into());
    let runs: usize = std::env::var("HMASIM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let scenario = match hmasim::scenario::load(std::path::Path::new(&path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut walls = Vec::new();
    let mut requests = 0;
    let mut events = 0;
    for _ in 0..runs.max(1) {
        let id = RunId {
            seed: scenario.simulation.seed,
            replication: 0,
            read_session: false,
        };
        let start = Instant::now();
        let result = model::run(&scenario, id, RunOptions::default()).expect("benchmark run");
        walls.push(start.elapsed().as_secs_f64());
        requests = result.totals.requests;
        events = result.totals.events;
    }
    walls.sort_by(f64::total_cmp);
    let median = walls[walls.len() / 2];
    println!(
        "{path}: {requests} requests, {events} events, median wall {median:.3} s over {} runs, {:.1} M requests/s",
        walls.len(),
        requests as f64 / median / 1e6
    );
}
