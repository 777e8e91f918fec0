//! Outbound webhooks as a delivery kind: what Ferry needs to POST a team's events (or a
//! collection backup) to a URL someone gave it, safely, and to say what happened.
//!
//! - [`secret`]: per-integration signing secrets (`whsec_…`), shown once and sealed by the
//!   caller; [`signing`] signs a body per the Standard Webhooks specification, with two
//!   secrets during a rotation's overlap.
//! - [`network`]: the address policy. A delivery may go only to public addresses unless the
//!   operator lists networks; the check happens inside the HTTP client's resolver, so the
//!   address checked is the address connected to (a DNS answer cannot change in between).
//! - [`target`]: a webhook URL parsed and shown without its secret parts.
//! - [`send`]: one POST — 15 s timeout, no redirects, a bounded read of the answer — and the
//!   [`send::Outcome`] that decides what happens next; [`retry`] the schedule over about a day.
//! - [`event`]: team activity events and their JSON envelope; [`slack`] their Slack messages
//!   and Slack's answers in words.
//!
//! No database: the domain stores deliveries and decides when to send them.

pub mod event;
pub mod network;
pub mod retry;
pub mod secret;
pub mod send;
pub mod signing;
pub mod slack;
pub mod target;

pub use event::{Envelope, EventType};
pub use network::{Lookup, NetworkPolicy, SystemLookup};
pub use retry::{next_attempt, MAX_ATTEMPTS};
pub use secret::{SecretError, WebhookSecret};
pub use send::{Attempt, Kind, Outcome, Sender, SenderConfig};
pub use target::{TargetError, WebhookUrl};
