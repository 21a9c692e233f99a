#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ (with AddressSanitizer) and runs each on its committed seed corpus.
#
#   scripts/fuzz.sh                        every harness for 60 s (the CI smoke run)
#   scripts/fuzz.sh --time 3600 onnx idx   the named harnesses for an hour each
#   scripts/fuzz.sh --runs 1000000 npy     a million executions
#   scripts/fuzz.sh --build                only build
#
# Harnesses (Fuzz/Sources/fuzz-<name>): onnx keras-h5 keras-h5-structure keras-archive keras-config idx npy npz.
# They run one after the other, one process each (the machine has 2 cores). New inputs the fuzzer finds go to
# out/fuzz/<harness>/corpus (the committed seeds in Fuzz/corpus/ and the regression inputs in fixtures/fuzz/ stay as
# they are); a crash, leak, timeout or out-of-memory input goes to out/fuzz/<harness>/ and makes the script exit 1.
# Each run's log is out/fuzz/<harness>.log; the line printed per harness gives its executions and time.
#
# keras-h5 feeds raw bytes to libhdf5 1.10, which itself crashes, loops or reads out of bounds on some corrupted
# files (Docs/robustness.md). It runs in libFuzzer's fork mode, which goes on past such inputs; each one is then run
# again and sorted: the tool's own HDF5CrashGuard line (a libhdf5 crash or hang turned into exit 1) or an ASan report
# inside libhdf5 is counted as a libhdf5 finding; anything else fails the run.
#
# Environment: FUZZ_SCRATCH (build folder, default .build-fuzz), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(onnx keras-h5 keras-h5-structure keras-archive keras-config idx npy npz)
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

# Swift's own crash backtracer would catch a trap first and then trip ASan itself; libFuzzer must see the signal.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
# Foundation and ZIPFoundation leak a few bytes per file read (not ours): Fuzz/lsan.supp.
export LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0
# HDF5CrashGuard's time limit for one read: a libhdf5 loop is reported after 5 s instead of 120.
export BILIN_HDF5_TIME_LIMIT=5

# The first stack frame of a libFuzzer out-of-memory report outside the sanitizer, libFuzzer and malloc itself: the
# code that asked for the memory (libhdf5 allocating what a corrupted length field says, e.g. in H5T__conv_vlen).
first_allocating_frame() {
    grep -A40 "ERROR: libFuzzer: out-of-memory" <<<"$1" | grep -E "^ +#[0-9]+ " |
        grep -vE "sanitizer|fuzzer::|asan|compiler-rt| in malloc " | head -1
}

# Sorts the inputs a keras-h5 run stopped on; prints "<libhdf5 findings> <not reproduced> <our findings>".
sort_hdf5_findings() {
    local work=$1 library=0 lost=0 ours=0 input output status pid
    # A job that HDF5CrashGuard ended (_exit) leaves no artifact, but its last input is still its FuzzInput file.
    mkdir -p "$work/exited"
    for input in /dev/shm/bilin-fuzz-*.h5; do
        [ -e "$input" ] || continue
        pid=${input#/dev/shm/bilin-fuzz-} && pid=${pid%.h5}
        kill -0 "$pid" 2>/dev/null || mv "$input" "$work/exited/"
    done
    for input in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/exited/*; do
        [ -e "$input" ] || continue
        status=0
        output=$("$BIN/fuzz-keras-h5" -runs=1 "$input" 2>&1) || status=$?
        if grep -qE "the HDF5 library (crashed reading|did not finish reading) the file" <<<"$output" ||
            grep -A3 "ERROR: AddressSanitizer" <<<"$output" | grep -q "libhdf5_serial" ||
            first_allocating_frame "$output" | grep -q "libhdf5_serial"; then
            library=$((library + 1))
            mkdir -p "$work/libhdf5" && mv "$input" "$work/libhdf5/"
        elif [ $status -eq 0 ]; then
            # fork mode's job died on it (or, in exited/, the job ended normally), but alone it reads cleanly
            [[ $input == */exited/* ]] || lost=$((lost + 1))
            rm "$input"
        else
            ours=$((ours + 1))
        fi
    done
    echo "$library $lost $ours"
}

failed=()
for harness in "${harnesses[@]}"; do
    work=out/fuzz/$harness
    mkdir -p "$work/corpus"
    options=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$work/")
    # -rss_limit_mb: any input that makes a reader allocate past 2 GB is a bug (the seeds need a few MB);
    # -timeout: one input taking 10 s is a hang; -max_len: the seeds are at most ~30 KB.
    case $harness in
        # ZIPFoundation leaks on every archive opened (Fuzz/lsan.supp); a leak in every input makes libFuzzer run a
        # full leak scan after each one (30 inputs/s). For the zip readers leaks are checked once, at exit.
        keras-archive | npz) options+=(-detect_leaks=0) ;;
        # libhdf5 leaks on its own error paths (allocations in H5* frames); our code's leaks are the structure
        # harness's to find.
        keras-h5) options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -detect_leaks=0) ;;
    esac
    seeds=("Fuzz/corpus/$harness")
    [ "$harness" = onnx ] && seeds+=(fixtures/fuzz)
    start=$SECONDS
    # shellcheck disable=SC2086
    "$BIN/fuzz-$harness" "${limit[@]}" "${options[@]}" ${FUZZ_ARGS:-} "$work/corpus" "${seeds[@]}" >"$work.log" 2>&1 &&
        status=ok || status=FAILED
    rm -f /dev/shm/bilin-fuzz-* # the harnesses' input files (FuzzInput)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log" | tail -1)
    note=""
    if [ "$harness" = keras-h5 ]; then
        runs=$(sed -n 's/^#\([0-9]*\): cov.*/\1/p' "$work.log" | tail -1)
        read -r library lost ours < <(sort_hdf5_findings "$work")
        note=", $library libhdf5 findings (inputs in $work/libhdf5), $lost not reproduced alone"
        [ "$ours" -eq 0 ] && status=ok || status=FAILED
    fi
    if [ $status = FAILED ]; then
        failed+=("$harness")
        grep -E "ERROR|SUMMARY|Test unit written|deadly signal" "$work.log" | head -5 >&2 || true
    fi
    echo "fuzz-$harness: $status, ${runs:-?} executions in $((SECONDS - start)) s$note (log $work.log)"
done
echo "fuzz: $((${#harnesses[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs in out/fuzz/<harness>/)" >&2
    exit 1
fi
