//! Team settings' POST targets: members' roles and removal, invite links, API keys. Each
//! acts in the session's current team only and answers with a redirect back to its page
//! carrying a one-time message; an id that is not in the current team answers 404.

use app::{flash::Flash, routes, session};
use axum::{
    extract::{Form, State},
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::{
    accounts::{key_expiry, AccountError, Accounts, Actor},
    auth::Role,
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    account_forms::{flash_notice, refusal},
    client_addr::ClientAddr,
    signed_in::SignedIn,
    AppState,
};

const MEMBERS: &str = routes::TEAM_MEMBERS;
const API_KEYS: &str = routes::TEAM_API_KEYS;

#[derive(Deserialize)]
pub struct RoleChange {
    user_id: String,
    role: String,
}

#[derive(Deserialize)]
pub struct MemberChoice {
    user_id: String,
}

#[derive(Deserialize)]
pub struct InviteRole {
    role: String,
}

#[derive(Deserialize)]
pub struct InviteChoice {
    invite_id: String,
}

#[derive(Deserialize)]
pub struct InviteLink {
    token: String,
}

#[derive(Deserialize)]
pub struct NewKey {
    name: String,
    role: String,
    #[serde(default)]
    expires_in_days: String,
}

#[derive(Deserialize)]
pub struct KeyChoice {
    key_id: String,
}

fn parse_role(raw: &str) -> Result<Role, AccountError> {
    Ok(raw.parse::<Role>()?)
}

/// Back to `page` with the notice, or with the error.
async fn answer(session: &Session, page: &str, result: Result<String, AccountError>) -> Response {
    match result {
        Ok(notice) => {
            flash_notice(session, notice).await;
            Redirect::to(page).into_response()
        }
        Err(error) => refusal(error).back(session, page, Flash::default()).await,
    }
}

/// Back to `page` showing a secret once (a new invite link or API key), kept sealed in the
/// session until then. The page shows it rather than this response: posts answer with a
/// redirect, so reloading the page never posts again and makes a second key.
pub(super) async fn reveal(
    state: &AppState,
    session: &Session,
    actor: &Actor,
    page: &str,
    notice: String,
    secret: &str,
) -> Response {
    let flash = Flash {
        notice: Some(notice),
        ..Flash::default()
    };
    match session::reveal_once(session, &state.keyring, &actor.user_id, flash, secret).await {
        Ok(()) => Redirect::to(page).into_response(),
        Err(error) => {
            tracing::error!(%error, "a one-time secret could not be kept for its page");
            let message =
                "It was created but could not be shown; revoke it and create another.".to_owned();
            session::set_flash(
                session,
                Flash {
                    error: Some(message),
                    ..Flash::default()
                },
            )
            .await;
            Redirect::to(page).into_response()
        }
    }
}

pub async fn change_role(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<RoleChange>,
) -> Response {
    let result = match parse_role(&form.role) {
        Ok(role) => Accounts::new(&state.store)
            .change_role(&actor, &form.user_id, role, &client)
            .await
            .map(|()| format!("Role changed to {role}.")),
        Err(error) => Err(error),
    };
    answer(&session, MEMBERS, result).await
}

pub async fn remove_member(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<MemberChoice>,
) -> Response {
    let result = Accounts::new(&state.store)
        .remove_member(&actor, &form.user_id, &client)
        .await;
    if result.is_ok() && form.user_id == actor.user_id {
        // Left the team: the session falls back to another team of theirs.
        return answer(
            &session,
            "/",
            Ok(format!("You left “{}”.", actor.team_name)),
        )
        .await;
    }
    answer(
        &session,
        MEMBERS,
        result.map(|()| "Member removed.".to_owned()),
    )
    .await
}

pub async fn create_invite(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<InviteRole>,
) -> Response {
    let result = match parse_role(&form.role) {
        Ok(role) => Accounts::new(&state.store)
            .create_invite(&actor, role, &client)
            .await
            .map(|i| (role, i)),
        Err(error) => Err(error),
    };
    match result {
        Ok((role, invite)) => {
            let notice = format!(
                "Invite link created: one person can join as {role} with it within 7 days. \
                 Copy it now and send it to them; it is not shown again."
            );
            let link = format!(
                "{}/invite/{}",
                state.config.public_url,
                invite.token.expose_secret()
            );
            reveal(&state, &session, &actor, MEMBERS, notice, &link).await
        }
        Err(error) => {
            refusal(error)
                .back(&session, MEMBERS, Flash::default())
                .await
        }
    }
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<InviteChoice>,
) -> Response {
    let result = Accounts::new(&state.store)
        .revoke_invite(&actor, &form.invite_id, &client)
        .await;
    answer(
        &session,
        MEMBERS,
        result.map(|()| "Invite link revoked; it no longer works.".to_owned()),
    )
    .await
}

/// Accepting needs a signed-in person: anyone else signs in (or up) first and comes back.
pub async fn accept_invite(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    Form(form): Form<InviteLink>,
) -> Response {
    let link = invite_path(&form.token);
    let Some(actor) = session::actor(&state.store, &session).await else {
        return Redirect::to(&routes::with_next(routes::SIGN_IN, &link)).into_response();
    };
    match Accounts::new(&state.store)
        .accept_invite(&actor, &form.token, &client)
        .await
    {
        Ok(offer) => {
            let _ = session::set_team(&session, &offer.team_id).await;
            answer(
                &session,
                "/",
                Ok(format!(
                    "You joined “{}” as {}.",
                    offer.team_name, offer.role
                )),
            )
            .await
        }
        Err(error) => refusal(error).back(&session, &link, Flash::default()).await,
    }
}

/// The invite page of a token; a token that could not be in a link leads to one that says so.
fn invite_path(token: &str) -> String {
    if !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        routes::invite(token)
    } else {
        routes::INVITE_INVALID.to_owned()
    }
}

pub async fn create_api_key(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<NewKey>,
) -> Response {
    let accounts = Accounts::new(&state.store);
    let result = match (parse_role(&form.role), key_expiry(&form.expires_in_days)) {
        (Ok(role), Ok(expiry)) => {
            accounts
                .create_api_key(&actor, &form.name, role, expiry, &client)
                .await
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    match result {
        Ok((_, key)) => {
            let notice = format!(
                "API key “{}” created. Copy it now; it is not shown again.",
                form.name.trim()
            );
            reveal(
                &state,
                &session,
                &actor,
                API_KEYS,
                notice,
                key.expose_secret(),
            )
            .await
        }
        Err(error) => {
            refusal(error)
                .back(&session, API_KEYS, Flash::default())
                .await
        }
    }
}

pub async fn revoke_api_key(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    SignedIn(actor): SignedIn,
    Form(form): Form<KeyChoice>,
) -> Response {
    let result = Accounts::new(&state.store)
        .revoke_api_key(&actor, &form.key_id, &client)
        .await;
    let notice = "API key revoked; requests with it are refused from now on.";
    answer(&session, API_KEYS, result.map(|()| notice.to_owned())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_link_shaped_tokens_make_a_path() {
        assert_eq!(invite_path("abc123XYZ"), "/invite/abc123XYZ");
        assert_eq!(invite_path("../signout"), "/invite/invalid");
        assert_eq!(invite_path("a?b"), "/invite/invalid");
        assert_eq!(invite_path(""), "/invite/invalid");
    }
}
