//! Scenario files: a full file and a minimal one resolve as documented; every
//! kind of mistake gives its own error variant naming file, line, column and
//! field; no input makes the parser panic.

use hmasim::engine::time::{DAY, HOUR, MINUTE, SECOND};
use hmasim::scenario::{
    self, Affinity, Algorithm, Arrivals, ExplicitRollover, Kind, MaintenanceWindow, MillisRange,
    OFFICE_PROFILE, Rate, ReadSessionChoice, Scenario, ScenarioError, ScriptedEvent, ScriptedKind,
    StartMode,
};
use proptest::prelude::*;

/// Every field set, to its default or an example (as docs/scenario.md's full example).
const FULL: &str = r#"
[simulation]
name = "rolling-maintenance"   # required; used in output names
horizon = "14d"                # required
seed = 1                       # overridden by --seed
replications = 1               # overridden by --replications
bucket = "1m"                  # time-series resolution
warmup = "0s"                  # metrics ignore [0, warmup)

[org]
read_session = "both"          # false | true | both (both = paired runs on the same seed)

[issuer]                       # Azure AD
token_lifetime = ["60m", "90m"]  # uniform; a token carries the kid that signs at issue time
renew_before = "5m"            # client renews this long before expiry (at its next request)
rollover_every = "42d"         # periodic rollovers; "off" for none (assumption: about six weeks)
rollover_first = "21d"         # first periodic rollover (publish instant)
rollover_lead = "0s"           # publish -> start signing; 0 = worst case (assumption)
retire_after = "1d"            # start signing -> old key removed from metadata
emergency_rate = "0/365d"      # extra unannounced rollovers, Poisson; lead 0
[[issuer.rollover]]            # explicit rollovers, in addition
at = "3d 4h"                   # publish instant
lead = "0s"

[directory]                    # local AD
replication_delay = ["5s", "60s"]  # uniform; write visible to all servers after this

[auth_admin]                   # the periodic certificate update job
interval = "12h"               # or "off" (assumption)
anchor = 0                     # server index that runs it; if down, the job runs on the lowest-index up server
first_run = "0s"
write_session_fails = 0.0      # probability that a periodic run fails when read_session = false (assumption: 0)
after_rollover = "off"         # an extra run this long after each key is published, or "off"

[pool]
servers = 4
app_pools = ["ews", "mapi", "eas", "owa"]  # one worker process per app pool per server
without_update = []            # servers without Exchange 2019 CU6 / 2016 CU17 (write session always)

[balancer]
algorithm = "round_robin"      # round_robin | random | least_requests
affinity = "none"              # none | client (a user sticks to one server while it is in the pool)
probe_interval = "5s"
probe_down_after = 2           # consecutive failed probes before removal
probe_up_after = 2             # consecutive good probes before re-adding

[worker]
start_mode = "on_demand"       # on_demand | always_running (R4)
startup = "30s"                # spawn -> ready
cache_reload = "24h"           # periodic reload of the key cache from local AD (assumption)
new_process_age = "5m"         # "newly spawned" = younger than this (assumption)
failed_update_hold = "30m"     # KB: up to 30 minutes
update_latency = ["1s", "5s"]  # uniform; a successful on-demand update
established_write_session_fails = false
periodic_recycle = "off"       # IIS periodic recycle interval, or "off"
ma_recycle_rate = "1/7d"       # managed-availability recycles per worker, Poisson (assumption)
crash_rate = "1/30d"           # worker crashes per worker, Poisson (assumption)
restart_delay = "10s"          # crash -> new process spawned

[server]
crash_rate = "1/180d"          # whole-server crashes (bugcheck, power), Poisson
reboot = ["5m", "15m"]         # crash -> back (new worker processes)

[maintenance]                  # drain, offline, return; each return spawns new workers
rolling_every = "30d"          # servers one after another; "off" for none
rolling_first = "10d 2h"
duration = ["60m", "120m"]     # uniform per server
gap = "15m"                    # between servers
rejoin_after = "0s"            # a returning server rejoins once its processes are ready and this old
[[maintenance.window]]         # explicit windows, in addition
server = 1
start = "2d 22h"
duration = "90m"

[[event]]                      # scripted lifecycle events, in addition to the random ones
at = "2h"
kind = "ma_recycle"            # ma_recycle | periodic_recycle | worker_crash | server_crash
server = 0
app_pool = "ews"               # required for worker kinds, absent for server_crash

[upgrade]                      # rolling installation of the update on pool.without_update
rolling_first = "off"

