//! Normalisers: turn the raw text of one CSV field into the canonical value the graph stores.
//!
//! Everything here is a pure function of its input (the one exception, the "birth date is not in
//! the future" rule for resident IDs, reads the clock). A value that cannot be normalised without
//! guessing is refused with an [`Invalid`] that says why in a sentence; the loaders keep the raw
//! value beside it and flag the row. Nothing is ever rounded, truncated to fit, or repaired by
//! inference.
//!
//! Chinese government and bank exports routinely mix full-width forms (`１２３`, `，`, `（`) and
//! ideographic spaces into otherwise ASCII fields, so every validator first folds those to ASCII
//! with [`halfwidth`] and strips edge whitespace with [`trim`].

mod address;
mod ids;
mod number;
mod phone;
mod text;
mod time;

#[cfg(test)]
mod proptests;

pub use address::{address, address_parts, AddressParts};
pub use ids::{credit_code, resident_id, resident_id_birth_date};
pub use number::{amount_cents, boolean, format_cents, int};
pub use phone::phone;
pub use text::{collapse_spaces, halfwidth, lower, name, trim, upper};
pub use time::{date_days, datetime_secs, format_days, format_secs, DEFAULT_DATETIME_FORMATS, DEFAULT_DATE_FORMATS};

/// Why a value was refused; kept with the raw value and flagged, never guessed.
///
/// The message is a human sentence fragment naming what is wrong, e.g. "check digit is 3,
/// expected X"; it is shown to investigators as is, so it never echoes more of the value than
/// the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    /// The refusal for a field that is empty once trimmed; callers usually handle empties
    /// before validating, so this only shows up when they chose not to.
    fn empty() -> Invalid {
        Invalid("empty".to_owned())
    }
}

/// Shorthand for building a refusal from a `format!`.
fn invalid(reason: impl Into<String>) -> Invalid {
    Invalid(reason.into())
}

/// Names one unexpected character for a refusal message. Invisible and odd characters are given
/// as code points, because `contains ' '` does not tell a no-break space from a plain one.
fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_owned()
    } else if c.is_ascii_alphabetic() {
        format!("letter {c}")
    } else if c.is_whitespace() || c.is_control() || is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

/// Format and zero-width characters that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_char_names_the_character_readably() {
        assert_eq!(describe_char('Q'), "letter Q");
        assert_eq!(describe_char('-'), "'-'");
        assert_eq!(describe_char(' '), "a space");
        assert_eq!(describe_char('号'), "'号'");
        assert_eq!(describe_char('\u{00A0}'), "U+00A0");
        assert_eq!(describe_char('\u{200B}'), "U+200B");
        assert_eq!(describe_char('\t'), "U+0009");
        assert_eq!(describe_char('€'), "'€'");
    }

    #[test]
    fn invalid_displays_its_reason() {
        assert_eq!(Invalid::empty().to_string(), "empty");
        assert_eq!(invalid("17 digits").to_string(), "17 digits");
    }
}
