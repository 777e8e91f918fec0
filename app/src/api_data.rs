//! What the APIs pages show, loaded by server functions from the APIs service. Every one reads
//! the session's current team only: an API id of another team answers "not found" (404),
//! like an unknown one. Each tab loads only what it shows: the definition's text (which may
//! be megabytes) only on the Definition tab.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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
    let now = now_ms();
    Ok(Some(ApisList {
        team_name: actor.team_name.clone(),
        can_edit: actor.role.allows(Permission::EditApis),
        apis: rows
            .into_iter()
            .map(|row| ApiSummary {
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

#[cfg(feature = "ssr")]
mod ssr {
    use ferry_domain::{
        accounts::Actor,
        apis::ApisError,
        auth::Permission,
        openapi::Definition,
        store::apis::{ApiRow, VersionRow},
    };
    use leptos::prelude::*;

    use super::{ApiHeader, VersionSummary};
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
        }
    }
}
