//! Postman collections generated from a definition, and regenerated when it changes without
//! losing what a person added.
//!
//! The input is the parsed definition tree (OpenAPI 3.0 or 3.1; Swagger 2.0 best effort).
//! [`collection`] writes:
//!
//! - one folder per tag (an operation goes to the folder of its first tag; the folder's
//!   description is the tag's `description` from the top-level `tags`), folders in the order
//!   of the top-level `tags` list, then tags it does not list in the order they are met;
//!   operations without a tag at the collection root, after the folders;
//! - one request per operation, named by its `summary`, else its `operationId`, else
//!   `METHOD /path`; its `description` as the request description; the URL
//!   `{{baseUrl}}/users/:id` (a parameter that is a whole path segment becomes a Postman path
//!   variable with its example; one inside a segment, `{name}.zip`, a `{{name}}` reference);
//!   query and header parameters as entries with their example, `default` or first `enum`
//!   value (optional ones disabled; `Accept`, `Content-Type` and `Authorization` parameters
//!   ignored as OpenAPI says; cookie parameters left out); path-level parameters apply,
//!   overridden by the operation's of the same name and location; the body from the
//!   `application/json` media type (else another JSON type, a form, the first listed): its
//!   example, first of its examples, or one synthesised from its schema (see `example`) as
//!   raw JSON with its `Content-Type`; form types as fields from the schema's properties
//!   (2.0: the `in: body` parameter's schema, `formData` parameters, `consumes`);
//! - the collection variable `baseUrl`: the first server's URL with its variables' defaults
//!   (2.0: `scheme://host/basePath`), without a trailing `/`; empty when the definition names
//!   no server, so that a person sets it;
//! - `info.description` from the definition's `info.description`.
//!
//! Order: paths come in the order of the parsed tree's keys, methods in OpenAPI's order (get,
//! put, post, delete, options, head, patch, trace). The workspace builds `serde_json` without
//! `preserve_order`, so a tree's keys are sorted and paths come sorted; with that feature on,
//! they would follow the text, with no change here.
//!
//! # Stable ids and the generated mark
//!
//! Ids are UUID v5 in the caller's namespace (one per API and collection): a request's is
//! of `operation:GET /users/{id}`, a folder's of `tag:<name>`, the collection's of
//! `collection`. Generating twice gives the same collection, byte for byte.
//!
//! Each generated request also carries its operation in the item itself,
//! `"x-ferry-operation": "GET /users/{id}"`, and each generated folder its tag,
//! `"x-ferry-tag": "users"`; [`generated_operation`] answers from that mark, without the
//! definition or the namespace. Why there: Postman's v2.1 schema does not close items or
//! folders (`item` and `item-group` have no `additionalProperties: false`), so an extra
//! property is valid, and `ferry_postman` keeps unknown properties through import, every edit
//! and the canonical rendering (after the known keys, sorted). The alternatives are worse: a
//! header or a query entry is sent or shown in the request, a description suffix is text a
//! person edits, a variable appears in Postman's UI, and `protocolProfileBehavior` is
//! settings Postman applies. What the mark does not survive: Postman's own app rebuilds items
//! from its SDK, which keeps only the properties it knows (ids included), so a collection
//! taken through Postman comes back without marks. [`regenerate`] therefore also recognises a
//! generated item by its id (the v5 id of an operation or tag of the new definition); an
//! unmarked item whose operation has since gone cannot be recognised and is kept as if a
//! person had made it.
//!
//! # Regenerating
//!
//! [`regenerate`] walks the existing collection and keeps its shape:
//!
//! - items that are not generated (no mark, no generated id) stay where they are, with all
//!   they hold, also inside generated folders; so do folders a person made, and generated
//!   requests inside them are refreshed there;
//! - a generated request whose operation still exists is replaced by the fresh generation
//!   where it stands (a request a person moved is refreshed where it now is), with the same
//!   id. Generation owns the item's `name` and the request's method, headers, body and URL;
//!   everything it does not write is kept from the existing item: `event` (pre-request and
//!   test scripts), saved `response`s, `variable`, `protocolProfileBehavior`, request `auth`,
//!   `proxy`, `certificate`, unknown properties, and the descriptions when the definition
//!   gives none. Edits a person made to what generation owns (a renamed request, a changed
//!   URL or an added header) are replaced;
//! - a generated request whose operation is gone is removed; one the person deleted comes
//!   back (without a memory of past generations a deletion cannot be told from an operation
//!   never generated);
//! - new operations are added to the folder of their tag (created at the root when it does
//!   not exist, or no longer does), next to their neighbours in definition order;
//! - generated folders take their tag's name and description; generated folders left empty
//!   are removed; a folder whose tag is gone stays while it holds something;
//! - the collection keeps its name, id, auth, scripts and variables: `baseUrl` is added when
//!   missing and otherwise left as it is (a person may point it at another server; a changed
//!   server in the definition is then not followed — delete the variable to take it again);
//! - regenerating with an unchanged definition changes nothing.
//!
//! Every result goes through [`Collection::import`], so it is valid v2.1 within the limits.

