//! Sign-up, sign-in, sessions, throttling, cross-origin refusal, API keys and security
//! headers, against the real router on both databases.

use crate::common::{location, session_cookie, Db, TestServer};
use ferry::http::client_addr::TrustedProxies;
use ferry_domain::{
    accounts::{AccountError, Accounts, FirstTeam, SignUp, SignupMode},
    auth::{AuthError, Role, MAX_SIGN_UPS_PER_ADDRESS},
};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    sign_up_signs_in_with_a_personal_team,
    sign_in_cycles_the_session_id,
    sign_in_goes_on_to_next_only_on_this_site,
    wrong_password_keeps_the_email_and_says_so,
    duplicate_sign_up_is_refused_clearly,
    weak_passwords_are_refused_with_the_field_named,
    repeated_failures_are_throttled,
    behind_a_trusted_proxy_each_forwarded_client_is_throttled_alone,
    forwarding_headers_from_an_untrusted_peer_are_ignored,
    sign_out_ends_the_session,
    sign_out_everywhere_voids_other_sessions,
    cross_origin_posts_are_refused,
    an_api_key_in_the_query_does_not_exempt_forms,
    teams_are_created_and_switched,
    api_keys_act_in_their_team_until_expired_or_revoked,
    responses_carry_security_headers,
    sign_ups_from_one_address_are_throttled_before_hashing,
    closed_sign_up_says_so_and_creates_nobody,
    invite_only_sign_up_needs_a_valid_invite_and_joins_its_team,
    an_open_sign_up_through_an_invite_joins_its_team,
    pages_and_api_answers_are_never_cached,
);

