//! One run of the sync engine in words, as the run log and the newest run on an integration's
//! row of the list show it.

use serde::{Deserialize, Serialize};

/// A commit on Bitbucket: its short hash and its page there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitLink {
    pub short: String,
    pub url: String,
}

/// One run of the log, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    /// "5 minutes ago".
    pub ago: String,
    /// "2026-05-04 13:07 UTC".
    pub at: String,
    /// change, manual, initial or retry.
    pub trigger: String,
    /// "Committed", "No changes", or the error in words ("…; will retry" when so).
    pub outcome: String,
    /// The class that colours the outcome: committed, no-changes or failed.
    pub outcome_class: String,
    pub commit: Option<CommitLink>,
    /// "850 ms", "2.4 s".
    pub duration: String,
    pub attempts: i64,
}

#[cfg(feature = "ssr")]
pub fn run_view(
    run: &ferry_domain::store::sync::RunRow,
    integration: &ferry_domain::integrations::Integration,
    now_ms: i64,
) -> RunView {
    use crate::session::{ago, when};
    use ferry_domain::bitbucket::{BitbucketClient, CommitHash};
    use leptos::prelude::use_context;

    let commit = run
        .commit_hash
        .as_deref()
        .and_then(|hash| CommitHash::parse(hash).ok())
        .map(|hash| CommitLink {
            short: hash.as_str().chars().take(7).collect(),
            url: use_context::<BitbucketClient>()
                .map(|client| {
                    client
                        .commit_web_url(&integration.workspace, &integration.repository, &hash)
                        .to_string()
                })
                .unwrap_or_default(),
        });
    let outcome = match (run.outcome.as_str(), &run.error) {
        ("committed", _) => "Committed".to_owned(),
        ("no_changes", _) => "No changes".to_owned(),
        (_, Some(error)) if run.will_retry => format!("{error}; will retry"),
        (_, Some(error)) => error.clone(),
        (_, None) if run.will_retry => "Failed; will retry".to_owned(),
        (_, None) => "Failed".to_owned(),
    };
    RunView {
        ago: ago(run.started_at_ms, now_ms),
        at: when(run.started_at_ms),
        trigger: run.trigger.as_str().to_owned(),
        outcome,
        outcome_class: run.outcome.as_str().replace('_', "-"),
        commit,
        duration: duration(run.finished_at_ms - run.started_at_ms),
        attempts: run.attempts,
    }
}

/// A run's length as people read it: milliseconds under a second, else seconds.
#[cfg(feature = "ssr")]
fn duration(ms: i64) -> String {
    if ms < 1_000 {
        format!("{} ms", ms.max(0))
    } else {
        format!("{:.1} s", ms as f64 / 1_000.0)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_milliseconds_then_seconds() {
        assert_eq!(duration(0), "0 ms");
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(2_449), "2.4 s");
    }
}
