//! The Collections pages' forms against the real router on both databases, posted as a
//! browser without JavaScript posts them: create, import (file and pasted JSON), the request
//! editor, folders and requests, variables, delete with confirmation, export, history — and
//! refusals that store nothing: bad JSON (named by its JSON path, the pasted text kept) and
//! every change a viewer tries (403).

use crate::common::{example, location, Browser, Db, TestServer};
use ferry_domain::{
    accounts::{Accounts, Actor},
    auth::Role,
    collections::{Collections, Quotas},
    postman::{BodyView, Collection, KeyValue},
};
use reqwest::multipart::{Form, Part};

const PASSWORD: &str = "correct horse battery staple";

ferry_testing::on_both!(
    import_edit_export_and_history,
    pasted_json_imports_and_bad_json_is_refused_naming_the_path,
    folders_and_requests_are_added_renamed_moved_and_deleted,
    variables_are_saved_in_order,
    every_kind_of_body_is_edited_and_an_untouched_save_changes_nothing,
    the_collection_is_renamed_and_described,
    a_21_mb_file_imports,
    deleting_needs_the_confirmation,
    viewers_see_no_forms_and_every_change_is_refused,
    a_create_over_the_quota_goes_back_with_the_reason,
);

/// The signed-up person's actor in their current (first) team.
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

async fn stored(server: &TestServer, actor: &Actor, id: &str) -> (i64, Collection) {
    let stored = Collections::new(&server.db.store)
        .get(actor, id)
        .await
        .unwrap();
    (stored.row.revision, stored.collection)
}

