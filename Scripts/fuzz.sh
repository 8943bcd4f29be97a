#!/usr/bin/env bash
# Runs each libFuzzer harness for FUZZ_SECONDS (default 60), from a corpus seeded with the
# fixtures. Usage: Scripts/fuzz.sh BUILD_DIR TARGET...   (called by `make fuzz`).
# A crashing input is written to Fuzz/regressions/TARGET/ (commit it: `make test` replays it)
# and the script exits non-zero.
set -euo pipefail
build="$1"; shift
seconds="${FUZZ_SECONDS:-60}"
# ASan keeps freed memory in quarantine (256 MiB by default), which counted against the 512 MiB
# limit made libFuzzer report out-of-memory with 36 MiB live; a smaller quarantine still catches
# use-after-free of recent allocations.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=32}"
status=0
for target in "$@"; do
    corpus="$build/corpus/$target"
    mkdir -p "$corpus" "Fuzz/regressions/$target"
    if [ "$target" = FuzzFile ]; then cp -n TestData/fixtures/*.h5 TestData/fixtures/*.nwb "$corpus/"; fi
    echo "fuzz: $target for $seconds s"
    if ! "$build/release/$target" -max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -max_len=300000 \
        -print_final_stats=1 -artifact_prefix="Fuzz/regressions/$target/" "$corpus" 2>"$build/$target.log"; then
        status=1
        echo "fuzz: $target found a failure; see $build/$target.log and Fuzz/regressions/$target/"
    fi
    grep -E "^Done|stat::number_of_executed_units" "$build/$target.log" | head -2
done
exit $status
