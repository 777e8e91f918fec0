//! Add Integration over HTTP against the Bitbucket sandbox, on both databases: Authenticate
//! by Email + API token, Username + App password, Connect with Bitbucket (OAuth, `state`
//! checked) or a saved account; refusals that say what failed and keep what was typed (never
//! a secret); Configure with the lists loaded live; Edit; Connected accounts with
//! Re-authenticate in place and Delete with its warning; viewers refused; and no page and no
//! log line (captured at debug level) ever shows a secret.

use crate::common::{integrations::collection, location, Browser, Db, TestServer};
use bitbucket_sandbox::{
    Config as SandboxConfig, OAuthConsumer, Repository, Running, Seed, User, Workspace,
};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::{ExposeSecret, Role},
    bitbucket::{self, parse_base_url, BitbucketConfig},
    connected_accounts::{ConnectedAccount, ConnectedAccounts},
    integrations::Integrations,
};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};

const PASSWORD: &str = "correct horse battery staple";
const TOKEN: &str = "ATATT-flow-token-4d1f";
const REPLACEMENT: &str = "ATATT-flow-replacement-9b2c";
const APP_PASSWORD: &str = "flow-app-password-77e0";
const CONSUMER_SECRET: &str = "flow-consumer-secret";
const SECRETS: [&str; 4] = [TOKEN, REPLACEMENT, APP_PASSWORD, CONSUMER_SECRET];

ferry_testing::on_both!(
    each_method_authenticates_and_adds_an_integration,
    refusals_say_what_failed_and_save_nothing,
    oauth_state_is_checked,
    edit_reauthenticate_and_delete,
    viewers_cannot_connect_accounts,
);

/// Everything every test of this process logs, at debug level: no secret may be in it.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    crate::common::captured_logs(tracing::Level::DEBUG)
}

fn assert_logs_keep_no_secret() {
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    assert!(
        logs.contains("Bitbucket refused a credential") || logs.contains("DEBUG"),
        "logs were captured: {logs}"
    );
    for secret in SECRETS {
        assert!(!logs.contains(secret), "a secret reached the log");
    }
}

/// Ferry on a listener whose address the sandbox's OAuth consumer calls back to.
async fn ferry_and_bitbucket(db: Db, repositories: &std::path::Path) -> (TestServer, Running) {
    captured_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!(
        "http://{}/integrations/bitbucket/oauth/callback",
        listener.local_addr().unwrap()
    );
    let scopes = [
        "read:user:bitbucket",
        "read:workspace:bitbucket",
        "read:repository:bitbucket",
        "write:repository:bitbucket",
    ];
    let seed = Seed::default()
        .user(
            User::new("demo", "demo@example.com")
                .api_token(TOKEN, &scopes)
                .api_token(REPLACEMENT, &scopes)
                .app_password(APP_PASSWORD, &["account", "repository:write"]),
        )
        .workspace(
            Workspace::new("demo")
                .member("demo", true)
                .repository(Repository::new("postman-backups"))
                .repository(Repository::new("api-collections").main_branch("trunk")),
        )
        .oauth_consumer(OAuthConsumer::new(
            "flow-consumer",
            CONSUMER_SECRET,
            &callback,
        ));
    let sandbox = bitbucket_sandbox::start(SandboxConfig::new(repositories, seed))
        .await
        .unwrap();
    let (api, web) = (
        parse_base_url(&sandbox.api_url()).unwrap(),
        parse_base_url(sandbox.url()).unwrap(),
    );
    let server = TestServer::start_on(listener, db, |config| {
        config.bitbucket = BitbucketConfig::new(api, web).with_oauth(bitbucket::OAuthConsumer {
            key: "flow-consumer".into(),
            secret: SecretString::from(CONSUMER_SECRET.to_owned()),
            redirect_url: callback.parse().unwrap(),
        });
    })
    .await;
    (server, sandbox)
}

async fn actor(server: &TestServer, email: &str) -> Actor {
    let store = &server.db.store;
    let user = store.user_by_email(email).await.unwrap().unwrap();
    let team_id = store.memberships(&user.id).await.unwrap().remove(0).team_id;
    Accounts::new(store)
        .session_actor(&user.id, &team_id, user.session_epoch)
        .await
        .unwrap()
        .unwrap()
}

