//! What changed between two versions of a collection, in requests: the summary of a revision
//! and the subject of a backup commit.

use std::collections::HashMap;

use serde::Serialize;

use super::{
    items::{self, Item},
    Collection,
};

/// Names listed per kind of change in [`ChangeSummary::describe`] before "and N more".
const LISTED_NAMES: usize = 3;
/// Characters of a name kept in [`ChangeSummary::describe`]; names may be 1,000 long.
const SHOWN_NAME_CHARS: usize = 60;

/// A request as a change summary names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRef {
    pub id: String,
    pub name: String,
    /// Names of the folders that contain the request, outermost first.
    pub folders: Vec<String>,
}

/// Requests added, changed and removed between two versions, matched by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeSummary {
    /// In the new version's order.
    pub added: Vec<RequestRef>,
    /// Requests whose content differs in any field, or that moved to another folder; in the
    /// new version's order.
    pub changed: Vec<RequestRef>,
    /// In the old version's order.
    pub removed: Vec<RequestRef>,
}

/// The requests that differ between `old` and `new`; with no `old`, all of `new` is added.
/// Folders count only through the requests in them; a renamed folder changes no request.
pub fn diff(old: Option<&Collection>, new: &Collection) -> ChangeSummary {
    let before = old.map(requests).unwrap_or_default();
    let after = requests(new);
    let by_id: HashMap<&str, &Found> = before
        .iter()
        .map(|found| (found.reference.id.as_str(), found))
        .collect();
    let kept: HashMap<&str, &Found> = after
        .iter()
        .map(|found| (found.reference.id.as_str(), found))
        .collect();
    let mut summary = ChangeSummary::default();
    for found in &after {
        match by_id.get(found.reference.id.as_str()) {
            None => summary.added.push(found.reference.clone()),
            Some(earlier) if earlier.item != found.item || earlier.parent != found.parent => {
                summary.changed.push(found.reference.clone());
            }
            Some(_) => {}
        }
    }
    summary.removed = before
        .iter()
        .filter(|found| !kept.contains_key(found.reference.id.as_str()))
        .map(|found| found.reference.clone())
        .collect();
    summary
}

struct Found<'a> {
    reference: RequestRef,
    item: &'a Item,
    parent: Option<&'a str>,
}

fn requests(collection: &Collection) -> Vec<Found<'_>> {
    let mut found = Vec::new();
    let Some(list) = collection.document.get("item") else {
        return found;
    };
    items::walk(list, &mut |visit| {
        if items::is_folder(visit.item) {
            return;
        }
        found.push(Found {
            reference: RequestRef {
                id: items::id(visit.item).to_owned(),
                name: items::name(visit.item).to_owned(),
                folders: visit
                    .folders
                    .iter()
                    .map(|folder| items::name(folder).to_owned())
                    .collect(),
            },
            item: visit.item,
            parent: visit.folders.last().map(|folder| items::id(folder)),
        });
    });
    found
}

impl ChangeSummary {
    /// True when no request was added, changed or removed (other parts may still differ).
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// A short line for a person: `added "Create user", changed "List users"`; with more than
    /// three names of a kind, `added "A", "B", "C" and 2 more`. `no request changes` if empty.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("added", &self.added),
            ("changed", &self.changed),
            ("removed", &self.removed),
        ]
        .into_iter()
        .filter(|(_, requests)| !requests.is_empty())
        .map(|(verb, requests)| format!("{verb} {}", name_list(requests)))
        .collect();
        if parts.is_empty() {
            "no request changes".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// A commit message subject: `Update "Users API": added "Create user"`, or just
    /// `Update "Users API"` when no request changed.
    pub fn commit_message(&self, collection_name: &str) -> String {
        let subject = format!("Update \"{}\"", shown(collection_name));
        if self.is_empty() {
            subject
        } else {
            format!("{subject}: {}", self.describe())
        }
    }
}

