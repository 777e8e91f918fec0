//! Connected accounts as a service: a team's Bitbucket credentials, verified before they are
//! saved, stored sealed by the [`Keyring`] and bound to their team, row and purpose.
//!
//! Team-scoped calls take the [`Actor`]: another team's account id answers
//! [`ConnectedAccountError::NotFound`] like an unknown one. Editors connect accounts while
//! adding integrations ([`Permission::CreateIntegrations`]) and re-authenticate or remove their
//! own; admins ([`Permission::ManageCredentials`]) any. The secret never leaves this module
//! except as a [`Credential`] of `secrecy` types, and never reaches the audit log.
//!
//! Whose credential an integration may commit with ([`check_use`]): an account is its
//! creator's and the admins' to use, unless its creator or an admin marks it shared with the
//! team. Once its creator leaves the team, only a shared account can be used.

use secrecy::{ExposeSecret, SecretSlice, SecretString};

use crate::{
    accounts::Actor,
    auth::Permission,
    bitbucket::{AuthMethod, Credential},
    crypto::{CryptoError, Keyring, SecretContext},
    error::{DomainError, ErrorKind, FieldError, Forbidden},
    store::{
        accounts::{is_unique_violation, NewAudit},
        connected_accounts::{AccountSecret, SealedCredential},
        now_ms, Store, StoreError,
    },
};

pub use crate::store::connected_accounts::ConnectedAccount;

/// The purpose secrets of this table are sealed for.
pub const SECRET_PURPOSE: &str = "connected_account.secret";
pub const MAX_LABEL_CHARS: usize = 80;
/// Longer than any Bitbucket token; bounds what a form can make Ferry store.
pub const MAX_SECRET_BYTES: usize = 8192;
pub const MAX_LOGIN_CHARS: usize = 254;

#[derive(Debug, thiserror::Error)]
pub enum ConnectedAccountError {
    /// A field of the form is refused; `field` is its name on the form.
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such connected account in this team; check the link")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The actor may not use this account for an integration; says why and what to do.
    #[error("{0}")]
    NotUsable(String),
    /// The stored secret cannot be opened (e.g. its key was removed from the keyring).
    #[error("the stored credential cannot be used: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for ConnectedAccountError {
    fn kind(&self) -> ErrorKind {
        match self {
            ConnectedAccountError::Field(_) => ErrorKind::Invalid,
            ConnectedAccountError::NotFound => ErrorKind::NotFound,
            ConnectedAccountError::Forbidden(_) | ConnectedAccountError::NotUsable(_) => {
                ErrorKind::Forbidden
            }
            // Fixed by re-authenticating (or by the operator restoring a key), not by retrying.
            ConnectedAccountError::Crypto(_) => ErrorKind::Unavailable,
            ConnectedAccountError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            ConnectedAccountError::Field(error) => Some(error),
            _ => None,
        }
    }
}

/// Why an account may not be attached to an integration ([`check_use`]).
#[derive(Debug, thiserror::Error)]
pub enum UseRefused {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Not the actor's, and not shared with the team; says why and what to do.
    #[error("{0}")]
    NotUsable(String),
}

impl From<UseRefused> for ConnectedAccountError {
    fn from(refused: UseRefused) -> Self {
        match refused {
            UseRefused::Forbidden(forbidden) => forbidden.into(),
            UseRefused::NotUsable(reason) => ConnectedAccountError::NotUsable(reason),
        }
    }
}

/// Who Bitbucket says the credential belongs to (from `/2.0/user`), as verified just before
/// saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub display_name: String,
    pub username: String,
    /// Bitbucket's account uuid, e.g. `{0f3e…}`.
    pub user_uuid: String,
}

/// What `ferry keys reencrypt` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reencrypted {
    /// Secrets now sealed with the newest key that were not before.
    pub resealed: u64,
}

pub struct ConnectedAccounts<'a> {
    store: &'a Store,
    keyring: &'a Keyring,
}

