//! One request as the editor shows it: the fields [`super::RequestUpdate`] can change, read
//! back from the document in the shapes the editor writes them.

use serde::Serialize;
use serde_json::Value;

use super::{
    error::FormatError,
    items::{self, Item},
    key_value::{is_file_field, KeyValue},
    url, Collection,
};

/// What the editor shows of a request's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum BodyView {
    None,
    /// Raw text, editable as it is, and the language it is written in (`text` when unset).
    Raw {
        text: String,
        language: String,
    },
    UrlEncoded(Vec<KeyValue>),
    /// A form-data body's text fields, and the names of its file fields (kept as they are).
    FormData {
        fields: Vec<KeyValue>,
        files: Vec<String>,
    },
    /// A GraphQL query and its variables as JSON text.
    GraphQl {
        query: String,
        variables: String,
    },
    /// A body the editor does not write (a binary `file`, an unknown mode): it stays as it is
    /// unless replaced or removed.
    Other {
        mode: String,
    },
}

/// A request's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestView {
    pub id: String,
    pub name: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<KeyValue>,
    pub query: Vec<KeyValue>,
    pub body: BodyView,
    pub description: String,
}

impl Collection {
    /// The request `id` as the editor shows it.
    pub fn request_view(&self, id: &str) -> Result<RequestView, FormatError> {
        let mut found = None;
        if let Some(list) = self.document.get("item") {
            items::walk(list, &mut |visit| {
                if found.is_none() && items::id(visit.item) == id {
                    found = Some(visit.item);
                }
            });
        }
        let item = found.ok_or_else(|| FormatError::ItemNotFound(id.to_owned()))?;
        if items::is_folder(item) {
            return Err(FormatError::NotARequest(id.to_owned()));
        }
        Ok(view_of(id, item))
    }
}

/// The editor's view of request item `item`.
pub(crate) fn view_of(id: &str, item: &Item) -> RequestView {
    let request = item.get("request").and_then(Value::as_object);
    let query = match request.and_then(|request| request.get("url")) {
        Some(Value::Object(url)) => key_values(url.get("query")),
        // A URL written as a string (or a request written as one) has its parameters in
        // the string only.
        _ => key_values(url::parts(items::raw_url(item)).get("query")),
    };
    RequestView {
        id: id.to_owned(),
        name: items::name(item).to_owned(),
        method: items::method(item).to_owned(),
        url: items::raw_url(item).to_owned(),
        headers: key_values(request.and_then(|request| request.get("header"))),
        query,
        body: body(request),
        description: description(request),
    }
}

/// Entries of a header or query list; Postman also allows a header list written as one
/// string, which the editor shows as no rows (and rewrites only when saved with rows).
fn key_values(list: Option<&Value>) -> Vec<KeyValue> {
    let Some(Value::Array(entries)) = list else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(Value::as_object)
        .map(|entry| KeyValue {
            key: text(entry, "key"),
            value: text(entry, "value"),
            disabled: entry.get("disabled") == Some(&Value::Bool(true)),
        })
        .collect()
}

