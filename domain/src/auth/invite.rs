//! Invite links: a random token in the link, only its hash in the database.
//!
//! Accepting: `TokenHash::of(token_from_link)` and look the invite up by that hash.
//! Looking up by hash is safe from timing attacks: an attacker who varies the token
//! cannot steer which hash the index compares.

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::token::{random_string, TokenHash, BASE62};

/// 32 base62 characters carry 190 bits, well above the 128 bits that defeat guessing.
pub const INVITE_TOKEN_CHARS: usize = 32;

/// The token of a new invite, to put in the link once. `Debug` prints `[REDACTED]`.
#[derive(Debug)]
pub struct InviteToken(SecretString);

impl InviteToken {
    /// A new random token and the hash to store with the invite.
    pub fn generate() -> (InviteToken, TokenHash) {
        let token = Zeroizing::new(random_string(BASE62, INVITE_TOKEN_CHARS));
        let hash = TokenHash::of(&token);
        (InviteToken(SecretString::from(token.as_str())), hash)
    }

    /// The token, for building the link; URL-safe as it is.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_url_safe_and_long_enough() {
        let (token, _) = InviteToken::generate();
        let text = token.expose_secret();
        assert_eq!(text.chars().count(), INVITE_TOKEN_CHARS);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()), "{text}");
        let bits = INVITE_TOKEN_CHARS as f64 * 62f64.log2();
        assert!(bits >= 128.0, "{bits}");
    }

    #[test]
    fn the_link_token_leads_back_to_the_stored_hash() {
        let (token, stored) = InviteToken::generate();
        assert!(TokenHash::of(token.expose_secret()).matches(stored.as_str()));
        let (other, _) = InviteToken::generate();
        assert!(!TokenHash::of(other.expose_secret()).matches(stored.as_str()));
    }

    #[test]
    fn debug_does_not_show_the_token() {
        let (token, _) = InviteToken::generate();
        let shown = format!("{token:?}");
        assert!(!shown.contains(token.expose_secret()), "{shown}");
    }
}
