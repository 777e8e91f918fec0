//! Walking the item tree: folders (items without a `request`) and requests, depth first.

use serde_json::{Map, Value};

use super::path::Step;

/// An item object as stored in the document.
pub(crate) type Item = Map<String, Value>;

/// Postman's schema tells folders and requests apart by `request` (required for a request,
/// absent from a folder), so that is the test here too.
pub(crate) fn is_folder(item: &Item) -> bool {
    !item.contains_key("request")
}

/// What a visitor sees of one item.
pub(crate) struct Visit<'a, 'p> {
    pub item: &'a Item,
    /// JSON path of the item, `item[2].item[0]`.
    pub path: &'p [Step<'a>],
    /// The folders that contain the item, outermost first.
    pub folders: &'p [&'a Item],
}

/// Calls `visit` for every item below `list` (the document's or a folder's `item` array) in
/// document order, parents before their children. Entries that are not objects are skipped:
/// the walk also runs on unvalidated input, where the schema check reports them later.
pub(crate) fn walk<'a>(list: &'a Value, visit: &mut impl FnMut(Visit<'a, '_>)) {
    let mut path = vec![Step::Key("item")];
    walk_list(list, &mut path, &mut Vec::new(), visit);
}

fn walk_list<'a>(
    list: &'a Value,
    path: &mut Vec<Step<'a>>,
    folders: &mut Vec<&'a Item>,
    visit: &mut impl FnMut(Visit<'a, '_>),
) {
    let Some(entries) = list.as_array() else {
        return;
    };
    for (index, entry) in entries.iter().enumerate() {
        let Some(item) = entry.as_object() else {
            continue;
        };
        path.push(Step::Index(index));
        visit(Visit {
            item,
            path,
            folders,
        });
        if let (true, Some(children)) = (is_folder(item), item.get("item")) {
            path.push(Step::Key("item"));
            folders.push(item);
            walk_list(children, path, folders, visit);
            folders.pop();
            path.pop();
        }
        path.pop();
    }
}

/// Calls `visit` on every item below `list`, parents before children, allowing changes.
pub(crate) fn walk_mut(list: &mut Value, visit: &mut impl FnMut(&mut Item)) {
    let Some(entries) = list.as_array_mut() else {
        return;
    };
    for item in entries.iter_mut().filter_map(Value::as_object_mut) {
        visit(item);
        if is_folder(item) {
            if let Some(children) = item.get_mut("item") {
                walk_mut(children, visit);
            }
        }
    }
}

/// The string at `key`, if it is one.
pub(crate) fn str_field<'a>(object: &'a Item, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// A request's method; Postman's default when absent, and for a request given as a bare URL.
pub(crate) fn method(item: &Item) -> &str {
    item.get("request")
        .and_then(|request| request.get("method"))
        .and_then(Value::as_str)
        .unwrap_or("GET")
}

/// A request's URL as written (`url.raw` when the URL is an object); empty when absent.
pub(crate) fn raw_url(item: &Item) -> &str {
    let url = match item.get("request") {
        Some(Value::String(url)) => return url,
        Some(Value::Object(request)) => request.get("url"),
        _ => None,
    };
    match url {
        Some(Value::String(raw)) => raw,
        Some(Value::Object(url)) => str_field(url, "raw").unwrap_or_default(),
        _ => "",
    }
}

/// An item's id; every item of a [`super::Collection`] has one.
pub(crate) fn id(item: &Item) -> &str {
    str_field(item, "id").unwrap_or_default()
}

/// An item's name; Postman shows unnamed items with an empty name too.
pub(crate) fn name(item: &Item) -> &str {
    str_field(item, "name").unwrap_or_default()
}
