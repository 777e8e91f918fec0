//! Webhook deliveries from the repositories of connected APIs. A delivery is trusted only when
//! its `X-Hub-Signature` is the HMAC of its body under the connection's sealed secret; then it
//! only asks for a check (the work is queued, the answer is immediate). A forged or unknown
//! delivery changes nothing.

use secrecy::ExposeSecret;

use super::connect::HOOK_SECRET_PURPOSE;
use crate::{
    bitbucket::{parse_push_event, verify_push_signature, RefKind, SignatureError, REPO_PUSH},
    crypto::{CryptoError, Keyring, SecretContext},
    error::{DomainError, ErrorKind},
    store::{now_ms, Store, StoreError},
};

/// The largest delivery Ferry reads: a `repo:push` lists refs, not file contents.
pub const MAX_DELIVERY_BYTES: usize = 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A check of the connection is queued.
    Queued,
    /// Trusted, but about nothing Ferry syncs (another branch, another event).
    Ignored(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("no connected API receives deliveries here")]
    UnknownHook,
    #[error("{0}")]
    Signature(#[from] SignatureError),
    #[error("{0}")]
    Invalid(String),
    #[error("the webhook secret cannot be opened: {0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError for DeliveryError {
    fn kind(&self) -> ErrorKind {
        match self {
            DeliveryError::UnknownHook => ErrorKind::NotFound,
            DeliveryError::Signature(_) => ErrorKind::Forbidden,
            DeliveryError::Invalid(_) => ErrorKind::Invalid,
            DeliveryError::Crypto(_) => ErrorKind::Unavailable,
            DeliveryError::Store(_) => ErrorKind::Internal,
        }
    }
}

/// Checks a delivery to `hook_id` and, when it moved the working branch or a tag, queues a
/// check of the connection now.
pub async fn receive(
    store: &Store,
    keyring: &Keyring,
    hook_id: &str,
    event: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, DeliveryError> {
    let connection = store
        .api_connection_by_hook(hook_id)
        .await?
        .ok_or(DeliveryError::UnknownHook)?;
    let secret = keyring.open(
        &SecretContext {
            team_id: &connection.team_id,
            row_id: &connection.api_id,
            purpose: HOOK_SECRET_PURPOSE,
        },
        &connection.hook_secret,
    )?;
    verify_push_signature(secret.expose_secret(), body, signature)?;
    if event != Some(REPO_PUSH) {
        return Ok(Received::Ignored("not a repo:push event"));
    }
    let push = parse_push_event(body).map_err(|error| DeliveryError::Invalid(error.to_string()))?;
    let mut branch_tip = None;
    let mut tags = false;
    for change in &push.changes {
        for target in [&change.new, &change.old].into_iter().flatten() {
            match target.kind {
                RefKind::Branch if target.name == connection.branch => {
                    if let Some(new) = &change.new {
                        branch_tip = Some(new.hash.as_str().to_owned());
                    }
                }
                RefKind::Tag => tags = true,
                RefKind::Branch => {}
            }
        }
    }
    if branch_tip.is_none() && !tags {
        return Ok(Received::Ignored("no change to the working branch or tags"));
    }
    if let Some(tip) = branch_tip.as_deref() {
        if tip != connection.base_commit {
            store
                .note_api_remote_tip(&connection.team_id, &connection.api_id, Some(tip))
                .await?;
        }
    }
    store
        .request_api_check(&connection.team_id, &connection.api_id, now_ms(), tags)
        .await?;
    Ok(Received::Queued)
}
