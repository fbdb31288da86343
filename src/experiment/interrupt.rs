//! SIGINT and SIGTERM: stop cleanly, or at once when there is nothing to
//! clean up.
//!
//! [`install`] registers async-signal-safe handlers (signal-hook) that only
//! set atomics. While a command is not [`cooperate`]-ing (validating,
//! listing), a signal ends the process at once, with the conventional exit
//! code 130 (SIGINT) or 143 (SIGTERM): nothing has been written. While it
//! cooperates (running, merging, drawing), the first signal only sets the
//! [`stop_flag`]: runs stop at their next check (at queued events, never per
//! request: see [`crate::model::RunOptions::stop`]), the staging folder is
//! removed as the error unwinds, and the command reports what happened and
//! exits with the same codes. A second signal ends the process at once, in
//! case a check is far away; the staging folder it leaves is removed by the
//! next run into the same parent folder (see [`super::folder`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

/// A termination signal hmasim handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// `kill`, Slurm's time limit, a container stop.
    Terminate,
}

impl Signal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The exit code a shell gives a process ended by it: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }

    fn number(self) -> i32 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    fn from_number(n: usize) -> Option<Signal> {
        [Signal::Interrupt, Signal::Terminate]
            .into_iter()
            .find(|s| s.number() as usize == n)
    }
}

/// The number of the first signal received, 0 for none.
static RECEIVED: LazyLock<Arc<AtomicUsize>> = LazyLock::new(|| Arc::new(AtomicUsize::new(0)));
/// Set by any signal: the runs' stop flag.
static STOP: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));
/// While true, a signal ends the process at once (see the module doc).
static ARMED: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(true)));

/// Registers the handlers (see the module doc). Until [`cooperate`] is
/// called, a signal ends the process at once.
pub fn install() -> std::io::Result<()> {
    #[cfg(unix)]
    for signal in [Signal::Interrupt, Signal::Terminate] {
        use signal_hook::flag;
        let n = signal.number();
        // Order matters: the shutdown check runs before the handlers that
        // arm it, so only a second signal (or one outside a cooperative
        // phase) ends the process.
        flag::register_conditional_shutdown(n, i32::from(signal.exit_code()), ARMED.clone())?;
        flag::register_usize(n, RECEIVED.clone(), n as usize)?;
        flag::register(n, STOP.clone())?;
        flag::register(n, ARMED.clone())?;
    }
    Ok(())
}

/// From now on a first signal stops the work cleanly instead of ending the
/// process (see the module doc). A signal received before this call still
/// counts: [`received`] reports it.
pub fn cooperate() {
    if received().is_none() {
        ARMED.store(false, Ordering::SeqCst);
    }
}

/// The first signal received, if any.
pub fn received() -> Option<Signal> {
    Signal::from_number(RECEIVED.load(Ordering::SeqCst))
}

/// Set when a signal arrived: work in progress should stop at its next check.
pub fn stop_flag() -> &'static AtomicBool {
    &STOP
}
