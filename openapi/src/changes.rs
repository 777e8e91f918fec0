//! What changed between two versions of a definition, operation by operation: the summary a
//! person reads before accepting an upload, and a commit message.

use serde::{Deserialize, Serialize};

use crate::operations::Operation;

/// Operations listed per kind of change in [`OperationChanges::describe`]; the rest are
/// counted.
const LISTED_PER_KIND: usize = 5;

/// A method on a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRef {
    pub method: String,
    pub path: String,
}

/// Operations added, changed (same method and path, different fingerprint) and removed, each
/// in the order of [`crate::Definition::operations`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OperationChanges {
    pub added: Vec<OperationRef>,
    pub changed: Vec<OperationRef>,
    pub removed: Vec<OperationRef>,
}

pub fn operation_changes(before: &[Operation], after: &[Operation]) -> OperationChanges {
    let find = |list: &[Operation], operation: &Operation| {
        list.iter()
            .position(|other| other.method == operation.method && other.path == operation.path)
            .map(|at| list[at].fingerprint)
    };
    let reference = |operation: &Operation| OperationRef {
        method: operation.method.clone(),
        path: operation.path.clone(),
    };
    let mut changes = OperationChanges::default();
    for operation in after {
        match find(before, operation) {
            None => changes.added.push(reference(operation)),
            Some(fingerprint) if fingerprint != operation.fingerprint => {
                changes.changed.push(reference(operation));
            }
            Some(_) => {}
        }
    }
    for operation in before {
        if find(after, operation).is_none() {
            changes.removed.push(reference(operation));
        }
    }
    changes
}

impl OperationChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// `added GET /users, POST /users; changed DELETE /users/{id}; removed GET /pets`, at most
    /// five operations per kind (`… and 12 more`); `no operation changed` when empty.
    pub fn describe(&self) -> String {
        if self.is_empty() {
            return "no operation changed".to_owned();
        }
        [
            ("added", &self.added),
            ("changed", &self.changed),
            ("removed", &self.removed),
        ]
        .into_iter()
        .filter(|(_, operations)| !operations.is_empty())
        .map(|(kind, operations)| {
            let mut listed: Vec<String> = operations
                .iter()
                .take(LISTED_PER_KIND)
                .map(|operation| format!("{} {}", operation.method, operation.path))
                .collect();
            if operations.len() > LISTED_PER_KIND {
                listed.push(format!("… and {} more", operations.len() - LISTED_PER_KIND));
            }
            format!("{kind} {}", listed.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(method: &str, path: &str, fingerprint: u64) -> Operation {
        Operation {
            method: method.to_owned(),
            path: path.to_owned(),
            operation_id: None,
            summary: None,
            tags: Vec::new(),
            deprecated: false,
            fingerprint,
        }
    }

    #[test]
    fn sorts_operations_into_added_changed_and_removed() {
        let before = [
            operation("GET", "/pets", 1),
            operation("GET", "/users", 2),
            operation("DELETE", "/users/{id}", 3),
        ];
        let after = [
            operation("GET", "/users", 2),
            operation("POST", "/users", 4),
            operation("DELETE", "/users/{id}", 5),
            operation("GET", "/zoo", 6),
        ];
        let changes = operation_changes(&before, &after);
        assert_eq!(
            changes.describe(),
            "added POST /users, GET /zoo; changed DELETE /users/{id}; removed GET /pets"
        );
        assert!(operation_changes(&after, &after).is_empty());
        assert_eq!(
            operation_changes(&after, &after).describe(),
            "no operation changed"
        );
    }

    #[test]
    fn caps_the_listing() {
        let after: Vec<Operation> = (0..17)
            .map(|n| operation("GET", &format!("/{n:02}"), 0))
            .collect();
        assert_eq!(
            operation_changes(&[], &after).describe(),
            "added GET /00, GET /01, GET /02, GET /03, GET /04, … and 12 more"
        );
    }
}
