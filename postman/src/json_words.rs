//! How a JSON Schema error names JSON types, in the words people read ("an integer or a
//! string", "a boolean"): shared by every schema this project validates against (the Postman
//! collection schema here, the OpenAPI schemas in `ferry-openapi`).

use jsonschema::{error::TypeKind, JsonType};
use serde_json::Value;

/// The types a `type` keyword allows.
pub fn kind_types(kind: &TypeKind) -> Vec<JsonType> {
    match kind {
        TypeKind::Single(single) => vec![*single],
        TypeKind::Multiple(set) => set.iter().collect(),
    }
}

/// "an integer or a string": what a value should have been.
pub fn expected(mut types: Vec<JsonType>) -> String {
    types.sort_by_key(|kind| *kind as u8);
    types.dedup();
    let names: Vec<&str> = types.iter().map(|kind| article(*kind)).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "another type".to_owned(),
    }
}

fn article(kind: JsonType) -> &'static str {
    match kind {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}

/// "a boolean": what a value is.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
