//! The one error type of the collection module.

use std::fmt;

use super::limits::MAX_DOCUMENT_BYTES;

/// One thing wrong with a collection, at a JSON path such as `item[3].request.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the problem is, `item[3].request.url`; empty for the document itself.
    pub path: String,
    /// What is wrong there, phrased for a person: `expected a string or an object`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a collection could not be imported or edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The document is larger than [`MAX_DOCUMENT_BYTES`].
    #[error("the collection is {size} bytes; at most {max} bytes are accepted", max = MAX_DOCUMENT_BYTES)]
    TooLarge { size: usize },
    /// The bytes are not JSON (or nest deeper than the JSON parser allows).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// The document is JSON but not a collection Ferry reads. Never empty; the first problem
    /// is the one to fix first.
    #[error("{}{}", .0[0], more_problems(.0.len()))]
    Invalid(Vec<Problem>),
    /// An edit named an item id the collection does not have.
    #[error("no folder or request with id \"{0}\"")]
    ItemNotFound(String),
    /// An edit that needs a request named a folder.
    #[error("\"{0}\" is a folder, not a request")]
    NotARequest(String),
    /// An edit that needs a folder (as a parent) named a request.
    #[error("\"{0}\" is a request, not a folder")]
    NotAFolder(String),
    /// A folder cannot be moved into itself or one of its own subfolders.
    #[error("folder \"{0}\" cannot be moved into itself or one of its subfolders")]
    MoveIntoItself(String),
}

impl FormatError {
    /// A single problem at `path`.
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        FormatError::Invalid(vec![Problem {
            path: path.into(),
            message: message.into(),
        }])
    }
}

fn more_problems(count: usize) -> String {
    match count {
        0 | 1 => String::new(),
        2 => " (and 1 more problem)".to_owned(),
        n => format!(" (and {} more problems)", n - 1),
    }
}
