//! API keys for scripts: `ferry_<id>_<secret>`.
//!
//! The id is public and indexed, so a request finds its key row with one lookup; the
//! whole key is stored only as its SHA-256 ([`TokenHash`]), so a database dump lets
//! nobody in. The plaintext exists once, to be shown to its creator.
//!
//! Checking a presented key: `ApiKey::parse`, load the row by `id()`, then
//! `key.hash().matches(&row.hash)`, then the row's expiry and revocation.

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::error::AuthError;
use super::token::{random_string, TokenHash, BASE62};

/// Every key starts with this, so secret scanners and people recognise a leaked key.
pub const API_KEY_PREFIX: &str = "ferry_";
/// Lowercase letters and digits: 36^12 ≈ 2^62 ids, collisions out of reach in practice.
pub const API_KEY_ID_CHARS: usize = 12;
/// 43 base62 characters carry 256 bits, as much as the SHA-256 that protects them.
pub const API_KEY_SECRET_CHARS: usize = 43;

const ID_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A newly generated key, to show its creator once. `Debug` prints `[REDACTED]`.
#[derive(Debug)]
pub struct PlaintextApiKey(SecretString);

impl PlaintextApiKey {
    /// The whole key, for the one response or CLI output that shows it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The stored side of a key: its public id and the hash of the whole key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    id: String,
    hash: TokenHash,
}

impl ApiKey {
    /// A new random key: the plaintext to show once, and what to store.
    pub fn generate() -> (PlaintextApiKey, ApiKey) {
        let id = random_string(ID_ALPHABET, API_KEY_ID_CHARS);
        let secret = Zeroizing::new(random_string(BASE62, API_KEY_SECRET_CHARS));
        let whole = Zeroizing::new(format!("{API_KEY_PREFIX}{id}_{}", secret.as_str()));
        let stored = ApiKey {
            hash: TokenHash::of(&whole),
            id,
        };
        (PlaintextApiKey(SecretString::from(whole.as_str())), stored)
    }

    /// Reads a key as presented in `X-Api-Key` or `?apikey=`, surrounding white space
    /// ignored. Anything not shaped like a key Ferry generates is refused before any
    /// database lookup.
    pub fn parse(presented: &str) -> Result<ApiKey, AuthError> {
        let whole = presented.trim();
        let (id, secret) = whole
            .strip_prefix(API_KEY_PREFIX)
            .and_then(|rest| rest.split_once('_'))
            .ok_or(AuthError::MalformedApiKey)?;
        let id_is_valid =
            id.len() == API_KEY_ID_CHARS && id.bytes().all(|b| ID_ALPHABET.contains(&b));
        let secret_is_valid =
            secret.len() == API_KEY_SECRET_CHARS && secret.bytes().all(|b| BASE62.contains(&b));
        if !(id_is_valid && secret_is_valid) {
            return Err(AuthError::MalformedApiKey);
        }
        Ok(ApiKey {
            id: id.to_owned(),
            hash: TokenHash::of(whole),
        })
    }

    /// The public part, for looking the key up.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn hash(&self) -> &TokenHash {
        &self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_has_the_documented_shape() {
        let (plaintext, stored) = ApiKey::generate();
        let key = plaintext.expose_secret();
        assert_eq!(
            key.len(),
            API_KEY_PREFIX.len() + API_KEY_ID_CHARS + 1 + API_KEY_SECRET_CHARS
        );
        assert!(key.starts_with(&format!("ferry_{}_", stored.id())), "{key}");
        assert!(stored
            .id()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }

    #[test]
    fn parse_finds_the_stored_id_and_hash() {
        let (plaintext, stored) = ApiKey::generate();
        let presented = ApiKey::parse(plaintext.expose_secret()).unwrap();
        assert_eq!(presented, stored);
        assert!(presented.hash().matches(stored.hash().as_str()));
        assert_eq!(stored.hash(), &TokenHash::of(plaintext.expose_secret()));
    }

    #[test]
    fn parse_ignores_surrounding_white_space() {
        let (plaintext, stored) = ApiKey::generate();
        let padded = format!("  {}\r\n", plaintext.expose_secret());
        assert_eq!(ApiKey::parse(&padded).unwrap(), stored);
    }

    #[test]
    fn a_changed_secret_has_another_hash() {
        let (plaintext, stored) = ApiKey::generate();
        let key = plaintext.expose_secret();
        let last = if key.ends_with('a') { 'b' } else { 'a' };
        let altered = format!("{}{last}", &key[..key.len() - 1]);
        let presented = ApiKey::parse(&altered).unwrap();
        assert_eq!(presented.id(), stored.id());
        assert!(!presented.hash().matches(stored.hash().as_str()));
    }

    #[test]
    fn keys_are_unique() {
        let (first, first_stored) = ApiKey::generate();
        let (second, second_stored) = ApiKey::generate();
        assert_ne!(first.expose_secret(), second.expose_secret());
        assert_ne!(first_stored.id(), second_stored.id());
    }

    #[test]
    fn malformed_keys_are_refused() {
        let id = "abcdefghij12";
        let secret = "A".repeat(API_KEY_SECRET_CHARS);
        assert!(ApiKey::parse(&format!("ferry_{id}_{secret}")).is_ok());
        for malformed in [
            String::new(),
            "ferry_".to_owned(),
            format!("ferry_{id}{secret}"),
            format!("ferry_{id}_"),
            format!("Ferry_{id}_{secret}"),
            format!("other_{id}_{secret}"),
            format!("{id}_{secret}"),
            format!("ferry_ABCDEFGHIJ12_{secret}"),
            format!("ferry_abcdefghij1_{secret}"),
            format!("ferry_abcdefghij123_{secret}"),
            format!("ferry_{id}_{}", &secret[1..]),
            format!("ferry_{id}_{secret}A"),
            format!("ferry_{id}_{}-", &secret[1..]),
            format!("ferry_{id}_{}é", &secret[2..]),
            format!("ferry_{id}_{} {}", &secret[..21], &secret[..21]),
        ] {
            assert_eq!(
                ApiKey::parse(&malformed),
                Err(AuthError::MalformedApiKey),
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn debug_does_not_show_the_plaintext() {
        let (plaintext, _) = ApiKey::generate();
        let shown = format!("{plaintext:?}");
        assert!(!shown.contains(plaintext.expose_secret()), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
