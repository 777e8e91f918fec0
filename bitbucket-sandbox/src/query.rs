//! A subset of Bitbucket's query language (`q`) and `sort`, applied to the JSON objects a
//! list endpoint is about to return: `field op value` clauses joined by `AND`/`OR` (AND binds
//! tighter), ops `=`, `!=`, `~` (contains, case-insensitive), `!~`; values are strings in
//! double quotes, `true`, `false`, `null` or numbers; fields may be dotted (`mainbranch.name`).

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Equal,
    NotEqual,
    Contains,
    NotContains,
}

#[derive(Debug)]
struct Clause {
    field: String,
    op: Op,
    value: Value,
}

/// Clauses in disjunctive normal form: any group whose clauses all hold matches.
#[derive(Debug)]
pub struct Filter {
    any_of: Vec<Vec<Clause>>,
}

fn invalid(q: &str, why: &str) -> Error {
    Error::bad_field("q", format!("Invalid query `{q}`: {why}"))
}

fn tokens(q: &str) -> Result<Vec<String>> {
    let mut tokens = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut literal = String::from("\"");
            loop {
                match chars.next() {
                    Some('\\') => literal.extend(chars.next()),
                    Some('"') => break,
                    Some(other) => literal.push(other),
                    None => return Err(invalid(q, "unterminated string")),
                }
            }
            tokens.push(literal);
        } else if matches!(c, '=' | '!' | '~') {
            let mut op = String::new();
            while let Some(&c) = chars.peek().filter(|c| matches!(c, '=' | '!' | '~')) {
                op.push(c);
                chars.next();
            }
            tokens.push(op);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| !c.is_whitespace() && !matches!(c, '=' | '!' | '~' | '"'))
            {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        }
    }
    Ok(tokens)
}

fn literal(q: &str, token: &str) -> Result<Value> {
    if let Some(text) = token.strip_prefix('"') {
        return Ok(Value::String(text.to_owned()));
    }
    match token {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        "null" => Ok(Value::Null),
        number => number
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| invalid(q, &format!("bad value {number}"))),
    }
}

impl Filter {
    pub fn parse(q: &str) -> Result<Self> {
        let tokens = tokens(q)?;
        let mut any_of = vec![Vec::new()];
        let mut rest = tokens.as_slice();
        loop {
            let [field, op, value, tail @ ..] = rest else {
                return Err(invalid(q, "expected `field op value`"));
            };
            let op = match op.as_str() {
                "=" => Op::Equal,
                "!=" => Op::NotEqual,
                "~" => Op::Contains,
                "!~" => Op::NotContains,
                other => return Err(invalid(q, &format!("unsupported operator {other}"))),
            };
            let clause = Clause {
                field: field.clone(),
                op,
                value: literal(q, value)?,
            };
            if let Some(group) = any_of.last_mut() {
                group.push(clause);
            }
            match tail {
                [] => return Ok(Filter { any_of }),
                [joiner, more @ ..] if joiner.eq_ignore_ascii_case("and") => rest = more,
                [joiner, more @ ..] if joiner.eq_ignore_ascii_case("or") => {
                    any_of.push(Vec::new());
                    rest = more;
                }
                [other, ..] => return Err(invalid(q, &format!("unexpected {other}"))),
            }
        }
    }

    pub fn matches(&self, item: &Value) -> bool {
        self.any_of
            .iter()
            .any(|group| group.iter().all(|clause| clause.holds(item)))
    }
}

fn field<'a>(item: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(item, |value, key| value.get(key).unwrap_or(&Value::Null))
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(h), Value::String(n)) => h.to_lowercase().contains(&n.to_lowercase()),
        _ => false,
    }
}

impl Clause {
    fn holds(&self, item: &Value) -> bool {
        let actual = field(item, &self.field);
        match self.op {
            Op::Equal => actual == &self.value,
            Op::NotEqual => actual != &self.value,
            Op::Contains => contains(actual, &self.value),
            Op::NotContains => !contains(actual, &self.value),
        }
    }
}

/// Applies `q` and `sort` (`field` or `-field`) to a list.
pub fn filter_and_sort(
    mut items: Vec<Value>,
    q: Option<&str>,
    sort: Option<&str>,
) -> Result<Vec<Value>> {
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let filter = Filter::parse(q)?;
        items.retain(|item| filter.matches(item));
    }
    if let Some(sort) = sort.filter(|s| !s.is_empty()) {
        let (key, descending) = match sort.strip_prefix('-') {
            Some(key) => (key, true),
            None => (sort, false),
        };
        items.sort_by(|a, b| {
            let order = compare(field(a, key), field(b, key));
            if descending {
                order.reverse()
            } else {
                order
            }
        });
    }
    Ok(items)
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        // Items without the field sort last.
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        _ => Ordering::Equal,
    }
}
