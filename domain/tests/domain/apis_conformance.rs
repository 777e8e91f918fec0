//! The APIs service on both backends: definitions stored byte for byte, problems with their
//! lines, history written with each change, generated collections that keep hand-made
//! requests, immutable versions, roles, team scoping, and refusals that store nothing.

use ferry_domain::{
    accounts::{Actor, Via},
    apis::{Apis, ApisError, NewApi},
    auth::Role,
    collections::Collections,
    error::{DomainError, ErrorKind},
    openapi::{generate, Definition},
    Store,
};

ferry_testing::on_both!(
    store:
    the_bitbucket_definition_round_trips_byte_for_byte,
    yaml_keeps_comments_and_order_and_problems_name_their_line,
    create_starts_from_a_valid_definition_named_after_the_api,
    every_change_writes_its_history_entry,
    unparseable_and_unbounded_definitions_are_refused_and_store_nothing,
    generation_makes_one_request_per_operation_and_regeneration_keeps_hand_made_ones,
    unlinking_keeps_the_collection,
    versions_are_immutable_and_their_names_unique,
    roles_read_change_and_delete,
    other_teams_see_nothing,
    a_save_over_a_newer_change_is_refused,
    swagger_2_imports_and_reads_but_is_not_saved_as_an_edit,
);

const BITBUCKET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/bitbucket/cloud-openapi.json"
);

/// A small OpenAPI 3.1 definition with comments, an anchor and keys out of order; the
/// problem on line 14 (`in: body` is not an OpenAPI 3 location) is the only one.
const PETS_YAML: &str = "# Pets: comments survive every save.
openapi: 3.1.0
info:
  version: 1.0.0   # version before title, on purpose
  title: Pets
servers:
  - url: https://pets.example.com/v1
paths:
  /pets/{id}:
    get:
      summary: Get a pet
      tags: [pets]
      parameters:
        - in: body
          name: id
          required: true
          schema: {type: string}
      responses:
        '200': &ok
          description: The pet
    delete:
      tags: [pets]
      responses:
        '204': *ok
";

async fn actor(store: &Store, email: &str, role: Role) -> Actor {
    let (user_id, team_id) = store
        .create_user_with_team(email, "hash", "")
        .await
        .unwrap();
    Actor {
        user_id,
        email: email.into(),
        team_id,
        team_name: "Team".into(),
        role,
        via: Via::ApiKey,
    }
}

/// Another member of `of`'s team with `role`.
fn member(of: &Actor, role: Role) -> Actor {
    Actor { role, ..of.clone() }
}

fn bitbucket() -> String {
    std::fs::read_to_string(BITBUCKET)
        .unwrap_or_else(|e| panic!("{BITBUCKET} (the shared Bitbucket definition): {e}"))
}

fn valid_pets() -> String {
    PETS_YAML.replace("in: body", "in: path")
}

async fn import(store: &Store, actor: &Actor, text: &str) -> String {
    Apis::new(store)
        .create(actor, NewApi::Import { text, summary: "" })
        .await
        .unwrap()
        .row
        .id
}

async fn the_bitbucket_definition_round_trips_byte_for_byte(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let text = bitbucket();
    let apis = Apis::new(store);
    let created = apis
        .create(
            &editor,
            NewApi::Import {
                text: &text,
                summary: "Bitbucket Cloud",
            },
        )
        .await
        .unwrap();
    assert_eq!(created.row.name, "Bitbucket API");
    assert_eq!(created.row.definition.problem_count, 0);
    assert_eq!(created.row.definition.operation_count, 331);
    let stored = apis.get(&editor, &created.row.id).await.unwrap();
    assert!(
        stored.text == text,
        "the definition must come back byte for byte"
    );
    let listed = apis.list(&editor, "bitbucket").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].definition.operation_count, 331);
}