/// Alice, signed up in the server's own browser, with the collection "Users API".
async fn alice(server: &TestServer) -> (Actor, String) {
    assert_eq!(
        server.sign_up("alice@example.com", PASSWORD).await.status(),
        303
    );
    let alice = actor(server, "alice@example.com").await;
    let collection_id = collection(&server.db.store, &alice, "Users API").await;
    (alice, collection_id)
}

async fn accounts(server: &TestServer, actor: &Actor) -> Vec<ConnectedAccount> {
    ConnectedAccounts::new(&server.db.store, &server.keyring)
        .list(actor)
        .await
        .unwrap()
}

/// The account id a redirect to the Configure step names.
fn configured_account(response: &reqwest::Response) -> String {
    let to = location(response);
    to.strip_prefix("/integrations/bitbucket/new/configure?account=")
        .unwrap_or_else(|| panic!("to Configure: {to}"))
        .to_owned()
}

fn assert_no_secret(page: &str) {
    for secret in SECRETS {
        assert!(!page.contains(secret), "a secret reached a page: {page}");
    }
}

async fn each_method_authenticates_and_adds_an_integration(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let (server, sandbox) = ferry_and_bitbucket(db, repositories.path()).await;
    let (alice, collection_id) = alice(&server).await;

    let step1 = server.page("/integrations/bitbucket/new").await;
    for label in [
        "Authenticate and Proceed",
        "Email",
        "API token",
        "Username",
        "App password",
        "legacy",
        "Connect with Bitbucket",
    ] {
        assert!(step1.contains(label), "{label}: {step1}");
    }
    assert!(
        !step1.contains("A connected account of this team"),
        "no saved account yet"
    );

    // Email + API token.
    let by_token = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", TOKEN),
            ],
        )
        .await;
    assert_eq!(by_token.status(), 303);
    let token_account = configured_account(&by_token);
    let step2 = server.page(location(&by_token)).await;
    assert!(
        step2.contains("Authenticated: “demo (API token)” is demo (demo@example.com)"),
        "{step2}"
    );
    // The first repository by name is chosen, with its main branch.
    for shown in [
        "Users API",
        "postman-backups",
        "api-collections",
        "value=\"trunk\"",
        "Postman Collections",
        "Users API.postman_collection.json",
        "Add Integration",
    ] {
        assert!(step2.contains(shown), "{shown}: {step2}");
    }
    // Choosing the other repository (the GET the "Load" button sends) defaults its main branch.
    let other = server
        .page(&format!("/integrations/bitbucket/new/configure?account={token_account}&workspace=demo&repository=postman-backups"))
        .await;
    assert!(other.contains("value=\"main\""), "{other}");
    let searched = server
        .page(&format!(
            "/integrations/bitbucket/new/configure?account={token_account}&workspace=demo&q=api"
        ))
        .await;
    assert!(
        searched.contains("api-collections") && !searched.contains("postman-backups"),
        "the search narrows the list: {searched}"
    );

    let added = server
        .post_form(
            "/integrations/bitbucket",
            &[
                ("account", &token_account),
                ("collection", &collection_id),
                ("workspace", "demo"),
                ("repository", "postman-backups"),
                ("branch", "main"),
                ("directory", "Postman Collections"),
                ("filename", ""),
            ],
        )
        .await;
    assert_eq!(location(&added), "/integrations/bitbucket");
    let list = server.page("/integrations/bitbucket").await;
    assert!(list.contains("Integration added"), "{list}");
    assert!(
        list.contains("Postman Collections/Users API.postman_collection.json"),
        "named after the collection: {list}"
    );
    assert!(list.contains("demo/postman-backups"));

    // Username + App password (legacy).
    let by_app_password = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "app_password"),
                ("username", "demo"),
                ("app_password", APP_PASSWORD),
            ],
        )
        .await;
    let app_account = configured_account(&by_app_password);

    // Connect with Bitbucket: to the consent page, granted, back through the callback. The
    // form's answer redirects to Bitbucket, which the page's CSP must allow (and only that).
    let served = server
        .client
        .get(server.at("/integrations/bitbucket/new"))
        .send()
        .await
        .unwrap();
    let csp = served.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!(
            "form-action 'self' {};",
            sandbox.url().trim_end_matches('/')
        )),
        "{csp}"
    );
    let started = server
        .post_form(
            "/integrations/bitbucket/oauth/start",
            &[("label", "Via OAuth")],
        )
        .await;
    let authorize = location(&started).to_owned();
    assert!(
        authorize.starts_with(&format!(
            "{}/site/oauth2/authorize?",
            sandbox.url().trim_end_matches('/')
        )),
        "{authorize}"
    );
    let state = url_param(&authorize, "state");
    let callback = grant(&sandbox, &state).await;
    let returned = server.client.get(&callback).send().await.unwrap();
    let oauth_account = configured_account(&returned);

    // Started from an API's Connect form, the grant comes back to that API's Repository tab
    // with the new account chosen.
    let api = ferry_domain::apis::Apis::new(&server.db.store)
        .create(
            &alice,
            ferry_domain::apis::NewApi::Empty {
                name: "Pets",
                summary: "",
            },
        )
        .await
        .unwrap()
        .row
        .id;
    let started = server
        .post_form(
            "/integrations/bitbucket/oauth/start",
            &[("label", "For the API"), ("api", &api)],
        )
        .await;
    let callback = grant(&sandbox, &url_param(location(&started), "state")).await;
    let returned = server.client.get(&callback).send().await.unwrap();
    let for_api = accounts(&server, &alice)
        .await
        .into_iter()
        .find(|a| a.label == "For the API")
        .expect("connected")
        .id;
    assert_eq!(
        location(&returned),
        format!("/apis/{api}/repository?accountId={for_api}")
    );
    ConnectedAccounts::new(&server.db.store, &server.keyring)
        .delete(&alice, &for_api)
        .await
        .unwrap();

    // A saved account goes straight to Configure once Bitbucket accepts it again.
    let saved = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[("method", "saved"), ("account", &app_account)],
        )
        .await;
    assert_eq!(configured_account(&saved), app_account);

    let mut connected: Vec<(String, String, String)> = accounts(&server, &alice)
        .await
        .into_iter()
        .map(|a| (a.id, a.label, a.method.as_str().to_owned()))
        .collect();
    connected.sort();
    let mut expected = vec![
        (
            token_account,
            "demo (API token)".to_owned(),
            "api_token".to_owned(),
        ),
        (
            app_account,
            "demo (app password)".to_owned(),
            "app_password".to_owned(),
        ),
        (oauth_account, "Via OAuth".to_owned(), "oauth".to_owned()),
    ];
    expected.sort();
    assert_eq!(connected, expected);

    let accounts_page = server.page("/integrations/accounts").await;
    for shown in [
        "demo (API token)",
        "demo (app password)",
        "Via OAuth",
        "Re-authenticate",
        "1 integration",
    ] {
        assert!(accounts_page.contains(shown), "{shown}: {accounts_page}");
    }
    for page in [
        step1,
        step2,
        list,
        accounts_page,
        server.page("/integrations/bitbucket/new").await,
    ] {
        assert_no_secret(&page);
    }
    assert_logs_keep_no_secret();
}

