//! Parsers for the human value formats of scenario files: durations
//! (`"1h 30m"`), rates (`"1/7d"`).
//!
//! They work on plain strings and know nothing about spans or fields, so the
//! experiment layer can reuse them (sweep values); [`super::validate`] adds
//! the location. All arithmetic is checked: no input panics or wraps.

use crate::engine::Millis;
use crate::scenario::resolved::Rate;

/// What a duration field accepts, for error messages.
pub const DURATION_EXPECTED: &str = "a duration such as \"250ms\", \"90s\", \"30m\", \"1h 30m\", \"1.5h\", \"7d\" or \"2w\" (units ms, s, m, h, d, w)";

/// What a rate field accepts, for error messages.
pub const RATE_EXPECTED: &str =
    "a rate \"N/duration\" such as \"1/7d\", \"2.5/1d\" or \"0/365d\", or the number 0";

/// The period [ms] of the rate the bare number `0` stands for, so that `0`
/// and `"0/365d"` (the default emergency rate) resolve to the same value.
pub const ZERO_RATE_PER: Millis = 365 * 24 * 3_600_000;

/// Why a value string was rejected. [`super::validate`] turns it into a
/// [`super::ScenarioError`] with the field and location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// The string is not in the expected format.
    Bad {
        /// What is wrong.
        message: String,
        /// What the field accepts.
        expected: String,
    },
    /// The string parses but the value is out of range (negative, overflow).
    OutOfRange {
        /// What is wrong.
        message: String,
        /// The allowed range.
        expected: String,
    },
}

fn bad(message: impl Into<String>, expected: &str) -> ValueError {
    ValueError::Bad {
        message: message.into(),
        expected: expected.to_string(),
    }
}

fn out_of_range(message: impl Into<String>, expected: &str) -> ValueError {
    ValueError::OutOfRange {
        message: message.into(),
        expected: expected.to_string(),
    }
}

/// Milliseconds per duration unit.
const UNITS: &[(&str, u128)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
    ("w", 604_800_000),
];

/// Integer and fraction digit strings of a decimal number written
/// `digits[.digits]`, or `None` if `s` is not written that way.
fn split_decimal(s: &str) -> Option<(&str, &str)> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let ok =
        !int.is_empty() && digits(int) && digits(frac) && !(s.contains('.') && frac.is_empty());
    ok.then_some((int, frac))
}

/// Parses a duration: one or more parts `<number><unit>`, optionally
/// separated by spaces, summed (`"1h 30m"`, `"1h30m"`, `"1.5h"`, `"0s"`).
/// A part may have decimals if the result is a whole number of milliseconds.
/// Returns milliseconds.
pub fn parse_duration(text: &str) -> Result<Millis, ValueError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(bad("empty duration", DURATION_EXPECTED));
    }
    if s.starts_with('-') {
        return Err(out_of_range(
            format!("{text:?} is negative"),
            "a duration >= 0s",
        ));
    }
    if let Some((int, frac)) = split_decimal(s) {
        let example = if frac.is_empty() {
            format!("\"{int}s\"")
        } else {
            format!("\"{int}.{frac}s\"")
        };
        return Err(bad(
            format!("{text:?} has no unit; add one, e.g. {example}"),
            DURATION_EXPECTED,
        ));
    }
    let bytes = s.as_bytes();
    let mut total: u128 = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let num_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = &s[num_start..i];
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[unit_start..i];
        if number.is_empty() {
            // Not a digit: point at what is there (may be non-ASCII).
            let rest: String = s[num_start..].chars().take(12).collect();
            return Err(bad(
                format!("in {text:?}: expected a number at {rest:?}"),
                DURATION_EXPECTED,
            ));
        }
        let Some((int, frac)) = split_decimal(number) else {
            return Err(bad(
                format!("in {text:?}: {number:?} is not a number"),
                DURATION_EXPECTED,
            ));
        };
        if unit.is_empty() {
            return Err(bad(
                format!(
                    "in {text:?}: {number:?} has no unit; write the unit right after the number, e.g. \"{number}s\""
                ),
                DURATION_EXPECTED,
            ));
        }
        let Some(&(_, unit_ms)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad(
                format!("in {text:?}: unknown unit {unit:?}"),
                DURATION_EXPECTED,
            ));
        };
        let part = part_ms(int, frac, unit_ms).map_err(|why| match why {
            PartError::TooLarge => too_large(text),
            PartError::NotWholeMs => bad(
                format!("{number}{unit} is not a whole number of milliseconds"),
                DURATION_EXPECTED,
            ),
        })?;
        total = total.checked_add(part).ok_or_else(|| too_large(text))?;
    }
    Millis::try_from(total).map_err(|_| too_large(text))
}

enum PartError {
    TooLarge,
    NotWholeMs,
}

fn too_large(text: &str) -> ValueError {
    out_of_range(
        format!("{text:?} is too large"),
        "a duration of at most 213503982334d (u64 milliseconds)",
    )
}

