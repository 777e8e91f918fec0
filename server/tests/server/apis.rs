//! APIs over HTTP on both databases: the pages' forms and downloads (posted as a browser
//! without JavaScript posts them) and the REST API under `/api/apis` — definitions kept byte
//! for byte, problems saved and listed with their line, unreadable and oversized definitions
//! refused with nothing stored, generation and regeneration, immutable versions and their zip,
//! and roles.

use std::io::Read as _;

use crate::common::{location, Browser, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, Actor},
    apis::Apis,
    auth::Role,
    collections::Collections,
    openapi::Definition,
    postman::{Collection, NodeKind},
};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    the_bitbucket_definition_imports_by_form_and_by_rest_byte_for_byte,
    a_commented_yaml_definition_round_trips_and_the_editor_saves_it,
    problems_are_saved_and_listed_and_unreadable_definitions_store_nothing,
    generation_makes_a_request_per_operation_and_keeps_hand_added_ones,
    versions_never_change_and_export_as_one_zip,
    viewers_read_editors_cannot_delete_and_admins_can,
);

/// A hand-written OpenAPI 3.1 definition: comments, flow style, three operations.
const PETS_YAML: &str = "# Pets API: written by hand, kept as written.
openapi: 3.1.0
info:
  title: Pets   # the name Ferry shows
  version: 1.0.0
servers:
  - url: https://pets.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      tags: [pets]
      responses:
        '200':
          description: The pets
    post:
      operationId: createPet
      tags: [pets]
      responses:
        '201': {description: Created}
  /pets/{id}:
    get:
      operationId: getPet
      tags: [pets]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: The pet}
";

/// A reference to a schema that is not there, on line 14.
const BROKEN_REF_YAML: &str = "openapi: 3.1.0
info:
  title: Pets
  version: 1.0.0
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Missing'
";

fn bitbucket_definition() -> String {
    let path = format!(
        "{}/../../shared/bitbucket/cloud-openapi.json",
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The signed-up person's actor in their current team.
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

/// Alice signed up (in the server's own browser), and an API key of `role` in her team.
async fn alice_with_key(server: &TestServer, role: Role) -> (Actor, Rest<'_>) {
    server.sign_up("alice@example.com", PASSWORD).await;
    let alice = actor(server, "alice@example.com").await;
    let rest = key_of(server, &alice, role).await;
    (alice, rest)
}

async fn key_of<'s>(server: &'s TestServer, admin: &Actor, role: Role) -> Rest<'s> {
    let (_, key) = Accounts::new(&server.db.store)
        .create_api_key(admin, "tests", role, None, "test")
        .await
        .unwrap();
    Rest {
        server,
        // A script's client: no session cookie (a cookie would make its writes a browser's).
        client: TestServer::new_browser(),
        key: key.expose_secret().to_owned(),
    }
}

struct Rest<'a> {
    server: &'a TestServer,
    client: reqwest::Client,
    key: String,
}

