//! Pieces every Collections page uses: the frame around loaded data (the APIs pages sit in
//! it too), the item tree, and read-only key/value tables.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{de::DeserializeOwned, Serialize};

use crate::collection_data::{item_href, Pair, TreeRow};
use crate::components::{flash::FlashMessage, load_error::LoadError};
use crate::context::use_page_context;
use crate::flash::Flash;

/// A Collections page: its title, then what `body` makes of the loaded data and the one-time
/// message (see [`page_frame`]).
pub fn collections_page<T, V>(
    title: &'static str,
    load: Resource<Result<Option<T>, ServerFnError>>,
    body: impl Fn(T, Option<Flash>) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    section_page(Section::COLLECTIONS, title, load, body)
}

/// A part of Ferry whose pages load one team's data: how its pages are marked, and where a
/// page that could not load leads back to.
#[derive(Clone, Copy)]
pub struct Section {
    pub class: &'static str,
    /// What signing in shows: "to see your team's …".
    pub what: &'static str,
    pub home: &'static str,
    pub home_label: &'static str,
}

impl Section {
    pub const COLLECTIONS: Section = Section {
        class: "collections",
        what: "collections",
        home: routes::COLLECTIONS,
        home_label: "Back to Collections",
    };
    pub const APIS: Section = Section {
        class: "collections apis",
        what: "APIs",
        home: routes::APIS,
        home_label: "Back to APIs",
    };
}

/// A page of `section`: its title, then what `body` makes of the loaded data and the one-time
/// message (see [`page_frame`]).
pub fn section_page<T, V>(
    section: Section,
    title: &'static str,
    load: Resource<Result<Option<T>, ServerFnError>>,
    body: impl Fn(T, Option<Flash>) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    let page = use_page_context();
    view! {
        <Title text=title/>
        <section class=section.class>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || {
                    let body = body.clone();
                    page.get().map(|ctx| page_frame(section, load.get(), ctx.ok().and_then(|c| c.flash), body))
                }}
            </Suspense>
        </section>
    }
}

/// The one-time message, then the page's content once loaded, a sign-in prompt when signed
/// out, or the reason it could not load.
fn page_frame<T, V>(
    section: Section,
    loaded: Option<Result<Option<T>, ServerFnError>>,
    flash: Option<Flash>,
    body: impl FnOnce(T, Option<Flash>) -> V,
) -> AnyView
where
    V: IntoView + 'static,
{
    match loaded {
        None => view! { <p class="hint">"Loading…"</p> }.into_any(),
        Some(Ok(Some(data))) => body(data, flash).into_any(),
        Some(Ok(None)) => view! {
            <FlashMessage flash=flash/>
            <p><A href=routes::SIGN_IN>"Sign in"</A> {format!(" to see your team's {}.", section.what)}</p>
        }
        .into_any(),
        Some(Err(error)) => view! {
            <FlashMessage flash=flash/>
            <LoadError error/>
            <p><A href=section.home>{section.home_label}</A></p>
        }
        .into_any(),
    }
}

/// A folder or request with the items inside it.
struct Node {
    row: TreeRow,
    children: Vec<Node>,
}

/// Rebuilds the nesting from rows in document order (a folder right before its contents).
fn nest(rows: Vec<TreeRow>) -> Vec<Node> {
    fn take(
        rows: &mut std::iter::Peekable<std::vec::IntoIter<TreeRow>>,
        depth: usize,
    ) -> Vec<Node> {
        let mut nodes = Vec::new();
        while rows.peek().is_some_and(|row| row.depth == depth) {
            let Some(row) = rows.next() else { break };
            let children = if row.folder {
                take(rows, depth + 1)
            } else {
                Vec::new()
            };
            nodes.push(Node { row, children });
        }
        nodes
    }
    take(&mut rows.into_iter().peekable(), 0)
}

/// The folders and requests as nested lists; with a `collection_id`, each links to the
/// collection page with it selected.
pub fn tree_view(
    rows: Vec<TreeRow>,
    collection_id: Option<String>,
    selected: Option<String>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="hint">"No folders or requests yet."</p> }.into_any();
    }
    view! {
        // Plain nested lists of links: an ARIA tree would promise arrow-key handling, which
        // needs JavaScript.
        <ul class="tree" aria-label="Folders and requests" data-testid="tree">
            {branch(nest(rows), &collection_id, &selected)}
        </ul>
    }
    .into_any()
}

