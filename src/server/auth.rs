//! Who is calling: bearer tokens from a tokens file that stores only their SHA-256 hashes, roles,
//! and the `Caller` that handlers take to decide what to show.
//!
//! The tokens file is TOML:
//!
//! ```toml
//! [[token]]
//! id = "alice"            # shows in the audit log
//! role = "investigator"   # viewer | investigator | admin
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! ```
//!
//! Make a hash with `clew serve --hash-token` (reads the token on stdin) or
//! `printf %s "$TOKEN" | sha256sum | cut -d' ' -f1`. The token itself is never stored.

use std::path::{Path, PathBuf};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;

/// What a token may do. Ordered: each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees the graph with personal data masked and nothing about minors.
    Viewer,
    /// Sees everything.
    Investigator,
    /// Sees everything and may reload the snapshot.
    Admin,
}

impl Role {
    /// Lower-case name, as in the tokens file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Investigator => "investigator",
            Role::Admin => "admin",
        }
    }
}

/// The authenticated caller of one request, placed in the request by the guard middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's id from the tokens file (`anonymous` under `--no-auth`).
    pub token_id: String,
    /// Its role.
    pub role: Role,
}

impl Caller {
    /// Refuses unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(role.name()))
        }
    }

    /// Whether personal data is masked for this caller.
    pub fn masked(&self) -> bool {
        self.role == Role::Viewer
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The guard middleware always inserts one; a route outside the guard asking for it is a
        // wiring mistake, answered as unauthenticated rather than with a panic.
        parts.extensions.get::<Caller>().cloned().ok_or_else(ApiError::unauthorized)
    }
}

/// A tokens file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// It cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// It is not valid.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTokens {
    #[serde(default)]
    token: Vec<RawToken>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    id: String,
    role: Role,
    sha256: String,
}

/// One accepted token.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    role: Role,
    hash: [u8; 32],
}

/// The accepted tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    entries: Vec<Entry>,
}

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Everyone is an anonymous admin: the demo, on loopback only.
    NoAuth,
    /// Bearer tokens from a tokens file.
    Tokens(Tokens),
}

/// SHA-256 of a token as 64 lower-case hex digits, the form the tokens file stores.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

impl Tokens {
    /// Reads and checks a tokens file.
    pub fn load(path: &Path) -> Result<Tokens, TokensError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| TokensError::Read { path: path.to_owned(), source })?;
        Tokens::parse(&text).map_err(|message| TokensError::Invalid { path: path.to_owned(), message })
    }

    /// Parses tokens-file text.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let raw: RawTokens = toml::from_str(text).map_err(|e| {
            format!("{} (expected [[token]] tables with id, role and sha256; never the token itself)", e.message())
        })?;
        if raw.token.is_empty() {
            return Err("no [[token]] entries: nobody could sign in".to_owned());
        }
        let mut entries: Vec<Entry> = Vec::new();
        for t in raw.token {
            if t.id.is_empty() || t.id.len() > 64 || t.id.chars().any(|c| c.is_control()) {
                return Err(format!("token id `{}` must be 1–64 printable characters", t.id));
            }
            if entries.iter().any(|e| e.id == t.id) {
                return Err(format!("token id `{}` appears twice", t.id));
            }
            let hash = unhex32(&t.sha256.to_ascii_lowercase()).ok_or_else(|| {
                format!("token `{}`: sha256 must be 64 hex digits (make one with `clew serve --hash-token`)", t.id)
            })?;
            entries.push(Entry { id: t.id, role: t.role, hash });
        }
        Ok(Tokens { entries })
    }

    /// The caller a bearer token belongs to. Compares the token's hash with every entry in
    /// constant time and without stopping early, so timing says nothing about which entry is close.
    pub fn authenticate(&self, token: &str) -> Option<Caller> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found: Option<&Entry> = None;
        for entry in &self.entries {
            if bool::from(entry.hash.ct_eq(&hash)) {
                found = Some(entry);
            }
        }
        found.map(|e| Caller { token_id: e.id.clone(), role: e.role })
    }
}

impl AuthMode {
    /// Authenticates an `Authorization` header value (or its absence).
    pub fn authenticate(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        match self {
            AuthMode::NoAuth => Ok(Caller { token_id: "anonymous".to_owned(), role: Role::Admin }),
            AuthMode::Tokens(tokens) => {
                let header = header.ok_or_else(ApiError::unauthorized)?;
                let token = header
                    .strip_prefix("Bearer ")
                    .or_else(|| header.strip_prefix("bearer "))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(ApiError::unauthorized)?;
                tokens.authenticate(token).ok_or_else(ApiError::invalid_token)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_file_holds_hashes_and_roles() {
        let text = format!(
            "[[token]]\nid = \"v\"\nrole = \"viewer\"\nsha256 = \"{}\"\n\n[[token]]\nid = \"a\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
            hash_token("view-secret"),
            hash_token("admin-secret").to_uppercase()
        );
        let tokens = Tokens::parse(&text).unwrap();
        assert_eq!(tokens.authenticate("view-secret").unwrap().role, Role::Viewer);
        assert_eq!(tokens.authenticate("admin-secret").unwrap().token_id, "a");
        assert!(tokens.authenticate("nope").is_none());
        assert!(Tokens::parse("[[token]]\nid = \"x\"\nrole = \"viewer\"\ntoken = \"plain\"\n").is_err());
        assert!(Tokens::parse("[[token]]\nid = \"x\"\nrole = \"boss\"\nsha256 = \"00\"\n").is_err());
        assert!(Tokens::parse("").unwrap_err().contains("nobody"));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(hash_token("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    }
}
