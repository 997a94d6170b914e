//! The demo world's vocabulary: surnames, given-name characters and their traditional forms,
//! places, banks, hospitals, company words and diagnoses. All institutions are made up; only
//! the administrative division codes and street names are real, so IDs and addresses look right.

use rand::Rng;

/// Common surnames with a rough frequency weight, so that 王, 李 and 张 dominate as they do in
/// real rosters and same-name pairs occur naturally.
pub(crate) const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 52),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 11),
    ("高", 11),
    ("林", 10),
    ("罗", 10),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 7),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 1),
    ("龚", 1),
    ("邵", 1),
    ("万", 1),
    ("钱", 1),
    ("严", 1),
    ("武", 1),
    ("戴", 1),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
];

/// Given-name characters that lean male.
pub(crate) const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌",
    "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "峰", "建", "国", "文", "亮", "成", "东", "海",
    "志", "晨",
];

/// Given-name characters that lean female.
pub(crate) const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "玉", "兰", "红", "梅", "琳", "婷", "雪", "欣", "佳",
    "怡", "晶", "颖", "倩", "莉", "萍", "燕", "慧", "琴", "云", "洁", "思", "月", "凤", "珍", "菲", "媛", "岚", "蓉",
    "薇", "璐",
];

/// Uyghur-style transliterated names, written with the name dot U+00B7; the dirtier varies the
/// dot (•, ・, ．) as input methods do.
pub(crate) const TRANSLITERATED: &[&str] =
    &["阿卜杜拉·买买提", "古丽·艾力", "艾尔肯·吐尔逊", "热依拉·阿不都", "买合木提·司马义", "努尔·阿合买提"];

/// Simplified → traditional for the name characters above that differ. A record typed on a
/// Hong Kong or Taiwan keyboard, or copied from an old paper form, carries these.
const TRADITIONAL: &[(char, char)] = &[
    ('张', '張'),
    ('刘', '劉'),
    ('陈', '陳'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('孙', '孫'),
    ('马', '馬'),
    ('罗', '羅'),
    ('郑', '鄭'),
    ('谢', '謝'),
    ('许', '許'),
    ('韩', '韓'),
    ('冯', '馮'),
    ('邓', '鄧'),
    ('蒋', '蔣'),
    ('叶', '葉'),
    ('苏', '蘇'),
    ('吕', '呂'),
    ('卢', '盧'),
    ('钟', '鍾'),
    ('谭', '譚'),
    ('陆', '陸'),
    ('贾', '賈'),
    ('韦', '韋'),
    ('邹', '鄒'),
    ('龙', '龍'),
    ('贺', '賀'),
    ('顾', '顧'),
    ('龚', '龔'),
    ('万', '萬'),
    ('钱', '錢'),
    ('严', '嚴'),
    ('阳', '陽'),
    ('伟', '偉'),
    ('强', '強'),
    ('军', '軍'),
    ('杰', '傑'),
    ('涛', '濤'),
    ('刚', '剛'),
    ('辉', '輝'),
    ('鹏', '鵬'),
    ('华', '華'),
    ('飞', '飛'),
    ('帅', '帥'),
    ('宁', '寧'),
    ('国', '國'),
    ('东', '東'),
    ('静', '靜'),
    ('丽', '麗'),
    ('艳', '艷'),
    ('兰', '蘭'),
    ('红', '紅'),
    ('颖', '穎'),
    ('云', '雲'),
    ('洁', '潔'),
    ('凤', '鳳'),
    ('岚', '嵐'),
];

/// The traditional form of a name, or `None` when none of its characters has one.
pub(crate) fn traditional(name: &str) -> Option<String> {
    let converted: String =
        name.chars().map(|c| TRADITIONAL.iter().find(|(s, _)| *s == c).map(|(_, t)| *t).unwrap_or(c)).collect();
    (converted != name).then_some(converted)
}

/// Picks a surname by weight.
pub(crate) fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (name, weight) in SURNAMES {
        if pick < *weight {
            return name;
        }
        pick -= weight;
    }
    SURNAMES[0].0
}

/// A full name for someone of the given gender: mostly a surname and one or two given
/// characters, now and then a transliterated minority name.
pub(crate) fn person_name(rng: &mut impl Rng, male: bool) -> String {
    if rng.gen_ratio(1, 150) {
        return TRANSLITERATED[rng.gen_range(0..TRANSLITERATED.len())].to_owned();
    }
    let family = surname(rng);
    name_with_surname(rng, family, male)
}

/// A name with the given surname (children take their father's) and one or two given
/// characters.
pub(crate) fn name_with_surname(rng: &mut impl Rng, family: &str, male: bool) -> String {
    let pool = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    let mut name = family.to_owned();
    name.push_str(pool[rng.gen_range(0..pool.len())]);
    if rng.gen_ratio(3, 5) {
        name.push_str(pool[rng.gen_range(0..pool.len())]);
    }
    name
}

