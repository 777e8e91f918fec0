//! What a backup commit says: what changed (who made it: [`crate::profile::CommitIdentity::author`]).

use crate::postman::{diff, Collection};

/// `Update "Users API": added "Create user", changed "List users"`; `Add "Users API"…` when
/// the file is new to the repository.
pub fn collection_message(previous: Option<&Collection>, current: &Collection) -> String {
    let message = diff(previous, current).commit_message(current.name());
    match previous {
        Some(_) => message,
        None => message.replacen("Update", "Add", 1),
    }
}

/// One subject for a commit of several files, each file's message on its own line below.
pub fn combined_message(messages: &[String]) -> String {
    match messages {
        [only] => only.clone(),
        _ => format!(
            "Update {} collections\n\n{}",
            messages.len(),
            messages.join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(requests: &[&str]) -> Collection {
        let items: Vec<_> = requests
            .iter()
            .map(|r| serde_json::json!({"id": r, "name": r, "request": "https://x/"}))
            .collect();
        let json = serde_json::json!({
            "info": {"_postman_id": "c", "name": "Users API",
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": items,
        });
        Collection::import(json.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn messages_name_the_change() {
        assert_eq!(
            collection_message(None, &doc(&["List users"])),
            "Add \"Users API\": added \"List users\""
        );
        assert_eq!(
            collection_message(
                Some(&doc(&["List users"])),
                &doc(&["List users", "Create user"])
            ),
            "Update \"Users API\": added \"Create user\""
        );
        assert_eq!(combined_message(&["a".into()]), "a");
        assert_eq!(
            combined_message(&["a".into(), "b".into()]),
            "Update 2 collections\n\na\nb"
        );
    }
}
