#!/usr/bin/env bash
# Bounded load test of `clew serve` on loopback: 2-hop neighbourhoods (max_nodes=500) and shortest
# paths between persons of a demo world, with wrk (Debian package `wrk`: `apt-get install wrk`),
# client and server on the same machine. Prints requests/s and p99 for each.
#
#   benches/load/run.sh [small|medium|large] [DURATION]      e.g. benches/load/run.sh medium 15s
#
# Env: NO_BUILD=1 (use target/release/clew as it is), BIN (another clew binary; implies no build),
# CONNS (connection counts, space-separated, each a run of both queries; default 64), THREADS (wrk threads, default 1: a second client thread competes with the server for the 2 cores), WORK (folder for the world,
# default target/load-SIZE; reused if it already has world.clew), SEEDS_N (default 2000).
# Each run's full wrk output is kept in WORK/wrk-MODE-cCONNS.txt.
# Only 127.0.0.1 is ever targeted; every wrk run is bounded by DURATION; the server is stopped
# at the end (or on Ctrl-C). The audit log is on, as in production, and deleted afterwards.
set -euo pipefail

SIZE=${1:-medium}
DURATION=${2:-15s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-1}
SEEDS_N=${SEEDS_N:-2000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/target/load-$SIZE}
HERE=$ROOT/benches/load

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
if [ "${NO_BUILD:-0}" != 1 ] && [ -z "${BIN:-}" ]; then (cd "$ROOT" && cargo build --release --quiet); fi
BIN=${BIN:-$ROOT/target/release/clew}
mkdir -p "$WORK"
if [ ! -f "$WORK/world.clew" ]; then
    "$BIN" demo --size "$SIZE" --no-serve --quiet --out "$WORK"
elif ! "$BIN" info "$WORK/world.clew" > /dev/null 2>&1; then
    # Written by an older clew: rebuild the snapshot from the same files.
    "$BIN" build "$WORK/mapping.toml" -o "$WORK/world.clew" --quiet > /dev/null
fi

# Seeds: well-formed resident IDs from the demo's persons.csv (dirty ones are left out, so every
# request names an existing node).
grep -m "$SEEDS_N" -oE '^[0-9]{17}[0-9X],' "$WORK/persons.csv" | tr -d , > "$WORK/seeds.txt" || true
[ -s "$WORK/seeds.txt" ] || { echo "no seeds found in $WORK/persons.csv" >&2; exit 2; }

TOKEN="load-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
HASH=$(printf %s "$TOKEN" | "$BIN" serve --hash-token)
printf '[[token]]\nid = "load"\nrole = "investigator"\nsha256 = "%s"\n' "$HASH" > "$WORK/tokens.toml"
AUDIT=$WORK/audit-load.jsonl
rm -f "$AUDIT"

"$BIN" serve "$WORK/world.clew" --addr 127.0.0.1:0 --tokens "$WORK/tokens.toml" --audit "$AUDIT" > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$AUDIT"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
    ADDR=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/serve.out" || true)
    [ -n "$ADDR" ] && break
    sleep 0.1
done
[ -n "$ADDR" ] || { echo "server did not start:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
echo "server at $ADDR, world $WORK/world.clew ($(wc -l < "$WORK/seeds.txt") seeds), connections: $CONNS, $DURATION each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

first=$(head -n1 "$WORK/seeds.txt")
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$ADDR/api/v1/neighbourhood?seeds=person:$first&hops=2&max_nodes=500")
[ "$status" = 200 ] || { echo "warm-up request answered $status" >&2; exit 1; }

run() {
    local name=$1 mode=$2 conns=$3
    local threads=$(( THREADS < conns ? THREADS : conns ))
    local out
    out=$(SEEDS="$WORK/seeds.txt" MODE="$mode" TOKEN="$TOKEN" wrk -t"$threads" -c"$conns" -d"$DURATION" --timeout 10s --latency -s "$HERE/requests.lua" "$ADDR")
    echo "$out" > "$WORK/wrk-$mode-c$conns.txt"
    local rps p50 p99 non2xx errors
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    errors=$(echo "$out" | awk '/Socket errors/ {print $0}')
    printf '%-36s %3s conn %10s req/s   p50 %8s   p99 %8s   non-2xx %s %s\n' "$name" "$conns" "$rps" "$p50" "$p99" "${non2xx:-0}" "$errors"
}

for conns in $CONNS; do
    run "neighbourhood hops=2 max_nodes=500" neighbourhood "$conns"
    run "shortest path (k=1, max_hops=4)" path "$conns"
done
