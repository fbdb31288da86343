//! Shell integration: `--help` texts, `completions`, `man` and the bundled
//! scenarios of `example`, as an installed binary without the repository
//! sees them.

use std::path::Path;

use crate::cli::{assert_code, hmasim, stderr, stdout, temp_dir};

/// The subcommands every completion script and the top man page must name.
const SUBCOMMANDS: [&str; 8] = [
    "run",
    "validate",
    "list-runs",
    "merge",
    "plot",
    "example",
    "completions",
    "man",
];

/// The stems of `scenarios/*.toml`, sorted.
fn bundled() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_string())
        .collect();
    names.sort();
    names
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

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for name in bundled() {
        let out = hmasim(&dir, &["example", &name]);
        assert_code(&out, 0);
        assert_eq!(
            out.stdout,
            std::fs::read(root.join(format!("{name}.toml"))).unwrap(),
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
fn a_printed_example_validates_as_a_file() {
    let dir = temp_dir("shell-example-file");
    let out = hmasim(&dir, &["example", "baseline"]);
    assert_code(&out, 0);
    std::fs::write(dir.join("my.toml"), &out.stdout).unwrap();
    let out = hmasim(&dir, &["validate", "my.toml"]);
    assert_code(&out, 0);
    assert!(stdout(&out).starts_with("my.toml: OK"), "{}", stdout(&out));
}
