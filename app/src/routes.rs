//! Every path of Ferry's pages and form targets, written once, for the pages (links and
//! form `action`s) and the server (its route table and the pages its handlers redirect to).
//! A path typed twice drifts: a renamed page would leave a form posting to nothing, or a
//! handler redirecting to a 404, with both sides still compiling.
//!
//! Naming:
//! - a `const` in capitals is a fixed path (`COLLECTIONS`, `TEAM_API_KEYS`);
//! - a function in lower case builds a path with ids (`collection(id)`,
//!   `integration_edit(id)`), each id percent-encoded: Postman ids may hold any character,
//!   and an id that is a UUID comes out unchanged;
//! - a `const` ending in `_ROUTE` is an axum route pattern with `{…}` captures, for the
//!   server's route table only, next to the function that fills it in.
//!
//! The Leptos router's paths in `app/src/lib.rs` (`path!("collections/:id")`) must be
//! literals for the macro, so they are not built from here: they must match these.
//! Server-function URLs (`/api/load_…`) are named by each `#[server(endpoint = …)]` and are
//! not listed here.

/// `text` with every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`, RFC 3986)
/// percent-encoded: fit for a path segment, a query value or an RFC 8187 file name.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// Account and team (pages and forms: `account_forms.rs`, `team_forms.rs`, `profile_forms.rs`).
pub const HOME: &str = "/";
pub const SIGN_IN: &str = "/signin";
pub const SIGN_UP: &str = "/signup";
pub const SIGN_OUT: &str = "/signout";
pub const SIGN_OUT_EVERYWHERE: &str = "/signout/everywhere";
pub const PROFILE: &str = "/profile";
/// Sign-in that returns to the profile page.
pub const SIGN_IN_THEN_PROFILE: &str = "/signin?next=/profile";
pub const TEAMS: &str = "/teams";
pub const TEAMS_NEW: &str = "/teams/new";
pub const TEAMS_SWITCH: &str = "/teams/switch";
pub const TEAM_MEMBERS: &str = "/team/members";
pub const TEAM_MEMBERS_ROLE: &str = "/team/members/role";
pub const TEAM_MEMBERS_REMOVE: &str = "/team/members/remove";
pub const TEAM_INVITES: &str = "/team/invites";
pub const TEAM_INVITES_REVOKE: &str = "/team/invites/revoke";
pub const TEAM_API_KEYS: &str = "/team/api-keys";
pub const TEAM_API_KEYS_REVOKE: &str = "/team/api-keys/revoke";
pub const TEAM_AUDIT: &str = "/team/audit";
pub const INVITE_ACCEPT: &str = "/invite/accept";
/// The invite page every link that could not be one leads to.
pub const INVITE_INVALID: &str = "/invite/invalid";
/// What every invite page's path starts with; the token follows.
pub const INVITE_PREFIX: &str = "/invite/";

/// The invite page of `token`; callers check the token is fit for a path first.
pub fn invite(token: &str) -> String {
    format!("{INVITE_PREFIX}{token}")
}

/// `page` with `?next=<next>`: sign in or up, then go on to `next`. `next` is a path of
/// Ferry's own, checked by the caller, and goes in as it is.
pub fn with_next(page: &str, next: &str) -> String {
    format!("{page}?next={next}")
}

// Integrations (pages `integrations*.rs`, `connected_accounts.rs`; forms
// `integration_forms.rs`, `sync_forms.rs`, `bitbucket_auth.rs`).
pub const INTEGRATIONS: &str = "/integrations";
pub const INTEGRATIONS_BITBUCKET: &str = "/integrations/bitbucket";
pub const INTEGRATIONS_BITBUCKET_NEW: &str = "/integrations/bitbucket/new";
pub const INTEGRATIONS_BITBUCKET_CONFIGURE: &str = "/integrations/bitbucket/new/configure";
/// Sign-in that returns to adding an integration.
pub const SIGN_IN_THEN_INTEGRATIONS_BITBUCKET_NEW: &str =
    "/signin?next=/integrations/bitbucket/new";
pub const INTEGRATIONS_BITBUCKET_AUTHENTICATE: &str = "/integrations/bitbucket/authenticate";
pub const OAUTH_START: &str = "/integrations/bitbucket/oauth/start";
/// Also the redirect URI registered with Bitbucket, so changing it breaks sign-in there.
pub const OAUTH_CALLBACK: &str = "/integrations/bitbucket/oauth/callback";
pub const ACCOUNTS: &str = "/integrations/accounts";