mod example;
mod merge;
mod operations;
mod refs;

#[cfg(test)]
mod tests;

use ferry_postman::{Collection, FormatError, SCHEMA_V2_1};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The item property that marks a generated request with its operation (`GET /users/{id}`).
pub const OPERATION_MARK: &str = "x-ferry-operation";

/// The item property that marks a generated folder with its tag.
pub const TAG_MARK: &str = "x-ferry-tag";

/// The collection variable every generated URL starts with.
pub const BASE_URL_VARIABLE: &str = "baseUrl";

/// Why a collection could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GenerateError {
    message: String,
    #[source]
    format: Option<FormatError>,
}

impl GenerateError {
    fn definition(message: impl Into<String>) -> GenerateError {
        GenerateError {
            message: message.into(),
            format: None,
        }
    }

    /// The collection error, when the generated collection was refused (too large, a name
    /// too long…).
    pub fn format_error(&self) -> Option<&FormatError> {
        self.format.as_ref()
    }
}

impl From<FormatError> for GenerateError {
    fn from(error: FormatError) -> GenerateError {
        GenerateError {
            message: format!("the generated collection is refused: {error}"),
            format: Some(error),
        }
    }
}

/// The collection generated from `document`, named `name`. The namespace makes generated ids
/// stable: one per (API, collection) pair, e.g. the API's uuid.
pub fn collection(
    document: &Value,
    name: &str,
    namespace: Uuid,
) -> Result<Collection, GenerateError> {
    let generation = Generation::of(document, namespace)?;
    let mut info = Map::new();
    info.insert(
        "_postman_id".into(),
        Value::String(stable_id(namespace, "collection")),
    );
    info.insert("name".into(), Value::String(name.to_owned()));
    if let Some(description) = &generation.description {
        info.insert("description".into(), Value::String(description.clone()));
    }
    info.insert("schema".into(), Value::String(SCHEMA_V2_1.to_owned()));
    let mut root = Map::new();
    root.insert("info".into(), Value::Object(info));
    root.insert("item".into(), Value::Array(generation.tree()));
    root.insert(
        "variable".into(),
        Value::Array(vec![generation.base_url_variable()]),
    );
    import(root)
}

/// Regenerates `existing` from the (changed) definition; see the module documentation for
/// what is kept, refreshed, added and removed.
pub fn regenerate(
    document: &Value,
    existing: &Collection,
    namespace: Uuid,
) -> Result<Collection, GenerateError> {
    let generation = Generation::of(document, namespace)?;
    import(merge::regenerate(&generation, existing.as_json()))
}

/// The operation (`GET /users/{id}`) the request `item_id` was generated from, if it was; how
/// the UI tells generated items from hand-made ones. `None` for folders, hand-made requests
/// and unknown ids.
pub fn generated_operation(collection: &Collection, item_id: &str) -> Option<String> {
    let item = find_item(collection.as_json().get("item")?, item_id)?;
    if !item.contains_key("request") {
        return None;
    }
    item.get(OPERATION_MARK)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn find_item<'a>(list: &'a Value, id: &str) -> Option<&'a Map<String, Value>> {
    for item in list.as_array()?.iter().filter_map(Value::as_object) {
        if item.get("id").and_then(Value::as_str) == Some(id) {
            return Some(item);
        }
        if !item.contains_key("request") {
            if let Some(found) = item
                .get("item")
                .and_then(|children| find_item(children, id))
            {
                return Some(found);
            }
        }
    }
    None
}

fn import(document: Map<String, Value>) -> Result<Collection, GenerateError> {
    let bytes = serde_json::to_vec(&Value::Object(document))
        .map_err(|error| GenerateError::definition(error.to_string()))?;
    Ok(Collection::import(&bytes)?)
}

fn stable_id(namespace: Uuid, name: &str) -> String {
    Uuid::new_v5(&namespace, name.as_bytes()).to_string()
}

/// What a definition generates, before it is laid out as (or merged into) a collection.
pub(crate) struct Generation {
    /// The top level in order: folders, then requests without a tag.
    layout: Vec<Slot>,
    folders: Vec<Folder>,
    requests: Vec<Request>,
    base_url: String,
    description: Option<String>,
}

