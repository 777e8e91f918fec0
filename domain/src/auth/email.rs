//! Email addresses as Ferry stores and compares them.
//!
//! Ferry treats the whole address case-insensitively, the local part included. RFC 5321
//! allows a mail server to tell `Ann@x` from `ann@x`, but virtually none does, and people
//! type their address with whatever capitalisation their phone chooses: without folding,
//! one person could end up with two accounts, or be told "wrong password" for the account
//! they do have. So an address is trimmed and lowercased once, here, and every lookup and
//! uniqueness check uses that form.

use std::fmt;

use super::error::AuthError;

/// RFC 5321 limits a forward path to 256 octets, two of which are the angle brackets.
/// Counted in bytes (UTF-8), as mail servers count it.
pub const MAX_EMAIL_BYTES: usize = 254;

/// A syntactically plausible, normalised email address.
///
/// Deliberately lenient beyond the rules below: the only real check of an address is
/// mail arriving there, and a strict RFC 5322 parser mostly rejects addresses people own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Trims surrounding white space and lowercases the address.
    ///
    /// Rejects: no `@` or more than one, an empty part on either side, white space or
    /// control characters inside, a domain starting or ending with a dot or holding
    /// an empty label (`..`), and more than [`MAX_EMAIL_BYTES`] bytes.
    pub fn parse(input: &str) -> Result<Self, AuthError> {
        let normalised = input.trim().to_lowercase();
        if normalised
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(AuthError::InvalidEmail);
        }
        let Some((local, domain)) = normalised.split_once('@') else {
            return Err(AuthError::InvalidEmail);
        };
        if local.is_empty() || !is_plausible_domain(domain) {
            return Err(AuthError::InvalidEmail);
        }
        if normalised.len() > MAX_EMAIL_BYTES {
            return Err(AuthError::EmailTooLong);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A dotless domain is accepted on purpose: a self-hosted Ferry may live on an intranet
/// where `admin@ferry` is a real mailbox.
fn is_plausible_domain(domain: &str) -> bool {
    !domain.is_empty() && !domain.contains('@') && domain.split('.').all(|label| !label.is_empty())
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Result<String, AuthError> {
        Email::parse(input).map(|email| email.as_str().to_owned())
    }

    #[test]
    fn trims_and_lowercases_both_parts() {
        assert_eq!(
            parsed("  Ann.Lee@Example.COM\n").unwrap(),
            "ann.lee@example.com"
        );
        assert_eq!(parsed("ÉLODIE@exemple.fr").unwrap(), "élodie@exemple.fr");
    }

    #[test]
    fn same_person_whatever_the_capitalisation() {
        assert_eq!(
            Email::parse("Ann@Example.com"),
            Email::parse("ann@example.COM")
        );
    }

    #[test]
    fn accepts_plus_tags_and_dotless_intranet_domains() {
        assert_eq!(
            parsed("ann+ferry@example.com").unwrap(),
            "ann+ferry@example.com"
        );
        assert_eq!(parsed("admin@ferry").unwrap(), "admin@ferry");
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        for input in [
            "",
            "   ",
            "ann.example.com",
            "@example.com",
            "ann@",
            "ann@@example.com",
            "ann@exa@mple.com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "ann\t@example.com",
            "ann\u{0}@example.com",
            "ann@.example.com",
            "ann@example.com.",
            "ann@example..com",
        ] {
            assert_eq!(parsed(input), Err(AuthError::InvalidEmail), "{input:?}");
        }
    }

    #[test]
    fn length_limit_is_254_bytes() {
        let domain = "@example.com";
        let longest = format!("{}{domain}", "a".repeat(MAX_EMAIL_BYTES - domain.len()));
        assert_eq!(parsed(&longest).unwrap().len(), 254);
        let too_long = format!("a{longest}");
        assert_eq!(parsed(&too_long), Err(AuthError::EmailTooLong));
    }

    #[test]
    fn length_limit_counts_bytes_of_multi_byte_characters() {
        let domain = "@example.com";
        // 122 two-byte characters + 12 bytes = 256 bytes, though only 134 characters.
        let input = format!("{}{domain}", "é".repeat(122));
        assert_eq!(parsed(&input), Err(AuthError::EmailTooLong));
    }

    #[test]
    fn message_tells_how_to_fix_it() {
        assert_eq!(
            AuthError::InvalidEmail.to_string(),
            "Email: enter an address like name@example.com"
        );
        assert_eq!(
            AuthError::EmailTooLong.to_string(),
            "Email: use an address of at most 254 characters"
        );
    }
}
