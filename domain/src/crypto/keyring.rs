//! The keys Ferry holds, oldest first: the newest seals, any of them opens.

use std::{fmt, sync::Arc};

use rand::TryRngCore;
use secrecy::{ExposeSecret, SecretSlice};

use super::{
    key::EncryptionKey,
    sealed::{open_with, parse, seal_with, NONCE_BYTES},
    CryptoError, KeyId, SecretContext,
};

/// Cheap to clone (shared); `Debug` lists key ids only.
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<[(KeyId, EncryptionKey)]>,
}

impl Keyring {
    /// The keys oldest first, the newest last; at least one, ids unique.
    pub fn new(keys: Vec<(KeyId, EncryptionKey)>) -> Result<Self, CryptoError> {
        let bad = |reason: &str| CryptoError::BadKey {
            origin: "keyring".into(),
            reason: reason.into(),
        };
        if keys.is_empty() {
            return Err(bad("it has no keys"));
        }
        for (i, (id, _)) in keys.iter().enumerate() {
            if keys[..i].iter().any(|(earlier, _)| earlier == id) {
                return Err(bad(&format!("key id {id} appears twice")));
            }
        }
        Ok(Self { keys: keys.into() })
    }

    /// A keyring of one fresh random key (for tests and throw-away instances).
    pub fn generate() -> Self {
        let id = KeyId::parse("k1").expect("a valid id");
        Self {
            keys: vec![(id, EncryptionKey::generate())].into(),
        }
    }

    /// The key that seals.
    pub fn newest(&self) -> &KeyId {
        &self.keys[self.keys.len() - 1].0
    }

