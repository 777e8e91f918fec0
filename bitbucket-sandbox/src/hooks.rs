//! Repository webhooks: the subscriptions (in memory, like issued tokens) and the delivery
//! of `repo:push` after every ref change, whether it came from `git push`, `POST …/src` or
//! the tag endpoints.
//!
//! Delivery follows Bitbucket Cloud's "Event payloads" page: a JSON POST with `X-Event-Key`,
//! `X-Hook-UUID`, `X-Request-UUID`, `X-Attempt-Number` and, when the hook has a secret,
//! `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with the secret>`. It runs
//! in its own task so a push is never held up by a subscriber; up to three attempts (the
//! first and two retries), each logged in the delivery log the admin endpoints show.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::directory::RepoRecord;
use crate::error::Result;
use crate::git::{CommitInfo, TagInfo};
use crate::representations;
use crate::state::AppState;

pub const REPO_PUSH: &str = "repo:push";
/// How many commits a change lists before it is marked `truncated`, as on Bitbucket.
const COMMITS_PER_CHANGE: usize = 5;
const ATTEMPTS: u32 = 3;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_DELAY: Duration = Duration::from_millis(500);
const DELIVERY_LOG_CAPACITY: usize = 10_000;

/// One subscription of a repository.
#[derive(Debug, Clone)]
pub struct Hook {
    /// `{uuid}`, braces included.
    pub uuid: String,
    pub repo_uuid: String,
    pub url: String,
    pub description: String,
    pub active: bool,
    pub events: Vec<String>,
    pub secret: Option<String>,
    pub created_at: String,
}

/// One delivery attempt, as `GET /admin/deliveries` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub hook_uuid: String,
    pub url: String,
    pub event: String,
    pub request_uuid: String,
    pub attempt: u32,
    /// The subscriber's status; `None` when no response came (refused, timed out, or the
    /// `webhooks_unreachable` fault).
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the attempt started, RFC 3339.
    pub time: String,
    pub duration_ms: u64,
}

impl DeliveryRecord {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Debug, Default)]
pub struct Hooks {
    subscriptions: Mutex<Vec<Hook>>,
    deliveries: Mutex<VecDeque<DeliveryRecord>>,
    client: reqwest::Client,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A `{uuid}` in a path may come with or without its braces.
fn same_uuid(stored: &str, given: &str) -> bool {
    stored
        .trim_matches(['{', '}'])
        .eq_ignore_ascii_case(given.trim_matches(['{', '}']))
}

impl Hooks {
    pub fn of_repository(&self, repo_uuid: &str) -> Vec<Hook> {
        lock(&self.subscriptions)
            .iter()
            .filter(|h| h.repo_uuid == repo_uuid)
            .cloned()
            .collect()
    }

    pub fn get(&self, repo_uuid: &str, uid: &str) -> Option<Hook> {
        lock(&self.subscriptions)
            .iter()
            .find(|h| h.repo_uuid == repo_uuid && same_uuid(&h.uuid, uid))
            .cloned()
    }

    pub fn insert(&self, hook: Hook) {
        lock(&self.subscriptions).push(hook);
    }

    /// Applies `change` to the hook and returns it as it is now.
    pub fn update(
        &self,
        repo_uuid: &str,
        uid: &str,
        change: impl FnOnce(&mut Hook),
    ) -> Option<Hook> {
        let mut subscriptions = lock(&self.subscriptions);
        let hook = subscriptions
            .iter_mut()
            .find(|h| h.repo_uuid == repo_uuid && same_uuid(&h.uuid, uid))?;
        change(hook);
        Some(hook.clone())
    }

    pub fn remove(&self, repo_uuid: &str, uid: &str) -> bool {
        let mut subscriptions = lock(&self.subscriptions);
        let before = subscriptions.len();
        subscriptions.retain(|h| !(h.repo_uuid == repo_uuid && same_uuid(&h.uuid, uid)));
        subscriptions.len() != before
    }

    /// The active hooks of a repository subscribed to `event`.
    pub fn subscribers(&self, repo_uuid: &str, event: &str) -> Vec<Hook> {
        lock(&self.subscriptions)
            .iter()
            .filter(|h| h.repo_uuid == repo_uuid && h.active && h.events.iter().any(|e| e == event))
            .cloned()
            .collect()
    }

    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        lock(&self.deliveries).iter().cloned().collect()
    }

