//! Property tests for the normalisers: check characters against an independent construction,
//! round trips, and that no input whatever makes any of them panic.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::ids::{credit_check_char, resident_check_char};
use super::*;

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const RESIDENT_CHECKS: &str = "0123456789X";

/// A date from `min` to `max` inclusive, as YYYYMMDD.
fn birth_date(min: NaiveDate, max: NaiveDate) -> impl Strategy<Value = String> {
    (min.to_epoch_days()..=max.to_epoch_days()).prop_map(|days| {
        let date = NaiveDate::from_epoch_days(days).expect("in range");
        format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
    })
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("constant date")
}

proptest! {
    #[test]
    fn resident_id_check_char_is_accepted_and_every_other_refused(
        area in "[0-9]{6}",
        birth in birth_date(ymd(1880, 1, 1), ymd(2020, 12, 31)),
        sequence in "[0-9]{3}",
    ) {
        let first17 = format!("{area}{birth}{sequence}");
        let check = resident_check_char(&first17);
        let id = format!("{first17}{check}");
        prop_assert_eq!(resident_id(&id), Ok(id.clone()));
        prop_assert_eq!(resident_id_birth_date(&id).map(|d| d.to_epoch_days()),
            resident_id_birth_date(&format!("000000{birth}0000")).map(|d| d.to_epoch_days()));
        for other in RESIDENT_CHECKS.chars().filter(|c| *c != check) {
            let wrong = format!("{first17}{other}");
            prop_assert!(resident_id(&wrong).is_err(), "{} accepted", wrong);
        }
    }

    #[test]
    fn fifteen_digit_upgrade_is_a_valid_id(
        area in "[0-9]{6}",
        birth in birth_date(ymd(1900, 1, 1), ymd(1999, 12, 31)),
        sequence in "[0-9]{3}",
    ) {
        let legacy = format!("{area}{}{sequence}", &birth[2..]);
        let upgraded = resident_id(&legacy);
        prop_assert!(upgraded.is_ok(), "{} refused: {:?}", legacy, upgraded);
        let upgraded = upgraded.unwrap_or_default();
        prop_assert_eq!(upgraded.len(), 18);
        prop_assert_eq!(&upgraded[..17], format!("{area}{birth}{sequence}"));
        prop_assert_eq!(resident_id(&upgraded), Ok(upgraded.clone()));
    }

    #[test]
    fn credit_code_check_char_is_accepted_and_every_other_refused(
        body in proptest::collection::vec(0..31usize, 17),
    ) {
        let first17: String = body.iter().map(|&i| char::from(CREDIT_CHARS.as_bytes()[i])).collect();
        let check = credit_check_char(&first17);
        let code = format!("{first17}{check}");
        prop_assert_eq!(credit_code(&code), Ok(code.clone()));
        prop_assert_eq!(credit_code(&code.to_lowercase()), Ok(code.clone()));
        for other in CREDIT_CHARS.chars().filter(|c| *c != check) {
            let wrong = format!("{first17}{other}");
            prop_assert!(credit_code(&wrong).is_err(), "{} accepted", wrong);
        }
    }

    #[test]
    fn amount_cents_round_trips_with_format_cents(cents in any::<i64>()) {
        prop_assert_eq!(amount_cents(&format_cents(cents)), Ok(cents));
    }

    #[test]
    fn format_cents_of_a_parsed_amount_parses_the_same(
        whole in 0u64..10_000_000_000,
        fraction in 0u32..100,
        negative in any::<bool>(),
    ) {
        let raw = format!("{}{whole}.{fraction:02}", if negative { "-" } else { "" });
        let cents = amount_cents(&raw);
        prop_assert!(cents.is_ok(), "{} refused", raw);
        let cents = cents.unwrap_or_default();
        prop_assert_eq!(amount_cents(&format_cents(cents)), Ok(cents));
    }

    #[test]
    fn dates_round_trip_with_format_days(days in ymd(1000, 1, 1).to_epoch_days()..=ymd(9999, 12, 31).to_epoch_days()) {
        prop_assert_eq!(date_days(&format_days(days), &[]), Ok(days));
    }

    #[test]
    fn times_round_trip_with_format_secs(secs in -30_610_224_000i64..253_402_300_799) {
        prop_assert_eq!(datetime_secs(&format_secs(secs), &[]), Ok(secs));
    }

    #[test]
    fn address_is_idempotent(
        s in "[江苏省南京市玄武区北京朝阳上海徐汇吉林路街道巷号弄栋幢单元室楼层镇乡小区花园一二三十百零0-9０-９\\- ，,（）()·]{0,30}",
    ) {
        let once = address(&s);
        prop_assert_eq!(address(&once), once.clone(), "{} → {}", s, once);
    }

    #[test]
    fn nothing_panics_on_arbitrary_strings(s in any::<String>()) {
        exercise_everything(&s);
    }

    #[test]
    fn nothing_panics_on_field_like_strings(
        s in "[0-9０-９xXＸ+＋\\-－.,，¥￥元 \u{3000}\u{FEFF}:/年月日T张三·・]{0,24}",
    ) {
        exercise_everything(&s);
    }
}

fn exercise_everything(s: &str) {
    let custom = vec![s.to_owned(), "%Y%m%d".to_owned()];
    let _ = halfwidth(s);
    let _ = trim(s);
    let _ = collapse_spaces(s);
    let _ = name(s);
    let _ = upper(s);
    let _ = lower(s);
    let once = address(s);
    assert_eq!(address(&once), once, "address of {s:?} is not a fixed point");
    if let Ok(id) = resident_id(s) {
        assert!(resident_id_birth_date(&id).is_some(), "{id}");
        assert_eq!(resident_id(&id), Ok(id.clone()));
    }
    let _ = resident_id_birth_date(s);
    if let Ok(code) = credit_code(s) {
        assert_eq!(credit_code(&code), Ok(code.clone()));
    }
    if let Ok(number) = phone(s) {
        assert_eq!(phone(&number), Ok(number.clone()));
    }
    let _ = amount_cents(s);
    let _ = int(s);
    let _ = boolean(s);
    let _ = date_days(s, &[]);
    let _ = date_days(s, &custom);
    let _ = datetime_secs(s, &[]);
    let _ = datetime_secs(s, &custom);
}
