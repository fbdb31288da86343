//! `[[variant]]` tables: alternatives run on the same random history,
//! `variants.csv`, the ranked summary, chart and report, their errors, and
//! that shards, merge and re-runs work for them as for sweep points.

use crate::cli::{assert_code, files, hmasim, stderr, stdout, temp_dir, write};
use hmasim::experiment::{Plan, PlanRequest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Oracle O1 (docs/model.md section 9) with three replications: one server,
/// one user every 10 s, a rollover at 1h and a scripted recycle at 2h. The
/// recycled process meets the unknown key: flag off it rejects for the hold
/// plus the update latency, flag on for the latency only.
fn o1() -> String {
    crate::common::oracle_text("1h", "3h", crate::common::RECYCLE_AT_2H)
        .replace("seed = 1\n", "seed = 1\nreplications = 3\n")
}

/// The variants of the tests: the reference, the flag, a shorter hold, and
/// a copy of the reference.
const VARIANTS: &str = r#"
[[variant]]
name = "nothing"

[[variant]]
name = "flag"
read_session = true

[[variant]]
name = "hold-10m"
set = { "worker.failed_update_hold" = "10m" }

[[variant]]
name = "same"
"#;

fn with_variants() -> String {
    format!("{}{VARIANTS}", o1())
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `variants.csv` row of `variant` and `metric`, by column name.
fn row(text: &str, variant: &str, metric: &str) -> BTreeMap<String, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cells: Vec<&str> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c[0] == variant && c[3] == metric)
        .unwrap_or_else(|| panic!("no row {variant} {metric} in\n{text}"));
    header
        .iter()
        .zip(cells)
        .map(|(h, c)| (h.to_string(), c.to_string()))
        .collect()
}

/// A `runs.csv` without its first column (`variant`).
fn without_variant_column(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once(',').unwrap().1.to_string() + "\n")
        .collect()
}

#[test]
fn the_paired_difference_against_the_first_variant_is_exact_on_o1() {
    let dir = temp_dir("variants-o1");
    write(&dir, "o1.toml", &with_variants());
    let out = hmasim(&dir, &["run", "o1.toml", "--out", "res", "-q"]);
    assert_code(&out, 0);
    let csv = read(dir.join("res/variants.csv"));
    assert_eq!(csv.lines().count(), 1 + 4 * 12, "{csv}");
    // The flag ends each window after the latency instead of hold + latency:
    // exactly 30 minutes less in every replication, a zero-width interval.
    let flag = row(&csv, "flag", "window_ms_total");
    assert_eq!(flag["read_session"], "true");
    assert_eq!(flag["rank"], "1");
    assert_eq!(flag["better"], "lower");
    assert_eq!(flag["n"], "3");
    for c in ["diff_mean", "diff_ci_low", "diff_ci_high"] {
        assert_eq!(flag[c], "-1800000.000", "{c}");
    }
    assert_eq!(flag["share_better"], "1.000");
    let um = row(&csv, "flag", "user_minutes");
    assert_eq!(
        (um["diff_mean"].as_str(), um["share_better"].as_str()),
        ("-30.000", "1.000")
    );
    // A 10-minute hold: 20 minutes less.
    let hold = row(&csv, "hold-10m", "window_ms_total");
    assert_eq!(hold["rank"], "2");
    assert_eq!(hold["diff_mean"], "-1200000.000");
    assert_eq!(hold["diff_ci_high"], "-1200000.000");
    // The reference has no difference; its copy is never better, and ties
    // keep file order.
    let nothing = row(&csv, "nothing", "user_minutes");
    assert_eq!(nothing["rank"], "3");
    assert_eq!([&nothing["diff_mean"], &nothing["share_better"]], ["", ""]);
    let same = row(&csv, "same", "user_minutes");
    assert_eq!(same["rank"], "4");
    assert_eq!(same["diff_mean"], "0.000");
    assert_eq!(same["share_better"], "0.000");
    // requests has no direction: no share.
    assert_eq!(row(&csv, "flag", "requests")["better"], "");
    assert_eq!(row(&csv, "flag", "requests")["share_better"], "");

    // The summary ranks them the same way.
    let text = stdout(&out);
    let ranked: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("variants ranked by user-minutes in prompt loops per 4h"))
        .skip(2)
        .take(4)
        .collect();
    assert!(ranked[0].contains("1  flag "), "{text}");
    assert!(ranked[0].contains("-30.0 [-30.0, -30.0]  3 of 3"), "{text}");
    assert!(ranked[1].contains("2  hold-10m"), "{text}");
    assert!(ranked[3].contains("4  same "), "{text}");
}

