#!/usr/bin/env python3
"""Community detection: clew's Louvain and Leiden beside NetworKit PLM, igraph and leidenalg.

Writes, once, the inputs every tool reads (in DIR, default target/community-peers):
  - `planted`: a stochastic block model with planted communities, seeded: 1M vertices in
    communities of 50-500 (uniform), mean degree 20, mixing mu = 0.3 (30% of each vertex's edges
    leave its community), vertex ids shuffled, self-loops and repeated pairs dropped: ~10M edges;
  - the ground-truth graphs of ../shared/datasets/community-ground-truth (karate weighted by its
    `weight` column; football; polbooks; email-Eu-core read as undirected, arcs both ways merged,
    self-loops dropped).
Each graph is NAME.edges (little-endian u32 pairs), NAME.weights (f64 per edge, if weighted) and
NAME.labels (u32 per vertex: the planted or ground-truth community).

Then it times each tool's algorithm alone (not loading), and scores every partition with the same
functions: modularity by igraph's `Graph.modularity` (resolution 1, weights if any) and NMI with
arithmetic-mean normalisation, 2 I(X;Y) / (H(X) + H(Y)) (igraph's and scikit-learn's default).
clew runs through its bench binary (`CLEW_COMMUNITY_PEERS=DIR cargo bench --bench communities`),
which writes its partitions to DIR. Small graphs: mean over seeds 0..9; planted: seed 0, one run.

Peers: NetworKit PLM (`pip install networkit`; refine=False, its default), igraph
`community_multilevel` and `community_leiden(objective_function="modularity")`, leidenalg
`find_partition(ModularityVertexPartition)` (`pip install leidenalg`; 2 iterations, its default).

Usage: community_peers.py [--dir DIR] [--skip-leidenalg-planted] [--only-small]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GROUND_TRUTH = ROOT.parent / "shared" / "datasets" / "community-ground-truth"
SEED = 20240917
SMALL = ["karate", "football", "polbooks", "email-Eu-core"]
SMALL_SEEDS = range(10)


# ---------------------------------------------------------------- inputs


def write_graph(directory: Path, name: str, n: int, edges: np.ndarray, labels: np.ndarray, weights=None):
    edges = np.ascontiguousarray(edges, dtype="<u4")
    assert edges.ndim == 2 and edges.shape[1] == 2 and labels.shape == (n,)
    edges.tofile(directory / f"{name}.edges")
    np.ascontiguousarray(labels, dtype="<u4").tofile(directory / f"{name}.labels")
    weights_path = directory / f"{name}.weights"
    if weights is not None:
        np.ascontiguousarray(weights, dtype="<f8").tofile(weights_path)
    elif weights_path.exists():
        weights_path.unlink()


def read_graph(directory: Path, name: str):
    edges = np.fromfile(directory / f"{name}.edges", dtype="<u4").reshape(-1, 2)
    labels = np.fromfile(directory / f"{name}.labels", dtype="<u4")
    weights_path = directory / f"{name}.weights"
    weights = np.fromfile(weights_path, dtype="<f8") if weights_path.exists() else None
    return len(labels), edges, labels, weights


def planted(n=1_000_000, mean_degree=20.0, mu=0.3, smallest=50, largest=500, seed=SEED):
    rng = np.random.default_rng(seed)
    sizes = []
    total = 0
    while total < n:
        size = int(rng.integers(smallest, largest + 1))
        size = min(size, n - total)
        if size < smallest and sizes:  # fold a short tail into the previous community
            sizes[-1] += size
        else:
            sizes.append(size)
        total += size
    sizes = np.array(sizes, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    position_label = np.repeat(np.arange(len(sizes)), sizes)
    # Inner edges: each community gets size * mean_degree * (1 - mu) / 2, endpoints uniform in it.
    inner_counts = np.rint(sizes * mean_degree * (1 - mu) / 2).astype(np.int64)
    community = np.repeat(np.arange(len(sizes)), inner_counts)
    a = starts[community] + (rng.random(len(community)) * sizes[community]).astype(np.int64)
    b = starts[community] + (rng.random(len(community)) * sizes[community]).astype(np.int64)
    # Outer edges: endpoints uniform over all vertices.
    n_outer = int(round(n * mean_degree * mu / 2))
    a = np.concatenate([a, rng.integers(0, n, n_outer)])
    b = np.concatenate([b, rng.integers(0, n, n_outer)])
    # Shuffle ids so that communities are not id ranges.
    vertex_of_position = rng.permutation(n)
    a, b = vertex_of_position[a], vertex_of_position[b]
    keep = a != b
    low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    pairs = np.unique(low * n + high)
    edges = np.stack([pairs // n, pairs % n], axis=1)
    labels = np.empty(n, dtype=np.int64)
    labels[vertex_of_position] = position_label
    inside = labels[edges[:, 0]] == labels[edges[:, 1]]
    print(f"planted: {n} vertices, {len(edges)} edges, {len(sizes)} communities, measured mu {1 - inside.mean():.3f}")
    return n, edges, labels


def parse_gml(path: Path):
    """Nodes (id, value) and edges (source, target) of a plain GML file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    nodes, edges = {}, []
    for block in re.finditer(r"\b(node|edge)\s*\[(.*?)\]", text, re.S):
        kind, body = block.group(1), block.group(2)
        fields = dict(re.findall(r"(\w+)\s+(\"[^\"]*\"|\S+)", body))
        if kind == "node":
            nodes[int(fields["id"])] = fields["value"].strip('"')
        else:
            edges.append((int(fields["source"]), int(fields["target"])))
    return nodes, edges


