#!/usr/bin/env bash
# One command for every benchmark of issue 5: builds bilin-bench in release, then runs Benchmarks/run.py, which
# interleaves our runs with the peers' (JAX on CPU for training and inference, numpy/scipy for factorisation) and
# prints each figure beside its peer with the ratio.
#
#   Benchmarks/run.sh [--threads N] [--rounds R] [--only sgemm,train,infer,factor] [--full-svd-big]
#
# PYTHON (default: .venv/bin/python, made by `make python`) must have jax, numpy and scipy (scripts/requirements-test.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
[ -x "$PYTHON" ] || make python >&2   # the test venv (scripts/requirements-test.txt: jax, numpy, scipy, keras, onnx)
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product bilin-bench >&2
exec "$PYTHON" Benchmarks/run.py --bench "$SCRATCH/release/bilin-bench" --python "$PYTHON" "$@"
