//! Edits a person makes in Ferry's editor. Each touches only the fields it is about: every
//! other field of the items, requests, headers or variables involved stays as it was, and new
//! folders and requests get a fresh id.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    error::FormatError,
    ids,
    items::{self, Item},
    key_value::{is_file_field, KeyValue},
    limits::{self, MAX_FOLDER_DEPTH},
    request_view, url, Collection,
};

/// A request body the editor can write. A body of another kind (a binary file, or a mode
/// Ferry does not know) round-trips untouched and is replaced only by setting one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "content", rename_all = "lowercase")]
pub enum Body {
    /// No body.
    Empty,
    /// Raw text (JSON, XML, plain text…).
    Raw(String),
    /// `application/x-www-form-urlencoded` fields.
    UrlEncoded(Vec<KeyValue>),
    /// The text fields of a `multipart/form-data` body. Its file fields are not edited here:
    /// they keep their places, and the text rows fill the places of the text fields.
    FormData(Vec<KeyValue>),
    /// A GraphQL query and its variables (JSON text, or empty).
    GraphQl { query: String, variables: String },
}

/// The languages Postman highlights a raw body as, and sets its `Content-Type` by.
pub const RAW_LANGUAGES: [&str; 5] = ["text", "json", "javascript", "html", "xml"];

/// A change to a request; fields left `None` stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestUpdate {
    pub name: Option<String>,
    pub method: Option<String>,
    /// The URL as written; its parts (host, path, query…) are derived from it.
    pub url: Option<String>,
    pub headers: Option<Vec<KeyValue>>,
    /// Query parameters; the query string of the URL is rebuilt from them.
    pub query: Option<Vec<KeyValue>>,
    pub body: Option<Body>,
    /// The language of a raw body (one of [`RAW_LANGUAGES`]); ignored for other bodies.
    pub raw_language: Option<String>,
    pub description: Option<String>,
}

impl Collection {
    /// Renames the collection.
    pub fn set_name(&mut self, name: &str) -> Result<(), FormatError> {
        limits::check_name("name", name)?;
        if let Some(info) = self.document.get_mut("info").and_then(Value::as_object_mut) {
            info.insert("name".to_owned(), json!(name));
        }
        Ok(())
    }

    /// The collection's description as the editor shows it (the text of a rich description).
    pub fn description(&self) -> String {
        request_view::description_text(
            self.document
                .get("info")
                .and_then(|info| info.get("description")),
        )
    }

    /// Sets the collection's description; a rich description keeps its content type.
    pub fn set_description(&mut self, description: &str) {
        if let Some(info) = self.document.get_mut("info").and_then(Value::as_object_mut) {
            set_description(info, description.to_owned());
        }
    }

    /// Adds an empty folder at the end of `parent` (a folder id, or `None` for the top level)
    /// and returns its id.
    pub fn add_folder(&mut self, parent: Option<&str>, name: &str) -> Result<String, FormatError> {
        limits::check_name("name", name)?;
        let id = ids::new_id();
        self.insert(
            parent,
            usize::MAX,
            json!({"id": id, "name": name, "item": []}),
        )?;
        Ok(id)
    }

    /// Adds a request at the end of `parent` and returns its id.
    pub fn add_request(
        &mut self,
        parent: Option<&str>,
        name: &str,
        method: &str,
        url: &str,
    ) -> Result<String, FormatError> {
        limits::check_name("name", name)?;
        check_method(method)?;
        let id = ids::new_id();
        let request = json!({"method": method, "url": Value::Object(url::parts(url))});
        self.insert(
            parent,
            usize::MAX,
            json!({"id": id, "name": name, "request": request, "response": []}),
        )?;
        Ok(id)
    }

