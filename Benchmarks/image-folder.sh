#!/usr/bin/env bash
# Issue 20, step 3: Fashion-MNIST as 70,000 PNG files against the same images as IDX files. Both convert the shipped
# MLP at scale 2 and fine-tune EPOCHS epochs with the same seed, so they see the same batches in the same order; GNU
# time reports each run's peak resident set size, the JSON report its accuracy and its seconds per epoch. The runs
# alternate (IDX, folder, IDX, folder) so that a busy machine weighs on both alike.
#
#   Benchmarks/image-folder.sh [CALIBRATION]   (default 4000 calibration examples; EPOCHS=3, REPEATS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
CALIBRATION=${1:-4000}
EPOCHS=${EPOCHS:-3}
REPEATS=${REPEATS:-2}
IDX=/usr/share/datasets/fashion-mnist
OUT=out/bench
FOLDER=$OUT/fmnist-png
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { SUDO=$( [ "$(id -u)" = 0 ] || echo sudo ); $SUDO apt-get install -y -q time >/dev/null; }
[ -d "$FOLDER/train" ] || python3 scripts/write_image_folder.py "$FOLDER" >&2
swift build -c release --product bilin-convert >&2
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo '+changes'), $(nproc) cores"
for repeat in $(seq "$REPEATS"); do
  for data in "$IDX" "$FOLDER"; do
    name=$([ "$data" = "$IDX" ] && echo idx || echo folder)
    command=(.build/release/bilin-convert fixtures/fmnist_mlp.h5 --scale 2 --data "$data" --epochs "$EPOCHS" --seed 0
             --calibration-examples "$CALIBRATION" -o "$OUT/$name.h5" --json "$OUT/$name.json" --quiet)
    echo "\$ ${command[*]}"
    /usr/bin/time -v "${command[@]}" 2> "$OUT/$name.time" | sed -n '/^start:/,$p'
    grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$OUT/$name.time"
    python3 -c "import json,sys; h=json.load(open(sys.argv[1]))['history'][1:]; print('epoch seconds', [round(r['seconds'],1) for r in h], 'read seconds', [round(r['data']['readSeconds'],1) for r in h])" "$OUT/$name.json"
  done
done
