//! The fields a Bitbucket credential is typed into, shared by Authenticate and
//! Re-authenticate: the two typed methods as radio choices (CSS shows the chosen one's fields),
//! and Email + API token / Username + App password. Secrets are never filled back in.

use leptos::prelude::*;

/// The radio choices for the two typed methods; `method` is the checked one.
pub fn method_choices(method: &str) -> impl IntoView {
    view! {
        <label class="choice">
            <input type="radio" name="method" id="method-api-token" value="api_token" checked=method == "api_token"/>
            " Email and API token (recommended)"
        </label>
        <label class="choice">
            <input type="radio" name="method" id="method-app-password" value="app_password" checked=method == "app_password"/>
            " Username and App password " <span class="badge legacy">"legacy"</span>
        </label>
    }
}

/// Email + API token and Username + App password, with the typed logins kept and the refused
/// field (if any) marked.
pub fn credential_inputs(
    email: String,
    username: String,
    refused_field: Option<String>,
) -> impl IntoView {
    let invalid = move |field: &str| (refused_field.as_deref() == Some(field)).then_some("true");
    view! {
        <div class="api-token-fields form">
            <label for="email">"Email"</label>
            <input id="email" name="email" type="email" autocomplete="email" maxlength="254"
                value=email aria-invalid=invalid("email")/>
            <label for="api-token">"API token"</label>
            <input id="api-token" name="api_token" type="password" autocomplete="off" maxlength="8192"
                aria-invalid=invalid("api_token") aria-describedby="api-token-hint"/>
            <p class="hint" id="api-token-hint">
                "Your Atlassian account's email and an API token with scopes: read:user:bitbucket, \
                 read:workspace:bitbucket, read:repository:bitbucket, write:repository:bitbucket. \
                 Create one under Atlassian account settings → Security → API tokens."
            </p>
        </div>
        <div class="app-password-fields form">
            <label for="username">"Username"</label>
            <input id="username" name="username" type="text" autocomplete="username" maxlength="254"
                value=username aria-invalid=invalid("username")/>
            <label for="app-password">"App password"</label>
            <input id="app-password" name="app_password" type="password" autocomplete="off" maxlength="8192"
                aria-invalid=invalid("app_password") aria-describedby="app-password-hint"/>
            <p class="hint" id="app-password-hint">
                "Legacy: Atlassian retired app passwords in 2026; existing ones with Account: Read and \
                 Repositories: Write still work. Prefer an API token."
            </p>
        </div>
    }
}
