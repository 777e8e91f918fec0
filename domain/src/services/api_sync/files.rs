//! The files an API is in git: where each one goes, what Ferry holds for it now, and how that
//! differs from the base.

use std::collections::HashMap;

use crate::{
    postman::Collection,
    store::{
        api_sync::{ConnectionRow, SyncFileRow},
        Store, StoreError,
    },
};

/// A file as Ferry holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LocalFile {
    pub path: String,
    /// `None` for the definition.
    pub collection_id: Option<String>,
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChangeKind {
    Added,
    Modified,
    /// A collection renamed in Ferry: its file moves (`old_path` is deleted).
    Renamed,
}

/// A file that differs from the base: what a push commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalChange {
    pub path: String,
    pub kind: FileChangeKind,
    /// The file's path at the base when it moved.
    pub old_path: Option<String>,
    pub collection_id: Option<String>,
    /// What the file held at the base (`None` when it is new).
    pub base: Option<String>,
    pub content: String,
}

/// `<name>.postman_collection.json`, with the characters file systems and URLs trip over
/// replaced; an empty name falls back to the collection's id.
pub fn collection_file_name(name: &str, id: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let stem = if cleaned.is_empty() { id } else { cleaned };
    format!("{stem}.postman_collection.json")
}

/// Where a collection's file lives in the repository.
pub(super) fn collection_path(dir: &str, name: &str, id: &str) -> String {
    join(dir, &collection_file_name(name, id))
}

pub(super) fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_matches('/');
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a repository path is a collection file of the connection's directory (directly in
/// it: subdirectories are the team's own business).
pub(super) fn is_collection_path(connection: &ConnectionRow, path: &str) -> bool {
    let dir = connection.collections_dir.trim_matches('/');
    let rest = if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir)
            .and_then(|rest| rest.strip_prefix('/'))
    };
    rest.is_some_and(|name| !name.contains('/') && name.ends_with(".json"))
}

/// A collection file's content in the form Ferry compares and stores: its canonical JSON.
/// `None` when the file is not a collection Ferry accepts.
pub(super) fn canonical_collection(bytes: &[u8]) -> Result<Collection, String> {
    Collection::import(bytes).map_err(|error| error.to_string())
}

/// What Ferry holds now for the connected API: its definition, then each linked collection.
/// Two collections with the same file name get their ids added to tell them apart.
pub(super) async fn local_files(
    store: &Store,
    connection: &ConnectionRow,
) -> Result<Vec<LocalFile>, StoreError> {
    let team = &connection.team_id;
    let api = &connection.api_id;
    let mut files = Vec::new();
    if let Some((_, text)) = store.api(team, api).await? {
        files.push(LocalFile {
            path: connection.definition_path.clone(),
            collection_id: None,
            content: text,
        });
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let links = store.api_collections(team, api).await?;
    for link in &links {
        let path = collection_path(&connection.collections_dir, &link.name, &link.collection_id);
        *seen.entry(path).or_default() += 1;
    }
    for link in links {
        let Some((row, canonical)) = store.collection(team, &link.collection_id).await? else {
            continue;
        };
        let mut path = collection_path(&connection.collections_dir, &row.name, &row.id);
        if seen.get(&path).copied().unwrap_or(0) > 1 {
            let short: String = row.id.chars().take(8).collect();
            let name = format!("{} ({short})", row.name);
            path = collection_path(&connection.collections_dir, &name, &row.id);
        }
        files.push(LocalFile {
            path,
            collection_id: Some(row.id),
            content: canonical,
        });
    }
    Ok(files)
}

/// The base file of each local file (the same definition, the same collection).
pub(super) fn base_of<'b>(base: &'b [SyncFileRow], file: &LocalFile) -> Option<&'b SyncFileRow> {
    base.iter()
        .find(|row| row.collection_id == file.collection_id)
}

/// The files Ferry changed since the base.
pub(super) async fn local_changes(
    store: &Store,
    connection: &ConnectionRow,
) -> Result<Vec<LocalChange>, StoreError> {
    let local = local_files(store, connection).await?;
    let base = store
        .api_sync_files(&connection.team_id, &connection.api_id)
        .await?;
    Ok(changes_between(&base, local))
}

pub(super) fn changes_between(base: &[SyncFileRow], local: Vec<LocalFile>) -> Vec<LocalChange> {
    let mut changes = Vec::new();
    for file in local {
        let change = match base_of(base, &file) {
            None => LocalChange {
                kind: FileChangeKind::Added,
                old_path: None,
                base: None,
                path: file.path,
                collection_id: file.collection_id,
                content: file.content,
            },
            Some(row) if row.path != file.path => LocalChange {
                kind: FileChangeKind::Renamed,
                old_path: Some(row.path.clone()),
                base: Some(row.content.clone()),
                path: file.path,
                collection_id: file.collection_id,
                content: file.content,
            },
            Some(row) if row.content != file.content => LocalChange {
                kind: FileChangeKind::Modified,
                old_path: None,
                base: Some(row.content.clone()),
                path: file.path,
                collection_id: file.collection_id,
                content: file.content,
            },
            Some(_) => continue,
        };
        changes.push(change);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_file_names_are_safe_and_never_empty() {
        assert_eq!(
            collection_file_name("Users API", "id"),
            "Users API.postman_collection.json"
        );
        assert_eq!(
            collection_file_name("a/b: \"c\"", "id"),
            "a-b- -c-.postman_collection.json"
        );
        assert_eq!(
            collection_file_name(" .. ", "1234"),
            "1234.postman_collection.json"
        );
        assert_eq!(
            join("postman/collections/", "x.json"),
            "postman/collections/x.json"
        );
        assert_eq!(join("", "x.json"), "x.json");
    }

    #[test]
    fn changes_are_told_from_the_base_by_identity_then_path_then_content() {
        let row = |path: &str, id: Option<&str>, content: &str| SyncFileRow {
            path: path.into(),
            collection_id: id.map(str::to_owned),
            content: content.into(),
        };
        let file = |path: &str, id: Option<&str>, content: &str| LocalFile {
            path: path.into(),
            collection_id: id.map(str::to_owned),
            content: content.into(),
        };
        let base = [row("api.yaml", None, "a"), row("c/A.json", Some("1"), "x")];
        let local = vec![
            file("api.yaml", None, "a"),
            file("c/B.json", Some("1"), "x"),
            file("c/C.json", Some("2"), "y"),
        ];
        let changes = changes_between(&base, local);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].kind, FileChangeKind::Renamed);
        assert_eq!(changes[0].old_path.as_deref(), Some("c/A.json"));
        assert_eq!(changes[1].kind, FileChangeKind::Added);
        let edited = changes_between(&base, vec![file("api.yaml", None, "b")]);
        assert_eq!(edited[0].kind, FileChangeKind::Modified);
        assert_eq!(edited[0].base.as_deref(), Some("a"));
    }
}