fn name_list(requests: &[RequestRef]) -> String {
    let names: Vec<String> = requests
        .iter()
        .take(LISTED_NAMES)
        .map(|request| format!("\"{}\"", shown(&request.name)))
        .collect();
    let rest = requests.len() - names.len();
    match names.split_last() {
        Some((only, [])) if rest == 0 => only.clone(),
        Some((last, first)) if rest == 0 => format!("{} and {last}", first.join(", ")),
        _ => format!("{} and {rest} more", names.join(", ")),
    }
}

/// A name fit for one line: control characters (newlines) become spaces, long names are cut.
fn shown(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(SHOWN_NAME_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if name.chars().nth(SHOWN_NAME_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(items: &str) -> Collection {
        let json = format!(
            r#"{{"info": {{"_postman_id": "c", "name": "Users API", "schema": "x/v2.1.0/"}}, "item": {items}}}"#
        );
        Collection::import(json.as_bytes()).unwrap()
    }

    fn names(requests: &[RequestRef]) -> Vec<&str> {
        requests
            .iter()
            .map(|request| request.name.as_str())
            .collect()
    }

    #[test]
    fn matches_requests_by_id_across_renames_and_moves() {
        let old = collection(
            r#"[{"id": "f", "name": "Users", "item": [{"id": "1", "name": "List users", "request": "u"}]},
                {"id": "2", "name": "Old", "request": "u"}, {"id": "3", "name": "Same", "request": "u"},
                {"id": "4", "name": "Moving", "request": "u"}]"#,
        );
        let new = collection(
            r#"[{"id": "f", "name": "People", "item": [{"id": "1", "name": "List people", "request": "u"},
                {"id": "4", "name": "Moving", "request": "u"}]},
                {"id": "3", "name": "Same", "request": "u"}, {"id": "5", "name": "Create user", "request": "u"}]"#,
        );
        let summary = diff(Some(&old), &new);
        assert_eq!(names(&summary.added), ["Create user"]);
        assert_eq!(names(&summary.changed), ["List people", "Moving"]);
        assert_eq!(summary.changed[0].folders, ["People"]);
        assert_eq!(names(&summary.removed), ["Old"]);
        assert_eq!(
            summary.describe(),
            r#"added "Create user", changed "List people" and "Moving", removed "Old""#
        );
    }

    #[test]
    fn a_change_in_any_field_of_a_request_counts() {
        let old = collection(r#"[{"id": "1", "name": "R", "request": "u", "response": []}]"#);
        let new = collection(
            r#"[{"id": "1", "name": "R", "request": "u", "response": [{"name": "ok"}]}]"#,
        );
        assert_eq!(names(&diff(Some(&old), &new).changed), ["R"]);
        assert!(diff(Some(&old), &old).is_empty());
    }

    #[test]
    fn without_a_previous_version_everything_is_added() {
        let new = collection(
            r#"[{"id": "1", "name": "A", "request": "u"}, {"id": "f", "name": "F", "item": []}]"#,
        );
        assert_eq!(diff(None, &new).describe(), r#"added "A""#);
    }

    #[test]
    fn formats_long_lists_and_commit_messages() {
        let many: Vec<String> = (1..=5)
            .map(|n| format!(r#"{{"id": "{n}", "name": "R{n}", "request": "u"}}"#))
            .collect();
        let new = collection(&format!("[{}]", many.join(",")));
        let summary = diff(None, &new);
        assert_eq!(summary.describe(), r#"added "R1", "R2", "R3" and 2 more"#);
        assert_eq!(
            summary.commit_message("Users API"),
            r#"Update "Users API": added "R1", "R2", "R3" and 2 more"#
        );
        assert_eq!(
            ChangeSummary::default().commit_message("Users API"),
            r#"Update "Users API""#
        );
        assert_eq!(ChangeSummary::default().describe(), "no request changes");
    }

    #[test]
    fn keeps_messages_on_one_short_line() {
        let name = format!("two\nlines{}", "x".repeat(100));
        let summary = ChangeSummary {
            added: vec![RequestRef {
                id: "1".into(),
                name,
                folders: Vec::new(),
            }],
            ..ChangeSummary::default()
        };
        let line = summary.describe();
        assert!(
            !line.contains('\n') && line.ends_with("…\"") && line.chars().count() < 80,
            "{line}"
        );
    }
}
