//! Bitbucket Cloud as a provider: the credentials a team connects and the client that speaks
//! Bitbucket's REST API 2.0 and OAuth 2.0 on their behalf. No database and no knowledge of
//! what the files it commits hold.

mod calls;
mod client;
mod commit;
mod config;
mod credential;
mod delivery;
mod errors;
mod hooks;
mod models;
mod oauth;
mod pagination;
mod refs;

pub use calls::{ProviderCallCount, ProviderCalls};
pub use client::{BitbucketClient, ClientSetupError, MAX_ANSWER_BYTES, MAX_FILE_BYTES};
pub use commit::CommitRequest;
pub use config::{
    parse_base_url, BitbucketConfig, InvalidBaseUrl, OAuthConsumer, DEFAULT_API_URL,
    DEFAULT_WEB_URL,
};
pub use credential::{AuthMethod, Credential, UnknownAuthMethod};
pub use delivery::{
    parse_push_event, verify_push_signature, InvalidPushEvent, SignatureError, EVENT_HEADER,
    SIGNATURE_HEADER,
};
pub use errors::{needed_scopes, BitbucketError};
pub use hooks::{HookSpec, REPO_PUSH};
pub use models::{
    Branch, ChangeStatus, CommitHash, CommitInfo, EntryKind, FileChange, Hook, InvalidCommitHash,
    PushEvent, RefChange, RefKind, RefTarget, Repository, Tag, TreeEntry, VerifiedAccount,
    Workspace,
};
pub use pagination::pages_read;
pub use reqwest::Url;

/// Wall-clock milliseconds since the Unix epoch, as credentials record expiry (the store's
/// time representation too).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
