use std::collections::BTreeSet;
use std::time::Instant;

use ferry_postman::{Collection, KeyValue, RequestUpdate};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::*;

const NAMESPACE: Uuid = Uuid::from_u128(0x6f3c_2a1e_0b5d_4c7a_9e8f_1a2b_3c4d_5e6f);

/// OpenAPI 3.1: tags, path/query/header parameters (one a `$ref`, one overridden by the
/// operation), a body with an example, a body with only a schema (`$ref`, `allOf`, a cycle),
/// a form body, an operation without a tag.
fn users_api() -> Value {
    serde_json::from_str(
        r##"{
  "openapi": "3.1.0",
  "info": {"title": "Users", "version": "1", "description": "The users API"},
  "servers": [{"url": "https://{env}.example.com/v1/", "variables": {"env": {"default": "api"}}}],
  "tags": [{"name": "users", "description": "People"}, {"name": "admin"}],
  "paths": {
    "/users": {
      "get": {"tags": ["users"], "summary": "List users", "operationId": "listUsers",
              "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}},
                             {"name": "q", "in": "query", "required": true, "example": "ann"},
                             {"$ref": "#/components/parameters/Trace"},
                             {"name": "Accept", "in": "header", "schema": {"type": "string"}}]},
      "post": {"tags": ["users"], "operationId": "createUser", "description": "Creates a user.",
               "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}}}}
    },
    "/users/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "description": "The user id",
                      "schema": {"type": "string", "example": "u1"}}],
      "get": {"tags": ["users"], "summary": "Get a user"},
      "put": {"tags": ["users"], "summary": "Replace a user",
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "example": 7}}],
              "requestBody": {"content": {"application/xml": {}, "application/json": {"example": {"name": "Ann"}}}}}
    },
    "/health": {"get": {}},
    "/admin/reindex": {
      "post": {"tags": ["admin", "users"],
               "requestBody": {"content": {"application/x-www-form-urlencoded": {
                   "schema": {"properties": {"force": {"type": "boolean"}}}}}}}
    }
  },
  "components": {
    "parameters": {"Trace": {"name": "X-Trace", "in": "header", "schema": {"type": "string"}, "example": "t-1"}},
    "schemas": {
      "NewUser": {"allOf": [{"$ref": "#/components/schemas/Person"},
                            {"type": "object", "properties": {"password": {"type": "string", "format": "password"}}}]},
      "Person": {"type": "object", "properties": {
        "name": {"type": "string", "example": "Ann"},
        "id": {"type": "string", "readOnly": true},
        "manager": {"$ref": "#/components/schemas/Person"},
        "friends": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}}
      }}
    }
  }
}"##,
    )
    .unwrap()
}

fn items(collection: &Collection) -> &Vec<Value> {
    collection.as_json()["item"].as_array().unwrap()
}

