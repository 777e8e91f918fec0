//! Example values synthesised from a schema, for request bodies a definition gives no example
//! for.
//!
//! In order, a schema gives: its own `example` (or first of 3.1's `examples`), `const`,
//! `default` or first `enum` value; else `allOf` parts merged, the first `oneOf`/`anyOf`
//! choice, or a value of its type: `"string"` (or a sample of its `format`), `0` (or its
//! `minimum`), `true`, `null`, an array of one item, an object with its properties (the
//! `readOnly` ones left out: a request does not send them). Local `$ref`s are followed.
//!
//! Bounded: a `$ref` met again inside its own expansion (a cycle) is left out, as is anything
//! nested deeper than [`MAX_DEPTH`] objects and arrays, and one example holds at most
//! [`MAX_NODES`] values, so a large definition's body stays readable and its generation fast.

use serde_json::{Map, Value};

use super::refs::{reference, Definition};

/// Deepest nesting of objects and arrays in a synthesised example.
pub const MAX_DEPTH: usize = 8;

/// Most schema nodes one example visits.
pub const MAX_NODES: usize = 2_000;

/// An example value for `schema`.
pub(crate) fn example(definition: Definition<'_>, schema: &Value) -> Value {
    let mut synthesis = Synthesis {
        definition,
        expanding: Vec::new(),
        budget: MAX_NODES,
    };
    synthesis.value(schema, 0).unwrap_or(Value::Null)
}

/// The value a schema states itself, if it does.
pub(crate) fn stated(schema: &Value) -> Option<&Value> {
    stated_in(schema.as_object()?)
}

/// [`stated`] of a schema object.
pub(crate) fn stated_in(object: &Map<String, Value>) -> Option<&Value> {
    object
        .get("example")
        .or_else(|| {
            object
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|examples| examples.first())
        })
        .or_else(|| object.get("x-example"))
        .or_else(|| object.get("const"))
        .or_else(|| object.get("default"))
        .or_else(|| {
            object
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|values| values.first())
        })
}

struct Synthesis<'a> {
    definition: Definition<'a>,
    /// The `$ref`s being expanded, outermost first.
    expanding: Vec<&'a str>,
    budget: usize,
}

impl<'a> Synthesis<'a> {
    /// `None` leaves the value out (a cycle, the depth or the size bound).
    fn value(&mut self, schema: &'a Value, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH || self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let Value::Object(object) = schema else {
            // `true`/`false` schemas (3.1) say nothing about the value.
            return Some(Value::Null);
        };
        if let Some(value) = stated(schema) {
            return Some(value.clone());
        }
        if let Some(target) = reference(schema) {
            if self.expanding.contains(&target) {
                return None;
            }
            let resolved = self.definition.lookup(target)?;
            self.expanding.push(target);
            let value = self.value(resolved, depth);
            self.expanding.pop();
            return value;
        }
        let mut value = None;
        if let Some(parts) = object.get("allOf").and_then(Value::as_array) {
            for part in parts {
                if let Some(part) = self.value(part, depth) {
                    value = Some(merge(value, part));
                }
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = object
                .get(key)
                .and_then(Value::as_array)
                .and_then(|choices| choices.first())
            {
                if let Some(choice) = self.value(first, depth) {
                    value = Some(merge(value, choice));
                }
                break;
            }
        }
        let composed = value.is_some();
        let own = match schema_type(object) {
            Some(kind) => self.of_type(object, kind, depth),
            None if composed => None,
            None => Some(Value::Null),
        };
        match (value, own) {
            (Some(value), Some(own)) => Some(merge(Some(value), own)),
            (value, own) => value.or(own),
        }
    }

    fn of_type(
        &mut self,
        object: &'a Map<String, Value>,
        kind: &str,
        depth: usize,
    ) -> Option<Value> {
        Some(match kind {
            "object" => {
                let mut fields = Map::new();
                if let Some(properties) = object.get("properties").and_then(Value::as_object) {
                    for (name, property) in properties {
                        if self.read_only(property) {
                            continue;
                        }
                        if let Some(value) = self.value(property, depth + 1) {
                            fields.insert(name.clone(), value);
                        }
                    }
                }
                Value::Object(fields)
            }
            "array" => Value::Array(
                object
                    .get("items")
                    .and_then(|items| self.value(items, depth + 1))
                    .into_iter()
                    .collect(),
            ),
            "integer" | "number" => object
                .get("minimum")
                .filter(|minimum| minimum.is_number())
                .cloned()
                .unwrap_or(Value::from(0)),
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => Value::String(sample_string(object).to_owned()),
        })
    }

