//! Every secret the sandbox accepts, seeded or issued at run time, and their revocation.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rand::distr::{Alphanumeric, SampleString};

use crate::error::{Error, Result};
use crate::scopes::{ScopeStyle, Scopes};
use crate::seed::Seed;

/// What a credential lets its holder do, and until when.
#[derive(Debug, Clone)]
pub struct Grant {
    pub username: String,
    pub scopes: Scopes,
    pub expires_at: Option<SystemTime>,
    /// The OAuth consumer that obtained it, so revoking the consumer revokes it too.
    pub consumer: Option<String>,
}

impl Grant {
    fn expired(&self) -> bool {
        self.expires_at.is_some_and(|at| at <= SystemTime::now())
    }
}

#[derive(Debug, Clone)]
pub struct Consumer {
    pub key: String,
    pub secret: String,
    pub callback_url: String,
    pub name: String,
    pub scopes: Vec<String>,
}

/// A freshly issued OAuth token pair.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Default)]
struct Store {
    /// token → grant; used with the account email.
    api_tokens: HashMap<String, Grant>,
    /// (username, password) → grant.
    app_passwords: HashMap<(String, String), Grant>,
    /// Bearer tokens: seeded access tokens and OAuth access tokens.
    bearer: HashMap<String, Grant>,
    refresh: HashMap<String, Grant>,
    codes: HashMap<String, Grant>,
    consumers: HashMap<String, Consumer>,
    revoked_consumers: HashSet<String>,
}

#[derive(Debug)]
pub struct Credentials {
    store: Mutex<Store>,
    access_token_ttl: Duration,
}

/// Authorization codes are short-lived, as on Bitbucket.
const CODE_TTL: Duration = Duration::from_secs(600);
/// Unused refresh tokens expire after three months (Bitbucket, May 2026).
const REFRESH_TTL: Duration = Duration::from_secs(90 * 24 * 3600);

fn random_secret() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 48)
}

fn parse_expiry(value: &str) -> Result<SystemTime> {
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Seed(format!("expires_at `{value}`: {e}")))?;
    Ok(SystemTime::from(at))
}

