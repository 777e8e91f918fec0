//! Import: bytes in, a valid v2.1 [`Collection`] with stable ids out, or the reason why not.

use serde_json::Value;

use super::{
    error::FormatError,
    ids, limits,
    limits::MAX_DOCUMENT_BYTES,
    schema,
    version::{self, Version, SCHEMA_V2_1},
    Collection,
};

impl Collection {
    /// Reads a Postman Collection v2.0 or v2.1 document.
    ///
    /// In order: the size bound, JSON syntax (nesting depth is bounded by the parser), the
    /// format version, the v2.0 → v2.1 upgrade, the bounds on nesting, names and ids, Postman's
    /// schema, then ids for the collection and items that lack one (and a check that item ids
    /// are unique). `info.schema` is set to [`SCHEMA_V2_1`]; nothing else is changed.
    pub fn import(json: &[u8]) -> Result<Collection, FormatError> {
        Self::import_with_ids(json, &mut ids::new_id)
    }

    /// [`Collection::import`] with the source of new ids given, so tests can predict them.
    pub(crate) fn import_with_ids(
        json: &[u8],
        new_id: &mut impl FnMut() -> String,
    ) -> Result<Collection, FormatError> {
        if json.len() > MAX_DOCUMENT_BYTES {
            return Err(FormatError::TooLarge { size: json.len() });
        }
        let mut value: Value = serde_json::from_slice(json).map_err(|error| FormatError::Json {
            line: error.line(),
            column: error.column(),
            message: without_position(&error),
        })?;
        let document = value.as_object_mut().ok_or_else(not_an_object)?;
        if version::detect(document)? == Version::V2_0 {
            version::upgrade_v2_0(document);
        }
        limits::check_document(document)?;
        schema::validate(&value)?;
        let Value::Object(mut document) = value else {
            return Err(not_an_object());
        };
        ids::assign_missing(&mut document, new_id);
        ids::check_unique(&document)?;
        if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
            info.insert("schema".to_owned(), Value::String(SCHEMA_V2_1.to_owned()));
        }
        Ok(Collection { document })
    }
}

fn not_an_object() -> FormatError {
    FormatError::invalid(
        "",
        "a collection is a JSON object with \"info\" and \"item\"",
    )
}