    /// Renames a folder or request.
    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), FormatError> {
        limits::check_name("name", name)?;
        self.item_mut(id)?.insert("name".to_owned(), json!(name));
        Ok(())
    }

    /// Deletes a folder (with everything in it) or a request.
    pub fn delete(&mut self, id: &str) -> Result<(), FormatError> {
        self.take(id).map(drop)
    }

    /// Moves a folder or request into `parent` (`None`: the top level) at `index`, counted in
    /// the destination without the moved item; an index past the end appends.
    pub fn move_item(
        &mut self,
        id: &str,
        parent: Option<&str>,
        index: usize,
    ) -> Result<(), FormatError> {
        if let Some(parent) = parent {
            let moved = self.find(id)?;
            let inside = moved.get("item").is_some_and(|list| {
                let mut found = false;
                items::walk(list, &mut |visit| found |= items::id(visit.item) == parent);
                found
            });
            if parent == id || inside {
                return Err(FormatError::MoveIntoItself(id.to_owned()));
            }
        }
        let height = nesting_below(self.find(id)?);
        self.check_room(parent, height)?;
        let item = self.take(id)?;
        self.insert(parent, index, item)
    }

    /// Changes the given fields of a request.
    pub fn update_request(&mut self, id: &str, update: RequestUpdate) -> Result<(), FormatError> {
        if let Some(name) = &update.name {
            limits::check_name("name", name)?;
        }
        if let Some(method) = &update.method {
            check_method(method)?;
        }
        if let Some(language) = &update.raw_language {
            check_raw_language(language)?;
        }
        if let Some(Body::GraphQl { variables, .. }) = &update.body {
            check_graphql_variables(variables)?;
        }
        let item = self.item_mut(id)?;
        if items::is_folder(item) {
            return Err(FormatError::NotARequest(id.to_owned()));
        }
        // An update that leaves everything the editor shows as it was changes nothing, not
        // even the document's shape (a bare URL string expanded, an empty header list added),
        // so that saving an untouched request makes no revision and no backup commit.
        let before = item.clone();
        apply_update(item, update);
        if request_view::view_of(id, item) == request_view::view_of(id, &before) {
            *item = before;
        }
        Ok(())
    }

    /// The collection variables as the editor shows them. Values that are not strings are
    /// shown as JSON text.
    pub fn variables(&self) -> Vec<KeyValue> {
        let Some(list) = self.document.get("variable").and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(Value::as_object)
            .map(|variable| KeyValue {
                key: items::str_field(variable, "key")
                    .or(items::str_field(variable, "id"))
                    .unwrap_or_default()
                    .to_owned(),
                value: match variable.get("value") {
                    Some(Value::String(text)) => text.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                },
                disabled: variable.get("disabled") == Some(&Value::Bool(true)),
            })
            .collect()
    }

    /// Replaces the collection variables by `variables`, in that order. A variable that keeps
    /// its key keeps its other fields (type, description…), and keeps a non-string value (a number…)
    /// while the editor's text reads as that same JSON value.
    pub fn set_variables(&mut self, variables: &[KeyValue]) -> Result<(), FormatError> {
        for (at, variable) in variables.iter().enumerate() {
            limits::check_name(&format!("variable[{at}].key"), &variable.key)?;
        }
        let mut existing: Vec<Map<String, Value>> = match self.document.remove("variable") {
            Some(Value::Array(list)) => list
                .into_iter()
                .filter_map(|entry| entry.as_object().cloned())
                .collect(),
            _ => Vec::new(),
        };
        let list = variables
            .iter()
            .map(|variable| {
                let position = existing.iter().position(|entry| {
                    items::str_field(entry, "key").or(items::str_field(entry, "id"))
                        == Some(variable.key.as_str())
                });
                let mut entry = position.map(|at| existing.remove(at)).unwrap_or_default();
                entry.insert("key".to_owned(), json!(variable.key));
                let unchanged = entry.get("value").is_some_and(|value| {
                    !value.is_string()
                        && serde_json::from_str::<Value>(&variable.value)
                            .is_ok_and(|text| text == *value)
                });
                if !unchanged {
                    entry.insert("value".to_owned(), json!(variable.value));
                }
                set_disabled(&mut entry, variable.disabled);
                Value::Object(entry)
            })
            .collect();
        self.document
            .insert("variable".to_owned(), Value::Array(list));
        Ok(())
    }

    fn find(&self, id: &str) -> Result<&Item, FormatError> {
        let mut found = None;
        if let Some(list) = self.document.get("item") {
            items::walk(list, &mut |visit| {
                if found.is_none() && items::id(visit.item) == id {
                    found = Some(visit.item);
                }
            });
        }
        found.ok_or_else(|| FormatError::ItemNotFound(id.to_owned()))
    }

    fn item_mut(&mut self, id: &str) -> Result<&mut Item, FormatError> {
        self.document
            .get_mut("item")
            .and_then(|list| find_mut(list, id))
            .ok_or_else(|| FormatError::ItemNotFound(id.to_owned()))
    }

    fn take(&mut self, id: &str) -> Result<Value, FormatError> {
        self.document
            .get_mut("item")
            .and_then(|list| take(list, id))
            .ok_or_else(|| FormatError::ItemNotFound(id.to_owned()))
    }

    /// Folders nest at most [`MAX_FOLDER_DEPTH`] deep, counting `height` levels below the
    /// item placed into `parent`.
    fn check_room(&self, parent: Option<&str>, height: usize) -> Result<(), FormatError> {
        let Some(parent) = parent else { return Ok(()) };
        let mut depth = None;
        if let Some(list) = self.document.get("item") {
            items::walk(list, &mut |visit| {
                if items::id(visit.item) == parent {
                    depth = Some(visit.folders.len());
                }
            });
        }
        let depth = depth.ok_or_else(|| FormatError::ItemNotFound(parent.to_owned()))?;
        if depth + 1 + height > MAX_FOLDER_DEPTH {
            return Err(FormatError::invalid(
                "item",
                format!("folders would be nested more than {MAX_FOLDER_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn insert(
        &mut self,
        parent: Option<&str>,
        index: usize,
        item: Value,
    ) -> Result<(), FormatError> {
        self.check_room(
            parent,
            item.as_object().map(nesting_below).unwrap_or_default(),
        )?;
        let list = match parent {
            None => self.document.entry("item").or_insert_with(|| json!([])),
            Some(parent) => {
                let folder = self.item_mut(parent)?;
                if !items::is_folder(folder) {
                    return Err(FormatError::NotAFolder(parent.to_owned()));
                }
                folder.entry("item").or_insert_with(|| json!([]))
            }
        };
        if let Value::Array(list) = list {
            list.insert(index.min(list.len()), item);
        }
        Ok(())
    }
}

/// How many folder levels lie below `item` (0 for a request or an empty folder).
fn nesting_below(item: &Item) -> usize {
    let mut deepest = 0;
    if let (true, Some(list)) = (items::is_folder(item), item.get("item")) {
        items::walk(list, &mut |visit| {
            deepest = deepest.max(visit.folders.len() + 1)
        });
    }
    deepest
}

fn find_mut<'a>(list: &'a mut Value, id: &str) -> Option<&'a mut Item> {
    for item in list
        .as_array_mut()?
        .iter_mut()
        .filter_map(Value::as_object_mut)
    {
        if items::id(item) == id {
            return Some(item);
        }
        if items::is_folder(item) {
            if let Some(found) = item
                .get_mut("item")
                .and_then(|children| find_mut(children, id))
            {
                return Some(found);
            }
        }
    }
    None
}

fn take(list: &mut Value, id: &str) -> Option<Value> {
    let entries = list.as_array_mut()?;
    if let Some(at) = entries
        .iter()
        .position(|entry| entry.get("id").and_then(Value::as_str) == Some(id))
    {
        return Some(entries.remove(at));
    }
    entries
        .iter_mut()
        .filter(|entry| entry.as_object().is_some_and(items::is_folder))
        .find_map(|folder| {
            folder
                .get_mut("item")
                .and_then(|children| take(children, id))
        })
}

/// HTTP methods are tokens (RFC 9110); Postman also allows custom ones.
fn check_method(method: &str) -> Result<(), FormatError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if method.is_empty() || method.len() > 32 || !method.chars().all(token) {
        return Err(FormatError::invalid(
            "method",
            "expected an HTTP method such as GET or POST (up to 32 letters)",
        ));
    }
    Ok(())
}

