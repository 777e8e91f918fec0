//! What the Team settings pages and the invite page show, loaded by server functions.
//! Every one reads the current team of the session only: no function takes a team id.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: String,
    pub role: String,
    pub created_by: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersData {
    pub team_name: String,
    pub can_manage: bool,
    pub members: Vec<MemberView>,
    pub invites: Vec<PendingInvite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub status: String,
    pub can_revoke: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeysData {
    pub team_name: String,
    /// The roles a new key may have: up to the member's own.
    pub roles: Vec<String>,
    pub keys: Vec<ApiKeyView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub client_addr: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditData {
    pub team_name: String,
    /// `None` when the member may not read it (only admins may).
    pub entries: Option<Vec<AuditEntry>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteData {
    pub team_name: String,
    pub role: String,
    /// Why the link cannot be accepted (unknown, used, expired), if it cannot.
    pub problem: Option<String>,
    pub signed_in_as: Option<String>,
    /// Whether someone without an account may sign up from the link (`FERRY_SIGNUP` is not closed).
    pub sign_up_offered: bool,
}

/// The members of the current team; `None` when signed out.
#[server(endpoint = "load_members")]
pub async fn load_members() -> Result<Option<MembersData>, ServerFnError> {
    use crate::{
        server_error::server_fn_error,
        session::{server_fn_actor, when},
    };
    use ferry_domain::{accounts::Accounts, auth::Permission};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let accounts = Accounts::new(&store);
    let members = accounts.members(&actor).await.map_err(server_fn_error)?;
    let can_manage = actor.role.allows(Permission::ManageMembers);
    let invites = if can_manage {
        accounts
            .pending_invites(&actor)
            .await
            .map_err(server_fn_error)?
    } else {
        Vec::new()
    };
    Ok(Some(MembersData {
        team_name: actor.team_name.clone(),
        can_manage,
        members: members
            .into_iter()
            .map(|m| MemberView {
                is_you: m.user_id == actor.user_id,
                user_id: m.user_id,
                email: m.email,
                role: m.role,
            })
            .collect(),
        invites: invites
            .into_iter()
            .map(|i| PendingInvite {
                id: i.id,
                role: i.role,
                created_by: i.created_by_email,
                expires: when(i.expires_at_ms),
            })
            .collect(),
    }))
}

/// The API keys the member may see in the current team; `None` when signed out.
#[server(endpoint = "load_api_keys")]
pub async fn load_api_keys() -> Result<Option<ApiKeysData>, ServerFnError> {
    use crate::{
        server_error::server_fn_error,
        session::{server_fn_actor, when},
    };
    use ferry_domain::{
        accounts::Accounts,
        auth::{Permission, Role},
        store::now_ms,
    };

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let keys = Accounts::new(&store)
        .api_keys(&actor)
        .await
        .map_err(server_fn_error)?;
    let now = now_ms();
    let keys = keys
        .into_iter()
        .map(|k| {
            let expired = k.expires_at_ms.is_some_and(|at| at <= now);
            let status = match (k.revoked_at_ms, expired) {
                (Some(_), _) => "revoked",
                (None, true) => "expired",
                (None, false) => "active",
            };
            ApiKeyView {
                can_revoke: status == "active"
                    && (k.created_by == actor.user_id
                        || actor.role.allows(Permission::ManageAllApiKeys)),
                status: status.to_owned(),
                created: when(k.created_at_ms),
                last_used: k
                    .last_used_at_ms
                    .map(when)
                    .unwrap_or_else(|| "never".to_owned()),
                expires: k
                    .expires_at_ms
                    .map(when)
                    .unwrap_or_else(|| "never".to_owned()),
                id: k.id,
                name: k.name,
                role: k.role,
            }
        })
        .collect();
    Ok(Some(ApiKeysData {
        team_name: actor.team_name.clone(),
        roles: Role::ALL
            .into_iter()
            .filter(|r| *r <= actor.role)
            .map(|r| r.to_string())
            .collect(),
        keys,
    }))
}

/// The current team's audit log, newest first, for admins; `None` when signed out.
#[server(endpoint = "load_audit_log")]
pub async fn load_audit_log() -> Result<Option<AuditData>, ServerFnError> {
    use crate::{
        server_error::server_fn_error,
        session::{server_fn_actor, when},
    };
    use ferry_domain::{accounts::Accounts, auth::Permission};

    let (store, Some(actor)) = server_fn_actor().await? else {
        return Ok(None);
    };
    let entries = if actor.role.allows(Permission::ViewAuditLog) {
        let rows = Accounts::new(&store)
            .audit_log(&actor)
            .await
            .map_err(server_fn_error)?;
        Some(
            rows.into_iter()
                .map(|r| AuditEntry {
                    at: when(r.at_ms),
                    actor: r.actor,
                    action: r.action,
                    detail: r.detail,
                    client_addr: r.client_addr,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(Some(AuditData {
        team_name: actor.team_name,
        entries,
    }))
}

/// What an invite link offers, for whoever holds it (signed in or not).
#[server(endpoint = "load_invite")]
pub async fn load_invite(token: String) -> Result<InviteData, ServerFnError> {
    use crate::{server_error::server_fn_error, session::server_fn_actor};
    use ferry_domain::accounts::{AccountError, Accounts, SignupMode};

    let (store, actor) = server_fn_actor().await?;
    let signed_in_as = actor.map(|a| a.email);
    let sign_up_offered = use_context::<SignupMode>().unwrap_or_default() != SignupMode::Closed;
    let (team_name, role, problem) = match Accounts::new(&store).invite_offer(&token).await {
        Ok(offer) => match offer.status.refusal() {
            None => (offer.team_name, offer.role.to_string(), None),
            // A link that no longer works says nothing of its team.
            Some(refusal) => (String::new(), String::new(), Some(refusal.to_owned())),
        },
        Err(AccountError::Invalid(problem)) => (String::new(), String::new(), Some(problem)),
        Err(other) => return Err(server_fn_error(other)),
    };
    Ok(InviteData {
        team_name,
        role,
        problem,
        signed_in_as,
        sign_up_offered,
    })
}