/// A district: its six-digit administrative division code (the first six digits of the
/// resident IDs issued there), city and district name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct District {
    pub(crate) code: &'static str,
    pub(crate) city: &'static str,
    pub(crate) name: &'static str,
}

const fn d(code: &'static str, city: &'static str, name: &'static str) -> District {
    District { code, city, name }
}

/// Where the demo world lives: districts of three Jiangsu cities, Nanjing first and biggest.
pub(crate) const HOME_DISTRICTS: &[District] = &[
    d("320102", "南京市", "玄武区"),
    d("320104", "南京市", "秦淮区"),
    d("320105", "南京市", "建邺区"),
    d("320106", "南京市", "鼓楼区"),
    d("320111", "南京市", "浦口区"),
    d("320113", "南京市", "栖霞区"),
    d("320114", "南京市", "雨花台区"),
    d("320115", "南京市", "江宁区"),
    d("320116", "南京市", "六合区"),
    d("320117", "南京市", "溧水区"),
    d("320505", "苏州市", "虎丘区"),
    d("320506", "苏州市", "吴中区"),
    d("320508", "苏州市", "姑苏区"),
    d("320211", "无锡市", "滨湖区"),
    d("320213", "无锡市", "梁溪区"),
];

/// Birthplaces of people who moved in: their IDs carry these codes while they live in a home
/// district.
pub(crate) const BIRTH_DISTRICTS: &[&str] =
    &["340102", "370102", "410102", "510104", "420102", "430102", "130102", "360102", "321102", "320303"];

/// Real street names of the three cities, for addresses.
pub(crate) const STREETS: &[&str] = &[
    "中山路",
    "北京东路",
    "汉中路",
    "中央路",
    "龙蟠路",
    "江东中路",
    "集庆路",
    "建康路",
    "珠江路",
    "湖南路",
    "太平南路",
    "应天大街",
    "双龙大道",
    "天元路",
    "竹山路",
    "人民路",
    "干将路",
    "学前街",
    "解放路",
    "太湖大道",
    "长江路",
    "和平路",
    "广州路",
    "莫愁路",
    "水西门大街",
    "燕山路",
    "凤凰西街",
    "清凉门大街",
    "黄埔路",
    "后宰门街",
];

/// Residential compound names (made up).
pub(crate) const COMPOUNDS: &[&str] = &[
    "金陵花园",
    "翠竹苑",
    "阳光新村",
    "梧桐小区",
    "锦绣家园",
    "东方城",
    "桃源居",
    "湖滨雅苑",
    "明珠公寓",
    "秦淮人家",
    "紫金名门",
    "银杏里",
];

/// Office towers (made up) where companies register, several to a floor.
pub(crate) const TOWERS: &[&str] =
    &["金鹰国际大厦", "新华大厦", "汇金中心", "环球贸易广场", "紫峰大厦", "德基广场写字楼"];

/// Banks and the six-digit card prefix (BIN) used for their personal accounts.
pub(crate) const BANKS: &[(&str, &str)] = &[
    ("中国工商银行", "622202"),
    ("中国建设银行", "621700"),
    ("中国农业银行", "622848"),
    ("中国银行", "621661"),
    ("交通银行", "622260"),
    ("招商银行", "622588"),
    ("中国邮政储蓄银行", "621799"),
    ("南京银行", "622303"),
    ("江苏银行", "622173"),
];

/// Characters that company brands (two of them) are made of; made-up combinations.
pub(crate) const BRAND_CHARS: &[&str] = &[
    "恒", "泰", "鑫", "盛", "华", "瑞", "金", "鼎", "宏", "达", "永", "兴", "天", "成", "丰", "博", "远", "联", "汇",
    "通", "正", "阳", "锐", "信", "诚", "安", "嘉", "禾", "润", "创", "凯", "越", "利", "民", "航", "图", "启", "明",
    "旭", "德",
];

/// A two-character brand.
pub(crate) fn brand(rng: &mut (impl Rng + ?Sized)) -> String {
    let first = rng.gen_range(0..BRAND_CHARS.len());
    let second = (first + rng.gen_range(1..BRAND_CHARS.len())) % BRAND_CHARS.len();
    format!("{}{}", BRAND_CHARS[first], BRAND_CHARS[second])
}

/// Industries for ordinary company names.
pub(crate) const INDUSTRIES: &[&str] = &[
    "贸易",
    "商贸",
    "科技",
    "建设工程",
    "物流",
    "餐饮管理",
    "信息技术",
    "医疗器械",
    "咨询服务",
    "装饰工程",
    "电子",
    "机械制造",
    "物业管理",
    "文化传媒",
    "环保科技",
    "食品",
];

/// Industries that shell companies favour: vague, asset-light, easy to move money through.
pub(crate) const SHELL_INDUSTRIES: &[&str] = &["投资管理", "商务咨询", "供应链管理", "企业管理", "贸易"];

