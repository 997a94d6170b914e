//! Masking personal data for the viewer role, and keyed pseudonyms that keep masked identifiers
//! linkable: two claims that share one ID card show the same `p:…` pseudonym, yet the number
//! itself never leaves the server.
//!
//! A pseudonym is HMAC-SHA256 over `type NUL key` with the server secret, cut to 48 bits (12 hex
//! digits). 48 bits keep accidental collisions below one in a thousand for ten million keys of a
//! type, while the secret keeps anyone without it from testing guesses offline.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix of every pseudonym, so the viewer and the id parser can tell one from a real key.
pub const PSEUDONYM_PREFIX: &str = "p:";

/// Makes pseudonyms with one server secret.
#[derive(Clone)]
pub struct Masker {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Masker(<secret>)")
    }
}

impl Masker {
    /// A masker keyed with `secret` (any length; HMAC hashes long keys).
    pub fn new(secret: &[u8]) -> Masker {
        // HMAC accepts keys of every length, so this cannot fail; fall back to an empty key
        // rather than panic if a future version of the crate changes that.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new_from_slice(b"").expect("empty HMAC key"));
        Masker { mac }
    }

    /// The 48 pseudonym bits of a key of an entity type.
    pub fn pseudonym_bits(&self, type_name: &str, key: &str) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(type_name.as_bytes());
        mac.update(&[0]);
        mac.update(key.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bits = 0u64;
        for b in &digest[..6] {
            bits = (bits << 8) | *b as u64;
        }
        bits
    }

    /// The pseudonym of a key, `p:` and 12 hex digits.
    pub fn pseudonym(&self, type_name: &str, key: &str) -> String {
        format_pseudonym(self.pseudonym_bits(type_name, key))
    }
}

/// `p:` and the 12 hex digits of 48 pseudonym bits.
pub fn format_pseudonym(bits: u64) -> String {
    format!("{PSEUDONYM_PREFIX}{bits:012x}")
}

/// The bits of a pseudonym string, if it is one.
pub fn parse_pseudonym(s: &str) -> Option<u64> {
    let hex = s.strip_prefix(PSEUDONYM_PREFIX)?;
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// A resident ID as `110105********1234`: region and last four kept, birth date and sequence hidden.
pub fn resident_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        18 | 15 => {
            let head: String = chars[..6].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}{}{tail}", stars(chars.len() - 10))
        }
        _ => generic(s),
    }
}

/// A name as `张*三` (three or more characters) or `张*` (two).
pub fn name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], stars(n - 2), chars[n - 1]),
    }
}

/// A phone number as `138****5678`.
pub fn phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}{}{tail}", stars(n - 7))
    } else {
        generic(s)
    }
}

/// An account as `****5678`; a `bank|number` key keeps its bank part.
pub fn account(s: &str) -> String {
    match s.rsplit_once('|') {
        Some((bank, number)) => format!("{bank}|{}", last_four(number)),
        None => last_four(s),
    }
}

