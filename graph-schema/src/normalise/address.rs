//! Chinese postal addresses: the many ways one address is typed (full-width digits, spaces,
//! punctuation, "江苏省南京市" or "南京市" or "江苏南京", Chinese numerals, "3-2-501" for
//! building 3, unit 2, room 501) folded into one canonical text, so that formatting variants
//! become one address node. The mapping keeps the raw text as a property for display.
//!
//! The parse is deliberately shallow: it recognises the province (a table of all 34), the
//! prefecture-level city (by its 市/州/盟/地区 suffix, or by a short name from a table of large
//! cities when a district follows), the district, the town, the road, the street number and the
//! building/unit/room tail. It never invents a part: a city is only dropped in favour of nothing,
//! never guessed from a district, because district names repeat across cities (朝阳区 is in
//! Beijing and in Changchun).

use super::text::is_space;
use super::{halfwidth, trim};

/// The parts of a parsed address; empty where the text did not give one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AddressParts {
    /// Province in its full official name ("江苏省", "广西壮族自治区"); for the four
    /// municipalities this is the city too ("北京市").
    pub province: String,
    /// Prefecture-level city with its suffix ("南京市", "延边朝鲜族自治州").
    pub city: String,
    /// District, county or county-level city ("玄武区", "昆山市").
    pub district: String,
    /// Town, township or sub-district ("孝陵卫街道", "周庄镇").
    pub town: String,
    /// Road or street, with a section number ("人民南路3段").
    pub road: String,
    /// Street number ("88号", "12-3号", "1234弄5号").
    pub number: String,
    /// Everything after: estate, building, unit, room ("阳光花园3栋2单元501室").
    pub rest: String,
}

impl AddressParts {
    /// The canonical text: the city (or, without one, the province), then district, town,
    /// road, number and the rest. The province is dropped when a city is known, since
    /// prefecture-level city names are unique nationally and writers often omit it.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(64);
        if self.city.is_empty() {
            out.push_str(&self.province);
        } else {
            out.push_str(&self.city);
        }
        for part in [&self.district, &self.town, &self.road, &self.number, &self.rest] {
            out.push_str(part);
        }
        out
    }

    /// Whether the parse found a road and a street number: enough to place a building.
    pub fn has_street_address(&self) -> bool {
        !self.road.is_empty() && !self.number.is_empty()
    }
}

/// Canonical form of an address; see [`address_parts`]. Idempotent: the canonical text of a
/// canonical text is itself.
pub fn address(s: &str) -> String {
    address_parts(s).canonical()
}

/// Parses an address into its parts. Text without any Chinese character is not parsed: it is
/// folded to half-width, upper case and single spaces, with commas and semicolons as spaces,
/// and kept whole in [`AddressParts::rest`].
pub fn address_parts(s: &str) -> AddressParts {
    let folded = halfwidth(s);
    let text = trim(&folded);
    if !text.chars().any(is_han) {
        return AddressParts { rest: latin(text), ..AddressParts::default() };
    }
    let prepared = numerals_to_digits(&prepare(text));
    parse(&prepared)
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{323AF}')
}

fn latin(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_space(c) || matches!(c, ',' | ';' | '、' | '，' | '；') {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// Drops whitespace and punctuation; keeps a hyphen only between two digits (it joins
/// building, unit and room numbers or a number range), writing every dash variant as `-`.
fn prepare(text: &str) -> String {
    let chars: Vec<char> = text.chars().filter(|&c| !is_space(c)).collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if is_dash(c) {
            let before = out.chars().next_back().is_some_and(|b: char| b.is_ascii_digit());
            let after = chars.get(i + 1).is_some_and(|a| a.is_ascii_digit() || is_chinese_digit(*a));
            if before && after {
                out.push('-');
            }
            continue;
        }
        if is_punctuation(c) {
            continue;
        }
        out.push(c);
    }
    out
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '~' | '～' | '_' | '－')
}

fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '#'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '"'
            | '\''
            | '/'
            | '\\'
            | '、'
            | '，'
            | '。'
            | '；'
            | '：'
            | '（'
            | '）'
            | '【'
            | '】'
            | '《'
            | '》'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '·'
            | '・'
    )
}