fn branch(
    nodes: Vec<Node>,
    collection_id: &Option<String>,
    selected: &Option<String>,
) -> Vec<AnyView> {
    nodes
        .into_iter()
        .map(|node| {
            let row = node.row;
            let current = selected.as_deref() == Some(row.id.as_str());
            let label = if row.folder {
                view! { <span class="tree-folder" aria-hidden="true">"▸"</span> }.into_any()
            } else {
                view! { <span class=format!("method method-{}", row.method.to_lowercase())>{row.method.clone()}</span> }
                    .into_any()
            };
            let name = match collection_id {
                Some(collection_id) => view! {
                    <a href=item_href(collection_id, &row.id) aria-current=current.then_some("true")>{label}" "{row.name.clone()}</a>
                }
                .into_any(),
                None => view! { <span>{label}" "{row.name.clone()}</span> }.into_any(),
            };
            let kind = if row.folder { "folder" } else { "request" };
            let generated = row.generated_from.clone().map(|operation| view! {
                " " <span class="badge" data-testid="generated" title=format!("Generated from {operation}; generating again updates it")>"generated"</span>
            });
            let children = (!node.children.is_empty()).then(|| {
                view! { <ul>{branch(node.children, collection_id, selected)}</ul> }
            });
            view! {
                <li class=kind data-testid=format!("tree-{kind}") title=row.url.clone()>
                    {name}
                    {generated}
                    {children}
                </li>
            }
            .into_any()
        })
        .collect()
}

/// Headers, query parameters or variables as a read-only table.
pub fn pairs_table(caption: &'static str, pairs: Vec<Pair>) -> impl IntoView {
    if pairs.is_empty() {
        return view! { <p class="hint">{format!("{caption}: none")}</p> }.into_any();
    }
    view! {
        <table class="table pairs">
            <caption>{caption}</caption>
            <thead><tr><th scope="col">"Key"</th><th scope="col">"Value"</th><th scope="col">"Enabled"</th></tr></thead>
            <tbody>
                {pairs.into_iter().map(|pair| view! {
                    <tr><td><code>{pair.key}</code></td><td><code>{pair.value}</code></td><td>{if pair.disabled { "no" } else { "yes" }}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Editable rows for a list of pairs: the given ones plus `blank` empty rows to add more
/// without JavaScript. Fields are `<prefix>.<n>.key`, `.value` and `.enabled`.
pub fn pairs_editor(
    caption: &'static str,
    prefix: &'static str,
    pairs: Vec<Pair>,
    blank: usize,
) -> impl IntoView {
    let rows = pairs
        .into_iter()
        .chain(std::iter::repeat_with(Pair::default).take(blank));
    view! {
        <fieldset class="pairs-editor" data-testid=format!("{prefix}-rows")>
            <legend>{caption}</legend>
            <p class="hint">"Leave a row's key and value empty to remove it."</p>
            {rows.enumerate().map(|(n, pair)| {
                let id = |part: &str| format!("{prefix}-{n}-{part}");
                let name = |part: &str| format!("{prefix}.{n}.{part}");
                view! {
                    <div class="pair-row">
                        <label class="sr-only" for=id("key")>{format!("{caption} {} key", n + 1)}</label>
                        <input id=id("key") name=name("key") type="text" placeholder="key" value=pair.key/>
                        <label class="sr-only" for=id("value")>{format!("{caption} {} value", n + 1)}</label>
                        <input id=id("value") name=name("value") type="text" placeholder="value" value=pair.value/>
                        <label class="pair-enabled">
                            <input name=name("enabled") type="checkbox" value="on" checked=!pair.disabled/>
                            <span class="sr-only">{format!("{caption} {} ", n + 1)}</span>"on"
                        </label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// A `<textarea>`'s initial text, as its `inner_html`: browsers read textarea content as text
/// with character references, so `&` and `<` are escaped. The server's HTML also starts with
/// the newline a parser drops right after `<textarea>`, so a text's own leading newline stays.
pub fn textarea_html(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
    if cfg!(feature = "ssr") {
        format!("\n{escaped}")
    } else {
        escaped
    }
}
