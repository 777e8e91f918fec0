//! The list of the most common passwords, which sign-up refuses (NIST SP 800-63B, 3.1.1.2).

use std::collections::HashSet;
use std::sync::LazyLock;

use secrecy::zeroize::Zeroizing;

static LIST: &str = include_str!("common_passwords.txt");

/// Built on first use so that processes that never set a password do not pay for it.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    LIST.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Case-insensitive: `PASSWORD1` is guessed as early as `password1`.
pub(super) fn is_common(password: &str) -> bool {
    // The lowercased copy is as secret as the original, so it is wiped when dropped.
    let folded = Zeroizing::new(password.to_lowercase());
    COMMON.contains(folded.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::password::MIN_PASSWORD_CHARS;

    #[test]
    fn ships_a_few_thousand_entries() {
        assert!(COMMON.len() >= 3_000, "{}", COMMON.len());
    }

    #[test]
    fn entries_are_lowercase_and_not_shorter_than_the_length_rule() {
        for entry in COMMON.iter() {
            assert_eq!(*entry, entry.to_lowercase(), "{entry}");
            assert!(entry.chars().count() >= MIN_PASSWORD_CHARS, "{entry}");
        }
    }

    #[test]
    fn matches_case_insensitively() {
        assert!(is_common("password"));
        assert!(is_common("PassWord1"));
        assert!(is_common("QWERTYUIOP"));
        assert!(!is_common("correct horse battery staple"));
    }
}
