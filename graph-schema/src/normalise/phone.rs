//! Mainland China phone numbers: mobiles and landlines, reduced to bare digits so that
//! "+86 138-1234-5678" and "13812345678" are one node.

use super::{describe_char, halfwidth, invalid, text::is_space, trim, Invalid};

/// Validates a mainland phone number and returns its digits.
///
/// Spaces, dashes, dots and brackets are dropped. A country code (`+86`, `0086`, or a bare `86`
/// in front of 11 more digits) is dropped only before a mobile number, where it is unambiguous.
/// The result is either a mobile (11 digits, `1[3-9]…`) or a landline with its area code (a
/// leading `0`, a 2- or 3-digit area code and a 7- or 8-digit local number). Extensions,
/// foreign numbers, service numbers (400/800/95xxx) and local numbers without an area code are
/// refused: each would need a guess to become one comparable value.
pub fn phone(s: &str) -> Result<String, Invalid> {
    let folded = halfwidth(s);
    let trimmed = trim(&folded);
    if trimmed.is_empty() {
        return Err(Invalid::empty());
    }
    if let Some(extension) = find_extension(trimmed) {
        return Err(invalid(format!("has an extension ({extension}); store the main number without it")));
    }
    let mut digits = String::with_capacity(trimmed.len());
    let mut plus = false;
    for c in trimmed.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '.' | '(' | ')' => {}
            c if is_space(c) => {}
            // A plus sign is only meaningful before the first digit.
            '+' if digits.is_empty() && !plus => plus = true,
            '/' | ',' | ';' | '、' | '|' => {
                return Err(invalid(format!("contains '{c}', perhaps more than one number")))
            }
            _ => return Err(invalid(format!("contains {}", describe_char(c)))),
        }
    }
    if digits.is_empty() {
        return Err(invalid("no digits"));
    }
    let national = if plus {
        match digits.strip_prefix("86") {
            Some(rest) if is_mobile(rest) => rest,
            Some(_) => return Err(invalid("+86 is only accepted before an 11-digit mobile number")),
            None => return Err(invalid("country code other than +86")),
        }
    } else if let Some(rest) = digits.strip_prefix("0086") {
        if is_mobile(rest) {
            rest
        } else {
            return Err(invalid("0086 is only accepted before an 11-digit mobile number"));
        }
    } else {
        match digits.strip_prefix("86") {
            Some(rest) if is_mobile(rest) => rest,
            _ => &digits,
        }
    };
    classify(national).map(str::to_owned)
}

fn is_mobile(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    bytes.len() == 11 && bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1])
}

/// Checks the national number, which is known to be non-empty ASCII digits.
fn classify(digits: &str) -> Result<&str, Invalid> {
    let n_digits = digits.len();
    if digits.starts_with('1') {
        if n_digits != 11 {
            return Err(invalid(format!("{n_digits} digits starting with 1; mobile numbers have 11")));
        }
        if !is_mobile(digits) {
            return Err(invalid(format!("no mobile numbers start with {}", &digits[..2])));
        }
        return Ok(digits);
    }
    if digits.starts_with("00") {
        return Err(invalid("international number (00 prefix) other than 0086"));
    }
    if !digits.starts_with('0') {
        return Err(invalid(format!("{n_digits} digits without a leading 0 and area code, not a mobile either")));
    }
    // Area codes: 010 and 02x are two digits after the 0; 03x..09x are three; no area code
    // starts 01 other than 010 (a leading 0 before a mobile number lands here).
    let area_len = if digits.starts_with("010") || digits.starts_with("02") {
        3
    } else if digits.starts_with("01") {
        return Err(invalid(format!(
            "area code {} does not exist (a mobile number with a 0 in front?)",
            &digits[..digits.len().min(4)]
        )));
    } else {
        4
    };
    let n_local = n_digits.saturating_sub(area_len);
    if !(7..=8).contains(&n_local) {
        let area = &digits[..area_len.min(n_digits)];
        return Err(invalid(format!("{n_local} digits after area code {area}; local numbers have 7 or 8")));
    }
    Ok(digits)
}

