//! Numbers: money in integer cents, plain integers and yes/no flags.
//!
//! Money is held as `i64` cents so sums are exact; a value that does not fit in cents exactly is
//! refused rather than rounded, because a rounded amount can hide or invent a structuring
//! pattern.

use super::{describe_char, halfwidth, invalid, trim, Invalid};

/// Currency markers accepted around an amount. All name the renminbi; other currencies are
/// refused, since converting would need a rate and a date.
const CURRENCY_PREFIXES: &[&str] = &["¥", "￥", "RMB", "CNY", "人民币"];
const CURRENCY_SUFFIXES: &[&str] = &["元", "RMB", "CNY"];

/// Parses a renminbi amount into cents.
///
/// Accepts `1234`, `1,234.56`, `1234.5`, `-12.30`, `¥1,234.00`, `￥12`, `RMB 12.00`, `12元` and
/// full-width digits. Thousands separators must sit between groups of three. Decimals beyond
/// the second must be zeros (`1.500` is exactly 150 cents; `1.505` is refused, never rounded).
pub fn amount_cents(s: &str) -> Result<i64, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    let (sign_before, rest) = split_sign(trimmed);
    let rest = strip_any_prefix(rest, CURRENCY_PREFIXES);
    let (sign_after, rest) = split_sign(trim(rest));
    let negative = match (sign_before, sign_after) {
        (Some(_), Some(_)) => return Err(invalid("has two signs")),
        (Some(negative), None) | (None, Some(negative)) => negative,
        (None, None) => false,
    };
    let rest = trim(strip_any_suffix(rest, CURRENCY_SUFFIXES));
    let (whole, fraction) = split_decimal(rest)?;
    if fraction.len() > 2 && !fraction[2..].bytes().all(|b| b == b'0') {
        return Err(invalid(format!(
            "{} decimal places; amounts are kept to the cent and never rounded",
            fraction.len()
        )));
    }
    let cents_digits = fraction.bytes().chain(std::iter::repeat(b'0')).take(2);
    let magnitude = whole
        .bytes()
        .filter(u8::is_ascii_digit)
        .chain(cents_digits)
        .try_fold(0i128, |acc, b| acc.checked_mul(10)?.checked_add(i128::from(b - b'0')));
    let value = magnitude.map(|m| if negative { -m } else { m });
    value.and_then(|v| i64::try_from(v).ok()).ok_or_else(|| invalid("too large to hold in cents"))
}

/// Parses a whole number: an optional sign, digits, optionally thousands separators in groups
/// of three, and optionally a fraction of zeros only (`12.0`, as spreadsheets export integers).
pub fn int(s: &str) -> Result<i64, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    let (sign, rest) = split_sign(trimmed);
    let negative = sign.unwrap_or(false);
    let (whole, fraction) = split_decimal(rest)?;
    if !fraction.bytes().all(|b| b == b'0') {
        return Err(invalid("has a fractional part"));
    }
    let magnitude = whole
        .bytes()
        .filter(u8::is_ascii_digit)
        .try_fold(0i128, |acc, b| acc.checked_mul(10)?.checked_add(i128::from(b - b'0')));
    magnitude
        .map(|m| if negative { -m } else { m })
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| invalid("too large for a 64-bit integer"))
}

/// Parses a yes/no flag: `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, `是`/`否`, any case.
pub fn boolean(s: &str) -> Result<bool, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    match trimmed.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Ok(true),
        "false" | "no" | "n" | "0" | "否" => Ok(false),
        _ => Err(invalid("not a yes/no value (true/false, yes/no, y/n, 1/0, 是/否)")),
    }
}

/// Renders cents as a plain decimal with two places: `1234.50`, `-0.05`. No separators or
/// currency sign, so the output parses back with [`amount_cents`] and loads into spreadsheets.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    // unsigned_abs, because -i64::MIN does not exist.
    let magnitude = cents.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

