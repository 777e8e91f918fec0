//! Validation against the official OpenAPI schemas (`schema/`, see its README).
//!
//! The schemas are embedded and every reference they make is resolved from memory: 3.0 and
//! 2.0 are draft-04 (2.0 refers to the draft-04 meta-schema, which the validator knows), 3.1
//! is draft 2020-12 with its dialect and vocabulary schemas registered by `$id`. Nothing is
//! fetched. Each validator is compiled once.
//!
//! The validator's own messages are written for schema authors: a wrong value under a
//! `oneOf` (3.0's "Schema or Reference" is everywhere) says only that no branch matched. The
//! branch that got furthest into the value tells a person what to fix, so that one is kept.

use std::sync::LazyLock;

use jsonschema::{
    error::ValidationErrorKind, paths::LocationSegment, Registry, ValidationError, Validator,
};
use serde_json::Value;

use ferry_postman::json_words::{expected, kind_types, type_name};

use crate::{findings::Finding, Spec};

const V20: &str = include_str!("../schema/v2.0/schema.json");
const V30: &str = include_str!("../schema/v3.0/schema.json");
const V31: &str = include_str!("../schema/v3.1/schema.json");
const V31_DIALECT: &str = include_str!("../schema/v3.1/dialect/base.schema.json");
const V31_META: &str = include_str!("../schema/v3.1/meta/base.schema.json");

/// The embedded schemas are part of the program, not input: a failure to compile one is a
/// build defect that this module's tests catch.
fn schema(source: &str) -> Value {
    serde_json::from_str(source).expect("an embedded OpenAPI schema is JSON")
}

static SWAGGER_20: LazyLock<Validator> = LazyLock::new(|| {
    jsonschema::draft4::options()
        .offline()
        .build(&schema(V20))
        .expect("the embedded Swagger 2.0 schema compiles")
});

static OPENAPI_30: LazyLock<Validator> = LazyLock::new(|| {
    jsonschema::draft4::options()
        .offline()
        .build(&schema(V30))
        .expect("the embedded OpenAPI 3.0 schema compiles")
});

static REGISTRY_31: LazyLock<Registry<'static>> = LazyLock::new(|| {
    let resources = [V31_DIALECT, V31_META].map(|source| {
        let resource = schema(source);
        let id = resource["$id"]
            .as_str()
            .expect("an embedded OpenAPI 3.1 schema has an $id")
            .to_owned();
        (id, resource)
    });
    Registry::new()
        .extend(resources)
        .and_then(|registry| registry.prepare())
        .expect("the embedded OpenAPI 3.1 dialect and vocabulary schemas register")
});

static OPENAPI_31: LazyLock<Validator> = LazyLock::new(|| {
    jsonschema::draft202012::options()
        .offline()
        .with_registry(&REGISTRY_31)
        .build(&schema(V31))
        .expect("the embedded OpenAPI 3.1 schema compiles")
});

/// Errors beyond this many are not even explained: the list shown is capped far lower.
const MAX_ERRORS: usize = 1_000;

pub(crate) fn validate(spec: Spec, document: &Value) -> Vec<Finding> {
    let validator: &Validator = match spec {
        Spec::Swagger2 => &SWAGGER_20,
        Spec::OpenApi30 => &OPENAPI_30,
        Spec::OpenApi31 => &OPENAPI_31,
    };
    let mut findings = Vec::new();
    for error in validator.iter_errors(document).take(MAX_ERRORS) {
        explain(&error, &mut findings);
    }
    findings
}

fn explain(error: &ValidationError, findings: &mut Vec<Finding>) {
    let path = || location(error);
    let message = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            return explain_alternatives(error, context, findings);
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for key in unexpected {
                findings.push(Finding::at_key(
                    path(),
                    key.clone(),
                    format!("unexpected property {}", quoted(key)),
                ));
            }
            return;
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the forms the schema allows".to_owned()
        }
        ValidationErrorKind::Type { kind } => format!(
            "expected {}, found {}",
            expected(kind_types(kind)),
            type_name(error.instance())
        ),
        ValidationErrorKind::Required { property } => {
            format!("missing required property {property}")
        }
        ValidationErrorKind::Enum { options } => not_one_of(error.instance(), &list(options)),
        ValidationErrorKind::Constant { expected_value } => {
            not_one_of(error.instance(), &[expected_value.as_ref().clone()])
        }
        ValidationErrorKind::Pattern { pattern } => format!(
            "{} does not match the pattern {pattern}",
            short(error.instance())
        ),
        ValidationErrorKind::FalseSchema => "is not allowed here".to_owned(),
        // The validator's own text repeats the offending value, which may be huge.
        kind if error.instance().is_object() || error.instance().is_array() => {
            format!("does not satisfy the schema's \"{}\" rule", kind.keyword())
        }
        _ => error.to_string(),
    };
    findings.push(Finding::at(path(), message));
}

