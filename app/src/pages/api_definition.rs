//! An API's Definition: the text as written in a textarea that saves with a plain form post
//! (so it works without JavaScript), and its problems beside it, each with line, column and
//! path. With JavaScript the editor also numbers its lines and a problem's "Go to" puts the
//! cursor on its line.

use crate::fields::api_fields as field;
use crate::routes;
use leptos::{html, prelude::*};
use leptos_router::hooks::use_params_map;

use crate::api_data::{load_api_definition, DefinitionData, ProblemView};
use crate::components::{
    api_tabs::api_tabs,
    collections::{section_page, textarea_html, Section},
    flash::FlashMessage,
};
use crate::flash::Flash;

#[component]
pub fn ApiDefinitionPage() -> impl IntoView {
    let params = use_params_map();
    let load = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_api_definition,
    );
    section_page(Section::APIS, "Definition", load, definition_view)
}

fn definition_view(data: DefinitionData, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.unwrap_or_default();
    // A refused save comes back with what was typed; otherwise the stored text.
    let text = flash
        .field(field::DEFINITION)
        .map_or(data.text.clone(), str::to_owned);
    let id = data.header.id.clone();
    let can_edit = data.header.can_edit && !data.read_only_spec;
    let lines = RwSignal::new(line_count(&text));
    // Effects run only in the browser: the line numbers appear once the page is hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let editor = NodeRef::<html::Textarea>::new();
    let gutter = NodeRef::<html::Pre>::new();
    let follow_scroll = move |_| {
        if let (Some(editor), Some(gutter)) = (editor.get(), gutter.get()) {
            gutter.set_scroll_top(editor.scroll_top());
        }
    };
    let go_to = move |line: usize| {
        if let Some(editor) = editor.get() {
            let value = editor.value();
            let start = line_start(&value, line);
            let _ = editor.focus();
            let _ = editor.set_selection_range(start, start);
            let height =
                editor.scroll_height() / i32::try_from(line_count(&value)).unwrap_or(1).max(1);
            editor.set_scroll_top(height * i32::try_from(line.saturating_sub(3)).unwrap_or(0));
        }
    };
    let problems = data.problems.clone();
    view! {
        {api_tabs(&data.header, "definition")}
        <FlashMessage flash=Some(flash.clone())/>
        <p class="hint">
            {format!("{}, {} — kept exactly as written: Ferry never reformats it. ", data.spec, data.format)}
            <a href=routes::api_sub(&id, "definition/export") download rel="external">"Download"</a>
        </p>
        {data.read_only_spec.then(|| view! {
            <p class="alert sandbox" data-testid="read-only-spec">"Swagger 2.0 is read-only in Ferry: convert the definition to OpenAPI 3.0 (swagger2openapi does) and save that to edit it here."</p>
        })}
        <div class="definition-editor">
            <form class="form definition-form" method="post" action=routes::api_sub(&id, "definition")>
                <input type="hidden" name=field::REVISION value=data.revision.to_string()/>
                <label for="definition-text">"Definition (JSON or YAML)"</label>
                <div class="code-editor">
                    {move || hydrated.get().then(|| view! {
                        <pre class="gutter" aria-hidden="true" node_ref=gutter data-testid="line-numbers">
                            {move || numbers(lines.get())}
                        </pre>
                    })}
                    <textarea id="definition-text" name=field::DEFINITION rows="30" spellcheck="false" wrap="off"
                        readonly=!can_edit node_ref=editor data-testid="definition-text"
                        on:input=move |event| lines.set(line_count(&event_target_value(&event)))
                        on:scroll=follow_scroll
                        inner_html=textarea_html(&text)></textarea>
                </div>
                {can_edit.then(|| view! { <button class="button" type="submit">"Save definition"</button> })}
            </form>
            <aside class="problems card" aria-labelledby="problems-heading" data-testid="problems">
                <h2 id="problems-heading">{problems_heading(problems.len())}</h2>
                {if problems.is_empty() {
                    view! { <p class="hint" data-testid="no-problems">"The definition is valid against the official OpenAPI schema, and every $ref resolves."</p> }.into_any()
                } else {
                    view! {
                        <ol class="problem-list">
                            {problems.into_iter().map(|problem| problem_item(problem, hydrated, go_to)).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </aside>
        </div>
    }
}

fn problems_heading(count: usize) -> String {
    match count {
        0 => "No problems".to_owned(),
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    }
}

fn problem_item(
    problem: ProblemView,
    hydrated: RwSignal<bool>,
    go_to: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let line = problem.line;
    let place = if problem.path.is_empty() {
        String::new()
    } else {
        format!("{}: ", problem.path)
    };
    view! {
        <li data-testid="problem">
            <strong>{format!("Line {}, column {}", problem.line, problem.column)}</strong>
            " — " <code>{place}</code> {problem.message}
            {move || hydrated.get().then(|| view! {
                " " <button type="button" class="link-button" on:click=move |_| go_to(line)>"Go to"</button>
            })}
        </li>
    }
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// The offset (in UTF-16 units, as the textarea counts) where 1-based `line` starts.
fn line_start(text: &str, line: usize) -> u32 {
    let bytes: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let units = text[..bytes.min(text.len())].encode_utf16().count();
    u32::try_from(units).unwrap_or(u32::MAX)
}

fn numbers(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 6);
    for n in 1..=lines {
        out.push_str(&n.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_by_number() {
        let text = "openapi: 3.1.0\ninfo:\n  title: é\npaths: {}\n";
        assert_eq!(line_count(text), 5);
        assert_eq!(line_start(text, 1), 0);
        assert_eq!(line_start(text, 2), 15);
        assert_eq!(line_start(text, 4), 15 + 6 + 11);
        assert_eq!(numbers(3), "1\n2\n3\n");
    }
}
