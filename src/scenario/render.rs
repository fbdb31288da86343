//! Shows diagnostics for people: the one-line form editors jump to, then
//! the source line with a caret under the value and the hint (what would be
//! valid, or "did you mean").
//!
//! ```text
//! s.toml:5:1: worker.startupp: unknown key `startupp`
//!   |
//! 5 | startupp = "30s"
//!   | ^^^^^^^^ did you mean `startup`?
//! ```
//!
//! Colour is the caller's choice (only on a terminal); the data stays in
//! [`Diagnostic`].

use super::diagnostic::{Diagnostic, Diagnostics};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// `file:line:column: field: message`: the first line of a rendered
/// diagnostic, without the hint (the caret's label shows it).
pub fn headline(d: &Diagnostic) -> String {
    match &d.field {
        Some(field) => format!("{}: {field}: {}", d.at, d.message),
        None => format!("{}: {}", d.at, d.message),
    }
}

/// One diagnostic with its snippet; ends with a newline.
pub fn render(d: &Diagnostic, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let title = Level::ERROR.no_name().primary_title(headline(d));
    let hint = d.hint();
    let group = match (&d.source_line, d.caret()) {
        (Some(line), Some(caret)) => {
            let mut annotation = AnnotationKind::Primary.span(caret);
            if let Some(hint) = &hint {
                annotation = annotation.label(hint.as_str());
            }
            Group::with_title(title).element(
                Snippet::source(line.as_str())
                    .line_start(d.at.line)
                    .annotation(annotation),
            )
        }
        _ => match &hint {
            Some(hint) => Group::with_title(title).element(Level::HELP.message(hint.as_str())),
            None => Group::with_title(title),
        },
    };
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// Every diagnostic, in order, then how many were left out.
pub fn render_all(ds: &Diagnostics, color: bool) -> String {
    let mut out = String::new();
    for d in &ds.list {
        out.push_str(&render(d, color));
    }
    if ds.omitted > 0 {
        out.push_str(&format!(
            "... and {} more error{} not shown\n",
            ds.omitted,
            if ds.omitted == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    #[test]
    fn first_line_then_snippet_with_caret_and_hint() {
        let e = parse_str(
            "[simulation]\nname = \"x\"\nhorizon = \"1d\"\n[worker]\nstartupp = \"30s\"\n",
            "s.toml",
        )
        .unwrap_err();
        let out = render(e.first().unwrap(), false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0], "s.toml:5:1: worker.startupp: unknown key `startupp`",
            "{out}"
        );
        assert!(out.contains("5 | startupp = \"30s\""), "{out}");
        assert!(
            out.contains("  | ^^^^^^^^ did you mean `startup`?"),
            "{out}"
        );
        // Colour only when asked.
        assert!(!out.contains('\x1b'));
        assert!(render(e.first().unwrap(), true).contains('\x1b'));
    }
}
