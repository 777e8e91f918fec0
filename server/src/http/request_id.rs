//! Every request gets an id (or keeps the caller's `x-request-id`), echoed in the response
//! and attached to every log line of that request.

use axum::http::{HeaderName, Request};
use tower::layer::util::{Identity, Stack};
use tower::ServiceBuilder;
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type MakeSpan = fn(&Request<axum::body::Body>) -> tracing::Span;

pub type Layers = Stack<
    PropagateRequestIdLayer,
    Stack<
        TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), DefaultOnResponse>,
        Stack<SetRequestIdLayer<MakeRequestUuid>, Identity>,
    >,
>;

pub fn layers() -> ServiceBuilder<Layers> {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span as MakeSpan)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
}

fn span(request: &Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // The query string is left out: it may carry an API key.
    tracing::info_span!("request", method = %request.method(), path = %loggable_path(request.uri().path()), request_id)
}

/// The path as logs may show it: an invite link's token is the invite itself (whoever reads
/// it can join the team), so it is replaced by `[redacted]`.
pub fn loggable_path(path: &str) -> &str {
    match path.strip_prefix(app::routes::INVITE_PREFIX) {
        Some(token) if !token.is_empty() && token != "accept" => "/invite/[redacted]",
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_tokens_never_reach_the_log() {
        assert_eq!(
            loggable_path("/invite/Zx81abcDEF0123456789abcdefGHIJKL"),
            "/invite/[redacted]"
        );
        assert_eq!(loggable_path("/invite/Zx81/extra"), "/invite/[redacted]");
        assert_eq!(loggable_path("/invite/accept"), "/invite/accept");
        assert_eq!(loggable_path("/team/invites"), "/team/invites");
        assert_eq!(loggable_path("/collections/abc"), "/collections/abc");
    }
}
