//! OAuth 2.0 authorization-code grant: consent page, callback, token exchange, expiry,
//! refresh-token rotation, `invalid_grant`, and revocation.

use std::time::Duration;

use crate::common::*;
use serde_json::Value;

/// Walks the consent page like a browser and returns the `code` the callback received.
async fn authorize(sandbox: &Sandbox, state: &str) -> String {
    let page = sandbox
        .http
        .get(sandbox.url(&format!("/site/oauth2/authorize?client_id={CONSUMER_KEY}&response_type=code&state={state}&as=alice")))
        .send()
        .await
        .expect("consent page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("Grant access"), "{html}");
    assert!(
        html.contains("value=\"alice\""),
        "?as= prefills the user: {html}"
    );
    let redirect = sandbox
        .http
        .post(sandbox.url("/site/oauth2/authorize"))
        .form(&[
            ("client_id", CONSUMER_KEY),
            ("state", state),
            ("username", "alice"),
            ("decision", "grant"),
        ])
        .send()
        .await
        .expect("grant");
    assert_eq!(redirect.status(), 302);
    let location = redirect.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let (callback, query) = location.split_once('?').expect("query");
    assert_eq!(callback, CALLBACK);
    let params: Vec<(String, String)> = form_pairs(query);
    assert!(
        params.contains(&("state".to_owned(), state.to_owned())),
        "{location}"
    );
    params
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("code")
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

async fn token_request(sandbox: &Sandbox, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = sandbox
        .http
        .post(sandbox.url("/site/oauth2/access_token"))
        .basic_auth(CONSUMER_KEY, Some(secret))
        .form(form)
        .send()
        .await
        .expect("token request");
    (
        response.status().as_u16(),
        response.json().await.expect("JSON"),
    )
}

async fn exchange(sandbox: &Sandbox, code: &str) -> Value {
    let (status, tokens) = token_request(
        sandbox,
        CONSUMER_SECRET,
        &[("grant_type", "authorization_code"), ("code", code)],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

fn bearer(tokens: &Value) -> Auth {
    Auth::Bearer(
        tokens["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
    )
}

#[tokio::test]
async fn the_authorization_code_flow_yields_working_tokens() {
    let sandbox = Sandbox::start().await;
    let code = authorize(&sandbox, "xyz-123").await;
    let tokens = exchange(&sandbox, &code).await;
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 7200);
    assert_eq!(tokens["scopes"], "account repository repository:write");
    let (status, user) = sandbox.get_json("/2.0/user", &bearer(&tokens)).await;
    assert_eq!(status, 200);
    assert_eq!(user["nickname"], "alice");
    let response = sandbox
        .commit_file("backups", &bearer(&tokens), "o.txt", "o")
        .await;
    assert_eq!(response.status(), 201);

    let (status, error) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(status, 400, "a code is single-use");
    assert_eq!(error["error"], "invalid_grant");
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_tokens_rotate() {
    let sandbox =
        Sandbox::start_with(|config| config.access_token_ttl = Duration::from_secs(2)).await;
    let tokens = exchange(&sandbox, &authorize(&sandbox, "s").await).await;
    assert_eq!(tokens["expires_in"], 2);
    assert_eq!(
        sandbox.get("/2.0/user", &bearer(&tokens)).await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, error) = sandbox.get_json("/2.0/user", &bearer(&tokens)).await;
    assert_eq!(status, 401);
    assert_eq!(
        error["error"]["message"],
        "Access token expired. Use your refresh token to obtain a new access token."
    );

    let old_refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    let (status, renewed) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old_refresh),
        ],
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    assert_ne!(
        renewed["refresh_token"],
        old_refresh.as_str(),
        "refresh tokens rotate on every use"
    );
    assert_eq!(
        sandbox.get("/2.0/user", &bearer(&renewed)).await.status(),
        200
    );

    let (status, error) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &old_refresh),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"], "invalid_grant");
    assert!(error["error_description"].is_string());

    let newest = renewed["refresh_token"].as_str().expect("refresh_token");
    let (status, _) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", newest)],
    )
    .await;
    assert_eq!(status, 200, "the rotated token works once");
}

#[tokio::test]
async fn bad_consumer_credentials_and_grants_are_rejected() {
    let sandbox = Sandbox::start().await;
    let code = authorize(&sandbox, "s").await;
    let (status, error) = token_request(
        &sandbox,
        "wrong-secret",
        &[("grant_type", "authorization_code"), ("code", &code)],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(error["error"], "invalid_client");
    let (status, error) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[("grant_type", "authorization_code"), ("code", "made-up")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"], "invalid_grant");
    let (status, error) =
        token_request(&sandbox, CONSUMER_SECRET, &[("grant_type", "password")]).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn denying_consent_redirects_with_access_denied() {
    let sandbox = Sandbox::start().await;
    let redirect = sandbox
        .http
        .post(sandbox.url("/site/oauth2/authorize"))
        .form(&[
            ("client_id", CONSUMER_KEY),
            ("state", "s1"),
            ("username", "alice"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .expect("deny");
    let location = redirect.headers()["location"].to_str().expect("ASCII");
    assert_eq!(location, format!("{CALLBACK}?error=access_denied&state=s1"));
    let unknown = sandbox
        .http
        .get(sandbox.url("/site/oauth2/authorize?client_id=nope&response_type=code"))
        .send()
        .await
        .expect("page");
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn revoking_a_consumer_kills_its_tokens() {
    let sandbox = Sandbox::start().await;
    let tokens = exchange(&sandbox, &authorize(&sandbox, "s").await).await;
    let revoke = sandbox
        .http
        .post(sandbox.url("/admin/revoke"))
        .json(&serde_json::json!({ "consumer": CONSUMER_KEY }))
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), 204);
    assert_eq!(
        sandbox.get("/2.0/user", &bearer(&tokens)).await.status(),
        401
    );
    let refresh = tokens["refresh_token"].as_str().expect("refresh_token");
    let (status, error) = token_request(
        &sandbox,
        CONSUMER_SECRET,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(error["error"], "invalid_client");
}
