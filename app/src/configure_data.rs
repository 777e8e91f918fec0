//! What the Configure step (and the Edit page) shows: this team's collections and, loaded live
//! from Bitbucket with the chosen connected account, its workspaces, the repositories it can
//! write (searchable) and the chosen repository's branches.
//!
//! Only someone who may save the form sees it (anyone else gets a 403 page and Bitbucket is not
//! called); only accounts the person may use are offered; the workspace, repository and branch
//! of the query are parsed as the domain's types before any of them goes into a request path;
//! and every call is charged to the account's hourly request budget, shared with the sync
//! engine — when it is spent, the page says so instead of calling.

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

/// One option of a select.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

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
        let loaded = match parse_target(&mut choice) {
            Ok(()) => {
                load_from_bitbucket(
                    &mut view,
                    &mut choice,
                    &sync,
                    &bitbucket,
                    &actor.team_id,
                    &account,
                )
                .await
            }
            Err(refused) => Err(refused),
        };
        if let Err(problem) = loaded {
            view.bitbucket_error = Some(problem);
        }
    }
    view.values = choice;
    Ok(Some(view))
}

/// Parses the workspace, repository and branch the query names, before any of them reaches a
/// request to Bitbucket; a refused one is cleared (so the next load starts over) and named.
#[cfg(feature = "ssr")]
fn parse_target(choice: &mut TargetChoice) -> Result<(), String> {
    use ferry_domain::integrations::{BranchName, Slug};

    let refused = |label: &str, message: &str| {
        format!("{label}: {message}. Nothing was loaded from Bitbucket; choose from the lists and load them again.")
    };
    for (field, label, value) in [
        ("workspace", "Workspace", &mut choice.workspace),
        ("repository", "Repository", &mut choice.repository),
    ] {
        if !value.trim().is_empty() {
            if let Err(error) = Slug::parse(field, value) {
                value.clear();
                return Err(refused(label, &error.message));
            }
        }
    }
    if !choice.branch.trim().is_empty() {
        if let Err(error) = BranchName::parse(&choice.branch) {
            choice.branch.clear();
            return Err(refused("Branch", &error.message));
        }
    }
    Ok(())
}

/// Takes one call from the account's request budget before a listing, or says when the page
/// can load again.
#[cfg(feature = "ssr")]
async fn take_call(
    sync: &ferry_domain::sync::BitbucketSync,
    account: &AccountView,
) -> Result<(), String> {
    use crate::server_error::SOMETHING_WENT_WRONG;

    match sync.take_budget(&account.id, 1).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(wait)) => Err(format!(
            "“{}” has used its Bitbucket requests for now: Ferry keeps each account under Bitbucket's hourly \
             limit, shared with its backups. The lists can load again in about {}.",
            account.label,
            in_words(wait)
        )),
        Err(error) => {
            tracing::error!(%error, "reading an account's request budget failed");
            Err(SOMETHING_WENT_WRONG.to_owned())
        }
    }
}

/// Charges the further pages a listing read (its first was taken beforehand).
#[cfg(feature = "ssr")]
async fn charge_pages(sync: &ferry_domain::sync::BitbucketSync, account: &AccountView, calls: u32) {
    if let Err(error) = sync
        .charge_budget(&account.id, calls.saturating_sub(1))
        .await
    {
        tracing::error!(%error, "charging an account's request budget failed");
    }
}

