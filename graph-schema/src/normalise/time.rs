//! Dates and times: parsed with a mapping's chrono formats into days or seconds since
//! 1970-01-01, and rendered back as ISO 8601 for display and export.
//!
//! A time without an offset is taken as given and stored as if it were UTC. Sources rarely say
//! which zone they mean, and shifting them by a guessed offset would put two sources that
//! disagree about zones further apart, not closer; so the stored second is "wall clock as
//! recorded", and [`format_secs`] prints it back unchanged (with a `Z`). A time that does carry
//! an offset (RFC 3339, or a format with `%z`) is converted to UTC exactly.

use std::fmt::Write as _;

use chrono::format::{Item, ParseErrorKind, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use super::{halfwidth, invalid, trim, Invalid};

/// The format that stands for RFC 3339 (`2024-03-01T08:30:00+08:00`, also with `Z`, a space for
/// the `T`, or fractional seconds). It is chrono's own spelling for that shape; we parse it
/// with chrono's more lenient RFC 3339 parser.
const RFC3339: &str = "%+";

/// Date formats tried, in order, when a mapping gives none. Day-first and month-first
/// formats (`01/03/2024`) are left out: they cannot be told apart, so a mapping must say which.
pub const DEFAULT_DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"];

/// Date-and-time formats tried, in order, when a mapping gives none: RFC 3339 with an offset
/// first, then common naive shapes (with optional fractional seconds, which are dropped: we
/// store whole seconds), then plain dates, read as midnight.
pub const DEFAULT_DATETIME_FORMATS: &[&str] = &[
    RFC3339,
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
];

/// Parses a date into days since 1970-01-01, trying each chrono format in order. An empty
/// `formats` means [`DEFAULT_DATE_FORMATS`].
///
/// Years outside 1000–9999 are refused: chrono's `%Y` also reads one to three digits, so
/// "24-03-01" would otherwise be 1 March of the year 24.
pub fn date_days(s: &str, formats: &[String]) -> Result<i32, Invalid> {
    let folded = halfwidth(s);
    let input = trim(&folded);
    if input.is_empty() {
        return Err(Invalid::empty());
    }
    let date = if formats.is_empty() {
        first_match(input, DEFAULT_DATE_FORMATS, parse_date)?
    } else {
        first_match(input, formats, parse_date)?
    };
    Ok(date.to_epoch_days())
}

/// Parses a date and time into seconds since 1970-01-01T00:00:00Z, trying each chrono format
/// in order. An empty `formats` means [`DEFAULT_DATETIME_FORMATS`].
///
/// A naive time is taken as UTC (see the module notes); a format holding only a date gives
/// midnight; `%+` means RFC 3339; fractional seconds are dropped. Years outside 1000–9999 are
/// refused, as for [`date_days`].
pub fn datetime_secs(s: &str, formats: &[String]) -> Result<i64, Invalid> {
    let folded = halfwidth(s);
    let input = trim(&folded);
    if input.is_empty() {
        return Err(Invalid::empty());
    }
    if formats.is_empty() {
        first_match(input, DEFAULT_DATETIME_FORMATS, parse_datetime)
    } else {
        first_match(input, formats, parse_datetime)
    }
}

/// Renders days since 1970-01-01 as `2024-03-01`. Days beyond chrono's calendar (about
/// ±262,000 years, so never a value [`date_days`] produced) are written as a plain count.
pub fn format_days(days: i32) -> String {
    if let Some((y, m, d)) = civil_date(days as i64).filter(|&(y, _, _)| (0..=9999).contains(&y)) {
        let mut out = String::with_capacity(10);
        push_date(&mut out, y, m, d);
        return out;
    }
    // Years outside 0–9999 are rare enough to go through chrono, which words them its own way.
    match NaiveDate::from_epoch_days(days) {
        Some(date) => date.format("%Y-%m-%d").to_string(),
        None => format!("{days} days from 1970-01-01"),
    }
}

/// Renders seconds since the epoch as `2024-03-01T08:30:00Z`. The `Z` is literal for values
/// that came with an offset, and "as recorded" for naive ones (see the module notes).
pub fn format_secs(secs: i64) -> String {
    let (days, second) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    if let Some((y, m, d)) = civil_date(days).filter(|&(y, _, _)| (0..=9999).contains(&y)) {
        let mut out = String::with_capacity(20);
        push_date(&mut out, y, m, d);
        out.push('T');
        for (i, part) in [second / 3600, second / 60 % 60, second % 60].into_iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            push_digits(&mut out, part as u32, 2);
        }
        out.push('Z');
        return out;
    }
    match DateTime::from_timestamp(secs, 0) {
        Some(time) => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("{secs} s from 1970-01-01T00:00:00Z"),
    }
}

/// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01, by counting
/// 400-year eras from 0000-03-01 (a year that starts in March puts the leap day last). Served
/// answers render hundreds of dates, and chrono's format-string path was a visible cost there.
fn civil_date(days: i64) -> Option<(i64, u32, u32)> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Some((year, month, day))
}

/// `YYYY-MM-DD` for a year in 0–9999.
fn push_date(out: &mut String, year: i64, month: u32, day: u32) {
    push_digits(out, year as u32, 4);
    out.push('-');
    push_digits(out, month, 2);
    out.push('-');
    push_digits(out, day, 2);
}

/// `value` in exactly `width` decimal digits, zero-padded (`value` must fit).
fn push_digits(out: &mut String, value: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(i) % 10) as u8));
    }
}

/// Why one format did not give a value.
enum Miss {
    /// The text does not have the format's shape.
    Shape,
    /// The text has the shape but names no real date or time ("2024-02-30", "25:00").
    Calendar,
    /// The date parsed, but its year is outside 1000–9999.
    Year(i32),
    /// The format itself is not a valid chrono format.
    BadFormat,
}

impl From<chrono::ParseError> for Miss {
    fn from(e: chrono::ParseError) -> Miss {
        match e.kind() {
            ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => Miss::Calendar,
            ParseErrorKind::BadFormat => Miss::BadFormat,
            _ => Miss::Shape,
        }
    }
}

/// Tries `parse` with each format and returns the first success; otherwise the most telling
/// refusal: a broken format, then a shape that matched with an impossible date, then an
/// out-of-range year, and only then the list of formats that did not match.
fn first_match<F: AsRef<str>, T>(
    input: &str,
    formats: &[F],
    parse: fn(&str, &str) -> Result<T, Miss>,
) -> Result<T, Invalid> {
    let mut calendar: Option<&str> = None;
    let mut year: Option<(i32, &str)> = None;
    for format in formats {
        let format = format.as_ref();
        match parse(input, format) {
            Ok(value) => return Ok(value),
            Err(Miss::BadFormat) => return Err(invalid(format!("format {format} is not a valid chrono format"))),
            Err(Miss::Calendar) => calendar = calendar.or(Some(format)),
            Err(Miss::Year(y)) => year = year.or(Some((y, format))),
            Err(Miss::Shape) => {}
        }
    }
    if let Some(format) = calendar {
        return Err(invalid(format!("not a real date or time (read as {format})")));
    }
    if let Some((y, format)) = year {
        return Err(invalid(format!("year {y} is not a four-digit year (read as {format})")));
    }
    let tried: Vec<&str> = formats.iter().map(AsRef::as_ref).collect();
    Err(invalid(format!("matches none of the formats {}", tried.join(", "))))
}

/// Dates and times read by hand for the plain formats most exports use: chrono interprets its
/// format string anew on every call, which was the largest cost of loading dated rows.
///
/// A format qualifies when it holds only `%Y %m %d %H %M %S`, literal text and a final `%.f`.
/// The hand reader answers only when it is sure chrono reads the text to the same value: a
/// four-digit year from 1000, other fields of one or two digits ended by the next literal (or,
/// in a format with two numeric fields side by side, every field zero-padded, as chrono's
/// compact check demands), nothing left over, and a real date and time. Everything else,
/// including every refusal, goes to chrono, so reasons stay the same. The property tests in
/// this module compare the two on arbitrary text.
mod fixed {
    use chrono::NaiveDate;

    /// What the hand reader made of a text.
    #[derive(Default)]
    struct Fields {
        year: Option<i32>,
        month: Option<u32>,
        day: Option<u32>,
        hour: Option<u32>,
        minute: Option<u32>,
        second: Option<u32>,
    }

    fn is_numeric_spec(b: Option<&u8>) -> bool {
        matches!(b, Some(b'Y' | b'm' | b'd' | b'H' | b'M' | b'S'))
    }

    /// Whether two numeric fields stand side by side (`%Y%m`), as chrono's `has_adjacent_numeric`
    /// judges for these formats.
    fn has_adjacent_numeric(format: &[u8]) -> bool {
        format
            .windows(4)
            .any(|w| w[0] == b'%' && is_numeric_spec(w.get(1)) && w[2] == b'%' && is_numeric_spec(w.get(3)))
    }

