#!/usr/bin/env bash
# Checks that our dependency ranges admit a user's lockfile: a scratch crate in
# target/downstream/ (outside our workspace) takes the three published crates
# by path next to its own exactly pinned tokio, serde and axum, all older than
# the ones in our Cargo.lock. Resolution against crates.io must pick exactly
# those pins, and the crate (scripts/downstream/main.rs) must compile and run:
# it checks the PeerJS server on those versions as a client.
# Usage: ./scripts/check-downstream.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

# Older than Cargo.lock, inside the ranges of Cargo.toml. tokio stays at 1.51
# or later: socketioxide 0.18 needs it. serde 1.0.219 is the last release
# before serde_core, so serde_json resolves to an older 1.0 too.
declare -A pins=([tokio]=1.51.0 [serde]=1.0.219 [axum]=0.8.4)
names=(tokio serde axum)

version_of() { # the one version of $1 in the current lockfile (cargo fails on two)
  cargo tree --locked --workspace -i "$1" --depth 0 --prefix none | sed 's/.* v//'
}

declare -A ours
subst=(-e "s|@REPO@|$repo|g")
for name in "${names[@]}"; do
  ours[$name]=$(version_of "$name")
  subst+=(-e "s|@${name^^}@|${pins[$name]}|g")
done

dir="$repo/target/downstream"
export CARGO_TARGET_DIR="$dir/target"
mkdir -p "$dir/src"
sed "${subst[@]}" scripts/downstream/Cargo.toml.in >"$dir/Cargo.toml"
cp scripts/downstream/main.rs "$dir/src/main.rs"
cd "$dir"

cargo generate-lockfile --quiet
summary=
for name in "${names[@]}"; do
  got=$(version_of "$name")
  if [ "$got" != "${pins[$name]}" ]; then
    echo "check-downstream: $name resolved to $got, not the pinned ${pins[$name]}" >&2
    exit 1
  elif [ "$got" = "${ours[$name]}" ]; then
    echo "check-downstream: pin $name to another version than our Cargo.lock's $got" >&2
    exit 1
  fi
  summary+="$name $got (ours ${ours[$name]}), "
done
cargo run --locked --quiet

echo "check-downstream: ${summary%, } resolved next to lingua-signal-{core,axum,warp}, compiled and ran: OK"
