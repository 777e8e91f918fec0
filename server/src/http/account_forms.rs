//! The account forms' POST targets: sign up, sign in, sign out, teams. Each answers with a
//! redirect (post/redirect/get); failures carry their message and the typed email back to
//! the form as a one-time flash. Passwords are never echoed, logged or kept.

use app::{flash::Flash, routes, session};
use axum::{
    extract::{Form, State},
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::accounts::{AccountError, Accounts, NewSession, SignUp, SignedUp};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    client_addr::ClientAddr,
    refusal::{as_posted, Refusal},
    AppState,
};

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: SecretString,
    #[serde(default)]
    next: Option<String>,
}

/// The sign-up form: credentials, and the invite link's token when they came through one.
#[derive(Deserialize)]
pub struct SignUpForm {
    email: String,
    password: SecretString,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    invite: Option<String>,
}

#[derive(Deserialize)]
pub struct TeamName {
    name: String,
}

#[derive(Deserialize)]
pub struct TeamChoice {
    team_id: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    Form(form): Form<SignUpForm>,
) -> Response {
    let invite = form
        .invite
        .as_deref()
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let sign_up = SignUp {
        email: &form.email,
        password: form.password,
        invite,
    };
    let outcome = Accounts::new(&state.store)
        .sign_up(sign_up, state.config.security.signup, &client)
        .await;
    match outcome {
        // Joined through the invite: on to the team, not back to the (now used) link.
        Ok(SignedUp {
            session: signed_in,
            joined: Some(team),
        }) => match session::begin(&session, &signed_in).await {
            Ok(()) => {
                flash_notice(
                    &session,
                    format!("Welcome! You joined “{}” as {}.", team.team_name, team.role),
                )
                .await;
                Redirect::to(routes::HOME).into_response()
            }
            Err(error) => {
                retry_later(
                    &with_next(routes::SIGN_UP, form.next.as_deref()),
                    &session,
                    &form.email,
                    error.to_string(),
                )
                .await
            }
        },
        other => {
            let outcome = other.map(|signed_up| signed_up.session);
            start_session(
                routes::SIGN_UP,
                &session,
                &form.email,
                form.next.as_deref(),
                outcome,
            )
            .await
        }
    }
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    Form(form): Form<Credentials>,
) -> Response {
    let outcome = Accounts::new(&state.store)
        .sign_in(&form.email, form.password, &client)
        .await;
    start_session(
        routes::SIGN_IN,
        &session,
        &form.email,
        form.next.as_deref(),
        outcome,
    )
    .await
}

/// After sign-up or sign-in: a session and on to `next`, or back to the form with the reason.
async fn start_session(
    form_path: &str,
    session: &Session,
    email: &str,
    next: Option<&str>,
    outcome: Result<NewSession, AccountError>,
) -> Response {
    let back = with_next(form_path, next);
    match outcome {
        Ok(signed_in) => match session::begin(session, &signed_in).await {
            Ok(()) => Redirect::to(safe_next(next)).into_response(),
            Err(error) => retry_later(&back, session, email, error.to_string()).await,
        },
        Err(error) => back_with_email(&back, session, email, error).await,
    }
}

pub async fn sign_out(session: Session) -> Response {
    let _ = session::end(&session).await;
    Redirect::to(routes::SIGN_IN).into_response()
}

pub async fn sign_out_everywhere(State(state): State<AppState>, session: Session) -> Response {
    if let Some(actor) = session::actor(&state.store, &session).await {
        if let Err(error) = Accounts::new(&state.store)
            .sign_out_everywhere(&actor)
            .await
        {
            tracing::error!(%error, "sign out everywhere failed");
        }
    }
    let _ = session::end(&session).await;
    Redirect::to(routes::SIGN_IN).into_response()
}

pub async fn create_team(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    Form(form): Form<TeamName>,
) -> Response {
    let Some(actor) = session::actor(&state.store, &session).await else {
        return Redirect::to(routes::SIGN_IN).into_response();
    };
    match Accounts::new(&state.store)
        .create_team(&actor, &form.name, &client)
        .await
    {
        Ok(team_id) => {
            let _ = session::set_team(&session, &team_id).await;
            flash_notice(
                &session,
                format!("Team “{}” created. You are its admin.", form.name.trim()),
            )
            .await;
            Redirect::to(routes::HOME).into_response()
        }
        Err(error) => {
            refusal(error)
                .back(&session, routes::TEAMS_NEW, Flash::default())
                .await
        }
    }
}

