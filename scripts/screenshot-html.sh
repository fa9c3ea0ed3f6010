#!/usr/bin/env bash
# The HTML report as a reader first sees it: `pgtriage analyze --output html` on real logs,
# then a 1280×800 screenshot by headless Chromium, so the look can be reviewed (and
# compared between changes) without opening a browser.
#
# Usage: scripts/screenshot-html.sh [-o OUT.png] [--size W,H] [LOG...]
#   Without logs: pgBadger's CloudNativePG fixture (statements, checkpoints, autovacuum,
#   sessions; in $PGTRIAGE_SHARED_DATA, default ../shared/data, when there) and two
#   sample-logs/ files with lock waits, a cancel and a temp file (real PostgreSQL 15).
#   -o      where to write the PNG (default: target/html-report.png); the HTML is written
#           beside it (same name, .html).
#   --size  the window, default 1280,800 (a taller one, e.g. 1280,6000, shows more of
#           the page).
#
#   1. installs Debian's chromium with apt-get when missing (as root);
#   2. runs pgtriage (PGTRIAGE, by default cargo build, then target/debug/pgtriage);
#   3. chromium --headless --window-size=1280,800 --screenshot=OUT.png file://OUT.html
set -euo pipefail

die() { echo "screenshot-html: $*" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

out=$TARGET/html-report.png
size=1280,800
logs=()
while (($#)); do
	case $1 in
	-o) out=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) logs+=("$1"); shift ;;
	esac
done
if ((${#logs[@]} == 0)); then
	cnpg=${PGTRIAGE_SHARED_DATA:-$REPO/../shared/data}/pgbadger-fixtures/cnpg.log.gz
	[[ -f $cnpg ]] && logs+=("$cnpg")
	logs+=("$REPO/sample-logs/sql-locks.log" "$REPO/sample-logs/sql-statements.log")
fi

if ! command -v chromium >/dev/null; then
	[[ $EUID -eq 0 ]] || die "chromium missing and not root: apt-get install chromium"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || {
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
	} || die "apt-get install chromium failed"
fi

if [[ -z ${PGTRIAGE:-} ]]; then
	(cd "$REPO" && cargo build -q) || die "cargo build failed"
	PGTRIAGE=$TARGET/debug/pgtriage
fi

out=$(realpath -m "$out")
html=${out%.png}.html
mkdir -p "$(dirname "$out")"
# Exit code 1 is a failed gate: the report is written all the same.
"$PGTRIAGE" analyze --output html --no-policy "${logs[@]}" >"$html" || [[ $? -eq 1 ]] ||
	die "pgtriage analyze failed"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
sandbox=()
# Chromium's sandbox refuses to run as root.
[[ $EUID -ne 0 ]] || sandbox=(--no-sandbox)
timeout 120 chromium --headless --disable-gpu "${sandbox[@]}" --no-first-run \
	--user-data-dir="$profile" --hide-scrollbars --window-size="$size" \
	--screenshot="$out" "file://$html" >/dev/null 2>&1 || die "chromium failed"
echo "$out"
