//! What the Authenticate step and the Connected accounts pages show: the team's connected
//! Bitbucket accounts (never a secret) and whether "Connect with Bitbucket" is offered. Loaded
//! for the session's current team only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::integration_data::RefusedForm;

/// A connected account as pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub label: String,
    /// api_token, app_password or oauth.
    pub method: String,
    /// "API token", "App password (legacy)", "OAuth (Connect with Bitbucket)".
    pub method_label: String,
    /// The Atlassian email or the Bitbucket username.
    pub login: String,
    /// Who Bitbucket says the credential belongs to.
    pub display_name: String,
    pub created_by: String,
    pub created: String,
    /// When Bitbucket last accepted it ("3 minutes ago").
    pub verified: String,
    pub integration_count: i64,
    /// Whether the viewer may re-authenticate and delete it, and share it with the team.
    pub can_manage: bool,
    /// Shared with the team: every editor may use it for integrations.
    pub shared: bool,
    /// Its creator was removed from the team (shown to admins).
    pub creator_left: bool,
}

/// What the Authenticate step offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthenticateOptions {
    /// Whether the viewer may connect accounts and add integrations.
    pub can_add: bool,
    /// Whether the operator configured an OAuth consumer.
    pub oauth: bool,
    pub accounts: Vec<AccountView>,
    /// The refused form, shown again.
    pub refused: Option<RefusedForm>,
}

/// One account with the collections whose integrations use it (for Re-authenticate and the
/// warning before Delete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub account: AccountView,
    pub used_by: Vec<String>,
    pub oauth: bool,
    pub refused: Option<RefusedForm>,
}

#[cfg(feature = "ssr")]
pub(crate) fn account_view(
    actor: &ferry_domain::accounts::Actor,
    account: ferry_domain::connected_accounts::ConnectedAccount,
) -> AccountView {
    let now = ferry_domain::store::now_ms();
    AccountView {
        can_manage: ferry_domain::connected_accounts::may_manage(actor, &account),
        shared: account.shared,
        creator_left: !account.creator_is_member
            && actor
                .role
                .allows(ferry_domain::auth::Permission::ManageCredentials),
        method: account.method.as_str().to_owned(),
        method_label: account.method.label().to_owned(),
        created: crate::session::when(account.created_at_ms),
        verified: crate::session::ago(account.verified_at_ms, now),
        created_by: account.created_by_email,
        id: account.id,
        label: account.label,
        login: account.login,
        display_name: account.display_name,
        integration_count: account.integration_count,
    }
}

/// The context every loader here needs: store, keyring and the Bitbucket client.
#[cfg(feature = "ssr")]
pub(crate) fn services() -> Result<
    (
        ferry_domain::crypto::Keyring,
        ferry_domain::bitbucket::BitbucketClient,
    ),
    ServerFnError,
> {
    let keyring = use_context::<ferry_domain::crypto::Keyring>()
        .ok_or_else(|| ServerFnError::new("the keyring is not in context"))?;
    let bitbucket = use_context::<ferry_domain::bitbucket::BitbucketClient>()
        .ok_or_else(|| ServerFnError::new("the Bitbucket client is not in context"))?;
    Ok((keyring, bitbucket))
}

/// The Authenticate step's choices (only the saved accounts the person may use: their own, or
/// shared with the team; all for admins); `None` when signed out.
#[server(endpoint = "load_authenticate_options")]
pub async fn load_authenticate_options() -> Result<Option<AuthenticateOptions>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::{auth::Permission, connected_accounts::ConnectedAccounts};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let (keyring, bitbucket) = services()?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let can_add = actor.role.allows(Permission::CreateIntegrations);
    let accounts = match can_add {
        true => ConnectedAccounts::new(&store, &keyring)
            .usable(&actor)
            .await
            .map_err(server_fn_error)?,
        false => Vec::new(),
    };
    Ok(Some(AuthenticateOptions {
        can_add,
        oauth: bitbucket.oauth_enabled(),
        accounts: accounts
            .into_iter()
            .map(|a| account_view(&actor, a))
            .collect(),
        refused: crate::integration_data::take_refused_form(&session).await,
    }))
}

/// The team's connected accounts; `None` when signed out.
#[server(endpoint = "load_connected_accounts")]
pub async fn load_connected_accounts() -> Result<Option<Vec<AccountView>>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::connected_accounts::ConnectedAccounts;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let (keyring, _) = services()?;
    let accounts = ConnectedAccounts::new(&store, &keyring)
        .list(&actor)
        .await
        .map_err(server_fn_error)?;
    Ok(Some(
        accounts
            .into_iter()
            .map(|a| account_view(&actor, a))
            .collect(),
    ))
}

/// One account of the team with what uses it; `None` when signed out.
#[server(endpoint = "load_connected_account")]
pub async fn load_connected_account(id: String) -> Result<Option<AccountDetail>, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::connected_accounts::ConnectedAccounts;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let (keyring, bitbucket) = services()?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let service = ConnectedAccounts::new(&store, &keyring);
    let account = service.get(&actor, &id).await.map_err(server_fn_error)?;
    let used_by = service.usage(&actor, &id).await.map_err(server_fn_error)?;
    Ok(Some(AccountDetail {
        account: account_view(&actor, account),
        used_by,
        oauth: bitbucket.oauth_enabled(),
        refused: crate::integration_data::take_refused_form(&session).await,
    }))
}
