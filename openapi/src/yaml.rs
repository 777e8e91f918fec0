//! YAML (and JSON, which is YAML 1.2) with positions, within bounds.
//!
//! The tree is built from saphyr-parser's events rather than by a YAML library's loader, for
//! three reasons: every node keeps the line and column it was written at; an alias is
//! expanded only after its size is checked against [`MAX_ALIAS_EXPANSION`] and
//! [`MAX_NODES`] (a "billion laughs" document is refused after reading a few lines, never
//! expanded); and what a plain scalar means is decided here, by the YAML 1.2 core schema, so
//! `no` stays a string and `0x1F` is 31.
//!
//! The events first become an arena in which an alias is a reference to its anchored node,
//! with each node's expanded size and height known; the JSON tree is made from it in one walk
//! that can recurse no deeper than [`MAX_DEPTH`]. `.inf` and `.nan` stay strings: JSON cannot
//! hold them, and the schema then says what it expected.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

use crate::{
    error::ParseError,
    limits::{MAX_ALIAS_EXPANSION, MAX_DEPTH, MAX_NODES},
    positions::{Located, Member, Pos, Shape},
};

pub(crate) fn parse(text: &str) -> Result<(Value, Located), ParseError> {
    let mut builder = Builder::default();
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| {
            // The scanner reads ahead and stops at 256 levels of `[`/`{` before the events
            // reach the depth check; that is our limit too.
            let message = match error.info() {
                "recursion limit exceeded" => format!("nesting deeper than {MAX_DEPTH} levels"),
                info => info.to_owned(),
            };
            ParseError::new(error.marker().line(), error.marker().col() + 1, message)
        })?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(error_at(
                        pos(&span),
                        "one document per file: a second YAML document starts here",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                builder.scalar(&value, style, anchor, tag.as_deref(), &span)?;
            }
            Event::Alias(anchor) => builder.alias(anchor, &span)?,
            Event::SequenceStart(anchor, _) => builder.open(anchor, false, &span)?,
            Event::MappingStart(anchor, _) => builder.open(anchor, true, &span)?,
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    match builder.root {
        Some(root) => builder.build(root, None),
        None => Err(ParseError::new(1, 1, "the definition is empty")),
    }
}