fn url_param(url: &str, name: &str) -> String {
    let url: reqwest::Url = url.parse().unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Grants access on the sandbox's consent page as user demo; returns where Bitbucket sends
/// the browser back to.
async fn grant(sandbox: &Running, state: &str) -> String {
    let decided = TestServer::new_browser()
        .post(format!(
            "{}/site/oauth2/authorize",
            sandbox.url().trim_end_matches('/')
        ))
        .form(&[
            ("client_id", "flow-consumer"),
            ("state", state),
            ("username", "demo"),
            ("decision", "grant"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 302);
    location(&decided).to_owned()
}

async fn refusals_say_what_failed_and_save_nothing(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let (server, _sandbox) = ferry_and_bitbucket(db, repositories.path()).await;
    let (alice, _) = alice(&server).await;

    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", "ATATT-wrong-8f8f"),
            ],
            "Bitbucket did not accept this email and API token",
        ),
        (
            &[
                ("method", "api_token"),
                ("email", "demo"),
                ("api_token", TOKEN),
            ],
            "Email: use your Atlassian account",
        ),
        (
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", ""),
            ],
            "API token: paste the API token",
        ),
        (
            &[
                ("method", "app_password"),
                ("username", "demo"),
                ("app_password", "wrong-app-password-1"),
            ],
            "Bitbucket did not accept this username and app password",
        ),
        (
            &[("method", "saved"), ("account", "no-such-account")],
            "Connected account: choose one of this team's connected accounts",
        ),
    ];
    for (form, says) in cases {
        let refused = server
            .post_form("/integrations/bitbucket/authenticate", form)
            .await;
        assert_eq!(
            location(&refused),
            "/integrations/bitbucket/new",
            "{form:?}"
        );
        let page = server.page("/integrations/bitbucket/new").await;
        assert!(page.contains(says), "{says}: {page}");
        let typed_login = form
            .iter()
            .find(|(k, _)| *k == "email" || *k == "username")
            .map(|(_, v)| *v)
            .unwrap_or_default();
        assert!(
            page.contains(&format!("value=\"{typed_login}\"")),
            "keeps {typed_login}: {page}"
        );
        assert!(
            !page.contains("ATATT-wrong-8f8f") && !page.contains("wrong-app-password-1"),
            "never echoes a secret: {page}"
        );
        assert_no_secret(&page);
    }
    assert!(accounts(&server, &alice).await.is_empty(), "nothing saved");

    // Bitbucket down: said so, nothing saved.
    drop(_sandbox);
    let down = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", TOKEN),
            ],
        )
        .await;
    assert_eq!(location(&down), "/integrations/bitbucket/new");
    let page = server.page("/integrations/bitbucket/new").await;
    assert!(page.contains("Bitbucket is unreachable"), "{page}");
    assert!(accounts(&server, &alice).await.is_empty());
    assert_logs_keep_no_secret();
}

