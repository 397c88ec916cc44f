#!/usr/bin/env bash
# Side by side: the Node original (bench/node-original), lingua-connect and,
# for PeerJS, lingua-connect-warp, each scenario against a freshly started
# server pinned to core 0, with examples/loadgen pinned to core 1, server CPU
# and RSS read from /proc. Prints one table. Loopback only; never run by CI.
# Usage: ./bench/compare.sh            (builds what it needs first)
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 20000

# The load generator announces made-up user ids and goes as fast as it can;
# the Node original has no limits either.
LOAD_FLAGS="--max-room-size 1000 --trust-client-ids --join-rate 1000000/1000000 --relay-rate 1000000/1000000"
cargo build --release --locked -q -p lingua-connect -p lingua-connect-warp -p loadgen
(cd bench/node-original && npm ci --no-audit --no-fund --silent)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A start=(
  [node]="env PORT=3995 node bench/node-original/server.mjs"
  [axum]="target/release/lingua-connect --addr 127.0.0.1:3996 $LOAD_FLAGS"
  [warp]="target/release/lingua-connect-warp --addr 127.0.0.1:3997 $LOAD_FLAGS"
)
declare -A port=([node]=3995 [axum]=3996 [warp]=3997)

# run SERVER SCENARIO ARGS...: one fresh server, one loadgen run, its JSON in $out.
run() {
  local server=$1 scenario=$2; shift 2
  taskset -c 0 ${start[$server]} >"$out/$server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q listening "$out/$server.log" && break; sleep 0.1; done
  local url="http://127.0.0.1:${port[$server]}"
  case "$scenario" in peer-hold | relay) url="ws://127.0.0.1:${port[$server]}/peerjs/peerjs" ;; esac
  taskset -c 1 target/release/loadgen --json "$scenario" --url "$url" "$@" --server-pid "$pid" \
    >"$out/$server-$scenario-$*.json" || echo "loadgen failed: $server $scenario $*" >&2
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for server in node axum; do
  run "$server" fanout --clients 2000 --room-size 10
  run "$server" fanout --clients 2000 --room-size 2
  run "$server" hold --connections 5000 --room-size 10
done
for server in node axum warp; do
  run "$server" peer-hold --connections 3000
  run "$server" relay --pairs 100 --payload 2048 --duration 5s
done

node bench/table.mjs "$out"
