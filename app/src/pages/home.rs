use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::{flash::FlashMessage, sync_alerts::SyncAlerts};
use crate::context::use_page_context;

#[component]
pub fn HomePage() -> impl IntoView {
    let page = use_page_context();
    view! {
        <Title text="Home"/>
        <Suspense fallback=|| ()>
            {move || page.get().map(|ctx| {
                let ctx = ctx.unwrap_or_default();
                let viewer = ctx.viewer;
                view! {
                    <FlashMessage flash=ctx.flash/>
                    {match viewer {
                        Some(viewer) => view! {
                            <p class="team-banner" data-testid="current-team">
                                "Team " <strong>{viewer.team_name}</strong> " · you are " {viewer.role}
                            </p>
                        }.into_any(),
                        None => view! {
                            <p class="team-banner">
                                <A href=routes::SIGN_IN>"Sign in"</A> " or " <A href=routes::SIGN_UP>"create an account"</A>
                                " to start backing up your collections."
                            </p>
                        }.into_any(),
                    }}
                }
            })}
        </Suspense>
        <SyncAlerts/>
        <section class="hero">
            <h1>"Your API collections, backed up to Bitbucket"</h1>
            <p class="lead">
                "Ferry keeps your team's Postman collections and commits every change to the \
                 repository you choose, as reviewable JSON, attributed to whoever made it."
            </p>
            <p><A href=routes::INTEGRATIONS attr:class="button">"Integrations"</A></p>
        </section>
        <section class="cards" aria-label="How Ferry works">
            <article class="card">
                <h2>"1. Keep collections"</h2>
                <p>"Import Postman Collection v2.1 files and edit them with your team."</p>
            </article>
            <article class="card">
                <h2>"2. Connect Bitbucket"</h2>
                <p>"Authenticate with an API token or OAuth; credentials are stored encrypted."</p>
            </article>
            <article class="card">
                <h2>"3. Every change committed"</h2>
                <p>"A sync engine commits each change with a message that says what changed."</p>
            </article>
        </section>
    }
}
