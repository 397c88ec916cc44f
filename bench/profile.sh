#!/usr/bin/env bash
# A CPU profile of one server under one load-generator scenario, with perf.
# The server runs under `perf record` pinned to core 0 (frame pointers on, so
# call stacks are whole), bench/loadgen pinned to core 1, the same flags as
# bench/compare.sh. Prints where the server's time went, grouped by crate
# (bench/perf-areas.mjs), and leaves perf.data for `perf report`.
# Loopback only; never run by CI.
#
# Usage: ./bench/profile.sh SERVER SCENARIO [OUT_DIR]
#   SERVER:   axum (lingua-connect, Socket.IO rooms) | warp (lingua-connect-warp, raw-websocket rooms)
#   SCENARIO: fanout10 | fanout2 | relay | churn | peer-hold
#   OUT_DIR:  where perf.data and the reports go (default: target/profile/SERVER-SCENARIO)
#   SERVER_CPUS=0,1 gives the server both cores (to look for lock contention);
#   the load generator stays on core 1.
# Needs perf (Debian: linux-perf) and kernel.perf_event_paranoid <= 1 (or root).
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?usage: bench/profile.sh axum|warp SCENARIO [OUT_DIR]}
scenario=${2:?usage: bench/profile.sh axum|warp SCENARIO [OUT_DIR]}
out=${3:-target/profile/$server-$scenario${SERVER_CPUS:+-cpus$SERVER_CPUS}}
mkdir -p "$out"

source bench/lib.sh
# A release build with frame pointers and line tables, apart from target/release
# so the benchmarks' binaries stay as they are.
export CARGO_TARGET_DIR=target/prof CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
RUSTFLAGS="-C force-frame-pointers=yes" cargo build --release --locked -q -p lingua-connect -p loadgen
bin=target/prof/release

case "$server" in
  axum) app=lingua-connect rooms=socketio ;;
  warp) app=lingua-connect-warp rooms=ws ;;
  *) echo "SERVER is axum or warp" >&2; exit 2 ;;
esac
port=3998
case "$scenario" in
  fanout10) load=(fanout --url "http://127.0.0.1:$port" --transport "$rooms" --clients 2000 --room-size 10) ;;
  fanout2) load=(fanout --url "http://127.0.0.1:$port" --transport "$rooms" --clients 2000 --room-size 2) ;;
  churn) load=(churn --url "http://127.0.0.1:$port" --transport "$rooms" --workers 50 --room-size 2 --duration 10s) ;;
  relay) load=(relay --url "ws://127.0.0.1:$port/peerjs/peerjs" --pairs 100 --payload 2048 --duration 5s) ;;
  peer-hold) load=(peer-hold --url "ws://127.0.0.1:$port/peerjs/peerjs" --connections 3000) ;;
  *) echo "SCENARIO is fanout10, fanout2, relay, churn or peer-hold" >&2; exit 2 ;;
esac

# perf writes its data when the server it started ends.
taskset -c "${SERVER_CPUS:-0}" perf record -q -F 4000 -g -o "$out/perf.data" -- "$bin/$app" --addr "127.0.0.1:$port" $LOAD_FLAGS >"$out/server.log" 2>&1 &
perf_pid=$!
trap 'kill "$perf_pid" 2>/dev/null || true' EXIT
wait_listening "$out/server.log"
server_pid=$(pgrep -n -f "^$bin/$app --addr 127.0.0.1:$port")
# Counts of the system calls and context switches the server made meanwhile.
perf stat -x, -o "$out/stat.csv" -p "$server_pid" \
  -e syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_wait,context-switches &
stat_pid=$!
taskset -c 1 "$bin/loadgen" --json "${load[@]}" --server-pid "$server_pid" >"$out/loadgen.json"
kill -INT "$stat_pid"
wait "$stat_pid" || true
kill -INT "$server_pid"
wait "$perf_pid" || true
trap - EXIT

perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.3 2>/dev/null >"$out/self.txt"
perf report -i "$out/perf.data" --children --sort symbol --stdio -g none --percent-limit 0.5 2>/dev/null >"$out/inclusive.txt"
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0 2>/dev/null |
  node bench/perf-areas.mjs | tee "$out/areas.txt"
# The system calls and faults, with everything the kernel does under them
# (over loopback a send also runs the receiver's TCP input and wakes it).
echo
echo "| system call or fault (inclusive) | % of server CPU samples |"
echo "|---|---:|"
grep -E '\[k\] (__x64_sys_[a-z_0-9]+|asm_exc_page_fault) ' "$out/inclusive.txt" |
  awk '{ printf "| %s | %s |\n", $4, $1 }' | tee -a "$out/areas.txt"
jq_figures() { node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const c of r.server_cpu ?? []) console.log(`server CPU per ${c.op} (${c.phase}): ${c.per_op_us} µs over ${c.ops}`)'; }
jq_figures <"$out/loadgen.json" | tee -a "$out/areas.txt"
echo "server, whole run (perf stat): $(grep -v '^#' "$out/stat.csv" | awk -F, 'NF > 2 { printf "%s %s; ", $3, $1 }')" | tee -a "$out/areas.txt"
echo "profile: $out/perf.data (self: $out/self.txt, inclusive: $out/inclusive.txt, loadgen: $out/loadgen.json)"
