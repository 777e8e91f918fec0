//! Profile: the name and email Ferry signs the backup commits of the person's changes with.
//! A plain form post; a refused field comes back with what was typed.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::flash::FlashMessage;
use crate::components::load_error::LoadError;
use crate::context::use_page_context;
use crate::flash::Flash;
use crate::profile_data::{load_profile, ProfileView};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let page = use_page_context();
    let profile = Resource::new(|| (), |_| load_profile());
    view! {
        <Title text="Profile"/>
        <section class="auth-panel">
            <h1>"Profile"</h1>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || {
                    let flash = page.get().and_then(|ctx| ctx.ok()).and_then(|ctx| ctx.flash);
                    profile.get().map(|loaded| match loaded {
                        Ok(Some(profile)) => profile_form(profile, flash).into_any(),
                        Ok(None) => view! { <p><A href=routes::SIGN_IN_THEN_PROFILE>"Sign in"</A> " to see your profile."</p> }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

fn profile_form(profile: ProfileView, flash: Option<Flash>) -> impl IntoView {
    let typed = |name: &str, stored: &str| {
        flash
            .as_ref()
            .and_then(|f| f.field(name))
            .map(str::to_owned)
            .unwrap_or_else(|| stored.to_owned())
    };
    let name = typed("commit_name", &profile.commit_name);
    let email = typed("commit_email", &profile.commit_email);
    let local_part = profile
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    view! {
        <FlashMessage flash=flash.clone()/>
        <p>"You sign in as " <strong data-testid="profile-email">{profile.email.clone()}</strong> "."</p>
        <h2>"Commits"</h2>
        <p>
            "Ferry commits your collection changes to Bitbucket as "
            <code data-testid="commit-author">{profile.author.clone()}</code>
            ". Choose the name and email your repositories should show; left empty, your sign-in email is used. \
             The email is not verified: it records who made a change, it proves nothing."
        </p>
        <form class="form" method="post" action=routes::PROFILE>
            <label for="commit-name">"Name for commits"</label>
            <input id="commit-name" name="commit_name" type="text" maxlength="100" value=name placeholder=local_part
                autocomplete="name"/>
            <label for="commit-email">"Email for commits"</label>
            <input id="commit-email" name="commit_email" type="email" maxlength="254" value=email
                placeholder=profile.email.clone() autocomplete="email"/>
            <button class="button" type="submit">"Save"</button>
        </form>
    }
}
