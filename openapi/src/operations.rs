//! The operations of a definition: what a person picks from, and what a change summary
//! compares. A fingerprint stands for an operation's whole JSON (with the parameters its path
//! item gives every operation), so a change anywhere in it shows as "changed" without the
//! definitions being kept side by side.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::refs;

/// The methods an OpenAPI path item may hold, in the order operations are listed.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation (a method on a path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Uppercase: `GET`.
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// A stable 64-bit FNV-1a hash of the operation's JSON (keys sorted) and of its path
    /// item's `parameters`: equal fingerprints, same operation.
    pub fingerprint: u64,
}

pub(crate) fn list(document: &Value) -> Vec<Operation> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        // A path item may be a local `$ref` (one that points nowhere is a problem, not an
        // operation).
        let item = match item.get("$ref").and_then(Value::as_str) {
            Some(reference) => match refs::resolve(document, reference) {
                Some(target) => target,
                None => continue,
            },
            None => item,
        };
        let path_parameters = item.get("parameters").unwrap_or(&Value::Null);
        for method in METHODS {
            let Some(operation) = item.get(method).filter(|operation| operation.is_object()) else {
                continue;
            };
            let text = |key: &str| {
                operation
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            operations.push(Operation {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                operation_id: text("operationId"),
                summary: text("summary"),
                tags: operation
                    .get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                deprecated: operation.get("deprecated") == Some(&Value::Bool(true)),
                fingerprint: fingerprint(operation, path_parameters),
            });
        }
    }
    // `paths` is a sorted map and methods come in METHODS order: already sorted.
    operations
}

fn fingerprint(operation: &Value, path_parameters: &Value) -> u64 {
    // serde_json's maps are sorted, so the same JSON always writes the same bytes. This is
    // hashing, not a rendering of the definition.
    let mut hash = Fnv::default();
    hash.write(operation.to_string().as_bytes());
    hash.write(&[0]);
    hash.write(path_parameters.to_string().as_bytes());
    hash.0
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lists_operations_by_path_and_method_order_with_path_parameters_in_the_fingerprint() {
        let document = json!({"paths": {
            "/b": {"post": {"operationId": "makeB", "tags": ["b"], "deprecated": true}, "get": {"summary": "B"}, "parameters": [{"name": "x"}], "x-other": {}},
            "/a": {"$ref": "#/x-items/a"},
            "/c": {"$ref": "#/missing"},
        }, "x-items": {"a": {"trace": {}, "delete": {}}}});
        let listed: Vec<(String, String)> = list(&document)
            .into_iter()
            .map(|operation| (operation.method, operation.path))
            .collect();
        let expected = [
            ("DELETE", "/a"),
            ("TRACE", "/a"),
            ("GET", "/b"),
            ("POST", "/b"),
        ];
        assert_eq!(listed, expected.map(|(m, p)| (m.to_owned(), p.to_owned())));
        let post = &list(&document)[3];
        assert_eq!(post.operation_id.as_deref(), Some("makeB"));
        assert_eq!(post.tags, ["b"]);
        assert!(post.deprecated);

        let mut changed = document.clone();
        changed["paths"]["/b"]["parameters"][0]["name"] = json!("y");
        let before = list(&document);
        let after = list(&changed);
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
        assert_ne!(before[2].fingerprint, after[2].fingerprint);
        // Stable across runs and builds: a fixed function of the JSON.
        assert_eq!(fingerprint(&json!({}), &Value::Null), {
            let mut hash = Fnv::default();
            hash.write(b"{}\0null");
            hash.0
        });
    }
}
