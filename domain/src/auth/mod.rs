//! Accounts' building blocks, free of any database or web framework: email and
//! password rules, password hashing, API keys, invite tokens, roles and permissions,
//! and the sign-in throttling policy.
//!
//! Secrets (passwords, API keys, invite tokens) are only ever held in [`secrecy`] types,
//! whose `Debug` prints `[REDACTED]`, so they cannot reach a log by accident.

mod api_key;
mod common_passwords;
mod email;
mod error;
mod invite;
mod password;
mod role;
mod throttle;
mod token;

pub use api_key::{
    ApiKey, PlaintextApiKey, API_KEY_ID_CHARS, API_KEY_PREFIX, API_KEY_SECRET_CHARS,
};
pub use email::{Email, MAX_EMAIL_BYTES};
pub use error::AuthError;
pub use invite::{InviteToken, INVITE_TOKEN_CHARS};
pub use password::{
    dummy_verify, hash_password, verify_password, NewPassword, PasswordHash, ARGON2_ITERATIONS,
    ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PHC_PREFIX,
};
pub use role::{permission_matrix_markdown, Permission, Role};
pub use secrecy::{ExposeSecret, SecretString};
pub use throttle::{
    check_login, check_sign_up, login_delay, retry_message, sign_up_delay, RecentFailures,
    ACCOUNT_WINDOW, ADDRESS_WINDOW, CLEAN_ADDRESS_FAILURES, CLEAN_ADDRESS_MAX_DELAY,
    FIRST_ACCOUNT_DELAY, FREE_ACCOUNT_FAILURES, MAX_ACCOUNT_DELAY, MAX_ADDRESS_FAILURES,
    MAX_SIGN_UPS_PER_ADDRESS, SIGN_UP_WINDOW,
};
pub use token::TokenHash;
