#!/usr/bin/env bash
# Peak memory of converting a 400 MB dense layer (issue 5, item 4): a generated Keras .h5 with a 25088→4096 Dense
# layer is converted at scale 1 with the nearest-Kronecker start (the truncated factorisation), and GNU time reports
# the peak resident set size, which is compared with the size of the kernel.
#
#   Benchmarks/streaming.sh          (PYTHON: a venv with keras + jax, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
SCRATCH=${SCRATCH:-.build}
OUT=out/bench
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { SUDO=$( [ "$(id -u)" = 0 ] || echo sudo ); $SUDO apt-get install -y -q time >/dev/null; }
[ -f "$OUT/vgg_head.h5" ] || KERAS_BACKEND=jax "$PYTHON" Benchmarks/make_big_model.py "$OUT/vgg_head.h5" >&2
swift build -c release --scratch-path "$SCRATCH" --product bilin-convert >&2
rm -f "$OUT/vgg_head.bilinear.h5"
/usr/bin/time -v "$SCRATCH/release/bilin-convert" "$OUT/vgg_head.h5" --scale 1 --init nkp -o "$OUT/vgg_head.bilinear.h5" \
    --quiet 2> "$OUT/streaming.time" > "$OUT/streaming.report"
kernel_bytes=$((25088 * 4096 * 4))
peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/streaming.time")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/streaming.time")
cat "$OUT/streaming.report"
awk -v peak="$peak_kb" -v kernel="$kernel_bytes" -v wall="$wall" 'BEGIN {
    printf "kernel %.0f MB; peak RSS %.0f MB = %.2f× the kernel; wall %s\n", kernel / 1e6, peak * 1024 / 1e6, peak * 1024 / kernel, wall }'
