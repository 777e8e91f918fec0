//! Who is calling. Bitbucket in 2026 takes Basic with the account email and an API token,
//! Basic with the username and an app password, and Bearer access tokens; anything else
//! that is presented but wrong is a 401, even on endpoints that allow anonymous access.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::credentials::{Credentials, Grant};
use crate::error::{Error, Result};
use crate::scopes::{Permission, Scopes};
use crate::state::AppState;

/// Git's convention for sending a Bearer token over Basic auth (`x-token-auth:<token>`).
const TOKEN_AUTH_USER: &str = "x-token-auth";

#[derive(Debug, Clone)]
pub struct Principal {
    pub username: String,
    pub scopes: Scopes,
}

/// The authenticated caller of a request, if any; set by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Principal>);

/// The username the request log shows, carried on the response.
#[derive(Debug, Clone)]
pub struct LoggedUser(pub String);

impl Caller {
    pub fn principal(&self) -> Result<&Principal> {
        self.0
            .as_ref()
            .ok_or_else(|| Error::Unauthorized("Authentication required".to_owned()))
    }

    /// The principal, checked for a permission.
    pub fn require(&self, permission: Permission) -> Result<&Principal> {
        let principal = self.principal()?;
        principal.scopes.require(permission)?;
        Ok(principal)
    }

    pub fn username(&self) -> Option<&str> {
        self.0.as_ref().map(|p| p.username.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller(None)))
    }
}

/// Decodes `Authorization: Basic` into (user, secret).
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (user, secret) = String::from_utf8(decoded)
        .ok()?
        .split_once(':')
        .map(|(u, s)| (u.to_owned(), s.to_owned()))?;
    Some((user, secret))
}

fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Error::Unauthorized("Invalid Authorization header".to_owned()))?;
    let grant = if let Some(token) = value.strip_prefix("Bearer ") {
        bearer(&state.credentials, token.trim())?
    } else if let Some((user, secret)) = basic_credentials(headers) {
        basic(state, &user, &secret)?
    } else {
        return Err(Error::Unauthorized(
            "Unsupported Authorization header".to_owned(),
        ));
    };
    Ok(Some(Principal {
        username: grant.username,
        scopes: grant.scopes,
    }))
}

fn bearer(credentials: &Credentials, token: &str) -> Result<Grant> {
    let grant = credentials
        .bearer(token)
        .ok_or_else(|| Error::Unauthorized("Invalid or revoked access token".to_owned()))?;
    Credentials::usable(&grant)?;
    Ok(grant)
}

fn basic(state: &AppState, user: &str, secret: &str) -> Result<Grant> {
    if user == TOKEN_AUTH_USER {
        return bearer(&state.credentials, secret);
    }
    let invalid = || Error::Unauthorized("Invalid credentials".to_owned());
    let grant = if user.contains('@') {
        // API tokens only work with the email of the Atlassian account that owns them.
        let grant = state.credentials.api_token(secret).ok_or_else(invalid)?;
        let owner = state.directory.user(&grant.username).ok_or_else(invalid)?;
        if !owner.email.eq_ignore_ascii_case(user) {
            return Err(invalid());
        }
        grant
    } else {
        state
            .credentials
            .app_password(user, secret)
            .ok_or_else(invalid)?
    };
    Credentials::usable(&grant)?;
    Ok(grant)
}

/// Middleware: resolves the caller once, rejects bad credentials with 401 and tells the
/// request log who it was.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let principal = match resolve(&state, request.headers()) {
        Ok(principal) => principal,
        Err(error) => return error.into_response(),
    };
    let user = principal.as_ref().map(|p| LoggedUser(p.username.clone()));
    request.extensions_mut().insert(Caller(principal));
    let mut response = next.run(request).await;
    if let Some(user) = user {
        response.extensions_mut().insert(user);
    }
    response
}
