//! What went wrong, and where: people fix definitions in an editor, so every refusal and
//! every problem names a line and a column (1-based, counted in characters).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a text is not a definition at all: not JSON or YAML, beyond a limit, or ambiguous
/// (duplicate keys, several YAML documents). A definition that parses but breaks the OpenAPI
/// schema is not a parse error: see [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: usize, column: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// One way a parsed definition breaks the OpenAPI schema or refers to something that is not
/// there. `path` names the node (`paths./users.get.responses`; the root is `""`), `line` and
/// `column` where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}