/// Sets the fields of `update` on request item `item`.
fn apply_update(item: &mut Item, update: RequestUpdate) {
    if let Some(name) = update.name {
        item.insert("name".to_owned(), json!(name));
    }
    expand_request(item);
    // A request is an object or a string (expanded above) by the schema.
    let Some(request) = item.get_mut("request").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(method) = update.method {
        request.insert("method".to_owned(), json!(method));
    }
    if let Some(raw) = update.url {
        set_url(request, &raw);
    }
    if let Some(query) = update.query {
        set_query(request, &query);
    }
    if let Some(headers) = update.headers {
        let merged = merge_key_values(request.get("header"), &headers);
        request.insert("header".to_owned(), merged);
    }
    if let Some(body) = update.body {
        set_body(request, body);
    }
    if let Some(language) = update.raw_language {
        set_raw_language(request, &language);
    }
    if let Some(description) = update.description {
        set_description(request, description);
    }
}

fn check_raw_language(language: &str) -> Result<(), FormatError> {
    if !RAW_LANGUAGES.contains(&language) {
        return Err(FormatError::invalid(
            "body.options.raw.language",
            format!("choose one of {}", RAW_LANGUAGES.join(", ")),
        ));
    }
    Ok(())
}

/// GraphQL variables are sent as a JSON object: refusing anything else here spares the
/// person a failing request later.
fn check_graphql_variables(variables: &str) -> Result<(), FormatError> {
    if variables.trim().is_empty() {
        return Ok(());
    }
    match serde_json::from_str::<Value>(variables) {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err(FormatError::invalid(
            "body.graphql.variables",
            "write the variables as a JSON object, such as {\"id\": 1}, or leave them empty",
        )),
        Err(error) => Err(FormatError::invalid(
            "body.graphql.variables",
            format!("not valid JSON ({error}); write a JSON object such as {{\"id\": 1}}, or leave them empty"),
        )),
    }
}

/// A request written as a bare URL string becomes the equivalent object, so that its fields
/// can be set.
fn expand_request(item: &mut Item) {
    if let Some(request) = item.get_mut("request") {
        if let Value::String(raw) = request {
            *request = json!({ "url": raw });
        }
    }
}

