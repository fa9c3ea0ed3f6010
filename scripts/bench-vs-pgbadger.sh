#!/usr/bin/env bash
# scripts/bench-vs-pgbadger.sh [SIZE_MB]      (default 512)
# scripts/bench-vs-pgbadger.sh --log-only     step 3 only: prints the base log's path
#
# pgtriage's throughput claim, measured against pgBadger on the SAME file in ONE
# run. This script is the only place where performance figures come from (there
# are no timed unit tests); docs/benchmarks.md records what it printed.
#
# What it does:
#   1. installs pgbadger (and GNU time, for max RSS) with apt-get when missing;
#   2. builds pgtriage twice: the release binary, profile-guided by
#      scripts/build-release.sh (ADR 0021), and `cargo build --release`'s, which a
#      user building from source gets; both are timed. Without an llvm-profdata that
#      matches rustc's LLVM, only cargo's is built and timed (the table says so);
#   3. makes a REAL PostgreSQL 15 stderr log: a server started as the `postgres`
#      OS user in a temp dir on a free loopback port, log_min_duration_statement=0,
#      log_connections/log_disconnections=on, checkpoints and autovacuum logged,
#      driven by `pgbench -i` then rounds of `pgbench -c 4 -T 5` (plus a little
#      `pgbench -C` connection churn) until its log reaches BASE_MB (64 MB).
#      That base log is cached in $PGTRIAGE_BENCH_CACHE (default
#      /var/cache/pgtriage/bench) and reused; it is never hand-written;
#   4. repeat-concatenates it into a temp file of SIZE_MB MiB (cut at a line end);
#   5. times, on that file, with /usr/bin/time (wall seconds, CPU %, max RSS):
#        pgtriage analyze --output json FILE              (statistics on, default threads;
#                                                           5 times, the median run counts;
#                                                           half before pgBadger, half after)
#        pgtriage analyze --output json --threads 1 FILE  (the same, one thread)
#        (each of those with both builds; every report must be byte-identical)
#        pgbadger -j 1 -f stderr --prefix PREFIX -o out.json FILE
#        pgbadger -j 2 ... (the machine's other core; skip with PGBADGER_J2=0)
#        grep -c duration: FILE and wc -l FILE            (the scan limits)
#   6. prints one table (seconds, MB/s, CPU %, max RSS), the ratios pgBadger / pgtriage
#      and pgtriage / grep, the machine's cores and load average, and what each tool
#      counted, as a sanity check that all read the whole file.
#
# Exit status: 0 when every run succeeded, 1 with a message otherwise.
# Temp files are removed; the cached base log is kept.
#
# Environment knobs:
#   PGBIN                 PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   PGTRIAGE_BENCH_CACHE  cache directory (default /var/cache/pgtriage/bench)
#   PGBADGER_J2=0         skip the pgbadger -j 2 run
#   PGTRIAGE_RUNS         how many times each pgtriage run is made; the median counts
#                         (default 5)
#   KEEP_WORK=1           keep the temp dir (the big log and the reports)

set -Eeuo pipefail

readonly BASE_MB=64
readonly RECIPE=v2   # bump when the log recipe below changes: the cache follows
readonly PREFIX='%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '

SCRIPT_PATH=$(realpath "${BASH_SOURCE[0]}")
REPO_DIR=$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)
PG_BIN=${PGBIN:-/usr/lib/postgresql/15/bin}
CACHE_DIR=${PGTRIAGE_BENCH_CACHE:-/var/cache/pgtriage/bench}
BASE_LOG=$CACHE_DIR/pgbench-pg15-$RECIPE-${BASE_MB}MB.log
WITH_J2=${PGBADGER_J2:-1}
RUNS_EACH=${PGTRIAGE_RUNS:-5}
# (knobs are read into non-PG names before every PG* variable is cleared below)

say() { printf '[bench %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'bench-vs-pgbadger: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$SCRIPT_PATH"; }

LOG_ONLY=0
case ${1:-} in
	-h | --help) usage; exit 0 ;;
	--log-only) LOG_ONLY=1; shift ;;