/// The configure page with `account` chosen.
pub fn integration_configure(account: &str) -> String {
    format!(
        "{INTEGRATIONS_BITBUCKET_CONFIGURE}?account={}",
        percent_encode(account)
    )
}

pub const INTEGRATION_ROUTE: &str = "/integrations/bitbucket/{id}";
pub fn integration(id: &str) -> String {
    format!("{INTEGRATIONS_BITBUCKET}/{}", percent_encode(id))
}

pub fn integration_edit(id: &str) -> String {
    format!("{}/edit", integration(id))
}

pub const INTEGRATION_DELETE_ROUTE: &str = "/integrations/bitbucket/{id}/delete";
pub fn integration_delete(id: &str) -> String {
    format!("{}/delete", integration(id))
}

pub fn integration_runs(id: &str) -> String {
    format!("{}/runs", integration(id))
}

pub const INTEGRATION_RUN_ROUTE: &str = "/integrations/bitbucket/{id}/run";
pub const INTEGRATION_PAUSE_ROUTE: &str = "/integrations/bitbucket/{id}/pause";
pub const INTEGRATION_RESUME_ROUTE: &str = "/integrations/bitbucket/{id}/resume";
/// `run`, `pause` or `resume` of an integration: the sync buttons post here.
pub fn integration_action(id: &str, action: &str) -> String {
    format!("{}/{action}", integration(id))
}

pub const ACCOUNT_REAUTHENTICATE_ROUTE: &str = "/integrations/accounts/{id}/reauthenticate";
pub fn account_reauthenticate(id: &str) -> String {
    format!("{ACCOUNTS}/{}/reauthenticate", percent_encode(id))
}

pub const ACCOUNT_DELETE_ROUTE: &str = "/integrations/accounts/{id}/delete";
pub fn account_delete(id: &str) -> String {
    format!("{ACCOUNTS}/{}/delete", percent_encode(id))
}

pub const ACCOUNT_SHARE_ROUTE: &str = "/integrations/accounts/{id}/share";
pub fn account_share(id: &str) -> String {
    format!("{ACCOUNTS}/{}/share", percent_encode(id))
}

// Custom webhooks and Slack (pages `integrations_hooks.rs`; forms `hook_forms.rs`).
pub const INTEGRATIONS_WEBHOOKS: &str = "/integrations/webhooks";
pub const INTEGRATIONS_SLACK: &str = "/integrations/slack";
/// Add Integration: the page, and the form's POST target.
pub const INTEGRATIONS_WEBHOOKS_NEW: &str = "/integrations/webhooks/new";
pub const INTEGRATIONS_SLACK_NEW: &str = "/integrations/slack/new";

pub const HOOK_ROUTE: &str = "/integrations/hooks/{id}";
pub fn hook(id: &str) -> String {
    format!("/integrations/hooks/{}", percent_encode(id))
}

pub const HOOK_EDIT_ROUTE: &str = "/integrations/hooks/{id}/edit";
pub const HOOK_PAUSE_ROUTE: &str = "/integrations/hooks/{id}/pause";
pub const HOOK_RESUME_ROUTE: &str = "/integrations/hooks/{id}/resume";
pub const HOOK_TEST_ROUTE: &str = "/integrations/hooks/{id}/test";
pub const HOOK_SECRET_ROUTE: &str = "/integrations/hooks/{id}/secret";
pub const HOOK_DELETE_ROUTE: &str = "/integrations/hooks/{id}/delete";
/// `edit`, `pause`, `resume`, `test`, `secret` or `delete` of a webhook or Slack integration.
pub fn hook_action(id: &str, action: &str) -> String {
    format!("{}/{action}", hook(id))
}

pub const HOOK_REDELIVER_ROUTE: &str = "/integrations/hooks/{id}/deliveries/{delivery}/redeliver";
pub fn hook_redeliver(id: &str, delivery: &str) -> String {
    format!(
        "{}/deliveries/{}/redeliver",
        hook(id),
        percent_encode(delivery)
    )
}

// Collections (pages `collections*.rs`; forms `collection_forms.rs`).
pub const COLLECTIONS: &str = "/collections";
pub const COLLECTIONS_IMPORT: &str = "/collections/import";

/// `/collections/<id>` with the id percent-encoded: Postman ids may hold any character.
pub fn collection(id: &str) -> String {
    format!("{COLLECTIONS}/{}", percent_encode(id))
}

