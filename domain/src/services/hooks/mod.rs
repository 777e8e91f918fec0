//! Custom webhooks and Slack (issue 17): integrations that deliver a team's activity to a URL
//! — a custom receiver (the event's JSON envelope) or a Slack incoming webhook (a Block Kit
//! message) — signed per the Standard Webhooks specification, durably queued, retried for
//! about a day, and logged attempt by attempt.
//!
//! The URL and the signing secret are sealed with the keyring (a Slack URL is a credential);
//! the secret is shown once, when made or rotated, and during a rotation's day of overlap both
//! secrets sign. Viewers read; editors manage the integrations they made; admins all. The
//! [`worker`] sends what is due; `ferry_webhooks` holds the wire format and the address policy.

pub mod events;
pub mod metrics;
pub mod worker;

use ferry_webhooks::{
    event::{Activity, EventActor},
    Envelope, EventType, NetworkPolicy, WebhookSecret, WebhookUrl,
};
use secrecy::{ExposeSecret, SecretSlice};

use crate::{
    accounts::Actor,
    auth::Permission,
    crypto::{CryptoError, Keyring, SecretContext},
    error::{DomainError, ErrorKind, FieldError, Forbidden},
    store::{
        accounts::is_unique_violation,
        hooks::{AttemptRow, DeliveryRow, HookRow},
        now_ms, Store, StoreError,
    },
};

pub const URL_PURPOSE: &str = "hook_integration.url";
pub const SECRET_PURPOSE: &str = "hook_integration.secret";
pub const PREVIOUS_SECRET_PURPOSE: &str = "hook_integration.previous_secret";
/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;
/// The deliveries a log shows.
pub const DELIVERY_PAGE: i64 = 50;
const MAX_NICKNAME_CHARS: usize = 80;

/// What an integration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// Team activity to a custom receiver.
    WebhookActivity,
    /// Team activity to a Slack incoming webhook.
    SlackActivity,
}

impl HookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebhookActivity => "webhook_activity",
            Self::SlackActivity => "slack_activity",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::WebhookActivity, Self::SlackActivity]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    fn wire(self) -> ferry_webhooks::Kind {
        match self {
            Self::WebhookActivity => ferry_webhooks::Kind::Webhook,
            Self::SlackActivity => ferry_webhooks::Kind::Slack,
        }
    }

    /// The body a delivery of `activity` sends.
    pub fn body(self, activity: &Activity) -> Vec<u8> {
        match self {
            Self::WebhookActivity => Envelope::webhook_body(activity),
            Self::SlackActivity => Envelope::slack_body(activity),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HooksError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("no such integration or delivery in this team; check the id")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("the integration's sealed URL or secret cannot be opened: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for HooksError {
    fn kind(&self) -> ErrorKind {
        match self {
            HooksError::Field(_) => ErrorKind::Invalid,
            HooksError::NotFound => ErrorKind::NotFound,
            HooksError::Forbidden(_) => ErrorKind::Forbidden,
            HooksError::Crypto(_) => ErrorKind::Unavailable,
            HooksError::Store(_) => ErrorKind::Internal,
        }
    }

    fn field_error(&self) -> Option<&FieldError> {
        match self {
            HooksError::Field(error) => Some(error),
            _ => None,
        }
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> HooksError {
    HooksError::Field(FieldError {
        field,
        message: message.into(),
    })
}

/// A new integration as a person fills it in.
#[derive(Debug, Clone)]
pub struct NewHook<'a> {
    pub kind: HookKind,
    pub nickname: &'a str,
    pub url: &'a str,
    /// Event type names (`collection.changed`).
    pub events: &'a [String],
}

/// What an update changes; `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct HookChange<'a> {
    pub nickname: Option<&'a str>,
    pub url: Option<&'a str>,
    pub events: Option<&'a [String]>,
    pub paused: Option<bool>,
}

/// An integration as pages and REST show it: never its URL or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookView {
    pub id: String,
    pub kind: String,
    pub nickname: String,
    pub url_display: String,
    pub events: Vec<EventType>,
    pub status: String,
    pub status_reason: Option<String>,
    pub created_by: String,
    pub created_at_ms: i64,
    /// Whether the person asking may change it.
    pub can_manage: bool,
}

/// A delivery with its attempts, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub delivery: DeliveryRow,
    pub attempts: Vec<AttemptRow>,
}