    fn read_only(&self, property: &'a Value) -> bool {
        self.definition
            .resolve(property)
            .and_then(|property| property.get("readOnly"))
            == Some(&Value::Bool(true))
    }
}

/// The type a schema describes: `type` (the first that is not `null` when it is a list, as
/// 3.1 writes nullable types), else what its keywords imply; `None` when nothing says.
fn schema_type(object: &Map<String, Value>) -> Option<&str> {
    match object.get("type") {
        Some(Value::String(kind)) => return Some(kind),
        Some(Value::Array(kinds)) => {
            let mut kinds = kinds.iter().filter_map(Value::as_str);
            let all: Vec<&str> = kinds.by_ref().collect();
            return all
                .iter()
                .find(|kind| **kind != "null")
                .or(all.first())
                .copied();
        }
        _ => {}
    }
    if object.contains_key("properties") || object.contains_key("additionalProperties") {
        Some("object")
    } else if object.contains_key("items") {
        Some("array")
    } else if object.contains_key("format") || object.contains_key("pattern") {
        Some("string")
    } else {
        None
    }
}

fn sample_string(object: &Map<String, Value>) -> &'static str {
    match object.get("format").and_then(Value::as_str) {
        Some("date-time") => "1970-01-01T00:00:00Z",
        Some("date") => "1970-01-01",
        Some("time") => "00:00:00Z",
        Some("email") => "user@example.com",
        Some("uuid") => "00000000-0000-0000-0000-000000000000",
        Some("uri" | "url") => "https://example.com",
        Some("hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        _ => "string",
    }
}

/// Objects merge (later fields win); otherwise an object already there stays, and any other
/// value is replaced.
fn merge(into: Option<Value>, value: Value) -> Value {
    match (into, value) {
        (Some(Value::Object(mut fields)), Value::Object(more)) => {
            fields.extend(more);
            Value::Object(fields)
        }
        (Some(object @ Value::Object(_)), _) => object,
        (_, value) => value,
    }
}

/// One field of a form body.
pub(crate) struct FormField<'a> {
    pub name: &'a str,
    pub value: String,
    /// `format: binary` (or `base64`, or 3.1's `contentMediaType`): a file to upload.
    pub file: bool,
    pub description: Option<&'a str>,
}

/// The fields of a form body described by an object schema: its properties, through `$ref`s
/// and `allOf` parts (bounded as the examples are).
pub(crate) fn form_fields<'a>(definition: Definition<'a>, schema: &'a Value) -> Vec<FormField<'a>> {
    let mut properties = Vec::new();
    collect_properties(definition, schema, 0, &mut properties);
    let mut fields: Vec<FormField> = Vec::new();
    for (name, property) in properties {
        if fields.iter().any(|field| field.name == name) {
            continue;
        }
        let resolved = definition.resolve(property).unwrap_or(property);
        if resolved.get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        let item = resolved
            .get("items")
            .and_then(|items| definition.resolve(items))
            .unwrap_or(resolved);
        let file = [resolved, item].iter().any(|schema| {
            matches!(
                schema.get("format").and_then(Value::as_str),
                Some("binary" | "base64")
            ) || schema.get("contentMediaType").is_some()
                || schema.get("type").and_then(Value::as_str) == Some("file")
        });
        let value = if file {
            String::new()
        } else {
            text(&example(definition, property))
        };
        fields.push(FormField {
            name,
            value,
            file,
            description: resolved.get("description").and_then(Value::as_str),
        });
    }
    fields
}

fn collect_properties<'a>(
    definition: Definition<'a>,
    schema: &'a Value,
    depth: usize,
    out: &mut Vec<(&'a str, &'a Value)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(schema) = definition.resolve(schema) else {
        return;
    };
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        out.extend(
            properties
                .iter()
                .map(|(name, property)| (name.as_str(), property)),
        );
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            collect_properties(definition, part, depth + 1, out);
        }
    }
}

