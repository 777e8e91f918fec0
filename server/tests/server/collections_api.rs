//! The Postman-compatible collection endpoints over HTTP, on both databases: shapes, status
//! codes, team isolation, roles, bad input and the revisions and events each change writes.

use crate::common::{example, team_key, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::Role,
    collections::{Collections, Quotas},
    postman::Collection,
};
use serde_json::{json, Value};

ferry_testing::on_both!(
    create_list_get_replace_delete,
    shared_example_comes_back_canonical,
    other_teams_ids_answer_404,
    viewer_keys_cannot_write,
    bad_input_is_refused_naming_the_path,
    bodies_up_to_32_mib_are_read_and_larger_ones_refused,
    keys_are_required,
    openapi_lists_every_api_route,
    quotas_refuse_with_403_naming_the_limit_and_store_nothing,
);

struct Api<'a> {
    server: &'a TestServer,
    key: String,
}

impl Api<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut request = self
            .server
            .client
            .request(method, self.server.at(path))
            .header("x-api-key", &self.key);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, collection: &Value) -> (u16, Value) {
        self.send(
            reqwest::Method::POST,
            "/api/collections",
            Some(wrap(collection)),
        )
        .await
    }

    async fn put(&self, id: &str, collection: &Value) -> (u16, Value) {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/collections/{id}"),
            Some(wrap(collection)),
        )
        .await
    }

    async fn delete(&self, id: &str) -> (u16, Value) {
        self.send(
            reqwest::Method::DELETE,
            &format!("/api/collections/{id}"),
            None,
        )
        .await
    }
}

fn wrap(collection: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "collection": collection })).unwrap()
}

fn users_api(name: &str, requests: &[&str]) -> Value {
    let items: Vec<Value> = requests
        .iter()
        .map(|r| json!({"id": r, "name": r, "request": format!("https://api.example.com/{r}")}))
        .collect();
    json!({
        "info": {"_postman_id": "users-api", "name": name,
                 "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items,
    })
}

fn is_iso_8601(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z'
}

async fn create_list_get_replace_delete(db: Db) {
    let server = TestServer::start(db).await;
    let (admin, key) = team_key(&server, "ada@example.com", Role::Editor).await;
    let api = Api {
        server: &server,
        key,
    };
    let uid = format!("{}-users-api", admin.team_id);

    let (status, created) = api.post(&users_api("Users API", &["list"])).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created,
        json!({"collection": {"id": "users-api", "name": "Users API", "uid": uid}})
    );

    let (status, listed) = api.get("/api/collections").await;
    assert_eq!(status, 200);
    let entry = &listed["collections"][0];
    assert_eq!(listed["collections"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&entry["id"], &entry["name"], &entry["uid"]),
        (&json!("users-api"), &json!("Users API"), &json!(uid))
    );
    assert_eq!(entry["owner"], admin.team_id.as_str());
    assert!(is_iso_8601(entry["createdAt"].as_str().unwrap()), "{entry}");
    assert!(is_iso_8601(entry["updatedAt"].as_str().unwrap()), "{entry}");

    let (status, got) = api.get("/api/collections/users-api").await;
    assert_eq!(status, 200);
    assert_eq!(got["collection"]["info"]["name"], "Users API");
    assert_eq!(
        got["collection"]["item"][0]["request"],
        "https://api.example.com/list"
    );

    let (status, replaced) = api
        .put("users-api", &users_api("Users", &["list", "create"]))
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(
        replaced,
        json!({"collection": {"id": "users-api", "name": "Users", "uid": uid}})
    );
    let (_, again) = api
        .put("users-api", &users_api("Users", &["list", "create"]))
        .await;
    assert_eq!(again["collection"]["name"], "Users");
    let (_, got) = api.get("/api/collections/users-api").await;
    assert_eq!(got["collection"]["item"][1]["name"], "create");

    let (status, deleted) = api.delete("users-api").await;
    assert_eq!(status, 200);
    assert_eq!(
        deleted,
        json!({"collection": {"id": "users-api", "uid": uid}})
    );
    let (status, gone) = api.get("/api/collections/users-api").await;
    assert_eq!(status, 404);
    assert_eq!(gone["error"]["name"], "instanceNotFoundError");

    let events = server
        .db
        .store
        .collection_events(&admin.team_id)
        .await
        .unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.revision))
        .collect();
    assert_eq!(
        kinds,
        [("created", 1), ("updated", 2), ("deleted", 2)],
        "the unchanged PUT wrote nothing"
    );
    assert!(events
        .iter()
        .all(|e| e.collection_id == "users-api" && e.author_email == "ada@example.com"));
}