pub struct Hooks<'a> {
    store: &'a Store,
    keyring: &'a Keyring,
    policy: &'a NetworkPolicy,
}

impl<'a> Hooks<'a> {
    pub fn new(store: &'a Store, keyring: &'a Keyring, policy: &'a NetworkPolicy) -> Self {
        Self {
            store,
            keyring,
            policy,
        }
    }

    /// Creates the integration; answers it and its secret, which is shown this once.
    pub async fn create(
        &self,
        actor: &Actor,
        new: NewHook<'_>,
    ) -> Result<(HookView, WebhookSecret), HooksError> {
        actor.require(Permission::CreateIntegrations)?;
        let nickname = checked_nickname(new.nickname)?;
        let nickname = nickname.as_str();
        let url = WebhookUrl::parse(new.url, self.policy)
            .map_err(|error| invalid("url", error.to_string()))?;
        let events = parse_events(new.events)?;
        let id = uuid::Uuid::now_v7().to_string();
        let secret = WebhookSecret::generate();
        let now = now_ms();
        let row = HookRow {
            id: id.clone(),
            team_id: actor.team_id.clone(),
            kind: new.kind.as_str().to_owned(),
            nickname: nickname.to_owned(),
            url: self.seal(&actor.team_id, &id, URL_PURPOSE, url.as_str())?,
            url_display: url.display(),
            collection_id: None,
            events: joined(&events),
            secret: self.seal(&actor.team_id, &id, SECRET_PURPOSE, secret.expose())?,
            previous_secret: None,
            previous_secret_until_ms: None,
            key_id: self.keyring.newest().as_str().to_owned(),
            status: "active".to_owned(),
            status_reason: None,
            created_by: actor.user_id.clone(),
            created_at_ms: now,
            updated_at_ms: now,
        };
        match self.store.insert_hook(&row).await {
            Err(e) if is_unique_violation(&e) => {
                return Err(invalid(
                    "name",
                    format!(
                    "this team already has an integration named “{nickname}”; choose another name"
                ),
                ))
            }
            other => other?,
        }
        Ok((view(actor, row), secret))
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<HookView>, HooksError> {
        actor.require(Permission::ReadTeamData)?;
        Ok(self
            .store
            .hooks(&actor.team_id)
            .await?
            .into_iter()
            .map(|row| view(actor, row))
            .collect())
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<HookView, HooksError> {
        actor.require(Permission::ReadTeamData)?;
        Ok(view(actor, self.row(actor, id).await?))
    }

    /// Paused: deliveries wait (nothing is lost); resumed: they go, oldest first. Resuming
    /// also re-enables an integration disabled by a `410 Gone`.
    pub async fn set_paused(
        &self,
        actor: &Actor,
        id: &str,
        paused: bool,
    ) -> Result<HookView, HooksError> {
        let change = HookChange {
            paused: Some(paused),
            ..HookChange::default()
        };
        self.update(actor, id, change).await
    }

    /// Changes the nickname, URL, events or paused state (what is `None` stays). A new URL
    /// is sealed anew; everything else in the row is untouched.
    pub async fn update(
        &self,
        actor: &Actor,
        id: &str,
        change: HookChange<'_>,
    ) -> Result<HookView, HooksError> {
        let mut row = self.managed(actor, id).await?;
        if let Some(nickname) = change.nickname {
            row.nickname = checked_nickname(nickname)?;
        }
        if let Some(events) = change.events {
            row.events = joined(&parse_events(events)?);
        }
        if let Some(url) = change.url {
            let url = WebhookUrl::parse(url, self.policy)
                .map_err(|error| invalid("url", error.to_string()))?;
            if row.key_id != self.keyring.newest().as_str() {
                // The row's values share one key id: a new URL under another key would leave
                // the secret's key unknown to re-encryption; this is rare (a rotation in
                // progress), so ask for the re-encryption first.
                return Err(invalid("url", "the encryption keys are being rotated; run `ferry keys reencrypt`, then change the URL"));
            }
            row.url = self.seal(&row.team_id, &row.id, URL_PURPOSE, url.as_str())?;
            row.url_display = url.display();
        }
        if let Some(paused) = change.paused {
            row.status = if paused { "paused" } else { "active" }.to_owned();
            row.status_reason = None;
        }
        match self.store.update_hook(&row).await {
            Err(e) if is_unique_violation(&e) => {
                return Err(invalid(
                    "name",
                    format!(
                        "this team already has an integration named “{}”; choose another name",
                        row.nickname
                    ),
                ))
            }
            Ok(false) => return Err(HooksError::NotFound),
            other => other?,
        };
        self.get(actor, id).await
    }

    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), HooksError> {
        let row = self.managed(actor, id).await?;
        self.store.delete_hook(&actor.team_id, &row.id).await?;
        Ok(())
    }

    /// A new secret, shown this once; the previous one signs too for a day, so receivers can
    /// switch without missing a delivery.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<WebhookSecret, HooksError> {
        let row = self.managed(actor, id).await?;
        let current = self.open(&row, SECRET_PURPOSE, &row.secret)?;
        let secret = WebhookSecret::generate();
        let sealed = self.seal(&row.team_id, &row.id, SECRET_PURPOSE, secret.expose())?;
        let previous = self.seal(
            &row.team_id,
            &row.id,
            PREVIOUS_SECRET_PURPOSE,
            current.expose(),
        )?;
        self.store
            .rotate_hook_secret(
                &row.team_id,
                &row.id,
                &sealed,
                &previous,
                now_ms() + ROTATION_OVERLAP_MS,
            )
            .await?;
        Ok(secret)
    }

