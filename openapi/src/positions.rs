//! Where each node of a definition was written.
//!
//! The parsed document is a `serde_json::Value`, which keeps no positions (and sorts object
//! keys). Beside it lives a tree of the same shape that does: one small node per value, with
//! the key's position for object members, so a problem found by walking the `Value` (schema
//! validation, `$ref` checks) can be placed on the line a person wrote. Objects keep their
//! members in source order; a lookup by key is a linear scan, cheap for the few problems a
//! definition reports.

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// The position of one value and, for objects and arrays, of its members.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub at: Pos,
    pub shape: Shape,
}

#[derive(Debug, Clone)]
pub(crate) enum Shape {
    Leaf,
    Array(Vec<Located>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub key: Box<str>,
    pub key_at: Pos,
    pub value: Located,
}

/// One step of a path into the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl Located {
    pub fn leaf(at: Pos) -> Located {
        Located {
            at,
            shape: Shape::Leaf,
        }
    }

    /// Where the node at `steps` was written: a scalar's own position, or for an object or
    /// array that is a member of an object, the position of its key (`get:` rather than the
    /// line below it). A path that leads nowhere stops at the deepest node that exists.
    pub fn find<'a>(&self, steps: impl IntoIterator<Item = Step<'a>>) -> Pos {
        let mut node = self;
        let mut key_at = None;
        for step in steps {
            let next = match (&node.shape, step) {
                (Shape::Object(members), Step::Key(key)) => members
                    .iter()
                    .find(|member| &*member.key == key)
                    .map(|member| (&member.value, Some(member.key_at))),
                (Shape::Array(items), Step::Index(index)) => {
                    items.get(index).map(|item| (item, None))
                }
                (Shape::Object(members), Step::Index(index)) => {
                    let key = index.to_string();
                    members
                        .iter()
                        .find(|member| *member.key == key)
                        .map(|member| (&member.value, Some(member.key_at)))
                }
                _ => None,
            };
            match next {
                Some((child, child_key_at)) => {
                    node = child;
                    key_at = child_key_at;
                }
                None => break,
            }
        }
        match (&node.shape, key_at) {
            (Shape::Leaf, _) | (_, None) => node.at,
            (_, Some(key_at)) => key_at,
        }
    }

    /// Where the key `key` of the object at `steps` was written (for "unexpected property").
    pub fn find_key<'a>(&self, steps: impl IntoIterator<Item = Step<'a>>, key: &str) -> Pos {
        let mut node = self;
        for step in steps {
            let next = match (&node.shape, step) {
                (Shape::Object(members), Step::Key(key)) => members
                    .iter()
                    .find(|member| &*member.key == key)
                    .map(|member| &member.value),
                (Shape::Array(items), Step::Index(index)) => items.get(index),
                _ => None,
            };
            match next {
                Some(child) => node = child,
                None => return node.at,
            }
        }
        match &node.shape {
            Shape::Object(members) => members
                .iter()
                .find(|member| &*member.key == key)
                .map_or(node.at, |member| member.key_at),
            _ => node.at,
        }
    }
}

/// `paths./users.get.responses`: steps joined by dots, indices as numbers, the root `""`.
pub(crate) fn render<'a>(steps: impl IntoIterator<Item = Step<'a>>) -> String {
    let mut rendered = String::new();
    for (n, step) in steps.into_iter().enumerate() {
        if n > 0 {
            rendered.push('.');
        }
        match step {
            Step::Key(key) => rendered.push_str(key),
            Step::Index(index) => rendered.push_str(&index.to_string()),
        }
    }
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_paths_with_dots_and_numbers() {
        assert_eq!(render([]), "");
        assert_eq!(
            render([
                Step::Key("paths"),
                Step::Key("/users"),
                Step::Key("get"),
                Step::Key("parameters"),
                Step::Index(0)
            ]),
            "paths./users.get.parameters.0"
        );
    }
}