/// Splits off a leading sign: `Some(true)` for minus (ASCII or U+2212), `Some(false)` for plus.
fn split_sign(s: &str) -> (Option<bool>, &str) {
    if let Some(rest) = s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}')) {
        (Some(true), rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (Some(false), rest)
    } else {
        (None, s)
    }
}

fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    prefixes
        .iter()
        .find_map(|p| {
            let head = s.get(..p.len())?;
            head.eq_ignore_ascii_case(p).then(|| &s[p.len()..])
        })
        .unwrap_or(s)
}

fn strip_any_suffix<'a>(s: &'a str, suffixes: &[&str]) -> &'a str {
    suffixes
        .iter()
        .find_map(|p| {
            let at = s.len().checked_sub(p.len())?;
            let tail = s.get(at..)?;
            tail.eq_ignore_ascii_case(p).then(|| &s[..at])
        })
        .unwrap_or(s)
}

/// Splits an unsigned decimal into its whole part (digits, perhaps with well-placed commas) and
/// its fraction digits, checking every character on the way.
fn split_decimal(s: &str) -> Result<(&str, &str), Invalid> {
    if s.is_empty() {
        return Err(invalid("no digits"));
    }
    let (whole, fraction) = match s.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (s, ""),
    };
    if let Some(c) = whole.chars().chain(fraction.chars()).find(|c| !c.is_ascii_digit() && *c != ',') {
        return Err(invalid(format!("contains {}", describe_char(c))));
    }
    if fraction.contains(',') {
        return Err(invalid("thousands separator after the decimal point"));
    }
    if whole.is_empty() {
        return Err(invalid("no digits before the decimal point"));
    }
    if s.ends_with('.') {
        return Err(invalid("ends with a decimal point"));
    }
    if whole.contains(',') && !well_grouped(whole) {
        return Err(invalid(format!("thousands separators misplaced in {whole}")));
    }
    Ok((whole, fraction))
}

