//! Regeneration: the existing collection's tree walked once, generated items refreshed or
//! removed in place, then what is new inserted (see the documentation of `generate`).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::{item_id, Generation, Slot, BASE_URL_VARIABLE, OPERATION_MARK, TAG_MARK};

/// What generation writes on a request item; everything else on the item is kept.
const OWNED_ITEM_KEYS: [&str; 4] = ["id", "name", "request", OPERATION_MARK];

/// What generation writes in a request; everything else in it is kept (the description only
/// when the definition gives none, see `refreshed`).
const OWNED_REQUEST_KEYS: [&str; 4] = ["method", "header", "body", "url"];

/// What generation writes on a folder (its `item` list is merged).
const OWNED_FOLDER_KEYS: [&str; 4] = ["id", "name", "item", TAG_MARK];

type Item = Map<String, Value>;

/// The existing document with its items merged with `generation`.
pub(super) fn regenerate(generation: &Generation, existing: &Item) -> Item {
    let mut document = existing.clone();
    if let (Some(description), Some(Value::Object(info))) =
        (&generation.description, document.get_mut("info"))
    {
        info.insert("description".into(), Value::String(description.clone()));
    }
    keep_or_add_base_url(generation, &mut document);

    let empty = Vec::new();
    let list = existing
        .get("item")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut merger = Merger::new(generation, list);
    let mut items = merger.list(list);
    merger.add_missing(&mut items);
    remove_empty_generated(&mut items, &merger.folder_by_id);
    document.insert("item".into(), Value::Array(items));
    document
}

fn keep_or_add_base_url(generation: &Generation, document: &mut Item) {
    let variables = document
        .entry("variable")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(variables) = variables {
        let present = variables.iter().any(|variable| {
            variable.get("key").and_then(Value::as_str) == Some(BASE_URL_VARIABLE)
                || variable.get("id").and_then(Value::as_str) == Some(BASE_URL_VARIABLE)
        });
        if !present {
            variables.push(generation.base_url_variable());
        }
    }
}

struct Merger<'g> {
    generation: &'g Generation,
    request_by_id: HashMap<&'g str, usize>,
    request_by_key: HashMap<&'g str, usize>,
    folder_by_id: HashMap<&'g str, usize>,
    folder_by_tag: HashMap<&'g str, usize>,
    /// The existing item that stands for each operation / tag: the one with its generated id,
    /// else the first marked with it.
    request_owner: HashMap<usize, String>,
    folder_owner: HashMap<usize, String>,
    placed_requests: HashSet<usize>,
    placed_folders: HashSet<usize>,
}

