//! Absolute URLs for `links`, `next` and `Location`, built on the public URL so clients can
//! follow them as opaque links, as Bitbucket asks.

#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(base: &str) -> Self {
        Urls {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// `path` below `/2.0`, e.g. `/repositories/ws/slug`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/2.0{path}", self.base)
    }

    /// A web (non-API) page or the git endpoint, e.g. `/ws/slug.git`.
    pub fn web(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn repository(&self, full_name: &str) -> String {
        self.api(&format!("/repositories/{full_name}"))
    }

    pub fn commit(&self, full_name: &str, hash: &str) -> String {
        self.api(&format!("/repositories/{full_name}/commit/{hash}"))
    }
}

/// Percent-encodes what may not stand in a URL path (keeps `/` so nested paths read well).
pub fn encode_path(raw: &str) -> String {
    let mut encoded = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