/// Hospital name stems (made up).
pub(crate) const HOSPITAL_STEMS: &[&str] = &[
    "仁和",
    "康泰",
    "惠民",
    "济安",
    "博爱",
    "康宁",
    "安康",
    "福康",
    "同济堂",
    "长寿",
    "益民",
    "德济",
    "仁爱",
    "康华",
    "华康",
    "明德",
    "瑞康",
    "永康",
    "泰康",
    "仁心",
    "健民",
    "和平",
    "普济",
    "广济",
    "新华",
    "东方",
    "慈济",
    "百草堂",
    "杏林",
    "春晖",
];

/// Kinds of hospital, as the last part of their names.
pub(crate) const HOSPITAL_KINDS: &[&str] = &["医院", "中医医院", "康复医院", "妇幼保健院", "口腔医院", "骨科医院"];

/// Hospital grades as written on their licences.
pub(crate) const HOSPITAL_LEVELS: &[&str] = &["三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级"];

/// A diagnosis: ICD-10 code and name, typical billed amount range in yuan, typical stay in days.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Diagnosis {
    pub(crate) label: &'static str,
    pub(crate) billed_yuan: (u32, u32),
    pub(crate) stay_days: (u32, u32),
}

const fn dx(label: &'static str, billed_yuan: (u32, u32), stay_days: (u32, u32)) -> Diagnosis {
    Diagnosis { label, billed_yuan, stay_days }
}

/// Diagnoses a reimbursement claim carries.
pub(crate) const DIAGNOSES: &[Diagnosis] = &[
    dx("J18.9 肺炎", (3_000, 15_000), (5, 12)),
    dx("I10 高血压", (1_500, 6_000), (3, 8)),
    dx("E11.9 2型糖尿病", (2_500, 9_000), (5, 12)),
    dx("K35.8 急性阑尾炎", (6_000, 16_000), (3, 7)),
    dx("S72.0 股骨颈骨折", (25_000, 60_000), (10, 15)),
    dx("I63.9 脑梗死", (12_000, 45_000), (8, 15)),
    dx("J44.1 慢阻肺急性加重", (5_000, 18_000), (6, 14)),
    dx("N20.0 肾结石", (4_000, 12_000), (2, 5)),
    dx("C34.9 肺恶性肿瘤", (30_000, 90_000), (7, 15)),
    dx("O80 顺产", (4_000, 8_000), (2, 4)),
    dx("K80.2 胆囊结石", (9_000, 22_000), (3, 7)),
    dx("M51.2 腰椎间盘突出", (6_000, 25_000), (5, 12)),
    dx("I21.9 急性心肌梗死", (30_000, 80_000), (6, 12)),
    dx("H25.9 老年性白内障", (4_000, 9_000), (1, 3)),
    dx("A09 感染性腹泻", (1_000, 4_000), (2, 5)),
];

/// Claim statuses.
pub(crate) const STATUS_PAID: &str = "已支付";
/// A claim still in review.
pub(crate) const STATUS_REVIEW: &str = "审核中";
/// A refused claim.
pub(crate) const STATUS_REFUSED: &str = "已拒付";

/// Payment channels for transfers (an unmapped column, as real exports carry many).
pub(crate) const CHANNELS: &[&str] = &["网上银行", "手机银行", "柜面", "ATM", "批量代发"];

/// Kinds of hardship-grant application in `applications.csv`.
pub(crate) const APPLICATION_KINDS: &[&str] = &["困难职工补助", "大病救助", "子女助学", "医疗互助"];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn traditional_forms_differ_only_where_a_character_has_one() {
        assert_eq!(traditional("张伟").as_deref(), Some("張偉"));
        assert_eq!(traditional("王芳"), None);
        assert_eq!(traditional("欧阳娜娜").as_deref(), Some("欧陽娜娜"));
    }

    #[test]
    fn every_surname_and_name_character_encodes_in_gbk() {
        // hospitals.csv is written in GBK; names never go there, but staff and company names
        // might in future, so keep the whole vocabulary GBK-safe.
        let all = SURNAMES
            .iter()
            .map(|(s, _)| *s)
            .chain(GIVEN_MALE.iter().copied())
            .chain(GIVEN_FEMALE.iter().copied())
            .chain(HOSPITAL_STEMS.iter().copied())
            .chain(HOSPITAL_KINDS.iter().copied())
            .chain(BRAND_CHARS.iter().copied())
            .chain(HOSPITAL_LEVELS.iter().copied())
            .chain(HOME_DISTRICTS.iter().flat_map(|d| [d.city, d.name]))
            .chain(STREETS.iter().copied());
        for text in all {
            let (_, _, unmappable) = encoding_rs::GBK.encode(text);
            assert!(!unmappable, "{text} does not encode in GBK");
        }
    }

    #[test]
    fn person_names_are_two_to_eight_characters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for i in 0..2_000 {
            let name = person_name(&mut rng, i % 2 == 0);
            let n = name.chars().count();
            assert!((2..=8).contains(&n), "{name}");
        }
    }
}
