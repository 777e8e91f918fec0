//! What the Collections pages show, loaded by server functions from the collections service.
//! Every one reads the session's current team only: a collection id of another team answers
//! "not found" (404), like an unknown one.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

// Kept under their old names: pages and handlers call them; the paths live in `routes`.
pub use crate::routes::{
    collection as collection_href, collection_item as item_href, percent_encode,
};

/// The rows a pairs editor posted (`<prefix>.<n>.key`, `.value`, `.enabled`), in row order;
/// rows left with an empty key and value are dropped, and a row without `enabled` is disabled.
pub fn pairs_from_fields(fields: &[(String, String)], prefix: &str) -> Vec<Pair> {
    let mut rows: std::collections::BTreeMap<usize, Pair> = std::collections::BTreeMap::new();
    let mut enabled = std::collections::BTreeSet::new();
    for (name, value) in fields {
        let Some((row, part)) = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.split_once('.'))
        else {
            continue;
        };
        let Ok(row) = row.parse::<usize>() else {
            continue;
        };
        match part {
            "key" => rows.entry(row).or_default().key = value.clone(),
            "value" => rows.entry(row).or_default().value = value.clone(),
            "enabled" => {
                enabled.insert(row);
            }
            _ => {}
        }
    }
    rows.into_iter()
        .filter(|(_, pair)| !(pair.key.is_empty() && pair.value.is_empty()))
        .map(|(row, pair)| Pair {
            disabled: !enabled.contains(&row),
            ..pair
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionSummary {
    pub id: String,
    pub name: String,
    pub revision: i64,
    pub updated: String,
    pub updated_ago: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionsList {
    pub team_name: String,
    pub can_edit: bool,
    pub collections: Vec<CollectionSummary>,
}

/// A header, query parameter or variable row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub key: String,
    pub value: String,
    pub disabled: bool,
}

/// One folder or request of the tree, in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeRow {
    pub id: String,
    pub name: String,
    pub depth: usize,
    pub parent_id: Option<String>,
    pub folder: bool,
    pub method: String,
    pub url: String,
    /// The operation of an API's definition it was generated from ("GET /users/{id}"), if
    /// it was: generating again updates it; what people made by hand it leaves alone.
    pub generated_from: Option<String>,
}

/// A request's editable fields. `body_mode` is `none`, `raw`, or the mode of a body the editor
/// does not write (kept unless replaced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestForm {
    pub name: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<Pair>,
    pub query: Vec<Pair>,
    pub body: BodyForm,
    pub description: String,
}

/// A request's body in every shape the editor offers, so that switching the kind of body
/// starts from what the request has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BodyForm {
    /// `none`, `raw`, `urlencoded`, `formdata`, `graphql`, or the mode of a body the editor
    /// keeps as it is (a binary `file`…).
    pub mode: String,
    pub raw: String,
    /// The language of the raw text (`text`, `json`…).
    pub raw_language: String,
    pub urlencoded: Vec<Pair>,
    /// The text fields of a form-data body.
    pub formdata: Vec<Pair>,
    /// The names of a form-data body's file fields, which the editor keeps as they are.
    pub files: Vec<String>,
    pub graphql_query: String,
    pub graphql_variables: String,
}

impl BodyForm {
    /// The modes the editor writes, with their labels.
    pub const MODES: [(&'static str, &'static str); 5] = [
        ("none", "none"),
        ("raw", "raw text"),
        ("urlencoded", "URL-encoded form"),
        ("formdata", "form data"),
        ("graphql", "GraphQL"),
    ];

    /// The languages of a raw body, as Postman names them, with their labels (the domain
    /// refuses others; a test keeps the two lists equal).
    pub const RAW_LANGUAGES: [(&'static str, &'static str); 5] = [
        ("text", "Text"),
        ("json", "JSON"),
        ("javascript", "JavaScript"),
        ("html", "HTML"),
        ("xml", "XML"),
    ];

    /// Whether the editor writes bodies of this mode (others are kept as they are).
    pub fn is_editable(mode: &str) -> bool {
        Self::MODES.iter().any(|(known, _)| *known == mode)
    }
}

