//! Charts and the HTML report, drawn from hand-built result folders (the
//! model is not needed: records are written with the CSV writers, then read
//! back the way `hmasim plot DIR` does).
//!
//! The timeline SVG of oracle case O1 is compared byte for byte with
//! `tests/golden/charts/timeline_o1.svg`; after an intended change to the
//! charts, regenerate it with
//! `HMASIM_REGENERATE_GOLDEN=1 cargo test --test integration charts::`.
//! The folders drawn are left under `target/tmp/charts-*` for a look.

use std::fs;
use std::path::{Path, PathBuf};

use hmasim::metrics::{
    BucketRecord, RolloverRecord, RunId, RunResult, SpawnCause, StateInterval, StateKind, Totals,
    WindowRecord,
};
use hmasim::output::atomic::write_file;
use hmasim::output::charts::{ChartOptions, draw_all};
use hmasim::output::csv;
use hmasim::output::report::{ReportInfo, write_report};
use hmasim::scenario::clock::WallClock;

const S: u64 = 1000;
const M: u64 = 60 * S;
const H: u64 = 60 * M;
const D: u64 = 24 * H;

/// A fresh folder under cargo's per-test scratch directory.
fn folder(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("charts-{name}"));
    let _ = fs::remove_dir_all(&p);
    fs::create_dir_all(&p).unwrap();
    p
}

/// Writes the CSVs of `runs` as a run would.
fn write_csvs(dir: &Path, scenario: &str, runs: &[RunResult]) {
    write_csvs_at(dir, scenario, runs, None);
}

/// Writes the CSVs of `runs` as a run of a scenario with the start `clock` would.
fn write_csvs_at(dir: &Path, scenario: &str, runs: &[RunResult], clock: Option<&WallClock>) {
    let refs: Vec<&RunResult> = runs.iter().collect();
    write_file(
        &dir.join("runs.csv"),
        &csv::runs_csv(scenario, &refs).unwrap(),
    )
    .unwrap();
    write_file(
        &dir.join("windows.csv"),
        &csv::windows_csv(&refs, clock).unwrap(),
    )
    .unwrap();
    write_file(
        &dir.join("timeseries.csv"),
        &csv::timeseries_csv(&refs, clock).unwrap(),
    )
    .unwrap();
    write_file(
        &dir.join("timeline.csv"),
        &csv::timeline_csv(&refs, clock).unwrap(),
    )
    .unwrap();
    write_file(
        &dir.join("rollovers.csv"),
        &csv::rollovers_csv(&refs, clock).unwrap(),
    )
    .unwrap();
}

fn window(server: u32, pool: &str, start: u64, end: u64, cause: SpawnCause) -> WindowRecord {
    WindowRecord {
        server,
        app_pool: pool.into(),
        start_ms: start,
        end_ms: end,
        cause,
        updated: true,
        rollover: 1,
        rejected_requests: (end - start) / (10 * S) + 1,
        users_affected: 1,
    }
}

fn state(server: u32, pool: &str, state: StateKind, start: u64, end: u64) -> StateInterval {
    StateInterval {
        server,
        app_pool: pool.into(),
        state,
        start_ms: start,
        end_ms: end,
    }
}

/// Oracle case O1 (docs/model.md section 9), as the model should record it.
fn o1(read_session: bool) -> RunResult {
    let recycled_end = if read_session { 7_232_000 } else { 9_032_000 };
    let windows = vec![
        window(0, "ews", 3_600_000, 3_602_000, SpawnCause::Initial),
        window(0, "ews", 7_230_000, recycled_end, SpawnCause::MaRecycle),
    ];
    let timeseries = (0..24)
        .map(|i| {
            let start = i * 10 * M;
            let rejected = windows
                .iter()
                .map(|w| {
                    let overlap = w
                        .end_ms
                        .min(start + 10 * M)
                        .saturating_sub(w.start_ms.max(start));
                    overlap.div_ceil(10 * S)
                })
                .sum();
            BucketRecord {
                bucket_start_ms: start,
                requests: 60,
                rejected,
                unavailable: 0,
                servers_in_pool: 1,
                workers_failing: u32::from(rejected > 0),
            }
        })
        .collect();
    RunResult {
        id: RunId {
            seed: 1,
            replication: 0,
            read_session,
        },
        totals: Totals {
            requests: 1440,
            accepted: 1440 - if read_session { 2 } else { 182 },
            rejected: if read_session { 2 } else { 182 },
            users_affected: 1,
            episodes: 2,
            episode_ms_total: if read_session { 40 * S } else { 1_822_000 },
            events: 3000,
            fingerprint: 0x0123_4567_89ab_cdef,
            ..Totals::default()
        },
        windows,
        timeseries,
        timeline: vec![
            state(0, "ews", StateKind::WorkerStarting, 0, 30 * S),
            state(0, "ews", StateKind::WorkerStarting, 2 * H, 2 * H + 30 * S),
        ],
        rollovers: vec![RolloverRecord {
            key: 1,
            publish_ms: H,
            sign_ms: H,
            retire_previous_ms: 25 * H,
        }],
        trace: Vec::new(),
        wall_ms: 0,
    }
}

