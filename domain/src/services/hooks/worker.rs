//! Fans team activity out and sends due deliveries. Workers run in every `ferry serve`; each
//! turns recorded events into deliveries (a batch per transaction), claims due deliveries
//! with a lease (longer than an attempt can take) as its slots for attempts in flight free
//! up, and records each attempt in one transaction with the delivery's next state. A worker
//! that dies leaves leases that expire: the delivery is sent again under the same
//! `webhook-id`.
//!
//! After an attempt: delivered → done (and an integration that was Failing recovers);
//! passing trouble → retried on the schedule, the integration marked Failing from the third
//! failed attempt on and when the schedule runs out; `410 Gone` → the integration is
//! disabled; a failure a person must fix (a refused address, a redirect, a Slack channel that
//! is gone) → Failing at once, with the reason in words.

use std::{sync::Arc, time::Duration};

use ferry_webhooks::{
    next_attempt, Attempt, NetworkPolicy, Outcome, Sender, SenderConfig, WebhookSecret, WebhookUrl,
    MAX_ATTEMPTS,
};
use tokio::{
    sync::{Notify, Semaphore},
    task::JoinHandle,
};

use super::{
    metrics::HookMetrics, open_text, HookKind, PREVIOUS_SECRET_PURPOSE, SECRET_PURPOSE, URL_PURPOSE,
};
use crate::{
    crypto::Keyring,
    store::{
        hooks::{DeliveryRow, FinishedAttempt, HookRow},
        now_ms, Store, StoreError,
    },
};

/// How soon a worker that just fanned events out looks for more.
const BUSY_POLL: Duration = Duration::from_millis(10);

/// Failed attempts of one delivery after which its integration shows Failing.
pub const FAILING_AFTER_ATTEMPTS: i64 = 3;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How often an idle worker looks for recorded events and due deliveries (a delivery
    /// queued by this process wakes it sooner).
    pub poll: Duration,
    /// How long a claimed delivery is this worker's: well over an attempt's timeout.
    pub lease: Duration,
    /// Events fanned out per transaction, and deliveries claimed per query by `run_once`.
    pub batch: i64,
    /// Attempts a running worker keeps in flight at once: a slow receiver holds one each,
    /// so this over an answer's time bounds the deliveries a second.
    pub in_flight: usize,
    pub sender: SenderConfig,
    /// The deployment's public URL: events link to their page under it (no link without).
    pub public_url: Option<String>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(250),
            lease: Duration::from_secs(60),
            batch: 64,
            in_flight: 256,
            sender: SenderConfig::default(),
            public_url: None,
        }
    }
}

#[derive(Clone)]
pub struct HookWorker {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keyring: Keyring,
    sender: Sender,
    config: WorkerConfig,
    process: String,
    wake: Notify,
    /// Wakes the fan-out loop of a running worker.
    fanning: Notify,
    /// An attempt of a running worker ended (a slot is free), or deliveries were queued.
    slot_freed: Notify,
    metrics: HookMetrics,
}

impl HookWorker {
    pub fn new(store: Store, keyring: Keyring, config: WorkerConfig) -> Result<Self, String> {
        let sender = Sender::new(config.sender.clone()).map_err(|e| e.to_string())?;
        Ok(Self::with_sender(store, keyring, config, sender))
    }

    /// A worker sending through `sender` (the tests' hostile resolver).
    pub fn with_sender(
        store: Store,
        keyring: Keyring,
        config: WorkerConfig,
        sender: Sender,
    ) -> Self {
        let process = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        Self {
            inner: Arc::new(Inner {
                store,
                keyring,
                sender,
                config,
                process,
                wake: Notify::new(),
                fanning: Notify::new(),
                slot_freed: Notify::new(),
                metrics: HookMetrics::default(),
            }),
        }
    }

    pub fn policy(&self) -> &NetworkPolicy {
        self.inner.sender.policy()
    }

    pub fn metrics(&self) -> &HookMetrics {
        &self.inner.metrics
    }

    /// `/metrics`' lines about deliveries.
    pub async fn render_metrics(&self) -> Result<String, StoreError> {
        self.inner.metrics.render(&self.inner.store).await
    }

