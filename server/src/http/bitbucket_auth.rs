//! The Authenticate step of Add Integration and the Connected accounts actions: a credential
//! is verified against Bitbucket (`/2.0/user`, `/2.0/user/workspaces`) before it is saved,
//! sealed, as a team connected account; "Connect with Bitbucket" runs the OAuth 2.0
//! authorization-code grant with a `state` kept in the session. Secrets are never written back
//! into a form, a message or a log.

use app::fields::api_sync_fields;
use app::flash::Flash;
use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::{
    accounts::Actor,
    apis::Apis,
    auth::Permission,
    bitbucket::{AuthMethod, BitbucketError, Credential, VerifiedAccount},
    connected_accounts::{
        check_credential, ConnectedAccount, ConnectedAccountError, ConnectedAccounts,
        VerifiedIdentity,
    },
    error::{DomainError, ErrorKind, Forbidden},
    store::now_ms,
};
use rand::{distr::Alphanumeric, Rng};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{account_forms::flash_notice, refusal::Refusal, signed_in::SignedIn, AppState};

pub const AUTHENTICATE_PAGE: &str = app::routes::INTEGRATIONS_BITBUCKET_NEW;
pub const ACCOUNTS_PAGE: &str = app::routes::ACCOUNTS;
const OAUTH_PENDING: &str = "bitbucket_oauth";
/// How long a person may take on Bitbucket's consent page.
const OAUTH_STATE_TTL_MS: i64 = 15 * 60 * 1000;

/// Where Authenticate goes once an account is ready.
#[derive(Debug, Clone, PartialEq)]
enum Next {
    /// Add Integration's Configure step.
    Configure,
    /// Back to the Connect form of this API (of the person's team), the account chosen.
    Api(String),
}

impl Next {
    /// The API the form names when it is one of the team's, else Configure: a foreign or
    /// unknown id sends nobody to a page they cannot see.
    async fn from_form(state: &AppState, actor: &Actor, api: &str) -> Self {
        let api = api.trim();
        if api.is_empty() {
            return Self::Configure;
        }
        match Apis::new(&state.store).row(actor, api).await {
            Ok(row) => Self::Api(row.id),
            Err(_) => Self::Configure,
        }
    }

    fn page(&self, account_id: &str) -> String {
        match self {
            Self::Configure => app::routes::integration_configure(account_id),
            Self::Api(id) => {
                app::routes::api_repository_with(id, &[(api_sync_fields::ACCOUNT, account_id)])
            }
        }
    }

    /// The Authenticate page to show again after a refusal.
    fn authenticate_page(&self) -> String {
        match self {
            Self::Configure => AUTHENTICATE_PAGE.to_owned(),
            Self::Api(id) => app::routes::authenticate_for_api(id),
        }
    }

    /// The last sentence of the notice: what to do next.
    fn step(&self) -> &'static str {
        match self {
            Self::Configure => "Now choose what to back up and where.",
            Self::Api(_) => "Now choose the repository to connect this API to.",
        }
    }

    fn api(&self) -> Option<String> {
        match self {
            Self::Configure => None,
            Self::Api(id) => Some(id.clone()),
        }
    }
}

fn reauthenticate_page(account_id: &str) -> String {
    app::routes::account_reauthenticate(account_id)
}

/// The Authenticate form (and Re-authenticate's, which has no `account` or `label`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CredentialForm {
    /// `saved`, `api_token` or `app_password`.
    #[serde(default)]
    method: String,
    /// The saved account chosen (method `saved`).
    #[serde(default)]
    account: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    email: String,
    /// Secrets are `secrecy` types from the moment the form is read: `Debug` redacts them.
    #[serde(default)]
    api_token: Option<SecretString>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    app_password: Option<SecretString>,
    /// The API whose Connect form sent the person here (`?api=`), to return to.
    #[serde(default)]
    api: String,
}

