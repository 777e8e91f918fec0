//! Sign-up and sign-in: plain HTML forms posted to the server, so they work before (or
//! without) the wasm bundle; errors come back as a one-time message with the email kept.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::components::flash::FlashMessage;
use crate::context::{use_page_context, Flash};

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <Title text="Sign in"/>
        <CredentialsForm
            heading="Sign in to Ferry"
            action="/signin"
            submit="Sign in"
            password_autocomplete="current-password"
            alternative=view! { <p>"New to Ferry? " <A href="/signup">"Create an account"</A></p> }.into_any()
        />
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <Title text="Sign up"/>
        <CredentialsForm
            heading="Create your Ferry account"
            action="/signup"
            submit="Sign up"
            password_autocomplete="new-password"
            alternative=view! {
                <p class="hint">"8 to 128 characters. A few unrelated words make a strong password."</p>
                <p>"Already have an account? " <A href="/signin">"Sign in"</A></p>
            }.into_any()
        />
    }
}

#[component]
fn CredentialsForm(
    heading: &'static str,
    action: &'static str,
    submit: &'static str,
    password_autocomplete: &'static str,
    alternative: AnyView,
) -> impl IntoView {
    let page = use_page_context();
    // Where to go once signed in (an invite link, say), carried through the form.
    let query = use_query_map();
    let form = move |flash: Option<Flash>| {
        let next = query.read_untracked().get("next");
        let email = flash.as_ref().and_then(|f| f.email.clone()).unwrap_or_default();
        view! {
            <FlashMessage flash=flash/>
            <form class="form" method="post" action=action>
                {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required value=email/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete=password_autocomplete required minlength="8" maxlength="128"/>
                <button class="button" type="submit">{submit}</button>
            </form>
        }
    };
    view! {
        <section class="auth-panel">
            <h1>{heading}</h1>
            <Suspense fallback=move || form(None)>
                {move || page.get().map(|ctx| form(ctx.ok().and_then(|c| c.flash)))}
            </Suspense>
            {alternative}
        </section>
    }
}
