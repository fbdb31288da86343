//! `index.html`: one self-contained page per result folder.
//!
//! The page must open from a file share or an e-mail attachment with no
//! network: the SVG charts are inlined, the CSS is embedded, there is no
//! script, and the only links are relative ones to the folder's files (so
//! they still work when the folder is moved or copied).
//!
//! Accessibility basics: each inline chart is an image (`role="img"`)
//! labelled with its caption, every table has a caption and column headers,
//! and one quantity has one unit on the whole page (durations in minutes).
//! Headline numbers are recomputed from `runs.csv` (means with 95% Student t
//! intervals); the paired differences of `compare_summary.csv`, when
//! present, are shown in the page's units.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::atomic;
use super::read::{self, RunRow};
use super::table::Fixed;
use crate::metrics::stats;
use crate::output::charts::fmt_value;

/// What the report needs beyond the folder's files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportInfo {
    /// Scenario name (`simulation.name`).
    pub scenario: String,
    /// Parameters that differ from their defaults, as (dotted key, value as
    /// written), in the order to show them.
    pub changed_parameters: Vec<(String, String)>,
    /// A folder of variants: each variant's name and what it sets
    /// (`key=value` entries), for the ranked table.
    pub variants: Vec<(String, Vec<String>)>,
}

/// Charts in page order: file stem and caption.
const CHARTS: [(&str, &str); 9] = [
    (
        "variants",
        "Variants ranked by user-minutes in prompt loops: mean per run with its 95% CI (left) \
         and the paired difference against the first variant with its 95% CI (right).",
    ),
    (
        "timeline",
        "Servers, workers and failure windows of one run pair (flag off above, on below).",
    ),
    (
        "rejections",
        "Share of requests rejected (401) per bucket, maintenance shaded, rollovers marked; \
         a long run gets a second panel around the failure windows of its busiest day.",
    ),
    (
        "windows",
        "Distribution of failure-window durations over all runs; the dashed line is the failed-update hold.",
    ),
    (
        "impact",
        "User-minutes in prompt loops per replication, flag off against flag on.",
    ),
    ("sweep_user_minutes", "User-minutes across the sweep."),
    (
        "sweep_saved_user_minutes",
        "User-minutes saved by the read session across the sweep (paired off − on).",
    ),
    ("sweep_rejected", "Rejected requests across the sweep."),
    (
        "sweep_window_ms_total",
        "Total failure-window time across the sweep.",
    ),
];

/// The paired comparison's summary, one row per metric.
const COMPARE_SUMMARY: &str = "compare_summary.csv";

/// The variants' comparison, one row per variant and metric.
const VARIANTS: &str = "variants.csv";

/// Files linked from the page when present.
const FILES: [(&str, &str); 13] = [
    (
        VARIANTS,
        "per variant and metric: mean and 95% CI, paired difference against the first variant, share better",
    ),
    ("runs.csv", "one row per run"),
    ("compare.csv", "paired differences flag off − on"),
    (
        COMPARE_SUMMARY,
        "paired differences: mean, sd, 95% CI, share helped, one row per metric",
    ),
    ("windows.csv", "every failure window"),
    ("timeseries.csv", "per-bucket counts"),
    ("timeline.csv", "server and worker states"),
    ("rollovers.csv", "key rollovers"),
    ("events.csv", "event trace (--trace)"),
    ("sweep.csv", "every run of the sweep"),
    (
        "sweep_summary.csv",
        "per sweep point: means and CIs off and on, paired saving",
    ),
    (
        "sweep_summary_long.csv",
        "the same, one row per point, metric and group (off, on, saved)",
    ),
    ("manifest.json", "scenario, parameters, seeds, version"),
];