fn set_url(request: &mut Map<String, Value>, raw: &str) {
    let mut parts = url::parts(raw);
    if let Some(Value::Object(old)) = request.remove("url") {
        let (enabled, disabled): (Vec<Value>, Vec<Value>) = match old.get("query") {
            Some(Value::Array(query)) => query
                .iter()
                .cloned()
                .partition(|entry| entry.get("disabled") != Some(&Value::Bool(true))),
            _ => (Vec::new(), Vec::new()),
        };
        // Parameters of the new URL inherit the extra fields (descriptions…) of the old ones at
        // the same place; disabled ones are not in the URL and so are kept as they were.
        let mut query: Vec<Value> = match parts.remove("query") {
            Some(Value::Array(new)) => new
                .into_iter()
                .zip(enabled.into_iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(new, old)| match (new, old) {
                    (Value::Object(new), Some(Value::Object(mut old))) => {
                        old.extend(new);
                        Value::Object(old)
                    }
                    (new, _) => new,
                })
                .collect(),
            _ => Vec::new(),
        };
        query.extend(disabled);
        if !query.is_empty() {
            parts.insert("query".to_owned(), Value::Array(query));
        }
        for (key, value) in old {
            const DERIVED: [&str; 7] = ["raw", "protocol", "host", "port", "path", "query", "hash"];
            if !DERIVED.contains(&key.as_str()) {
                parts.insert(key, value);
            }
        }
    }
    request.insert("url".to_owned(), Value::Object(parts));
}

fn set_query(request: &mut Map<String, Value>, query: &[KeyValue]) {
    let url = request.entry("url").or_insert_with(|| json!(""));
    if let Value::String(raw) = url {
        *url = Value::Object(url::parts(raw));
    }
    let Value::Object(url) = url else { return };
    let merged = merge_key_values(url.get("query"), query);
    let raw = url::with_query(
        items::str_field(url, "raw").unwrap_or_default(),
        merged.as_array().map(Vec::as_slice).unwrap_or_default(),
    );
    url.insert("raw".to_owned(), json!(raw));
    url.insert("query".to_owned(), merged);
}

