//! Postman collections: import (v2.0 and v2.1), validation against Postman's schema, a
//! canonical v2.1 rendering, a tree view, edits and change summaries.
//!
//! A [`Collection`] is the document itself, a JSON tree, rather than a typed copy of it: every
//! field Postman (or a tool) wrote survives import, edit and export untouched, including the
//! ones this module has never heard of. What makes it more than JSON is what
//! [`Collection::import`] guarantees and every edit keeps:
//!
//! - it is a valid Postman Collection v2.1 (`info.schema` is [`SCHEMA_V2_1`]);
//! - the collection (`info._postman_id`) and every folder and request (`id`) have an id, and
//!   item ids are unique; ids never change once given;
//! - it stays within the bounds of [`limits`].
//!
//! ```
//! use ferry_postman::{diff, Collection, RequestUpdate};
//!
//! let before = Collection::import(br#"{"info": {"name": "Users API",
//!     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
//!     "item": [{"id": "list", "name": "List users", "request": "https://api.example.com/users"}]}"#)?;
//! let mut after = before.clone();
//! after.add_request(None, "Create user", "POST", "https://api.example.com/users")?;
//! after.update_request("list", RequestUpdate { method: Some("HEAD".into()), ..Default::default() })?;
//!
//! let changes = diff(Some(&before), &after);
//! assert_eq!(changes.describe(), r#"added "Create user", changed "List users""#);
//! assert_eq!(changes.commit_message(after.name()), r#"Update "Users API": added "Create user", changed "List users""#);
//! assert!(after.to_canonical_json().ends_with("}\n"));
//! # Ok::<(), ferry_postman::FormatError>(())
//! ```

mod canonical;
mod diff;
mod edit;
mod error;
mod ids;
mod items;
pub mod json_words;
mod key_value;
pub mod limits;
pub mod merge;
mod parse;
mod path;
mod request_view;
mod schema;
mod tree;
mod url;
mod version;

#[cfg(test)]
mod examples_tests;
#[cfg(test)]
mod properties_tests;

use serde_json::{Map, Value};

pub use diff::{diff, ChangeSummary, RequestRef};
pub use edit::{Body, RequestUpdate, RAW_LANGUAGES};
pub use error::{FormatError, Problem};
pub use key_value::KeyValue;
pub use merge::{merge_collections, CollectionMerge, ConflictKind, ItemConflict, Side};
pub use request_view::{BodyView, RequestView};
pub use tree::{NodeKind, TreeNode};
pub use version::SCHEMA_V2_1;

/// A Postman collection, valid v2.1 with stable ids (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    document: Map<String, Value>,
}

impl Collection {
    /// An empty collection named `name`, with a fresh id.
    pub fn new(name: &str) -> Result<Collection, FormatError> {
        limits::check_name("info.name", name)?;
        let mut document = Map::new();
        document.insert(
            "info".to_owned(),
            serde_json::json!({ "_postman_id": ids::new_id(), "name": name, "schema": SCHEMA_V2_1 }),
        );
        document.insert("item".to_owned(), Value::Array(Vec::new()));
        Ok(Collection { document })
    }

    /// The collection id (`info._postman_id`).
    pub fn id(&self) -> &str {
        self.info_str("_postman_id")
    }

    /// The collection name (`info.name`).
    pub fn name(&self) -> &str {
        self.info_str("name")
    }

    /// The file an export is saved as: `<name>.postman_collection.json`, as Postman names it,
    /// with characters no file name can hold (`/`, `\\`, control characters) made `_`.
    pub fn file_name(&self) -> String {
        let name: String = self
            .name()
            .chars()
            .map(|c| {
                if c == '/' || c == '\\' || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let name = if name.trim().is_empty() {
            "collection".to_owned()
        } else {
            name
        };
        format!("{name}.postman_collection.json")
    }

    /// The whole document, e.g. to embed in an API response as `{"collection": …}`. Its key
    /// order is not canonical; use [`Collection::to_canonical_json`] for bytes to store or diff.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.document
    }

    /// Gives the collection the id `id`: a replace keeps the id it was stored under, whatever
    /// `info._postman_id` the new document carries.
    pub fn set_id(&mut self, id: &str) {
        if let Some(Value::Object(info)) = self.document.get_mut("info") {
            info.insert("_postman_id".to_owned(), Value::String(id.to_owned()));
        }
    }

    fn info_str(&self, key: &str) -> &str {
        self.document
            .get("info")
            .and_then(|info| info.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Collection;

    #[test]
    fn export_file_names_follow_postman_and_hold_no_path() {
        let named = |name: &str| Collection::new(name).unwrap().file_name();
        assert_eq!(named("Users API"), "Users API.postman_collection.json");
        assert_eq!(named("a/b\\c\nd"), "a_b_c_d.postman_collection.json");
        assert_eq!(named(" "), "collection.postman_collection.json");
    }
}
