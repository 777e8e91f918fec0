//! What every page knows about the person looking at it, loaded once per page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::flash::Flash;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamChoice {
    pub id: String,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub email: String,
    pub team_id: String,
    pub team_name: String,
    pub role: String,
    pub teams: Vec<TeamChoice>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    pub viewer: Option<Viewer>,
    pub flash: Option<Flash>,
}

#[server(endpoint = "load_page_context")]
pub async fn load_page_context() -> Result<PageContext, ServerFnError> {
    use crate::server_error::server_fn_error;
    use ferry_domain::{accounts::Accounts, crypto::Keyring, Store};

    let store =
        use_context::<Store>().ok_or_else(|| ServerFnError::new("the store is not in context"))?;
    let keyring = use_context::<Keyring>()
        .ok_or_else(|| ServerFnError::new("the keyring is not in context"))?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;
    let page = use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_default();
    let flash = crate::session::take_flash(&session, &keyring)
        .await
        .map(|flash| Flash { page, ..flash });
    let Some(actor) = crate::session::actor(&store, &session).await else {
        return Ok(PageContext {
            viewer: None,
            flash,
        });
    };
    let teams = Accounts::new(&store)
        .teams(&actor.user_id)
        .await
        .map_err(server_fn_error)?
        .into_iter()
        .map(|m| TeamChoice {
            id: m.team_id,
            name: m.team_name,
            role: m.role,
        })
        .collect();
    Ok(PageContext {
        viewer: Some(Viewer {
            email: actor.email,
            team_id: actor.team_id,
            team_name: actor.team_name,
            role: actor.role.to_string(),
            teams,
        }),
        flash,
    })
}

/// The page context resource, provided by `App` for every page.
pub type PageContextResource = Resource<Result<PageContext, ServerFnError>>;

pub fn use_page_context() -> PageContextResource {
    expect_context::<PageContextResource>()
}