    pub fn clear_deliveries(&self) {
        lock(&self.deliveries).clear();
    }

    fn log(&self, record: DeliveryRecord) {
        if !record.succeeded() {
            tracing::warn!(hook = %record.hook_uuid, url = %record.url, status = ?record.status,
                error = ?record.error, attempt = record.attempt, "webhook delivery failed");
        }
        let mut deliveries = lock(&self.deliveries);
        if deliveries.len() == DELIVERY_LOG_CAPACITY {
            deliveries.pop_front();
        }
        deliveries.push_back(record);
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`: `X-Hub-Signature`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The branches and tags of a repository at one moment (full ref name → object).
pub type RefSnapshot = BTreeMap<String, String>;

/// Whether anyone listens for pushes to `repo`; callers skip the ref snapshots otherwise.
pub fn wants_pushes(state: &AppState, repo: &RepoRecord) -> bool {
    !state.hooks.subscribers(&repo.uuid, REPO_PUSH).is_empty()
}

/// Announces the ref changes between two snapshots as one `repo:push`, in the background.
pub fn push(
    state: &Arc<AppState>,
    repo: &Arc<RepoRecord>,
    actor: &str,
    before: RefSnapshot,
    after: RefSnapshot,
) {
    let (state, repo, actor) = (state.clone(), repo.clone(), actor.to_owned());
    tokio::spawn(async move {
        let hooks = state.hooks.subscribers(&repo.uuid, REPO_PUSH);
        if hooks.is_empty() {
            return;
        }
        let payload = match push_payload(&state, &repo, &actor, &before, &after).await {
            Ok(Some(payload)) => payload,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, "could not build the repo:push payload");
                return;
            }
        };
        let body = Arc::new(serde_json::to_vec(&payload).unwrap_or_default());
        for hook in hooks {
            tokio::spawn(deliver(state.clone(), hook, REPO_PUSH, body.clone()));
        }
    });
}

async fn deliver(state: Arc<AppState>, hook: Hook, event: &'static str, body: Arc<Vec<u8>>) {
    let request_uuid = uuid::Uuid::new_v4().to_string();
    for attempt in 1..=ATTEMPTS {
        let time = crate::clock::now_rfc3339();
        let started = Instant::now();
        let record = |status: Option<u16>, error: Option<String>| DeliveryRecord {
            hook_uuid: hook.uuid.clone(),
            url: hook.url.clone(),
            event: event.to_owned(),
            request_uuid: request_uuid.clone(),
            attempt,
            status,
            error,
            time: time.clone(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        if state.faults.current().webhooks_unreachable {
            state.hooks.log(record(
                None,
                Some("not sent: the webhooks_unreachable fault is on".to_owned()),
            ));
            return;
        }
        let mut request = state
            .hooks
            .client
            .post(&hook.url)
            .timeout(ATTEMPT_TIMEOUT)
            .header("Content-Type", "application/json")
            .header("User-Agent", "Bitbucket-Webhooks/2.0")
            .header("X-Event-Key", event)
            .header("X-Hook-UUID", hook.uuid.trim_matches(['{', '}']))
            .header("X-Request-UUID", &request_uuid)
            .header("X-Attempt-Number", attempt.to_string());
        if let Some(secret) = &hook.secret {
            request = request.header("X-Hub-Signature", signature(secret, &body));
        }
        let done = match request.body(body.to_vec()).send().await {
            Ok(response) => record(Some(response.status().as_u16()), None),
            Err(error) => record(None, Some(error.to_string())),
        };
        let succeeded = done.succeeded();
        state.hooks.log(done);
        if succeeded {
            return;
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(RETRY_DELAY * attempt).await;
        }
    }
}

/// `{"actor", "repository", "push": {"changes": [...]}}`; `None` when no ref moved.
async fn push_payload(
    state: &AppState,
    repo: &RepoRecord,
    actor: &str,
    before: &RefSnapshot,
    after: &RefSnapshot,
) -> Result<Option<Value>> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let mut changes = Vec::new();
    for name in names {
        let (old, new) = (before.get(name), after.get(name));
        if old == new {
            continue;
        }
        if let Some(change) = change(state, repo, name, old, new, before).await? {
            changes.push(change);
        }
    }
    if changes.is_empty() {
        return Ok(None);
    }
    let Some(workspace) = state.directory.workspace(&repo.workspace) else {
        return Ok(None);
    };
    let actor = match state.directory.user(actor) {
        Some(user) => representations::user(&state.urls, user, &state.started),
        None => json!({ "type": "user", "nickname": actor, "display_name": actor }),
    };
    Ok(Some(json!({
        "actor": actor,
        "repository": representations::repository(&state.urls, workspace, repo),
        "push": { "changes": changes },
    })))
}

/// One entry of `push.changes`: a branch or tag that was created, moved or deleted.
async fn change(
    state: &AppState,
    repo: &RepoRecord,
    reference: &str,
    old: Option<&String>,
    new: Option<&String>,
    before: &RefSnapshot,
) -> Result<Option<Value>> {
    let (kind, name) = if let Some(name) = reference.strip_prefix("refs/heads/") {
        ("branch", name)
    } else if let Some(name) = reference.strip_prefix("refs/tags/") {
        ("tag", name)
    } else {
        return Ok(None);
    };
    let git = &repo.git;
    let old_commit = match old {
        Some(object) => git.resolve_commit(object).await?,
        None => None,
    };
    let new_commit = match new {
        Some(object) => git.resolve_commit(object).await?,
        None => None,
    };
    let ref_object = |commit: CommitInfo, current: Option<TagInfo>| match kind {
        "branch" => representations::branch(&state.urls, &state.directory, repo, name, &commit),
        _ => {
            let tag = current.unwrap_or(TagInfo {
                name: name.to_owned(),
                target: commit,
                annotation: None,
            });
            representations::tag(&state.urls, &state.directory, repo, &tag)
        }
    };
    let new_value = match &new_commit {
        Some(hash) => {
            let current = if kind == "tag" {
                git.tag(name).await?
            } else {
                None
            };
            git.commit_info(hash).await?.map(|c| ref_object(c, current))
        }
        None => None,
    };
    let old_value = match &old_commit {
        Some(hash) => git.commit_info(hash).await?.map(|c| ref_object(c, None)),
        None => None,
    };
    let (commits, truncated) = match &new_commit {
        Some(tip) => {
            let excluded: Vec<&str> = match &old_commit {
                Some(old) => vec![old.as_str()],
                None => before.values().map(String::as_str).collect(),
            };
            let mut listed = git
                .commits_between(tip, &excluded, COMMITS_PER_CHANGE + 1)
                .await?;
            let truncated = listed.len() > COMMITS_PER_CHANGE;
            listed.truncate(COMMITS_PER_CHANGE);
            (listed, truncated)
        }
        None => (Vec::new(), false),
    };
    let forced = match (&old_commit, &new_commit) {
        (Some(old), Some(new)) => !git.is_ancestor(old, new).await?,
        _ => false,
    };
    let full_name = repo.full_name();
    let mut links = serde_json::Map::new();
    if let Some(new) = &new_commit {
        let mut commits_href = format!("/repositories/{full_name}/commits?include={new}");
        if let Some(old) = &old_commit {
            commits_href.push_str(&format!("&exclude={old}"));
            links.insert(
                "diff".into(),
                json!({ "href": state.urls.api(&format!("/repositories/{full_name}/diff/{new}..{old}")) }),
            );
            links.insert(
                "html".into(),
                json!({ "href": state.urls.web(&format!("/{full_name}/branches/compare/{new}..{old}")) }),
            );
        }
        links.insert(
            "commits".into(),
            json!({ "href": state.urls.api(&commits_href) }),
        );
    }
    Ok(Some(json!({
        "old": old_value,
        "new": new_value,
        "created": old_commit.is_none(),
        "closed": new_commit.is_none(),
        "forced": forced,
        "truncated": truncated,
        "commits": commits
            .iter()
            .map(|c| representations::commit(&state.urls, &state.directory, repo, c))
            .collect::<Vec<_>>(),
        "links": links,
    })))
}
