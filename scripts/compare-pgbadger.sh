#!/usr/bin/env bash
# pgBadger and pgtriage side by side on the same log files: the figures both report
# (queries, normalised queries, top-5 by total time, sessions, connections, checkpoints,
# autovacuum/autoanalyze per table, errors, temp files, per-hour counts), one Markdown
# table per file. docs/pgbadger-conformance.md is this script's output over the fixtures,
# with every difference explained.
#
# Usage: scripts/compare-pgbadger.sh [FILE...]
#   Without files: every stderr, csvlog and jsonlog fixture in
#   $PGTRIAGE_SHARED_DATA/pgbadger-fixtures (default ../shared/data).
#
#   1. installs Debian's pgbadger with apt-get when missing (as root);
#   2. runs `pgtriage analyze --output json` on each file: the format and the
#      log_line_prefix it detected are passed on to pgBadger (`-f FORMAT --prefix PREFIX`);
#   3. runs `pgbadger -q -j 1 -f FORMAT -x json -o out.json FILE`;
#   4. prints each figure from both reports, `=` when they agree.
#
# Environment: PGTRIAGE (the binary; default: cargo build, then target/debug/pgtriage),
# PGTRIAGE_SHARED_DATA.
set -euo pipefail

die() { echo "compare-pgbadger: $*" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v pgbadger >/dev/null; then
	[[ $EUID -eq 0 ]] || die "pgbadger missing and not root: apt-get install pgbadger"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbadger >/dev/null 2>&1 || {
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbadger >/dev/null
	} || die "apt-get install pgbadger failed"
fi
command -v python3 >/dev/null || die "python3 not found (needed to read the reports)"

if [[ -z ${PGTRIAGE:-} ]]; then
	(cd "$REPO" && cargo build -q) || die "cargo build failed"
	PGTRIAGE=${CARGO_TARGET_DIR:-$REPO/target}/debug/pgtriage
fi

if [[ $# -eq 0 ]]; then
	FIX=${PGTRIAGE_SHARED_DATA:-$REPO/../shared/data}/pgbadger-fixtures
	[[ -d $FIX ]] || die "no fixtures at $FIX (set PGTRIAGE_SHARED_DATA)"
	set -- "$FIX"/light.postgres.log.bz2 "$FIX"/pg_vacuums.log.gz "$FIX"/pg_vacuums.json.gz \
		"$FIX"/begin_end.log "$FIX"/pg-timezones.log "$FIX"/multiline_param.log \
		"$FIX"/stmt_type.log "$FIX"/anonymize.log "$FIX"/postgresql_param_range.log \
		"$FIX"/tempfile_only.log.gz "$FIX"/queryid.log.gz "$FIX"/rds.log.bz2 \
		"$FIX"/pg_rawcsv.log "$FIX"/csv_statement_without_duration.log \
		"$FIX"/cnpg.log.gz "$FIX"/cloudsql.log.gz
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for file in "$@"; do
	name=$(basename "$file")
	"$PGTRIAGE" analyze --no-policy --fail-on critical --output json "$file" >"$WORK/t.json" ||
		die "pgtriage failed on $file"
	read -r format prefix < <(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
print(i["format"], i["prefix"] or "")' "$WORK/t.json")
	args=(-q -j 1 -f "$format" -x json -o "$WORK/b.json")
	[[ $format == stderr && -n $prefix ]] && args+=(--prefix "$prefix")
	rm -f "$WORK/b.json"
	pgbadger "${args[@]}" "$file" >"$WORK/b.err" 2>&1 || true
	python3 - "$name" "$format" "$WORK/t.json" "$WORK/b.json" "$WORK/b.err" <<-'PY'
	import json, os, sys
	name, fmt, tpath, bpath, berr = sys.argv[1:]
	t = json.load(open(tpath))["stats"]
	print(f"\n### {name} ({fmt})\n")
	if not os.path.exists(bpath):
	    err = open(berr).read().strip().splitlines()
	    print(f"pgBadger wrote no report: `{err[0] if err else 'no output'}`\n")
	    b = {}
	else:
	    b = json.load(open(bpath))

	def dbs(key):
	    """pgBadger keys most tables by database first (`postgres` when unknown)."""
	    v = b.get(key) or {}
	    return v.values() if all(isinstance(x, dict) for x in v.values()) else []

	def total(key, field="count"):
	    return sum(d.get(field, 0) or 0 for d in dbs(key))

	ov = b.get("overall_stat", {})
	queries = ov.get("queries_number") or sum(d.get("queries_number", 0) for d in ov.values() if isinstance(d, dict))
	errors = ov.get("errors_number") or sum(d.get("errors_number", 0) for d in ov.values() if isinstance(d, dict))
	norm = {q: v for d in dbs("normalyzed_info") for q, v in d.items()}
	top_b = sorted(norm.values(), key=lambda v: -float(v.get("duration", 0)))[:5]
	top_t = t["queries"]["top_by_total"][:5]
	ck = b.get("checkpoint_info", {})
	av = {k: v for d in dbs("autovacuum_info") for k, v in d.get("tables", {}).items()}
	aa = {k: v for d in dbs("autoanalyze_info") for k, v in d.get("tables", {}).items()}
	tv = {r["table"]: r for r in t["autovacuum"]["tables"]}
	same_tables = sum(1 for k, v in av.items() if tv.get(k, {}).get("vacuums") == v.get("vacuums"))
	same_analyze = sum(1 for k, v in aa.items() if tv.get(k, {}).get("analyzes") == v.get("analyzes"))
	s = t["sessions"]
	e = t["errors"]
	rows = [
	    ("queries", queries, t["queries"]["count"]),
	    ("normalised queries", len(norm), t["queries"]["normalized"]),
	    ("top-5 by total (count×ms)",
	     ", ".join(f"{v.get('count')}×{float(v.get('duration', 0)):.0f}" for v in top_b),
	     ", ".join(f"{q['count']}×{q['total_ms']:.0f}" for q in top_t)),
	    ("connections", total("connection_info"), s["connections"]),
	    ("sessions", total("session_info"), s["sessions"]),
	    ("checkpoints (started)", sum((ck.get("starting") or {}).values()), t["checkpoints"]["timed"] + t["checkpoints"]["requested"]),
	    ("checkpoint buffers written", ck.get("wbuffer", 0), t["checkpoints"]["buffers_written"]),
	    ("autovacuums", sum(v.get("vacuums", 0) for v in av.values()), t["autovacuum"]["vacuums"]),
	    ("autoanalyzes", sum(v.get("analyzes", 0) for v in aa.values()), t["autovacuum"]["analyzes"]),
	    ("tables vacuumed / same count", f"{len(av)} / {same_tables}", f"{t['autovacuum']['tables_seen']}"),
	    ("tables analyzed / same count", f"{len(aa)} / {same_analyze}", ""),
	    ("errors (WARNING+)", errors, e["warning"] + e["error"] + e["fatal"] + e["panic"]),
	    ("temp files", total("tempfile_info"), t["temp_files"]["count"]),
	    ("temp file bytes", total("tempfile_info", "size"), t["temp_files"]["total"]),
	]
	# Per hour: pgBadger's per-minute counters summed per hour, against pgtriage's hours.
	hours_b = {}
	for d in dbs("per_minute_info"):
	    for day, hs in d.items():
	        for h, mins in hs.items():
	            c = hours_b.setdefault(f"{day[:4]}-{day[4:6]}-{day[6:]}T{h}", {})
	            for m in mins.values():
	                for k in ("query", "autovacuum", "autoanalyze", "connection"):
	                    c[k] = c.get(k, 0) + ((m.get(k) or {}).get("count") or 0)
	# Ended sessions per hour are in session_info's chronos (per_minute_info's `session`
	# is the number of sessions open, not ended).
	for d in dbs("session_info"):
	    for day, hs in (d.get("chronos") or {}).items():
	        for h, v in hs.items():
	            c = hours_b.setdefault(f"{day[:4]}-{day[4:6]}-{day[6:]}T{h}", {})
	            c["session"] = c.get("session", 0) + (v.get("count") or 0)
	hours_t = {h["hour"][:13]: h for h in t["hourly"]}
	pairs = {"query": "queries", "autovacuum": "autovacuums", "autoanalyze": "autoanalyzes",
	         "connection": "connections", "session": "sessions"}
	for k, tk in pairs.items():
	    hb = {h: c.get(k, 0) for h, c in hours_b.items() if c.get(k, 0)}
	    ht = {h: v[tk] for h, v in hours_t.items() if v[tk]}
	    if hb or ht:
	        diff = [h for h in sorted(set(hb) | set(ht)) if hb.get(h) != ht.get(h)]
	        shown = "; ".join(f"{h}: {hb.get(h, 0)} vs {ht.get(h, 0)}" for h in diff[:3])
	        rows.append((f"{k} per hour ({len(set(hb) | set(ht))} h)",
	                     "" if not diff else shown, "all equal" if not diff else f"{len(diff)} differ"))
	print("| figure | pgBadger | pgtriage | |")
	print("|---|---|---|---|")
	for label, vb, vt in rows:
	    mark = "=" if str(vb) == str(vt) or vt == "all equal" else "≠"
	    if label.startswith("tables "):
	        mark = ""
	    print(f"| {label} | {vb} | {vt} | {mark} |")
	PY
done
