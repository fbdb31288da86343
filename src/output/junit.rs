//! JUnit XML, the test report format GitLab, Jenkins and GitHub Actions
//! (through a reporter action) display: `hmasim test --junit FILE`.
//!
//! One `<testsuite>` per scenario file, one `<testcase>` per expectation,
//! with `<failure>`, `<skipped>` or `<error>` as the case may be; a
//! scenario that could not be tested is a suite with one `<error>` case.
//! The writer is a few lines by hand (no XML crate): the structure is
//! fixed and flat, and all that needs care is escaping, which
//! [`escape`] does for text and attributes alike (and drops the control
//! characters XML 1.0 cannot hold at all).

/// One test case.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// What it checks (`user_minutes (read_session false) <= 500`).
    pub name: String,
    /// The group the CI shows it under: the scenario's name.
    pub classname: String,
    /// The scenario file.
    pub file: String,
    /// The line of the expectation, if known.
    pub line: Option<usize>,
    /// What happened.
    pub result: CaseResult,
}

/// How a test case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseResult {
    /// It passed; the measured value.
    Passed(String),
    /// It failed: a one-line message.
    Failed(String),
    /// It was not checked: why.
    Skipped(String),
    /// It could not run: the error (may span lines).
    Error(String),
}

/// One test suite: a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Suite {
    /// The scenario file, as given.
    pub name: String,
    /// Wall time [s].
    pub time: f64,
    /// Its cases.
    pub cases: Vec<Case>,
}

/// Escapes `text` for XML text and attribute values; characters XML 1.0
/// forbids (control characters other than tab, line feed and carriage
/// return) are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn count(suite: &Suite, f: impl Fn(&CaseResult) -> bool) -> usize {
    suite.cases.iter().filter(|c| f(&c.result)).count()
}

/// The whole report.
pub fn render(suites: &[Suite]) -> String {
    let failures = |r: &CaseResult| matches!(r, CaseResult::Failed(_));
    let errors = |r: &CaseResult| matches!(r, CaseResult::Error(_));
    let skipped = |r: &CaseResult| matches!(r, CaseResult::Skipped(_));
    let total =
        |f: &dyn Fn(&CaseResult) -> bool| -> usize { suites.iter().map(|s| count(s, f)).sum() };
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let time: f64 = suites.iter().map(|s| s.time).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"hmasim\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">\n",
        total(&failures),
        total(&errors),
        total(&skipped),
    ));
    for s in suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
            escape(&s.name),
            s.cases.len(),
            count(s, failures),
            count(s, errors),
            count(s, skipped),
            s.time
        ));
        for c in &s.cases {
            let line = c.line.map(|l| format!(" line=\"{l}\"")).unwrap_or_default();
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"{line}",
                escape(&c.name),
                escape(&c.classname),
                escape(&c.file),
            ));
            match &c.result {
                CaseResult::Passed(_) => out.push_str("/>\n"),
                CaseResult::Failed(m) => out.push_str(&format!(
                    ">\n      <failure message=\"{m}\" type=\"expectation\">{m}</failure>\n    </testcase>\n",
                    m = escape(m)
                )),
                CaseResult::Skipped(m) => out.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    escape(m)
                )),
                CaseResult::Error(m) => {
                    let first = m.lines().next().unwrap_or_default();
                    out.push_str(&format!(
                        ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>\n",
                        escape(first),
                        escape(m)
                    ))
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\te"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\te"
        );
    }

    #[test]
    fn one_suite_per_scenario_one_case_per_expectation() {
        let case = |name: &str, result| Case {
            name: name.to_string(),
            classname: "base<line>".to_string(),
            file: "s/b.toml".to_string(),
            line: Some(7),
            result,
        };
        let suites = [
            Suite {
                name: "s/b.toml".to_string(),
                time: 1.5,
                cases: vec![
                    case("windows <= 5", CaseResult::Passed("3".into())),
                    case("saving > 1", CaseResult::Failed("0.5 < min 1".into())),
                    case("fingerprint", CaseResult::Skipped("not run".into())),
                ],
            },
            Suite {
                name: "bad.toml".to_string(),
                time: 0.0,
                cases: vec![case("load", CaseResult::Error("x:1:1: bad\nmore".into()))],
            },
        ];
        let xml = render(&suites);
        let want = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="hmasim" tests="4" failures="1" errors="1" skipped="1" time="1.500">
  <testsuite name="s/b.toml" tests="3" failures="1" errors="0" skipped="1" time="1.500">
    <testcase name="windows &lt;= 5" classname="base&lt;line&gt;" file="s/b.toml" line="7"/>
    <testcase name="saving &gt; 1" classname="base&lt;line&gt;" file="s/b.toml" line="7">
      <failure message="0.5 &lt; min 1" type="expectation">0.5 &lt; min 1</failure>
    </testcase>
    <testcase name="fingerprint" classname="base&lt;line&gt;" file="s/b.toml" line="7">
      <skipped message="not run"/>
    </testcase>
  </testsuite>
  <testsuite name="bad.toml" tests="1" failures="0" errors="1" skipped="0" time="0.000">
    <testcase name="load" classname="base&lt;line&gt;" file="s/b.toml" line="7">
      <error message="x:1:1: bad" type="error">x:1:1: bad
more</error>
    </testcase>
  </testsuite>
</testsuites>
"#;
        assert_eq!(xml, want);
    }
}
