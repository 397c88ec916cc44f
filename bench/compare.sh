#!/usr/bin/env bash
# Side by side: the Node original (bench/node-original), lingua-connect
# (Socket.IO) and lingua-connect-warp (its raw-websocket rooms, and PeerJS),
# every scenario of issue 10 against a freshly started server pinned to core
# 0, with bench/loadgen pinned to core 1, server CPU and RSS read from
# /proc. Prints one table (bench/table.mjs). Loopback only; never run by CI.
# Usage: ./bench/compare.sh            (builds what it needs first; ~6 min)
#   HOLD=N overrides the 19,000 held Socket.IO connections (each side needs
#   N + a few file descriptors: ulimit -n is raised to 20,000 when allowed).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
hold=${HOLD:-19000}
if (($(ulimit -n) < hold + 200)); then
  hold=$(($(ulimit -n) - 200))
  echo "open-file limit $(ulimit -n): holding $hold Socket.IO connections instead of 19000" >&2
fi

source bench/lib.sh
cargo build --release --locked -q -p lingua-connect -p loadgen
(cd bench/node-original && npm ci --no-audit --no-fund --silent)

out=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
declare -A start=(
  [node]="env PORT=3995 node bench/node-original/server.mjs"
  [axum]="target/release/lingua-connect --addr 127.0.0.1:3996 $LOAD_FLAGS"
  [warp]="target/release/lingua-connect-warp --addr 127.0.0.1:3997 $LOAD_FLAGS"
)
declare -A port=([node]=3995 [axum]=3996 [warp]=3997)
# How each server's rooms are reached: Socket.IO, or warp's raw websockets.
declare -A rooms=([node]=socketio [axum]=socketio [warp]=ws)

# run SERVER LABEL SCENARIO ARGS...: one fresh server, one loadgen run, its
# JSON in $out/SERVER.LABEL.json (empty when loadgen broke down).
run() {
  local server=$1 label=$2 scenario=$3; shift 3
  taskset -c 0 ${start[$server]} >"$out/$server.log" 2>&1 &
  pid=$!
  wait_listening "$out/$server.log" || true # loadgen then reports the server as down
  local url="http://127.0.0.1:${port[$server]}" transport=()
  case "$scenario" in
    peer-hold | relay) url="ws://127.0.0.1:${port[$server]}/peerjs/peerjs" ;;
    *) transport=(--transport "${rooms[$server]}") ;;
  esac
  echo "$server $label: $scenario ${transport[*]} $*" >&2
  taskset -c 1 target/release/loadgen --json "$scenario" --url "$url" "${transport[@]}" "$@" --server-pid "$pid" \
    >"$out/$server.$label.json" || echo "loadgen exited $? ($server $label)" >&2
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=
}

for server in node axum warp; do
  run "$server" fanout10 fanout --clients 2000 --room-size 10
  run "$server" fanout2 fanout --clients 2000 --room-size 2
  # The issue's sizes: 19,000 held Socket.IO connections; 5,000 raw
  # websockets on warp (~140 KiB each today).
  if [ "$server" = warp ]; then
    run "$server" hold hold --connections 5000 --room-size 10
  else
    run "$server" hold hold --connections "$hold" --room-size 10
  fi
  run "$server" peer-hold peer-hold --connections 3000
  run "$server" relay relay --pairs 100 --payload 2048 --duration 5s
  run "$server" churn churn --workers 50 --room-size 2 --duration 10s
done

node bench/table.mjs "$out"
