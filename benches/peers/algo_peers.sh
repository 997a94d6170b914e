#!/usr/bin/env bash
# Times `clew algo wcc` and `clew algo bfs` on the seeded benchmark graph, then the same kernels in
# igraph and NetworKit (benches/peers/algo_peers.py), and prints the ratios.
#
# Usage: benches/peers/algo_peers.sh [DIR]
#   DIR defaults to $CARGO_TARGET_DIR/algo-peers/scale-$CLEW_BENCH_SCALE; the graph is written
#   there once. CLEW_BENCH_SCALE=0.1 shrinks the graph; CLEW_PEERS_REPEAT (default 3) sets the
#   runs per tool, of which the best counts. Needs python3 with `pip install igraph networkit`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
scale="${CLEW_BENCH_SCALE:-1}"
dir="${1:-$target/algo-peers/scale-$scale}"
repeat="${CLEW_PEERS_REPEAT:-3}"
peers="$root/benches/peers/algo_peers.py"

cd "$root"
python3 "$peers" --dir "$dir" --prepare-only
cargo build --release --bin clew
clew="$target/release/clew"

# Best of $repeat runs: the kernel time clew reports with --timings, and the wall time of the
# whole command (parse the text files, run, write the result).
clew_times=()
for algo in wcc bfs; do
    extra=()
    if [ "$algo" = bfs ]; then extra=(--source 0); fi
    best_kernel="" best_total=""
    for _ in $(seq "$repeat"); do
        started=$(date +%s.%N)
        timings=$("$clew" algo "$algo" --vertices "$dir/bench.v" --edges "$dir/bench.e" --directed \
            "${extra[@]}" --timings --out "$dir/clew-$algo.out" 2>&1 >/dev/null)
        finished=$(date +%s.%N)
        total=$(awk "BEGIN { printf \"%.4f\", $finished - $started }")
        kernel=$(echo "$timings" | sed -n 's/.*kernel \([0-9.]*\)s.*/\1/p')
        best_kernel=$(printf '%s\n' $best_kernel "$kernel" | sort -g | head -n1)
        best_total=$(printf '%s\n' $best_total "$total" | sort -g | head -n1)
        echo "clew $algo: $timings, wall ${total}s"
    done
    clew_times+=(--clew "$algo:$best_kernel:$best_total")
done
echo "clew check: $(cut -d' ' -f2 "$dir/clew-wcc.out" | sort -u | wc -l) components," \
    "$(grep -vc ' 9223372036854775807$' "$dir/clew-bfs.out") reached from 0"

python3 "$peers" --dir "$dir" --repeat "$repeat" "${clew_times[@]}"
