//! Passwords: the sign-up rules, and storing and checking them with argon2id.
//!
//! Every password in memory is a [`SecretString`]: its `Debug` prints `[REDACTED]` and
//! it is wiped when dropped, so a stray `{:?}` or a log line cannot reveal it.
//!
//! Hashing costs tens of milliseconds of CPU by design: async callers should run
//! [`hash_password`], [`verify_password`] and [`dummy_verify`] on a blocking thread.

use std::fmt;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use super::common_passwords::is_common;
use super::error::AuthError;

/// Counted in characters, not bytes, so that a password in Greek or Japanese is held to
/// the same length as one in English.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Long enough for any passphrase or password manager; bounds the work one request costs.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// OWASP's first recommended argon2id configuration (19 MiB, 2 passes, 1 lane).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_PARALLELISM: u32 = 1;

/// How every hash made with the parameters above begins (PHC string format).
pub const PHC_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

/// A hash with the current parameters, of a password nobody knows: checking a password
/// against it costs what checking a real account does.
/// (The password was 32 random bytes, thrown away.)
const DUMMY_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$LyuleNep/1rswiTA7wKobQ$MgAWRUGwO+cbSOoU9o68ZpL5OH+cBtYrxpYxU/bpzX0";

/// A password that passed the sign-up rules and may be hashed.
#[derive(Debug)]
pub struct NewPassword(SecretString);

impl NewPassword {
    /// 8 to 128 characters and not one of the few thousand most common passwords.
    /// No composition rules (digits, symbols…): they make passwords harder to remember,
    /// not harder to guess.
    pub fn parse(candidate: SecretString) -> Result<Self, AuthError> {
        let text = candidate.expose_secret();
        let length = text.chars().count();
        if length < MIN_PASSWORD_CHARS {
            return Err(AuthError::PasswordTooShort);
        }
        if length > MAX_PASSWORD_CHARS {
            return Err(AuthError::PasswordTooLong);
        }
        if is_common(text) {
            return Err(AuthError::CommonPassword);
        }
        Ok(Self(candidate))
    }
}

/// An argon2id hash in PHC string format, salt and parameters included: what the
/// database stores.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A hash is not the password, but it is what an offline guessing attack starts from,
/// so it stays out of logs too.
impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([REDACTED])")
    }
}

fn hasher() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|err| AuthError::PasswordHashing(err.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes with a fresh random salt from the operating system.
pub fn hash_password(password: &NewPassword) -> Result<PasswordHash, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()?
        .hash_password(password.0.expose_secret().as_bytes(), &salt)
        .map_err(|err| AuthError::PasswordHashing(err.to_string()))?;
    Ok(PasswordHash(hash.to_string()))
}