/// The folder or request picked in the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// `None` for a folder.
    pub request: Option<RequestForm>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionData {
    pub id: String,
    pub name: String,
    pub description: String,
    pub revision: i64,
    pub updated: String,
    pub can_edit: bool,
    pub tree: Vec<TreeRow>,
    pub variables: Vec<Pair>,
    pub selected: Option<Selected>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionEntry {
    pub number: i64,
    pub author: String,
    pub at: String,
    pub ago: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryData {
    pub id: String,
    pub name: String,
    pub revisions: Vec<RevisionEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionData {
    pub id: String,
    pub name: String,
    pub revision: RevisionEntry,
    pub tree: Vec<TreeRow>,
    /// The revision's canonical JSON, as its export serves it.
    pub json: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use ferry_domain::{
        collections::CollectionsError,
        postman::{BodyView, Collection, KeyValue},
        store::collections::RevisionRow,
    };
    use leptos::prelude::*;

    use super::{BodyForm, Pair, RequestForm, RevisionEntry, Selected, TreeRow};
    use crate::{
        server_error::{not_found, server_fn_error},
        session::{ago, when},
    };

    /// A service refusal as a page shows it; "not found" also makes the page answer 404.
    pub fn refusal(error: CollectionsError) -> ServerFnError {
        match error {
            CollectionsError::NotFound => {
                not_found("Not found: this team has no such collection (or revision).")
            }
            other => server_fn_error(other),
        }
    }

    pub fn pairs(rows: Vec<KeyValue>) -> Vec<Pair> {
        rows.into_iter()
            .map(|row| Pair {
                key: row.key,
                value: row.value,
                disabled: row.disabled,
            })
            .collect()
    }

    pub fn tree(collection: &Collection) -> Vec<TreeRow> {
        use ferry_domain::postman::NodeKind;
        collection
            .tree()
            .into_iter()
            .map(|node| {
                let (folder, method, url) = match node.kind {
                    NodeKind::Folder => (true, String::new(), String::new()),
                    NodeKind::Request { method, url } => (false, method, url),
                };
                TreeRow {
                    generated_from: ferry_domain::openapi::generate::generated_operation(
                        collection, &node.id,
                    ),
                    id: node.id,
                    name: node.name,
                    depth: node.depth,
                    parent_id: node.parent_id,
                    folder,
                    method,
                    url,
                }
            })
            .collect()
    }

    /// The item `id` of the tree, with the request's fields when it is one; `None` when the
    /// collection has no such item (a stale link).
    pub fn selected(collection: &Collection, rows: &[TreeRow], id: &str) -> Option<Selected> {
        let row = rows.iter().find(|row| row.id == id)?;
        let request = collection.request_view(id).ok().map(|view| RequestForm {
            name: view.name,
            method: view.method,
            url: view.url,
            headers: pairs(view.headers),
            query: pairs(view.query),
            body: body_form(view.body),
            description: view.description,
        });
        Some(Selected {
            id: row.id.clone(),
            name: row.name.clone(),
            parent_id: row.parent_id.clone(),
            request,
        })
    }

    fn body_form(body: BodyView) -> BodyForm {
        let empty = BodyForm {
            raw_language: "text".to_owned(),
            ..BodyForm::default()
        };
        match body {
            BodyView::None => BodyForm {
                mode: "none".to_owned(),
                ..empty
            },
            BodyView::Raw { text, language } => BodyForm {
                mode: "raw".to_owned(),
                raw: text,
                raw_language: language,
                ..empty
            },
            BodyView::UrlEncoded(fields) => BodyForm {
                mode: "urlencoded".to_owned(),
                urlencoded: pairs(fields),
                ..empty
            },
            BodyView::FormData { fields, files } => BodyForm {
                mode: "formdata".to_owned(),
                formdata: pairs(fields),
                files,
                ..empty
            },
            BodyView::GraphQl { query, variables } => BodyForm {
                mode: "graphql".to_owned(),
                graphql_query: query,
                graphql_variables: variables,
                ..empty
            },
            BodyView::Other { mode } => BodyForm { mode, ..empty },
        }
    }

    pub fn revision_entry(row: RevisionRow, now_ms: i64) -> RevisionEntry {
        RevisionEntry {
            number: row.number,
            author: row.author_email,
            at: when(row.created_at_ms),
            ago: ago(row.created_at_ms, now_ms),
            summary: row.summary,
        }
    }
}

/// The current team's collections whose name contains `q`; `None` when signed out.
#[server(endpoint = "load_collections")]
pub async fn load_collections(q: String) -> Result<Option<CollectionsList>, ServerFnError> {
    use crate::session::{ago, server_fn_actor, when};
    use ferry_domain::{auth::Permission, collections::Collections, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let rows = Collections::new(&store)
        .list(&actor, &q)
        .await
        .map_err(ssr::refusal)?;
    let now = now_ms();
    Ok(Some(CollectionsList {
        team_name: actor.team_name.clone(),
        can_edit: actor.role.allows(Permission::EditCollections),
        collections: rows
            .into_iter()
            .map(|row| CollectionSummary {
                updated: when(row.updated_at_ms),
                updated_ago: ago(row.updated_at_ms, now),
                id: row.id,
                name: row.name,
                revision: row.revision,
            })
            .collect(),
    }))
}

/// Collection `id` of the current team, with folder or request `item` selected if given.
#[server(endpoint = "load_collection")]
pub async fn load_collection(
    id: String,
    item: Option<String>,
) -> Result<Option<CollectionData>, ServerFnError> {
    use crate::session::{server_fn_actor, when};
    use ferry_domain::{auth::Permission, collections::Collections};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let stored = Collections::new(&store)
        .get(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    let tree = ssr::tree(&stored.collection);
    let selected = item.and_then(|item| ssr::selected(&stored.collection, &tree, &item));
    Ok(Some(CollectionData {
        id: stored.row.id,
        name: stored.row.name,
        description: stored.collection.description(),
        revision: stored.row.revision,
        updated: when(stored.row.updated_at_ms),
        can_edit: actor.role.allows(Permission::EditCollections),
        variables: ssr::pairs(stored.collection.variables()),
        tree,
        selected,
    }))
}

/// The revisions of collection `id`, newest first.
#[server(endpoint = "load_history")]
pub async fn load_history(id: String) -> Result<Option<HistoryData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::{collections::Collections, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let service = Collections::new(&store);
    let current = service.get(&actor, &id).await.map_err(ssr::refusal)?;
    let rows = service.revisions(&actor, &id).await.map_err(ssr::refusal)?;
    let now = now_ms();
    Ok(Some(HistoryData {
        id: current.row.id,
        name: current.row.name,
        revisions: rows
            .into_iter()
            .map(|row| ssr::revision_entry(row, now))
            .collect(),
    }))
}

/// Revision `number` of collection `id`: who saved it, when, and the document as it was.
#[server(endpoint = "load_revision")]
pub async fn load_revision(id: String, number: i64) -> Result<Option<RevisionData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::{collections::Collections, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let revision = Collections::new(&store)
        .revision(&actor, &id, number)
        .await
        .map_err(ssr::refusal)?;
    Ok(Some(RevisionData {
        id: id.clone(),
        name: revision.collection.name().to_owned(),
        tree: ssr::tree(&revision.collection),
        json: revision.collection.to_canonical_json(),
        revision: ssr::revision_entry(revision.row, now_ms()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn posted_rows_come_back_in_order_without_blank_ones() {
        let posted = fields(&[
            ("header.10.key", "X-Late"),
            ("header.10.value", "1"),
            ("header.10.enabled", "on"),
            ("header.2.key", "Accept"),
            ("header.2.value", "text/csv"),
            ("header.3.key", ""),
            ("header.3.value", ""),
            ("header.3.enabled", "on"),
            ("query.0.key", "page"),
            ("header.x.key", "ignored"),
            ("name", "List"),
        ]);
        let pair = |key: &str, value: &str, disabled| Pair {
            key: key.into(),
            value: value.into(),
            disabled,
        };
        assert_eq!(
            pairs_from_fields(&posted, "header"),
            [pair("Accept", "text/csv", true), pair("X-Late", "1", false)]
        );
        assert_eq!(
            pairs_from_fields(&posted, "query"),
            [pair("page", "", true)]
        );
        assert!(pairs_from_fields(&posted, "var").is_empty());
    }

    #[test]
    fn ids_are_escaped_in_links() {
        assert_eq!(
            collection_href("6fd141b6-1ef7_x.y~z"),
            "/collections/6fd141b6-1ef7_x.y~z"
        );
        assert_eq!(collection_href("a b/c"), "/collections/a%20b%2Fc");
        assert_eq!(item_href("c", "r?1é"), "/collections/c?item=r%3F1%C3%A9");
    }
}
