//! What the Integrations pages show, loaded by server functions. Every one reads the
//! session's current team only: no function takes a team id, and no secret is ever returned.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How this deployment reaches Bitbucket, as far as pages need to know. The server puts it
/// in the Leptos context from its configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BitbucketSetup {
    /// Bitbucket is the local demo sandbox `scripts/run` started (`FERRY_DEMO_SANDBOX=1`).
    pub demo_sandbox: bool,
}

/// The demo account of `bitbucket-sandbox/seed.example.json`, shown only when the demo
/// sandbox is what Ferry talks to (the server's tests check these match the seed).
pub struct DemoAccount {
    pub email: &'static str,
    pub api_token: &'static str,
    pub username: &'static str,
    pub app_password: &'static str,
}

pub const DEMO: DemoAccount = DemoAccount {
    email: "demo@example.com",
    api_token: "ATATT-demo-api-token",
    username: "demo",
    app_password: "demo-app-password",
};

#[server]
pub async fn load_bitbucket_setup() -> Result<BitbucketSetup, ServerFnError> {
    Ok(use_context::<BitbucketSetup>().unwrap_or_default())
}