/// A 14-day, 4-server, 4-pool run with a rollover on day 3 and rolling
/// maintenance on day 10, deterministic in (replication, flag).
fn big_run(replication: u32, read_session: bool) -> RunResult {
    let pools = ["ews", "mapi", "eas", "owa"];
    let hold = |base: u64| if read_session { base } else { base + 30 * M };
    let r = u64::from(replication);
    let mut windows = Vec::new();
    let mut timeline = Vec::new();
    // Rollover: every established worker rejects once, briefly.
    let roll = 3 * D + 4 * H;
    for s in 0..4u32 {
        for (p, pool) in pools.iter().enumerate() {
            let start = roll + u64::from(s) * 7 * S + p as u64 * 3 * S;
            windows.push(window(
                s,
                pool,
                start,
                start + 2 * S + r * 100,
                SpawnCause::Initial,
            ));
        }
    }
    // A managed-availability recycle on day 3, just after the rollover.
    timeline.push(state(
        2,
        "mapi",
        StateKind::WorkerStarting,
        roll + 40 * M,
        roll + 40 * M + 30 * S,
    ));
    windows.push(window(
        2,
        "mapi",
        roll + 40 * M + 30 * S,
        hold(roll + 40 * M + 32 * S),
        SpawnCause::MaRecycle,
    ));
    // Rolling maintenance on day 10: 90 min each, 15 min apart.
    let mut t = 10 * D + 2 * H;
    for s in 0..4u32 {
        let end = t + 90 * M + r * M;
        timeline.push(state(s, "", StateKind::Draining, t, t + 10 * S));
        timeline.push(state(s, "", StateKind::OutOfPool, t + 10 * S, end + 10 * S));
        timeline.push(state(s, "", StateKind::Maintenance, t + 10 * S, end));
        for (p, pool) in pools.iter().enumerate() {
            let spawn = end + 20 * S + p as u64 * S;
            timeline.push(state(
                s,
                pool,
                StateKind::WorkerStarting,
                spawn,
                spawn + 30 * S,
            ));
            if (s + p as u32 + replication).is_multiple_of(3) {
                windows.push(window(
                    s,
                    pool,
                    spawn + 30 * S,
                    hold(spawn + 32 * S),
                    SpawnCause::MaintenanceReturn,
                ));
            }
        }
        t = end + 15 * M;
    }
    // A server crash on day 12.
    let crash = 12 * D + 5 * H + r * H;
    timeline.push(state(3, "", StateKind::Crashed, crash, crash + 11 * M));
    timeline.push(state(
        3,
        "",
        StateKind::OutOfPool,
        crash + 10 * S,
        crash + 11 * M + 10 * S,
    ));
    timeline.sort_by_key(|i| i.start_ms);
    windows.sort_by_key(|w| (w.start_ms, w.server, w.app_pool.clone()));

    let bucket = M;
    let timeseries = (0..14 * D / bucket)
        .map(|i| {
            let start = i * bucket;
            let failing: Vec<&WindowRecord> = windows
                .iter()
                .filter(|w| w.start_ms < start + bucket && w.end_ms > start)
                .collect();
            let requests = 2000 + (i % 60) * 3;
            BucketRecord {
                bucket_start_ms: start,
                requests,
                rejected: failing.len() as u64 * 120,
                unavailable: 0,
                servers_in_pool: 4,
                workers_failing: failing.len() as u32,
            }
        })
        .collect::<Vec<_>>();
    let window_minutes: u64 = windows.iter().map(|w| w.duration_ms()).sum::<u64>() / M;
    RunResult {
        id: RunId {
            seed: 42,
            replication,
            read_session,
        },
        totals: Totals {
            requests: 40_000_000,
            accepted: 39_990_000,
            rejected: window_minutes * 120,
            unavailable: 55,
            users_affected: 40 + window_minutes,
            episodes: 50 + window_minutes,
            episode_ms_total: (window_minutes * 9 + 3 + r * 7) * M,
            events: 50_000_000,
            fingerprint: r * 2 + u64::from(read_session),
            ..Totals::default()
        },
        windows,
        timeseries,
        timeline,
        rollovers: vec![RolloverRecord {
            key: 1,
            publish_ms: roll,
            sign_ms: roll,
            retire_previous_ms: roll + D,
        }],
        trace: Vec::new(),
        wall_ms: 0,
    }
}

