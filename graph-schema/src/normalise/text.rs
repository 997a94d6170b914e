//! Text folding shared by every normaliser: full-width to ASCII, whitespace, names and case.

use std::borrow::Cow;

/// Folds the full-width ASCII forms U+FF01..=U+FF5E to ASCII and the ideographic space U+3000 to
/// `' '`. Borrows when there is nothing to fold, which is the common case for ASCII exports.
///
/// Other compatibility forms (half-width katakana, `￥` U+FFE5, circled digits) are left alone:
/// folding them is not reversible in meaning, and the validators that care handle them.
pub fn halfwidth(s: &str) -> Cow<'_, str> {
    // Every foldable character's UTF-8 starts with 0xEF (U+FF01..) or 0xE3 (U+3000); a byte scan
    // settles most fields without decoding a char.
    if !s.bytes().any(|b| b == 0xEF || b == 0xE3) {
        return Cow::Borrowed(s);
    }
    let Some(first) = s.find(needs_fold) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    out.extend(s[first..].chars().map(fold));
    Cow::Owned(out)
}

fn needs_fold(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')
}

fn fold(c: char) -> char {
    match c {
        // The full-width block mirrors ASCII 0x21..=0x7E at a fixed distance.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whitespace for our purposes: Unicode `White_Space` (which includes U+3000 and no-break space)
/// plus U+FEFF, the byte-order mark that Windows tools leave at the start of the first field.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// Trims Unicode whitespace, including the ideographic space U+3000 and the BOM U+FEFF, from
/// both ends.
pub fn trim(s: &str) -> &str {
    // Non-space ASCII at both ends (the usual case) needs no char decoding.
    match s.as_bytes() {
        [] => s,
        [first, .., last] | [first @ last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim_matches(is_space),
    }
}

/// Whether text is certainly free of whitespace other than single `' '`s, judged on bytes:
/// `false` for ASCII whitespace runs and for any lead byte some non-ASCII whitespace starts
/// with (0xC2: U+0085, U+00A0; 0xE1: U+1680; 0xE2: U+2000.., U+205F; 0xE3: U+3000; 0xEF:
/// U+FEFF), which leaves those texts to the exact char-by-char check.
fn plainly_collapsed(bytes: &[u8]) -> bool {
    let mut after_space = false;
    for &b in bytes {
        match b {
            b' ' if after_space => return false,
            b' ' => after_space = true,
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF => return false,
            _ => after_space = false,
        }
    }
    true
}

/// Trims, then turns every inner run of whitespace (tabs, no-break spaces, ideographic spaces,
/// line breaks) into one `' '`. Borrows when the text is already in that shape.
pub fn collapse_spaces(s: &str) -> Cow<'_, str> {
    let trimmed = trim(s);
    if plainly_collapsed(trimmed.as_bytes()) {
        return Cow::Borrowed(trimmed);
    }
    let mut after_space = false;
    let already_collapsed = trimmed.chars().all(|c| {
        let ok = if is_space(c) { c == ' ' && !after_space } else { true };
        after_space = is_space(c);
        ok
    });
    if already_collapsed {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut in_run = false;
    for c in trimmed.chars() {
        if is_space(c) {
            if !in_run {
                out.push(' ');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    Cow::Owned(out)
}

/// The separator canonical names use between the parts of a transliterated name
/// ("阿凡提·买买提"), U+00B7 MIDDLE DOT, as the household registration system writes it.
const NAME_DOT: char = '\u{00B7}';

/// Characters people and input methods type in place of [`NAME_DOT`]. The full-width full stop
/// is among them, so this runs before [`halfwidth`], which would otherwise make it an ASCII `.`
/// and so indistinguishable from the full stop of an initial ("J. Smith").
fn is_name_dot_variant(c: char) -> bool {
    matches!(
        c,
        '\u{2022}' // • bullet
            | '\u{FF0E}' // ． full-width full stop
            | '\u{30FB}' // ・ katakana middle dot
            | '\u{FF65}' // ･ half-width katakana middle dot
            | '\u{2027}' // ‧ hyphenation point
            | '\u{2219}' // ∙ bullet operator
            | '\u{22C5}' // ⋅ dot operator
    )
}

/// Han ideographs (all extension blocks), kana, and the ideographic zero `〇` used in names.
/// Hangul is left out on purpose: Korean writes spaces between words, so they carry meaning.
fn is_cjk(c: char) -> bool {
    matches!(
        c,
        '\u{3007}'
            | '\u{3040}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FA1F}'
            | '\u{30000}'..='\u{323AF}'
    )
}

/// Characters that bind to a neighbouring CJK character without a space in Chinese typesetting:
/// the name dot, and brackets, which after [`halfwidth`] are ASCII (`北京（中国）` is usually typed
/// with full-width ones and no spaces, and the ASCII version should compare equal to it).
fn binds_to_cjk(c: char) -> bool {
    matches!(c, NAME_DOT | '(' | ')')
}

/// Canonical form of a person or company name, for display and for matching.
///
/// Folds full-width forms, collapses whitespace, writes every middle-dot variant as `·` U+00B7,
/// and removes a space when one side is a CJK character and the other is a CJK character, the
/// name dot or a bracket: "张 三" and "张三" are the same person, while "Li  Wei" only collapses
/// to "Li Wei". Case is kept, because names are displayed; matching code can lower-case.
pub fn name(s: &str) -> String {
    let dotted: Cow<'_, str> = if s.contains(is_name_dot_variant) {
        Cow::Owned(s.chars().map(|c| if is_name_dot_variant(c) { NAME_DOT } else { c }).collect())
    } else {
        Cow::Borrowed(s)
    };
    let folded = halfwidth(&dotted);
    let collapsed = collapse_spaces(&folded);
    let mut out = String::with_capacity(collapsed.len());
    let mut chars = collapsed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            if let (Some(before), Some(&after)) = (out.chars().next_back(), chars.peek()) {
                let joins = (is_cjk(before) && (is_cjk(after) || binds_to_cjk(after)))
                    || (is_cjk(after) && binds_to_cjk(before));
                if joins {
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// Folds full-width forms, trims and upper-cases (Unicode-aware, so `ß` becomes `SS`). For codes
/// and identifiers compared case-insensitively, such as bank codes or licence plates.
pub fn upper(s: &str) -> String {
    trim(&halfwidth(s)).to_uppercase()
}

/// Folds full-width forms, trims and lower-cases. For e-mail addresses, user names and the like.
pub fn lower(s: &str) -> String {
    trim(&halfwidth(s)).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_borrowed(c: Cow<'_, str>) -> bool {
        matches!(c, Cow::Borrowed(_))
    }

    #[test]
    fn halfwidth_folds_full_width_ascii_and_ideographic_space() {
        assert_eq!(halfwidth("１１０１０５　１９４９"), "110105 1949");
        assert_eq!(halfwidth("ＡＢＣａｂｃ！～"), "ABCabc!~");
        assert_eq!(halfwidth("（北京）"), "(北京)");
        assert_eq!(halfwidth("１，２３４．５６"), "1,234.56");
    }

    #[test]
    fn halfwidth_borrows_when_nothing_changes() {
        assert!(is_borrowed(halfwidth("plain ascii 123")));
        assert!(is_borrowed(halfwidth("张三")));
        assert!(is_borrowed(halfwidth("")));
        assert!(!is_borrowed(halfwidth("a１")));
    }

    #[test]
    fn halfwidth_leaves_other_compatibility_forms() {
        // U+FFE5 full-width yen and U+FF65 half-width katakana dot are outside the ASCII mirror.
        assert_eq!(halfwidth("￥１２"), "￥12");
        assert_eq!(halfwidth("\u{FF65}"), "\u{FF65}");
    }

    #[test]
    fn trim_removes_unicode_whitespace_and_bom() {
        assert_eq!(trim("  abc \t"), "abc");
        assert_eq!(trim("\u{3000}张三\u{3000}"), "张三");
        assert_eq!(trim("\u{FEFF}id"), "id");
        assert_eq!(trim("\u{00A0}x\u{00A0}"), "x");
        assert_eq!(trim("a b"), "a b");
        assert_eq!(trim(" \u{3000}\u{FEFF} "), "");
    }

    #[test]
    fn collapse_spaces_makes_single_ascii_spaces() {
        assert_eq!(collapse_spaces("  Li \t Wei  "), "Li Wei");
        assert_eq!(collapse_spaces("a\u{3000}\u{3000}b\u{00A0}c"), "a b c");
        assert_eq!(collapse_spaces("line\r\nbreak"), "line break");
        assert_eq!(collapse_spaces("   "), "");
    }

    #[test]
    fn collapse_spaces_borrows_when_already_collapsed() {
        assert!(is_borrowed(collapse_spaces("Li Wei")));
        assert!(is_borrowed(collapse_spaces("  Li Wei ")));
        assert!(!is_borrowed(collapse_spaces("Li  Wei")));
        assert!(!is_borrowed(collapse_spaces("Li\tWei")));
    }

    #[test]
    fn name_removes_spaces_between_cjk_only() {
        assert_eq!(name("张 三"), "张三");
        assert_eq!(name(" 张　三 "), "张三");
        assert_eq!(name("欧阳  娜娜"), "欧阳娜娜");
        assert_eq!(name("Li  Wei"), "Li Wei");
        assert_eq!(name("张三 Zhang San"), "张三 Zhang San");
        assert_eq!(name("山田 太郎"), "山田太郎");
        assert_eq!(name("김 철수"), "김 철수");
    }

    #[test]
    fn name_folds_full_width_letters_and_brackets() {
        assert_eq!(name("ＡＢＣ贸易有限公司"), "ABC贸易有限公司");
        assert_eq!(name("北京 （中国） 有限公司"), "北京(中国)有限公司");
        assert_eq!(name("北京（中国）有限公司"), "北京(中国)有限公司");
        assert_eq!(name("Alibaba (中国) Holdings"), "Alibaba (中国) Holdings");
    }

    #[test]
    fn name_normalises_middle_dot_variants() {
        for raw in [
            "阿凡提·买买提",
            "阿凡提•买买提",
            "阿凡提．买买提",
            "阿凡提・买买提",
            "阿凡提･买买提",
            "阿凡提 · 买买提",
            "阿凡提 ・ 买买提",
        ] {
            assert_eq!(name(raw), "阿凡提·买买提", "{raw}");
        }
        // An ASCII full stop is an initial, not a name dot.
        assert_eq!(name("J. Smith"), "J. Smith");
        assert_eq!(name("Mary · Jane"), "Mary · Jane");
    }

    #[test]
    fn name_of_blank_is_empty() {
        assert_eq!(name(""), "");
        assert_eq!(name(" \u{3000} "), "");
    }

    #[test]
    fn upper_and_lower_fold_and_trim() {
        assert_eq!(upper(" ａｂｃ-1 "), "ABC-1");
        assert_eq!(lower("\u{3000}Alice@Example.COM "), "alice@example.com");
        assert_eq!(upper("straße"), "STRASSE");
        assert_eq!(lower(""), "");
    }

    /// The char-by-char definitions the byte-level shortcuts must agree with.
    fn trim_by_chars(s: &str) -> &str {
        s.trim_matches(is_space)
    }

    fn collapse_by_chars(s: &str) -> String {
        let mut out = String::new();
        let mut in_run = false;
        for c in trim_by_chars(s).chars() {
            if is_space(c) {
                if !in_run {
                    out.push(' ');
                }
                in_run = true;
            } else {
                out.push(c);
                in_run = false;
            }
        }
        out
    }

    /// Text mixing ASCII, every kind of whitespace, full-width forms, CJK and characters that
    /// share a lead byte with a space (U+00A9, U+2013, U+3001, U+FF08).
    fn mixed_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                'a', 'Z', '0', '-', ' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{A0}', '\u{A9}',
                '\u{1680}', '\u{2000}', '\u{200A}', '\u{2013}', '\u{2028}', '\u{202F}', '\u{205F}', '\u{3000}',
                '\u{3001}', '\u{FEFF}', '\u{FF08}', '\u{FF11}', '\u{FF5E}', '\u{FF5F}', '张', '·',
            ]),
            0..12,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #[test]
        fn byte_shortcuts_agree_with_the_char_definitions(s in mixed_text()) {
            proptest::prop_assert_eq!(trim(&s), trim_by_chars(&s));
            proptest::prop_assert_eq!(collapse_spaces(&s).into_owned(), collapse_by_chars(&s));
            let folded: String = s.chars().map(fold).collect();
            proptest::prop_assert_eq!(halfwidth(&s).into_owned(), folded);
        }
    }
}