    /// Looks for recorded events and due deliveries now (something was queued).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
        self.inner.fanning.notify_one();
    }

    /// Runs until the task is aborted: one loop fans events out, another keeps up to
    /// [`WorkerConfig::in_flight`] attempts going, claiming more as each one ends — so one slow
    /// receiver delays only its own deliveries, and a burst of events does not hold sending up.
    pub fn start(&self) -> JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            tokio::join!(worker.fan_out_loop(), worker.send_loop());
        })
    }

    async fn fan_out_loop(&self) {
        let inner = &self.inner;
        // While events keep coming, look again soon rather than after a whole poll: other
        // requests record them without telling this worker.
        let mut busy = false;
        loop {
            match self.fan_out().await {
                Ok(0) => {
                    let wait = if busy { BUSY_POLL } else { inner.config.poll };
                    busy = false;
                    let _ = tokio::time::timeout(wait, inner.fanning.notified()).await;
                }
                // Deliveries were queued: the sending loop takes them now.
                Ok(_) => {
                    busy = true;
                    inner.slot_freed.notify_one();
                }
                Err(error) => {
                    tracing::error!(%error, "fanning team activity out to webhooks failed");
                    tokio::time::sleep(inner.config.poll).await;
                }
            }
        }
    }

    async fn send_loop(&self) {
        let inner = &self.inner;
        let slots = Arc::new(Semaphore::new(inner.config.in_flight.max(1)));
        loop {
            let started = match self.send_due(&slots).await {
                Ok(started) => started,
                Err(error) => {
                    tracing::error!(%error, "sending webhook deliveries failed");
                    0
                }
            };
            if started == 0 {
                // Nothing due, or every slot busy: look again when woken, when an attempt
                // ends or deliveries were queued, or after the poll.
                tokio::select! {
                    _ = tokio::time::sleep(inner.config.poll) => {}
                    _ = inner.wake.notified() => {}
                    _ = inner.slot_freed.notified() => {}
                }
            }
        }
    }

    /// Claims as many due deliveries as there are free slots and starts them; answers how
    /// many were started.
    async fn send_due(&self, slots: &Arc<Semaphore>) -> Result<usize, StoreError> {
        let free = i64::try_from(slots.available_permits()).unwrap_or(i64::MAX);
        if free == 0 {
            return Ok(0);
        }
        let claimed = self.claim(free).await?;
        let started = claimed.len();
        for (delivery, hook) in claimed {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let worker = self.clone();
            tokio::spawn(async move {
                if let Err(error) = worker.deliver(delivery, hook).await {
                    tracing::error!(%error, "recording a webhook delivery failed");
                }
                drop(slot);
                worker.inner.slot_freed.notify_one();
            });
        }
        Ok(started)
    }

    async fn claim(&self, limit: i64) -> Result<Vec<(DeliveryRow, HookRow)>, StoreError> {
        let inner = &self.inner;
        let lease_ms = i64::try_from(inner.config.lease.as_millis()).unwrap_or(i64::MAX);
        inner
            .store
            .claim_deliveries(&inner.process, lease_ms, limit)
            .await
    }

    /// Fans recorded events out into deliveries, then claims what is due and sends it, all
    /// in this task; answers how many deliveries were queued and attempts made. For tests.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let queued = self.fan_out().await?;
        let claimed = self.claim(self.inner.config.batch).await?;
        let count = claimed.len();
        let mut sending = tokio::task::JoinSet::new();
        for (delivery, hook) in claimed {
            let worker = self.clone();
            sending.spawn(async move { worker.deliver(delivery, hook).await });
        }
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::error!(%error, "recording a webhook delivery failed"),
                Err(error) => tracing::error!(%error, "a webhook delivery task failed"),
            }
        }
        Ok(queued + count)
    }

    /// Turns recorded events into deliveries, each rendered for its integration's kind with
    /// its link under the public URL; answers how many were queued.
    async fn fan_out(&self) -> Result<usize, StoreError> {
        let inner = &self.inner;
        inner
            .store
            .fan_out_activity(inner.config.batch, |kind, activity| {
                let kind = HookKind::parse(kind)?;
                let mut activity = activity.clone();
                activity.url = match (&inner.config.public_url, activity.url) {
                    (Some(root), Some(path)) => {
                        Some(format!("{}{path}", root.trim_end_matches('/')))
                    }
                    _ => None,
                };
                String::from_utf8(kind.body(&activity)).ok()
            })
            .await
    }

    async fn deliver(&self, delivery: DeliveryRow, hook: HookRow) -> Result<(), StoreError> {
        let attempt = match self.prepare(&hook) {
            Ok((kind, url, secrets)) => {
                let secrets: Vec<&WebhookSecret> = secrets.iter().collect();
                self.inner
                    .sender
                    .send(
                        kind.wire(),
                        &url,
                        &delivery.id,
                        delivery.body.as_bytes(),
                        &secrets,
                    )
                    .await
            }
            Err(reason) => Attempt {
                outcome: Outcome::Failing { reason },
                status: None,
                latency: Duration::ZERO,
                excerpt: String::new(),
            },
        };
        let request = attempt.latency;
        let finished = finished(&delivery, &hook, attempt);
        let delivered_after = (finished.outcome == "delivered").then(|| {
            Duration::from_millis(
                u64::try_from(now_ms() - delivery.created_at_ms).unwrap_or_default(),
            )
        });
        self.inner
            .metrics
            .record(finished.outcome, request, delivered_after);
        if !self
            .inner
            .store
            .finish_attempt(&delivery, &self.inner.process, &finished)
            .await?
        {
            tracing::warn!(delivery = %delivery.id, "a webhook delivery's lease ran out before its attempt was recorded");
        }
        Ok(())
    }

    /// The kind, URL and signing secrets of `hook`, or why it cannot be sent.
    fn prepare(
        &self,
        hook: &HookRow,
    ) -> Result<(HookKind, WebhookUrl, Vec<WebhookSecret>), String> {
        let keyring = &self.inner.keyring;
        let kind =
            HookKind::parse(&hook.kind).ok_or_else(|| format!("unknown kind {}", hook.kind))?;
        let unusable = |error: &dyn std::fmt::Display| {
            format!("the integration's URL or secret cannot be opened ({error}); delete it and add it again")
        };
        let url = open_text(keyring, hook, URL_PURPOSE, &hook.url).map_err(|e| unusable(&e))?;
        // Parsed again under today's policy: the operator may have narrowed it since.
        let url = WebhookUrl::parse(&url, self.policy()).map_err(|error| error.to_string())?;
        let secret = |purpose: &str, sealed: &[u8]| {
            open_text(keyring, hook, purpose, sealed)
                .map_err(|e| unusable(&e))
                .and_then(|text| WebhookSecret::parse(&text).map_err(|e| unusable(&e)))
        };
        let mut secrets = vec![secret(SECRET_PURPOSE, &hook.secret)?];
        if let (Some(previous), Some(until)) =
            (&hook.previous_secret, hook.previous_secret_until_ms)
        {
            if until > now_ms() {
                secrets.push(secret(PREVIOUS_SECRET_PURPOSE, previous)?);
            }
        }
        Ok((kind, url, secrets))
    }
}

