//! Sign-up and sign-in: plain HTML forms posted to the server, so they work before (or
//! without) the wasm bundle; errors come back as a one-time message with the email kept.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::components::flash::FlashMessage;
use crate::context::use_page_context;
use crate::flash::Flash;
use serde::{Deserialize, Serialize};

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <Title text="Sign in"/>
        <CredentialsForm
            heading="Sign in to Ferry"
            action=routes::SIGN_IN
            submit="Sign in"
            password_autocomplete="current-password"
            alternative=view! { <p>"New to Ferry? " <A href=routes::SIGN_UP>"Create an account"</A></p> }.into_any()
        />
    }
}

/// Who may sign up here (`FERRY_SIGNUP`), as the sign-up page needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignUpOpenTo {
    Anyone,
    /// Only someone who came through an invite link.
    Invited,
    /// Nobody: the operator creates accounts.
    Nobody,
}

#[server(endpoint = "load_sign_up_open_to")]
pub async fn load_sign_up_open_to() -> Result<SignUpOpenTo, ServerFnError> {
    use ferry_domain::accounts::SignupMode;

    Ok(match use_context::<SignupMode>().unwrap_or_default() {
        SignupMode::Open => SignUpOpenTo::Anyone,
        SignupMode::InviteOnly => SignUpOpenTo::Invited,
        SignupMode::Closed => SignUpOpenTo::Nobody,
    })
}

/// The token of the invite link someone came from, when that is where they go next.
fn invite_token(next: &str) -> Option<String> {
    let token = next.strip_prefix(routes::INVITE_PREFIX)?;
    (!token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| token.to_owned())
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let open_to = Resource::new(|| (), |_| load_sign_up_open_to());
    let query = use_query_map();
    let sign_in =
        || view! { <p>"Already have an account? " <A href=routes::SIGN_IN>"Sign in"</A></p> };
    let page = move |open_to: SignUpOpenTo| {
        let invite = query
            .read_untracked()
            .get("next")
            .and_then(|next| invite_token(&next));
        match (open_to, invite) {
            (SignUpOpenTo::Nobody, _) => view! {
                <section class="auth-panel" data-testid="sign-up-closed">
                    <h1>"Sign-up is closed"</h1>
                    <PageFlash/>
                    <p>"This Ferry does not take new accounts by sign-up. Ask its operator to create an account for you."</p>
                    {sign_in()}
                </section>
            }
            .into_any(),
            (SignUpOpenTo::Invited, None) => view! {
                <section class="auth-panel" data-testid="sign-up-invite-only">
                    <h1>"Sign-up is by invite"</h1>
                    <PageFlash/>
                    <p>
                        "This Ferry takes new accounts by invite only. Open the invite link a team admin sent you, "
                        "and sign up from there: your account joins their team."
                    </p>
                    {sign_in()}
                </section>
            }
            .into_any(),
            (_, invite) => {
                let joining = invite.is_some();
                view! {
                    <CredentialsForm
                        heading="Create your Ferry account"
                        action=routes::SIGN_UP
                        submit="Sign up"
                        password_autocomplete="new-password"
                        invite=invite
                        alternative=view! {
                            {joining.then(|| view! { <p class="hint">"Your new account joins the team of your invite link."</p> })}
                            <p class="hint">"8 to 128 characters. A few unrelated words make a strong password."</p>
                            {sign_in()}
                        }.into_any()
                    />
                }
                .into_any()
            }
        }
    };
    view! {
        <Title text="Sign up"/>
        <Suspense fallback=|| ()>
            {move || open_to.get().map(|open_to| page(open_to.unwrap_or(SignUpOpenTo::Anyone)))}
        </Suspense>
    }
}

/// The page's one-time message (why a sign-up was refused) where no form shows it.
#[component]
fn PageFlash() -> impl IntoView {
    let page = use_page_context();
    view! {
        <Suspense fallback=|| ()>
            {move || page.get().map(|ctx| view! { <FlashMessage flash=ctx.ok().and_then(|c| c.flash)/> })}
        </Suspense>
    }
}

#[component]
fn CredentialsForm(
    heading: &'static str,
    action: &'static str,
    submit: &'static str,
    password_autocomplete: &'static str,
    alternative: AnyView,
    /// The token of the invite link the person signs up through.
    #[prop(optional_no_strip)]
    invite: Option<String>,
) -> impl IntoView {
    let page = use_page_context();
    // Where to go once signed in (an invite link, say), carried through the form.
    let query = use_query_map();
    let invite = StoredValue::new(invite);
    let form = move |flash: Option<Flash>| {
        let next = query.read_untracked().get("next");
        let email = flash
            .as_ref()
            .and_then(|f| f.email.clone())
            .unwrap_or_default();
        view! {
            <FlashMessage flash=flash/>
            <form class="form" method="post" action=action>
                {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
                {invite.get_value().map(|invite| view! { <input type="hidden" name="invite" value=invite/> })}
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
