#!/usr/bin/env python3
"""Times the peer libraries' WCC and BFS on the clew benchmark graph, for comparison with clew.

The graph is the one `benches/algo.rs` benchmarks (seeded, 1M vertices and ~10M directed edges
at scale 1). If DIR/bench.e is missing, this script has the bench binary write it
(`CLEW_BENCH_WRITE_GRAPH=DIR cargo bench --bench algo`), so every tool reads identical files.

Peers: igraph (`pip install igraph`): connected_components(mode="weak") and bfs(0, mode="out");
NetworKit (`pip install networkit`), if installed: WeaklyConnectedComponents and BFS from 0.
Only the kernels are timed (best of --repeat runs); loading is reported separately.
`benches/peers/algo_peers.sh` runs this after timing `clew algo` and passes clew's times with
--clew, so the ratios are printed together.

Usage: algo_peers.py --dir DIR [--repeat 3] [--prepare-only] [--clew ALGO:KERNEL_S:TOTAL_S ...]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_graph_if_missing(directory: Path) -> None:
    if (directory / "bench.e").is_file() and (directory / "bench.v").is_file():
        return
    env = dict(os.environ, CLEW_BENCH_WRITE_GRAPH=str(directory))
    subprocess.run(["cargo", "bench", "--bench", "algo"], cwd=ROOT, env=env, check=True)


def count_lines(path: Path) -> int:
    with open(path, "rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))


def best_of(repeat: int, run, before=lambda: None):
    """Runs `run` `repeat` times, calling `before` untimed ahead of each; returns (best seconds,
    last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def time_igraph(directory: Path, n_vertices: int, repeat: int) -> dict:
    import igraph

    started = time.perf_counter()
    graph = igraph.Graph.Read_Edgelist(str(directory / "bench.e"), directed=True)
    if graph.vcount() < n_vertices:  # trailing isolated vertices have no edge line
        graph.add_vertices(n_vertices - graph.vcount())
    load = time.perf_counter() - started
    # igraph caches graph properties: once it knows the graph is connected, a second
    # connected_components call returns at once (40 ms instead of 1.1 s here). Clear the cache
    # before every run so that each one does the work.
    clear_cache = getattr(graph, "__invalidate_cache", lambda: None)
    wcc, components = best_of(repeat, lambda: graph.connected_components(mode="weak"), clear_cache)
    bfs, (order, _layers, _parents) = best_of(repeat, lambda: graph.bfs(0, mode="out"), clear_cache)
    return {
        "version": igraph.__version__,
        "load": load,
        "wcc": wcc,
        "bfs": bfs,
        "check": f"{len(components)} components, {len(order)} reached from 0",
    }


def time_networkit(directory: Path, n_vertices: int, repeat: int):
    try:
        import networkit
    except ImportError:
        return None
    started = time.perf_counter()
    reader = networkit.graphio.EdgeListReader(" ", 0, directed=True)
    graph = reader.read(str(directory / "bench.e"))
    if graph.numberOfNodes() < n_vertices:
        graph.addNodes(n_vertices - graph.numberOfNodes())
    load = time.perf_counter() - started

    def wcc():
        algorithm = networkit.components.WeaklyConnectedComponents(graph)
        algorithm.run()
        return algorithm.numberOfComponents()

    def bfs():
        algorithm = networkit.distance.BFS(graph, 0, storePaths=False)
        algorithm.run()
        return algorithm

    wcc_seconds, n_components = best_of(repeat, wcc)
    bfs_seconds, finished_bfs = best_of(repeat, bfs)
    reached = sum(1 for distance in finished_bfs.getDistances() if distance < 1e300)
    return {
        "version": networkit.__version__,
        "load": load,
        "wcc": wcc_seconds,
        "bfs": bfs_seconds,
        "check": f"{n_components} components, {reached} reached from 0",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="where bench.v and bench.e live")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--prepare-only", action="store_true", help="write the graph and stop")
    parser.add_argument(
        "--clew",
        action="append",
        default=[],
        metavar="ALGO:KERNEL_S:TOTAL_S",
        help="clew's kernel and end-to-end seconds for ALGO (from algo_peers.sh)",
    )
    args = parser.parse_args()
    write_graph_if_missing(args.dir)
    if args.prepare_only:
        return 0

    n_vertices = count_lines(args.dir / "bench.v")
    n_edges = count_lines(args.dir / "bench.e")
    print(f"graph: {n_vertices} vertices, {n_edges} directed edges ({args.dir})")
    peers = {"igraph": time_igraph(args.dir, n_vertices, args.repeat)}
    networkit = time_networkit(args.dir, n_vertices, args.repeat)
    if networkit is not None:
        peers["networkit"] = networkit
    else:
        print("networkit: not installed (pip install networkit), skipped")

    print(f"{'tool':<16}{'load s':>10}{'wcc s':>10}{'bfs s':>10}  check")
    for name, result in peers.items():
        label = f"{name} {result['version']}"
        print(f"{label:<16}{result['load']:>10.3f}{result['wcc']:>10.4f}{result['bfs']:>10.4f}  {result['check']}")

    for entry in args.clew:
        algo, kernel, total = entry.split(":")
        kernel, total = float(kernel), float(total)
        for name, result in peers.items():
            peer_kernel = result[algo]
            print(
                f"{algo}: kernel clew {kernel:.4f}s, {name} {peer_kernel:.4f}s, "
                f"{name}/clew = {peer_kernel / kernel:.2f}; "
                f"end-to-end clew {total:.3f}s, {name} load+kernel {result['load'] + peer_kernel:.3f}s, "
                f"ratio {(result['load'] + peer_kernel) / total:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
