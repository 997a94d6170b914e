//! How records are dirtied: each function takes a canonical value and returns one of the shapes
//! the same value takes in real exports (full-width digits, spaces, legacy 15-digit IDs, mixed
//! date formats, phone punctuation, currency signs). Every shape normalises back to the
//! canonical value through the demo mapping; the tests below hold each function to that.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rand::Rng;

/// Date formats the demo mapping declares for date columns; the writers only produce these.
/// (The mapping spells them out; a test holds the two together.)
#[cfg(test)]
pub(crate) const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d"];

/// Date-time formats the demo mapping declares for transfer times.
#[cfg(test)]
pub(crate) const DATETIME_FORMATS: &[&str] =
    &["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S"];

/// The day-first format `staff.csv` uses for hire dates; the mapping must name it, since
/// 03/05/2019 cannot be told from a month-first date.
pub(crate) const STAFF_SINCE_FORMAT: &str = "%d/%m/%Y";

/// Full-width form of ASCII text: what a Chinese input method in full-width mode types.
pub(crate) fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// Probability helper: true with chance `per_thousand`/1000.
fn chance(rng: &mut impl Rng, per_thousand: u32) -> bool {
    rng.gen_range(0..1000) < per_thousand
}

/// A person's name as a clerk typed it: mostly as is, sometimes with a space between surname
/// and given name, an ideographic space, padding, or a different middle-dot character.
pub(crate) fn name(rng: &mut impl Rng, canonical: &str) -> String {
    if canonical.contains('·') {
        let dots = ['·', '•', '・', '．'];
        return canonical.replace('·', &dots[rng.gen_range(0..dots.len())].to_string());
    }
    let roll = rng.gen_range(0..1000);
    let split = |sep: &str| {
        let mut chars = canonical.chars();
        let first: String = chars.next().map(String::from).unwrap_or_default();
        format!("{first}{sep}{}", chars.as_str())
    };
    match roll {
        0..=59 => split(" "),
        60..=89 => split("\u{3000}"),
        90..=109 => format!(" {canonical} "),
        _ => canonical.to_owned(),
    }
}

/// A resident ID as written: canonical, lower-case x, the 15-digit legacy form (when the
/// holder was born in the 1900s), full-width digits, or grouped with spaces.
pub(crate) fn resident_id(rng: &mut impl Rng, canonical: &str) -> String {
    let roll = rng.gen_range(0..1000);
    match roll {
        0..=59 if canonical.ends_with('X') => canonical.replace('X', "x"),
        60..=119 => super::ids::legacy_15(canonical).unwrap_or_else(|| canonical.to_owned()),
        120..=159 => fullwidth(canonical),
        160..=189 if canonical.len() == 18 => {
            format!("{} {} {}", &canonical[..6], &canonical[6..14], &canonical[14..])
        }
        _ => canonical.to_owned(),
    }
}

/// A credit code as written: canonical, lower case, full-width, or with a space after the
/// region code.
pub(crate) fn credit_code(rng: &mut impl Rng, canonical: &str) -> String {
    match rng.gen_range(0..1000) {
        0..=39 => canonical.to_lowercase(),
        40..=69 => fullwidth(canonical),
        70..=89 => format!("{} {}", &canonical[..8], &canonical[8..]),
        _ => canonical.to_owned(),
    }
}

/// A phone number as written. Mobiles: grouped with dashes or spaces, with +86 or 0086, or
/// full-width. Landlines: with a dash or brackets after the area code.
pub(crate) fn phone(rng: &mut impl Rng, canonical: &str) -> String {
    let roll = rng.gen_range(0..1000);
    if canonical.starts_with('1') && canonical.len() == 11 {
        let (a, b, c) = (&canonical[..3], &canonical[3..7], &canonical[7..]);
        match roll {
            0..=149 => format!("{a}-{b}-{c}"),
            150..=249 => format!("{a} {b} {c}"),
            250..=349 => format!("+86 {a} {b} {c}"),
            350..=399 => format!("+86-{canonical}"),
            400..=429 => format!("0086{canonical}"),
            430..=499 => fullwidth(canonical),
            _ => canonical.to_owned(),
        }
    } else {
        let area_len = if canonical.starts_with("02") || canonical.starts_with("010") { 3 } else { 4 };
        let (area, local) = canonical.split_at(area_len);
        match roll {
            0..=399 => format!("{area}-{local}"),
            400..=549 => format!("({area}){local}"),
            550..=649 => format!("{area} {} {}", &local[..4], &local[4..]),
            _ => canonical.to_owned(),
        }
    }
}

