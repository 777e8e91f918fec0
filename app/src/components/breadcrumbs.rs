//! Where an Integrations page sits: "Integrations / Bitbucket / …".

use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

/// The trail to a page under Bitbucket; `accounts` adds the Connected accounts step.
#[component]
pub fn BitbucketCrumbs(here: &'static str, #[prop(optional)] accounts: bool) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href=routes::INTEGRATIONS>"Integrations"</A> " / " <A href=routes::INTEGRATIONS_BITBUCKET>"Bitbucket"</A>
            {accounts.then(|| view! { " / " <A href=routes::ACCOUNTS>"Connected accounts"</A> })}
            " / " {here}
        </nav>
    }
}
