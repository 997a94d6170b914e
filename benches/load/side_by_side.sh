#!/usr/bin/env bash
# clew over HTTP and Kuzu in-process, back to back in one run, on the same graph and seed list:
# 2-hop neighbourhoods (max 500 nodes) and shortest paths (max 4 hops). clew is measured with wrk
# at 64 connections and at 1 connection (the like-for-like latency: one query at a time, as the
# Kuzu script runs them); then benches/peers/server_kuzu.py runs the same queries in Kuzu.
# Prints the ratio of Kuzu's latency to clew's (above 1: clew is faster).
#
#   benches/load/side_by_side.sh [small|medium|large] [DURATION]      e.g. benches/load/side_by_side.sh medium 15s
#
# Env: as run.sh (NO_BUILD=1 skips the cargo builds), PATH_QUERIES (Kuzu path queries, default 30).
# The snapshot's nodes and edges are exported once to WORK/kuzu-csv by the `export_edge_list`
# example, so Kuzu loads exactly what clew serves.
set -euo pipefail

SIZE=${1:-medium}
DURATION=${2:-15s}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/target/load-$SIZE}
export WORK

if [ "${NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --quiet && cargo build --release --quiet --example export_edge_list)
fi
CONNS="64 1" NO_BUILD=1 "$ROOT/benches/load/run.sh" "$SIZE" "$DURATION" | tee "$WORK/side-clew.txt"
if [ ! -s "$WORK/kuzu-csv/edges.csv" ] || [ "$WORK/world.clew" -nt "$WORK/kuzu-csv/edges.csv" ]; then
    "$ROOT/target/release/examples/export_edge_list" "$WORK/world.clew" "$WORK/kuzu-csv"
fi
secs=${DURATION%s}
python3 "$ROOT/benches/peers/server_kuzu.py" "$WORK/kuzu-csv" "$WORK/seeds.txt" --seconds "$secs" \
    --path-queries "${PATH_QUERIES:-30}" --json "$WORK/side-kuzu.json" | tee "$WORK/side-kuzu.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# wrk prints latencies with units (us, ms, s); compare in milliseconds.
python3 - "$WORK" <<'EOF'
import json, re, sys
work = sys.argv[1]
def ms(text):
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
def wrk(mode, conns):
    out = open(f"{work}/wrk-{mode}-c{conns}.txt").read()
    q = {m.group(1): ms(m.group(2)) for m in re.finditer(r"^\s+(50|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    return q["50"], q["99"], rps
kuzu = {r["mode"]: r for r in json.load(open(f"{work}/side-kuzu.json"))}
print(f"{'query':<14} {'clew 1 conn p50/p99 ms':>24} {'kuzu p50/p99 ms':>20} {'kuzu/clew p50':>14} {'p99':>8}   clew 64 conn req/s, p99")
for mode in ("neighbourhood", "path"):
    p50, p99, _ = wrk(mode, 1)
    _, p99_64, rps64 = wrk(mode, 64)
    k = kuzu[mode]
    print(f"{mode:<14} {p50:>11.3f} / {p99:<10.3f} {k['p50_ms']:>9.3f} / {k['p99_ms']:<9.3f} {k['p50_ms'] / p50:>13.1f}x {k['p99_ms'] / p99:>7.1f}x   {rps64:9.0f}, {p99_64:.2f} ms")
EOF
