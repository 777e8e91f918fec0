//! Browser-facing protections on every response, and the cross-site request check on
//! every state-changing request.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::{distr::Alphanumeric, Rng};

use super::AppState;

/// Refuses POST/PUT/PATCH/DELETE whose Origin (or, lacking it, Referer) is not Ferry's own
/// public URL. Scripts that authenticate with an API key and send no cookie are not a
/// browser being tricked, so they pass.
pub async fn same_origin_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let public = state.config.public_url.as_str();
    let origin_ok = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin.to_str().is_ok_and(|o| o == public),
        (None, Some(referer)) => referer
            .to_str()
            .is_ok_and(|r| r == public || r.strip_prefix(public).is_some_and(|rest| rest.starts_with('/'))),
        (None, None) => false,
    };
    // The collection endpoints authenticate by API key alone, never by cookie: without a
    // cookie a request there acts for nobody, and its handler answers 401 if it has no key.
    let path = request.uri().path();
    let key_only_route = path == "/api/collections" || path.starts_with("/api/collections/");
    let script_with_key = !headers.contains_key(header::COOKIE)
        && (key_only_route
            || headers.contains_key("x-api-key")
            || request.uri().query().is_some_and(|q| q.contains("apikey=")));
    if origin_ok || script_with_key {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-origin write");
    (
        StatusCode::FORBIDDEN,
        "This request did not come from Ferry's own pages (Origin/Referer check). Reload the page and try again.",
    )
        .into_response()
}

/// Security headers, and a fresh nonce per response that the page shell puts on the
/// hydration script, so the CSP allows no other inline script.
pub async fn headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response<Body> {
    let nonce: String = rand::rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect();
    request.extensions_mut().insert(app::CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // "Connect with Bitbucket" posts a form answered by a redirect to Bitbucket's consent
    // page, and form-action governs that redirect too: Bitbucket's origin, nothing else.
    let bitbucket = match state.bitbucket.oauth_enabled() {
        true => format!(" {}", state.bitbucket.config().web_url.origin().ascii_serialization()),
        false => String::new(),
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'{bitbucket}; base-uri 'none'; \
         object-src 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.public_url.starts_with("https://") {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}