impl Rest<'_> {
    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.server.at(path))
            .header("x-api-key", &self.key);
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        request.send().await.unwrap()
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
        let response = self.raw(method, path, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn put_definition(&self, id: &str, content_type: &str, text: &[u8]) -> (u16, Value) {
        let response = self
            .raw(
                reqwest::Method::PUT,
                &format!("/api/apis/{id}/definition"),
                Some((content_type, text.to_vec())),
            )
            .await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The definition as answered: its bytes and content type.
    async fn definition(&self, id: &str) -> (Vec<u8>, String) {
        let response = self
            .raw(
                reqwest::Method::GET,
                &format!("/api/apis/{id}/definition"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        (response.bytes().await.unwrap().to_vec(), content_type)
    }

    async fn create(&self, text: &str) -> String {
        let (status, created) = self.post("/api/apis", json!({ "definition": text })).await;
        assert_eq!(status, 200, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }
}

async fn import_form(
    server: &TestServer,
    client: &reqwest::Client,
    file: Vec<u8>,
    pasted: &str,
) -> reqwest::Response {
    let form = Form::new()
        .text("text", pasted.to_owned())
        .text("summary", "Imported in a test")
        .part("file", Part::bytes(file).file_name("definition.json"));
    client
        .post(server.at("/apis/import"))
        .header("origin", &server.url)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn download(client: &reqwest::Client, server: &TestServer, path: &str) -> reqwest::Response {
    client.get(server.at(path)).send().await.unwrap()
}

fn api_id_from(location: &str) -> String {
    location
        .strip_prefix("/apis/")
        .unwrap_or_else(|| panic!("not an API page: {location}"))
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

/// The requests of a collection, as `METHOD url`.
fn requests(collection: &Collection) -> Vec<String> {
    collection
        .tree()
        .into_iter()
        .filter_map(|node| match node.kind {
            NodeKind::Request { method, url } => Some(format!("{method} {url}")),
            NodeKind::Folder => None,
        })
        .collect()
}

async fn the_bitbucket_definition_imports_by_form_and_by_rest_byte_for_byte(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, rest) = alice_with_key(&server, Role::Editor).await;
    let text = bitbucket_definition();
    let operations = Definition::parse(&text).unwrap().operations().len();
    assert!(operations > 300, "{operations}");

    let response = import_form(&server, &server.client, text.clone().into_bytes(), "").await;
    assert_eq!(response.status(), 303);
    let id = api_id_from(location(&response));
    let stored = Apis::new(&server.db.store).get(&alice, &id).await.unwrap();
    assert_eq!(stored.text, text);
    assert_eq!(stored.row.summary, "Imported in a test");
    assert_eq!(stored.row.definition.operation_count as usize, operations);

    let export = download(
        &server.client,
        &server,
        &format!("/apis/{id}/definition/export"),
    )
    .await;
    assert_eq!(export.status(), 200);
    assert_eq!(
        export.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let disposition = export.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(disposition.contains(".json\""), "{disposition}");
    assert_eq!(export.bytes().await.unwrap(), text.as_bytes());

    let by_rest = rest.create(&text).await;
    let (bytes, content_type) = rest.definition(&by_rest).await;
    assert_eq!(bytes, text.as_bytes(), "byte for byte");
    assert_eq!(content_type, "application/json; charset=utf-8");

    let (status, listed) = rest.get("/api/apis").await;
    assert_eq!(status, 200);
    let apis = listed["apis"].as_array().unwrap();
    assert_eq!(apis.len(), 2);
    let entry = apis.iter().find(|a| a["id"] == by_rest.as_str()).unwrap();
    assert_eq!(entry["definition"]["format"], "json");
    assert_eq!(entry["definition"]["operations"], operations);
    assert_eq!(entry["definition"]["valid"], true, "{entry}");
    assert_eq!(entry["createdBy"], alice.user_id.as_str());
    for key in ["name", "summary", "updatedBy", "createdAt", "updatedAt"] {
        assert!(entry[key].is_string(), "{key}: {entry}");
    }
}

async fn a_commented_yaml_definition_round_trips_and_the_editor_saves_it(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, rest) = alice_with_key(&server, Role::Editor).await;

    let response = server
        .post_form("/apis", &[("name", "Pets"), ("summary", "Pets, by hand")])
        .await;
    assert_eq!(response.status(), 303);
    let id = api_id_from(location(&response));
    assert_eq!(location(&response), format!("/apis/{id}"));

    let (status, replaced) = rest
        .put_definition(&id, "application/yaml", PETS_YAML.as_bytes())
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["problems"], json!([]));
    assert_eq!(replaced["definition"]["operations"], 3);
    assert_eq!(replaced["definition"]["title"], "Pets");
    let (bytes, content_type) = rest.definition(&id).await;
    assert_eq!(bytes, PETS_YAML.as_bytes(), "comments and flow style kept");
    assert_eq!(content_type, "application/yaml; charset=utf-8");

    // Postman's schema file shape carries the same text.
    let with_tag = PETS_YAML.replace("version: 1.0.0", "version: 1.1.0 # tagged");
    let (status, _) = rest
        .put_definition(
            &id,
            "application/json",
            &serde_json::to_vec(&json!({ "content": with_tag })).unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rest.definition(&id).await.0, with_tag.as_bytes());

    // The editor: a browser posts CRLF; the stored LF lines stay LF.
    let apis = Apis::new(&server.db.store);
    let revision = apis.get(&alice, &id).await.unwrap().row.revision;
    let edited = PETS_YAML.replace("The pets", "Every pet");
    let response = server
        .post_form(
            &format!("/apis/{id}/definition"),
            &[
                ("definition", &edited.replace('\n', "\r\n")),
                ("revision", &revision.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/apis/{id}/definition"));
    let saved = apis.get(&alice, &id).await.unwrap();
    assert_eq!(saved.text, edited);
    assert_eq!(saved.row.revision, revision + 1);

    // History offers each saved definition as it was, byte for byte.
    let history = server.page(&format!("/apis/{id}/history")).await;
    assert!(
        history.contains(&format!("/apis/{id}/revisions/{revision}/definition")),
        "{history}"
    );
    let earlier = server
        .client
        .get(server.at(&format!("/apis/{id}/revisions/{revision}/definition")))
        .send()
        .await
        .unwrap();
    assert_eq!(earlier.status(), 200);
    assert_eq!(earlier.text().await.unwrap(), with_tag);
    let missing = server
        .client
        .get(server.at(&format!("/apis/{id}/revisions/999/definition")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A save over a newer change, and text that is not YAML: refused, nothing stored.
    let history = apis.history(&alice, &id).await.unwrap().len();
    for (text, at) in [
        (PETS_YAML.to_owned(), revision),
        ("openapi: 3.1.0\ninfo: [unclosed\n".to_owned(), revision + 1),
    ] {
        let response = server
            .post_form(
                &format!("/apis/{id}/definition"),
                &[("definition", &text), ("revision", &at.to_string())],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), format!("/apis/{id}/definition"));
        assert_eq!(apis.get(&alice, &id).await.unwrap().text, edited);
    }
    assert_eq!(apis.history(&alice, &id).await.unwrap().len(), history);

    // Renaming through the details form.
    let response = server
        .post_form(
            &format!("/apis/{id}/details"),
            &[("name", "Pet store"), ("summary", "Renamed")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (status, got) = rest.get(&format!("/api/apis/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (got["name"].as_str(), got["summary"].as_str()),
        (Some("Pet store"), Some("Renamed"))
    );
    assert_eq!(got["collections"], json!([]));
    assert_eq!(got["versions"], json!([]));
    let (status, updated) = rest
        .send(
            reqwest::Method::PUT,
            &format!("/api/apis/{id}"),
            Some(json!({ "summary": "By REST" })),
        )
        .await;
    assert_eq!(
        (status, updated["summary"].as_str()),
        (200, Some("By REST"))
    );
    let (status, bad) = rest
        .send(
            reqwest::Method::PUT,
            &format!("/api/apis/{id}"),
            Some(json!({ "name": 7 })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["name"], "malformedRequestError");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("name:"),
        "{bad}"
    );
}

async fn problems_are_saved_and_listed_and_unreadable_definitions_store_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, rest) = alice_with_key(&server, Role::Editor).await;
    let id = rest.create(PETS_YAML).await;

    let (status, saved) = rest
        .put_definition(&id, "text/yaml", BROKEN_REF_YAML.as_bytes())
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["definition"]["valid"], false);
    let problem = &saved["problems"][0];
    assert_eq!(problem["line"], 14, "{saved}");
    assert!(problem["message"].is_string() && problem["path"].is_string());
    let (_, listed) = rest.get("/api/apis").await;
    assert_eq!(listed["apis"][0]["definition"]["valid"], false);
    assert_eq!(
        listed["apis"][0]["definition"]["problems"],
        saved["problems"].as_array().unwrap().len()
    );

    let apis = Apis::new(&server.db.store);
    let history = apis.history(&alice, &id).await.unwrap().len();
    let laughs = {
        let mut yaml = String::from(
            "openapi: 3.1.0\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
        );
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            yaml.push_str(&format!(
                "a{level}: &a{level} [{}]\n",
                [previous.as_str(); 10].join(", ")
            ));
        }
        yaml
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut too_large = PETS_YAML.to_owned();
    too_large.push_str(&format!("# {}\n", "x".repeat(17 * 1024 * 1024)));
    for (what, content_type, body, expected) in [
        ("billion laughs", "application/yaml", laughs.as_bytes(), 400),
        ("10,000 deep", "application/json", deep.as_bytes(), 400),
        ("not YAML", "text/plain", b"openapi: [\n".as_slice(), 400),
        ("over 16 MiB", "application/yaml", too_large.as_bytes(), 413),
    ] {
        let (status, refused) = rest.put_definition(&id, content_type, body).await;
        assert_eq!(status, expected, "{what}: {refused}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("definition: "), "{what}: {message}");
        if expected == 400 {
            assert!(message.contains("line "), "{what} names where: {message}");
        }
        let text = String::from_utf8(body.to_vec()).unwrap();
        let (status, _) = rest.post("/api/apis", json!({ "definition": text })).await;
        assert_eq!(status, expected, "{what} as a new API");
        let response = import_form(&server, &server.client, body.to_vec(), "").await;
        let expected_form = if expected == 413 { 413 } else { 303 };
        assert_eq!(
            response.status(),
            expected_form,
            "{what} imported by the form"
        );
    }
    // An upload larger than the import form reads at all.
    let mut huge = too_large.clone();
    huge.push_str(&"y".repeat(2 * 1024 * 1024));
    let response = import_form(&server, &server.client, huge.into_bytes(), "").await;
    assert_eq!(response.status(), 413);
    assert!(response.text().await.unwrap().contains("16 MiB"));

    assert_eq!(apis.history(&alice, &id).await.unwrap().len(), history);
    assert_eq!(
        apis.list(&alice, "").await.unwrap().len(),
        1,
        "nothing created"
    );
    assert_eq!(rest.definition(&id).await.0, BROKEN_REF_YAML.as_bytes());

    let (status, bad) = rest
        .post("/api/apis", json!({ "summary": "no name" }))
        .await;
    assert_eq!(status, 400);
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("name:"));
    let response = rest
        .raw(
            reqwest::Method::POST,
            "/api/apis",
            Some(("application/json", b"{oops".to_vec())),
        )
        .await;
    assert_eq!(response.status(), 400);
}

async fn generation_makes_a_request_per_operation_and_keeps_hand_added_ones(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, rest) = alice_with_key(&server, Role::Editor).await;
    let id = rest.create(PETS_YAML).await;

    let response = server
        .post_form(&format!("/apis/{id}/collections/generate"), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/apis/{id}/collections"));
    let (_, linked) = rest.get(&format!("/api/apis/{id}/collections")).await;
    let generated = &linked["collections"][0];
    assert_eq!(generated["generated"], true, "{linked}");
    assert_eq!(generated["name"], "Pets");
    let collection_id = generated["id"].as_str().unwrap().to_owned();
    let collections = Collections::new(&server.db.store);
    let collection = collections
        .get(&alice, &collection_id)
        .await
        .unwrap()
        .collection;
    let made = requests(&collection);
    assert_eq!(made.len(), 3, "one request per operation: {made:?}");
    assert!(
        made.contains(&"GET {{baseUrl}}/pets/:id".to_owned()),
        "{made:?}"
    );
    assert!(
        made.contains(&"POST {{baseUrl}}/pets".to_owned()),
        "{made:?}"
    );

    collections
        .edit(&alice, &collection_id, |c| {
            c.add_request(None, "By hand", "GET", "https://pets.example.com/health")
                .map(|_| ())
        })
        .await
        .unwrap();
    let more = PETS_YAML.replace(
        "  /pets/{id}:\n",
        "  /owners:\n    get:\n      operationId: listOwners\n      responses:\n        '200': {description: Owners}\n  /pets/{id}:\n",
    );
    let (status, _) = rest
        .put_definition(&id, "application/yaml", more.as_bytes())
        .await;
    assert_eq!(status, 200);
    let (status, again) = rest
        .post(
            &format!("/api/apis/{id}/collections"),
            json!({ "operationType": "GENERATE_FROM_SCHEMA" }),
        )
        .await;
    assert_eq!(
        (status, again["id"].as_str()),
        (200, Some(collection_id.as_str()))
    );
    let regenerated = requests(
        &collections
            .get(&alice, &collection_id)
            .await
            .unwrap()
            .collection,
    );
    assert_eq!(regenerated.len(), 5, "{regenerated:?}");
    assert!(regenerated.contains(&"GET https://pets.example.com/health".to_owned()));
    assert!(regenerated.contains(&"GET {{baseUrl}}/owners".to_owned()));

    // Linking by REST (Postman's COPY_COLLECTION links), unlinking by form and by REST.
    let other = collections
        .create(&alice, Collection::new("Smoke tests").unwrap())
        .await
        .unwrap()
        .row
        .id;
    let (status, linked) = rest
        .post(
            &format!("/api/apis/{id}/collections"),
            json!({ "operationType": "COPY_COLLECTION", "data": { "collectionId": other } }),
        )
        .await;
    assert_eq!((status, linked["id"].as_str()), (200, Some(other.as_str())));
    let (status, twice) = rest
        .post(
            &format!("/api/apis/{id}/collections"),
            json!({ "operationType": "LINK_COLLECTION", "data": { "collectionId": other } }),
        )
        .await;
    assert_eq!(status, 409, "{twice}");
    let (status, _) = rest
        .post(
            &format!("/api/apis/{id}/collections"),
            json!({ "operationType": "CREATE_NEW" }),
        )
        .await;
    assert_eq!(status, 400);

    let response = server
        .post_form(
            &format!("/apis/{id}/collections/{collection_id}/unlink"),
            &[],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = rest
        .raw(
            reqwest::Method::DELETE,
            &format!("/api/apis/{id}/collections/{other}"),
            None,
        )
        .await;
    assert_eq!(response.status(), 204);
    let (_, linked) = rest.get(&format!("/api/apis/{id}/collections")).await;
    assert_eq!(linked["collections"], json!([]));
    assert!(
        collections.get(&alice, &collection_id).await.is_ok(),
        "unlinking keeps it"
    );
    assert!(
        collections.get(&alice, &other).await.is_ok(),
        "unlinking keeps it"
    );

    let response = server
        .post_form(
            &format!("/apis/{id}/collections/link"),
            &[("collection", &other)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, linked) = rest.get(&format!("/api/apis/{id}/collections")).await;
    assert_eq!(linked["collections"][0]["id"], other.as_str());
}

async fn versions_never_change_and_export_as_one_zip(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, rest) = alice_with_key(&server, Role::Editor).await;
    let id = rest.create(PETS_YAML).await;
    let response = server
        .post_form(&format!("/apis/{id}/collections/generate"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let (_, linked) = rest.get(&format!("/api/apis/{id}/collections")).await;
    let collection_id = linked["collections"][0]["id"].as_str().unwrap().to_owned();
    let collections = Collections::new(&server.db.store);
    let published_json = collections
        .get(&alice, &collection_id)
        .await
        .unwrap()
        .collection
        .to_canonical_json();

    let response = server
        .post_form(
            &format!("/apis/{id}/versions"),
            &[("version", "1.0.0"), ("release_notes", "First")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let version_page = location(&response).to_owned();
    let version_id = version_page.rsplit('/').next().unwrap().to_owned();
    assert_eq!(version_page, format!("/apis/{id}/versions/{version_id}"));

    // Change the definition and the collection: the version keeps what it had.
    let changed = PETS_YAML.replace("The pets", "Changed");
    rest.put_definition(&id, "application/yaml", changed.as_bytes())
        .await;
    collections
        .edit(&alice, &collection_id, |c| {
            c.set_name("Renamed after 1.0.0")
        })
        .await
        .unwrap();

    let (status, version) = rest
        .get(&format!("/api/apis/{id}/versions/{version_id}"))
        .await;
    assert_eq!(status, 200, "{version}");
    let version = &version["version"];
    assert_eq!(
        (version["name"].as_str(), version["releaseNotes"].as_str()),
        (Some("1.0.0"), Some("First"))
    );
    assert_eq!(version["definition"]["format"], "yaml");
    assert_eq!(version["definition"]["content"], PETS_YAML);
    assert_eq!(
        version["collections"],
        json!([{ "id": collection_id, "name": "Pets" }])
    );

    let definition = download(
        &server.client,
        &server,
        &format!("/apis/{id}/versions/{version_id}/definition"),
    )
    .await;
    assert_eq!(definition.status(), 200);
    assert_eq!(
        definition.headers()["content-disposition"],
        "attachment; filename=\"Pets-1.0.0.yaml\"; filename*=UTF-8''Pets-1.0.0.yaml"
    );
    assert_eq!(
        definition.headers()["content-type"],
        "application/yaml; charset=utf-8"
    );
    assert_eq!(definition.bytes().await.unwrap(), PETS_YAML.as_bytes());
    let kept = download(
        &server.client,
        &server,
        &format!("/apis/{id}/versions/{version_id}/collections/{collection_id}"),
    )
    .await;
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.text().await.unwrap(), published_json);

    let zip = download(
        &server.client,
        &server,
        &format!("/apis/{id}/versions/{version_id}/export.zip"),
    )
    .await;
    assert_eq!(zip.status(), 200);
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Pets-1.0.0.yaml",
            "collections/Pets.postman_collection.json"
        ]
    );
    let mut text = String::new();
    archive
        .by_name("Pets-1.0.0.yaml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, PETS_YAML);
    let mut text = String::new();
    archive
        .by_name("collections/Pets.postman_collection.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, published_json);

    // The name is taken: 409 by REST (Postman's error shape), back to the form by the page.
    let (status, taken) = rest
        .post(
            &format!("/api/apis/{id}/versions"),
            json!({ "name": "1.0.0" }),
        )
        .await;
    assert_eq!(status, 409, "{taken}");
    assert_eq!(taken["error"]["name"], "instanceFoundError");
    let response = server
        .post_form(&format!("/apis/{id}/versions"), &[("version", "1.0.0")])
        .await;
    assert_eq!(location(&response), format!("/apis/{id}/versions"));

    let (status, second) = rest
        .post(
            &format!("/api/apis/{id}/versions"),
            json!({ "name": "1.1.0", "releaseNotes": "Changed" }),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    let (_, listed) = rest.get(&format!("/api/apis/{id}/versions")).await;
    let names: Vec<&str> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"1.0.0") && names.contains(&"1.1.0"));
    let (_, got) = rest.get(&format!("/api/apis/{id}")).await;
    assert_eq!(got["versions"].as_array().unwrap().len(), 2);
}

async fn viewers_read_editors_cannot_delete_and_admins_can(db: Db) {
    let server = TestServer::start(db).await;
    let (alice, admin_rest) = alice_with_key(&server, Role::Admin).await;
    let id = admin_rest.create(PETS_YAML).await;
    let collection = Collections::new(&server.db.store)
        .create(&alice, Collection::new("Smoke").unwrap())
        .await
        .unwrap()
        .row
        .id;
    let viewer = key_of(&server, &alice, Role::Viewer).await;
    let editor = key_of(&server, &alice, Role::Editor).await;

    let (status, _) = viewer.get(&format!("/api/apis/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(viewer.definition(&id).await.0, PETS_YAML.as_bytes());
    let changes: Vec<(reqwest::Method, String, Value)> = vec![
        (
            reqwest::Method::POST,
            "/api/apis".into(),
            json!({ "name": "Mine" }),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/apis/{id}"),
            json!({ "name": "Mine" }),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/apis/{id}/definition"),
            json!({ "content": PETS_YAML }),
        ),
        (
            reqwest::Method::POST,
            format!("/api/apis/{id}/collections"),
            json!({ "operationType": "GENERATE_FROM_SCHEMA" }),
        ),
        (
            reqwest::Method::POST,
            format!("/api/apis/{id}/collections"),
            json!({ "operationType": "LINK_COLLECTION", "data": { "collectionId": collection } }),
        ),
        (
            reqwest::Method::POST,
            format!("/api/apis/{id}/versions"),
            json!({ "name": "9.9.9" }),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/apis/{id}"),
            json!({}),
        ),
    ];
    for (method, path, body) in &changes {
        let (status, refused) = viewer.send(method.clone(), path, Some(body.clone())).await;
        assert_eq!(status, 403, "viewer {method} {path}: {refused}");
        assert_eq!(refused["error"]["name"], "forbiddenError");
    }
    let (status, _) = editor
        .send(reqwest::Method::DELETE, &format!("/api/apis/{id}"), None)
        .await;
    assert_eq!(status, 403, "editors do not delete APIs");

    // The same by the forms, for a viewer and an editor signed in.
    let bob: Browser = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let carol: Browser = server.browser();
    carol.sign_up("carol@example.com", PASSWORD).await;
    for (who, role) in [(&bob, Role::Viewer), (&carol, Role::Editor)] {
        let invite = Accounts::new(&server.db.store)
            .create_invite(&alice, role, "t")
            .await
            .unwrap();
        who.post_form("/invite/accept", &[("token", invite.token.expose_secret())])
            .await;
    }
    let export = download(
        &bob.client,
        &server,
        &format!("/apis/{id}/definition/export"),
    )
    .await;
    assert_eq!(export.status(), 200, "viewers download");
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/apis".into(), vec![("name", "Mine")]),
        (
            format!("/apis/{id}/details"),
            vec![("name", "Mine"), ("summary", "")],
        ),
        (
            format!("/apis/{id}/definition"),
            vec![("definition", "openapi: 3.1.0\n"), ("revision", "1")],
        ),
        (
            format!("/apis/{id}/collections/link"),
            vec![("collection", collection.as_str())],
        ),
        (format!("/apis/{id}/collections/generate"), vec![]),
        (format!("/apis/{id}/versions"), vec![("version", "9.9.9")]),
        (format!("/apis/{id}/delete"), vec![("confirm", "yes")]),
    ];
    for (path, form) in &forms {
        let response = bob.post_form(path, form).await;
        assert_eq!(response.status(), 403, "viewer {path}");
        assert!(response.text().await.unwrap().contains("role"), "says why");
    }
    let response = carol
        .post_form(&format!("/apis/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 403, "editors do not delete APIs");
    let apis = Apis::new(&server.db.store);
    let stored = apis.get(&alice, &id).await.unwrap();
    assert_eq!(
        (stored.row.revision, stored.text.as_str()),
        (1, PETS_YAML),
        "nothing changed"
    );

    let response = server
        .post_form(&format!("/apis/{id}/delete"), &[("confirm", "")])
        .await;
    assert_eq!(
        location(&response),
        format!("/apis/{id}"),
        "needs the confirmation"
    );
    let response = server
        .post_form(&format!("/apis/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/apis");
    assert!(apis.get(&alice, &id).await.is_err());
    let other = admin_rest.create(PETS_YAML).await;
    let response = admin_rest
        .raw(reqwest::Method::DELETE, &format!("/api/apis/{other}"), None)
        .await;
    assert_eq!(response.status(), 204);
    let (status, gone) = admin_rest.get(&format!("/api/apis/{other}")).await;
    assert_eq!(
        (status, gone["error"]["name"].as_str()),
        (404, Some("instanceNotFoundError"))
    );
}
