//! The closed sets of names the schema keeps in TEXT columns (each column's CHECK lists them).
//! They are typed at the row boundary: rows decode into these enums and writes bind them, so
//! the names are spelled once, here. A name the code does not know fails the decode (an
//! error, never a guess nor a panic).

use std::{fmt, str::FromStr};

/// Makes an enum with `ALL` and `as_str` a TEXT column on both backends, stored by that name.
macro_rules! stored_as_text {
    ($name:ident, $what:literal) => {
        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " {:?}"), text))
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&'r str as sqlx::Decode<'r, DB>>::decode(value)?.parse::<$name>()?)
            }
        }
    };
}

/// Where an integration stands, as stored and as shown on its badge.
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

stored_as_text!(IntegrationStatus, "integration status");

/// Why a sync job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    Change,
    Manual,
    Initial,
    Retry,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [
        Trigger::Change,
        Trigger::Manual,
        Trigger::Initial,
        Trigger::Retry,
    ];

    /// The stored name, also shown in the run log.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Change => "change",
            Trigger::Manual => "manual",
            Trigger::Initial => "initial",
            Trigger::Retry => "retry",
        }
    }
}

stored_as_text!(Trigger, "sync trigger");

/// How a sync run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunOutcome {
    Committed,
    /// The repository already held the collection as it is.
    NoChanges,
    Failed,
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 3] = [
        RunOutcome::Committed,
        RunOutcome::NoChanges,
        RunOutcome::Failed,
    ];

    /// The stored name, also the run log's and the metrics' label.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Committed => "committed",
            RunOutcome::NoChanges => "no_changes",
            RunOutcome::Failed => "failed",
        }
    }
}

stored_as_text!(RunOutcome, "run outcome");

/// What a change did to its collection, as its outbox event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Created,
    Updated,
    Deleted,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::Created, EventKind::Updated, EventKind::Deleted];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Updated => "updated",
            EventKind::Deleted => "deleted",
        }
    }
}

stored_as_text!(EventKind, "collection event kind");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for status in IntegrationStatus::ALL {
            assert_eq!(status.as_str().parse::<IntegrationStatus>(), Ok(status));
        }
        for trigger in Trigger::ALL {
            assert_eq!(trigger.as_str().parse::<Trigger>(), Ok(trigger));
        }
        for outcome in RunOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<RunOutcome>(), Ok(outcome));
        }
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        assert!("broken".parse::<IntegrationStatus>().is_err());
        assert!("broken".parse::<Trigger>().is_err());
    }
}

/// How a definition is written; its text is stored as written, in this format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefinitionFormat {
    Json,
    Yaml,
}

impl DefinitionFormat {
    pub const ALL: [DefinitionFormat; 2] = [DefinitionFormat::Json, DefinitionFormat::Yaml];

    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionFormat::Json => "json",
            DefinitionFormat::Yaml => "yaml",
        }
    }
}

stored_as_text!(DefinitionFormat, "definition format");
