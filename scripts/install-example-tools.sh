#!/usr/bin/env bash
# scripts/install-example-tools.sh
#
# Installs, from Debian's packages, the tools that tests/examples/ uses to validate
# examples/compose/ against real components. Idempotent: installs only what is missing,
# and does nothing (not even `apt-get update`) when everything is there.
#
#   docker-compose                (1.29)  `docker-compose config -q`, and booting the examples
#   prometheus                    promtool: `promtool check rules examples/compose/*/alerts.yml`
#   prometheus-postgres-exporter  run on the host against the booted prod example
#   postgresql-client-15          psql: login checks over the loopback-published port
#
# Package scripts are not allowed to start services (prometheus and the exporter each
# ship one): the tests start the exporter themselves, on a loopback port of their choice.
# Needs root (CI runs as root).

set -Eeuo pipefail

# tool to look for → the package that provides it
declare -A want=(
	[/usr/bin/docker-compose]=docker-compose
	[/usr/bin/promtool]=prometheus
	[/usr/bin/prometheus-postgres-exporter]=prometheus-postgres-exporter
	[/usr/lib/postgresql/15/bin/psql]=postgresql-client-15
)

need=()
for path in "${!want[@]}"; do
	[[ -x $path ]] || need+=("${want[$path]}")
done

if ((${#need[@]} == 0)); then
	echo "install-example-tools: all present (docker-compose, promtool, prometheus-postgres-exporter, psql 15)"
	exit 0
fi

[[ $EUID -eq 0 ]] || { echo "install-example-tools: needs root to install: ${need[*]}" >&2; exit 1; }

# Keep maintainer scripts from starting prometheus / the exporter as services. Only a
# policy-rc.d we created is removed again.
created_policy=
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
cleanup() { [[ -z $created_policy ]] || rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

echo "install-example-tools: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may never have fetched the package lists, or has stale ones.
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

for path in "${!want[@]}"; do
	[[ -x $path ]] || { echo "install-example-tools: $path still missing after installing ${want[$path]}" >&2; exit 1; }
done
echo "install-example-tools: done"
