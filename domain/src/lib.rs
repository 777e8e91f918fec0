//! Ferry's domain: everything the product knows and decides, independent of the web layer.
//!
//! Pages, server functions and REST handlers parse input and call one function here;
//! this crate owns the rules, the transactions and the SQL. Three kinds of module:
//! [`services`] (what callers use), building blocks ([`auth`], [`crypto`], [`error`], and the
//! [`postman`] collection format and [`bitbucket`] client from their own crates), and infrastructure
//! ([`store`], [`sync`]).

// Services: what the web layer and the CLI call. The root re-exports each under its short name.
pub mod services;
pub use services::{
    accounts, api_sync, apis, collections, connected_accounts, hooks, integrations, profile,
    retention,
};

// Building blocks: no database.
pub mod auth;
pub mod error;
/// The Bitbucket client lives in its own crate (no database).
pub use ferry_bitbucket as bitbucket;
/// OpenAPI definitions live in their own crate (no database, no network).
pub use ferry_openapi as openapi;
/// The collection format lives in its own crate (no database, no network), so the fuzzer and
/// anything else that only reads collections builds just that.
pub use ferry_postman as postman;
/// Outbound webhooks' wire format and address policy live in their own crate (no database).
pub use ferry_webhooks as webhooks;
pub mod crypto;

// Infrastructure: the SQL on both databases, and the sync engine's workers.
pub mod store;
pub mod sync;

pub use store::{Backend, DatabaseUrl, Store, StoreError};

// The client refuses to read a repository file larger than any document Ferry writes.
const _: () = assert!(bitbucket::MAX_FILE_BYTES == postman::limits::MAX_DOCUMENT_BYTES);
