//! Identity numbers for the demo world: resident IDs with their ISO 7064 MOD 11-2 check digit
//! (and planted invalid ones), unified social credit codes with both of their check characters,
//! bank card numbers with a Luhn digit, phone numbers, and record numbers that look random
//! but are unique by construction.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

/// ISO 7064 MOD 11-2 weights of the first 17 digits of a resident ID (GB 11643-1999).
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character per weighted sum modulo 11.
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";

/// The check character of the first 17 digits of a resident ID.
pub(crate) fn resident_check(first17: &str) -> char {
    let sum: u32 = first17.bytes().zip(RESIDENT_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    char::from(RESIDENT_CHECK[(sum % 11) as usize])
}

/// A canonical 18-character resident ID: region, birth date, a three-digit sequence whose
/// parity carries the sex (odd for men), and the check character.
pub(crate) fn resident_id(region: &str, birth: NaiveDate, sequence: u16) -> String {
    let mut id = format!("{region}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let check = resident_check(&id);
    id.push(check);
    id
}

/// The sequence number for a person of this sex: odd for men, even for women.
pub(crate) fn sequence_for(rng: &mut impl Rng, male: bool) -> u16 {
    let base = rng.gen_range(0..500u16) * 2;
    if male {
        base + 1
    } else {
        base
    }
}

/// The 15-digit first-generation form of an 18-digit ID, for people born in the 1900s: the
/// century and the check character dropped. The loader upgrades it back.
pub(crate) fn legacy_15(id18: &str) -> Option<String> {
    (id18.len() == 18 && &id18[6..8] == "19").then(|| format!("{}{}", &id18[..6], &id18[8..17]))
}

/// How a planted invalid resident ID is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadId {
    /// One digit mistyped, so the check character no longer matches.
    CheckDigit,
    /// A birth date that does not exist (30 February), with a matching check character.
    ImpossibleDate,
    /// A digit dropped: 17 digits.
    Short,
}

/// An invalid resident ID of the given kind for someone born on `birth`. The text is plain
/// ASCII and always written the same way, so that every file names one node.
pub(crate) fn invalid_resident_id(rng: &mut impl Rng, region: &str, birth: NaiveDate, kind: BadId) -> String {
    let sequence = rng.gen_range(0..1000u16);
    match kind {
        BadId::CheckDigit => {
            let valid = resident_id(region, birth, sequence);
            let right = valid.as_bytes()[17];
            let wrong = b"0123456789"[rng.gen_range(0..10)];
            let wrong = if wrong == right {
                if right == b'0' {
                    b'1'
                } else {
                    b'0'
                }
            } else {
                wrong
            };
            format!("{}{}", &valid[..17], char::from(wrong))
        }
        BadId::ImpossibleDate => {
            let first17 = format!("{region}{:04}0230{sequence:03}", birth.year());
            let check = resident_check(&first17);
            format!("{first17}{check}")
        }
        BadId::Short => {
            let valid = resident_id(region, birth, sequence);
            let drop = rng.gen_range(6..17);
            format!("{}{}", &valid[..drop], &valid[drop + 1..])
        }
    }
}

/// The 31 characters of a credit code, in value order (no I, O, Z, S, V).
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^i mod 31 of the first 17 characters of a credit code.
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// GB 11714 weights of the eight body characters of an organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Who registered an organisation: the first two characters of its credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Registrar {
    /// 91: a company registered with market regulation.
    Company,
    /// 12: a public institution, such as a public hospital.
    Institution,
    /// 81: a trade union.
    Union,
}

/// A unified social credit code (GB 32100-2015): registrar and category, region, an
/// organisation code (GB 11714, with its own check character) and the final check character.
pub(crate) fn credit_code(rng: &mut impl Rng, registrar: Registrar, region: &str) -> String {
    let prefix = match registrar {
        Registrar::Company => "91",
        Registrar::Institution => "12",
        Registrar::Union => "81",
    };
    let mut code = String::with_capacity(18);
    code.push_str(prefix);
    code.push_str(region);
    // Codes issued since 2015 start the organisation code with "MA"; older ones are digits.
    let body: String = if registrar == Registrar::Company && rng.gen_bool(0.6) {
        let mut b = String::from("MA");
        for _ in 0..6 {
            b.push(char::from(CREDIT_CHARSET[rng.gen_range(0..31)]));
        }
        b
    } else {
        (0..8).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
    };
    code.push_str(&body);
    code.push(org_check(&body));
    let check = credit_check(&code);
    code.push(check);
    code
}

