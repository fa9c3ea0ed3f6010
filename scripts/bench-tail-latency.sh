#!/usr/bin/env bash
# scripts/bench-tail-latency.sh [LINES]      (default 2000)
#
# How long after PostgreSQL writes a log line inside a container does
# `pgtriage tail` print its finding? Measured over LINES real events.
#
# What it does:
#   1. needs the local image pgtriage-test-pg:debian (built with
#      `scripts/build-test-image.sh debian` when missing) and builds pgtriage
#      with `cargo build --release`;
#   2. starts a container of it (unique name, removed on exit) with
#      POSTGRES_PASSWORD=x and waits for its second
#      "database system is ready to accept connections" (the first is the
#      init phase's temporary server);
#   3. starts `pgtriage tail --output jsonl NAME` in the background;
#   4. inside the container, runs LINES times, at a steady pace (one every
#      PROBE_INTERVAL seconds, default 0.01, plus the probe's own cost),
#      `pg_isready -U nobody`: each attempt makes the server log
#      `FATAL:  role "nobody" does not exist`, catalogue entry
#      connection.role-missing;
#   5. for each of those findings, latency = emitted_unix (when pgtriage printed
#      it) - time (the log line's own %m timestamp). Container and host share
#      the kernel clock. %m has millisecond resolution and is truncated, so the
#      figures are high by 0.5 ms on average;
#   6. prints count, median, p90, p99 and max in ms; stops pgtriage with SIGINT
#      and removes the container.
#   As a baseline, the same lines are also read with `docker logs -f` (stamped on
#   arrival by a small python3 reader): Docker's own share of the delay.
#
# Exit status: 0 on success, 1 with a message otherwise (including fewer
# findings than probes after a 30 s grace period).
#
# Environment knobs: PROBE_INTERVAL (seconds between probes, default 0.01),
# KEEP_WORK=1 keeps the temp dir (pgtriage's jsonl output).

set -Eeuo pipefail

readonly IMAGE=pgtriage-test-pg:debian
readonly EVENT_ID=connection.role-missing
readonly READY='database system is ready to accept connections'

SCRIPT_PATH=$(realpath "${BASH_SOURCE[0]}")
REPO_DIR=$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)
INTERVAL=${PROBE_INTERVAL:-0.01}

say() { printf '[tail-latency %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'bench-tail-latency: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$SCRIPT_PATH"; }

case ${1:-} in
	-h | --help) usage; exit 0 ;;