fn set_body(request: &mut Map<String, Value>, body: Body) {
    let (mode, field, content) = match body {
        Body::Empty => {
            request.remove("body");
            return;
        }
        Body::Raw(text) => ("raw", "raw", json!(text)),
        Body::UrlEncoded(fields) => {
            let merged = merge_key_values(
                request.get("body").and_then(|body| body.get("urlencoded")),
                &fields,
            );
            ("urlencoded", "urlencoded", merged)
        }
        Body::FormData(fields) => {
            let merged = merge_form_fields(
                request.get("body").and_then(|body| body.get("formdata")),
                &fields,
            );
            ("formdata", "formdata", merged)
        }
        Body::GraphQl { query, variables } => {
            // Other fields of the GraphQL object (an operation name…) stay.
            let mut graphql = request
                .get("body")
                .and_then(|body| body.get("graphql"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            graphql.insert("query".to_owned(), json!(query));
            let same_variables = graphql.get("variables").is_some_and(|stored| {
                !stored.is_string()
                    && serde_json::from_str::<Value>(&variables).is_ok_and(|typed| typed == *stored)
            });
            if !same_variables {
                graphql.insert("variables".to_owned(), json!(variables));
            }
            ("graphql", "graphql", Value::Object(graphql))
        }
    };
    let body = request.entry("body").or_insert_with(|| json!({}));
    if !body.is_object() {
        *body = json!({});
    }
    if let Value::Object(body) = body {
        // Options such as the raw language stay; the content of other modes would be stale.
        if items::str_field(body, "mode") != Some(mode) {
            for stale in ["raw", "urlencoded", "formdata", "file", "graphql"] {
                body.remove(stale);
            }
        }
        body.insert("mode".to_owned(), json!(mode));
        body.insert(field.to_owned(), content);
    }
}

/// Sets the language of a raw body; a request without a raw body has nothing to set.
fn set_raw_language(request: &mut Map<String, Value>, language: &str) {
    let Some(body) = request.get_mut("body").and_then(Value::as_object_mut) else {
        return;
    };
    if items::str_field(body, "mode") != Some("raw") {
        return;
    }
    let options = body.entry("options").or_insert_with(|| json!({}));
    if !options.is_object() {
        *options = json!({});
    }
    let raw = options
        .as_object_mut()
        .map(|options| options.entry("raw").or_insert_with(|| json!({})));
    if let Some(raw) = raw {
        if !raw.is_object() {
            *raw = json!({});
        }
        if let Some(raw) = raw.as_object_mut() {
            raw.insert("language".to_owned(), json!(language));
        }
    }
}

fn set_description(request: &mut Map<String, Value>, description: String) {
    match request.get_mut("description") {
        Some(Value::Object(rich)) => {
            rich.insert("content".to_owned(), json!(description));
        }
        None if description.is_empty() => {}
        _ => {
            request.insert("description".to_owned(), json!(description));
        }
    }
}

/// The list for `entries`, reusing the object at the same position of `existing` so its other
/// fields (type, description…) survive; rows past the old end are new objects.
fn merge_key_values(existing: Option<&Value>, entries: &[KeyValue]) -> Value {
    let old = existing
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let merged = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| {
            let mut object = old
                .get(at)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            object.insert("key".to_owned(), json!(entry.key));
            // The editor shows no value (`null`, a parameter written `?flag`) as empty text:
            // empty text again keeps it as it was.
            if !(entry.value.is_empty() && object.get("value") == Some(&Value::Null)) {
                object.insert("value".to_owned(), json!(entry.value));
            }
            set_disabled(&mut object, entry.disabled);
            Value::Object(object)
        })
        .collect();
    Value::Array(merged)
}

/// The text rows of a form-data body put back among its file fields: each file field keeps
/// its place, the text fields' places take the rows in order (keeping their other fields,
/// such as a content type), and rows beyond them go at the end.
fn merge_form_fields(existing: Option<&Value>, rows: &[KeyValue]) -> Value {
    let old = existing
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut rows = rows.iter();
    let mut merged = Vec::with_capacity(old.len());
    for entry in old {
        if is_file_field(entry) {
            merged.push(entry.clone());
            continue;
        }
        let Some(row) = rows.next() else { continue };
        let mut object = entry.as_object().cloned().unwrap_or_default();
        fill_form_field(&mut object, row);
        merged.push(Value::Object(object));
    }
    for row in rows {
        let mut object = Map::new();
        fill_form_field(&mut object, row);
        merged.push(Value::Object(object));
    }
    Value::Array(merged)
}

fn fill_form_field(object: &mut Map<String, Value>, row: &KeyValue) {
    object.insert("key".to_owned(), json!(row.key));
    object.insert("value".to_owned(), json!(row.value));
    object.insert("type".to_owned(), json!("text"));
    set_disabled(object, row.disabled);
}

/// Postman writes `disabled` only when true; an explicit `false` already there stays.
fn set_disabled(object: &mut Map<String, Value>, disabled: bool) {
    if disabled || object.contains_key("disabled") {
        object.insert("disabled".to_owned(), json!(disabled));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BodyView;

    /// Re-importing checks that an edit left a valid collection with its bounds and unique ids.
    fn still_valid(collection: &Collection) {
        let again = Collection::import(collection.to_canonical_json().as_bytes())
            .expect("the edited collection is valid");
        assert_eq!(&again, collection);
    }

    fn sample() -> Collection {
        Collection::import(
            br#"{"info": {"_postman_id": "c", "name": "Users API", "schema": "x/v2.1.0/"}, "x-tool": {"keep": true},
                 "variable": [{"key": "host", "value": "api.example.com", "type": "string", "description": "where"},
                              {"key": "retries", "value": 3}],
                 "item": [
                   {"id": "f", "name": "Users", "x-folder": 1, "item": [
                     {"id": "list", "name": "List users", "x-item": "kept", "request": {
                        "method": "GET",
                        "url": {"raw": "https://{{host}}/users?page=1", "host": ["https://{{host}}"], "path": ["users"],
                                "query": [{"key": "page", "value": "1", "description": "which page"},
                                          {"key": "debug", "value": "1", "disabled": true}],
                                "variable": [], "x-url": 1},
                        "header": [{"key": "Accept", "value": "application/json", "type": "text"}],
                        "body": {"mode": "raw", "raw": "{}", "options": {"raw": {"language": "json"}}},
                        "description": {"content": "Lists", "type": "text/markdown"}}}]},
                   {"id": "ping", "name": "Ping", "request": "https://{{host}}/ping"}
                 ]}"#,
        )
        .unwrap()
    }

    fn item<'a>(collection: &'a Collection, id: &str) -> &'a Item {
        collection.find(id).unwrap()
    }

    #[test]
    fn adds_folders_and_requests_with_fresh_ids() {
        let mut collection = sample();
        let folder = collection.add_folder(Some("f"), "Admin").unwrap();
        let request = collection
            .add_request(
                Some(&folder),
                "Create user",
                "POST",
                "https://{{host}}/users",
            )
            .unwrap();
        let added = item(&collection, &request);
        assert_eq!(added["request"]["url"]["path"], json!(["users"]));
        assert_eq!(
            collection
                .tree()
                .iter()
                .find(|node| node.id == request)
                .map(|node| node.depth),
            Some(2)
        );
        assert_eq!(
            collection.add_folder(Some("ping"), "x"),
            Err(FormatError::NotAFolder("ping".into()))
        );
        assert_eq!(
            collection.add_folder(Some("nope"), "x"),
            Err(FormatError::ItemNotFound("nope".into()))
        );
        assert!(collection.add_request(None, "Bad", "GE T", "u").is_err());
        still_valid(&collection);
    }

    #[test]
    fn renames_deletes_and_keeps_unknown_fields() {
        let mut collection = sample();
        collection.rename("list", "All users").unwrap();
        assert_eq!(item(&collection, "list")["x-item"], "kept");
        assert_eq!(item(&collection, "list")["name"], "All users");
        collection.delete("f").unwrap();
        assert_eq!(
            collection.find("list"),
            Err(FormatError::ItemNotFound("list".into()))
        );
        assert_eq!(
            collection.delete("f"),
            Err(FormatError::ItemNotFound("f".into()))
        );
        assert_eq!(collection.as_json()["x-tool"], json!({"keep": true}));
        assert!(collection
            .rename("ping", &"n".repeat(1_001))
            .unwrap_err()
            .to_string()
            .starts_with("name: longer than"));
        still_valid(&collection);
    }

    #[test]
    fn moves_items_but_not_into_themselves() {
        let mut collection = sample();
        collection.move_item("ping", Some("f"), 0).unwrap();
        let order: Vec<_> = collection.tree().into_iter().map(|node| node.id).collect();
        assert_eq!(order, ["f", "ping", "list"]);
        collection.move_item("list", None, 0).unwrap();
        let order: Vec<_> = collection
            .tree()
            .into_iter()
            .map(|node| (node.id, node.depth))
            .collect();
        assert_eq!(
            order,
            [
                ("list".to_owned(), 0),
                ("f".to_owned(), 0),
                ("ping".to_owned(), 1)
            ]
        );
        let inner = collection.add_folder(Some("f"), "Inner").unwrap();
        assert_eq!(
            collection.move_item("f", Some(&inner), 0),
            Err(FormatError::MoveIntoItself("f".into()))
        );
        assert_eq!(
            collection.move_item("f", Some("f"), 0),
            Err(FormatError::MoveIntoItself("f".into()))
        );
        still_valid(&collection);
    }

    #[test]
    fn refuses_to_nest_folders_beyond_the_bound() {
        let mut collection = sample();
        let mut parent = collection.add_folder(None, "0").unwrap();
        for level in 1..=MAX_FOLDER_DEPTH {
            parent = collection
                .add_folder(Some(&parent), &level.to_string())
                .unwrap();
        }
        assert!(collection
            .add_request(Some(&parent), "deep", "GET", "u")
            .is_err());
        assert!(collection.move_item("f", Some(&parent), 0).is_err());
        still_valid(&collection);
    }

    #[test]
    fn updates_request_fields_keeping_the_rest() {
        let mut collection = sample();
        let update = RequestUpdate {
            name: Some("Users".into()),
            method: Some("PATCH".into()),
            url: Some("https://{{host}}/people?page=2&size=10".into()),
            headers: Some(vec![
                KeyValue {
                    key: "Accept".into(),
                    value: "text/csv".into(),
                    disabled: false,
                },
                KeyValue {
                    key: "X-Trace".into(),
                    value: "1".into(),
                    disabled: true,
                },
            ]),
            body: Some(Body::Raw("{\"a\": 1}".into())),
            description: Some("Lists people".into()),
            raw_language: None,
            query: None,
        };
        collection.update_request("list", update).unwrap();
        let request = &item(&collection, "list")["request"];
        assert_eq!(request["method"], "PATCH");
        assert_eq!(request["url"]["path"], json!(["people"]));
        assert_eq!(request["url"]["x-url"], 1);
        assert_eq!(
            request["url"]["query"],
            json!([
                {"key": "page", "value": "2", "description": "which page"},
                {"key": "size", "value": "10"},
                {"key": "debug", "value": "1", "disabled": true}
            ])
        );
        assert_eq!(
            request["header"],
            json!([{"key": "Accept", "value": "text/csv", "type": "text"}, {"key": "X-Trace", "value": "1", "disabled": true}])
        );
        assert_eq!(
            request["body"],
            json!({"mode": "raw", "raw": "{\"a\": 1}", "options": {"raw": {"language": "json"}}})
        );
        assert_eq!(
            request["description"],
            json!({"content": "Lists people", "type": "text/markdown"})
        );
        still_valid(&collection);
    }

    #[test]
    fn query_edits_rebuild_the_url_and_bare_url_requests_expand() {
        let mut collection = sample();
        let query = vec![KeyValue {
            key: "q".into(),
            value: "x".into(),
            disabled: false,
        }];
        collection
            .update_request(
                "ping",
                RequestUpdate {
                    query: Some(query),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        assert_eq!(
            item(&collection, "ping")["request"]["url"]["raw"],
            "https://{{host}}/ping?q=x"
        );
        let fields = vec![KeyValue {
            key: "a".into(),
            value: "1".into(),
            disabled: false,
        }];
        collection
            .update_request(
                "ping",
                RequestUpdate {
                    body: Some(Body::UrlEncoded(fields)),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        assert_eq!(
            item(&collection, "ping")["request"]["body"],
            json!({"mode": "urlencoded", "urlencoded": [{"key": "a", "value": "1"}]})
        );
        collection
            .update_request(
                "ping",
                RequestUpdate {
                    body: Some(Body::Empty),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        assert!(item(&collection, "ping")["request"].get("body").is_none());
        assert_eq!(
            collection.update_request("f", RequestUpdate::default()),
            Err(FormatError::NotARequest("f".into()))
        );
        still_valid(&collection);
    }

    #[test]
    fn edits_variables_keeping_their_other_fields() {
        let mut collection = sample();
        let shown = collection.variables();
        assert_eq!(
            shown[1],
            KeyValue {
                key: "retries".into(),
                value: "3".into(),
                disabled: false
            }
        );
        let edited = [
            KeyValue {
                key: "retries".into(),
                value: "3".into(),
                disabled: false,
            },
            KeyValue {
                key: "host".into(),
                value: "staging.example.com".into(),
                disabled: true,
            },
            KeyValue {
                key: "token".into(),
                value: "t".into(),
                disabled: false,
            },
        ];
        collection.set_variables(&edited).unwrap();
        assert_eq!(
            collection.as_json()["variable"],
            json!([
                {"key": "retries", "value": 3},
                {"key": "host", "value": "staging.example.com", "type": "string", "description": "where", "disabled": true},
                {"key": "token", "value": "t"}
            ])
        );
        assert_eq!(collection.variables(), edited);
        let too_long = [KeyValue {
            key: "k".repeat(1_001),
            ..KeyValue::default()
        }];
        assert!(collection
            .set_variables(&too_long)
            .unwrap_err()
            .to_string()
            .starts_with("variable[0].key: longer than"));
        still_valid(&collection);
    }

    #[test]
    fn renames_the_collection_and_starts_new_ones_empty() {
        let mut collection = Collection::new("Fresh").unwrap();
        assert!(collection.tree().is_empty());
        collection.set_name("Renamed").unwrap();
        assert_eq!(collection.name(), "Renamed");
        assert!(Collection::new(&"n".repeat(1_001)).is_err());
        still_valid(&collection);
    }

    fn row(key: &str, value: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
            disabled: false,
        }
    }

    fn set(collection: &mut Collection, id: &str, body: Body) -> Result<(), FormatError> {
        collection.update_request(
            id,
            RequestUpdate {
                body: Some(body),
                ..RequestUpdate::default()
            },
        )
    }

    #[test]
    fn form_data_text_rows_fill_the_text_places_and_files_stay() {
        let mut collection = Collection::import(
            br#"{"info": {"_postman_id": "c", "name": "Uploads", "schema": "x/v2.1.0/"},
                 "item": [{"id": "up", "name": "Upload", "request": {"method": "POST", "url": "https://x/up",
                   "body": {"mode": "formdata", "formdata": [
                     {"key": "title", "value": "a", "type": "text", "contentType": "text/plain"},
                     {"key": "file", "src": "/tmp/a.png", "type": "file"},
                     {"key": "tags", "value": "x", "type": "text"}]}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            collection.request_view("up").unwrap().body,
            BodyView::FormData {
                fields: vec![row("title", "a"), row("tags", "x")],
                files: vec!["file".into()]
            }
        );
        // Two places for text, three rows: the third goes last; the file keeps its place.
        set(
            &mut collection,
            "up",
            Body::FormData(vec![row("title", "b"), row("tags", "y"), row("lang", "en")]),
        )
        .unwrap();
        assert_eq!(
            item(&collection, "up")["request"]["body"]["formdata"],
            json!([
                {"key": "title", "value": "b", "type": "text", "contentType": "text/plain"},
                {"key": "file", "src": "/tmp/a.png", "type": "file"},
                {"key": "tags", "value": "y", "type": "text"},
                {"key": "lang", "value": "en", "type": "text"}
            ])
        );
        // Fewer rows than text places: the text fields left over go, the file stays.
        set(
            &mut collection,
            "up",
            Body::FormData(vec![row("title", "c")]),
        )
        .unwrap();
        assert_eq!(
            item(&collection, "up")["request"]["body"]["formdata"],
            json!([
                {"key": "title", "value": "c", "type": "text", "contentType": "text/plain"},
                {"key": "file", "src": "/tmp/a.png", "type": "file"}
            ])
        );
        still_valid(&collection);
    }

    #[test]
    fn graphql_bodies_keep_their_other_fields_and_refuse_variables_that_are_no_object() {
        let mut collection = sample();
        collection
            .update_request(
                "list",
                RequestUpdate {
                    body: Some(Body::GraphQl {
                        query: "{ users { id } }".into(),
                        variables: "".into(),
                    }),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        let body = &item(&collection, "list")["request"]["body"];
        assert_eq!(body["mode"], "graphql");
        assert!(
            body.get("raw").is_none(),
            "the raw text of the old mode is gone"
        );
        assert_eq!(
            body["graphql"],
            json!({"query": "{ users { id } }", "variables": ""})
        );
        // A field the editor does not show, as Postman writes it.
        collection.item_mut("list").unwrap()["request"]["body"]["graphql"]["operationName"] =
            json!("Users");
        set(
            &mut collection,
            "list",
            Body::GraphQl {
                query: "query Users { users { id } }".into(),
                variables: "{\"first\": 2}".into(),
            },
        )
        .unwrap();
        assert_eq!(
            item(&collection, "list")["request"]["body"]["graphql"],
            json!({"query": "query Users { users { id } }", "variables": "{\"first\": 2}", "operationName": "Users"})
        );
        assert_eq!(
            collection.request_view("list").unwrap().body,
            BodyView::GraphQl {
                query: "query Users { users { id } }".into(),
                variables: "{\"first\": 2}".into()
            }
        );
        for bad in ["{first: 2}", "[1]"] {
            let refused = set(
                &mut collection,
                "list",
                Body::GraphQl {
                    query: "q".into(),
                    variables: bad.into(),
                },
            );
            let Err(FormatError::Invalid(problems)) = refused else {
                panic!("{bad} was taken: {refused:?}")
            };
            assert_eq!(problems[0].path, "body.graphql.variables");
        }
        assert_eq!(
            collection.request_view("list").unwrap().body,
            BodyView::GraphQl {
                query: "query Users { users { id } }".into(),
                variables: "{\"first\": 2}".into()
            }
        );
        still_valid(&collection);
    }

    #[test]
    fn raw_language_is_set_checked_and_read_back() {
        let mut collection = sample();
        let update = |language: &str| RequestUpdate {
            body: Some(Body::Raw("<a/>".into())),
            raw_language: Some(language.into()),
            ..RequestUpdate::default()
        };
        collection.update_request("list", update("xml")).unwrap();
        assert_eq!(
            item(&collection, "list")["request"]["body"],
            json!({"mode": "raw", "raw": "<a/>", "options": {"raw": {"language": "xml"}}})
        );
        assert_eq!(
            collection.request_view("list").unwrap().body,
            BodyView::Raw {
                text: "<a/>".into(),
                language: "xml".into()
            }
        );
        let refused = collection.update_request("list", update("yaml"));
        let Err(FormatError::Invalid(problems)) = refused else {
            panic!("yaml was taken")
        };
        assert_eq!(problems[0].path, "body.options.raw.language");
        assert_eq!(
            item(&collection, "list")["request"]["body"]["options"]["raw"]["language"],
            "xml"
        );
        // A bare-URL request gets a raw body with its language.
        collection.update_request("ping", update("html")).unwrap();
        assert_eq!(
            item(&collection, "ping")["request"]["body"]["options"],
            json!({"raw": {"language": "html"}})
        );
        // No raw body, no language to set.
        collection
            .update_request(
                "ping",
                RequestUpdate {
                    body: Some(Body::Empty),
                    raw_language: Some("json".into()),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        assert!(item(&collection, "ping")["request"].get("body").is_none());
        still_valid(&collection);
    }

    #[test]
    fn collection_descriptions_are_read_and_written_in_either_shape() {
        let mut collection = sample();
        assert_eq!(collection.description(), "");
        collection.set_description("Everything about users");
        assert_eq!(
            collection.as_json()["info"]["description"],
            "Everything about users"
        );
        assert_eq!(collection.description(), "Everything about users");
        collection
            .document
            .get_mut("info")
            .and_then(Value::as_object_mut)
            .unwrap()
            .insert(
                "description".into(),
                json!({"content": "rich", "type": "text/markdown"}),
            );
        collection.set_description("richer");
        assert_eq!(
            collection.as_json()["info"]["description"],
            json!({"content": "richer", "type": "text/markdown"})
        );
        assert_eq!(collection.description(), "richer");
        still_valid(&collection);
    }

    #[test]
    fn saving_what_the_editor_shows_changes_nothing() {
        let mut collection = Collection::import(
            br#"{"info": {"_postman_id": "c", "name": "Shapes", "schema": "x/v2.1.0/"},
                 "item": [{"id": "bare", "name": "Bare", "request": "https://x/ping?a=1&b"},
                          {"id": "string-url", "name": "String URL", "request": {"method": "POST", "url": "https://x/q?page=2"}}]}"#,
        )
        .unwrap();
        let before = collection.clone();
        for id in ["bare", "string-url"] {
            let shown = collection.request_view(id).unwrap();
            // What the editor's untouched form posts: every shown field as it is.
            let update = RequestUpdate {
                name: Some(shown.name.clone()),
                method: Some(shown.method.clone()),
                url: None,
                headers: Some(shown.headers.clone()),
                query: Some(shown.query.clone()),
                body: None,
                raw_language: None,
                description: None,
            };
            collection.update_request(id, update).unwrap();
        }
        assert_eq!(collection, before);
        assert_eq!(
            collection.request_view("string-url").unwrap().query,
            vec![row("page", "2")],
            "a string URL's parameters are shown"
        );
        // A real change still expands the bare request.
        collection
            .update_request(
                "bare",
                RequestUpdate {
                    method: Some("POST".into()),
                    ..RequestUpdate::default()
                },
            )
            .unwrap();
        assert_eq!(item(&collection, "bare")["request"]["method"], "POST");
        assert_eq!(
            collection.request_view("bare").unwrap().url,
            "https://x/ping?a=1&b"
        );
        still_valid(&collection);
    }
}
