//! JSON paths as people read them: `item[3].request.url`, `info["odd key"]`.

use std::fmt::Write;

/// One step into a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Renders steps as a dotted path; keys that are not plain identifiers are quoted so the
/// path stays unambiguous.
pub(crate) fn render<'a>(steps: impl IntoIterator<Item = Step<'a>>) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Index(index) => {
                let _ = write!(out, "[{index}]");
            }
            Step::Key(key) if is_identifier(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Key(key) => {
                let quoted = serde_json::Value::from(key).to_string();
                let _ = write!(out, "[{quoted}]");
            }
        }
    }
    out
}

fn is_identifier(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_indices_and_odd_keys() {
        let steps = [
            Step::Key("item"),
            Step::Index(3),
            Step::Key("request"),
            Step::Key("url"),
        ];
        assert_eq!(render(steps), "item[3].request.url");
        assert_eq!(
            render([Step::Key("info"), Step::Key("a b")]),
            r#"info["a b"]"#
        );
        assert_eq!(render([]), "");
    }
}
