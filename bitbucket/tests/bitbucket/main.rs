//! Every integration test of the `ferry-bitbucket` crate, in one test binary. Each module is one
//! subject; run one with `cargo test -p ferry-bitbucket --test bitbucket <module>::`.

mod client;
mod sync;
