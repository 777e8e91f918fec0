//! What the engine did, for `/metrics` (Prometheus text format).

use std::{
    collections::BTreeMap,
    fmt::Write,
    future::Future,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::{store::sync::RunOutcome, StoreError};

/// Calls made to a destination's provider with one method and answer; `status` is `None` when
/// no answer came (unreachable, timed out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCount {
    pub method: String,
    pub status: Option<u16>,
    pub count: u64,
}

/// How long one count of the queue answers `/metrics`: however many scrapers ask, however
/// often, the database counts the queue at most once per this period.
pub const QUEUE_GAUGE_MAX_AGE: Duration = Duration::from_secs(5);

/// Upper bounds (seconds) of the change→commit latency buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0,
];

#[derive(Default)]
pub struct SyncMetrics {
    inner: Mutex<Inner>,
    /// The latest queue count and when it was taken. An async lock, held across the count,
    /// so concurrent scrapes wait for the one count in flight instead of each starting one.
    queue: tokio::sync::Mutex<Option<(Instant, QueueGauge)>>,
}

struct Inner {
    outcomes: BTreeMap<&'static str, u64>,
    latency: Histogram,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            outcomes: BTreeMap::new(),
            latency: Histogram::new(&LATENCY_BUCKETS),
        }
    }
}

/// A Prometheus histogram of seconds with fixed bucket bounds.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    pub(crate) fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    pub(crate) fn record(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bound, count) in self.bounds.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    /// Appends the histogram `name` (its help, type, buckets, sum and count) to `out`.
    pub(crate) fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bound, count) in self.bounds.iter().zip(self.counts.iter()) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}", self.sum);
        let _ = writeln!(out, "{name}_count {}", self.count);
    }
}

/// The queue as the database held it a moment ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueGauge {
    pub queued: i64,
    pub running: i64,
}

impl SyncMetrics {
    pub(crate) fn record_run(&self, outcome: RunOutcome) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner.outcomes.entry(outcome.as_str()).or_default() += 1;
    }

    pub(crate) fn record_latency(&self, latency: Duration) {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .latency
            .record(latency);
    }

    /// The queue gauge, counted by `count` only when the last count is older than `max_age`.
    pub(crate) async fn queue_gauge<F, Fut>(
        &self,
        max_age: Duration,
        count: F,
    ) -> Result<QueueGauge, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(i64, i64), StoreError>>,
    {
        let mut cached = self.queue.lock().await;
        if let Some((at, gauge)) = *cached {
            if at.elapsed() < max_age {
                return Ok(gauge);
            }
        }
        let (queued, running) = count().await?;
        let gauge = QueueGauge { queued, running };
        *cached = Some((Instant::now(), gauge));
        Ok(gauge)
    }

    /// Runs so far by outcome.
    pub fn outcomes(&self) -> BTreeMap<&'static str, u64> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .outcomes
            .clone()
    }

    pub fn render(&self, queue: &QueueGauge, provider: &str, calls: &[CallCount]) -> String {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP ferry_sync_jobs_queued Sync jobs waiting or running."
        );
        let _ = writeln!(out, "# TYPE ferry_sync_jobs_queued gauge");
        let _ = writeln!(out, "ferry_sync_jobs_queued {}", queue.queued);
        let _ = writeln!(
            out,
            "# HELP ferry_sync_jobs_running Sync jobs a worker holds right now."
        );
        let _ = writeln!(out, "# TYPE ferry_sync_jobs_running gauge");
        let _ = writeln!(out, "ferry_sync_jobs_running {}", queue.running);
        let _ = writeln!(
            out,
            "# HELP ferry_sync_runs_total Integration runs by outcome (this process)."
        );
        let _ = writeln!(out, "# TYPE ferry_sync_runs_total counter");
        for outcome in RunOutcome::ALL.map(RunOutcome::as_str) {
            let count = inner.outcomes.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "ferry_sync_runs_total{{outcome=\"{outcome}\"}} {count}"
            );
        }
        inner.latency.render(
            &mut out,
            "ferry_sync_change_to_commit_seconds",
            "From a collection change to its commit.",
        );
        let _ = writeln!(out, "# HELP ferry_provider_calls_total {provider} API calls by method and HTTP status (none = no answer).");
        let _ = writeln!(out, "# TYPE ferry_provider_calls_total counter");
        for call in calls {
            let status = call
                .status
                .map_or_else(|| "none".to_owned(), |status| status.to_string());
            let _ = writeln!(
                out,
                "ferry_provider_calls_total{{method=\"{}\",status=\"{status}\"}} {}",
                call.method, call.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn scrapes_share_one_queue_count_while_it_is_fresh() {
        let metrics = SyncMetrics::default();
        let counts = AtomicUsize::new(0);
        let count = || async {
            counts.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok((counts.load(Ordering::SeqCst) as i64, 0))
        };
        let scrape = || metrics.queue_gauge(QUEUE_GAUGE_MAX_AGE, count);
        let scrapes = tokio::join!(scrape(), scrape(), scrape(), scrape());
        assert_eq!(
            counts.load(Ordering::SeqCst),
            1,
            "four concurrent scrapes, one count"
        );
        for gauge in [scrapes.0, scrapes.1, scrapes.2, scrapes.3] {
            assert_eq!(gauge.unwrap().queued, 1);
        }
        metrics
            .queue_gauge(QUEUE_GAUGE_MAX_AGE, count)
            .await
            .unwrap();
        assert_eq!(
            counts.load(Ordering::SeqCst),
            1,
            "a scrape right after reuses it"
        );
        let stale = metrics.queue_gauge(Duration::ZERO, count).await.unwrap();
        assert_eq!(
            (counts.load(Ordering::SeqCst), stale.queued),
            (2, 2),
            "an old count is taken again"
        );
    }

    #[test]
    fn renders_prometheus_text() {
        let metrics = SyncMetrics::default();
        metrics.record_run(RunOutcome::Committed);
        metrics.record_run(RunOutcome::Committed);
        metrics.record_latency(Duration::from_millis(2_300));
        let calls = [CallCount {
            method: "POST".into(),
            status: Some(201),
            count: 3,
        }];
        let text = metrics.render(
            &QueueGauge {
                queued: 4,
                running: 1,
            },
            "Bitbucket",
            &calls,
        );
        for line in [
            "ferry_sync_jobs_queued 4",
            "ferry_sync_jobs_running 1",
            "ferry_sync_runs_total{outcome=\"committed\"} 2",
            "ferry_sync_runs_total{outcome=\"failed\"} 0",
            "ferry_sync_change_to_commit_seconds_bucket{le=\"2\"} 0",
            "ferry_sync_change_to_commit_seconds_bucket{le=\"2.5\"} 1",
            "ferry_sync_change_to_commit_seconds_bucket{le=\"+Inf\"} 1",
            "ferry_sync_change_to_commit_seconds_count 1",
            "ferry_provider_calls_total{method=\"POST\",status=\"201\"} 3",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