impl<'a> ConnectedAccounts<'a> {
    pub fn new(store: &'a Store, keyring: &'a Keyring) -> Self {
        Self { store, keyring }
    }

    /// Saves a credential that was just verified against Bitbucket as `identity`.
    pub async fn create(
        &self,
        actor: &Actor,
        label: &str,
        credential: &Credential,
        identity: &VerifiedIdentity,
    ) -> Result<ConnectedAccount, ConnectedAccountError> {
        actor.require(Permission::CreateIntegrations)?;
        let label = parse_label(label)?;
        let id = uuid::Uuid::now_v7().to_string();
        let sealed = self.seal(&actor.team_id, &id, credential)?;
        let login = login(credential, identity)?;
        let account = account_secret(
            credential,
            identity,
            &login,
            &sealed,
            self.keyring.newest().as_str(),
        );
        match self.store.insert_connected_account(&actor.team_id, &id, &label, &actor.user_id, &account).await {
            Err(e) if is_unique_violation(&e) => {
                return Err(field(
                    "label",
                    &format!("this team already has a connected account labelled “{label}”; choose another label"),
                ))
            }
            other => other?,
        }
        let detail = format!("{label} ({}, {})", credential.method(), identity.username);
        self.audit(actor, "connected_account.created", &detail)
            .await?;
        self.get(actor, &id).await
    }