    /// Reads `input` against `format`; `None` when the format or the text is not plain enough.
    fn read(input: &str, format: &str) -> Option<Fields> {
        let (text, format) = (input.as_bytes(), format.as_bytes());
        let padded = has_adjacent_numeric(format);
        let mut fields = Fields::default();
        let (mut i, mut f) = (0, 0);
        while f < format.len() {
            if format[f] != b'%' {
                if text.get(i) != Some(&format[f]) {
                    return None;
                }
                i += 1;
                f += 1;
                continue;
            }
            let spec = *format.get(f + 1)?;
            if spec == b'.' {
                // `%.f` reads an optional fraction; only its absence at the very end is plain.
                return (format.get(f + 2) == Some(&b'f') && f + 3 == format.len() && i == text.len())
                    .then_some(fields);
            }
            let (min, max) = match (spec, padded) {
                (b'Y', _) => (4, 4),
                (b'm' | b'd' | b'H' | b'M' | b'S', true) => (2, 2),
                (b'm' | b'd' | b'H' | b'M' | b'S', false) => (1, 2),
                _ => return None,
            };
            let digits = text[i.min(text.len())..].iter().take(max).take_while(|b| b.is_ascii_digit()).count();
            // A longer run of digits than the field takes is chrono's to judge.
            if digits < min || (!padded && text.get(i + digits).is_some_and(u8::is_ascii_digit)) {
                return None;
            }
            let value = text[i..i + digits].iter().fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
            let slot = match spec {
                b'Y' => {
                    if fields.year.replace(value as i32).is_some() || value < 1000 {
                        return None;
                    }
                    i += digits;
                    f += 2;
                    continue;
                }
                b'm' => &mut fields.month,
                b'd' => &mut fields.day,
                b'H' => &mut fields.hour,
                b'M' => &mut fields.minute,
                _ => &mut fields.second,
            };
            if slot.replace(value).is_some() {
                return None;
            }
            i += digits;
            f += 2;
        }
        (i == text.len()).then_some(fields)
    }

