//! Every integration test of the `ferry` crate (server/), in one test binary: one link of the
//! whole stack instead of one per file. Each module is one subject; run one with
//! `cargo test -p ferry --test server <module>::`.

mod accounts;
mod api_sync;
mod apis;
mod cli;
mod collection_forms;
mod collections_api;
mod common;
mod hook_forms;
mod hooks_api;
mod hooks_crash;
mod integrations;
mod integrations_api;
mod integrations_flow;
mod operability;
mod server_functions;
mod sync_controls;
mod sync_controls_flow;
mod sync_crash;
mod team_settings;
mod tenant_isolation;