    /// The team's accounts by label.
    pub async fn list(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ConnectedAccount>, ConnectedAccountError> {
        actor.require(Permission::ReadTeamData)?;
        Ok(self.store.connected_accounts(&actor.team_id).await?)
    }

    pub async fn get(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ConnectedAccount, ConnectedAccountError> {
        actor.require(Permission::ReadTeamData)?;
        self.store
            .connected_account(&actor.team_id, id)
            .await?
            .ok_or(ConnectedAccountError::NotFound)
    }

    /// The accounts `actor` may use for an integration ([`check_use`]), by label.
    pub async fn usable(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ConnectedAccount>, ConnectedAccountError> {
        Ok(self
            .list(actor)
            .await?
            .into_iter()
            .filter(|account| check_use(actor, account).is_ok())
            .collect())
    }

    /// The account, if `actor` may use it for an integration.
    pub async fn get_usable(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<ConnectedAccount, ConnectedAccountError> {
        let account = self.get(actor, id).await?;
        check_use(actor, &account)?;
        Ok(account)
    }

    /// Shares the account with the team (any editor may then use it for integrations) or takes
    /// it back; its creator or an admin decides. Integrations already using it keep working.
    pub async fn set_shared(
        &self,
        actor: &Actor,
        id: &str,
        shared: bool,
    ) -> Result<ConnectedAccount, ConnectedAccountError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        if !self
            .store
            .set_connected_account_shared(&actor.team_id, id, shared, now_ms())
            .await?
        {
            return Err(ConnectedAccountError::NotFound);
        }
        let action = if shared {
            "connected_account.shared"
        } else {
            "connected_account.unshared"
        };
        let detail = format!("{} ({}, {})", current.label, current.method, current.login);
        self.audit(actor, action, &detail).await?;
        self.get(actor, id).await
    }

    /// The opened credential, for the sync engine and the integration flow (which has already
    /// checked the actor's team).
    pub async fn credential(
        &self,
        team_id: &str,
        id: &str,
    ) -> Result<Credential, ConnectedAccountError> {
        let SealedCredential {
            method,
            login,
            secret,
            token_expires_at_ms,
        } = self
            .store
            .connected_account_secret(team_id, id)
            .await?
            .ok_or(ConnectedAccountError::NotFound)?;
        let plaintext = self.keyring.open(&context(team_id, id), &secret)?;
        let mut parts = decode_parts(plaintext.expose_secret())?.into_iter();
        let mut next = || {
            parts.next().ok_or(CryptoError::Malformed(
                "a part of the credential is missing",
            ))
        };
        Ok(match method {
            AuthMethod::ApiToken => Credential::ApiToken {
                email: login,
                token: next()?,
            },
            AuthMethod::AppPassword => Credential::AppPassword {
                username: login,
                password: next()?,
            },
            AuthMethod::OAuth => Credential::OAuth {
                access_token: next()?,
                refresh_token: next()?,
                expires_at_ms: token_expires_at_ms.unwrap_or_default(),
            },
        })
    }

    /// Replaces the secret in place (same id: every integration using the account keeps
    /// working) with a credential just verified as `identity`.
    pub async fn reauthenticate(
        &self,
        actor: &Actor,
        id: &str,
        credential: &Credential,
        identity: &VerifiedIdentity,
    ) -> Result<ConnectedAccount, ConnectedAccountError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        let sealed = self.seal(&actor.team_id, id, credential)?;
        let login = login(credential, identity)?;
        let account = account_secret(
            credential,
            identity,
            &login,
            &sealed,
            self.keyring.newest().as_str(),
        );
        if !self
            .store
            .replace_connected_account_secret(&actor.team_id, id, &account, |integration, name| {
                crate::hooks::events::integration_status(
                    Some(actor),
                    ferry_webhooks::EventType::IntegrationRecovered,
                    integration,
                    name,
                    None,
                )
            })
            .await?
        {
            return Err(ConnectedAccountError::NotFound);
        }
        let detail = format!(
            "{} ({}, {})",
            current.label,
            credential.method(),
            identity.username
        );
        self.audit(actor, "connected_account.reauthenticated", &detail)
            .await?;
        self.get(actor, id).await
    }

    /// Stores refreshed OAuth tokens with their expiry in one statement: a rotated refresh
    /// token is saved together with the access token or not at all.
    pub async fn store_refreshed_oauth_tokens(
        &self,
        team_id: &str,
        id: &str,
        access_token: &SecretString,
        refresh_token: &SecretString,
        expires_at_ms: i64,
    ) -> Result<(), ConnectedAccountError> {
        let plaintext = encode_parts(&[access_token, refresh_token]);
        let sealed = self.keyring.seal(&context(team_id, id), &plaintext)?;
        let stored = self
            .store
            .update_connected_account_tokens(
                team_id,
                id,
                &sealed,
                self.keyring.newest().as_str(),
                expires_at_ms,
                now_ms(),
            )
            .await?;
        stored.then_some(()).ok_or(ConnectedAccountError::NotFound)
    }

    /// The names of the collections whose integrations use the account (for the warning
    /// before deleting it).
    pub async fn usage(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<String>, ConnectedAccountError> {
        self.get(actor, id).await?;
        Ok(self
            .store
            .connected_account_usage(&actor.team_id, id)
            .await?)
    }

    /// Deletes the account; integrations using it stay, without an account, until edited.
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), ConnectedAccountError> {
        let current = self.get(actor, id).await?;
        require_manage(actor, &current)?;
        if !self
            .store
            .delete_connected_account(&actor.team_id, id)
            .await?
        {
            return Err(ConnectedAccountError::NotFound);
        }
        let detail = format!("{} ({}, {})", current.label, current.method, current.login);
        self.audit(actor, "connected_account.deleted", &detail)
            .await
    }

    /// Re-seals every secret not under the newest key (operator command). Idempotent; each
    /// batch is one transaction, and a secret changed meanwhile (a token refresh, already
    /// under the newest key) is left as it is.
    pub async fn reencrypt_all(&self) -> Result<Reencrypted, ConnectedAccountError> {
        let newest = self.keyring.newest().as_str();
        let stale = self.store.sealed_secrets_not_under(newest).await?;
        let mut resealed = 0;
        for batch in stale.chunks(100) {
            let mut sealed = Vec::with_capacity(batch.len());
            for row in batch {
                let context = context(&row.team_id, &row.id);
                let plaintext = self.keyring.open(&context, &row.secret)?;
                sealed.push((row.clone(), self.keyring.seal(&context, &plaintext)?));
            }
            resealed += self.store.reseal_secrets(&sealed, newest).await?;
        }
        // API sync's webhook secrets are sealed with the same keyring.
        let hooks = self.store.api_hook_secrets_not_under(newest).await?;
        for batch in hooks.chunks(100) {
            let mut sealed = Vec::with_capacity(batch.len());
            for row in batch {
                let context = SecretContext {
                    team_id: &row.team_id,
                    row_id: &row.id,
                    purpose: crate::api_sync::HOOK_SECRET_PURPOSE,
                };
                let plaintext = self.keyring.open(&context, &row.secret)?;
                sealed.push((row.clone(), self.keyring.seal(&context, &plaintext)?));
            }
            resealed += self.store.reseal_api_hook_secrets(&sealed, newest).await?;
        }
        // Custom webhooks' and Slack's URLs and signing secrets too.
        for batch in self.store.hooks_not_under(newest).await?.chunks(100) {
            let mut sealed = Vec::with_capacity(batch.len());
            for row in batch {
                let reseal =
                    |purpose: &str, value: &[u8]| -> Result<Vec<u8>, crate::crypto::CryptoError> {
                        let context = SecretContext {
                            team_id: &row.team_id,
                            row_id: &row.id,
                            purpose,
                        };
                        let plaintext = self.keyring.open(&context, value)?;
                        self.keyring.seal(&context, &plaintext)
                    };
                use crate::hooks::{PREVIOUS_SECRET_PURPOSE, SECRET_PURPOSE, URL_PURPOSE};
                sealed.push(crate::store::hooks::ResealedHook {
                    id: row.id.clone(),
                    read_secret: row.secret.clone(),
                    url: reseal(URL_PURPOSE, &row.url)?,
                    secret: reseal(SECRET_PURPOSE, &row.secret)?,
                    previous_secret: row
                        .previous_secret
                        .as_deref()
                        .map(|previous| reseal(PREVIOUS_SECRET_PURPOSE, previous))
                        .transpose()?,
                });
            }
            resealed += self.store.reseal_hooks(&sealed, newest).await?;
        }
        Ok(Reencrypted { resealed })
    }

    /// How many secrets each key id seals, across all teams (operator command).
    pub async fn secrets_by_key(&self) -> Result<Vec<(String, i64)>, ConnectedAccountError> {
        Ok(self.store.sealed_secrets_by_key().await?)
    }

    fn seal(
        &self,
        team_id: &str,
        id: &str,
        credential: &Credential,
    ) -> Result<Vec<u8>, ConnectedAccountError> {
        let plaintext = match credential {
            Credential::ApiToken { token, .. } => {
                encode_parts(&[bounded_secret("api_token", "API token", token)?])
            }
            Credential::AppPassword { password, .. } => {
                encode_parts(&[bounded_secret("app_password", "App password", password)?])
            }
            Credential::OAuth {
                access_token,
                refresh_token,
                ..
            } => encode_parts(&[
                bounded_secret("access_token", "Access token", access_token)?,
                bounded_secret("refresh_token", "Refresh token", refresh_token)?,
            ]),
        };
        Ok(self.keyring.seal(&context(team_id, id), &plaintext)?)
    }

    async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        detail: &str,
    ) -> Result<(), ConnectedAccountError> {
        self.store
            .append_audit(NewAudit {
                team_id: &actor.team_id,
                actor_user_id: Some(&actor.user_id),
                actor: &actor.email,
                action,
                detail,
                client_addr: "",
            })
            .await?;
        Ok(())
    }
}

fn context<'c>(team_id: &'c str, id: &'c str) -> SecretContext<'c> {
    SecretContext {
        team_id,
        row_id: id,
        purpose: SECRET_PURPOSE,
    }
}

fn account_secret<'c>(
    credential: &Credential,
    identity: &'c VerifiedIdentity,
    login: &'c str,
    sealed: &'c [u8],
    key_id: &'c str,
) -> AccountSecret<'c> {
    AccountSecret {
        method: credential.method(),
        login,
        display_name: &identity.display_name,
        provider_user_id: &identity.user_uuid,
        secret: sealed,
        secret_key_id: key_id,
        token_expires_at_ms: match credential {
            Credential::OAuth { expires_at_ms, .. } => Some(*expires_at_ms),
            _ => None,
        },
        at_ms: now_ms(),
    }
}