async fn import(
    server: &TestServer,
    client: &reqwest::Client,
    file: Option<Vec<u8>>,
    pasted: &str,
) -> reqwest::Response {
    let mut form = Form::new().text("json", pasted.to_owned());
    form = match file {
        Some(bytes) => form.part("file", Part::bytes(bytes).file_name("collection.json")),
        None => form.part("file", Part::bytes(Vec::new()).file_name("")),
    };
    client
        .post(server.at("/collections/import"))
        .header("origin", &server.url)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn path_of(id: &str) -> String {
    format!("/collections/{id}")
}

/// The text of the first element whose opening tag contains `marker`.
fn text_after(page: &str, marker: &str) -> Option<String> {
    let start = page.find(marker)?;
    let rest = &page[start..];
    let open_end = rest.find('>')? + 1;
    Some(rest[open_end..].split('<').next()?.to_owned())
}

async fn import_edit_export_and_history(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let original = Collection::import(&example("jsonblob.json")).unwrap();
    let id = original.id().to_owned();

    let imported = import(&server, &server.client, Some(example("jsonblob.json")), "").await;
    assert_eq!(imported.status(), 303);
    assert_eq!(location(&imported), path_of(&id));
    let page = server.page(&path_of(&id)).await;
    assert!(
        page.contains("Collection “JSONBlob Core API” imported."),
        "{page}"
    );
    for name in [
        "Create a Blob",
        "Retrieve a Blob",
        "Edit a Blob",
        "Delete a Blob",
    ] {
        assert!(page.contains(name), "the tree shows {name}: {page}");
    }
    let list = server.page("/collections?q=jsonblob").await;
    assert!(list.contains("JSONBlob Core API"), "{list}");
    assert!(server
        .page("/collections?q=nothing-like-it")
        .await
        .contains("no-collections"));

    // The editor as the page shows it, with the URL and a header changed.
    let request_id = "fffc06c4-c6a5-7ac2-0202-8aa2de29d1c1";
    let editor = server
        .page(&format!("{}?item={request_id}", path_of(&id)))
        .await;
    assert!(editor.contains(r#"name="url_before""#), "{editor}");
    let shown = original.request_view(request_id).unwrap();
    let new_url = "https://jsonblob.com/api/jsonBlob/{{blobId}}?pretty=1";
    let mut form: Vec<(String, String)> = vec![
        ("editing".into(), request_id.into()),
        ("url_before".into(), shown.url.clone()),
        ("name".into(), shown.name.clone()),
        ("method".into(), shown.method.clone()),
        ("url".into(), new_url.into()),
        ("body_mode".into(), "none".into()),
        ("body".into(), String::new()),
        (
            "description".into(),
            shown.description.replace('\n', "\r\n"),
        ),
    ];
    for (n, header) in shown.headers.iter().enumerate() {
        form.push((format!("header.{n}.key"), header.key.clone()));
        form.push((
            format!("header.{n}.value"),
            if header.key == "Accept" {
                "text/plain".into()
            } else {
                header.value.clone()
            },
        ));
        form.push((format!("header.{n}.enabled"), "on".into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = server
        .post_form(&format!("/collections/{id}/requests/{request_id}"), &form)
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        location(&saved),
        format!("{}?item={request_id}", path_of(&id))
    );

    let (revision, edited) = stored(&server, &ada, &id).await;
    assert_eq!(revision, 2);
    let view = edited.request_view(request_id).unwrap();
    assert_eq!(view.url, new_url);
    assert_eq!(
        view.description, shown.description,
        "CRLF from the text area is no change"
    );
    assert!(
        view.headers
            .iter()
            .any(|h| h.key == "Accept" && h.value == "text/plain"),
        "{:?}",
        view.headers
    );
    // A refused save stores nothing and shows the editor with what was typed.
    let typed = [
        ("editing", request_id),
        ("url_before", new_url),
        ("name", "Retrieve a Blob"),
        ("method", "GE T"),
        ("url", "https://typed.example/blob"),
        ("body_mode", "none"),
        ("header.0.key", "X-Typed"),
        ("header.0.value", "kept"),
        ("header.0.enabled", "on"),
    ];
    let refused = server
        .post_form(&format!("/collections/{id}/requests/{request_id}"), &typed)
        .await;
    assert_eq!(
        location(&refused),
        format!("{}?item={request_id}", path_of(&id))
    );
    let again = server.page(location(&refused)).await;
    assert!(again.contains("method: expected an HTTP method"), "{again}");
    assert!(
        again.contains(r#"value="https://typed.example/blob""#)
            && again.contains(r#"value="X-Typed""#),
        "{again}"
    );
    assert_eq!(stored(&server, &ada, &id).await.0, 2, "nothing stored");

    let untouched = "1bc7841d-ba1a-3784-25eb-9c40adeefb40";
    assert_eq!(
        edited.request_view(untouched),
        original.request_view(untouched)
    );

    let export = server
        .client
        .get(server.at(&format!("/collections/{id}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let disposition = export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition
            .starts_with(r#"attachment; filename="JSONBlob Core API.postman_collection.json""#),
        "{disposition}"
    );
    let body = export.text().await.unwrap();
    assert_eq!(body, edited.to_canonical_json());
    assert!(body.contains("pretty=1"));

    let history = server.page(&format!("/collections/{id}/history")).await;
    assert!(
        history.contains(r#"changed "Retrieve a Blob""#),
        "{history}"
    );
    assert!(history.contains("ada@example.com"), "{history}");
    let first = server
        .client
        .get(server.at(&format!("/collections/{id}/revisions/1/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(first.text().await.unwrap(), original.to_canonical_json());
    let revision_page = server.page(&format!("/collections/{id}/revisions/2")).await;
    assert!(
        revision_page.contains("Revision 2") && revision_page.contains("pretty=1"),
        "{revision_page}"
    );
    let missing = server
        .client
        .get(server.at(&format!("/collections/{id}/revisions/9/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

async fn pasted_json_imports_and_bad_json_is_refused_naming_the_path(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let wrong_url = r#"{"info": {"_postman_id": "broken-api", "name": "Broken <API>", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "ok", "request": "https://x"}, {"name": "bad", "request": {"url": 42}}]}"#;
    for (pasted, expected) in [
        (wrong_url, "item[1].request.url"),
        ("{\"info\": ", "invalid JSON at line 1"),
        ("", "file: choose a collection file or paste its JSON"),
    ] {
        let refused = import(&server, &server.client, None, pasted).await;
        assert_eq!(refused.status(), 303);
        assert_eq!(location(&refused), "/collections");
        let page = server.page("/collections").await;
        let alert = text_after(&page, r#"class="alert error""#)
            .unwrap_or_else(|| panic!("an error is shown: {page}"));
        assert!(alert.contains(expected), "{alert}");
        let kept = text_after(&page, r#"id="import-json""#).unwrap();
        let escaped = pasted.replace('&', "&amp;").replace('<', "&lt;");
        assert_eq!(
            kept,
            format!("\n{escaped}"),
            "the pasted text is kept, escaped"
        );
    }
    assert!(
        Collections::new(&server.db.store)
            .list(&ada, "")
            .await
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
    assert!(server
        .db
        .store
        .collection_events(&ada.team_id)
        .await
        .unwrap()
        .is_empty());

    let fixed = wrong_url.replace("42", r#""https://x/y""#);
    let imported = import(&server, &server.client, None, &fixed).await;
    assert!(
        location(&imported).starts_with("/collections/"),
        "{}",
        location(&imported)
    );
    let rows = Collections::new(&server.db.store)
        .list(&ada, "")
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Broken <API>"]
    );
    let page = server.page(location(&imported)).await;
    assert!(page.contains("Broken &lt;API&gt;"), "{page}");

    let again = import(&server, &server.client, None, &fixed).await;
    assert_eq!(
        location(&again),
        "/collections",
        "an existing id is refused, not replaced"
    );
    assert_eq!(
        server
            .db
            .store
            .collection_events(&ada.team_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn folders_and_requests_are_added_renamed_moved_and_deleted(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let created = server
        .post_form("/collections", &[("name", "Users API")])
        .await;
    let page = location(&created).to_owned();
    let id = page.trim_start_matches("/collections/").to_owned();
    assert_eq!(stored(&server, &ada, &id).await.1.name(), "Users API");
    let blank = server.post_form("/collections", &[("name", "  ")]).await;
    assert_eq!(location(&blank), "/collections");
    assert!(server
        .page("/collections")
        .await
        .contains("name: enter a name"));

    let folder = server
        .post_form(
            &format!("{page}/items"),
            &[("kind", "folder"), ("name", "Users"), ("parent", "")],
        )
        .await;
    let folder_id = location(&folder).split("?item=").nth(1).unwrap().to_owned();
    let add = [
        ("kind", "request"),
        ("name", "List users"),
        ("method", "GET"),
        ("url", "https://api.example.com/users"),
        ("parent", folder_id.as_str()),
    ];
    let request = server.post_form(&format!("{page}/items"), &add).await;
    let request_id = location(&request)
        .split("?item=")
        .nth(1)
        .unwrap()
        .to_owned();
    let tree = |c: &Collection| {
        c.tree()
            .into_iter()
            .map(|n| (n.name, n.depth))
            .collect::<Vec<_>>()
    };
    let (revision, collection) = stored(&server, &ada, &id).await;
    assert_eq!(
        (revision, tree(&collection)),
        (3, vec![("Users".into(), 0), ("List users".into(), 1)])
    );

    let bad_method = [
        ("kind", "request"),
        ("name", "Bad"),
        ("method", "GE T"),
        ("url", "u"),
        ("parent", ""),
    ];
    let refused = server
        .post_form(&format!("{page}/items"), &bad_method)
        .await;
    assert_eq!(location(&refused), page);
    assert!(server
        .page(&page)
        .await
        .contains("method: expected an HTTP method"));

    server
        .post_form(
            &format!("{page}/items/{folder_id}/rename"),
            &[("name", "People")],
        )
        .await;
    let moved = server
        .post_form(
            &format!("{page}/items/{request_id}/move"),
            &[("parent", ""), ("position", "1")],
        )
        .await;
    assert_eq!(moved.status(), 303);
    let (_, collection) = stored(&server, &ada, &id).await;
    assert_eq!(
        tree(&collection),
        vec![("List users".into(), 0), ("People".into(), 0)]
    );
    let bad_position = server
        .post_form(
            &format!("{page}/items/{request_id}/move"),
            &[("parent", ""), ("position", "first")],
        )
        .await;
    assert_eq!(bad_position.status(), 303);
    assert!(server
        .page(&page)
        .await
        .contains("position: enter a whole number"));

    server
        .post_form(&format!("{page}/items/{folder_id}/delete"), &[])
        .await;
    let (revision, collection) = stored(&server, &ada, &id).await;
    assert_eq!(
        (revision, tree(&collection)),
        (6, vec![("List users".into(), 0)])
    );
    let history = Collections::new(&server.db.store)
        .revisions(&ada, &id)
        .await
        .unwrap();
    assert_eq!(
        history[1].summary, r#"Update "Users API": changed "List users""#,
        "the move"
    );
    assert_eq!(
        history[2].summary, r#"Update "Users API""#,
        "a renamed folder changes no request"
    );
}

async fn variables_are_saved_in_order(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let page = location(&server.post_form("/collections", &[("name", "Vars")]).await).to_owned();
    let id = page.trim_start_matches("/collections/").to_owned();
    let form = [
        ("var.0.key", "host"),
        ("var.0.value", "api.example.com"),
        ("var.0.enabled", "on"),
        ("var.1.key", "token"),
        ("var.1.value", "t"),
        ("var.2.key", ""),
        ("var.2.value", ""),
        ("var.2.enabled", "on"),
    ];
    let saved = server.post_form(&format!("{page}/variables"), &form).await;
    assert_eq!(location(&saved), page);
    let (_, collection) = stored(&server, &ada, &id).await;
    let shown: Vec<_> = collection
        .variables()
        .into_iter()
        .map(|v| (v.key, v.value, v.disabled))
        .collect();
    assert_eq!(
        shown,
        [
            ("host".into(), "api.example.com".into(), false),
            ("token".into(), "t".into(), true)
        ]
    );
    let editor = server.page(&page).await;
    assert!(editor.contains(r#"value="api.example.com""#), "{editor}");
}

async fn deleting_needs_the_confirmation(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let page = location(
        &server
            .post_form("/collections", &[("name", "Doomed")])
            .await,
    )
    .to_owned();
    let id = page.trim_start_matches("/collections/").to_owned();

    let unconfirmed = server.post_form(&format!("{page}/delete"), &[]).await;
    assert_eq!(location(&unconfirmed), page);
    assert!(server.page(&page).await.contains("confirm: tick the box"));
    assert_eq!(stored(&server, &ada, &id).await.0, 1);

    let confirmed = server
        .post_form(&format!("{page}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(location(&confirmed), "/collections");
    assert!(server
        .page("/collections")
        .await
        .contains("Collection “Doomed” deleted."));
    assert!(Collections::new(&server.db.store)
        .list(&ada, "")
        .await
        .unwrap()
        .is_empty());
    let gone = server.client.get(server.at(&page)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
}

/// The editor's form for a request as the page shows it, with `changes` laid over it.
fn editor_form(
    request_id: &str,
    shown: &ferry_domain::postman::RequestView,
    changes: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = vec![
        ("editing".into(), request_id.into()),
        ("url_before".into(), shown.url.clone()),
        ("name".into(), shown.name.clone()),
        ("method".into(), shown.method.clone()),
        ("url".into(), shown.url.clone()),
        ("description".into(), shown.description.clone()),
    ];
    for (name, value) in changes {
        form.retain(|(field, _)| field != name);
        form.push(((*name).into(), (*value).into()));
    }
    form
}

async fn post_editor(
    server: &TestServer,
    id: &str,
    request_id: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    server
        .post_form(&format!("/collections/{id}/requests/{request_id}"), &form)
        .await
}

/// Posts the editor and checks that it was taken.
async fn saved(server: &TestServer, id: &str, request_id: &str, form: &[(String, String)]) {
    let response = post_editor(server, id, request_id, form).await;
    assert_eq!(response.status(), 303);
    let page = server.page(location(&response)).await;
    assert!(page.contains("Saved “"), "the save was taken: {page}");
}

async fn every_kind_of_body_is_edited_and_an_untouched_save_changes_nothing(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    // The shared example with a form-data body of file fields and one text field.
    let imported = import(
        &server,
        &server.client,
        Some(example("formdata-body.json")),
        "",
    )
    .await;
    let id = location(&imported)
        .trim_start_matches("/collections/")
        .to_owned();
    let (_, original) = stored(&server, &ada, &id).await;
    let request_id = original
        .tree()
        .into_iter()
        .find(|node| matches!(node.kind, ferry_domain::postman::NodeKind::Request { .. }))
        .unwrap()
        .id;
    let shown = original.request_view(&request_id).unwrap();
    let BodyView::FormData { fields, files } = &shown.body else {
        panic!("{:?}", shown.body)
    };
    assert_eq!(
        files,
        &["file_with_null", "file_with_str", "file_with_array"]
    );
    assert_eq!(fields.len(), 1);

    // The page offers every kind, the form data chosen, its text field and its kept files.
    let page = server
        .page(&format!("/collections/{id}?item={request_id}"))
        .await;
    assert!(
        page.contains(r#"<option value="formdata" selected"#),
        "{page}"
    );
    assert!(page.contains("File fields kept as they are (Ferry stores no files): file_with_null, file_with_str, file_with_array"), "{page}");
    assert!(page.contains(r#"value="not_a_file""#), "{page}");

    // The example's request has no name; the editor asks for one.
    let refused = post_editor(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &[("body_mode", "keep")]),
    )
    .await;
    assert!(server
        .page(location(&refused))
        .await
        .contains("name: enter a name"));
    saved(
        &server,
        &id,
        &request_id,
        &editor_form(
            &request_id,
            &shown,
            &[("name", "Upload"), ("body_mode", "keep")],
        ),
    )
    .await;
    assert_eq!(stored(&server, &ada, &id).await.0, 2);
    let shown = stored(&server, &ada, &id)
        .await
        .1
        .request_view(&request_id)
        .unwrap();

    // Saving the form as shown changes nothing: no new revision.
    let untouched = editor_form(
        &request_id,
        &shown,
        &[
            ("body_mode", "formdata"),
            ("formdata.0.key", "not_a_file"),
            ("formdata.0.value", ""),
            ("formdata.0.enabled", "on"),
        ],
    );
    saved(&server, &id, &request_id, &untouched).await;
    assert_eq!(
        stored(&server, &ada, &id).await.0,
        2,
        "an untouched save stores no revision"
    );

    // Form data: a text field changed and one added; the file fields stay where they were.
    let form = editor_form(
        &request_id,
        &shown,
        &[
            ("body_mode", "formdata"),
            ("formdata.0.key", "not_a_file"),
            ("formdata.0.value", "now text"),
            ("formdata.0.enabled", "on"),
            ("formdata.1.key", "lang"),
            ("formdata.1.value", "en"),
        ],
    );
    saved(&server, &id, &request_id, &form).await;
    let (revision, edited) = stored(&server, &ada, &id).await;
    assert_eq!(revision, 3);
    let body = &edited.as_json()["item"][0]["request"]["body"]["formdata"];
    assert_eq!(
        body[3],
        serde_json::json!({"key": "not_a_file", "type": "text", "value": "now text"})
    );
    assert_eq!(
        body[4],
        serde_json::json!({"key": "lang", "type": "text", "value": "en", "disabled": true})
    );
    assert_eq!(
        body[0],
        original.as_json()["item"][0]["request"]["body"]["formdata"][0]
    );

    // URL-encoded.
    let form = editor_form(
        &request_id,
        &shown,
        &[
            ("body_mode", "urlencoded"),
            ("urlencoded.0.key", "q"),
            ("urlencoded.0.value", "a b"),
            ("urlencoded.0.enabled", "on"),
        ],
    );
    saved(&server, &id, &request_id, &form).await;
    let view = stored(&server, &ada, &id)
        .await
        .1
        .request_view(&request_id)
        .unwrap();
    assert_eq!(
        view.body,
        BodyView::UrlEncoded(vec![KeyValue {
            key: "q".into(),
            value: "a b".into(),
            disabled: false
        }])
    );

    // GraphQL; variables that are no JSON object are refused, named, and nothing is stored.
    let graphql = [
        ("body_mode", "graphql"),
        ("graphql_query", "query { me { id } }"),
        ("graphql_variables", "{\"first\": 1}"),
    ];
    saved(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &graphql),
    )
    .await;
    let (revision, edited) = stored(&server, &ada, &id).await;
    assert_eq!(
        edited.request_view(&request_id).unwrap().body,
        BodyView::GraphQl {
            query: "query { me { id } }".into(),
            variables: "{\"first\": 1}".into()
        }
    );
    let bad = [
        ("body_mode", "graphql"),
        ("graphql_query", "query { me { id } }"),
        ("graphql_variables", "{first: 1}"),
    ];
    let refused = post_editor(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &bad),
    )
    .await;
    let again = server.page(location(&refused)).await;
    assert!(
        again.contains("body.graphql.variables: not valid JSON"),
        "{again}"
    );
    assert!(
        again.contains("{first: 1}"),
        "the typed variables come back: {again}"
    );
    assert_eq!(
        stored(&server, &ada, &id).await.0,
        revision,
        "nothing stored"
    );

    // Raw text in a language; CRLF from the text area is stored as LF.
    let raw = [
        ("body_mode", "raw"),
        ("body", "<a>\r\n</a>"),
        ("raw_language", "xml"),
    ];
    saved(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &raw),
    )
    .await;
    let (revision, edited) = stored(&server, &ada, &id).await;
    assert_eq!(
        edited.request_view(&request_id).unwrap().body,
        BodyView::Raw {
            text: "<a>\n</a>".into(),
            language: "xml".into()
        }
    );
    saved(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &raw),
    )
    .await;
    assert_eq!(
        stored(&server, &ada, &id).await.0,
        revision,
        "the same raw text again is no change"
    );
    let unknown = [
        ("body_mode", "raw"),
        ("body", "x"),
        ("raw_language", "yaml"),
    ];
    let refused = post_editor(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &unknown),
    )
    .await;
    assert!(server
        .page(location(&refused))
        .await
        .contains("body.options.raw.language: choose one of text, json, javascript, html, xml"));
    let unknown_mode = [("body_mode", "binary")];
    let refused = post_editor(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &unknown_mode),
    )
    .await;
    assert!(server
        .page(location(&refused))
        .await
        .contains("body_mode: choose none, raw text, URL-encoded form, form data or GraphQL"));
    assert_eq!(
        stored(&server, &ada, &id).await.0,
        revision,
        "nothing stored"
    );

    // None removes the body.
    saved(
        &server,
        &id,
        &request_id,
        &editor_form(&request_id, &shown, &[("body_mode", "none")]),
    )
    .await;
    assert_eq!(
        stored(&server, &ada, &id)
            .await
            .1
            .request_view(&request_id)
            .unwrap()
            .body,
        BodyView::None
    );
    let history = server.page(&format!("/collections/{id}/history")).await;
    assert_eq!(
        history.matches(r#"data-testid="revision""#).count(),
        7,
        "{history}"
    );
    assert!(history.contains(r#"changed "Upload""#), "{history}");
}

async fn the_collection_is_renamed_and_described(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let id = Collections::new(&server.db.store)
        .create(&ada, Collection::new("Orders").unwrap())
        .await
        .unwrap()
        .row
        .id;
    let details = format!("/collections/{id}/details");

    let saved = server
        .post_form(
            &details,
            &[
                ("details", "yes"),
                ("name", "  Orders API "),
                ("description", "All about orders\r\nand refunds"),
            ],
        )
        .await;
    assert_eq!(location(&saved), path_of(&id));
    let page = server.page(&path_of(&id)).await;
    assert!(
        page.contains("Saved the name and description of “Orders API”."),
        "{page}"
    );
    assert!(page.contains("All about orders\nand refunds"), "{page}");
    let (revision, collection) = stored(&server, &ada, &id).await;
    assert_eq!(
        (
            revision,
            collection.name(),
            collection.description().as_str()
        ),
        (2, "Orders API", "All about orders\nand refunds")
    );
    assert!(
        server
            .page("/collections?q=orders api")
            .await
            .contains("Orders API"),
        "the list shows the new name"
    );

    // A blank name is refused naming the field; the typed description comes back.
    let refused = server
        .post_form(
            &details,
            &[("details", "yes"), ("name", "  "), ("description", "typed")],
        )
        .await;
    let again = server.page(location(&refused)).await;
    assert!(again.contains("name: enter a name"), "{again}");
    assert!(again.contains("typed"), "{again}");
    assert_eq!(stored(&server, &ada, &id).await.0, 2, "nothing stored");
}

/// Alice (admin) has a collection with a folder and a request; Bob joined as viewer.
async fn viewers_see_no_forms_and_every_change_is_refused(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("alice@example.com", PASSWORD).await;
    let alice = actor(&server, "alice@example.com").await;
    let mut collection = Collection::new("Shared").unwrap();
    let folder = collection.add_folder(None, "Folder").unwrap();
    let request = collection
        .add_request(None, "Ping", "GET", "https://x/ping")
        .unwrap();
    let id = Collections::new(&server.db.store)
        .create(&alice, collection)
        .await
        .unwrap()
        .row
        .id;

    let bob: Browser = server.browser();
    bob.sign_up("bob@example.com", PASSWORD).await;
    let invite = Accounts::new(&server.db.store)
        .create_invite(&alice, Role::Viewer, "t")
        .await
        .unwrap();
    bob.post_form("/invite/accept", &[("token", invite.token.expose_secret())])
        .await;

    let page = bob.page(&format!("/collections/{id}?item={request}")).await;
    assert!(
        page.contains("Ping") && page.contains("https://x/ping"),
        "{page}"
    );
    assert!(
        !page.contains(r#"method="post" action="/collections"#),
        "no edit forms for a viewer: {page}"
    );
    assert!(!bob
        .page("/collections")
        .await
        .contains(r#"action="/collections/import""#));

    let base = format!("/collections/{id}");
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/collections".into(), vec![("name", "Mine")]),
        (
            format!("{base}/items"),
            vec![("kind", "folder"), ("name", "Mine"), ("parent", "")],
        ),
        (
            format!("{base}/requests/{request}"),
            vec![
                ("name", "Mine"),
                ("method", "GET"),
                ("url", "https://x/ping"),
                ("url_before", "https://x/ping"),
                ("body_mode", "none"),
            ],
        ),
        (
            format!("{base}/items/{folder}/rename"),
            vec![("name", "Mine")],
        ),
        (
            format!("{base}/items/{request}/move"),
            vec![("parent", folder.as_str()), ("position", "")],
        ),
        (format!("{base}/items/{request}/delete"), vec![]),
        (
            format!("{base}/variables"),
            vec![("var.0.key", "k"), ("var.0.value", "v")],
        ),
        (
            format!("{base}/details"),
            vec![("name", "Mine"), ("description", "")],
        ),
        (format!("{base}/delete"), vec![("confirm", "yes")]),
    ];
    for (path, form) in &attempts {
        let refused = bob.post_form(path, form).await;
        assert_eq!(refused.status(), 403, "{path}");
        let body = refused.text().await.unwrap();
        assert!(
            body.contains("your role (viewer) does not allow this"),
            "{path}: {body}"
        );
    }
    let upload = import(
        &server,
        &bob.client,
        None,
        r#"{"info": {"name": "Mine", "schema": "x/v2.1.0/"}, "item": []}"#,
    )
    .await;
    assert_eq!(upload.status(), 403);
    let flashed = bob.page("/collections").await;
    assert!(
        flashed.contains("your role (viewer) does not allow this"),
        "the refusal is also shown on the next page"
    );

    let (revision, collection) = stored(&server, &alice, &id).await;
    assert_eq!((revision, collection.name()), (1, "Shared"));
    assert_eq!(
        Collections::new(&server.db.store)
            .list(&alice, "")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        server
            .db
            .store
            .collection_events(&alice.team_id)
            .await
            .unwrap()
            .len(),
        1,
        "nothing recorded"
    );
    let export = bob
        .client
        .get(server.at(&format!("{base}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200, "viewers may export");
}

async fn a_21_mb_file_imports(db: Db) {
    let server = TestServer::start(db).await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let body = "x".repeat(21 * 1024 * 1024);
    let json = serde_json::json!({
        "info": {"_postman_id": "big", "name": "Big", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"id": "r", "name": "Upload", "request": {"method": "POST", "url": "https://x", "body": {"mode": "raw", "raw": body}}}],
    });
    let imported = import(
        &server,
        &server.client,
        Some(serde_json::to_vec(&json).unwrap()),
        "",
    )
    .await;
    assert_eq!(location(&imported), "/collections/big");
    let (_, collection) = stored(&server, &ada, "big").await;
    assert_eq!(
        collection.request_view("r").unwrap().body,
        BodyView::Raw {
            text: body,
            language: "text".into()
        }
    );
}

async fn a_create_over_the_quota_goes_back_with_the_reason(db: Db) {
    let server = TestServer::start_with(db, |config| {
        config.limits.quotas = Quotas {
            collections: Some(1),
            stored_bytes: None,
        };
    })
    .await;
    server.sign_up("ada@example.com", PASSWORD).await;
    let ada = actor(&server, "ada@example.com").await;
    let created = server.post_form("/collections", &[("name", "First")]).await;
    assert!(location(&created).starts_with("/collections/"));

    let refused = server
        .post_form("/collections", &[("name", "Second")])
        .await;
    assert_eq!(location(&refused), "/collections");
    let page = server.page("/collections").await;
    assert!(
        page.contains(
            "this team has reached its limit of 1 collections; delete collections it no longer needs, \
             or ask the operator to raise FERRY_QUOTA_COLLECTIONS"
        ),
        "{page}"
    );
    let names: Vec<_> = Collections::new(&server.db.store)
        .list(&ada, "")
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();
    assert_eq!(names, ["First"]);
}
