//! Validation against Postman's official Collection v2.1.0 schema.
//!
//! The schema sources (`postman/schema/postman/v2.1/`) are embedded so validation needs no
//! files at runtime. They are the inputs of Postman's schema compiler: `collection.json`
//! refers to `#/definitions/<name>` and each file under `collection/` is that definition (its
//! `$id` is the fragment it stands for). Assembling the `definitions` block here resolves
//! every cross-file `$ref` locally, as Postman's build does, so no retriever is involved.

use std::sync::LazyLock;

use jsonschema::{error::ValidationErrorKind, ValidationError, Validator};
use serde_json::{Map, Value};

use super::{
    error::{FormatError, Problem},
    json_words::{expected, kind_types, type_name},
    limits::MAX_REPORTED_PROBLEMS,
    path::{self, Step},
};

macro_rules! definitions {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../schema/postman/v2.1/collection/", $name, ".json")))),*]
    };
}

const ROOT: &str = include_str!("../schema/postman/v2.1/collection.json");

const DEFINITIONS: &[(&str, &str)] = definitions![
    "auth-attribute",
    "auth",
    "certificate-list",
    "certificate",
    "cookie-list",
    "cookie",
    "description",
    "event-list",
    "event",
    "header-list",
    "header",
    "info",
    "item-group",
    "item",
    "protocol-profile-behavior",
    "proxy-config",
    "request",
    "response",
    "script",
    "url",
    "variable-list",
    "variable",
    "version",
];

static VALIDATOR: LazyLock<Validator> = LazyLock::new(|| {
    // The embedded schema is part of the program, not input: a failure here is a build defect
    // that the tests of this module catch.
    jsonschema::draft7::new(&assembled_schema()).expect("the embedded Postman schema compiles")
});

fn assembled_schema() -> Value {
    let mut root = parse_schema_source(ROOT);
    let definitions: Map<String, Value> = DEFINITIONS
        .iter()
        .map(|(name, source)| {
            let mut definition = parse_schema_source(source);
            if let Some(object) = definition.as_object_mut() {
                object.remove("$id");
                object.remove("$schema");
            }
            ((*name).to_owned(), definition)
        })
        .collect();
    root["definitions"] = Value::Object(definitions);
    root
}

/// The sources are JSON with whole-line `//` comments (Postman's compiler strips them).
fn parse_schema_source(source: &str) -> Value {
    let json: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect();
    serde_json::from_str(&json)
        .expect("the embedded Postman schema is JSON once comments are dropped")
}

/// Validates a (version-upgraded) document; the error lists problems by JSON path.
pub(crate) fn validate(document: &Value) -> Result<(), FormatError> {
    let mut problems: Vec<Problem> = Vec::new();
    for error in VALIDATOR.iter_errors(document) {
        let problem = explain(&error);
        if !problems.contains(&problem) {
            problems.push(problem);
        }
        if problems.len() == MAX_REPORTED_PROBLEMS {
            break;
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(FormatError::Invalid(problems))
    }
}

/// Turns a validator error into a message a person can act on. `oneOf`/`anyOf` failures say
/// only "matches none"; the branch that fits the value best tells what is really wrong.
fn explain(error: &ValidationError) -> Problem {
    let at = || location(error);
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            explain_alternatives(error, context)
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => Problem {
            path: at(),
            message: match error
                .instance()
                .get("request")
                .zip(error.instance().get("item"))
            {
                Some(_) => {
                    "an item has either \"request\" (a request) or \"item\" (a folder), not both"
                        .to_owned()
                }
                None => "matches more than one of the forms the schema allows".to_owned(),
            },
        },
        ValidationErrorKind::Type { kind } => Problem {
            path: at(),
            message: format!(
                "expected {}, found {}",
                expected(kind_types(kind)),
                type_name(error.instance())
            ),
        },
        ValidationErrorKind::Required { property } => Problem {
            path: at(),
            message: format!("missing required field {property}"),
        },
        ValidationErrorKind::Enum { options } => Problem {
            path: at(),
            message: format!("expected one of {}", list_values(options)),
        },
        ValidationErrorKind::Constant { expected_value } => Problem {
            path: at(),
            message: format!("expected {expected_value}"),
        },
        kind => Problem {
            path: at(),
            // The validator's own text repeats the offending value, which may be huge.
            message: if error.instance().is_object() || error.instance().is_array() {
                format!("does not satisfy the schema's \"{}\" rule", kind.keyword())
            } else {
                error.to_string()
            },
        },
    }
}