async fn yaml_keeps_comments_and_order_and_problems_name_their_line(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let id = import(store, &editor, PETS_YAML).await;
    let stored = apis.get(&editor, &id).await.unwrap();
    assert_eq!(stored.text, PETS_YAML);
    assert_eq!(stored.row.name, "Pets");
    assert_eq!(stored.row.definition.version.as_deref(), Some("1.0.0"));
    let problems = stored.definition.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 14, "{problems:?}");
    assert!(
        problems[0]
            .path
            .starts_with("paths./pets/{id}.get.parameters.0"),
        "{problems:?}"
    );
    assert_eq!(stored.row.definition.problem_count, 1);

    let fixed = apis
        .replace_definition(&editor, &id, &valid_pets(), None)
        .await
        .unwrap();
    assert_eq!(fixed.row.definition.problem_count, 0);
    assert_eq!(apis.get(&editor, &id).await.unwrap().text, valid_pets());
}

async fn create_starts_from_a_valid_definition_named_after_the_api(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let name = "Orders: \"v2\" # not a comment";
    let created = apis
        .create(
            &editor,
            NewApi::Empty {
                name,
                summary: "Order intake",
            },
        )
        .await
        .unwrap();
    assert_eq!(created.row.name, name);
    assert_eq!(created.row.summary, "Order intake");
    assert_eq!(created.definition.info().title.as_deref(), Some(name));
    assert!(created.definition.problems().is_empty());
    let refused = apis
        .create(
            &editor,
            NewApi::Empty {
                name: "  ",
                summary: "",
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some("name"));
}

async fn every_change_writes_its_history_entry(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    let with_post = valid_pets().replace(
        "    delete:",
        "    post:\n      responses:\n        '201': {description: Created}\n    delete:",
    );
    apis.replace_definition(&editor, &id, &with_post, None)
        .await
        .unwrap();
    // The same text again stores nothing.
    apis.replace_definition(&editor, &id, &with_post, None)
        .await
        .unwrap();
    apis.update(&editor, &id, Some("Pets v2"), None)
        .await
        .unwrap();
    let history: Vec<_> = apis
        .history(&editor, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.number, entry.summary, entry.has_definition))
        .collect();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[0].0, 3);
    assert_eq!(history[0].1, "Renamed the API to \"Pets v2\"");
    assert!(!history[0].2);
    assert!(
        history[1].1.contains("added POST /pets/{id}"),
        "{history:?}"
    );
    assert!(history[1].2);
    assert!(history[2]
        .1
        .starts_with("Created the API with 2 operations"));
    assert_eq!(
        apis.revision_definition(&editor, &id, 2).await.unwrap(),
        with_post
    );
}