/// Finds an extension marker and returns it with what follows, for the refusal message. Input
/// has been folded to half-width, so `＃` is `#` here.
fn find_extension(s: &str) -> Option<&str> {
    let lower_ascii = s.to_ascii_lowercase();
    let mut start = ["转", "分机", "ext", "#"].iter().filter_map(|marker| lower_ascii.find(marker)).min();
    // "x" as in "010-12345678 x123", but only between digits, so that it is not mistaken
    // for a letter in some other kind of junk.
    if start.is_none() {
        let bytes = lower_ascii.as_bytes();
        start = bytes.iter().enumerate().position(|(i, &b)| {
            b == b'x'
                && bytes[..i].iter().rev().find(|b| **b != b' ').is_some_and(u8::is_ascii_digit)
                && bytes[i + 1..].iter().find(|b| **b != b' ' && **b != b'.').is_some_and(u8::is_ascii_digit)
        });
    }
    // to_ascii_lowercase keeps byte offsets, so the position indexes the original.
    start.map(|i| s[i..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> String {
        phone(s).expect_err("expected Invalid").0
    }

    #[test]
    fn phone_accepts_mobiles_in_common_shapes() {
        for raw in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+86-13812345678",
            "(+86)13812345678",
            "008613812345678",
            "8613812345678",
            "１３８１２３４５６７８",
            "＋８６　１３８１２３４５６７８",
            "138.1234.5678",
        ] {
            assert_eq!(phone(raw).as_deref(), Ok("13812345678"), "{raw}");
        }
        assert_eq!(phone("19912345678").as_deref(), Ok("19912345678"));
    }

    #[test]
    fn phone_accepts_landlines_with_area_code() {
        assert_eq!(phone("010-88888888").as_deref(), Ok("01088888888"));
        assert_eq!(phone("(010) 8888 8888").as_deref(), Ok("01088888888"));
        assert_eq!(phone("（０２１）６４３８８８８８").as_deref(), Ok("02164388888"));
        assert_eq!(phone("0755-2688 8888").as_deref(), Ok("075526888888"));
        assert_eq!(phone("0898-6123456").as_deref(), Ok("08986123456"));
        assert_eq!(phone("020-1234567").as_deref(), Ok("0201234567"));
    }

    #[test]
    fn phone_refuses_extensions() {
        assert_eq!(reason("010-88888888转123"), "has an extension (转123); store the main number without it");
        assert_eq!(reason("010-88888888 ext 12"), "has an extension (ext 12); store the main number without it");
        assert_eq!(reason("010-88888888 EXT. 12"), "has an extension (EXT. 12); store the main number without it");
        assert_eq!(reason("010-88888888 x12"), "has an extension (x12); store the main number without it");
        assert_eq!(reason("0755-26888888-分机8001"), "has an extension (分机8001); store the main number without it");
        assert_eq!(reason("010-88888888#123"), "has an extension (#123); store the main number without it");
    }

    #[test]
    fn phone_names_the_fault() {
        assert_eq!(reason(""), "empty");
        assert_eq!(reason("1381234567"), "10 digits starting with 1; mobile numbers have 11");
        assert_eq!(reason("12812345678"), "no mobile numbers start with 12");
        assert_eq!(reason("+86 010 88888888"), "+86 is only accepted before an 11-digit mobile number");
        assert_eq!(reason("+1 212 555 0100"), "country code other than +86");
        assert_eq!(reason("00852 2345 6789"), "international number (00 prefix) other than 0086");
        assert_eq!(reason("88888888"), "8 digits without a leading 0 and area code, not a mobile either");
        assert_eq!(reason("400-123-4567"), "10 digits without a leading 0 and area code, not a mobile either");
        assert_eq!(reason("013812345678"), "area code 0138 does not exist (a mobile number with a 0 in front?)");
        assert_eq!(reason("010-888888888"), "9 digits after area code 010; local numbers have 7 or 8");
        assert_eq!(reason("0755-12345"), "5 digits after area code 0755; local numbers have 7 or 8");
        assert_eq!(reason("0"), "0 digits after area code 0; local numbers have 7 or 8");
        assert_eq!(reason("13812345678/13912345678"), "contains '/', perhaps more than one number");
        assert_eq!(reason("138abc12345"), "contains letter a");
        assert_eq!(reason("--"), "no digits");
        assert_eq!(reason("138+12345678"), "contains '+'");
    }
}