fn explain_alternatives(error: &ValidationError, branches: &[Vec<ValidationError>]) -> Problem {
    let here = error.instance_path();
    // Branches that fail only on the value's type rule it out wholesale; what they expected
    // sums up to "expected a string or an object" when no branch accepts the type at all.
    let mut expected_types = Vec::new();
    let mut fitting = Vec::new();
    for branch in branches {
        match branch.as_slice() {
            [only]
                if only.instance_path() == here
                    && matches!(only.kind(), ValidationErrorKind::Type { .. }) =>
            {
                if let ValidationErrorKind::Type { kind } = only.kind() {
                    expected_types.extend(kind_types(kind));
                }
            }
            _ => fitting.push(branch),
        }
    }
    let deepest = fitting
        .iter()
        .flat_map(|branch| branch.iter())
        .max_by_key(|error| error.instance_path().segments().count());
    match deepest {
        Some(inner) if inner.instance_path() != here || fitting.len() == 1 => explain(inner),
        Some(_) => {
            let mut messages: Vec<String> = fitting
                .iter()
                .filter_map(|branch| branch.first().map(|error| explain(error).message))
                .collect();
            messages.dedup();
            Problem {
                path: location(error),
                message: messages.join(", or "),
            }
        }
        None => Problem {
            path: location(error),
            message: format!(
                "expected {}, found {}",
                expected(expected_types),
                type_name(error.instance())
            ),
        },
    }
}

fn location(error: &ValidationError) -> String {
    let segments: Vec<_> = error.instance_path().segments().collect();
    path::render(segments.iter().map(|segment| match segment {
        jsonschema::paths::LocationSegment::Property(key) => Step::Key(key),
        jsonschema::paths::LocationSegment::Index(index) => Step::Index(*index),
    }))
}

fn list_values(options: &Value) -> String {
    match options.as_array() {
        Some(values) => values
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        None => options.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(document: Value) -> Vec<String> {
        match validate(&document) {
            Ok(()) => Vec::new(),
            Err(FormatError::Invalid(problems)) => {
                problems.iter().map(Problem::to_string).collect()
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    fn with_items(items: Value) -> Value {
        json!({"info": {"name": "c", "schema": "s"}, "item": items})
    }

    #[test]
    fn the_embedded_schema_compiles_with_every_definition() {
        let schema = assembled_schema();
        assert_eq!(
            schema["definitions"].as_object().map(Map::len),
            Some(DEFINITIONS.len())
        );
        assert!(validate(&with_items(json!([]))).is_ok());
    }

    #[test]
    fn names_the_path_and_the_expected_types_of_a_wrong_url() {
        let items = json!([{"request": "a"}, {"request": "b"}, {"request": "c"}, {"name": "x", "request": {"url": 42}}]);
        assert_eq!(
            problems(with_items(items)),
            ["item[3].request.url: expected a string or an object, found a number"]
        );
    }

    #[test]
    fn names_missing_fields_and_wrong_types_at_the_root() {
        assert_eq!(
            problems(json!({"item": []})),
            [r#"missing required field "info""#]
        );
        assert_eq!(
            problems(json!({"info": {"name": 1, "schema": "s"}, "item": {}})),
            [
                "info.name: expected a string, found a number",
                "item: expected an array, found an object",
            ]
        );
    }

    #[test]
    fn digs_into_folders_and_reports_enums() {
        let items =
            json!([{"name": "f", "item": [{"request": {"url": "u", "auth": {"type": "magic"}}}]}]);
        let found = problems(with_items(items));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(
                r#"item[0].item[0].request.auth.type: expected one of "apikey", "awsv4""#
            ),
            "{found:?}"
        );
    }

    #[test]
    fn says_what_an_item_needs_when_it_is_neither_request_nor_folder() {
        let found = problems(with_items(json!([{"name": "lonely"}])));
        assert_eq!(
            found,
            [r#"item[0]: missing required field "request", or missing required field "item""#]
        );
    }
}
