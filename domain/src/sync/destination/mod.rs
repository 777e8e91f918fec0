//! Where a run's files go. The engine decides *what* to write and *when* (rendering,
//! coalescing, budgets, retries, the run log); a [`Destination`] decides *how* a batch of files
//! reaches one target, and says what happened in terms the engine can act on.
//!
//! One implementation today: [`bitbucket`], a multi-file commit to a Bitbucket Cloud branch on
//! top of a known parent. The shape fits the next ones (a custom webhook, other git hosts): a
//! destination without a history answers `tip` with `None` and `holds` with `false`.

pub mod bitbucket;

use std::future::Future;

use super::metrics::CallCount;

/// One target: a branch of a repository, written through one connected account of a team.
/// The engine groups jobs by it; its `account_id` is also the key of the request budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub team_id: String,
    pub account_id: String,
    pub workspace: String,
    pub repository: String,
    pub branch: String,
}

/// The files of one target written together, with the author and message of their change.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `Name <email>`.
    pub author: String,
    pub message: String,
    /// Repository path and bytes of each file.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Why a delivery did not happen, classified by what the engine does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// The target moved since the parent the batch was written on: the engine reads the tip
    /// again and retries a few times, then treats it as [`DeliveryError::Passing`].
    Conflict(String),
    /// Passes by itself (network trouble, 5xx, 429): retried with backoff.
    Passing(String),
    /// The credential was refused or cannot be used: the integration waits for a person to
    /// re-authenticate its account. The reason says so.
    NeedsReauth(String),
    /// Anything else a person must fix (no access, repository or branch gone, missing scope).
    Failing(String),
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryError::Conflict(reason)
            | DeliveryError::Passing(reason)
            | DeliveryError::NeedsReauth(reason)
            | DeliveryError::Failing(reason) => f.write_str(reason),
        }
    }
}

/// A kind of place files are delivered to.
pub trait Destination: Send + Sync + 'static {
    /// One delivery's connection to its target: it holds the credential for the calls of one
    /// run (and renews it when refused), so a run authenticates once.
    type Session: Session;

    /// The provider's name for people ("Bitbucket"), used in reasons and metrics help.
    fn name(&self) -> &'static str;

    /// Calls one delivery takes from the account's hourly budget before it starts (a write
    /// and, when the target moved or is not known yet, a read of its tip).
    fn calls_per_delivery(&self) -> u32;

    /// Whether `tip` (as stored after an earlier delivery) is one this destination can build
    /// on; an unusable one is read again from the target.
    fn accepts_tip(&self, tip: &str) -> bool;

    /// Opens a session for `target`; fails when the account's credential cannot be used.
    fn open(
        &self,
        target: &Target,
    ) -> impl Future<Output = Result<Self::Session, DeliveryError>> + Send;

    /// Where a person sees what `tip` delivered (a commit page), if the provider has one.
    fn link(&self, target: &Target, tip: &str) -> Option<String>;

    /// Every call made to the provider so far, by method and answer, for `/metrics`.
    fn calls(&self) -> Vec<CallCount>;
}

/// The calls of one delivery to one target.
pub trait Session: Send {
    /// The target's current tip, `None` when it has none yet (an empty branch, or a
    /// destination without a history).
    fn tip(&mut self) -> impl Future<Output = Result<Option<String>, DeliveryError>> + Send;

    /// Whether the file at `path` already holds `bytes` at `tip`: after a crash between a
    /// delivery and its record, such files are not delivered twice.
    fn holds(
        &mut self,
        tip: &str,
        path: &str,
        bytes: &[u8],
    ) -> impl Future<Output = Result<bool, DeliveryError>> + Send;

    /// Delivers `batch` on top of `parent` (none: the target is empty) and returns the new tip.
    /// [`DeliveryError::Conflict`] when the target moved meanwhile.
    fn deliver(
        &mut self,
        parent: Option<&str>,
        batch: &Batch,
    ) -> impl Future<Output = Result<String, DeliveryError>> + Send;
}