/// `<collection>?item=<item>`: the collection page with a folder or request selected.
pub fn collection_item(collection_id: &str, item_id: &str) -> String {
    format!(
        "{}?item={}",
        collection(collection_id),
        percent_encode(item_id)
    )
}

pub const COLLECTION_EXPORT_ROUTE: &str = "/collections/{id}/export";
pub const COLLECTION_DELETE_ROUTE: &str = "/collections/{id}/delete";
pub const COLLECTION_ITEMS_ROUTE: &str = "/collections/{id}/items";
pub const COLLECTION_VARIABLES_ROUTE: &str = "/collections/{id}/variables";
pub const COLLECTION_DETAILS_ROUTE: &str = "/collections/{id}/details";
/// A page or form under one collection: `export`, `history`, `delete`, `items`,
/// `variables` or `details`.
pub fn collection_sub(id: &str, sub: &str) -> String {
    format!("{}/{sub}", collection(id))
}

pub const COLLECTION_REQUEST_ROUTE: &str = "/collections/{id}/requests/{item}";
pub fn collection_request(id: &str, item: &str) -> String {
    format!("{}/requests/{}", collection(id), percent_encode(item))
}

pub const COLLECTION_ITEM_RENAME_ROUTE: &str = "/collections/{id}/items/{item}/rename";
pub const COLLECTION_ITEM_MOVE_ROUTE: &str = "/collections/{id}/items/{item}/move";
pub const COLLECTION_ITEM_DELETE_ROUTE: &str = "/collections/{id}/items/{item}/delete";
/// The base of an item's forms; `rename`, `move` and `delete` follow.
pub fn collection_item_forms(id: &str, item: &str) -> String {
    format!("{}/items/{}", collection(id), percent_encode(item))
}

pub const COLLECTION_REVISION_EXPORT_ROUTE: &str = "/collections/{id}/revisions/{number}/export";
pub fn collection_revision(id: &str, number: i64) -> String {
    format!("{}/revisions/{number}", collection(id))
}

// APIs (pages `apis*.rs`; forms and downloads `api_forms.rs`).
pub const APIS: &str = "/apis";
pub const APIS_IMPORT: &str = "/apis/import";

/// `/apis/<id>`: the API's overview.
pub fn api(id: &str) -> String {
    format!("{APIS}/{}", percent_encode(id))
}

pub const API_DETAILS_ROUTE: &str = "/apis/{id}/details";
pub const API_DEFINITION_ROUTE: &str = "/apis/{id}/definition";
pub const API_DEFINITION_EXPORT_ROUTE: &str = "/apis/{id}/definition/export";
pub const API_DELETE_ROUTE: &str = "/apis/{id}/delete";
pub const API_COLLECTIONS_LINK_ROUTE: &str = "/apis/{id}/collections/link";
pub const API_COLLECTIONS_GENERATE_ROUTE: &str = "/apis/{id}/collections/generate";
pub const API_VERSIONS_ROUTE: &str = "/apis/{id}/versions";
/// A page or form under one API: `definition` (the editor; its form saves), `operations`,
/// `collections`, `versions` (its form publishes), `history`, `details` (rename), `delete`,
/// `definition/export`, `collections/link`, `collections/generate`.
pub fn api_sub(id: &str, sub: &str) -> String {
    format!("{}/{sub}", api(id))
}

// API sync: the Repository tab (`pages/api_repository.rs`) and its forms (`api_sync_forms.rs`):
// `repository` (the page; its form connects), `repository/push`, `repository/pull`,
// `repository/resolve`, `repository/branch` (switch), `repository/branches` (create),
// `repository/settings`, `repository/disconnect`.
pub const API_REPOSITORY_ROUTE: &str = "/apis/{id}/repository";
pub const API_REPOSITORY_PUSH_ROUTE: &str = "/apis/{id}/repository/push";
pub const API_REPOSITORY_PULL_ROUTE: &str = "/apis/{id}/repository/pull";
pub const API_REPOSITORY_RESOLVE_ROUTE: &str = "/apis/{id}/repository/resolve";
pub const API_REPOSITORY_BRANCH_ROUTE: &str = "/apis/{id}/repository/branch";
pub const API_REPOSITORY_BRANCHES_ROUTE: &str = "/apis/{id}/repository/branches";
pub const API_REPOSITORY_SETTINGS_ROUTE: &str = "/apis/{id}/repository/settings";
pub const API_REPOSITORY_DISCONNECT_ROUTE: &str = "/apis/{id}/repository/disconnect";

