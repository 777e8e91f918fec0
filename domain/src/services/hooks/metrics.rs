//! What the delivery worker did, for `/metrics` (Prometheus text format): attempts by outcome,
//! how long an attempt's request took, how long from queueing to delivered, and the queue's
//! depth. Counts only, no tenant data; the depth is counted at most once per
//! [`QUEUE_GAUGE_MAX_AGE`] however often it is scraped.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::{
    store::{Store, StoreError},
    sync::metrics::{Histogram, QUEUE_GAUGE_MAX_AGE},
};

/// The outcomes an attempt is counted under (`ferry_webhook_attempts_total{outcome}`).
pub const OUTCOMES: [&str; 4] = ["delivered", "retry", "gone", "failing"];

/// Upper bounds (seconds) of an attempt's request: the timeout is 15 s.
const ATTEMPT_BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0];

/// Upper bounds (seconds) from a delivery's queueing to its delivery: retries run for a day.
const DELIVERED_BUCKETS: [f64; 12] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 600.0, 3600.0, 21600.0, 86400.0,
];

pub struct HookMetrics {
    inner: Mutex<Inner>,
    queue: tokio::sync::Mutex<Option<(Instant, i64)>>,
}

struct Inner {
    outcomes: BTreeMap<&'static str, u64>,
    attempt: Histogram,
    delivered: Histogram,
}

impl Default for HookMetrics {
    fn default() -> Self {
        HookMetrics {
            inner: Mutex::new(Inner {
                outcomes: BTreeMap::new(),
                attempt: Histogram::new(&ATTEMPT_BUCKETS),
                delivered: Histogram::new(&DELIVERED_BUCKETS),
            }),
            queue: tokio::sync::Mutex::new(None),
        }
    }
}

impl HookMetrics {
    /// One attempt: its outcome, its request's time and, when delivered, the time since the
    /// delivery was queued.
    pub(crate) fn record(
        &self,
        outcome: &'static str,
        request: Duration,
        delivered_after: Option<Duration>,
    ) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner.outcomes.entry(outcome).or_default() += 1;
        inner.attempt.record(request);
        if let Some(after) = delivered_after {
            inner.delivered.record(after);
        }
    }

    /// Attempts so far by outcome.
    pub fn outcomes(&self) -> BTreeMap<&'static str, u64> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .outcomes
            .clone()
    }

    /// The metrics as text, with the queue's depth from `store` (or its count of a moment ago).
    pub async fn render(&self, store: &Store) -> Result<String, StoreError> {
        let pending = {
            let mut cached = self.queue.lock().await;
            match *cached {
                Some((at, pending)) if at.elapsed() < QUEUE_GAUGE_MAX_AGE => pending,
                _ => {
                    let pending = store.pending_deliveries().await?;
                    *cached = Some((Instant::now(), pending));
                    pending
                }
            }
        };
        Ok(self.render_with(pending))
    }

    fn render_with(&self, pending: i64) -> String {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP ferry_webhook_deliveries_pending Webhook and Slack deliveries waiting to be sent (or retried)."
        );
        let _ = writeln!(out, "# TYPE ferry_webhook_deliveries_pending gauge");
        let _ = writeln!(out, "ferry_webhook_deliveries_pending {pending}");
        let _ = writeln!(
            out,
            "# HELP ferry_webhook_attempts_total Webhook and Slack delivery attempts by outcome (this process)."
        );
        let _ = writeln!(out, "# TYPE ferry_webhook_attempts_total counter");
        for outcome in OUTCOMES {
            let count = inner.outcomes.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "ferry_webhook_attempts_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        inner.attempt.render(
            &mut out,
            "ferry_webhook_attempt_seconds",
            "How long a delivery attempt's request took, answered or not.",
        );
        inner.delivered.render(
            &mut out,
            "ferry_webhook_delivery_seconds",
            "From a delivery's queueing to its delivery, retries included.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let metrics = HookMetrics::default();
        metrics.record(
            "delivered",
            Duration::from_millis(40),
            Some(Duration::from_millis(300)),
        );
        metrics.record("retry", Duration::from_millis(2_000), None);
        let text = metrics.render_with(7);
        for line in [
            "ferry_webhook_deliveries_pending 7",
            "ferry_webhook_attempts_total{outcome=\"delivered\"} 1",
            "ferry_webhook_attempts_total{outcome=\"retry\"} 1",
            "ferry_webhook_attempts_total{outcome=\"gone\"} 0",
            "ferry_webhook_attempt_seconds_bucket{le=\"0.05\"} 1",
            "ferry_webhook_attempt_seconds_bucket{le=\"2.5\"} 2",
            "ferry_webhook_attempt_seconds_count 2",
            "ferry_webhook_delivery_seconds_bucket{le=\"0.25\"} 0",
            "ferry_webhook_delivery_seconds_bucket{le=\"0.5\"} 1",
            "ferry_webhook_delivery_seconds_count 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
