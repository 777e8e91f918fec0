//! OpenAPI definitions: the text a person wrote, parsed within bounds, validated, read.
//!
//! A definition is stored and sent as its text, byte for byte: this crate never renders one.
//! [`Definition::parse`] reads the text (JSON or YAML) into a JSON tree that remembers where
//! each node was written, so every [`Problem`] names a line, a column and a path.

pub mod generate;
pub mod limits;