    /// Bytes some non-ASCII whitespace character starts with (see `text::plainly_collapsed`):
    /// where chrono would skip Unicode whitespace, such text is left to chrono.
    fn may_start_space(b: u8) -> bool {
        matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF)
    }

    /// ASCII whitespace as `char::is_whitespace` (and so chrono's `trim_start`) sees it.
    fn is_ascii_space(b: u8) -> bool {
        matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
    }

    /// Whether `format` holds only the items [`shape_miss`] follows: each of `%Y %m %d %H %M %S`
    /// at most once, `%.f`, ASCII whitespace and literal text without non-ASCII whitespace.
    fn plain_format(format: &[u8]) -> bool {
        let mut seen = [false; 6];
        let mut f = 0;
        while f < format.len() {
            match format[f] {
                b'%' => {
                    let field = match format.get(f + 1) {
                        Some(b'.') if format.get(f + 2) == Some(&b'f') => {
                            f += 3;
                            continue;
                        }
                        Some(b'Y') => 0,
                        Some(b'm') => 1,
                        Some(b'd') => 2,
                        Some(b'H') => 3,
                        Some(b'M') => 4,
                        Some(b'S') => 5,
                        _ => return false,
                    };
                    if std::mem::replace(&mut seen[field], true) {
                        return false;
                    }
                    f += 2;
                }
                b if may_start_space(b) => return false,
                _ => f += 1,
            }
        }
        true
    }

    /// Whether chrono certainly refuses `input` for `format` because of its shape (a literal
    /// that does not match, a field with no digits, text too short or left over) before any
    /// field is out of range. Then the formats after it can be tried without asking chrono,
    /// whose failures cost as much as its successes. It follows chrono's parser step by step
    /// (whitespace skipped before fields and at spaces in the format, fields read greedily up
    /// to their width); where it cannot be sure, it says `false` and chrono decides.
    pub(super) fn shape_miss(input: &str, format: &str) -> bool {
        let (text, format) = (input.as_bytes(), format.as_bytes());
        if !plain_format(format) {
            return false;
        }
        let (mut i, mut f) = (0, 0);
        let skip_spaces = |i: &mut usize| -> bool {
            while text.get(*i).copied().is_some_and(is_ascii_space) {
                *i += 1;
            }
            !text.get(*i).copied().is_some_and(may_start_space)
        };
        while f < format.len() {
            let c = format[f];
            if is_ascii_space(c) {
                if !skip_spaces(&mut i) {
                    return false;
                }
                f += 1;
                continue;
            }
            if c != b'%' {
                // A literal: chrono wants it as a prefix, else too short or invalid.
                if text.get(i) != Some(&c) {
                    return true;
                }
                i += 1;
                f += 1;
                continue;
            }
            let spec = format[f + 1];
            if spec == b'.' {
                // Optional fraction: read only after a '.', which is left to chrono.
                if text.get(i) == Some(&b'.') {
                    return false;
                }
                f += 3;
                continue;
            }
            if !skip_spaces(&mut i) {
                return false;
            }
            if spec == b'Y' && matches!(text.get(i), Some(b'-' | b'+')) {
                return false; // signed years read without a width limit
            }
            let width = if spec == b'Y' { 4 } else { 2 };
            let digits = text[i..].iter().take(width).take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return true; // too short or invalid
            }
            let value = text[i..i + digits].iter().fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
            let in_range = match spec {
                b'm' => (1..=12).contains(&value),
                b'd' => (1..=31).contains(&value),
                b'H' => value <= 23,
                b'M' => value <= 59,
                b'S' => value <= 60,
                _ => true,
            };
            if !in_range {
                return false; // chrono refuses it as out of range, not by shape
            }
            i += digits;
            f += 2;
        }
        i < text.len() // text left over after the last item
    }

    fn date_of(fields: &Fields) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(fields.year?, fields.month?, fields.day?)
    }

    /// A date read by hand with a date-only format; `None` leaves the text to chrono.
    pub(super) fn read_date(input: &str, format: &str) -> Option<NaiveDate> {
        let fields = read(input, format)?;
        if fields.hour.is_some() || fields.minute.is_some() || fields.second.is_some() {
            return None;
        }
        date_of(&fields)
    }

    /// Seconds since the epoch read by hand; a date-only format gives midnight. Hour and minute
    /// come together (seconds may be left out, as chrono allows); a leap second (`:60`) and
    /// anything else odd is left to chrono.
    pub(super) fn read_datetime(input: &str, format: &str) -> Option<i64> {
        let fields = read(input, format)?;
        let date = date_of(&fields)?;
        let time = match (fields.hour, fields.minute, fields.second) {
            (None, None, None) => chrono::NaiveTime::MIN,
            (Some(h), Some(m), s) => chrono::NaiveTime::from_hms_opt(h, m, s.unwrap_or(0))?,
            _ => return None,
        };
        Some(date.and_time(time).and_utc().timestamp())
    }
}

fn parse_date(input: &str, format: &str) -> Result<NaiveDate, Miss> {
    let format = halfwidth(format);
    if let Some(date) = fixed::read_date(input, &format) {
        return Ok(date);
    }
    if fixed::shape_miss(input, &format) {
        return Err(Miss::Shape);
    }
    parse_date_chrono(input, &format)
}

/// [`parse_date`] by chrono alone.
fn parse_date_chrono(input: &str, format: &str) -> Result<NaiveDate, Miss> {
    let date = NaiveDate::parse_from_str(input, format)?;
    check_year(date.year())?;
    check_compact(input, format, |out| write!(out, "{}", date.format(format)))?;
    Ok(date)
}

fn parse_datetime(input: &str, format: &str) -> Result<i64, Miss> {
    let format = halfwidth(format);
    if let Some(secs) = fixed::read_datetime(input, &format) {
        return Ok(secs);
    }
    if fixed::shape_miss(input, &format) {
        return Err(Miss::Shape);
    }
    parse_datetime_chrono(input, &format)
}

/// [`parse_datetime`] by chrono alone.
fn parse_datetime_chrono(input: &str, format: &str) -> Result<i64, Miss> {
    if format.trim() == RFC3339 {
        // Without an offset the text is not RFC 3339 whatever else is wrong with it; saying
        // so here keeps "25:00" in a naive time from being blamed on this format.
        if !ends_with_offset(input) {
            return Err(Miss::Shape);
        }
        let time = DateTime::parse_from_rfc3339(input)?;
        check_year(time.naive_local().year())?;
        return Ok(time.timestamp());
    }
    if has_offset_spec(format) {
        // NaiveDateTime would read the offset and silently drop it.
        let time = DateTime::parse_from_str(input, format)?;
        check_year(time.naive_local().year())?;
        check_compact(input, format, |out| write!(out, "{}", time.format(format)))?;
        return Ok(time.timestamp());
    }
    let naive = match NaiveDateTime::parse_from_str(input, format) {
        Ok(naive) => naive,
        // A format with no time fields: read the date and take midnight.
        Err(e) if e.kind() == ParseErrorKind::NotEnough => {
            NaiveDate::parse_from_str(input, format)?.and_time(NaiveTime::MIN)
        }
        Err(e) => return Err(e.into()),
    };
    check_year(naive.year())?;
    check_compact(input, format, |out| write!(out, "{}", naive.format(format)))?;
    Ok(naive.and_utc().timestamp())
}

