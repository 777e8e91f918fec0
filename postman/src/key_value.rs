//! The key/value rows the editor reads and writes (headers, query parameters, form fields,
//! variables). Their own module because both the edits and the request view use them, and
//! the view must not depend on the edits.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A header, query parameter, form field or variable as the editor shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub disabled: bool,
}

/// A form-data entry that sends a file (`"type": "file"`) rather than text.
pub(crate) fn is_file_field(entry: &Value) -> bool {
    entry.get("type").and_then(Value::as_str) == Some("file")
}
