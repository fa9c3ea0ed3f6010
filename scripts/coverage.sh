#!/usr/bin/env bash
# coverage.sh: the catalogue's coverage of serious records on every real log at hand:
# for each file, the WARNING/ERROR/FATAL/PANIC records and the share of them that a
# catalogue entry classifies. Real logs: sample-logs/ (printed by a real PostgreSQL 15)
# and, when present, the pgBadger fixtures in ${PGTRIAGE_SHARED_DATA:-../shared/data}.
# Then the corpus of real users' logs (tests/corpus/), whose records are hand-labelled:
# correct, wrong, unclassified, and other programs' lines counted as server records, as
# tests/corpus.rs scores them (it fails when a figure falls below its recorded floor).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${PGTRIAGE_SHARED_DATA:-../shared/data}

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/pgtriage

files=(sample-logs/*.log)
if [[ -d $shared/pgbadger-fixtures ]]; then
    for f in "$shared"/pgbadger-fixtures/*; do
        [[ $f == *.md ]] || files+=("$f")
    done
else
    echo "note: $shared/pgbadger-fixtures not found; sample-logs only" >&2
fi

for f in "${files[@]}"; do
    # --fail-on critical and --no-policy: the report as it is, whatever it finds.
    "$bin" analyze --no-policy --fail-on critical --output json "$f" || [[ $? -eq 1 ]]
done | python3 -c '
import json, sys
dec = json.JSONDecoder()
text = sys.stdin.read()
rows, at = [], 0
while at < len(text):
    while at < len(text) and text[at].isspace():
        at += 1
    if at >= len(text):
        break
    r, at = dec.raw_decode(text, at)
    i, s = r["inputs"][0], r["stats"]
    rows.append((i["name"].split("/")[-1], i["format"], s["warning_or_worse_records"], s["warning_or_worse_classified"],
                 [(u["severity"], u["count"], u["sample"][:90]) for u in r["unclassified"]]))
print("%-42s %-8s %8s %10s %7s" % ("file", "format", "W+", "classified", "share"))
tw = tc = 0
for name, fmt, w, c, _ in rows:
    tw += w; tc += c
    print("%-42s %-8s %8d %10d %7s" % (name, fmt, w, c, "%.1f%%" % (100.0 * c / w) if w else "-"))
print("%-42s %-8s %8d %10d %7s" % ("all", "", tw, tc, "%.1f%%" % (100.0 * tc / tw) if tw else "-"))
left = [(n, u) for n, _, _, _, us in rows for u in us]
if left:
    print("\nunclassified WARNING-or-worse shapes:")
    for n, (sev, count, sample) in left:
        print("  %-34s %-7s %5d  %s" % (n, sev, count, sample))
'

# The table, totals and list of what is not right, without libtest's own lines.
echo
echo "real users' logs (tests/corpus/, hand-labelled; columns explained in tests/corpus.rs):"
cargo test --release --quiet --test corpus -- --nocapture --exact corpus_classification_report |
    sed -n '/^file /,/^test result/p' | sed -e '/^\.$/d' -e '/^test result/d'