impl CredentialForm {
    /// What the form shows again after a refusal: everything but the secrets (and the saved
    /// account's id, which may not be this team's: the page offers the team's own again).
    fn values(&self) -> Vec<(String, String)> {
        [
            ("method", &self.method),
            ("label", &self.label),
            ("email", &self.email),
            ("username", &self.username),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.clone()))
        .collect()
    }

    /// The new credential typed in; `None` for a saved account.
    fn credential(&self) -> Result<Option<Credential>, Refusal> {
        let secret = |typed: &Option<SecretString>| {
            SecretString::from(
                typed
                    .as_ref()
                    .map_or("", |s| s.expose_secret().trim())
                    .to_owned(),
            )
        };
        let credential =
            match self.method.as_str() {
                "saved" => return Ok(None),
                "" | "api_token" => Credential::ApiToken {
                    email: self.email.trim().to_owned(),
                    token: secret(&self.api_token),
                },
                "app_password" => Credential::AppPassword {
                    username: self.username.trim().to_owned(),
                    password: secret(&self.app_password),
                },
                _ => return Err(refused_field(
                    "method",
                    "choose Email and API token, Username and App password, or a connected account",
                )),
            };
        check_credential(&credential).map_err(Refusal::from)?;
        Ok(Some(credential))
    }
}

/// A refused field of these forms, named as the form labels it.
fn refused_field(field: &str, message: &str) -> Refusal {
    Refusal::field(field, field_label(field), message)
}

/// Bitbucket's answer to a verification, on the field it is about.
fn bitbucket_refusal(error: BitbucketError, method: AuthMethod) -> Refusal {
    // The secret is what to fix when Bitbucket refused it or it lacks a scope.
    let about_the_secret = error.is_auth() || matches!(error, BitbucketError::MissingScope { .. });
    let field = match method {
        AuthMethod::ApiToken if about_the_secret => Some("api_token"),
        AuthMethod::AppPassword if about_the_secret => Some("app_password"),
        _ => None,
    };
    if error.is_retryable() {
        tracing::warn!(%error, "verifying a credential: Bitbucket did not answer");
    } else {
        tracing::info!(%error, "Bitbucket refused a credential");
    }
    Refusal {
        field: field.map(str::to_owned),
        ..Refusal::message(sentence(&format!("Authentication failed: {error}")))
    }
}

/// How the connected-account forms refuse: as every form does, a role's refusal as a
/// sentence; a credential that cannot be opened says what to do about it.
impl From<ConnectedAccountError> for Refusal {
    fn from(error: ConnectedAccountError) -> Self {
        match error {
            ConnectedAccountError::Forbidden(_) | ConnectedAccountError::NotUsable(_) => {
                Refusal::status(StatusCode::FORBIDDEN, sentence(&error.to_string()))
            }
            ConnectedAccountError::Crypto(_) => Refusal::message(sentence(&format!(
                "{error}; re-authenticate the account (the operator may have removed the key it was sealed with)"
            ))),
            other => Refusal::from_domain(other, field_label),
        }
    }
}

fn field_label(field: &str) -> &str {
    match field {
        "method" => "Authentication",
        "account" => "Connected account",
        "label" => "Label",
        "email" => "Email",
        "api_token" => "API token",
        "username" => "Username",
        "app_password" => "App password",
        other => other,
    }
}

/// Starts with a capital and ends with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

fn identity(verified: &VerifiedAccount) -> VerifiedIdentity {
    VerifiedIdentity {
        display_name: verified.display_name.clone(),
        username: verified.username.clone(),
        user_uuid: verified.uuid.clone(),
    }
}

/// Refused before anything is sent to Bitbucket, in the words of the step it stops.
fn require_connect(actor: &Actor) -> Result<(), Refusal> {
    actor
        .require(Permission::CreateIntegrations)
        .map_err(|forbidden| {
            Refusal::status(
                StatusCode::FORBIDDEN,
                format!(
                    "Your role ({}) does not allow connecting Bitbucket accounts; an editor or admin can.",
                    forbidden.role
                ),
            )
        })
}

