//! Three-way merge of a collection by item id: Ferry's version (ours) and the repository's
//! (theirs), both descended from the version of the last sync (the base).
//!
//! Folders and requests are matched by their stable `id` wherever they sit in the three trees.
//! What [`merge_collections`] guarantees:
//!
//! - an item changed on one side only takes that side's version; the same change on both
//!   sides lands once; different changes on both sides are a [`ConflictKind::BothChanged`].
//!   A folder's own fields (name, description, auth, events, …) are one unit, compared
//!   without its `item` list: its contents merge item by item, so renaming a folder on one
//!   side and changing a request in it on the other both land;
//! - an item added on one side is added, in the folder that side put it in, right after the
//!   nearest preceding sibling (on that side) that is in the result, or first if none is;
//! - an item deleted on one side and unchanged on the other (fields and folder) is deleted;
//!   deleted on one side and changed on the other, or a folder deleted on one side that the
//!   other side added or moved items into, is a [`ConflictKind::ChangedAndDeleted`];
//! - an item moved to another folder on one side is moved; moved to different folders on
//!   both sides is a [`ConflictKind::Moved`], as are moves that would put a folder inside
//!   itself or deeper than [`crate::limits::MAX_FOLDER_DEPTH`]. The order of a folder's
//!   items that both sides kept in it follows the side that reordered them; both reordering
//!   differently is a `Moved` conflict too;
//! - the collection's own parts — `info` (without `_postman_id`), `variable`, `event`,
//!   `auth` and every key this crate does not know — merge the same way, one unit each,
//!   and a conflict on one names it by its key;
//! - a clean result keeps Ferry's collection id, is valid v2.1 with unique item ids, and
//!   holds only items and fields taken whole from one of the three versions: nothing is
//!   rewritten. A conflict returns every conflict found and no collection: until a person
//!   chooses, neither side is overwritten.
//!
//! ```
//! use ferry_postman::{merge_collections, Collection, CollectionMerge, ConflictKind, RequestUpdate};
//!
//! let base = Collection::import(br#"{"info": {"name": "Users API",
//!     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
//!     "item": [{"id": "list", "name": "List users", "request": "https://api.example.com/users"},
//!              {"id": "get", "name": "Get user", "request": "https://api.example.com/users/1"}]}"#)?;
//! let mut ferry = base.clone();
//! ferry.update_request("list", RequestUpdate { method: Some("HEAD".into()), ..Default::default() })?;
//! let mut repository = base.clone();
//! repository.update_request("get", RequestUpdate { url: Some("https://api.example.com/users/2".into()), ..Default::default() })?;
//!
//! let CollectionMerge::Clean(merged) = merge_collections(&base, &ferry, &repository) else {
//!     panic!("different requests changed");
//! };
//! let requests: Vec<_> = merged.tree().into_iter().map(|node| node.kind).collect();
//! assert_eq!(format!("{requests:?}"), r#"[Request { method: "HEAD", url: "https://api.example.com/users" }, Request { method: "GET", url: "https://api.example.com/users/2" }]"#);
//!
//! let mut other = base.clone();
//! other.update_request("list", RequestUpdate { method: Some("POST".into()), ..Default::default() })?;
//! let CollectionMerge::Conflict(conflicts) = merge_collections(&base, &ferry, &other) else {
//!     panic!("the same request changed differently");
//! };
//! assert_eq!((conflicts[0].id.as_str(), conflicts[0].name.as_str()), ("list", "List users"));
//! assert_eq!(conflicts[0].kind, ConflictKind::BothChanged);
//! # Ok::<(), ferry_postman::FormatError>(())
//! ```

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{
    items::{self, Item},
    limits::MAX_FOLDER_DEPTH,
    Collection,
};

/// The outcome of [`merge_collections`].
#[derive(Debug, Clone, PartialEq)]
pub enum CollectionMerge {
    /// The merged collection, to store and commit.
    Clean(Collection),
    /// Every conflict found (the collection's own parts first, then items in document
    /// order); nothing is merged.
    Conflict(Vec<ItemConflict>),
}

