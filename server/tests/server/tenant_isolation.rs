//! Tenant isolation: team B's admin, signed in, asks every route of the server about team
//! A's people, invites, keys, collections, APIs (and their versions) and the team itself; the REST API with B's key. Ids of another team answer 404, and no
//! answer carries anything of A. The routes come from the router's own table
//! (`ferry::http::every_route`), so a new route fails this suite until it has a case here.

use crate::common::{integrations::account_row, location, Browser, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, FirstTeam},
    apis::{Apis, NewApi},
    auth::Role,
    collections::Collections,
    integrations::{IntegrationDraft, IntegrationStatus, Integrations},
    postman::Collection,
    store::sync::Trigger,
};
use http::Method;

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(team_b_reaches_nothing_of_team_a_on_any_route);

/// Team A's ids, and text that must never reach B.
struct TeamA {
    team_id: String,
    alice_id: String,
    bob_id: String,
    invite_id: String,
    invite_token: String,
    key_id: String,
    collection_id: String,
    account_id: String,
    integration_id: String,
    request_id: String,
    api_id: String,
    version_id: String,
    hook_id: String,
    delivery_id: String,
}

/// Team A's API definition: its title, summary, path and version name must never reach B.
const ALPHA_DEFINITION: &str = "openapi: 3.1.0
info:
  title: Alpha API
  version: 1.0.0
paths:
  /alpha-secret-path:
    get:
      responses:
        '200': {description: ok}
";

impl TeamA {
    fn secrets(&self) -> Vec<&str> {
        vec![
            "alice@example.com",
            "bob@example.com",
            "Team Alpha",
            "alpha-deploy-key",
            &self.team_id,
            &self.alice_id,
            &self.bob_id,
            &self.invite_id,
            &self.invite_token,
            &self.key_id,
            "Alpha collection",
            &self.collection_id,
            "Alpha account",
            &self.account_id,
            "alpha-repo",
            "alpha-backup.json",
            &self.integration_id,
            "Alpha request",
            &self.request_id,
            "Alpha API",
            "Alpha summary",
            "Alpha Slack",
            "alphasecretpath",
            "alpha-secret-path",
            "alpha-v1",
            &self.api_id,
            &self.version_id,
            &self.hook_id,
            &self.delivery_id,
        ]
    }

    /// The values a path parameter or form field is tried with.
    fn ids(&self) -> Vec<&str> {
        vec![
            &self.team_id,
            &self.alice_id,
            &self.bob_id,
            &self.invite_id,
            &self.key_id,
            &self.collection_id,
            &self.account_id,
            &self.integration_id,
            &self.request_id,
            &self.api_id,
            &self.version_id,
            &self.hook_id,
            &self.delivery_id,
        ]
    }
}

