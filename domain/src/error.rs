//! What every service's errors have in common. Each service keeps its own error enum, with its
//! own cases and sentences, and says which [`ErrorKind`] each case is: the web layer answers a
//! kind one way (a form, the REST API, a server function), so a new service case needs no new
//! handler code. The shared cases live here once: [`Forbidden`] (with [`Actor::require`], the
//! one permission check) and [`FieldError`].
//!
//! [`Actor::require`]: crate::accounts::Actor::require

use crate::auth::Role;

/// What kind of failure an error is; decides the status code and whether the message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing with this id in the actor's team (another team's id answers the same).
    NotFound,
    /// The actor's role, or whose the thing is, does not allow it.
    Forbidden,
    /// Clashes with what is stored: a taken name or id, a newer revision, a full quota, a state
    /// the action does not fit.
    Conflict,
    /// What was sent is refused; the message says what to change, [`DomainError::field`] where.
    Invalid,
    /// What was sent is larger than Ferry accepts; the message names the limit.
    TooLarge,
    /// Cannot be done now though nothing sent was wrong (throttled, a credential that cannot be
    /// opened); the message says what to do or when to retry.
    Unavailable,
    /// A failure on Ferry's side (the database): its details go to the log, never to a person.
    Internal,
}

/// An error a service returns to the web layer.
pub trait DomainError: std::error::Error + Send + Sync + 'static {
    fn kind(&self) -> ErrorKind;

    /// The refused field, when the error is about one.
    fn field_error(&self) -> Option<&FieldError> {
        None
    }

    /// The form field the error is about, as named on the form.
    fn field(&self) -> Option<&'static str> {
        self.field_error().map(|error| error.field)
    }
}

/// The actor's role does not allow what they asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("your role ({role}) does not allow this: {needed}")]
pub struct Forbidden {
    pub role: Role,
    /// What the missing permission allows, in words.
    pub needed: &'static str,
}

impl DomainError for Forbidden {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Forbidden
    }
}

/// A refused field: which one (as named on the form) and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl DomainError for FieldError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Invalid
    }

    fn field_error(&self) -> Option<&FieldError> {
        Some(self)
    }
}
