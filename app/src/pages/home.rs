use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <section class="hero">
            <h1>"Your API collections, backed up to Bitbucket"</h1>
            <p class="lead">
                "Ferry keeps your team's Postman collections and commits every change to the \
                 repository you choose, as reviewable JSON, attributed to whoever made it."
            </p>
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
