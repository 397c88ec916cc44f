# Shared by bench/compare.sh and bench/profile.sh (sourced, not run).

# The load generator announces made-up user ids and goes as fast as it can,
# so the servers under test run without the limits meant for browsers (the
# Node original has none either).
# shellcheck disable=SC2034 # used by the scripts that source this file
LOAD_FLAGS="--max-room-size 1000 --trust-client-ids --join-rate 1000000/1000000 --relay-rate 1000000/1000000 --relay-byte-rate 1000000000/1000000000"

# wait_listening LOG: waits (at most 10 s) until a server's log says it listens.
wait_listening() {
  for _ in $(seq 100); do grep -q listening "$1" && return 0; sleep 0.1; done
  echo "no 'listening' in $1 after 10 s" >&2
  return 1
}
