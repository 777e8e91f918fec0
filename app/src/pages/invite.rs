//! `/invite/{token}`: what an invite link offers, and accepting it — at once when signed in,
//! else after signing up or in (the link comes back as `next`).

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::components::flash::FlashMessage;
use crate::components::load_error::LoadError;
use crate::context::use_page_context;
use crate::team_data::{load_invite, InviteData};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invite = Resource::new(token, load_invite);
    let page = use_page_context();
    view! {
        <Title text="Invite"/>
        <section class="auth-panel" data-testid="invite">
            <h1>"Join a team"</h1>
            <Suspense fallback=|| ()>
                {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
            </Suspense>
            <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
                {move || invite.get().map(|loaded| match loaded {
                    Ok(data) => offer(data, token()).into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn offer(data: InviteData, token: String) -> impl IntoView {
    if let Some(problem) = data.problem {
        return view! {
            <p class="alert error" role="alert">{problem}</p>
            <A href=routes::HOME attr:class="button">"Go to Home"</A>
        }
        .into_any();
    }
    let next = routes::invite(&token);
    let offer = view! {
        <p>"You are invited to join " <strong>{data.team_name}</strong> " as " <strong>{data.role}</strong> "."</p>
    };
    match data.signed_in_as {
        Some(email) => view! {
            {offer}
            <form class="form" method="post" action=routes::INVITE_ACCEPT>
                <input type="hidden" name="token" value=token/>
                <p class="hint">"You are signed in as " {email} "."</p>
                <button class="button" type="submit">"Accept invite"</button>
            </form>
        }
        .into_any(),
        None if data.sign_up_offered => view! {
            {offer}
            <p>"Sign in, or create an account, to accept."</p>
            <p>
                <a class="button" href=routes::with_next(routes::SIGN_UP, &next)>"Sign up to accept"</a>
                " "
                <a class="button secondary" href=routes::with_next(routes::SIGN_IN, &next)>"Sign in to accept"</a>
            </p>
        }
        .into_any(),
        // Accounts come from the operator here: a sign-up button would lead nowhere.
        None => view! {
            {offer}
            <p>"Sign in to accept. If you have no account yet, ask this Ferry's operator for one."</p>
            <p><a class="button" href=routes::with_next(routes::SIGN_IN, &next)>"Sign in to accept"</a></p>
        }
        .into_any(),
    }
}