fn big_folder(name: &str, replications: u32) -> PathBuf {
    let dir = folder(name);
    let runs: Vec<RunResult> = (0..replications)
        .flat_map(|r| [big_run(r, false), big_run(r, true)])
        .collect();
    write_csvs(&dir, "rolling-maintenance", &runs);
    dir
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Decodes a PNG and returns its size.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    // Not a blank image: some pixels are far from white.
    assert!(
        buf.iter().filter(|b| **b < 128).count() > 1000,
        "{path:?} looks blank"
    );
    (info.width, info.height)
}

fn csv_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn draws_every_chart_as_png_and_svg_without_touching_the_csvs() {
    let dir = big_folder("big", 3);
    let before = csv_bytes(&dir);
    let files = draw_all(&dir, &ChartOptions::default()).unwrap();
    assert_eq!(
        names(&files),
        [
            "timeline.png",
            "timeline.svg",
            "rejections.png",
            "rejections.svg",
            "windows.png",
            "windows.svg",
            "impact.png",
            "impact.svg"
        ]
    );
    for f in &files {
        if f.extension().unwrap() == "png" {
            assert_eq!(png_size(f), (1200, 700), "{f:?}");
        } else {
            let svg = fs::read_to_string(f).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.contains("width=\"1200\""),
                "{f:?}"
            );
        }
    }
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    // 14 days: zoomed on the busiest day (day 10, maintenance returns).
    assert!(timeline.contains("busiest day"), "no automatic zoom");
    assert!(timeline.contains("flag off (write session)"));
    assert!(timeline.contains("flag on (read session)"));
    // The rejections of day 10 get a panel of their own, marked on the
    // whole run above it (the busiest day is the timeline's).
    let rejections = fs::read_to_string(dir.join("rejections.svg")).unwrap();
    assert!(rejections.contains("whole run (14d) · peak of every 14 buckets shown"));
    assert!(
        rejections.contains("10d 2h to 10d 11h: around the failure windows of the busiest day"),
        "no zoomed panel"
    );
    assert!(rejections.contains("shown below in detail"));
    let impact = fs::read_to_string(dir.join("impact.svg")).unwrap();
    assert!(impact.contains("95% CI"), "no CI in the impact chart");
    assert_eq!(before, csv_bytes(&dir), "charts changed a CSV");
    assert!(
        fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "temporary file left behind"
    );
}

#[test]
fn timeline_svg_matches_golden_and_is_deterministic() {
    let dir = folder("o1");
    write_csvs(&dir, "o1", &[o1(false), o1(true)]);
    draw_all(&dir, &ChartOptions::default()).unwrap();
    let first = fs::read(dir.join("timeline.svg")).unwrap();
    draw_all(&dir, &ChartOptions::default()).unwrap();
    assert_eq!(
        first,
        fs::read(dir.join("timeline.svg")).unwrap(),
        "not deterministic"
    );

    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/charts/timeline_o1.svg");
    if std::env::var_os("HMASIM_REGENERATE_GOLDEN").is_some() {
        fs::create_dir_all(golden.parent().unwrap()).unwrap();
        fs::write(&golden, &first).unwrap();
        eprintln!("regenerated {}", golden.display());
    }
    let expected = fs::read(&golden).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with HMASIM_REGENERATE_GOLDEN=1",
            golden.display()
        )
    });
    assert!(
        first == expected,
        "timeline.svg differs from {}; if the change is intended, regenerate with \
         HMASIM_REGENERATE_GOLDEN=1 cargo test --test integration charts:: (drawn: {})",
        golden.display(),
        dir.join("timeline.svg").display()
    );
}