/// Writes `dir/index.html` atomically from the files in `dir` (charts
/// already drawn, CSVs) and `info`; returns its path. Missing or malformed
/// files are noted on the page rather than failing it.
pub fn write_report(dir: &Path, info: &ReportInfo) -> io::Result<PathBuf> {
    let html = render(dir, info);
    let path = dir.join("index.html");
    atomic::write_file(&path, html.as_bytes())?;
    Ok(path)
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; margin: 2em auto; max-width: 1240px; padding: 0 1em; color: #222; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.note { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
caption { caption-side: top; text-align: left; color: #555; padding: 0 0 0.4em; max-width: 60em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; }
figure svg { width: 100%; height: auto; max-width: 1200px; border: 1px solid #e4e4e4; }
figcaption { color: #444; margin-top: 0.3em; }
code { background: #f4f4f4; padding: 0 0.2em; }
";

fn render(dir: &Path, info: &ReportInfo) -> String {
    let mut h = String::new();
    let title = format!("hmasim: {}", info.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    h.push_str(
        "<p class=\"note\">Simulated Exchange Hybrid Modern Authentication lockouts after signing-key \
         rollovers, with <code>EnableAuthAdminReadSession</code> off (write session) and on (read session).</p>\n",
    );

    h.push_str("<h2>Parameters that differ from the defaults</h2>\n");
    if info.changed_parameters.is_empty() {
        h.push_str("<p>None: every parameter has its default value.</p>\n");
    } else {
        h.push_str(
            "<table>\n<caption>Changed parameters, as written in the scenario</caption>\n\
             <tr><th scope=\"col\">parameter</th><th scope=\"col\">value</th></tr>\n",
        );
        for (k, v) in &info.changed_parameters {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(k),
                esc(v)
            );
        }
        h.push_str("</table>\n");
    }

    h.push_str("<h2>Headline numbers</h2>\n");
    headline(&mut h, dir);
    sweep_table(&mut h, dir);
    variants_table(&mut h, dir, info);

    h.push_str("<h2>Charts</h2>\n");
    let mut any = false;
    for (stem, caption) in CHARTS {
        let Ok(svg) = std::fs::read_to_string(dir.join(format!("{stem}.svg"))) else {
            continue;
        };
        any = true;
        let _ = write!(
            h,
            "<figure id=\"{stem}\">\n{}\n<figcaption>{} <a href=\"{stem}.png\">PNG</a> · <a href=\"{stem}.svg\">SVG</a></figcaption>\n</figure>\n",
            inline_svg(&svg, caption),
            esc(caption)
        );
    }
    if !any {
        h.push_str("<p>No charts in this folder (drawn with <code>--no-charts</code>?). <code>hmasim plot DIR</code> draws them from the CSVs.</p>\n");
    }

    h.push_str("<h2>Files</h2>\n<ul>\n");
    for (name, what) in FILES {
        if dir.join(name).is_file() {
            let _ = writeln!(h, "<li><a href=\"{name}\">{name}</a>: {}</li>", esc(what));
        }
    }
    h.push_str("</ul>\n");
    let points = point_folders(dir);
    if !points.is_empty() {
        let what = if dir.join(VARIANTS).is_file() {
            "Variants"
        } else {
            "Sweep points"
        };
        let _ = writeln!(
            h,
            "<p>{what}, each with its own report and per-run files:</p>\n<ul>"
        );
        for p in points {
            let p = esc(&p);
            let _ = writeln!(
                h,
                "<li>{p}: <a href=\"{p}/index.html\">report</a>, <a href=\"{p}/runs.csv\">runs.csv</a></li>"
            );
        }
        h.push_str("</ul>\n");
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">Written by hmasim {}.</p>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    h
}

/// Sub-folders holding a `runs.csv` (a sweep's points), sorted by name.
fn point_folders(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("runs.csv").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The SVG as an inline element: without its XML prolog and namespace
/// attribute (implicit in HTML), so the page holds no URL at all; an image
/// to assistive technology, labelled `label` (its drawn text would be read
/// as a jumble of tick labels).
fn inline_svg(svg: &str, label: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let labelled = format!("<svg role=\"img\" aria-label=\"{}\"", esc(label));
    body.replacen("<svg", &labelled, 1).trim_end().to_string()
}

/// One metric of the headline table.
struct Metric {
    name: &'static str,
    value: fn(&RunRow) -> f64,
}

const METRICS: [Metric; 7] = [
    Metric {
        name: "user-minutes in prompt loops",
        value: |r| r.user_minutes,
    },
    Metric {
        name: "users affected",
        value: |r| r.users_affected as f64,
    },
    Metric {
        name: "rejected requests (401)",
        value: |r| r.rejected as f64,
    },
    Metric {
        name: "failure windows",
        value: |r| r.windows as f64,
    },
    Metric {
        name: "failure-window time [min]",
        value: |r| r.window_ms_total as f64 / MS_PER_MIN,
    },
    Metric {
        name: "longest failure window [min]",
        value: |r| r.window_ms_max as f64 / MS_PER_MIN,
    },
    Metric {
        name: "unavailable requests",
        value: |r| r.unavailable as f64,
    },
];

fn headline(h: &mut String, dir: &Path) {
    let path = dir.join("runs.csv");
    if !path.is_file() {
        if !dir.join("sweep_summary.csv").is_file() && !dir.join(VARIANTS).is_file() {
            h.push_str("<p>No <code>runs.csv</code> in this folder.</p>\n");
        }
        return;
    }
    let runs = match read::read_runs(&path) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                h,
                "<p>runs.csv could not be read: {}</p>",
                esc(&e.to_string())
            );
            return;
        }
    };
    // The paired differences come from compare_summary.csv when it is
    // there; they are computed here only for a folder without it (older
    // folders have only compare.csv).
    let compare = compare_table(dir);
    let flags: Vec<bool> = [false, true]
        .into_iter()
        .filter(|f| runs.iter().any(|r| r.id.read_session == *f))
        .collect();
    let differences = flags.len() == 2 && compare.is_none();
    let n_of = |f: bool| runs.iter().filter(|r| r.id.read_session == f).count();
    let _ = writeln!(
        h,
        "<table>\n<caption>Mean per run [95% confidence interval, Student t] over {}.{}</caption>",
        flags
            .iter()
            .map(|f| format!(
                "{} run{} with the flag {}",
                n_of(*f),
                if n_of(*f) == 1 { "" } else { "s" },
                if *f { "on" } else { "off" }
            ))
            .collect::<Vec<_>>()
            .join(" and "),
        if flags.len() == 2 {
            " Differences pair each flag-off run with the flag-on run of the same seed and \
             replication (same crashes, maintenance, rollovers and requests)."
        } else {
            ""
        }
    );
    h.push_str("<tr><th scope=\"col\">metric</th>");
    for f in &flags {
        let _ = write!(
            h,
            "<th scope=\"col\">flag {}</th>",
            if *f {
                "on (read session)"
            } else {
                "off (write session)"
            }
        );
    }
    if differences {
        h.push_str("<th scope=\"col\">difference off − on</th><th scope=\"col\">flag helped</th>");
    }
    h.push_str("</tr>\n");
    for m in &METRICS {
        let _ = write!(h, "<tr><td>{}</td>", esc(m.name));
        for f in &flags {
            let v: Vec<f64> = runs
                .iter()
                .filter(|r| r.id.read_session == *f)
                .map(m.value)
                .collect();
            let _ = write!(h, "<td class=\"num\">{}</td>", mean_ci_text(&v));
        }
        if differences {
            let pairs = crate::output::charts::paired(&runs, m.value);
            let d: Vec<f64> = pairs.iter().filter_map(|p| p.difference()).collect();
            let helped = d.iter().filter(|v| **v > 0.0).count();
            let _ = write!(
                h,
                "<td class=\"num\">{}</td><td class=\"num\">{} of {}</td>",
                mean_ci_text(&d),
                helped,
                d.len()
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    match compare {
        Some(Ok(table)) => h.push_str(&table),
        Some(Err(e)) => {
            let _ = writeln!(h, "<p>{COMPARE_SUMMARY} could not be read: {}</p>", esc(&e));
        }
        None => {}
    }
}

/// `mean [low, high]`, or the mean alone with one value.
fn mean_ci_text(values: &[f64]) -> String {
    let s = stats::summarize(values);
    match (s.mean, s.ci95) {
        (Some(m), Some((lo, hi))) => {
            format!("{} [{}, {}]", fmt_value(m), fmt_value(lo), fmt_value(hi))
        }
        (Some(m), None) => fmt_value(m),
        _ => "–".to_string(),
    }
}

/// Milliseconds per minute: every duration on the page is in minutes.
const MS_PER_MIN: f64 = 60_000.0;

/// The factor from a `runs.csv` metric's unit to the page's (ms to min for
/// the window durations, 1 otherwise).
fn metric_scale(column: &str) -> f64 {
    if column.starts_with("window_ms_") {
        1.0 / MS_PER_MIN
    } else {
        1.0
    }
}

/// Readable names of the `runs.csv` metrics, with the page's units.
fn metric_label(column: &str) -> String {
    let label = match column {
        "requests" => "requests",
        "accepted" => "accepted requests",
        "rejected" => "rejected requests (401)",
        "unavailable" => "unavailable requests",
        "windows" => "failure windows",
        "window_ms_total" => "failure-window time [min]",
        "window_ms_max" => "longest failure window [min]",
        "window_ms_p50" => "median failure window [min]",
        "window_ms_p95" => "95th percentile failure window [min]",
        "users_affected" => "users affected",
        "episodes" => "prompt-loop episodes",
        "user_minutes" => "user-minutes in prompt loops",
        other => other,
    };
    label.to_string()
}

/// `compare_summary.csv` (one row per metric: the paired differences'
/// mean, CI and share helped) as a table; `None` without the file.
fn compare_table(dir: &Path) -> Option<Result<String, String>> {
    let path = dir.join(COMPARE_SUMMARY);
    if !path.is_file() {
        return None;
    }
    let rows = match read::read_compare_summary(&path) {
        Ok(r) => r,
        Err(e) => return Some(Err(e.to_string())),
    };
    let pairs = rows.first().map_or(0, |r| r.n);
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<table>\n<caption>Paired difference flag off − flag on from <a href=\"{COMPARE_SUMMARY}\">{COMPARE_SUMMARY}</a> \
         ({pairs} pair{}): a positive difference means the flag lowered the metric.</caption>",
        if pairs == 1 { "" } else { "s" }
    );
    h.push_str(
        "<tr><th scope=\"col\">metric</th><th scope=\"col\">mean difference</th>\
         <th scope=\"col\">95% CI</th><th scope=\"col\">pairs where the flag lowered it</th></tr>\n",
    );
    for r in &rows {
        // In the page's unit and re-rounded for reading.
        let scale = metric_scale(&r.metric);
        let value =
            |x: Option<Fixed>| x.map_or_else(|| "–".to_string(), |v| fmt_value(v.0 * scale));
        let ci = match (r.ci_low, r.ci_high) {
            (Some(_), Some(_)) => format!("[{}, {}]", value(r.ci_low), value(r.ci_high)),
            _ => "–".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{ci}</td><td class=\"num\">{:.0}%</td></tr>",
            esc(&metric_label(&r.metric)),
            value(r.mean),
            r.share_helped.0 * 100.0,
        );
    }
    h.push_str("</table>\n");
    Some(Ok(h))
}

fn sweep_table(h: &mut String, dir: &Path) {
    let path = dir.join("sweep_summary.csv");
    if !path.is_file() {
        return;
    }
    let s = match read::read_sweep_summary(&path) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(
                h,
                "<p>sweep_summary.csv could not be read: {}</p>",
                esc(&e.to_string())
            );
            return;
        }
    };
    let caption = "Sweep: per point the mean with the flag off and on over its replications, and \
         the saving off − on paired per replication (same random history) with its 95% CI \
         (Student t).";
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(s.parameters.iter().cloned());
    header.push("replications".into());
    for m in ["user-minutes", "rejected"] {
        header.extend([
            format!("{m} off"),
            format!("{m} on"),
            format!("{m} saved [95% CI]"),
        ]);
    }
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.point.to_string()];
            row.extend(r.values.iter().cloned());
            row.push(r.replications.to_string());
            for m in ["user_minutes", "rejected"] {
                let m = r.metric(m).unwrap_or_default();
                let absent = || "–".to_string();
                row.push(m.off.map_or_else(absent, |c| fmt_value(c.mean)));
                row.push(m.on.map_or_else(absent, |c| fmt_value(c.mean)));
                row.push(m.saved.map_or_else(absent, |c| ci_text(c, 1.0)));
            }
            row
        })
        .collect();
    table(h, caption, &header, rows.iter().map(|r| r.as_slice()));
}

/// The variants of `variants.csv` ranked by user-minutes, with what each
/// sets (from `info`) and the paired difference against the first.
fn variants_table(h: &mut String, dir: &Path, info: &ReportInfo) {
    let path = dir.join(VARIANTS);
    if !path.is_file() {
        return;
    }
    let rows = match read::read_variants(&path) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                h,
                "<p>{VARIANTS} could not be read: {}</p>",
                esc(&e.to_string())
            );
            return;
        }
    };
    let of = |variant: &str, metric: &str| {
        rows.iter()
            .find(|r| r.variant == variant && r.metric == metric)
    };
    let mut ranked: Vec<_> = rows.iter().filter(|r| r.metric == "user_minutes").collect();
    ranked.sort_by_key(|r| r.rank);
    let reference = ranked
        .iter()
        .find(|r| r.diff_mean.is_none())
        .map_or("the first variant", |r| &r.variant);
    let reps = ranked.iter().map(|r| r.n).max().unwrap_or(0);
    let caption = format!(
        "Variants ranked by user-minutes in prompt loops (fewest first): mean per run [95% CI, \
         Student t] over {reps} replication{}, and the difference against {reference} paired \
         per replication (same crashes, maintenance, rollovers and requests), with the share \
         of replications in which the variant did better.",
        if reps == 1 { "" } else { "s" }
    );
    let header: Vec<String> = [
        "rank",
        "variant",
        "flag",
        "sets",
        "user-minutes",
        &format!("difference vs {reference}"),
        "better in",
        "users affected",
        "rejected requests (401)",
        "longest failure window [min]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mean_text = |r: Option<&crate::output::table::VariantsCsv<'_>>, scale: f64| {
        r.and_then(|r| {
            Some(ci_text(
                read::MeanCi {
                    mean: r.mean?.0,
                    ci_low: r.ci_low.map(|x| x.0),
                    ci_high: r.ci_high.map(|x| x.0),
                },
                scale,
            ))
        })
        .unwrap_or_else(|| "–".into())
    };
    let table_rows: Vec<Vec<String>> = ranked
        .iter()
        .map(|r| {
            let sets = info
                .variants
                .iter()
                .find(|(name, _)| *name == r.variant)
                .map(|(_, sets)| sets.join(", "))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "–".into());
            let difference = match r.diff_mean {
                Some(m) => ci_text(
                    read::MeanCi {
                        mean: m.0,
                        ci_low: r.diff_ci_low.map(|x| x.0),
                        ci_high: r.diff_ci_high.map(|x| x.0),
                    },
                    1.0,
                ),
                None => "reference".into(),
            };
            let better = r
                .share_better
                .map_or_else(|| "–".into(), |s| format!("{:.0}%", s.0 * 100.0));
            vec![
                r.rank.to_string(),
                r.variant.to_string(),
                if r.read_session { "on" } else { "off" }.to_string(),
                sets,
                mean_text(Some(r), 1.0),
                difference,
                better,
                mean_text(of(&r.variant, "users_affected"), 1.0),
                mean_text(of(&r.variant, "rejected"), 1.0),
                mean_text(
                    of(&r.variant, "window_ms_max"),
                    metric_scale("window_ms_max"),
                ),
            ]
        })
        .collect();
    table(
        h,
        &caption,
        &header,
        table_rows.iter().map(|r| r.as_slice()),
    );
}

