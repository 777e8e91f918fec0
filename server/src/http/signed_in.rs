//! Who posted a form or asked for a download: the session's signed-in actor in their current
//! team. Anyone else is sent to sign in.

use app::session;
use axum::{
    extract::FromRequestParts,
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::accounts::Actor;
use tower_sessions::Session;

use super::AppState;

pub struct SignedIn(pub Actor);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        session::actor(&state.store, &session)
            .await
            .map(SignedIn)
            .ok_or_else(|| Redirect::to(app::routes::SIGN_IN).into_response())
    }
}
