//! The team's connected accounts as the engine's credential store: opened and sealed with
//! the keyring, bound to their team and row.

use secrecy::SecretString;

use super::CredentialStore;
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
    async fn credential(&self, team_id: String, account_id: String) -> Result<Credential, String> {
        ConnectedAccounts::new(&self.store, &self.keyring)
            .credential(&team_id, &account_id)
            .await
            .map_err(|error| reason(&error))
    }

    async fn store_refreshed(
        &self,
        team_id: String,
        account_id: String,
        credential: Credential,
    ) -> Result<(), String> {
        let Credential::OAuth {
            access_token,
            refresh_token,
            expires_at_ms,
        } = credential
        else {
            return Err("only OAuth connections are refreshed".to_owned());
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
            .map_err(|error| reason(&error))
    }
}

fn reason(error: &ConnectedAccountError) -> String {
    match error {
        ConnectedAccountError::NotFound => {
            "its connected account was deleted; edit the integration and choose another account"
                .to_owned()
        }
        // Key problems are an operator's to fix; the message names the key, never its bytes.
        other => format!("the connected account's credential cannot be used: {other}"),
    }
}
