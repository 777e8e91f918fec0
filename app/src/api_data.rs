//! What the APIs pages show, loaded by server functions from the APIs service. Every one reads
//! the session's current team only: an API id of another team answers "not found" (404),
//! like an unknown one. Each tab loads only what it shows: the definition's text (which may
//! be megabytes) only on the Definition tab.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::repository_lists::{Place, RepositoryLists};
use crate::run_data::CommitLink;

/// What every tab of an API shows above its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiHeader {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub valid: bool,
    pub problem_count: i64,
    pub can_edit: bool,
    pub can_delete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub version: String,
    pub format: String,
    pub problem_count: i64,
    pub operation_count: i64,
    pub updated: String,
    pub updated_ago: String,
    /// The API sync status, when the API is connected to a repository.
    pub sync: Option<SyncBadge>,
}

/// A connected API's sync status as a badge: its words, the class that colours it, and why
/// when it is failing or needs re-authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncBadge {
    pub label: String,
    /// `in_sync`, `local_changes`, `incoming_changes`, `conflict`, `needs_reauth`, `failing`.
    pub key: String,
    pub class: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApisList {
    pub team_name: String,
    pub can_edit: bool,
    pub apis: Vec<ApiSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOverview {
    pub header: ApiHeader,
    pub title: String,
    pub version: String,
    pub spec: String,
    pub format: String,
    pub servers: Vec<String>,
    pub operation_count: usize,
    pub tag_count: usize,
    pub collection_count: usize,
    pub version_count: usize,
    pub updated: String,
}

/// A problem of the definition as the editor lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemView {
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionData {
    pub header: ApiHeader,
    pub text: String,
    pub format: String,
    pub spec: String,
    /// The revision the editor loaded: a save over a newer change is refused.
    pub revision: i64,
    /// Swagger 2.0 is shown, never saved as an edit.
    pub read_only_spec: bool,
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationView {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub deprecated: bool,
}

/// Operations under one tag ("" for those without).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationGroup {
    pub tag: String,
    pub operations: Vec<OperationView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsData {
    pub header: ApiHeader,
    pub groups: Vec<OperationGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedCollection {
    pub id: String,
    pub name: String,
    pub generated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionChoice {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiCollectionsData {
    pub header: ApiHeader,
    pub linked: Vec<LinkedCollection>,
    /// The team's collections not linked yet, for the link form.
    pub choices: Vec<CollectionChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub id: String,
    pub name: String,
    pub release_notes: String,
    pub published_by: String,
    pub published: String,
    pub published_ago: String,
    /// The short hash of the commit whose release tag this version was read from (API sync);
    /// `None` when it was published in Ferry.
    pub from_repository: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionsData {
    pub header: ApiHeader,
    pub versions: Vec<VersionSummary>,
    /// The definition's `info.version`, offered as the next version's name.
    pub suggested_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionData {
    pub header: ApiHeader,
    pub version: VersionSummary,
    pub definition_file: String,
    pub definition_lines: usize,
    /// The definition as the version keeps it, to read on the page.
    pub definition: String,
    pub collections: Vec<CollectionChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub number: i64,
    pub author: String,
    pub when: String,
    pub ago: String,
    pub summary: String,
    /// Whether this change saved a definition (which can be downloaded as it was).
    pub has_definition: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiHistoryData {
    pub header: ApiHeader,
    pub entries: Vec<HistoryEntry>,
}

/// A connected account the Connect form offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountChoice {
    pub id: String,
    pub label: String,
}

/// One line of a diff: `'+'` added, `'-'` removed, `' '` unchanged context, `'…'` a gap
/// between two hunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffLine {
    pub tag: char,
    pub text: String,
}

/// A file that differs from the last synced commit: what Commit and push sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeView {
    pub path: String,
    /// "added", "modified" or "renamed".
    pub kind: String,
    pub old_path: Option<String>,
    /// The changed lines with three lines of context (the whole file when it is new).
    pub diff: Vec<DiffLine>,
}

/// A file both sides changed where the merge overlapped: both versions, for a person to choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub path: String,
    pub ours: String,
    pub theirs: String,
    /// Where "Edit the result" starts: for the definition, the merge with each overlapping
    /// region marked as git marks it (`<<<<<<< Ferry` … `>>>>>>> repository`); for a
    /// collection, Ferry's version.
    pub draft: String,
    pub commit: Option<CommitLink>,
    pub found: String,
    pub found_ago: String,
}

/// One entry of the sync log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncLogView {
    pub at: String,
    pub ago: String,
    /// connect, push, pull, resolve, branch, tag, disconnect.
    pub direction: String,
    pub commit: Option<CommitLink>,
    pub files: Vec<String>,
    /// synced, nothing, merged, conflict, refused, failed.
    pub outcome: String,
    pub detail: String,
}

/// A connected API's repository, as the Repository tab shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryConnection {
    pub status: SyncBadge,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
    pub definition_path: String,
    pub collections_dir: String,
    pub tag_pattern: String,
    pub auto_push: bool,
    /// The connected account's label (empty when it is gone).
    pub account: String,
    /// The last commit both sides agreed on.
    pub base: Option<CommitLink>,
    /// Whether Bitbucket tells Ferry of pushes (else Ferry polls the branch).
    pub webhook: bool,
    pub synced: String,
    pub synced_ago: String,
    pub changes: Vec<ChangeView>,
    pub conflicts: Vec<ConflictView>,
    pub log: Vec<SyncLogView>,
    /// The repository's branches, read from Bitbucket only when the person asked for them
    /// (Switch branch's "List the branches"): `Err` says why they could not be read.
    pub branches: Option<Result<Vec<String>, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRepositoryData {
    pub header: ApiHeader,
    /// `None` when the API is not connected to a repository.
    pub connection: Option<RepositoryConnection>,
    /// The connected accounts the Connect form offers (editors, when not connected).
    pub accounts: Vec<AccountChoice>,
    /// The Connect form's choices, listed from Bitbucket once an account is chosen.
    pub connect: ConnectForm,
}

/// What the Connect form has chosen so far, as the tab's query carries it: choosing an
/// account (or another workspace, a search) reloads the tab with a `GET`, which lists what
/// the account reaches in Bitbucket without JavaScript and keeps what was typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectChoice {
    pub account: String,
    pub place: Place,
    /// The rest of the form, carried through the reload as typed.
    pub definition_path: String,
    pub collections_dir: String,
    pub winner: String,
}

/// The Connect form's account and place, with the lists read from Bitbucket for them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectForm {
    /// The chosen account when it is one the person may use; empty before one is chosen.
    pub account: String,
    /// The chosen place, defaults filled in from the lists.
    pub place: Place,
    /// `None` until an account is chosen (Bitbucket is not called before).
    pub lists: Option<RepositoryLists>,
    /// Why listing stopped, in words.
    pub error: Option<String>,
    pub definition_path: String,
    pub collections_dir: String,
    pub winner: String,
}

/// The team's APIs whose name, summary or title contains `q`.
#[server(endpoint = "load_apis")]
pub async fn load_apis(q: String) -> Result<Option<ApisList>, ServerFnError> {
    use crate::session::{ago, server_fn_actor, when};
    use ferry_domain::{apis::Apis, auth::Permission, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let rows = Apis::new(&store)
        .list(&actor, &q)
        .await
        .map_err(ssr::refusal)?;
    let mut statuses = ssr::sync_statuses(&store, &actor).await?;
    let now = now_ms();
    Ok(Some(ApisList {
        team_name: actor.team_name.clone(),
        can_edit: actor.role.allows(Permission::EditApis),
        apis: rows
            .into_iter()
            .map(|row| ApiSummary {
                sync: statuses
                    .iter()
                    .position(|(api, _)| *api == row.id)
                    .map(|at| ssr::sync_badge(&statuses.swap_remove(at).1)),
                updated: when(row.updated_at_ms),
                updated_ago: ago(row.updated_at_ms, now),
                id: row.id,
                name: row.name,
                summary: row.summary,
                version: row.definition.version.unwrap_or_default(),
                format: row.definition.format.as_str().to_uppercase(),
                problem_count: row.definition.problem_count,
                operation_count: row.definition.operation_count,
            })
            .collect(),
    }))
}

/// API `id`'s overview: what its definition says about it, and what it holds.
#[server(endpoint = "load_api")]
pub async fn load_api(id: String) -> Result<Option<ApiOverview>, ServerFnError> {
    use crate::session::{server_fn_actor, when};
    use ferry_domain::apis::Apis;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let apis = Apis::new(&store);
    let api = apis.get(&actor, &id).await.map_err(ssr::refusal)?;
    let linked = apis
        .linked_collections(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    let versions = apis.versions(&actor, &id).await.map_err(ssr::refusal)?;
    let info = api.definition.info();
    let operations = api.definition.operations();
    let mut tags: Vec<&String> = operations.iter().flat_map(|op| op.tags.iter()).collect();
    tags.sort();
    tags.dedup();
    Ok(Some(ApiOverview {
        title: info.title.unwrap_or_default(),
        version: info.version.unwrap_or_default(),
        spec: ssr::spec_label(&api.definition),
        format: api.row.definition.format.as_str().to_uppercase(),
        servers: info.servers,
        operation_count: operations.len(),
        tag_count: tags.len(),
        collection_count: linked.len(),
        version_count: versions.len(),
        updated: when(api.row.updated_at_ms),
        header: ssr::header(&actor, &api.row),
    }))
}

/// API `id`'s definition as written, with its problems.
#[server(endpoint = "load_api_definition")]
pub async fn load_api_definition(id: String) -> Result<Option<DefinitionData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::apis::Apis;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let api = Apis::new(&store)
        .get(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    Ok(Some(DefinitionData {
        header: ssr::header(&actor, &api.row),
        format: api.row.definition.format.as_str().to_uppercase(),
        spec: ssr::spec_label(&api.definition),
        revision: api.row.revision,
        read_only_spec: api.definition.spec().is_some_and(|spec| spec.read_only()),
        problems: api
            .definition
            .problems()
            .into_iter()
            .map(|problem| ProblemView {
                line: problem.line,
                column: problem.column,
                path: problem.path,
                message: problem.message,
            })
            .collect(),
        text: api.text,
    }))
}

/// API `id`'s operations grouped by their first tag, in the definition's order of tags.
#[server(endpoint = "load_api_operations")]
pub async fn load_api_operations(id: String) -> Result<Option<OperationsData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::apis::Apis;

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let api = Apis::new(&store)
        .get(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    let mut groups: Vec<OperationGroup> = Vec::new();
    for operation in api.definition.operations() {
        let tag = operation.tags.first().cloned().unwrap_or_default();
        let view = OperationView {
            method: operation.method,
            path: operation.path,
            summary: operation.summary.unwrap_or_default(),
            deprecated: operation.deprecated,
        };
        match groups.iter_mut().find(|group| group.tag == tag) {
            Some(group) => group.operations.push(view),
            None => groups.push(OperationGroup {
                tag,
                operations: vec![view],
            }),
        }
    }
    // Tagged groups by name, the untagged ones last.
    groups.sort_by(|a, b| (a.tag.is_empty(), &a.tag).cmp(&(b.tag.is_empty(), &b.tag)));
    Ok(Some(OperationsData {
        header: ssr::header(&actor, &api.row),
        groups,
    }))
}

/// The collections linked to API `id`, and the team's others to link.
#[server(endpoint = "load_api_collections")]
pub async fn load_api_collections(id: String) -> Result<Option<ApiCollectionsData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::{apis::Apis, collections::Collections};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let apis = Apis::new(&store);
    let api = apis.row(&actor, &id).await.map_err(ssr::refusal)?;
    let linked = apis
        .linked_collections(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    let all = Collections::new(&store)
        .list(&actor, "")
        .await
        .map_err(crate::server_error::server_fn_error)?;
    let choices = all
        .into_iter()
        .filter(|row| !linked.iter().any(|l| l.collection_id == row.id))
        .map(|row| CollectionChoice {
            id: row.id,
            name: row.name,
        })
        .collect();
    Ok(Some(ApiCollectionsData {
        header: ssr::header(&actor, &api),
        linked: linked
            .into_iter()
            .map(|row| LinkedCollection {
                id: row.collection_id,
                name: row.name,
                generated: row.generated,
            })
            .collect(),
        choices,
    }))
}

/// API `id`'s published versions, newest first.
#[server(endpoint = "load_api_versions")]
pub async fn load_api_versions(id: String) -> Result<Option<VersionsData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::{apis::Apis, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let apis = Apis::new(&store);
    let api = apis.row(&actor, &id).await.map_err(ssr::refusal)?;
    let rows = apis.versions(&actor, &id).await.map_err(ssr::refusal)?;
    let now = now_ms();
    let suggested_name = api
        .definition
        .version
        .clone()
        .filter(|version| !rows.iter().any(|row| &row.name == version))
        .unwrap_or_default();
    Ok(Some(VersionsData {
        header: ssr::header(&actor, &api),
        versions: rows
            .into_iter()
            .map(|row| ssr::version_summary(row, now))
            .collect(),
        suggested_name,
    }))
}

/// Version `version` of API `id`: what it keeps, to view and download.
#[server(endpoint = "load_api_version")]
pub async fn load_api_version(
    id: String,
    version: String,
) -> Result<Option<VersionData>, ServerFnError> {
    use crate::session::server_fn_actor;
    use ferry_domain::{apis::Apis, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let apis = Apis::new(&store);
    let api = apis.row(&actor, &id).await.map_err(ssr::refusal)?;
    let kept = apis
        .version(&actor, &id, &version)
        .await
        .map_err(ssr::refusal)?;
    let extension = kept.row.format.as_str();
    Ok(Some(VersionData {
        header: ssr::header(&actor, &api),
        definition_file: format!("{}-{}.{extension}", api.name, kept.row.name),
        definition_lines: kept.definition.lines().count(),
        definition: kept.definition,
        collections: kept
            .collections
            .into_iter()
            .map(|row| CollectionChoice {
                id: row.collection_id,
                name: row.name,
            })
            .collect(),
        version: ssr::version_summary(kept.row, now_ms()),
    }))
}

/// API `id`'s history, newest first.
#[server(endpoint = "load_api_history")]
pub async fn load_api_history(id: String) -> Result<Option<ApiHistoryData>, ServerFnError> {
    use crate::session::{ago, server_fn_actor, when};
    use ferry_domain::{apis::Apis, store::now_ms};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let apis = Apis::new(&store);
    let api = apis.row(&actor, &id).await.map_err(ssr::refusal)?;
    let rows = apis.history(&actor, &id).await.map_err(ssr::refusal)?;
    let now = now_ms();
    Ok(Some(ApiHistoryData {
        header: ssr::header(&actor, &api),
        entries: rows
            .into_iter()
            .map(|row| HistoryEntry {
                number: row.number,
                author: row.author_email,
                when: when(row.created_at_ms),
                ago: ago(row.created_at_ms, now),
                summary: row.summary,
                has_definition: row.has_definition,
            })
            .collect(),
    }))
}

/// API `id`'s Repository tab (API sync): its connection with the status, local changes,
/// conflicts and sync log, or, when not connected, the accounts the Connect form offers.
/// Reads the database only: a page load never calls Bitbucket.
#[server(endpoint = "load_api_repository")]
pub async fn load_api_repository(
    id: String,
    branches: bool,
    connect: ConnectChoice,
) -> Result<Option<ApiRepositoryData>, ServerFnError> {
    use crate::{
        server_error::server_fn_error,
        session::{ago, server_fn_actor, when},
    };
    use ferry_domain::{
        apis::Apis, connected_accounts::ConnectedAccounts, crypto::Keyring, store::now_ms,
        sync::BitbucketSync,
    };

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let keyring = use_context::<Keyring>()
        .ok_or_else(|| ServerFnError::new("the keyring is not in context"))?;
    let engine = use_context::<BitbucketSync>()
        .ok_or_else(|| ServerFnError::new("the sync engine is not in context"))?;
    let api = Apis::new(&store)
        .row(&actor, &id)
        .await
        .map_err(ssr::refusal)?;
    let header = ssr::header(&actor, &api);
    let sync = ferry_domain::api_sync::ApiSync::new(&store, &keyring, &engine);
    let connected = sync
        .connection(&actor, &id)
        .await
        .map_err(ssr::sync_refusal)?
        .is_some();
    let accounts = ConnectedAccounts::new(&store, &keyring);
    if !connected {
        let accounts: Vec<AccountChoice> = if header.can_edit {
            accounts
                .usable(&actor)
                .await
                .map_err(server_fn_error)?
                .into_iter()
                .map(|account| AccountChoice {
                    label: ssr::account_label(&account),
                    id: account.id,
                })
                .collect()
        } else {
            Vec::new()
        };
        let connect = ssr::connect_form(&actor, &engine, &accounts, connect).await?;
        return Ok(Some(ApiRepositoryData {
            header,
            connection: None,
            accounts,
            connect,
        }));
    }
    let view = sync.view(&actor, &id).await.map_err(ssr::sync_refusal)?;
    // One Bitbucket call, from the account's budget, and only when asked for.
    let branches = if branches && header.can_edit {
        Some(
            sync.branches(&actor, &id)
                .await
                .map_err(|error| error.to_string()),
        )
    } else {
        None
    };
    let account = accounts
        .list(&actor)
        .await
        .map_err(server_fn_error)?
        .into_iter()
        .find(|account| account.id == view.connection.account_id)
        .map(|account| ssr::account_label(&account))
        .unwrap_or_default();
    let now = now_ms();
    let connection = view.connection;
    let link = |hash: &str| ssr::commit_link(&connection, hash);
    let base = (!connection.base_commit.is_empty()).then(|| CommitLink {
        short: connection.base_commit.chars().take(7).collect(),
        url: view.base_url.clone(),
    });
    let changes = view
        .changes
        .into_iter()
        .map(|change| ChangeView {
            kind: match change.kind {
                ferry_domain::api_sync::FileChangeKind::Added => "added",
                ferry_domain::api_sync::FileChangeKind::Modified => "modified",
                ferry_domain::api_sync::FileChangeKind::Renamed => "renamed",
            }
            .to_owned(),
            diff: ssr::line_diff(change.base.as_deref().unwrap_or_default(), &change.content),
            path: change.path,
            old_path: change.old_path,
        })
        .collect();
    let conflicts = view
        .conflicts
        .into_iter()
        .map(|conflict| {
            use ferry_domain::openapi::merge::{merge_text, TextMerge};
            let draft = match (&conflict.collection_id, &conflict.base) {
                (None, base) => match merge_text(
                    base.as_deref().unwrap_or_default(),
                    &conflict.ours,
                    &conflict.theirs,
                ) {
                    TextMerge::Conflict(marked) => marked.marked,
                    TextMerge::Clean(merged) => merged,
                },
                (Some(_), _) => conflict.ours.clone(),
            };
            ConflictView {
                commit: link(&conflict.commit_hash),
                found: when(conflict.found_at_ms),
                found_ago: ago(conflict.found_at_ms, now),
                path: conflict.path,
                ours: conflict.ours,
                theirs: conflict.theirs,
                draft,
            }
        })
        .collect();
    let log = view
        .log
        .into_iter()
        .map(|entry| SyncLogView {
            at: when(entry.at_ms),
            ago: ago(entry.at_ms, now),
            commit: entry.commit_hash.as_deref().and_then(link),
            files: entry
                .files
                .lines()
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
            direction: entry.direction,
            outcome: entry.outcome,
            detail: entry.detail,
        })
        .collect();
    Ok(Some(ApiRepositoryData {
        header,
        connection: Some(RepositoryConnection {
            status: ssr::sync_badge(&view.status),
            account,
            base,
            webhook: view.webhook,
            synced: when(connection.synced_at_ms),
            synced_ago: ago(connection.synced_at_ms, now),
            changes,
            conflicts,
            log,
            branches,
            workspace: connection.workspace,
            repository: connection.repository,
            branch: connection.branch,
            definition_path: connection.definition_path,
            collections_dir: connection.collections_dir,
            tag_pattern: connection.tag_pattern,
            auto_push: connection.auto_push,
        }),
        accounts: Vec::new(),
        connect: ConnectForm::default(),
    }))
}

#[cfg(feature = "ssr")]
mod ssr {
    use ferry_domain::{
        accounts::Actor,
        api_sync::{ApiSync, ApiSyncError, SyncStatus},
        apis::ApisError,
        auth::Permission,
        bitbucket::{BitbucketClient, CommitHash},
        crypto::Keyring,
        openapi::Definition,
        store::{
            api_sync::ConnectionRow,
            apis::{ApiRow, VersionRow},
            connected_accounts::ConnectedAccount,
            Store,
        },
        sync::BitbucketSync,
    };
    use leptos::prelude::*;

    use super::{
        AccountChoice, ApiHeader, CommitLink, ConnectChoice, ConnectForm, DiffLine, SyncBadge,
        VersionSummary,
    };
    use crate::repository_lists::RepositoryLists;
    use crate::{
        server_error::{not_found, server_fn_error},
        session::{ago, when},
    };

    /// A service refusal as a page shows it; "not found" also makes the page answer 404.
    pub fn refusal(error: ApisError) -> ServerFnError {
        match error {
            ApisError::NotFound => not_found("Not found: this team has no such API (or version)."),
            other => server_fn_error(other),
        }
    }

    /// An API sync refusal as a page shows it; "not found" also makes the page answer 404.
    pub fn sync_refusal(error: ApiSyncError) -> ServerFnError {
        match error {
            ApiSyncError::NotFound => not_found("Not found: this team has no such API."),
            ApiSyncError::Apis(error) => refusal(error),
            other => server_fn_error(other),
        }
    }

    /// The sync status of each of the team's connected APIs, by API id.
    pub async fn sync_statuses(
        store: &Store,
        actor: &Actor,
    ) -> Result<Vec<(String, SyncStatus)>, ServerFnError> {
        let keyring = use_context::<Keyring>()
            .ok_or_else(|| ServerFnError::new("the keyring is not in context"))?;
        let engine = use_context::<BitbucketSync>()
            .ok_or_else(|| ServerFnError::new("the sync engine is not in context"))?;
        ApiSync::new(store, &keyring, &engine)
            .statuses(actor)
            .await
            .map_err(sync_refusal)
    }

    pub fn sync_badge(status: &SyncStatus) -> SyncBadge {
        let class = match status {
            SyncStatus::InSync => "active",
            SyncStatus::LocalChanges | SyncStatus::IncomingChanges => "warning",
            SyncStatus::Conflict | SyncStatus::Failing(_) => "failing",
            SyncStatus::NeedsReauth(_) => "needs-reauth",
        };
        SyncBadge {
            label: status.label().to_owned(),
            key: status.key().to_owned(),
            class: class.to_owned(),
            reason: status
                .reason()
                .filter(|reason| !reason.is_empty())
                .map(str::to_owned),
        }
    }

    /// The account as the accounts page names it (its label, which defaults to the Bitbucket
    /// name).
    pub fn account_label(account: &ConnectedAccount) -> String {
        account.label.clone()
    }

    /// The Connect form for `choice`: Bitbucket is asked only once an account the person may
    /// use is chosen, and then for its workspaces, repositories and the chosen one's branches.
    pub async fn connect_form(
        actor: &Actor,
        engine: &BitbucketSync,
        accounts: &[AccountChoice],
        choice: ConnectChoice,
    ) -> Result<ConnectForm, ServerFnError> {
        use crate::repository_lists::ssr::{load, ListingAccount};

        let ConnectChoice {
            account,
            mut place,
            definition_path,
            collections_dir,
            winner,
        } = choice;
        let typed = ConnectForm {
            definition_path,
            collections_dir,
            winner,
            ..ConnectForm::default()
        };
        // Not one of the person's usable accounts: forgotten, not echoed back.
        let Some(account) = accounts.iter().find(|a| a.id == account) else {
            return Ok(ConnectForm { place, ..typed });
        };
        let bitbucket = use_context::<BitbucketClient>()
            .ok_or_else(|| ServerFnError::new("the Bitbucket client is not in context"))?;
        let mut lists = RepositoryLists::default();
        let listing = ListingAccount {
            team_id: &actor.team_id,
            id: &account.id,
            label: &account.label,
        };
        let error = load(&mut lists, &mut place, engine, &bitbucket, &listing)
            .await
            .err();
        // Sync works on a branch the repository has: one chosen in another repository
        // falls back to this one's main branch.
        if !lists.branches.is_empty() && !lists.branches.contains(&place.branch) {
            place.branch = lists
                .main_branch
                .clone()
                .filter(|main| lists.branches.contains(main))
                .unwrap_or_else(|| lists.branches[0].clone());
        }
        Ok(ConnectForm {
            account: account.id.clone(),
            place,
            lists: Some(lists),
            error,
            ..typed
        })
    }

    /// Commit `hash` of the connection's repository: its short hash and its page on Bitbucket.
    pub fn commit_link(connection: &ConnectionRow, hash: &str) -> Option<CommitLink> {
        let hash = CommitHash::parse(hash).ok()?;
        Some(CommitLink {
            short: hash.as_str().chars().take(7).collect(),
            url: use_context::<BitbucketClient>()
                .map(|client| {
                    client
                        .commit_web_url(&connection.workspace, &connection.repository, &hash)
                        .to_string()
                })
                .unwrap_or_default(),
        })
    }

    /// The lines of `new` that differ from `old`, with three lines of context around each
    /// change and a `…` line between hunks. A diff taking longer than a second is
    /// approximated (similar gives up on the minimal one), never left to run.
    pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
        let diff = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_secs(1))
            .diff_lines(old, new);
        let mut lines = Vec::new();
        for (n, group) in diff.grouped_ops(3).iter().enumerate() {
            if n > 0 {
                lines.push(DiffLine {
                    tag: '…',
                    text: String::new(),
                });
            }
            for op in group {
                for change in diff.iter_changes(op) {
                    let tag = match change.tag() {
                        similar::ChangeTag::Delete => '-',
                        similar::ChangeTag::Insert => '+',
                        similar::ChangeTag::Equal => ' ',
                    };
                    let text = change.value();
                    lines.push(DiffLine {
                        tag,
                        text: text.strip_suffix('\n').unwrap_or(text).to_owned(),
                    });
                }
            }
        }
        lines
    }

    pub fn header(actor: &Actor, row: &ApiRow) -> ApiHeader {
        ApiHeader {
            id: row.id.clone(),
            name: row.name.clone(),
            summary: row.summary.clone(),
            valid: row.definition.problem_count == 0,
            problem_count: row.definition.problem_count,
            can_edit: actor.role.allows(Permission::EditApis),
            can_delete: actor.role.allows(Permission::DeleteApis),
        }
    }

    pub fn spec_label(definition: &Definition) -> String {
        definition
            .spec()
            .map_or("unknown version of OpenAPI", |spec| spec.label())
            .to_owned()
    }

    pub fn version_summary(row: VersionRow, now: i64) -> VersionSummary {
        VersionSummary {
            id: row.id,
            name: row.name,
            release_notes: row.release_notes,
            published_by: row.created_email,
            published: when(row.created_at_ms),
            published_ago: ago(row.created_at_ms, now),
            from_repository: row
                .source_commit
                .map(|commit| commit.chars().take(7).collect()),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::line_diff;

    fn rendered(old: &str, new: &str) -> Vec<String> {
        line_diff(old, new)
            .into_iter()
            .map(|line| format!("{}{}", line.tag, line.text))
            .collect()
    }

    #[test]
    fn a_line_diff_shows_changes_with_three_lines_of_context() {
        let old: String = (1..=20).map(|n| format!("line {n}\n")).collect();
        let new = old
            .replace("line 2\n", "line two\n")
            .replace("line 18\n", "");
        assert_eq!(
            rendered(&old, &new),
            [
                " line 1",
                "-line 2",
                "+line two",
                " line 3",
                " line 4",
                " line 5",
                "…",
                " line 15",
                " line 16",
                " line 17",
                "-line 18",
                " line 19",
                " line 20",
            ]
        );
        assert_eq!(rendered("", "a\nb"), ["+a", "+b"]);
        assert!(rendered("same\n", "same\n").is_empty());
    }
}
