# Shared by every script: where builds go and which tools they use.
# Sourced, not executed.

FERRY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FERRY_ROOT
# Builds live outside the clone so a fresh clone (CI) reuses the last build on this machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ferry/target}"
# Tools scripts/install builds (wasm-bindgen, cargo-fuzz) or fetches from npm (wasm-opt),
# at the versions this project pins, ahead of anything else on the PATH.
export FERRY_TOOLS="${FERRY_TOOLS:-$HOME/.cache/ferry/tools}"
export PATH="$FERRY_TOOLS/bin:$FERRY_ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Incremental state is per checkout path and grows by gigabytes; one-shot runs (CI) gain
# nothing from it. Developers iterating by hand can export CARGO_INCREMENTAL=1.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# cargo-leptos sets this for the builds it runs; setting it for plain cargo too keeps
# `cargo test` from rebuilding the Leptos crates after every `cargo leptos build`.
export LEPTOS_OUTPUT_NAME=ferry
