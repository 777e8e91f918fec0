//! Failures on demand: latency, 5xx answers, dropped connections, slow responses and a
//! per-user rate limit. Set at start (CLI flags or [`crate::Config::faults`]) and replaced
//! at run time through the admin endpoint or [`crate::Running::set_faults`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{error_body, Error, Result};
use crate::state::AppState;

/// The fault settings. Every field has a default, so JSON may give only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every response, in milliseconds.
    pub latency_ms: u64,
    /// A uniformly random 0..=jitter_ms more on top of `latency_ms`.
    pub jitter_ms: u64,
    /// Probability (0–1) that a request is answered with one of `error_statuses`.
    pub error_rate: f64,
    /// Chosen uniformly when `error_rate` strikes.
    pub error_statuses: Vec<u16>,
    /// Probability (0–1) that the connection is closed without any response.
    pub drop_rate: f64,
    /// Probability (0–1) that a response is held back `slow_ms` before it is handled.
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// Requests per user within `rate_limit_window_secs` on `/2.0/repositories/*`;
    /// `None` is unlimited. Over it: 429 with a text body and no `Retry-After`.
    pub rate_limit: Option<u32>,
    pub rate_limit_window_secs: u64,
    /// Webhook deliveries are not sent (as when Bitbucket cannot reach the subscriber);
    /// each one is logged as failed in the delivery log.
    pub webhooks_unreachable: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            error_statuses: vec![500, 502, 503],
            drop_rate: 0.0,
            slow_rate: 0.0,
            slow_ms: 30_000,
            rate_limit: None,
            rate_limit_window_secs: 3600,
            webhooks_unreachable: false,
        }
    }
}

impl Faults {
    pub fn validate(&self) -> Result<()> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("slow_rate", self.slow_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(Error::bad_field(
                    name,
                    format!("{name} must be between 0 and 1"),
                ));
            }
        }
        if self.error_statuses.is_empty()
            || self.error_statuses.iter().any(|s| !(500..=599).contains(s))
        {
            return Err(Error::bad_field(
                "error_statuses",
                "error_statuses must be 5xx codes",
            ));
        }
        if self.rate_limit_window_secs == 0 {
            return Err(Error::bad_field(
                "rate_limit_window_secs",
                "rate_limit_window_secs must be positive",
            ));
        }
        Ok(())
    }
}

/// Marks a response whose connection must be closed instead of answered.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

#[derive(Debug, Default)]
pub struct FaultState {
    settings: RwLock<Faults>,
    /// Per-user timestamps of recent requests, for the rolling-window rate limit.
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// What the dice decided for one request.
struct Decision {
    delay: Duration,
    drop: bool,
    slow: Option<Duration>,
    error: Option<StatusCode>,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState {
            settings: RwLock::new(faults),
            windows: Mutex::default(),
        }
    }

    pub fn current(&self) -> Faults {
        self.settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Replaces the settings; rate-limit windows restart so a new limit applies cleanly.
    pub fn replace(&self, faults: Faults) -> Result<()> {
        faults.validate()?;
        *self
            .settings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = faults;
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        Ok(())
    }

    fn decide(&self) -> Decision {
        let faults = self.current();
        let mut rng = rand::rng();
        let jitter = if faults.jitter_ms > 0 {
            rng.random_range(0..=faults.jitter_ms)
        } else {
            0
        };
        let strikes =
            |rng: &mut rand::rngs::ThreadRng, rate: f64| rate > 0.0 && rng.random_bool(rate);
        let drop = strikes(&mut rng, faults.drop_rate);
        let slow =
            strikes(&mut rng, faults.slow_rate).then(|| Duration::from_millis(faults.slow_ms));
        let error = strikes(&mut rng, faults.error_rate)
            .then(|| faults.error_statuses[rng.random_range(0..faults.error_statuses.len())])
            .and_then(|code| StatusCode::from_u16(code).ok());
        Decision {
            delay: Duration::from_millis(faults.latency_ms + jitter),
            drop,
            slow,
            error,
        }
    }

    /// Counts a request of `user`; false when it is over the limit.
    fn admit(&self, user: &str) -> bool {
        let faults = self.current();
        let Some(limit) = faults.rate_limit else {
            return true;
        };
        let window = Duration::from_secs(faults.rate_limit_window_secs);
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let hits = windows.entry(user.to_owned()).or_default();
        while hits
            .front()
            .is_some_and(|at| now.duration_since(*at) >= window)
        {
            hits.pop_front();
        }
        if hits.len() >= limit as usize {
            return false;
        }
        hits.push_back(now);
        true
    }
}

fn server_error(status: StatusCode) -> Response {
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return (
            status,
            axum::Json(error_body("Internal Server Error", None, None)),
        )
            .into_response();
    }
    // Gateways in front of Bitbucket answer 502/503 themselves, in plain text.
    let reason = status.canonical_reason().unwrap_or("Server Error");
    (status, format!("{} {reason}", status.as_u16())).into_response()
}

/// Middleware: latency, drops, slow responses and 5xx answers.
pub async fn inject(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let decision = state.faults.decide();
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    if decision.drop {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    if let Some(slow) = decision.slow {
        tokio::time::sleep(slow).await;
    }
    if let Some(status) = decision.error {
        return server_error(status);
    }
    next.run(request).await
}

/// Middleware (after authentication): the per-user rate limit on `/2.0/repositories/*`.
pub async fn limit_rate(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let caller = request
        .extensions()
        .get::<Caller>()
        .and_then(|c| c.username().map(str::to_owned));
    let key = caller.unwrap_or_else(|| "anonymous".to_owned());
    if !state.faults.admit(&key) {
        return Error::RateLimited.into_response();
    }
    next.run(request).await
}