/// `int.frac` units in ms, exactly.
fn part_ms(int: &str, frac: &str, unit_ms: u128) -> Result<u128, PartError> {
    // 30 digits fit in u128 and are far beyond any u64 duration anyway.
    if int.trim_start_matches('0').len() > 30 {
        return Err(PartError::TooLarge);
    }
    let int: u128 = int.parse().map_err(|_| PartError::TooLarge)?;
    let whole = int.checked_mul(unit_ms).ok_or(PartError::TooLarge)?;
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        return Ok(whole);
    }
    // A fraction finer than 1 ms of the largest unit needs at most 9 digits.
    if frac.len() > 9 {
        return Err(PartError::NotWholeMs);
    }
    let scale = 10u128.pow(frac.len() as u32);
    let num: u128 = frac.parse().map_err(|_| PartError::NotWholeMs)?;
    let scaled = num * unit_ms;
    if !scaled.is_multiple_of(scale) {
        return Err(PartError::NotWholeMs);
    }
    whole.checked_add(scaled / scale).ok_or(PartError::TooLarge)
}

/// Parses a rate `"N/duration"` (`"1/7d"`, `"2.5/1d"`, `"0/365d"`); `N` is a
/// non-negative decimal, the duration must be positive. The string `"0"`
/// means no events, as `"0/365d"`.
pub fn parse_rate(text: &str) -> Result<Rate, ValueError> {
    let s = text.trim();
    if split_decimal(s)
        .is_some_and(|(i, f)| i.bytes().all(|b| b == b'0') && f.bytes().all(|b| b == b'0'))
    {
        return Ok(Rate {
            count: 0.0,
            per: ZERO_RATE_PER,
        });
    }
    let Some((count, per)) = s.split_once('/') else {
        return Err(bad(format!("{text:?} has no '/'"), RATE_EXPECTED));
    };
    let count = count.trim();
    if count.starts_with('-') {
        return Err(out_of_range(
            format!("in {text:?}: the count {count} is negative"),
            "a count >= 0",
        ));
    }
    if split_decimal(count).is_none() {
        return Err(bad(
            format!("in {text:?}: the count {count:?} is not a number like 1 or 2.5"),
            RATE_EXPECTED,
        ));
    }
    // Digits and one dot always parse, and are finite below ~300 digits.
    let count: f64 = match count.parse::<f64>() {
        Ok(c) if c.is_finite() => c,
        _ => {
            return Err(out_of_range(
                format!("in {text:?}: the count is too large"),
                "a finite count",
            ));
        }
    };
    let per = parse_duration(per).map_err(|e| match e {
        ValueError::Bad { message, .. } => bad(format!("in {text:?}: {message}"), RATE_EXPECTED),
        ValueError::OutOfRange { message, expected } => {
            out_of_range(format!("in {text:?}: {message}"), &expected)
        }
    })?;
    if per == 0 {
        return Err(out_of_range(
            format!("in {text:?}: the period is zero"),
            "a period > 0s, e.g. \"1/7d\"",
        ));
    }
    Ok(Rate { count, per })
}

/// Longest name (`simulation.name`, a variant's `name`): names end up in
/// folder names, so they are kept short.
pub const MAX_NAME_LEN: usize = 128;

/// What a name accepts, for error messages.
pub const NAME_EXPECTED: &str =
    "a non-empty name of at most 128 characters A-Z a-z 0-9 . _ - (not only dots)";

