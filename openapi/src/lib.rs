//! OpenAPI definitions: the text a person wrote, parsed within bounds, validated, read.
//!
//! What this crate guarantees:
//!
//! - a definition is stored and sent as its text, byte for byte: this crate parses it for
//!   reading and validation only, and never renders one back;
//! - parsing is bounded ([`limits`]): size, nesting, values and YAML alias expansion are
//!   checked before the work they would cost, so no text exhausts memory or stack, and every
//!   refusal is a [`ParseError`] that names the limit and the place;
//! - a text is JSON if it starts with `{` or `[`, else YAML 1.2 (core schema); both are read
//!   by saphyr-parser (JSON is YAML 1.2); duplicate keys and second YAML documents are
//!   refused rather than silently resolved;
//! - a definition that parses may still have [`Problem`]s (the official schema of its
//!   [`Spec`], and local `$ref`s; nothing is ever fetched): each names the line and column
//!   where the node was written and its dotted path.
//!
//! ```
//! use ferry_openapi::{operation_changes, Definition, Format, Spec};
//!
//! let before = Definition::parse("
//! openapi: 3.1.0
//! info: {title: Users API, version: '1'}
//! paths:
//!   /users:
//!     get: {responses: {'200': {description: Users}}}
//! ")?;
//! assert_eq!((before.format(), before.spec()), (Format::Yaml, Some(Spec::OpenApi31)));
//! assert!(before.problems().is_empty());
//!
//! let after = Definition::parse(r##"{"openapi": "3.1.0", "info": {"title": "Users API"},
//!   "paths": {"/users": {"post": {"responses": {"201": {"$ref": "#/components/responses/Made"}}}}}}"##)?;
//! let problems: Vec<String> = after.problems().iter().map(ToString::to_string).collect();
//! assert_eq!(problems, [
//!     r#"line 1, column 22: info: missing required property "version""#,
//!     r##"line 2, column 63: paths./users.post.responses.201.$ref: "$ref" "#/components/responses/Made" points at nothing"##,
//! ]);
//! let changes = operation_changes(&before.operations(), &after.operations());
//! assert_eq!(changes.describe(), "added POST /users; removed GET /users");
//! # Ok::<(), ferry_openapi::ParseError>(())
//! ```

pub mod generate;
pub mod limits;
pub mod merge;

mod changes;
mod error;
mod findings;
mod info;
mod operations;
mod positions;
mod refs;
mod validate;
mod yaml;

use std::{str::FromStr, sync::Arc};

use serde_json::Value;

pub use changes::{operation_changes, OperationChanges, OperationRef};
pub use error::{ParseError, Problem};
pub use info::Info;
pub use operations::Operation;

use positions::Located;

/// How a definition is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// The stored name: `"json"` or `"yaml"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Yaml => "application/yaml",
        }
    }

    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The format of a stored name ([`Format::as_str`]).
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(name: &str) -> Result<Format, String> {
        Format::parse(name).ok_or_else(|| format!("unknown definition format {name:?}"))
    }
}

/// Which specification a definition follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

impl Spec {
    pub fn label(self) -> &'static str {
        match self {
            Spec::Swagger2 => "Swagger 2.0",
            Spec::OpenApi30 => "OpenAPI 3.0",
            Spec::OpenApi31 => "OpenAPI 3.1",
        }
    }

    /// Swagger 2.0 definitions are imported, read, listed and generated from (best effort),
    /// never saved as an edit: Ferry edits OpenAPI 3.
    pub fn read_only(self) -> bool {
        self == Spec::Swagger2
    }
}

/// A parsed definition (see the crate documentation). Cloning is cheap: the tree is shared.
#[derive(Debug, Clone)]
pub struct Definition {
    format: Format,
    document: Arc<Value>,
    positions: Arc<Located>,
}

