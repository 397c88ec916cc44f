#!/usr/bin/env bash
# Runs every test of the project, as CI does. Usage: ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if [ -f client-js/package-lock.json ]; then
  step "npm ci (client-js)"
  (cd client-js && npm ci --no-audit --no-fund)
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "lingua-signal-core depends on no transport"
if cargo tree --locked -p lingua-signal-core -e normal --prefix none \
  | grep -E '^(axum|warp|hyper|http|socketioxide|tungstenite|tokio-tungstenite|engineioxide) ' ; then
  echo "lingua-signal-core must not depend on a transport crate" >&2
  exit 1
fi

step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --locked --workspace

step "cargo doc (lingua-signal-core)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked -p lingua-signal-core --no-deps

if [ -f client-js/package.json ]; then
  step "client-js: bundles reproduce byte for byte"
  (cd client-js && npm run --silent check-dist)
  step "client-js: unit tests"
  (cd client-js && npm test)
fi

step "all tests passed"
