//! Wall-clock time: `simulation.start` and the RFC 3339 timestamps that
//! history files may use instead of offsets.
//!
//! The model only knows milliseconds from the start of the run. A
//! [`WallClock`] maps between the two: a timestamp becomes the offset from
//! the start (whole milliseconds, never before the start), and an offset
//! becomes a UTC timestamp for people to read. Parsing and formatting are
//! jiff's (RFC 3339 with a UTC offset, `Z` or `+02:00`; leap seconds and
//! time zones are jiff's business, not ours).

use super::values::ValueError;
use crate::engine::Millis;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What `simulation.start` and a timestamp cell accept, for messages.
pub const TIMESTAMP_EXPECTED: &str = "an RFC 3339 timestamp with a UTC offset, such as \"2026-06-01T00:00:00Z\" or \"2026-06-01T02:00:00+02:00\"";

/// The wall-clock instant at which a run starts (`simulation.start`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WallClock {
    start: jiff::Timestamp,
}

impl WallClock {
    /// Parses `simulation.start`: an RFC 3339 timestamp with an offset, in
    /// whole milliseconds.
    pub fn parse(text: &str) -> Result<WallClock, ValueError> {
        parse_timestamp(text).map(|start| WallClock { start })
    }

    /// The start as jiff's timestamp.
    pub fn start(&self) -> jiff::Timestamp {
        self.start
    }

    /// The offset [ms] of timestamp `text` from the start; an error if it is
    /// not a timestamp or lies before the start.
    pub fn offset_of(&self, text: &str) -> Result<Millis, ValueError> {
        let t = parse_timestamp(text)?;
        let ms = t.as_millisecond() - self.start.as_millisecond();
        Millis::try_from(ms).map_err(|_| ValueError::OutOfRange {
            message: format!(
                "{text:?} is {} before simulation.start {}",
                crate::engine::time::format_duration(ms.unsigned_abs()),
                self.start
            ),
            expected: format!("an instant at or after simulation.start ({})", self.start),
        })
    }

    /// The instant of offset `ms` from the start (jiff's last instant, in
    /// the year 9999, for an offset beyond it: no scenario gets there).
    pub fn at(&self, ms: Millis) -> jiff::Timestamp {
        let offset = i64::try_from(ms).unwrap_or(i64::MAX);
        jiff::Timestamp::from_millisecond(self.start.as_millisecond().saturating_add(offset))
            .unwrap_or(jiff::Timestamp::MAX)
    }

    /// The UTC timestamp of offset `ms` from the start (`2026-06-01T04:00:00Z`,
    /// with milliseconds only when they are not zero).
    pub fn format(&self, ms: Millis) -> String {
        let offset = i64::try_from(ms).unwrap_or(i64::MAX);
        match jiff::Timestamp::from_millisecond(self.start.as_millisecond().saturating_add(offset))
        {
            Ok(t) => t.to_string(),
            // Beyond the year 9999: jiff's range; no scenario gets there.
            Err(_) => format!("{} + {ms} ms", self.start),
        }
    }
}

impl Serialize for WallClock {
    /// As written in a scenario file: the RFC 3339 text.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.start.to_string())
    }
}

impl<'de> Deserialize<'de> for WallClock {
    /// The RFC 3339 text [`WallClock::parse`] reads (a manifest's `start`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        WallClock::parse(&text).map_err(|e| match e {
            ValueError::Bad { message, .. } | ValueError::OutOfRange { message, .. } => {
                serde::de::Error::custom(message)
            }
        })
    }
}

/// Whether `text` is written as a timestamp (`2026-...`) rather than as a
/// duration (`3d 4h`): four digits and a dash. A duration never has a dash
/// after its first digit, so the two cannot be confused.
pub fn looks_like_timestamp(text: &str) -> bool {
    let b = text.trim().as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, ValueError> {
    let t: jiff::Timestamp = text.trim().parse().map_err(|e: jiff::Error| {
        let reason = e.to_string();
        // jiff's message for a missing offset is long; say what to add.
        let message = if !text.contains('Z') && !text.contains('z') && !has_offset(text) {
            format!("{text:?} has no UTC offset; add one, e.g. \"Z\" for UTC")
        } else {
            format!("{text:?} is not a timestamp: {reason}")
        };
        ValueError::Bad {
            message,
            expected: TIMESTAMP_EXPECTED.to_string(),
        }
    })?;
    if t.subsec_nanosecond() % 1_000_000 != 0 {
        return Err(ValueError::Bad {
            message: format!("{text:?} is finer than a millisecond"),
            expected: "a timestamp in whole milliseconds (at most 3 decimals of a second)"
                .to_string(),
        });
    }
    Ok(t)
}

/// Whether the time part of `text` ends in `+hh:mm` or `-hh:mm`.
fn has_offset(text: &str) -> bool {
    text.split_once(['T', 't', ' '])
        .is_some_and(|(_, time)| time.contains(['+', '-']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_offsets_from_the_start() {
        let c = WallClock::parse("2026-06-01T00:00:00Z").unwrap();
        assert_eq!(c.offset_of("2026-06-01T00:00:00Z"), Ok(0));
        assert_eq!(c.offset_of("2026-06-03T04:00:00.250Z"), Ok(187_200_250));
        // Another offset, the same instant.
        assert_eq!(c.offset_of("2026-06-01T02:00:00+02:00"), Ok(0));
        assert_eq!(c.format(187_200_250), "2026-06-03T04:00:00.25Z");
        assert_eq!(c.format(0), "2026-06-01T00:00:00Z");
    }

    #[test]
    fn bad_timestamps_say_what_is_wrong() {
        let c = WallClock::parse("2026-06-01T00:00:00Z").unwrap();
        let err = |t: &str| match c.offset_of(t).unwrap_err() {
            ValueError::Bad { message, .. } | ValueError::OutOfRange { message, .. } => message,
        };
        assert!(err("2026-05-31T23:59:59Z").contains("1s before simulation.start"));
        assert!(err("2026-06-01T00:00:00").contains("no UTC offset"));
        assert!(err("2026-06-01T00:00:00.0001Z").contains("finer than a millisecond"));
        assert!(err("2026-13-01T00:00:00Z").contains("not a timestamp"));
        assert!(WallClock::parse("yesterday").is_err());
    }

    #[test]
    fn a_start_reads_back_as_written() {
        let c = WallClock::parse("2026-06-01T02:00:00+02:00").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"2026-06-01T00:00:00Z\"");
        assert_eq!(serde_json::from_str::<WallClock>(&json).unwrap(), c);
        assert!(serde_json::from_str::<WallClock>("\"2026-06-01\"").is_err());
        assert_eq!(c.at(1_500).to_string(), "2026-06-01T00:00:01.5Z");
        assert_eq!(c.at(u64::MAX), jiff::Timestamp::MAX);
    }

    #[test]
    fn tells_timestamps_from_durations() {
        assert!(looks_like_timestamp("2026-06-01T00:00:00Z"));
        assert!(!looks_like_timestamp("3d 4h"));
        assert!(!looks_like_timestamp("2026s"));
        assert!(!looks_like_timestamp("-5m"));
    }
}
