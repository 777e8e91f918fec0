//! The one error type of `crypto`. Messages never contain key material or plaintext.

use super::source::KEYS_ENV;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A key in the configuration is unusable; `origin` names the variable or file and the
    /// entry or line.
    #[error("{origin}: {reason}")]
    BadKey { origin: String, reason: String },
    /// The key file cannot be read or written.
    #[error("{path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error(
        "the encryption keys come from {KEYS_ENV}, so Ferry cannot add one: append a new \
         id:base64key entry (32 random bytes, e.g. from `openssl rand -base64 32`) at its end, \
         restart Ferry, then run `ferry keys reencrypt`"
    )]
    KeysFromEnvironment,
    #[error(
        "this secret was sealed with encryption key {0}, which is not in the keyring; put that \
         key back into {KEYS_ENV} or the key file"
    )]
    UnknownKey(String),
    #[error(
        "this secret cannot be decrypted: it was altered, or it was sealed for another row, \
         team or purpose"
    )]
    Undecryptable,
    #[error("this secret is not in a format Ferry knows: {0}")]
    Malformed(&'static str),
}
