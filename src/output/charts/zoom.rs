//! Which stretch of a long run the time-axis charts show.
//!
//! Over a 14-day axis a two-minute window, or the hour of a patch night that
//! holds every rejection, is a hairline. Without an explicit `--from/--to`
//! the timeline shows the busiest day (the 24 h holding the most
//! failure-window time) of a run longer than two days, and the rejections
//! chart adds a panel around the failure windows of that same day.

use std::collections::BTreeSet;

use super::{explicit_or_full, wall_text};
use crate::engine::time::format_duration;
use crate::metrics::WindowRecord;
use crate::scenario::clock::WallClock;

/// One day [ms].
pub(crate) const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;

/// A range `[from, to)` [ms] to show and how it was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Zoom {
    /// The range [ms].
    pub range: (u64, u64),
    /// Why this range, for the subtitle (`chosen range`, `whole run`, ...).
    pub how: &'static str,
}

/// The timeline's range: the explicit one; else, for a run longer than two
/// days, its busiest day; else the whole run.
pub(crate) fn busiest_day_or_whole(
    explicit: Option<(u64, u64)>,
    horizon: u64,
    windows: &[&WindowRecord],
) -> Result<Zoom, String> {
    if explicit.is_some() {
        return Ok(Zoom {
            range: explicit_or_full(explicit, horizon)?,
            how: "chosen range",
        });
    }
    let whole = Zoom {
        range: (0, horizon.max(1)),
        how: "whole run",
    };
    if horizon <= 2 * DAY_MS {
        return Ok(whole);
    }
    Ok(match busiest_day(windows, horizon) {
        Some(start) => Zoom {
            range: (start, start + DAY_MS),
            how: "busiest day: most failure-window time",
        },
        None => whole,
    })
}

/// The stretch of `within` where its failure windows are, padded and
/// rounded out to whole hours (at least one hour, never outside
/// `within`); `None` without a window in `within`.
///
/// The windows of a rollover or a patch night fill an hour or two of their
/// day: this is the range that shows them.
pub(crate) fn around_windows(windows: &[&WindowRecord], within: (u64, u64)) -> Option<(u64, u64)> {
    let (lo, hi) = windows
        .iter()
        .filter(|w| w.start_ms < within.1 && w.end_ms.max(w.start_ms + 1) > within.0)
        .map(|w| (w.start_ms.max(within.0), w.end_ms.min(within.1)))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))?;
    // A quarter of the spread on each side, at least 15 minutes, so that
    // the calm before and after shows too.
    let pad = ((hi - lo) / 4).max(15 * 60_000);
    let from = lo.saturating_sub(pad);
    let from = from - from % HOUR_MS;
    let to = hi.saturating_add(pad).div_ceil(HOUR_MS) * HOUR_MS;
    let to = to.max(from + HOUR_MS);
    // Clamped into `within`, keeping an hour where `within` allows it.
    let to = to.min(within.1);
    let from = from
        .max(within.0)
        .min(to.saturating_sub(HOUR_MS).max(within.0));
    Some((from, to))
}

/// `a to b`, for subtitles and captions; with a start, the UTC dates and
/// times first (`2026-04-15 22:00 to 2026-04-16 02:00 UTC, 14d 22h to 15d
/// 2h`; the second date only when it is another day).
pub(crate) fn range_text(range: (u64, u64), clock: Option<&WallClock>) -> String {
    let offsets = format!(
        "{} to {}",
        format_duration(range.0),
        format_duration(range.1)
    );
    let Some(c) = clock else {
        return offsets;
    };
    let (from, to) = (wall_text(c, range.0), wall_text(c, range.1));
    let to = match (from.split_once(' '), to.split_once(' ')) {
        (Some((day, _)), Some((same, time))) if day == same => time.to_string(),
        _ => to,
    };
    format!("{from} to {to} UTC, {offsets}")
}