async fn shared_example_comes_back_canonical(db: Db) {
    let server = TestServer::start(db).await;
    let (admin, key) = team_key(&server, "ada@example.com", Role::Admin).await;
    let api = Api {
        server: &server,
        key,
    };
    let raw = example("jsonblob.json");
    let expected = Collection::import(&raw).unwrap();
    let body = [br#"{"collection": "#.as_slice(), &raw, b"}"].concat();
    let (status, created) = api
        .send(reqwest::Method::POST, "/api/collections", Some(body))
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["collection"]["id"], expected.id());

    let text = server
        .client
        .get(server.at(&format!("/api/collections/{}", expected.id())))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        format!(
            "{{\"collection\":{}}}",
            expected.to_canonical_json().trim_end()
        )
    );

    let actor = Actor {
        role: Role::Viewer,
        ..admin
    };
    let revisions = Collections::new(&server.db.store)
        .revisions(&actor, expected.id())
        .await
        .unwrap();
    assert_eq!(revisions.len(), 1);
    assert!(
        revisions[0]
            .summary
            .starts_with(&format!("Create \"{}\"", expected.name())),
        "{}",
        revisions[0].summary
    );
}

async fn other_teams_ids_answer_404(db: Db) {
    let server = TestServer::start(db).await;
    let (alpha, alpha_key) = team_key(&server, "alpha@example.com", Role::Admin).await;
    let (_, bravo_key) = team_key(&server, "bravo@example.com", Role::Admin).await;
    let alpha_api = Api {
        server: &server,
        key: alpha_key,
    };
    let bravo = Api {
        server: &server,
        key: bravo_key,
    };
    assert_eq!(
        alpha_api
            .post(&users_api("Alpha secrets", &["list"]))
            .await
            .0,
        200
    );

    assert_eq!(
        bravo.get("/api/collections").await.1,
        json!({"collections": []})
    );
    for (status, body) in [
        bravo.get("/api/collections/users-api").await,
        bravo.put("users-api", &users_api("Taken over", &[])).await,
        bravo.delete("users-api").await,
    ] {
        assert_eq!(status, 404, "{body}");
        assert!(!body.to_string().contains("Alpha"), "{body}");
    }
    let (_, still) = alpha_api.get("/api/collections/users-api").await;
    assert_eq!(still["collection"]["info"]["name"], "Alpha secrets");
    assert_eq!(
        server
            .db
            .store
            .collection_events(&alpha.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn viewer_keys_cannot_write(db: Db) {
    let server = TestServer::start(db).await;
    let (admin, admin_key) = team_key(&server, "ada@example.com", Role::Admin).await;
    let (_, viewer_key) = Accounts::new(&server.db.store)
        .create_api_key(&admin, "read-only", Role::Viewer, None, "test")
        .await
        .unwrap();
    let editor = Api {
        server: &server,
        key: admin_key,
    };
    let viewer = Api {
        server: &server,
        key: viewer_key.expose_secret().to_owned(),
    };
    assert_eq!(editor.post(&users_api("Users API", &["list"])).await.0, 200);

    let mut other = users_api("Other", &[]);
    other["info"]["_postman_id"] = json!("other");
    for (status, body) in [
        viewer.post(&other).await,
        viewer.put("users-api", &users_api("Changed", &["x"])).await,
        viewer.delete("users-api").await,
    ] {
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["name"], "forbiddenError");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("viewer"),
            "{body}"
        );
    }
    let (status, listed) = viewer.get("/api/collections").await;
    assert_eq!(status, 200);
    assert_eq!(listed["collections"].as_array().unwrap().len(), 1);
    assert_eq!(
        viewer.get("/api/collections/users-api").await.1["collection"]["info"]["name"],
        "Users API"
    );
    assert_eq!(
        server
            .db
            .store
            .collection_events(&admin.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn bad_input_is_refused_naming_the_path(db: Db) {
    let server = TestServer::start(db).await;
    let (admin, key) = team_key(&server, "ada@example.com", Role::Admin).await;
    let api = Api {
        server: &server,
        key,
    };
    assert_eq!(
        api.post(&users_api("Users API", &["a", "b", "c", "d"]))
            .await
            .0,
        200
    );

    let mut wrong_url = users_api("Users API", &["a", "b", "c", "d"]);
    wrong_url["item"][3]["request"] = json!({"method": "GET", "url": 42});
    let mut no_name = users_api("", &[]);
    no_name["info"].as_object_mut().unwrap().remove("name");
    let post = |body: &'static [u8]| {
        api.send(
            reqwest::Method::POST,
            "/api/collections",
            Some(body.to_vec()),
        )
    };
    let cases = [
        (
            post(br#"{"collection": {"info": "#).await,
            "body: invalid JSON at line 1",
        ),
        (post(br#"{"items": []}"#).await, "collection: missing"),
        (api.post(&no_name).await, "collection.info"),
        (
            api.post(&wrong_url).await,
            "collection.item[3].request.url: ",
        ),
        (
            api.put("users-api", &wrong_url).await,
            "collection.item[3].request.url: ",
        ),
    ];
    for ((status, body), expected) in cases {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["name"], "malformedRequestError");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
    }
    let (_, got) = api.get("/api/collections/users-api").await;
    assert_eq!(
        got["collection"]["item"][3]["request"],
        "https://api.example.com/d"
    );
    assert_eq!(
        server
            .db
            .store
            .collection_events(&admin.team_id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing stored"
    );
}

async fn bodies_up_to_32_mib_are_read_and_larger_ones_refused(db: Db) {
    let server = TestServer::start(db).await;
    let (admin, key) = team_key(&server, "ada@example.com", Role::Admin).await;
    let api = Api {
        server: &server,
        key,
    };

    let mut big = users_api("Big", &["a"]);
    big["item"][0]["request"] = json!({"method": "POST", "url": "https://api.example.com/a",
        "body": {"mode": "raw", "raw": "x".repeat(21 * 1024 * 1024)}});
    let (status, body) = api.post(&big).await;
    assert_eq!(status, 200, "21 MiB are accepted: {body}");

    let padding = "x".repeat(32 * 1024 * 1024);
    let too_big =
        serde_json::to_vec(&json!({"collection": users_api("Too big", &[]), "padding": padding}))
            .unwrap();
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            "/api/collections",
            Some(too_big.clone()),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["name"], "payloadTooLargeError");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("32 MiB"),
        "{body}"
    );
    let (status, _) = api
        .send(
            reqwest::Method::PUT,
            "/api/collections/users-api",
            Some(too_big),
        )
        .await;
    assert_eq!(status, 413);
    assert_eq!(
        server
            .db
            .store
            .collection_events(&admin.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn keys_are_required(db: Db) {
    let server = TestServer::start(db).await;
    for (method, key) in [
        (reqwest::Method::GET, None),
        (reqwest::Method::POST, Some("ferry_nope")),
        (reqwest::Method::DELETE, None),
    ] {
        let path = if method == reqwest::Method::DELETE {
            "/api/collections/x"
        } else {
            "/api/collections"
        };
        let mut request = server.client.request(method.clone(), server.at(path));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = request
            .body(wrap(&users_api("Anonymous", &[])))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["name"], "AuthenticationError");
    }
}

async fn openapi_lists_every_api_route(db: Db) {
    let server = TestServer::start(db).await;
    let response = server
        .client
        .get(server.at("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let api_routes: Vec<_> = ferry::http::route_table()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/"))
        .collect();
    assert!(api_routes.len() >= 7, "{api_routes:?}");
    for (method, path) in &api_routes {
        let operation = &document["paths"][path][method.as_str().to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {path} is not in /api/openapi.json"
        );
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        api_routes.len(),
        "the document lists only routes that exist"
    );
}

async fn quotas_refuse_with_403_naming_the_limit_and_store_nothing(db: Db) {
    let first = users_api("Users API", &["list"]);
    let canonical = |value: &Value| {
        Collection::import(&serde_json::to_vec(value).unwrap())
            .unwrap()
            .to_canonical_json()
    };
    // Room for one collection and, in bytes, for its first revision and a little more.
    let room = canonical(&first).len() as i64 + 100;
    let server = TestServer::start_with(db, |config| {
        config.limits.quotas = Quotas {
            collections: Some(1),
            stored_bytes: Some(room),
        };
    })
    .await;
    let (admin, key) = team_key(&server, "ada@example.com", Role::Editor).await;
    let api = Api {
        server: &server,
        key,
    };
    assert_eq!(api.post(&first).await.0, 200);

    let mut second = users_api("Orders", &[]);
    second["info"]["_postman_id"] = json!("orders");
    let (status, refused) = api.post(&second).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["name"], "quotaExceededError");
    assert_eq!(
        refused["error"]["message"],
        "this team has reached its limit of 1 collections; delete collections it no longer needs, \
         or ask the operator to raise FERRY_QUOTA_COLLECTIONS"
    );

    let (status, refused) = api
        .put(
            "users-api",
            &users_api("Users API", &["list", "create", "update", "delete"]),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["name"], "quotaExceededError");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "this team has reached its storage limit of {room} bytes"
        )),
        "{message}"
    );
    assert!(
        message.ends_with("ask the operator to raise FERRY_QUOTA_STORAGE_MB"),
        "{message}"
    );

    let (_, listed) = api.get("/api/collections").await;
    assert_eq!(listed["collections"].as_array().unwrap().len(), 1);
    let (_, got) = api.get("/api/collections/users-api").await;
    assert_eq!(
        got["collection"]["item"].as_array().unwrap().len(),
        1,
        "the refused PUT stored nothing"
    );
    let events = server
        .db
        .store
        .collection_events(&admin.team_id)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "only the first create");
}