[clients]
users = 2000
arrivals = "poisson"           # poisson | fixed (R9)
request_interval = "60s"       # mean, per user, scaled by the profile below
daily_profile = "flat"         # flat | office (24 hourly weights; office hours busy, nights quiet) | [24 weights]
prompt_retry = ["20s", "120s"] # uniform delay from a rejection to the user's retry with a fresh token
give_up_after = "off"          # a user stops retrying after this long in a prompt loop, or "off"
"#;

const MINIMAL: &str = "[simulation]\nname = \"min\"\nhorizon = \"14d\"\n";

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    scenario::parse_str(text, "test.toml")
}

fn parse_err(text: &str) -> ScenarioError {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts the message starts with `test.toml:LINE:COL: FIELD:` and that the
/// error's location and field say the same.
fn assert_at(e: &ScenarioError, line: usize, column: usize, field: &str) {
    let msg = e.to_string();
    let prefix = format!("test.toml:{line}:{column}: {field}: ");
    assert!(
        msg.starts_with(&prefix),
        "message {msg:?} should start with {prefix:?}"
    );
    let at = e.location().expect("a location");
    assert_eq!((at.line, at.column), (line, column), "{msg}");
    assert_eq!(e.field(), Some(field), "{msg}");
}

/// A minimal file plus `extra` (appended after the [simulation] table).
fn with(extra: &str) -> String {
    format!("{MINIMAL}{extra}")
}

// ---- valid files ---------------------------------------------------------

#[test]
fn full_example_resolves_to_the_documented_values() {
    let s = parse(FULL).unwrap();
    assert_eq!(s.simulation.name, "rolling-maintenance");
    assert_eq!(s.simulation.horizon, 14 * DAY);
    assert_eq!(s.simulation.seed, 1);
    assert_eq!(s.simulation.replications, 1);
    assert_eq!(s.simulation.bucket, MINUTE);
    assert_eq!(s.simulation.warmup, 0);
    assert_eq!(s.org.read_session, ReadSessionChoice::Both);
    assert_eq!(
        s.issuer.rollovers,
        vec![ExplicitRollover {
            at: 3 * DAY + 4 * HOUR,
            lead: 0
        }]
    );
    assert_eq!(
        s.maintenance.windows,
        vec![MaintenanceWindow {
            server: 1,
            start: 2 * DAY + 22 * HOUR,
            duration: 90 * MINUTE
        }]
    );
    assert_eq!(
        s.events,
        vec![ScriptedEvent {
            at: 2 * HOUR,
            kind: ScriptedKind::MaRecycle,
            server: 0,
            app_pool: Some(0),
            duration: None
        }]
    );
    // Everything else is the default: the minimal file plus those lists.
    let mut expected = parse(MINIMAL).unwrap();
    expected.simulation.name = "rolling-maintenance".to_string();
    expected.issuer.rollovers = s.issuer.rollovers.clone();
    expected.maintenance.windows = s.maintenance.windows.clone();
    expected.events = s.events.clone();
    assert_eq!(s, expected);
}

#[test]
fn minimal_file_gets_every_default() {
    let s = parse(MINIMAL).unwrap();
    let sim = &s.simulation;
    assert_eq!(
        (sim.seed, sim.replications, sim.bucket, sim.warmup),
        (1, 1, MINUTE, 0)
    );
    assert_eq!(s.org.read_session, ReadSessionChoice::Both);
    let i = &s.issuer;
    assert_eq!(
        i.token_lifetime,
        MillisRange {
            min: 60 * MINUTE,
            max: 90 * MINUTE
        }
    );
    assert_eq!(i.renew_before, 5 * MINUTE);
    assert_eq!(i.rollover_every, Some(42 * DAY));
    assert_eq!(i.rollover_first, 21 * DAY);
    assert_eq!(i.rollover_lead, 0);
    assert_eq!(i.retire_after, DAY);
    assert_eq!(i.emergency_rate.count, 0.0);
    assert!(i.rollovers.is_empty());
    assert_eq!(
        s.directory.replication_delay,
        MillisRange {
            min: 5 * SECOND,
            max: 60 * SECOND
        }
    );
    let a = &s.auth_admin;
    assert_eq!(
        (a.interval, a.anchor, a.first_run, a.write_session_fails),
        (Some(12 * HOUR), 0, 0, 0.0)
    );
    assert_eq!(a.after_rollover, None);
    assert_eq!(s.pool.servers, 4);
    assert_eq!(s.pool.app_pools, ["ews", "mapi", "eas", "owa"]);
    assert!(s.pool.without_update.is_empty());
    assert_eq!(s.upgrade.rolling_first, None);
    let b = &s.balancer;
    assert_eq!(b.algorithm, Algorithm::RoundRobin);
    assert_eq!(b.affinity, Affinity::None);
    assert_eq!(
        (b.probe_interval, b.probe_down_after, b.probe_up_after),
        (5 * SECOND, 2, 2)
    );
    let w = &s.worker;
    assert_eq!(w.start_mode, StartMode::OnDemand);
    assert_eq!(w.startup, 30 * SECOND);
    assert_eq!(w.cache_reload, Some(24 * HOUR));
    assert_eq!(w.new_process_age, 5 * MINUTE);
    assert_eq!(w.failed_update_hold, 30 * MINUTE);
    assert_eq!(
        w.update_latency,
        MillisRange {
            min: SECOND,
            max: 5 * SECOND
        }
    );
    assert!(!w.established_write_session_fails);
    assert_eq!(w.periodic_recycle, None);
    assert_eq!(
        w.ma_recycle_rate,
        Rate {
            count: 1.0,
            per: 7 * DAY
        }
    );
    assert_eq!(
        w.crash_rate,
        Rate {
            count: 1.0,
            per: 30 * DAY
        }
    );
    assert_eq!(w.restart_delay, 10 * SECOND);
    assert_eq!(
        s.server.crash_rate,
        Rate {
            count: 1.0,
            per: 180 * DAY
        }
    );
    assert_eq!(
        s.server.reboot,
        MillisRange {
            min: 5 * MINUTE,
            max: 15 * MINUTE
        }
    );
    let m = &s.maintenance;
    assert_eq!(m.rolling_every, Some(30 * DAY));
    assert_eq!(m.rolling_first, 10 * DAY + 2 * HOUR);
    assert_eq!(
        m.duration,
        MillisRange {
            min: 60 * MINUTE,
            max: 120 * MINUTE
        }
    );
    assert_eq!(m.gap, 15 * MINUTE);
    assert_eq!(m.rejoin_after, 0);
    assert!(m.windows.is_empty());
    assert!(s.events.is_empty());
    let c = &s.clients;
    assert_eq!(c.users, 2000);
    assert_eq!(c.arrivals, Arrivals::Poisson);
    assert_eq!(c.request_interval, 60 * SECOND);
    assert_eq!(c.daily_profile, [1.0; 24]);
    assert_eq!(
        c.prompt_retry,
        MillisRange {
            min: 20 * SECOND,
            max: 120 * SECOND
        }
    );
    assert_eq!(c.give_up_after, None);
}

#[test]
fn typed_and_alternative_forms() {
    let s = parse(&with(
        r#"
[org]
read_session = false
[issuer]
token_lifetime = "60m"
rollover_every = "off"
emergency_rate = 0
[auth_admin]
interval = "off"
write_session_fails = 1
[worker]
cache_reload = "off"
periodic_recycle = "29h"
update_latency = ["2s", "2s"]
crash_rate = "2.5/1d"
[maintenance]
rolling_every = "off"
[[event]]
at = "1h"
kind = "server_crash"
server = 3
[[event]]
at = "99999d"
kind = "worker_crash"
server = 0
app_pool = "owa"
[clients]
daily_profile = "office"
give_up_after = "10m"
[sweep]
anything = ["goes", 1, { here = true }]
"#,
    ))
    .unwrap();
    assert_eq!(s.org.read_session, ReadSessionChoice::Off);
    assert_eq!(
        s.issuer.token_lifetime,
        MillisRange {
            min: HOUR,
            max: HOUR
        }
    );
    assert_eq!(s.issuer.rollover_every, None);
    assert_eq!(
        s.issuer.emergency_rate,
        parse(MINIMAL).unwrap().issuer.emergency_rate
    );
    assert_eq!(s.auth_admin.interval, None);
    assert_eq!(s.auth_admin.write_session_fails, 1.0);
    assert_eq!(s.worker.cache_reload, None);
    assert_eq!(s.worker.periodic_recycle, Some(29 * HOUR));
    assert_eq!(s.worker.crash_rate.count, 2.5);
    assert_eq!(s.maintenance.rolling_every, None);
    assert_eq!(s.events[0].app_pool, None);
    assert_eq!(s.events[1].app_pool, Some(3));
    assert_eq!(s.events[1].at, 99_999 * DAY);
    assert_eq!(s.clients.give_up_after, Some(10 * MINUTE));
    // Office profile: normalised to mean 1, same shape.
    let p = s.clients.daily_profile;
    assert!((p.iter().sum::<f64>() - 24.0).abs() < 1e-9);
    assert!((p[9] / p[0] - OFFICE_PROFILE[9] / OFFICE_PROFILE[0]).abs() < 1e-9);

    let on = parse(&with("[org]\nread_session = \"true\"\n")).unwrap();
    assert_eq!(on.org.read_session, ReadSessionChoice::On);
    let on = parse(&with("[org]\nread_session = true\n")).unwrap();
    assert_eq!(on.org.read_session, ReadSessionChoice::On);
}

#[test]
fn custom_profile_is_normalised_and_equal_weights_are_flat() {
    let weights: Vec<String> = (0..24)
        .map(|h| if h < 12 { "1" } else { "3.0" }.to_string())
        .collect();
    let s = parse(&with(&format!(
        "[clients]\ndaily_profile = [{}]\n",
        weights.join(", ")
    )))
    .unwrap();
    assert_eq!(s.clients.daily_profile[0], 0.5);
    assert_eq!(s.clients.daily_profile[23], 1.5);
    // 24 equal weights are flat, so fixed arrivals accept them.
    let flat = vec!["2"; 24].join(", ");
    let s = parse(&with(&format!(
        "[clients]\narrivals = \"fixed\"\ndaily_profile = [{flat}]\n"
    )))
    .unwrap();
    assert_eq!(s.clients.daily_profile, [1.0; 24]);
}

#[test]
fn load_reads_files_and_names_the_path_on_io_errors() {
    let dir = std::env::temp_dir().join(format!("hmasim-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, MINIMAL).unwrap();
    assert_eq!(scenario::load(&good).unwrap().simulation.name, "min");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[simulation]\nname = 5\n").unwrap();
    let e = scenario::load(&bad).unwrap_err();
    // Both problems, in file order: the table lacking horizon (line 1), the name (line 2).
    let lines: Vec<String> = e.to_string().lines().map(String::from).collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:1:1: simulation.horizon: missing",
            bad.display()
        )),
        "{e}"
    );
    assert!(
        lines[1].starts_with(&format!("{}:2:8: simulation.name:", bad.display())),
        "{e}"
    );

    let missing = dir.join("nope.toml");
    let e = scenario::load(&missing).unwrap_err();
    assert!(matches!(e, ScenarioError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("nope.toml"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- one test per error kind ---------------------------------------------

#[test]
fn syntax_error() {
    let e = parse_err("[simulation]\nname = \"x\nhorizon = \"1d\"\n");
    assert!(e.kind() == Some(Kind::Syntax), "{e:?}");
    let at = e.location().unwrap();
    assert_eq!(at.line, 2, "{e}");
    assert!(e.to_string().starts_with("test.toml:2:"), "{e}");

    let e = parse_err("[simulation]\nname = \"x\"\nname = \"y\"\n");
    assert!(e.kind() == Some(Kind::Syntax), "{e:?}");
    assert!(e.to_string().starts_with("test.toml:3:1: "), "{e}");
}

#[test]
fn unknown_key_nested_lists_the_valid_keys() {
    let e = parse_err(&with("[worker]\nstartupp = \"30s\"\n"));
    let d = e.first().unwrap();
    assert_eq!(d.kind, Kind::UnknownKey);
    assert_eq!(d.message, "unknown key `startupp`");
    assert!(
        d.expected
            .as_ref()
            .unwrap()
            .contains("start_mode, startup, cache_reload")
    );
    assert_at(&e, 5, 1, "worker.startupp");
    // One key is close: suggested instead of listing all eleven.
    assert_eq!(d.suggestion.as_deref(), Some("`startup`"));
    assert_eq!(
        e.to_string(),
        "test.toml:5:1: worker.startupp: unknown key `startupp`; did you mean `startup`?"
    );
}

#[test]
fn unknown_key_top_level_and_in_arrays_of_tables() {
    let e = parse_err(&with("[workers]\nstartup = \"30s\"\n"));
    assert!(e.kind() == Some(Kind::UnknownKey), "{e:?}");
    assert_at(&e, 4, 2, "workers");
    assert!(e.to_string().ends_with("did you mean `worker`?"), "{e}");
    // Nothing close: the valid keys are listed.
    let e = parse_err(&with("[zzzzzz]\n"));
    assert!(e.to_string().contains("simulation, org, issuer"), "{e}");

    let e = parse_err(&with(
        "[[maintenance.window]]\nserver = 0\nstart = \"1h\"\nduration = \"1h\"\n\
         [[maintenance.window]]\nserver = 0\nduration = \"1h\"\n  begin = \"1h\"\n",
    ));
    // `start` is missing too (reported at the table's header, line 8, first).
    assert_eq!(e.diagnostics().len(), 2, "{e}");
    assert_eq!(e.field(), Some("maintenance.window[1].start"));
    let e = ScenarioError::Invalid(hmasim::scenario::Diagnostics::one(
        e.diagnostics()[1].clone(),
    ));
    assert!(e.kind() == Some(Kind::UnknownKey), "{e:?}");
    assert_at(&e, 11, 3, "maintenance.window[1].begin");
    assert!(e.to_string().contains("server, start, duration"), "{e}");
}

#[test]
fn wrong_type() {
    let e = parse_err(&with("[pool]\nservers = \"4\"\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 11, "pool.servers");
    assert!(e.to_string().contains("integer in 1..=1024"), "{e}");

    // A bare number where a duration belongs asks for a unit.
    let e = parse_err(&with("[worker]\nstartup = 30\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 11, "worker.startup");
    assert!(e.to_string().contains("\"90s\""), "{e}");

    // A table of the wrong shape.
    let e = parse_err(&with("[[worker]]\nstartup = \"30s\"\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 4, 1, "worker");
    let e = parse_err(&with("[event]\nat = \"1h\"\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert!(e.to_string().contains("[[event]]"), "{e}");

    // One element of an array.
    let e = parse_err(&with("[directory]\nreplication_delay = [\"5s\", true]\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 28, "directory.replication_delay[1]");
}

#[test]
fn bad_value() {
    let e = parse_err(&with("[worker]\nstartup = \"5 parsecs\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 11, "worker.startup");
    assert!(e.to_string().contains("units ms, s, m, h, d, w"), "{e}");

    let e = parse_err(&with("[worker]\nrestart_delay = \"10\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert!(e.to_string().contains("add one, e.g. \"10s\""), "{e}");

    let e = parse_err(&with("[balancer]\nalgorithm = \"fastest\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 13, "balancer.algorithm");
    assert!(
        e.to_string()
            .contains("\"round_robin\" | \"random\" | \"least_requests\""),
        "{e}"
    );

    let e = parse_err(&with("[pool]\napp_pools = [\"ews\", \"owa\", \"ews\"]\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 28, "pool.app_pools[2]");

    let e = parse_err(&with("[worker]\ncrash_rate = \"1/7\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 14, "worker.crash_rate");

    let e = parse_err("[simulation]\nname = \"../x\"\nhorizon = \"1d\"\n");
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 2, 8, "simulation.name");
}

#[test]
fn out_of_range() {
    let e = parse_err(&with("[auth_admin]\nwrite_session_fails = 1.5\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 23, "auth_admin.write_session_fails");

    let e = parse_err(&with("[pool]\nservers = 0\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 11, "pool.servers");

    let e = parse_err(&with("[clients]\nusers = -3\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 9, "clients.users");

    let e = parse_err(&with("[simulation.x]\n"));
    assert!(e.kind() == Some(Kind::UnknownKey), "{e:?}");

    let e = parse_err("[simulation]\nname = \"x\"\nhorizon = \"99999999999999d\"\n");
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 3, 11, "simulation.horizon");

    let e = parse_err("[simulation]\nname = \"x\"\nhorizon = \"0s\"\n");
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 3, 11, "simulation.horizon");

    let e = parse_err(&with("[maintenance]\nrolling_every = \"0s\"\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert!(e.to_string().contains("\"off\""), "{e}");

    let e = parse_err(&with("[server]\nreboot = [\"0s\", \"5m\"]\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 10, "server.reboot");

    let e = parse_err(&with(
        "[clients]\ndaily_profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, nan]\n",
    ));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 87, "clients.daily_profile[23]");

    let e = parse_err(&with("[pool]\nservers = 99999999999999999999999\n"));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 5, 11, "pool.servers");
}

#[test]
fn min_greater_than_max() {
    let e = parse_err(&with("[issuer]\ntoken_lifetime = [\"90m\", \"60m\"]\n"));
    assert!(e.kind() == Some(Kind::MinGreaterThanMax), "{e:?}");
    assert_at(&e, 5, 18, "issuer.token_lifetime");
    assert!(
        e.to_string().contains("min 1h 30m is greater than max 1h"),
        "{e}"
    );
}

#[test]
fn index_out_of_range() {
    let e = parse_err(&with(
        "[[maintenance.window]]\nserver = 9\nstart = \"1h\"\nduration = \"1h\"\n",
    ));
    assert!(e.kind() == Some(Kind::IndexOutOfRange), "{e:?}");
    assert_at(&e, 5, 10, "maintenance.window[0].server");
    assert!(e.to_string().contains("0..=3"), "{e}");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"worker_crash\"\nserver = 0\napp_pool = \"exchange\"\n",
    ));
    assert!(e.kind() == Some(Kind::IndexOutOfRange), "{e:?}");
    assert_at(&e, 8, 12, "event[0].app_pool");
    assert!(
        e.to_string()
            .contains("\"ews\", \"mapi\", \"eas\", \"owa\""),
        "{e}"
    );

    let e = parse_err(&with("[pool]\nservers = 2\n[auth_admin]\nanchor = 2\n"));
    assert!(e.kind() == Some(Kind::IndexOutOfRange), "{e:?}");
    assert_at(&e, 7, 10, "auth_admin.anchor");
}

#[test]
fn missing_required() {
    let e = parse_err("[simulation]\nhorizon = \"1d\"\n");
    assert!(e.kind() == Some(Kind::Missing), "{e:?}");
    assert_at(&e, 1, 1, "simulation.name");

    let e = parse_err("[pool]\nservers = 1\n");
    assert!(e.kind() == Some(Kind::Missing), "{e:?}");
    assert_at(&e, 1, 1, "simulation");

    let e = parse_err("\n\n[simulation]\nname = \"x\"\n");
    assert!(e.kind() == Some(Kind::Missing), "{e:?}");
    assert_at(&e, 3, 1, "simulation.horizon");

    let e = parse_err(&with("[[event]]\nat = \"1h\"\nserver = 0\n"));
    assert!(e.kind() == Some(Kind::Missing), "{e:?}");
    assert_at(&e, 4, 1, "event[0].kind");
}

#[test]
fn inconsistent_combination() {
    let e = parse_err(&with(
        "[clients]\narrivals = \"fixed\"\ndaily_profile = \"office\"\n",
    ));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 6, 17, "clients.daily_profile");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 0\napp_pool = \"ews\"\n",
    ));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 8, 12, "event[0].app_pool");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 0\n[[event]]\nat = \"2h\"\nkind = \"ma_recycle\"\nserver = 1\n",
    ));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 8, 1, "event[1].app_pool");

    let e = parse_err("[simulation]\nname = \"x\"\nhorizon = \"1d\"\nwarmup = \"24h\"\n");
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 4, 10, "simulation.warmup");

    let e = parse_err(&with("[issuer]\nrenew_before = \"60m\"\n"));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 5, 16, "issuer.renew_before");
}

#[test]
fn upgrade_and_mitigation_fields_resolve() {
    let s = parse(&with(
        "[pool]\nservers = 5\nwithout_update = [4, 1, 2]\n[upgrade]\nrolling_first = \"3d\"\n\
         [maintenance]\nrejoin_after = \"6m\"\n[auth_admin]\nafter_rollover = \"10m\"\n\
         [[event]]\nat = \"1h\"\nkind = \"install_update\"\nserver = 3\n\
         [[event]]\nat = \"2h\"\nkind = \"install_update\"\nserver = 4\nduration = \"45m\"\n",
    ))
    .unwrap();
    // Stored ascending: the rolling upgrade goes in index order.
    assert_eq!(s.pool.without_update, [1, 2, 4]);
    assert_eq!(s.upgrade.rolling_first, Some(3 * DAY));
    assert_eq!(s.maintenance.rejoin_after, 6 * MINUTE);
    assert_eq!(s.auth_admin.after_rollover, Some(10 * MINUTE));
    let install = |at, server, duration| ScriptedEvent {
        at,
        kind: ScriptedKind::InstallUpdate,
        server,
        app_pool: None,
        duration,
    };
    assert_eq!(
        s.events,
        vec![
            install(HOUR, 3, None),
            install(2 * HOUR, 4, Some(45 * MINUTE))
        ]
    );
    // "0s" is a valid extra run delay (right after the publish); "off" works
    // for the rolling upgrade too.
    let s = parse(&with(
        "[auth_admin]\nafter_rollover = \"0s\"\n[upgrade]\nrolling_first = \"off\"\n",
    ))
    .unwrap();
    assert_eq!(s.auth_admin.after_rollover, Some(0));
}

#[test]
fn upgrade_and_mitigation_fields_are_validated_with_their_position() {
    // Line 4 is the first line after MINIMAL's three.
    let e = parse_err(&with("[pool]\nservers = 3\nwithout_update = [0, 3]\n"));
    assert!(e.kind() == Some(Kind::IndexOutOfRange), "{e:?}");
    assert_at(&e, 6, 22, "pool.without_update[1]");
    assert!(e.to_string().contains("0..=2"), "{e}");

    let e = parse_err(&with("[pool]\nwithout_update = [2, 1, 2]\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 25, "pool.without_update[2]");
    assert!(
        e.to_string()
            .contains("duplicate server 2 (also pool.without_update[0])"),
        "{e}"
    );

    let e = parse_err(&with("[pool]\nwithout_update = 2\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 18, "pool.without_update");

    let e = parse_err(&with("[pool]\nwithout_update = [\"2\"]\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 19, "pool.without_update[0]");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"install_update\"\nserver = 0\napp_pool = \"ews\"\n",
    ));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 8, 12, "event[0].app_pool");
    assert!(e.to_string().contains("install_update"), "{e}");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 0\nduration = \"1h\"\n",
    ));
    assert!(e.kind() == Some(Kind::Inconsistent), "{e:?}");
    assert_at(&e, 8, 12, "event[0].duration");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"install_update\"\nserver = 0\nduration = \"0s\"\n",
    ));
    assert!(e.kind() == Some(Kind::OutOfRange), "{e:?}");
    assert_at(&e, 8, 12, "event[0].duration");

    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"install_update\"\nserver = 4\n",
    ));
    assert!(e.kind() == Some(Kind::IndexOutOfRange), "{e:?}");
    assert_at(&e, 7, 10, "event[0].server");

    let e = parse_err(&with("[upgrade]\nrolling_first = \"soon\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 17, "upgrade.rolling_first");

    let e = parse_err(&with("[upgrade]\nrolling_frist = \"1d\"\n"));
    assert!(e.kind() == Some(Kind::UnknownKey), "{e:?}");
    assert_at(&e, 5, 1, "upgrade.rolling_frist");
    assert!(
        e.to_string().contains("did you mean `rolling_first`"),
        "{e}"
    );

    let e = parse_err(&with("[maintenance]\nrejoin_after = \"off\"\n"));
    assert!(e.kind() == Some(Kind::BadValue), "{e:?}");
    assert_at(&e, 5, 16, "maintenance.rejoin_after");

    let e = parse_err(&with("[auth_admin]\nafter_rollover = 10\n"));
    assert!(e.kind() == Some(Kind::WrongType), "{e:?}");
    assert_at(&e, 5, 18, "auth_admin.after_rollover");
}

// ---- every error, in file order, with suggestions ------------------------

#[test]
fn every_error_is_reported_in_file_order() {
    // Table order (simulation, issuer, pool, worker, ...) differs from file
    // order here: the [worker] mistake on line 5 comes before [pool]'s on line 7.
    let e = parse_err(&with(
        "[worker]\nstartup = \"5 parsecs\"\n[pool]\nservers = 0\n[issuer]\nrollover_every = 3\n",
    ));
    let lines: Vec<(usize, Option<&str>)> = e
        .diagnostics()
        .iter()
        .map(|d| (d.at.line, d.field.as_deref()))
        .collect();
    assert_eq!(
        lines,
        [
            (5, Some("worker.startup")),
            (7, Some("pool.servers")),
            (9, Some("issuer.rollover_every"))
        ],
        "{e}"
    );
    // The display has one `file:line:column: field: message` line each.
    let text = e.to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().all(|l| l.starts_with("test.toml:")), "{text}");
}

#[test]
fn unknown_keys_and_bad_values_are_all_reported() {
    let e = parse_err(&with(
        "[worker]\nstartupp = \"30s\"\ncrash_rat = 0\n[[event]]\nat = \"1h\"\nkind = \"server_crsh\"\nserver = 0\n",
    ));
    let shown: Vec<String> = e.diagnostics().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        shown,
        [
            "test.toml:5:1: worker.startupp: unknown key `startupp`; did you mean `startup`?",
            "test.toml:6:1: worker.crash_rat: unknown key `crash_rat`; did you mean `crash_rate`?",
            "test.toml:9:8: event[0].kind: unknown value \"server_crsh\"; did you mean \"server_crash\"?",
        ]
    );
}

#[test]
fn enum_values_suggest_the_closest_word_or_list_all() {
    let e = parse_err(&with("[balancer]\nalgorithm = \"round_robn\"\n"));
    assert_eq!(
        e.first().unwrap().suggestion.as_deref(),
        Some("\"round_robin\"")
    );
    assert!(
        e.to_string().ends_with("did you mean \"round_robin\"?"),
        "{e}"
    );
    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"worker_crash\"\nserver = 0\napp_pool = \"mpai\"\n",
    ));
    assert!(e.to_string().ends_with("did you mean \"mapi\"?"), "{e}");
    let e = parse_err(&with("[clients]\ndaily_profile = \"ofice\"\n"));
    assert!(e.to_string().ends_with("did you mean \"office\"?"), "{e}");
    // Nothing close: every valid word.
    let e = parse_err(&with("[balancer]\nalgorithm = \"fastest\"\n"));
    assert_eq!(e.first().unwrap().suggestion, None);
}

#[test]
fn a_check_that_depends_on_an_invalid_field_does_not_cascade() {
    // The pool is invalid, so the event's server index cannot be checked
    // against it: one message, not two.
    let e = parse_err(&with(
        "[pool]\nservers = \"four\"\n[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 7\n",
    ));
    assert_eq!(e.diagnostics().len(), 1, "{e}");
    assert_at(&e, 5, 11, "pool.servers");
    // An invalid warmup is not also compared with the horizon.
    let e = parse_err("[simulation]\nname = \"x\"\nhorizon = \"1x\"\nwarmup = \"2d\"\n");
    assert_eq!(e.diagnostics().len(), 1, "{e}");
    // An invalid kind does not make the app_pool wrong too.
    let e = parse_err(&with(
        "[[event]]\nat = \"1h\"\nkind = \"boom\"\nserver = 0\n",
    ));
    assert_eq!(e.diagnostics().len(), 1, "{e}");
}

#[test]
fn many_errors_are_capped_in_file_order() {
    let mut text = with("");
    for _ in 0..500 {
        text.push_str("[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 99\n");
    }
    let e = parse_err(&text);
    let ScenarioError::Invalid(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.list.len(), scenario::diagnostic::MAX_DIAGNOSTICS);
    assert_eq!(d.omitted, 500 - scenario::diagnostic::MAX_DIAGNOSTICS);
    assert_eq!(d.list[0].field.as_deref(), Some("event[0].server"));
    assert_eq!(d.list[1].field.as_deref(), Some("event[1].server"));
    assert!(
        e.to_string().ends_with("and 480 more errors not shown"),
        "{e}"
    );
}

#[test]
fn integers_beyond_64_bits_name_the_field_and_the_range() {
    let e =
        parse_err("[simulation]\nname = \"x\"\nhorizon = \"1d\"\nseed = 18446744073709551616\n");
    assert_eq!(
        e.to_string(),
        "test.toml:4:8: simulation.seed: 18446744073709551616 is out of range (expected: an integer in 0..=9223372036854775807)"
    );
    // Beyond i128 too, in another base.
    let e = parse_err(&with(
        "[pool]\nservers = 0xffffffffffffffffffffffffffffffffff\n",
    ));
    assert_at(&e, 5, 11, "pool.servers");
    assert_eq!(e.kind(), Some(Kind::OutOfRange));
}

#[test]
fn invalid_utf8_names_line_column_and_field() {
    let dir = std::env::temp_dir().join(format!("hmasim-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.toml");
    let mut bytes = MINIMAL.as_bytes().to_vec();
    bytes.extend_from_slice(b"[pool]\napp_pools = [\"ews\", \"caf\xe9\"]\n");
    std::fs::write(&path, &bytes).unwrap();
    let e = scenario::load(&path).unwrap_err();
    assert_eq!(e.kind(), Some(Kind::Encoding), "{e}");
    let at = e.location().unwrap();
    // "é" in Latin-1 (0xe9) after `app_pools = ["ews", "caf`: column 25.
    assert_eq!((at.line, at.column), (5, 25), "{e}");
    assert_eq!(e.field(), Some("pool.app_pools[1]"), "{e}");
    assert!(e.to_string().contains("not valid UTF-8: byte 0xe9"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- never panic -------------------------------------------------------

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let text = format!(
        "{MINIMAL}[worker]\nstartup = {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let e = parse_err(&text);
    assert!(e.kind() == Some(Kind::Syntax), "{e:?}");
}

/// Values that stress the parsers: overflow, negatives, NaN, unicode, types.
const NASTY: &[&str] = &[
    "\"99999999999999d\"",
    "\"18446744073709551615ms\"",
    "\"1.99999999999999999999h\"",
    "\"-1s\"",
    "\"\"",
    "\" \"",
    "\"off\"",
    "\"0/0s\"",
    "\"1e308/1d\"",
    "\"é5m\"",
    "\"5мин\"",
    "nan",
    "-inf",
    "1e308",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "0",
    "-1",
    "true",
    "[]",
    "[\"1h\"]",
    "[\"2h\", \"1h\"]",
    "[[]]",
    "{}",
    "1979-05-27T07:32:00Z",
    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, -1]",
];

/// Every (table, key) of the file, from the full example above.
fn keys() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut table = String::new();
    for line in FULL.lines() {
        let line = line.split('#').next().unwrap().trim();
        if line.starts_with('[') {
            table = line.to_string();
        } else if let Some((k, _)) = line.split_once('=') {
            out.push((table.clone(), k.trim().to_string()));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn nasty_values_never_panic(i in 0..keys().len(), v in 0..NASTY.len()) {
        let (table, key) = &keys()[i];
        let text = format!("{MINIMAL}{table}\n{key} = {}\n", NASTY[v]);
        if let Err(e) = parse(&text) {
            // Every content error has a location inside the file.
            if let Some(at) = e.location() {
                prop_assert!(at.line >= 1 && at.line <= text.lines().count() + 1, "{}", e);
            }
        }
    }

    #[test]
    fn mutated_valid_file_never_panics(
        edits in proptest::collection::vec((0..FULL.len(), 0usize..8, "\\PC{0,6}"), 1..6)
    ) {
        let mut text = FULL.to_string();
        for (pos, del, ins) in edits {
            let mut start = pos.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + del).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, &ins);
        }
        let _ = parse(&text);
    }
}