fn is_chinese_digit(c: char) -> bool {
    matches!(c, '零' | '〇' | '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '百' | '千')
}

/// Characters that, written right after a number, make it a street, lane, building, unit,
/// floor, room or section number: Chinese numerals before them become digits.
fn is_number_suffix(c: char) -> bool {
    matches!(c, '号' | '弄' | '栋' | '幢' | '座' | '单' | '层' | '楼' | '室' | '段' | '巷' | '组' | '期' | '排' | '户')
}

/// "十二号" → "12号", "三段" → "3段", "一百零八号" → "108号": Chinese numerals directly before a
/// number suffix become digits. Numerals elsewhere ("五一路", "十里店") are names and stay.
fn numerals_to_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if is_chinese_digit(chars[i]) {
            let start = i;
            let mut end = i;
            while end < chars.len() && is_chinese_digit(chars[end]) {
                end += 1;
            }
            let followed = chars.get(end).is_some_and(|&c| is_number_suffix(c));
            // "第三" style ordinals are kept as text; a numeral glued to a preceding Han
            // character that is itself a numeral was consumed above.
            if followed {
                if let Some(value) = chinese_number(&chars[start..end]) {
                    out.push_str(&value.to_string());
                    i = end;
                    continue;
                }
            }
            out.extend(&chars[start..end]);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The value of a Chinese numeral: positional ("十二", "一百零八", "两千") or digit by digit
/// ("一二三" = 123). `None` for anything malformed or above 99,999.
fn chinese_number(chars: &[char]) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    if chars.is_empty() {
        return None;
    }
    if chars.iter().all(|&c| digit(c).is_some()) {
        if chars.len() > 5 {
            return None;
        }
        return chars.iter().try_fold(0u32, |acc, &c| Some(acc * 10 + digit(c)?));
    }
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for &c in chars {
        if let Some(d) = digit(c) {
            if pending.is_some() && d != 0 {
                return None; // two digits in a row without a unit: "二三十"
            }
            pending = if d == 0 { pending } else { Some(d) };
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        if unit >= last_unit {
            return None;
        }
        last_unit = unit;
        total += pending.take().unwrap_or(1) * unit;
    }
    total += pending.unwrap_or(0);
    Some(total)
}

/// The 34 provincial-level divisions: full name and the short name people write.
const PROVINCES: &[(&str, &str)] = &[
    ("北京市", "北京"),
    ("天津市", "天津"),
    ("上海市", "上海"),
    ("重庆市", "重庆"),
    ("河北省", "河北"),
    ("山西省", "山西"),
    ("辽宁省", "辽宁"),
    ("吉林省", "吉林"),
    ("黑龙江省", "黑龙江"),
    ("江苏省", "江苏"),
    ("浙江省", "浙江"),
    ("安徽省", "安徽"),
    ("福建省", "福建"),
    ("江西省", "江西"),
    ("山东省", "山东"),
    ("河南省", "河南"),
    ("湖北省", "湖北"),
    ("湖南省", "湖南"),
    ("广东省", "广东"),
    ("海南省", "海南"),
    ("四川省", "四川"),
    ("贵州省", "贵州"),
    ("云南省", "云南"),
    ("陕西省", "陕西"),
    ("甘肃省", "甘肃"),
    ("青海省", "青海"),
    ("台湾省", "台湾"),
    ("内蒙古自治区", "内蒙古"),
    ("广西壮族自治区", "广西"),
    ("西藏自治区", "西藏"),
    ("宁夏回族自治区", "宁夏"),
    ("新疆维吾尔自治区", "新疆"),
    ("香港特别行政区", "香港"),
    ("澳门特别行政区", "澳门"),
];

/// The municipalities, which are a province and a city at once.
const MUNICIPALITIES: &[&str] = &["北京市", "天津市", "上海市", "重庆市"];

/// Short names of large prefecture-level cities, recognised without their 市 when a district
/// follows ("南京玄武区"). Cities written with 市 need no table.
const CITIES: &[&str] = &[
    "石家庄",
    "唐山",
    "保定",
    "邯郸",
    "廊坊",
    "太原",
    "大同",
    "呼和浩特",
    "包头",
    "沈阳",
    "大连",
    "鞍山",
    "长春",
    "哈尔滨",
    "齐齐哈尔",
    "大庆",
    "南京",
    "苏州",
    "无锡",
    "常州",
    "徐州",
    "南通",
    "扬州",
    "镇江",
    "盐城",
    "淮安",
    "连云港",
    "泰州",
    "宿迁",
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "湖州",
    "绍兴",
    "金华",
    "台州",
    "合肥",
    "芜湖",
    "蚌埠",
    "福州",
    "厦门",
    "泉州",
    "漳州",
    "南昌",
    "赣州",
    "九江",
    "济南",
    "青岛",
    "烟台",
    "潍坊",
    "淄博",
    "临沂",
    "济宁",
    "威海",
    "郑州",
    "洛阳",
    "开封",
    "南阳",
    "武汉",
    "宜昌",
    "襄阳",
    "长沙",
    "株洲",
    "湘潭",
    "衡阳",
    "岳阳",
    "广州",
    "深圳",
    "珠海",
    "汕头",
    "佛山",
    "东莞",
    "中山",
    "惠州",
    "江门",
    "湛江",
    "南宁",
    "柳州",
    "桂林",
    "海口",
    "三亚",
    "成都",
    "绵阳",
    "贵阳",
    "遵义",
    "昆明",
    "拉萨",
    "西安",
    "咸阳",
    "宝鸡",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
];

/// Characters that only occur in the street part of an address, never in an administrative
/// division's name; a candidate division containing one is not a division. (楼 and 道 are not
/// among them: 鼓楼区 and 道里区 are districts.)
fn is_street_char(c: char) -> bool {
    matches!(c, '路' | '街' | '巷' | '号' | '弄' | '栋' | '幢' | '室') || c.is_ascii_digit()
}

/// The first `limit` characters of `rest` up to and including the first character for which
/// `is_suffix` holds, if the part before it is 1–`limit` characters with no street character.
fn token_until(rest: &str, limit: usize, is_suffix: impl Fn(char) -> bool) -> Option<&str> {
    for (n, (i, c)) in rest.char_indices().enumerate() {
        if n > limit {
            return None;
        }
        if is_suffix(c) {
            if n == 0 {
                return None;
            }
            let end = i + c.len_utf8();
            return Some(&rest[..end]);
        }
        if is_street_char(c) {
            return None;
        }
    }
    None
}

fn city_token(rest: &str) -> Option<&str> {
    if let Some(t) = token_until(rest, 7, |c| c == '市') {
        if !t.contains(['区', '县', '镇', '乡']) {
            return Some(t);
        }
    }
    for suffix in ["自治州", "地区", "盟"] {
        if let Some(pos) = rest.find(suffix) {
            let head = &rest[..pos];
            let n = head.chars().count();
            if (1..=10).contains(&n) && !head.chars().any(is_street_char) && !head.contains(['区', '县', '市']) {
                return Some(&rest[..pos + suffix.len()]);
            }
        }
    }
    None
}

fn district_token(rest: &str) -> Option<&str> {
    let t = token_until(rest, 9, |c| matches!(c, '区' | '县' | '旗' | '市'))?;
    // An estate ("阳光小区") or community ("社区") is not a district.
    if t.ends_with("小区") || t.ends_with("社区") || t.ends_with("园区") && t.chars().count() <= 3 {
        return None;
    }
    Some(t)
}

fn town_token(rest: &str) -> Option<&str> {
    if let Some(pos) = rest.find("街道") {
        let head = &rest[..pos];
        let n = head.chars().count();
        if (1..=8).contains(&n) && !head.chars().any(is_street_char) {
            return Some(&rest[..pos + "街道".len()]);
        }
    }
    token_until(rest, 8, |c| matches!(c, '镇' | '乡'))
}

/// Whether `rest` starts like a city or district, so that a short province name before it is
/// one ("江苏南京", "北京朝阳区") and not the start of a road name ("北京东路").
fn division_follows(rest: &str) -> bool {
    rest.starts_with("市辖区")
        || city_token(rest).is_some()
        || district_token(rest).is_some()
        || CITIES.iter().any(|c| rest.starts_with(c) && division_follows_city(&rest[c.len()..]))
}

fn division_follows_city(rest: &str) -> bool {
    !rest.starts_with('市') && district_token(rest).is_some()
}

fn parse(text: &str) -> AddressParts {
    let mut parts = AddressParts::default();
    let mut rest = text;
    // Province, by full name or by a short name that a division follows.
    'provinces: for (full, short) in PROVINCES {
        if let Some(after) = rest.strip_prefix(full) {
            parts.province = (*full).to_owned();
            rest = after;
            break;
        }
        let Some(after_short) = rest.strip_prefix(short) else { continue };
        // Another suffix than the official one: "广西自治区", "北京市" for 北京.
        for suffix in ["省", "自治区", "市"] {
            if let Some(after) = after_short.strip_prefix(suffix) {
                // "吉林市" is a city in 吉林省, not the province.
                if suffix == "市" && !MUNICIPALITIES.contains(full) {
                    continue 'provinces;
                }
                parts.province = (*full).to_owned();
                rest = after;
                break 'provinces;
            }
        }
        if division_follows(after_short) {
            parts.province = (*full).to_owned();
            rest = after_short;
            break;
        }
    }
    if MUNICIPALITIES.contains(&parts.province.as_str()) {
        parts.city = parts.province.clone();
        let short = &parts.province[..parts.province.len() - '市'.len_utf8()];
        if let Some(after) = rest.strip_prefix(parts.province.as_str()) {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(short).filter(|a| district_token(a).is_some()) {
            rest = after;
        }
        rest = rest.strip_prefix("市辖区").unwrap_or(rest);
    } else {
        rest = rest.strip_prefix("市辖区").unwrap_or(rest);
        if let Some(city) = city_token(rest) {
            parts.city = city.to_owned();
            rest = &rest[city.len()..];
        } else if let Some(short) =
            CITIES.iter().find(|c| rest.starts_with(**c) && division_follows_city(&rest[c.len()..]))
        {
            parts.city = format!("{short}市");
            rest = &rest[short.len()..];
        }
        rest = rest.strip_prefix("市辖区").unwrap_or(rest);
    }
    if let Some(district) = district_token(rest) {
        parts.district = district.to_owned();
        rest = &rest[district.len()..];
    }
    if let Some(town) = town_token(rest) {
        parts.town = town.to_owned();
        rest = &rest[town.len()..];
    }
    // The road: everything before the first digit, if it ends in a road suffix; or up to the
    // first road suffix when no number follows the road directly.
    let first_digit = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
    let head = &rest[..first_digit];
    let ends_in_road = head.ends_with(['路', '街', '道', '巷']) || head.ends_with("胡同");
    let road_end = if ends_in_road { Some(head.len()) } else { road_suffix_end(head) };
    if let Some(end) = road_end.filter(|&e| rest[..e].chars().count() >= 2) {
        let mut road = rest[..end].to_owned();
        rest = &rest[end..];
        // A section or side lane is part of the road: "人民南路3段", "中山路3巷".
        let digits = leading_number(rest);
        if let Some(suffix) =
            rest[digits.len()..].chars().next().filter(|&c| !digits.is_empty() && matches!(c, '段' | '巷' | '条'))
        {
            road.push_str(digits);
            road.push(suffix);
            rest = &rest[digits.len() + suffix.len_utf8()..];
        }
        parts.road = road;
    }
    // The street number.
    let digits = leading_number(rest);
    if !digits.is_empty() {
        let after = &rest[digits.len()..];
        if let Some(after_hao) = after.strip_prefix('号') {
            if !after_hao.starts_with('楼') && !after_hao.starts_with('院') {
                parts.number = format!("{digits}号");
                rest = after_hao;
            }
        } else if let Some(after_lane) = after.strip_prefix('弄') {
            let mut number = format!("{digits}弄");
            rest = after_lane;
            let house = leading_number(rest);
            if !house.is_empty() && rest[house.len()..].starts_with('号') && !rest[house.len()..].starts_with("号楼")
            {
                number.push_str(house);
                number.push('号');
                rest = &rest[house.len() + '号'.len_utf8()..];
            }
            parts.number = number;
        } else if !parts.road.is_empty() && !after.starts_with(is_building_suffix) && !after.starts_with("单元") {
            // "中山路88" is "中山路88号".
            parts.number = format!("{digits}号");
            rest = after;
        }
    }
    parts.rest = canonical_rest(rest);
    parts
}

/// The end of the first road suffix in `head` (路, 街, 大道, 巷, 胡同), if any.
fn road_suffix_end(head: &str) -> Option<usize> {
    let mut previous = ' ';
    for (i, c) in head.char_indices() {
        if matches!(c, '路' | '街' | '道' | '巷') || (c == '同' && previous == '胡') {
            return Some(i + c.len_utf8());
        }
        previous = c;
    }
    None
}

fn is_building_suffix(c: char) -> bool {
    matches!(c, '栋' | '幢' | '座' | '室' | '房' | '层' | '楼' | '期' | '区' | '排' | '组' | '户')
}

/// The digits (and hyphen-joined digit groups) at the start of `s`.
fn leading_number(s: &str) -> &str {
    let mut end = 0;
    let bytes = s.as_bytes();
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_digit() || (b == b'-' && end > 0 && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)) {
            end += 1;
        } else {
            break;
        }
    }
    &s[..end]
}