impl Definition {
    /// Reads a definition, JSON if its first non-blank character is `{` or `[`, else YAML.
    /// Refuses an empty text, anything beyond [`limits`], duplicate keys and several YAML
    /// documents; a definition that breaks the OpenAPI schema parses, with
    /// [`Definition::problems`].
    pub fn parse(text: &str) -> Result<Definition, ParseError> {
        if text.len() > limits::MAX_BYTES {
            return Err(ParseError::new(
                1,
                1,
                format!(
                    "definition larger than {} MiB",
                    limits::MAX_BYTES / (1024 * 1024)
                ),
            ));
        }
        let first = text
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .chars()
            .next();
        let (format, (document, positions)) = match first {
            None => return Err(ParseError::new(1, 1, "the definition is empty")),
            // JSON is YAML 1.2, so one reader (saphyr-parser's events) serves both formats.
            Some('{' | '[') => (Format::Json, yaml::parse(text)?),
            Some(_) => (Format::Yaml, yaml::parse(text)?),
        };
        Ok(Definition {
            format,
            document: Arc::new(document),
            positions: Arc::new(positions),
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// From `openapi: 3.0.x` / `3.1.x` or `swagger: "2.0"`; `None` when absent or unknown
    /// (which [`Definition::problems`] also reports).
    pub fn spec(&self) -> Option<Spec> {
        if let Some(version) = self.document.get("openapi").and_then(Value::as_str) {
            let mut parts = version.split('.');
            return match (parts.next(), parts.next()) {
                (Some("3"), Some("0")) => Some(Spec::OpenApi30),
                (Some("3"), Some(minor)) if minor == "1" || minor.starts_with("1-") => {
                    Some(Spec::OpenApi31)
                }
                _ => None,
            };
        }
        match self.document.get("swagger").and_then(Value::as_str) {
            Some("2.0") => Some(Spec::Swagger2),
            _ => None,
        }
    }

    /// The parsed tree, for reading (never rendered back into the stored text).
    pub fn document(&self) -> &Value {
        &self.document
    }

    pub fn info(&self) -> Info {
        info::read(&self.document)
    }

    /// What is wrong with the definition, in the order of the text: the official schema of
    /// its [`Spec`] (or, without one, what is supported) and local `$ref`s that point at
    /// nothing or outside the definition. Empty when the definition is valid.
    pub fn problems(&self) -> Vec<Problem> {
        let mut found = refs::check(&self.document);
        let mut unsupported = None;
        match self.spec() {
            Some(spec) => found.extend(validate::validate(spec, &self.document)),
            None => unsupported = Some(self.unsupported()),
        }
        let mut problems = findings::problems(&found, &self.positions);
        if let Some(finding) = unsupported {
            problems.insert(0, finding);
        }
        problems
    }

    fn unsupported(&self) -> Problem {
        const SUPPORTED: &str = "Ferry reads OpenAPI 3.0.x and 3.1.x (\"openapi\": \"3.1.0\") and Swagger 2.0 (\"swagger\": \"2.0\")";
        let (key, value) = match (self.document.get("openapi"), self.document.get("swagger")) {
            (Some(value), _) => ("openapi", value),
            (None, Some(value)) => ("swagger", value),
            (None, None) => {
                return findings::root(format!(
                    "neither \"openapi\" nor \"swagger\" says which specification this follows: {SUPPORTED}"
                ))
            }
        };
        let message = match value {
            Value::String(_) => format!("version {value} is not supported: {SUPPORTED}"),
            Value::Number(_) => format!(
                "the version must be a string such as \"{}\" (in YAML, write it in quotes): {SUPPORTED}",
                if key == "openapi" { "3.1.0" } else { "2.0" }
            ),
            _ => format!("expected a version string: {SUPPORTED}"),
        };
        let at = self.positions.find([positions::Step::Key(key)]);
        Problem {
            line: at.line as usize,
            column: at.column as usize,
            path: key.to_owned(),
            message,
        }
    }

    /// Every method of every path item, sorted by path, then get, put, post, delete, options,
    /// head, patch, trace. A path item that is a local `$ref` is followed.
    pub fn operations(&self) -> Vec<Operation> {
        operations::list(&self.document)
    }
}
