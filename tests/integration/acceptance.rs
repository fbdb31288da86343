//! The acceptance check of issue 7: "a mutation fuzzer and a command-line
//! misuse matrix, run with `--max-events 1000000000`, find nothing: no
//! abort, hang, validate/run disagreement, error without a position, or
//! staging folder left behind."
//!
//! [`mutated_scenarios_are_refused_with_a_position_or_run`] mutates the
//! bundled scenarios and the test scenarios (shortened, so that most
//! mutants run in milliseconds) with a seeded mutator, and runs `validate`
//! and `run` on each mutant; [`the_misuse_matrix_holds`] runs the binary
//! misused in every way listed there. Each invocation is checked by
//! [`Invocation::check`].
//!
//! Under `--max-events 1000000000` a valid mutant may rightly run for
//! minutes (`request_interval = "1ms"`: 360 million events). So that the
//! test stays short, a `run` still going after a budget (5 s) is sent
//! SIGTERM, which must stop it with exit 143 and remove its staging folder:
//! the long runs check the signal path instead of finishing. A larger set,
//! with a budget that lets every run finish, by hand:
//!
//! ```sh
//! HMASIM_ACCEPTANCE_FILES=5000 HMASIM_ACCEPTANCE_SEED=7 HMASIM_ACCEPTANCE_BUDGET=250 \
//!     cargo test --release --test integration acceptance:: -- --nocapture
//! ```

use super::cli::{TINY, temp_dir};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The event limit the acceptance criterion names.
const MAX_EVENTS: &str = "1000000000";

/// Exit codes `hmasim` documents (README, "Exit codes"), signals aside.
const DOCUMENTED: [i32; 5] = [0, 1, 2, 3, 4];

/// Longest an invocation may take before it counts as a hang: far above
/// what `--max-events 1000000000` allows (about 20 s of work at the
/// measured speed, a few times that in the test profile).
const HANG: Duration = Duration::from_secs(300);

/// Longest a process may take to exit after SIGTERM (it stops at the next
/// check, every few thousand events, then removes its staging folder).
const STOP: Duration = Duration::from_secs(30);

/// Text that only a crash prints.
const CRASH_TEXT: [&str; 6] = [
    "panicked",
    "RUST_BACKTRACE",
    "memory allocation of",
    "stack overflow",
    "Segmentation fault",
    "Aborted",
];

/// One finished invocation of the binary.
struct Invocation {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Whether it was sent SIGTERM for running past its budget.
    terminated: bool,
}

/// Runs the binary in `cwd`, its output to files (no pipe to fill up), and
/// fails after [`HANG`].
fn invoke(cwd: &Path, args: &[&str]) -> Invocation {
    invoke_within(cwd, args, HANG)
}