/// The text of every `<text>` element of an SVG, in order.
fn svg_texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            t.split_once('>')
                .and_then(|(_, rest)| rest.split_once("</text>"))
        })
        .map(|(text, _)| text.trim())
        .collect()
}

#[test]
fn with_a_start_the_time_axes_show_utc_dates_and_times() {
    let dir = folder("o1-dated");
    let clock = WallClock::parse("2026-06-01T22:00:00Z").unwrap();
    write_csvs_at(&dir, "o1", &[o1(false), o1(true)], Some(&clock));
    let options = ChartOptions {
        start: Some(clock),
        ..ChartOptions::default()
    };
    draw_all(&dir, &options).unwrap();
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    let texts = svg_texts(&timeline);
    // Ticks on whole UTC hours, the date at midnight; the axis names the dates.
    for label in ["22:00", "23:00", "Jun 2", "01:00"] {
        assert!(texts.contains(&label), "no tick {label}: {texts:?}");
    }
    assert!(
        texts.contains(&"date and time (UTC), 2026-06-01 to 2026-06-02"),
        "{texts:?}"
    );
    assert!(!timeline.contains("time since start"), "{texts:?}");
    let rejections = fs::read_to_string(dir.join("rejections.svg")).unwrap();
    let texts = svg_texts(&rejections);
    assert!(texts.contains(&"Jun 2"), "{texts:?}");
    assert!(!rejections.contains("time since start"), "{texts:?}");

    // A chosen range is dated in the subtitles too.
    let zoomed = ChartOptions {
        zoom: Some((2 * H, 3 * H)),
        start: Some(clock),
        ..ChartOptions::default()
    };
    draw_all(&dir, &zoomed).unwrap();
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    assert!(
        timeline.contains("2026-06-02 00:00 to 01:00 UTC, 2h to 3h of 4h (chosen range)"),
        "{:?}",
        svg_texts(&timeline)
    );
    let texts = svg_texts(&timeline);
    assert!(texts.contains(&"time (UTC), 2026-06-02"), "{texts:?}");
    assert!(texts.contains(&"00:30"), "{texts:?}");
}

#[test]
fn explicit_zoom_and_hold_are_used() {
    let dir = folder("o1-zoom");
    write_csvs(&dir, "o1", &[o1(false), o1(true)]);
    let options = ChartOptions {
        zoom: Some((2 * H, 3 * H)),
        hold_ms: 20 * M,
        ..ChartOptions::default()
    };
    draw_all(&dir, &options).unwrap();
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    assert!(
        timeline.contains("2h to 3h of 4h (chosen range)"),
        "zoom not shown"
    );
    let windows = fs::read_to_string(dir.join("windows.svg")).unwrap();
    assert!(windows.contains("failed_update_hold = 20m"));
    // --from/--to replace the automatic panels: one panel, the chosen range.
    let rejections = fs::read_to_string(dir.join("rejections.svg")).unwrap();
    assert!(rejections.contains("seed 1, replication 0 · 2h to 3h"));
    assert!(!rejections.contains("whole run") && !rejections.contains("in detail"));

    // The horizon from the manifest wins over the CSVs' estimate (the end
    // of the last bucket, 4h here).
    let known = ChartOptions {
        horizon_ms: Some(3 * H + 30 * M),
        ..ChartOptions::default()
    };
    draw_all(&dir, &known).unwrap();
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    assert!(timeline.contains("whole run (3h 30m)"), "horizon not used");
    // Windows over most of a short run: no zoomed panel.
    let rejections = fs::read_to_string(dir.join("rejections.svg")).unwrap();
    assert!(!rejections.contains("in detail") && !rejections.contains("whole run"));

    let bad = ChartOptions {
        zoom: Some((3 * H, 2 * H)),
        hold_ms: 20 * M,
        ..ChartOptions::default()
    };
    let err = draw_all(&dir, &bad).unwrap_err();
    let failed: Vec<&str> = err.failures.iter().map(|f| f.chart.as_str()).collect();
    assert_eq!(failed, ["timeline", "rejections"]);
    assert!(err.to_string().contains("empty time range"), "{err}");
    // The other charts were still drawn.
    assert_eq!(
        names(&err.written),
        ["windows.png", "windows.svg", "impact.png", "impact.svg"]
    );
}

