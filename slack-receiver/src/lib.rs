//! A Slack-compatible receiver of incoming webhooks, for Ferry's tests, benchmarks and
//! offline demos — what the Bitbucket sandbox is for Bitbucket. Never linked into `ferry`.
//!
//! `POST /services/T…/B…/<secret>` takes a message the way Slack does (JSON, or a form with a
//! `payload` field), checks it against Slack's published limits ([`validate`]) and answers as
//! Slack does: `200 ok`, or a status with Slack's error word (`400 invalid_blocks`,
//! `404 no_service`, `404 channel_not_found`, `410 channel_is_archived`, `429` with
//! `Retry-After`). Each webhook posts to a channel whose state a test sets.
//!
//! Control (for tests and the demo; no authentication, so listen on loopback):
//! `POST /_control/hooks {"channel"}` → `{"url"}`; `PUT /_control/channels/{channel}
//! {"state": "open"|"archived"|"deleted"|"rate_limited"|"failing"}`; `GET /_control/messages`
//! → every message posted, oldest first.

pub mod validate;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Json, Router,
};
use rand::{distr::Alphanumeric, Rng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a channel does with the messages posted to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    #[default]
    Open,
    Archived,
    Deleted,
    /// 429 with `Retry-After: 1`.
    RateLimited,
    /// 500 `rollup_error`, as Slack answers when it is having trouble.
    Failing,
}

/// A message Slack would have posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub channel: String,
    pub payload: Value,
    /// The Standard Webhooks headers, when the sender signed (Slack ignores them).
    pub webhook_id: Option<String>,
}

#[derive(Default)]
struct World {
    /// Webhook secret → channel.
    hooks: HashMap<String, String>,
    channels: HashMap<String, ChannelState>,
    messages: Vec<Message>,
}

#[derive(Clone)]
struct Shared {
    world: Arc<Mutex<World>>,
    public_url: Arc<str>,
    latency: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Added to every webhook's answer (the benchmark's "receiver with 50 ms latency").
    pub latency: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
        }
    }
}

/// A running receiver; it stops when the process does.
#[derive(Clone)]
pub struct Running {
    shared: Shared,
    address: SocketAddr,
}

pub async fn start(config: Config) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let address = listener.local_addr()?;
    let shared = Shared {
        world: Arc::default(),
        public_url: format!("http://{address}").into(),
        latency: config.latency,
    };
    let app = router(shared.clone());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the Slack receiver stopped");
        }
    });
    Ok(Running { shared, address })
}

impl Running {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A new incoming webhook posting to `channel`; answers its URL.
    pub fn add_hook(&self, channel: &str) -> String {
        add_hook(&self.shared, channel)
    }

    pub fn set_channel(&self, channel: &str, state: ChannelState) {
        let mut world = self.shared.world.lock().expect("receiver state");
        world.channels.insert(channel.to_owned(), state);
    }

    pub fn messages(&self) -> Vec<Message> {
        self.shared
            .world
            .lock()
            .expect("receiver state")
            .messages
            .clone()
    }
}

fn add_hook(shared: &Shared, channel: &str) -> String {
    let random = |n: usize| -> String {
        rand::rng()
            .sample_iter(&Alphanumeric)
            .take(n)
            .map(char::from)
            .collect()
    };
    let (team, bot, secret) = (
        random(10).to_uppercase(),
        random(10).to_uppercase(),
        random(24),
    );
    let mut world = shared.world.lock().expect("receiver state");
    world.hooks.insert(secret.clone(), channel.to_owned());
    world.channels.entry(channel.to_owned()).or_default();
    format!("{}/services/T{team}/B{bot}/{secret}", shared.public_url)
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/services/{team}/{bot}/{secret}", post(incoming))
        .route("/_control/hooks", post(control_add_hook))
        .route("/_control/channels/{channel}", put(control_channel))
        .route("/_control/messages", get(control_messages))
        .with_state(shared)
}

fn answer(status: StatusCode, word: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html")], word).into_response()
}

/// The incoming webhook, answered as Slack answers.
async fn incoming(
    State(shared): State<Shared>,
    Path((_team, _bot, secret)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let channel = {
        let world = shared.world.lock().expect("receiver state");
        world.hooks.get(&secret).cloned()
    };
    let Some(channel) = channel else {
        return answer(StatusCode::NOT_FOUND, "no_service");
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let payload: Option<Value> = if is_form {
        form_urlencoded::parse(&body)
            .find(|(name, _)| name == "payload")
            .and_then(|(_, value)| serde_json::from_str(&value).ok())
    } else {
        serde_json::from_slice(&body).ok()
    };
    let Some(payload) = payload else {
        return answer(StatusCode::BAD_REQUEST, "invalid_payload");
    };
    if let Err(word) = validate::check(&payload) {
        return answer(StatusCode::BAD_REQUEST, word);
    }
    let mut world = shared.world.lock().expect("receiver state");
    match world.channels.get(&channel).copied().unwrap_or_default() {
        ChannelState::Open => {
            let webhook_id = headers
                .get("webhook-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            world.messages.push(Message {
                channel,
                payload,
                webhook_id,
            });
            answer(StatusCode::OK, "ok")
        }
        ChannelState::Archived => answer(StatusCode::GONE, "channel_is_archived"),
        ChannelState::Deleted => answer(StatusCode::NOT_FOUND, "channel_not_found"),
        ChannelState::RateLimited => {
            let mut response = answer(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            response
        }
        ChannelState::Failing => answer(StatusCode::INTERNAL_SERVER_ERROR, "rollup_error"),
    }
}

#[derive(Deserialize)]
struct NewHook {
    channel: String,
}

async fn control_add_hook(State(shared): State<Shared>, Json(hook): Json<NewHook>) -> Response {
    Json(serde_json::json!({ "url": add_hook(&shared, &hook.channel) })).into_response()
}

#[derive(Deserialize)]
struct ChannelChange {
    state: ChannelState,
}

async fn control_channel(
    State(shared): State<Shared>,
    Path(channel): Path<String>,
    Json(change): Json<ChannelChange>,
) -> StatusCode {
    let mut world = shared.world.lock().expect("receiver state");
    world.channels.insert(channel, change.state);
    StatusCode::NO_CONTENT
}

async fn control_messages(State(shared): State<Shared>) -> Json<Vec<Message>> {
    Json(
        shared
            .world
            .lock()
            .expect("receiver state")
            .messages
            .clone(),
    )
}
