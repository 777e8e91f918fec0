//! The confirmation step before an integration is deleted: what goes, and what stays.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::components::breadcrumbs::BitbucketCrumbs;
use crate::components::load_error::LoadError;
use crate::integration_data::load_integration;

#[component]
pub fn DeleteIntegrationPage() -> impl IntoView {
    let params = use_params_map();
    let integration = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        load_integration,
    );
    view! {
        <Title text="Delete integration"/>
        <section class="integrations narrow-page">
            <BitbucketCrumbs here="Delete"/>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || integration.get().map(|loaded| match loaded {
                    Ok(Some(row)) if row.can_manage => {
                        let action = routes::integration_delete(&row.id);
                        view! {
                            <h1>"Delete this integration?"</h1>
                            <p>
                                "Ferry stops backing up " <strong>{row.collection}</strong> " to "
                                <code>{row.target}</code> " (branch " <code>{row.branch}</code> ", file "
                                <code>{row.path}</code> ")."
                            </p>
                            <p class="hint">"The file and its history stay in the repository, and the collection stays in Ferry."</p>
                            <form class="inline-form" method="post" action=action>
                                <button class="button danger" type="submit">"Delete integration"</button>
                                <A href=routes::INTEGRATIONS_BITBUCKET attr:class="button secondary">"Cancel"</A>
                            </form>
                        }.into_any()
                    }
                    Ok(Some(_)) => view! {
                        <p class="alert error" role="alert">"Your role does not allow deleting this integration; its creator or an admin can."</p>
                    }.into_any(),
                    Ok(None) => view! { <p><A href=routes::SIGN_IN>"Sign in"</A> " to manage integrations."</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
