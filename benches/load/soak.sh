#!/usr/bin/env bash
# Soak test of `clew serve` on loopback: a steady, moderate mix of API calls (neighbourhoods,
# paths, search, entities, communities; see soak_client.py) for a fixed time, with the audit log
# on, counting failed calls and sampling the server's RSS every 10 s. Prints start/end RSS and
# the error count; exits 1 if any call failed.
#
#   benches/load/soak.sh [small|medium|large] [SECONDS] [RATE]      e.g. benches/load/soak.sh medium 600 200
#
# Env: NO_BUILD=1 (use target/release/clew as it is), BIN (another clew binary; implies no build),
# WORK (folder of the world, default target/load-SIZE, made as run.sh makes it). Results: WORK/soak-rss.csv, WORK/soak-summary.json.
# Only 127.0.0.1 is targeted; the server is stopped at the end (or on Ctrl-C).
set -euo pipefail

SIZE=${1:-medium}
SECONDS_RUN=${2:-600}
RATE=${3:-200}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/target/load-$SIZE}
HERE=$ROOT/benches/load

if [ "${NO_BUILD:-0}" != 1 ] && [ -z "${BIN:-}" ]; then (cd "$ROOT" && cargo build --release --quiet); fi
BIN=${BIN:-$ROOT/target/release/clew}
mkdir -p "$WORK"
if [ ! -f "$WORK/world.clew" ]; then
    "$BIN" demo --size "$SIZE" --no-serve --quiet --out "$WORK"
fi
[ -s "$WORK/seeds.txt" ] || grep -m 2000 -oE '^[0-9]{17}[0-9X],' "$WORK/persons.csv" | tr -d , > "$WORK/seeds.txt"

TOKEN="soak-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
HASH=$(printf %s "$TOKEN" | "$BIN" serve --hash-token)
printf '[[token]]\nid = "soak"\nrole = "investigator"\nsha256 = "%s"\n' "$HASH" > "$WORK/tokens-soak.toml"
AUDIT=$WORK/audit-soak.jsonl
rm -f "$AUDIT"

"$BIN" serve "$WORK/world.clew" --addr 127.0.0.1:0 --tokens "$WORK/tokens-soak.toml" --audit "$AUDIT" > "$WORK/soak-serve.out" 2> "$WORK/soak-serve.err" &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT
ADDR=
for _ in $(seq 1 300); do
    ADDR=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/soak-serve.out" || true)
    [ -n "$ADDR" ] && break
    sleep 0.1
done
[ -n "$ADDR" ] || { echo "server did not start:" >&2; cat "$WORK/soak-serve.err" >&2; exit 1; }
echo "soak: server at $ADDR (pid $SERVER), $SECONDS_RUN s at $RATE calls/s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
python3 "$HERE/soak_client.py" "$ADDR" "$TOKEN" "$WORK/seeds.txt" "$SERVER" "$SECONDS_RUN" "$RATE" "$WORK" || status=$?
echo "audit lines written: $(wc -l < "$AUDIT"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$AUDIT"
exit $status