async fn oauth_state_is_checked(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let (server, sandbox) = ferry_and_bitbucket(db, repositories.path()).await;
    let (alice, _) = alice(&server).await;

    let started = server
        .post_form("/integrations/bitbucket/oauth/start", &[])
        .await;
    let state = url_param(location(&started), "state");
    assert!(state.len() >= 32, "an unguessable state: {state}");
    // A callback carrying another state (a forged or replayed link) saves nothing.
    let forged = grant(&sandbox, "forged-state").await;
    let refused = server.client.get(&forged).send().await.unwrap();
    assert_eq!(location(&refused), "/integrations/bitbucket/new");
    let page = server.page("/integrations/bitbucket/new").await;
    assert!(
        page.contains("does not belong to a request of this browser"),
        "{page}"
    );
    // The state is used up by that attempt: the genuine answer arriving later is refused too.
    let late = grant(&sandbox, &state).await;
    assert_eq!(
        location(&server.client.get(&late).send().await.unwrap()),
        "/integrations/bitbucket/new"
    );
    // Declining on Bitbucket's page says so.
    let started = server
        .post_form("/integrations/bitbucket/oauth/start", &[])
        .await;
    let state = url_param(location(&started), "state");
    let declined = TestServer::new_browser()
        .post(format!(
            "{}/site/oauth2/authorize",
            sandbox.url().trim_end_matches('/')
        ))
        .form(&[
            ("client_id", "flow-consumer"),
            ("state", state.as_str()),
            ("username", "demo"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    let back = server.client.get(location(&declined)).send().await.unwrap();
    assert_eq!(location(&back), "/integrations/bitbucket/new");
    assert!(server
        .page("/integrations/bitbucket/new")
        .await
        .contains("Bitbucket did not grant access (access_denied)"));
    assert!(accounts(&server, &alice).await.is_empty(), "nothing saved");
}

async fn edit_reauthenticate_and_delete(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let (server, _sandbox) = ferry_and_bitbucket(db, repositories.path()).await;
    let (alice, collection_id) = alice(&server).await;
    let connected = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", TOKEN),
                ("label", "Backups bot"),
            ],
        )
        .await;
    let account = configured_account(&connected);
    server
        .post_form(
            "/integrations/bitbucket",
            &[
                ("account", &account),
                ("collection", &collection_id),
                ("workspace", "demo"),
                ("repository", "postman-backups"),
                ("branch", "main"),
                ("directory", "Postman Collections"),
                ("filename", "users.json"),
            ],
        )
        .await;
    let id = Integrations::new(&server.db.store)
        .list(&alice, "")
        .await
        .unwrap()
        .remove(0)
        .id;

    // Edit shows every field as saved, and saves every field.
    let edit = server
        .page(&format!("/integrations/bitbucket/{id}/edit"))
        .await;
    for shown in [
        "Edit the integration of “Users API”",
        "Backups bot",
        "value=\"users.json\"",
        "value=\"main\"",
        "Save changes",
    ] {
        assert!(edit.contains(shown), "{shown}: {edit}");
    }
    let saved = server
        .post_form(
            &format!("/integrations/bitbucket/{id}"),
            &[
                ("account", &account),
                ("collection", &collection_id),
                ("workspace", "demo"),
                ("repository", "api-collections"),
                ("branch", "backups"),
                ("directory", ""),
                ("filename", "users-api.json"),
            ],
        )
        .await;
    assert_eq!(location(&saved), "/integrations/bitbucket");
    let edited = Integrations::new(&server.db.store)
        .get(&alice, &id)
        .await
        .unwrap();
    assert_eq!(
        (
            edited.repository.as_str(),
            edited.branch.as_str(),
            edited.path()
        ),
        ("api-collections", "backups", "users-api.json".to_owned())
    );

    // Re-authenticate: a wrong token is refused and changes nothing; the right one replaces
    // the secret in place.
    let page = format!("/integrations/accounts/{account}/reauthenticate");
    assert!(server
        .page(&page)
        .await
        .contains("Re-authenticate “Backups bot”"));
    let wrong = server
        .post_form(
            &page,
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", "ATATT-wrong-8f8f"),
            ],
        )
        .await;
    assert_eq!(location(&wrong), page);
    assert!(server
        .page(&page)
        .await
        .contains("Bitbucket did not accept this email and API token"));
    let replaced = server
        .post_form(
            &page,
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", REPLACEMENT),
            ],
        )
        .await;
    assert_eq!(location(&replaced), "/integrations/accounts");
    assert!(server
        .page("/integrations/accounts")
        .await
        .contains("Re-authenticated “Backups bot” as demo"));
    let opened = ConnectedAccounts::new(&server.db.store, &server.keyring)
        .credential(&alice.team_id, &account)
        .await
        .unwrap();
    match opened {
        bitbucket::Credential::ApiToken { token, .. } => {
            assert_eq!(token.expose_secret(), REPLACEMENT)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Integrations::new(&server.db.store)
            .get(&alice, &id)
            .await
            .unwrap()
            .account_id
            .as_deref(),
        Some(account.as_str())
    );

    // Delete warns about the integration that uses it, then deletes.
    let confirm = server
        .page(&format!("/integrations/accounts/{account}/delete"))
        .await;
    assert!(
        confirm.contains("1 integration uses this account") && confirm.contains("Users API"),
        "{confirm}"
    );
    let deleted = server
        .post_form(&format!("/integrations/accounts/{account}/delete"), &[])
        .await;
    assert_eq!(location(&deleted), "/integrations/accounts");
    assert!(accounts(&server, &alice).await.is_empty());
    let list = server.page("/integrations/bitbucket").await;
    assert!(list.contains("Needs re-authentication"), "{list}");
    for page in [edit, list] {
        assert_no_secret(&page);
    }
    assert_logs_keep_no_secret();
}