/// A date as written: mostly ISO, otherwise one of the other declared formats, unpadded
/// month and day where the format has separators, or full-width digits. Formatted by hand:
/// chrono re-parses its format string on every call, which showed in profiles of the medium
/// world.
pub(crate) fn date(rng: &mut impl Rng, day: NaiveDate) -> String {
    let (y, m, d) = (day.year(), day.month(), day.day());
    match rng.gen_range(0..1000) {
        0..=99 => format!("{y}/{m}/{d}"),
        100..=149 => format!("{y}/{m:02}/{d:02}"),
        150..=249 => format!("{y}{m:02}{d:02}"),
        250..=329 => format!("{y}年{m}月{d}日"),
        330..=379 => format!("{y}.{m:02}.{d:02}"),
        380..=409 => fullwidth(&format!("{y}-{m:02}-{d:02}")),
        _ => format!("{y}-{m:02}-{d:02}"),
    }
}

/// A date-time as written, in one of [`DATETIME_FORMATS`].
pub(crate) fn datetime(rng: &mut impl Rng, time: NaiveDateTime) -> String {
    let (y, mo, d) = (time.year(), time.month(), time.day());
    let (h, mi, s) = (time.hour(), time.minute(), time.second());
    match rng.gen_range(0..1000) {
        0..=149 => format!("{y}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}"),
        150..=249 => format!("{y}{mo:02}{d:02}{h:02}{mi:02}{s:02}"),
        250..=349 => format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
        _ => format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
    }
}

/// Renders cents as a plain decimal with two places.
pub(crate) fn plain_amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// An amount in yuan as written: plain, with thousands separators, a currency sign or
/// suffix, one decimal place, or full-width.
pub(crate) fn amount(rng: &mut impl Rng, cents: i64) -> String {
    let plain = plain_amount(cents);
    match rng.gen_range(0..1000) {
        0..=99 => with_thousands(cents),
        100..=179 => format!("￥{plain}"),
        180..=229 => format!("¥{plain}"),
        230..=299 if cents % 10 == 0 => plain[..plain.len() - 1].to_owned(),
        300..=369 => format!("{plain}元"),
        370..=419 => fullwidth(&plain),
        420..=449 => format!("RMB {plain}"),
        _ => plain,
    }
}

/// `12,345.60`.
fn with_thousands(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", cents % 100)
}

/// An address as written: now and then with full-width digits (the loader folds them).
pub(crate) fn address(rng: &mut impl Rng, canonical: &str) -> String {
    if chance(rng, 80) {
        fullwidth(canonical)
    } else {
        canonical.to_owned()
    }
}

/// A hospital insurance code as written: sometimes lower case.
pub(crate) fn hospital_code(rng: &mut impl Rng, canonical: &str) -> String {
    if chance(rng, 100) {
        canonical.to_lowercase()
    } else {
        canonical.to_owned()
    }
}