/// Runs the binary in `cwd` as [`invoke`] does, but sends it SIGTERM once
/// it has run for `budget` (then it must exit within [`STOP`]).
fn invoke_within(cwd: &Path, args: &[&str], budget: Duration) -> Invocation {
    let out_path = cwd.join(".acceptance-stdout");
    let err_path = cwd.join(".acceptance-stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hmasim"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut terminated = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let limit = if terminated { budget + STOP } else { HANG };
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hang: {args:?} in {cwd:?} ran for more than {limit:?}");
        }
        if !terminated && start.elapsed() > budget {
            // SAFETY: a signal to our own child, not yet waited for.
            let r = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            assert_eq!(r, 0, "SIGTERM to {args:?}");
            terminated = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned();
    let inv = Invocation {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
        terminated,
    };
    fs::remove_file(&out_path).unwrap();
    fs::remove_file(&err_path).unwrap();
    inv
}

impl Invocation {
    /// What a failed check shows.
    fn describe(&self) -> String {
        format!(
            "{:?}: exit {:?}{}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.code,
            if self.terminated {
                " (sent SIGTERM)"
            } else {
                ""
            },
            self.stdout,
            self.stderr
        )
    }

    /// Checks what holds for every invocation: it ended by itself with a
    /// documented exit code in `allowed` and printed no crash.
    fn check(&self, allowed: &[i32]) {
        let code = self
            .code
            .unwrap_or_else(|| panic!("killed by a signal: {}", self.describe()));
        if self.terminated && code == 143 {
            // Stopped by our SIGTERM: it must say so (the result folder is
            // then gone, or complete but for the charts it names).
            assert!(
                self.stderr.contains("interrupted by SIGTERM"),
                "exit 143 without the message: {}",
                self.describe()
            );
        } else {
            // Not stopped (or it finished as the signal came): the codes
            // of an invocation that ends by itself.
            assert!(
                DOCUMENTED.contains(&code) && allowed.contains(&code),
                "exit {code}, expected one of {allowed:?}: {}",
                self.describe()
            );
        }
        for text in CRASH_TEXT {
            assert!(
                !self.stderr.contains(text) && !self.stdout.contains(text),
                "{text:?}: {}",
                self.describe()
            );
        }
    }

    /// The first line of the error, without `error: `.
    fn first_error_line(&self) -> &str {
        let line = self.stderr.lines().next().unwrap_or_default();
        line.strip_prefix("error: ").unwrap_or(line)
    }

    /// `file:line:column: field` of the first error (`validate` and `run`
    /// word the rest differently: a snippet, or `(expected: ...)`).
    fn first_error_place(&self) -> String {
        let line = self.first_error_line();
        line.splitn(5, ':').take(4).collect::<Vec<_>>().join(":")
    }

    /// Whether `run` refused the plan for the limits rather than the file.
    fn refused_for_a_limit(&self) -> bool {
        self.code == Some(2)
            && ["--max-events", "--max-memory", "--max-output"]
                .iter()
                .any(|flag| self.stderr.contains(flag))
            && self.stderr.contains("nothing was run")
    }

    /// Checks that the error starts with `file:line:column: ` of a
    /// scenario or CSV file.
    fn check_position(&self) {
        assert!(
            has_position(self.first_error_line()),
            "an error without file:line:column: {}",
            self.describe()
        );
    }
}

/// Whether `line` starts with `FILE:LINE:COLUMN: ` (FILE a `.toml` or `.csv`).
fn has_position(line: &str) -> bool {
    let mut parts = line.splitn(4, ':');
    let (Some(file), Some(l), Some(c), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    (file.ends_with(".toml") || file.ends_with(".csv"))
        && l.parse::<usize>().is_ok_and(|l| l >= 1)
        && c.parse::<usize>().is_ok_and(|c| c >= 1)
        && rest.starts_with(' ')
}

/// Panics if `dir` holds anything but `expected` (staging folders, temporary files).
fn check_nothing_left(dir: &Path, expected: &[&str], inv: &Invocation) {
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&name.as_str()),
            "{name} left in {dir:?}: {}",
            inv.describe()
        );
    }
}

// ---- the mutator ---------------------------------------------------------

/// SplitMix64: a tiny seeded generator (the mutants must be the same on
/// every machine, and need no statistical quality).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Values a hostile user writes: extremes, wrong types, near misses.
const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1",
    "3",
    "1024",
    "1025",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "1e308",
    "nan",
    "0.5",
];
const DURATIONS: [&str; 14] = [
    "\"0s\"",
    "\"1ms\"",
    "\"1s\"",
    "\"999999d\"",
    "\"\"",
    "\"5 parsecs\"",
    "\"1h 30m\"",
    "\"off\"",
    "\"-5m\"",
    "\"18446744073709551616ms\"",
    "\"3d 22h\"",
    "[\"1m\", \"0s\"]",
    "2026-04-01T00:00:00Z",
    "\"2026-04-01T00:00:00Z\"",
];
const RATES: [&str; 7] = [
    "\"5/1ms\"",
    "\"1000/1ms\"",
    "\"0/1d\"",
    "\"100/1s\"",
    "\"1/0s\"",
    "\"x/1d\"",
    "0",
];
/// Absurd but valid values (issue 7's list) for keys the bundled
/// scenarios have: some are refused for a limit, some run for minutes.
const ABSURD: [(&str, &str); 8] = [
    ("bucket", "\"1ms\""),
    ("ma_recycle_rate", "\"5/1ms\""),
    ("crash_rate", "\"1000/1ms\""),
    ("horizon", "\"999999d\""),
    ("request_interval", "\"1ms\""),
    ("users", "10000000"),
    ("replications", "4294967295"),
    ("emergency_rate", "\"200/1h\""),
];

