//! Local `$ref`s: every one must point at a node of this definition.
//!
//! Ferry stores one text per definition and never fetches other files or URLs, so a
//! reference outside the definition is reported rather than followed. Only string values of
//! `$ref` keys count; `#name` is accepted when a `$anchor` of that name exists (3.1).

use std::collections::HashSet;

use serde_json::Value;

use crate::findings::{Finding, Segment};

pub(crate) fn check(document: &Value) -> Vec<Finding> {
    let mut refs = Vec::new();
    let mut anchors = HashSet::new();
    let mut path = Vec::new();
    collect(document, &mut path, &mut refs, &mut anchors);
    refs.into_iter()
        .filter_map(|(path, reference)| {
            let message = if !reference.starts_with('#') {
                format!("\"$ref\" {}: only references within this definition are resolved (Ferry never fetches other files or URLs)", quoted(&reference))
            } else if resolve(document, &reference).is_some()
                || anchors.contains(&reference[1..])
            {
                return None;
            } else {
                format!("\"$ref\" {} points at nothing", quoted(&reference))
            };
            Some(Finding::at(path, message))
        })
        .collect()
}

/// The node a local reference (`#` or `#/…`, percent-encoded JSON pointer) points at.
pub(crate) fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = percent_decode(reference.strip_prefix('#')?)?;
    if fragment.is_empty() {
        return Some(document);
    }
    let pointer = fragment.strip_prefix('/')?;
    pointer.split('/').try_fold(document, |node, token| {
        let token = token.replace("~1", "/").replace("~0", "~");
        match node {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    })
}

fn collect(
    node: &Value,
    path: &mut Vec<Segment>,
    refs: &mut Vec<(Vec<Segment>, String)>,
    anchors: &mut HashSet<String>,
) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                path.push(Segment::Key(key.clone()));
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => {
                        refs.push((path.clone(), reference.clone()));
                    }
                    ("$anchor", Value::String(anchor)) => {
                        anchors.insert(anchor.clone());
                    }
                    _ => collect(value, path, refs, anchors),
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Segment::Index(index));
                collect(item, path, refs, anchors);
                path.pop();
            }
        }
        _ => {}
    }
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = text.get(at + 1..at + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resolves_json_pointers_with_escapes() {
        let document = json!({"paths": {"/users/{id}": {"get": 1}}, "a~b": [0, {"c d": 2}]});
        assert_eq!(resolve(&document, "#"), Some(&document));
        assert_eq!(
            resolve(&document, "#/paths/~1users~1%7Bid%7D/get"),
            Some(&json!(1))
        );
        assert_eq!(resolve(&document, "#/a~0b/1/c%20d"), Some(&json!(2)));
        assert_eq!(resolve(&document, "#/a~0b/2"), None);
        assert_eq!(resolve(&document, "#paths"), None);
        assert_eq!(resolve(&document, "other.json#/paths"), None);
    }

    #[test]
    fn reports_external_and_dangling_references() {
        let document = json!({"components": {"schemas": {"A": {"$anchor": "a"}}},
            "x": [{"$ref": "#/components/schemas/A"}, {"$ref": "#a"}, {"$ref": "other.yaml#/Pet"},
                  {"$ref": "#/components/schemas/Missing"}, {"$ref": {"not": "a reference"}}]});
        let found: Vec<String> = check(&document)
            .iter()
            .map(|finding| format!("{}: {}", finding.rendered_path(), finding.message))
            .collect();
        assert_eq!(
            found,
            [
                r#"x.2.$ref: "$ref" "other.yaml#/Pet": only references within this definition are resolved (Ferry never fetches other files or URLs)"#,
                r##"x.3.$ref: "$ref" "#/components/schemas/Missing" points at nothing"##,
            ]
        );
    }
}
