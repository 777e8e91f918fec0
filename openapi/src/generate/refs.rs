//! Local `$ref`s: `#/components/schemas/User` (3.x), `#/definitions/User` (2.0), any JSON
//! pointer into the same document. References to other files or URLs are not followed: the
//! generator never reads anything but the definition it is given.

use serde_json::Value;

/// How many `$ref`s in a row are followed before giving up (a chain `a → b → a` ends here).
const MAX_CHAIN: usize = 32;

/// The definition being read.
#[derive(Clone, Copy)]
pub(crate) struct Definition<'a> {
    pub root: &'a Value,
}

impl<'a> Definition<'a> {
    /// The node a local reference points at, if it does.
    pub fn lookup(&self, reference: &str) -> Option<&'a Value> {
        let pointer = percent_decode(reference.strip_prefix('#')?);
        if pointer.is_empty() {
            return Some(self.root);
        }
        if !pointer.starts_with('/') {
            return None;
        }
        self.root.pointer(&pointer)
    }

    /// `value` with its `$ref` chain followed (as far as it leads, at most [`MAX_CHAIN`]
    /// steps); a reference that leads nowhere yields `None`.
    pub fn resolve(&self, value: &'a Value) -> Option<&'a Value> {
        let mut current = value;
        for _ in 0..MAX_CHAIN {
            match reference(current) {
                Some(target) => current = self.lookup(target)?,
                None => return Some(current),
            }
        }
        None
    }
}

/// The `$ref` of an object, if it has one.
pub(crate) fn reference(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

/// `%7B` → `{`: references to paths (`#/paths/~1users~1%7Bid%7D`) are URI fragments.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn follows_local_pointers_and_chains() {
        let root = json!({
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"},
                                       "Loop": {"$ref": "#/components/schemas/Loop"}}},
            "paths": {"/users/{id}": {"get": {}}}
        });
        let definition = Definition { root: &root };
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(definition.resolve(&a), Some(&json!({"type": "string"})));
        assert_eq!(
            definition.lookup("#/paths/~1users~1%7Bid%7D"),
            Some(&json!({"get": {}}))
        );
        assert_eq!(
            definition.resolve(&json!({"$ref": "#/components/schemas/Loop"})),
            None
        );
        assert_eq!(definition.resolve(&json!({"$ref": "other.yaml#/A"})), None);
        assert_eq!(definition.lookup("#/nowhere"), None);
        assert_eq!(percent_decode("%7"), "%7");
        assert_eq!(percent_decode("a%20b%"), "a b%");
    }
}