    /// Queues a test event for the integration (whatever events it sends).
    pub async fn send_test(&self, actor: &Actor, id: &str) -> Result<DeliveryRow, HooksError> {
        let row = self.managed(actor, id).await?;
        let kind = HookKind::parse(&row.kind).ok_or(HooksError::NotFound)?;
        let activity = Activity {
            event_type: EventType::Test,
            at_ms: now_ms(),
            summary: format!(
                "A test event for “{}”, sent by {}.",
                row.nickname, actor.email
            ),
            actor: Some(EventActor {
                id: actor.user_id.clone(),
                name: actor.email.clone(),
            }),
            url: None,
            details: [
                ("integration_id".to_owned(), row.id.clone().into()),
                ("name".to_owned(), row.nickname.clone().into()),
            ]
            .into_iter()
            .collect(),
        };
        let body = String::from_utf8(kind.body(&activity)).expect("JSON is UTF-8");
        Ok(self
            .store
            .insert_delivery(&row.team_id, &row.id, EventType::Test.as_str(), &body)
            .await?)
    }

    /// Sends a delivery of integration `id` again, under its own id.
    pub async fn redeliver(
        &self,
        actor: &Actor,
        id: &str,
        delivery_id: &str,
    ) -> Result<DeliveryRow, HooksError> {
        let delivery = self
            .store
            .delivery(&actor.team_id, delivery_id.trim())
            .await?
            .filter(|delivery| delivery.integration_id == id.trim())
            .ok_or(HooksError::NotFound)?;
        self.managed(actor, &delivery.integration_id).await?;
        self.store
            .redeliver(&actor.team_id, delivery_id)
            .await?
            .ok_or(HooksError::NotFound)
    }