#[test]
fn a_malformed_csv_fails_only_the_charts_that_need_it() {
    let dir = folder("broken");
    write_csvs(&dir, "o1", &[o1(false), o1(true)]);
    let mut w = fs::read_to_string(dir.join("windows.csv")).unwrap();
    w.push_str("1,0,false,0,ews,10,20,10,sunspots,true,1,1,1\n");
    fs::write(dir.join("windows.csv"), w).unwrap();
    let err = draw_all(&dir, &ChartOptions::default()).unwrap_err();
    let failed: Vec<&str> = err.failures.iter().map(|f| f.chart.as_str()).collect();
    assert_eq!(failed, ["timeline", "rejections", "windows"]);
    let msg = err.to_string();
    assert!(
        msg.contains(
            "windows.csv, line 6, column 9 (`cause`): unknown variant `sunspots`, expected one of `initial`"
        ),
        "{msg}"
    );
    assert_eq!(names(&err.written), ["impact.png", "impact.svg"]);
}

#[test]
fn one_flag_value_gives_one_panel_and_no_difference() {
    let dir = folder("one-flag");
    write_csvs(&dir, "o1", &[o1(true)]);
    draw_all(&dir, &ChartOptions::default()).unwrap();
    let timeline = fs::read_to_string(dir.join("timeline.svg")).unwrap();
    assert!(timeline.contains("flag on (read session)"));
    assert!(!timeline.contains("flag off (write session)"));
    let impact = fs::read_to_string(dir.join("impact.svg")).unwrap();
    assert!(impact.contains("only one flag value ran"));
    let html = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(!html.contains("difference off − on"));
}

