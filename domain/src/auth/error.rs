//! The one error type of `auth`: each message names the field a person filled in and what
//! to do about it, so the web layer can show it as it is.

use std::time::Duration;

use super::email::MAX_EMAIL_BYTES;
use super::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use super::throttle::{retry_message, sign_up_retry_message};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Email: enter an address like name@example.com")]
    InvalidEmail,
    #[error("Email: use an address of at most {} characters", MAX_EMAIL_BYTES)]
    EmailTooLong,
    #[error("Password: use at least {} characters", MIN_PASSWORD_CHARS)]
    PasswordTooShort,
    #[error("Password: use at most {} characters", MAX_PASSWORD_CHARS)]
    PasswordTooLong,
    #[error(
        "Password: this is one of the most common passwords; choose another, \
         for example a few unrelated words"
    )]
    CommonPassword,
    /// Only reachable if the argon2 parameters were invalid: a bug, not a user mistake.
    #[error("Password: could not be stored ({0}); try again, and report it if it persists")]
    PasswordHashing(String),
    #[error(
        "X-Api-Key: this is not a Ferry API key; copy the whole key, starting with ferry_, \
         from Team settings → API keys"
    )]
    MalformedApiKey,
    #[error("Role: choose viewer, editor or admin")]
    UnknownRole,
    #[error("{}", retry_message(*wait))]
    TooManyAttempts { wait: Duration },
    #[error("{}", sign_up_retry_message(*wait))]
    TooManySignUps { wait: Duration },
}
