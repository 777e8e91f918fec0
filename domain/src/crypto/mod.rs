//! Secrets at rest: a keyring of 32-byte keys with ids, and sealing with
//! XChaCha20-Poly1305 under the newest key.
//!
//! Every sealed secret carries the id of the key that sealed it (so old keys keep opening old
//! secrets after a rotation) and is bound, as associated data, to a [`SecretContext`]: the
//! team, the row and the purpose it was sealed for. A ciphertext copied to another row, team
//! or column does not open. Keys and plaintexts live only in [`secrecy`] types; `Debug` of
//! any of them never shows key material.

mod error;
mod key;
mod keyring;
mod sealed;
mod source;

pub use error::CryptoError;
pub use key::{EncryptionKey, KeyId, KEY_BYTES, MAX_KEY_ID_CHARS};
pub use keyring::Keyring;
pub use sealed::{sealed_key_id, SecretContext, FORMAT_VERSION, NONCE_BYTES};
pub use source::{KeySource, DEFAULT_KEY_FILE_NAME, KEYS_ENV, KEY_FILE_ENV};
