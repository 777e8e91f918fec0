//! Property tests over generated collections and arbitrary bytes.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::{Collection, SCHEMA_V2_1};

/// Any text, including quotes, backslashes, control characters and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..12).prop_map(|chars| chars.into_iter().collect())
}

/// Numbers are integers: `serde_json` (without `float_roundtrip`) may read a float back one
/// unit in the last place off, which is a property of the JSON library, not of this module.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null)
    ]
}

/// Fields this module does not know; the `x-` prefix keeps them apart from Postman's.
fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(text().prop_map(|key| format!("x-{key}")), leaf(), 0..3)
        .prop_map(|fields| fields.into_iter().collect())
}

fn id() -> impl Strategy<Value = Option<String>> {
    prop::option::of(any::<u64>().prop_map(|n| format!("id-{n}")))
}

fn request() -> impl Strategy<Value = Value> {
    let object = (
        text(),
        text(),
        prop::collection::vec((text(), text()), 0..3),
        unknown_fields(),
    )
        .prop_map(|(method, url, headers, mut fields)| {
            fields.insert("method".into(), json!(method));
            fields.insert("url".into(), json!({"raw": url, "host": [url]}));
            fields.insert(
                "header".into(),
                headers
                    .into_iter()
                    .map(|(key, value)| json!({"key": key, "value": value}))
                    .collect(),
            );
            Value::Object(fields)
        });
    prop_oneof![text().prop_map(Value::from), object]
}

fn with_identity(
    mut fields: Map<String, Value>,
    id: Option<String>,
    name: String,
) -> Map<String, Value> {
    if let Some(id) = id {
        fields.insert("id".into(), json!(id));
    }
    fields.insert("name".into(), json!(name));
    fields
}

fn items() -> impl Strategy<Value = Vec<Value>> {
    let request_item =
        (id(), text(), request(), unknown_fields()).prop_map(|(id, name, request, fields)| {
            let mut fields = with_identity(fields, id, name);
            fields.insert("request".into(), request);
            Value::Object(fields)
        });
    let tree = request_item.prop_recursive(4, 40, 5, |inner| {
        (
            id(),
            text(),
            prop::collection::vec(inner, 0..5),
            unknown_fields(),
        )
            .prop_map(|(id, name, children, fields)| {
                let mut fields = with_identity(fields, id, name);
                fields.insert("item".into(), Value::Array(children));
                Value::Object(fields)
            })
    });
    prop::collection::vec(tree, 0..6)
}

fn collection_json() -> impl Strategy<Value = Value> {
    (
        text(),
        id(),
        items(),
        prop::collection::vec((text(), leaf()), 0..3),
        unknown_fields(),
    )
        .prop_map(|(name, id, items, variables, mut fields)| {
            let mut info = json!({"name": name, "schema": SCHEMA_V2_1});
            if let Some(id) = id {
                info["_postman_id"] = json!(id);
            }
            fields.insert("info".into(), info);
            fields.insert("item".into(), Value::Array(items));
            fields.insert(
                "variable".into(),
                variables
                    .into_iter()
                    .map(|(key, value)| json!({"key": key, "value": value}))
                    .collect(),
            );
            Value::Object(fields)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn import_keeps_everything_but_the_ids_it_adds(document in collection_json()) {
        let collection = Collection::import(document.to_string().as_bytes());
        // Generated ids could collide, however unlikely; such a document is refused, not damaged.
        prop_assume!(!matches!(&collection, Err(error) if error.to_string().contains("already used")));
        let collection = collection.map_err(|error| TestCaseError::fail(error.to_string()))?;
        let exported: Value = serde_json::from_str(&collection.to_canonical_json()).unwrap();
        prop_assert_eq!(&exported["item"].as_array().map(Vec::len), &document["item"].as_array().map(Vec::len));
        prop_assert_eq!(&exported["variable"], &document["variable"]);
        prop_assert_eq!(&exported["info"]["name"], &document["info"]["name"]);
        for (key, value) in document.as_object().unwrap().iter().filter(|(key, _)| key.starts_with("x-")) {
            prop_assert_eq!(&exported[key], value);
        }
    }

    #[test]
    fn canonical_rendering_is_idempotent_and_parses_back_to_the_same_collection(document in collection_json()) {
        let Ok(collection) = Collection::import(document.to_string().as_bytes()) else {
            return Err(TestCaseError::reject("colliding generated ids"));
        };
        let rendered = collection.to_canonical_json();
        let parsed = Collection::import(rendered.as_bytes()).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&parsed, &collection);
        prop_assert_eq!(parsed.to_canonical_json(), rendered);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Collection::import(&bytes);
    }

    #[test]
    fn json_shaped_noise_never_panics(tokens in prop::collection::vec(prop::sample::select(vec![
        "{", "}", "[", "]", ",", ":", "\"info\"", "\"item\"", "\"name\"", "\"schema\"", "\"v2.1.0/\"", "\"v2.0.0/\"",
        "\"request\"", "\"url\"", "\"auth\"", "\"type\"", "\"basic\"", "\"id\"", "\"_postman_id\"", "null", "1", "\"x\"",
    ]), 0..200)) {
        let _ = Collection::import(tokens.concat().as_bytes());
    }
}
