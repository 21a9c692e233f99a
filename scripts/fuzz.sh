#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ (with AddressSanitizer) and runs each on its committed seed corpus.
#
#   scripts/fuzz.sh                        every harness for 60 s (the CI smoke run)
#   scripts/fuzz.sh --time 3600 onnx idx   the named harnesses for an hour each
#   scripts/fuzz.sh --runs 1000000 npy     a million executions
#   scripts/fuzz.sh --build                only build
#
# Harnesses: onnx keras-h5 keras-archive keras-config idx npy npz (Fuzz/Sources/fuzz-<name>). They run one after the
# other, one process each (the machine has 2 cores). New inputs the fuzzer finds go to out/fuzz/<harness>/corpus (the
# committed seeds in Fuzz/corpus/ stay as they are); a crash, leak, timeout or out-of-memory input goes to
# out/fuzz/<harness>/ and makes the script exit 1. Each run's log is out/fuzz/<harness>.log; the last line printed per
# harness gives its executions and time. Environment: FUZZ_SCRATCH (build folder, default .build-fuzz),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(onnx keras-h5 keras-archive keras-config idx npy npz)
limit=(-max_total_time=60)
build_only=false
while [ $# -gt 0 ]; do
    case $1 in
        --time) limit=(-max_total_time="$2"); shift 2 ;;
        --runs) limit=(-runs="$2"); shift 2 ;;
        --build) build_only=true; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
harnesses=("${@:-${ALL[@]}}")

SCRATCH=$(realpath -m "${FUZZ_SCRATCH:-.build-fuzz}")
make -s system-packages
# -sanitize=fuzzer instruments every Swift module for coverage and links libFuzzer; C targets need fuzzer-no-link.
# lld, because gold fails on the sanitized objects ("internal error in format_file_lineno").
# -enable-testing, for the harnesses that reach internal readers through @testable import.
(cd Fuzz && swift build -c release --scratch-path "$SCRATCH" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld \
    -Xcc -fsanitize=fuzzer-no-link,address)
$build_only && exit 0
BIN=$SCRATCH/release

# Foundation's Data(contentsOf:) leaks 4 KiB on an empty file (swift-foundation, not ours): see Fuzz/lsan.supp.
# Swift's own crash backtracer would catch a trap first and then trip ASan itself; libFuzzer must see the signal.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0
failed=()
for harness in "${harnesses[@]}"; do
    work=out/fuzz/$harness
    mkdir -p "$work/corpus"
    dictionary=()
    [ -f "Fuzz/dict/$harness.dict" ] && dictionary=(-dict="Fuzz/dict/$harness.dict")
    # ZIPFoundation leaks on every archive opened (Fuzz/lsan.supp); a leak in every input makes libFuzzer run a full
    # leak scan after each one (30 inputs/s). For the zip readers leaks are therefore checked once, at exit.
    leaks=()
    case $harness in keras-archive | npz) leaks=(-detect_leaks=0) ;; esac
    start=$SECONDS
    # -rss_limit_mb: any input that makes a reader allocate past 2 GB is a bug (the seeds need a few MB);
    # -timeout: one input taking 10 s is a hang; -max_len: the seeds are at most ~30 KB.
    # shellcheck disable=SC2086
    if "$BIN/fuzz-$harness" "${limit[@]}" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$work/" "${dictionary[@]}" "${leaks[@]}" ${FUZZ_ARGS:-} \
        "$work/corpus" "Fuzz/corpus/$harness" >"$work.log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$harness")
        grep -E "ERROR|SUMMARY|Test unit written|deadly signal" "$work.log" | head -5 >&2 || true
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log" | tail -1)
    echo "fuzz-$harness: $status, ${runs:-?} executions in $((SECONDS - start)) s (log $work.log)"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in out/fuzz/<harness>/)" >&2
    exit 1
fi
