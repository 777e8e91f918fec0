//! Every integration test of the `bitbucket-sandbox` crate, in one test binary: one link of the
//! whole stack instead of one per file. Each module is one subject; run one with
//! `cargo test -p bitbucket-sandbox --test sandbox <module>::`.

mod auth;
mod commits;
mod common;
mod conformance;
mod faults;
mod git_http;
mod oauth;
mod webhooks;
