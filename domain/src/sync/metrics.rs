//! What the engine did, for `/metrics` (Prometheus text format).

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

use crate::bitbucket::ProviderCallCount;

/// Upper bounds (seconds) of the change→commit latency buckets.
const LATENCY_BUCKETS: [f64; 12] = [0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];

#[derive(Default)]
pub struct SyncMetrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    outcomes: BTreeMap<&'static str, u64>,
    latency_counts: [u64; LATENCY_BUCKETS.len()],
    latency_sum: f64,
    latency_count: u64,
}

/// The queue as the database holds it right now.
pub struct QueueGauge {
    pub queued: i64,
    pub running: i64,
}

impl SyncMetrics {
    pub(crate) fn record_run(&self, outcome: &'static str) {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner.outcomes.entry(outcome).or_default() += 1;
    }

    pub(crate) fn record_latency(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (bound, count) in LATENCY_BUCKETS.iter().zip(inner.latency_counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        inner.latency_sum += seconds;
        inner.latency_count += 1;
    }

    /// Runs so far by outcome.
    pub fn outcomes(&self) -> BTreeMap<&'static str, u64> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).outcomes.clone()
    }

    pub fn render(&self, queue: &QueueGauge, calls: &[ProviderCallCount]) -> String {
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        let _ = writeln!(out, "# HELP ferry_sync_jobs_queued Sync jobs waiting or running.");
        let _ = writeln!(out, "# TYPE ferry_sync_jobs_queued gauge");
        let _ = writeln!(out, "ferry_sync_jobs_queued {}", queue.queued);
        let _ = writeln!(out, "# HELP ferry_sync_jobs_running Sync jobs a worker holds right now.");
        let _ = writeln!(out, "# TYPE ferry_sync_jobs_running gauge");
        let _ = writeln!(out, "ferry_sync_jobs_running {}", queue.running);
        let _ = writeln!(out, "# HELP ferry_sync_runs_total Integration runs by outcome (this process).");
        let _ = writeln!(out, "# TYPE ferry_sync_runs_total counter");
        for outcome in ["committed", "no_changes", "failed"] {
            let count = inner.outcomes.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(out, "ferry_sync_runs_total{{outcome=\"{outcome}\"}} {count}");
        }
        let _ = writeln!(out, "# HELP ferry_sync_change_to_commit_seconds From a collection change to its commit.");
        let _ = writeln!(out, "# TYPE ferry_sync_change_to_commit_seconds histogram");
        for (bound, count) in LATENCY_BUCKETS.iter().zip(inner.latency_counts.iter()) {
            let _ = writeln!(out, "ferry_sync_change_to_commit_seconds_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "ferry_sync_change_to_commit_seconds_bucket{{le=\"+Inf\"}} {}", inner.latency_count);
        let _ = writeln!(out, "ferry_sync_change_to_commit_seconds_sum {}", inner.latency_sum);
        let _ = writeln!(out, "ferry_sync_change_to_commit_seconds_count {}", inner.latency_count);
        let _ = writeln!(out, "# HELP ferry_provider_calls_total Bitbucket API calls by method and HTTP status (none = no answer).");
        let _ = writeln!(out, "# TYPE ferry_provider_calls_total counter");
        for call in calls {
            let status = call.status.map_or_else(|| "none".to_owned(), |status| status.to_string());
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
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let metrics = SyncMetrics::default();
        metrics.record_run("committed");
        metrics.record_run("committed");
        metrics.record_latency(Duration::from_millis(2_300));
        let calls = [ProviderCallCount { method: "POST".into(), status: Some(201), count: 3 }];
        let text = metrics.render(&QueueGauge { queued: 4, running: 1 }, &calls);
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
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
