//! One test per bug found, named after it, with a line saying what it was.

use crate::common::{run_with, scenario};

/// The request loop read the next event's time once per batch of arrivals, so
/// an update scheduled by a request (60 ms later) ran after arrivals that came
/// after it: time went backwards by 60 ms. Found by the invariants proptest.
#[test]
fn an_event_scheduled_by_a_request_runs_before_later_arrivals() {
    let sc = scenario(
        r#"
[simulation]
name = "regression"
horizon = "7h"
seed = 514997
[issuer]
token_lifetime = ["20m", "70m"]
rollover_every = "off"
[[issuer.rollover]]
at = "6h"
[directory]
replication_delay = ["0s", "0s"]
[auth_admin]
interval = "3h"
write_session_fails = 0.5
[pool]
servers = 1
app_pools = ["ews"]
[worker]
failed_update_hold = "10m"
ma_recycle_rate = 0
crash_rate = 0
[server]
crash_rate = 0
[maintenance]
rolling_every = "off"
[clients]
users = 15
arrivals = "fixed"
request_interval = "1m"
prompt_retry = ["10s", "90s"]
give_up_after = "1m"
"#,
    );
    let r = run_with(&sc, 514_997, false, true);
    assert!(r.trace.iter().any(|t| t.kind == "update_done"));
    for pair in r.trace.windows(2) {
        assert!(
            pair[0].time_ms <= pair[1].time_ms,
            "{:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// A zero hold with established_write_session_fails retried a failing update
/// at the same instant forever (the run never ended). Now a scenario error.
#[test]
fn zero_hold_with_failing_established_updates_is_refused() {
    let err = hmasim::scenario::parse_str(
        "[simulation]\nname = \"x\"\nhorizon = \"1h\"\n[worker]\nfailed_update_hold = \"0s\"\nestablished_write_session_fails = true\n",
        "x.toml",
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("x.toml:5:"), "{message}");
    assert!(message.contains("worker.failed_update_hold"), "{message}");
}
