//! Shell integration: `--help` texts, `completions`, `man` and the bundled
//! scenarios of `example`, as an installed binary without the repository
//! sees them.

use std::path::Path;

use crate::cli::{assert_code, hmasim, stderr, stdout, temp_dir};

/// The subcommands every completion script and the top man page must name.
const SUBCOMMANDS: [&str; 10] = [
    "run",
    "validate",
    "list-runs",
    "test",
    "merge",
    "diff",
    "plot",
    "example",
    "completions",
    "man",
];

/// The bundled scenarios: the stems of `scenarios/*.toml` and the folders
/// `scenarios/NAME/` (which hold `NAME.toml`), sorted.
fn bundled() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The scenario file of a bundled scenario.
fn bundled_file(name: &str) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    match root.join(name) {
        folder if folder.is_dir() => folder.join(format!("{name}.toml")),
        _ => root.join(format!("{name}.toml")),
    }
}

#[test]
fn help_shows_examples_and_every_exit_code() {
    let dir = temp_dir("shell-help");
    for args in [&["--help"][..], &["run", "--help"], &["-h"], &["run", "-h"]] {
        let out = hmasim(&dir, args);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(text.contains("Examples:\n  hmasim "), "{args:?}:\n{text}");
        assert!(text.contains("Exit codes:"), "{args:?}:\n{text}");
        for code in [
            "0    success",
            "1    a run or an I/O",
            "2    bad input",
            "3    the CSVs",
            "4    an [[expect]]",
            "130  interrupted by SIGINT, 143 by SIGTERM",
        ] {
            assert!(text.contains(code), "{args:?} lacks {code:?}:\n{text}");
        }
    }
    let top = stdout(&hmasim(&dir, &["--help"]));
    for sub in SUBCOMMANDS {
        assert!(top.contains(&format!("\n  {sub} ")), "--help lacks {sub}");
    }
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    let dir = temp_dir("shell-completions");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = hmasim(&dir, &["completions", shell]);
        assert_code(&out, 0);
        let script = stdout(&out);
        assert!(script.len() > 1000, "{shell}: {script}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
        // Options of a subcommand complete too, and in bash and zsh the
        // bundled scenarios (clap_complete's fish and PowerShell scripts
        // do not complete positional values).
        assert!(script.contains("read-session"), "{shell}: no run options");
        if ["bash", "zsh"].contains(&shell) {
            for name in bundled() {
                assert!(script.contains(&name), "{shell} lacks example {name}");
            }
        }
    }
    let out = hmasim(&dir, &["completions", "tcsh"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("possible values"));
}

#[test]
fn man_pages_are_roff_with_the_exit_codes() {
    let dir = temp_dir("shell-man");
    let out = hmasim(&dir, &["man"]);
    assert_code(&out, 0);
    let page = stdout(&out);
    // A roff page: control lines first, the title header before any text.
    assert!(page.starts_with('.'), "{page}");
    let th = page
        .lines()
        .position(|l| l.starts_with(".TH "))
        .expect("a .TH header");
    assert!(page.lines().take(th).all(|l| l.starts_with('.')), "{page}");
    assert!(page.lines().nth(th).unwrap().starts_with(".TH hmasim 1 "));
    assert!(page.contains("\n.SH NAME\n") && page.contains("\n.SH SYNOPSIS\n"));
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("hmasim\\-{}(1)", sub.replace('-', "\\-"))));
    }
    assert!(page.contains("Exit codes:"), "{page}");

    // The pages the top page refers to exist.
    let out = hmasim(&dir, &["man", "run"]);
    assert_code(&out, 0);
    let run = stdout(&out);
    assert!(run.contains("\n.TH hmasim-run 1 "), "{run}");
    assert!(run.contains("\\-\\-read\\-session"), "{run}");
    assert!(run.contains("Exit codes:"), "{run}");

    let out = hmasim(&dir, &["man", "nosuch"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("run, validate, list-runs"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn example_lists_and_prints_the_bundled_scenarios() {
    // Run outside the repository: the scenarios come from the binary.
    let dir = temp_dir("shell-example");
    let out = hmasim(&dir, &["example"]);
    assert_code(&out, 0);
    let list = stdout(&out);
    let mut listed: Vec<String> = list
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, bundled(), "{list}");
    // Each with what it shows, from the file's first comment.
    assert!(list.contains("baseline     a typical 4-server Exchange 2019 pool over two weeks."));

    for name in bundled() {
        let out = hmasim(&dir, &["example", &name]);
        assert_code(&out, 0);
        assert_eq!(
            out.stdout,
            std::fs::read(bundled_file(&name)).unwrap(),
            "{name}"
        );
    }

    let out = hmasim(&dir, &["example", "nosuch"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("'nosuch'"), "{err}");
    for name in bundled() {
        assert!(err.contains(&name), "{err} lacks {name}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn an_example_with_data_files_is_written_whole_and_validates_there() {
    let dir = temp_dir("shell-example-out");
    let out = hmasim(&dir, &["example", "history"]);
    assert_code(&out, 0);
    assert!(stderr(&out).contains("--out DIR"), "{}", stderr(&out));
    let out = hmasim(&dir, &["example", "history", "--out", "h"]);
    assert_code(&out, 0);
    let source = bundled_file("history");
    for f in ["history.toml", "events.csv", "rollovers.csv"] {
        assert_eq!(
            std::fs::read(dir.join("h").join(f)).unwrap(),
            std::fs::read(source.with_file_name(f)).unwrap(),
            "{f}"
        );
    }
    let out = hmasim(&dir, &["validate", "h/history.toml"]);
    assert_code(&out, 0);
    // Nothing is replaced: a second time is refused, the files unchanged.
    std::fs::write(dir.join("h/events.csv"), "mine").unwrap();
    let out = hmasim(&dir, &["example", "history", "--out", "h"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("h/history.toml exists"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dir.join("h/events.csv")).unwrap(), b"mine");
}

#[test]
fn a_printed_example_validates_as_a_file() {
    let dir = temp_dir("shell-example-file");
    let out = hmasim(&dir, &["example", "baseline"]);
    assert_code(&out, 0);
    std::fs::write(dir.join("my.toml"), &out.stdout).unwrap();
    let out = hmasim(&dir, &["validate", "my.toml"]);
    assert_code(&out, 0);
    assert!(stdout(&out).starts_with("my.toml: OK"), "{}", stdout(&out));
}
