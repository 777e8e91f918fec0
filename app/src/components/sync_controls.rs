//! The sync engine's controls on an integration: Run now, Pause or Resume, and its Run log.
//! Plain form posts, so they work before (and without) the page's script.

use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::integration_data::IntegrationRowView;

/// Run now and Pause/Resume for those who may manage `row`; `back` is where the form handler
/// returns ("runs" for the Run log page, else the list).
pub fn sync_buttons(row: &IntegrationRowView, back: &'static str) -> impl IntoView {
    let (toggle, toggle_label) = if row.paused {
        ("resume", "Resume")
    } else {
        ("pause", "Pause")
    };
    row.can_manage.then(|| {
        view! {
            {(!row.paused).then(|| view! {
                <form method="post" action=routes::integration_action(&row.id, "run")>
                    <input type="hidden" name="back" value=back/>
                    <button class="button small" type="submit" aria-label=format!("Run now {}", row.collection)>"Run now"</button>
                </form>
            })}
            <form method="post" action=routes::integration_action(&row.id, toggle)>
                <input type="hidden" name="back" value=back/>
                <button class="button secondary small" type="submit" aria-label=format!("{toggle_label} {}", row.collection)>
                    {toggle_label}
                </button>
            </form>
        }
    })
}

/// The link to the integration's Run log, for everyone who sees the row.
pub fn run_log_link(row: &IntegrationRowView) -> impl IntoView {
    view! {
        <A href=routes::integration_runs(&row.id) attr:class="button secondary small"
            attr:aria-label=format!("Run log {}", row.collection)>"Run log"</A>
    }
}
