//! What the Configure step (and the Edit page) shows: this team's collections and, loaded live
//! from Bitbucket with the chosen connected account, its workspaces, the repositories it can
//! write (searchable) and the chosen repository's branches.
//!
//! Only someone who may save the form sees it (anyone else gets a 403 page and Bitbucket is not
//! called); only accounts the person may use are offered; the lists come from
//! `repository_lists`, which checks what the query names and charges the account's budget.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account_data::AccountView;
use crate::integration_data::RefusedForm;

/// Where a new integration's file goes when the person does not say.
pub const DEFAULT_DIRECTORY: &str = "Postman Collections";

/// The form's fields as the page's query (or a refused post) carries them. The secret-free
/// form round-trips through GET so that choosing a workspace or repository reloads its lists
/// without JavaScript and without losing what was typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetChoice {
    pub account: String,
    pub workspace: String,
    /// Narrows the repository list.
    pub search: String,
    pub repository: String,
    pub collection: String,
    /// `None`: not given yet, so the default applies; `Some("")` is the repository's root.
    pub directory: Option<String>,
    pub filename: String,
    pub branch: String,
}

#[cfg(feature = "ssr")]
impl TargetChoice {
    /// Takes the refused form's values over this choice.
    fn overlay(&mut self, refused: &RefusedForm) {
        for (name, value) in &refused.values {
            let slot = match name.as_str() {
                "account" => &mut self.account,
                "workspace" => &mut self.workspace,
                "repository" => &mut self.repository,
                "collection" => &mut self.collection,
                "filename" => &mut self.filename,
                "branch" => &mut self.branch,
                "directory" => {
                    self.directory = Some(value.clone());
                    continue;
                }
                _ => continue,
            };
            *slot = value.clone();
        }
    }
}

pub use crate::repository_lists::Choice;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigureView {
    /// The integration being edited; `None` while adding one.
    pub integration: Option<String>,
    /// The collection of the integration being edited (for the page's heading).
    pub editing_collection: Option<String>,
    pub can_save: bool,
    /// The chosen connected account, if it is one of the team's.
    pub account: Option<AccountView>,
    pub accounts: Vec<AccountView>,
    pub collections: Vec<Choice>,
    pub workspaces: Vec<Choice>,
    pub repositories: Vec<Choice>,
    pub branches: Vec<String>,
    /// What the form shows, defaults filled in.
    pub values: TargetChoice,
    /// The file name used when Filename is left empty, for the chosen collection.
    pub default_filename: String,
    /// Why the lists from Bitbucket could not be loaded, in words.
    pub bitbucket_error: Option<String>,
    pub refused: Option<RefusedForm>,
}

/// The Configure step (`integration` = `None`) or the Edit page; `None` when signed out.
#[server(endpoint = "load_configure")]
pub async fn load_configure(
    integration: Option<String>,
    choice: TargetChoice,
) -> Result<Option<ConfigureView>, ServerFnError> {
    use crate::{
        account_data::{account_view, services},
        integration_data::take_refused_form,
        server_error::server_fn_error,
        session::server_fn_actor,
    };
    use ferry_domain::{
        auth::Permission,
        collections::Collections,
        connected_accounts::ConnectedAccounts,
        integrations::{Filename, Integrations},
        sync::BitbucketSync,
    };

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let (keyring, bitbucket) = services()?;
    let sync = use_context::<BitbucketSync>()
        .ok_or_else(|| ServerFnError::new("the sync engine is not in context"))?;
    let session: tower_sessions::Session = leptos_axum::extract().await?;

    let mut view = ConfigureView {
        integration: integration.clone(),
        ..ConfigureView::default()
    };
    let mut choice = choice;
    view.refused = take_refused_form(&session).await;
    if let Some(refused) = &mut view.refused {
        choice.overlay(refused);
        // What was typed lives on in `choice`, checked below; ids of other teams go no further.
        refused.values.clear();
    }
    view.can_save = actor.role.allows(Permission::CreateIntegrations);
    if let Some(id) = &integration {
        let current = Integrations::new(&store)
            .get(&actor, id)
            .await
            .map_err(server_fn_error)?;
        view.can_save = crate::integration_data::row_view(&actor, current.clone(), None).can_manage;
        view.editing_collection = Some(current.collection_name.clone());
        let fill = |slot: &mut String, value: String| {
            if slot.is_empty() {
                *slot = value;
            }
        };
        fill(
            &mut choice.account,
            current.account_id.clone().unwrap_or_default(),
        );
        fill(&mut choice.workspace, current.workspace.clone());
        fill(&mut choice.repository, current.repository.clone());
        fill(&mut choice.collection, current.collection_id.clone());
        fill(&mut choice.filename, current.filename.clone());
        fill(&mut choice.branch, current.branch.clone());
        choice.directory.get_or_insert(current.directory);
    }
    if !view.can_save {
        // The form is for those who may save it; its lists would show what the team's
        // credentials reach and spend their request budget.
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::FORBIDDEN);
        }
        return Ok(Some(view));
    }
    choice
        .directory
        .get_or_insert_with(|| DEFAULT_DIRECTORY.to_owned());

    let collections = Collections::new(&store)
        .list(&actor, "")
        .await
        .map_err(crate::collection_data::ssr::refusal)?;
    if !collections.iter().any(|c| c.id == choice.collection) {
        choice.collection = collections
            .first()
            .map(|c| c.id.clone())
            .unwrap_or_default();
    }
    view.default_filename = collections
        .iter()
        .find(|c| c.id == choice.collection)
        .map(|c| Filename::default_for(&c.name).as_str().to_owned())
        .unwrap_or_default();
    view.collections = collections
        .into_iter()
        .map(|c| Choice {
            value: c.id,
            label: c.name,
        })
        .collect();

    let accounts = ConnectedAccounts::new(&store, &keyring)
        .usable(&actor)
        .await
        .map_err(server_fn_error)?;
    view.accounts = accounts
        .into_iter()
        .map(|a| account_view(&actor, a))
        .collect();
    view.account = view
        .accounts
        .iter()
        .find(|a| a.id == choice.account)
        .cloned();
    if view.account.is_none() {
        // Not one of this team's, or not the person's to use: forgotten, not echoed back.
        choice.account.clear();
    }

    if let Some(account) = view.account.clone() {
        use crate::repository_lists::{
            ssr::{load, ListingAccount},
            Place, RepositoryLists,
        };
        let mut place = Place {
            workspace: std::mem::take(&mut choice.workspace),
            search: std::mem::take(&mut choice.search),
            repository: std::mem::take(&mut choice.repository),
            branch: std::mem::take(&mut choice.branch),
        };
        let mut lists = RepositoryLists::default();
        let listing = ListingAccount {
            team_id: &actor.team_id,
            id: &account.id,
            label: &account.label,
        };
        if let Err(problem) = load(&mut lists, &mut place, &sync, &bitbucket, &listing).await {
            view.bitbucket_error = Some(problem);
        }
        (view.workspaces, view.repositories, view.branches) =
            (lists.workspaces, lists.repositories, lists.branches);
        (
            choice.workspace,
            choice.search,
            choice.repository,
            choice.branch,
        ) = (
            place.workspace,
            place.search,
            place.repository,
            place.branch,
        );
    }
    view.values = choice;
    Ok(Some(view))
}