/// What an attempt means for the delivery and its integration.
fn finished(delivery: &DeliveryRow, hook: &HookRow, attempt: Attempt) -> FinishedAttempt {
    let number = delivery.attempts + 1;
    let now = now_ms();
    let base = FinishedAttempt {
        status: attempt.status.map(i64::from),
        latency_ms: i64::try_from(attempt.latency.as_millis()).unwrap_or(i64::MAX),
        outcome: "delivered",
        reason: None,
        excerpt: attempt.excerpt,
        state: "delivered",
        due_at_ms: now,
        integration_status: None,
    };
    match attempt.outcome {
        Outcome::Delivered => FinishedAttempt {
            integration_status: (hook.status == "failing").then_some(("active", None)),
            ..base
        },
        Outcome::Retry {
            reason,
            retry_after,
        } => {
            let attempts = u32::try_from(number).unwrap_or(u32::MAX);
            match next_attempt(attempts, retry_after) {
                Some(wait) => FinishedAttempt {
                    outcome: "retry",
                    state: "pending",
                    due_at_ms: now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2),
                    integration_status: (number >= FAILING_AFTER_ATTEMPTS).then(|| {
                        (
                            "failing",
                            Some(format!("deliveries keep failing ({reason}); Ferry retries each for about a day")),
                        )
                    }),
                    reason: Some(reason),
                    ..base
                },
                None => FinishedAttempt {
                    outcome: "retry",
                    state: "failed",
                    integration_status: Some((
                        "failing",
                        Some(format!(
                            "a delivery was given up after {MAX_ATTEMPTS} attempts over about a day ({reason}); fix the receiver, then redeliver it"
                        )),
                    )),
                    reason: Some(reason),
                    ..base
                },
            }
        }
        Outcome::Gone { reason } => FinishedAttempt {
            outcome: "gone",
            state: "failed",
            integration_status: Some((
                "disabled",
                Some(format!(
                    "{reason}; Ferry stopped sending (resume to send again)"
                )),
            )),
            reason: Some(reason),
            ..base
        },
        Outcome::Failing { reason } => FinishedAttempt {
            outcome: "failing",
            state: "failed",
            integration_status: Some(("failing", Some(reason.clone()))),
            reason: Some(reason),
            ..base
        },
    }
}
