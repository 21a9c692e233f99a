#!/usr/bin/env bash
# Peak memory of converting a 400 MB dense layer (issue 5, item 4): a generated model with a 25088→4096 dense layer,
# as a Keras .h5 (made by Keras) and as an ONNX file (MatMul + Add, made with onnx.helper), is converted at scale 1
# with the nearest-Kronecker start (the truncated factorisation), and GNU time reports the peak resident set size,
# which is compared with the size of the kernel.
#
#   Benchmarks/streaming.sh          (PYTHON: a venv with keras, jax and onnx, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
[ -x "$PYTHON" ] || make python >&2   # the test venv (scripts/requirements-test.txt: jax, numpy, scipy, keras, onnx)
SCRATCH=${SCRATCH:-.build}
OUT=out/bench
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { SUDO=$( [ "$(id -u)" = 0 ] || echo sudo ); $SUDO apt-get install -y -q time >/dev/null; }
[ -f "$OUT/vgg_head.h5" ] || KERAS_BACKEND=jax "$PYTHON" Benchmarks/make_big_model.py "$OUT/vgg_head.h5" >&2
[ -f "$OUT/vgg_head.onnx" ] || "$PYTHON" Benchmarks/make_big_onnx.py "$OUT/vgg_head.onnx" >&2
swift build -c release --scratch-path "$SCRATCH" --product bilin-convert >&2
kernel_bytes=$((25088 * 4096 * 4))
for format in h5 onnx; do
    rm -f "$OUT/vgg_head.bilinear.$format"
    /usr/bin/time -v "$SCRATCH/release/bilin-convert" "$OUT/vgg_head.$format" --scale 1 --init nkp \
        -o "$OUT/vgg_head.bilinear.$format" --quiet 2> "$OUT/streaming-$format.time" > "$OUT/streaming-$format.report"
    peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/streaming-$format.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/streaming-$format.time")
    awk -v f="$format" -v peak="$peak_kb" -v kernel="$kernel_bytes" -v wall="$wall" 'BEGIN {
        printf "%-5s kernel %.0f MB; peak RSS %.0f MB = %.2f× the kernel; wall %s\n", f, kernel / 1e6, peak * 1024 / 1e6, peak * 1024 / kernel, wall }'
done
