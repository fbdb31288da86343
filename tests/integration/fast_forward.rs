//! Fast-forward (`simulation.fast_forward`, `--fast-forward`): it agrees
//! with exact mode in distribution, it is deterministic, flag-off and
//! flag-on runs share their random history, and it refuses what it cannot
//! do. `docs/fast-forward.md` has the full validation table, produced by
//! [`full_validation_table`].

use crate::cli::{assert_code, hmasim, stderr, stdout, temp_dir};
use crate::common::{run, scenario};
use crate::determinism::STORMY;
use hmasim::experiment::row::{METRICS, RunRow};
use hmasim::metrics::RunId;
use hmasim::metrics::stats::summarize;
use hmasim::model::{self, RunOptions};
use hmasim::scenario::Scenario;
use std::fmt::Write as _;

/// The `runs.csv` metrics of every replication of one flag value.
type Sample = Vec<[f64; 12]>;

/// The `runs.csv` metrics of one run, in [`METRICS`] order.
fn metrics(sc: &Scenario, replication: u32, read_session: bool) -> [f64; 12] {
    let id = RunId {
        seed: sc.simulation.seed,
        replication,
        read_session,
    };
    let r = model::run(sc, id, RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let row = RunRow::from_result(0, 0, &r);
    let mut m = [0.0; 12];
    for (i, c) in row.counts.iter().enumerate() {
        m[i] = *c as f64;
    }
    m[11] = row.episode_ms_total as f64 / 60_000.0;
    m
}

/// `replications` runs of each flag value of `sc`, on every core.
fn sample(sc: &Scenario, replications: u32) -> [Sample; 2] {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runs: Vec<(u32, bool)> = (0..replications)
        .flat_map(|r| [(r, false), (r, true)])
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(u32, bool, [f64; 12])> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(r, flag)) = runs.get(i) else {
                            return mine;
                        };
                        mine.push((r, flag, metrics(sc, r, flag)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    out.sort_by_key(|&(r, flag, _)| (flag, r));
    let by_flag =
        |flag: bool| -> Sample { out.iter().filter(|o| o.1 == flag).map(|o| o.2).collect() };
    [by_flag(false), by_flag(true)]
}

/// Welch's t of two samples; 0 when both are constant and equal, infinite
/// when both are constant and differ.
fn welch(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb) = (summarize(a), summarize(b));
    let (ma, mb) = (sa.mean.unwrap(), sb.mean.unwrap());
    let (va, vb) = (sa.sd.unwrap().powi(2), sb.sd.unwrap().powi(2));
    let se = (va / a.len() as f64 + vb / b.len() as f64).sqrt();
    if se > 0.0 {
        (ma - mb) / se
    } else if ma == mb {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The paired saving of user-minutes (flag off minus on, per replication)
/// and its 95% interval.
fn saving(s: &[Sample; 2]) -> (f64, f64, f64) {
    let d: Vec<f64> = s[0]
        .iter()
        .zip(&s[1])
        .map(|(off, on)| off[11] - on[11])
        .collect();
    let sum = summarize(&d);
    let (lo, hi) = sum.ci95.unwrap();
    (sum.mean.unwrap(), lo, hi)
}

/// Exact mode against fast-forward on `text` with `replications`: the
/// table's rows (markdown) and the failures (empty when they agree).
fn compare(name: &str, text: &str, replications: u32) -> (String, Vec<String>) {
    let exact = scenario(text);
    let mut ff = exact.clone();
    ff.simulation.fast_forward = true;
    let (e, f) = (sample(&exact, replications), sample(&ff, replications));
    let mut table = String::new();
    let mut failures = Vec::new();
    for flag in [false, true] {
        let (a, b) = (&e[usize::from(flag)], &f[usize::from(flag)]);
        for (i, metric) in METRICS.iter().enumerate() {
            let x: Vec<f64> = a.iter().map(|m| m[i]).collect();
            let y: Vec<f64> = b.iter().map(|m| m[i]).collect();
            let t = welch(&x, &y);
            let (sx, sy) = (summarize(&x), summarize(&y));
            let _ = writeln!(
                table,
                "| {name} | {flag} | {metric} | {:.1} ± {:.1} | {:.1} ± {:.1} | {t:.2} |",
                sx.mean.unwrap(),
                sx.sd.unwrap(),
                sy.mean.unwrap(),
                sy.sd.unwrap(),
            );
            if t.abs() > 4.0 {
                failures.push(format!(
                    "{name} read_session {flag} {metric}: Welch t = {t:.2}"
                ));
            }
            // `requests` agrees in distribution: the spreads too.
            if *metric == "requests" {
                let ratio = sx.sd.unwrap() / sy.sd.unwrap();
                if !(0.5..=2.0).contains(&ratio) {
                    failures.push(format!(
                        "{name} read_session {flag} requests: sd ratio {ratio:.2}"
                    ));
                }
            }
        }
    }
    let (se, sf) = (saving(&e), saving(&f));
    let _ = writeln!(
        table,
        "| {name} | saving | user_minutes | {:.1} [{:.1}, {:.1}] | {:.1} [{:.1}, {:.1}] | |",
        se.0, se.1, se.2, sf.0, sf.1, sf.2
    );
    if se.2 < sf.1 || sf.2 < se.1 {
        failures.push(format!(
            "{name}: the paired saving's intervals do not overlap: exact [{:.1}, {:.1}], fast-forward [{:.1}, {:.1}]",
            se.1, se.2, sf.1, sf.2
        ));
    }
    (table, failures)
}

/// A bundled scenario for validation: its `[[expect]]` tables dropped,
/// `overrides` (`key = value` lines per table) put into its tables.
fn bundled(file: &str, overrides: &[(&str, &str)]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("[[expect]]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    for (key, value) in overrides {
        let (table, field) = key.rsplit_once('.').unwrap();
        let value: toml_edit::Value = value.parse().unwrap();
        let mut item = doc.as_item_mut();
        for part in table.split('.') {
            if item.get(part).is_none() {
                item[part] = toml_edit::table();
            }
            item = &mut item[part];
        }
        item[field] = toml_edit::value(value);
    }
    doc.to_string()
}

/// The settings shared by every validation: 90 days, small pools.
fn ninety_days(users: &str) -> Vec<(&'static str, String)> {
    vec![
        ("simulation.horizon", "\"90d\"".into()),
        ("simulation.bucket", "\"1h\"".into()),
        ("clients.users", users.into()),
    ]
}

#[test]
fn fast_forward_agrees_with_exact_mode_on_the_baseline_over_90_days() {
    // 30 replications of 90 days of baseline.toml with 20 users (its
    // rollover, its maintenance nights, a rollover every 42 days on top;
    // probes every minute rather than 20 s, which only costs time).
    let mut o = ninety_days("20");
    o.push(("balancer.probe_interval", "\"60s\"".into()));
    o.push(("issuer.rollover_every", "\"42d\"".into()));
    o.push(("issuer.rollover_first", "\"30d 3h\"".into()));
    let o: Vec<(&str, &str)> = o.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (table, failures) = compare("baseline", &bundled("baseline.toml", &o), 30);
    assert!(failures.is_empty(), "{failures:#?}\n{table}");
}

/// The table of `docs/fast-forward.md`: every bundled scenario without
/// variants, 90 days, 30 replications, with the users given there. Minutes
/// in the release build:
/// `cargo test --release --test integration fast_forward::full_validation_table -- --ignored --nocapture`
#[test]
#[ignore = "minutes in the release build: regenerates the table of docs/fast-forward.md"]
fn full_validation_table() {
    let mut table = String::from(
        "| scenario | read_session | metric | exact mean ± sd | fast-forward mean ± sd | Welch t |\n\
         |---|---|---|---:|---:|---:|\n",
    );
    let mut failures = Vec::new();
    for (file, users) in [
        ("baseline.toml", "200"),
        ("affinity.toml", "200"),
        ("crash-storm.toml", "200"),
        ("cu-rollout.toml", "200"),
        ("patch-night.toml", "200"),
        ("large-org.toml", "400"),
    ] {
        let o = ninety_days(users);
        let o: Vec<(&str, &str)> = o.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let name = file.trim_end_matches(".toml");
        let (rows, f) = compare(name, &bundled(file, &o), 30);
        table.push_str(&rows);
        failures.extend(f);
    }
    println!("{table}");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_summary_says_how_much_was_fast_forwarded_and_runs_are_deterministic() {
    let dir = temp_dir("ff-jobs");
    let text = STORMY.replace("horizon = \"3d\"", "horizon = \"6d\"");
    std::fs::write(dir.join("s.toml"), text).unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out = hmasim(
            &dir,
            &[
                "run",
                "s.toml",
                "--fast-forward",
                "--no-charts",
                "--quiet",
                "--replications",
                "3",
                "--jobs",
                jobs,
                "--out",
                jobs,
            ],
        );
        assert_code(&out, 0);
        let summary = stdout(&out) + &stderr(&out);
        assert!(
            summary.contains("fast-forward: requests counted in bulk over"),
            "{summary}"
        );
        let mut files = Vec::new();
        for name in ["runs.csv", "timeseries.csv", "windows.csv", "compare.csv"] {
            files.push(std::fs::read(dir.join(jobs).join(name)).unwrap());
        }
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1], "--jobs 1 and --jobs 2 differ");
    // The --json document says it too; exact mode leaves the field out.
    for (ff, out) in [(true, "json-ff"), (false, "json-exact")] {
        let mut args = vec!["run", "s.toml", "--no-charts", "--json", "--out", out];
        if ff {
            args.push("--fast-forward");
        }
        let run = hmasim(&dir, &args);
        assert_code(&run, 0);
        let doc = crate::json::document(&run);
        let shares = &doc["summary"]["performance"]["fast_forwarded"];
        if ff {
            for flag in 0..2 {
                let share = shares[flag].as_f64().unwrap();
                assert!(share > 0.0 && share < 1.0, "{doc}");
            }
        } else {
            assert!(shares.is_null(), "{doc}");
        }
    }
    // The manifest re-runs it in fast-forward mode.
    let manifest = std::fs::read_to_string(dir.join("1/manifest.json")).unwrap();
    assert!(manifest.contains("--fast-forward"), "{manifest}");
}

#[test]
fn quiet_time_is_skipped_and_both_flags_share_the_history_before_the_first_key_signs() {
    // One rollover at 20d: quiet from the start, so both flag values count
    // the same requests in the same buckets until the run resumes before
    // the key signs (the flag changes nothing before a rejection).
    let text = r#"
[simulation]
name = "ff"
horizon = "30d"
bucket = "1h"
fast_forward = true
[issuer]
rollover_every = "off"
emergency_rate = "0/365d"
[[issuer.rollover]]
at = "20d"
lead = "0s"
[pool]
servers = 2
app_pools = ["ews", "mapi"]
[worker]
ma_recycle_rate = "1/2d"
[clients]
users = 500
request_interval = "60s"
daily_profile = "office"
"#;
    let sc = scenario(text);
    let mut exact_sc = sc.clone();
    exact_sc.simulation.fast_forward = false;
    let (off, on) = (run(&sc, 3, false), run(&sc, 3, true));
    let exact = run(&exact_sc, 3, false);
    // Resume 4 x (90m + 1m) before 20d.
    let resume = 20 * 86_400_000 - 4 * (90 + 1) * 60_000;
    let before = |r: &hmasim::metrics::RunResult| -> Vec<(u64, u64)> {
        r.timeseries
            .iter()
            .filter(|b| b.bucket_start_ms + 3_600_000 <= resume)
            .map(|b| (b.bucket_start_ms, b.requests))
            .collect()
    };
    assert_eq!(before(&off), before(&on));
    assert!(before(&off).len() > 400);
    // Bulk counts follow the office profile: the same order of magnitude
    // per bucket as exact mode (500 users, one request a minute).
    let total = |r: &hmasim::metrics::RunResult| r.totals.requests as f64;
    let ratio = total(&off) / total(&exact);
    assert!((ratio - 1.0).abs() < 0.01, "{ratio}");
    // Most of the horizon fast-forwarded: far fewer events than requests.
    assert!(
        off.totals.fast_forwarded_ms > 19 * 86_400_000,
        "{}",
        off.totals.fast_forwarded_ms
    );
    assert!(
        off.totals.events * 20 < exact.totals.events,
        "{} {}",
        off.totals.events,
        exact.totals.events
    );
    // Exact mode fast-forwards nothing.
    assert_eq!(exact.totals.fast_forwarded_ms, 0);
}

#[test]
fn fast_forward_refuses_fixed_arrivals_and_variants_that_set_it() {
    let dir = temp_dir("ff-refuses");
    std::fs::write(
        dir.join("fixed.toml"),
        "[simulation]\nname = \"f\"\nhorizon = \"1d\"\nfast_forward = true\n\
         [clients]\narrivals = \"fixed\"\n",
    )
    .unwrap();
    let out = hmasim(&dir, &["validate", "fixed.toml"]);
    assert_code(&out, 2);
    let e = stderr(&out);
    assert!(
        e.contains("fixed.toml:4:") && e.contains("simulation.fast_forward"),
        "{e}"
    );
    std::fs::write(
        dir.join("plain.toml"),
        "[simulation]\nname = \"f\"\nhorizon = \"1d\"\n[clients]\narrivals = \"fixed\"\n",
    )
    .unwrap();
    let out = hmasim(
        &dir,
        &["run", "plain.toml", "--fast-forward", "--no-charts"],
    );
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--fast-forward"), "{}", stderr(&out));
    std::fs::write(
        dir.join("variants.toml"),
        "[simulation]\nname = \"v\"\nhorizon = \"1d\"\n\
         [[variant]]\nname = \"a\"\nread_session = false\n\
         [[variant]]\nname = \"b\"\nread_session = true\nset = { \"simulation.fast_forward\" = true }\n",
    )
    .unwrap();
    let out = hmasim(&dir, &["validate", "variants.toml"]);
    assert_code(&out, 2);
    let e = stderr(&out);
    assert!(
        e.contains("a variant cannot set simulation.fast_forward"),
        "{e}"
    );
}

#[test]
fn variants_run_in_fast_forward_mode_on_common_random_numbers() {
    // scenarios/mitigations.toml's six variants over two days at 200 users:
    // every variant runs, --jobs changes no byte, and the expectations
    // written for exact mode are not checked.
    let dir = temp_dir("ff-variants");
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mitigations.toml");
    let scenario = scenario.to_str().unwrap();
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out = hmasim(
            &dir,
            &[
                "run",
                scenario,
                "--fast-forward",
                "--no-charts",
                "--quiet",
                "--replications",
                "2",
                "--set",
                "simulation.horizon=2d",
                "--set",
                "clients.users=200",
                "--jobs",
                jobs,
                "--out",
                jobs,
            ],
        );
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(
            text.contains("not checked (--set, --replications, --fast-forward"),
            "{text}"
        );
        assert!(
            text.contains("fast-forward: requests counted in bulk over"),
            "{text}"
        );
        let mut files = vec![std::fs::read(dir.join(jobs).join("variants.csv")).unwrap()];
        for v in [
            "nothing",
            "flag",
            "rejoin-6m",
            "after-rollover-10m",
            "always-running",
            "auth-admin-hourly",
        ] {
            files
                .push(std::fs::read(dir.join(jobs).join(format!("variant-{v}/runs.csv"))).unwrap());
        }
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    for runs in &outputs[0][1..] {
        let runs = String::from_utf8_lossy(runs);
        assert_eq!(runs.lines().count(), 1 + 2, "{runs}");
    }
}

#[test]
fn quiet_time_ends_only_before_a_key_signs_even_in_a_storm() {
    // STORMY (daily and emergency rollovers, crashes, recycles, failing auth
    // admin runs, maintenance) for 6 days, traced: the guard that checks the
    // proof after every queued event of quiet time never fires, so every
    // quiet stretch ends at a resume instant. The trace kinds fast-forward
    // adds are documented.
    let text = STORMY.replace("horizon = \"3d\"", "horizon = \"6d\"");
    let mut sc = scenario(&text);
    sc.simulation.fast_forward = true;
    let outputs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/outputs.md"),
    )
    .unwrap();
    let mut stretches = 0;
    for seed in 1..=6 {
        for flag in [false, true] {
            let r = crate::common::run_with(&sc, seed, flag, true);
            for t in &r.trace {
                if t.kind == "fast_forward_start" {
                    stretches += 1;
                }
                if t.kind == "fast_forward_end" {
                    assert_eq!(
                        t.detail, "resume before the next key signs",
                        "seed {seed} {flag}"
                    );
                }
                if t.kind.starts_with("fast_forward") {
                    assert!(outputs.contains(&format!("`{}`", t.kind)), "{}", t.kind);
                }
            }
        }
    }
    assert!(stretches >= 12, "{stretches}");
}
