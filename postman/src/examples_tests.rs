//! Every example collection Postman publishes imports, validates and exports equal to its
//! input up to normalisation: key order and layout, `info.schema` set to the v2.1 URL, and
//! ids added where the input had none.

use std::{fs, path::PathBuf};

use serde_json::Value;

use super::{Collection, SCHEMA_V2_1};

fn examples() -> Vec<(String, Vec<u8>)> {
    // Read when the test runs, not when it is built: a test binary built from another clone
    // sharing the target dir would otherwise look in that clone.
    let folder = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../../shared/postman/examples");
    let mut found: Vec<(String, Vec<u8>)> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("reading {}: {error}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&path).unwrap(),
            )
        })
        .collect();
    found.sort();
    assert!(
        found.len() >= 20,
        "expected Postman's examples in {}",
        folder.display()
    );
    found
}

/// Removes from `exported` the ids import assigned, i.e. those `input` did not have.
fn drop_assigned_ids(exported: &mut Value, input: &Value) {
    if input["info"].get("_postman_id").is_none() {
        exported["info"]
            .as_object_mut()
            .unwrap()
            .remove("_postman_id");
    }
    drop_assigned_item_ids(&mut exported["item"], &input["item"]);
}

fn drop_assigned_item_ids(exported: &mut Value, input: &Value) {
    let (Some(exported), Some(input)) = (exported.as_array_mut(), input.as_array()) else {
        return;
    };
    for (exported, input) in exported.iter_mut().zip(input) {
        if input.get("id").is_none() {
            exported.as_object_mut().unwrap().remove("id");
        }
        if let Some(children) = input.get("item") {
            drop_assigned_item_ids(&mut exported["item"], children);
        }
    }
}

#[test]
fn every_example_round_trips_up_to_normalisation() {
    for (name, bytes) in examples() {
        let collection =
            Collection::import(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        let mut input: Value = serde_json::from_slice(&bytes).unwrap();
        input["info"]["schema"] = Value::from(SCHEMA_V2_1);
        let mut exported: Value = serde_json::from_str(&collection.to_canonical_json()).unwrap();
        drop_assigned_ids(&mut exported, &input);
        assert_eq!(exported, input, "{name}");
    }
}

#[test]
fn every_example_renders_byte_stable() {
    for (name, bytes) in examples() {
        let collection = Collection::import(&bytes).unwrap();
        let rendered = collection.to_canonical_json();
        assert_eq!(rendered, collection.to_canonical_json(), "{name}");
        let again = Collection::import(rendered.as_bytes())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(again, collection, "{name}");
        assert_eq!(again.to_canonical_json(), rendered, "{name}");
        assert!(
            rendered.ends_with("}\n") && !rendered.contains("\\u00"),
            "{name}"
        );
    }
}

#[test]
fn every_item_of_every_example_gets_a_unique_id() {
    for (name, bytes) in examples() {
        let collection = Collection::import(&bytes).unwrap();
        let tree = collection.tree();
        let mut ids: Vec<&str> = tree.iter().map(|node| node.id.as_str()).collect();
        assert!(ids.iter().all(|id| !id.is_empty()), "{name}");
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), tree.len(), "{name}");
        assert!(!collection.id().is_empty(), "{name}");
    }
}