    /// Every key id, oldest first.
    pub fn ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(|(id, _)| id.clone()).collect()
    }

    pub fn contains(&self, id: &KeyId) -> bool {
        self.keys.iter().any(|(known, _)| known == id)
    }

    /// Seals under the newest key with a fresh random nonce.
    pub fn seal(
        &self,
        context: &SecretContext<'_>,
        plaintext: &SecretSlice<u8>,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .expect("the operating system's random source is unavailable");
        self.seal_with_nonce(context, plaintext, &nonce)
    }

    fn seal_with_nonce(
        &self,
        context: &SecretContext<'_>,
        plaintext: &SecretSlice<u8>,
        nonce: &[u8; NONCE_BYTES],
    ) -> Result<Vec<u8>, CryptoError> {
        let (id, key) = &self.keys[self.keys.len() - 1];
        seal_with(id, key, context, nonce, plaintext.expose_secret())
    }

    /// Opens a secret sealed by any key of the ring for exactly this context.
    pub fn open(
        &self,
        context: &SecretContext<'_>,
        sealed: &[u8],
    ) -> Result<SecretSlice<u8>, CryptoError> {
        let parsed = parse(sealed)?;
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| *id == parsed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(parsed.key_id.to_string()))?;
        open_with(key, &parsed, context)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("ids", &self.ids())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use chacha20poly1305::{
        aead::{Aead, KeyInit, Payload},
        XChaCha20Poly1305, XNonce,
    };

    use super::*;
    use crate::crypto::{sealed_key_id, KEY_BYTES};

    const TEAM: &str = "team-a";
    const ROW: &str = "row-1";
    const PURPOSE: &str = "connected_account.secret";
    const CONTEXT: SecretContext<'static> = SecretContext {
        team_id: TEAM,
        row_id: ROW,
        purpose: PURPOSE,
    };

    fn hex(text: &str) -> Vec<u8> {
        let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    fn ring(ids: &[(&str, u8)]) -> Keyring {
        Keyring::new(
            ids.iter()
                .map(|(id, fill)| {
                    (
                        KeyId::parse(id).unwrap(),
                        EncryptionKey::from_bytes([*fill; KEY_BYTES]),
                    )
                })
                .collect(),
        )
        .unwrap()
    }

    fn secret(text: &str) -> SecretSlice<u8> {
        SecretSlice::from(text.as_bytes().to_vec())
    }

    fn opened(
        keyring: &Keyring,
        context: &SecretContext<'_>,
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        keyring
            .open(context, sealed)
            .map(|plain| String::from_utf8(plain.expose_secret().to_vec()).unwrap())
    }

    /// draft-irtf-cfrg-xchacha-03, appendix A.3.1: the cipher itself, as the crate gives it.
    #[test]
    fn xchacha20_poly1305_known_answer() {
        let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657");
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext =
            b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip \
                          for the future, sunscreen would be it.";
        let expected = hex(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39\
             ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9\
             21f9664c97637da9768812f615c68b13b52e\
             c0875924c1c7987947deafd8780acf49",
        );
        let cipher = XChaCha20Poly1305::new_from_slice(&key).unwrap();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(sealed, expected);
        let back = cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(back, plaintext);
    }

    /// Ferry's own format, version 1, pinned byte for byte with a fixed key and nonce: a
    /// change to the layout or the associated data makes every stored secret unreadable.
    #[test]
    fn sealed_format_known_answer() {
        let keyring = ring(&[("k1", 0x42)]);
        let nonce: [u8; NONCE_BYTES] = std::array::from_fn(|i| i as u8);
        let sealed = keyring
            .seal_with_nonce(&CONTEXT, &secret("ATATT-token"), &nonce)
            .unwrap();
        assert_eq!(&sealed[..4], &[1, 2, b'k', b'1'], "version, id length, id");
        assert_eq!(&sealed[4..28], &nonce);
        assert_eq!(sealed.len(), 4 + 24 + "ATATT-token".len() + 16);
        assert_eq!(
            sealed,
            hex(KNOWN_SEALED),
            "actual: {}",
            sealed
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        assert_eq!(
            opened(&keyring, &CONTEXT, &hex(KNOWN_SEALED)).unwrap(),
            "ATATT-token"
        );
    }

    /// Computed independently of this code: HChaCha20 by hand plus OpenSSL's
    /// ChaCha20-Poly1305 (Python `cryptography`), over the same header, nonce and context.
    const KNOWN_SEALED: &str = "01026b31 000102030405060708090a0b0c0d0e0f1011121314151617 \
        cda8c5b3938cb3af9903ca fd546a120c9a04674753e4b2a50ec201";

    #[test]
    fn seals_with_a_fresh_nonce_each_time() {
        let keyring = ring(&[("k1", 1)]);
        let a = keyring.seal(&CONTEXT, &secret("same")).unwrap();
        let b = keyring.seal(&CONTEXT, &secret("same")).unwrap();
        assert_ne!(a[4..28], b[4..28]);
        assert_ne!(a, b);
        assert_eq!(opened(&keyring, &CONTEXT, &a).unwrap(), "same");
        assert_eq!(opened(&keyring, &CONTEXT, &b).unwrap(), "same");
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let keyring = ring(&[("k1", 1)]);
        let sealed = keyring.seal(&CONTEXT, &secret("app-password")).unwrap();
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut tampered = sealed.clone();
                tampered[byte] ^= 1 << bit;
                assert!(
                    keyring.open(&CONTEXT, &tampered).is_err(),
                    "byte {byte} bit {bit}"
                );
            }
        }
        for len in 0..sealed.len() {
            assert!(
                keyring.open(&CONTEXT, &sealed[..len]).is_err(),
                "truncated to {len}"
            );
        }
    }

    #[test]
    fn a_secret_opens_only_in_its_own_row_team_and_purpose() {
        let keyring = ring(&[("k1", 1)]);
        let sealed = keyring.seal(&CONTEXT, &secret("token")).unwrap();
        for other in [
            SecretContext {
                row_id: "row-2",
                ..CONTEXT
            },
            SecretContext {
                team_id: "team-b",
                ..CONTEXT
            },
            SecretContext {
                purpose: "integration.secret",
                ..CONTEXT
            },
            // Moving bytes between parts must not help either.
            SecretContext {
                team_id: "team-arow-1",
                row_id: "",
                ..CONTEXT
            },
        ] {
            let error = keyring.open(&other, &sealed).unwrap_err();
            assert_eq!(error, CryptoError::Undecryptable, "{other:?}");
            assert!(error.to_string().contains("another row, team or purpose"));
        }
    }

    #[test]
    fn old_keys_open_the_newest_seals_and_unknown_keys_are_named() {
        let old = ring(&[("k1", 1)]);
        let sealed_old = old.seal(&CONTEXT, &secret("old")).unwrap();
        let rotated = ring(&[("k1", 1), ("k2", 2)]);
        assert_eq!(rotated.newest().as_str(), "k2");
        let sealed_new = rotated.seal(&CONTEXT, &secret("new")).unwrap();
        assert_eq!(sealed_key_id(&sealed_new).unwrap().as_str(), "k2");
        assert_eq!(opened(&rotated, &CONTEXT, &sealed_old).unwrap(), "old");
        assert_eq!(opened(&rotated, &CONTEXT, &sealed_new).unwrap(), "new");

        let error = old.open(&CONTEXT, &sealed_new).unwrap_err();
        assert_eq!(error, CryptoError::UnknownKey("k2".into()));
        assert!(error.to_string().contains("key k2"), "{error}");
        // Same id, different key material: refused, not misread.
        let impostor = ring(&[("k2", 9)]);
        assert_eq!(
            impostor.open(&CONTEXT, &sealed_new).unwrap_err(),
            CryptoError::Undecryptable
        );
    }

    #[test]
    fn a_keyring_needs_unique_ids_and_debug_shows_ids_only() {
        assert!(Keyring::new(vec![]).is_err());
        let twice = vec![
            (
                KeyId::parse("a").unwrap(),
                EncryptionKey::from_bytes([1; KEY_BYTES]),
            ),
            (
                KeyId::parse("a").unwrap(),
                EncryptionKey::from_bytes([2; KEY_BYTES]),
            ),
        ];
        assert!(Keyring::new(twice)
            .unwrap_err()
            .to_string()
            .contains("a appears twice"));
        let shown = format!("{:?}", ring(&[("k1", 0xab), ("k2", 0xcd)]));
        assert_eq!(shown, r#"Keyring { ids: [KeyId("k1"), KeyId("k2")], .. }"#);
    }
}
