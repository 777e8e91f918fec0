//! Bitbucket's details page: what the integration does, this team's configured Bitbucket
//! integrations, and the way to add one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::{flash::FlashMessage, sandbox_notice::SandboxNotice};
use crate::context::use_page_context;

#[component]
pub fn BitbucketPage() -> impl IntoView {
    let page = use_page_context();
    view! {
        <Title text="Bitbucket"/>
        <section class="integrations">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href="/integrations">"Integrations"</A> " / Bitbucket"
            </nav>
            <header class="integration-header">
                <div>
                    <h1>"Bitbucket"</h1>
                    <p class="lead">
                        "Back up a collection to a file in a Bitbucket Cloud repository. Every change to the \
                         collection is committed there as its JSON, so your team reviews its API's history \
                         where it reviews its code."
                    </p>
                </div>
                <Suspense fallback=|| ()>
                    {move || page.get().map(|ctx| {
                        let ctx = ctx.unwrap_or_default();
                        match ctx.viewer {
                            Some(viewer) if viewer.role != "viewer" => view! {
                                <A href="/integrations/bitbucket/new" attr:class="button">"Add Integration"</A>
                            }.into_any(),
                            Some(_) => view! {
                                <p class="hint">"Viewers see this team's integrations; editors and admins add them."</p>
                            }.into_any(),
                            None => view! {
                                <p class="hint"><A href="/signin">"Sign in"</A> " to add an integration."</p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </header>
            <SandboxNotice/>
            <Suspense fallback=|| ()>
                {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
            </Suspense>
            <ul class="facts">
                <li>"Authenticate with an Atlassian API token (recommended), OAuth, or a legacy app password. Credentials are stored encrypted and never shown again."</li>
                <li>"Choose the collection, the repository, the directory, the file name and the branch; a new branch is created by the first commit."</li>
                <li>"Replace an expired token in place: every integration using the account keeps working."</li>
            </ul>
        </section>
    }
}
