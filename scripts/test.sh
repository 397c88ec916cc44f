#!/usr/bin/env bash
# Runs every test of the project, as CI does. Usage: ./scripts/test.sh [--quick]
#   --quick  while you work: the checks, fmt, clippy, cargo test, and the JS
#            unit tests and typecheck; no browser, downstream or publish step.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

# Each step's duration, printed at the end (and on failure, up to the step
# that failed).
timings=()
step_name=""
step_start=0
end_step() {
  if [ -n "$step_name" ]; then timings+=("$(printf '%5ds  %s' "$(( $(date +%s) - step_start ))" "$step_name")"); fi
  step_name=""
}
step() {
  end_step
  step_name="$*"
  step_start=$(date +%s)
  printf '\n==> %s\n' "$*"
}
report() {
  end_step
  if [ "${#timings[@]}" -gt 0 ]; then
    printf '\nstep durations:\n'
    printf '  %s\n' "${timings[@]}"
  fi
}
trap report EXIT

# Runs independent steps at once, each "NAME::COMMAND" into its own log,
# then prints the logs in order; fails when any step failed. For steps that
# share no files and leave a core idle alone (rustdoc and node, or two
# compilations that are single-threaded for long stretches).
together() {
  local dir i failed=0 status
  local -a pids=() names=()
  dir=$(mktemp -d)
  for job in "$@"; do
    names+=("${job%%::*}")
    ( eval "${job#*::}" ) >"$dir/${#pids[@]}.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then status=ok; else status=FAILED; failed=1; fi
    printf -- '--- %s: %s\n' "${names[$i]}" "$status"
    cat "$dir/$i.log"
  done
  rm -rf "$dir"
  return "$failed"
}

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

step "every crate's modules point one way (no import circle)"
node scripts/check-module-graph.mjs

step "rust-version is true for each published crate"
./scripts/check-rust-version.mjs

step "crate READMEs render outside rustdoc (crates.io)"
node scripts/check-readme-links.mjs

step "every relative link in the Markdown files points to a file"
node scripts/check-doc-links.mjs

step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "redis-server (the Redis backplane's tests start their own)"
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null; fi
fi

step "cargo test"
cargo test --locked --workspace

if [ "$quick" = true ]; then
  step "client-js: unit tests"
  (cd client-js && npm test)
  step "client-js: the package's TypeScript declarations (tsc on a consumer)"
  (cd client-js && npm run --silent typecheck)
  end_step
  printf '\n==> quick checks passed (the full run adds doc, bundles, browser e2e, embed e2e, downstream, publish)\n'
  exit 0
fi

step "cargo doc (library crates, warnings are errors) and the client-js checks, at once"
doc='RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p lingua-signal-core -p lingua-signal-axum \
  -p lingua-signal-warp -p lingua-signal-serve -p lingua-signal-redis'
if [ -f client-js/package.json ]; then
  # Bundles reproduce byte for byte; unit tests; the package's TypeScript
  # declarations (tsc on a consumer).
  together "cargo doc::$doc" \
    "client-js: bundles, unit tests, typecheck::cd client-js && npm run --silent check-dist && npm test && npm run --silent typecheck"
else
  together "cargo doc::$doc"
fi

if [ -f client-js/e2e/room.e2e.mjs ]; then
  step "browser end-to-end test (Chromium, fake camera, coturn)"
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v turnserver >/dev/null || missing+=(coturn) # the TURN scenarios run a real coturn
  if [ "${#missing[@]}" -gt 0 ]; then
    # The e2e runs its own turnserver in the foreground, on free loopback ports.
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}" >/dev/null; fi
  fi
  cargo build --locked -p lingua-connect -p embed-axum -p embed-warp
  for app in lingua-connect lingua-connect-warp; do
    echo "--- against $app"
    (cd client-js && LINGUA_SERVER_CMD="../target/debug/$app --addr 127.0.0.1:0" npm run --silent e2e)
  done
  step "browser end-to-end test of the embed examples' own page (lingua-signal-client's bundle)"
  for app in embed-axum embed-warp; do
    echo "--- against $app"
    (cd client-js && npm run --silent e2e:embed -- --server "../target/debug/$app --addr 127.0.0.1:0")
  done
fi

step "a downstream crate and cargo publish --dry-run, at once"
# The downstream crate resolves, compiles and runs with older tokio, serde
# and axum, in its own target directory (target/downstream).
#
# Packaged together, the adapters verify against the packaged core (cargo
# puts unpublished workspace crates in a temporary local registry). Cargo
# treats a registry crate as immutable: a re-run from the same path would
# reuse the previous run's unpacked and compiled core. Drop those first (last
# step, so the rebuild this causes costs nothing else).
publish='rm -rf target/package "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/lingua-signal-*
cargo clean --quiet -p lingua-signal-core -p lingua-signal-axum -p lingua-signal-warp -p lingua-signal-serve \
  -p lingua-signal-redis
cargo publish --locked --dry-run -p lingua-signal-core -p lingua-signal-axum -p lingua-signal-warp \
  -p lingua-signal-serve -p lingua-signal-redis'
together "downstream crate::./scripts/check-downstream.sh" "cargo publish --dry-run::$publish"

step "all tests passed"
