#!/usr/bin/env python3
"""Entity resolution side by side (issue 3): clew against Splink on the same person records.

clew's bench `benches/resolution.rs` loads a demo world through the mapping, exports the person
records exactly as resolution sees them (one per node after strong-key merging: key, whether it
is a valid resident ID, name, gender, birth date, phone, address, employer), times clew's
resolution stage on them and writes its clusters. This script runs Splink (DuckDB backend) on
that same export with a sensible unsupervised model, and scores both against the demo's
truth.json: pairwise precision and recall over the person records, and time.

    cargo run --release -- demo --size medium --seed 7 --no-serve --out /tmp/demo-m
    python3 benches/peers/resolution_splink.py /tmp/demo-m            # runs the clew bench first
    python3 benches/peers/resolution_splink.py /tmp/demo-m --reuse    # reuse an earlier export

Truth: a hardship-grant application without an ID whose `same_as` names a member is that
member; every other record is its own person (name variants already share one ID, namesakes
and invalid-ID claimants are different people).
"""

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import time


def pairs_of(clusters):
    """All unordered pairs of records within each cluster (clusters are small)."""
    out = set()
    for members in clusters.values():
        if len(members) > 1:
            for a, b in itertools.combinations(sorted(members), 2):
                out.add((a, b))
    return out


def scores(predicted, truth):
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    return precision, recall, tp, len(predicted), len(truth)


def run_clew_bench(demo, out, builds):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmd = ["cargo", "bench", "--bench", "resolution", "--", demo, "--out", out, "--builds", str(builds)]
    print("running:", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True)
    line = [l for l in done.stdout.splitlines() if l.startswith("{")][-1]
    summary = json.loads(line)
    with open(os.path.join(out, "clew_summary.json"), "w") as f:
        json.dump(summary, f)
    return summary


ONE_WEAK = "not (l.valid_id = 'true' and r.valid_id = 'true')"


