//! The one-time message a form post left for this page.

use leptos::prelude::*;

use crate::flash::Flash;

#[component]
pub fn FlashMessage(flash: Option<Flash>) -> impl IntoView {
    let pathname = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    // Shown on the page it was taken for only (see `Flash::page`).
    let flash = flash
        .filter(|f| f.page.is_empty() || f.page == pathname)
        .unwrap_or_default();
    view! {
        {flash.error.map(|error| view! { <p class="alert error" role="alert">{error}</p> })}
        {flash.notice.map(|notice| view! { <p class="alert notice" role="status">{notice}</p> })}
        {flash.secret.map(|secret| view! {
            <p class="alert notice secret"><code data-testid="one-time-secret">{secret}</code></p>
        })}
    }
}

/// The page's one-time message, from the page context.
#[component]
pub fn PageFlash() -> impl IntoView {
    let page = crate::context::use_page_context();
    view! {
        <Suspense fallback=|| ()>
            {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
        </Suspense>
    }
}
