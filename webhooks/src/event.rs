//! Team activity as deliveries carry it: one JSON object per occurrence,
//! `{"type","timestamp","data"}`, where `data` holds the ids and names involved, the actor, a
//! one-sentence `summary` and a `url` to the page in Ferry — never a secret.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// What can happen in a team that an integration may be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    CollectionCreated,
    CollectionChanged,
    CollectionDeleted,
    ApiChanged,
    ApiVersionPublished,
    IntegrationFailing,
    IntegrationNeedsReauth,
    IntegrationRecovered,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
    /// Send test event.
    Test,
}

impl EventType {
    /// Every type a person can subscribe to (the test event is sent on request only).
    pub const SUBSCRIBABLE: [EventType; 11] = [
        Self::CollectionCreated,
        Self::CollectionChanged,
        Self::CollectionDeleted,
        Self::ApiChanged,
        Self::ApiVersionPublished,
        Self::IntegrationFailing,
        Self::IntegrationNeedsReauth,
        Self::IntegrationRecovered,
        Self::MemberJoined,
        Self::MemberLeft,
        Self::MemberRoleChanged,
    ];

    /// The wire name: `collection.changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CollectionCreated => "collection.created",
            Self::CollectionChanged => "collection.changed",
            Self::CollectionDeleted => "collection.deleted",
            Self::ApiChanged => "api.changed",
            Self::ApiVersionPublished => "api.version_published",
            Self::IntegrationFailing => "integration.failing",
            Self::IntegrationNeedsReauth => "integration.needs_reauth",
            Self::IntegrationRecovered => "integration.recovered",
            Self::MemberJoined => "member.joined",
            Self::MemberLeft => "member.left",
            Self::MemberRoleChanged => "member.role_changed",
            Self::Test => "test",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([Self::Test])
            .find(|t| t.as_str() == name)
    }

    /// For people: "Collection changed".
    pub fn label(self) -> &'static str {
        match self {
            Self::CollectionCreated => "Collection created",
            Self::CollectionChanged => "Collection changed",
            Self::CollectionDeleted => "Collection deleted",
            Self::ApiChanged => "API changed",
            Self::ApiVersionPublished => "API version published",
            Self::IntegrationFailing => "Integration failing",
            Self::IntegrationNeedsReauth => "Integration needs re-authentication",
            Self::IntegrationRecovered => "Integration recovered",
            Self::MemberJoined => "Member joined",
            Self::MemberLeft => "Member left",
            Self::MemberRoleChanged => "Member's role changed",
            Self::Test => "Test event",
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventActor {
    pub id: String,
    pub name: String,
}

/// One occurrence, as the domain records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub event_type: EventType,
    pub at_ms: i64,
    /// One sentence: "Ada changed “Pets API”: 2 requests added."
    pub summary: String,
    pub actor: Option<EventActor>,
    /// The page in Ferry (absolute, when the deployment's public URL is known).
    pub url: Option<String>,
    /// The event's own facts: ids and names (`collection_id`, `collection_name`, …).
    pub details: Map<String, Value>,
}

impl Activity {
    /// RFC 3339 in UTC, to the millisecond.
    pub fn timestamp(&self) -> String {
        let at =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.at_ms) * 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// The custom webhook's body: `{"type","timestamp","data"}`.
    pub fn envelope(&self) -> Value {
        let mut data = self.details.clone();
        data.insert("summary".into(), Value::String(self.summary.clone()));
        if let Some(actor) = &self.actor {
            data.insert(
                "actor".into(),
                json!({ "id": actor.id, "name": actor.name }),
            );
        }
        if let Some(url) = &self.url {
            data.insert("url".into(), Value::String(url.clone()));
        }
        json!({
            "type": self.event_type.as_str(),
            "timestamp": self.timestamp(),
            "data": data,
        })
    }
}

/// The body of a delivery, as bytes signed and sent.
pub struct Envelope;

impl Envelope {
    pub fn webhook_body(activity: &Activity) -> Vec<u8> {
        serde_json::to_vec(&activity.envelope()).expect("a JSON value serialises")
    }

    pub fn slack_body(activity: &Activity) -> Vec<u8> {
        serde_json::to_vec(&crate::slack::message(activity)).expect("a JSON value serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_by_name() {
        for event in EventType::SUBSCRIBABLE.into_iter().chain([EventType::Test]) {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
        }
        assert_eq!(EventType::parse("collection.exploded"), None);
    }

    #[test]
    fn the_envelope_has_type_timestamp_and_data() {
        let mut details = Map::new();
        details.insert("collection_id".into(), json!("c1"));
        let activity = Activity {
            event_type: EventType::CollectionChanged,
            at_ms: 1_796_688_000_123,
            summary: "Ada changed “Pets”.".into(),
            actor: Some(EventActor {
                id: "u1".into(),
                name: "Ada".into(),
            }),
            url: Some("https://ferry.example/collections/c1".into()),
            details,
        };
        let body: Value = serde_json::from_slice(&Envelope::webhook_body(&activity)).unwrap();
        assert_eq!(body["type"], "collection.changed");
        assert_eq!(body["timestamp"], "2026-12-08T00:00:00.123Z");
        assert_eq!(body["data"]["collection_id"], "c1");
        assert_eq!(body["data"]["actor"]["name"], "Ada");
        assert_eq!(body["data"]["summary"], "Ada changed “Pets”.");
    }
}