fn names(list: &[Value]) -> Vec<&str> {
    list.iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

fn operation_id(key: &str) -> String {
    stable_id(NAMESPACE, &format!("operation:{key}"))
}

fn tag_id(tag: &str) -> String {
    stable_id(NAMESPACE, &format!("tag:{tag}"))
}

#[test]
fn generates_folders_requests_urls_and_bodies() {
    let collection = collection(&users_api(), "Users API", NAMESPACE).unwrap();
    let document = collection.as_json();
    assert_eq!(collection.name(), "Users API");
    assert_eq!(collection.id(), stable_id(NAMESPACE, "collection"));
    assert_eq!(document["info"]["description"], "The users API");
    assert_eq!(
        collection.variables(),
        [KeyValue {
            key: "baseUrl".into(),
            value: "https://api.example.com/v1".into(),
            disabled: false
        }]
    );

    let top = items(&collection);
    assert_eq!(names(top), ["users", "admin", "GET /health"]);
    assert_eq!(top[0]["id"], tag_id("users"));
    assert_eq!(top[0]["description"], "People");
    assert_eq!(top[0][TAG_MARK], "users");
    assert!(top[1].get("description").is_none());
    let users = top[0]["item"].as_array().unwrap();
    assert_eq!(
        names(users),
        ["List users", "createUser", "Get a user", "Replace a user"]
    );
    let admin = top[1]["item"].as_array().unwrap();
    assert_eq!(names(admin), ["POST /admin/reindex"]);

    let summary: Vec<(&str, &str, &str)> = users
        .iter()
        .chain(admin)
        .chain([&top[2]])
        .map(|item| {
            (
                item[OPERATION_MARK].as_str().unwrap(),
                item["request"]["method"].as_str().unwrap(),
                item["request"]["url"]["raw"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET /users", "GET", "{{baseUrl}}/users?q=ann"),
            ("POST /users", "POST", "{{baseUrl}}/users"),
            ("GET /users/{id}", "GET", "{{baseUrl}}/users/:id"),
            ("PUT /users/{id}", "PUT", "{{baseUrl}}/users/:id"),
            ("POST /admin/reindex", "POST", "{{baseUrl}}/admin/reindex"),
            ("GET /health", "GET", "{{baseUrl}}/health"),
        ]
    );
    for item in users.iter().chain(admin).chain([&top[2]]) {
        let key = item[OPERATION_MARK].as_str().unwrap();
        assert_eq!(item["id"], operation_id(key));
        assert_eq!(
            generated_operation(&collection, item["id"].as_str().unwrap()).as_deref(),
            Some(key)
        );
    }
    assert_eq!(generated_operation(&collection, &tag_id("users")), None);

    // Query and header parameters; optional ones disabled; `Accept` ignored as OpenAPI says.
    let list = &users[0]["request"];
    assert_eq!(
        list["url"],
        json!({"raw": "{{baseUrl}}/users?q=ann", "host": ["{{baseUrl}}"], "path": ["users"],
               "query": [{"key": "limit", "value": "20", "disabled": true}, {"key": "q", "value": "ann"}]})
    );
    assert_eq!(
        list["header"],
        json!([{"key": "X-Trace", "value": "t-1", "disabled": true}])
    );
    assert!(list.get("body").is_none());

    // Path variables: the path-level parameter, and the operation's override.
    assert_eq!(
        users[2]["request"]["url"],
        json!({"raw": "{{baseUrl}}/users/:id", "host": ["{{baseUrl}}"], "path": ["users", ":id"],
               "variable": [{"key": "id", "value": "u1", "description": "The user id"}]})
    );
    assert_eq!(
        users[3]["request"]["url"]["variable"],
        json!([{"key": "id", "value": "7"}])
    );

    // A body synthesised from the schema: allOf merged, readOnly left out, the cycle cut.
    let create = &users[1]["request"];
    assert_eq!(create["description"], "Creates a user.");
    assert_eq!(create["body"]["mode"], "raw");
    assert_eq!(create["body"]["options"]["raw"]["language"], "json");
    let body: Value = serde_json::from_str(create["body"]["raw"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"name": "Ann", "friends": [], "password": "string"})
    );
    assert_eq!(
        create["header"],
        json!([{"key": "Content-Type", "value": "application/json"}])
    );
    // The example given, JSON chosen over XML.
    assert_eq!(
        users[3]["request"]["body"]["raw"],
        "{\n  \"name\": \"Ann\"\n}"
    );
    // A form body from the schema's properties.
    assert_eq!(
        admin[0]["request"]["body"],
        json!({"mode": "urlencoded", "urlencoded": [{"key": "force", "value": "true"}]})
    );
    assert_eq!(
        admin[0]["request"]["header"],
        json!([{"key": "Content-Type", "value": "application/x-www-form-urlencoded"}])
    );

    // The import kept ids and marks, and the canonical rendering keeps them too.
    let again = Collection::import(collection.to_canonical_json().as_bytes()).unwrap();
    assert_eq!(again, collection);
    assert!(collection
        .to_canonical_json()
        .contains("\"x-ferry-operation\": \"GET /users\""));
    // Stable: the same definition and namespace give the same bytes.
    assert_eq!(
        super::collection(&users_api(), "Users API", NAMESPACE)
            .unwrap()
            .to_canonical_json(),
        collection.to_canonical_json()
    );
}

#[test]
fn refuses_what_is_not_a_definition() {
    assert!(collection(&json!([]), "c", NAMESPACE).is_err());
    let error = collection(&json!({"info": {}}), "c", NAMESPACE).unwrap_err();
    assert!(
        error.to_string().contains("not an OpenAPI definition"),
        "{error}"
    );
    assert!(error.format_error().is_none());
    let error =
        collection(&json!({"openapi": "3.1.0"}), &"n".repeat(1_001), NAMESPACE).unwrap_err();
    assert!(error.format_error().is_some(), "{error}");
    // No paths: an empty collection with an empty base URL.
    let empty = collection(&json!({"openapi": "3.1.0", "info": {}}), "c", NAMESPACE).unwrap();
    assert!(items(&empty).is_empty());
    assert_eq!(empty.variables()[0].value, "");
}

/// The changed definition: `PUT /users/{id}` and `POST /admin/reindex` removed,
/// `DELETE /users/{id}` and `GET /orders` (a new tag) added, `GET /users` renamed and given a
/// parameter.
fn users_api_changed() -> Value {
    let mut changed = users_api();
    let paths = changed["paths"].as_object_mut().unwrap();
    paths["/users/{id}"].as_object_mut().unwrap().remove("put");
    paths["/users/{id}"]["delete"] = json!({"tags": ["users"], "summary": "Delete a user"});
    paths.remove("/admin/reindex");
    paths.insert(
        "/orders".into(),
        json!({"get": {"tags": ["orders"], "summary": "List orders"}}),
    );
    paths["/users"]["get"]["summary"] = json!("List all users");
    paths["/users"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "sort", "in": "query", "required": true, "example": "name"}));
    changed
}

