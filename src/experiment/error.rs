//! What can go wrong in an experiment, and which exit code it maps to.

use crate::model::RunError;
use crate::scenario::ScenarioError;
use std::io;
use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for a failure that is not the user's input: I/O, a run that failed.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input: scenario errors, bad arguments or sweep specs,
/// an existing output folder without `--force`, shard folders that do not fit.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code when every CSV was written but at least one chart (or the HTML
/// report) could not be drawn.
pub const EXIT_CHARTS: u8 = 3;
/// Exit code when every run succeeded and its files were written, but an
/// `[[expect]]` of the scenario did not hold (`hmasim run`, `hmasim test`).
pub const EXIT_EXPECTATIONS: u8 = 4;
/// Exit code after SIGINT (128 + 2), as a shell reports it.
pub const EXIT_SIGINT: u8 = 130;
/// Exit code after SIGTERM (128 + 15).
pub const EXIT_SIGTERM: u8 = 143;

/// An experiment error. Every variant is fatal for the command; none leaves a
/// partial result folder behind (charts aside, see [`ExperimentError::Charts`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// The scenario file itself is invalid (the message names file, line, column, field).
    #[error(transparent)]
    Scenario(Box<ScenarioError>),
    /// The scenario became invalid once an override or a sweep value was applied.
    /// `what` names the override (`--set worker.startup=abc`, `[sweep] "pool.servers" (file:12)`).
    #[error("{what}: {}", override_detail(key, error).replace('\n', &format!("\n{what}: ")))]
    OverrideInvalid {
        /// Which override(s), as the user wrote them.
        what: String,
        /// The dotted key it set.
        key: String,
        /// The scenario error after applying it (not a `source`: the message
        /// already shows it, without the location in the edited text).
        error: Box<ScenarioError>,
    },
    /// A malformed `--set`, `--vary` or `[sweep]` entry (bad key path, empty
    /// list, step 0, ...).
    #[error("{what}: {message}")]
    BadSpec {
        /// Which entry, as the user wrote it.
        what: String,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// A command-line argument out of range (`--replication 5` with 3 replications, ...).
    #[error("{0}")]
    BadArgument(String),
    /// The output folder exists and `--force` was not given.
    #[error("output folder {} already exists; pass --force to replace it", .0.display())]
    OutputExists(PathBuf),
    /// The output folder exists but does not look like an hmasim result folder;
    /// refused even with `--force`, so that a typo cannot delete a home directory.
    #[error("{} exists, is not empty and has no manifest.json: not an hmasim result folder, refusing to replace it (even with --force)", .0.display())]
    NotAResultFolder(PathBuf),
    /// Shard folders that cannot be merged (different scenario, version or plan,
    /// missing or duplicate shards, damaged files).
    #[error("cannot merge: {0}")]
    Merge(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// One run of the model failed (the scenario was valid but not runnable).
    #[error("run {run} failed: {source}")]
    Run {
        /// Which run (`point 2, seed 1, replication 3, read_session false`).
        run: String,
        /// The model's error.
        source: RunError,
    },
    /// `hmasim plot` could not redraw some charts or the report of a folder
    /// (it writes nothing else; the folder's CSVs are as they were).
    #[error("cannot redraw every chart of {}:\n{message}", .dir.display())]
    Plot {
        /// The result folder.
        dir: PathBuf,
        /// Which chart failed and why, one per line.
        message: String,
    },
    /// Writing to standard output failed (other than a closed pipe, which
    /// ends the program quietly).
    #[error("standard output: {0}")]
    Stdout(io::Error),
    /// SIGINT or SIGTERM stopped the command; `detail` says what was kept.
    #[error("interrupted by {signal}: {detail}")]
    Interrupted {
        /// `SIGINT` or `SIGTERM`.
        signal: &'static str,
        /// [`EXIT_SIGINT`] or [`EXIT_SIGTERM`].
        code: u8,
        /// What happened to the output.
        detail: String,
    },
    /// A run's estimated work or memory is above the limit (`--max-events`,
    /// `--max-memory`); nothing ran.
    #[error("{0}")]
    TooBig(String),
    /// Expectations did not hold (exit [`EXIT_EXPECTATIONS`]), `hmasim
    /// test` could not test every scenario (exit 1 or 2, as the worst of
    /// its errors), or `hmasim diff` found differences (exit 1); the
    /// details were printed as the checks ran.
    #[error("{message}")]
    Checks {
        /// What failed, in one line (`2 of 9 expectations failed`).
        message: String,
        /// The exit code.
        code: u8,
    },
    /// The CSVs were written but some charts or the report could not be drawn.
    #[error("results written to {}, but drawing failed:\n{message}", .dir.display())]
    Charts {
        /// The result folder (its CSVs are complete).
        dir: PathBuf,
        /// Which chart failed and why, one per line.
        message: String,
    },
}

/// The diagnostics of an override, one per line after `what: `: those about
/// the overridden field itself without a position (it is in the edited text,
/// a line the user's file may not have, and `what` already says where the
/// value came from), the others at their place in the user's file.
fn override_detail(key: &str, source: &ScenarioError) -> String {
    let diagnostics = source.diagnostics();
    if diagnostics.is_empty() {
        return source.to_string();
    }
    diagnostics
        .iter()
        .map(|d| match &d.field {
            Some(field) if super::overrides::concerns(key, field) => {
                let text = d.to_string();
                text.strip_prefix(&format!("{}: ", d.at))
                    .map(str::to_string)
                    .unwrap_or(text)
            }
            _ => d.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<ScenarioError> for ExperimentError {
    fn from(e: ScenarioError) -> Self {
        // Boxed: scenario errors are large and every experiment result carries this type.
        ExperimentError::Scenario(Box::new(e))
    }
}

impl ExperimentError {
    /// The process exit code for this error (see the `EXIT_*` constants).
    pub fn exit_code(&self) -> u8 {
        match self {
            ExperimentError::Scenario(_)
            | ExperimentError::OverrideInvalid { .. }
            | ExperimentError::BadSpec { .. }
            | ExperimentError::BadArgument(_)
            | ExperimentError::OutputExists(_)
            | ExperimentError::NotAResultFolder(_)
            | ExperimentError::TooBig(_)
            | ExperimentError::Merge(_) => EXIT_BAD_INPUT,
            ExperimentError::Interrupted { code, .. } | ExperimentError::Checks { code, .. } => {
                *code
            }
            ExperimentError::Io { .. }
            | ExperimentError::Run { .. }
            | ExperimentError::Stdout(_) => EXIT_FAILURE,
            ExperimentError::Charts { .. } | ExperimentError::Plot { .. } => EXIT_CHARTS,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        ExperimentError::Io {
            path: path.into(),
            source,
        }
    }
}
