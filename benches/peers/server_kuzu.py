#!/usr/bin/env python3
"""Kuzu (pip `kuzu`, in-process, its Cypher) on the same queries as benches/load/run.sh asks clew
over HTTP: 2-hop neighbourhoods of seed persons and shortest paths between seed pairs, on the same
graph, from the same seed list in the same order. Prints p50/p99 latency and throughput.

usage: server_kuzu.py CSV_DIR SEEDS_FILE [--db DIR] [--seconds S] [--path-queries N] [--threads T] [--json OUT]

The neighbourhood mode runs for --seconds; the path mode runs --path-queries queries (Kuzu 0.11
takes about a second per shortest-path query on the medium world, so a time bound would give too
few samples or take too long).

CSV_DIR holds nodes.csv (id,type,key,degree) and edges.csv (src,dst,relation) written from the
clew snapshot by `cargo run --release --example export_edge_list -- world.clew CSV_DIR`, so Kuzu
loads exactly the nodes and edges clew serves. The database is built once in --db (default
CSV_DIR/kuzu-db) and reused while it is newer than the CSVs.

What each query asks, kept as close to clew's semantics as Cypher allows:
- neighbourhood: the seed's neighbours (both directions), and the neighbours of those whose
  degree is at most 100 (clew's default supernode degree: higher ones are reported, not
  expanded), at most 500 nodes. Kuzu returns the node ids only; clew returns every node with its
  properties, the edges and the cut summary as JSON over HTTP. The difference favours Kuzu.
- path: one shortest path of at most 4 hops, both directions, not passing through nodes of degree
  above 1000 (clew's default skip_degree_above), returning its node ids.
Seeds are looked up by Kuzu's primary key (the clew node id, found from the key in nodes.csv
beforehand); clew resolves the key itself. That favours Kuzu too.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time

import kuzu

NEIGHBOURHOOD = (
    "MATCH (a:N {id: $id})-[:E]-(m:N) "
    "OPTIONAL MATCH (m)-[:E]-(b:N) WHERE m.degree <= 100 "
    "RETURN collect(DISTINCT m.id), collect(DISTINCT b.id)"
)
PATH = (
    "MATCH p = (a:N {id: $a})-[:E* SHORTEST 1..4 (r, n | WHERE n.degree <= 1000)]-(b:N {id: $b}) "
    "RETURN properties(nodes(p), 'id')"
)
MAX_NODES = 500


def build(csv_dir, db_dir):
    nodes = os.path.join(csv_dir, "nodes.csv")
    edges = os.path.join(csv_dir, "edges.csv")
    stamp = os.path.join(db_dir, ".built")
    newest = max(os.path.getmtime(nodes), os.path.getmtime(edges))
    if os.path.exists(stamp) and os.path.getmtime(stamp) > newest:
        return None
    shutil.rmtree(db_dir, ignore_errors=True)
    os.makedirs(db_dir)
    started = time.perf_counter()
    db = kuzu.Database(os.path.join(db_dir, "db"))
    conn = kuzu.Connection(db)
    conn.execute("CREATE NODE TABLE N(id INT64, type STRING, key STRING, degree INT64, PRIMARY KEY(id))")
    conn.execute("CREATE REL TABLE E(FROM N TO N, relation STRING)")
    conn.execute(f"COPY N FROM '{nodes}' (HEADER=false)")
    conn.execute(f"COPY E FROM '{edges}' (HEADER=false)")
    del conn
    del db
    open(stamp, "w").close()
    return time.perf_counter() - started


def seed_ids(csv_dir, seeds_file):
    wanted = [line.strip() for line in open(seeds_file) if line.strip()]
    want = set(wanted)
    found = {}
    with open(os.path.join(csv_dir, "nodes.csv")) as f:
        for line in f:
            parts = line.rstrip("\n").split(",")
            if parts[1] == "person" and parts[2] in want:
                found[parts[2]] = int(parts[0])
    missing = [k for k in wanted if k not in found]
    if missing:
        sys.exit(f"{len(missing)} seeds are not persons in {csv_dir}/nodes.csv (first: {missing[0]})")
    return [found[k] for k in wanted]


def requests(seeds, mode, start):
    """The request sequence of benches/load/requests.lua, from offset `start`."""
    n = len(seeds)
    i = start
    while True:
        i += 1
        a = seeds[i % n]
        if mode == "path":
            b = seeds[(i * 7919 + 1) % n]
            if b == a:
                b = seeds[(i + 1) % n]
            yield {"a": a, "b": b}
        else:
            yield {"id": a}


def run_one(conn, mode, params):
    result = conn.execute(NEIGHBOURHOOD if mode == "neighbourhood" else PATH, params)
    rows = result.get_all()
    if mode == "neighbourhood":
        hop1, hop2 = rows[0] if rows else ([], [])
        seen = [params["id"]]
        for v in hop1 + hop2:
            if len(seen) >= MAX_NODES:
                break
            if v is not None and v != params["id"]:
                seen.append(v)
        return len(seen)
    return len(rows)


def measure(db, seeds, mode, seconds, threads, max_queries):
    latencies = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k):
        conn = kuzu.Connection(db)
        mine = []
        for params in requests(seeds, mode, k * 997):
            t = time.perf_counter()
            run_one(conn, mode, params)
            mine.append(time.perf_counter() - t)
            if time.perf_counter() > deadline or len(mine) >= max_queries:
                break
        with lock:
            latencies.extend(mine)

    # Warm up: the first queries load pages.
    warm = kuzu.Connection(db)
    for params, _ in zip(requests(seeds, mode, 10_000), range(50 if mode == "neighbourhood" else 2)):
        run_one(warm, mode, params)
    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3
    return {
        "mode": mode,
        "threads": threads,
        "requests": len(latencies),
        "per_second": len(latencies) / wall,
        "p50_ms": q(0.50),
        "p99_ms": q(0.99),
        "mean_ms": statistics.fmean(latencies) * 1e3,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv_dir")
    ap.add_argument("seeds")
    ap.add_argument("--db")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--path-queries", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args()
    db_dir = args.db or os.path.join(args.csv_dir, "kuzu-db")
    built = build(args.csv_dir, db_dir)
    if built is not None:
        print(f"kuzu {kuzu.__version__}: loaded {args.csv_dir} in {built:.1f} s")
    seeds = seed_ids(args.csv_dir, args.seeds)
    db = kuzu.Database(os.path.join(db_dir, "db"), read_only=True)
    results = []
    for mode in ("neighbourhood", "path"):
        cap = args.path_queries if mode == "path" else 10**9
        r = measure(db, seeds, mode, args.seconds if mode == "neighbourhood" else 3600, args.threads, cap)
        results.append(r)
        print(
            f"kuzu {kuzu.__version__} {mode:<13} {args.threads} thread(s): {r['per_second']:9.1f} q/s   "
            f"p50 {r['p50_ms']:8.3f} ms   p99 {r['p99_ms']:8.3f} ms   ({r['requests']} queries)"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