/// Of the branches of a `oneOf`/`anyOf`, the ones that only reject the value's type rule it
/// out wholesale ("expected a string or an object"); of the others, the error deepest into
/// the value is what a person needs to fix. When every branch stops at the same place on an
/// `enum` (3.0's parameter locations), their options are listed together.
fn explain_alternatives(
    error: &ValidationError,
    branches: &[Vec<ValidationError>],
    findings: &mut Vec<Finding>,
) {
    let here = error.instance_path();
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
    let depth = |error: &ValidationError| error.instance_path().segments().count();
    let deepest_depth = fitting
        .iter()
        .flat_map(|branch| branch.iter())
        .map(depth)
        .max();
    let Some(deepest_depth) = deepest_depth else {
        findings.push(Finding::at(
            location(error),
            format!(
                "expected {}, found {}",
                expected(expected_types),
                type_name(error.instance())
            ),
        ));
        return;
    };
    let deepest: Vec<&ValidationError> = fitting
        .iter()
        .flat_map(|branch| branch.iter())
        .filter(|error| depth(error) == deepest_depth)
        .collect();
    let same_place = deepest
        .iter()
        .all(|other| other.instance_path() == deepest[0].instance_path());
    let options: Option<Vec<Value>> = deepest
        .iter()
        .map(|error| match error.kind() {
            ValidationErrorKind::Enum { options } => Some(list(options)),
            ValidationErrorKind::Constant { expected_value } => {
                Some(vec![expected_value.as_ref().clone()])
            }
            _ => None,
        })
        .collect::<Option<Vec<Vec<Value>>>>()
        .map(|lists| {
            let mut merged: Vec<Value> = Vec::new();
            for option in lists.into_iter().flatten() {
                if !merged.contains(&option) {
                    merged.push(option);
                }
            }
            merged
        });
    match options {
        Some(options) if same_place && deepest.len() > 1 => findings.push(Finding::at(
            location(deepest[0]),
            not_one_of(deepest[0].instance(), &options),
        )),
        _ => explain(deepest[0], findings),
    }
}

fn location(error: &ValidationError) -> Vec<crate::findings::Segment> {
    error
        .instance_path()
        .segments()
        .map(|segment| match segment {
            LocationSegment::Property(key) => crate::findings::Segment::Key(key.into_owned()),
            LocationSegment::Index(index) => crate::findings::Segment::Index(index),
        })
        .collect()
}

fn not_one_of(instance: &Value, options: &[Value]) -> String {
    let options: Vec<String> = options.iter().map(short).collect();
    match options.as_slice() {
        [only] => format!("{} is not {only}", short(instance)),
        _ => format!("{} is not one of {}", short(instance), options.join(", ")),
    }
}

fn list(options: &Value) -> Vec<Value> {
    match options {
        Value::Array(values) => values.clone(),
        other => vec![other.clone()],
    }
}

/// A scalar as JSON; an object or array by its kind (it may be huge).
fn short(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => format!("the value ({})", type_name(value)),
        scalar => scalar.to_string(),
    }
}

fn quoted(key: &str) -> String {
    Value::String(key.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(spec: Spec, document: Value) -> Vec<String> {
        validate(spec, &document)
            .into_iter()
            .map(|finding| format!("{}: {}", finding.rendered_path(), finding.message))
            .collect()
    }

    #[test]
    fn every_embedded_schema_compiles_and_accepts_a_minimal_definition() {
        let info = json!({"title": "t", "version": "1"});
        assert_eq!(
            messages(
                Spec::Swagger2,
                json!({"swagger": "2.0", "info": info, "paths": {}})
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(
                Spec::OpenApi30,
                json!({"openapi": "3.0.3", "info": info, "paths": {}})
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(
                Spec::OpenApi31,
                json!({"openapi": "3.1.0", "info": info, "paths": {},
                    "components": {"schemas": {"A": {"type": "string", "$schema": "https://spec.openapis.org/oas/3.1/dialect/base"}}}})
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn says_what_is_missing_and_what_is_allowed() {
        assert_eq!(
            messages(
                Spec::OpenApi30,
                json!({"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}, "x": 1})
            ),
            [
                r#"info: missing required property "version""#,
                r#": unexpected property "x""#,
            ]
        );
        let parameter = json!({"name": "a", "in": "cookies", "schema": {"type": "string"}});
        let document = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/users": {"get": {"parameters": [parameter], "responses": {"200": {"description": "ok"}}}}}});
        assert_eq!(
            messages(Spec::OpenApi30, document),
            [
                r#"paths./users.get.parameters.0.in: "cookies" is not one of "path", "query", "header", "cookie""#
            ]
        );
    }
}
