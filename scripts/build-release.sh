#!/usr/bin/env bash
# scripts/build-release.sh
#
# Builds the release binary with profile-guided optimisation (ADR 0021) and prints its
# path: an instrumented build reads every log in sample-logs/ (the shipped samples, not
# the benchmark's log), LLVM merges what it counted, and a second build lays out and
# inlines the code by those counts. About 7 minutes from clean on 2 cores, 3 after (the
# instrumented build is incremental, the optimised one always redone). The binary
# behaves exactly as `cargo build --release`'s, and reads a pgbench log in about 8% less
# time (see docs/benchmarks.md).
#
# Needs llvm-profdata of the LLVM that rustc uses (`rustc -vV`): found as
# llvm-profdata-N, in /usr/lib/llvm-N/bin, in the toolchain's llvm-tools, or installed
# with apt-get (package llvm-N) when running as root.
#
# Output: target/pgo/release/pgtriage (or under CARGO_TARGET_DIR/pgo).
# Exit status: 0 built; 1 a build or training run failed; 2 no matching llvm-profdata
# (then `cargo build --release` is the build to use).

set -Eeuo pipefail
cd "$(dirname "$0")/.."

say() { printf 'build-release: %s\n' "$*" >&2; }
die() { say "error: $*"; exit "${2:-1}"; }

command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (https://rustup.rs)"
llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
[[ -n $llvm ]] || die "rustc -vV names no LLVM version" 2

find_profdata() {
	local sysroot candidate
	sysroot=$(rustc --print sysroot)
	for candidate in "llvm-profdata-$llvm" "/usr/lib/llvm-$llvm/bin/llvm-profdata" \
		"$sysroot"/lib/rustlib/*/bin/llvm-profdata; do
		if command -v "$candidate" >/dev/null 2>&1; then
			command -v "$candidate"
			return
		fi
	done
	return 1
}

if ! profdata=$(find_profdata); then
	if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
		say "installing llvm-$llvm (llvm-profdata) with apt-get"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "llvm-$llvm" >/dev/null 2>&1 ||
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "llvm-$llvm" >/dev/null 2>&1; } ||
			true
	fi
	profdata=$(find_profdata) ||
		die "no llvm-profdata for LLVM $llvm (rustc's): install llvm-$llvm or rustup's llvm-tools" 2
fi

target=${CARGO_TARGET_DIR:-$PWD/target}
# The counts go to a fixed place: RUSTFLAGS are part of what cargo compares, so the same
# path lets the instrumented build be incremental. The merged profile goes to a new one
# each time, so that the optimised build is always redone with it.
raw=$target/pgo-generate/profraw
work=$(mktemp -d "${TMPDIR:-/tmp}/pgtriage-pgo.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The profile counts what the samples exercise; a RUSTFLAGS of the caller's would make the
# two builds differ from each other, so it is not passed on.
say "instrumented build (LLVM $llvm)"
RUSTFLAGS="-Cprofile-generate=$raw" cargo build --release --quiet \
	--target-dir "$target/pgo-generate" || die "the instrumented build failed"

say "training on sample-logs/"
rm -rf "$raw"
trained=0
while IFS= read -r -d '' log; do
	for args in "--output json --threads 1" "--output json" ""; do
		# Exit 1 is a log whose findings fail the default gate: a run like any other.
		# shellcheck disable=SC2086 # args is a list of words
		"$target/pgo-generate/release/pgtriage" analyze $args "$log" >/dev/null 2>&1 || (($? == 1)) ||
			die "the instrumented binary failed on $log"
	done
	trained=$((trained + 1))
done < <(find sample-logs -name '*.log' -print0 | sort -z)
((trained > 0)) || die "no logs under sample-logs/"

"$profdata" merge -o "$work/pgtriage.profdata" "$raw" || die "llvm-profdata merge failed"

say "optimised build from $trained logs' profile"
RUSTFLAGS="-Cprofile-use=$work/pgtriage.profdata" cargo build --release --quiet \
	--target-dir "$target/pgo" || die "the optimised build failed"
echo "$target/pgo/release/pgtriage"