/// Checks a credential as a person typed it, before anything is sent to Bitbucket: login and
/// secret present, of a sane length, an email that looks like one; each refusal names its field.
pub fn check_credential(credential: &Credential) -> Result<(), ConnectedAccountError> {
    match credential {
        Credential::ApiToken { email, token } => {
            let email = email.trim();
            if email.is_empty() {
                return Err(field(
                    "email",
                    "enter the email address of your Atlassian account",
                ));
            }
            if !email.contains('@')
                || email.chars().any(char::is_whitespace)
                || email.chars().count() > MAX_LOGIN_CHARS
            {
                return Err(field("email", "use your Atlassian account's email address (like you@example.com), not a username"));
            }
            bounded_secret("api_token", "API token", token)?;
        }
        Credential::AppPassword { username, password } => {
            let username = username.trim();
            if username.is_empty()
                || username.chars().count() > MAX_LOGIN_CHARS
                || username.chars().any(char::is_control)
            {
                return Err(field(
                    "username",
                    &format!("enter your Bitbucket username: 1 to {MAX_LOGIN_CHARS} characters"),
                ));
            }
            bounded_secret("app_password", "App password", password)?;
        }
        Credential::OAuth { .. } => {}
    }
    Ok(())
}

/// The login the account is known by: the email of an API token, else the username.
fn login(
    credential: &Credential,
    identity: &VerifiedIdentity,
) -> Result<String, ConnectedAccountError> {
    let (name, label, value) = match credential {
        Credential::ApiToken { email, .. } => ("email", "Email", email.as_str()),
        Credential::AppPassword { username, .. } => ("username", "Username", username.as_str()),
        Credential::OAuth { .. } => ("username", "Username", identity.username.as_str()),
    };
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_LOGIN_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(field(
            name,
            &format!("enter the {label}: 1 to {MAX_LOGIN_CHARS} characters without line breaks"),
        ));
    }
    Ok(value.to_owned())
}

