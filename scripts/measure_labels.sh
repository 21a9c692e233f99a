#!/usr/bin/env bash
# Measures issue 6's label settings at scale 2 on two datasets (Fashion-MNIST with fixtures/fmnist_mlp.h5, MNIST with
# fixtures/mnist_mlp.h5), for each seed: the default conversion against the same bilinear network trained from
# scratch (--init random, labels only) with all labels (3 epochs) and with the first 6,000 labels (5 epochs), and the
# default conversion with no labels (--unlabeled, 5 epochs). One JSON report per run in OUT; then a markdown table
# of mean ± standard deviation over the seeds (scripts/labels_table.py).
#   usage: scripts/measure_labels.sh [OUT] [SEEDS...]        (default: out/labels 0 1 2)
#   DATASETS="fmnist" or "mnist" runs one dataset (two shells can share the work); BIN picks the tool binary.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/labels}; shift $(( $# > 0 ? 1 : 0 ))
seeds=${*:-"0 1 2"}
bin=${BIN:-.build/release/bilin-convert}
[ -x "$bin" ] || swift build -c release >&2
[ -x .venv/bin/python ] || make python >&2
.venv/bin/python scripts/get_mnist.py out/mnist >&2
mkdir -p "$out"
run() {  # run NAME MODEL DATA ARGS...
  local name=$1 model=$2 data=$3; shift 3
  [ -s "$out/$name.json" ] && return 0  # resumable: finished runs are kept
  "$bin" "$model" --scale 2 --data "$data" --quiet -o "$out/$name.h5" --json "$out/$name.json" "$@" > /dev/null
  rm -f "$out/$name.h5"
}
for dataset in ${DATASETS:-fmnist mnist}; do
  case $dataset in
    fmnist) model=fixtures/fmnist_mlp.h5; data=/usr/share/datasets/fashion-mnist ;;
    mnist) model=fixtures/mnist_mlp.h5; data=out/mnist ;;
  esac
  for seed in $seeds; do
    run "$dataset-all-default-$seed" $model $data --epochs 3 --seed "$seed"
    run "$dataset-all-scratch-$seed" $model $data --epochs 3 --seed "$seed" --init random
    run "$dataset-l6000-default-$seed" $model $data --epochs 5 --seed "$seed" --labelled 6000
    run "$dataset-l6000-scratch-$seed" $model $data --epochs 5 --seed "$seed" --labelled 6000 --init random --no-distill
    run "$dataset-unlabeled-default-$seed" $model $data --epochs 5 --seed "$seed" --unlabeled
  done
done
python3 scripts/labels_table.py "$out"
