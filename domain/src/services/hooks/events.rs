//! The team activity events the services record, one builder per subject. Each gives the
//! event's ids and names, who did it, one sentence, and the path of the page in Ferry (the
//! app's routes; the worker makes it absolute with the deployment's public URL). Never a
//! secret: only names, ids, roles and change summaries go in.

use ferry_postman::{ChangeSummary, RequestRef};
use ferry_webhooks::{
    event::{Activity, EventActor},
    EventType,
};
use serde_json::{json, Map, Value};

use crate::{accounts::Actor, store::now_ms};

/// The unreserved characters of RFC 3986 stay; every other byte of an id is escaped.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn segment(id: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(id, SEGMENT)
}

/// Request names listed per kind of change in a `collection.changed` event.
const LISTED_REQUESTS: usize = 20;

fn by(actor: &Actor) -> Option<EventActor> {
    Some(EventActor {
        id: actor.user_id.clone(),
        name: actor.email.clone(),
    })
}

fn activity(
    event_type: EventType,
    actor: Option<EventActor>,
    summary: String,
    path: Option<String>,
    details: Value,
) -> Activity {
    let Value::Object(details) = details else {
        unreachable!("every builder passes an object")
    };
    Activity {
        event_type,
        at_ms: now_ms(),
        summary,
        actor,
        url: path,
        details,
    }
}

/// `collection.created`, `collection.changed` (with what changed) or `collection.deleted`.
pub fn collection(
    actor: &Actor,
    event_type: EventType,
    collection_id: &str,
    name: &str,
    revision: i64,
    changes: Option<&ChangeSummary>,
) -> Activity {
    let verb = match event_type {
        EventType::CollectionCreated => "created",
        EventType::CollectionDeleted => "deleted",
        _ => "changed",
    };
    let mut summary = format!("{} {verb} the collection “{name}”", actor.email);
    let mut details = json!({
        "collection_id": collection_id,
        "collection_name": name,
        "revision": revision,
    });
    if let Some(changes) = changes.filter(|changes| !changes.is_empty()) {
        summary = format!("{summary}: {}", changes.describe());
        details["changes"] = change_lists(changes);
    }
    summary.push('.');
    let path = (event_type != EventType::CollectionDeleted)
        .then(|| format!("/collections/{}", segment(collection_id)));
    activity(event_type, by(actor), summary, path, details)
}

fn change_lists(changes: &ChangeSummary) -> Value {
    let names = |requests: &[RequestRef]| -> Value {
        requests
            .iter()
            .take(LISTED_REQUESTS)
            .map(|request| Value::String(request.name.clone()))
            .collect()
    };
    json!({
        "added": names(&changes.added),
        "changed": names(&changes.changed),
        "removed": names(&changes.removed),
        "counts": {
            "added": changes.added.len(),
            "changed": changes.changed.len(),
            "removed": changes.removed.len(),
        },
    })
}

/// `api.changed`: a new revision of the definition (or of the API's name or summary), `line`
/// being its history line.
pub fn api_changed(actor: &Actor, api_id: &str, name: &str, revision: i64, line: &str) -> Activity {
    activity(
        EventType::ApiChanged,
        by(actor),
        format!("{} changed the API “{name}”: {line}.", actor.email),
        Some(format!("/apis/{}", segment(api_id))),
        json!({ "api_id": api_id, "api_name": name, "revision": revision }),
    )
}

/// `api.version_published`.
pub fn api_version_published(actor: &Actor, api_id: &str, name: &str, version: &str) -> Activity {
    activity(
        EventType::ApiVersionPublished,
        by(actor),
        format!(
            "{} published version {version} of the API “{name}”.",
            actor.email
        ),
        Some(format!("/apis/{}", segment(api_id))),
        json!({ "api_id": api_id, "api_name": name, "version": version }),
    )
}

/// A Bitbucket integration's status changed: `integration.failing`,
/// `integration.needs_reauth` (no actor: the engine noticed) or `integration.recovered` (by
/// the person who resumed it or connected its account again).
pub fn integration_status(
    actor: Option<&Actor>,
    event_type: EventType,
    integration_id: &str,
    collection_name: &str,
    reason: Option<&str>,
) -> Activity {
    let what = format!("The backup of “{collection_name}” to Bitbucket");
    let summary = match (event_type, reason) {
        (EventType::IntegrationRecovered, _) => format!("{what} works again."),
        (EventType::IntegrationNeedsReauth, Some(reason)) => {
            format!("{what} needs its account connected again: {reason}")
        }
        (_, Some(reason)) => format!("{what} is failing: {reason}"),
        (_, None) => format!("{what} is failing."),
    };
    let mut details = json!({
        "integration_id": integration_id,
        "collection_name": collection_name,
        "provider": "bitbucket",
    });
    if let Some(reason) = reason {
        details["reason"] = Value::String(reason.to_owned());
    }
    activity(
        event_type,
        actor.and_then(by),
        summary,
        Some(format!(
            "/integrations/bitbucket/{}",
            segment(integration_id)
        )),
        details,
    )
}

/// `member.joined`: `member` joined the team with `role` (by an invitation, or added by a
/// person).
pub fn member_joined(member_id: &str, member_email: &str, role: &str) -> Activity {
    member_event(
        EventType::MemberJoined,
        Some(EventActor {
            id: member_id.to_owned(),
            name: member_email.to_owned(),
        }),
        format!("{member_email} joined the team as {role}."),
        member_id,
        member_email,
        role,
    )
}

/// `member.left`: removed by `actor` (or left, when the actor is the member).
pub fn member_left(actor: &Actor, member_id: &str, member_email: &str, role: &str) -> Activity {
    let summary = if actor.user_id == member_id {
        format!("{member_email} left the team.")
    } else {
        format!("{} removed {member_email} from the team.", actor.email)
    };
    member_event(
        EventType::MemberLeft,
        by(actor),
        summary,
        member_id,
        member_email,
        role,
    )
}

/// `member.role_changed`.
pub fn member_role_changed(
    actor: &Actor,
    member_id: &str,
    member_email: &str,
    old_role: &str,
    role: &str,
) -> Activity {
    let mut event = member_event(
        EventType::MemberRoleChanged,
        by(actor),
        format!(
            "{} made {member_email} {role} (was {old_role}).",
            actor.email
        ),
        member_id,
        member_email,
        role,
    );
    event
        .details
        .insert("previous_role".into(), Value::String(old_role.to_owned()));
    event
}

fn member_event(
    event_type: EventType,
    actor: Option<EventActor>,
    summary: String,
    member_id: &str,
    member_email: &str,
    role: &str,
) -> Activity {
    let mut details = Map::new();
    details.insert("member_id".into(), member_id.into());
    details.insert("member_email".into(), member_email.into());
    details.insert("role".into(), role.into());
    activity(
        event_type,
        actor,
        summary,
        Some("/team/members".to_owned()),
        Value::Object(details),
    )
}
