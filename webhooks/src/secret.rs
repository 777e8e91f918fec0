//! A webhook integration's signing secret: 24 random bytes, written `whsec_<base64>` as the
//! Standard Webhooks specification suggests. It is shown to a person once, when made or
//! rotated, and otherwise lives sealed; `Debug` never prints it.

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

const PREFIX: &str = "whsec_";
/// 192 bits, inside the specification's 24–64 bytes.
const BYTES: usize = 24;

#[derive(Clone)]
pub struct WebhookSecret(SecretString);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_ followed by base64")]
    Malformed,
    #[error("a webhook secret holds 24 to 64 bytes")]
    Length,
}

impl WebhookSecret {
    /// A new secret from the operating system's CSPRNG (through the thread's generator).
    pub fn generate() -> Self {
        let mut bytes = [0u8; BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(SecretString::from(format!(
            "{PREFIX}{}",
            STANDARD.encode(bytes)
        )))
    }

    /// A secret as stored (after unsealing) or given by an operator.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SecretError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(SecretError::Length);
        }
        Ok(Self(SecretString::from(text.trim().to_owned())))
    }

    /// The `whsec_…` text: to seal it, or to show it once.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub(crate) fn signer(&self) -> standardwebhooks::Webhook {
        standardwebhooks::Webhook::new(self.expose())
            .expect("a parsed or generated secret is valid base64")
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_parse_back_and_differ() {
        let one = WebhookSecret::generate();
        let two = WebhookSecret::generate();
        assert!(one.expose().starts_with("whsec_"));
        assert_ne!(one.expose(), two.expose());
        assert_eq!(
            WebhookSecret::parse(one.expose()).unwrap().expose(),
            one.expose()
        );
    }

    #[test]
    fn malformed_and_short_secrets_are_refused() {
        assert_eq!(
            WebhookSecret::parse("abc").unwrap_err(),
            SecretError::Malformed
        );
        assert_eq!(
            WebhookSecret::parse("whsec_!!").unwrap_err(),
            SecretError::Malformed
        );
        assert_eq!(
            WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err(),
            SecretError::Length
        );
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let secret = WebhookSecret::generate();
        let printed = format!("{secret:?}");
        assert!(!printed.contains(&secret.expose()[6..]), "{printed}");
    }
}