#[test]
fn variants_share_the_exogenous_history_and_a_flag_variant_is_a_plain_run() {
    let dir = temp_dir("variants-crn");
    // Random rollovers, recycles and crashes, so that any difference in
    // history would show (about 2 rollovers, 16 recycles and a window the
    // flag shortens per run).
    let noisy = r#"[simulation]
name = "noisy"
horizon = "4h"
replications = 2
[issuer]
rollover_every = "off"
emergency_rate = "12/1d"
[directory]
replication_delay = ["20m", "1h"]
[worker]
ma_recycle_rate = "96/1d"
crash_rate = "6/1d"
[pool]
servers = 1
app_pools = ["ews"]
[clients]
users = 5
"#;
    write(&dir, "plain.toml", noisy);
    write(
        &dir,
        "v.toml",
        &format!(
            "{noisy}{}",
            VARIANTS.replace("worker.failed_update_hold", "worker.startup")
        ),
    );
    let common = ["--no-charts", "-q", "--trace"];
    for (file, out, flag) in [
        ("plain.toml", "off", Some("false")),
        ("plain.toml", "on", Some("true")),
        ("v.toml", "v", None),
    ] {
        let mut args = vec!["run", file, "--out", out];
        args.extend(common);
        if let Some(f) = flag {
            args.extend(["--read-session", f]);
        }
        assert_code(&hmasim(&dir, &args), 0);
    }
    for (variant, plain) in [("flag", "on"), ("nothing", "off"), ("same", "off")] {
        for name in [
            "windows.csv",
            "timeseries.csv",
            "timeline.csv",
            "rollovers.csv",
            "events.csv",
        ] {
            assert_eq!(
                read(dir.join(format!("v/variant-{variant}/{name}"))),
                read(dir.join(format!("{plain}/{name}"))),
                "{variant}: {name}"
            );
        }
        let runs = read(dir.join(format!("v/variant-{variant}/runs.csv")));
        assert!(runs.starts_with("variant,scenario,seed,"), "{runs}");
        assert!(
            runs.lines()
                .skip(1)
                .all(|l| l.starts_with(&format!("{variant},")))
        );
        assert_eq!(
            without_variant_column(&runs),
            read(dir.join(format!("{plain}/runs.csv")))
        );
    }
    // Other scenarios keep runs.csv without the column.
    assert!(read(dir.join("off/runs.csv")).starts_with("scenario,seed,"));
    // The flag made a difference, and the runs had rollovers.
    assert_ne!(
        read(dir.join("off/windows.csv")),
        read(dir.join("on/windows.csv"))
    );
    assert!(read(dir.join("off/rollovers.csv")).lines().count() >= 3);
    // A variant that changes the start-up still sees the same rollovers.
    assert_eq!(
        read(dir.join("v/variant-hold-10m/rollovers.csv")),
        read(dir.join("off/rollovers.csv"))
    );
}

