//! The canonical rendering: one byte sequence per collection, so that storing or committing
//! unchanged content twice gives identical bytes and a diff shows only what a person changed.
//!
//! - 2-space indentation, `": "` between key and value, `[]`/`{}` for empty containers, a
//!   final `"\n"`; UTF-8 as is (only `"`, `\` and control characters are escaped).
//! - Keys in a fixed order: the known keys of each kind of object in Postman's own order
//!   (see [`known_keys`]), then every other key sorted by its UTF-8 bytes.
//! - Numbers as `serde_json` prints them: integers exactly, other numbers in the shortest
//!   form that reads back to the same `f64` (`1.50` becomes `1.5`).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use super::Collection;

impl Collection {
    /// The canonical JSON of this collection (see the module documentation of `canonical`).
    pub fn to_canonical_json(&self) -> String {
        let shaped = ShapedObject {
            map: &self.document,
            kind: Kind::Collection,
        };
        // Every key is a string and no value fails to serialize, so this cannot fail.
        let mut out = serde_json::to_string_pretty(&shaped).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// What an object is, by where it stands; it decides the order of the known keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Collection,
    Info,
    Version,
    Item,
    Request,
    Url,
    PathSegment,
    KeyValue,
    Body,
    Response,
    Cookie,
    Event,
    Script,
    Variable,
    Auth,
    AuthAttribute,
    Description,
    Proxy,
    Certificate,
    Other,
}

/// The known keys of each kind, in the order they are written.
fn known_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Collection => &[
            "info",
            "item",
            "auth",
            "event",
            "variable",
            "protocolProfileBehavior",
        ],
        Kind::Info => &["_postman_id", "name", "description", "version", "schema"],
        Kind::Version => &["major", "minor", "patch", "identifier", "meta"],
        Kind::Item => &[
            "id",
            "name",
            "description",
            "variable",
            "auth",
            "event",
            "protocolProfileBehavior",
            "request",
            "response",
            "item",
        ],
        Kind::Request => &[
            "method",
            "header",
            "body",
            "url",
            "auth",
            "proxy",
            "certificate",
            "description",
        ],
        Kind::Url => &[
            "raw", "protocol", "host", "port", "path", "query", "hash", "variable",
        ],
        Kind::PathSegment => &["type", "value"],
        Kind::KeyValue => &[
            "key",
            "value",
            "src",
            "type",
            "contentType",
            "description",
            "disabled",
        ],
        Kind::Body => &[
            "mode",
            "raw",
            "urlencoded",
            "formdata",
            "file",
            "graphql",
            "options",
            "disabled",
        ],
        Kind::Response => &[
            "id",
            "name",
            "originalRequest",
            "status",
            "code",
            "_postman_previewlanguage",
            "header",
            "cookie",
            "responseTime",
            "timings",
            "body",
        ],
        Kind::Cookie => &[
            "name",
            "value",
            "domain",
            "path",
            "expires",
            "maxAge",
            "hostOnly",
            "httpOnly",
            "secure",
            "session",
            "extensions",
        ],
        Kind::Event => &["id", "listen", "script", "disabled"],
        Kind::Script => &["id", "name", "type", "exec", "src"],
        Kind::Variable => &[
            "id",
            "key",
            "value",
            "type",
            "name",
            "description",
            "system",
            "disabled",
        ],
        Kind::Auth => &["type"],
        Kind::AuthAttribute => &["key", "value", "type"],
        Kind::Description => &["content", "type", "version"],
        Kind::Proxy => &["match", "host", "port", "tunnel", "disabled"],
        Kind::Certificate => &["name", "matches", "key", "cert", "passphrase"],
        Kind::Other => &[],
    }
}

