//! Where an Integrations page sits: "Integrations / Bitbucket / …".

use leptos::prelude::*;
use leptos_router::components::A;

/// The trail to a page under Bitbucket; `accounts` adds the Connected accounts step.
#[component]
pub fn BitbucketCrumbs(here: &'static str, #[prop(optional)] accounts: bool) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href="/integrations">"Integrations"</A> " / " <A href="/integrations/bitbucket">"Bitbucket"</A>
            {accounts.then(|| view! { " / " <A href="/integrations/accounts">"Connected accounts"</A> })}
            " / " {here}
        </nav>
    }
}