/// Edits of a person: their own requests and folder, tests and a saved response on a
/// generated request, a generated request moved into their folder.
fn edited(generated: &Collection) -> (Collection, String, String, String) {
    let mut collection = generated.clone();
    let in_folder = collection
        .add_request(
            Some(&tag_id("users")),
            "My check",
            "GET",
            "{{baseUrl}}/users?mine=1",
        )
        .unwrap();
    let at_root = collection
        .add_request(None, "Ping", "HEAD", "https://example.com")
        .unwrap();
    let mine = collection.add_folder(None, "Mine").unwrap();
    collection
        .move_item(&operation_id("GET /health"), Some(&mine), 0)
        .unwrap();
    collection
        .update_request(
            &operation_id("GET /users/{id}"),
            RequestUpdate {
                description: Some("my notes".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let mut document = Value::Object(collection.as_json().clone());
    let list = &mut document["item"][0]["item"][0];
    assert_eq!(list["name"], "List users");
    list["event"] = json!([{"listen": "test", "script": {"type": "text/javascript", "exec": ["pm.test('ok', () => pm.response.to.have.status(200));"]}}]);
    list["response"] = json!([{"name": "saved", "code": 200, "body": "[]"}]);
    list["request"]["auth"] =
        json!({"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}"}]});
    document["variable"] = json!([{"key": "baseUrl", "value": "http://localhost:8080"}, {"key": "token", "value": "t"}]);
    let collection = Collection::import(&serde_json::to_vec(&document).unwrap()).unwrap();
    (collection, in_folder, at_root, mine)
}

#[test]
fn regenerating_keeps_what_a_person_added() {
    let generated = collection(&users_api(), "Users API", NAMESPACE).unwrap();
    let (edited, in_folder, at_root, mine) = edited(&generated);
    let started = Instant::now();
    let regenerated = regenerate(&users_api_changed(), &edited, NAMESPACE).unwrap();
    eprintln!("regenerated in {:?}", started.elapsed());

    let top = items(&regenerated);
    assert_eq!(names(top), ["users", "orders", "Ping", "Mine"]);
    assert_eq!(top[1]["id"], tag_id("orders"));
    assert_eq!(names(top[1]["item"].as_array().unwrap()), ["List orders"]);
    let users = top[0]["item"].as_array().unwrap();
    assert_eq!(
        names(users),
        [
            "List all users",
            "createUser",
            "Get a user",
            "Delete a user",
            "My check"
        ]
    );
    // Refreshed in place, same id, tests, responses and auth kept.
    let list = &users[0];
    assert_eq!(list["id"], operation_id("GET /users"));
    assert_eq!(list["event"][0]["listen"], "test");
    assert_eq!(list["response"][0]["name"], "saved");
    assert_eq!(list["request"]["auth"]["type"], "bearer");
    assert_eq!(
        list["request"]["url"]["raw"],
        "{{baseUrl}}/users?q=ann&sort=name"
    );
    // The person's description stays where the definition gives none.
    assert_eq!(users[2]["request"]["description"], "my notes");
    assert_eq!(users[2]["id"], operation_id("GET /users/{id}"));
    assert_eq!(users[3]["id"], operation_id("DELETE /users/{id}"));
    // Hand-made requests kept where they were, with their ids; the moved one refreshed there.
    assert_eq!(users[4]["id"], in_folder);
    assert_eq!(generated_operation(&regenerated, &in_folder), None);
    assert_eq!(top[2]["id"], at_root);
    assert_eq!(top[3]["id"], mine);
    let moved = &top[3]["item"][0];
    assert_eq!(moved["id"], operation_id("GET /health"));
    assert_eq!(
        generated_operation(&regenerated, &operation_id("GET /health")).as_deref(),
        Some("GET /health")
    );
    // Removed operations are gone, and so is the admin folder they left empty.
    for gone in ["PUT /users/{id}", "POST /admin/reindex"] {
        assert!(generated_operation(&regenerated, &operation_id(gone)).is_none());
        assert!(super::find_item(&regenerated.as_json()["item"], &operation_id(gone)).is_none());
    }
    assert!(super::find_item(&regenerated.as_json()["item"], &tag_id("admin")).is_none());
    // The person's base URL and variables stay.
    assert_eq!(regenerated.variables()[0].value, "http://localhost:8080");
    assert_eq!(regenerated.variables()[1].key, "token");
    assert_eq!(regenerated.id(), edited.id());

    // Nothing changed, nothing changes.
    let again = regenerate(&users_api_changed(), &regenerated, NAMESPACE).unwrap();
    assert_eq!(again.to_canonical_json(), regenerated.to_canonical_json());
    let fresh = collection(&users_api(), "Users API", NAMESPACE).unwrap();
    let same = regenerate(&users_api(), &fresh, NAMESPACE).unwrap();
    assert_eq!(same.to_canonical_json(), fresh.to_canonical_json());
}

#[test]
fn regenerating_recognises_generated_items_by_id_when_marks_were_lost() {
    // Postman's app keeps ids but drops properties it does not know.
    let generated = collection(&users_api(), "Users API", NAMESPACE).unwrap();
    let (edited, ..) = edited(&generated);
    let expected = regenerate(&users_api_changed(), &edited, NAMESPACE).unwrap();
    let mut document = Value::Object(edited.as_json().clone());
    strip_marks(&mut document["item"]);
    let unmarked = Collection::import(&serde_json::to_vec(&document).unwrap()).unwrap();
    assert_eq!(
        generated_operation(&unmarked, &operation_id("GET /users")),
        None
    );
    let regenerated = regenerate(&users_api_changed(), &unmarked, NAMESPACE).unwrap();
    // Removed operations cannot be recognised without their mark: they stay.
    let mut kept_too = regenerated.as_json()["item"].clone();
    assert!(super::find_item(&kept_too, &operation_id("PUT /users/{id}")).is_some());
    // Everything else is as with marks.
    remove_items(
        &mut kept_too,
        &[operation_id("PUT /users/{id}"), tag_id("admin")],
    );
    assert_eq!(kept_too, expected.as_json()["item"]);
}

fn strip_marks(list: &mut Value) {
    for item in list.as_array_mut().unwrap() {
        let item = item.as_object_mut().unwrap();
        item.remove(OPERATION_MARK);
        item.remove(TAG_MARK);
        if let Some(children) = item.get_mut("item") {
            strip_marks(children);
        }
    }
}

fn remove_items(list: &mut Value, ids: &[String]) {
    let entries = list.as_array_mut().unwrap();
    entries.retain(|item| !ids.iter().any(|id| item["id"] == *id));
    for item in entries {
        if let Some(children) = item.get_mut("item") {
            remove_items(children, ids);
        }
    }
}

#[test]
fn a_copy_of_a_generated_request_becomes_the_persons() {
    let generated = collection(&users_api(), "Users API", NAMESPACE).unwrap();
    let mut document = Value::Object(generated.as_json().clone());
    let mut copy = document["item"][2].clone();
    copy["id"] = json!("my-copy");
    copy["name"] = json!("My health");
    document["item"].as_array_mut().unwrap().push(copy);
    let with_copy = Collection::import(&serde_json::to_vec(&document).unwrap()).unwrap();
    let regenerated = regenerate(&users_api(), &with_copy, NAMESPACE).unwrap();
    assert_eq!(
        names(items(&regenerated)),
        ["users", "admin", "GET /health", "My health"]
    );
    assert_eq!(generated_operation(&regenerated, "my-copy"), None);
    // A deleted generated request comes back, at its place.
    let mut deleted = generated.clone();
    deleted.delete(&operation_id("POST /users")).unwrap();
    deleted.delete(&tag_id("admin")).unwrap();
    let back = regenerate(&users_api(), &deleted, NAMESPACE).unwrap();
    assert_eq!(back.to_canonical_json(), generated.to_canonical_json());
}

#[test]
fn generates_from_swagger_2() {
    let definition: Value = serde_json::from_str(
        r##"{
  "swagger": "2.0",
  "info": {"title": "Pets", "version": "1"},
  "host": "petstore.example.com", "basePath": "/v2", "schemes": ["https", "http"],
  "consumes": ["application/json"],
  "tags": [{"name": "pet", "description": "Pets"}],
  "paths": {
    "/pet": {"post": {"tags": ["pet"], "summary": "Add a pet",
      "parameters": [{"in": "body", "name": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}}]}},
    "/pet/{petId}": {
      "get": {"tags": ["pet"], "operationId": "getPetById",
              "parameters": [{"name": "petId", "in": "path", "required": true, "type": "integer", "x-example": 3},
                             {"name": "fields", "in": "query", "type": "array", "items": {"type": "string", "enum": ["name"]}}]},
      "post": {"tags": ["pet"], "consumes": ["application/x-www-form-urlencoded"],
               "parameters": [{"name": "petId", "in": "path", "required": true, "type": "integer"},
                              {"name": "name", "in": "formData", "type": "string", "default": "Rex"}]}
    },
    "/pet/{petId}/uploadImage": {"post": {"tags": ["pet"], "consumes": ["multipart/form-data"],
      "parameters": [{"name": "petId", "in": "path", "required": true, "type": "integer"},
                     {"name": "file", "in": "formData", "type": "file"},
                     {"name": "note", "in": "formData", "type": "string"}]}}
  },
  "definitions": {"Pet": {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "example": "doggie"}, "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}}},
    "Tag": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}}}}
}"##,
    )
    .unwrap();
    let collection = collection(&definition, "Pets", NAMESPACE).unwrap();
    assert_eq!(
        collection.variables()[0].value,
        "https://petstore.example.com/v2"
    );
    let top = items(&collection);
    assert_eq!(names(top), ["pet"]);
    let pet = top[0]["item"].as_array().unwrap();
    assert_eq!(
        names(pet),
        [
            "Add a pet",
            "getPetById",
            "POST /pet/{petId}",
            "POST /pet/{petId}/uploadImage"
        ]
    );
    let body: Value =
        serde_json::from_str(pet[0]["request"]["body"]["raw"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"name": "doggie", "tags": [{"id": 0}]}));
    assert_eq!(
        pet[0]["request"]["header"],
        json!([{"key": "Content-Type", "value": "application/json"}])
    );
    assert_eq!(
        pet[1]["request"]["url"],
        json!({"raw": "{{baseUrl}}/pet/:petId", "host": ["{{baseUrl}}"], "path": ["pet", ":petId"],
               "query": [{"key": "fields", "value": "name", "disabled": true}],
               "variable": [{"key": "petId", "value": "3"}]})
    );
    assert_eq!(
        pet[2]["request"]["body"],
        json!({"mode": "urlencoded", "urlencoded": [{"key": "name", "value": "Rex"}]})
    );
    assert_eq!(
        pet[3]["request"]["body"],
        json!({"mode": "formdata", "formdata": [
            {"key": "file", "type": "file", "src": []},
            {"key": "note", "value": "string", "type": "text"}]})
    );
    assert_eq!(pet[3]["request"]["header"], json!([]));
}

