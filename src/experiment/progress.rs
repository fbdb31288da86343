//! The progress bar of `hmasim run`: it moves with the simulated time of
//! the runs in progress, not only when a run ends, so that two long runs (or
//! one run of a million users) do not sit at 0/2 until they finish.
//!
//! Each worker thread has a slot: the run it is running publishes there the
//! simulated time it has reached ([`RunProgress`], at queued events), and
//! the slot knows that run's horizon. The bar counts [`UNITS_PER_RUN`] per
//! run: a finished run counts them all, a run in progress the fraction of
//! its horizon it has reached ([`position`]), so every run weighs the same
//! whatever its horizon. A thread of its own redraws the bar a few times a
//! second with the position, the runs finished and the events per second
//! (finished and running runs); indicatif derives the ETA from the
//! position's rate. The bar never moves back: a run that ends is taken off
//! its slot before it is counted as finished, and the moment between shows
//! the previous position.

use crate::model::progress::RunProgress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Bar units per run: per mille of its horizon.
pub const UNITS_PER_RUN: u64 = 1000;

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// The bar's position for `finished` runs and the runs in progress given
/// as (simulated time reached, horizon) [ms]: [`UNITS_PER_RUN`] per finished
/// run, and the fraction reached of each run in progress, rounded down and
/// below a whole run (a run counts whole only once it has finished).
pub fn position(finished: u64, running: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let partial: u64 = running
        .into_iter()
        .filter(|&(_, horizon)| horizon > 0)
        .map(|(reached, horizon)| {
            let units =
                u128::from(reached.min(horizon)) * u128::from(UNITS_PER_RUN) / u128::from(horizon);
            (units as u64).min(UNITS_PER_RUN - 1)
        })
        .sum();
    finished
        .saturating_mul(UNITS_PER_RUN)
        .saturating_add(partial)
}

/// One worker thread's run in progress.
#[derive(Debug, Default)]
struct Slot {
    run: RunProgress,
    /// The run's horizon [ms]; 0 when the thread runs nothing.
    horizon_ms: AtomicU64,
}

/// The progress of a set of runs, drawn as a bar on stderr.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    runs: u64,
    slots: Vec<Slot>,
    finished: AtomicU64,
    /// Events of the finished runs.
    finished_events: AtomicU64,
    started: Instant,
}

impl Progress {
    /// A bar on stderr for `runs` runs on `threads` worker threads; `None`
    /// when not `enabled` (`--quiet`, not a terminal) or without runs.
    pub fn stderr(runs: usize, threads: usize, enabled: bool) -> Option<Progress> {
        if !enabled || runs == 0 {
            return None;
        }
        Some(Progress::new(runs, threads, ProgressDrawTarget::stderr()))
    }

    /// A bar drawn to `target`.
    pub fn new(runs: usize, threads: usize, target: ProgressDrawTarget) -> Progress {
        let runs = runs as u64;
        let bar = ProgressBar::with_draw_target(Some(runs * UNITS_PER_RUN), target);
        let style = ProgressStyle::with_template(
            "{bar:30.cyan/blue} {percent:>3}%  {msg}  {elapsed_precise}  ETA {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(format!("0/{runs} runs"));
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress {
            bar,
            runs,
            slots: (0..threads).map(|_| Slot::default()).collect(),
            finished: AtomicU64::new(0),
            finished_events: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Thread `thread` starts a run of `horizon_ms`: where it publishes.
    pub fn start(&self, thread: usize, horizon_ms: u64) -> Option<&RunProgress> {
        let slot = self.slots.get(thread)?;
        slot.run.publish(0, 0);
        slot.horizon_ms.store(horizon_ms, Ordering::Relaxed);
        Some(&slot.run)
    }

    /// Thread `thread`'s run ended (successfully or not) after `events`.
    pub fn finish(&self, thread: usize, events: u64) {
        if let Some(slot) = self.slots.get(thread) {
            slot.horizon_ms.store(0, Ordering::Relaxed);
            slot.run.publish(0, 0);
        }
        self.finished_events.fetch_add(events, Ordering::Relaxed);
        self.finished.fetch_add(1, Ordering::Relaxed);
    }

    /// The position and events so far.
    fn now(&self) -> (u64, u64, u64) {
        let finished = self.finished.load(Ordering::Relaxed);
        let running = self
            .slots
            .iter()
            .map(|s| (s.run.reached_ms(), s.horizon_ms.load(Ordering::Relaxed)));
        let events = self.finished_events.load(Ordering::Relaxed)
            + self
                .slots
                .iter()
                .filter(|s| s.horizon_ms.load(Ordering::Relaxed) > 0)
                .map(|s| s.run.events())
                .sum::<u64>();
        (position(finished, running), finished, events)
    }

    /// Updates the bar; `shown` is the position shown last (never moved back).
    fn tick(&self, shown: &mut u64) {
        let (position, finished, events) = self.now();
        *shown = (*shown).max(position);
        self.bar.set_position(*shown);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{finished}/{} runs  {:.1} M events/s",
            self.runs,
            events as f64 / secs / 1e6
        ));
    }

    /// Redraws the bar every [`TICK`] until `done` is set (then unpark the
    /// thread running this to end it at once).
    pub fn show_until(&self, done: &AtomicBool) {
        let mut shown = 0;
        while !done.load(Ordering::Acquire) {
            self.tick(&mut shown);
            std::thread::park_timeout(TICK);
        }
    }

    /// Removes the bar.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_finished_runs_whole_and_running_ones_by_simulated_time() {
        assert_eq!(position(0, []), 0);
        // Two runs of 2 days, half and a quarter done: 750 of 2000 units.
        let day = 86_400_000;
        assert_eq!(position(0, [(day, 2 * day), (day / 2, 2 * day)]), 750);
        // An idle slot (horizon 0) counts nothing; finished runs 1000 each.
        assert_eq!(position(3, [(5, 0), (day, 4 * day)]), 3250);
        // A run at its horizon but not finished is not yet a whole run.
        assert_eq!(position(1, [(day, day)]), 1999);
        assert_eq!(position(0, [(u64::MAX, day)]), 999);
        // Rounded down: 1 ms of 14 days is nothing yet.
        assert_eq!(position(0, [(1, 14 * day)]), 0);
        assert_eq!(position(u64::MAX, [(1, 1)]), u64::MAX);
    }

    #[test]
    fn the_bar_moves_inside_runs_and_never_back() {
        let p = Progress::new(3, 2, ProgressDrawTarget::hidden());
        let mut shown = 0;
        p.tick(&mut shown);
        assert_eq!(shown, 0);
        // Two runs of 10 s start; their runs publish at queued events.
        let a = p.start(0, 10_000).unwrap();
        let b = p.start(1, 10_000).unwrap();
        a.publish(5_000, 700);
        b.publish(2_500, 300);
        p.tick(&mut shown);
        assert_eq!((shown, p.bar.position()), (750, 750));
        assert_eq!(p.now().2, 1000, "events of the runs in progress");
        // Run a ends: taken off its slot, counted whole.
        p.finish(0, 1_400);
        p.tick(&mut shown);
        assert_eq!(shown, 1250);
        assert_eq!(p.now(), (1250, 1, 1_400 + 300));
        // Thread 0 starts a third run: its slot restarts at 0, the bar
        // does not move back.
        let c = p.start(0, 20_000).unwrap();
        assert_eq!(c.reached_ms(), 0);
        p.tick(&mut shown);
        assert_eq!(shown, 1250);
        assert!(p.start(2, 1).is_none(), "no third thread");
    }
}