async fn viewers_cannot_connect_accounts(db: Db) {
    let repositories = tempfile::tempdir().unwrap();
    let (server, _sandbox) = ferry_and_bitbucket(db, repositories.path()).await;
    let (alice, _) = alice(&server).await;
    let connected = server
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", TOKEN),
            ],
        )
        .await;
    let account = configured_account(&connected);

    let bob = viewer(&server, &alice).await;
    assert!(bob
        .page("/integrations/bitbucket/new")
        .await
        .contains("Your role does not allow adding integrations"));
    let refused = bob
        .post_form(
            "/integrations/bitbucket/authenticate",
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", REPLACEMENT),
            ],
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        bob.post_form("/integrations/bitbucket/oauth/start", &[])
            .await
            .status(),
        403
    );
    let page = format!("/integrations/accounts/{account}/reauthenticate");
    assert!(bob
        .page(&page)
        .await
        .contains("Your role does not allow changing this account"));
    assert_eq!(
        bob.post_form(
            &page,
            &[
                ("method", "api_token"),
                ("email", "demo@example.com"),
                ("api_token", REPLACEMENT)
            ]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        bob.post_form(&format!("/integrations/accounts/{account}/delete"), &[])
            .await
            .status(),
        403
    );
    let listed = bob.page("/integrations/accounts").await;
    assert!(
        listed.contains("demo (API token)") && !listed.contains("/reauthenticate\""),
        "read-only: {listed}"
    );
    assert_eq!(accounts(&server, &alice).await.len(), 1, "nothing changed");
}

async fn viewer<'a>(server: &'a TestServer, alice: &Actor) -> Browser<'a> {
    let invite = Accounts::new(&server.db.store)
        .create_invite(alice, Role::Viewer, "t")
        .await
        .unwrap();
    let bob = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let accepted = bob
        .post_form("/invite/accept", &[("token", invite.token.expose_secret())])
        .await;
    assert_eq!(location(&accepted), "/");
    bob
}