/// An account number as written: now and then full-width, as copied from a bank's PDF.
pub(crate) fn account(rng: &mut impl Rng, canonical: &str) -> String {
    if chance(rng, 20) {
        fullwidth(canonical)
    } else {
        canonical.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use graph_schema::normalise as n;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(11)
    }

    fn strings(formats: &[&str]) -> Vec<String> {
        formats.iter().map(|f| (*f).to_owned()).collect()
    }

    #[test]
    fn dirty_names_normalise_to_the_canonical_name() {
        let mut rng = rng();
        for canonical in ["张三", "欧阳娜娜", "王伟", "阿卜杜拉·买买提"] {
            for _ in 0..300 {
                let dirty = name(&mut rng, canonical);
                assert_eq!(n::name(&dirty), canonical, "{dirty:?}");
            }
        }
    }

    #[test]
    fn dirty_ids_normalise_to_the_canonical_id() {
        let mut rng = rng();
        let born_2005 = super::super::ids::resident_id("320106", NaiveDate::from_ymd_opt(2005, 1, 1).expect("date"), 2);
        for canonical in ["11010519491231002X", "440305199003071236", born_2005.as_str()] {
            let mut shapes = std::collections::BTreeSet::new();
            for _ in 0..500 {
                let dirty = resident_id(&mut rng, canonical);
                assert_eq!(n::resident_id(&dirty).as_deref(), Ok(canonical), "{dirty:?}");
                shapes.insert(dirty);
            }
            assert!(shapes.len() >= 3, "{shapes:?}");
        }
        let code = "91350100M000100Y43";
        for _ in 0..300 {
            let dirty = credit_code(&mut rng, code);
            assert_eq!(n::credit_code(&dirty).as_deref(), Ok(code), "{dirty:?}");
        }
    }

    #[test]
    fn dirty_phones_normalise_to_the_canonical_phone() {
        let mut rng = rng();
        for canonical in ["13812345678", "02583304616", "051265223344"] {
            for _ in 0..500 {
                let dirty = phone(&mut rng, canonical);
                assert_eq!(n::phone(&dirty).as_deref(), Ok(canonical), "{dirty:?}");
            }
        }
    }

    #[test]
    fn dirty_dates_parse_with_the_declared_formats() {
        let mut rng = rng();
        let formats = strings(DATE_FORMATS);
        let day = NaiveDate::from_ymd_opt(2023, 3, 5).expect("date");
        let expected = n::date_days("2023-03-05", &formats).expect("iso");
        let mut shapes = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let dirty = date(&mut rng, day);
            assert_eq!(n::date_days(&dirty, &formats), Ok(expected), "{dirty:?}");
            shapes.insert(dirty);
        }
        assert_eq!(shapes.len(), 7, "{shapes:?}");
        assert!(shapes.contains("2023年3月5日") && shapes.contains("2023/3/5"), "{shapes:?}");
        let since = strings(&[STAFF_SINCE_FORMAT]);
        assert_eq!(n::date_days(&day.format(STAFF_SINCE_FORMAT).to_string(), &since), Ok(expected));
    }

    #[test]
    fn dirty_datetimes_parse_with_the_declared_formats() {
        let mut rng = rng();
        let formats = strings(DATETIME_FORMATS);
        let time = NaiveDate::from_ymd_opt(2023, 3, 5).and_then(|d| d.and_hms_opt(14, 3, 9)).expect("time");
        let expected = time.and_utc().timestamp();
        for _ in 0..300 {
            let dirty = datetime(&mut rng, time);
            assert_eq!(n::datetime_secs(&dirty, &formats), Ok(expected), "{dirty:?}");
        }
    }

    #[test]
    fn dirty_amounts_parse_to_the_same_cents() {
        let mut rng = rng();
        for cents in [0, 5, 1_230, 123_456, 12_345_670, 100_000_000] {
            for _ in 0..300 {
                let dirty = amount(&mut rng, cents);
                assert_eq!(n::amount_cents(&dirty), Ok(cents), "{dirty:?}");
            }
        }
        assert_eq!(with_thousands(123_456_789), "1,234,567.89");
        assert_eq!(with_thousands(99_900), "999.00");
    }

    #[test]
    fn fullwidth_folds_back() {
        assert_eq!(n::halfwidth(&fullwidth("Ab 12.5-x")), "Ab 12.5-x");
        assert_eq!(fullwidth("12"), "１２");
    }
}