/// Whole lines or tables inserted somewhere.
const INSERTS: [&str; 16] = [
    "[sweep]\n\"pool.servers\" = [1, 2]\n",
    "[sweep]\n\"worker.failed_update_hold\" = { from = \"10m\", to = \"30m\", step = \"10m\" }\n",
    "[sweep]\n\"pool.servers\" = { from = 1, to = 100000000, step = 1 }\n",
    "[sweep]\nbogus = 3\n",
    "[[event]]\nat = \"1h\"\nkind = \"server_crash\"\nserver = 0\n",
    "[[event]]\nat = \"1h\"\nkind = \"ma_recycle\"\nserver = 99\napp_pool = \"nope\"\n",
    "[[issuer.rollover]]\nat = \"30m\"\n",
    "[[maintenance.window]]\nserver = 0\nstart = \"1h\"\nduration = \"30m\"\n",
    "[history]\nevents = \"missing.csv\"\n",
    "[[expect]]\nmetric = \"rejected\"\nmax = 0\n",
    "bucket = \"1ms\"\n",
    "replications = 3\n",
    "seed = 18446744073709551616\n",
    "issuer.emergency_rate = \"200/1h\"\n",
    "[clients]\nusers = 10000000\n",
    "x = \"\u{0}\u{7f}\u{feff}é\"\n",
];

/// A few random edits of `text` (bytes: some edits break UTF-8).
fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut text = text.to_string();
    let mut bytes: Option<Vec<u8>> = None;
    // One edit mostly, sometimes two: more would make nearly every mutant
    // invalid, and the interesting mutants are the valid but absurd ones.
    for _ in 0..1 + rng.below(3) / 2 {
        let lines: Vec<&str> = text.lines().collect();
        let n = lines.len().max(1);
        let at = rng.below(n);
        let line = lines.get(at).copied().unwrap_or_default();
        let mut new_lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match rng.below(18) {
            // A value replaced by a hostile one of its kind (or another kind).
            0..=8 => {
                if let Some((key, value)) = line.split_once(" = ") {
                    let value = value.trim();
                    let replacement = if rng.below(5) == 0 {
                        rng.pick(&[&NUMBERS[..], &DURATIONS[..], &RATES[..]].concat())
                    } else if value.starts_with('"') && value.contains('/') {
                        rng.pick(&RATES)
                    } else if value.starts_with('"') || value.starts_with('[') {
                        rng.pick(&DURATIONS)
                    } else {
                        rng.pick(&NUMBERS)
                    };
                    new_lines[at] = format!("{key} = {replacement}");
                }
            }
            // A line deleted or duplicated.
            9 => {
                if !new_lines.is_empty() {
                    new_lines.remove(at);
                }
            }
            10 => new_lines.insert(at, line.to_string()),
            // A table or key inserted.
            11 | 12 => new_lines.insert(at, rng.pick(&INSERTS).to_string()),
            // A key misspelt.
            13 => {
                if let Some((key, value)) = line.split_once(" = ") {
                    new_lines[at] = format!("{key}x = {value}");
                }
            }
            // The file cut short.
            14 => {
                let cut = rng.below(text.len().max(1));
                let cut = (0..=cut)
                    .rev()
                    .find(|&c| text.is_char_boundary(c))
                    .unwrap_or(0);
                text.truncate(cut);
                continue;
            }
            // An absurd value for a key the file has.
            15 | 16 => {
                let (key, value) = ABSURD[rng.below(ABSURD.len())];
                if let Some(i) = lines
                    .iter()
                    .position(|l| l.split(" = ").next().map(str::trim) == Some(key))
                {
                    new_lines[i] = format!("{key} = {value}");
                }
            }
            // A byte that is not UTF-8.
            _ => {
                let mut b = text.clone().into_bytes();
                let pos = rng.below(b.len().max(1)).min(b.len());
                b.insert(pos, 0xff);
                bytes = Some(b);
                break;
            }
        }
        text = new_lines.join("\n") + "\n";
    }
    bytes.unwrap_or_else(|| text.into_bytes())
}