/// The Repository tab with its Connect form's choices filled in (`accountId`, `workspace`,
/// `repository`, `branch`, …): the tab lists what the account reaches in Bitbucket.
pub fn api_repository_with(id: &str, choices: &[(&str, &str)]) -> String {
    let query: Vec<String> = choices
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect();
    let page = api_sub(id, "repository");
    match query.is_empty() {
        true => page,
        false => format!("{page}?{}", query.join("&")),
    }
}

/// Add Integration's Authenticate step started from an API's Connect form: once an account
/// is connected (or chosen), it returns to that API's Repository tab instead of Configure.
pub fn authenticate_for_api(id: &str) -> String {
    format!(
        "{INTEGRATIONS_BITBUCKET_NEW}?{AUTHENTICATE_FOR_API}={}",
        percent_encode(id)
    )
}

/// The query parameter (and hidden form field) of [`authenticate_for_api`].
pub const AUTHENTICATE_FOR_API: &str = "api";
/// Where Bitbucket delivers a connected API's `repo:push` webhooks; `{hook}` is random.
pub const BITBUCKET_WEBHOOK_ROUTE: &str = "/webhooks/bitbucket/{hook}";

pub const API_COLLECTION_UNLINK_ROUTE: &str = "/apis/{id}/collections/{collection}/unlink";
pub fn api_collection_unlink(id: &str, collection: &str) -> String {
    format!(
        "{}/collections/{}/unlink",
        api(id),
        percent_encode(collection)
    )
}

pub const API_REVISION_DEFINITION_ROUTE: &str = "/apis/{id}/revisions/{number}/definition";
/// The definition as a revision of the History saved it, as a download.
pub fn api_revision_definition(id: &str, number: i64) -> String {
    format!("{}/revisions/{number}/definition", api(id))
}

/// A version's page.
pub fn api_version(id: &str, version: &str) -> String {
    format!("{}/versions/{}", api(id), percent_encode(version))
}

pub const API_VERSION_DEFINITION_ROUTE: &str = "/apis/{id}/versions/{version}/definition";
pub const API_VERSION_EXPORT_ROUTE: &str = "/apis/{id}/versions/{version}/export.zip";
/// A version's downloads: `definition` or `export.zip`.
pub fn api_version_sub(id: &str, version: &str, sub: &str) -> String {
    format!("{}/{sub}", api_version(id, version))
}

pub const API_VERSION_COLLECTION_ROUTE: &str =
    "/apis/{id}/versions/{version}/collections/{collection}";
/// A version's copy of one collection, as a download.
pub fn api_version_collection(id: &str, version: &str, collection: &str) -> String {
    format!(
        "{}/collections/{}",
        api_version(id, version),
        percent_encode(collection)
    )
}

// Operations and the REST API (`health.rs`, `metrics.rs`, `api.rs`, `*_api.rs`).
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const API_ME: &str = "/api/me";
pub const API_OPENAPI: &str = "/api/openapi.json";
pub const API_COLLECTIONS: &str = "/api/collections";
pub const API_COLLECTION_ROUTE: &str = "/api/collections/{id}";
pub const API_APIS: &str = "/api/apis";
pub const API_API_ROUTE: &str = "/api/apis/{id}";
pub const API_API_DEFINITION_ROUTE: &str = "/api/apis/{id}/definition";
pub const API_API_COLLECTIONS_ROUTE: &str = "/api/apis/{id}/collections";
pub const API_API_COLLECTION_ROUTE: &str = "/api/apis/{id}/collections/{collection}";
pub const API_API_VERSIONS_ROUTE: &str = "/api/apis/{id}/versions";
pub const API_API_VERSION_ROUTE: &str = "/api/apis/{id}/versions/{version}";
pub const API_API_SYNC_ROUTE: &str = "/api/apis/{id}/sync";
pub const API_API_SYNC_PULL_ROUTE: &str = "/api/apis/{id}/sync/pull";
pub const API_API_SYNC_PUSH_ROUTE: &str = "/api/apis/{id}/sync/push";
pub const API_API_SYNC_BRANCHES_ROUTE: &str = "/api/apis/{id}/sync/branches";
pub const API_API_SYNC_BRANCH_ROUTE: &str = "/api/apis/{id}/sync/branch";
pub const API_API_SYNC_LOG_ROUTE: &str = "/api/apis/{id}/sync/log";

