//! OAuth 2.0 authorization-code grant as on bitbucket.org:
//! `GET /site/oauth2/authorize` shows a consent page whose "Grant access" button posts back
//! and redirects to the consumer's callback with `code` and `state`;
//! `POST /site/oauth2/access_token` trades a code or a refresh token for tokens.
//!
//! There is no login: the page asks which seeded user is signing in (a form field,
//! prefilled from `?as=username`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::basic_credentials;
use crate::credentials::{Consumer, IssuedTokens};
use crate::error::{Error, Result};
use crate::representations::html_escape;
use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/site/oauth2/authorize", get(consent_page).post(decide))
        .route("/site/oauth2/access_token", post(access_token))
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    response_type: Option<String>,
    state: Option<String>,
    #[serde(rename = "as")]
    signing_in: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Decision {
    client_id: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    username: String,
    decision: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn error_page(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Authorization failed",
        &format!("<p>{}</p>", html_escape(message)),
    )
}

async fn consent_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    if query.response_type.as_deref() != Some("code") {
        return error_page("response_type must be code");
    }
    let Some(consumer) = query
        .client_id
        .as_deref()
        .and_then(|id| state.credentials.consumer(id, None).ok())
    else {
        return error_page("Invalid client_id");
    };
    let body = format!(
        "<p><strong>{name}</strong> is requesting access to your Bitbucket account: {scopes}.</p>\
         <form method=\"post\" action=\"/site/oauth2/authorize\">\
         <input type=\"hidden\" name=\"client_id\" value=\"{client_id}\">\
         <input type=\"hidden\" name=\"state\" value=\"{state}\">\
         <label>Signed in as (sandbox username) <input name=\"username\" value=\"{username}\" required></label>\
         <button type=\"submit\" name=\"decision\" value=\"grant\">Grant access</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\
         </form>",
        name = html_escape(&consumer.name),
        scopes = html_escape(&consumer.scopes.join(", ")),
        client_id = html_escape(&consumer.key),
        state = html_escape(query.state.as_deref().unwrap_or("")),
        username = html_escape(query.signing_in.as_deref().unwrap_or("")),
    );
    page(StatusCode::OK, "Authorize application", &body)
}

/// 302 to the consumer's callback, as bitbucket.org answers.
fn callback(consumer: &Consumer, params: &[(&str, &str)]) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        query.append_pair(key, value);
    }
    let separator = if consumer.callback_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{}{separator}{}", consumer.callback_url, query.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn decide(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let Ok(form) = parse_form::<Decision>(&body) else {
        return error_page("Malformed form");
    };
    let Ok(consumer) = state.credentials.consumer(&form.client_id, None) else {
        return error_page("Invalid client_id");
    };
    if form.decision != "grant" {
        return callback(
            &consumer,
            &[("error", "access_denied"), ("state", &form.state)],
        );
    }
    if state.directory.user(form.username.trim()).is_none() {
        return error_page(&format!("No sandbox user named {}", form.username));
    }
    match state
        .credentials
        .issue_code(&consumer, form.username.trim())
    {
        Ok(code) => callback(&consumer, &[("code", &code), ("state", &form.state)]),
        Err(error) => error.into_response(),
    }
}

/// Parses an urlencoded body into `T` (last value wins for repeated keys).
fn parse_form<T: serde::de::DeserializeOwned>(
    body: &[u8],
) -> std::result::Result<T, serde_json::Error> {
    let map: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), json!(v.into_owned())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map))
}

#[derive(Debug, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn access_token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let form: TokenRequest =
        parse_form(&body).map_err(|_| Error::invalid_grant("Malformed request"))?;
    // Consumers authenticate with Basic; the form fields are accepted too, as Bitbucket does.
    let (key, secret) = match basic_credentials(&headers) {
        Some(pair) => pair,
        None => match (form.client_id.clone(), form.client_secret.clone()) {
            (Some(key), Some(secret)) => (key, secret),
            _ => return Err(Error::invalid_client("Client credentials are required")),
        },
    };
    let consumer = state.credentials.consumer(&key, Some(&secret))?;
    let issued = match form.grant_type.as_deref() {
        Some("authorization_code") => {
            let code = form
                .code
                .as_deref()
                .ok_or_else(|| Error::invalid_grant("code is required"))?;
            state.credentials.redeem_code(&consumer, code)?
        }
        Some("refresh_token") => {
            let token = form
                .refresh_token
                .as_deref()
                .ok_or_else(|| Error::invalid_grant("refresh_token is required"))?;
            state.credentials.refresh(&consumer, token)?
        }
        other => {
            return Err(Error::OAuth {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: format!("Unsupported grant type: {}", other.unwrap_or("")),
            })
        }
    };
    Ok(token_response(
        &state,
        issued,
        form.grant_type.as_deref().unwrap_or_default(),
    ))
}

fn token_response(state: &AppState, issued: IssuedTokens, grant_type: &str) -> Response {
    let scopes = issued.scopes.join(" ");
    let body = json!({
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": "bearer",
        "expires_in": state.credentials.access_token_ttl().as_secs(),
        "scopes": scopes,
        "scope": scopes,
        "state": grant_type,
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
