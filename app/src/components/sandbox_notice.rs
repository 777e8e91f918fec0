//! Says so when the Bitbucket this deployment talks to is the local demo sandbox, with the
//! demo account's credentials (public, seeded test data) so a visitor can try the flow.

use leptos::prelude::*;

use crate::integration_data::{load_bitbucket_setup, DEMO};

#[component]
pub fn SandboxNotice() -> impl IntoView {
    let setup = Resource::new(|| (), |_| load_bitbucket_setup());
    view! {
        <Suspense fallback=|| ()>
            {move || setup.get().and_then(Result::ok).filter(|s| s.demo_sandbox).map(|_| view! {
                <aside class="alert sandbox" data-testid="sandbox-notice">
                    <strong>"Demo: Bitbucket here is a local sandbox, not bitbucket.org."</strong>
                    " Nothing leaves this machine. Its demo account: "
                    "Email " <code>{DEMO.email}</code> " with API token " <code>{DEMO.api_token}</code>
                    "; or Username " <code>{DEMO.username}</code> " with App password " <code>{DEMO.app_password}</code>
                    "; Connect with Bitbucket grants access as " <code>{DEMO.username}</code> "."
                </aside>
            })}
        </Suspense>
    }
}
