#!/usr/bin/env python3
"""Writes a seeded random directed edge list `src,dst` (no header) for the build peers.

usage: make_edgelist.py OUT.csv [N_NODES] [N_EDGES] [SEED]
"""
import sys

import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
m = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000_000
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 42
rng = np.random.default_rng(seed)
src = rng.integers(0, n, m, dtype=np.int64)
dst = rng.integers(0, n, m, dtype=np.int64)
keep = src != dst  # the peers' readers differ on self-loops; leave them out
edges = np.stack([src[keep], dst[keep]], axis=1)
# Every vertex appears at least once so all tools count n vertices.
np.savetxt(out, edges, fmt="%d", delimiter=",")
print(f"{out}: {len(edges)} edges over {n} vertex ids")