def undirected_simple(pairs):
    seen = set()
    for a, b in pairs:
        if a != b:
            seen.add((min(a, b), max(a, b)))
    return np.array(sorted(seen), dtype=np.int64).reshape(-1, 2)


def dense_labels(values):
    names = {name: index for index, name in enumerate(sorted(set(values)))}
    return np.array([names[value] for value in values], dtype=np.int64)


def ground_truth(directory: Path):
    if not GROUND_TRUTH.is_dir():
        sys.exit(f"{GROUND_TRUTH} is missing: the ground-truth graphs live in the shared folder beside the repository")
    # Karate: weighted, 0-based ids.
    rows = [line.split(",") for line in (GROUND_TRUTH / "karate_edges.csv").read_text().split("\n")[1:] if line]
    edges = np.array([(int(a), int(b)) for a, b, _ in rows], dtype=np.int64)
    weights = np.array([float(w) for _, _, w in rows])
    clubs = [line.split(",", 1)[1] for line in (GROUND_TRUTH / "karate_club_labels.csv").read_text().split("\n")[1:] if line]
    write_graph(directory, "karate", len(clubs), edges, dense_labels(clubs), weights)
    for name in ["football", "polbooks"]:
        nodes, pairs = parse_gml(GROUND_TRUTH / f"{name}.gml")
        ids = sorted(nodes)
        assert ids == list(range(len(ids))), f"{name}: node ids are not 0..n-1"
        write_graph(directory, name, len(ids), undirected_simple(pairs), dense_labels([nodes[i] for i in ids]))
    pairs = [tuple(map(int, line.split())) for line in (GROUND_TRUTH / "email-Eu-core.txt").read_text().split("\n") if line]
    departments = dict(tuple(map(int, line.split())) for line in (GROUND_TRUTH / "email-Eu-core-department-labels.txt").read_text().split("\n") if line)
    n = len(departments)
    assert sorted(departments) == list(range(n))
    write_graph(directory, "email-Eu-core", n, undirected_simple(pairs), np.array([departments[i] for i in range(n)]))


def prepare(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "planted.labels").exists():
        n, edges, labels = planted()
        write_graph(directory, "planted", n, edges, labels)
    ground_truth(directory)


# ---------------------------------------------------------------- scoring


def nmi(left, right) -> float:
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    n = len(left)
    _, left = np.unique(left, return_inverse=True)
    _, right = np.unique(right, return_inverse=True)
    joint = np.unique(left * (right.max() + 1) + right, return_counts=True)
    p_joint = joint[1] / n
    p_left = np.bincount(left) / n
    p_right = np.bincount(right) / n
    a, b = joint[0] // (right.max() + 1), joint[0] % (right.max() + 1)
    mutual = float(np.sum(p_joint * np.log(p_joint / (p_left[a] * p_right[b]))))
    entropy = lambda p: float(-np.sum(p[p > 0] * np.log(p[p > 0])))
    h = entropy(p_left) + entropy(p_right)
    return 1.0 if h == 0 else 2 * mutual / h


def igraph_graph(n, edges, weights):
    import igraph

    graph = igraph.Graph(n=n, edges=edges.tolist(), directed=False)
    if weights is not None:
        graph.es["weight"] = weights.tolist()
    return graph


# ---------------------------------------------------------------- peers


