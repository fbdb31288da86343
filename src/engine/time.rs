//! Simulation time: integer milliseconds from the start of the run.
//!
//! Time is never accumulated in floating point: every instant is a `u64`
//! count of milliseconds, so the same scenario gives the same instants on
//! every machine.

use serde::Serialize;
use std::fmt;
use std::ops::{Add, Sub};

/// A duration in milliseconds [ms].
pub type Millis = u64;

/// Milliseconds in one second, minute, hour and day.
pub const SECOND: Millis = 1_000;
/// Milliseconds in one minute.
pub const MINUTE: Millis = 60 * SECOND;
/// Milliseconds in one hour.
pub const HOUR: Millis = 60 * MINUTE;
/// Milliseconds in one day.
pub const DAY: Millis = 24 * HOUR;

/// An instant of simulated time [ms since the start of the run].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// An instant later than any horizon: "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Milliseconds since the start.
    #[inline]
    pub const fn ms(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating at [`SimTime::NEVER`] so that "never" stays never.
    #[inline]
    pub const fn after(self, d: Millis) -> SimTime {
        SimTime(self.0.saturating_add(d))
    }

    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    #[inline]
    pub const fn since(self, earlier: SimTime) -> Millis {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Millis> for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, d: Millis) -> SimTime {
        self.after(d)
    }
}

impl Sub<SimTime> for SimTime {
    type Output = Millis;
    #[inline]
    fn sub(self, earlier: SimTime) -> Millis {
        self.since(earlier)
    }
}

impl fmt::Display for SimTime {
    /// Human form, e.g. `2d 3h 4m 5.006s`; used in summaries, never in CSVs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

/// Formats a duration in ms the way scenario files write them (`1h 30m`).
pub fn format_duration(ms: Millis) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut rest = ms;
    let mut parts = Vec::new();
    for (unit, size) in [("d", DAY), ("h", HOUR), ("m", MINUTE)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if rest >= SECOND {
        let (s, ms) = (rest / SECOND, rest % SECOND);
        if ms == 0 {
            parts.push(format!("{s}s"));
        } else {
            let fraction = format!("{ms:03}");
            parts.push(format!("{s}.{}s", fraction.trim_end_matches('0')));
        }
    } else if rest > 0 {
        parts.push(format!("{rest}ms"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_scenario_files() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(90 * MINUTE), "1h 30m");
        assert_eq!(format_duration(DAY + 4 * HOUR), "1d 4h");
        assert_eq!(format_duration(1_500), "1.5s");
        assert_eq!(format_duration(30 * MINUTE + 4_125), "30m 4.125s");
        assert_eq!(format_duration(250), "250ms");
        assert_eq!(format_duration(2 * HOUR + 30 * SECOND), "2h 30s");
    }

    #[test]
    fn never_saturates() {
        assert_eq!(SimTime::NEVER.after(5), SimTime::NEVER);
        assert_eq!(SimTime(5) - SimTime(9), 0);
    }
}
