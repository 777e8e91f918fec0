//! What the session cookie stands for, on the server: who signed in, their current team,
//! and a one-time message for the next page. Shared by pages, server functions and the
//! server's form handlers so the keys are defined once.

use ferry_domain::{
    accounts::{Accounts, Actor, NewSession},
    crypto::{Keyring, SecretContext},
    store::now_ms,
    Store,
};
use secrecy::{ExposeSecret, SecretSlice};
use tower_sessions::Session;

use crate::flash::Flash;

const USER_ID: &str = "user_id";
const TEAM_ID: &str = "team_id";
const EPOCH: &str = "session_epoch";
const SIGNED_IN_AT_MS: &str = "signed_in_at_ms";
const FLASH: &str = "flash";
const SEALED_SECRET: &str = "sealed_secret";
/// What a one-time secret in a session is sealed for (with the user's id).
const SECRET_PURPOSE: &str = "session.one_time_secret";

/// A session older than this is void however active it was (the idle limit is the cookie's).
pub const ABSOLUTE_TIMEOUT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Marks the session signed in, under a fresh id so a planted id is worthless.
pub async fn begin(
    session: &Session,
    signed_in: &NewSession,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(USER_ID, &signed_in.user_id).await?;
    session.insert(TEAM_ID, &signed_in.team_id).await?;
    session.insert(EPOCH, signed_in.session_epoch).await?;
    session.insert(SIGNED_IN_AT_MS, now_ms()).await?;
    Ok(())
}

pub async fn end(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

pub async fn set_team(
    session: &Session,
    team_id: &str,
) -> Result<(), tower_sessions::session::Error> {
    session.insert(TEAM_ID, team_id).await
}

/// The signed-in actor in their current team, or `None` when signed out or expired.
pub async fn actor(store: &Store, session: &Session) -> Option<Actor> {
    let user_id: String = session.get(USER_ID).await.ok()??;
    let team_id: String = session.get(TEAM_ID).await.ok()?.unwrap_or_default();
    let epoch: i64 = session.get(EPOCH).await.ok()?.unwrap_or_default();
    let signed_in_at: i64 = session.get(SIGNED_IN_AT_MS).await.ok()?.unwrap_or_default();
    if now_ms() - signed_in_at > ABSOLUTE_TIMEOUT_MS {
        let _ = session.flush().await;
        return None;
    }
    match Accounts::new(store)
        .session_actor(&user_id, &team_id, epoch)
        .await
    {
        Ok(Some(actor)) => Some(actor),
        Ok(None) => {
            let _ = session.flush().await;
            None
        }
        Err(error) => {
            tracing::error!(%error, "resolving the session failed");
            None
        }
    }
}

/// For a server function: the store, and the signed-in actor if there is one.
pub async fn server_fn_actor() -> Result<(Store, Option<Actor>), leptos::prelude::ServerFnError> {
    use leptos::prelude::{use_context, ServerFnError};

    let store =
        use_context::<Store>().ok_or_else(|| ServerFnError::new("the store is not in context"))?;
    let session: Session = leptos_axum::extract().await?;
    let actor = actor(&store, &session).await;
    Ok((store, actor))
}

/// A stored time (Unix milliseconds) as people read it, in UTC: "2026-05-04 13:07 UTC".
pub fn when(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "unknown".to_owned(),
    }
}

/// How long ago `ms` was, as people say it: "just now", "5 minutes ago", "3 days ago".
pub fn ago(ms: i64, now_ms: i64) -> String {
    let seconds = (now_ms - ms).max(0) / 1000;
    let (count, unit) = match seconds {
        0..=59 => return "just now".to_owned(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        86_400..=2_591_999 => (seconds / 86_400, "day"),
        2_592_000..=31_535_999 => (seconds / 2_592_000, "month"),
        _ => (seconds / 31_536_000, "year"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

/// Sets the one-time message. A secret never goes this way (see [`reveal_once`]): the
/// session row is stored in plain text, so one is dropped here.
pub async fn set_flash(session: &Session, flash: Flash) {
    debug_assert!(flash.secret.is_none(), "secrets are shown with reveal_once");
    let _ = session
        .insert(
            FLASH,
            Flash {
                secret: None,
                ..flash
            },
        )
        .await;
}

/// Sets the one-time message and a secret (a new API key, an invite link) to show with it on
/// the next page. Until then the secret waits in the session row sealed with the keyring and
/// bound to the user, so the session table (and its backups) never holds it in the clear.
pub async fn reveal_once(
    session: &Session,
    keyring: &Keyring,
    user_id: &str,
    flash: Flash,
    secret: &str,
) -> Result<(), String> {
    let plaintext = SecretSlice::from(secret.as_bytes().to_vec());
    let sealed = keyring
        .seal(&secret_context(user_id), &plaintext)
        .map_err(|e| e.to_string())?;
    session
        .insert(SEALED_SECRET, sealed)
        .await
        .map_err(|e| e.to_string())?;
    set_flash(session, flash).await;
    Ok(())
}

/// A session belongs to no team: the user's id is what the secret is bound to.
fn secret_context(user_id: &str) -> SecretContext<'_> {
    SecretContext {
        team_id: "",
        row_id: user_id,
        purpose: SECRET_PURPOSE,
    }
}

/// Reads and removes the message, with its secret opened if it has one. Saved at once: pages
/// stream, so the session layer may already have saved the session before this runs.
pub async fn take_flash(session: &Session, keyring: &Keyring) -> Option<Flash> {
    let flash = session.remove::<Flash>(FLASH).await.ok().flatten();
    let sealed = session
        .remove::<Vec<u8>>(SEALED_SECRET)
        .await
        .ok()
        .flatten();
    if flash.is_none() && sealed.is_none() {
        return None;
    }
    let _ = session.save().await;
    let mut flash = flash.unwrap_or_default();
    if let Some(sealed) = sealed {
        let user_id: String = session
            .get(USER_ID)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        match keyring.open(&secret_context(&user_id), &sealed) {
            Ok(secret) => {
                flash.secret = Some(String::from_utf8_lossy(secret.expose_secret()).into_owned())
            }
            Err(error) => {
                tracing::error!(%error, "a one-time secret in the session could not be opened");
                flash.error = Some(
                    "The new secret could not be shown. Revoke it and create another.".to_owned(),
                );
            }
        }
    }
    Some(flash)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_in_utc_to_the_minute() {
        assert_eq!(super::when(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::when(1_764_103_020_999), "2025-11-25 20:37 UTC");
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        let now = 1_764_103_020_000;
        assert_eq!(super::ago(now - 59_999, now), "just now");
        assert_eq!(super::ago(now - 60_000, now), "1 minute ago");
        assert_eq!(super::ago(now - 7_200_000, now), "2 hours ago");
        assert_eq!(super::ago(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(super::ago(now + 5_000, now), "just now");
    }
}
