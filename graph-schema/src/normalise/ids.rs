//! Chinese identity numbers: the resident ID card number (GB 11643-1999) and the unified social
//! credit code of organisations (GB 32100-2015). Both carry a check character, so a typo is
//! caught here rather than splitting one person or company into two nodes.

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};

use super::{describe_char, halfwidth, invalid, trim, Invalid};

/// ISO 7064 MOD 11-2 weights for the first 17 digits of a resident ID.
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum modulo 11.
const RESIDENT_CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The earliest birth year accepted; older dates in this data are keying errors.
const EARLIEST_BIRTH_YEAR: i32 = 1880;

/// The 31 characters of a credit code in value order: digits and capitals without I, O, Z, S
/// and V, which are too easily misread.
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights 3^i mod 31 for the first 17 characters of a credit code.
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Validates a mainland resident ID number and returns its canonical 18-character form, with an
/// upper-case `X` check character.
///
/// Full-width digits are folded and plain spaces removed (people type "110105 19491231 002X");
/// any other separator is refused, since a dash or dot can as well mean two values ran
/// together. A 15-digit number from a first-generation card (before 1999) is upgraded to 18 by
/// inserting the century "19" and appending the check character. The embedded birth date must
/// be a real date from 1880 up to today (China Standard Time).
pub fn resident_id(s: &str) -> Result<String, Invalid> {
    resident_id_on(s, china_today())
}

/// Today's date in China Standard Time (UTC+8 all year). Resident IDs are issued there, so
/// someone born today in China is accepted whichever zone the server runs in.
fn china_today() -> NaiveDate {
    let now = Utc::now();
    match FixedOffset::east_opt(8 * 3600) {
        Some(china) => now.with_timezone(&china).date_naive(),
        None => now.date_naive(),
    }
}

/// [`resident_id`] with "today" given, so that tests can pin the future-date boundary.
pub(super) fn resident_id_on(s: &str, today: NaiveDate) -> Result<String, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    let mut id = String::with_capacity(18);
    for c in trimmed.chars() {
        match c {
            ' ' => {}
            '0'..='9' => id.push(c),
            'x' | 'X' => id.push('X'),
            _ => return Err(invalid(format!("contains {}", describe_char(c)))),
        }
    }
    let x_position = id.find('X');
    match id.len() {
        18 => {
            if x_position.is_some_and(|pos| pos != 17) {
                return Err(invalid("letter X is only valid as the 18th character"));
            }
            check_birth_date(&id[6..14], today)?;
            let expected = resident_check_char(&id[..17]);
            let given = char::from(id.as_bytes()[17]);
            if given != expected {
                return Err(invalid(format!("check digit is {given}, expected {expected}")));
            }
            Ok(id)
        }
        15 => {
            if x_position.is_some() {
                return Err(invalid(
                    "15-digit numbers (pre-1999 cards) have no check character, but this one contains X",
                ));
            }
            let mut upgraded = String::with_capacity(18);
            upgraded.push_str(&id[..6]);
            upgraded.push_str("19");
            upgraded.push_str(&id[6..]);
            check_birth_date(&upgraded[6..14], today)?;
            upgraded.push(resident_check_char(&upgraded));
            Ok(upgraded)
        }
        n => {
            let unit = if x_position.is_some() { "characters" } else { "digits" };
            Err(invalid(format!("{n} {unit}, expected 18 (or 15 for a pre-1999 card)")))
        }
    }
}

/// The MOD 11-2 check character for the first 17 digits of an ID. The caller guarantees ASCII
/// digits; anything else counts as zero rather than panicking.
pub(super) fn resident_check_char(first17: &str) -> char {
    let sum: u32 = first17.bytes().zip(RESIDENT_WEIGHTS).map(|(b, w)| u32::from(b.wrapping_sub(b'0') % 10) * w).sum();
    char::from(RESIDENT_CHECK_CHARS[(sum % 11) as usize])
}

fn check_birth_date(yyyymmdd: &str, today: NaiveDate) -> Result<(), Invalid> {
    let date = parse_yyyymmdd(yyyymmdd).ok_or_else(|| invalid(format!("birth date {yyyymmdd} is not a date")))?;
    if date.year() < EARLIEST_BIRTH_YEAR {
        return Err(invalid(format!("birth date {yyyymmdd} is before {EARLIEST_BIRTH_YEAR}")));
    }
    if date > today {
        return Err(invalid(format!("birth date {yyyymmdd} is in the future")));
    }
    Ok(())
}

