//! The Profile page's POST target: the name and email of the person's commits. Personal, not a
//! team's: it needs a signed-in session, not a role.

use app::{flash::Flash, session};
use axum::{
    extract::{Form, State},
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::profile::{ProfileError, Profiles};
use serde::Deserialize;
use tower_sessions::Session;

use super::{account_forms::flash_notice, refusal::Refusal, AppState};

pub const PROFILE_PAGE: &str = app::routes::PROFILE;

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    commit_name: String,
    #[serde(default)]
    commit_email: String,
}

fn field_label(field: &str) -> &str {
    match field {
        "commit_name" => "Name for commits",
        "commit_email" => "Email for commits",
        other => other,
    }
}

/// `POST /profile`: sets (or, left empty, clears) the name and email of the person's commits.
pub async fn update(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<ProfileForm>,
) -> Response {
    let Some(actor) = session::actor(&state.store, &session).await else {
        return Redirect::to(app::routes::SIGN_IN_THEN_PROFILE).into_response();
    };
    let refusal = match Profiles::new(&state.store)
        .set_commit_identity(&actor.user_id, &form.commit_name, &form.commit_email)
        .await
    {
        Ok(profile) => {
            let author = profile.commit.author(&profile.email);
            flash_notice(
                &session,
                format!("Saved: your changes are committed as {author}."),
            )
            .await;
            return Redirect::to(PROFILE_PAGE).into_response();
        }
        // The person's account is gone: their session is worth nothing any more.
        Err(ProfileError::NotFound) => {
            return Redirect::to(app::routes::SIGN_IN_THEN_PROFILE).into_response()
        }
        Err(error) => Refusal::from_domain(error, field_label),
    };
    let kept = Flash {
        fields: vec![
            ("commit_name".to_owned(), form.commit_name),
            ("commit_email".to_owned(), form.commit_email),
        ],
        page: PROFILE_PAGE.to_owned(),
        ..Flash::default()
    };
    refusal.back(&session, PROFILE_PAGE, kept).await
}
