//! Ferry's domain: everything the product knows and decides, independent of the web layer.
//!
//! Pages, server functions and REST handlers parse input and call one function here;
//! this crate owns the rules, the transactions and the SQL.

pub mod accounts;
pub mod auth;
pub mod bitbucket;
/// The collection format lives in its own crate (no database, no network), so the fuzzer and
/// anything else that only reads collections builds just that.
pub use ferry_postman as collection;
pub mod collections;
pub mod connected_accounts;
pub mod crypto;
pub mod integrations;
pub mod profile;
pub mod retention;
pub mod store;
pub mod sync;

pub use store::{Backend, DatabaseUrl, Store, StoreError};
pub mod testing;