fn text(entry: &Item, key: &str) -> String {
    match entry.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn body(request: Option<&Item>) -> BodyView {
    let Some(body) = request
        .and_then(|request| request.get("body"))
        .and_then(Value::as_object)
    else {
        return BodyView::None;
    };
    match items::str_field(body, "mode") {
        Some("raw") => BodyView::Raw {
            text: items::str_field(body, "raw").unwrap_or_default().to_owned(),
            language: body
                .get("options")
                .and_then(|options| options.get("raw"))
                .and_then(|raw| raw.get("language"))
                .and_then(Value::as_str)
                .unwrap_or("text")
                .to_owned(),
        },
        Some("urlencoded") => BodyView::UrlEncoded(key_values(body.get("urlencoded"))),
        Some("formdata") => {
            let entries = body
                .get("formdata")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let (files, fields): (Vec<&Value>, Vec<&Value>) =
                entries.iter().partition(|entry| is_file_field(entry));
            BodyView::FormData {
                fields: key_values(Some(&Value::Array(fields.into_iter().cloned().collect()))),
                files: files
                    .into_iter()
                    .filter_map(Value::as_object)
                    .map(|entry| text(entry, "key"))
                    .collect(),
            }
        }
        Some("graphql") => {
            let graphql = body.get("graphql").and_then(Value::as_object);
            BodyView::GraphQl {
                query: graphql
                    .map(|graphql| text(graphql, "query"))
                    .unwrap_or_default(),
                variables: graphql
                    .map(|graphql| text(graphql, "variables"))
                    .unwrap_or_default(),
            }
        }
        None if body.is_empty() => BodyView::None,
        mode => BodyView::Other {
            mode: mode.unwrap_or("unknown").to_owned(),
        },
    }
}

fn description(request: Option<&Item>) -> String {
    description_text(request.and_then(|request| request.get("description")))
}

/// A description as text: Postman writes one as a string or as `{content, type}`.
pub(crate) fn description_text(description: Option<&Value>) -> String {
    match description {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(rich)) => items::str_field(rich, "content")
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Body, RequestUpdate};

    fn sample() -> Collection {
        Collection::import(
            br#"{"info": {"_postman_id": "c", "name": "Users API", "schema": "x/v2.1.0/"},
                 "item": [
                   {"id": "f", "name": "Users", "item": [
                     {"id": "list", "name": "List users", "request": {
                        "method": "POST",
                        "url": {"raw": "https://{{host}}/users?page=1", "host": ["https://{{host}}"], "path": ["users"],
                                "query": [{"key": "page", "value": "1"}, {"key": "debug", "value": null, "disabled": true}]},
                        "header": [{"key": "Accept", "value": "application/json"}],
                        "body": {"mode": "raw", "raw": "{}"},
                        "description": {"content": "Lists", "type": "text/markdown"}}},
                     {"id": "upload", "name": "Upload", "request": {"method": "PUT", "url": "https://x/y",
                        "body": {"mode": "formdata", "formdata": []}, "description": "Sends a file"}}]},
                   {"id": "ping", "name": "Ping", "request": "https://{{host}}/ping"}
                 ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn shows_every_editable_field() {
        let view = sample().request_view("list").unwrap();
        let row = |key: &str, value: &str, disabled| KeyValue {
            key: key.into(),
            value: value.into(),
            disabled,
        };
        assert_eq!(
            view,
            RequestView {
                id: "list".into(),
                name: "List users".into(),
                method: "POST".into(),
                url: "https://{{host}}/users?page=1".into(),
                headers: vec![row("Accept", "application/json", false)],
                query: vec![row("page", "1", false), row("debug", "", true)],
                body: BodyView::Raw {
                    text: "{}".into(),
                    language: "text".into()
                },
                description: "Lists".into(),
            }
        );
    }

    #[test]
    fn bare_urls_other_bodies_folders_and_unknown_ids() {
        let collection = sample();
        let ping = collection.request_view("ping").unwrap();
        assert_eq!(
            (ping.method.as_str(), ping.url.as_str(), &ping.body),
            ("GET", "https://{{host}}/ping", &BodyView::None)
        );
        let upload = collection.request_view("upload").unwrap();
        assert_eq!(
            upload.body,
            BodyView::FormData {
                fields: vec![],
                files: vec![]
            }
        );
        assert_eq!(upload.description, "Sends a file");
        assert_eq!(
            collection.request_view("f"),
            Err(FormatError::NotARequest("f".into()))
        );
        assert_eq!(
            collection.request_view("nope"),
            Err(FormatError::ItemNotFound("nope".into()))
        );
    }

    #[test]
    fn reads_back_what_an_update_wrote() {
        let mut collection = sample();
        let headers = vec![KeyValue {
            key: "X-Trace".into(),
            value: "1".into(),
            disabled: true,
        }];
        let update = RequestUpdate {
            url: Some("https://{{host}}/people".into()),
            headers: Some(headers.clone()),
            body: Some(Body::Raw("hello".into())),
            description: Some("People".into()),
            ..RequestUpdate::default()
        };
        collection.update_request("ping", update).unwrap();
        let view = collection.request_view("ping").unwrap();
        assert_eq!(view.url, "https://{{host}}/people");
        assert_eq!(view.headers, headers);
        assert_eq!(
            view.body,
            BodyView::Raw {
                text: "hello".into(),
                language: "text".into()
            }
        );
        assert_eq!(view.description, "People");
    }
}
