#!/usr/bin/env python3
"""Times reading one edge-list CSV into a graph: NetworKit, igraph, Kuzu (COPY FROM) and `clew build`.

usage: build_peers.py EDGES.csv CLEW_BINARY
Each tool runs once, in this process or as a subprocess, on the same file; wall seconds printed as
`tool seconds` lines, then clew's ratio to each peer. Kuzu needs a node table first, so its time
includes loading the distinct vertex ids (as clew's does).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

edges = os.path.abspath(sys.argv[1])
clew = os.path.abspath(sys.argv[2])
here = os.path.dirname(os.path.abspath(__file__))
results = {}


def timed(name, fn):
    start = time.perf_counter()
    try:
        fn()
    except Exception as err:  # a missing peer is reported, not fatal
        print(f"{name} failed: {err}", file=sys.stderr)
        return
    results[name] = time.perf_counter() - start
    print(f"{name} {results[name]:.2f}", flush=True)


def networkit():
    import networkit as nk
    reader = nk.graphio.EdgeListReader(",", 0, directed=True, continuous=False)
    g = reader.read(edges)
    assert g.numberOfEdges() > 0


def igraph():
    import igraph as ig
    # igraph's edge-list reader wants whitespace; the copy is made before timing starts.
    g = ig.Graph.Read_Edgelist(spaced, directed=True)
    assert g.ecount() > 0


def kuzu():
    import kuzu
    d = tempfile.mkdtemp()
    try:
        db = kuzu.Database(os.path.join(d, "db"))
        conn = kuzu.Connection(db)
        conn.execute("CREATE NODE TABLE V(id INT64, PRIMARY KEY(id))")
        conn.execute("CREATE REL TABLE E(FROM V TO V)")
        vertices = os.path.join(d, "v.csv")
        import numpy as np
        arr = np.loadtxt(edges, delimiter=",", dtype=np.int64)
        np.savetxt(vertices, np.unique(arr), fmt="%d")
        conn.execute(f"COPY V FROM '{vertices}'")
        conn.execute(f"COPY E FROM '{edges}' (HEADER=false)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def clew_build():
    d = tempfile.mkdtemp()
    try:
        for f in ("mapping.toml", "schema.toml"):
            shutil.copy(os.path.join(here, "edgelist", f), d)
        os.symlink(edges, os.path.join(d, "edges.csv"))
        subprocess.run([clew, "build", os.path.join(d, "mapping.toml"), "-o", os.path.join(d, "g.clew"), "--quiet"], check=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


spaced = edges + ".spaced"
if not os.path.exists(spaced):
    with open(edges) as src, open(spaced, "w") as dst:
        for line in src:
            dst.write(line.replace(",", " "))
timed("clew", clew_build)
timed("networkit", networkit)
timed("igraph", igraph)
timed("kuzu", kuzu)
if "clew" in results:
    for peer in ("networkit", "igraph", "kuzu"):
        if peer in results:
            print(f"clew/{peer} {results['clew'] / results[peer]:.2f} (below 1 means clew is faster)")
