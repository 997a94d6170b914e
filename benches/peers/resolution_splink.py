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
    python3 benches/peers/resolution_splink.py /tmp/demo-m --stress 2000   # and a harder variant

Truth: a hardship-grant application without an ID whose `same_as` names a member is that
member; every other record is its own person (name variants already share one ID; relatives on
the family phone, namesakes, strangers and invalid-ID claimants are different people). The
table by record kind (truth's `how`) shows which traps each side gets right. Splink's names are
prepared as a careful user would (spaces removed, traditional characters simplified with OpenCC
when `pip install opencc` is done); its time covers preparing, training and predicting.
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
    done = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"clew bench failed ({done.returncode}):\n{done.stderr[-4000:]}")
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
    # Names as a careful Splink user would prepare them: traditional characters written in
    # their simplified form (OpenCC, when installed: `pip install opencc`), spaces removed.
    try:
        import opencc

        t2s = opencc.OpenCC("t2s").convert
    except ImportError:
        print("opencc not installed: Splink compares traditional and simplified names as written", file=sys.stderr)

        def t2s(text):
            return text

    con.create_function("t2s", lambda text: t2s(text) if text else text, ["VARCHAR"], "VARCHAR")
    con.execute(
        f"""
        create table persons as
        select unique_id::bigint as unique_id, key,
               nullif(t2s(replace(replace(name, ' ', ''), '　', '')), '') as name,
               nullif(substr(t2s(trim(name)), 1, 1), '') as surname,
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
        # m probabilities start from the same domain priors clew's defaults use and are then
        # trained by EM on two blocks (birth date: trains every other comparison; phone: trains
        # the birth date), as Splink's guide does; u is estimated by random
        # sampling, with term-frequency adjustment for names, phones, addresses, employers.
        # When EM cannot train a block (too few true matches: Splink raises when a level's m
        # estimate reaches 0), the priors stay for the comparisons it would have trained.
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
    prepared = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "birth_date"), block_on("phone", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    em_failed = []
    for rule in ("birth_date", "phone"):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(rule))
        except Exception as e:  # Splink raises plain exceptions for degenerate estimates
            em_failed.append(f"{rule}: {str(e).splitlines()[0][:120]}")
    for failure in em_failed:
        print(f"splink EM on block {failure}", file=sys.stderr)
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    rows = clustered.as_duckdbpyrelation().select("unique_id, cluster_id").fetchall()
    done = time.perf_counter()
    seconds = done - started
    print(
        f"splink seconds: {prepared - started:.2f} preparing, {trained - prepared:.2f} training, "
        f"{done - trained:.2f} predicting and clustering",
        file=sys.stderr,
    )
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


# Traditional forms of common name characters, for the stress variant's name variants.
TRADITIONAL = dict(zip("张刘陈杨黄赵吴孙马罗郑谢许韩冯邓蒋叶苏吕卢钟谭陆贾韦邹龙贺顾龚万钱严伟强军丽红艳兰杰涛鹏辉刚东国庆宝贵聪莲静颖洁莹飞鸣胜兴荣铭锋",
                       "張劉陳楊黃趙吳孫馬羅鄭謝許韓馮鄧蔣葉蘇呂盧鍾譚陸賈韋鄒龍賀顧龔萬錢嚴偉強軍麗紅艷蘭傑濤鵬輝剛東國慶寶貴聰蓮靜穎潔瑩飛鳴勝興榮銘鋒"))
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国文"


def make_stress(demo, export_csv, n, seed):
    """A harder variant of a demo world: `n` paper records of known members typed with slips
    (traditional characters, a mistyped character or birth-date digit, phone or address left
    out) and `n` look-alikes (a relative at the same phone and address with another name and
    birth date; a namesake born years apart), as an extra source. Returns the new folder."""
    import random

    rng = random.Random(seed)
    stress = os.path.abspath(demo).rstrip("/") + f"-stress{n}"
    os.makedirs(stress, exist_ok=True)
    for name in os.listdir(demo):
        if name.endswith(".csv") and not os.path.exists(os.path.join(stress, name)):
            os.symlink(os.path.abspath(os.path.join(demo, name)), os.path.join(stress, name))
    with open(export_csv, newline="") as f:
        members = [r for r in csv.DictReader(f) if r["valid_id"] == "true" and r["name"] and r["birth_date"]]
    rows, truth = [], []

    def slip_date(d):
        y, m, day = d.split("-")
        day2 = f"{int(day[0])}{(int(day[1]) + rng.choice([1, 2, 3])) % 10}"
        return f"{y}-{m}-{day2}" if 1 <= int(day2) <= 28 else d

    for i in range(n):
        p = rng.choice(members)
        name = p["name"]
        roll = rng.random()
        if roll < 0.4:
            name = "".join(TRADITIONAL.get(c, c) for c in name)
        elif roll < 0.5 and len(name) >= 3:
            k = rng.randrange(1, len(name))
            name = name[:k] + rng.choice(GIVEN) + name[k + 1:]
        birth = p["birth_date"]
        roll = rng.random()
        if roll < 0.1:
            birth = slip_date(birth)
        elif roll < 0.15:
            birth = ""
        phone = p["phone"].split("|")[0] if rng.random() < 0.6 else ""
        address = p["address"].split("|")[0] if rng.random() < 0.5 else ""
        key = f"ST{i:06d}"
        rows.append([key, name, p["gender"] if rng.random() < 0.9 else "", birth, phone, address])
        truth.append({"record": key, "same_as": p["key"], "name": name, "birth_date": birth, "phone": phone})
    for i in range(n):
        p = rng.choice(members)
        key = f"LA{i:06d}"
        y = int(p["birth_date"][:4]) + rng.choice([-30, -28, -25, 25, 28, 30, -6, 6])
        other_birth = f"{y}{p['birth_date'][4:]}"
        if i % 2 == 0:  # a relative: same phone and address, another given name and birth date
            name = p["name"][0] + "".join(rng.choice(GIVEN) for _ in range(len(p["name"]) - 1))
            rows.append([key, name, rng.choice(["男", "女"]), other_birth, p["phone"].split("|")[0], p["address"].split("|")[0]])
        else:  # a namesake born years apart, elsewhere
            rows.append([key, p["name"], p["gender"], other_birth, "", ""])
        truth.append({"record": key, "same_as": None, "name": rows[-1][1], "birth_date": other_birth, "phone": rows[-1][4]})
    with open(os.path.join(stress, "stress.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_no", "name", "gender", "birth_date", "phone", "address"])
        w.writerows(rows)
    with open(os.path.join(demo, "mapping.toml")) as f:
        mapping = f.read()
    mapping += """
# Stress records: paper forms of known members typed with slips, and look-alikes.
[[source]]
name = "stress"
path = "stress.csv"
format = "csv"

  [[source.entity]]
  type = "person"
  key = "record_no"
  properties = { name = { column = "name", normalise = ["name"] }, gender = "gender", birth_date = "birth_date" }

  [[source.entity]]
  type = "phone"
  key = { column = "phone", normalise = ["phone"] }
  optional = true

  [[source.entity]]
  type = "address"
  key = { column = "address", normalise = ["collapse_spaces"] }
  optional = true

  [[source.relation]]
  type = "has_phone"
  from = "person"
  to = "phone"

  [[source.relation]]
  type = "lives_at"
  from = "person"
  to = "address"
"""
    with open(os.path.join(stress, "mapping.toml"), "w") as f:
        f.write(mapping)
    with open(os.path.join(demo, "truth.json")) as f:
        base = json.load(f)
    base["entity_resolution"]["missing_id_records"] += truth
    with open(os.path.join(stress, "truth.json"), "w") as f:
        json.dump(base, f, ensure_ascii=False)
    return stress


def by_kind(truth, predicted):
    """Per kind of record without an ID (truth's `how`): how many known members each side
    merged with their record, and how many look-alikes it merged with the member they resemble."""
    kinds = {}
    for r in truth["entity_resolution"]["missing_id_records"]:
        how = r.get("how", "stress record")
        other = r.get("same_as") or r.get("resembles")
        if other:
            kinds.setdefault((how, bool(r.get("same_as"))), []).append(tuple(sorted((other, r["record"]))))
    print(f"{'record kind':34} " + " ".join(f"{name:>14}" for name in predicted))
    for (how, known), pairs in sorted(kinds.items(), key=lambda kv: (not kv[0][1], kv[0][0])):
        label = f"{how} ({'merged' if known else 'wrongly merged'})"
        cells = [f"{len(set(pairs) & found):>5} of {len(pairs):<5}" for found in predicted.values()]
        print(f"{label:34} " + " ".join(f"{c:>14}" for c in cells))


def evaluate(demo, out, builds, reuse, threshold):
    if reuse and os.path.exists(os.path.join(out, "clew_summary.json")):
        with open(os.path.join(out, "clew_summary.json")) as f:
            clew = json.load(f)
    else:
        clew = run_clew_bench(demo, out, builds)

    export_csv = os.path.join(out, "persons.csv")
    with open(export_csv, newline="") as f:
        keys = [row["key"] for row in csv.DictReader(f)]
    with open(os.path.join(demo, "truth.json")) as f:
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
    # Pairs clew left for an investigator: merged plus reviewed, how much of the truth is in sight.
    review_path = os.path.join(out, "clew_review.csv")
    reviewed = set()
    if os.path.exists(review_path):
        with open(review_path, newline="") as f:
            reviewed = {tuple(sorted((r["a"], r["b"]))) for r in csv.DictReader(f)}

    splink, splink_seconds, stricter = splink_clusters(export_csv, threshold, (0.99, 0.999))
    splink_scores = scores(pairs_of(splink), truth_pairs)
    with open(os.path.join(out, "splink_clusters.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "cluster"])
        for cid, members in splink.items():
            if len(members) > 1:
                for k in members:
                    w.writerow([k, cid])

    print(f"{demo}: person records {len(keys)}, true duplicate pairs {len(truth_pairs)}")
    print(f"{'':12} {'precision':>10} {'recall':>8} {'TP':>5} {'pairs':>6} {'seconds':>9}")
    for name, (p, r, tp, n_pred, _), secs in [
        ("clew", clew_scores, clew["resolve_seconds"]),
        (f"splink@{threshold}", splink_scores, splink_seconds),
    ]:
        print(f"{name:12} {p:10.4f} {r:8.4f} {tp:5d} {n_pred:6d} {secs:9.3f}")
    for t, clusters in stricter.items():
        p, r, tp, n_pred, _ = scores(pairs_of(clusters), truth_pairs)
        print(f"{'splink@' + str(t):12} {p:10.4f} {r:8.4f} {tp:5d} {n_pred:6d}   (same predictions, re-clustered)")
    by_kind(truth, {"clew": pairs_of(clew_clusters), f"splink@{threshold}": pairs_of(splink)})
    for name, clusters in (("clew", clew_clusters), (f"splink@{threshold}", splink)):
        wrong = sorted(pairs_of(clusters) - truth_pairs)
        if wrong:
            print(f"{name} false pairs ({len(wrong)}), first ten: {wrong[:10]}")
    in_sight = len((pairs_of(clew_clusters) | reviewed) & truth_pairs)
    print(
        f"clew review list: {len(reviewed)} pairs; true pairs merged or listed for review: "
        f"{in_sight} of {len(truth_pairs)} ({in_sight / max(len(truth_pairs), 1):.4f})"
    )
    plain, resolving = clew["build_seconds_without_resolution"], clew["build_seconds_with_resolution"]
    if plain > 0:
        print(
            f"clew build: {plain:.2f} s without resolution, {resolving:.2f} s with "
            f"({100 * clew['build_overhead']:+.1f}%; the resolution stage itself {clew['resolve_seconds']:.3f} s)"
        )
    return export_csv


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("demo", help="a demo world folder (CSV files, mapping.toml, truth.json)")
    parser.add_argument("--out", help="where the export goes (default DEMO/er)")
    parser.add_argument("--builds", type=int, default=3, help="clew builds per variant for the overhead figure")
    parser.add_argument("--reuse", action="store_true", help="reuse an earlier export and clew summary")
    parser.add_argument("--threshold", type=float, default=0.95, help="Splink clustering match probability")
    parser.add_argument(
        "--stress", type=int, default=0, metavar="N",
        help="also evaluate a harder variant: N paper records of members typed with slips and N look-alikes",
    )
    args = parser.parse_args()
    out = args.out or os.path.join(args.demo, "er")
    export_csv = evaluate(args.demo, out, args.builds, args.reuse, args.threshold)
    if args.stress:
        stress = make_stress(args.demo, export_csv, args.stress, seed=7)
        print()
        evaluate(stress, os.path.join(stress, "er"), 0, args.reuse, args.threshold)


if __name__ == "__main__":
    main()
