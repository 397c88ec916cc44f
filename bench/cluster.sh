#!/usr/bin/env bash
# Join fan-out across processes: lingua-connect alone, next to two
# lingua-connect processes sharing rooms through a local redis-server (the
# load generator's clients alternate between them, so every room of 10 has
# members on both). Servers and redis-server pinned to core 0, loadgen to
# core 1; "cluster CPU" sums the two app processes and redis-server.
# Loopback only; never run by CI. Needs redis-server (Debian: redis-server).
# Usage: ./bench/cluster.sh [CLIENTS]     (default 2000; builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 20000
clients=${1:-2000}

LOAD_FLAGS="--max-room-size 1000 --trust-client-ids --join-rate 1000000/1000000 --relay-rate 1000000/1000000 --relay-byte-rate 1000000000/1000000000"
cargo build --release --locked -q -p lingua-connect -p loadgen

out=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT

# serve NAME PORT ARGS...: a pinned lingua-connect, waits for its line; sets $pid.
serve() {
  local name=$1 port=$2; shift 2
  taskset -c 0 target/release/lingua-connect --addr "127.0.0.1:$port" $LOAD_FLAGS "$@" >"$out/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q listening "$out/$name.log" && return; sleep 0.1; done
  echo "$name did not start" >&2; cat "$out/$name.log" >&2; exit 1
}

fanout() {
  taskset -c 1 target/release/loadgen --json fanout --clients "$clients" --room-size 10 --acks "$@"
}

serve alone 3990
fanout --url http://127.0.0.1:3990 --server-pid "$pid" >"$out/alone.json"
kill "$pid"

taskset -c 0 redis-server --port 3993 --bind 127.0.0.1 --save '' --appendonly no >"$out/redis.log" 2>&1 &
redis=$!
pids+=("$redis")
sleep 0.5
serve one 3991 --redis-url redis://127.0.0.1:3993
one=$pid
serve two 3992 --redis-url redis://127.0.0.1:3993
two=$pid
sleep 1 # both backplanes subscribed
fanout --url http://127.0.0.1:3991 --also-url http://127.0.0.1:3992 \
  --server-pid "$one" --server-pid "$two" --server-pid "$redis" >"$out/cluster.json"

node -e '
const fs = require("fs");
const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
const rows = [["one process", read(process.argv[1])], ["two processes + Redis", read(process.argv[2])]];
const cpu = (r, phase) => (r.server_cpu.find((c) => c.phase === phase) || {}).per_op_us;
const fmt = (x, d = 0) => (x === undefined ? "–" : x.toFixed(d));
console.log(`| ${process.argv[3]} clients, rooms of 10, acks | joins/s | p50 (ms) | p99 (ms) | CPU per join (µs) | CPU per connection (µs) | lost/dup/misaddressed |`);
console.log("|---|---|---|---|---|---|---|");
for (const [name, r] of rows) {
  const l = r.join_latency, d = r.delivery;
  console.log(`| ${name} | ${fmt(r.joins_per_sec)} | ${fmt(l.p50_ms, 2)} | ${fmt(l.p99_ms, 2)} | ${fmt(cpu(r, "join"))} | ${fmt(cpu(r, "connect"))} | ${d.lost}/${d.duplicated}/${d.misaddressed} |`);
}
' "$out/alone.json" "$out/cluster.json" "$clients"
