"""Optuna's TPE on the NAS-Bench-201 protocol of bench/nas-bench-201.ts, as a reference measured here.

Protocol (the `counted` rule of `npx tsx bench/nas-bench-201.ts`): each study runs `--trials`
trials (100); a trial picks one op per edge of the cell (six categorical parameters over the five ops,
in the benchmark's edge order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) and returns the cell's valid_12;
duplicates are evaluated again and count as trials; the study's pick is the trial with the best valid_12
(the first on ties), reported by its test_200. Sampler: optuna.samplers.TPESampler(seed=s) with every
other setting at optuna's default. Seeds 0 .. --seeds - 1.

Run it in a virtual environment that holds optuna (the project ignores .venv-optuna/):

    python3 -m venv .venv-optuna && .venv-optuna/bin/pip install optuna
    nice .venv-optuna/bin/python bench/optuna-nas-bench-201.py --seeds 500 \
        --out bench/reference/optuna-tpe-nas-bench-201.json

It prints the mean and standard deviation of the picks' test_200 and writes every pick to --out, which
bench/nas-bench-201.ts reads (--reference) for its Welch t. The table is found as the TypeScript bench
finds it: NAS_SHARED_DIR, else ../shared beside the project; --table overrides.
"""

import argparse
import csv
import json
import math
import os
import statistics
import sys
import time

import optuna

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]


def default_table():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = os.environ.get("NAS_SHARED_DIR") or os.path.join(root, "..", "shared")
    return os.path.join(shared, "benchmarks", "nas-bench-201", "cifar10.csv")


def arch_string(edges):
    e = edges
    return f"|{e[0]}~0|+|{e[1]}~0|{e[2]}~1|+|{e[3]}~0|{e[4]}~1|{e[5]}~2|"


def read_table(path):
    if not os.path.exists(path):
        sys.exit(f"{path}: not found (set NAS_SHARED_DIR or pass --table)")
    table = {}
    with open(path, newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                table[row["arch"]] = (float(row["valid_12"]), float(row["test_200"]))
            except (KeyError, ValueError) as err:
                sys.exit(f"{path}, line {line}: {err}; expected columns arch, valid_12, test_200")
    return table


def study_once(seed, trials, table):
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    best = None
    for _ in range(trials):
        trial = study.ask()
        edges = [trial.suggest_categorical(f"edge {name}", OPS) for name in EDGES]
        valid, test = table[arch_string(edges)]
        study.tell(trial, valid)
        if best is None or valid > best[0]:
            best = (valid, test)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--table", default=default_table())
    parser.add_argument("--out", default=None, help="JSON file for the per-seed picks")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    table = read_table(args.table)
    started = time.time()
    picks = []
    for seed in range(args.seeds):
        valid, test = study_once(seed, args.trials, table)
        picks.append({"seed": seed, "valid_12": valid, "test_200": test})
        if (seed + 1) % 20 == 0:
            print(f"{seed + 1} seeds, {time.time() - started:.0f} s", file=sys.stderr)
    tests = [p["test_200"] for p in picks]
    mean, std = statistics.mean(tests), statistics.stdev(tests)
    print(f"optuna {optuna.__version__} TPESampler (defaults), {args.trials} trials, duplicates counted, "
          f"{args.seeds} seeds: test_200 of the pick {mean:.3f} ± {std:.3f} (se {std / math.sqrt(len(tests)):.3f})")
    if args.out:
        result = {
            "peer": f"optuna {optuna.__version__} TPESampler (defaults)",
            "protocol": f"{args.trials} trials, one categorical per edge, duplicates counted, pick by valid_12, report test_200",
            "command": "python bench/optuna-nas-bench-201.py --seeds %d --trials %d" % (args.seeds, args.trials),
            "trials": args.trials,
            "seeds": args.seeds,
            "mean": mean,
            "std": std,
            "picks": picks,
        }
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