fn pos(span: &Span) -> Pos {
    Pos {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

fn error_at(at: Pos, message: impl Into<String>) -> ParseError {
    ParseError::new(at.line as usize, at.column as usize, message)
}

struct Node {
    at: Pos,
    kind: Kind,
    /// Values in the expanded subtree, this one included.
    size: usize,
    /// Levels of containers in the expanded subtree (0 for a scalar).
    height: usize,
}

enum Kind {
    Scalar(Value),
    Sequence(Vec<usize>),
    Mapping(Vec<(String, Pos, usize)>),
    Alias(usize),
}

struct Frame {
    at: Pos,
    anchor: usize,
    size: usize,
    height: usize,
    content: Content,
}

enum Content {
    Sequence(Vec<usize>),
    Mapping {
        members: Vec<(String, Pos, usize)>,
        key: Option<(String, Pos)>,
    },
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, usize>,
    root: Option<usize>,
    values: usize,
    expanded: usize,
}

impl Builder {
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                content: Content::Mapping { key: None, .. },
                ..
            })
        )
    }

    fn count(&mut self, at: Pos, values: usize) -> Result<(), ParseError> {
        self.values += values;
        if self.values > MAX_NODES {
            return Err(error_at(
                at,
                format!("more than {MAX_NODES} values (YAML aliases expanded)"),
            ));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: &Span,
    ) -> Result<(), ParseError> {
        let at = pos(span);
        if self.expects_key() {
            // Keys are strings, as written: `200:` is the key "200", `true:` the key "true".
            if anchor != 0 {
                let id = self.push(at, Kind::Scalar(Value::String(text.to_owned())), 1, 0);
                self.anchors.insert(anchor, id);
            }
            if let Some(Frame {
                content: Content::Mapping { key, .. },
                ..
            }) = self.stack.last_mut()
            {
                *key = Some((text.to_owned(), at));
            }
            return Ok(());
        }
        self.count(at, 1)?;
        let id = self.push(at, Kind::Scalar(resolve(text, style, tag)), 1, 0);
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        self.attach(id)
    }

    fn alias(&mut self, anchor: usize, span: &Span) -> Result<(), ParseError> {
        let at = pos(span);
        let Some(&target) = self.anchors.get(&anchor) else {
            return Err(error_at(
                at,
                if self.stack.iter().any(|frame| frame.anchor == anchor) {
                    "an alias refers to a node that contains it"
                } else {
                    "an alias refers to an unknown anchor"
                },
            ));
        };
        if self.expects_key() {
            return Err(error_at(at, "a mapping key must be a string, not an alias"));
        }
        let (size, height) = (self.nodes[target].size, self.nodes[target].height);
        self.expanded += size;
        if self.expanded > MAX_ALIAS_EXPANSION {
            return Err(error_at(
                at,
                format!(
                    "aliases expand to more than {MAX_ALIAS_EXPANSION} nodes (YAML anchors/aliases are bounded; a \"billion laughs\" document is refused, never expanded)"
                ),
            ));
        }
        if self.stack.len() + height > MAX_DEPTH {
            return Err(error_at(
                at,
                format!("nesting deeper than {MAX_DEPTH} levels (YAML aliases expanded)"),
            ));
        }
        self.count(at, size)?;
        let id = self.push(at, Kind::Alias(target), size, height);
        self.attach(id)
    }

    fn open(&mut self, anchor: usize, mapping: bool, span: &Span) -> Result<(), ParseError> {
        let at = pos(span);
        if self.expects_key() {
            return Err(error_at(
                at,
                "a mapping key must be a string, not a mapping or a sequence",
            ));
        }
        if self.stack.len() + 1 > MAX_DEPTH {
            return Err(error_at(
                at,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(at, 1)?;
        self.stack.push(Frame {
            at,
            anchor,
            size: 1,
            height: 1,
            content: if mapping {
                Content::Mapping {
                    members: Vec::new(),
                    key: None,
                }
            } else {
                Content::Sequence(Vec::new())
            },
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), ParseError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let kind = match frame.content {
            Content::Sequence(items) => Kind::Sequence(items),
            Content::Mapping { members, .. } => Kind::Mapping(members),
        };
        let id = self.push(frame.at, kind, frame.size, frame.height);
        if frame.anchor != 0 {
            self.anchors.insert(frame.anchor, id);
        }
        self.attach(id)
    }

    fn push(&mut self, at: Pos, kind: Kind, size: usize, height: usize) -> usize {
        self.nodes.push(Node {
            at,
            kind,
            size,
            height,
        });
        self.nodes.len() - 1
    }

    fn attach(&mut self, id: usize) -> Result<(), ParseError> {
        let (size, height) = (self.nodes[id].size, self.nodes[id].height);
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(id);
            return Ok(());
        };
        frame.size += size;
        frame.height = frame.height.max(height + 1);
        match &mut frame.content {
            Content::Sequence(items) => items.push(id),
            Content::Mapping { members, key } => {
                if let Some((key, key_at)) = key.take() {
                    members.push((key, key_at, id));
                }
            }
        }
        Ok(())
    }

    /// The JSON tree of node `id`; an alias is its anchored node placed at the alias.
    fn build(&self, id: usize, at: Option<Pos>) -> Result<(Value, Located), ParseError> {
        let node = &self.nodes[id];
        let at = at.unwrap_or(node.at);
        match &node.kind {
            Kind::Scalar(value) => Ok((value.clone(), Located::leaf(at))),
            Kind::Alias(target) => self.build(*target, Some(at)),
            Kind::Sequence(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut located = Vec::with_capacity(items.len());
                for item in items {
                    let (value, position) = self.build(*item, None)?;
                    values.push(value);
                    located.push(position);
                }
                Ok((
                    Value::Array(values),
                    Located {
                        at,
                        shape: Shape::Array(located),
                    },
                ))
            }
            Kind::Mapping(entries) => {
                let mut map = Map::new();
                let mut members: Vec<Member> = Vec::with_capacity(entries.len());
                for (key, key_at, child) in entries {
                    if map.contains_key(key) {
                        let first = members
                            .iter()
                            .find(|member| &*member.key == key)
                            .map_or(0, |member| member.key_at.line);
                        return Err(error_at(
                            *key_at,
                            format!("duplicate key {key:?} (first written on line {first})"),
                        ));
                    }
                    let (value, position) = self.build(*child, None)?;
                    map.insert(key.clone(), value);
                    members.push(Member {
                        key: key.as_str().into(),
                        key_at: *key_at,
                        value: position,
                    });
                }
                Ok((
                    Value::Object(map),
                    Located {
                        at,
                        shape: Shape::Object(members),
                    },
                ))
            }
        }
    }
}

/// What a scalar means under the YAML 1.2 core schema. Quoted and block scalars, and those
/// tagged `!!str`, are strings.
fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let string = || Value::String(text.to_owned());
    if style != ScalarStyle::Plain {
        return string();
    }
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() && tag.suffix == "str" {
            return string();
        }
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(number) = integer(text).or_else(|| float(text)) {
        return Value::Number(number);
    }
    string()
}

fn integer(text: &str) -> Option<Number> {
    let radix = |digits: &str, radix: u32| {
        (!digits.is_empty())
            .then(|| u64::from_str_radix(digits, radix).ok())
            .flatten()
            .map(Number::from)
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if unsigned.is_empty() || !unsigned.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    text.parse::<u64>()
        .map(Number::from)
        .or_else(|_| text.parse::<i64>().map(Number::from))
        .ok()
        // Beyond 64 bits, an integer is the nearest float, as in JSON.
        .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn float(text: &str) -> Option<Number> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        !exponent.is_empty() && digits(exponent)
    });
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    text.strip_prefix('+')
        .unwrap_or(text)
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn value(text: &str) -> Value {
        parse(text).expect("parses").0
    }

    fn error(text: &str) -> String {
        parse(text).expect_err("refused").to_string()
    }

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        let text = "a: [~, null, '', true, False, no, 0x1F, 0o17, -12, +3, 1.5, .5, 1e3, -2.5E-1, .inf, .nan, 1_000, 012, 3.0.1, \"7\", !!str 8]\n";
        assert_eq!(
            value(text),
            json!({"a": [null, null, "", true, false, "no", 31, 15, -12, 3, 1.5, 0.5, 1000.0, -0.25, ".inf", ".nan", "1_000", 12, "3.0.1", "7", "8"]})
        );
        assert_eq!(
            value("200: ok\ntrue: 1\n~: x\n"),
            json!({"200": "ok", "true": 1, "~": "x"})
        );
    }

    #[test]
    fn aliases_copy_the_anchored_node_and_keep_positions() {
        let text = "base: &b\n  type: string\n  x: [1, 2]\nother: *b\n";
        let (value, located) = parse(text).expect("parses");
        assert_eq!(value["other"], value["base"]);
        assert_eq!(
            located.find([crate::positions::Step::Key("other")]),
            Pos { line: 4, column: 1 }
        );
        assert_eq!(
            located.find([
                crate::positions::Step::Key("other"),
                crate::positions::Step::Key("type")
            ]),
            Pos { line: 2, column: 9 }
        );
    }

    #[test]
    fn refuses_duplicates_complex_keys_and_second_documents() {
        assert_eq!(
            error("a: 1\nb: 2\na: 3\n"),
            r#"line 3, column 1: duplicate key "a" (first written on line 1)"#
        );
        assert_eq!(
            error("? [a]\n: 1\n"),
            "line 1, column 3: a mapping key must be a string, not a mapping or a sequence"
        );
        assert_eq!(
            error("a: 1\n---\nb: 2\n"),
            "line 2, column 1: one document per file: a second YAML document starts here"
        );
        assert!(
            error("a: [1\n").starts_with("line "),
            "{}",
            error("a: [1\n")
        );
        assert_eq!(
            error("# only a comment\n"),
            "line 1, column 1: the definition is empty"
        );
    }

    #[test]
    fn refuses_a_billion_laughs_before_expanding_it() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for pair in names.windows(2) {
            let (previous, name) = (pair[0], pair[1]);
            text.push_str(&format!(
                "{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let refused = error(&text);
        assert!(
            refused.ends_with("aliases expand to more than 100000 nodes (YAML anchors/aliases are bounded; a \"billion laughs\" document is refused, never expanded)"),
            "{refused}"
        );
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn refuses_deep_nesting_in_flow_and_block_style() {
        let flow = "[".repeat(10_000);
        assert!(
            error(&flow).ends_with(": nesting deeper than 64 levels"),
            "{}",
            error(&flow)
        );
        let block: String = (0..10_000)
            .map(|level| format!("{}k:\n", " ".repeat(level)))
            .collect();
        assert!(
            error(&block).ends_with("nesting deeper than 64 levels"),
            "{}",
            error(&block)
        );
        let fine: String = (0..63)
            .map(|level| format!("{}k:\n", " ".repeat(level)))
            .collect();
        assert!(parse(&fine).is_ok());
        let via_alias = format!("a: &a {}{}\nb: [[[*a]]]\n", "[".repeat(62), "]".repeat(62));
        assert!(error(&via_alias).contains("nesting deeper than 64 levels (YAML aliases expanded)"));
    }
}
