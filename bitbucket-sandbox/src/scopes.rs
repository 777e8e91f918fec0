//! Scope names and what they allow. API tokens use Atlassian's granular scopes, which do
//! not imply each other; app passwords, access tokens and OAuth use the legacy names, where
//! `repository:write` implies `repository`. Webhooks need `webhook` (legacy) or
//! `read:`/`write:`/`delete:webhook:bitbucket` (granular).

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadAccount,
    ReadWorkspace,
    ReadRepository,
    WriteRepository,
    ReadWebhook,
    WriteWebhook,
    DeleteWebhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeStyle {
    /// `read:repository:bitbucket` and friends (API tokens).
    Granular,
    /// `account`, `repository`, `repository:write` (app passwords, access tokens, OAuth).
    Legacy,
}

/// The scopes a credential was granted, as written, with the permissions they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    style: ScopeStyle,
    names: Vec<String>,
    permissions: Vec<Permission>,
}

impl Scopes {
    pub fn parse(style: ScopeStyle, names: &[String]) -> Result<Self> {
        let mut permissions = Vec::new();
        for name in names {
            let granted: &[Permission] = match (style, name.as_str()) {
                (ScopeStyle::Granular, "read:user:bitbucket") => &[Permission::ReadAccount],
                (ScopeStyle::Granular, "read:workspace:bitbucket") => &[Permission::ReadWorkspace],
                (ScopeStyle::Granular, "read:repository:bitbucket") => {
                    &[Permission::ReadRepository]
                }
                (ScopeStyle::Granular, "write:repository:bitbucket") => {
                    &[Permission::WriteRepository]
                }
                (ScopeStyle::Granular, "read:webhook:bitbucket") => &[Permission::ReadWebhook],
                (ScopeStyle::Granular, "write:webhook:bitbucket") => &[Permission::WriteWebhook],
                (ScopeStyle::Granular, "delete:webhook:bitbucket") => &[Permission::DeleteWebhook],
                (ScopeStyle::Legacy, "webhook") => &[
                    Permission::ReadWebhook,
                    Permission::WriteWebhook,
                    Permission::DeleteWebhook,
                ],
                (ScopeStyle::Legacy, "account") => {
                    &[Permission::ReadAccount, Permission::ReadWorkspace]
                }
                (ScopeStyle::Legacy, "repository") => &[Permission::ReadRepository],
                (ScopeStyle::Legacy, "repository:write") => {
                    &[Permission::ReadRepository, Permission::WriteRepository]
                }
                _ => return Err(Error::Seed(format!("unknown {style:?} scope `{name}`"))),
            };
            permissions.extend_from_slice(granted);
        }
        Ok(Scopes {
            style,
            names: names.to_vec(),
            permissions,
        })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// 403 in Bitbucket's words when the permission was not granted.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.permissions.contains(&permission) {
            return Ok(());
        }
        let required = scope_name(self.style, permission);
        Err(Error::Forbidden {
            message: "Your credentials lack one or more required privilege scopes.".to_owned(),
            detail: Some(format!(
                "required: {required}; granted: {}",
                self.names.join(", ")
            )),
        })
    }
}

fn scope_name(style: ScopeStyle, permission: Permission) -> &'static str {
    match (style, permission) {
        (ScopeStyle::Granular, Permission::ReadAccount) => "read:user:bitbucket",
        (ScopeStyle::Granular, Permission::ReadWorkspace) => "read:workspace:bitbucket",
        (ScopeStyle::Granular, Permission::ReadRepository) => "read:repository:bitbucket",
        (ScopeStyle::Granular, Permission::WriteRepository) => "write:repository:bitbucket",
        (ScopeStyle::Legacy, Permission::ReadAccount | Permission::ReadWorkspace) => "account",
        (ScopeStyle::Legacy, Permission::ReadRepository) => "repository",
        (ScopeStyle::Legacy, Permission::WriteRepository) => "repository:write",
        (ScopeStyle::Granular, Permission::ReadWebhook) => "read:webhook:bitbucket",
        (ScopeStyle::Granular, Permission::WriteWebhook) => "write:webhook:bitbucket",
        (ScopeStyle::Granular, Permission::DeleteWebhook) => "delete:webhook:bitbucket",
        (
            ScopeStyle::Legacy,
            Permission::ReadWebhook | Permission::WriteWebhook | Permission::DeleteWebhook,
        ) => "webhook",
    }
}