#[derive(Clone, Copy)]
enum Slot {
    Folder(usize),
    Request(usize),
}

struct Folder {
    tag: String,
    /// `id`, `name`, `description`, the mark; no `item`.
    item: Map<String, Value>,
    /// Indices into `requests`, in order.
    requests: Vec<usize>,
}

struct Request {
    /// `GET /users/{id}`.
    key: String,
    /// The complete item: `id`, `name`, the mark, `request`.
    item: Map<String, Value>,
}

impl Generation {
    fn of(document: &Value, namespace: Uuid) -> Result<Generation, GenerateError> {
        let root = document
            .as_object()
            .ok_or_else(|| GenerateError::definition("the definition is not a JSON object"))?;
        if !["openapi", "swagger"]
            .iter()
            .any(|key| root.get(*key).is_some_and(Value::is_string))
        {
            return Err(GenerateError::definition(
                "the definition has neither \"openapi\" nor \"swagger\": not an OpenAPI definition",
            ));
        }
        let tag_descriptions: Vec<(&str, Option<&str>)> = root
            .get("tags")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|tag| {
                Some((
                    tag.get("name")?.as_str()?,
                    tag.get("description")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|text| !text.is_empty()),
                ))
            })
            .collect();

        let mut folders: Vec<Folder> = Vec::new();
        let mut requests = Vec::new();
        let mut untagged = Vec::new();
        for operation in operations::operations(document) {
            let mut item = Map::new();
            item.insert(
                "id".into(),
                Value::String(stable_id(
                    namespace,
                    &format!("operation:{}", operation.key),
                )),
            );
            item.insert(OPERATION_MARK.into(), Value::String(operation.key.clone()));
            item.extend(operation.item);
            let index = requests.len();
            requests.push(Request {
                key: operation.key,
                item,
            });
            let Some(tag) = operation.tag else {
                untagged.push(index);
                continue;
            };
            match folders.iter_mut().find(|folder| folder.tag == tag) {
                Some(folder) => folder.requests.push(index),
                None => {
                    let mut item = Map::new();
                    item.insert(
                        "id".into(),
                        Value::String(stable_id(namespace, &format!("tag:{tag}"))),
                    );
                    item.insert("name".into(), Value::String(operations::bounded_name(tag)));
                    let description = tag_descriptions
                        .iter()
                        .find(|(name, _)| *name == tag)
                        .and_then(|(_, description)| *description);
                    if let Some(description) = description {
                        item.insert("description".into(), Value::String(description.to_owned()));
                    }
                    item.insert(TAG_MARK.into(), Value::String(tag.to_owned()));
                    folders.push(Folder {
                        tag: tag.to_owned(),
                        item,
                        requests: vec![index],
                    });
                }
            }
        }
        // Folders in the order of the top-level `tags`, then the others as met.
        let listed = |folder: &Folder| {
            tag_descriptions
                .iter()
                .position(|(name, _)| *name == folder.tag)
                .unwrap_or(usize::MAX)
        };
        folders.sort_by_key(listed); // stable: unlisted tags keep the order they were met in
        let layout = (0..folders.len())
            .map(Slot::Folder)
            .chain(untagged.into_iter().map(Slot::Request))
            .collect();
        Ok(Generation {
            layout,
            folders,
            requests,
            base_url: operations::base_url(document),
            description: document
                .get("info")
                .and_then(|info| info.get("description"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned),
        })
    }

    /// The items of a new collection.
    fn tree(&self) -> Vec<Value> {
        self.layout
            .iter()
            .map(|slot| match *slot {
                Slot::Folder(index) => {
                    let folder = &self.folders[index];
                    let mut item = folder.item.clone();
                    item.insert(
                        "item".into(),
                        Value::Array(
                            folder
                                .requests
                                .iter()
                                .map(|&request| Value::Object(self.requests[request].item.clone()))
                                .collect(),
                        ),
                    );
                    Value::Object(item)
                }
                Slot::Request(index) => Value::Object(self.requests[index].item.clone()),
            })
            .collect()
    }

    fn base_url_variable(&self) -> Value {
        json!({"key": BASE_URL_VARIABLE, "value": self.base_url, "type": "string"})
    }

    fn slot_id(&self, slot: Slot) -> &str {
        match slot {
            Slot::Folder(index) => item_id(&self.folders[index].item),
            Slot::Request(index) => item_id(&self.requests[index].item),
        }
    }
}

fn item_id(item: &Map<String, Value>) -> &str {
    item.get("id").and_then(Value::as_str).unwrap_or_default()
}
