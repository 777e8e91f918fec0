//! The team's connected accounts as the engine's credential store: opened and sealed with
//! the keyring, bound to their team and row.

use secrecy::SecretString;

use super::{CredentialError, CredentialStore};
use crate::{
    bitbucket::Credential,
    connected_accounts::{ConnectedAccountError, ConnectedAccounts},
    crypto::Keyring,
    store::Store,
};

#[derive(Clone)]
pub struct AccountCredentials {
    store: Store,
    keyring: Keyring,
}

impl AccountCredentials {
    pub fn new(store: Store, keyring: Keyring) -> Self {
        AccountCredentials { store, keyring }
    }
}

impl CredentialStore for AccountCredentials {
    async fn credential(
        &self,
        team_id: String,
        account_id: String,
    ) -> Result<Credential, CredentialError> {
        ConnectedAccounts::new(&self.store, &self.keyring)
            .credential(&team_id, &account_id)
            .await
            .map_err(CredentialError::from)
    }

    async fn store_refreshed(
        &self,
        team_id: String,
        account_id: String,
        credential: Credential,
    ) -> Result<(), CredentialError> {
        let Credential::OAuth {
            access_token,
            refresh_token,
            expires_at_ms,
        } = credential
        else {
            return Err(CredentialError::NotRefreshable);
        };
        let (access_token, refresh_token): (SecretString, SecretString) =
            (access_token, refresh_token);
        ConnectedAccounts::new(&self.store, &self.keyring)
            .store_refreshed_oauth_tokens(
                &team_id,
                &account_id,
                &access_token,
                &refresh_token,
                expires_at_ms,
            )
            .await
            .map_err(CredentialError::from)
    }
}

impl From<ConnectedAccountError> for CredentialError {
    fn from(error: ConnectedAccountError) -> Self {
        match error {
            ConnectedAccountError::NotFound => CredentialError::AccountDeleted,
            other => CredentialError::Unusable(other),
        }
    }
}