/// Checks a name that becomes part of a folder name (`simulation.name`, a
/// variant's `name`): 1 to [`MAX_NAME_LEN`] characters of `A-Z a-z 0-9 . _
/// -`, not only dots (`.` and `..` would escape the output folder).
pub fn check_name(s: &str) -> Result<(), ValueError> {
    if s.is_empty() {
        return Err(bad("empty name", NAME_EXPECTED));
    }
    if s.chars().count() > MAX_NAME_LEN {
        return Err(out_of_range("name too long", NAME_EXPECTED));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(bad(
            format!("character {c:?} is not allowed in a name"),
            NAME_EXPECTED,
        ));
    }
    if s.chars().all(|c| c == '.') {
        return Err(bad(
            format!("{s:?} is not a usable folder name"),
            NAME_EXPECTED,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{DAY, HOUR, MINUTE, SECOND};

    fn d(s: &str) -> Millis {
        parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn is_bad<T: std::fmt::Debug>(r: Result<T, ValueError>) -> String {
        match r {
            Err(ValueError::Bad { message, .. }) => message,
            other => panic!("expected Bad, got {other:?}"),
        }
    }

    fn is_out_of_range<T: std::fmt::Debug>(r: Result<T, ValueError>) -> String {
        match r {
            Err(ValueError::OutOfRange { message, .. }) => message,
            other => panic!("expected OutOfRange, got {other:?}"),
        }
    }

    #[test]
    fn each_unit() {
        assert_eq!(d("250ms"), 250);
        assert_eq!(d("90s"), 90 * SECOND);
        assert_eq!(d("30m"), 30 * MINUTE);
        assert_eq!(d("12h"), 12 * HOUR);
        assert_eq!(d("7d"), 7 * DAY);
        assert_eq!(d("2w"), 14 * DAY);
        assert_eq!(d("0s"), 0);
        assert_eq!(d("0ms"), 0);
    }

    #[test]
    fn multi_part_and_decimals() {
        assert_eq!(d("1h 30m"), 90 * MINUTE);
        assert_eq!(d("3d 4h"), 3 * DAY + 4 * HOUR);
        assert_eq!(d("10d 2h"), 10 * DAY + 2 * HOUR);
        assert_eq!(d("1h30m"), 90 * MINUTE);
        assert_eq!(d("  1d   1ms "), DAY + 1);
        assert_eq!(d("1.5h"), 90 * MINUTE);
        assert_eq!(d("0.001s"), 1);
        assert_eq!(d("2.50m"), 150 * SECOND);
        assert_eq!(d("007s"), 7 * SECOND);
        assert_eq!(d("213503982334d"), 213_503_982_334 * DAY);
    }

    #[test]
    fn no_unit_is_an_error_that_suggests_one() {
        assert!(is_bad(parse_duration("90")).contains("\"90s\""));
        assert!(is_bad(parse_duration("1.5")).contains("no unit"));
        assert!(is_bad(parse_duration("1h 30")).contains("\"30s\""));
        assert!(is_bad(parse_duration("5 parsecs")).contains("no unit"));
    }

    #[test]
    fn malformed() {
        assert!(is_bad(parse_duration("")).contains("empty"));
        assert!(is_bad(parse_duration("   ")).contains("empty"));
        assert!(is_bad(parse_duration("5parsecs")).contains("unknown unit"));
        assert!(is_bad(parse_duration("off")).contains("expected a number"));
        assert!(is_bad(parse_duration("1.2.3s")).contains("not a number"));
        assert!(is_bad(parse_duration(".5h")).contains("not a number"));
        assert!(is_bad(parse_duration("5.s")).contains("not a number"));
        assert!(is_bad(parse_duration("1.5ms")).contains("whole number"));
        assert!(is_bad(parse_duration("0.0000000001s")).contains("whole number"));
        assert!(is_bad(parse_duration("5 s")).contains("no unit"));
        assert!(is_bad(parse_duration("5s+")).contains("expected a number"));
        is_bad(parse_duration("5ｓ"));
        assert!(is_bad(parse_duration("1e3s")).contains("unknown unit"));
    }

    #[test]
    fn overflow_and_negative_are_out_of_range() {
        assert!(is_out_of_range(parse_duration("99999999999999d")).contains("too large"));
        assert!(is_out_of_range(parse_duration("213503982335d")).contains("too large"));
        assert!(
            is_out_of_range(parse_duration("999999999999999999999999999999999999999w"))
                .contains("too large")
        );
        assert!(
            is_out_of_range(parse_duration("200000000000d 200000000000d")).contains("too large")
        );
        assert!(is_out_of_range(parse_duration("-5m")).contains("negative"));
    }

    #[test]
    fn rates() {
        let r = parse_rate("1/7d").unwrap();
        assert_eq!((r.count, r.per), (1.0, 7 * DAY));
        let r = parse_rate("2.5/1d").unwrap();
        assert_eq!((r.count, r.per), (2.5, DAY));
        let r = parse_rate(" 3 / 1h 30m ").unwrap();
        assert_eq!((r.count, r.per), (3.0, 90 * MINUTE));
        let r = parse_rate("0/365d").unwrap();
        assert_eq!((r.count, r.per), (0.0, ZERO_RATE_PER));
        assert_eq!(parse_rate("0").unwrap(), parse_rate("0/365d").unwrap());
        assert_eq!(parse_rate("0.0").unwrap().count, 0.0);
    }

    #[test]
    fn bad_rates() {
        assert!(is_bad(parse_rate("1")).contains("no '/'"));
        assert!(is_bad(parse_rate("")).contains("no '/'"));
        assert!(is_bad(parse_rate("x/7d")).contains("not a number"));
        assert!(is_bad(parse_rate("nan/7d")).contains("not a number"));
        assert!(is_bad(parse_rate("inf/7d")).contains("not a number"));
        assert!(is_bad(parse_rate("1/7")).contains("no unit"));
        assert!(is_bad(parse_rate("1/7d/2")).contains("expected a number"));
        assert!(is_out_of_range(parse_rate("-1/7d")).contains("negative"));
        assert!(is_out_of_range(parse_rate("1/0s")).contains("zero"));
        assert!(is_out_of_range(parse_rate("1/99999999999999d")).contains("too large"));
        let huge = format!("{}/1d", "9".repeat(400));
        assert!(is_out_of_range(parse_rate(&huge)).contains("too large"));
    }
}
