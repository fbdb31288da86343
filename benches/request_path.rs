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
//! and prints a table: requests, wall and CPU time and millions of requests
//! per CPU second of hmasim and of the yardstick, and the ratio of their
//! costs per request, by CPU time and by wall time. On a quiet machine the
//! two agree; on a shared one the CPU-time ratio is the one to trust (it
//! leaves out the time other processes held the core). Each size runs
//! hmasim and the yardstick (both ways: one arrival at a time, and drawing
//! ahead with prefetches) alternately `HMASIM_BENCH_RUNS` times (default
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

/// CPU time of this thread so far [s], from `/proc/thread-self/stat`
/// (Linux; in USER_HZ ticks, 100 per second): unlike wall time, it does not
/// count the time other processes hold the core, so the ratio stays
/// meaningful on a shared machine. `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses: state is the
    // first, utime the 12th, stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Wall and CPU time [s] of `f`, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    let cpu = cpu.and_then(|start| Some(cpu_seconds()? - start));
    (out, wall.elapsed().as_secs_f64(), cpu)
}

/// One hmasim run, flag off: requests handled.
fn hmasim(sc: &Scenario) -> u64 {
    let id = RunId {
        seed: sc.simulation.seed,
        replication: 0,
        read_session: false,
    };
    let result = model::run(sc, id, RunOptions::default()).expect("benchmark run");
    result.totals.requests
}

/// Best wall and CPU times over several runs.
#[derive(Clone, Copy)]
struct Best {
    wall: f64,
    cpu: f64,
}

impl Best {
    fn new() -> Self {
        Best {
            wall: f64::INFINITY,
            cpu: f64::INFINITY,
        }
    }

    fn add(&mut self, wall: f64, cpu: Option<f64>) {
        self.wall = self.wall.min(wall);
        // Without a CPU clock, the wall time stands in for it.
        self.cpu = self.cpu.min(cpu.unwrap_or(wall));
    }
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
    if cpu_seconds().is_none() {
        println!("(no per-thread CPU clock here: the CPU columns show wall time)");
    }
    println!(
        "{:27} | {:11} {:^22} | {:^22} | {:^11}",
        "", "", "hmasim", "yardstick", "ratio"
    );
    println!(
        "{:>9} {:>7} {:>9} | {:>11} {:>7} {:>7} {:>6} | {:>7} {:>7} {:>6} | {:>5} {:>5}",
        "users",
        "horizon",
        "rollovers",
        "requests",
        "wall s",
        "cpu s",
        "M/s",
        "wall s",
        "cpu s",
        "M/s",
        "cpu",
        "wall"
    );
    for &i in &chosen {
        let Some(size) = SIZES.get(i) else { continue };
        let sc = scenario(size);
        let w = yardstick::workload(&sc);
        let (mut h, mut y) = (Best::new(), Best::new());
        let mut requests = 0;
        let mut yard_requests = 0;
        for _ in 0..runs {
            let (n, wall, cpu) = timed(|| hmasim(&sc));
            requests = n;
            h.add(wall, cpu);
            // The floor is the faster way of the minimal loop at this size.
            for ahead in [false, true] {
                let (counts, wall, cpu) =
                    timed(|| yardstick::run_drawing_ahead(std::hint::black_box(&w), ahead));
                yard_requests = counts.requests;
                y.add(wall, cpu);
            }
        }
        // Cost per request of hmasim in yardsticks (the request counts differ
        // a little: hmasim suppresses the requests of users in prompt loops).
        let ratio = |h: f64, y: f64| (h / requests as f64) / (y / yard_requests as f64);
        println!(
            "{:>9} {:>7} {:>9} | {:>11} {:>7.2} {:>7.2} {:>6.1} | {:>7.2} {:>7.2} {:>6.1} | {:>4.2}x {:>4.2}x",
            size.users,
            size.horizon,
            if size.rollovers { "daily" } else { "off" },
            requests,
            h.wall,
            h.cpu,
            requests as f64 / h.cpu / 1e6,
            y.wall,
            y.cpu,
            yard_requests as f64 / y.cpu / 1e6,
            ratio(h.cpu, y.cpu),
            ratio(h.wall, y.wall)
        );
    }
}
