//! What API keys and invite tokens share: random text, and the SHA-256 that is stored
//! instead of it.
//!
//! A fast hash is the right one here, unlike for passwords: these tokens carry 190 bits
//! or more of randomness, so nobody can guess them from a leaked hash however fast the
//! hash is, and a slow hash would only slow every API request down.

use std::fmt;

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Base62: URL-safe, and a double click in a terminal selects the whole token.
pub(super) const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `length` characters drawn uniformly from `alphabet` by the thread-local CSPRNG
/// (ChaCha, seeded from the operating system).
pub(super) fn random_string(alphabet: &[u8], length: usize) -> String {
    let mut rng = rand::rng();
    (0..length)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// The lowercase hex SHA-256 of a token: what the database stores and looks up by.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes a token as presented (from a header, a query string or a link).
    pub fn of(token: &str) -> Self {
        Self(format!("{:x}", Sha256::digest(token.as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares with a stored hash in time that does not depend on where they differ,
    /// so response times do not reveal how much of a hash an attacker has right.
    pub fn matches(&self, stored: &str) -> bool {
        self.0.as_bytes().ct_eq(stored.as_bytes()).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_lowercase_hex_sha256() {
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn matches_only_the_same_hash() {
        let hash = TokenHash::of("abc");
        assert!(hash.matches(TokenHash::of("abc").as_str()));
        assert!(!hash.matches(TokenHash::of("abd").as_str()));
        assert!(!hash.matches(""));
        assert!(!hash.matches(&hash.as_str()[..63]));
    }

    #[test]
    fn random_strings_use_only_the_alphabet_and_differ() {
        let first = random_string(BASE62, 43);
        assert_eq!(first.len(), 43);
        assert!(first.bytes().all(|byte| BASE62.contains(&byte)));
        assert_ne!(first, random_string(BASE62, 43));
        assert!(random_string(b"ab", 200)
            .bytes()
            .all(|byte| byte == b'a' || byte == b'b'));
    }
}