/// One part both sides changed in ways that do not combine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemConflict {
    /// The item's id, or for a part of the collection itself its key: `info`, `variable`,
    /// `event`, `auth` or an unknown key.
    pub id: String,
    /// The item's name (Ferry's, else the repository's, else the base's); for a part of the
    /// collection, the collection's name.
    pub name: String,
    pub kind: ConflictKind,
}

/// How the two sides disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Both sides changed it, differently.
    BothChanged,
    /// One side deleted it; the other changed or moved it (or, for a folder, put items in it).
    ChangedAndDeleted { deleted_by: Side },
    /// Both sides added it (the same id), differently or in different folders.
    BothAdded,
    /// Both sides moved it, to different places or orders; or the moves together would put
    /// a folder inside itself or nest folders too deeply.
    Moved,
}

/// Which side of a merge: Ferry's or the repository's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ours,
    Theirs,
}

/// Merges `ours` and `theirs`, both descended from `base` (see the module documentation).
pub fn merge_collections(
    base: &Collection,
    ours: &Collection,
    theirs: &Collection,
) -> CollectionMerge {
    let (mut document, mut conflicts) = collection_parts([base, ours, theirs]);
    let trees = [base, ours, theirs].map(Tree::index);
    let mut merge = Merge {
        trees: &trees,
        conflicts: Vec::new(),
    };
    let items = merge.items();
    conflicts.append(&mut merge.conflicts);
    match items {
        Some(items) if conflicts.is_empty() => {
            document.insert("item".to_owned(), Value::Array(items));
            CollectionMerge::Clean(Collection { document })
        }
        _ => CollectionMerge::Conflict(conflicts),
    }
}

/// The document without `item`: each other top-level key merged as one unit. `info` is
/// compared without `_postman_id`, and the result keeps Ferry's collection id.
fn collection_parts(versions: [&Collection; 3]) -> (Map<String, Value>, Vec<ItemConflict>) {
    let documents = versions.map(|collection| &collection.document);
    let mut keys: Vec<&String> = documents
        .iter()
        .flat_map(|document| document.keys())
        .collect();
    keys.sort();
    keys.dedup();
    let mut merged = Map::new();
    let mut conflicts = Vec::new();
    for key in keys.into_iter().filter(|key| *key != "item") {
        let skip = (key == "info").then_some("_postman_id");
        match three_way(documents.map(|document| document.get(key)), |a, b| {
            same_except(a, b, skip)
        }) {
            Ok(Some((value, _))) => {
                merged.insert(key.clone(), value.clone());
            }
            Ok(None) => {}
            Err(kind) => conflicts.push(ItemConflict {
                id: key.clone(),
                name: versions[OURS].name().to_owned(),
                kind,
            }),
        }
    }
    if let Some(Value::Object(info)) = merged.get_mut("info") {
        info.insert(
            "_postman_id".to_owned(),
            Value::String(versions[OURS].id().to_owned()),
        );
    }
    (merged, conflicts)
}

/// The decision for one unit given its base, ours and theirs versions (`None`: absent): the
/// version to keep and the side it was taken from (`None`: absent from the result), or why
/// not.
fn three_way<T: Copy>(
    [base, ours, theirs]: [Option<T>; 3],
    same: impl Fn(T, T) -> bool,
) -> Result<Option<(T, Side)>, ConflictKind> {
    let equal = |a: Option<T>, b: Option<T>| match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (a, b) => a.is_none() && b.is_none(),
    };
    let ours_kept = ours.map(|version| (version, Side::Ours));
    if equal(ours, theirs) || equal(theirs, base) {
        Ok(ours_kept)
    } else if equal(ours, base) {
        Ok(theirs.map(|version| (version, Side::Theirs)))
    } else {
        Err(match (base, ours, theirs) {
            (None, _, _) => ConflictKind::BothAdded,
            (Some(_), None, _) => ConflictKind::ChangedAndDeleted {
                deleted_by: Side::Ours,
            },
            (Some(_), _, None) => ConflictKind::ChangedAndDeleted {
                deleted_by: Side::Theirs,
            },
            (Some(_), Some(_), Some(_)) => ConflictKind::BothChanged,
        })
    }
}

