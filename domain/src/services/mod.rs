//! The services: what pages, server functions, REST handlers and the CLI call. Each takes the
//! acting person ([`accounts::Actor`]), checks what they may do, and owns its transactions.

pub mod accounts;
pub mod api_sync;
pub mod apis;
pub mod collections;
pub mod connected_accounts;
pub mod hooks;
pub mod integrations;
pub mod profile;
pub mod retention;
