#!/usr/bin/env python3
"""Runs `bilin-convert inspect` on copies of the keras-h5 seeds with 1-8 random bytes overwritten and counts the outcomes
(Docs/robustness.md, "Fuzzing"). Any outcome but exit 0 or one `Error:` line with exit 1 is a bug.

    python3 Fuzz/corrupt_h5.py .build/debug/bilin-convert 2000 [seed]

The copies go to a temporary folder; one example of each outcome is kept and its path printed.
"""
import collections
import os
import random
import subprocess
import sys
import tempfile

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "keras-h5")


def outcome(run):
    lines = [line for line in run.stderr.decode(errors="replace").splitlines() if line]
    if run.returncode == 0:
        return "exit 0 (loads)"
    if run.returncode != 1 or not lines or not lines[-1].startswith("Error: "):
        return f"BUG: exit status {run.returncode}"
    kind = ("libhdf5 crashed (HDF5CrashGuard)" if "crashed reading the file" in lines[-1]
            else "libhdf5 hang (HDF5CrashGuard)" if "did not finish reading" in lines[-1] else "an error of ours or libhdf5's")
    return f"exit 1: {kind}" + ("" if len(lines) == 1 else f", {len(lines)} lines on stderr")


def main():
    tool, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    names = ["tiny.h5", "tiny_keras2.h5", "tiny_functional.h5", "tiny_keras2_vlen.h5"]
    seeds = [open(os.path.join(SEEDS, name), "rb").read() for name in names]
    env = dict(os.environ, BILIN_HDF5_TIME_LIMIT="5", SWIFT_BACKTRACE="enable=no")
    folder = tempfile.mkdtemp(prefix="corrupt-h5-")
    tally, examples = collections.Counter(), {}
    for index in range(count):
        data = bytearray(seeds[index % len(seeds)])
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = os.path.join(folder, f"{index}.h5")
        with open(path, "wb") as f:
            f.write(data)
        try:
            key = outcome(subprocess.run([tool, "inspect", path], capture_output=True, env=env, timeout=60))
        except subprocess.TimeoutExpired:
            key = "BUG: still running after 60 s"
        tally[key] += 1
        if key in examples:
            os.remove(path)
        else:
            examples[key] = path
    for key, number in sorted(tally.items()):
        print(f"{number:6d}  {key}  (e.g. {examples[key]})")


if __name__ == "__main__":
    main()
