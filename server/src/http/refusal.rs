//! How a refused form post is answered. Most go back to their form with the reason as a
//! one-time message and what was typed, so nothing has to be typed again; an id that is not in
//! the current team answers 404 and an action the role may not take 403, with nothing changed.
//! A failure on Ferry's side is logged here, once, inside the request's span (which carries the
//! request id), and the person reads one sentence without its details.

use std::fmt::Display;

use app::{
    flash::Flash,
    integration_data::{keep_refused_form, RefusedForm},
    server_error::SOMETHING_WENT_WRONG,
    session,
};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use ferry_domain::error::{DomainError, ErrorKind};
use tower_sessions::Session;

/// [`SOMETHING_WENT_WRONG`] for a change, which a failure leaves unsaved.
pub const NOTHING_WAS_SAVED: &str =
    "Something went wrong on our side; nothing was saved. Try again in a moment.";

const NOT_FOUND: &str =
    "Not found: nothing with this id is in your current team. Go back and reload the page.";

/// Why a form post was refused.
#[derive(Debug)]
pub struct Refusal {
    pub message: String,
    /// The form field it is about, as posted.
    pub field: Option<String>,
    /// Answered as a page of its own with this status, rather than back at the form.
    pub status: Option<StatusCode>,
}

impl Refusal {
    pub fn message(message: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            field: None,
            status: None,
        }
    }

    /// About field `field` (as posted), which the form calls `label`.
    pub fn field(field: &str, label: &str, message: &str) -> Self {
        Refusal {
            field: Some(field.to_owned()),
            ..Refusal::message(format!("{label}: {message}"))
        }
    }

    /// Answered with `status` and the message alone.
    pub fn status(status: StatusCode, message: impl Into<String>) -> Self {
        Refusal {
            status: Some(status),
            ..Refusal::message(message)
        }
    }

    /// An id that is not in the actor's current team, or no longer there: says nothing more.
    pub fn not_found() -> Self {
        Refusal::status(StatusCode::NOT_FOUND, NOT_FOUND)
    }

    /// A failure on Ferry's side: logged, and shown as [`SOMETHING_WENT_WRONG`].
    pub fn internal(error: &dyn Display) -> Self {
        Refusal::hidden(error, SOMETHING_WENT_WRONG)
    }

    /// A failure on Ferry's side, shown as `sentence` (such as [`NOTHING_WAS_SAVED`]).
    pub fn hidden(error: &dyn Display, sentence: &str) -> Self {
        tracing::error!(%error, "a form post failed");
        Refusal::message(sentence)
    }

    /// A service's error by its kind: not found 404, forbidden 403 (saying why), a failure on
    /// Ferry's side hidden; anything else back to the form as the service words it, a refused
    /// field named as the form labels it (`label`).
    pub fn from_domain(error: impl DomainError, label: fn(&str) -> &str) -> Self {
        match error.kind() {
            ErrorKind::NotFound => Refusal::not_found(),
            ErrorKind::Forbidden => Refusal::status(StatusCode::FORBIDDEN, error.to_string()),
            ErrorKind::Internal => Refusal::internal(&error),
            ErrorKind::Conflict
            | ErrorKind::Invalid
            | ErrorKind::TooLarge
            | ErrorKind::Unavailable => match error.field_error() {
                Some(refused) => {
                    Refusal::field(refused.field, label(refused.field), &refused.message)
                }
                None => Refusal::message(error.to_string()),
            },
        }
    }

    /// Back to `page` with the message as its one-time error, with what `kept` keeps of the
    /// form (the typed email, the posted fields); answered alone when it has a status.
    pub async fn back(self, session: &Session, page: &str, kept: Flash) -> Response {
        if let Some(status) = self.status {
            return (status, self.message).into_response();
        }
        session::set_flash(
            session,
            Flash {
                error: Some(self.message),
                ..kept
            },
        )
        .await;
        Redirect::to(page).into_response()
    }

    /// Back to an Integrations form at `page`, which shows the message on the refused field
    /// and fills in `values` again; answered alone when it has a status.
    pub async fn back_to_form(
        self,
        session: &Session,
        page: &str,
        values: Vec<(String, String)>,
    ) -> Response {
        if let Some(status) = self.status {
            return (status, self.message).into_response();
        }
        keep_refused_form(
            session,
            RefusedForm {
                error: self.message,
                field: self.field,
                values,
            },
        )
        .await;
        Redirect::to(page).into_response()
    }
}

/// A field's name as posted, for forms that show no other label.
pub fn as_posted(field: &str) -> &str {
    field
}