#[test]
fn a_folder_without_results_is_an_error() {
    let dir = folder("empty");
    let err = draw_all(&dir, &ChartOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no result CSVs"), "{err}");
    let err = draw_all(&dir.join("missing"), &ChartOptions::default()).unwrap_err();
    assert!(err.to_string().contains("is not a folder"), "{err}");
}

/// A `sweep_summary.csv` as the experiment layer writes it: one row per
/// point, off, on and the paired saving of every metric (`both`), or only
/// the flag off.
fn write_sweep(dir: &Path, both: bool) {
    const METRICS: [&str; 12] = csv::METRIC_COLUMNS;
    let mut s = String::from("point,maintenance.gap,replications");
    for m in METRICS {
        for g in ["off", "on", "saved"] {
            s.push_str(&format!(",{m}_{g}_mean,{m}_{g}_ci_low,{m}_{g}_ci_high"));
        }
    }
    s.push('\n');
    for (point, gap) in ["5m", "15m", "30m", "1h"].iter().enumerate() {
        s.push_str(&format!("{point},{gap},5"));
        for (k, _) in METRICS.iter().enumerate() {
            let off = (100.0 + 20.0 * point as f64) * (k + 1) as f64;
            let on = 10.0 * (k + 1) as f64;
            s.push_str(&format!(",{off},{},{}", off * 0.8, off * 1.2));
            if both {
                let saved = off - on;
                s.push_str(&format!(",{on},{},{}", on * 0.8, on * 1.2));
                // Tight, and below zero at the first point.
                let low = if point == 0 { -5.0 } else { saved - 2.0 };
                s.push_str(&format!(",{saved},{low},{}", saved + 2.0));
            } else {
                s.push_str(",,,,,,");
            }
        }
        s.push('\n');
    }
    write_file(&dir.join("sweep_summary.csv"), s.as_bytes()).unwrap();
}

#[test]
fn sweep_charts_come_from_sweep_summary() {
    let dir = folder("sweep");
    write_sweep(&dir, true);
    let files = draw_all(&dir, &ChartOptions::default()).unwrap();
    assert_eq!(
        names(&files),
        [
            "sweep_user_minutes.png",
            "sweep_user_minutes.svg",
            "sweep_rejected.png",
            "sweep_rejected.svg",
            "sweep_window_ms_total.png",
            "sweep_window_ms_total.svg",
            "sweep_saved_user_minutes.png",
            "sweep_saved_user_minutes.svg"
        ]
    );
    assert_eq!(png_size(&dir.join("sweep_rejected.png")), (1200, 700));
    assert_eq!(
        png_size(&dir.join("sweep_saved_user_minutes.png")),
        (1200, 700)
    );
    let svg = fs::read_to_string(dir.join("sweep_user_minutes.svg")).unwrap();
    assert!(
        svg.contains("maintenance.gap") && svg.contains("\n30m\n"),
        "categories missing"
    );
    assert!(svg.contains("flag off (write session)") && svg.contains("flag on (read session)"));
    let saved = fs::read_to_string(dir.join("sweep_saved_user_minutes.svg")).unwrap();
    assert!(
        saved.contains("User-minutes in prompt loops saved by the read session across the sweep")
            && saved.contains("saved: flag off − flag on")
            && saved.contains("user-minutes saved (off − on) [min]")
            && saved.contains("\n30m\n"),
        "saved chart text missing"
    );
    // A point folder, as the experiment layer lays a sweep out.
    fs::create_dir_all(dir.join("point-000")).unwrap();
    write_csvs(&dir.join("point-000"), "o1", &[o1(false), o1(true)]);
    let page = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(page.contains("sweep_summary.csv") && page.contains("<td>30m</td>"));
    assert!(page.contains("<th scope=\"col\">user-minutes saved [95% CI]</th>"));
    // Point 2 (30m): user-minutes off 140 x 12, on 120, saved 1560 [1558, 1562].
    assert!(
        page.contains(
            "<td>30m</td><td class=\"num\">5</td><td class=\"num\">1680</td>\
             <td class=\"num\">120</td><td>1560 [1558, 1562]</td>"
        ),
        "sweep table row missing"
    );
    assert!(page.contains("<figure id=\"sweep_saved_user_minutes\">"));
    assert!(page.contains("<a href=\"point-000/index.html\">report</a>"));
    assert!(!page.contains("No <code>runs.csv</code>"));
}

#[test]
fn a_sweep_with_one_flag_value_has_no_saving() {
    let dir = folder("sweep-one-flag");
    write_sweep(&dir, false);
    draw_all(&dir, &ChartOptions::default()).unwrap();
    let svg = fs::read_to_string(dir.join("sweep_user_minutes.svg")).unwrap();
    assert!(svg.contains("flag off (write session)") && !svg.contains("flag on (read session)"));
    let saved = fs::read_to_string(dir.join("sweep_saved_user_minutes.svg")).unwrap();
    assert!(saved.contains("only one flag value ran: no paired saving"));
    let page = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(
        page.contains(
            "<td>30m</td><td class=\"num\">5</td><td class=\"num\">1680</td><td>–</td><td>–</td>"
        ),
        "sweep table row missing"
    );
}

#[test]
fn report_takes_paired_differences_from_compare_summary_csv() {
    let dir = folder("compare");
    write_csvs(&dir, "o1", &[o1(false), o1(true)]);
    let summary = "metric,n,mean,sd,ci_low,ci_high,share_helped\n\
                   requests,3,0.000,0.000,0.000,0.000,0.000\n\
                   window_ms_total,3,1800000.000,0.000,1800000.000,1800000.000,1.000\n\
                   user_minutes,3,29.700,1.000,27.216,32.184,0.667\n";
    write_file(&dir.join("compare_summary.csv"), summary.as_bytes()).unwrap();
    let html = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(
        html.contains("from <a href=\"compare_summary.csv\">compare_summary.csv</a> (3 pairs)"),
        "{html}"
    );
    assert!(html.contains(
        "<tr><td>user-minutes in prompt loops</td><td class=\"num\">29.70</td>\
         <td class=\"num\">[27.22, 32.18]</td><td class=\"num\">67%</td></tr>"
    ));
    // Durations in minutes, like every table of the page.
    assert!(html.contains(
        "<tr><td>failure-window time [min]</td><td class=\"num\">30</td>\
         <td class=\"num\">[30, 30]</td><td class=\"num\">100%</td></tr>"
    ));
    assert!(html.contains("<a href=\"compare_summary.csv\">compare_summary.csv</a>: paired"));
    // Not computed a second time from runs.csv.
    assert!(!html.contains("difference off − on"));

    // A malformed file is named on the page, which is still written.
    let bad = summary.replace("29.700", "lots");
    write_file(&dir.join("compare_summary.csv"), bad.as_bytes()).unwrap();
    let html = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(
        html.contains(
            "compare_summary.csv, line 4, column 3 (`mean`): expected a number, found `lots`"
        ),
        "{html}"
    );

    // A folder without it (older hmasim) gets the differences from runs.csv.
    fs::remove_file(dir.join("compare_summary.csv")).unwrap();
    let html = fs::read_to_string(write_report(&dir, &ReportInfo::default()).unwrap()).unwrap();
    assert!(html.contains("difference off − on"));
}

/// The report folder, drawn once and shared by the report tests.
fn report_folder() -> (PathBuf, PathBuf) {
    static DRAWN: std::sync::OnceLock<(PathBuf, PathBuf)> = std::sync::OnceLock::new();
    DRAWN.get_or_init(|| draw_report_folder("report")).clone()
}

fn draw_report_folder(name: &str) -> (PathBuf, PathBuf) {
    let dir = big_folder(name, 4);
    draw_all(&dir, &ChartOptions::default()).unwrap();
    let info = ReportInfo {
        scenario: "rolling <maintenance>".into(),
        changed_parameters: vec![
            ("maintenance.gap".into(), "15m".into()),
            ("pool.servers".into(), "4".into()),
        ],
        ..ReportInfo::default()
    };
    let page = write_report(&dir, &info).unwrap();
    (dir, page)
}

#[test]
fn report_is_self_contained() {
    let (dir, page) = report_folder();
    assert_eq!(page, dir.join("index.html"));
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg"), "charts not inlined");
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("href=\"runs.csv\""));
    assert!(html.contains("hmasim: rolling &lt;maintenance&gt;"));
    assert!(html.contains("<code>maintenance.gap</code></td><td>15m</td>"));
    assert!(html.contains("difference off − on"));
    for banned in ["http://", "https://", "<script", "<link", "@import", "<img"] {
        assert!(!html.contains(banned), "index.html contains {banned}");
    }
}