async fn unparseable_and_unbounded_definitions_are_refused_and_store_nothing(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    let laughs = "openapi: 3.1.0\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let broken = "openapi: 3.1.0\ninfo: {title: x\n";
    for (text, kind, says) in [
        (laughs, ErrorKind::Invalid, "alias"),
        (deep.as_str(), ErrorKind::Invalid, "64"),
        (broken, ErrorKind::Invalid, "line"),
    ] {
        let error = apis
            .replace_definition(&editor, &id, text, None)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{error}");
        assert!(error.to_string().contains(says), "{error}");
        let error = apis
            .create(&editor, NewApi::Import { text, summary: "" })
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{error}");
    }
    let huge = format!("{}\n#{}", valid_pets(), "x".repeat(16 * 1024 * 1024));
    let error = apis
        .replace_definition(&editor, &id, &huge, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TooLarge, "{error}");
    assert!(error.to_string().contains("16 MiB"), "{error}");
    assert_eq!(apis.history(&editor, &id).await.unwrap().len(), 1);
    assert_eq!(apis.list(&editor, "").await.unwrap().len(), 1);
    assert_eq!(apis.get(&editor, &id).await.unwrap().text, valid_pets());
}

async fn generation_makes_one_request_per_operation_and_regeneration_keeps_hand_made_ones(
    store: &Store,
) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let collections = Collections::new(store);
    let id = import(store, &editor, &bitbucket()).await;
    let collection_id = apis.generate_collection(&editor, &id).await.unwrap();
    let generated = collections.get(&editor, &collection_id).await.unwrap();
    let requests: Vec<_> = generated
        .collection
        .tree()
        .into_iter()
        .filter(|node| generate::generated_operation(&generated.collection, &node.id).is_some())
        .collect();
    assert_eq!(requests.len(), 331);
    let linked = apis.linked_collections(&editor, &id).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert!(linked[0].generated);

    // A person adds a request; the definition then loses an operation.
    collections
        .edit(&editor, &collection_id, |c| {
            c.add_request(None, "My own check", "GET", "{{baseUrl}}/health")
                .map(|_| ())
        })
        .await
        .unwrap();
    let text = bitbucket();
    let definition = Definition::parse(&text).unwrap();
    let mut document = definition.document().clone();
    let removed = document["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/user")
        .expect("the Bitbucket definition has /user");
    let removed_count = removed
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "parameters")
        .count();
    apis.replace_definition(
        &editor,
        &id,
        &serde_json::to_string_pretty(&document).unwrap(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        apis.generate_collection(&editor, &id).await.unwrap(),
        collection_id
    );
    let regenerated = collections.get(&editor, &collection_id).await.unwrap();
    let tree = regenerated.collection.tree();
    assert!(tree.iter().any(|node| node.name == "My own check"));
    let generated_now = tree
        .iter()
        .filter(|node| generate::generated_operation(&regenerated.collection, &node.id).is_some())
        .count();
    assert_eq!(generated_now, 331 - removed_count);
    assert_eq!(
        apis.linked_collections(&editor, &id).await.unwrap().len(),
        1
    );
}

async fn unlinking_keeps_the_collection(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let collections = Collections::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    let own = collections
        .create(
            &editor,
            ferry_domain::postman::Collection::new("Smoke tests").unwrap(),
        )
        .await
        .unwrap();
    apis.link(&editor, &id, &own.row.id).await.unwrap();
    let again = apis.link(&editor, &id, &own.row.id).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
    assert_eq!(
        apis.linked_collections(&editor, &id).await.unwrap().len(),
        1
    );
    apis.unlink(&editor, &id, &own.row.id).await.unwrap();
    assert!(apis
        .linked_collections(&editor, &id)
        .await
        .unwrap()
        .is_empty());
    assert!(collections.get(&editor, &own.row.id).await.is_ok());
}

async fn versions_are_immutable_and_their_names_unique(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let collections = Collections::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    let collection_id = apis.generate_collection(&editor, &id).await.unwrap();
    let before = collections.get(&editor, &collection_id).await.unwrap();
    let v1 = apis
        .publish(&editor, &id, "1.0.0", "First release")
        .await
        .unwrap();

    let changed = valid_pets().replace("title: Pets", "title: Pets and more");
    apis.replace_definition(&editor, &id, &changed, None)
        .await
        .unwrap();
    collections
        .edit(&editor, &collection_id, |c| {
            c.set_name("Renamed after 1.0.0")
        })
        .await
        .unwrap();
    let kept = apis.version(&editor, &id, &v1.id).await.unwrap();
    assert_eq!(kept.definition, valid_pets());
    assert_eq!(kept.row.release_notes, "First release");
    assert_eq!(kept.collections.len(), 1);
    assert_eq!(
        kept.collections[0].canonical_json,
        before.collection.to_canonical_json()
    );

    let again = apis.publish(&editor, &id, "1.0.0", "").await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict, "{again}");
    assert!(again.to_string().contains("1.0.0"));
    let bad = apis
        .publish(&editor, &id, "1.0 beta", "")
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("name"));
    apis.publish(&editor, &id, "1.1.0", "").await.unwrap();
    let names: Vec<_> = apis
        .versions(&editor, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["1.1.0", "1.0.0"]);
}