def run_peers(n, edges, weights, seed, skip_leidenalg=False):
    """Each peer's (seconds, membership) on one graph."""
    import igraph
    import leidenalg
    import networkit as nk

    results = {}
    graph = igraph_graph(n, edges, weights)
    weight_arg = "weight" if weights is not None else None

    coo_weights = weights if weights is not None else np.ones(len(edges))
    nk_graph = nk.graph.GraphFromCoo(
        (coo_weights, (edges[:, 0].astype(np.uint64), edges[:, 1].astype(np.uint64))),
        n=n, directed=False, weighted=weights is not None,
    )
    nk.engineering.setSeed(seed, False)
    started = time.perf_counter()
    plm = nk.community.PLM(nk_graph, refine=False, gamma=1.0)
    plm.run()
    seconds = time.perf_counter() - started
    partition = plm.getPartition()
    results["networkit-plm"] = (seconds, np.array(partition.getVector()))

    igraph.set_random_number_generator(__import__("random"))
    __import__("random").seed(seed)
    started = time.perf_counter()
    multilevel = graph.community_multilevel(weights=weight_arg)
    results["igraph-multilevel"] = (time.perf_counter() - started, np.array(multilevel.membership))

    __import__("random").seed(seed)
    started = time.perf_counter()
    ig_leiden = graph.community_leiden(objective_function="modularity", weights=weight_arg, n_iterations=2)
    results["igraph-leiden"] = (time.perf_counter() - started, np.array(ig_leiden.membership))

    if not skip_leidenalg:
        started = time.perf_counter()
        found = leidenalg.find_partition(graph, leidenalg.ModularityVertexPartition, weights=weight_arg, seed=seed)
        results["leidenalg"] = (time.perf_counter() - started, np.array(found.membership))
    return graph, results


def run_clew(directory: Path) -> dict:
    """clew's bench binary in peer mode: times per (dataset, algo, seed), partitions in files."""
    env = dict(os.environ, CLEW_COMMUNITY_PEERS=str(directory))
    output = subprocess.run(
        ["cargo", "bench", "--bench", "communities"], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    times = {}
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            times[(record["dataset"], record["algo"], record["seed"])] = record
    return times


def clew_membership(directory: Path, dataset: str, algo: str, seed: int):
    return np.fromfile(directory / f"{dataset}.clew-{algo}-{seed}.membership", dtype="<u4")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "target" / "community-peers")
    parser.add_argument("--skip-leidenalg-planted", action="store_true", help="leidenalg takes minutes on planted")
    parser.add_argument("--only-small", action="store_true", help="only the ground-truth graphs")
    args = parser.parse_args()
    prepare(args.dir)
    clew = run_clew(args.dir)

    rows = []
    for dataset in SMALL + ([] if args.only_small else ["planted"]):
        n, edges, truth, weights = read_graph(args.dir, dataset)
        seeds = SMALL_SEEDS if dataset != "planted" else [0]
        scores = {}
        for seed in seeds:
            skip = dataset == "planted" and args.skip_leidenalg_planted
            graph, results = run_peers(n, edges, weights, seed, skip_leidenalg=skip)
            for algo in ["louvain", "leiden"]:
                record = clew[(dataset, algo, seed)]
                results[f"clew-{algo}"] = (record["seconds"], clew_membership(args.dir, dataset, algo, seed))
            for tool, (seconds, membership) in results.items():
                weight_arg = "weight" if weights is not None else None
                quality = graph.modularity(membership.tolist(), weights=weight_arg)
                entry = scores.setdefault(tool, [])
                entry.append((seconds, quality, nmi(membership, truth), len(set(membership.tolist()))))
        for tool, entries in scores.items():
            mean = np.mean(np.array(entries), axis=0)
            rows.append((dataset, tool, *mean, len(entries)))

    print()
    print(f"{'graph':<14} {'tool':<18} {'seconds':>9} {'modularity':>10} {'NMI':>7} {'communities':>11} runs")
    for dataset, tool, seconds, quality, score, count, runs in rows:
        print(f"{dataset:<14} {tool:<18} {seconds:>9.3f} {quality:>10.4f} {score:>7.4f} {count:>11.1f} {runs}")
    planted_rows = {tool: (seconds, quality, score) for dataset, tool, seconds, quality, score, _, _ in rows if dataset == "planted"}
    if "networkit-plm" in planted_rows:
        print()
        plm = planted_rows["networkit-plm"]
        multilevel = planted_rows["igraph-multilevel"]
        for algo in ["clew-louvain", "clew-leiden"]:
            seconds, quality, score = planted_rows[algo]
            line = (
                f"planted {algo}: {plm[0] / seconds:.2f}x NetworKit PLM's speed, {multilevel[0] / seconds:.1f}x igraph multilevel's; "
                f"modularity {quality - multilevel[1]:+.4f} vs igraph multilevel"
            )
            if "leidenalg" in planted_rows:
                line += f"; NMI {score - planted_rows['leidenalg'][2]:+.4f} vs leidenalg"
            print(line)


if __name__ == "__main__":
    main()