/// Chromium on this machine: `chromium` or `chromium-browser` on the PATH.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `mode` (`--screenshot=...` or
/// `--dump-dom`), standard output to `stdout`, a fresh profile, and a
/// deadline so that a stuck browser cannot hang the suite.
fn chromium(chromium: &Path, page: &Path, mode: &str, stdout: &Path) {
    let profile = stdout.with_extension("profile");
    let _ = fs::remove_dir_all(&profile);
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,3000",
            mode,
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(fs::File::create(stdout).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {mode} failed: {status}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {mode} did not finish within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = fs::remove_dir_all(&profile);
}

/// Pixels of `png` within 8 of `rgb` in every channel.
fn pixels_near(png: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(fs::File::open(png).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| (0..3).all(|c| p[c].abs_diff(rgb[c]) <= 8))
        .count()
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium_bin) = find_chromium() else {
        // CI must check the report in a real browser: .ci/run installs one.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium on the PATH: `.ci/run` installs it (apt-get install -y chromium)"
        );
        println!("skipped: no chromium on the PATH (CI=true makes this a failure)");
        return;
    };
    let (dir, page) = report_folder();
    let shot = dir.join("screenshot.png");
    chromium(
        &chromium_bin,
        &page,
        &format!("--screenshot={}", shot.display()),
        &dir.join("screenshot.log"),
    );
    let (w, h) = png_size(&shot);
    assert_eq!((w, h), (1280, 3000));
    // The inline charts were drawn by the browser: the flag-off orange
    // (#d55e00) of their lines and the red of the failure windows show.
    assert!(
        pixels_near(&shot, [213, 94, 0]) > 500,
        "no flag-off lines rendered"
    );
    assert!(
        pixels_near(&shot, [200, 16, 32]) > 200,
        "no failure windows rendered"
    );

    // The browser's DOM has what the page means: every chart a labelled
    // image, every table with its caption (a misplaced caption would be
    // moved out of its table by the HTML parser).
    let dom_path = dir.join("dom.html");
    chromium(&chromium_bin, &page, "--dump-dom", &dom_path);
    let dom = fs::read_to_string(&dom_path).unwrap();
    assert_eq!(
        dom.matches("<svg role=\"img\" aria-label=\"").count(),
        4,
        "{dom_path:?}"
    );
    let tables = dom.matches("<table>").count();
    assert_eq!(tables, 2, "parameters and headline tables: {dom_path:?}");
    assert_eq!(
        dom.matches("<table><caption>").count() + dom.matches("<table>\n<caption>").count(),
        tables
    );
    assert!(dom.contains("<figcaption>Share of requests rejected (401) per bucket"));
}