/// A scenario file's name, its text and the CSV files beside it.
type Base = (String, String, Vec<(String, Vec<u8>)>);

/// The scenario files the mutants start from, shortened so that most run
/// in milliseconds.
fn bases() -> Vec<Base> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.push(root.join("scenarios/history/history.toml"));
    paths.push(root.join("tests/golden/small.toml"));
    let mut bases: Vec<_> = paths
        .iter()
        .map(|p| {
            let csvs = if p.ends_with("history/history.toml") {
                ["events.csv", "rollovers.csv"]
                    .iter()
                    .map(|n| (n.to_string(), fs::read(p.with_file_name(n)).unwrap()))
                    .collect()
            } else {
                Vec::new()
            };
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, shorten(&fs::read_to_string(p).unwrap()), csvs)
        })
        .collect();
    bases.push(("tiny.toml".into(), TINY.to_string(), Vec::new()));
    bases
}

/// Two hours, at most 50 users, one replication.
fn shorten(text: &str) -> String {
    text.lines()
        .map(|l| {
            let key = l.split(" = ").next().unwrap_or_default();
            match key {
                "horizon" => "horizon = \"2h\"".to_string(),
                "replications" => "replications = 1".to_string(),
                "users" => "users = 50".to_string(),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Environment overrides for the by-hand run: (files, seed, budget of a
/// `run` before SIGTERM).
fn size_seed_budget() -> (usize, u64, Duration) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    (
        var("HMASIM_ACCEPTANCE_FILES").map_or(160, |n| n as usize),
        var("HMASIM_ACCEPTANCE_SEED").unwrap_or(1),
        Duration::from_secs(var("HMASIM_ACCEPTANCE_BUDGET").unwrap_or(5)),
    )
}

/// Mutants of the bundled and test scenarios: `validate` and `run
/// --max-events 1000000000` on each must agree, give positions, exit with a
/// documented code and leave no staging folder (see the module doc).
#[test]
fn mutated_scenarios_are_refused_with_a_position_or_run() {
    let (files, seed, budget) = size_seed_budget();
    let dir = temp_dir("acceptance-mutants");
    let bases = bases();
    let mut rng = Rng(seed);
    // Valid and ran, invalid, refused for a limit, stopped at the event
    // limit, stopped by SIGTERM after the budget.
    let mut verdicts = [0usize; 5];
    for i in 0..files {
        let (base, text, csvs) = &bases[i % bases.len()];
        let mutant = mutate(&mut rng, text);
        let case = dir.join(format!("m{i:04}"));
        fs::create_dir(&case).unwrap();
        let name = format!("m{i:04}-{base}");
        fs::write(case.join(&name), &mutant).unwrap();
        for (csv, bytes) in csvs {
            fs::write(case.join(csv), bytes).unwrap();
        }
        let validate = invoke(&case, &["validate", &name]);
        validate.check(&[0, 2]);
        let mut args = vec![
            "run",
            &name,
            "--out",
            "res",
            "--max-events",
            MAX_EVENTS,
            "-q",
        ];
        // Charts take most of a small run's time: every eighth mutant draws them.
        if i % 8 != 0 {
            args.push("--no-charts");
        }
        let run = invoke_within(&case, &args, budget);
        run.check(&[0, 1, 2, 3, 4]);
        let mut left: Vec<&str> = csvs.iter().map(|(n, _)| n.as_str()).collect();
        left.push(&name);
        let stopped = run.terminated && run.code == Some(143);
        if matches!(run.code, Some(0 | 3 | 4))
            || stopped && !run.stderr.contains("nothing was written")
        {
            left.push("res");
        }
        check_nothing_left(&case, &left, &run);
        let context = || format!("{}\n{}", validate.describe(), run.describe());
        match (validate.code, run.code) {
            (Some(0), Some(143)) if stopped => verdicts[4] += 1,
            (Some(2), _) => {
                validate.check_position();
                run.check_position();
                // The same verdict: the first error of the file.
                assert_eq!(
                    validate.first_error_place(),
                    run.first_error_place(),
                    "{}",
                    context()
                );
                verdicts[1] += 1;
            }
            (Some(0), Some(2)) => {
                assert!(
                    run.refused_for_a_limit(),
                    "validate accepted what run rejected: {}",
                    context()
                );
                verdicts[2] += 1;
            }
            (Some(0), Some(1)) => {
                // A run may pass the event limit the estimate did not foresee.
                assert!(
                    run.stderr.contains("the event limit (--max-events)"),
                    "a valid scenario failed to run: {}",
                    context()
                );
                verdicts[3] += 1;
            }
            _ => verdicts[0] += 1,
        }
        fs::remove_dir_all(&case).unwrap();
    }
    println!(
        "{files} mutants (seed {seed}): {} ran, {} invalid, {} refused for a limit, \
         {} stopped at the event limit, {} sent SIGTERM after {budget:?}",
        verdicts[0], verdicts[1], verdicts[2], verdicts[3], verdicts[4]
    );
    // The mutator must reach the three main verdicts, or the check checks
    // little (with the fixed seed and size; by hand, whatever it finds).
    if files >= 160 {
        assert!(verdicts[..3].iter().all(|&n| n > 0), "{verdicts:?}");
    }
}

/// One misuse: its arguments, the exit codes it may give, and whether its
/// error is about a scenario file (and must then name a position).
struct Misuse {
    args: &'static [&'static str],
    codes: &'static [i32],
    about_the_file: bool,
}

const fn misuse(args: &'static [&'static str], codes: &'static [i32]) -> Misuse {
    Misuse {
        args,
        codes,
        about_the_file: false,
    }
}

const fn file_misuse(args: &'static [&'static str]) -> Misuse {
    Misuse {
        args,
        codes: &[2],
        about_the_file: true,
    }
}

/// `run` gets `--max-events 1000000000` added (the acceptance criterion).
const MATRIX: &[Misuse] = &[
    // Flags and values.
    misuse(&["run", "tiny.toml", "--bogus"], &[2]),
    misuse(&["run", "tiny.toml", "--seed"], &[2]),
    misuse(&["run", "tiny.toml", "--seed", "abc"], &[2]),
    misuse(&["run", "tiny.toml", "--seed", "9223372036854775808"], &[2]),
    misuse(
        &["run", "tiny.toml", "--seed", "18446744073709551616"],
        &[2],
    ),
    misuse(&["run", "tiny.toml", "--seed", "-1"], &[2]),
    misuse(&["run", "tiny.toml", "--replications", "0"], &[2]),
    misuse(&["run", "tiny.toml", "--replications", "4294967296"], &[2]),
    misuse(&["run", "tiny.toml", "--replications", "20000000"], &[2]),
    misuse(&["run", "tiny.toml", "--replication", "5"], &[2]),
    misuse(&["run", "tiny.toml", "--read-session", "maybe"], &[2]),
    misuse(&["run", "tiny.toml", "--jobs", "0"], &[2]),
    misuse(&["run", "tiny.toml", "--jobs", "-3"], &[2]),
    misuse(
        &["run", "tiny.toml", "--jobs", "10000", "--no-charts"],
        &[0],
    ),
    misuse(
        &["run", "tiny.toml", "--jobs", "18446744073709551616"],
        &[2],
    ),
    misuse(&["run", "tiny.toml", "--shard", "3/2"], &[2]),
    misuse(&["run", "tiny.toml", "--shard", "0/0"], &[2]),
    misuse(&["run", "tiny.toml", "--shard", "x"], &[2]),
    misuse(&["run", "tiny.toml", "--shard", "-1/2"], &[2]),
    misuse(
        &["run", "tiny.toml", "--shard", "5/1000", "--no-charts"],
        &[0, 2],
    ),
    misuse(&["run", "tiny.toml", "--max-memory", "1"], &[2]),
    misuse(&["run", "tiny.toml", "--max-memory", "lots"], &[2]),
    misuse(&["run", "tiny.toml", "--max-output", "1"], &[2]),
    misuse(&["run", "tiny.toml", "--from", "3h"], &[2]),
    misuse(&["run", "tiny.toml", "--from", "1h", "--to", "30m"], &[2]),
    misuse(&["run", "tiny.toml", "--from", "yesterday"], &[2]),
    misuse(&["run", "tiny.toml", "--set", "noequals"], &[2]),
    misuse(&["run", "tiny.toml", "--set", "sweep.x=1"], &[2]),
    misuse(&["run", "tiny.toml", "--set", "bogus.key=1"], &[2]),
    misuse(&["run", "tiny.toml", "--vary", "pool.servers="], &[2]),
    misuse(&["run", "tiny.toml", "--vary", "pool.servers=1,x"], &[2]),
    misuse(
        &["list-runs", "tiny.toml", "--vary", "pool.servers=0,1"],
        &[2],
    ),
    misuse(&["example", "no-such-example"], &[2]),
    misuse(&["completions", "tcsh"], &[2]),
    misuse(&["man", "no-such-command"], &[2]),
    misuse(&["test", "no-such-folder"], &[1, 2]),
    // Files that are not scenarios, or missing.
    misuse(&["run", "missing.toml"], &[2]),
    misuse(&["validate", "missing.toml"], &[2]),
    misuse(&["run", "folder"], &[2]),
    file_misuse(&["run", "empty.toml"]),
    file_misuse(&["validate", "empty.toml"]),
    file_misuse(&["run", "binary.toml"]),
    file_misuse(&["validate", "binary.toml"]),
    file_misuse(&["run", "overflow.toml"]),
    file_misuse(&["validate", "overflow.toml"]),
    file_misuse(&["run", "sweep.toml"]),
    file_misuse(&["validate", "sweep.toml"]),
    file_misuse(&["run", "rollovers.toml"]),
    file_misuse(&["validate", "rollovers.toml"]),
    file_misuse(&["run", "history.toml"]),
    file_misuse(&["validate", "history.toml"]),
    file_misuse(&["run", "replications.toml"]),
    file_misuse(&["validate", "replications.toml"]),
    // Outputs that exist.
    misuse(&["run", "tiny.toml", "--out", "done"], &[2]),
    misuse(&["run", "tiny.toml", "--out", "folder", "--force"], &[2]),
    misuse(&["run", "tiny.toml", "--out", "a-file", "--force"], &[1, 2]),
    misuse(&["run", "tiny.toml", "--out", "a-file/below"], &[1, 2]),
    // Merges that do not fit.
    misuse(&["merge", "s0", "other1", "--out", "merged"], &[2]),
    misuse(&["merge", "s0", "--out", "merged"], &[2]),
    misuse(&["merge", "s0", "s0", "--out", "merged"], &[2]),
    misuse(&["merge", "s0", "s1", "--out", "s0"], &[2]),
    misuse(&["merge", "folder", "a-file", "--out", "merged"], &[2]),
    misuse(&["merge", "s0", "s1", "--out", "done"], &[2]),
    // plot on what is not a result folder.
    misuse(&["plot", "a-file"], &[2]),
    misuse(&["plot", "missing"], &[2]),
    misuse(&["plot", "folder"], &[2]),
    misuse(&["plot", "empty-folder"], &[2]),
];

/// The command line misused in every way of [`MATRIX`], `run` with
/// `--max-events 1000000000`: documented exit codes, no crash, positions
/// in errors about scenario files, nothing left behind, and the prepared
/// folders untouched; then closed pipes.
#[test]
fn the_misuse_matrix_holds() {
    let dir = temp_dir("acceptance-misuse");
    let write = |name: &str, bytes: &[u8]| fs::write(dir.join(name), bytes).unwrap();
    write("tiny.toml", TINY.as_bytes());
    write("empty.toml", b"");
    write("binary.toml", b"[simulation]\nname = \"b\xff\xfe\"\n");
    write(
        "overflow.toml",
        TINY.replace(
            "name = \"tiny\"",
            "name = \"tiny\"\nseed = 18446744073709551616",
        )
        .as_bytes(),
    );
    write(
        "sweep.toml",
        (TINY.to_string() + "[sweep]\n\"pool.servers\" = { from = 4, to = 1, step = 1 }\n")
            .as_bytes(),
    );
    write(
        "rollovers.toml",
        TINY.replace("horizon = \"2h\"", "horizon = \"200d\"")
            .replace("[pool]", "[issuer]\nrollover_every = \"1d\"\n\n[pool]")
            .as_bytes(),
    );
    write(
        "replications.toml",
        TINY.replace(
            "horizon = \"2h\"",
            "horizon = \"2h\"\nreplications = 4294967295",
        )
        .as_bytes(),
    );
    write(
        "history.toml",
        (TINY.to_string() + "[history]\nevents = \"events.csv\"\n").as_bytes(),
    );
    write(
        "events.csv",
        b"at,kind,server,app_pool,duration\n1h,ma_recycle,7,ews,\n",
    );
    write(
        "other.toml",
        TINY.replace("users = 1\n", "users = 2\n").as_bytes(),
    );
    write("a-file", b"not a folder\n");
    fs::create_dir(dir.join("folder")).unwrap();
    write("folder/keep.txt", b"precious\n");
    fs::create_dir(dir.join("empty-folder")).unwrap();
    let setup = |args: &[&str]| invoke(&dir, args).check(&[0]);
    setup(&["run", "tiny.toml", "--out", "done", "--no-charts", "-q"]);
    setup(&[
        "run",
        "tiny.toml",
        "--shard",
        "0/2",
        "--out",
        "s0",
        "--no-charts",
        "-q",
    ]);
    setup(&[
        "run",
        "tiny.toml",
        "--shard",
        "1/2",
        "--out",
        "s1",
        "--no-charts",
        "-q",
    ]);
    setup(&[
        "run",
        "other.toml",
        "--shard",
        "1/2",
        "--out",
        "other1",
        "--no-charts",
        "-q",
    ]);
    // A result folder whose runs.csv is damaged.
    copy_folder(&dir.join("done"), &dir.join("corrupt"));
    write("corrupt/runs.csv", b"garbage,,\n\x01\n");
    let before = listing(&dir);

    for m in MATRIX {
        let mut args: Vec<&str> = m.args.to_vec();
        if args[0] == "run" {
            args.extend(["--max-events", MAX_EVENTS]);
            if !args.contains(&"--out") {
                args.extend(["--out", "res"]);
            }
        }
        let inv = invoke(&dir, &args);
        inv.check(m.codes);
        if m.about_the_file {
            inv.check_position();
        }
        // Whatever was written is removed again; nothing else may change.
        let _ = fs::remove_dir_all(dir.join("res"));
        assert_eq!(listing(&dir), before, "{}", inv.describe());
    }

    // plot on a damaged runs.csv: exit 3 naming the file and line; the
    // charts it can draw are written (documented), the CSVs untouched, no
    // temporary file left.
    let corrupt = invoke(&dir, &["plot", "corrupt"]);
    corrupt.check(&[3]);
    assert!(
        corrupt.stderr.contains("corrupt/runs.csv, line 1:")
            && !corrupt.stderr.contains("results written"),
        "{}",
        corrupt.describe()
    );
    let csvs = |l: Vec<(String, u64)>| -> Vec<(String, u64)> {
        l.into_iter()
            .filter(|(p, _)| !p.starts_with("corrupt/") || p.ends_with(".csv"))
            .collect()
    };
    assert_eq!(
        csvs(listing(&dir)),
        csvs(before.clone()),
        "{}",
        corrupt.describe()
    );
    for (path, _) in listing(&dir) {
        assert!(!path.contains("/."), "{path} left: {}", corrupt.describe());
    }

    // Standard output closed before anything is written: exit 0, quietly.
    for args in [
        &["list-runs", "tiny.toml", "--replications", "5000"][..],
        &["validate", "tiny.toml", "tiny.toml"][..],
        &[
            "run",
            "tiny.toml",
            "--out",
            "piped",
            "--no-charts",
            "--max-events",
            MAX_EVENTS,
        ][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hmasim"))
            .args(args)
            .current_dir(&*dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let inv = Invocation {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: out.status.code(),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            terminated: false,
        };
        inv.check(&[0]);
        assert!(inv.stderr.is_empty(), "{}", inv.describe());
    }
}

/// Copies the files of folder `from` (no subfolders) into a new folder `to`.
fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Every path under `dir` with its size, sorted (a changed or added file,
/// a staging folder, a temporary file all show).
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            out.push((rel, if meta.is_dir() { 0 } else { meta.len() }));
        }
    }
    out.sort();
    out
}