/// `1,234,567`: a head of one to three digits, then groups of exactly three. Other groupings
/// (`1,23,456`, `12,34`) are refused: they are either a different locale's convention or a
/// decimal comma, and which one cannot be told.
fn well_grouped(whole: &str) -> bool {
    let mut groups = whole.split(',');
    let head_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    head_ok && groups.all(|g| g.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason<T: std::fmt::Debug>(r: Result<T, Invalid>) -> String {
        r.expect_err("expected Invalid").0
    }

    #[test]
    fn amount_cents_accepts_common_shapes() {
        let cases = [
            ("1234", 123_400),
            ("1,234.56", 123_456),
            ("1234.5", 123_450),
            ("-12.30", -1_230),
            ("¥1,234.00", 123_400),
            ("￥12", 1_200),
            ("RMB 12.00", 1_200),
            ("rmb12", 1_200),
            ("CNY 1,000,000.01", 100_000_001),
            ("12元", 1_200),
            ("12.5 元", 1_250),
            ("人民币100元", 10_000),
            ("１，２３４．５６", 123_456),
            ("－１２．３", -1_230),
            ("-¥12", -1_200),
            ("¥-12", -1_200),
            ("+7", 700),
            ("\u{2212}0.05", -5),
            ("0", 0),
            ("-0", 0),
            ("0.05", 5),
            ("007.10", 710),
            ("1.500", 150),
            ("1234.5000", 123_450),
            (" 12 ", 1_200),
        ];
        for (raw, cents) in cases {
            assert_eq!(amount_cents(raw), Ok(cents), "{raw}");
        }
    }

    #[test]
    fn amount_cents_never_rounds() {
        assert_eq!(reason(amount_cents("1.505")), "3 decimal places; amounts are kept to the cent and never rounded");
        assert_eq!(reason(amount_cents("0.001")), "3 decimal places; amounts are kept to the cent and never rounded");
    }

    #[test]
    fn amount_cents_checks_thousands_separators() {
        assert_eq!(reason(amount_cents("1,23,456")), "thousands separators misplaced in 1,23,456");
        assert_eq!(reason(amount_cents("12,34")), "thousands separators misplaced in 12,34");
        assert_eq!(reason(amount_cents("1234,567")), "thousands separators misplaced in 1234,567");
        assert_eq!(reason(amount_cents(",123")), "thousands separators misplaced in ,123");
        assert_eq!(reason(amount_cents("1,234,")), "thousands separators misplaced in 1,234,");
        assert_eq!(reason(amount_cents("1.234,56")), "thousands separator after the decimal point");
    }

    #[test]
    fn amount_cents_names_other_faults() {
        assert_eq!(reason(amount_cents("")), "empty");
        assert_eq!(reason(amount_cents("¥")), "no digits");
        assert_eq!(reason(amount_cents("--12")), "has two signs");
        assert_eq!(reason(amount_cents("-¥-12")), "has two signs");
        assert_eq!(reason(amount_cents("1.2E+05")), "contains letter E");
        assert_eq!(reason(amount_cents("USD 12")), "contains letter U");
        assert_eq!(reason(amount_cents("1 234")), "contains a space");
        assert_eq!(reason(amount_cents("1.2.3")), "contains '.'");
        assert_eq!(reason(amount_cents(".5")), "no digits before the decimal point");
        assert_eq!(reason(amount_cents("12.")), "ends with a decimal point");
        assert_eq!(reason(amount_cents("(12.00)")), "contains '('");
    }

    #[test]
    fn amount_cents_refuses_overflow_but_takes_the_extremes() {
        assert_eq!(amount_cents("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(amount_cents("-92233720368547758.08"), Ok(i64::MIN));
        assert_eq!(reason(amount_cents("92233720368547758.08")), "too large to hold in cents");
        assert_eq!(reason(amount_cents("99999999999999999999999999999999999999999999")), "too large to hold in cents");
    }

    #[test]
    fn int_parses_whole_numbers() {
        assert_eq!(int("42"), Ok(42));
        assert_eq!(int("-42"), Ok(-42));
        assert_eq!(int("+42"), Ok(42));
        assert_eq!(int("１２３"), Ok(123));
        assert_eq!(int("1,234,567"), Ok(1_234_567));
        assert_eq!(int("12.0"), Ok(12));
        assert_eq!(int(" 7 "), Ok(7));
        assert_eq!(int("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(int("-9223372036854775808"), Ok(i64::MIN));
    }

    #[test]
    fn int_names_the_fault() {
        assert_eq!(reason(int("")), "empty");
        assert_eq!(reason(int("12.5")), "has a fractional part");
        assert_eq!(reason(int("9223372036854775808")), "too large for a 64-bit integer");
        assert_eq!(reason(int("1,23")), "thousands separators misplaced in 1,23");
        assert_eq!(reason(int("12a")), "contains letter a");
        assert_eq!(reason(int("-")), "no digits");
    }

    #[test]
    fn boolean_accepts_the_listed_words_in_any_case() {
        for raw in ["true", "TRUE", "Yes", "y", "Y", "1", "是", " ｙｅｓ "] {
            assert_eq!(boolean(raw), Ok(true), "{raw}");
        }
        for raw in ["false", "False", "NO", "n", "0", "否"] {
            assert_eq!(boolean(raw), Ok(false), "{raw}");
        }
        assert_eq!(reason(boolean("")), "empty");
        assert_eq!(reason(boolean("maybe")), "not a yes/no value (true/false, yes/no, y/n, 1/0, 是/否)");
        assert!(boolean("2").is_err());
        assert!(boolean("对").is_err());
    }

    #[test]
    fn format_cents_renders_two_places() {
        assert_eq!(format_cents(123_450), "1234.50");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(100), "1.00");
        assert_eq!(format_cents(i64::MIN), "-92233720368547758.08");
        assert_eq!(format_cents(i64::MAX), "92233720368547758.07");
    }
}