/// A label no account of the team has: the one typed, or "<display name> (<method>)" made
/// unique with a number.
async fn label_for(
    accounts: &ConnectedAccounts<'_>,
    actor: &Actor,
    typed: &str,
    method: AuthMethod,
    verified: &VerifiedAccount,
) -> Result<String, Refusal> {
    if !typed.trim().is_empty() {
        return Ok(typed.trim().to_owned());
    }
    let taken: Vec<String> = accounts
        .list(actor)
        .await
        .map_err(Refusal::from)?
        .into_iter()
        .map(|a| a.label)
        .collect();
    let short = match method {
        AuthMethod::ApiToken => "API token",
        AuthMethod::AppPassword => "app password",
        AuthMethod::OAuth => "OAuth",
    };
    let name = if verified.display_name.trim().is_empty() {
        &verified.username
    } else {
        &verified.display_name
    };
    let base: String = format!("{} ({short})", name.trim())
        .chars()
        .take(60)
        .collect();
    Ok((1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base} {n}")
            }
        })
        .find(|label| !taken.contains(label))
        .unwrap_or(base))
}

/// Saves a verified credential as a new account of the team.
async fn connect(
    state: &AppState,
    actor: &Actor,
    typed_label: &str,
    credential: &Credential,
    verified: &VerifiedAccount,
) -> Result<ConnectedAccount, Refusal> {
    let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
    let label = label_for(&accounts, actor, typed_label, credential.method(), verified).await?;
    Ok(accounts
        .create(actor, &label, credential, &identity(verified))
        .await?)
}

fn connected_notice(account: &ConnectedAccount, next: &Next) -> String {
    format!(
        "Authenticated: “{}” is {} ({}) on Bitbucket. {}",
        account.label,
        account.display_name,
        account.login,
        next.step()
    )
}

/// `POST /integrations/bitbucket/authenticate`: Authenticate and Proceed.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<CredentialForm>,
) -> Response {
    let next = Next::from_form(&state, &actor, &form.api).await;
    match authenticate_with(&state, &actor, &form, &next).await {
        Ok((account, notice)) => {
            flash_notice(&session, notice).await;
            Redirect::to(&next.page(&account)).into_response()
        }
        Err(refusal) => {
            refusal
                .back_to_form(&session, &next.authenticate_page(), form.values())
                .await
        }
    }
}

/// The account to configure with, and what to tell the person.
async fn authenticate_with(
    state: &AppState,
    actor: &Actor,
    form: &CredentialForm,
    next: &Next,
) -> Result<(String, String), Refusal> {
    require_connect(actor)?;
    let Some(credential) = form.credential()? else {
        return saved_account(state, actor, &form.account, next).await;
    };
    let verified = state
        .bitbucket
        .verify(&credential)
        .await
        .map_err(|e| bitbucket_refusal(e, credential.method()))?;
    let account = connect(state, actor, &form.label, &credential, &verified).await?;
    Ok((account.id.clone(), connected_notice(&account, next)))
}

/// A saved account is checked against Bitbucket too, so an expired token shows up here and not
/// as a failing backup later; only an account the person may use is (theirs, or shared).
async fn saved_account(
    state: &AppState,
    actor: &Actor,
    id: &str,
    next: &Next,
) -> Result<(String, String), Refusal> {
    let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
    let account = match accounts.get_usable(actor, id.trim()).await {
        Err(ConnectedAccountError::NotFound) => {
            return Err(refused_field(
                "account",
                "choose one of this team's connected accounts, or connect a new one",
            ))
        }
        other => other?,
    };
    let credential = state
        .sync
        .destination()
        .fresh_credential(&actor.team_id, &account.id)
        .await
        .map_err(|error| match error.kind() {
            ErrorKind::Internal => Refusal::internal(&error),
            _ => Refusal::message(sentence(&format!(
                "“{}” cannot be used: {error}; re-authenticate it under Connected accounts",
                account.label
            ))),
        })?;
    if let Err(error) = state.bitbucket.verify(&credential).await {
        let Refusal { message, .. } = bitbucket_refusal(error, account.method);
        return Err(Refusal {
            field: Some("account".to_owned()),
            ..Refusal::message(format!(
                "{message} Re-authenticate “{}” under Connected accounts.",
                account.label
            ))
        });
    }
    Ok((
        account.id.clone(),
        format!(
            "Using “{}” ({}). {}",
            account.label,
            account.display_name,
            next.step()
        ),
    ))
}

