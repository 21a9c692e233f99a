#!/usr/bin/env bash
# Measures issue 4 on the Fashion-MNIST CNN (fixtures/fmnist_cnn.h5): at scales 1, 2 and 4, converting only the dense
# head (--layers, 2 epochs) and everything (convolutions and head, 3 epochs), default start, Adam at LR (default 4e-3,
# the tool's default; the figures before it became the default were measured with --lr 4e-3), for each seed. One JSON
# report per run in OUT, then a markdown table (scripts/cnn_table.py) of parameters, head parameters, multiply-adds
# per sample and test accuracy, mean ± standard deviation over the seeds.
#   usage: scripts/measure_cnn.sh [OUT] [SEEDS...]        (default: out/cnn 0)
#   SCALES="2" limits the scales; MODEL picks another model (HEAD names its first dense layer); BIN the tool binary.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/cnn}; shift $(( $# > 0 ? 1 : 0 ))
seeds=${*:-"0"}
bin=${BIN:-.build/release/bilin-convert}
model=${MODEL:-fixtures/fmnist_cnn.h5}
head=${HEAD:-dense_1}
data=/usr/share/datasets/fashion-mnist
[ -x "$bin" ] || swift build -c release >&2
mkdir -p "$out"
run() {  # run NAME ARGS...
  local name=$1; shift
  [ -s "$out/$name.json" ] && return 0  # resumable: finished runs are kept
  "$bin" "$model" --data "$data" --quiet -o "$out/$name.h5" --json "$out/$name.json" "$@" > /dev/null
  rm -f "$out/$name.h5"
}
for seed in $seeds; do
  for scale in ${SCALES:-1 2 4}; do
    run "head-s$scale-$seed" --scale "$scale" --layers "$head" --epochs 2 --seed "$seed" --lr "${LR:-4e-3}"
    run "all-s$scale-$seed" --scale "$scale" --epochs 3 --seed "$seed" --lr "${LR:-4e-3}"
  done
done
python3 scripts/cnn_table.py "$out"
