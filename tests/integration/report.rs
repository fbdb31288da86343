//! The HTML report of real result folders (run by the binary): links that
//! survive moving the folder, and the accessibility basics. The browser
//! test is `charts::report_renders_in_headless_chromium`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::{assert_code, hmasim, temp_dir};
use crate::common::oracle_text;

/// The values of every `href="..."` and `src="..."` attribute in `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for (i, _) in html.match_indices(attr) {
            // Only whole attribute names (` href=`), not `data-href=`.
            if !html[..i].ends_with([' ', '\n', '\t']) {
                continue;
            }
            let rest = &html[i + attr.len()..];
            let end = rest.find('"').expect("a closed attribute");
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Every `index.html` under `dir` (the folder's and its sweep points').
fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.join("index.html")];
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path().join("index.html");
        if p.is_file() {
            found.push(p);
        }
    }
    found.sort();
    found
}

/// A small sweep with a rollover (failure windows in every chart), run by
/// the binary into `dir/NAME`: two points, flag off and on, 2 replications.
fn run_sweep(dir: &Path, name: &str) -> PathBuf {
    fs::write(dir.join("s.toml"), oracle_text("1h", "30m", "")).unwrap();
    let out = hmasim(
        dir,
        &[
            "run",
            "s.toml",
            "--read-session",
            "both",
            "--replications",
            "2",
            "--vary",
            "worker.failed_update_hold=10m,30m",
            "--out",
            name,
            "-q",
        ],
    );
    assert_code(&out, 0);
    dir.join(name)
}

#[test]
fn every_link_still_resolves_after_the_folder_is_moved() {
    let dir = temp_dir("report-move");
    let written = run_sweep(&dir, "results");
    // Moved to another depth and name, as when copied to a file share.
    fs::create_dir_all(dir.join("share/reports")).unwrap();
    let moved = dir.join("share/reports/moved");
    fs::rename(&written, &moved).unwrap();

    let pages = pages(&moved);
    assert_eq!(pages.len(), 3, "{pages:?}");
    let mut checked = 0;
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
        let base = page.parent().unwrap();
        let links = links(&html);
        assert!(!links.is_empty(), "{}: no links", page.display());
        for link in links {
            assert!(
                !link.contains(':') && !link.starts_with('/') && !link.starts_with('\\'),
                "{}: {link:?} is not a relative link",
                page.display()
            );
            let path = link.split(['#', '?']).next().unwrap();
            assert!(
                base.join(path).is_file(),
                "{}: {link:?} does not resolve after the move",
                page.display()
            );
            checked += 1;
        }
    }
    // The sweep page links its points' pages; each page its files and charts.
    let top = fs::read_to_string(moved.join("index.html")).unwrap();
    for link in ["point-000/index.html", "point-001/runs.csv", "sweep.csv"] {
        assert!(
            top.contains(&format!("href=\"{link}\"")),
            "{link} not linked"
        );
    }
    let point = fs::read_to_string(moved.join("point-000/index.html")).unwrap();
    for link in [
        "runs.csv",
        "compare.csv",
        "compare_summary.csv",
        "timeline.png",
        "rejections.svg",
    ] {
        assert!(
            point.contains(&format!("href=\"{link}\"")),
            "{link} not linked"
        );
    }
    assert!(checked >= 30, "only {checked} links checked");
}

#[test]
fn charts_are_labelled_images_tables_have_captions_durations_one_unit() {
    let dir = temp_dir("report-a11y");
    let written = run_sweep(&dir, "results");
    for page in pages(&written) {
        let html = fs::read_to_string(&page).unwrap();
        let name = page.display();

        // Every inline chart is an image with a non-empty label.
        let svgs: Vec<&str> = html
            .match_indices("<svg")
            .map(|(i, _)| &html[i..])
            .collect();
        assert!(!svgs.is_empty(), "{name}: no inline chart");
        for svg in &svgs {
            let tag = &svg[..svg.find('>').unwrap()];
            assert!(
                tag.starts_with("<svg role=\"img\" aria-label=\""),
                "{name}: {tag}"
            );
            assert!(!tag.contains("aria-label=\"\""), "{name}: empty label");
        }

        // Every table opens with its caption, and has column headers.
        let tables = html.matches("<table>").count();
        assert!(tables >= 1, "{name}: no table");
        assert_eq!(
            html.matches("<table>\n<caption>").count(),
            tables,
            "{name}: a table without a caption"
        );
        assert_eq!(html.matches("<caption>").count(), tables);
        assert!(
            html.contains("<th scope=\"col\">metric</th>")
                || html.contains("<th scope=\"col\">point</th>")
        );

        // Durations in minutes everywhere: no table mixes ms, s and min.
        for unit in ["[ms]", "[s]", "[h]"] {
            assert!(!html.contains(unit), "{name}: a duration in {unit}");
        }
    }
    // A point page has both tables with window durations, each in minutes.
    let point = fs::read_to_string(written.join("point-000/index.html")).unwrap();
    assert_eq!(
        point
            .matches("<td>longest failure window [min]</td>")
            .count(),
        2
    );
    assert_eq!(
        point.matches("<td>failure-window time [min]</td>").count(),
        2
    );
}