/// serde_json's message ends in " at line L column C"; the error carries those separately.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_FOLDER_DEPTH, MAX_ID_CHARS, MAX_JSON_DEPTH, MAX_NAME_CHARS};

    const V21: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

    fn collection_with(items: &str) -> String {
        format!(r#"{{"info": {{"name": "c", "schema": "{V21}"}}, "item": {items}}}"#)
    }

    fn nested_folders(depth: usize) -> String {
        let mut items = r#"[{"name": "r", "request": "https://example.com"}]"#.to_owned();
        for _ in 0..depth {
            items = format!(r#"[{{"name": "f", "item": {items}}}]"#);
        }
        collection_with(&items)
    }

    #[test]
    fn refuses_invalid_json_with_its_position() {
        let error = Collection::import(b"{\n  \"info\": ").unwrap_err();
        assert!(
            matches!(error, FormatError::Json { line: 2, .. }),
            "{error:?}"
        );
        assert_eq!(
            Collection::import(b"[]").unwrap_err().to_string(),
            r#"a collection is a JSON object with "info" and "item""#
        );
    }

    #[test]
    fn refuses_documents_over_the_size_bound_before_parsing() {
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(
            Collection::import(&big),
            Err(FormatError::TooLarge {
                size: MAX_DOCUMENT_BYTES + 1
            })
        );
    }

    #[test]
    fn accepts_twenty_megabytes() {
        let padding = "x".repeat(20_000_000);
        let json = collection_with(&format!(
            r#"[{{"name": "big", "request": {{"url": "u", "description": "{padding}"}}}}]"#
        ));
        assert!(Collection::import(json.as_bytes()).is_ok());
    }

    #[test]
    fn the_parser_bounds_json_nesting_at_its_recursion_limit() {
        let nested = |depth: usize| {
            format!(
                r#"{{"info": {{"name": "c", "schema": "{V21}"}}, "item": [], "x": {}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        // The root object is one level, so MAX_JSON_DEPTH - 1 arrays inside it fit exactly.
        let result = Collection::import(nested(MAX_JSON_DEPTH - 1).as_bytes());
        assert!(result.is_ok(), "{result:?}");
        let error = Collection::import(nested(MAX_JSON_DEPTH).as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("recursion limit exceeded"),
            "{error}"
        );
        // Far deeper input is refused just as cheaply, without exhausting the stack.
        assert!(Collection::import(nested(1_000_000).as_bytes()).is_err());
    }

    #[test]
    fn bounds_folder_nesting() {
        assert!(Collection::import(nested_folders(MAX_FOLDER_DEPTH).as_bytes()).is_ok());
        let error =
            Collection::import(nested_folders(MAX_FOLDER_DEPTH + 1).as_bytes()).unwrap_err();
        let path = "item[0].".repeat(MAX_FOLDER_DEPTH + 1) + "item[0]";
        assert_eq!(
            error.to_string(),
            format!("{path}: folders are nested more than {MAX_FOLDER_DEPTH} levels deep")
        );
    }

    #[test]
    fn bounds_names_and_ids() {
        let long_name = "é".repeat(MAX_NAME_CHARS + 1);
        let json = collection_with(&format!(r#"[{{"name": "{long_name}", "request": "u"}}]"#));
        assert_eq!(
            Collection::import(json.as_bytes()).unwrap_err().to_string(),
            "item[0].name: longer than 1000 characters"
        );
        assert!(Collection::import(
            collection_with(&format!(
                r#"[{{"name": "{}", "request": "u"}}]"#,
                "é".repeat(MAX_NAME_CHARS)
            ))
            .as_bytes()
        )
        .is_ok());

        let long_id = "i".repeat(MAX_ID_CHARS + 1);
        let json = format!(
            r#"{{"info": {{"_postman_id": "{long_id}", "name": "c", "schema": "{V21}"}}, "item": []}}"#
        );
        assert_eq!(
            Collection::import(json.as_bytes()).unwrap_err().to_string(),
            "info._postman_id: longer than 128 characters"
        );
    }

    #[test]
    fn bounds_the_v2_0_item_id_that_becomes_the_item_id() {
        // Found by the fuzzer: the long `_postman_id` became the item's `id`, so the import
        // succeeded and its export was refused.
        let long_id = "i".repeat(MAX_ID_CHARS + 1);
        let json = collection_with(&format!(
            r#"[{{"_postman_id": "{long_id}", "name": "a", "request": "u"}}]"#
        ));
        assert_eq!(
            Collection::import(json.as_bytes()).unwrap_err().to_string(),
            "item[0]._postman_id: longer than 128 characters"
        );

        // With an id of its own, the item's `_postman_id` is only kept, not used as its id.
        let json = collection_with(&format!(
            r#"[{{"id": "a", "_postman_id": "{long_id}", "name": "a", "request": "u"}}]"#
        ));
        let collection = Collection::import(json.as_bytes()).unwrap();
        let again = Collection::import(collection.to_canonical_json().as_bytes()).unwrap();
        assert_eq!(again, collection);
    }

    #[test]
    fn upgrades_v2_0_and_writes_the_v2_1_schema_url() {
        let json = r#"{"info": {"name": "old", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
            "item": [], "auth": {"type": "bearer", "bearer": {"token": "t"}}}"#;
        let collection = Collection::import(json.as_bytes()).unwrap();
        let document = collection.as_json();
        assert_eq!(document["info"]["schema"], V21);
        assert_eq!(document["auth"]["bearer"][0]["key"], "token");
    }

    #[test]
    fn keeps_ids_and_assigns_missing_ones_once() {
        let json = collection_with(
            r#"[{"id": "mine", "name": "a", "request": "u"}, {"name": "b", "request": "u"}]"#,
        );
        let collection = Collection::import(json.as_bytes()).unwrap();
        let document = collection.as_json();
        assert_eq!(document["item"][0]["id"], "mine");
        let assigned = document["item"][1]["id"].as_str().unwrap();
        assert_eq!(
            uuid::Uuid::parse_str(assigned).unwrap().get_version_num(),
            4
        );
        assert!(uuid::Uuid::parse_str(collection.id()).is_ok());

        // Once assigned, ids are part of the document: re-importing the export keeps them.
        let again = Collection::import(collection.to_canonical_json().as_bytes()).unwrap();
        assert_eq!(again, collection);
        assert_eq!(again.to_canonical_json(), collection.to_canonical_json());
    }
}
