//! Browser-facing protections on every response, and the cross-site request check on
//! every state-changing request.

use std::sync::OnceLock;

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rand::{distr::Alphanumeric, Rng};

use super::{
    api::presented_key, api_error::ApiError, request_id::loggable_path, route_table, AppState,
};

/// Refuses POST/PUT/PATCH/DELETE whose Origin (or, lacking it, Referer) is not Ferry's own
/// public URL. The one exemption: a script calling the REST API (which authenticates by API
/// key alone) that presents a key and no cookie is not a browser being tricked. Form routes
/// and server functions are never exempt: a cross-site form needs no cookie to sign a
/// visitor into the attacker's account.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let path = request.uri().path();
    // Bitbucket's deliveries carry no Origin; their HMAC signature is checked instead.
    if is_webhook(path) {
        return next.run(request).await;
    }
    let api_route = is_rest_api(path);
    let key = presented_key(headers, request.uri()).is_some();
    if same_origin(headers, &state.config.public_url)
        || (api_route && key && !headers.contains_key(header::COOKIE))
    {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = %loggable_path(path), "refused a cross-origin write");
    if api_route && !key {
        return ApiError::no_key().into_response();
    }
    (
        StatusCode::FORBIDDEN,
        "This request did not come from Ferry's own pages (Origin/Referer check). Reload the page and try again.",
    )
        .into_response()
}

/// Whether `path` is a webhook receiver (`/webhooks/…`): authenticated by its signature.
fn is_webhook(path: &str) -> bool {
    let prefix = app::routes::BITBUCKET_WEBHOOK_ROUTE
        .split("{")
        .next()
        .unwrap_or_default();
    path.starts_with(prefix) && !path[prefix.len()..].contains('/')
}

/// Whether `path` is under one of the REST API's resources (`/api/collections/…`), which
/// authenticate by API key alone. Server functions live under `/api/` too but go by the
/// session cookie, so the list comes from the route table, not from the prefix.
fn is_rest_api(path: &str) -> bool {
    static ROOTS: OnceLock<Vec<&'static str>> = OnceLock::new();
    let roots = ROOTS.get_or_init(|| {
        let mut roots: Vec<&'static str> = route_table()
            .into_iter()
            .filter_map(|(_, route)| {
                let rest = route.strip_prefix("/api/")?;
                Some(&route[..route.len() - rest.len() + rest.find('/').unwrap_or(rest.len())])
            })
            .collect();
        roots.sort_unstable();
        roots.dedup();
        roots
    });
    roots.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn same_origin(headers: &HeaderMap, public: &str) -> bool {
    match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin.to_str().is_ok_and(|o| o == public),
        (None, Some(referer)) => referer.to_str().is_ok_and(|r| {
            r == public
                || r.strip_prefix(public)
                    .is_some_and(|rest| rest.starts_with('/'))
        }),
        (None, None) => false,
    }
}

/// Security headers, `Cache-Control: no-store` on all but the static bundle, and a fresh
/// nonce per response that the page shell puts on the hydration script, so the CSP allows no
/// other inline script.
pub async fn headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response<Body> {
    let nonce: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    request
        .extensions_mut()
        .insert(app::CspNonce(nonce.clone()));
    let static_bundle = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // Pages and API answers carry a person's data (and once, a new key): neither the browser's
    // history nor a shared proxy may keep them. Only the static bundle is the same for all.
    if !static_bundle {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // "Connect with Bitbucket" posts a form answered by a redirect to Bitbucket's consent
    // page, and form-action governs that redirect too: Bitbucket's origin, nothing else.
    let bitbucket = match state.bitbucket.oauth_enabled() {
        true => format!(
            " {}",
            state
                .bitbucket
                .config()
                .web_url
                .origin()
                .ascii_serialization()
        ),
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
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.public_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rest_api_authenticates_by_key() {
        for path in [
            "/api/me",
            "/api/collections",
            "/api/collections/abc",
            "/api/integrations/x/run",
            "/api/openapi.json",
        ] {
            assert!(is_rest_api(path), "{path}");
        }
        for path in [
            "/signin",
            "/api/load_page_context123",
            "/api/collections_x",
            "/api",
            "/apix/me",
            "/team/api-keys",
        ] {
            assert!(!is_rest_api(path), "{path}");
        }
    }
}
