#!/usr/bin/env python3
"""The table of scripts/measure_cnn.sh: one row per (what converts, scale), mean ± standard deviation over seeds.

    python3 scripts/cnn_table.py out/cnn
"""
import glob
import json
import os
import re
import statistics
import sys


def spread(values, scale=1.0, digits=2):
    values = [v * scale for v in values]
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def head_parameters(report, key):
    return sum(line[key] for line in report["layers"] if line["kindBefore"] == "Dense")


def main(folder):
    runs = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        match = re.fullmatch(r"(head|all)-s(\d+)-(\d+)\.json", os.path.basename(path))
        if match:
            runs.setdefault((match[1], int(match[2])), []).append(json.load(open(path)))
    if not runs:
        sys.exit(f"no reports in {folder}")
    first = next(iter(runs.values()))[0]
    original = first["original"]
    print(f"original: {original['params']:,} parameters ({head_parameters(first, 'parametersBefore'):,} in the dense head), "
          f"{original.get('multiplyAdds') or 0:,} multiply-adds per sample, test accuracy {100 * original['accuracy']:.2f}%\n")
    print("| converted | scale | seeds | parameters | head parameters (head ×smaller) | multiply-adds per sample | "
          "accuracy after conversion | accuracy after fine-tuning | vs original |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (what, scale) in sorted(runs, key=lambda k: (k[0] != "head", k[1])):
        reports = runs[(what, scale)]
        head_before = head_parameters(reports[0], "parametersBefore")
        head_after = head_parameters(reports[0], "parametersAfter")
        converted = reports[0]["converted"]
        final = [r["history"][-1]["testAccuracy"] for r in reports]
        start = [r["history"][0]["testAccuracy"] for r in reports]
        epochs = len(reports[0]["history"]) - 1
        delta = [a - original["accuracy"] for a in final]
        print(f"| {'dense head only' if what == 'head' else 'everything'} ({epochs} epochs) | {scale} | {len(reports)} | "
              f"{converted['params']:,} | {head_after:,} ({head_before / head_after:.1f}×) | "
              f"{converted.get('multiplyAdds') or 0:,} | {spread(start, 100)} | {spread(final, 100)} | {spread(delta, 100)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/cnn")
