//! Which collection format a document is in, and the upgrade of v2.0 documents to v2.1.

use serde_json::{Map, Value};

use super::{error::FormatError, items};

/// The schema URL written into every exported collection (`info.schema`).
pub const SCHEMA_V2_1: &str =
    "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V2_0,
    V2_1,
}

/// Reads the version from `info.schema`. Postman has published the same versions under several
/// URLs (`http`/`https`, with and without `draft-07/`), so only the version segment counts.
/// A missing `info` or `info.schema` is left to the schema validation to report.
pub(crate) fn detect(document: &Map<String, Value>) -> Result<Version, FormatError> {
    let Some(info) = document.get("info") else {
        if document.contains_key("requests") || document.contains_key("order") {
            return Err(FormatError::invalid(
                "",
                "this is a Postman Collection v1 document; export it from Postman as v2.1 and import that",
            ));
        }
        return Ok(Version::V2_1);
    };
    let Some(schema) = info.get("schema").and_then(Value::as_str) else {
        return Ok(Version::V2_1);
    };
    if schema.contains("/v2.1.") {
        Ok(Version::V2_1)
    } else if schema.contains("/v2.0.") {
        Ok(Version::V2_0)
    } else {
        Err(FormatError::invalid(
            "info.schema",
            format!("unsupported collection format {schema:?}; Ferry reads Postman Collection v2.0 and v2.1"),
        ))
    }
}

/// Rewrites the v2.0 specifics as v2.1 has them. The one difference that matters is auth:
/// v2.0 keeps each method's parameters as an object (`"basic": {"username": "u"}`), v2.1 as
/// a list of `{key, value, type}` (the conversion Postman's collection transformer does).
pub(crate) fn upgrade_v2_0(document: &mut Map<String, Value>) {
    upgrade_auth(document.get_mut("auth"));
    if let Some(list) = document.get_mut("item") {
        items::walk_mut(list, &mut |item| {
            upgrade_auth(item.get_mut("auth"));
            upgrade_request(item.get_mut("request"));
            if let Some(responses) = item.get_mut("response").and_then(Value::as_array_mut) {
                for response in responses.iter_mut().filter_map(Value::as_object_mut) {
                    upgrade_request(response.get_mut("originalRequest"));
                }
            }
        });
    }
}

fn upgrade_request(request: Option<&mut Value>) {
    if let Some(request) = request.and_then(Value::as_object_mut) {
        upgrade_auth(request.get_mut("auth"));
    }
}

fn upgrade_auth(auth: Option<&mut Value>) {
    let Some(auth) = auth.and_then(Value::as_object_mut) else {
        return;
    };
    for (method, parameters) in auth.iter_mut() {
        // `noauth` may hold anything in both versions.
        if method == "type" || method == "noauth" {
            continue;
        }
        if let Value::Object(map) = parameters {
            let list = std::mem::take(map)
                .into_iter()
                .map(|(key, value)| {
                    let kind = match value {
                        Value::String(_) => "string",
                        Value::Bool(_) => "boolean",
                        Value::Number(_) => "number",
                        _ => "any",
                    };
                    serde_json::json!({ "key": key, "value": value, "type": kind })
                })
                .collect();
            *parameters = Value::Array(list);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn detects_versions_by_their_segment() {
        let v20 = object(
            json!({"info": {"schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"}}),
        );
        let v21 = object(
            json!({"info": {"schema": "http://schema.getpostman.com/json/draft-07/collection/v2.1.0/collection.json"}}),
        );
        assert_eq!(detect(&v20), Ok(Version::V2_0));
        assert_eq!(detect(&v21), Ok(Version::V2_1));
    }

    #[test]
    fn refuses_v1_and_unknown_formats_by_name() {
        let v1 = object(json!({"id": "x", "name": "old", "order": [], "requests": []}));
        assert!(detect(&v1).unwrap_err().to_string().contains("v1"));
        let other = object(json!({"info": {"name": "x", "schema": "https://example.com/v9"}}));
        assert!(detect(&other)
            .unwrap_err()
            .to_string()
            .starts_with("info.schema: unsupported"));
    }

    #[test]
    fn upgrades_auth_objects_to_lists_everywhere() {
        let mut document = object(json!({
            "auth": {"type": "basic", "basic": {"username": "u", "saveHelper": true}},
            "item": [{"name": "f", "item": [{
                "name": "r",
                "request": {"url": "x", "auth": {"type": "bearer", "bearer": {"token": "t"}}},
                "response": [{"originalRequest": {"url": "x", "auth": {"type": "noauth", "noauth": {"k": 1}}}}]
            }]}]
        }));
        upgrade_v2_0(&mut document);
        assert_eq!(
            document["auth"]["basic"],
            json!([{"key": "saveHelper", "value": true, "type": "boolean"}, {"key": "username", "value": "u", "type": "string"}])
        );
        let request = &document["item"][0]["item"][0];
        assert_eq!(
            request["request"]["auth"]["bearer"],
            json!([{"key": "token", "value": "t", "type": "string"}])
        );
        assert_eq!(
            request["response"][0]["originalRequest"]["auth"]["noauth"],
            json!({"k": 1})
        );
    }
}