/// The GB 11714 check character of an eight-character organisation code body.
fn org_check(body: &str) -> char {
    let value = |b: u8| if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
    let sum: u32 = body.bytes().zip(ORG_WEIGHTS).map(|(b, w)| value(b) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from(b'0' + c as u8),
    }
}

/// The modulo-31 check character of the first 17 characters of a credit code.
fn credit_check(first17: &str) -> char {
    let value = |b: u8| CREDIT_CHARSET.iter().position(|&c| c == b).unwrap_or(0) as u32;
    let sum: u32 = first17.bytes().zip(CREDIT_WEIGHTS).map(|(b, w)| value(b) * w).sum();
    char::from(CREDIT_CHARSET[((31 - sum % 31) % 31) as usize])
}

/// A 19-digit bank card number: the bank's BIN, twelve digits and a Luhn check digit.
pub(crate) fn card_number(rng: &mut impl Rng, bin: &str) -> String {
    let mut digits = String::with_capacity(19);
    digits.push_str(bin);
    for _ in 0..12 {
        digits.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    let check = luhn_check(&digits);
    digits.push(check);
    digits
}

/// The Luhn digit that completes `digits`.
fn luhn_check(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A 17-digit corporate settlement account number (no check digit, as many banks issue them),
/// distinguishable from card numbers by its length.
pub(crate) fn corporate_account(rng: &mut impl Rng) -> String {
    let mut digits = String::from("3201");
    for _ in 0..13 {
        digits.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    digits
}

/// Mobile prefixes in use.
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159",
    "177", "180", "181", "182", "183", "186", "187", "188", "189", "199",
];

/// An 11-digit mobile number.
pub(crate) fn mobile(rng: &mut impl Rng) -> String {
    let mut phone = MOBILE_PREFIXES[rng.gen_range(0..MOBILE_PREFIXES.len())].to_owned();
    for _ in 0..8 {
        phone.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    phone
}

/// The trunk area code of a home city.
pub(crate) fn area_code(city: &str) -> &'static str {
    match city {
        "苏州市" => "0512",
        "无锡市" => "0510",
        _ => "025",
    }
}

/// A landline in canonical form: area code and an eight-digit local number.
pub(crate) fn landline(rng: &mut impl Rng, area: &str) -> String {
    let mut phone = area.to_owned();
    phone.push(char::from(b'0' + rng.gen_range(2..9u8)));
    for _ in 0..7 {
        phone.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    phone
}

/// Maps 0..10^digits onto itself bijectively, so sequential record numbers come out looking
/// random and never collide: an affine map, the digits reversed, and another affine map (one
/// affine map alone leaves a constant stride between neighbours).
fn scramble(n: u64, digits: u32) -> u64 {
    let modulus = 10u128.pow(digits);
    // Any multiplier coprime to 10 makes an affine map a bijection modulo a power of ten.
    let affine = |x: u128, multiplier: u128, offset: u128| (x * multiplier + offset) % modulus;
    let mut x = affine(u128::from(n), 7_919_113_457, 1_234_567);
    let mut reversed = 0u128;
    for _ in 0..digits {
        reversed = reversed * 10 + x % 10;
        x /= 10;
    }
    affine(reversed, 3_367_900_313, 7_654_321) as u64
}

/// The claim number for the `n`th claim.
pub(crate) fn claim_id(n: u64) -> String {
    format!("BX{:010}", scramble(n, 10))
}

/// The transaction number for the `n`th transfer.
pub(crate) fn txn_id(n: u64) -> String {
    format!("TX{:012}", scramble(n, 12))
}

/// The number of the `n`th hardship-grant application.
pub(crate) fn application_no(n: u64) -> String {
    format!("SQ2023{:05}", scramble(n, 5))
}

#[cfg(test)]
mod tests {
    use graph_schema::normalise;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(7)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    #[test]
    fn generated_resident_ids_pass_the_loaders_validator() {
        let mut rng = rng();
        for i in 0..5_000u32 {
            let birth = date(1930 + (i % 80) as i32, 1 + i % 12, 1 + i % 28);
            let id = resident_id("320106", birth, sequence_for(&mut rng, i % 2 == 0));
            assert_eq!(normalise::resident_id(&id).as_deref(), Ok(id.as_str()));
            assert_eq!(normalise::resident_id_birth_date(&id), Some(birth));
            match legacy_15(&id) {
                Some(legacy) => assert_eq!(normalise::resident_id(&legacy).as_deref(), Ok(id.as_str()), "{legacy}"),
                None => assert!(birth.year() >= 2000, "{id} has no 15-digit form"),
            }
        }
        assert_eq!(resident_id("110105", date(1949, 12, 31), 2), "11010519491231002X");
        assert_eq!(legacy_15(&resident_id("110105", date(2001, 1, 1), 2)), None);
    }

    #[test]
    fn sequence_parity_carries_the_sex() {
        let mut rng = rng();
        for _ in 0..100 {
            assert_eq!(sequence_for(&mut rng, true) % 2, 1);
            assert_eq!(sequence_for(&mut rng, false) % 2, 0);
        }
    }

    #[test]
    fn planted_invalid_ids_fail_for_the_planted_reason() {
        let mut rng = rng();
        for _ in 0..500 {
            let birth = date(1975, 6, 15);
            let bad = invalid_resident_id(&mut rng, "320104", birth, BadId::CheckDigit);
            assert!(normalise::resident_id(&bad).expect_err(&bad).0.starts_with("check digit is"), "{bad}");
            let bad = invalid_resident_id(&mut rng, "320104", birth, BadId::ImpossibleDate);
            assert_eq!(normalise::resident_id(&bad).expect_err(&bad).0, "birth date 19750230 is not a date");
            let bad = invalid_resident_id(&mut rng, "320104", birth, BadId::Short);
            assert!(normalise::resident_id(&bad).expect_err(&bad).0.starts_with("17 "), "{bad}");
        }
    }

    #[test]
    fn credit_codes_pass_the_loaders_validator() {
        let mut rng = rng();
        for registrar in [Registrar::Company, Registrar::Institution, Registrar::Union] {
            for _ in 0..2_000 {
                let code = credit_code(&mut rng, registrar, "320106");
                assert_eq!(normalise::credit_code(&code).as_deref(), Ok(code.as_str()));
                assert_eq!(normalise::credit_code(&code.to_lowercase()).as_deref(), Ok(code.as_str()));
            }
        }
    }

    #[test]
    fn organisation_code_check_matches_a_published_example() {
        // The organisation code in the credit code 91350100M000100Y43 is M000100Y4.
        assert_eq!(org_check("M000100Y"), '4');
    }

    #[test]
    fn card_numbers_pass_luhn() {
        let mut rng = rng();
        for _ in 0..1_000 {
            let card = card_number(&mut rng, "622202");
            assert_eq!(card.len(), 19);
            let sum: u32 = card
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        (d * 2) / 10 + (d * 2) % 10
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{card}");
        }
    }

    #[test]
    fn phones_pass_the_loaders_validator() {
        let mut rng = rng();
        for _ in 0..1_000 {
            let m = mobile(&mut rng);
            assert_eq!(normalise::phone(&m).as_deref(), Ok(m.as_str()));
            for city in ["南京市", "苏州市", "无锡市"] {
                let l = landline(&mut rng, area_code(city));
                assert_eq!(normalise::phone(&l).as_deref(), Ok(l.as_str()));
            }
        }
    }

    #[test]
    fn record_numbers_do_not_collide() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..100_000 {
            assert!(seen.insert(claim_id(n)));
            assert!(seen.insert(txn_id(n)));
        }
        let apps: std::collections::HashSet<_> = (0..10_000).map(application_no).collect();
        assert_eq!(apps.len(), 10_000);
    }
}
