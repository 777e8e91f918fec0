//! A flat, display-ready view of the item tree for a UI.

use serde::Serialize;

use super::{items, Collection};

/// One folder or request, in document order (a folder comes right before its contents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    pub id: String,
    pub name: String,
    /// 0 for top-level items, 1 inside one folder, and so on.
    pub depth: usize,
    /// The id of the containing folder; `None` at the top level.
    pub parent_id: Option<String>,
    pub kind: NodeKind,
}

/// Whether a [`TreeNode`] is a folder or a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NodeKind {
    Folder,
    /// `url` is the URL as written (`url.raw`), variables like `{{host}}` unresolved.
    Request {
        method: String,
        url: String,
    },
}

impl Collection {
    /// Every folder and request, depth first in document order.
    pub fn tree(&self) -> Vec<TreeNode> {
        let mut nodes = Vec::new();
        let Some(list) = self.document.get("item") else {
            return nodes;
        };
        items::walk(list, &mut |visit| {
            let kind = if items::is_folder(visit.item) {
                NodeKind::Folder
            } else {
                NodeKind::Request {
                    method: items::method(visit.item).to_owned(),
                    url: items::raw_url(visit.item).to_owned(),
                }
            };
            nodes.push(TreeNode {
                id: items::id(visit.item).to_owned(),
                name: items::name(visit.item).to_owned(),
                depth: visit.folders.len(),
                parent_id: visit
                    .folders
                    .last()
                    .map(|folder| items::id(folder).to_owned()),
                kind,
            });
        });
        nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_folders_before_their_contents_with_depth_method_and_url() {
        let collection = Collection::import(
            br#"{"info": {"name": "c", "schema": "x/v2.1.0/"}, "item": [
                {"id": "f", "name": "Users", "item": [
                    {"id": "r1", "name": "List", "request": {"url": {"raw": "{{host}}/users"}}},
                    {"id": "r2", "name": "Create", "request": {"method": "POST", "url": "{{host}}/users"}}
                ]},
                {"id": "r3", "name": "Ping", "request": "https://example.com/ping"}
            ]}"#,
        )
        .unwrap();
        let request = |method: &str, url: &str| NodeKind::Request {
            method: method.into(),
            url: url.into(),
        };
        let summary: Vec<_> = collection
            .tree()
            .into_iter()
            .map(|node| (node.id, node.depth, node.parent_id, node.kind))
            .collect();
        assert_eq!(
            summary,
            [
                ("f".to_owned(), 0, None, NodeKind::Folder),
                (
                    "r1".to_owned(),
                    1,
                    Some("f".to_owned()),
                    request("GET", "{{host}}/users")
                ),
                (
                    "r2".to_owned(),
                    1,
                    Some("f".to_owned()),
                    request("POST", "{{host}}/users")
                ),
                (
                    "r3".to_owned(),
                    0,
                    None,
                    request("GET", "https://example.com/ping")
                ),
            ]
        );
        assert_eq!(collection.tree()[0].name, "Users");
    }
}