fn last_four(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = if chars.len() >= 8 { 4 } else { chars.len() / 3 };
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

/// An address with only its first few characters (city and district, usually) kept.
pub fn address(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = (chars.len() / 3).min(6);
    let head: String = chars[..keep].iter().collect();
    format!("{head}****")
}

/// Anything else: `****` and at most the last quarter, never more than four characters.
pub fn generic(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = (chars.len() / 4).min(4);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("****{tail}")
}

/// The masked form of a sensitive key of an entity type.
pub fn key(type_name: &str, key: &str) -> String {
    match type_name {
        "person" => resident_id(key),
        "phone" => phone(key),
        "account" => account(key),
        "address" => address(key),
        _ => generic(key),
    }
}

/// The masked form of a sensitive property value, already rendered as text.
pub fn property(type_name: &str, prop: &str, ty: graph_schema::PropType, value: &str) -> String {
    use graph_schema::PropType;
    if value.is_empty() {
        return String::new();
    }
    match (type_name, prop, ty) {
        (_, _, PropType::Date | PropType::DateTime) => {
            // A birth date keeps its year: enough to reason about ages, not to identify.
            let year: String = value.chars().take(4).collect();
            format!("{year}-**-**")
        }
        (_, p, _) if p == "name" || p.ends_with("_name") => name(value),
        ("address", "text", _) => address(value),
        _ => generic(value),
    }
}

/// Whether the digit at `i` belongs to a pseudonym: hex digits right after `p:`.
fn is_pseudonym_at(chars: &[char], i: usize) -> bool {
    let mut start = i;
    while start > 0 && chars[start - 1].is_ascii_hexdigit() {
        start -= 1;
    }
    start >= 2 && chars[start - 2] == 'p' && chars[start - 1] == ':'
}

/// Masks personal data in free text (analysis reasons cite keys and names): first every `known`
/// raw value is replaced by its masked form, then any remaining run of at least seven digits (a
/// resident ID's `X` included) by its masked form, resident IDs and mobile numbers with their
/// pseudonym so the viewer can match them to nodes.
///
/// `withheld` says whether a resident ID belongs to someone the reader may not see at all (a
/// minor); such an ID becomes `[withheld]`, with no pseudonym.
pub fn scrub_text(text: &str, masker: &Masker, known: &[(String, String)], withheld: &dyn Fn(&str) -> bool) -> String {
    let mut text = text.to_owned();
    for (raw, masked) in known {
        if raw.chars().count() >= 2 && text.contains(raw.as_str()) {
            text = text.replace(raw.as_str(), masked);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() && i > 0 && chars[i - 1].is_ascii_alphabetic() {
            // Digits inside a pseudonym (`p:3fa9c1d2…`) or a code such as a hospital id
            // (`H32011600019`) are not personal numbers; copy the whole token unless it hides a
            // valid resident ID, which is masked whatever surrounds it.
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let token: String = chars[i..j].iter().collect();
            let tail = token.to_ascii_uppercase();
            let id_inside = (0..tail.len().saturating_sub(17))
                .any(|k| tail.is_char_boundary(k) && graph_schema::normalise::resident_id(&tail[k..k + 18]).is_ok());
            if id_inside {
                out.push_str(&generic(&token));
            } else {
                out.push_str(&token);
            }
            i = j;
        } else if c.is_ascii_digit() && is_pseudonym_at(&chars, i) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_hexdigit() {
                j += 1;
            }
            out.extend(&chars[i..j]);
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || (j > i && matches!(chars[j], 'X' | 'x'))) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let digits = run.chars().filter(|c| c.is_ascii_digit()).count();
            if digits >= 7 {
                let upper = run.to_ascii_uppercase();
                if upper.len() == 18 && withheld(&upper) {
                    out.push_str("[withheld]");
                } else if upper.len() == 18 && graph_schema::normalise::resident_id(&upper).is_ok() {
                    out.push_str(&format!("{} ({})", resident_id(&upper), masker.pseudonym("person", &upper)));
                } else if upper.len() == 11 && upper.starts_with('1') && digits == 11 {
                    out.push_str(&format!("{} ({})", phone(&upper), masker.pseudonym("phone", &upper)));
                } else {
                    out.push_str(&generic(&run));
                }
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// [`scrub_text`] over every string inside a JSON value.
pub fn scrub_json(
    value: &mut serde_json::Value,
    masker: &Masker,
    known: &[(String, String)],
    withheld: &dyn Fn(&str) -> bool,
) {
    use serde_json::Value as J;
    match value {
        J::String(s) => *s = scrub_text(s, masker, known, withheld),
        J::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, masker, known, withheld)),
        J::Object(map) => map.values_mut().for_each(|v| scrub_json(v, masker, known, withheld)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_issue_examples() {
        assert_eq!(resident_id("11010519491231002X"), "110105********002X");
        assert_eq!(name("张小三"), "张*三");
        assert_eq!(name("张三"), "张*");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(account("6222021234565678"), "****5678");
        assert_eq!(account("ICBC|6222021234565678"), "ICBC|****5678");
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = Masker::new(b"secret one");
        let b = Masker::new(b"secret two");
        let p = a.pseudonym("person", "11010519491231002X");
        assert_eq!(p, a.pseudonym("person", "11010519491231002X"));
        assert_ne!(p, b.pseudonym("person", "11010519491231002X"));
        assert_ne!(p, a.pseudonym("phone", "11010519491231002X"));
        assert_eq!(parse_pseudonym(&p), Some(a.pseudonym_bits("person", "11010519491231002X")));
        assert_eq!(p.len(), 14);
    }

    #[test]
    fn scrubbing_hides_ids_in_reasons() {
        let m = Masker::new(b"k");
        let known = vec![("张小三".to_owned(), name("张小三"))];
        let s =
            scrub_text("person 11010519491231002X and 张小三 share 13812345678; 3 claims", &m, &known, &|_| false);
        assert!(!s.contains("11010519491231002X") && !s.contains("13812345678") && !s.contains("张小三"), "{s}");
        assert!(s.contains("110105********002X (p:") && s.contains("3 claims"), "{s}");
    }

    #[test]
    fn scrubbing_keeps_pseudonyms_and_codes_but_not_ids_inside_codes() {
        let m = Masker::new(b"k");
        let p = m.pseudonym("person", "11010519491231002X");
        let once = scrub_text("person 11010519491231002X at hospital H32011600019", &m, &[], &|_| false);
        assert!(once.contains(&p) && once.contains("H32011600019"), "{once}");
        // Scrubbing what was already scrubbed changes nothing: pseudonyms survive a second pass.
        assert_eq!(scrub_text(&once, &m, &[], &|_| false), once);
        let hidden = scrub_text("ref ID11010519491231002X", &m, &[], &|_| false);
        assert!(!hidden.contains("11010519491231002X"), "{hidden}");
    }

    #[test]
    fn scrubbing_json_reaches_nested_strings() {
        let m = Masker::new(b"k");
        let mut v = serde_json::json!({"evidence": [{"row": "a.csv:3", "id": "11010519491231002X"}]});
        scrub_json(&mut v, &m, &[], &|_| false);
        assert!(!v.to_string().contains("11010519491231002X"), "{v}");
    }
}