fn bounded_secret<'s>(
    name: &'static str,
    label: &str,
    secret: &'s SecretString,
) -> Result<&'s SecretString, ConnectedAccountError> {
    let text = secret.expose_secret();
    if text.trim().is_empty() {
        return Err(field(name, &format!("paste the {label} from Bitbucket")));
    }
    if text.len() > MAX_SECRET_BYTES {
        return Err(field(
            name,
            &format!("the {label} is longer than any Bitbucket credential; paste only the token"),
        ));
    }
    Ok(secret)
}

fn parse_label(raw: &str) -> Result<String, ConnectedAccountError> {
    let label = raw.trim();
    if label.is_empty() {
        return Err(field(
            "label",
            "give the account a name, e.g. “Backups bot”",
        ));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(field(
            "label",
            &format!("use at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(field(
            "label",
            "remove line breaks and other control characters",
        ));
    }
    Ok(label.to_owned())
}

/// The secret parts, each as a 4-byte big-endian length and its bytes, written into one
/// buffer of exactly the right size (no reallocation leaves copies behind).
fn encode_parts(parts: &[&SecretString]) -> SecretSlice<u8> {
    let size = parts.iter().map(|p| 4 + p.expose_secret().len()).sum();
    let mut bytes = Vec::with_capacity(size);
    for part in parts {
        let part = part.expose_secret().as_bytes();
        bytes.extend_from_slice(&(part.len() as u32).to_be_bytes());
        bytes.extend_from_slice(part);
    }
    SecretSlice::from(bytes)
}

fn decode_parts(mut bytes: &[u8]) -> Result<Vec<SecretString>, CryptoError> {
    let mut parts = Vec::new();
    while !bytes.is_empty() {
        let malformed = CryptoError::Malformed("the credential inside is damaged");
        let (len, rest) = bytes.split_first_chunk::<4>().ok_or(malformed.clone())?;
        let len = u32::from_be_bytes(*len) as usize;
        let part = rest.get(..len).ok_or(malformed.clone())?;
        let text = std::str::from_utf8(part).map_err(|_| malformed)?;
        parts.push(SecretString::from(text.to_owned()));
        bytes = &rest[len..];
    }
    Ok(parts)
}

fn field(field: &'static str, message: &str) -> ConnectedAccountError {
    ConnectedAccountError::Field(FieldError {
        field,
        message: message.to_owned(),
    })
}

/// Whether `actor` may attach `account` to an integration (and so commit as it): its creator
/// and the admins may, anyone who may add integrations may once it is shared with the team;
/// an account whose creator left the team is usable only if shared. The refusal says why.
pub fn check_use(actor: &Actor, account: &ConnectedAccount) -> Result<(), UseRefused> {
    actor.require(Permission::CreateIntegrations)?;
    if account.shared {
        return Ok(());
    }
    let label = &account.label;
    if !account.creator_is_member {
        return Err(UseRefused::NotUsable(format!(
            "the connected account “{label}” was connected by someone who is no longer a member of this team \
             and is not shared with the team; choose another account, or an admin can share it on Connected accounts"
        )));
    }
    if account.created_by == actor.user_id || actor.role.allows(Permission::ManageCredentials) {
        return Ok(());
    }
    Err(UseRefused::NotUsable(format!(
        "the connected account “{label}” belongs to {} and is not shared with the team; choose your own account, \
         or ask its creator or an admin to share it on Connected accounts",
        if account.created_by_email.is_empty() { "another member" } else { account.created_by_email.as_str() }
    )))
}

/// Whether `actor` may re-authenticate and remove `account` (pages show the actions only then).
pub fn may_manage(actor: &Actor, account: &ConnectedAccount) -> bool {
    require_manage(actor, account).is_ok()
}

/// Creators re-authenticate and remove their own accounts; admins any.
fn require_manage(actor: &Actor, account: &ConnectedAccount) -> Result<(), Forbidden> {
    if account.created_by == actor.user_id {
        actor.require(Permission::ManageOwnIntegrations)
    } else {
        actor.require(Permission::ManageCredentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_damage_is_refused() {
        let a = SecretString::from("access".to_owned());
        let b = SecretString::from(String::new());
        let encoded = encode_parts(&[&a, &b]);
        let decoded = decode_parts(encoded.expose_secret()).unwrap();
        assert_eq!(
            decoded
                .iter()
                .map(|s| s.expose_secret().to_owned())
                .collect::<Vec<_>>(),
            ["access", ""]
        );
        let bytes = encoded.expose_secret();
        for len in 1..bytes.len() {
            if len != 10 {
                assert!(decode_parts(&bytes[..len]).is_err(), "truncated to {len}");
            }
        }
    }

    #[test]
    fn labels_are_bounded_and_named() {
        assert_eq!(parse_label("  Backups bot ").unwrap(), "Backups bot");
        for bad in ["", "   ", "a\nb", &"x".repeat(MAX_LABEL_CHARS + 1)] {
            let error = parse_label(bad).unwrap_err();
            assert_eq!(error.field(), Some("label"), "{bad:?}");
            assert!(error.to_string().starts_with("label: "), "{error}");
        }
    }
}
