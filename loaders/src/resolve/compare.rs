//! Comparators: each puts a pair of values at a level (agree, close, disagree) that the score
//! turns into a weight. Values are prepared once per record (names folded, dates as days,
//! genders as codes), so a comparison is a few integer or byte comparisons.

use graph_schema::normalise::{self, AddressParts};

use super::variants::simplified;

/// The outcome of comparing one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Equal once folded.
    Agree,
    /// Not equal, but as a typing slip of one another would be.
    Close,
    /// Both present and different.
    Disagree,
    /// Absent on one side or both: no evidence either way.
    Missing,
}

impl Level {
    /// A word for explanations.
    pub fn word(self) -> &'static str {
        match self {
            Level::Agree => "agree",
            Level::Close => "close",
            Level::Disagree => "disagree",
            Level::Missing => "missing",
        }
    }
}

/// The folded form of a name used for matching: the `name` normaliser (width, spaces, middle
/// dots), then no spaces or dots at all, ASCII lower case, and traditional or variant Han
/// characters written in their simplified form. "張 三", "张三" and "ＺＨＡＮＧ San" vs
/// "zhangsan" fold alike within their script.
pub fn fold_name(raw: &str) -> String {
    let named = normalise::name(raw);
    let mut out = String::with_capacity(named.len());
    for c in named.chars() {
        if c == ' ' || c == '\u{00B7}' || c == '.' || c == '-' {
            continue;
        }
        if c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(simplified(c));
        }
    }
    out
}

/// Compares two folded names: equal, or close when they have the same length of at least
/// three characters and differ in one of them or in the order of two neighbours (a slip that
/// turns 张建国 into 张建团 or 张国建). Two-character names that differ are different names.
pub fn names(a: &str, b: &str) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Agree;
    }
    let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if x.len() != y.len() || x.len() < 3 {
        return Level::Disagree;
    }
    let differing: Vec<usize> = (0..x.len()).filter(|&i| x[i] != y[i]).collect();
    let close = match differing.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    };
    if close {
        Level::Close
    } else {
        Level::Disagree
    }
}

/// The first character of a folded name, which for a Chinese name is (the first character
/// of) the surname: a blocking key together with the birth date.
pub fn surname_initial(folded: &str) -> Option<char> {
    folded.chars().next()
}

/// Compares two dates (days since 1970-01-01): equal; close when, written as YYYYMMDD, the
/// year is the same and month and day differ in one digit or are swapped, or month and day are
/// the same and the years are one apart; otherwise different. A year that differs in an earlier
/// digit (1956 against 1950) is not taken for a slip: parents and children are decades apart on
/// the same day often enough in a household.
pub fn dates(a: Option<i32>, b: Option<i32>) -> Level {
    let (Some(a), Some(b)) = (a, b) else { return Level::Missing };
    if a == b {
        return Level::Agree;
    }
    let (x, y) = (yyyymmdd(a), yyyymmdd(b));
    let same_year = x[..4] == y[..4];
    let month_day_slip = same_year && x[4..].iter().zip(&y[4..]).filter(|(p, q)| p != q).count() == 1;
    let swapped = same_year && x[4..6] == y[6..8] && x[6..8] == y[4..6];
    let year = |d: &[u8; 8]| d[..4].iter().fold(0i32, |acc, c| acc * 10 + i32::from(c - b'0'));
    let year_slip = x[4..] == y[4..] && (year(&x) - year(&y)).abs() == 1;
    if month_day_slip || swapped || year_slip {
        Level::Close
    } else {
        Level::Disagree
    }
}

fn yyyymmdd(days: i32) -> [u8; 8] {
    let text = normalise::format_days(days);
    let mut out = [b'0'; 8];
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    if digits.len() == 8 {
        out.copy_from_slice(&digits);
    }
    out
}

/// A gender code: 1 male, 2 female (GB/T 2261.1), 0 unknown.
pub fn gender_code(raw: &str) -> u8 {
    let folded = normalise::halfwidth(raw);
    match normalise::trim(&folded).to_ascii_lowercase().as_str() {
        "男" | "m" | "male" | "1" | "男性" => 1,
        "女" | "f" | "female" | "2" | "女性" => 2,
        _ => 0,
    }
}