fn plan_error(text: &str, tweak: impl FnOnce(&mut PlanRequest)) -> String {
    let mut request = PlanRequest {
        scenario: PathBuf::from("s.toml"),
        ..PlanRequest::default()
    };
    tweak(&mut request);
    match Plan::build_from_text(request, text.to_string()) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn variant_mistakes_are_reported_at_their_place() {
    let base = crate::cli::TINY;
    // TINY has 12 lines; the first [[variant]] is on line 13.
    let v = |body: &str| format!("{base}[[variant]]\nname = \"a\"\n{body}");
    let cases = [
        (
            v("[[variant]]\nname = \"a\"\n"),
            "s.toml:16:8: variant[1].name: variant name \"a\" is used twice (also variant[0])",
        ),
        (
            format!("{base}[[variant]]\nname = \"\"\n"),
            "s.toml:14:8: variant[0].name: empty name",
        ),
        (
            v("set = { \"worker.startupp\" = \"45s\" }\n"),
            "s.toml:15:9: variant[0].set.\"worker.startupp\": unknown key `startupp`; did you mean `worker.startup`?",
        ),
        (
            v("set = { \"worker.startup\" = \"45 s\" }\n"),
            "s.toml:15:28: variant[0].set.\"worker.startup\": ",
        ),
        (
            v("set = { \"pool.servers\" = 0 }\n"),
            "s.toml:15:26: variant[0].set.\"pool.servers\": ",
        ),
        (
            v("read_session = \"both\"\n"),
            "s.toml:15:16: variant[0].read_session: \"both\" is not one flag value",
        ),
        (
            v("set = { \"org.read_session\" = true }\n"),
            "s.toml:15:9: variant[0].set.\"org.read_session\": a variant cannot set org.read_session",
        ),
        (
            v("[sweep]\n\"pool.servers\" = [1, 2]\n"),
            "s.toml:13:1: variant: [[variant]] tables cannot be combined with a sweep (s.toml:16:1: sweep.\"pool.servers\")",
        ),
        (
            format!("{}[org]\nread_session = \"both\"\n", v("")),
            "s.toml:16:16: org.read_session: not used with [[variant]] tables",
        ),
        // Expectations name their variant, with its flag value, and no saving.
        (
            v("[[expect]]\nmetric = \"rejected\"\nread_session = false\nmax = 1\n"),
            "s.toml:15:1: expect[0]: with [[variant]] tables, an expectation is about the runs of one variant",
        ),
        (
            v(
                "[[expect]]\nvariant = \"b\"\nmetric = \"rejected\"\nread_session = false\nmax = 1\n",
            ),
            "s.toml:16:11: expect[0].variant: no variant \"b\" (expected: one of a)",
        ),
        (
            v("[[expect]]\nvariant = \"a\"\nmetric = \"rejected\"\nread_session = true\nmax = 1\n"),
            "s.toml:15:1: expect[0].read_session: variant a runs read_session = false, not true",
        ),
        (
            v("[simulation.x]\n[[expect]]\nvariant = \"a\"\nsaving = \"rejected\"\nmin = 1\n")
                .replace("[simulation.x]\n", "")
                .replace("horizon = \"2h\"", "horizon = \"2h\"\nreplications = 2"),
            "expect[0].saving: a variant runs one flag value: it has no saving",
        ),
        (
            format!("{base}[[expect]]\nvariant = \"a\"\nmetric = \"rejected\"\nmax = 1\n").replace(
                "horizon = \"2h\"",
                "horizon = \"2h\"\n[org]\nread_session = false",
            ),
            "expect[0].variant: the scenario has no [[variant]] tables",
        ),
    ];
    for (text, want) in cases {
        let e = plan_error(&text, |_| {});
        assert!(e.contains(want), "want {want}\n got {e}");
    }
    // The file's own mistakes and the tables' come together, in file order.
    let e = plan_error(
        &format!("{}[worker]\nstartup = \"x\"\n", v("sett = 1\n")),
        |_| {},
    );
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines[0].starts_with("s.toml:15:1: variant[0].sett: unknown key"),
        "{e}"
    );
    assert!(
        lines[1].starts_with("s.toml:17:11: worker.startup: "),
        "{e}"
    );
    // Command-line options that do not fit variants.
    let text = v("");
    for (tweak, want) in [
        (
            Box::new(|r: &mut PlanRequest| {
                r.read_session = Some(hmasim::scenario::ReadSessionChoice::Both)
            }) as Box<dyn FnOnce(&mut PlanRequest)>,
            "--read-session cannot be used with [[variant]] tables (s.toml:13:1)",
        ),
        (
            Box::new(|r: &mut PlanRequest| r.varies = vec!["pool.servers=1,2".into()]),
            "cannot be combined with a sweep (--vary pool.servers=1,2)",
        ),
        (
            Box::new(|r: &mut PlanRequest| r.variants = vec!["b".into()]),
            "--variant b: s.toml has no variant \"b\"",
        ),
        (
            Box::new(|r: &mut PlanRequest| r.sets = vec!["org.read_session=true".into()]),
            "--set org.read_session=true: not used with [[variant]] tables",
        ),
    ] {
        let e = plan_error(&text, tweak);
        assert!(e.contains(want), "want {want}\n got {e}");
    }
    let e = plan_error(base, |r| r.variants = vec!["a".into()]);
    assert!(
        e.contains("--variant a: s.toml has no [[variant]] tables"),
        "{e}"
    );

    // validate shows the entry's line with a caret under the value.
    let dir = temp_dir("variants-validate");
    write(
        &dir,
        "s.toml",
        &v("set = { \"worker.startup\" = \"45 s\" }\n"),
    );
    let out = hmasim(&dir, &["validate", "s.toml"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(
            "15 | set = { \"worker.startup\" = \"45 s\" }\n   |                            ^^^^^^"
        ),
        "{err}"
    );
}

#[test]
fn expectations_check_the_runs_of_their_variant() {
    let dir = temp_dir("variants-expect");
    // The fingerprint of the reference's replication 0 is the plain flag-off run's.
    write(&dir, "o1.toml", &o1());
    assert_code(
        &hmasim(
            &dir,
            &[
                "run",
                "o1.toml",
                "--out",
                "plain",
                "-q",
                "--no-charts",
                "--replication",
                "0",
            ],
        ),
        0,
    );
    let plain = read(dir.join("plain/runs.csv"));
    let off = plain.lines().find(|l| l.contains(",false,")).unwrap();
    let fingerprint = off.rsplit(',').next().unwrap();
    let expect = format!(
        r#"
[[expect]]
variant = "flag"
metric = "window_ms_max"
read_session = true
max = 10000
[[expect]]
variant = "hold-10m"
metric = "window_ms_max"
read_session = false
min = 600000
max = 610000
[[expect]]
variant = "nothing"
fingerprint = "{fingerprint}"
read_session = false
[[expect]]
variant = "same"
metric = "user_minutes"
read_session = false
max = 1
"#
    );
    write(&dir, "v.toml", &format!("{}{expect}", with_variants()));
    let out = hmasim(
        &dir,
        &["run", "v.toml", "--out", "res", "-q", "--no-charts"],
    );
    // The copy of the reference spends 30 minutes in a prompt loop: that one fails.
    assert_code(&out, 4);
    let text = stdout(&out);
    for want in [
        "window_ms_max (read_session true) of variant flag",
        "fingerprint (seed 1, replication 0, read_session false) of variant nothing",
        "expectations: 3 passed, 1 failed",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    assert!(
        text.lines().any(|l| l.contains("FAIL")
            && l.contains("user_minutes (read_session false) of variant same")),
        "{text}"
    );
    // A variant left out by --variant: its expectations are skipped, the
    // others still hold (a variant's runs do not depend on the others).
    let out = hmasim(
        &dir,
        &[
            "run",
            "v.toml",
            "--out",
            "some",
            "-q",
            "--no-charts",
            "--variant",
            "nothing",
            "--variant",
            "flag",
        ],
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("expectations: 2 passed, 0 failed, 2 skipped"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn set_applies_to_every_variant_and_a_variant_entry_wins() {
    let text = format!(
        "{}{}",
        crate::cli::TINY,
        "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nset = { \"worker.startup\" = \"45s\" }\n"
    );
    let request = PlanRequest {
        scenario: PathBuf::from("s.toml"),
        sets: vec!["worker.startup=10s".into(), "clients.users=3".into()],
        ..PlanRequest::default()
    };
    let plan = Plan::build_from_text(request, text).unwrap();
    let startup: Vec<u64> = plan
        .points
        .iter()
        .map(|p| p.scenario.worker.startup)
        .collect();
    assert_eq!(startup, [10_000, 45_000]);
    assert!(plan.points.iter().all(|p| p.scenario.clients.users == 3));
    // Each point has its variant's one flag value and the scenario's seed.
    let entries = plan.point_entries();
    assert_eq!(entries[1].dir, "variant-b");
    assert_eq!(entries[1].read_session, [false]);
    assert_eq!(entries[0].seed, entries[1].seed);
}

#[test]
fn variants_csv_round_trips_and_the_chart_and_report_show_the_ranking() {
    let dir = temp_dir("variants-outputs");
    write(&dir, "o1.toml", &with_variants());
    assert_code(&hmasim(&dir, &["run", "o1.toml", "--out", "res", "-q"]), 0);
    let res = dir.join("res");
    let path = res.join("variants.csv");
    let bytes = std::fs::read(&path).unwrap();
    let rows = hmasim::output::read::read_variants(&path).unwrap();
    assert_eq!(rows.len(), 4 * 12);
    assert_eq!(rows[0].variant, "flag");
    assert_eq!(rows[0].metric, "requests");
    assert!(
        rows.iter()
            .any(|r| r.variant == "nothing" && r.diff_mean.is_none())
    );
    // Written again, the records read give the same bytes.
    assert_eq!(hmasim::output::csv::table(rows).unwrap(), bytes);

    // The chart: PNG and SVG, the variants in rank order from the top.
    assert!(res.join("variants.png").is_file());
    let svg = read(res.join("variants.svg"));
    assert!(
        svg.contains("Variants ranked by user-minutes in prompt loops"),
        "no title"
    );
    assert!(svg.contains("difference vs nothing"), "no difference panel");
    // The height of a label: the `y` of its text element.
    let y = |name: &str| -> u32 {
        let end = svg
            .find(&format!(">\n{name}\n</text>"))
            .unwrap_or_else(|| panic!("no label {name}"));
        let start = svg[..end].rfind("<text").unwrap();
        let attr = &svg[start..end];
        let v = &attr[attr.find(" y=\"").unwrap() + 4..];
        v[..v.find('"').unwrap()].parse().unwrap()
    };
    assert!(y("flag") < y("hold-10m") && y("hold-10m") < y("nothing"));
    // `hmasim plot` redraws it from variants.csv alone.
    std::fs::remove_file(res.join("variants.svg")).unwrap();
    assert_code(&hmasim(&dir, &["plot", "res"]), 0);
    assert_eq!(read(res.join("variants.svg")), svg);

    // The report: the ranked table, what each variant sets, the folders.
    let html = read(res.join("index.html"));
    let table = &html[html
        .find("<caption>Variants ranked by user-minutes")
        .expect("a ranked table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let pos = |s: &str| {
        table
            .find(s)
            .unwrap_or_else(|| panic!("{s} not in {table}"))
    };
    assert!(pos("<td>flag</td>") < pos("<td>hold-10m</td>"));
    assert!(pos("<td>hold-10m</td>") < pos("<td>nothing</td>"));
    assert!(
        table.contains("<td>worker.failed_update_hold=10m</td>"),
        "{table}"
    );
    assert!(
        table.contains("<td>-30 [-30, -30]</td><td>100%</td>"),
        "{table}"
    );
    assert!(table.contains("<td>reference</td>"), "{table}");
    assert!(html.contains("<a href=\"variant-flag/index.html\">report</a>"));
    assert!(html.contains("<figure id=\"variants\">"));
    // Each variant folder has its own report with its own settings.
    let hold = read(res.join("variant-hold-10m/index.html"));
    assert!(
        hold.contains("oracle (variant hold-10m, flag off)"),
        "{hold}"
    );
    assert!(hold.contains("<code>worker.failed_update_hold</code></td><td>10m</td>"));
}

#[test]
fn shards_merge_to_the_unsharded_folder_and_a_row_re_runs_from_the_manifest() {
    let dir = temp_dir("variants-shards");
    write(&dir, "o1.toml", &with_variants());
    let common = ["--no-charts", "-q", "--trace"];
    let mut whole = vec!["run", "o1.toml", "--out", "whole"];
    whole.extend(common);
    let single = hmasim(&dir, &whole);
    assert_code(&single, 0);
    for k in ["0/3", "1/3", "2/3"] {
        let out = format!("shard{}", &k[..1]);
        let mut args = vec!["run", "o1.toml", "--out", &out, "--shard", k];
        args.extend(common);
        assert_code(&hmasim(&dir, &args), 0);
    }
    assert!(
        !dir.join("shard0/variants.csv").exists(),
        "the merge writes it"
    );
    let out = hmasim(
        &dir,
        &[
            "merge",
            "shard2",
            "shard0",
            "shard1",
            "--out",
            "merged",
            "--no-charts",
        ],
    );
    assert_code(&out, 0);
    let (a, b) = (files(&dir.join("whole")), files(&dir.join("merged")));
    assert!(a.contains_key(Path::new("variants.csv")));
    assert!(a.contains_key(Path::new("variant-hold-10m/events.csv")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        if name != Path::new("manifest.json") {
            assert!(
                bytes == &b[name],
                "{} differs after the merge",
                name.display()
            );
        }
    }
    // The merge prints the same ranking.
    let ranking = |text: String| -> Vec<String> {
        text.lines()
            .take_while(|l| !l.contains(" runs on ") && !l.starts_with("merged "))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(ranking(stdout(&out)), ranking(stdout(&single)));
    assert_eq!(ranking(stdout(&out)).len(), 6);

    // The manifest's re-run of a variant reproduces one of its rows.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("whole/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["manifest_version"], 3);
    let point = &manifest["points"][2];
    assert_eq!(point["variant"]["name"], "hold-10m");
    assert_eq!(point["variant"]["set"][0], "worker.failed_update_hold=10m");
    let mut args: Vec<String> = point["rerun"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert!(
        args.ends_with(&["--variant".into(), "hold-10m".into(), "--trace".into()]),
        "{args:?}"
    );
    let row = dir.join("row");
    args.extend(["--replication", "2", "--no-charts", "-q", "--out"].map(String::from));
    args.push(row.display().to_string());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_code(&hmasim(&dir.join("whole"), &argv), 0);
    let rerun = read(row.join("variant-hold-10m/runs.csv"));
    let original = read(dir.join("whole/variant-hold-10m/runs.csv"));
    let rows: Vec<&str> = rerun.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{rerun}");
    assert!(rows[0].starts_with("hold-10m,oracle,1,2,false,"), "{rerun}");
    assert!(
        original.lines().any(|l| l == rows[0]),
        "{rerun}\n{original}"
    );
    // Only the variant asked for ran.
    assert!(!row.join("variant-nothing").exists());
}
