//! Roles within a team and what each may do.
//!
//! Roles are strictly ordered (viewer < editor < admin) and every permission names the
//! least role that holds it, so a higher role can always do what a lower one can: no
//! combination of permissions has to be kept consistent by hand.

use std::fmt;
use std::str::FromStr;

use super::error::AuthError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The stored and displayed name: "viewer", "editor" or "admin".
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accepts any capitalisation and surrounding white space, as typed on the command line.
impl FromStr for Role {
    type Err = AuthError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text))
            .ok_or(AuthError::UnknownRole)
    }
}

/// Something a member may or may not do within their current team.
///
/// "Own" means created by the member asking; "all" includes other members'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadTeamData,
    ManageOwnApiKeys,
    EditCollections,
    EditApis,
    DeleteApis,
    CreateIntegrations,
    ManageOwnIntegrations,
    ManageAllIntegrations,
    ManageCredentials,
    ManageMembers,
    ManageAllApiKeys,
    ViewAuditLog,
    ManageTeam,
}

impl Permission {
    /// In the order the matrix lists them: what viewers may do first.
    pub const ALL: [Permission; 13] = [
        Permission::ReadTeamData,
        Permission::ManageOwnApiKeys,
        Permission::EditCollections,
        Permission::EditApis,
        Permission::CreateIntegrations,
        Permission::ManageOwnIntegrations,
        Permission::ManageAllIntegrations,
        Permission::DeleteApis,
        Permission::ManageCredentials,
        Permission::ManageMembers,
        Permission::ManageAllApiKeys,
        Permission::ViewAuditLog,
        Permission::ManageTeam,
    ];

    /// The least role that holds this permission.
    pub fn least_role(self) -> Role {
        match self {
            // A viewer's key can be no more than a viewer, so a read-only script needs
            // nobody's help.
            Permission::ReadTeamData | Permission::ManageOwnApiKeys => Role::Viewer,
            Permission::EditCollections
            | Permission::EditApis
            | Permission::CreateIntegrations
            | Permission::ManageOwnIntegrations => Role::Editor,
            Permission::ManageAllIntegrations
            | Permission::DeleteApis
            | Permission::ManageCredentials
            | Permission::ManageMembers
            | Permission::ManageAllApiKeys
            | Permission::ViewAuditLog
            | Permission::ManageTeam => Role::Admin,
        }
    }

    /// What the permission covers, in the words of the README's matrix.
    pub fn description(self) -> &'static str {
        match self {
            Permission::ReadTeamData => "See the team's collections, APIs, integrations and backups",
            Permission::ManageOwnApiKeys => {
                "Create and revoke own API keys (with a role no higher than one's own)"
            }
            Permission::EditCollections => "Import, edit and delete collections",
            Permission::EditApis => {
                "Create, import and edit APIs; link and generate their collections; publish versions"
            }
            Permission::DeleteApis => "Delete APIs",
            Permission::CreateIntegrations => "Create integrations, connecting Bitbucket accounts for them",
            Permission::ManageOwnIntegrations => {
                "Change, run and delete own integrations; re-authenticate and remove own connected accounts"
            }
            Permission::ManageAllIntegrations => "Change, run and delete every integration",
            Permission::ManageCredentials => "Re-authenticate and remove every connected Bitbucket account",
            Permission::ManageMembers => "Invite members, change their roles, remove them",
            Permission::ManageAllApiKeys => "See and revoke every member's API keys",
            Permission::ViewAuditLog => "Read the audit log",
            Permission::ManageTeam => "Rename and delete the team",
        }
    }
}

/// The permission matrix as a Markdown table, for the README.
pub fn permission_matrix_markdown() -> String {
    let mut table = String::from("| Permission |");
    for role in Role::ALL {
        table.push_str(&format!(" {role} |"));
    }
    table.push_str("\n| --- |");
    table.push_str(&" :---: |".repeat(Role::ALL.len()));
    table.push('\n');
    for permission in Permission::ALL {
        table.push_str(&format!("| {} |", permission.description()));
        for role in Role::ALL {
            table.push_str(if role.allows(permission) {
                " ✓ |"
            } else {
                " — |"
            });
        }
        table.push('\n');
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn roles_are_ordered_viewer_editor_admin() {
        assert!(Role::Viewer < Role::Editor);
        assert!(Role::Editor < Role::Admin);
        let mut shuffled = [Role::Admin, Role::Viewer, Role::Editor];
        shuffled.sort();
        assert_eq!(shuffled, Role::ALL);
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
        assert_eq!("owner".parse::<Role>(), Err(AuthError::UnknownRole));
        assert_eq!("".parse::<Role>(), Err(AuthError::UnknownRole));
        assert_eq!(
            AuthError::UnknownRole.to_string(),
            "Role: choose viewer, editor or admin"
        );
    }

    #[test]
    fn viewers_read_and_change_nothing_of_the_team() {
        let allowed: Vec<_> = Permission::ALL
            .into_iter()
            .filter(|permission| Role::Viewer.allows(*permission))
            .collect();
        assert_eq!(allowed, [ReadTeamData, ManageOwnApiKeys]);
    }

    #[test]
    fn editors_edit_collections_apis_and_their_own_integrations_only() {
        for permission in [
            ReadTeamData,
            EditCollections,
            EditApis,
            CreateIntegrations,
            ManageOwnIntegrations,
        ] {
            assert!(Role::Editor.allows(permission), "{permission:?}");
        }
        for permission in [
            ManageAllIntegrations,
            DeleteApis,
            ManageCredentials,
            ManageMembers,
            ViewAuditLog,
            ManageTeam,
        ] {
            assert!(!Role::Editor.allows(permission), "{permission:?}");
        }
    }

    #[test]
    fn admins_may_do_everything() {
        assert!(Permission::ALL
            .into_iter()
            .all(|permission| Role::Admin.allows(permission)));
    }

    #[test]
    fn a_higher_role_keeps_every_permission_of_a_lower_one() {
        for permission in Permission::ALL {
            for (lower, higher) in [(Role::Viewer, Role::Editor), (Role::Editor, Role::Admin)] {
                assert!(
                    !lower.allows(permission) || higher.allows(permission),
                    "{permission:?}"
                );
            }
        }
    }

    #[test]
    fn matrix_lists_every_permission_with_a_mark_per_role() {
        let matrix = permission_matrix_markdown();
        let lines: Vec<_> = matrix.lines().collect();
        assert_eq!(lines[0], "| Permission | viewer | editor | admin |");
        assert_eq!(lines.len(), 2 + Permission::ALL.len());
        assert!(lines.contains(&"| Invite members, change their roles, remove them | — | — | ✓ |"));
        assert!(lines.contains(&"| Import, edit and delete collections | — | ✓ | ✓ |"));
        assert!(lines.contains(
            &"| See the team's collections, APIs, integrations and backups | ✓ | ✓ | ✓ |"
        ));
        assert!(lines.contains(&"| Delete APIs | — | — | ✓ |"));
    }
}