def splink_clusters(export_csv, threshold, extra_thresholds=()):
    import duckdb
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        f"""
        create table persons as
        select unique_id::bigint as unique_id, key,
               nullif(name, '') as name,
               nullif(substr(name, 1, 1), '') as surname,
               case gender when '男' then 'M' when 'M' then 'M' when '1' then 'M'
                           when '女' then 'F' when 'F' then 'F' when '2' then 'F' end as gender,
               nullif(birth_date, '') as birth_date,
               nullif(split_part(phone, '|', 1), '') as phone,
               nullif(split_part(address, '|', 1), '') as address,
               nullif(split_part(employer, '|', 1), '') as employer,
               case when regexp_full_match(key, '[0-9]{{17}}[0-9X]|[0-9]{{15}}') then key end as id,
               valid_id
        from read_csv('{export_csv}', all_varchar = true, header = true)
        """
    )
    db_api = DuckDBAPI(connection=con)
    records = db_api.register("persons")
    settings = SettingsCreator(
        link_type="dedupe_only",
        # m probabilities are set, not estimated: Splink 5.0's EM fails on this data (with 30
        # true matches among 206,000 records a level's m estimate reaches 0 and Splink raises
        # "m_probability value 0.0 is below the minimum"). They are the same domain priors
        # clew's defaults use; u is estimated by random sampling and term frequencies.
        comparisons=[
            cl.LevenshteinAtThresholds("name", [1])
            .configure(term_frequency_adjustments=True, m_probabilities=[0.92, 0.05, 0.03]),
            cl.DateOfBirthComparison("birth_date", input_is_string=True)
            .configure(m_probabilities=[0.95, 0.03, 0.005, 0.005, 0.005, 0.005]),
            cl.ExactMatch("gender").configure(m_probabilities=[0.98, 0.02]),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True, m_probabilities=[0.7, 0.3]),
            cl.ExactMatch("address").configure(term_frequency_adjustments=True, m_probabilities=[0.6, 0.4]),
            cl.ExactMatch("employer").configure(term_frequency_adjustments=True, m_probabilities=[0.5, 0.5]),
        ],
        # Like clew, only pairs with at least one record without a valid resident ID: two
        # different valid IDs are two people, which Splink can only say by not comparing them.
        blocking_rules_to_generate_predictions=[
            f"l.name = r.name and {ONE_WEAK}",
            f"l.birth_date = r.birth_date and l.surname = r.surname and {ONE_WEAK}",
            f"l.phone = r.phone and {ONE_WEAK}",
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(records, settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "birth_date"), block_on("phone", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    rows = clustered.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
    seconds = time.perf_counter() - started
    keys = dict(con.execute("select unique_id, key from persons").fetchall())

    def to_clusters(rows):
        clusters = {}
        for uid, cid in rows:
            clusters.setdefault(cid, []).append(keys[uid])
        return clusters

    # The same predictions clustered at stricter thresholds, untimed, to show the trade-off.
    others = {}
    for t in extra_thresholds:
        c = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=t)
        others[t] = to_clusters(c.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall())
    return to_clusters(rows), seconds, others


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("demo", help="a demo world folder (CSV files, mapping.toml, truth.json)")
    parser.add_argument("--out", help="where the export goes (default DEMO/er)")
    parser.add_argument("--builds", type=int, default=3, help="clew builds per variant for the overhead figure")
    parser.add_argument("--reuse", action="store_true", help="reuse an earlier export and clew summary")
    parser.add_argument("--threshold", type=float, default=0.95, help="Splink clustering match probability")
    args = parser.parse_args()
    out = args.out or os.path.join(args.demo, "er")
    if args.reuse and os.path.exists(os.path.join(out, "clew_summary.json")):
        with open(os.path.join(out, "clew_summary.json")) as f:
            clew = json.load(f)
    else:
        clew = run_clew_bench(args.demo, out, args.builds)

    export_csv = os.path.join(out, "persons.csv")
    with open(export_csv, newline="") as f:
        keys = [row["key"] for row in csv.DictReader(f)]
    with open(os.path.join(args.demo, "truth.json")) as f:
        truth = json.load(f)
    entity = {k: k for k in keys}
    for record in truth["entity_resolution"]["missing_id_records"]:
        if record["same_as"]:
            entity[record["record"]] = record["same_as"]
    truth_clusters = {}
    for k in keys:
        truth_clusters.setdefault(entity[k], []).append(k)
    truth_pairs = pairs_of(truth_clusters)

    clew_clusters = {}
    with open(os.path.join(out, "clew_clusters.csv"), newline="") as f:
        for row in csv.DictReader(f):
            clew_clusters.setdefault(row["cluster"], []).append(row["key"])
    clew_scores = scores(pairs_of(clew_clusters), truth_pairs)

    splink, splink_seconds, stricter = splink_clusters(export_csv, args.threshold, (0.99, 0.999))
    splink_scores = scores(pairs_of(splink), truth_pairs)
    with open(os.path.join(out, "splink_clusters.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "cluster"])
        for cid, members in splink.items():
            if len(members) > 1:
                for k in members:
                    w.writerow([k, cid])

    print(f"person records: {len(keys)}, true duplicate pairs: {len(truth_pairs)}")
    print(f"{'':12} {'precision':>10} {'recall':>8} {'TP':>5} {'pairs':>6} {'seconds':>9}")
    for name, (p, r, tp, n_pred, _), secs in [
        ("clew", clew_scores, clew["resolve_seconds"]),
        (f"splink@{args.threshold}", splink_scores, splink_seconds),
    ]:
        print(f"{name:12} {p:10.4f} {r:8.4f} {tp:5d} {n_pred:6d} {secs:9.3f}")
    for t, clusters in stricter.items():
        p, r, tp, n_pred, _ = scores(pairs_of(clusters), truth_pairs)
        print(f"{'splink@' + str(t):12} {p:10.4f} {r:8.4f} {tp:5d} {n_pred:6d}   (same predictions, re-clustered)")
    plain, resolving = clew["build_seconds_without_resolution"], clew["build_seconds_with_resolution"]
    print(
        f"clew build: {plain:.2f} s without resolution, {resolving:.2f} s with "
        f"({100 * clew['build_overhead']:+.1f}%; the resolution stage itself {clew['resolve_seconds']:.3f} s)"
    )


if __name__ == "__main__":
    main()