async fn team_a(server: &TestServer) -> TeamA {
    let accounts = Accounts::new(&server.db.store);
    let alice = accounts
        .create_user(
            "alice@example.com",
            PASSWORD.into(),
            FirstTeam::Named("Team Alpha"),
            "a",
        )
        .await
        .unwrap();
    let bob = accounts
        .create_user("bob@example.com", PASSWORD.into(), FirstTeam::Personal, "a")
        .await
        .unwrap();
    let admin = accounts
        .session_actor(&alice.user_id, &alice.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let joined = accounts
        .create_invite(&admin, Role::Viewer, "a")
        .await
        .unwrap();
    let bob_actor = accounts
        .session_actor(&bob.user_id, &bob.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    accounts
        .accept_invite(&bob_actor, joined.token.expose_secret(), "a")
        .await
        .unwrap();
    let pending = accounts
        .create_invite(&admin, Role::Admin, "a")
        .await
        .unwrap();
    let invite_id = server
        .db
        .store
        .pending_invites(&alice.team_id)
        .await
        .unwrap()
        .remove(0)
        .id;
    let (key_id, _) = accounts
        .create_api_key(&admin, "alpha-deploy-key", Role::Admin, None, "a")
        .await
        .unwrap();
    let mut alpha = Collection::new("Alpha collection").unwrap();
    let request_id = alpha
        .add_request(None, "Alpha request", "GET", "https://alpha.example.com")
        .unwrap();
    let collection = Collections::new(&server.db.store)
        .create(&admin, alpha)
        .await
        .unwrap();
    let account_id = account_row(&server.db.store, &admin, "Alpha account").await;
    let draft = IntegrationDraft {
        collection_id: collection.row.id.clone(),
        account_id: account_id.clone(),
        workspace: "alpha".into(),
        repository: "alpha-repo".into(),
        branch: "main".into(),
        directory: String::new(),
        filename: "alpha-backup.json".into(),
    };
    let integration_id = Integrations::new(&server.db.store)
        .create(&admin, &draft)
        .await
        .unwrap()
        .id;
    let apis = Apis::new(&server.db.store);
    let api_id = apis
        .create(
            &admin,
            NewApi::Import {
                text: ALPHA_DEFINITION,
                summary: "Alpha summary",
            },
        )
        .await
        .unwrap()
        .row
        .id;
    apis.link(&admin, &api_id, &collection.row.id)
        .await
        .unwrap();
    let version_id = apis
        .publish(&admin, &api_id, "alpha-v1", "Alpha notes")
        .await
        .unwrap()
        .id;
    // A's Slack integration and a delivery of it (the URL and name must never reach B).
    let policy = ferry_domain::webhooks::NetworkPolicy::default();
    let hooks = ferry_domain::hooks::Hooks::new(&server.db.store, &server.keyring, &policy);
    let (hook, _) = hooks
        .create(
            &admin,
            ferry_domain::hooks::NewHook {
                kind: ferry_domain::hooks::HookKind::SlackActivity,
                nickname: "Alpha Slack",
                url: "https://hooks.slack.com/services/TALPHA/BALPHA/alphasecretpath",
                events: &["member.joined".to_owned()],
            },
        )
        .await
        .unwrap();
    let delivery_id = hooks.send_test(&admin, &hook.id).await.unwrap().id;
    TeamA {
        hook_id: hook.id,
        delivery_id,
        api_id,
        version_id,
        account_id,
        integration_id,
        team_id: alice.team_id,
        alice_id: alice.user_id,
        bob_id: bob.user_id,
        invite_id,
        invite_token: pending.token.expose_secret().to_owned(),
        key_id,
        collection_id: collection.row.id,
        request_id,
    }
}

/// What B's admin does on a route, and what must come of it.
enum Case {
    /// A form naming one of A's things by id: 404, nothing changes.
    ForeignId(&'static str),
    /// A form to a path naming one of A's things by id: 404, nothing changes.
    ForeignPath(&'static [(&'static str, &'static str)]),
    /// A form whose fields name A's collection and account: refused, nothing created anywhere.
    ForeignFields,
    /// Authenticate with a saved account: A's account ids are refused as unknown, and the
    /// Configure step is never reached with one.
    SavedAccount,
    /// A collection file uploaded for import: it lands in B's own team.
    Upload,
    /// An OpenAPI definition uploaded for import: it lands in B's own team.
    UploadDefinition,
    /// A form with no ids: it can only act on the session's own team (or none).
    NoIds(&'static [(&'static str, &'static str)]),
    /// Invites are found by their secret token, never by id: A's ids are no token.
    InviteToken,
    /// Signing up or in, from a browser of its own: it acts for nobody's team yet.
    Anonymous(&'static [(&'static str, &'static str)]),
    /// Read-only: a GET (pages with each of A's ids in their parameters) or a server function
    /// (with each of A's ids as its argument); answered for B's team only.
    Read,
    /// The REST API, with an admin key of B's team: A's ids answer 404, lists and creates
    /// reach B's team only.
    ApiKey,
    /// Ends the session; run last.
    SignsOut,
}

fn case(method: &Method, path: &str) -> Option<Case> {
    use Case::*;
    Some(match (method.as_str(), path) {
        ("POST", "/team/members/role") | ("POST", "/team/members/remove") => ForeignId("user_id"),
        ("POST", "/team/invites/revoke") => ForeignId("invite_id"),
        ("POST", "/team/api-keys/revoke") => ForeignId("key_id"),
        ("POST", "/teams/switch") => ForeignId("team_id"),
        ("POST", "/invite/accept") => InviteToken,
        ("POST", "/teams") => NoIds(&[("name", "Bravo two")]),
        ("POST", "/profile") => NoIds(&[
            ("commit_name", "Mallory"),
            ("commit_email", "mallory@bravo.example"),
        ]),
        ("POST", "/team/invites") => NoIds(&[("role", "viewer")]),
        ("POST", "/team/api-keys") => NoIds(&[
            ("name", "bravo key"),
            ("role", "viewer"),
            ("expires_in_days", ""),
        ]),
        ("POST", "/signup") => Anonymous(&[("email", "eve@example.com"), ("password", PASSWORD)]),
        ("POST", "/signin") => {
            Anonymous(&[("email", "mallory@example.com"), ("password", PASSWORD)])
        }
        ("POST", "/signout") | ("POST", "/signout/everywhere") => SignsOut,
        ("GET" | "POST", "/api/collections")
        | ("GET" | "PUT" | "DELETE", "/api/collections/{id}") => ApiKey,
        ("GET" | "POST", "/api/apis")
        | ("GET" | "PUT" | "DELETE", "/api/apis/{id}")
        | ("GET" | "PUT", "/api/apis/{id}/definition")
        | ("GET" | "POST", "/api/apis/{id}/collections" | "/api/apis/{id}/versions")
        | ("DELETE", "/api/apis/{id}/collections/{collection}")
        | ("GET", "/api/apis/{id}/versions/{version}")
        | ("GET", "/api/apis/{id}/sync" | "/api/apis/{id}/sync/log")
        | ("GET" | "POST", "/api/apis/{id}/sync/branches")
        | ("POST", "/api/apis/{id}/sync/pull" | "/api/apis/{id}/sync/push")
        | ("PUT", "/api/apis/{id}/sync/branch") => ApiKey,
        ("GET" | "POST", "/api/webhooks")
        | ("GET" | "PUT" | "DELETE", "/api/webhooks/{id}")
        | ("GET", "/api/webhooks/{id}/deliveries")
        | (
            "POST",
            "/api/webhooks/{id}/secret"
            | "/api/webhooks/{id}/test"
            | "/api/webhooks/{id}/deliveries/{delivery}/redeliver",
        ) => ApiKey,
        ("GET", "/api/integrations" | "/api/integrations/{id}" | "/api/integrations/{id}/runs") => {
            ApiKey
        }
        (
            "POST",
            "/api/integrations/{id}/run"
            | "/api/integrations/{id}/pause"
            | "/api/integrations/{id}/resume",
        ) => ApiKey,
        ("POST", "/integrations/bitbucket") => ForeignFields,
        ("POST", "/integrations/bitbucket/authenticate") => SavedAccount,
        ("POST", "/integrations/bitbucket/oauth/start") => ForeignId("account"),
        ("POST", "/integrations/accounts/{id}/reauthenticate") => ForeignPath(&[
            ("method", "api_token"),
            ("email", "mallory@example.com"),
            ("api_token", "ATATT-bravo"),
        ]),
        ("POST", "/integrations/accounts/{id}/delete") => ForeignPath(&[]),
        ("POST", "/integrations/accounts/{id}/share") => ForeignPath(&[("shared", "true")]),
        ("POST", "/integrations/bitbucket/{id}") => {
            ForeignPath(&[("workspace", "bravo"), ("filename", "b.json")])
        }
        ("POST", "/integrations/bitbucket/{id}/delete") => ForeignPath(&[]),
        (
            "POST",
            "/integrations/bitbucket/{id}/run"
            | "/integrations/bitbucket/{id}/pause"
            | "/integrations/bitbucket/{id}/resume",
        ) => ForeignPath(&[("back", "runs")]),
        ("POST", "/integrations/webhooks/new" | "/integrations/slack/new") => NoIds(&[
            ("name", "Bravo hook"),
            ("url", "https://example.com/bravo"),
            ("events", "collection.changed"),
        ]),
        (
            "POST",
            "/integrations/hooks/{id}/edit"
            | "/integrations/hooks/{id}/pause"
            | "/integrations/hooks/{id}/resume"
            | "/integrations/hooks/{id}/test"
            | "/integrations/hooks/{id}/secret"
            | "/integrations/hooks/{id}/delete"
            | "/integrations/hooks/{id}/deliveries/{delivery}/redeliver",
        ) => ForeignPath(&[("name", "Bravo"), ("events", "collection.changed")]),
        ("POST", "/collections") => NoIds(&[("name", "Bravo collection")]),
        ("POST", "/collections/import") => Upload,
        ("POST", "/collections/{id}/delete") => ForeignPath(&[("confirm", "yes")]),
        ("POST", "/collections/{id}/items") => {
            ForeignPath(&[("kind", "folder"), ("name", "Bravo"), ("parent", "")])
        }
        ("POST", "/collections/{id}/requests/{item}") => ForeignPath(&[
            ("name", "Bravo"),
            ("method", "GET"),
            ("url", "https://b"),
            ("body_mode", "none"),
        ]),
        ("POST", "/collections/{id}/items/{item}/rename") => ForeignPath(&[("name", "Bravo")]),
        ("POST", "/collections/{id}/items/{item}/move") => {
            ForeignPath(&[("parent", ""), ("position", "1")])
        }
        ("POST", "/collections/{id}/items/{item}/delete") => ForeignPath(&[]),
        ("POST", "/collections/{id}/variables") => {
            ForeignPath(&[("var.0.key", "bravo"), ("var.0.value", "b")])
        }
        ("POST", "/collections/{id}/details") => {
            ForeignPath(&[("name", "Bravo renamed"), ("description", "b")])
        }
        ("POST", "/apis") => NoIds(&[("name", "Bravo API")]),
        ("POST", "/apis/import") => UploadDefinition,
        ("POST", "/apis/{id}/details") => {
            ForeignPath(&[("name", "Bravo renamed"), ("summary", "b")])
        }
        ("POST", "/apis/{id}/definition") => {
            ForeignPath(&[("definition", "openapi: 3.1.0\n"), ("revision", "1")])
        }
        ("POST", "/apis/{id}/delete") => ForeignPath(&[("confirm", "yes")]),
        ("POST", "/apis/{id}/collections/link") => ForeignPath(&[("collection", "bravo")]),
        (
            "POST",
            "/apis/{id}/collections/{collection}/unlink" | "/apis/{id}/collections/generate",
        ) => ForeignPath(&[]),
        ("POST", "/apis/{id}/versions") => {
            ForeignPath(&[("version", "bravo-1"), ("release_notes", "b")])
        }
        ("POST", "/apis/{id}/repository") => ForeignPath(&[
            ("accountId", "bravo"),
            ("workspace", "bravo"),
            ("repository", "bravo-repo"),
            ("branch", "main"),
        ]),
        (
            "POST",
            "/apis/{id}/repository/push"
            | "/apis/{id}/repository/pull"
            | "/apis/{id}/repository/resolve"
            | "/apis/{id}/repository/branch"
            | "/apis/{id}/repository/branches"
            | "/apis/{id}/repository/settings"
            | "/apis/{id}/repository/disconnect",
        ) => ForeignPath(&[
            ("message", "Bravo"),
            ("path", "postman/schemas/index.yaml"),
            ("choice", "repository"),
            ("branch", "main"),
            ("name", "bravo"),
            ("tagPattern", "v{version}"),
        ]),
        // Deliveries name a hook, not a team: an id of A's is no hook at all.
        ("POST", "/webhooks/bitbucket/{hook}") => ForeignPath(&[]),
        ("GET", _) => Read,
        ("POST", path) if path.starts_with("/api/") => Read,
        _ => return None,
    })
}

async fn team_b_reaches_nothing_of_team_a_on_any_route(db: Db) {
    let server = TestServer::start(db).await;
    let a = team_a(&server).await;
    let mallory = server.browser();
    mallory
        .post_form(
            "/signup",
            &[("email", "mallory@example.com"), ("password", PASSWORD)],
        )
        .await;

    let bravo_key = bravo_admin_key(&server).await;

    let routes = ferry::http::every_route();
    let uncovered: Vec<_> = routes
        .iter()
        .filter(|(m, p)| case(m, p).is_none())
        .collect();
    assert!(
        uncovered.is_empty(),
        "routes without a tenant-isolation case: {uncovered:?}"
    );
    assert!(
        routes
            .iter()
            .any(|(m, p)| m == Method::GET && p == "/team/members"),
        "pages are listed: {routes:?}"
    );
    assert!(
        routes.iter().any(|(_, p)| p.contains("load_members")),
        "server functions are listed: {routes:?}"
    );

    let mut signs_out = Vec::new();
    for (method, path) in &routes {
        match case(method, path).unwrap() {
            Case::ForeignId(field) => {
                for id in a.ids() {
                    let response = mallory
                        .post_form(path, &[(field, id), ("role", "admin")])
                        .await;
                    assert_eq!(response.status(), 404, "{path} with {field}={id}");
                    assert_reveals_nothing(&a, path, &response.text().await.unwrap());
                }
            }
            Case::ForeignPath(form) => {
                for id in a.ids() {
                    let filled = fill_params(path, id);
                    let response = mallory.post_form(&filled, form).await;
                    assert_eq!(response.status(), 404, "{filled}");
                    assert_reveals_nothing(&a, path, &response.text().await.unwrap());
                }
            }
            Case::ForeignFields => {
                let form = [
                    ("collection", a.collection_id.as_str()),
                    ("account", a.account_id.as_str()),
                    // What B types is B's to see again; only A's ids must go no further.
                    ("workspace", "bravo"),
                    ("repository", "bravo-repo"),
                    ("branch", "bravo"),
                    ("directory", ""),
                    ("filename", "bravo.json"),
                ];
                let response = mallory.post_form(path, &form).await;
                assert_ne!(
                    location(&response),
                    "/integrations/bitbucket",
                    "{path}: refused"
                );
                follow(&mallory, &a, path, response).await;
            }
            Case::SavedAccount => {
                for id in a.ids() {
                    let response = mallory
                        .post_form(path, &[("method", "saved"), ("account", id)])
                        .await;
                    assert_eq!(
                        location(&response),
                        "/integrations/bitbucket/new",
                        "{path} with account={id}"
                    );
                    follow(&mallory, &a, path, response).await;
                }
                for id in a.ids() {
                    let configure = mallory
                        .page(&format!(
                            "/integrations/bitbucket/new/configure?account={id}"
                        ))
                        .await;
                    assert!(
                        configure.contains("Choose the Bitbucket account first"),
                        "{configure}"
                    );
                    assert_reveals_nothing(&a, "/integrations/bitbucket/new/configure", &configure);
                }
            }
            Case::Upload => {
                let file = reqwest::multipart::Part::bytes(
                    br#"{"info": {"name": "Bravo import", "schema": "x/v2.1.0/"}, "item": []}"#
                        .to_vec(),
                )
                .file_name("bravo.json");
                let response = mallory
                    .client
                    .post(server.at(path))
                    .header("origin", &server.url)
                    .multipart(reqwest::multipart::Form::new().part("file", file))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 303, "{path}");
                follow(&mallory, &a, path, response).await;
            }
            Case::UploadDefinition => {
                let file = reqwest::multipart::Part::bytes(
                    b"openapi: 3.1.0\ninfo: {title: Bravo import, version: '1'}\npaths: {}\n"
                        .to_vec(),
                )
                .file_name("bravo.yaml");
                let response = mallory
                    .client
                    .post(server.at(path))
                    .header("origin", &server.url)
                    .multipart(reqwest::multipart::Form::new().part("file", file))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 303, "{path}");
                assert!(
                    location(&response).starts_with("/apis/"),
                    "{path}: imported"
                );
                follow(&mallory, &a, path, response).await;
            }
            Case::NoIds(form) => {
                let response = mallory.post_form(path, form).await;
                assert_ne!(response.status(), 404, "{path}");
                follow(&mallory, &a, path, response).await;
            }
            Case::Anonymous(form) => {
                let stranger = server.browser();
                let response = stranger.post_form(path, form).await;
                assert_eq!(response.status(), 303, "{path}");
                follow(&stranger, &a, path, response).await;
            }
            Case::InviteToken => {
                for id in a.ids() {
                    let response = mallory.post_form(path, &[("token", id)]).await;
                    assert!(location(&response).starts_with("/invite/"), "{path}");
                    let page = mallory.page(location(&response)).await;
                    assert!(page.contains("this link is not valid"), "{path}: {page}");
                    assert_reveals_nothing(&a, path, &page);
                }
            }
            Case::Read => read(&server, &mallory, &a, method, path).await,
            Case::ApiKey => api(&server, &bravo_key, &a, method, path).await,
            Case::SignsOut => signs_out.push(path.clone()),
        }
    }
    for path in signs_out {
        let response = mallory.post_form(&path, &[]).await;
        follow(&mallory, &a, &path, response).await;
    }

    let store = &server.db.store;
    let mallory_id = store
        .user_by_email("mallory@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        store
            .membership(&a.team_id, &mallory_id)
            .await
            .unwrap()
            .is_none(),
        "B never joined A"
    );
    assert_eq!(
        store
            .membership(&a.team_id, &a.bob_id)
            .await
            .unwrap()
            .unwrap()
            .role,
        "viewer"
    );
    assert_eq!(
        store
            .membership(&a.team_id, &a.alice_id)
            .await
            .unwrap()
            .unwrap()
            .role,
        "admin"
    );
    assert_eq!(
        store.pending_invites(&a.team_id).await.unwrap().len(),
        1,
        "A's invite is still open"
    );
    let keys = store.api_keys(&a.team_id).await.unwrap();
    assert!(
        keys.iter().all(|k| k.revoked_at_ms.is_none()) && keys.len() == 1,
        "A's key is untouched"
    );
    let alice = Accounts::new(store)
        .session_actor(&a.alice_id, &a.team_id, 0)
        .await
        .unwrap()
        .unwrap();
    let collection = Collections::new(store)
        .get(&alice, &a.collection_id)
        .await
        .unwrap();
    assert_eq!(
        (collection.row.name.as_str(), collection.row.revision),
        ("Alpha collection", 1),
        "A's collection is untouched"
    );
    assert_eq!(
        collection.collection.tree().len(),
        1,
        "A's request is still there"
    );
    assert_eq!(
        store.collection_events(&a.team_id).await.unwrap().len(),
        1,
        "no change recorded in A"
    );
    let integrations = Integrations::new(store).list(&alice, "").await.unwrap();
    assert_eq!(
        integrations.len(),
        1,
        "A's integration is still there, and no other joined it"
    );
    assert_eq!(
        (
            integrations[0].filename.as_str(),
            integrations[0].branch.as_str()
        ),
        ("alpha-backup.json", "main")
    );
    assert_eq!(
        integrations[0].status,
        IntegrationStatus::Active,
        "A's integration was neither paused nor resumed"
    );
    let job = store
        .queued_job(&a.team_id, &a.integration_id)
        .await
        .unwrap()
        .expect("its first run is still queued");
    assert_eq!(
        (job.trigger, job.generation),
        (Trigger::Initial, 1),
        "B queued no run of A's integration"
    );
    let apis = Apis::new(store);
    let api = apis.get(&alice, &a.api_id).await.unwrap();
    assert_eq!(
        (api.row.name.as_str(), api.row.revision, api.text.as_str()),
        ("Alpha API", 3, ALPHA_DEFINITION),
        "A's API is untouched"
    );
    assert_eq!(apis.history(&alice, &a.api_id).await.unwrap().len(), 3);
    assert_eq!(
        apis.list(&alice, "").await.unwrap().len(),
        1,
        "no API joined A"
    );
    assert_eq!(
        apis.linked_collections(&alice, &a.api_id)
            .await
            .unwrap()
            .len(),
        1,
        "A's link stays"
    );
    let versions = apis.versions(&alice, &a.api_id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].id, a.version_id);
    let audit = store.audit_log(&a.team_id, 100).await.unwrap();
    assert!(
        audit.iter().all(|e| e.actor != "mallory@example.com"),
        "B did nothing in A"
    );
}

/// An admin key of Mallory's own team.
async fn bravo_admin_key(server: &TestServer) -> String {
    let store = &server.db.store;
    let mallory = store
        .user_by_email("mallory@example.com")
        .await
        .unwrap()
        .unwrap();
    let team_id = store
        .memberships(&mallory.id)
        .await
        .unwrap()
        .remove(0)
        .team_id;
    let accounts = Accounts::new(store);
    let admin = accounts
        .session_actor(&mallory.id, &team_id, mallory.session_epoch)
        .await
        .unwrap()
        .unwrap();
    let (_, key) = accounts
        .create_api_key(&admin, "bravo key", Role::Admin, None, "b")
        .await
        .unwrap();
    key.expose_secret().to_owned()
}

/// A REST route with B's key: with each of A's ids where it takes one (404), else acting on
/// B's own team.
async fn api(server: &TestServer, key: &str, a: &TeamA, method: &Method, path: &str) {
    // One body that every REST route can take: a collection, an API's fields, a link naming
    // A's collection, a version; unknown fields are ignored.
    let body = serde_json::json!({
        "collection": Collection::new("Bravo collection").unwrap().as_json(),
        "name": "bravo-1",
        "summary": "b",
        "operationType": "LINK_COLLECTION",
        "data": { "collectionId": a.collection_id },
        "releaseNotes": "b",
        "url": "https://hooks.example.com/bravo",
        "events": ["member.joined"],
    });
    let send = |path: String| {
        server
            .client
            .request(method.clone(), server.at(&path))
            .header("x-api-key", key)
            .json(&body)
            .send()
    };
    if path.contains('{') {
        for id in a.ids() {
            let response = send(fill_params(path, id)).await.unwrap();
            assert_eq!(response.status(), 404, "{method} {path} with {id}");
            assert_reveals_nothing(a, path, &response.text().await.unwrap());
        }
    } else {
        let response = send(path.to_owned()).await.unwrap();
        assert_eq!(response.status(), 200, "{method} {path}");
        assert_reveals_nothing(a, path, &response.text().await.unwrap());
    }
}

/// A read-only route, with each of A's ids wherever it takes one.
async fn read(server: &TestServer, mallory: &Browser<'_>, a: &TeamA, method: &Method, path: &str) {
    let paths: Vec<String> = if path.contains(':') || path.contains('{') {
        a.ids()
            .into_iter()
            .map(|id| fill_params(path, id))
            .collect()
    } else {
        vec![path.to_owned()]
    };
    for path in paths {
        let response = if method == Method::GET {
            mallory.client.get(server.at(&path)).send().await.unwrap()
        } else {
            let mut answers = Vec::new();
            for id in a.ids() {
                let response = mallory
                    .client
                    .post(server.at(&path))
                    .header("origin", &server.url)
                    .form(&[("token", id), ("id", id), ("number", "1"), ("q", "")])
                    .send()
                    .await
                    .unwrap();
                answers.push(response.text().await.unwrap());
            }
            for body in answers {
                assert_reveals_nothing(a, &path, &body);
            }
            continue;
        };
        assert!(response.status() != 500, "{path}");
        assert_reveals_nothing(a, &path, &response.text().await.unwrap());
    }
}

fn fill_params(path: &str, id: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with(':') || segment.starts_with('{') {
                id
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The response, and the page it redirects to, say nothing of A.
async fn follow(mallory: &Browser<'_>, a: &TeamA, path: &str, response: reqwest::Response) {
    let to = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    assert_reveals_nothing(a, path, &response.text().await.unwrap());
    if let Some(to) = to {
        assert_reveals_nothing(a, path, &mallory.page(&to).await);
    }
}

fn assert_reveals_nothing(a: &TeamA, path: &str, body: &str) {
    for secret in a.secrets() {
        assert!(
            !body.contains(secret),
            "{path} revealed “{secret}” of team A: {body}"
        );
    }
}