/// Equal JSON, but for the key `skip` of two objects.
fn same_except(a: &Value, b: &Value, skip: Option<&str>) -> bool {
    match (a, b, skip) {
        (Value::Object(a), Value::Object(b), Some(skip)) => same_fields(a, b, skip),
        _ => a == b,
    }
}

/// Equal objects, but for the key `skip`.
fn same_fields(a: &Map<String, Value>, b: &Map<String, Value>, skip: &str) -> bool {
    let fields = |object: &Map<String, Value>| object.keys().filter(|key| *key != skip).count();
    fields(a) == fields(b)
        && a.iter()
            .filter(|(key, _)| *key != skip)
            .all(|(key, value)| b.get(key) == Some(value))
}

/// An item's own fields: a folder's without its contents, which merge item by item.
fn same_item(a: &Item, b: &Item) -> bool {
    if items::is_folder(a) && items::is_folder(b) {
        same_fields(a, b, "item")
    } else {
        a == b
    }
}

/// A parent: `None` is the collection's top level.
type Parent<'a> = Option<&'a str>;

/// Where the base, ours and theirs are in `[T; 3]`s.
const BASE: usize = 0;
const OURS: usize = 1;
const THEIRS: usize = 2;

/// One version's items by id, where each sits, and each folder's children in order.
struct Tree<'a> {
    items: HashMap<&'a str, (&'a Item, Parent<'a>)>,
    children: HashMap<Parent<'a>, Vec<&'a str>>,
    /// Every id, in document order.
    order: Vec<&'a str>,
}

impl<'a> Tree<'a> {
    fn index(collection: &'a Collection) -> Tree<'a> {
        let mut tree = Tree {
            items: HashMap::new(),
            children: HashMap::new(),
            order: Vec::new(),
        };
        if let Some(list) = collection.document.get("item") {
            items::walk(list, &mut |visit| {
                let id = items::id(visit.item);
                let parent = visit.folders.last().map(|folder| items::id(folder));
                tree.items.insert(id, (visit.item, parent));
                tree.children.entry(parent).or_default().push(id);
                tree.order.push(id);
            });
        }
        tree
    }

    fn children(&self, parent: Parent<'a>) -> &[&'a str] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }
}

struct Merge<'t, 'a> {
    trees: &'t [Tree<'a>; 3],
    conflicts: Vec<ItemConflict>,
}

/// An item in the result: its fields, its folder, and the side whose placement it takes.
struct Survivor<'a> {
    item: &'a Item,
    parent: Parent<'a>,
    placed_by: Side,
}

/// Each folder's children in the result, by parent.
type Children<'a> = HashMap<Parent<'a>, Vec<&'a str>>;