/// True if `candidate` is the password behind `stored_phc`.
///
/// Uses the parameters recorded in the stored hash, so hashes made before a parameter
/// change still verify; argon2 compares the digests in constant time. A stored value
/// that is not a PHC string verifies nothing.
pub fn verify_password(candidate: &SecretString, stored_phc: &str) -> bool {
    let Ok(stored) = argon2::PasswordHash::new(stored_phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(candidate.expose_secret().as_bytes(), &stored)
        .is_ok()
}

/// Spends the time of one [`verify_password`] and decides nothing. Call it when the
/// email is unknown, so that "no such account" answers as slowly as "wrong password"
/// and response times do not reveal who has an account.
pub fn dummy_verify(candidate: &SecretString) {
    std::hint::black_box(verify_password(candidate, DUMMY_PHC));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text)
    }

    fn parse(text: &str) -> Result<NewPassword, AuthError> {
        NewPassword::parse(secret(text))
    }

    #[test]
    fn length_edges_in_ascii() {
        assert_eq!(parse("tz7#kq2").unwrap_err(), AuthError::PasswordTooShort);
        assert!(parse("tz7#kq2m").is_ok());
        assert!(parse(&"tz7#kq2m".repeat(16)).is_ok());
        let too_long = format!("{}x", "tz7#kq2m".repeat(16));
        assert_eq!(parse(&too_long).unwrap_err(), AuthError::PasswordTooLong);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // "ψ" is 2 bytes, "🦀" 4: 7 characters are 14 or 28 bytes and still too short.
        assert_eq!(
            parse(&"ψ".repeat(7)).unwrap_err(),
            AuthError::PasswordTooShort
        );
        assert_eq!(
            parse(&"🦀".repeat(7)).unwrap_err(),
            AuthError::PasswordTooShort
        );
        assert!(parse(&"ψ".repeat(8)).is_ok());
        // 128 crabs are 512 bytes and still allowed; 129 are not.
        assert!(parse(&"🦀".repeat(128)).is_ok());
        assert_eq!(
            parse(&"🦀".repeat(129)).unwrap_err(),
            AuthError::PasswordTooLong
        );
    }

    #[test]
    fn no_composition_rules() {
        assert!(parse("only lowercase words here").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        for common in [
            "password",
            "Password",
            "PASSWORD1",
            "qwertyuiop",
            "iloveyou",
        ] {
            assert_eq!(
                parse(common).unwrap_err(),
                AuthError::CommonPassword,
                "{common}"
            );
        }
    }

    #[test]
    fn messages_name_the_field_and_the_fix() {
        assert_eq!(
            AuthError::PasswordTooShort.to_string(),
            "Password: use at least 8 characters"
        );
        assert_eq!(
            AuthError::PasswordTooLong.to_string(),
            "Password: use at most 128 characters"
        );
    }

    #[test]
    fn hash_is_argon2id_with_the_owasp_parameters() {
        let hash = hash_password(&parse("tz7#kq2m wobble").unwrap()).unwrap();
        assert!(hash.as_str().starts_with(PHC_PREFIX), "{}", hash.as_str());
        assert_eq!(
            PHC_PREFIX,
            format!(
                "$argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_ITERATIONS},p={ARGON2_PARALLELISM}$"
            )
        );
    }

    #[test]
    fn each_hash_has_its_own_salt() {
        let password = parse("tz7#kq2m wobble").unwrap();
        assert_ne!(
            hash_password(&password).unwrap(),
            hash_password(&password).unwrap()
        );
    }

    #[test]
    fn verify_accepts_the_password_and_nothing_else() {
        let hash = hash_password(&parse("tz7#kq2m wobble").unwrap()).unwrap();
        assert!(verify_password(&secret("tz7#kq2m wobble"), hash.as_str()));
        assert!(!verify_password(&secret("tz7#kq2m wobblE"), hash.as_str()));
        assert!(!verify_password(&secret(""), hash.as_str()));
    }

    #[test]
    fn verify_refuses_a_stored_value_that_is_not_a_hash() {
        assert!(!verify_password(
            &secret("tz7#kq2m wobble"),
            "tz7#kq2m wobble"
        ));
        assert!(!verify_password(&secret("x"), ""));
    }

    #[test]
    fn dummy_hash_costs_what_a_real_one_does() {
        // Same parameters and a well-formed hash: verify runs argon2 in full
        // instead of returning early on a parse error.
        assert!(DUMMY_PHC.starts_with(PHC_PREFIX));
        assert!(argon2::PasswordHash::new(DUMMY_PHC).is_ok());
        dummy_verify(&secret("tz7#kq2m wobble"));
    }

    #[test]
    fn debug_never_shows_a_password_or_hash() {
        let password = parse("tz7#kq2m wobble").unwrap();
        let hash = hash_password(&password).unwrap();
        for shown in [
            format!("{password:?}"),
            format!("{hash:?}"),
            format!("{:?}", secret("tz7#kq2m wobble")),
        ] {
            assert!(!shown.contains("wobble"), "{shown}");
            assert!(!shown.contains("argon2"), "{shown}");
            assert!(shown.contains("REDACTED"), "{shown}");
        }
    }
}
