//! Where an integration stands, as stored and as shown on its badge.

use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationStatus {
    /// Backs up every change.
    Active,
    /// Stopped by a person; resuming commits the latest state once.
    Paused,
    /// Bitbucket refused for a reason a person must fix (no access, repository gone).
    Failing,
    /// The credential no longer works (or its connected account was deleted).
    NeedsReauth,
}

impl IntegrationStatus {
    pub const ALL: [IntegrationStatus; 4] = [
        IntegrationStatus::Active,
        IntegrationStatus::Paused,
        IntegrationStatus::Failing,
        IntegrationStatus::NeedsReauth,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationStatus::Active => "active",
            IntegrationStatus::Paused => "paused",
            IntegrationStatus::Failing => "failing",
            IntegrationStatus::NeedsReauth => "needs_reauth",
        }
    }

    /// The badge text.
    pub fn label(self) -> &'static str {
        match self {
            IntegrationStatus::Active => "Active",
            IntegrationStatus::Paused => "Paused",
            IntegrationStatus::Failing => "Failing",
            IntegrationStatus::NeedsReauth => "Needs re-authentication",
        }
    }
}

impl fmt::Display for IntegrationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for IntegrationStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        IntegrationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| format!("unknown integration status {text:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for status in IntegrationStatus::ALL {
            assert_eq!(status.as_str().parse::<IntegrationStatus>(), Ok(status));
        }
        assert!("broken".parse::<IntegrationStatus>().is_err());
    }
}
