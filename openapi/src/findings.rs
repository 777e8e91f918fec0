//! From what validation found (a path into the tree) to what a person reads (a line, a
//! column, a dotted path), in a list that stays short and in the order of the text.

use crate::{
    error::Problem,
    limits::MAX_PROBLEMS,
    positions::{self, Located, Pos, Step},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl Segment {
    fn step(&self) -> Step<'_> {
        match self {
            Segment::Key(key) => Step::Key(key),
            Segment::Index(index) => Step::Index(*index),
        }
    }
}

/// A problem before it is placed: the node's path, and for "unexpected property" the key
/// (the problem is placed on the key rather than on the object).
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub path: Vec<Segment>,
    pub key: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn at(path: Vec<Segment>, message: String) -> Finding {
        Finding {
            path,
            key: None,
            message,
        }
    }

    pub fn at_key(path: Vec<Segment>, key: String, message: String) -> Finding {
        Finding {
            path,
            key: Some(key),
            message,
        }
    }

    pub fn rendered_path(&self) -> String {
        positions::render(self.path.iter().map(Segment::step))
    }

    fn place(&self, positions: &Located) -> Problem {
        let steps = self.path.iter().map(Segment::step);
        let at = match &self.key {
            Some(key) => positions.find_key(steps, key),
            None => positions.find(steps),
        };
        Problem {
            line: at.line as usize,
            column: at.column as usize,
            path: self.rendered_path(),
            message: self.message.clone(),
        }
    }
}

/// Placed, without repeats, sorted by position, at most [`MAX_PROBLEMS`] and a last
/// "and N more problems".
pub(crate) fn problems(findings: &[Finding], positions: &Located) -> Vec<Problem> {
    let mut problems: Vec<Problem> = findings.iter().map(|f| f.place(positions)).collect();
    problems.sort_by(|a, b| {
        (a.line, a.column, &a.path, &a.message).cmp(&(b.line, b.column, &b.path, &b.message))
    });
    problems.dedup();
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - MAX_PROBLEMS;
        let first_left_out = problems[MAX_PROBLEMS].clone();
        problems.truncate(MAX_PROBLEMS);
        problems.push(Problem {
            line: first_left_out.line,
            column: first_left_out.column,
            path: String::new(),
            message: format!("and {more} more problems"),
        });
    }
    problems
}

pub(crate) fn root(message: String) -> Problem {
    Problem {
        line: Pos::START.line as usize,
        column: Pos::START.column as usize,
        path: String::new(),
        message,
    }
}
