//! One encryption key and its id.

use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::TryRngCore;
use secrecy::{ExposeSecret, SecretBox};
use zeroize::Zeroizing;

pub const KEY_BYTES: usize = 32;
/// Ids are short: each sealed secret carries one.
pub const MAX_KEY_ID_CHARS: usize = 32;

/// The name of a key, e.g. `k2`: letters, digits, `.`, `_` and `-`, at most
/// [`MAX_KEY_ID_CHARS`]. Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// The reason is safe to show: it never repeats the text, which may be a misplaced key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if text.is_empty() || text.len() > MAX_KEY_ID_CHARS || !text.chars().all(allowed) {
            return Err(format!(
                "the key id (before ':') must be 1 to {MAX_KEY_ID_CHARS} letters, digits, '.', '_' or '-'"
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 32 secret bytes, wiped from memory when dropped; `Debug` prints `[redacted]`.
pub struct EncryptionKey(SecretBox<[u8; KEY_BYTES]>);

impl EncryptionKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = Box::new([0u8; KEY_BYTES]);
        rand::rngs::OsRng
            .try_fill_bytes(bytes.as_mut())
            .expect("the operating system's random source is unavailable");
        Self(SecretBox::new(bytes))
    }

    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// Standard base64 of exactly 32 bytes (what `openssl rand -base64 32` prints). The
    /// reason is safe to show: it never repeats the text.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let decoded = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            "the key is not valid base64; create one with `openssl rand -base64 32`".to_owned()
        })?);
        let bytes: [u8; KEY_BYTES] = decoded.as_slice().try_into().map_err(|_| {
            format!(
                "the key decodes to {} bytes but must be {KEY_BYTES}; create one with `openssl rand -base64 32`",
                decoded.len()
            )
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// For writing the key file only.
    pub(super) fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.expose_secret()))
    }

    pub(super) fn bytes(&self) -> &[u8; KEY_BYTES] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_plain_names() {
        assert_eq!(KeyId::parse(" k2 ").unwrap().as_str(), "k2");
        assert!(KeyId::parse("2026-11.primary_key").is_ok());
        for bad in ["", "a b", "k:1", "é", &"k".repeat(MAX_KEY_ID_CHARS + 1)] {
            let reason = KeyId::parse(bad).unwrap_err();
            assert!(reason.contains("key id"), "{reason}");
        }
    }

    #[test]
    fn keys_are_32_bytes_of_base64_and_errors_do_not_repeat_them() {
        let key = EncryptionKey::generate();
        let text = key.to_base64();
        assert_eq!(
            EncryptionKey::from_base64(&text).unwrap().bytes(),
            key.bytes()
        );
        let short = STANDARD.encode([7u8; 16]);
        let reason = EncryptionKey::from_base64(&short).unwrap_err();
        assert!(
            reason.contains("16 bytes") && !reason.contains(&short),
            "{reason}"
        );
        let reason = EncryptionKey::from_base64("not base64!").unwrap_err();
        assert!(
            reason.contains("not valid base64") && !reason.contains("not base64!"),
            "{reason}"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = EncryptionKey::from_bytes([0xab; KEY_BYTES]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "EncryptionKey([redacted])");
        assert!(!shown.contains(key.to_base64().as_str()));
        let generated = EncryptionKey::generate();
        assert_ne!(
            generated.bytes(),
            EncryptionKey::generate().bytes(),
            "keys are random"
        );
    }
}