impl Credentials {
    pub fn from_seed(seed: &Seed, access_token_ttl: Duration) -> Result<Self> {
        let mut store = Store::default();
        for user in &seed.users {
            let grant = |style, scopes: &[String], expires_at| -> Result<Grant> {
                Ok(Grant {
                    username: user.username.clone(),
                    scopes: Scopes::parse(style, scopes)?,
                    expires_at,
                    consumer: None,
                })
            };
            for token in &user.api_tokens {
                let expires_at = token.expires_at.as_deref().map(parse_expiry).transpose()?;
                store.api_tokens.insert(
                    token.token.clone(),
                    grant(ScopeStyle::Granular, &token.scopes, expires_at)?,
                );
            }
            for password in &user.app_passwords {
                let key = (user.username.clone(), password.password.clone());
                store
                    .app_passwords
                    .insert(key, grant(ScopeStyle::Legacy, &password.scopes, None)?);
            }
            for token in &user.access_tokens {
                store.bearer.insert(
                    token.token.clone(),
                    grant(ScopeStyle::Legacy, &token.scopes, None)?,
                );
            }
        }
        for consumer in &seed.oauth_consumers {
            Scopes::parse(ScopeStyle::Legacy, &consumer.scopes)?;
            store.consumers.insert(
                consumer.key.clone(),
                Consumer {
                    key: consumer.key.clone(),
                    secret: consumer.secret.clone(),
                    callback_url: consumer.callback_url.clone(),
                    name: consumer
                        .name
                        .clone()
                        .unwrap_or_else(|| consumer.key.clone()),
                    scopes: consumer.scopes.clone(),
                },
            );
        }
        Ok(Credentials {
            store: Mutex::new(store),
            access_token_ttl,
        })
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn access_token_ttl(&self) -> Duration {
        self.access_token_ttl
    }

    /// The grant of an API token, which only works with the token owner's email.
    pub fn api_token(&self, token: &str) -> Option<Grant> {
        self.store().api_tokens.get(token).cloned()
    }

    pub fn app_password(&self, username: &str, password: &str) -> Option<Grant> {
        self.store()
            .app_passwords
            .get(&(username.to_owned(), password.to_owned()))
            .cloned()
    }

    pub fn bearer(&self, token: &str) -> Option<Grant> {
        self.store().bearer.get(token).cloned()
    }

    pub fn usable(grant: &Grant) -> Result<()> {
        if grant.expired() {
            let message = if grant.consumer.is_some() {
                "Access token expired. Use your refresh token to obtain a new access token."
            } else {
                "Token expired."
            };
            return Err(Error::Unauthorized(message.to_owned()));
        }
        Ok(())
    }

    /// The consumer behind `key` when `secret` is right and it has not been revoked.
    pub fn consumer(&self, key: &str, secret: Option<&str>) -> Result<Consumer> {
        let store = self.store();
        match store.consumers.get(key) {
            Some(consumer) if store.revoked_consumers.contains(key) => Err(Error::invalid_client(
                format!("OAuth consumer {} has been revoked", consumer.key),
            )),
            Some(consumer) if secret.is_none_or(|s| s == consumer.secret) => Ok(consumer.clone()),
            _ => Err(Error::invalid_client("Invalid OAuth client credentials")),
        }
    }

    pub fn issue_code(&self, consumer: &Consumer, username: &str) -> Result<String> {
        let code = random_secret();
        let grant = Grant {
            username: username.to_owned(),
            scopes: Scopes::parse(ScopeStyle::Legacy, &consumer.scopes)?,
            expires_at: Some(SystemTime::now() + CODE_TTL),
            consumer: Some(consumer.key.clone()),
        };
        self.store().codes.insert(code.clone(), grant);
        Ok(code)
    }

    /// Trades a code (single use) for tokens.
    pub fn redeem_code(&self, consumer: &Consumer, code: &str) -> Result<IssuedTokens> {
        let mut store = self.store();
        let grant = store.codes.remove(code).ok_or_else(|| {
            Error::invalid_grant("The authorization code is invalid or was already used")
        })?;
        self.issue(&mut store, consumer, grant, "The authorization code")
    }

    /// Trades a refresh token for a new pair; the old refresh token stops working at once.
    pub fn refresh(&self, consumer: &Consumer, refresh_token: &str) -> Result<IssuedTokens> {
        let mut store = self.store();
        let grant = store
            .refresh
            .remove(refresh_token)
            .ok_or_else(|| Error::invalid_grant("Invalid refresh_token"))?;
        self.issue(&mut store, consumer, grant, "The refresh token")
    }

    fn issue(
        &self,
        store: &mut Store,
        consumer: &Consumer,
        grant: Grant,
        what: &str,
    ) -> Result<IssuedTokens> {
        if grant.consumer.as_deref() != Some(consumer.key.as_str()) {
            return Err(Error::invalid_grant(format!(
                "{what} was issued to another consumer"
            )));
        }
        if grant.expired() {
            return Err(Error::invalid_grant(format!("{what} has expired")));
        }
        let access_token = random_secret();
        let refresh_token = random_secret();
        let access = Grant {
            expires_at: Some(SystemTime::now() + self.access_token_ttl),
            ..grant.clone()
        };
        store.bearer.insert(access_token.clone(), access);
        store.refresh.insert(
            refresh_token.clone(),
            Grant {
                expires_at: Some(SystemTime::now() + REFRESH_TTL),
                ..grant.clone()
            },
        );
        Ok(IssuedTokens {
            access_token,
            refresh_token,
            scopes: grant.scopes.names().to_vec(),
        })
    }

    /// Revokes any secret: API token, app password, access or refresh token. Returns
    /// whether one was found.
    pub fn revoke_token(&self, secret: &str) -> bool {
        let mut store = self.store();
        let before = store.app_passwords.len();
        store
            .app_passwords
            .retain(|(_, password), _| password != secret);
        let found_password = store.app_passwords.len() != before;
        let found_token = store.api_tokens.remove(secret).is_some()
            | store.bearer.remove(secret).is_some()
            | store.refresh.remove(secret).is_some();
        found_password || found_token
    }

    /// Revokes a consumer and every token and code it obtained.
    pub fn revoke_consumer(&self, key: &str) -> bool {
        let mut store = self.store();
        if !store.consumers.contains_key(key) {
            return false;
        }
        store.revoked_consumers.insert(key.to_owned());
        let issued_elsewhere = |grant: &Grant| grant.consumer.as_deref() != Some(key);
        store.bearer.retain(|_, grant| issued_elsewhere(grant));
        store.refresh.retain(|_, grant| issued_elsewhere(grant));
        store.codes.retain(|_, grant| issued_elsewhere(grant));
        true
    }
}
