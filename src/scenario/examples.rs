//! The bundled scenarios of `scenarios/`, compiled into the binary so that
//! `hmasim example NAME` gives an installed `hmasim` a starting point without
//! the repository.
//!
//! Each file opens with a comment line `# NAME: what it shows`; a test keeps
//! [`EXAMPLES`] equal to the folder, so a new bundled scenario cannot be left
//! out. A scenario that reads data files (a `[history]`) lives in its own
//! folder, `scenarios/NAME/NAME.toml` beside its files, and carries them
//! as [`Example::files`]: `hmasim example NAME --out DIR` writes them all.

/// One bundled scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// File stem in `scenarios/` (`baseline` for `scenarios/baseline.toml`).
    pub name: &'static str,
    /// The file's bytes, exactly.
    pub text: &'static str,
    /// Data files the scenario reads, beside it: `(file name, bytes)`.
    pub files: &'static [(&'static str, &'static str)],
}

impl Example {
    /// What the scenario shows: the first paragraph of its opening comment
    /// (up to the first empty comment line) on one line, without `NAME: `.
    pub fn summary(&self) -> String {
        let words: Vec<&str> = self
            .text
            .lines()
            .map_while(|l| l.strip_prefix('#'))
            .map(str::trim)
            .take_while(|l| !l.is_empty())
            .flat_map(str::split_whitespace)
            .collect();
        let text = words.join(" ");
        match text.split_once(": ") {
            Some((name, rest)) if name == self.name => rest.to_string(),
            _ => text,
        }
    }
}

/// Declares one example from `scenarios/NAME.toml`.
macro_rules! example {
    ($name:literal) => {
        Example {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, ".toml")),
            files: &[],
        }
    };
    // scenarios/NAME/NAME.toml and its data files.
    ($name:literal, [$($file:literal),+ $(,)?]) => {
        Example {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, "/", $name, ".toml")),
            files: &[$(($file, include_str!(concat!("../../scenarios/", $name, "/", $file)))),+],
        }
    };
}

/// Every bundled scenario, simplest first (the order of the README).
pub const EXAMPLES: [Example; 8] = [
    example!("baseline"),
    example!("patch-night"),
    example!("crash-storm"),
    example!("affinity"),
    example!("cu-rollout"),
    example!("mitigations"),
    example!("history", ["events.csv", "rollovers.csv"]),
    example!("large-org"),
];

/// The example called `name` (`baseline` or `baseline.toml`).
pub fn find(name: &str) -> Option<&'static Example> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    EXAMPLES.iter().find(|e| e.name == stem)
}

/// The names of all examples, comma-separated, for messages.
pub fn names() -> String {
    EXAMPLES.map(|e| e.name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A bundled scenario: name, bytes, its data files as (name, bytes).
    type OnDisk = (String, Vec<u8>, Vec<(String, Vec<u8>)>);

    /// The scenarios of `scenarios/`: each `.toml` file, and each folder
    /// `NAME/` as its `NAME.toml` and the folder's other files, sorted by name.
    fn folder() -> Vec<OnDisk> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut out = Vec::new();
        for p in std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()) {
            if p.is_dir() {
                let name = p.file_name().unwrap().to_str().unwrap().to_string();
                let main = p.join(format!("{name}.toml"));
                let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&p)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|f| *f != main)
                    .map(|f| {
                        let n = f.file_name().unwrap().to_str().unwrap().to_string();
                        (n, std::fs::read(&f).unwrap())
                    })
                    .collect();
                files.sort();
                out.push((name, std::fs::read(&main).unwrap(), files));
            } else if p.extension().is_some_and(|x| x == "toml") {
                let stem = p.file_stem().unwrap().to_str().unwrap().to_string();
                out.push((stem, std::fs::read(&p).unwrap(), Vec::new()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn embedded_examples_are_exactly_the_scenarios_folder() {
        let mut embedded: Vec<_> = EXAMPLES
            .iter()
            .map(|e| {
                let mut files: Vec<(String, Vec<u8>)> = e
                    .files
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                    .collect();
                files.sort();
                (e.name.to_string(), e.text.as_bytes().to_vec(), files)
            })
            .collect();
        embedded.sort();
        let names = |v: &[OnDisk]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        let on_disk = folder();
        assert_eq!(
            names(&embedded),
            names(&on_disk),
            "add the new scenario to EXAMPLES in src/scenario/examples.rs"
        );
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn every_example_says_what_it_shows_and_is_valid() {
        for e in &EXAMPLES {
            let first = e.text.lines().next().unwrap_or_default();
            assert!(
                first.starts_with(&format!("# {}: ", e.name)),
                "scenarios/{}.toml must open with `# {}: what it shows`, not {first:?}",
                e.name,
                e.name
            );
            assert!(!e.summary().is_empty() && !e.summary().starts_with('#'));
            if let Err(err) = crate::scenario::parse_str(e.text, e.name) {
                panic!("{}: {err}", e.name);
            }
        }
        assert_eq!(
            EXAMPLES[0].summary(),
            "a typical 4-server Exchange 2019 pool over two weeks."
        );
        // A paragraph over several lines is joined; the next one is not taken.
        let e = Example {
            name: "x",
            text: "# x: one\n#   two\n#\n# three\n[simulation]\n",
            files: &[],
        };
        assert_eq!(e.summary(), "one two");
    }

    #[test]
    fn find_takes_the_name_with_or_without_extension() {
        assert_eq!(find("baseline").map(|e| e.name), Some("baseline"));
        assert_eq!(
            find("patch-night.toml").map(|e| e.name),
            Some("patch-night")
        );
        assert_eq!(find("nosuch"), None);
        assert_eq!(
            names(),
            "baseline, patch-night, crash-storm, affinity, cu-rollout, mitigations, history, large-org"
        );
    }
}