async fn roles_read_change_and_delete(store: &Store) {
    let admin = actor(store, "admin@example.com", Role::Admin).await;
    let editor = member(&admin, Role::Editor);
    let viewer = member(&admin, Role::Viewer);
    let apis = Apis::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    assert!(apis.get(&viewer, &id).await.is_ok());
    for refused in [
        apis.replace_definition(&viewer, &id, PETS_YAML, None)
            .await
            .err(),
        apis.update(&viewer, &id, Some("x"), None).await.err(),
        apis.generate_collection(&viewer, &id).await.err(),
        apis.publish(&viewer, &id, "9.9.9", "").await.err(),
        apis.delete(&viewer, &id).await.err(),
        apis.delete(&editor, &id).await.err(),
    ] {
        assert!(
            matches!(refused, Some(ApisError::Forbidden(_))),
            "{refused:?}"
        );
    }
    assert_eq!(apis.history(&admin, &id).await.unwrap().len(), 1);
    apis.delete(&admin, &id).await.unwrap();
    assert!(matches!(
        apis.get(&admin, &id).await,
        Err(ApisError::NotFound)
    ));
}

async fn other_teams_see_nothing(store: &Store) {
    let alice = actor(store, "alice@example.com", Role::Admin).await;
    let bob = actor(store, "bob@example.com", Role::Admin).await;
    let apis = Apis::new(store);
    let id = import(store, &alice, &valid_pets()).await;
    let version = apis.publish(&alice, &id, "1.0.0", "").await.unwrap();
    assert!(apis.list(&bob, "").await.unwrap().is_empty());
    for error in [
        apis.get(&bob, &id).await.err(),
        apis.history(&bob, &id).await.err(),
        apis.versions(&bob, &id).await.err(),
        apis.version(&bob, &id, &version.id).await.err(),
        apis.linked_collections(&bob, &id).await.err(),
        apis.replace_definition(&bob, &id, PETS_YAML, None)
            .await
            .err(),
        apis.generate_collection(&bob, &id).await.err(),
        apis.delete(&bob, &id).await.err(),
    ] {
        assert!(matches!(error, Some(ApisError::NotFound)), "{error:?}");
    }
    assert_eq!(apis.get(&alice, &id).await.unwrap().text, valid_pets());
}

async fn a_save_over_a_newer_change_is_refused(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let id = import(store, &editor, &valid_pets()).await;
    let loaded_at = apis.get(&editor, &id).await.unwrap().row.revision;
    apis.update(&editor, &id, None, Some("Meanwhile"))
        .await
        .unwrap();
    let error = apis
        .replace_definition(&editor, &id, PETS_YAML, Some(loaded_at))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(apis.get(&editor, &id).await.unwrap().text, valid_pets());
}

async fn swagger_2_imports_and_reads_but_is_not_saved_as_an_edit(store: &Store) {
    let editor = actor(store, "ed@example.com", Role::Editor).await;
    let apis = Apis::new(store);
    let swagger = "swagger: '2.0'\ninfo: {title: Legacy, version: '1'}\nhost: legacy.example.com\n\
                   paths:\n  /things:\n    get:\n      responses:\n        '200': {description: Things}\n";
    let id = import(store, &editor, swagger).await;
    let stored = apis.get(&editor, &id).await.unwrap();
    assert_eq!(stored.row.definition.operation_count, 1);
    assert!(apis.generate_collection(&editor, &id).await.is_ok());
    let edited = swagger.replace("Things", "All things");
    let refused = apis
        .replace_definition(&editor, &id, &edited, None)
        .await
        .unwrap_err();
    assert_eq!(refused.field(), Some("definition"));
    assert!(refused.to_string().contains("OpenAPI 3"), "{refused}");
    apis.replace_definition(&editor, &id, &valid_pets(), None)
        .await
        .unwrap();
}