/// Whether text ends like an RFC 3339 offset: `Z` or `±hh:mm`.
fn ends_with_offset(input: &str) -> bool {
    let bytes = input.as_bytes();
    if matches!(bytes.last(), Some(b'Z' | b'z')) {
        return true;
    }
    match bytes.len().checked_sub(6).map(|at| &bytes[at..]) {
        Some([sign, h1, h2, b':', m1, m2]) => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn check_year(year: i32) -> Result<(), Miss> {
    if (1000..=9999).contains(&year) {
        Ok(())
    } else {
        Err(Miss::Year(year))
    }
}

/// In a format with two numeric fields side by side (`%Y%m%d`), chrono reads one or two digits
/// per field, so "2024111" would parse as 2024-11-1 though it may mean 2024-1-11. For such
/// formats the input must be exactly what the format prints, i.e. zero-padded.
fn check_compact(input: &str, format: &str, render: impl FnOnce(&mut String) -> std::fmt::Result) -> Result<(), Miss> {
    if !has_adjacent_numeric(format) {
        return Ok(());
    }
    let mut printed = String::with_capacity(input.len());
    match render(&mut printed) {
        Ok(()) if printed == input => Ok(()),
        _ => Err(Miss::Shape),
    }
}

fn has_adjacent_numeric(format: &str) -> bool {
    let mut previous_numeric = false;
    for item in StrftimeItems::new(format) {
        let numeric = matches!(item, Item::Numeric(..));
        if numeric && previous_numeric {
            return true;
        }
        previous_numeric = numeric;
    }
    false
}

/// Whether a format reads a UTC offset: `%z` with any of chrono's `:` or `#` modifiers, or
/// `%+`, which ends in one.
fn has_offset_spec(format: &str) -> bool {
    let bytes = format.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if bytes.get(j) == Some(&b'%') {
            i = j + 1;
            continue;
        }
        while matches!(bytes.get(j), Some(b':' | b'#')) {
            j += 1;
        }
        if matches!(bytes.get(j), Some(b'z' | b'+')) {
            return true;
        }
        i = j;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(y: i32, m: u32, d: u32) -> i32 {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date").to_epoch_days()
    }

    fn secs(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("test time")
            .and_utc()
            .timestamp()
    }

    fn formats(list: &[&str]) -> Vec<String> {
        list.iter().map(|f| (*f).to_owned()).collect()
    }

    fn reason<T: std::fmt::Debug>(r: Result<T, Invalid>) -> String {
        r.expect_err("expected Invalid").0
    }

    #[test]
    fn date_days_reads_the_default_formats() {
        let expected = days(2024, 3, 1);
        for raw in [
            "2024-03-01",
            "2024/03/01",
            "20240301",
            "2024.03.01",
            "2024年03月01日",
            "2024年3月1日",
            "2024-3-1",
            "2024/3/1",
            "２０２４－０３－０１",
            " 2024-03-01\u{3000}",
        ] {
            assert_eq!(date_days(raw, &[]), Ok(expected), "{raw}");
        }
        assert_eq!(date_days("1970-01-01", &[]), Ok(0));
        assert_eq!(date_days("1969-12-31", &[]), Ok(-1));
    }

    #[test]
    fn date_days_uses_the_given_formats_only() {
        let day_first = formats(&["%d/%m/%Y"]);
        assert_eq!(date_days("01/03/2024", &day_first), Ok(days(2024, 3, 1)));
        assert_eq!(reason(date_days("2024-03-01", &day_first)), "matches none of the formats %d/%m/%Y");
        // Day-first is not a default.
        assert!(date_days("01/03/2024", &[]).is_err());
    }

    #[test]
    fn date_days_names_the_fault() {
        assert_eq!(reason(date_days("", &[])), "empty");
        assert_eq!(
            reason(date_days("March 1st", &[])),
            "matches none of the formats %Y-%m-%d, %Y/%m/%d, %Y%m%d, %Y.%m.%d, %Y年%m月%d日"
        );
        assert_eq!(reason(date_days("2023-02-29", &[])), "not a real date or time (read as %Y-%m-%d)");
        assert_eq!(reason(date_days("2024/13/01", &[])), "not a real date or time (read as %Y/%m/%d)");
        assert_eq!(reason(date_days("24-03-01", &[])), "year 24 is not a four-digit year (read as %Y-%m-%d)");
        assert_eq!(reason(date_days("2024-03-01", &formats(&["%Q"]))), "format %Q is not a valid chrono format");
    }

    #[test]
    fn date_days_refuses_unpadded_compact_dates() {
        assert_eq!(date_days("20240111", &[]), Ok(days(2024, 1, 11)));
        assert!(date_days("2024111", &[]).is_err());
        assert!(date_days("202431", &[]).is_err());
    }

    #[test]
    fn datetime_secs_reads_the_default_formats() {
        let expected = secs(2024, 3, 1, 8, 30, 0);
        for raw in [
            "2024-03-01 08:30:00",
            "2024-03-01T08:30:00",
            "2024/03/01 08:30:00",
            "2024-03-01 08:30",
            "2024/3/1 8:30",
            "20240301083000",
            "2024年03月01日 08:30:00",
            "2024-03-01 08:30:00.000",
            "2024-03-01 08:30:00.999",
            "2024-03-01T08:30:00Z",
            "2024-03-01T16:30:00+08:00",
            "2024-03-01 16:30:00+08:00",
            "２０２４－０３－０１　０８：３０：００",
        ] {
            assert_eq!(datetime_secs(raw, &[]), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn datetime_secs_reads_plain_dates_as_midnight() {
        let midnight = secs(2024, 3, 1, 0, 0, 0);
        for raw in ["2024-03-01", "2024/03/01", "20240301", "2024年3月1日"] {
            assert_eq!(datetime_secs(raw, &[]), Ok(midnight), "{raw}");
        }
        assert_eq!(datetime_secs("01.03.2024", &formats(&["%d.%m.%Y"])), Ok(midnight));
    }

    #[test]
    fn datetime_secs_applies_offsets_in_custom_formats() {
        let with_offset = formats(&["%Y-%m-%d %H:%M:%S %z"]);
        assert_eq!(datetime_secs("2024-03-01 16:30:00 +0800", &with_offset), Ok(secs(2024, 3, 1, 8, 30, 0)));
        // An explicit RFC 3339 entry in a custom list.
        assert_eq!(datetime_secs("2024-03-01T08:30:00-01:00", &formats(&["%+"])), Ok(secs(2024, 3, 1, 9, 30, 0)));
    }

    #[test]
    fn datetime_secs_names_the_fault() {
        assert_eq!(reason(datetime_secs(" ", &[])), "empty");
        assert_eq!(
            reason(datetime_secs("2024-03-01 25:00:00", &[])),
            "not a real date or time (read as %Y-%m-%d %H:%M:%S%.f)"
        );
        assert_eq!(
            reason(datetime_secs("yesterday", &formats(&["%Y-%m-%d %H:%M:%S", "%Y%m%d"]))),
            "matches none of the formats %Y-%m-%d %H:%M:%S, %Y%m%d"
        );
        assert!(datetime_secs("202403010830", &[]).is_err());
        assert!(datetime_secs("2024031083000", &[]).is_err());
        assert_eq!(reason(datetime_secs("2024-02-30T08:30:00+08:00", &[])), "not a real date or time (read as %+)");
    }

    #[test]
    fn format_days_and_secs_render_iso_8601() {
        assert_eq!(format_days(days(2024, 3, 1)), "2024-03-01");
        assert_eq!(format_days(0), "1970-01-01");
        assert_eq!(format_days(-1), "1969-12-31");
        assert_eq!(format_days(i32::MAX), "2147483647 days from 1970-01-01");
        assert_eq!(format_secs(secs(2024, 3, 1, 8, 30, 0)), "2024-03-01T08:30:00Z");
        assert_eq!(format_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_secs(i64::MIN), "-9223372036854775808 s from 1970-01-01T00:00:00Z");
    }

    #[test]
    fn parsed_values_round_trip_through_the_formatters() {
        assert_eq!(date_days(&format_days(19_783), &[]), Ok(19_783));
        let t = secs(1999, 12, 31, 23, 59, 59);
        assert_eq!(datetime_secs(&format_secs(t), &[]), Ok(t));
    }

    #[test]
    fn offset_specs_are_recognised() {
        assert!(has_offset_spec("%Y-%m-%d %H:%M:%S%z"));
        assert!(has_offset_spec("%Y-%m-%dT%H:%M:%S%:z"));
        assert!(has_offset_spec("%+"));
        assert!(!has_offset_spec("%Y-%m-%d %H:%M:%S"));
        assert!(!has_offset_spec("%Y %%z"));
        assert!(!has_offset_spec("%Z"));
    }

    #[test]
    fn rfc3339_offsets_are_recognised() {
        assert!(ends_with_offset("2024-03-01T08:30:00Z"));
        assert!(ends_with_offset("2024-03-01T08:30:00+08:00"));
        assert!(ends_with_offset("2024-03-01T08:30:00-01:30"));
        assert!(!ends_with_offset("2024-03-01 08:30:00"));
        assert!(!ends_with_offset("2024-03-01"));
        assert!(!ends_with_offset(""));
    }

    /// The fixed-shape formats, and lenient neighbours that must stay with chrono.
    const SHAPED: &[&str] = &[
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%Y%m%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y%m%d%H%M%S",
        "%Y年%m月%d日",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
        "%Y%m%d %H:%M:%S",
        "%d/%m/%Y",
        "%d.%m.%Y",
        "%H:%M:%S %Y-%m-%d",
        "%Y-%m-%d %H",
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d%%",
        "%+",
    ];

    /// A comparable form of a parse result.
    fn seen<T: PartialEq + std::fmt::Debug>(r: Result<T, Miss>) -> Result<T, String> {
        r.map_err(|miss| match miss {
            Miss::Shape => "shape".to_owned(),
            Miss::Calendar => "calendar".to_owned(),
            Miss::Year(y) => format!("year {y}"),
            Miss::BadFormat => "format".to_owned(),
        })
    }

    /// Text near the fixed shapes: digits with the separators shuffled in, so that every branch
    /// of the hand parsers (and every way out of them) is reached.
    fn near_shape() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[0-9]{1,4}",
            1 => "[0-3][0-9]",
            1 => "(1[0-9]{3}|9999|0[0-9]{3})",
            2 => "[-/. T:]",
            1 => "[+Z年月日\\.０-９x]",
            1 => "(60|24|59|23|00|13|12|31|30|29|28)",
            1 => "[\t\n\u{0B}\u{A0}\u{2003}\u{3000}\u{FEFF} +-]",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
    }

    /// A well-formed date-time in a random one of the shapes, with values drawn wide enough
    /// to include impossible days, hours 24 and leap seconds.
    fn shaped() -> impl Strategy<Value = String> {
        (0u32..10000, 0u32..14, 0u32..33, 0u32..26, 0u32..61, 0u32..62, 0usize..10).prop_map(
            |(y, mo, d, h, mi, s, style)| match style {
                0 => format!("{y:04}-{mo:02}-{d:02}"),
                1 => format!("{y:04}/{mo:02}/{d:02}"),
                2 => format!("{y:04}{mo:02}{d:02}"),
                3 => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
                4 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
                5 => format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
                6 => format!("{y}/{mo}/{d} {h}:{mi}"),
                7 => format!("{y}年{mo}月{d}日 {h}:{mi}:{s}"),
                8 => format!("{y:04}{mo:02}{d:02} {h}:{mi}:{s:02}"),
                _ => format!("{d}.{mo}.{y}"),
            },
        )
    }

    /// What chrono renders, the definition the fast renderers must match.
    fn chrono_days(days: i32) -> String {
        match NaiveDate::from_epoch_days(days) {
            Some(date) => date.format("%Y-%m-%d").to_string(),
            None => format!("{days} days from 1970-01-01"),
        }
    }

    fn chrono_secs(secs: i64) -> String {
        match DateTime::from_timestamp(secs, 0) {
            Some(time) => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => format!("{secs} s from 1970-01-01T00:00:00Z"),
        }
    }

    #[test]
    fn rendering_matches_chrono_at_the_edges() {
        for days in [i32::MIN, -719_529, -719_528, -719_162, -1, 0, 59, 60, 11_016, 2_932_896, 2_932_897, i32::MAX] {
            assert_eq!(format_days(days), chrono_days(days), "day {days}");
        }
        for secs in [
            i64::MIN,
            -62_167_219_201,
            -62_167_219_200,
            -1,
            0,
            86_399,
            951_782_400,
            253_402_300_799,
            253_402_300_800,
            i64::MAX,
        ] {
            assert_eq!(format_secs(secs), chrono_secs(secs), "second {secs}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        #[test]
        fn rendered_dates_match_chrono(days in -1_000_000i32..4_000_000) {
            prop_assert_eq!(format_days(days), chrono_days(days));
        }

        #[test]
        fn rendered_times_match_chrono(secs in -90_000_000_000i64..300_000_000_000) {
            prop_assert_eq!(format_secs(secs), chrono_secs(secs));
        }


        #[test]
        fn fixed_shape_parsers_agree_with_chrono(text in prop_oneof![near_shape(), shaped()]) {
            for format in SHAPED {
                prop_assert_eq!(seen(parse_date(&text, format)), seen(parse_date_chrono(&text, format)),
                    "date {:?} as {}", text, format);
                prop_assert_eq!(seen(parse_datetime(&text, format)), seen(parse_datetime_chrono(&text, format)),
                    "datetime {:?} as {}", text, format);
            }
        }
    }

    use proptest::prelude::{prop_assert_eq, prop_oneof, Strategy};

    #[test]
    fn fixed_shape_parsers_read_the_common_shapes_themselves() {
        assert_eq!(fixed::read_date("2024-03-01", "%Y-%m-%d"), Some(days_date(2024, 3, 1)));
        assert_eq!(fixed::read_date("20240301", "%Y%m%d"), Some(days_date(2024, 3, 1)));
        assert_eq!(fixed::read_date("2024-3-1", "%Y-%m-%d"), Some(days_date(2024, 3, 1)));
        assert_eq!(fixed::read_date("2024年3月1日", "%Y年%m月%d日"), Some(days_date(2024, 3, 1)));
        assert_eq!(fixed::read_date("2024311", "%Y%m%d"), None, "compact text must be padded");
        assert_eq!(fixed::read_date("2023-02-29", "%Y-%m-%d"), None, "refusals are chrono's");
        assert_eq!(fixed::read_date("0999-01-01", "%Y-%m-%d"), None, "so are short years");
        assert_eq!(fixed::read_date("2024-03-01", "%Y-%m-%d %H:%M:%S"), None);
        assert_eq!(fixed::read_datetime("2024-03-01 08:30:00", "%Y-%m-%d %H:%M:%S"), Some(secs(2024, 3, 1, 8, 30, 0)));
        assert_eq!(fixed::read_datetime("2024/3/1 8:30", "%Y/%m/%d %H:%M"), Some(secs(2024, 3, 1, 8, 30, 0)));
        assert_eq!(fixed::read_datetime("20240301083000", "%Y%m%d%H%M%S"), Some(secs(2024, 3, 1, 8, 30, 0)));
        assert_eq!(fixed::read_datetime("2024-03-01", "%Y-%m-%d"), Some(secs(2024, 3, 1, 0, 0, 0)));
        assert_eq!(fixed::read_datetime("2024-03-01 23:59:60", "%Y-%m-%d %H:%M:%S"), None);
        assert_eq!(fixed::read_datetime("2024-03-01 08:30:00.5", "%Y-%m-%d %H:%M:%S%.f"), None);
        assert_eq!(fixed::read_datetime("2024-03-01 08:30:00", "%Y-%m-%d %H:%M:%S%z"), None);
    }

    #[test]
    fn shape_misses_are_told_only_when_certain() {
        assert!(fixed::shape_miss("2024年3月1日", "%Y-%m-%d"));
        assert!(fixed::shape_miss("2024-03-01T08:30:00", "%Y-%m-%d %H:%M:%S"));
        assert!(fixed::shape_miss("2024-03-01 08:30", "%Y%m%d"));
        assert!(fixed::shape_miss("2024-03-01x", "%Y-%m-%d"), "text left over");
        assert!(!fixed::shape_miss("2024-13-01x", "%Y-%m-%d"), "month 13 is chrono's out-of-range refusal");
        assert!(!fixed::shape_miss("2024-03-01", "%Y-%m-%d"), "it parses");
        assert!(!fixed::shape_miss("2024-03-01", "%Y-%m-%d %z"), "offsets are chrono's");
        assert!(!fixed::shape_miss("2024-03-01\u{3000}x", "%Y-%m-%d %H"), "Unicode spaces are chrono's");
    }

    fn days_date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }
}