/// The kind of the value at `key` of an object of kind `parent` (for arrays: of their elements).
fn child_kind(parent: Kind, key: &str) -> Kind {
    match (parent, key) {
        (Kind::Collection | Kind::Item, "item") => Kind::Item,
        (Kind::Collection | Kind::Item | Kind::Url, "variable") => Kind::Variable,
        (Kind::Collection | Kind::Item, "event") => Kind::Event,
        (Kind::Collection | Kind::Item | Kind::Request, "auth") => Kind::Auth,
        (Kind::Collection, "info") => Kind::Info,
        (Kind::Info, "version") => Kind::Version,
        (Kind::Item, "request") | (Kind::Response, "originalRequest") => Kind::Request,
        (Kind::Item, "response") => Kind::Response,
        (Kind::Request, "url") | (Kind::Script, "src") => Kind::Url,
        (Kind::Request, "body") => Kind::Body,
        (Kind::Request, "proxy") => Kind::Proxy,
        (Kind::Request, "certificate") => Kind::Certificate,
        (Kind::Request | Kind::Response, "header")
        | (Kind::Url, "query")
        | (Kind::Body, "urlencoded" | "formdata") => Kind::KeyValue,
        (Kind::Url, "path") => Kind::PathSegment,
        (Kind::Response, "cookie") => Kind::Cookie,
        (Kind::Event, "script") => Kind::Script,
        (Kind::Auth, _) => Kind::AuthAttribute,
        (_, "description") => Kind::Description,
        _ => Kind::Other,
    }
}

/// A value to write together with the kind of object it is (or, for an array, its elements are).
struct Shaped<'a> {
    value: &'a Value,
    kind: Kind,
}

struct ShapedObject<'a> {
    map: &'a Map<String, Value>,
    kind: Kind,
}

impl Serialize for Shaped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Object(map) => ShapedObject {
                map,
                kind: self.kind,
            }
            .serialize(serializer),
            Value::Array(elements) => {
                let mut seq = serializer.serialize_seq(Some(elements.len()))?;
                for value in elements {
                    seq.serialize_element(&Shaped {
                        value,
                        kind: self.kind,
                    })?;
                }
                seq.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

impl Serialize for ShapedObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_object(self.map, self.kind, serializer)
    }
}

fn serialize_object<S: Serializer>(
    map: &Map<String, Value>,
    kind: Kind,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let known = known_keys(kind);
    let mut others: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .collect();
    // serde_json's map is sorted unless a crate in the build turns on `preserve_order`.
    others.sort_unstable_by_key(|(key, _)| *key);
    let ordered = known
        .iter()
        .filter_map(|key| map.get_key_value(*key))
        .chain(others);
    let mut out = serializer.serialize_map(Some(map.len()))?;
    for (key, value) in ordered {
        out.serialize_entry(
            key,
            &Shaped {
                value,
                kind: child_kind(kind, key),
            },
        )?;
    }
    out.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(json: &str) -> String {
        Collection::import(json.as_bytes())
            .unwrap()
            .to_canonical_json()
    }

    #[test]
    fn writes_known_keys_in_postman_order_then_the_rest_sorted() {
        let rendered = render(
            r#"{"zeta": 1, "variable": [], "item": [{"request": {"url": "u", "method": "GET"}, "name": "r", "id": "1", "b": 0, "a": 0}],
               "info": {"schema": "x/v2.1.0/", "name": "c", "_postman_id": "p"}, "Alpha": true}"#,
        );
        let expected = r#"{
  "info": {
    "_postman_id": "p",
    "name": "c",
    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
  },
  "item": [
    {
      "id": "1",
      "name": "r",
      "request": {
        "method": "GET",
        "url": "u"
      },
      "a": 0,
      "b": 0
    }
  ],
  "variable": [],
  "Alpha": true,
  "zeta": 1
}
"#;
        assert_eq!(rendered, expected);
    }

    #[test]
    fn keeps_non_ascii_text_unescaped() {
        let rendered = render(
            r#"{"info": {"_postman_id": "p", "name": "Café \u00e9 ✓ \"q\"", "schema": "x/v2.1.0/"}, "item": []}"#,
        );
        assert!(
            rendered.contains(r#""name": "Café é ✓ \"q\"""#),
            "{rendered}"
        );
    }

    #[test]
    fn orders_nested_kinds_by_position() {
        let rendered = render(
            r#"{"info": {"_postman_id": "p", "name": "c", "schema": "x/v2.1.0/"}, "item": [{"id": "1", "request": {
                "url": {"query": [{"value": "v", "key": "k"}], "raw": "r"},
                "header": [{"value": "v", "key": "k"}]}}]}"#,
        );
        let compact: String = rendered.split_whitespace().collect();
        assert!(compact.contains(r#""header":[{"key":"k","value":"v"}],"url":{"raw":"r","query":[{"key":"k","value":"v"}]}"#), "{compact}");
    }
}