/// A value as a parameter or form field writes it: strings as they are, arrays joined with
/// commas (OpenAPI's default `form` style without explode), objects as JSON, `null` as empty.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(values) => values.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn synthesise(root: &Value, schema: Value) -> Value {
        example(Definition { root }, &schema)
    }

    #[test]
    fn prefers_stated_values_then_types() {
        let root = json!({});
        assert_eq!(
            synthesise(&root, json!({"type": "string", "example": "x"})),
            "x"
        );
        assert_eq!(
            synthesise(&root, json!({"type": "string", "examples": ["y"]})),
            "y"
        );
        assert_eq!(
            synthesise(&root, json!({"type": "string", "enum": ["a", "b"]})),
            "a"
        );
        assert_eq!(
            synthesise(&root, json!({"type": "integer", "default": 5})),
            5
        );
        assert_eq!(
            synthesise(
                &root,
                json!({"type": "object", "properties": {
                    "id": {"type": "integer", "readOnly": true},
                    "n": {"type": ["integer", "null"], "minimum": 1},
                    "on": {"type": "boolean"},
                    "at": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "any": {}
                }})
            ),
            json!({"n": 1, "on": true, "at": "1970-01-01T00:00:00Z", "tags": ["string"], "any": null})
        );
    }

    #[test]
    fn merges_all_of_picks_the_first_choice_and_survives_cycles() {
        let root = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"$ref": "#/components/schemas/Node"}
            }},
            "Named": {"allOf": [{"$ref": "#/components/schemas/Node"},
                                {"type": "object", "properties": {"extra": {"type": "number"}}}]},
            "Either": {"oneOf": [{"type": "string", "format": "uuid"}, {"type": "integer"}]}
        }}});
        assert_eq!(
            synthesise(&root, json!({"$ref": "#/components/schemas/Named"})),
            json!({"name": "string", "children": [], "extra": 0})
        );
        assert_eq!(
            synthesise(&root, json!({"$ref": "#/components/schemas/Either"})),
            "00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn bounds_depth_and_size() {
        let mut schema = json!({"type": "string"});
        for _ in 0..20 {
            schema = json!({"type": "object", "properties": {"a": schema}});
        }
        let value = synthesise(&json!({}), schema);
        let mut depth = 0;
        let mut node = &value;
        while let Some(inner) = node.get("a") {
            depth += 1;
            node = inner;
        }
        assert_eq!(depth, MAX_DEPTH);

        // 30 properties, each an object of 30, each of 30… (through `$ref`s, so the schema is
        // small and its expansion is not): bounded by the node budget.
        let mut schemas = Map::new();
        for level in 0..6 {
            let properties: Map<String, Value> = (0..30)
                .map(|i| {
                    (
                        format!("p{i}"),
                        json!({"$ref": format!("#/components/schemas/L{}", level + 1)}),
                    )
                })
                .collect();
            schemas.insert(
                format!("L{level}"),
                json!({"type": "object", "properties": properties}),
            );
        }
        schemas.insert("L6".into(), json!({"type": "string"}));
        let root = json!({"components": {"schemas": schemas}});
        let value = synthesise(&root, json!({"$ref": "#/components/schemas/L0"}));
        let mut nodes = 0;
        fn count(value: &Value, nodes: &mut usize) {
            *nodes += 1;
            if let Value::Object(fields) = value {
                fields.values().for_each(|value| count(value, nodes));
            }
        }
        count(&value, &mut nodes);
        assert!(nodes <= MAX_NODES, "{nodes}");
        // Each value took a `$ref` and its target from the budget.
        assert_eq!(nodes, MAX_NODES / 2);
        assert!(value.to_string().len() < 100_000);
    }

    #[test]
    fn form_fields_follow_all_of_and_mark_files() {
        let root = json!({"components": {"schemas": {"Base": {"properties": {"name": {"type": "string", "example": "n"}}}}}});
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/Base"},
            {"properties": {"file": {"type": "string", "format": "binary"}, "tags": {"type": "array", "items": {"type": "string"}, "example": ["a", "b"]}}}]});
        let fields = form_fields(Definition { root: &root }, &schema);
        let summary: Vec<(&str, &str, bool)> = fields
            .iter()
            .map(|field| (field.name, field.value.as_str(), field.file))
            .collect();
        assert_eq!(
            summary,
            [
                ("name", "n", false),
                ("file", "", true),
                ("tags", "a,b", false)
            ]
        );
    }
}
