//! The sealed format, version 1:
//!
//! ```text
//! version (1 byte = 1) | key id length n (1 byte) | key id (n bytes, ASCII)
//!   | nonce (24 bytes) | XChaCha20-Poly1305 ciphertext with its 16-byte tag
//! ```
//!
//! The associated data is the header (version, n, key id) followed by the team id, row id and
//! purpose, each preceded by its length as 4 bytes big-endian, so no two contexts encode alike.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use secrecy::SecretSlice;

use super::{key::EncryptionKey, CryptoError, KeyId};

pub const FORMAT_VERSION: u8 = 1;
pub const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;

/// What a secret is sealed for: a ciphertext opens only under the same three values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretContext<'a> {
    pub team_id: &'a str,
    pub row_id: &'a str,
    /// The table and column, e.g. `connected_account.secret`.
    pub purpose: &'a str,
}

/// A sealed secret taken apart (not yet authenticated).
pub(super) struct Parsed<'s> {
    pub key_id: KeyId,
    header: &'s [u8],
    nonce: &'s [u8],
    ciphertext: &'s [u8],
}

fn header(key_id: &KeyId) -> Vec<u8> {
    let id = key_id.as_str().as_bytes();
    let mut header = Vec::with_capacity(2 + id.len());
    header.push(FORMAT_VERSION);
    // Key ids are at most MAX_KEY_ID_CHARS (32) ASCII bytes, so the length fits a byte.
    header.push(id.len() as u8);
    header.extend_from_slice(id);
    header
}

fn associated_data(header: &[u8], context: &SecretContext<'_>) -> Vec<u8> {
    let mut aad = header.to_vec();
    for part in [context.team_id, context.row_id, context.purpose] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

pub(super) fn seal_with(
    key_id: &KeyId,
    key: &EncryptionKey,
    context: &SecretContext<'_>,
    nonce: &[u8; NONCE_BYTES],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let header = header(key_id);
    let aad = associated_data(&header, context);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Malformed("the secret is too large to seal"))?;
    let mut sealed = header;
    sealed.extend_from_slice(nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

pub(super) fn parse(sealed: &[u8]) -> Result<Parsed<'_>, CryptoError> {
    let (&version, rest) = sealed
        .split_first()
        .ok_or(CryptoError::Malformed("it is empty"))?;
    if version != FORMAT_VERSION {
        return Err(CryptoError::Malformed("unknown format version"));
    }
    let (&id_len, rest) = rest
        .split_first()
        .ok_or(CryptoError::Malformed("it is truncated"))?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + NONCE_BYTES + TAG_BYTES {
        return Err(CryptoError::Malformed("it is truncated"));
    }
    let (id, rest) = rest.split_at(id_len);
    let key_id = std::str::from_utf8(id)
        .ok()
        .and_then(|id| KeyId::parse(id).ok())
        .ok_or(CryptoError::Malformed("the key id is not valid"))?;
    let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
    Ok(Parsed {
        key_id,
        header: &sealed[..2 + id_len],
        nonce,
        ciphertext,
    })
}

pub(super) fn open_with(
    key: &EncryptionKey,
    parsed: &Parsed<'_>,
    context: &SecretContext<'_>,
) -> Result<SecretSlice<u8>, CryptoError> {
    let aad = associated_data(parsed.header, context);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plaintext = cipher
        .decrypt(
            XNonce::from_slice(parsed.nonce),
            Payload {
                msg: parsed.ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Undecryptable)?;
    Ok(SecretSlice::from(plaintext))
}

/// The id of the key a secret was sealed with, read from its header without opening it.
pub fn sealed_key_id(sealed: &[u8]) -> Result<KeyId, CryptoError> {
    Ok(parse(sealed)?.key_id)
}
