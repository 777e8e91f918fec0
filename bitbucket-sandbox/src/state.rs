//! What every handler shares, and the access rules that combine the directory with scopes.

use std::sync::Arc;

use crate::auth::Caller;
use crate::credentials::Credentials;
use crate::directory::{Directory, RepoRecord, WorkspaceRecord};
use crate::error::{Error, Result};
use crate::faults::FaultState;
use crate::hooks::Hooks;
use crate::request_log::RequestLog;
use crate::scopes::Permission;
use crate::urls::Urls;

#[derive(Debug)]
pub struct AppState {
    pub directory: Directory,
    pub credentials: Credentials,
    pub faults: FaultState,
    pub requests: RequestLog,
    pub hooks: Hooks,
    pub urls: Urls,
    /// When the sandbox started, used as `created_on` of seeded objects.
    pub started: String,
}

/// A repository with the workspace it belongs to.
pub type Found<'a> = (&'a WorkspaceRecord, Arc<RepoRecord>);

/// What a caller may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Not a member: sees public repositories only.
    Outsider,
    Member,
    Admin,
}

impl WorkspaceRecord {
    pub fn role_of(&self, caller: &Caller) -> Role {
        match caller.username().and_then(|u| self.members.get(u)) {
            Some(true) => Role::Admin,
            Some(false) => Role::Member,
            None => Role::Outsider,
        }
    }
}

impl AppState {
    /// A repository the caller may read: scope first (as Bitbucket checks it before the
    /// resource), then existence, then membership for private repositories.
    pub fn readable_repository(
        &self,
        caller: &Caller,
        workspace: &str,
        slug: &str,
    ) -> Result<Found<'_>> {
        if caller.0.is_some() {
            caller.require(Permission::ReadRepository)?;
        }
        let found = self.find_repository(workspace, slug)?;
        if found.1.is_private && found.0.role_of(caller) == Role::Outsider {
            caller.principal()?;
            return Err(Error::forbidden(
                "You do not have access to this repository.",
            ));
        }
        Ok(found)
    }

    /// A repository the caller may commit to: write scope and workspace membership.
    pub fn writable_repository(
        &self,
        caller: &Caller,
        workspace: &str,
        slug: &str,
    ) -> Result<Found<'_>> {
        caller.require(Permission::WriteRepository)?;
        let found = self.find_repository(workspace, slug)?;
        if found.0.role_of(caller) == Role::Outsider {
            return Err(Error::forbidden(
                "You must have write or admin access to this repository.",
            ));
        }
        Ok(found)
    }

    /// A repository whose webhooks the caller may manage: the webhook permission asked
    /// for, and administrator of the workspace (Bitbucket wants repository admin).
    pub fn administered_repository(
        &self,
        caller: &Caller,
        workspace: &str,
        slug: &str,
        permission: Permission,
    ) -> Result<Found<'_>> {
        caller.require(permission)?;
        let found = self.find_repository(workspace, slug)?;
        if found.0.role_of(caller) != Role::Admin {
            return Err(Error::forbidden(
                "You must be an administrator of this repository to manage its webhooks.",
            ));
        }
        Ok(found)
    }

    fn find_repository(&self, workspace: &str, slug: &str) -> Result<Found<'_>> {
        self.directory
            .repository(workspace, slug)
            .ok_or_else(|| Error::NotFound(format!("Repository {workspace}/{slug} not found")))
    }
}