/// Start of the 24 h with the most window time, `None` without windows.
///
/// The overlap sum is piecewise linear in the start, so its maximum is at a
/// start where the day's left or right edge meets a window's end point.
pub(crate) fn busiest_day(windows: &[&WindowRecord], horizon: u64) -> Option<u64> {
    let latest = horizon.saturating_sub(DAY_MS);
    let mut candidates: BTreeSet<u64> = BTreeSet::new();
    for w in windows {
        for t in [
            w.start_ms,
            w.end_ms,
            w.start_ms.saturating_sub(DAY_MS),
            w.end_ms.saturating_sub(DAY_MS),
        ] {
            candidates.insert(t.min(latest));
        }
    }
    let total = |s: u64| -> u64 {
        let e = s + DAY_MS;
        windows
            .iter()
            .map(|w| w.end_ms.min(e).saturating_sub(w.start_ms.max(s)))
            .sum()
    };
    let best = candidates
        .iter()
        .map(|&s| total(s))
        .max()
        .filter(|&t| t > 0)?;
    let optimal: Vec<u64> = candidates
        .into_iter()
        .filter(|&s| total(s) == best)
        .collect();
    let (first, last) = (optimal[0], optimal[optimal.len() - 1]);
    // Centre the windows in the day when the best starts form one plateau.
    let mid = first + (last - first) / 2;
    let start = if total(mid) == best { mid } else { first };
    // A whole hour reads better, if it loses no window time; else a whole
    // minute (losing less than a minute at the day's end).
    let hour = start - start % HOUR_MS;
    Some(if total(hour) == best {
        hour
    } else {
        start - start % 60_000
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::SpawnCause;

    const H: u64 = HOUR_MS;
    const M: u64 = 60_000;

    fn w(start: u64, end: u64) -> WindowRecord {
        WindowRecord {
            server: 0,
            app_pool: "ews".into(),
            start_ms: start,
            end_ms: end,
            cause: SpawnCause::Initial,
            updated: true,
            rollover: 1,
            rejected_requests: 1,
            users_affected: 1,
        }
    }

    #[test]
    fn busiest_day_finds_the_densest_24h() {
        let ws = [w(2 * H, 3 * H), w(50 * H, 52 * H), w(60 * H, 61 * H)];
        let refs: Vec<&WindowRecord> = ws.iter().collect();
        let s = busiest_day(&refs, 14 * DAY_MS).unwrap();
        // 50h..52h and 60h..61h fit in one day (3 h of windows): centred
        // (43h 30m), then on the whole hour.
        assert_eq!(s, 43 * H);
        assert_eq!(busiest_day(&[], 14 * DAY_MS), None);
        // Near the horizon the day is pulled back inside the run.
        let late = [w(14 * DAY_MS - H, 14 * DAY_MS)];
        let refs: Vec<&WindowRecord> = late.iter().collect();
        assert_eq!(busiest_day(&refs, 14 * DAY_MS), Some(13 * DAY_MS));
    }

    #[test]
    fn the_timeline_range_is_explicit_busiest_day_or_whole() {
        let ws = [w(50 * H, 52 * H)];
        let refs: Vec<&WindowRecord> = ws.iter().collect();
        let z = busiest_day_or_whole(Some((H, 2 * H)), 14 * DAY_MS, &refs).unwrap();
        assert_eq!(
            z,
            Zoom {
                range: (H, 2 * H),
                how: "chosen range"
            }
        );
        assert!(busiest_day_or_whole(Some((2 * H, H)), 14 * DAY_MS, &refs).is_err());
        let z = busiest_day_or_whole(None, 14 * DAY_MS, &refs).unwrap();
        assert_eq!(z.range, (39 * H, 63 * H));
        // Two days or less: the whole run, windows or not.
        let z = busiest_day_or_whole(None, 2 * DAY_MS, &refs).unwrap();
        assert_eq!(
            z,
            Zoom {
                range: (0, 2 * DAY_MS),
                how: "whole run"
            }
        );
        let z = busiest_day_or_whole(None, 14 * DAY_MS, &[]).unwrap();
        assert_eq!(z.range, (0, 14 * DAY_MS));
    }

    #[test]
    fn around_windows_pads_to_whole_hours_inside_the_range() {
        // A patch night: windows from 22h 10m to 23h 52m of day 10.
        let night = 10 * DAY_MS + 22 * H;
        let ws = [
            w(night + 10 * M, night + 11 * M),
            w(night + 90 * M, night + 112 * M),
        ];
        let refs: Vec<&WindowRecord> = ws.iter().collect();
        // Spread 102 min, pad 25.5 min: 21h 44m 30s .. 24h 17m 30s, out to hours.
        assert_eq!(
            around_windows(&refs, (10 * DAY_MS, 11 * DAY_MS)),
            Some((night - H, 11 * DAY_MS))
        );
        assert_eq!(
            around_windows(&refs, (0, 14 * DAY_MS)),
            Some((night - H, night + 3 * H))
        );
        // One short window: at least 15 min each side, at least an hour.
        let one = [w(5 * H + 30 * M, 5 * H + 31 * M)];
        let refs: Vec<&WindowRecord> = one.iter().collect();
        assert_eq!(around_windows(&refs, (0, DAY_MS)), Some((5 * H, 6 * H)));
        // At the start of the range, clamped; an hour kept.
        let early = [w(0, M)];
        let refs: Vec<&WindowRecord> = early.iter().collect();
        assert_eq!(around_windows(&refs, (0, DAY_MS)), Some((0, H)));
        // Windows outside the range do not count.
        assert_eq!(around_windows(&refs, (H, DAY_MS)), None);
        assert_eq!(around_windows(&[], (0, DAY_MS)), None);
        // A range shorter than an hour is kept whole.
        assert_eq!(around_windows(&refs, (0, 10 * M)), Some((0, 10 * M)));
    }
}
