//! Every integration test of the `ferry-domain` crate, in one test binary: one link of the
//! whole stack instead of one per file. Each module is one subject; run one with
//! `cargo test -p ferry-domain --test domain <module>::`.

mod accounts_conformance;
mod api_sync;
mod apis_conformance;
mod collections_conformance;
mod connected_accounts_conformance;
mod fixtures;
mod hook_events;
mod hooks;
mod integrations_conformance;
mod readme;
mod retention_conformance;
mod store_conformance;
mod sync_engine;
mod sync_queue_conformance;