const BITBUCKET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bitbucket/cloud-openapi.json"
);

#[test]
fn generates_one_request_per_operation_of_the_bitbucket_api() {
    let text = std::fs::read_to_string(BITBUCKET).unwrap();
    let definition: Value = serde_json::from_str(&text).unwrap();

    // Independently: every (METHOD, path) pair of the definition.
    let mut expected = BTreeSet::new();
    for (path, path_item) in definition["paths"].as_object().unwrap() {
        for method in path_item.as_object().unwrap().keys() {
            if [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                expected.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(expected.len() > 300, "{}", expected.len());

    let started = Instant::now();
    let collection = collection(&definition, "Bitbucket", NAMESPACE).unwrap();
    let generation = started.elapsed();
    let started = Instant::now();
    let canonical = collection.to_canonical_json();
    let again = Collection::import(canonical.as_bytes()).unwrap();
    let import = started.elapsed();
    assert_eq!(again, collection);

    let mut found = Vec::new();
    fn requests<'a>(list: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
        for item in list.as_array().unwrap() {
            let item = item.as_object().unwrap();
            match item.get("item") {
                Some(children) => requests(children, out),
                None => out.push(item),
            }
        }
    }
    requests(&collection.as_json()["item"], &mut found);
    assert_eq!(found.len(), expected.len());
    let mut seen = BTreeSet::new();
    for item in &found {
        let key = item[OPERATION_MARK].as_str().unwrap();
        let (method, path) = key.split_once(' ').unwrap();
        assert_eq!(item["request"]["method"], method);
        let raw = item["request"]["url"]["raw"].as_str().unwrap();
        let raw_path = raw
            .strip_prefix("{{baseUrl}}")
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        let expected_path: Vec<String> = path
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if !name.contains(['{', '}']) => format!(":{name}"),
                    // Inside a segment (`{repo_name}-issues-{task_id}.zip`): a `{{variable}}`.
                    _ => segment.replace('{', "{{").replace('}', "}}"),
                },
            )
            .collect();
        assert_eq!(raw_path, expected_path.join("/"), "{key}");
        assert!(
            seen.insert((method.to_owned(), path.to_owned())),
            "{key} twice"
        );
        if let Some(body) = item["request"].get("body") {
            if body["mode"] == "raw" && body["options"]["raw"]["language"] == "json" {
                serde_json::from_str::<Value>(body["raw"].as_str().unwrap()).unwrap();
            }
        }
    }
    assert_eq!(seen, expected);

    let started = Instant::now();
    let regenerated = regenerate(&definition, &collection, NAMESPACE).unwrap();
    let regeneration = started.elapsed();
    assert_eq!(regenerated.to_canonical_json(), canonical);
    eprintln!(
        "Bitbucket: {} requests, {} bytes; generated in {generation:?}, exported and imported in {import:?}, regenerated in {regeneration:?}",
        found.len(),
        canonical.len()
    );
}