/// Gender implied by a resident ID: the 17th digit is odd for men and even for women.
pub fn gender_from_resident_id(canonical: &str) -> u8 {
    match canonical.as_bytes().get(16) {
        Some(d) if d.is_ascii_digit() => {
            if (d - b'0') % 2 == 1 {
                1
            } else {
                2
            }
        }
        _ => 0,
    }
}

/// Compares gender codes; unknown is missing.
pub fn genders(a: u8, b: u8) -> Level {
    match (a, b) {
        (0, _) | (_, 0) => Level::Missing,
        _ if a == b => Level::Agree,
        _ => Level::Disagree,
    }
}

/// Whether `key` is shaped like a resident ID (17 digits and a digit or X, or 15 digits),
/// valid or not: a kept-raw invalid ID can still be compared digit by digit.
pub fn id_like(key: &str) -> bool {
    let b = key.as_bytes();
    match b.len() {
        18 => b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X'),
        15 => b.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Compares two ID-shaped keys: equal; close when they differ in one character or in the
/// order of two neighbours (the usual slips when an ID is typed); otherwise different. Keys not
/// shaped like IDs (an application number) are missing.
pub fn ids(a: &str, b: &str) -> Level {
    if !id_like(a) || !id_like(b) {
        return Level::Missing;
    }
    if a == b {
        return Level::Agree;
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() != y.len() {
        // A 15-digit number against an 18-digit one: compare the upgraded form.
        let upgrade = |s: &[u8]| -> Vec<u8> {
            if s.len() == 15 {
                let mut v = s[..6].to_vec();
                v.extend_from_slice(b"19");
                v.extend_from_slice(&s[6..]);
                v
            } else {
                s[..17].to_vec()
            }
        };
        return if upgrade(x) == upgrade(y) { Level::Agree } else { Level::Disagree };
    }
    let differing: Vec<usize> = (0..x.len()).filter(|&i| x[i] != y[i]).collect();
    let close = match differing.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    };
    if close {
        Level::Close
    } else {
        Level::Disagree
    }
}

/// Compares two parsed addresses: the same canonical text, or the same street address (road
/// and number) with no contradicting city or district and the same or an absent building and
/// room, agree; the same street address with a different building or room (a neighbour, or a
/// slip) is close; anything else disagrees.
pub fn addresses(a: &AddressParts, b: &AddressParts) -> Level {
    let (ca, cb) = (a.canonical(), b.canonical());
    if ca.is_empty() || cb.is_empty() {
        return Level::Missing;
    }
    if ca == cb {
        return Level::Agree;
    }
    if !a.has_street_address() || a.road != b.road || a.number != b.number {
        return Level::Disagree;
    }
    let conflicts = |x: &str, y: &str| !x.is_empty() && !y.is_empty() && x != y;
    if conflicts(&a.district, &b.district) || conflicts(&a.city, &b.city) || conflicts(&a.province, &b.province) {
        return Level::Disagree;
    }
    if a.rest == b.rest || a.rest.is_empty() || b.rest.is_empty() {
        Level::Agree
    } else {
        Level::Close
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph_schema::normalise::{address_parts, date_days};

    fn day(text: &str) -> Option<i32> {
        date_days(text, &[]).ok()
    }

    #[test]
    fn names_fold_width_spaces_dots_and_traditional_forms() {
        assert_eq!(fold_name("張 三"), "张三");
        assert_eq!(fold_name("张三"), "张三");
        assert_eq!(fold_name("陳　偉強"), "陈伟强");
        assert_eq!(fold_name("鍾麗華"), fold_name("钟丽华"));
        assert_eq!(fold_name("阿卜杜拉·买买提"), fold_name("阿卜杜拉•買買提"));
        assert_eq!(fold_name("ＺＨＡＮＧ San"), "zhangsan");
        assert_eq!(names(&fold_name("劉德華"), &fold_name("刘德华")), Level::Agree);
        assert_eq!(names(&fold_name("黃志強"), &fold_name("黄志强")), Level::Agree);
    }

    #[test]
    fn names_close_on_one_slip_of_three_or_more_characters() {
        assert_eq!(names("张建国", "张建团"), Level::Close);
        assert_eq!(names("张建国", "张国建"), Level::Close);
        assert_eq!(names("王伟", "王玮"), Level::Disagree, "a two-character name that differs is another name");
        assert_eq!(names("张建国", "李建军"), Level::Disagree);
        assert_eq!(names("张建国", "张建国强"), Level::Disagree);
        assert_eq!(names("", "张三"), Level::Missing);
    }

    #[test]
    fn dates_close_on_one_digit_or_swapped_day_and_month() {
        assert_eq!(dates(day("1985-03-12"), day("1985-03-12")), Level::Agree);
        assert_eq!(dates(day("1985-03-12"), day("1985-03-13")), Level::Close);
        assert_eq!(dates(day("1985-03-12"), day("1986-03-12")), Level::Close);
        assert_eq!(dates(day("1985-03-12"), day("1984-03-12")), Level::Close);
        assert_eq!(dates(day("1956-10-18"), day("1950-10-18")), Level::Disagree, "a parent, not a slip");
        assert_eq!(dates(day("1949-08-08"), day("1979-08-08")), Level::Disagree);
        assert_eq!(dates(day("1985-03-12"), day("1985-12-03")), Level::Close);
        assert_eq!(dates(day("1985-03-12"), day("1990-07-01")), Level::Disagree);
        assert_eq!(dates(day("1985-03-12"), None), Level::Missing);
    }

    #[test]
    fn genders_read_the_usual_codes() {
        for (raw, code) in
            [("男", 1), ("M", 1), ("male", 1), ("1", 1), ("女", 2), ("ｆ", 2), ("2", 2), ("未知", 0), ("", 0)]
        {
            assert_eq!(gender_code(raw), code, "{raw}");
        }
        assert_eq!(gender_from_resident_id("11010519491231002X"), 2);
        assert_eq!(gender_from_resident_id("110105194912310019"), 1);
        assert_eq!(genders(1, 1), Level::Agree);
        assert_eq!(genders(1, 2), Level::Disagree);
        assert_eq!(genders(0, 2), Level::Missing);
    }

    #[test]
    fn ids_close_on_one_slip() {
        let id = "11010519491231002X";
        assert_eq!(ids(id, id), Level::Agree);
        assert_eq!(ids(id, "11010519491231003X"), Level::Close);
        assert_eq!(ids(id, "11010519492131002X"), Level::Close, "two neighbours swapped");
        assert_eq!(ids(id, "32010419850312123X"), Level::Disagree);
        assert_eq!(ids(id, "APP-000001"), Level::Missing);
        assert_eq!(ids("110105491231002", "110105194912310021"), Level::Agree, "15 against 18 digits");
        assert!(id_like("110105491231002") && !id_like("11010519491231002Y"));
    }

    #[test]
    fn addresses_compare_by_parts() {
        let p = |s: &str| address_parts(s);
        let home = p("南京市玄武区中山路88号阳光花园3栋2单元501室");
        assert_eq!(addresses(&home, &p("江苏南京玄武区中山路88号阳光花园3-2-501")), Level::Agree);
        assert_eq!(addresses(&home, &p("玄武区中山路88号阳光花园3栋2单元501室")), Level::Agree, "city omitted");
        assert_eq!(addresses(&home, &p("南京市玄武区中山路88号")), Level::Agree, "building omitted");
        assert_eq!(addresses(&home, &p("南京市玄武区中山路88号阳光花园3栋2单元502室")), Level::Close);
        assert_eq!(addresses(&home, &p("南京市玄武区中山路90号")), Level::Disagree);
        assert_eq!(addresses(&home, &p("苏州市玄武区中山路88号")), Level::Disagree, "another city");
        assert_eq!(addresses(&home, &p("")), Level::Missing);
    }
}