esac
[[ $# -le 1 ]] || { usage >&2; exit 1; }
SIZE_MB=${1:-512}
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB must be a positive integer, got '$SIZE_MB'"
[[ $RUNS_EACH =~ ^[1-9][0-9]*$ ]] || die "PGTRIAGE_RUNS must be a positive integer"

# A developer's PG* variables must not redirect our clients; English messages.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)
export LC_ALL=C PGSSLMODE=disable PGGSSENCMODE=disable

WORK=
DATA=
cleanup() {
	local rc=$?
	set +e
	if [[ -n $DATA && -f $DATA/postmaster.pid ]]; then
		as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -s stop >/dev/null 2>&1
	fi
	if [[ -n $WORK ]]; then
		if [[ ${KEEP_WORK:-0} == 1 ]]; then
			say "work dir kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	[[ $rc -eq 0 ]] || printf 'bench-vs-pgbadger: FAILED (exit %s)\n' "$rc" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

apt_install() {
	say "installing $* with apt-get"
	[[ $EUID -eq 0 ]] || die "$* missing and not root: apt-get install $*"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
		apt-get update -qq || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
			die "apt-get install $* failed"
	fi
}

command -v pgbadger >/dev/null || apt_install pgbadger
command -v pgbadger >/dev/null || die "pgbadger not found after installing it"
[[ -x /usr/bin/time ]] || apt_install time
[[ -x /usr/bin/time ]] || die "/usr/bin/time (package 'time') not found"
command -v python3 >/dev/null || die "python3 not found (needed to read the reports)"
command -v cargo >/dev/null || die "cargo not found"

if [[ $EUID -eq 0 ]]; then
	id postgres >/dev/null 2>&1 || die "no 'postgres' OS user to run the server as"
	as_pg() { runuser -u postgres -- "$@"; }
	PG_OWNER=postgres
else
	as_pg() { "$@"; }
	PG_OWNER=$(id -un)
fi

if ((!LOG_ONLY)); then
	say "cargo build --release"
	(cd "$REPO_DIR" && cargo build --release --quiet) || die "cargo build --release failed"
	CARGO_BUILT=${CARGO_TARGET_DIR:-$REPO_DIR/target}/release/pgtriage
	[[ -x $CARGO_BUILT ]] || die "$CARGO_BUILT missing after the build"
	say "scripts/build-release.sh (profile-guided; minutes)"
	built=0
	RELEASE=$("$REPO_DIR/scripts/build-release.sh") || built=$?
	case $built in
	0) BINARIES=("pgtriage:$RELEASE" "pgtriage-cargo:$CARGO_BUILT") ;;
	2) say "no profile-guided build (see above): cargo's binary is the only one timed"
		BINARIES=("pgtriage:$CARGO_BUILT") ;;
	*) die "scripts/build-release.sh failed" ;;
	esac
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgtriage-bench.XXXXXX")
chmod 755 "$WORK"

# ---------------------------------------------------------------------------
# The base log: a real PostgreSQL 15 under pgbench, cached
# ---------------------------------------------------------------------------