fn parse_yyyymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = s[..4].parse().ok()?;
    let month = s[4..6].parse().ok()?;
    let day = s[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The birth date embedded in a canonical ID (as returned by [`resident_id`]); `None` if the
/// argument is not shaped like one.
pub fn resident_id_birth_date(canonical_id: &str) -> Option<NaiveDate> {
    if canonical_id.len() != 18 {
        return None;
    }
    parse_yyyymmdd(canonical_id.get(6..14)?)
}

/// Validates an 18-character unified social credit code and returns it upper-cased.
///
/// Full-width forms are folded and plain spaces removed, as for resident IDs; the check
/// character (GB 32100-2015, modulo 31) must match.
pub fn credit_code(s: &str) -> Result<String, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    let mut code = String::with_capacity(18);
    for c in trimmed.chars() {
        if c == ' ' {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if credit_value(upper).is_none() {
            return Err(invalid(if upper.is_ascii_alphabetic() {
                format!("contains letter {upper}, which credit codes never use")
            } else {
                format!("contains {}", describe_char(c))
            }));
        }
        code.push(upper);
    }
    if code.len() != 18 {
        return Err(invalid(format!("{} characters, expected 18", code.len())));
    }
    let expected = credit_check_char(&code[..17]);
    let given = char::from(code.as_bytes()[17]);
    if given != expected {
        return Err(invalid(format!("check character is {given}, expected {expected}")));
    }
    Ok(code)
}

fn credit_value(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    let index = CREDIT_CHARSET.iter().position(|&x| x == byte)?;
    u32::try_from(index).ok()
}

/// The modulo-31 check character for the first 17 characters of a credit code. Characters
/// outside the charset count as zero; callers validate first.
pub(super) fn credit_check_char(first17: &str) -> char {
    let sum: u32 = first17.chars().zip(CREDIT_WEIGHTS).map(|(c, w)| credit_value(c).unwrap_or(0) * w).sum();
    let index = (31 - sum % 31) % 31;
    char::from(CREDIT_CHARSET[index as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    fn reason<T: std::fmt::Debug>(r: Result<T, Invalid>) -> String {
        r.expect_err("expected Invalid").0
    }

    #[test]
    fn resident_id_accepts_the_canonical_example() {
        assert_eq!(resident_id("11010519491231002X").as_deref(), Ok("11010519491231002X"));
        assert_eq!(resident_id("11010519491231002x").as_deref(), Ok("11010519491231002X"));
    }

    #[test]
    fn resident_id_accepts_computed_examples() {
        for id in [
            "440305199003071236",
            "310115200002294567", // 29 February in a leap year
            "510107188001010014", // 1880, the earliest accepted year
            "440301198506151238",
        ] {
            assert_eq!(resident_id(id).as_deref(), Ok(id));
        }
    }

    #[test]
    fn resident_id_folds_full_width_and_removes_plain_spaces() {
        assert_eq!(resident_id(" 110105 19491231 002X ").as_deref(), Ok("11010519491231002X"));
        assert_eq!(resident_id("１１０１０５１９４９１２３１００２Ｘ").as_deref(), Ok("11010519491231002X"));
        assert_eq!(resident_id("110105　19491231　002ｘ").as_deref(), Ok("11010519491231002X"));
        assert_eq!(resident_id("\u{FEFF}11010519491231002X").as_deref(), Ok("11010519491231002X"));
    }

    #[test]
    fn resident_id_refuses_other_separators() {
        assert_eq!(reason(resident_id("110105-19491231-002X")), "contains '-'");
        assert_eq!(reason(resident_id("110105.19491231002X")), "contains '.'");
        assert_eq!(reason(resident_id("110105\t19491231002X")), "contains U+0009");
        assert_eq!(reason(resident_id("110105\u{00A0}19491231002X")), "contains U+00A0");
    }

    #[test]
    fn resident_id_names_the_fault() {
        assert_eq!(reason(resident_id("11010519491231002")), "17 digits, expected 18 (or 15 for a pre-1999 card)");
        assert_eq!(reason(resident_id("1101051949123100X")), "17 characters, expected 18 (or 15 for a pre-1999 card)");
        assert_eq!(reason(resident_id("110105194912310023")), "check digit is 3, expected X");
        assert_eq!(reason(resident_id("11010519491331002X")), "birth date 19491331 is not a date");
        assert_eq!(reason(resident_id("11010519490230002X")), "birth date 19490230 is not a date");
        assert_eq!(reason(resident_id("11010519491231002Q")), "contains letter Q");
        assert_eq!(reason(resident_id("1101051949123100X2")), "letter X is only valid as the 18th character");
        assert_eq!(reason(resident_id("")), "empty");
        assert_eq!(reason(resident_id("   ")), "empty");
        assert_eq!(reason(resident_id("身份证11010519491231002X")), "contains '身'");
    }

    #[test]
    fn resident_id_birth_date_bounds() {
        // 18700101 is a real date but before 1880.
        let id = format!("11010518700101001{}", resident_check_char("11010518700101001"));
        assert_eq!(reason(resident_id(&id)), "birth date 18700101 is before 1880");

        let today = date(2024, 3, 1);
        let born_today = format!("11010520240301001{}", resident_check_char("11010520240301001"));
        let born_tomorrow = format!("11010520240302001{}", resident_check_char("11010520240302001"));
        assert_eq!(resident_id_on(&born_today, today).as_deref(), Ok(born_today.as_str()));
        assert_eq!(reason(resident_id_on(&born_tomorrow, today)), "birth date 20240302 is in the future");
        // Far in the future is refused against the real clock too.
        let id = format!("11010521990101001{}", resident_check_char("11010521990101001"));
        assert_eq!(reason(resident_id(&id)), "birth date 21990101 is in the future");
    }

    #[test]
    fn resident_id_upgrades_15_digit_numbers() {
        assert_eq!(resident_id("110105491231002").as_deref(), Ok("11010519491231002X"));
        assert_eq!(resident_id("440301850615123").as_deref(), Ok("440301198506151238"));
        assert_eq!(reason(resident_id("110105491331002")), "birth date 19491331 is not a date");
        assert_eq!(
            reason(resident_id("11010549123100X")),
            "15-digit numbers (pre-1999 cards) have no check character, but this one contains X"
        );
    }

    #[test]
    fn resident_id_birth_date_reads_positions_7_to_14() {
        assert_eq!(resident_id_birth_date("11010519491231002X"), Some(date(1949, 12, 31)));
        assert_eq!(resident_id_birth_date("110105491231002"), None);
        assert_eq!(resident_id_birth_date("11010519491331002X"), None);
        assert_eq!(resident_id_birth_date("110105１９491231002"), None);
        assert_eq!(resident_id_birth_date(""), None);
    }

    #[test]
    fn credit_code_accepts_valid_codes() {
        for code in ["91350100M000100Y43", "91110000802100433B", "91440300MA5DC12341", "92310115MA1K3T2Y86"] {
            assert_eq!(credit_code(code).as_deref(), Ok(code));
        }
    }

    #[test]
    fn credit_code_upper_cases_and_folds() {
        assert_eq!(credit_code("91350100m000100y43").as_deref(), Ok("91350100M000100Y43"));
        assert_eq!(credit_code("９１３５０１００Ｍ０００１００Ｙ４３").as_deref(), Ok("91350100M000100Y43"));
        assert_eq!(credit_code(" 91350100 M000100Y43\u{3000}").as_deref(), Ok("91350100M000100Y43"));
    }

    #[test]
    fn credit_code_names_the_fault() {
        assert_eq!(reason(credit_code("91350100M000100Y44")), "check character is 4, expected 3");
        assert_eq!(reason(credit_code("91350100M000100Y4")), "17 characters, expected 18");
        assert_eq!(reason(credit_code("91350100M0O0100Y43")), "contains letter O, which credit codes never use");
        assert_eq!(reason(credit_code("91350100M000100I43")), "contains letter I, which credit codes never use");
        assert_eq!(reason(credit_code("91350100-M000100Y43")), "contains '-'");
        assert_eq!(reason(credit_code("")), "empty");
    }

    #[test]
    fn credit_charset_has_31_distinct_characters() {
        let mut sorted = CREDIT_CHARSET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 31);
        for banned in *b"IOZSV" {
            assert!(!CREDIT_CHARSET.contains(&banned));
        }
    }
}