impl<'a> Merge<'_, 'a> {
    /// The merged item tree, or `None` if anything conflicts (the conflicts are recorded).
    fn items(&mut self) -> Option<Vec<Value>> {
        let order = self.document_order();
        let survivors = self.survivors(&order);
        self.orphans(&order, &survivors);
        let mut members: Children<'a> = HashMap::new();
        for id in &order {
            if let Some(survivor) = survivors.get(id) {
                members.entry(survivor.parent).or_default().push(id);
            }
        }
        let mut children = HashMap::new();
        for (parent, members) in &members {
            if let Some(ordered) = self.order(*parent, members, &survivors) {
                children.insert(*parent, ordered);
            }
        }
        if !self.conflicts.is_empty() {
            self.sort_conflicts(&order);
            return None;
        }
        let mut built = HashSet::new();
        let items = self.build(None, 0, &children, &survivors, &mut built);
        for id in &order {
            if survivors.contains_key(id) && !built.contains(id) {
                self.conflict(id, ConflictKind::Moved);
            }
        }
        self.sort_conflicts(&order);
        self.conflicts.is_empty().then_some(items)
    }

    /// Every id of the three versions: the base's in order, then those ours added, then
    /// those theirs added.
    fn document_order(&self) -> Vec<&'a str> {
        let mut seen = HashSet::new();
        self.trees
            .iter()
            .flat_map(|tree| tree.order.iter().copied())
            .filter(|id| seen.insert(*id))
            .collect()
    }

    /// The items that stay, with their fields and folder; conflicts are recorded.
    fn survivors(&mut self, order: &[&'a str]) -> HashMap<&'a str, Survivor<'a>> {
        let mut survivors = HashMap::new();
        for &id in order {
            let found = self.trees.each_ref().map(|tree| tree.items.get(id));
            let fields = three_way(found.map(|found| found.map(|(item, _)| *item)), same_item);
            // A move is a change: deleting an item the other side moved is a conflict.
            let parent = three_way(
                found.map(|found| found.map(|(_, parent)| parent)),
                |a, b| a == b,
            );
            match (fields, parent) {
                (Err(kind), _) | (Ok(None), Err(kind)) => self.conflict(id, kind),
                (Ok(Some(_)), Err(ConflictKind::BothChanged)) => {
                    self.conflict(id, ConflictKind::Moved)
                }
                (Ok(Some(_)), Err(kind)) => self.conflict(id, kind),
                (Ok(Some((item, _))), Ok(Some((parent, placed_by)))) => {
                    survivors.insert(
                        id,
                        Survivor {
                            item,
                            parent: *parent,
                            placed_by,
                        },
                    );
                }
                // Deleted (on one side, unchanged on the other; or on both).
                (Ok(_), Ok(_)) => {}
            }
        }
        survivors
    }

    /// A folder deleted on one side while the other side added or moved items into it.
    fn orphans(&mut self, order: &[&'a str], survivors: &HashMap<&'a str, Survivor<'a>>) {
        for id in order {
            let Some(Some(folder)) = survivors.get(id).map(|survivor| survivor.parent) else {
                continue;
            };
            if survivors.contains_key(folder) {
                continue;
            }
            let deleted_by = if self.trees[OURS].items.contains_key(folder) {
                Side::Theirs
            } else {
                Side::Ours
            };
            self.conflict(folder, ConflictKind::ChangedAndDeleted { deleted_by });
        }
    }

    /// The order of `parent`'s children in the result. Those both sides kept in it follow
    /// the side that reordered them; the others (added, or moved in, by one side) go after
    /// their nearest preceding sibling on that side, ours first.
    fn order(
        &mut self,
        parent: Parent<'a>,
        members: &[&'a str],
        survivors: &HashMap<&'a str, Survivor<'a>>,
    ) -> Option<Vec<&'a str>> {
        let stayed: HashSet<&str> = members
            .iter()
            .copied()
            .filter(|id| {
                self.trees
                    .iter()
                    .all(|tree| tree.items.get(id).is_some_and(|(_, at)| *at == parent))
            })
            .collect();
        let [base, ours, theirs] = self.trees.each_ref().map(|tree| {
            tree.children(parent)
                .iter()
                .copied()
                .filter(|id| stayed.contains(id))
                .collect::<Vec<_>>()
        });
        let mut ordered = if ours == base {
            theirs
        } else if theirs == base || theirs == ours {
            ours
        } else {
            for (index, id) in ours.iter().enumerate() {
                if theirs.get(index) != Some(id) {
                    self.conflict(id, ConflictKind::Moved);
                }
            }
            return None;
        };
        let mut inserted_by_ours = HashSet::new();
        for (side, tree) in [(Side::Ours, OURS), (Side::Theirs, THEIRS)] {
            let siblings = self.trees[tree].children(parent);
            for (index, id) in siblings.iter().enumerate() {
                if stayed.contains(id)
                    || survivors.get(id).is_none_or(|survivor| {
                        survivor.parent != parent || survivor.placed_by != side
                    })
                {
                    continue;
                }
                let after = siblings[..index]
                    .iter()
                    .rev()
                    .find_map(|sibling| ordered.iter().position(|placed| placed == sibling));
                let mut at = after.map_or(0, |after| after + 1);
                if side == Side::Theirs {
                    while ordered
                        .get(at)
                        .is_some_and(|placed| inserted_by_ours.contains(placed))
                    {
                        at += 1;
                    }
                } else {
                    inserted_by_ours.insert(*id);
                }
                ordered.insert(at, id);
            }
        }
        Some(ordered)
    }

    /// The items of `parent` in the result, `depth` folders deep, their folders filled in.
    fn build(
        &mut self,
        parent: Parent<'a>,
        depth: usize,
        children: &Children<'a>,
        survivors: &HashMap<&'a str, Survivor<'a>>,
        built: &mut HashSet<&'a str>,
    ) -> Vec<Value> {
        let Some(ids) = children.get(&parent) else {
            return Vec::new();
        };
        if depth > MAX_FOLDER_DEPTH {
            if let Some(folder) = parent {
                self.conflict(folder, ConflictKind::Moved);
            }
            return Vec::new();
        }
        let mut list = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(survivor) = survivors.get(id) else {
                continue;
            };
            built.insert(id);
            let mut item = survivor.item.clone();
            if items::is_folder(&item) {
                let contents = self.build(Some(id), depth + 1, children, survivors, built);
                item.insert("item".to_owned(), Value::Array(contents));
            }
            list.push(Value::Object(item));
        }
        list
    }

    /// Records a conflict on an item, once per item.
    fn conflict(&mut self, id: &str, kind: ConflictKind) {
        if self.conflicts.iter().any(|conflict| conflict.id == id) {
            return;
        }
        let name = [OURS, THEIRS, BASE]
            .into_iter()
            .find_map(|tree| self.trees[tree].items.get(id))
            .map_or("", |(item, _)| items::name(item));
        self.conflicts.push(ItemConflict {
            id: id.to_owned(),
            name: name.to_owned(),
            kind,
        });
    }

    fn sort_conflicts(&mut self, order: &[&str]) {
        let position: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(index, id)| (*id, index))
            .collect();
        self.conflicts
            .sort_by_key(|conflict| position.get(conflict.id.as_str()).copied());
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::{RequestUpdate, SCHEMA_V2_1};

    fn collection(items: Value) -> Collection {
        let document = json!({"info": {"_postman_id": "c", "name": "Users API", "schema": SCHEMA_V2_1}, "item": items});
        Collection::import(document.to_string().as_bytes()).unwrap()
    }

    fn request(id: &str, url: &str) -> Value {
        json!({"id": id, "name": id.to_uppercase(), "request": url})
    }

    fn folder(id: &str, items: Value) -> Value {
        json!({"id": id, "name": id.to_uppercase(), "item": items})
    }

    /// The merged collection, checked to be one `Collection::import` accepts as it is.
    fn clean(merge: CollectionMerge) -> Collection {
        let CollectionMerge::Clean(merged) = merge else {
            panic!("expected a clean merge, got {merge:?}");
        };
        let again = Collection::import(merged.to_canonical_json().as_bytes()).unwrap();
        assert_eq!(again, merged);
        merged
    }

    fn conflicts(merge: CollectionMerge) -> Vec<(String, ConflictKind)> {
        let CollectionMerge::Conflict(conflicts) = merge else {
            panic!("expected a conflict, got {merge:?}");
        };
        conflicts.into_iter().map(|c| (c.id, c.kind)).collect()
    }

    fn ids(collection: &Collection) -> Vec<(String, Option<String>)> {
        collection
            .tree()
            .into_iter()
            .map(|node| (node.id, node.parent_id))
            .collect()
    }

    fn at(id: &str, parent: Option<&str>) -> (String, Option<String>) {
        (id.to_owned(), parent.map(str::to_owned))
    }

    fn set_url(collection: &mut Collection, id: &str, url: &str) {
        let update = RequestUpdate {
            url: Some(url.into()),
            ..Default::default()
        };
        collection.update_request(id, update).unwrap();
    }

    fn urls(collection: &Collection) -> Vec<String> {
        collection
            .tree()
            .into_iter()
            .filter_map(|node| match node.kind {
                crate::NodeKind::Request { url, .. } => Some(url),
                crate::NodeKind::Folder => None,
            })
            .collect()
    }

    fn base() -> Collection {
        collection(json!([
            request("a", "/a"),
            folder("f", json!([request("b", "/b"), request("c", "/c")])),
            request("d", "/d"),
        ]))
    }

    #[test]
    fn a_request_changed_on_each_side_both_land() {
        let (mut ours, mut theirs) = (base(), base());
        set_url(&mut ours, "a", "/a2");
        set_url(&mut theirs, "c", "/c2");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(urls(&merged), ["/a2", "/b", "/c2", "/d"]);
    }

    #[test]
    fn additions_on_both_sides_land_where_each_side_put_them() {
        let (mut ours, mut theirs) = (base(), base());
        let x = ours.add_request(Some("f"), "X", "GET", "/x").unwrap();
        ours.move_item(&x, Some("f"), 1).unwrap();
        let y = theirs.add_request(None, "Y", "GET", "/y").unwrap();
        theirs.move_item(&y, None, 1).unwrap();
        let z = theirs.add_request(Some("f"), "Z", "GET", "/z").unwrap();
        theirs.move_item(&z, Some("f"), 1).unwrap();
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(urls(&merged), ["/a", "/y", "/b", "/x", "/z", "/c", "/d"]);
    }

    #[test]
    fn deleted_on_one_side_and_unchanged_on_the_other_is_deleted() {
        let (mut ours, mut theirs) = (base(), base());
        ours.delete("a").unwrap();
        theirs.delete("f").unwrap();
        set_url(&mut theirs, "d", "/d2");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(ids(&merged), [at("d", None)]);
        assert_eq!(urls(&merged), ["/d2"]);
    }

    #[test]
    fn deleted_on_one_side_and_changed_on_the_other_is_a_conflict() {
        let (mut ours, mut theirs) = (base(), base());
        set_url(&mut ours, "b", "/b2");
        theirs.delete("b").unwrap();
        assert_eq!(
            conflicts(merge_collections(&base(), &ours, &theirs)),
            [(
                "b".into(),
                ConflictKind::ChangedAndDeleted {
                    deleted_by: Side::Theirs
                }
            )]
        );
        // Moving is changing too.
        let deleted_by = |side| ConflictKind::ChangedAndDeleted { deleted_by: side };
        let (mut ours, mut theirs) = (base(), base());
        ours.delete("b").unwrap();
        theirs.move_item("b", None, 0).unwrap();
        assert_eq!(
            conflicts(merge_collections(&base(), &ours, &theirs)),
            [("b".into(), deleted_by(Side::Ours))]
        );
        // A folder deleted on one side while the other side adds to it.
        let (mut ours, mut theirs) = (base(), base());
        ours.add_request(Some("f"), "new", "GET", "/n").unwrap();
        theirs.delete("f").unwrap();
        assert_eq!(
            conflicts(merge_collections(&base(), &ours, &theirs)),
            [("f".into(), deleted_by(Side::Theirs))]
        );
    }

    #[test]
    fn the_same_request_changed_differently_is_a_conflict_naming_it() {
        let (mut ours, mut theirs) = (base(), base());
        set_url(&mut ours, "c", "/ours");
        set_url(&mut theirs, "c", "/theirs");
        set_url(&mut theirs, "a", "/a2");
        let CollectionMerge::Conflict(found) = merge_collections(&base(), &ours, &theirs) else {
            panic!("both changed c");
        };
        assert_eq!(
            found,
            [ItemConflict {
                id: "c".into(),
                name: "C".into(),
                kind: ConflictKind::BothChanged
            }]
        );
        // Changed the same way on both sides is no conflict.
        set_url(&mut theirs, "c", "/ours");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(urls(&merged), ["/a2", "/b", "/ours", "/d"]);
    }

    #[test]
    fn a_folder_renamed_on_one_side_while_a_request_in_it_changes_on_the_other() {
        let (mut ours, mut theirs) = (base(), base());
        ours.rename("f", "Users").unwrap();
        set_url(&mut theirs, "b", "/b2");
        theirs.delete("c").unwrap();
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        let tree = merged.tree();
        assert_eq!((tree[1].id.as_str(), tree[1].name.as_str()), ("f", "Users"));
        assert_eq!(urls(&merged), ["/a", "/b2", "/d"]);
        // Renamed differently on both sides: the folder conflicts, by its Ferry name.
        theirs.rename("f", "People").unwrap();
        let CollectionMerge::Conflict(found) = merge_collections(&base(), &ours, &theirs) else {
            panic!("both renamed f");
        };
        assert_eq!(
            (found[0].id.as_str(), found[0].name.as_str()),
            ("f", "Users")
        );
    }

    #[test]
    fn moves_on_one_side_land_and_different_moves_conflict() {
        let (mut ours, mut theirs) = (base(), base());
        ours.move_item("a", Some("f"), 2).unwrap();
        theirs.move_item("c", None, 0).unwrap();
        set_url(&mut theirs, "a", "/a2");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(
            ids(&merged),
            [
                at("c", None),
                at("f", None),
                at("b", Some("f")),
                at("a", Some("f")),
                at("d", None)
            ]
        );
        assert_eq!(urls(&merged)[2], "/a2");

        let (mut ours, mut theirs) = (base(), base());
        ours.move_item("d", Some("f"), 0).unwrap();
        let g = theirs.add_folder(None, "G").unwrap();
        theirs.move_item("d", Some(&g), 0).unwrap();
        assert_eq!(
            conflicts(merge_collections(&base(), &ours, &theirs)),
            [("d".into(), ConflictKind::Moved)]
        );
    }

    #[test]
    fn an_order_changed_on_one_side_lands_and_on_both_differently_conflicts() {
        let (mut ours, mut theirs) = (base(), base());
        ours.move_item("d", None, 0).unwrap();
        set_url(&mut theirs, "a", "/a2");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!(urls(&merged), ["/d", "/a2", "/b", "/c"]);
        theirs.move_item("a", None, 2).unwrap();
        assert_eq!(
            conflicts(merge_collections(&base(), &ours, &theirs)),
            [
                ("a".into(), ConflictKind::Moved),
                ("f".into(), ConflictKind::Moved),
                ("d".into(), ConflictKind::Moved)
            ]
        );
    }

    #[test]
    fn moves_that_together_put_a_folder_inside_itself_conflict() {
        let base = collection(json!([folder("f", json!([])), folder("g", json!([]))]));
        let (mut ours, mut theirs) = (base.clone(), base.clone());
        ours.move_item("f", Some("g"), 0).unwrap();
        theirs.move_item("g", Some("f"), 0).unwrap();
        assert_eq!(
            conflicts(merge_collections(&base, &ours, &theirs)),
            [
                ("f".into(), ConflictKind::Moved),
                ("g".into(), ConflictKind::Moved)
            ]
        );
    }

    #[test]
    fn the_same_id_added_differently_on_both_sides_conflicts() {
        let ours = collection(json!([request("a", "/a"), request("n", "/one")]));
        let theirs = collection(json!([request("a", "/a"), request("n", "/other")]));
        let base = collection(json!([request("a", "/a")]));
        assert_eq!(
            conflicts(merge_collections(&base, &ours, &theirs)),
            [("n".into(), ConflictKind::BothAdded)]
        );
        let merged = clean(merge_collections(&base, &ours, &ours));
        assert_eq!(merged, ours);
    }

    #[test]
    fn collection_parts_merge_as_one_unit_each() {
        let (mut ours, mut theirs) = (base(), base());
        ours.set_name("Users").unwrap();
        theirs
            .set_variables(&[crate::KeyValue {
                key: "host".into(),
                value: "example.com".into(),
                ..Default::default()
            }])
            .unwrap();
        theirs.set_id("theirs");
        let merged = clean(merge_collections(&base(), &ours, &theirs));
        assert_eq!((merged.name(), merged.id()), ("Users", "c"));
        assert_eq!(merged.variables(), theirs.variables());

        ours.set_variables(&[]).unwrap();
        let mut ours_described = ours.clone();
        ours_described.set_description("mine");
        theirs.set_description("theirs");
        assert_eq!(
            conflicts(merge_collections(&base(), &ours_described, &theirs)),
            [
                ("info".into(), ConflictKind::BothChanged),
                ("variable".into(), ConflictKind::BothAdded)
            ]
        );
    }

    /// Small collections over a few shared ids, so the three versions overlap: ids, names,
    /// folders and order vary, and so does one collection-level part.
    fn small_collection() -> impl Strategy<Value = Collection> {
        let node = (0u8..3, any::<bool>(), any::<prop::sample::Index>());
        (
            Just((0u8..6).collect::<Vec<_>>()).prop_shuffle(),
            prop::collection::vec(node, 0..6),
            prop::option::of(0u8..2),
        )
            .prop_map(|(pool, nodes, variable)| {
                let mut children: HashMap<Option<String>, Vec<Value>> = HashMap::new();
                let mut folders: Vec<Option<String>> = vec![None];
                let mut order = Vec::new();
                for ((name, is_folder, parent), id) in nodes.into_iter().zip(pool) {
                    let id = format!("i{id}");
                    let parent = folders[parent.index(folders.len())].clone();
                    let item = if is_folder {
                        folders.push(Some(id.clone()));
                        json!({"id": id, "name": format!("n{name}"), "item": []})
                    } else {
                        json!({"id": id, "name": format!("n{name}"), "request": format!("/{name}")})
                    };
                    order.push(Some(id));
                    children.entry(parent).or_default().push(item);
                }
                fn fill(item: &mut Value, children: &mut HashMap<Option<String>, Vec<Value>>) {
                    let id = item["id"].as_str().map(str::to_owned);
                    if let Some(mut list) = children.remove(&id) {
                        list.iter_mut().for_each(|child| fill(child, children));
                        item["item"] = Value::Array(list);
                    }
                }
                let mut top = children.remove(&None).unwrap_or_default();
                top.iter_mut().for_each(|item| fill(item, &mut children));
                let mut document = json!({
                    "info": {"_postman_id": "c", "name": "n", "schema": SCHEMA_V2_1},
                    "item": top,
                });
                if let Some(value) = variable {
                    document["variable"] = json!([{"key": "v", "value": value.to_string()}]);
                }
                Collection::import(document.to_string().as_bytes()).unwrap()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_side_equal_to_the_base_yields_the_other(base in small_collection(), other in small_collection()) {
            for merge in [
                merge_collections(&base, &base, &other),
                merge_collections(&base, &other, &base),
                merge_collections(&base, &other, &other),
            ] {
                prop_assert_eq!(clean(merge).to_canonical_json(), other.to_canonical_json());
            }
        }

        #[test]
        fn any_merge_is_a_valid_collection_or_names_its_conflicts(
            base in small_collection(),
            ours in small_collection(),
            theirs in small_collection(),
        ) {
            match merge_collections(&base, &ours, &theirs) {
                merged @ CollectionMerge::Clean(_) => {
                    clean(merged);
                }
                CollectionMerge::Conflict(found) => prop_assert!(!found.is_empty()),
            }
        }
    }
}