/// "40 seconds", "3 minutes".
#[cfg(feature = "ssr")]
fn in_words(wait: std::time::Duration) -> String {
    match wait.as_secs() + 1 {
        1 => "a second".to_owned(),
        s @ 2..=90 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// Fills workspaces, repositories and branches, choosing the first of each where nothing
/// (or something no longer listed) was chosen.
#[cfg(feature = "ssr")]
async fn load_from_bitbucket(
    view: &mut ConfigureView,
    choice: &mut TargetChoice,
    sync: &ferry_domain::sync::BitbucketSync,
    bitbucket: &ferry_domain::bitbucket::BitbucketClient,
    team_id: &str,
    account: &AccountView,
) -> Result<(), String> {
    use crate::server_error::SOMETHING_WENT_WRONG;
    use ferry_domain::error::{DomainError, ErrorKind};

    let label = &account.label;
    let credential = sync
        .destination()
        .fresh_credential(team_id, &account.id)
        .await
        .map_err(|error| match error.kind() {
            ErrorKind::Internal => {
                tracing::error!(%error, "opening a connected account's credential failed");
                SOMETHING_WENT_WRONG.to_owned()
            }
            _ => format!("The connected account “{label}” cannot be used: {error}. Re-authenticate it under Connected accounts."),
        })?;
    let refused =
        |e: ferry_domain::bitbucket::BitbucketError| format!("Bitbucket, as “{label}”: {e}.");
    use ferry_domain::bitbucket::pages_read;
    take_call(sync, account).await?;
    let verified = bitbucket.verify(&credential).await.map_err(refused)?;
    // `/user`, then the workspaces' pages.
    charge_pages(sync, account, 1 + pages_read(verified.workspaces.len())).await;
    view.workspaces = verified
        .workspaces
        .into_iter()
        .map(|w| Choice {
            label: w
                .name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| w.slug.clone()),
            value: w.slug,
        })
        .collect();
    if !view.workspaces.iter().any(|w| w.value == choice.workspace) {
        match view.workspaces.first() {
            Some(first) => choice.workspace = first.value.clone(),
            None => {
                return Err(format!(
                    "“{label}” is not a member of any Bitbucket workspace."
                ))
            }
        }
    }
    // A GET can carry any length; a repository name is at most 100 characters anyway.
    if choice.search.chars().count() > 100 {
        choice.search = choice.search.chars().take(100).collect();
    }
    let search = Some(choice.search.as_str()).filter(|s| !s.trim().is_empty());
    take_call(sync, account).await?;
    let repositories = bitbucket
        .repositories(&credential, &choice.workspace, search)
        .await
        .map_err(refused)?;
    charge_pages(sync, account, pages_read(repositories.len())).await;
    let main_branch = |slug: &str| {
        repositories
            .iter()
            .find(|r| r.slug == slug)
            .and_then(|r| r.main_branch.clone())
    };
    if !repositories.iter().any(|r| r.slug == choice.repository) {
        // A chosen repository a search hides stays chosen; anything else falls to the first.
        let keep = !choice.repository.is_empty() && search.is_some();
        if !keep {
            choice.repository = repositories
                .first()
                .map(|r| r.slug.clone())
                .unwrap_or_default();
        }
    }
    let default_branch = main_branch(&choice.repository).unwrap_or_else(|| "main".to_owned());
    view.repositories = repositories
        .iter()
        .map(|r| Choice {
            value: r.slug.clone(),
            label: r.name.clone(),
        })
        .collect();
    if !choice.repository.is_empty()
        && !view
            .repositories
            .iter()
            .any(|r| r.value == choice.repository)
    {
        view.repositories.insert(
            0,
            Choice {
                value: choice.repository.clone(),
                label: choice.repository.clone(),
            },
        );
    }
    if choice.repository.is_empty() {
        return Err(match search {
            Some(search) => format!(
                "No repository of {} that “{label}” can write has “{search}” in its name.",
                choice.workspace
            ),
            None => format!(
                "“{label}” cannot write to any repository of workspace {}.",
                choice.workspace
            ),
        });
    }
    take_call(sync, account).await?;
    let branches = bitbucket
        .branches(&credential, &choice.workspace, &choice.repository)
        .await
        .map_err(refused)?;
    charge_pages(sync, account, pages_read(branches.len())).await;
    view.branches = branches.into_iter().map(|b| b.name).collect();
    if choice.branch.trim().is_empty() {
        choice.branch = default_branch;
    }
    Ok(())
}
