//! Splitting a request URL into the parts Postman keeps beside `raw`. Postman's runtime reads
//! the parts, not `raw`, so an edited URL must update both.

use serde_json::{json, Map, Value};

/// The parts of `raw` as Postman's own URL parser makes them: `protocol`, `host` (split at
/// dots), `port`, `path` (split at slashes), `query` (`key`/`value` pairs) and `hash`; parts the
/// URL lacks are left out. Variables such as `{{host}}` are kept as text.
pub(crate) fn parts(raw: &str) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("raw".to_owned(), json!(raw));
    let (rest, hash) = split_once_or_all(raw, '#');
    let (rest, query) = split_once_or_all(rest, '?');
    let rest = match rest.split_once("://") {
        Some((protocol, rest)) => {
            out.insert("protocol".to_owned(), json!(protocol));
            rest
        }
        None => rest,
    };
    let (authority, path) = split_once_or_all(rest, '/');
    let (host, port) = split_once_or_all(authority, ':');
    if !host.is_empty() {
        out.insert(
            "host".to_owned(),
            json!(host.split('.').collect::<Vec<_>>()),
        );
    }
    if let Some(port) = port {
        out.insert("port".to_owned(), json!(port));
    }
    if let Some(path) = path {
        out.insert(
            "path".to_owned(),
            json!(path.split('/').collect::<Vec<_>>()),
        );
    }
    if let Some(query) = query.filter(|query| !query.is_empty()) {
        let pairs: Vec<Value> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) => json!({"key": key, "value": value}),
                None => json!({"key": pair, "value": null}),
            })
            .collect();
        out.insert("query".to_owned(), Value::Array(pairs));
    }
    if let Some(hash) = hash {
        out.insert("hash".to_owned(), json!(hash));
    }
    out
}

/// `raw` with its query string replaced by the enabled entries of `query` (Postman leaves
/// disabled parameters out of the URL).
pub(crate) fn with_query(raw: &str, query: &[Value]) -> String {
    let (rest, hash) = split_once_or_all(raw, '#');
    let (base, _) = split_once_or_all(rest, '?');
    let pairs: Vec<String> = query
        .iter()
        .filter(|entry| entry.get("disabled") != Some(&Value::Bool(true)))
        .map(|entry| {
            let key = entry.get("key").and_then(Value::as_str).unwrap_or_default();
            match entry.get("value").and_then(Value::as_str) {
                Some(value) => format!("{key}={value}"),
                None => key.to_owned(),
            }
        })
        .collect();
    let mut out = base.to_owned();
    if !pairs.is_empty() {
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if let Some(hash) = hash {
        out.push('#');
        out.push_str(hash);
    }
    out
}

fn split_once_or_all(text: &str, separator: char) -> (&str, Option<&str>) {
    match text.split_once(separator) {
        Some((before, after)) => (before, Some(after)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_full_url() {
        let parts = Value::Object(parts(
            "https://api.example.com:8443/v1/users?page=2&flag#top",
        ));
        assert_eq!(
            parts,
            json!({
                "raw": "https://api.example.com:8443/v1/users?page=2&flag#top",
                "protocol": "https", "host": ["api", "example", "com"], "port": "8443", "path": ["v1", "users"],
                "query": [{"key": "page", "value": "2"}, {"key": "flag", "value": null}], "hash": "top"
            })
        );
    }

    #[test]
    fn keeps_variables_as_text() {
        let parts = Value::Object(parts("{{baseUrl}}/users/:id"));
        assert_eq!(
            parts,
            json!({"raw": "{{baseUrl}}/users/:id", "host": ["{{baseUrl}}"], "path": ["users", ":id"]})
        );
    }

    #[test]
    fn rebuilds_the_query_string_from_enabled_entries() {
        let query = [
            json!({"key": "a", "value": "1"}),
            json!({"key": "b", "value": "2", "disabled": true}),
            json!({"key": "c", "value": null}),
        ];
        assert_eq!(
            with_query("https://x.io/p?old=1#h", &query),
            "https://x.io/p?a=1&c#h"
        );
        assert_eq!(with_query("https://x.io/p?old=1", &[]), "https://x.io/p");
    }
}