impl<'g> Merger<'g> {
    fn new(generation: &'g Generation, list: &[Value]) -> Merger<'g> {
        let requests = &generation.requests;
        let folders = &generation.folders;
        let mut merger = Merger {
            generation,
            request_by_id: (0..requests.len())
                .map(|index| (item_id(&requests[index].item), index))
                .collect(),
            request_by_key: (0..requests.len())
                .map(|index| (requests[index].key.as_str(), index))
                .collect(),
            folder_by_id: (0..folders.len())
                .map(|index| (item_id(&folders[index].item), index))
                .collect(),
            folder_by_tag: (0..folders.len())
                .map(|index| (folders[index].tag.as_str(), index))
                .collect(),
            request_owner: HashMap::new(),
            folder_owner: HashMap::new(),
            placed_requests: HashSet::new(),
            placed_folders: HashSet::new(),
        };
        let mut marked_requests = Vec::new();
        let mut marked_folders = Vec::new();
        walk(list, &mut |item| {
            let id = item_id(item);
            let folder = !item.contains_key("request");
            let (by_id, owners, marked, by_mark) = if folder {
                (
                    &merger.folder_by_id,
                    &mut merger.folder_owner,
                    &mut marked_folders,
                    item.get(TAG_MARK)
                        .and_then(Value::as_str)
                        .and_then(|tag| merger.folder_by_tag.get(tag)),
                )
            } else {
                (
                    &merger.request_by_id,
                    &mut merger.request_owner,
                    &mut marked_requests,
                    item.get(OPERATION_MARK)
                        .and_then(Value::as_str)
                        .and_then(|key| merger.request_by_key.get(key)),
                )
            };
            if let Some(&index) = by_id.get(id) {
                owners.insert(index, id.to_owned());
            } else if let Some(&index) = by_mark {
                marked.push((index, id.to_owned()));
            }
        });
        for (index, id) in marked_requests {
            merger.request_owner.entry(index).or_insert(id);
        }
        for (index, id) in marked_folders {
            merger.folder_owner.entry(index).or_insert(id);
        }
        merger
    }

    /// The merged version of one `item` list.
    fn list(&mut self, list: &[Value]) -> Vec<Value> {
        let mut merged = Vec::with_capacity(list.len());
        for entry in list {
            let Some(item) = entry.as_object() else {
                merged.push(entry.clone());
                continue;
            };
            if item.contains_key("request") {
                if let Some(item) = self.request(item) {
                    merged.push(Value::Object(item));
                }
            } else {
                merged.push(Value::Object(self.folder(item)));
            }
        }
        merged
    }

    /// A request refreshed, kept, or `None` when its operation is gone.
    fn request(&mut self, item: &Item) -> Option<Item> {
        let id = item_id(item);
        let owned = self
            .request_by_id
            .get(id)
            .or_else(|| {
                item.get(OPERATION_MARK)
                    .and_then(Value::as_str)
                    .and_then(|key| self.request_by_key.get(key))
            })
            .copied();
        match owned {
            Some(index) if self.request_owner.get(&index).map(String::as_str) == Some(id) => {
                self.placed_requests.insert(index);
                Some(refreshed(item, &self.generation.requests[index].item))
            }
            // A copy of a generated request (same mark, another id): the person's.
            Some(_) => {
                let mut copy = item.clone();
                copy.remove(OPERATION_MARK);
                Some(copy)
            }
            // Marked with an operation the definition no longer has.
            None if item.get(OPERATION_MARK).is_some() => None,
            None => Some(item.clone()),
        }
    }

    fn folder(&mut self, item: &Item) -> Item {
        let children = item
            .get("item")
            .and_then(Value::as_array)
            .map(|children| self.list(children))
            .unwrap_or_default();
        let id = item_id(item);
        let owner_of = self
            .folder_by_id
            .get(id)
            .or_else(|| {
                item.get(TAG_MARK)
                    .and_then(Value::as_str)
                    .and_then(|tag| self.folder_by_tag.get(tag))
            })
            .copied()
            .filter(|index| self.folder_owner.get(index).map(String::as_str) == Some(id));
        let mut folder = match owner_of {
            Some(index) => {
                self.placed_folders.insert(index);
                let mut folder = self.generation.folders[index].item.clone();
                for (key, value) in item {
                    if !folder.contains_key(key) && !OWNED_FOLDER_KEYS.contains(&key.as_str()) {
                        folder.insert(key.clone(), value.clone());
                    }
                }
                folder
            }
            None => item.clone(),
        };
        folder.insert("item".into(), Value::Array(children));
        folder
    }

    /// Inserts the operations and folders no existing item stood for.
    fn add_missing(&mut self, items: &mut Vec<Value>) {
        let generation = self.generation;
        let top: Vec<&str> = generation
            .layout
            .iter()
            .map(|&slot| generation.slot_id(slot))
            .collect();
        for (position, &slot) in generation.layout.iter().enumerate() {
            match slot {
                Slot::Folder(index) => {
                    let folder = &generation.folders[index];
                    if self.placed_folders.insert(index) {
                        let mut item = folder.item.clone();
                        item.insert("item".into(), Value::Array(Vec::new()));
                        insert_in_order(items, Value::Object(item), &top, position);
                    }
                    let order: Vec<&str> = folder
                        .requests
                        .iter()
                        .map(|&request| item_id(&generation.requests[request].item))
                        .collect();
                    let Some(container) = folder_items_mut(items, item_id(&folder.item)) else {
                        continue;
                    };
                    for (position, &request) in folder.requests.iter().enumerate() {
                        if self.placed_requests.insert(request) {
                            let item = Value::Object(generation.requests[request].item.clone());
                            insert_in_order(container, item, &order, position);
                        }
                    }
                }
                Slot::Request(index) => {
                    if self.placed_requests.insert(index) {
                        let item = Value::Object(generation.requests[index].item.clone());
                        insert_in_order(items, item, &top, position);
                    }
                }
            }
        }
    }
}

/// The fresh `generated` item with what the `existing` one holds beyond what generation
/// writes: scripts, saved responses, auth, unknown properties, and a description the
/// definition does not replace.
fn refreshed(existing: &Item, generated: &Item) -> Item {
    let mut item = generated.clone();
    for (key, value) in existing {
        if !item.contains_key(key) && !OWNED_ITEM_KEYS.contains(&key.as_str()) {
            item.insert(key.clone(), value.clone());
        }
    }
    if let (Some(Value::Object(old)), Some(Value::Object(new))) =
        (existing.get("request"), item.get_mut("request"))
    {
        for (key, value) in old {
            if !new.contains_key(key) && !OWNED_REQUEST_KEYS.contains(&key.as_str()) {
                new.insert(key.clone(), value.clone());
            }
        }
    }
    item
}

/// Inserts `item` into `list` after the nearest item that precedes it in `order` (the ids of
/// its generated siblings in definition order; it is `order[position]`), else before the
/// nearest that follows it, else at the end.
fn insert_in_order(list: &mut Vec<Value>, item: Value, order: &[&str], position: usize) {
    let index_of = |list: &[Value], id: &str| {
        list.iter()
            .position(|entry| entry.get("id").and_then(Value::as_str) == Some(id))
    };
    for id in order[..position].iter().rev() {
        if let Some(index) = index_of(list, id) {
            list.insert(index + 1, item);
            return;
        }
    }
    for id in &order[position + 1..] {
        if let Some(index) = index_of(list, id) {
            list.insert(index, item);
            return;
        }
    }
    list.push(item);
}

/// The `item` list of the folder `id`, wherever it is.
fn folder_items_mut<'a>(list: &'a mut [Value], id: &str) -> Option<&'a mut Vec<Value>> {
    for entry in list.iter_mut() {
        let Some(item) = entry.as_object_mut() else {
            continue;
        };
        if item.contains_key("request") {
            continue;
        }
        let is_it = item.get("id").and_then(Value::as_str) == Some(id);
        let Some(Value::Array(children)) = item.get_mut("item") else {
            continue;
        };
        if is_it {
            return Some(children);
        }
        if let Some(found) = folder_items_mut(children, id) {
            return Some(found);
        }
    }
    None
}

/// Removes generated folders (marked, or with a generated id) left without items, deepest
/// first.
fn remove_empty_generated(list: &mut Vec<Value>, folder_by_id: &HashMap<&str, usize>) {
    list.retain_mut(|entry| {
        let Some(item) = entry.as_object_mut() else {
            return true;
        };
        if item.contains_key("request") {
            return true;
        }
        let generated = item.contains_key(TAG_MARK) || folder_by_id.contains_key(item_id(item));
        match item.get_mut("item") {
            Some(Value::Array(children)) => {
                remove_empty_generated(children, folder_by_id);
                !(generated && children.is_empty())
            }
            _ => true,
        }
    });
}

/// Calls `visit` on every item below `list`, parents first.
fn walk(list: &[Value], visit: &mut impl FnMut(&Item)) {
    for item in list.iter().filter_map(Value::as_object) {
        visit(item);
        if !item.contains_key("request") {
            if let Some(Value::Array(children)) = item.get("item") {
                walk(children, visit);
            }
        }
    }
}