    /// The newest deliveries with their attempts.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Vec<DeliveryView>, HooksError> {
        actor.require(Permission::ReadTeamData)?;
        let row = self.row(actor, id).await?;
        let mut views = Vec::new();
        for delivery in self
            .store
            .deliveries(&actor.team_id, &row.id, DELIVERY_PAGE)
            .await?
        {
            let attempts = self.store.attempts(&actor.team_id, &delivery.id).await?;
            views.push(DeliveryView { delivery, attempts });
        }
        Ok(views)
    }

    async fn row(&self, actor: &Actor, id: &str) -> Result<HookRow, HooksError> {
        self.store
            .hook(&actor.team_id, id.trim())
            .await?
            .ok_or(HooksError::NotFound)
    }

    async fn managed(&self, actor: &Actor, id: &str) -> Result<HookRow, HooksError> {
        let row = self.row(actor, id).await?;
        require_manage(actor, &row)?;
        Ok(row)
    }

    fn seal(
        &self,
        team_id: &str,
        id: &str,
        purpose: &str,
        text: &str,
    ) -> Result<Vec<u8>, HooksError> {
        Ok(self.keyring.seal(
            &SecretContext {
                team_id,
                row_id: id,
                purpose,
            },
            &SecretSlice::from(text.as_bytes().to_vec()),
        )?)
    }

    fn open(
        &self,
        row: &HookRow,
        purpose: &str,
        sealed: &[u8],
    ) -> Result<WebhookSecret, HooksError> {
        let text = open_text(self.keyring, row, purpose, sealed)?;
        WebhookSecret::parse(&text)
            .map_err(|_| HooksError::Crypto(CryptoError::Malformed("not a webhook secret")))
    }
}

/// The team's integrations that stopped delivering (Failing or Disabled) which `actor`
/// manages: what the alerts banner names. Needs no keyring (nothing sealed is read).
pub async fn stopped(store: &Store, actor: &Actor) -> Result<Vec<HookView>, HooksError> {
    actor.require(Permission::ReadTeamData)?;
    Ok(store
        .hooks_stopped(&actor.team_id)
        .await?
        .into_iter()
        .filter(|row| require_manage(actor, row).is_ok())
        .map(|row| view(actor, row))
        .collect())
}

/// A sealed value of `row` as text.
pub(crate) fn open_text(
    keyring: &Keyring,
    row: &HookRow,
    purpose: &str,
    sealed: &[u8],
) -> Result<String, CryptoError> {
    let plain = keyring.open(
        &SecretContext {
            team_id: &row.team_id,
            row_id: &row.id,
            purpose,
        },
        sealed,
    )?;
    String::from_utf8(plain.expose_secret().to_vec())
        .map_err(|_| CryptoError::Malformed("not UTF-8"))
}

/// Creators manage their own integrations; admins any.
fn require_manage(actor: &Actor, row: &HookRow) -> Result<(), Forbidden> {
    if row.created_by == actor.user_id {
        actor.require(Permission::ManageOwnIntegrations)
    } else {
        actor.require(Permission::ManageAllIntegrations)
    }
}

fn checked_nickname(nickname: &str) -> Result<String, HooksError> {
    let nickname = nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > MAX_NICKNAME_CHARS {
        return Err(invalid(
            "name",
            format!("give the integration a name of 1 to {MAX_NICKNAME_CHARS} characters"),
        ));
    }
    Ok(nickname.to_owned())
}

fn joined(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_events(names: &[String]) -> Result<Vec<EventType>, HooksError> {
    let mut events = Vec::new();
    for name in names {
        let event = EventType::parse(name.trim())
            .filter(|event| *event != EventType::Test)
            .ok_or_else(|| {
                invalid(
                    "events",
                    format!("“{name}” is not an event Ferry sends; choose from the list"),
                )
            })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if events.is_empty() {
        return Err(invalid("events", "choose at least one event to send"));
    }
    // Stored in the list's order, whatever order they were given in.
    events.sort_by_key(|event| EventType::SUBSCRIBABLE.iter().position(|e| e == event));
    Ok(events)
}

fn view(actor: &Actor, row: HookRow) -> HookView {
    HookView {
        can_manage: require_manage(actor, &row).is_ok(),
        events: row
            .events
            .split_whitespace()
            .filter_map(EventType::parse)
            .collect(),
        id: row.id,
        kind: row.kind,
        nickname: row.nickname,
        url_display: row.url_display,
        status: row.status,
        status_reason: row.status_reason,
        created_by: row.created_by,
        created_at_ms: row.created_at_ms,
    }
}