async fn sign_up_signs_in_with_a_personal_team(db: Db) {
    let server = TestServer::start(db).await;
    let response = server.sign_up(" Ada@Example.COM ", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = server.page("/").await;
    assert!(
        home.contains("ada@example.com"),
        "the normalised email is shown"
    );
    assert!(shows(&home, "ada's team"), "{home}");
}

async fn sign_in_cycles_the_session_id(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("grace@example.com", PASSWORD).await;
    server.post_form("/signout", &[]).await;
    // A failed attempt leaves a session (carrying the error message) behind.
    let failed = server
        .post_form(
            "/signin",
            &[
                ("email", "grace@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    let before = session_cookie(&failed).expect("a session for the flash message");
    let signed_in = server
        .post_form(
            "/signin",
            &[("email", "grace@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(location(&signed_in), "/");
    let after = session_cookie(&signed_in).expect("a new session id");
    assert_ne!(before, after, "the id changes at sign-in");
}

/// An open redirect after sign-in would hand a phishing page a fresh, trusted-looking hop.
async fn sign_in_goes_on_to_next_only_on_this_site(db: Db) {
    let server = TestServer::start(db).await;
    Accounts::new(&server.db.store)
        .create_user(
            "joan@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    for (next, lands_on) in [
        ("/%09/evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/collections?x=1", "/collections?x=1"),
    ] {
        let browser = server.browser();
        let response = browser
            .post_form(
                "/signin",
                &[
                    ("email", "joan@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), lands_on, "next={next:?}");
    }
}

async fn wrong_password_keeps_the_email_and_says_so(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("linus@example.com", PASSWORD).await;
    server.post_form("/signout", &[]).await;
    let response = server
        .post_form(
            "/signin",
            &[
                ("email", "linus@example.com"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/signin");
    let page = server.page("/signin").await;
    assert!(page.contains("Email or password is not right"), "{page}");
    assert!(
        page.contains(r#"value="linus@example.com""#),
        "the email is kept: {page}"
    );
    assert!(
        !page.contains("wrong password!"),
        "the password is never echoed"
    );
    let again = server.page("/signin").await;
    assert!(
        !again.contains("Email or password is not right"),
        "the message shows once"
    );
}

async fn duplicate_sign_up_is_refused_clearly(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("barbara@example.com", PASSWORD).await;
    server.post_form("/signout", &[]).await;
    let response = server
        .sign_up("BARBARA@example.com", "another long password")
        .await;
    assert_eq!(location(&response), "/signup");
    let page = server.page("/signup").await;
    assert!(
        page.contains("an account with this address already exists; sign in instead"),
        "{page}"
    );
}

async fn weak_passwords_are_refused_with_the_field_named(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ken@example.com", "short").await;
    assert!(server
        .page("/signup")
        .await
        .contains("Password: use at least 8 characters"));
    server.sign_up("ken@example.com", "password123").await;
    assert!(server
        .page("/signup")
        .await
        .contains("Password: this is one of the most common passwords"));
    server.sign_up("not-an-email", PASSWORD).await;
    assert!(server
        .page("/signup")
        .await
        .contains("Email: enter an address like name@example.com"));
    let Some(_) = server
        .db
        .store
        .user_by_email("ken@example.com")
        .await
        .unwrap()
    else {
        return;
    };
    panic!("no account was created by refused sign-ups");
}

async fn repeated_failures_are_throttled(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("dennis@example.com", PASSWORD).await;
    server.post_form("/signout", &[]).await;
    for _ in 0..6 {
        server
            .post_form(
                "/signin",
                &[
                    ("email", "dennis@example.com"),
                    ("password", "wrong password"),
                ],
            )
            .await;
    }
    let response = server
        .post_form(
            "/signin",
            &[("email", "dennis@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        location(&response),
        "/signin",
        "even the right password waits"
    );
    let page = server.page("/signin").await;
    assert!(page.contains("Too many attempts. Try again in"), "{page}");
}

/// A sign-in attempt from a fresh browser, forwarded by a proxy for `client`.
async fn sign_in_forwarded_for(
    server: &TestServer,
    client: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    TestServer::new_browser()
        .post(server.at("/signin"))
        .header("origin", &server.url)
        .header("x-forwarded-for", format!("6.6.6.6, {client}"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Twenty wrong passwords on many accounts from one address lock that address out.
async fn lock_out(server: &TestServer, client: impl Fn(usize) -> String) {
    for n in 0..20 {
        let failed = sign_in_forwarded_for(
            server,
            &client(n),
            &format!("guess{n}@example.com"),
            "wrong password",
        )
        .await;
        assert_eq!(location(&failed), "/signin");
    }
}

/// The test client connects from 127.0.0.1, the proxy here.
async fn behind_a_trusted_proxy_each_forwarded_client_is_throttled_alone(db: Db) {
    let server = TestServer::start_with(db, |config| {
        config.security.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
    })
    .await;
    let signed_up = Accounts::new(&server.db.store)
        .create_user(
            "hedy@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    lock_out(&server, |_| "203.0.113.5".to_owned()).await;
    let attacker =
        sign_in_forwarded_for(&server, "203.0.113.5", "hedy@example.com", PASSWORD).await;
    assert_eq!(
        location(&attacker),
        "/signin",
        "the failing address waits, even with the right password"
    );
    let hedy = sign_in_forwarded_for(&server, "198.51.100.9", "hedy@example.com", PASSWORD).await;
    assert_eq!(
        location(&hedy),
        "/",
        "another client behind the same proxy is not slowed"
    );
    let audit = server
        .db
        .store
        .audit_log(&signed_up.team_id, 10)
        .await
        .unwrap();
    let signed_in = audit
        .iter()
        .find(|entry| entry.action == "signed_in")
        .expect("the sign-in is audited");
    assert_eq!(
        signed_in.client_addr, "198.51.100.9",
        "the audit log names the client, not the proxy"
    );
}

async fn forwarding_headers_from_an_untrusted_peer_are_ignored(db: Db) {
    let server = TestServer::start(db).await;
    Accounts::new(&server.db.store)
        .create_user(
            "hedy@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    lock_out(&server, |n| format!("203.0.113.{n}")).await;
    let refused =
        sign_in_forwarded_for(&server, "198.51.100.9", "hedy@example.com", PASSWORD).await;
    assert_eq!(
        location(&refused),
        "/signin",
        "a made-up X-Forwarded-For does not escape the peer's lock-out"
    );
}

async fn sign_out_ends_the_session(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("margaret@example.com", PASSWORD).await;
    assert!(server.page("/").await.contains("margaret@example.com"));
    let response = server.post_form("/signout", &[]).await;
    assert_eq!(location(&response), "/signin");
    assert!(!server.page("/").await.contains("margaret@example.com"));
}

async fn sign_out_everywhere_voids_other_sessions(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("tim@example.com", PASSWORD).await;
    let other = TestServer::new_browser();
    other
        .post(server.at("/signin"))
        .header("origin", &server.url)
        .form(&[("email", "tim@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let other_home = || async {
        other
            .get(server.at("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(other_home().await.contains("tim@example.com"));
    server.post_form("/signout/everywhere", &[]).await;
    assert!(
        !other_home().await.contains("tim@example.com"),
        "the other browser is signed out"
    );
}

async fn cross_origin_posts_are_refused(db: Db) {
    let server = TestServer::start(db).await;
    let evil = server
        .client
        .post(server.at("/signup"))
        .header("origin", "http://evil.example")
        .form(&[("email", "mallory@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let anonymous = server
        .client
        .post(server.at("/signup"))
        .form(&[("email", "mallory@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        403,
        "no Origin and no Referer is refused too"
    );
    let referer = server
        .client
        .post(server.at("/signup"))
        .header("referer", format!("{}/signup", server.url))
        .form(&[("email", "mallory@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(referer.status(), 303, "a same-site Referer is enough");
    assert!(server
        .db
        .store
        .user_by_email("mallory@example.com")
        .await
        .unwrap()
        .is_some());
}

/// Login CSRF: a page elsewhere posting its own credentials to `/signin?apikey=1` must not
/// sign the visitor into the attacker's account.
async fn an_api_key_in_the_query_does_not_exempt_forms(db: Db) {
    let server = TestServer::start(db).await;
    Accounts::new(&server.db.store)
        .create_user(
            "mallory@example.com",
            PASSWORD.into(),
            FirstTeam::Personal,
            "test",
        )
        .await
        .unwrap();
    for path in [
        "/signin?apikey=1",
        "/signin?xapikey=1",
        "/signup?apikey=ferry_x",
    ] {
        let visitor = TestServer::new_browser();
        let response = visitor
            .post(server.at(path))
            .header("origin", "https://evil.example")
            .form(&[("email", "mallory@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
        assert_eq!(session_cookie(&response), None, "{path} starts no session");
    }

    let accounts = Accounts::new(&server.db.store);
    let signed_up = accounts
        .create_user(
            "ci@example.com",
            PASSWORD.into(),
            FirstTeam::Named("Builds"),
            "test",
        )
        .await
        .unwrap();
    let admin = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let (_, key) = accounts
        .create_api_key(&admin, "ci", Role::Editor, None, "test")
        .await
        .unwrap();
    let collection = serde_json::json!({"collection": {"info": {"name": "Scripted",
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": []}});
    let by_header = server
        .client
        .post(server.at("/api/collections"))
        .header("x-api-key", key.expose_secret())
        .json(&collection);
    assert_eq!(
        by_header.send().await.unwrap().status(),
        200,
        "a script with a key needs no Origin"
    );
    let by_query = server.client.post(format!(
        "{}?apikey={}",
        server.at("/api/collections"),
        key.expose_secret()
    ));
    assert_eq!(
        by_query.json(&collection).send().await.unwrap().status(),
        200
    );
    let keyless = server
        .client
        .post(server.at("/api/collections"))
        .header("origin", "https://evil.example");
    assert_eq!(
        keyless.json(&collection).send().await.unwrap().status(),
        401,
        "no key: the API's own refusal"
    );
}

async fn teams_are_created_and_switched(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alan@example.com", PASSWORD).await;
    let created = server
        .post_form("/teams", &[("name", "Payments API")])
        .await;
    assert_eq!(location(&created), "/");
    let home = server.page("/").await;
    assert!(
        home.contains("Team <strong>Payments API</strong>"),
        "{home}"
    );
    let user = server
        .db
        .store
        .user_by_email("alan@example.com")
        .await
        .unwrap()
        .unwrap();
    let teams = server.db.store.memberships(&user.id).await.unwrap();
    assert_eq!(teams.len(), 2);
    let personal = teams
        .iter()
        .find(|t| t.team_name != "Payments API")
        .unwrap();
    server
        .post_form("/teams/switch", &[("team_id", &personal.team_id)])
        .await;
    assert!(shows(
        &server.page("/").await,
        &format!("Team <strong>{}</strong>", personal.team_name)
    ));

    let stranger = server
        .db
        .store
        .create_user_with_team("x@example.com", "h", "")
        .await
        .unwrap();
    let refused = server
        .post_form("/teams/switch", &[("team_id", &stranger.1)])
        .await;
    assert_eq!(refused.status(), 404, "another team's id is not found");
    let home = server.page("/").await;
    assert!(
        !shows(&home, "x's team"),
        "cannot switch into a team one is not in"
    );
}

async fn api_keys_act_in_their_team_until_expired_or_revoked(db: Db) {
    let server = TestServer::start(db).await;
    let accounts = Accounts::new(&server.db.store);
    let signed_up = accounts
        .create_user(
            "edsger@example.com",
            PASSWORD.into(),
            FirstTeam::Named("Algorithms"),
            "test",
        )
        .await
        .unwrap();
    let admin = accounts
        .session_actor(&signed_up.user_id, &signed_up.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let (key_id, key) = accounts
        .create_api_key(&admin, "ci", Role::Viewer, None, "test")
        .await
        .unwrap();
    let me = |k: String| {
        let client = server.client.clone();
        let url = server.at("/api/me");
        async move { client.get(url).header("x-api-key", k).send().await.unwrap() }
    };
    let ok = me(key.expose_secret().to_owned()).await;
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["team"]["name"], "Algorithms");
    assert_eq!(body["role"], "viewer", "the key's role, not its creator's");

    let by_query = server
        .client
        .get(format!(
            "{}?apikey={}",
            server.at("/api/me"),
            key.expose_secret()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(by_query.status(), 200);

    let missing = server
        .client
        .get(server.at("/api/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["name"], "AuthenticationError");

    accounts
        .revoke_api_key(&admin, &key_id, "test")
        .await
        .unwrap();
    assert_eq!(
        me(key.expose_secret().to_owned()).await.status(),
        401,
        "revoked keys are refused"
    );

    let (_, short) = accounts
        .create_api_key(
            &admin,
            "short-lived",
            Role::Editor,
            Some(std::time::Duration::from_millis(1)),
            "test",
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        me(short.expose_secret().to_owned()).await.status(),
        401,
        "expired keys are refused"
    );

    assert!(
        accounts
            .create_api_key(&admin, "x", Role::Admin, None, "t")
            .await
            .is_ok(),
        "an admin may create an admin key"
    );
    let mut viewer = admin.clone();
    viewer.role = Role::Viewer;
    let refused = accounts
        .create_api_key(&viewer, "x", Role::Editor, None, "t")
        .await
        .unwrap_err();
    assert!(refused.to_string().starts_with("Role:"), "{refused}");
}

async fn responses_carry_security_headers(db: Db) {
    let server = TestServer::start(db).await;
    let response = server.client.get(server.at("/")).send().await.unwrap();
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    assert!(
        !headers.contains_key("strict-transport-security"),
        "HSTS only behind https"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let scripts = html.matches("<script").count();
    let nonced = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts > 0 && nonced >= scripts,
        "every inline script carries this response's nonce: {scripts} scripts, {nonced} nonces"
    );
}

async fn pages_and_api_answers_are_never_cached(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("radia@example.com", PASSWORD).await;
    for path in ["/", "/team/api-keys", "/collections", "/signin"] {
        let response = server.client.get(server.at(path)).send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
    let accounts = Accounts::new(&server.db.store);
    let user = server
        .db
        .store
        .user_by_email("radia@example.com")
        .await
        .unwrap()
        .unwrap();
    let team = server
        .db
        .store
        .memberships(&user.id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let actor = accounts
        .session_actor(&user.id, &team, 0)
        .await
        .unwrap()
        .unwrap();
    let (_, key) = accounts
        .create_api_key(&actor, "ci", Role::Viewer, None, "test")
        .await
        .unwrap();
    for path in ["/api/me", "/api/collections", "/api/integrations"] {
        let response = server
            .client
            .get(server.at(path))
            .header("x-api-key", key.expose_secret())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let refused = server
        .client
        .get(server.at("/api/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers()["cache-control"], "no-store", "errors too");
}

/// Whether the page shows the text, however the renderer escaped its apostrophes.
fn shows(html: &str, text: &str) -> bool {
    [
        text.to_owned(),
        text.replace('\'', "&#x27;"),
        text.replace('\'', "&#39;"),
    ]
    .iter()
    .any(|variant| html.contains(variant.as_str()))
}

/// Twenty sign-ups an hour from one address (all the test's come from 127.0.0.1), counted
/// atomically: a burst of concurrent ones gets no more through.
async fn sign_ups_from_one_address_are_throttled_before_hashing(db: Db) {
    let server = TestServer::start(db).await;
    let burst: Vec<_> = (0..MAX_SIGN_UPS_PER_ADDRESS + 5)
        .map(|n| {
            let store = server.db.store.clone();
            tokio::spawn(async move {
                let email = format!("burst{n}@example.com");
                let form = SignUp {
                    email: &email,
                    password: PASSWORD.into(),
                    invite: None,
                };
                let made = Accounts::new(&store)
                    .sign_up(form, SignupMode::Open, "127.0.0.1")
                    .await;
                (email, made)
            })
        })
        .collect();
    // Which of the concurrent sign-ups get through is up to the scheduler; count them and
    // keep one that did, to sign in with below.
    let mut created = 0;
    let mut one_created = None;
    for task in burst {
        let (email, made) = task.await.unwrap();
        match made {
            Ok(_) => {
                created += 1;
                one_created = Some(email);
            }
            Err(AccountError::Auth(AuthError::TooManySignUps { .. })) => {}
            Err(other) => panic!("a sign-up is either made or told to wait: {other:?}"),
        }
    }
    assert_eq!(
        created, MAX_SIGN_UPS_PER_ADDRESS,
        "exactly the bound got through the concurrent burst"
    );

    let refused = server.sign_up("one.more@example.com", PASSWORD).await;
    assert_eq!(
        (refused.status().as_u16(), location(&refused)),
        (303, "/signup")
    );
    let page = server.page("/signup").await;
    assert!(
        page.contains(
            "Sign-up: too many accounts were created from your network address in the last hour"
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"value="one.more@example.com""#),
        "the email is kept: {page}"
    );
    assert!(server
        .db
        .store
        .user_by_email("one.more@example.com")
        .await
        .unwrap()
        .is_none());

    // Another address is not held up, and sign-in is not either.
    let form = SignUp {
        email: "elsewhere@example.com",
        password: PASSWORD.into(),
        invite: None,
    };
    Accounts::new(&server.db.store)
        .sign_up(form, SignupMode::Open, "192.0.2.1")
        .await
        .unwrap();
    let signed_in = server
        .post_form(
            "/signin",
            &[
                ("email", one_created.as_deref().unwrap()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&signed_in), "/");
}

/// An alice@example.com admin (made by the operator) and an invite link of hers for `role`.
async fn admin_and_invite(server: &TestServer, role: Role) -> String {
    let accounts = Accounts::new(&server.db.store);
    let alice = accounts
        .create_user(
            "alice@example.com",
            PASSWORD.into(),
            FirstTeam::Named("Alpha"),
            "console",
        )
        .await
        .unwrap();
    let alice = accounts
        .session_actor(&alice.user_id, &alice.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    accounts
        .create_invite(&alice, role, "console")
        .await
        .unwrap()
        .token
        .expose_secret()
        .to_owned()
}

async fn closed_sign_up_says_so_and_creates_nobody(db: Db) {
    let server =
        TestServer::start_with(db, |config| config.security.signup = SignupMode::Closed).await;
    let page = server.page("/signup").await;
    assert!(
        page.contains("Sign-up is closed") && page.contains("Ask its operator"),
        "{page}"
    );
    assert!(
        !page.contains(r#"action="/signup""#),
        "no form that cannot work: {page}"
    );

    let refused = server.sign_up("eve@example.com", PASSWORD).await;
    assert_eq!(location(&refused), "/signup");
    assert!(server
        .page("/signup")
        .await
        .contains("this Ferry does not take new accounts by sign-up"));
    assert!(server
        .db
        .store
        .user_by_email("eve@example.com")
        .await
        .unwrap()
        .is_none());

    // Not even through an invite; its page offers signing in only.
    let token = admin_and_invite(&server, Role::Viewer).await;
    let offer = server.page(&format!("/invite/{token}")).await;
    assert!(
        offer.contains("Sign in to accept") && !offer.contains("Sign up to accept"),
        "{offer}"
    );
    let next = format!("/invite/{token}");
    server
        .post_form(
            "/signup",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
                ("next", &next),
            ],
        )
        .await;
    assert!(server
        .db
        .store
        .user_by_email("eve@example.com")
        .await
        .unwrap()
        .is_none());
}

async fn invite_only_sign_up_needs_a_valid_invite_and_joins_its_team(db: Db) {
    let server =
        TestServer::start_with(db, |config| config.security.signup = SignupMode::InviteOnly).await;
    let page = server.page("/signup").await;
    assert!(
        page.contains("Sign-up is by invite") && !page.contains(r#"action="/signup""#),
        "{page}"
    );
    server.sign_up("eve@example.com", PASSWORD).await;
    assert!(server
        .page("/signup")
        .await
        .contains("Sign-up: this Ferry takes new accounts by invite only"));
    let unknown = server
        .post_form(
            "/signup",
            &[
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("invite", "NotARealToken123"),
            ],
        )
        .await;
    assert_eq!(location(&unknown), "/signup");
    assert!(server
        .page("/signup")
        .await
        .contains("this link is not valid"));
    assert!(
        server
            .db
            .store
            .user_by_email("eve@example.com")
            .await
            .unwrap()
            .is_none(),
        "nobody without a valid invite"
    );

    let token = admin_and_invite(&server, Role::Editor).await;
    let next = format!("/invite/{token}");
    let offer = server.page(&next).await;
    assert!(offer.contains(&format!("/signup?next={next}")), "{offer}");
    let form = server.page(&format!("/signup?next={next}")).await;
    assert!(
        form.contains(&format!(r#"name="invite" value="{token}""#)),
        "the invite rides along: {form}"
    );
    let weak = server
        .post_form(
            "/signup",
            &[
                ("email", "dave@example.com"),
                ("password", "short"),
                ("invite", &token),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(
        location(&weak),
        format!("/signup?next={next}"),
        "a mistake keeps the invite"
    );

    let joined = server
        .post_form(
            "/signup",
            &[
                ("email", "dave@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(location(&joined), "/");
    let home = server.page("/").await;
    assert!(
        home.contains("You joined") && shows(&home, "Alpha"),
        "{home}"
    );
    let dave = server
        .db
        .store
        .user_by_email("dave@example.com")
        .await
        .unwrap()
        .unwrap();
    let teams = server.db.store.memberships(&dave.id).await.unwrap();
    assert_eq!(teams.len(), 1, "no personal team besides: {teams:?}");
    assert_eq!(
        (teams[0].team_name.as_str(), teams[0].role.as_str()),
        ("Alpha", "editor")
    );

    server.post_form("/signout", &[]).await;
    server
        .post_form(
            "/signup",
            &[
                ("email", "mallory@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
        )
        .await;
    assert!(server
        .page("/signup")
        .await
        .contains("this link has already been used"));
    assert!(
        server
            .db
            .store
            .user_by_email("mallory@example.com")
            .await
            .unwrap()
            .is_none(),
        "a link makes one account"
    );
}

async fn an_open_sign_up_through_an_invite_joins_its_team(db: Db) {
    let server = TestServer::start(db).await;
    let token = admin_and_invite(&server, Role::Viewer).await;
    let joined = server
        .post_form(
            "/signup",
            &[
                ("email", "dave@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
        )
        .await;
    assert_eq!(location(&joined), "/");
    let dave = server
        .db
        .store
        .user_by_email("dave@example.com")
        .await
        .unwrap()
        .unwrap();
    let teams = server.db.store.memberships(&dave.id).await.unwrap();
    assert_eq!(
        teams
            .iter()
            .map(|t| (t.team_name.as_str(), t.role.as_str()))
            .collect::<Vec<_>>(),
        [("Alpha", "viewer")]
    );
}
