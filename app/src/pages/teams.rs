use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::flash::FlashMessage;
use crate::context::use_page_context;

#[component]
pub fn NewTeamPage() -> impl IntoView {
    let page = use_page_context();
    view! {
        <Title text="New team"/>
        <section class="auth-panel">
            <h1>"Create a team"</h1>
            <p>"Teams share collections and Bitbucket backups. You will be the team's admin."</p>
            <Suspense fallback=|| ()>
                {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
            </Suspense>
            <form class="form" method="post" action=routes::TEAMS>
                <label for="team-name">"Team name"</label>
                <input id="team-name" name="name" type="text" required maxlength="80"/>
                <button class="button" type="submit">"Create team"</button>
            </form>
        </section>
    }
}