/// Building, unit and room in one spelling: "3幢" / "3座" / "3号楼" → "3栋", "501房" → "501室",
/// a bare trailing number after a building or unit → a room, and a tail of hyphen-joined
/// numbers "3-2-501" → "3栋2单元501室" ("12-501" → "12栋501室").
fn canonical_rest(rest: &str) -> String {
    let mut out = String::with_capacity(rest.len() + 8);
    let mut s = rest;
    while let Some(c) = s.chars().next() {
        let digits = leading_number(s);
        if digits.is_empty() {
            out.push(c);
            s = &s[c.len_utf8()..];
            continue;
        }
        let after = &s[digits.len()..];
        let groups: Vec<&str> = digits.split('-').collect();
        let room_tail = after.strip_prefix('室').or_else(|| after.strip_prefix('房')).unwrap_or(after);
        if (2..=3).contains(&groups.len()) && room_tail.is_empty() {
            out.push_str(groups[0]);
            out.push('栋');
            if groups.len() == 3 {
                out.push_str(groups[1]);
                out.push_str("单元");
            }
            out.push_str(groups[groups.len() - 1]);
            out.push('室');
            break;
        }
        let room_position = out.is_empty() || out.ends_with('元') || out.ends_with('栋');
        out.push_str(digits);
        let rewrite = [("号楼", "栋"), ("号房", "室"), ("幢", "栋"), ("座", "栋"), ("房", "室")]
            .into_iter()
            .find_map(|(from, to)| after.strip_prefix(from).map(|tail| (tail, to)));
        if let Some((tail, to)) = rewrite {
            out.push_str(to);
            s = tail;
            continue;
        }
        if after.is_empty() && room_position {
            out.push('室');
        }
        s = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_variants_meet() {
        let canonical = "南京市玄武区中山路88号阳光花园3栋2单元501室";
        for raw in [
            "南京市玄武区中山路88号阳光花园3栋2单元501室",
            "江苏省南京市玄武区中山路88号阳光花园3栋2单元501室",
            "江苏南京玄武区中山路88号阳光花园3幢2单元501室",
            "江苏省 南京市 玄武区 中山路 88号 阳光花园 3栋 2单元 501室",
            "南京市玄武区中山路８８号阳光花园３栋２单元５０１室",
            "南京市玄武区中山路八十八号阳光花园三栋二单元五零一室",
            "南京市，玄武区，中山路88号（阳光花园）3栋2单元501房",
            "南京玄武区中山路88号阳光花园3-2-501",
        ] {
            assert_eq!(address(raw), canonical, "{raw}");
        }
    }

    #[test]
    fn municipalities_are_province_and_city() {
        let canonical = "北京市朝阳区建国路88号";
        for raw in [
            "北京市朝阳区建国路88号",
            "北京朝阳区建国路88号",
            "北京市北京市朝阳区建国路88号",
            "北京市市辖区朝阳区建国路88号",
        ] {
            assert_eq!(address(raw), canonical, "{raw}");
        }
        let p = address_parts("北京朝阳区建国路88号");
        assert_eq!((p.province.as_str(), p.city.as_str(), p.district.as_str()), ("北京市", "北京市", "朝阳区"));
    }

    #[test]
    fn a_road_named_after_a_place_is_not_that_place() {
        let p = address_parts("北京东路12号");
        assert_eq!((p.province.as_str(), p.road.as_str(), p.number.as_str()), ("", "北京东路", "12号"));
        let p = address_parts("上海市黄浦区南京东路100号");
        assert_eq!((p.city.as_str(), p.district.as_str(), p.road.as_str()), ("上海市", "黄浦区", "南京东路"));
        // 吉林市 is a city of 吉林省, not the province.
        let p = address_parts("吉林市船营区北京路5号");
        assert_eq!((p.province.as_str(), p.city.as_str(), p.district.as_str()), ("", "吉林市", "船营区"));
    }

    #[test]
    fn parts_are_found() {
        let p = address_parts("广东省深圳市南山区粤海街道科技园路1号");
        assert_eq!(p.province, "广东省");
        assert_eq!(p.city, "深圳市");
        assert_eq!(p.district, "南山区");
        assert_eq!(p.town, "粤海街道");
        assert_eq!(p.road, "科技园路");
        assert_eq!(p.number, "1号");
        assert!(p.has_street_address());
        let p = address_parts("广西壮族自治区南宁市青秀区民族大道100号");
        assert_eq!((p.province.as_str(), p.road.as_str()), ("广西壮族自治区", "民族大道"));
        assert_eq!(address("广西南宁市青秀区民族大道100号"), "南宁市青秀区民族大道100号");
        let p = address_parts("江苏省苏州市昆山市周庄镇全福路8号");
        assert_eq!((p.city.as_str(), p.district.as_str(), p.town.as_str()), ("苏州市", "昆山市", "周庄镇"));
        let p = address_parts("四川省成都市武侯区人民南路三段17号");
        assert_eq!((p.road.as_str(), p.number.as_str()), ("人民南路3段", "17号"));
        let p = address_parts("福州市鼓楼区中山路三巷12号");
        assert_eq!((p.road.as_str(), p.number.as_str()), ("中山路3巷", "12号"));
        let p = address_parts("北京市东城区东四十条胡同8号");
        assert_eq!((p.road.as_str(), p.number.as_str()), ("东四十条胡同", "8号"));
        assert_eq!(address_parts("大同市平城区大同路1号").road, "大同路");
        let p = address_parts("延边朝鲜族自治州延吉市光明街2号");
        assert_eq!((p.city.as_str(), p.district.as_str()), ("延边朝鲜族自治州", "延吉市"));
    }

    #[test]
    fn abbreviated_numbers_get_their_suffix() {
        assert_eq!(address("南京市玄武区中山路88"), "南京市玄武区中山路88号");
        assert_eq!(address("上海市徐汇区漕溪北路1234弄5号601室"), "上海市徐汇区漕溪北路1234弄5号601室");
        assert_eq!(address("上海徐汇区漕溪北路1234弄5号601"), "上海市徐汇区漕溪北路1234弄5号601室");
        assert_eq!(address("南京市玄武区中山路12-3号"), "南京市玄武区中山路12-3号");
        assert_eq!(address("南京市玄武区中山路12—3号"), "南京市玄武区中山路12-3号");
        // A building number is not a street number.
        let p = address_parts("南京市玄武区阳光花园3号楼501室");
        assert_eq!((p.number.as_str(), p.rest.as_str()), ("", "阳光花园3栋501室"));
    }

    #[test]
    fn chinese_numerals_only_before_number_suffixes() {
        assert_eq!(chinese_number(&['十', '二']), Some(12));
        assert_eq!(chinese_number(&['二', '十']), Some(20));
        assert_eq!(chinese_number(&['一', '百', '零', '八']), Some(108));
        assert_eq!(chinese_number(&['两', '千']), Some(2000));
        assert_eq!(chinese_number(&['五', '零', '一']), Some(501));
        assert_eq!(chinese_number(&['十', '十']), None);
        assert_eq!(address("南京市玄武区五一路十号"), "南京市玄武区五一路10号");
        assert_eq!(address("南京市玄武区十里店路6号"), "南京市玄武区十里店路6号");
    }

    #[test]
    fn text_without_chinese_is_folded_not_parsed() {
        assert_eq!(address(" 12  Baker St., London "), "12 BAKER ST. LONDON");
        assert_eq!(address("ｆｌａｔ 3；12 Baker St"), "FLAT 3 12 BAKER ST");
    }

    #[test]
    fn canonical_is_a_fixed_point() {
        for raw in [
            "江苏南京玄武区中山路88号阳光花园3-2-501",
            "北京市北京市朝阳区建国路88号",
            "上海徐汇区漕溪北路1234弄5号601",
            "广东省深圳市南山区粤海街道科技园路1号",
            "阳光小区3栋",
            "玄武区",
            "号",
            "-3-",
        ] {
            let once = address(raw);
            assert_eq!(address(&once), once, "{raw}");
        }
    }
}
