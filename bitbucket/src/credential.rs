//! How Ferry authenticates to Bitbucket for a connected account.

use std::{fmt, str::FromStr};

use secrecy::SecretString;

/// The three ways a team can connect a Bitbucket account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// Atlassian account email + API token (the default since app passwords were retired).
    ApiToken,
    /// Bitbucket username + app password (legacy: Atlassian retired them in 2026).
    AppPassword,
    /// OAuth 2.0 authorization code grant through an operator-configured consumer.
    OAuth,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 3] = [
        AuthMethod::ApiToken,
        AuthMethod::AppPassword,
        AuthMethod::OAuth,
    ];

    /// The stored name: "api_token", "app_password" or "oauth".
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ApiToken => "api_token",
            AuthMethod::AppPassword => "app_password",
            AuthMethod::OAuth => "oauth",
        }
    }

    /// How the method is named on pages.
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::ApiToken => "API token",
            AuthMethod::AppPassword => "App password (legacy)",
            AuthMethod::OAuth => "OAuth (Connect with Bitbucket)",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown authentication method {0:?}: expected api_token, app_password or oauth")]
pub struct UnknownAuthMethod(pub String);

impl FromStr for AuthMethod {
    type Err = UnknownAuthMethod;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AuthMethod::ALL
            .into_iter()
            .find(|method| method.as_str() == text)
            .ok_or_else(|| UnknownAuthMethod(text.to_owned()))
    }
}

/// For reading the stored name (a database row decodes the text, then converts it).
impl TryFrom<String> for AuthMethod {
    type Error = UnknownAuthMethod;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A credential in memory. The secret parts are `SecretString`s: `Debug` prints them redacted
/// and they are only ever exposed to build an `Authorization` header or to be sealed.
#[derive(Debug, Clone)]
pub enum Credential {
    ApiToken {
        email: String,
        token: SecretString,
    },
    AppPassword {
        username: String,
        password: SecretString,
    },
    OAuth {
        access_token: SecretString,
        refresh_token: SecretString,
        expires_at_ms: i64,
    },
}

impl Credential {
    pub fn method(&self) -> AuthMethod {
        match self {
            Credential::ApiToken { .. } => AuthMethod::ApiToken,
            Credential::AppPassword { .. } => AuthMethod::AppPassword,
            Credential::OAuth { .. } => AuthMethod::OAuth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_round_trip_through_their_stored_names() {
        for method in AuthMethod::ALL {
            assert_eq!(method.as_str().parse::<AuthMethod>(), Ok(method));
        }
        assert!("password".parse::<AuthMethod>().is_err());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let credential = Credential::ApiToken {
            email: "a@example.com".into(),
            token: SecretString::from("ATATT-very-secret".to_owned()),
        };
        let shown = format!("{credential:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("a@example.com"));
    }
}