// Custom webhooks and Slack over REST (`hooks_api.rs`).
pub const API_WEBHOOKS: &str = "/api/webhooks";
pub const API_WEBHOOK_ROUTE: &str = "/api/webhooks/{id}";
pub const API_WEBHOOK_SECRET_ROUTE: &str = "/api/webhooks/{id}/secret";
pub const API_WEBHOOK_TEST_ROUTE: &str = "/api/webhooks/{id}/test";
pub const API_WEBHOOK_DELIVERIES_ROUTE: &str = "/api/webhooks/{id}/deliveries";
pub const API_WEBHOOK_REDELIVER_ROUTE: &str = "/api/webhooks/{id}/deliveries/{delivery}/redeliver";
pub const API_INTEGRATIONS: &str = "/api/integrations";
pub const API_INTEGRATION_ROUTE: &str = "/api/integrations/{id}";
pub const API_INTEGRATION_RUNS_ROUTE: &str = "/api/integrations/{id}/runs";
pub const API_INTEGRATION_RUN_ROUTE: &str = "/api/integrations/{id}/run";
pub const API_INTEGRATION_PAUSE_ROUTE: &str = "/api/integrations/{id}/pause";
pub const API_INTEGRATION_RESUME_ROUTE: &str = "/api/integrations/{id}/resume";

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `_ROUTE` pattern filled with an id gives what its function builds: the server
    /// routes to the path the pages link to.
    #[test]
    fn route_patterns_match_the_paths_built() {
        let fill = |route: &str| route.replace("{id}", "i%2F1").replace("{item}", "r%3F");
        assert_eq!(fill(INTEGRATION_ROUTE), integration("i/1"));
        assert_eq!(fill(INTEGRATION_DELETE_ROUTE), integration_delete("i/1"));
        assert_eq!(
            fill(INTEGRATION_RUN_ROUTE),
            integration_action("i/1", "run")
        );
        assert_eq!(
            fill(INTEGRATION_PAUSE_ROUTE),
            integration_action("i/1", "pause")
        );
        assert_eq!(
            fill(INTEGRATION_RESUME_ROUTE),
            integration_action("i/1", "resume")
        );
        assert_eq!(
            fill(ACCOUNT_REAUTHENTICATE_ROUTE),
            account_reauthenticate("i/1")
        );
        assert_eq!(fill(ACCOUNT_DELETE_ROUTE), account_delete("i/1"));
        assert_eq!(fill(ACCOUNT_SHARE_ROUTE), account_share("i/1"));
        assert_eq!(
            fill(COLLECTION_EXPORT_ROUTE),
            collection_sub("i/1", "export")
        );
        assert_eq!(
            fill(COLLECTION_DELETE_ROUTE),
            collection_sub("i/1", "delete")
        );
        assert_eq!(fill(COLLECTION_ITEMS_ROUTE), collection_sub("i/1", "items"));
        assert_eq!(
            fill(COLLECTION_VARIABLES_ROUTE),
            collection_sub("i/1", "variables")
        );
        assert_eq!(
            fill(COLLECTION_DETAILS_ROUTE),
            collection_sub("i/1", "details")
        );
        assert_eq!(
            fill(COLLECTION_REQUEST_ROUTE),
            collection_request("i/1", "r?")
        );
        let item = collection_item_forms("i/1", "r?");
        assert_eq!(fill(COLLECTION_ITEM_RENAME_ROUTE), format!("{item}/rename"));
        assert_eq!(fill(COLLECTION_ITEM_MOVE_ROUTE), format!("{item}/move"));
        assert_eq!(fill(COLLECTION_ITEM_DELETE_ROUTE), format!("{item}/delete"));
        assert_eq!(
            fill(API_REVISION_DEFINITION_ROUTE).replace("{number}", "3"),
            api_revision_definition("i/1", 3)
        );
        assert_eq!(
            fill(COLLECTION_REVISION_EXPORT_ROUTE).replace("{number}", "3"),
            format!("{}/export", collection_revision("i/1", 3))
        );
    }

    #[test]
    fn ids_are_percent_encoded() {
        assert_eq!(
            integration_runs("a b"),
            "/integrations/bitbucket/a%20b/runs"
        );
        assert_eq!(
            integration_configure("a&b"),
            "/integrations/bitbucket/new/configure?account=a%26b"
        );
        assert_eq!(
            account_reauthenticate("x/y"),
            "/integrations/accounts/x%2Fy/reauthenticate"
        );
        assert_eq!(invite("abc"), "/invite/abc");
        assert_eq!(
            with_next(SIGN_IN, "/invite/abc"),
            "/signin?next=/invite/abc"
        );
    }
}
