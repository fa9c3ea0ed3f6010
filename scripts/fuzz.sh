#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS (default 60), one
# after the other, and keeps what it learns in fuzz/corpus/TARGET/. An empty corpus is
# seeded from the real logs in sample-logs/ (the csvlog and jsonlog seeds come from the
# published pgBadger fixtures in $PGTRIAGE_SHARED_DATA when present). A crash leaves its
# input in fuzz/artifacts/TARGET/ and stops the script with a failure; turn it into a
# regression test in the main suite before fixing it.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or the stable one
# with RUSTC_BOOTSTRAP=1, which this script sets when no nightly is installed.
# The figures of each run (executions, corpus size) go to fuzz/logs/TARGET.log; the last
# `stat::number_of_executed_units` line is the number of executions.

set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(prefix records framing templates policy_baseline redaction)
fi
MAIN_TARGET_DIR=${CARGO_TARGET_DIR:-target}
export CARGO_TARGET_DIR=$MAIN_TARGET_DIR/fuzz
TOOLCHAIN=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    TOOLCHAIN=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi

say() { printf 'fuzz.sh: %s\n' "$*" >&2; }

# Seeds: short real logs, cut to a few kilobytes each so that the fuzzer starts from
# PostgreSQL's own shapes rather than from nothing.
seed() {
    local target=$1 dir=fuzz/corpus/$1 n=0
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return 0
    local logs=(sample-logs/*.log sample-logs/framed/*.log sample-logs/pg17/*.log)
    for f in "${logs[@]}"; do
        n=$((n + 1))
        case $target in
            records) { printf '\000'; head -c 3000 "$f"; } >"$dir/seed-$n" ;;
            templates) { printf '\004\n'; head -n 1 "$f" | sed 's/^.*:  //'; } >"$dir/seed-$n" ;;
            prefix) { printf '%%m [%%p] \n'; head -n 20 "$f"; } >"$dir/seed-$n" ;;
            framing) head -c 3000 "$f" >"$dir/seed-$n" ;;
            policy_baseline) ;;
            redaction) { printf '\001postgres\000report-for-jane@example.com\000'; grep -m 1 -o 'statement: .*' "$f" || true; } >"$dir/seed-$n" ;;
        esac
    done
    local shared=${PGTRIAGE_SHARED_DATA:-}/pgbadger-fixtures
    if [ "$target" = records ] && [ -d "$shared" ]; then
        { printf '\002'; head -n 20 "$shared/csv_statement_without_duration.log"; } >"$dir/seed-csvlog"
        { printf '\002'; cat tests/framings/csvlog-9.3.csv; } >"$dir/seed-csvlog-9.3"
        { printf '\003'; zcat "$shared/pg_vacuums.json.gz" | head -n 20 || true; } >"$dir/seed-jsonlog"
    fi
    if [ "$target" = policy_baseline ]; then
        { printf '\000'; cat examples/compose/prod/.pgtriage.toml; } >"$dir/seed-policy"
        { printf '\001'; CARGO_TARGET_DIR=$MAIN_TARGET_DIR cargo run -q -- analyze --no-policy --output json \
            sample-logs/first-start-no-locale.log || true; } >"$dir/seed-baseline"
    fi
}

mkdir -p fuzz/logs
for t in "${TARGETS[@]}"; do
    seed "$t"
    say "$t: ${SECONDS_EACH}s"
    (cd fuzz && nice -n 19 cargo "${TOOLCHAIN[@]}" fuzz run --sanitizer none "$t" "corpus/$t" \
        -- -max_total_time="$SECONDS_EACH" -max_len=16384 -rss_limit_mb=2048 -print_final_stats=1) \
        >"fuzz/logs/$t.log" 2>&1 || {
        say "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        exit 1
    }
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$t.log" | tail -1 | grep -o '[0-9]*$')
    say "$t: ${execs:-?} executions, no crash; corpus $(ls "fuzz/corpus/$t" | wc -l) inputs"
done