/// What the browser carries through Bitbucket's consent page, kept in the session.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OAuthPending {
    state: String,
    team_id: String,
    /// The account being re-authenticated; `None` when connecting a new one.
    account: Option<String>,
    /// The API whose Connect form started it (a team's API, checked at the start).
    #[serde(default)]
    api: Option<String>,
    label: String,
    started_at_ms: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct OAuthStart {
    #[serde(default)]
    account: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    api: String,
}

/// `POST /integrations/bitbucket/oauth/start`: Connect with Bitbucket.
pub async fn oauth_start(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<OAuthStart>,
) -> Response {
    let next = Next::from_form(&state, &actor, &form.api).await;
    let back = if form.account.is_empty() {
        next.authenticate_page()
    } else {
        reauthenticate_page(&form.account)
    };
    match oauth_authorize_url(&state, &session, &actor, &form, &next).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(refusal) => {
            let values = vec![("label".to_owned(), form.label.clone())];
            refusal.back_to_form(&session, &back, values).await
        }
    }
}

async fn oauth_authorize_url(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    form: &OAuthStart,
    next: &Next,
) -> Result<String, Refusal> {
    require_connect(actor)?;
    let account = match form.account.trim() {
        "" => None,
        id => {
            // Re-authenticating: the account must be the team's and the actor allowed to.
            let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
            let account = accounts.get(actor, id).await?;
            if !ferry_domain::connected_accounts::may_manage(actor, &account) {
                return Err(ConnectedAccountError::from(Forbidden {
                    role: actor.role,
                    needed: Permission::ManageCredentials.description(),
                })
                .into());
            }
            Some(account.id)
        }
    };
    // 43 alphanumerics from the thread's CSPRNG: over 256 bits, unguessable, used once.
    let nonce: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect();
    let url = state
        .bitbucket
        .authorize_url(&nonce)
        .map_err(|e| Refusal::message(sentence(&e.to_string())))?;
    let pending = OAuthPending {
        state: nonce,
        team_id: actor.team_id.clone(),
        account,
        api: next.api(),
        label: form.label.trim().to_owned(),
        started_at_ms: now_ms(),
    };
    session
        .insert(OAUTH_PENDING, pending)
        .await
        .map_err(|error| Refusal::internal(&error))?;
    Ok(url.to_string())
}

#[derive(Debug, Default, Deserialize)]
pub struct OAuthCallback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

/// `GET /integrations/bitbucket/oauth/callback`: Bitbucket sends the browser back here.
pub async fn oauth_callback(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Query(callback): Query<OAuthCallback>,
) -> Response {
    let pending: Option<OAuthPending> = session.remove(OAUTH_PENDING).await.ok().flatten();
    let back = match pending.as_ref() {
        Some(OAuthPending {
            account: Some(account),
            ..
        }) => reauthenticate_page(account),
        Some(OAuthPending { api: Some(api), .. }) => app::routes::authenticate_for_api(api),
        _ => AUTHENTICATE_PAGE.to_owned(),
    };
    match oauth_finish(&state, &actor, pending, &callback).await {
        Ok((page, notice)) => {
            flash_notice(&session, notice).await;
            Redirect::to(&page).into_response()
        }
        Err(refusal) => refusal.back_to_form(&session, &back, Vec::new()).await,
    }
}

