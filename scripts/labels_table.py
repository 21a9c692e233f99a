"""Summarises scripts/measure_labels.sh: mean ± standard deviation over seeds of test accuracy right after conversion
and after fine-tuning, per dataset and setting, and the issue's targets against the dense model and scratch.

    python3 scripts/labels_table.py out/labels
"""
import glob
import json
import os
import re
import statistics
import sys


def stats(values):
    mean = statistics.mean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, spread


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "out/labels"
    runs = {}
    dense = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        match = re.fullmatch(r"(\w+)-(all|l6000|unlabeled)-(default|scratch)-(\d+)", os.path.basename(path)[:-5])
        if not match:
            continue
        dataset, setting, start, seed = match.groups()
        report = json.load(open(path))
        dense[dataset] = report["original"]["accuracy"] * 100
        history = report["history"]
        runs.setdefault((dataset, setting, start), []).append(
            (int(seed), report.get("initialization"), history[0]["testAccuracy"] * 100, history[-1]["testAccuracy"] * 100))
    print("| dataset | labels | start | seeds | before fine-tuning | after fine-tuning |")
    print("|---|---|---|---|---|---|")
    for (dataset, setting, start), values in sorted(runs.items()):
        before, after = stats([v[2] for v in values]), stats([v[3] for v in values])
        starts = sorted({v[1] for v in values})
        print(f"| {dataset} | {setting} | {start} ({', '.join(starts)}) | {len(values)} | "
              f"{before[0]:.2f} ± {before[1]:.2f} | {after[0]:.2f} ± {after[1]:.2f} |")
    print()
    print("| dataset | target | needed | measured (mean) | met |")
    print("|---|---|---|---|---|")
    for dataset in sorted(dense):
        def mean_after(setting, start):
            values = runs.get((dataset, setting, start))
            return statistics.mean(v[3] for v in values) if values else float("nan")
        checks = [
            ("all labels, 3 epochs ≥ dense − 0.3", dense[dataset] - 0.3, mean_after("all", "default")),
            ("all labels, 3 epochs ≥ scratch", mean_after("all", "scratch"), mean_after("all", "default")),
            ("6,000 labels, 5 epochs ≥ scratch + 1.5", mean_after("l6000", "scratch") + 1.5, mean_after("l6000", "default")),
            ("no labels, 5 epochs ≥ dense − 1.0", dense[dataset] - 1.0, mean_after("unlabeled", "default")),
        ]
        for name, needed, measured in checks:
            print(f"| {dataset} (dense {dense[dataset]:.2f}) | {name} | {needed:.2f} | {measured:.2f} | {'yes' if measured >= needed else 'no'} |")


if __name__ == "__main__":
    main()
