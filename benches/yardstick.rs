//! The yardstick: a minimal loop over hmasim's request workload, to measure
//! how far the full model's request path is from the floor on this machine.
//!
//! Same workload as the regular requests of `scenarios/large-org.toml`, and
//! drawn the same way: one merged Poisson stream of all users' requests
//! (mean gap `request_interval / users`, on nanoseconds), each arrival's user
//! and app pool taken from one more draw of the same ChaCha8 stream
//! (`clients.arrivals`), token lifetimes from `issuer.token_lifetime`;
//! round-robin routing over the servers; a per-user token (expiry and kid in
//! one `u64`) renewed when it expires within `renew_before`, and checked
//! against the key set of the worker the request reaches; one counter per
//! outcome. Arrivals are drawn one at a time, or 16 ahead with their users'
//! tokens prefetched (hmasim's way from 65,536 users on): the floor is the
//! faster of the two at each size. Nothing else: no event queue, no
//! lifecycle, no metrics buckets, no fingerprint, no prompt loops.
//!
//! `cargo bench --bench yardstick [-- USERS HORIZON_S]` runs it alone, both
//! ways, on `scenarios/large-org.toml`'s workload (default: its 20,000 users,
//! 7 days); `cargo bench --bench request_path` runs it next to hmasim at
//! every size of the scaling curve.

use hmasim::engine::StreamRng;
use hmasim::engine::prefetch::prefetch;
use hmasim::model::clients::LOOKAHEAD;
use hmasim::scenario::Scenario;
use std::time::Instant;

/// The workload of one yardstick run.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Users.
    pub users: u32,
    /// Horizon [ms].
    pub horizon_ms: u64,
    /// Servers in the round robin.
    pub servers: u32,
    /// App pools per server.
    pub app_pools: u32,
    /// Mean gap between one user's requests [ms].
    pub request_interval_ms: u64,
    /// Token lifetime, uniform in `[min, max]` ms.
    pub token_lifetime_ms: (u64, u64),
    /// A token is renewed when it expires within this [ms].
    pub renew_before_ms: u64,
    /// Root seed of the streams.
    pub seed: u64,
}

/// What a yardstick run counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests handled.
    pub requests: u64,
    /// Requests whose kid the worker knew.
    pub accepted: u64,
    /// Tokens issued.
    pub tokens: u64,
}

const NS_PER_MS: u64 = 1_000_000;

/// Runs the minimal loop over `w`, drawing ahead (and prefetching) or one
/// arrival at a time: which is faster depends on the size and the machine's
/// caches, and the floor is the faster of the two (`request_path` times
/// both). Both count the same.
pub fn run_drawing_ahead(w: &Workload, ahead: bool) -> Counts {
    if ahead {
        run_loop::<true>(w)
    } else {
        run_loop::<false>(w)
    }
}

/// One arrival: when [ms], which user, which app pool.
type Arrival = (u64, usize, u32);

/// The loop, drawing `LOOKAHEAD` arrivals ahead if `AHEAD`. Both ways handle
/// the same arrivals in the same order: the arrival stream depends only on
/// its own draws.
fn run_loop<const AHEAD: bool>(w: &Workload) -> Counts {
    let mut arrivals = StreamRng::new(w.seed, 0, "clients.arrivals");
    let mut lifetimes = StreamRng::new(w.seed, 0, "issuer.token_lifetime");
    let mean_gap_ns = w.request_interval_ms as f64 * NS_PER_MS as f64 / f64::from(w.users);
    // Token of each user: expiry [ms] << 8 | kid; 0 = no token yet.
    let mut tokens = vec![0u64; w.users as usize];
    // Key set of each worker (bit k: knows kid k); everyone knows k0.
    let worker_keys = vec![1u128; (w.servers * w.app_pools) as usize];
    let signing: u64 = 0;
    let mut counts = Counts::default();
    let mut next_ns = 0u64;
    let mut draw = || -> Arrival {
        next_ns = next_ns.saturating_add((arrivals.exp1() * mean_gap_ns) as u64);
        let r = arrivals.next_u64();
        let user = (((r >> 32) * u64::from(w.users)) >> 32) as usize;
        let app_pool = ((u64::from(r as u32) * u64::from(w.app_pools)) >> 32) as u32;
        (next_ns / NS_PER_MS, user, app_pool)
    };
    let mut ahead = [(0, 0, 0); LOOKAHEAD];
    let mut head = 0;
    if AHEAD {
        for slot in &mut ahead {
            *slot = draw();
        }
    }
    let mut cursor = 0u32;
    loop {
        let (now, user, app_pool) = if AHEAD {
            let next = ahead[head];
            let drawn = draw();
            prefetch(tokens.as_ptr().wrapping_add(drawn.1));
            ahead[head] = drawn;
            head = (head + 1) % LOOKAHEAD;
            next
        } else {
            draw()
        };
        if now >= w.horizon_ms {
            break;
        }
        let token = &mut tokens[user];
        if *token >> 8 <= now + w.renew_before_ms {
            let lifetime = lifetimes.uniform_ms(w.token_lifetime_ms.0, w.token_lifetime_ms.1);
            *token = (now + lifetime) << 8 | signing;
            counts.tokens += 1;
        }
        let kid = *token & 0xff;
        let server = cursor;
        cursor += 1;
        if cursor == w.servers {
            cursor = 0;
        }
        let worker = (server * w.app_pools + app_pool) as usize;
        counts.requests += 1;
        if worker_keys[worker] >> kid & 1 == 1 {
            counts.accepted += 1;
        }
    }
    counts
}

/// The regular-request workload of `sc` (its users, horizon, pool,
/// request interval, token lifetimes and seed).
pub fn workload(sc: &Scenario) -> Workload {
    Workload {
        users: sc.clients.users,
        horizon_ms: sc.simulation.horizon,
        servers: sc.pool.servers as u32,
        app_pools: sc.pool.app_pools.len() as u32,
        request_interval_ms: sc.clients.request_interval,
        token_lifetime_ms: (sc.issuer.token_lifetime.min, sc.issuer.token_lifetime.max),
        renew_before_ms: sc.issuer.renew_before,
        seed: sc.simulation.seed,
    }
}

#[allow(dead_code)] // unused where request_path.rs includes this file as a module
fn main() {
    // `cargo bench` passes `--bench`; skip flags.
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.parse().ok())
        .collect();
    let path = "scenarios/large-org.toml";
    let mut sc = hmasim::scenario::load(std::path::Path::new(path)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    sc.clients.users = args.first().map_or(sc.clients.users, |&u| u as u32);
    sc.simulation.horizon = args.get(1).map_or(sc.simulation.horizon, |&s| s * 1000);
    let w = workload(&sc);
    for ahead in [false, true] {
        let start = Instant::now();
        let counts = run_drawing_ahead(std::hint::black_box(&w), ahead);
        let wall = start.elapsed().as_secs_f64();
        println!(
            "yardstick ({}), {path}'s workload, {} users, {} s: {} requests ({} accepted, {} tokens) in {wall:.3} s, {:.1} M requests/s",
            if ahead {
                "drawing ahead"
            } else {
                "one at a time"
            },
            w.users,
            w.horizon_ms / 1000,
            counts.requests,
            counts.accepted,
            counts.tokens,
            counts.requests as f64 / wall / 1e6
        );
    }
}
