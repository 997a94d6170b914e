#!/usr/bin/env python3
"""Paced client for benches/load/soak.sh: a steady mix of API calls at a fixed rate for a fixed
time, counting every failed call, while sampling the server's resident memory from /proc.

usage: soak_client.py BASE_URL TOKEN SEEDS_FILE SERVER_PID SECONDS RATE OUT_DIR

The mix, per 20 calls: 12 two-hop neighbourhoods (max 500 nodes), 4 shortest paths, 2 searches,
1 entity, 1 communities page. Calls are spread over 8 keep-alive connections, each sending at
RATE/8 per second on a fixed schedule (a late call is sent at once, not skipped). A call fails
if it raises, answers other than 200, or its body is not JSON. RSS is read from
/proc/SERVER_PID/status every 10 s into OUT_DIR/soak-rss.csv; a summary goes to stdout and
OUT_DIR/soak-summary.json. Exit status 1 if any call failed.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

CONNECTIONS = 8


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def calls(seeds, k):
    """The endless call sequence of connection k."""
    n = len(seeds)
    i = k * 997
    while True:
        i += 1
        a = seeds[i % n]
        b = seeds[(i * 7919 + 1) % n]
        slot = i % 20
        if slot < 12:
            yield f"/api/v1/neighbourhood?seeds=person:{a}&hops=2&max_nodes=500"
        elif slot < 16:
            yield f"/api/v1/paths?from=person:{a}&to=person:{b}&max_hops=4"
        elif slot < 18:
            yield "/api/v1/search?" + urllib.parse.urlencode({"q": a[:10], "limit": 20})
        elif slot < 19:
            yield f"/api/v1/entities/person/{a}"
        else:
            yield f"/api/v1/communities?algo=louvain&limit=5&members=5&offset={i % 50}"


def main():
    base, token, seeds_file, pid, seconds, rate, out = sys.argv[1:8]
    pid, seconds, rate = int(pid), float(seconds), float(rate)
    seeds = [line.strip() for line in open(seeds_file) if line.strip()]
    host = urllib.parse.urlparse(base)
    headers = {"Authorization": f"Bearer {token}"}
    lock = threading.Lock()
    counts = {"calls": 0, "errors": 0}
    errors = []
    started = time.monotonic()
    end = started + seconds
    interval = CONNECTIONS / rate

    def worker(k):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        due = started + k * interval / CONNECTIONS
        for path in calls(seeds, k):
            now = time.monotonic()
            if now >= end:
                break
            if due > now:
                time.sleep(due - now)
            due += interval
            failure = None
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    failure = f"{response.status} {body[:200]!r}"
                else:
                    json.loads(body)
            except Exception as e:  # a failed call is what this script counts
                failure = f"{type(e).__name__}: {e}"
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            with lock:
                counts["calls"] += 1
                if failure:
                    counts["errors"] += 1
                    if len(errors) < 20:
                        errors.append(f"{path}: {failure}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    samples = []
    with open(f"{out}/soak-rss.csv", "w") as f:
        f.write("seconds,rss_kb,calls,errors\n")
        while any(t.is_alive() for t in threads):
            elapsed = time.monotonic() - started
            with lock:
                row = (round(elapsed), rss_kb(pid), counts["calls"], counts["errors"])
            samples.append(row)
            f.write(",".join(map(str, row)) + "\n")
            f.flush()
            for _ in range(100):
                if not any(t.is_alive() for t in threads):
                    break
                time.sleep(0.1)
        row = (round(time.monotonic() - started), rss_kb(pid), counts["calls"], counts["errors"])
        samples.append(row)
        f.write(",".join(map(str, row)) + "\n")
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    # Flat means: after the first minute (caches, scratch and page cache warm), RSS stays within
    # 10% of where it was.
    warm = [s for s in samples if s[0] >= 60] or samples
    summary = {
        "seconds": round(wall, 1),
        "calls": counts["calls"],
        "calls_per_second": round(counts["calls"] / wall, 1),
        "errors": counts["errors"],
        "rss_kb_start": samples[0][1],
        "rss_kb_after_1_min": warm[0][1],
        "rss_kb_end": samples[-1][1],
        "rss_kb_max": max(s[1] for s in samples),
        "flat_after_warm_up": max(s[1] for s in warm) <= warm[0][1] * 1.10,
        "first_errors": errors,
    }
    json.dump(summary, open(f"{out}/soak-summary.json", "w"), indent=1)
    print(json.dumps(summary, indent=1))
    sys.exit(1 if counts["errors"] else 0)


if __name__ == "__main__":
    main()