pub async fn switch_team(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<TeamChoice>,
) -> Response {
    let Some(actor) = session::actor(&state.store, &session).await else {
        return Redirect::to(routes::SIGN_IN).into_response();
    };
    match Accounts::new(&state.store)
        .switch_team(&actor, &form.team_id)
        .await
    {
        Ok(actor) => {
            let _ = session::set_team(&session, &actor.team_id).await;
            Redirect::to(routes::HOME).into_response()
        }
        Err(error) => refusal(error).back(&session, "/", Flash::default()).await,
    }
}

/// The form's page again, still carrying where to go afterwards (only plain same-site paths,
/// which need no escaping in a query).
fn with_next(form: &str, next: Option<&str>) -> String {
    match next {
        Some(next)
            if safe_next(Some(next)) == next
                && next
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b)) =>
        {
            routes::with_next(form, next)
        }
        _ => form.to_owned(),
    }
}

/// Where to go after signing in: `next` if it is a path on this site, else Home. An
/// attacker's link must not bounce a fresh sign-in elsewhere, so `next` must start with one
/// `/` (no scheme, no authority) and hold only visible ASCII without backslashes, also once
/// percent-decoded: browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil.example`
/// or `/\evil.example` would leave the site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if is_same_site_path(path) => path,
        _ => "/",
    }
}

fn is_same_site_path(path: &str) -> bool {
    let decoded = percent_decoded(path.as_bytes());
    let single_slash = |bytes: &[u8]| {
        bytes.first() == Some(&b'/') && !matches!(bytes.get(1).copied(), Some(b'/' | b'\\'))
    };
    single_slash(path.as_bytes())
        && single_slash(&decoded)
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && decoded.iter().all(|&b| !b.is_ascii_control() && b != b'\\')
        && path.parse::<http::uri::PathAndQuery>().is_ok()
}

/// `%XX` escapes decoded once; anything else kept as it is.
fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high << 4) | low);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Back to `to` with the refusal, keeping the typed email (if any).
async fn back_with_email(
    to: &str,
    session: &Session,
    email: &str,
    error: AccountError,
) -> Response {
    let email = (!email.is_empty()).then(|| email.trim().to_owned());
    refusal(error)
        .back(
            session,
            to,
            Flash {
                email,
                ..Flash::default()
            },
        )
        .await
}

/// How the account and team forms refuse: as every form does, except that a role's refusal
/// goes back to the form's page too, which says so (these pages are open to every role).
pub(super) fn refusal(error: AccountError) -> Refusal {
    match error {
        AccountError::Forbidden(forbidden) => Refusal::message(forbidden.to_string()),
        other => Refusal::from_domain(other, as_posted),
    }
}

async fn retry_later(to: &str, session: &Session, email: &str, error: String) -> Response {
    tracing::error!(%error, "session could not be saved");
    let flash = Flash {
        error: Some("Could not start your session; try again in a moment.".into()),
        email: Some(email.trim().to_owned()),
        ..Flash::default()
    };
    session::set_flash(session, flash).await;
    Redirect::to(to).into_response()
}

pub(super) async fn flash_notice(session: &Session, notice: String) {
    session::set_flash(
        session,
        Flash {
            notice: Some(notice),
            ..Flash::default()
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/collections")), "/collections");
        assert_eq!(safe_next(Some("/collections?x=1")), "/collections?x=1");
        assert_eq!(safe_next(Some("/invite/abc123")), "/invite/abc123");
        assert_eq!(safe_next(Some("/search?q=a%20b")), "/search?q=a%20b");
        for attack in [
            "//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\\evil.example",
            "/%5cevil.example",
            "/%5Cevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D/evil.example",
            "/%00/evil.example",
            "/%2f/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(attack)), "/", "{attack:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn forms_keep_a_plain_next_only() {
        assert_eq!(
            with_next("/signin", Some("/invite/abc123")),
            "/signin?next=/invite/abc123"
        );
        assert_eq!(with_next("/signin", Some("//evil.example")), "/signin");
        assert_eq!(with_next("/signin", Some("/a?b=c&d")), "/signin");
        assert_eq!(with_next("/signup", None), "/signup");
    }
}
