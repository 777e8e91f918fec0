//! Stable ids: the collection (`info._postman_id`) and every item (`id`) carry one. Ids in the
//! input are kept; missing ones are assigned once, at import or when an edit creates an item,
//! and are from then on part of the document, so every later rendering repeats them.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{
    error::{FormatError, Problem},
    items::{self, str_field},
    limits::MAX_REPORTED_PROBLEMS,
    path,
};

/// A fresh id, as Postman makes them (UUID v4).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Gives the collection and every item without an id one from `new_id`. An empty string is
/// no id. A v2.0 item that has only `_postman_id` keeps that as its id, so importing the same
/// v2.0 file twice yields the same ids; `_postman_id` itself stays as it was.
pub(crate) fn assign_missing(
    document: &mut Map<String, Value>,
    new_id: &mut impl FnMut() -> String,
) {
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        if !has_id(info, "_postman_id") {
            info.insert("_postman_id".to_owned(), Value::String(new_id()));
        }
    }
    if let Some(list) = document.get_mut("item") {
        items::walk_mut(list, &mut |item| {
            if !has_id(item, "id") {
                let id = str_field(item, "_postman_id")
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned);
                item.insert(
                    "id".to_owned(),
                    Value::String(id.unwrap_or_else(&mut *new_id)),
                );
            }
        });
    }
}

pub(crate) fn has_id(object: &Map<String, Value>, key: &str) -> bool {
    str_field(object, key).is_some_and(|id| !id.is_empty())
}

/// Item ids must be unique: edits, the tree view and change summaries find items by id.
pub(crate) fn check_unique(document: &Map<String, Value>) -> Result<(), FormatError> {
    let Some(list) = document.get("item") else {
        return Ok(());
    };
    let mut first_use: HashMap<&str, String> = HashMap::new();
    let mut problems = Vec::new();
    items::walk(list, &mut |visit| {
        let Some(id) = str_field(visit.item, "id") else {
            return;
        };
        let here = path::render(visit.path.iter().copied());
        match first_use.get(id) {
            Some(first) if problems.len() < MAX_REPORTED_PROBLEMS => problems.push(Problem {
                path: format!("{here}.id"),
                message: format!("the id {id:?} is already used by {first}"),
            }),
            Some(_) => {}
            None => {
                first_use.insert(id, here);
            }
        }
    });
    if problems.is_empty() {
        Ok(())
    } else {
        Err(FormatError::Invalid(problems))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn counter() -> impl FnMut() -> String {
        let mut next = 0;
        move || {
            next += 1;
            format!("new-{next}")
        }
    }

    #[test]
    fn keeps_present_ids_and_fills_missing_ones() {
        let mut document = json!({
            "info": {"name": "c"},
            "item": [
                {"id": "keep", "request": "u"},
                {"id": "", "item": [{"request": "u"}, {"_postman_id": "legacy", "request": "u"}]}
            ]
        });
        assign_missing(document.as_object_mut().unwrap(), &mut counter());
        assert_eq!(document["info"]["_postman_id"], "new-1");
        assert_eq!(document["item"][0]["id"], "keep");
        assert_eq!(document["item"][1]["id"], "new-2");
        assert_eq!(document["item"][1]["item"][0]["id"], "new-3");
        assert_eq!(document["item"][1]["item"][1]["id"], "legacy");
        assert_eq!(document["item"][1]["item"][1]["_postman_id"], "legacy");
    }

    #[test]
    fn reports_duplicate_ids_with_both_places() {
        let document =
            json!({"item": [{"id": "a", "request": "u"}, {"item": [{"id": "a", "request": "u"}]}]});
        let error = check_unique(document.as_object().unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"item[1].item[0].id: the id "a" is already used by item[0]"#
        );
    }
}