fn ci_text(c: read::MeanCi, scale: f64) -> String {
    match (c.ci_low, c.ci_high) {
        (Some(lo), Some(hi)) => format!(
            "{} [{}, {}]",
            fmt_value(c.mean * scale),
            fmt_value(lo * scale),
            fmt_value(hi * scale)
        ),
        _ => fmt_value(c.mean * scale),
    }
}

/// A table of text cells (escaped here) under `caption` (plain text).
fn table<'a>(
    h: &mut String,
    caption: &str,
    header: &[String],
    rows: impl Iterator<Item = &'a [String]>,
) {
    let _ = write!(h, "<table>\n<caption>{}</caption>\n<tr>", esc(caption));
    for c in header {
        let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            let class = if c.parse::<f64>().is_ok() {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_escaping() {
        assert_eq!(
            esc("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(mean_ci_text(&[]), "–");
        assert_eq!(mean_ci_text(&[2.0]), "2");
    }

    #[test]
    fn sweep_table_shows_off_on_and_the_saving_with_negative_bounds() {
        let dir = std::env::temp_dir().join(format!("hmasim-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut header = String::from("point,pool.servers,replications");
        let mut row0 = String::from("0,4,3");
        let mut row1 = String::from("1,8,3");
        for m in crate::output::csv::METRIC_COLUMNS {
            for g in ["off", "on", "saved"] {
                header.push_str(&format!(",{m}_{g}_mean,{m}_{g}_ci_low,{m}_{g}_ci_high"));
            }
            row0.push_str(match m {
                "user_minutes" => ",40,30,50,10,5,15,30,-2.5,62.5",
                "rejected" => ",200,,,150,,,50,,",
                _ => ",1,0,2,1,0,2,0,0,0",
            });
            // Only the flag off ran: no saving.
            row1.push_str(",7,6,8,,,,,,");
        }
        let text = format!("{header}\n{row0}\n{row1}\n");
        std::fs::write(dir.join("sweep_summary.csv"), text).unwrap();
        let mut h = String::new();
        sweep_table(&mut h, &dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            h.contains(
                "<th scope=\"col\">user-minutes off</th><th scope=\"col\">user-minutes on</th>\
                        <th scope=\"col\">user-minutes saved [95% CI]</th>"
            ),
            "{h}"
        );
        assert!(h.contains("<table>\n<caption>Sweep: per point"), "{h}");
        assert!(
            h.contains(
                "<tr><td class=\"num\">0</td><td class=\"num\">4</td><td class=\"num\">3</td>\
                 <td class=\"num\">40</td><td class=\"num\">10</td><td>30 [-2.50, 62.50]</td>\
                 <td class=\"num\">200</td><td class=\"num\">150</td><td class=\"num\">50</td></tr>"
            ),
            "{h}"
        );
        assert!(
            h.contains("<td class=\"num\">7</td><td>–</td><td>–</td>"),
            "{h}"
        );
    }

    #[test]
    fn inlined_svg_has_no_namespace_url_and_is_a_labelled_image() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
        assert_eq!(
            inline_svg(svg, "Share \"rejected\" & more"),
            "<svg role=\"img\" aria-label=\"Share &quot;rejected&quot; &amp; more\" width=\"1\">\n</svg>"
        );
    }

    #[test]
    fn window_durations_are_in_minutes_like_the_headline() {
        assert_eq!(
            metric_label("window_ms_p95"),
            "95th percentile failure window [min]"
        );
        assert_eq!(metric_scale("window_ms_total") * 1_800_000.0, 30.0);
        assert_eq!(metric_scale("user_minutes"), 1.0);
        assert_eq!(metric_scale("rejected"), 1.0);
        // Every duration column of runs.csv is converted.
        for c in crate::output::csv::METRIC_COLUMNS {
            let label = metric_label(c);
            assert!(
                !label.contains("[ms]") && !label.contains("[s]"),
                "{c}: {label}"
            );
            if c.contains("_ms") {
                assert!(label.ends_with("[min]"), "{c}: {label}");
            }
        }
    }
}
