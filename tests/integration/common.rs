//! Helpers shared by the test modules.

use hmasim::metrics::{RunId, RunResult};
use hmasim::model::{self, RunOptions};
use hmasim::scenario::{self, Scenario};

/// Parses a scenario from text, panicking with the error (tests only).
pub fn scenario(text: &str) -> Scenario {
    scenario::parse_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs replication 0 of `seed` with one flag value.
pub fn run(sc: &Scenario, seed: u64, read_session: bool) -> RunResult {
    run_with(sc, seed, read_session, false)
}

/// Runs replication 0 of `seed` with one flag value, optionally traced.
pub fn run_with(sc: &Scenario, seed: u64, read_session: bool, trace: bool) -> RunResult {
    let id = RunId {
        seed,
        replication: 0,
        read_session,
    };
    model::run(
        sc,
        id,
        RunOptions {
            trace,
            ..RunOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The scripted event of oracle O1: managed availability recycles the only
/// worker at 2h.
pub const RECYCLE_AT_2H: &str = r#"
[[event]]
at = "2h"
kind = "ma_recycle"
server = 0
app_pool = "ews"
"#;

/// The common setting of the oracle cases (docs/model.md section 9), with the
/// rollover instant, the replication delay and extra TOML appended.
pub fn oracle_scenario(rollover_at: &str, replication_delay: &str, extra: &str) -> Scenario {
    scenario(&oracle_text(rollover_at, replication_delay, extra))
}

/// The text of [`oracle_scenario`], for tests that run the binary on a file.
pub fn oracle_text(rollover_at: &str, replication_delay: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
name = "oracle"
horizon = "4h"
seed = 1

[issuer]
token_lifetime = ["60m", "60m"]
renew_before = "0s"
rollover_every = "off"
emergency_rate = "0/365d"
[[issuer.rollover]]
at = "{rollover_at}"
lead = "0s"

[directory]
replication_delay = ["{replication_delay}", "{replication_delay}"]

[auth_admin]
interval = "off"

[pool]
servers = 1
app_pools = ["ews"]

[worker]
start_mode = "on_demand"
startup = "30s"
cache_reload = "24h"
new_process_age = "5m"
failed_update_hold = "30m"
update_latency = ["2s", "2s"]
ma_recycle_rate = "0/1d"
crash_rate = "0/1d"

[server]
crash_rate = "0/1d"

[maintenance]
rolling_every = "off"

[clients]
users = 1
arrivals = "fixed"
request_interval = "10s"
prompt_retry = ["20s", "20s"]

{extra}
"#
    )
}

/// The windows of a run as `(start_ms, end_ms, cause, rollover)`.
pub fn windows(r: &RunResult) -> Vec<(u64, u64, &'static str, u32)> {
    r.windows
        .iter()
        .map(|w| (w.start_ms, w.end_ms, w.cause.as_str(), w.rollover))
        .collect()
}

/// Two servers, one app pool, the oracle's single user every 10 s and a
/// rollover at 1h, nothing random: a base for balancer and maintenance cases.
pub const TWO_SERVERS: &str = r#"
[simulation]
name = "two-servers"
horizon = "4h"
[issuer]
token_lifetime = ["60m", "60m"]
renew_before = "0s"
rollover_every = "off"
[[issuer.rollover]]
at = "1h"
[directory]
replication_delay = ["3h", "3h"]
[auth_admin]
interval = "off"
[pool]
servers = 2
app_pools = ["ews"]
[worker]
update_latency = ["2s", "2s"]
ma_recycle_rate = 0
crash_rate = 0
[server]
crash_rate = 0
[maintenance]
rolling_every = "off"
[clients]
users = 1
arrivals = "fixed"
request_interval = "10s"
prompt_retry = ["20s", "20s"]
"#;

/// The `[start, end)` intervals in which `server` was in `state`.
pub fn intervals(r: &RunResult, server: u32, state: hmasim::metrics::StateKind) -> Vec<(u64, u64)> {
    r.timeline
        .iter()
        .filter(|i| i.server == server && i.state == state)
        .map(|i| (i.start_ms, i.end_ms))
        .collect()
}
