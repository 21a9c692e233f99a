#!/usr/bin/env bash
# Peak memory of converting a VGG-sized ONNX dense head (25088 -> 4096, 411 MB of float32 weights) at scale 1,
# convert only (no data), against the weight bytes. The model is generated (scripts/make_vgg_head_onnx.py), not
# committed. Prints the tool's wall time and peak resident set size as `/usr/bin/time -v` reports them.
#   usage: scripts/measure_onnx_memory.sh [OUT-FOLDER] [INIT: random|nkp]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/onnx-memory}; init=${2:-random}
python=${BILIN_PYTHON:-.venv/bin/python}
bin=${BILIN_BIN:-.build/release/bilin-convert}
[ -x "$bin" ] || swift build -c release >&2
mkdir -p "$out"
[ -f "$out/vgg_head.onnx" ] || "$python" scripts/make_vgg_head_onnx.py "$out/vgg_head.onnx"
weights=$(( (4096 * 25088 + 4096 + 10 * 4096 + 10) * 4 ))
/usr/bin/time -v "$bin" "$out/vgg_head.onnx" --scale 1 --init "$init" -o "$out/vgg_head.bilinear.onnx" --quiet \
  > "$out/report.txt" 2> "$out/time.txt"
peak_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time.txt")
echo "init $init: wall $wall, peak RSS $(( peak_kb / 1024 )) MiB = $(awk -v p="$peak_kb" -v w="$weights" 'BEGIN {printf "%.2f", p * 1024 / w}')x the $(( weights / 1024 / 1024 )) MiB of weights"