pick_free_port() {
	local p i
	for ((i = 0; i < 500; i++)); do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

size_of() { stat -c %s "$1"; }

generate_base_log() {
	local b
	for b in initdb pg_ctl postgres psql pgbench; do
		[[ -x $PG_BIN/$b ]] || die "missing $PG_BIN/$b (apt-get install postgresql-15)"
	done
	local dir=$WORK/server port log
	mkdir -p "$dir/sock"
	chown -R "$PG_OWNER" "$dir"
	DATA=$dir/data
	log=$dir/postgres.log
	as_pg touch "$log"
	port=$(pick_free_port) || die "no free loopback port"
	say "generating the base log: PostgreSQL 15 on 127.0.0.1:$port under pgbench, until $BASE_MB MB"
	(cd "$dir" && as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync --no-instructions) \
		>"$dir/initdb.out" 2>&1 || { cat "$dir/initdb.out" >&2; die "initdb failed"; }
	as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$dir/sock'
		logging_collector = off
		log_destination = 'stderr'
		log_line_prefix = '$PREFIX'
		log_timezone = 'UTC'
		log_min_duration_statement = 0
		log_connections = on
		log_disconnections = on
		log_checkpoints = on
		log_lock_waits = on
		log_autovacuum_min_duration = 0
		log_temp_files = 0
		max_wal_size = 256MB
	EOF
	(cd "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$log" -w -t 180 -s start) || {
		tail -n 20 "$log" >&2
		die "the PostgreSQL server did not start"
	}
	local -a conn=(-h 127.0.0.1 -p "$port" -U postgres)
	"$PG_BIN/psql" -X -q "${conn[@]}" -d postgres -c 'CREATE DATABASE bench' ||
		die "CREATE DATABASE failed"
	"$PG_BIN/pgbench" -q -i -s 10 "${conn[@]}" bench >"$dir/pgbench.out" 2>&1 ||
		{ cat "$dir/pgbench.out" >&2; die "pgbench -i failed"; }
	local round=0
	while (($(size_of "$log") < BASE_MB * 1024 * 1024)); do
		round=$((round + 1))
		"$PG_BIN/pgbench" -c 4 -j 2 -T 5 "${conn[@]}" bench >"$dir/pgbench.out" 2>&1 ||
			{ cat "$dir/pgbench.out" >&2; die "pgbench failed"; }
		# One connection per transaction for a second: connect/disconnect records.
		"$PG_BIN/pgbench" -C -c 2 -T 1 "${conn[@]}" bench >"$dir/pgbench.out" 2>&1 ||
			{ cat "$dir/pgbench.out" >&2; die "pgbench -C failed"; }
		say "  round $round: log $(($(size_of "$log") / 1024 / 1024)) MB"
	done
	as_pg "$PG_BIN/pg_ctl" -D "$DATA" -w -t 120 -s -m fast stop || die "pg_ctl stop failed"
	mkdir -p "$CACHE_DIR"
	cp "$log" "$BASE_LOG.tmp"
	mv "$BASE_LOG.tmp" "$BASE_LOG"
	rm -rf "$dir"
	DATA=
	say "base log cached: $BASE_LOG ($(($(size_of "$BASE_LOG") / 1024 / 1024)) MB)"
}

if [[ -s $BASE_LOG ]]; then
	say "base log: cached $BASE_LOG ($(($(size_of "$BASE_LOG") / 1024 / 1024)) MB)"
else
	generate_base_log
fi
if ((LOG_ONLY)); then
	echo "$BASE_LOG"
	exit 0
fi

# ---------------------------------------------------------------------------
# The benchmark file: the base log repeated up to SIZE_MB MiB
# ---------------------------------------------------------------------------

FILE=$WORK/bench-${SIZE_MB}MB.log
target=$((SIZE_MB * 1024 * 1024))
base_size=$(size_of "$BASE_LOG")
say "building $FILE: the base log repeated up to $SIZE_MB MB"
{
	left=$target
	while ((left >= base_size)); do
		cat "$BASE_LOG"
		left=$((left - base_size))
	done
	# The rest: a prefix of the base log, cut back to the last complete line.
	if ((left > 0)); then
		head -c "$left" "$BASE_LOG" | sed '$d'
	fi
} >"$FILE"
FILE_BYTES=$(size_of "$FILE")
FILE_LINES=$(wc -l <"$FILE")
# Both tools then read it from the page cache.
cat "$FILE" >/dev/null

# ---------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------

# timed NAME ACCEPTED_EXIT_CODES CMD...: runs CMD under /usr/bin/time; its
# figures go to $WORK/NAME.time, its stderr to $WORK/NAME.err.
timed() {
	local name=$1 ok=$2 rc=0
	shift 2
	say "running $name"
	/usr/bin/time -f '%e %M %P' -o "$WORK/$name.time" "$@" 2>"$WORK/$name.err" || rc=$?
	if [[ " $ok " != *" $rc "* ]]; then
		tail -n 20 "$WORK/$name.err" >&2
		die "$name exited with $rc"
	fi
	say "  $name: $(cat "$WORK/$name.time") (wall s, max RSS KB, CPU)"
}

# pgtriage exits 1 when findings reach --fail-on: that is a successful run here.
# It takes seconds, so each pgtriage run is made PGTRIAGE_RUNS times (default 5) and the
# table shows the median; pgBadger, which takes minutes, runs once. The rounds are split
# around pgBadger's runs, the first half before and the rest after: a slow spell of this
# shared machine then falls on both tools' figures alike, not on pgtriage's few seconds
# alone.
MINE=()
for b in "${BINARIES[@]}"; do
	MINE+=("${b%%:*}" "${b%%:*}-t1")
done
# pgtriage_rounds FIRST LAST: rounds FIRST..LAST of every pgtriage run, whose last
# reports must all be the same.
pgtriage_rounds() {
	local run b name bin r
	for ((run = $1; run <= $2; run++)); do
		for b in "${BINARIES[@]}"; do
			name=${b%%:*} bin=${b#*:}
			timed "$name-run$run" "0 1" "$bin" analyze --output json "$FILE" >"$WORK/$name.json"
			timed "$name-t1-run$run" "0 1" "$bin" analyze --output json --threads 1 "$FILE" \
				>"$WORK/$name-t1.json"
		done
	done
	for r in "${MINE[@]:1}"; do
		cmp -s "$WORK/pgtriage.json" "$WORK/$r.json" ||
			die "the reports of pgtriage and $r differ (threads or builds must not change them)"
	done
}
BEFORE=$(((RUNS_EACH + 1) / 2))
pgtriage_rounds 1 "$BEFORE"
timed grep "0 1" grep -c duration: "$FILE" >"$WORK/grep.count"
timed wc "0" wc -l "$FILE" >"$WORK/wc.count"
timed pgbadger-j1 "0" pgbadger -j 1 -f stderr --prefix "$PREFIX" --quiet \
	-o "$WORK/pgbadger-j1.json" "$FILE"
RUNS=("${MINE[@]}" grep wc pgbadger-j1)   # pgtriage first
if [[ $WITH_J2 != 0 ]]; then
	timed pgbadger-j2 "0" pgbadger -j 2 -f stderr --prefix "$PREFIX" --quiet \
		-o "$WORK/pgbadger-j2.json" "$FILE"
	RUNS+=(pgbadger-j2)
fi
pgtriage_rounds $((BEFORE + 1)) "$RUNS_EACH"

# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

python3 - "$WORK" "$FILE_BYTES" "$FILE_LINES" "$(nproc)" "$RUNS_EACH" "${RUNS[@]}" <<-'PY'
	import json, os, sys
	work, size, lines, cpus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
	n_runs, runs = int(sys.argv[5]), sys.argv[6:]
	mb = size / 1048576
	def figures(name):
	    secs, rss_kb, cpu = open(f"{work}/{name}.time").read().split()[-3:]
	    # GNU time reports hundredths: a run under that counts as 0.01 s.
	    return (max(float(secs), 0.01), int(rss_kb) / 1024, cpu)
	def median(name):
	    tries = sorted(figures(f"{name}-run{i}") for i in range(1, n_runs + 1))
	    return tries[(len(tries) - 1) // 2], tries
	rows, tries = {}, {}
	for r in runs:
	    if r.startswith("pgtriage"):
	        rows[r], tries[r] = median(r)
	    else:
	        rows[r] = figures(r)

	# What each tool counted.
	rep = json.load(open(f"{work}/pgtriage.json"))
	inp = rep["inputs"][0]
	if inp.get("error"):
	    sys.exit(f"pgtriage stopped reading early: {inp['error']}")
	q = rep.get("stats", {}).get("queries", {})
	counts = {"pgtriage": f"{inp['lines']:,} lines, {rep['summary']['records']:,} records, "
	                      f"{rep['summary']['classified']:,} classified, "
	                      f"{q.get('count', 0):,} statements with a duration",
	          "grep": f"{int(open(f'{work}/grep.count').read()):,} lines with duration:",
	          "wc": f"{int(open(f'{work}/wc.count').read().split()[0]):,} lines"}
	for r in runs:
	    if r.startswith("pgtriage") and r != "pgtriage":
	        counts[r] = "the same report, byte for byte"   # checked with cmp above
	    if r.startswith("pgbadger"):
	        d = json.load(open(f"{work}/{r}.json"))
	        pick = lambda k: (d.get(k) or {}).get("postgres", {})
	        counts[r] = (f"{pick('overall_stat').get('queries_number', '?'):,} queries, "
	                     f"{pick('session_info').get('count', '?'):,} sessions, "
	                     f"{pick('connection_info').get('count', '?'):,} connections")

	pgo = "pgtriage-cargo" in runs
	print()
	print(f"file: {mb:,.0f} MB, {lines:,} lines (real PostgreSQL 15 log under pgbench, repeated); "
	      f"machine: {cpus} CPUs, load average now "
	      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work skews the figures)")
	print("pgtriage: " + ("the release build (profile-guided, scripts/build-release.sh); "
	                      "cargo-built: `cargo build --release`" if pgo else
	                      "`cargo build --release` (no profile-guided build here)"))
	print()
	hdr = f"{'tool':<16} {'seconds':>9} {'MB/s':>9} {'CPU':>6} {'max RSS MB':>11}"
	print(hdr)
	print("-" * len(hdr))
	names = {"pgtriage": "pgtriage", "pgtriage-t1": "pgtriage -t1", "grep": "grep -c",
	         "wc": "wc -l", "pgtriage-cargo": "cargo-built", "pgtriage-cargo-t1": "cargo-built -t1"}
	for r in runs:
	    s, rss, cpu = rows[r]
	    print(f"{names.get(r, r):<16} {s:>9.2f} {mb / s:>9.1f} {cpu:>6} {rss:>11.1f}")
	for r, t in tries.items():
	    if n_runs > 1:
	        print(f"({names[r]}: median of {n_runs} runs: {', '.join(f'{x[0]:.2f}' for x in t)} s)")
	print()
	for mine in [r for r in runs if r.startswith("pgtriage")]:
	    for r in runs:
	        if r.startswith("pgbadger"):
	            print(f"speed ratio {r} / {names[mine]}: {rows[r][0] / rows[mine][0]:.1f}x")
	    print(f"speed ratio {names[mine]} / grep -c: {rows['grep'][0] / rows[mine][0]:.3f} "
	          f"(1 = as fast as grep)")
	print()
	for r in runs:
	    print(f"{names.get(r, r)} counted: {counts[r]}")
	if inp["lines"] != lines:
	    sys.exit(f"pgtriage read {inp['lines']} lines, the file has {lines}")
	PY
