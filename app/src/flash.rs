//! The one-time message a form post leaves for the next page: kept in the session by the
//! server, shown by the page it was taken for.

use serde::{Deserialize, Serialize};

/// A one-time message carried to the next page after a form post (errors keep what was typed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub error: Option<String>,
    pub notice: Option<String>,
    /// The email the person typed, so a failed form does not make them type it again.
    pub email: Option<String>,
    /// A secret shown this once (a new invite link or API key); gone on the next page.
    pub secret: Option<String>,
    /// The fields of a refused form as they were posted (never secrets), to fill it in again.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
    /// The path of the page it was taken for. The page context loads once per full page load,
    /// so after a client-side navigation the message would show again on the next page.
    #[serde(default)]
    pub page: String,
}

impl Flash {
    /// What was posted in field `name` of the refused form, if anything.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}
