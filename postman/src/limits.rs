//! Bounds on what an import may hold, so that hostile or broken input is refused with a clear
//! message instead of exhausting memory or stack.
//!
//! Nesting: `serde_json` refuses documents nested 128 or more arrays/objects deep (its
//! default recursion limit, kept on; see [`MAX_JSON_DEPTH`]), so every recursive walk in this module, the schema
//! validator's and the drop of the parsed tree are bounded by that. Each folder level costs
//! two JSON levels (the folder object and its `item` array) and a request reaches about ten
//! more below its item (`response[].originalRequest.url.query[].description`), so folders can
//! nest at most ~58 deep before the parser refuses; [`MAX_FOLDER_DEPTH`] stops well before
//! that with a message naming the folder.
//!
//! Memory: a parsed document takes at most about twelve times its size (the worst case is a
//! long run of `[]`), so [`MAX_DOCUMENT_BYTES`] bounds memory to a few hundred MiB per import.

use serde_json::{Map, Value};

use super::{
    error::{FormatError, Problem},
    ids,
    items::{self, str_field},
    path::{self, Step},
};

/// Largest document accepted, in bytes. Postman's own API accepts collections of about
/// 20 MB; this leaves room above that.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;

/// Deepest JSON nesting accepted (arrays and objects, the document itself included):
/// `serde_json`'s recursion limit of 128 refuses the 128th level; the parser enforces it.
pub const MAX_JSON_DEPTH: usize = 127;

/// Most folders that may contain one another; a top-level item has depth 0.
pub const MAX_FOLDER_DEPTH: usize = 32;

/// Longest collection, folder or request name, in characters.
pub const MAX_NAME_CHARS: usize = 1_000;

/// Longest collection (`info._postman_id`) or item (`id`) id, in characters.
pub const MAX_ID_CHARS: usize = 128;

/// How many problems one failed import reports; the rest are counted, not listed.
pub(crate) const MAX_REPORTED_PROBLEMS: usize = 20;

/// Checks the bounds of a parsed but not yet schema-validated document. Runs before the
/// schema validation, so that the validator never walks folders nested beyond the bound.
pub(crate) fn check_document(document: &Map<String, Value>) -> Result<(), FormatError> {
    let mut problems = Vec::new();
    if let Some(info) = document.get("info").and_then(Value::as_object) {
        check_text(
            &mut problems,
            info,
            &[Step::Key("info")],
            "name",
            MAX_NAME_CHARS,
        );
        check_text(
            &mut problems,
            info,
            &[Step::Key("info")],
            "_postman_id",
            MAX_ID_CHARS,
        );
    }
    if let Some(list) = document.get("item") {
        items::walk(list, &mut |visit| {
            if visit.folders.len() > MAX_FOLDER_DEPTH {
                // Items deeper still would repeat the problem of their folder.
                if visit.folders.len() == MAX_FOLDER_DEPTH + 1 {
                    problems.push(Problem {
                        path: path::render(visit.path.iter().copied()),
                        message: format!(
                            "folders are nested more than {MAX_FOLDER_DEPTH} levels deep"
                        ),
                    });
                }
                return;
            }
            check_text(
                &mut problems,
                visit.item,
                visit.path,
                "name",
                MAX_NAME_CHARS,
            );
            // An item without an id takes its v2.0 `_postman_id` as one (ids::assign_missing),
            // so that id is bounded too, or the export would not import again.
            let id_key = if ids::has_id(visit.item, "id") {
                "id"
            } else {
                "_postman_id"
            };
            check_text(&mut problems, visit.item, visit.path, id_key, MAX_ID_CHARS);
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.truncate(MAX_REPORTED_PROBLEMS);
        Err(FormatError::Invalid(problems))
    }
}

fn check_text(
    problems: &mut Vec<Problem>,
    object: &Map<String, Value>,
    at: &[Step],
    key: &str,
    max: usize,
) {
    if let Some(text) = str_field(object, key) {
        if let Err(message) = within(text, max) {
            problems.push(Problem {
                path: path::render(at.iter().copied().chain([Step::Key(key)])),
                message,
            });
        }
    }
}

/// Checks a name given to an edit; `field` names it in the error.
pub(crate) fn check_name(field: &str, name: &str) -> Result<(), FormatError> {
    within(name, MAX_NAME_CHARS).map_err(|message| FormatError::invalid(field, message))
}

fn within(text: &str, max: usize) -> Result<(), String> {
    // Counting stops at the bound, so a huge string costs no more than a short one.
    match text.chars().nth(max) {
        Some(_) => Err(format!("longer than {max} characters")),
        None => Ok(()),
    }
}