esac
[[ $# -le 1 ]] || { usage >&2; exit 1; }
LINES=${1:-2000}
[[ $LINES =~ ^[1-9][0-9]*$ ]] || die "LINES must be a positive integer, got '$LINES'"
[[ $INTERVAL =~ ^[0-9]*\.?[0-9]+$ ]] || die "PROBE_INTERVAL must be a number of seconds"

NAME=pgtriage-bench-tail-$$-$RANDOM
WORK=
TAIL_PID=
BASELINE_PID=
cleanup() {
	local rc=$?
	set +e
	if [[ -n $TAIL_PID ]] && kill -0 "$TAIL_PID" 2>/dev/null; then
		kill -INT "$TAIL_PID" 2>/dev/null
		wait "$TAIL_PID" 2>/dev/null
	fi
	docker rm -f "$NAME" >/dev/null 2>&1
	# The baseline's `docker logs -f` ends with the container.
	[[ -z $BASELINE_PID ]] || wait "$BASELINE_PID" 2>/dev/null
	if [[ -n $WORK ]]; then
		if [[ ${KEEP_WORK:-0} == 1 ]]; then
			say "work dir kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	[[ $rc -eq 0 ]] || printf 'bench-tail-latency: FAILED (exit %s)\n' "$rc" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable"
command -v python3 >/dev/null || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found"

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	say "$IMAGE missing: scripts/build-test-image.sh debian"
	bash "$REPO_DIR/scripts/build-test-image.sh" debian || die "building $IMAGE failed"
fi
say "cargo build --release"
(cd "$REPO_DIR" && cargo build --release --quiet) || die "cargo build --release failed"
PGTRIAGE=$REPO_DIR/target/release/pgtriage
[[ -x $PGTRIAGE ]] || die "$PGTRIAGE missing after the build"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgtriage-tail-bench.XXXXXX")
OUT=$WORK/tail.jsonl

# count_in_logs TEXT: how many times the container's log holds TEXT.
count_in_logs() { docker logs "$NAME" 2>&1 | grep -cF "$1" || true; }

say "starting container $NAME ($IMAGE, log driver $(docker info -f '{{.LoggingDriver}}'))"
docker run -d --name "$NAME" -e POSTGRES_PASSWORD=x "$IMAGE" >/dev/null || die "docker run failed"
deadline=$((SECONDS + 120))
until (($(count_in_logs "$READY") >= 2)); do
	[[ $(docker inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null) == true ]] || {
		docker logs --tail 30 "$NAME" >&2
		die "the container stopped before it was ready"
	}
	((SECONDS < deadline)) || die "the server was not ready after 120 s"
	sleep 0.5
done
say "server ready"

"$PGTRIAGE" tail --output jsonl "$NAME" >"$OUT" 2>"$WORK/tail.err" &
TAIL_PID=$!

# Baseline: the same lines as `docker logs -f` delivers them, stamped on arrival,
# to tell Docker's share of the delay from pgtriage's.
# shellcheck disable=SC2016 # python
docker logs -f --tail 0 "$NAME" 2>&1 | python3 -c '
import sys, time
out = open(sys.argv[1], "w")
for line in iter(sys.stdin.buffer.readline, b""):
    if b"does not exist" in line:
        out.write("%.6f %s" % (time.time(), line.decode("utf-8", "replace")))
        out.flush()
' "$WORK/docker-logs.txt" &
BASELINE_PID=$!
# Attached once it has printed the backfilled start-up findings.
deadline=$((SECONDS + 30))
until grep -q '"event":"finding"' "$OUT" 2>/dev/null; do
	kill -0 "$TAIL_PID" 2>/dev/null || { cat "$WORK/tail.err" >&2; die "pgtriage tail exited early"; }
	((SECONDS < deadline)) || die "pgtriage tail printed nothing in 30 s"
	sleep 0.2
done
sleep 1
before=$(grep -c "\"id\":\"$EVENT_ID\"" "$OUT" || true)
((before == 0)) || die "$EVENT_ID already seen before the probes"

say "probing: $LINES x pg_isready -U nobody inside the container, one every ${INTERVAL}s + its own cost"
probe_start=$SECONDS
# shellcheck disable=SC2016 # expanded inside the container
docker exec -e N="$LINES" -e INTERVAL="$INTERVAL" "$NAME" bash -c '
	for ((i = 0; i < N; i++)); do
		pg_isready -q -U nobody -d postgres >/dev/null 2>&1
		sleep "$INTERVAL"
	done' || die "the probe loop failed"
say "probes done in $((SECONDS - probe_start)) s; waiting for pgtriage to print them all"

deadline=$((SECONDS + 30))
while (($(grep -c "\"id\":\"$EVENT_ID\"" "$OUT" || true) < LINES)); do
	((SECONDS < deadline)) || break
	sleep 0.2
done
# The server's own count, to compare with what pgtriage printed.
logged=$(count_in_logs 'role "nobody" does not exist')

kill -INT "$TAIL_PID"
wait "$TAIL_PID" || true
TAIL_PID=

python3 - "$OUT" "$EVENT_ID" "$LINES" "$logged" "$(nproc)" "$WORK/docker-logs.txt" <<-'PY'
	import datetime, json, statistics, sys
	path, event_id, lines, logged, cpus = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
	baseline_path = sys.argv[6]
	lat, untimed, times = [], 0, []
	for raw in open(path):
	    try:
	        ev = json.loads(raw)
	    except ValueError:
	        continue
	    if ev.get("event") != "finding" or ev.get("id") != event_id:
	        continue
	    if not ev.get("time"):
	        untimed += 1
	        continue
	    t = datetime.datetime.fromisoformat(ev["time"].replace("Z", "+00:00"))
	    if t.tzinfo is None:
	        sys.exit(f"time without a zone: {ev['time']!r}")
	    lat.append((ev["emitted_unix"] - t.timestamp()) * 1000)
	    times.append(t.timestamp())
	if not lat:
	    sys.exit(f"no timed {event_id} findings in pgtriage's output")
	# Baseline: "<arrival unix> 2026-01-02 03:04:05.678 UTC [pid] FATAL: ..." lines.
	base = []
	try:
	    for raw in open(baseline_path):
	        arrival, rest = raw.split(" ", 1)
	        if 'role "nobody" does not exist' not in rest or rest[23:28] != " UTC ":
	            continue
	        t = datetime.datetime.strptime(rest[:23], "%Y-%m-%d %H:%M:%S.%f")
	        t = t.replace(tzinfo=datetime.timezone.utc)
	        base.append((float(arrival) - t.timestamp()) * 1000)
	except FileNotFoundError:
	    pass
	def pct(xs, p):
	    # nearest-rank percentile of a sorted list
	    return xs[min(len(xs) - 1, max(0, -(-p * len(xs) // 100) - 1))]
	def row(label, xs):
	    xs.sort()
	    print(f"{label:<34} {len(xs):>7} {statistics.median(xs):>10.1f} {pct(xs, 90):>8.1f} "
	          f"{pct(xs, 99):>8.1f} {xs[-1]:>8.1f} {xs[0]:>8.1f}")
	print()
	print(f"latency: log line written in the container -> printed on the host ({cpus} CPUs)")
	print(f"probes {lines}, server logged {logged}, pgtriage printed {len(lat) + untimed}"
	      + (f" ({untimed} without a time)" if untimed else ""))
	if len(times) > 1:
	    gap = (max(times) - min(times)) / (len(times) - 1) * 1000
	    print(f"mean gap between two events in the log: {gap:.1f} ms")
	print()
	print(f"{'':<34} {'events':>7} {'median ms':>10} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'min ms':>8}")
	row("pgtriage tail --output jsonl", lat)
	if base:
	    row("baseline: docker logs -f (raw line)", base)
	if len(lat) + untimed < lines or logged < lines:
	    sys.exit(f"expected {lines} events: the server logged {logged}, pgtriage printed {len(lat) + untimed}")
	PY