/// Where to go next and what to say, once the callback is checked and the code traded.
async fn oauth_finish(
    state: &AppState,
    actor: &Actor,
    pending: Option<OAuthPending>,
    callback: &OAuthCallback,
) -> Result<(String, String), Refusal> {
    let matches = pending.as_ref().is_some_and(|p| {
        constant_time_eq(p.state.as_bytes(), callback.state.as_bytes())
            && p.team_id == actor.team_id
            && now_ms() - p.started_at_ms < OAUTH_STATE_TTL_MS
    });
    let Some(pending) = pending.filter(|_| matches) else {
        return Err(Refusal::message(
            "Connect with Bitbucket could not be finished: this answer does not belong to a request of this browser \
             (it expired after 15 minutes, or came from elsewhere). Nothing was saved; select Connect with Bitbucket again."
                .to_owned(),
        ));
    };
    if !callback.error.is_empty() || callback.code.is_empty() {
        let reason = if callback.error.is_empty() {
            "no authorization code"
        } else {
            callback.error.as_str()
        };
        return Err(Refusal::message(format!(
            "Bitbucket did not grant access ({reason}). Nothing was saved."
        )));
    }
    let credential = state
        .bitbucket
        .exchange_code(&callback.code)
        .await
        .map_err(|e| bitbucket_refusal(e, AuthMethod::OAuth))?;
    let verified = state
        .bitbucket
        .verify(&credential)
        .await
        .map_err(|e| bitbucket_refusal(e, AuthMethod::OAuth))?;
    match pending.account {
        None => {
            let next = match pending.api {
                Some(api) => Next::Api(api),
                None => Next::Configure,
            };
            let account = connect(state, actor, &pending.label, &credential, &verified).await?;
            Ok((next.page(&account.id), connected_notice(&account, &next)))
        }
        Some(id) => {
            let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
            let account = accounts
                .reauthenticate(actor, &id, &credential, &identity(&verified))
                .await?;
            Ok((ACCOUNTS_PAGE.to_owned(), reauthenticated_notice(&account)))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn reauthenticated_notice(account: &ConnectedAccount) -> String {
    let uses = match account.integration_count {
        0 => "No integration uses it yet.".to_owned(),
        1 => "Its integration uses the new credential from now on.".to_owned(),
        n => format!("Its {n} integrations use the new credential from now on."),
    };
    format!(
        "Re-authenticated “{}” as {} ({}). {uses}",
        account.label, account.display_name, account.login
    )
}

/// `POST /integrations/accounts/{id}/reauthenticate`: replaces the secret in place.
pub async fn reauthenticate(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CredentialForm>,
) -> Response {
    match reauthenticate_with(&state, &actor, &id, &form).await {
        Ok(account) => {
            flash_notice(&session, reauthenticated_notice(&account)).await;
            Redirect::to(ACCOUNTS_PAGE).into_response()
        }
        Err(refusal) => {
            let page = reauthenticate_page(&id);
            refusal.back_to_form(&session, &page, form.values()).await
        }
    }
}

async fn reauthenticate_with(
    state: &AppState,
    actor: &Actor,
    id: &str,
    form: &CredentialForm,
) -> Result<ConnectedAccount, Refusal> {
    let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
    let current = accounts.get(actor, id).await?;
    if !ferry_domain::connected_accounts::may_manage(actor, &current) {
        return Err(ConnectedAccountError::from(Forbidden {
            role: actor.role,
            needed: Permission::ManageCredentials.description(),
        })
        .into());
    }
    let Some(credential) = form.credential()? else {
        return Err(refused_field(
            "method",
            "choose Email and API token or Username and App password",
        ));
    };
    let verified = state
        .bitbucket
        .verify(&credential)
        .await
        .map_err(|e| bitbucket_refusal(e, credential.method()))?;
    Ok(accounts
        .reauthenticate(actor, id, &credential, &identity(&verified))
        .await?)
}

/// `POST /integrations/accounts/{id}/delete` (the page before it shows what uses the account).
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let accounts = ConnectedAccounts::new(&state.store, &state.keyring);
    let deleted = match accounts.get(&actor, &id).await {
        Ok(account) => accounts.delete(&actor, &id).await.map(|()| account),
        Err(error) => Err(error),
    };
    match deleted {
        Ok(account) => {
            let stopped = match account.integration_count {
                0 => String::new(),
                1 => " Its integration needs another account: edit it.".to_owned(),
                n => format!(" Its {n} integrations need another account: edit them."),
            };
            flash_notice(&session, format!("Connected account “{}” deleted; Ferry no longer holds its credential.{stopped}", account.label)).await;
            Redirect::to(ACCOUNTS_PAGE).into_response()
        }
        Err(error) => {
            Refusal::from(error)
                .back_to_form(&session, ACCOUNTS_PAGE, Vec::new())
                .await
        }
    }
}

/// The Share toggle of Connected accounts: `shared` is `true` or `false`.
#[derive(Debug, Default, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    shared: String,
}

/// `POST /integrations/accounts/{id}/share`: shares the account with the team (any editor may
/// then use it for integrations) or takes it back; its creator or an admin decides (audited).
pub async fn share(
    State(state): State<AppState>,
    session: Session,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> Response {
    let shared = match form.shared.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Refusal::message("Shared with the team: choose Share or Stop sharing.")
                .back(&session, ACCOUNTS_PAGE, Flash::default())
                .await
        }
    };
    match ConnectedAccounts::new(&state.store, &state.keyring)
        .set_shared(&actor, &id, shared)
        .await
    {
        Ok(account) => {
            let notice = match shared {
                true => format!(
                    "“{}” is shared with the team: every editor may now use it for integrations.",
                    account.label
                ),
                false => format!(
                    "“{}” is no longer shared: only its creator and admins may use it for new integrations; \
                     integrations already using it keep working.",
                    account.label
                ),
            };
            flash_notice(&session, notice).await;
            Redirect::to(ACCOUNTS_PAGE).into_response()
        }
        Err(error) => {
            Refusal::from(error)
                .back(&session, ACCOUNTS_PAGE, Flash::default())
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn values_kept_after_a_refusal_never_include_secrets() {
        let form = CredentialForm {
            method: "api_token".into(),
            email: "a@example.com".into(),
            api_token: Some(secret("ATATT-secret")),
            app_password: Some(secret("hunter2")),
            ..CredentialForm::default()
        };
        let kept = format!("{:?}", form.values());
        assert!(kept.contains("a@example.com"));
        assert!(
            !kept.contains("ATATT-secret") && !kept.contains("hunter2"),
            "{kept}"
        );
        let debugged = format!("{form:?}");
        assert!(
            !debugged.contains("ATATT-secret") && !debugged.contains("hunter2"),
            "{debugged}"
        );
    }

    #[test]
    fn typed_credentials_are_checked_before_bitbucket_is_asked() {
        let form = CredentialForm {
            method: "api_token".into(),
            email: "me".into(),
            api_token: Some(secret("t")),
            ..Default::default()
        };
        assert_eq!(
            form.credential().unwrap_err().field.as_deref(),
            Some("email")
        );
        let form = CredentialForm {
            method: "app_password".into(),
            username: "me".into(),
            ..Default::default()
        };
        assert_eq!(
            form.credential().unwrap_err().field.as_deref(),
            Some("app_password")
        );
        let form = CredentialForm {
            method: "telepathy".into(),
            ..Default::default()
        };
        assert_eq!(
            form.credential().unwrap_err().field.as_deref(),
            Some("method")
        );
        let form = CredentialForm {
            method: "saved".into(),
            account: "x".into(),
            ..Default::default()
        };
        assert!(form.credential().unwrap().is_none());
    }

    #[test]
    fn sentences_are_capitalised_and_closed() {
        assert_eq!(sentence("the token has expired"), "The token has expired.");
        assert_eq!(sentence("Done."), "Done.");
    }

    #[test]
    fn states_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
