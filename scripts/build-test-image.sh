#!/usr/bin/env bash
# scripts/build-test-image.sh [debian|alpine-like|all]   (default: all)
#
# Builds the PostgreSQL 15 images that pgtriage's Docker tests run, from
# Debian's own packages and without any registry (the daemon may have no image
# at all and pull nothing):
#
#   pgtriage-test-pg:debian       like the official postgres:15 (Debian) image:
#                                 en_US.UTF-8 generated, LANG=en_US.utf8, uid 999
#   pgtriage-test-pg:alpine-like  like postgres:15-alpine where it shows in the
#                                 logs: no `locale` binary, so initdb prints
#                                 "sh: 1: locale: not found" and
#                                 "WARNING:  no usable system locales were found";
#                                 postgres is uid 70. (Still glibc: collation
#                                 behaviour is Debian's, not musl's.)
#
# Steps, each cached:
#   1. rootfs: debootstrap --variant=minbase bookworm + postgresql-15 + locales,
#      saved as a tarball in $PGTRIAGE_IMAGE_CACHE (default /var/cache/pgtriage)
#      so rebuilds download nothing. Key: the recipe (function build_rootfs).
#   2. base image pgtriage-test-pg-base:bookworm-pg15 = `docker import` of it,
#      labelled with the same key.
#   3. per variant: `docker build` of docker/Dockerfile FROM that local base
#      (entrypoint, ENV, STOPSIGNAL ...), labelled pgtriage.hash = sha256 of this
#      script + docker/* + variant. An image whose label matches is kept as is.
#
# Needs: root, a running Docker daemon, apt access to Debian (installs
# debootstrap when missing). Environment knobs:
#   PGTRIAGE_IMAGE_CACHE            cache directory (default /var/cache/pgtriage)
#   PGTRIAGE_DEBIAN_MIRROR          default http://deb.debian.org/debian
#   PGTRIAGE_DEBIAN_SECURITY_MIRROR default http://deb.debian.org/debian-security

set -Eeuo pipefail

readonly IMAGE=pgtriage-test-pg
readonly BASE_IMAGE=pgtriage-test-pg-base:bookworm-pg15
readonly SUITE=bookworm
readonly PG_MAJOR=15
readonly ALL_VARIANTS=(debian alpine-like)

SCRIPT_PATH=$(realpath "${BASH_SOURCE[0]}")
REPO_DIR=$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)
DOCKER_DIR=$REPO_DIR/docker
CACHE_DIR=${PGTRIAGE_IMAGE_CACHE:-/var/cache/pgtriage}
MIRROR=${PGTRIAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${PGTRIAGE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# Progress goes to stderr: some steps run inside $(...) captures.
progress() { printf '[build-test-image %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'build-test-image: error: %s\n' "$*" >&2; exit 1; }

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$SCRIPT_PATH"
	exit "${1:-0}"
}

# ---------------------------------------------------------------------------
# Hashes and labels
# ---------------------------------------------------------------------------

sha256() { sha256sum | cut -d' ' -f1; }

# What the final image of one variant is made of: this script, every file in
# docker/ (name and content) and the variant name.
image_hash() {
	local variant=$1 f
	{
		printf 'variant=%s\n' "$variant"
		cat "$SCRIPT_PATH"
		while IFS= read -r -d '' f; do
			printf '\n== %s\n' "${f#"$DOCKER_DIR"/}"
			cat "$f"
		done < <(find "$DOCKER_DIR" -type f -print0 | LC_ALL=C sort -z)
	} | sha256
}

# The rootfs depends only on its recipe, so that editing the entrypoint or the
# rest of this script does not download Debian again.
rootfs_key() {
	{
		printf 'suite=%s pg=%s\n' "$SUITE" "$PG_MAJOR"
		declare -f build_rootfs
	} | sha256
}

# label_of IMAGE LABEL: the label's value, or nothing if no such image/label.
label_of() {
	docker image inspect -f "{{with .Config.Labels}}{{index . \"$2\"}}{{end}}" "$1" 2>/dev/null || true
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# After re-tagging, the previous image is left without a name: remove it so
# rebuilds do not pile up hundreds of MB each (ignored if a container uses it).
drop_old_image() {
	local old=$1 tag=$2
	[[ -n $old && $old != "$(image_id "$tag")" ]] || return 0
	docker image rm "$old" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------
# Step 1: the rootfs tarball
# ---------------------------------------------------------------------------

ensure_debootstrap() {
	command -v debootstrap >/dev/null && return 0
	progress "installing debootstrap with apt-get"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; then
		# A fresh machine may never have fetched the package lists.
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	fi
}

# Builds the rootfs in $1 (an empty directory). Everything that decides what the
# rootfs contains is inside this function: its text is the cache key.
build_rootfs() {
	local root=$1 log=$CACHE_DIR/debootstrap.log

	progress "debootstrap --variant=minbase $SUITE from $MIRROR (log: $log)"
	# Only the stage lines, not the ~90 "Retrieving"/"Unpacking" ones.
	if ! debootstrap --variant=minbase --components=main "$SUITE" "$root" "$MIRROR" 2>&1 |
		tee "$log" | awk '/^I: (Retrieving Release|Checking component|Installing core|Unpacking the base|Configuring the base|Base system installed)/ { print "    " $0; fflush() }'; then
		tail -n 30 "$log" >&2
		die "debootstrap failed (full log: $log)"
	fi

	mount -t proc proc "$root/proc"
	local chroot_log=$CACHE_DIR/rootfs-install.log
	progress "installing postgresql-$PG_MAJOR and locales in the rootfs (log: $chroot_log)"
	# shellcheck disable=SC2016 # expanded inside the chroot
	if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive MIRROR="$MIRROR" SECURITY_MIRROR="$SECURITY_MIRROR" \
		SUITE="$SUITE" PG_MAJOR="$PG_MAJOR" /bin/bash -Eeuo pipefail -s >"$chroot_log" 2>&1 <<-'CHROOT'
		# Keep the image small: dpkg skips docs, man pages and translations from
		# now on (copyright files and locale.alias, which localedef needs, stay).
		cat >/etc/dpkg/dpkg.cfg.d/90-pgtriage-nodoc <<-'EOF'
			path-exclude /usr/share/doc/*
			path-include /usr/share/doc/*/copyright
			path-exclude /usr/share/man/*
			path-exclude /usr/share/info/*
			path-exclude /usr/share/lintian/*
			path-exclude /usr/share/locale/*
			path-include /usr/share/locale/locale.alias
		EOF
		# Package scripts must not try to start services inside the chroot.
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d

		# Security updates too, like a real Debian image.
		rm -f /etc/apt/sources.list
		cat >/etc/apt/sources.list.d/debian.sources <<-EOF
			Types: deb
			URIs: $MIRROR
			Suites: $SUITE $SUITE-updates
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

			Types: deb
			URIs: $SECURITY_MIRROR
			Suites: $SUITE-security
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt-get update -qq

		# Same fixed ids as the official Debian image (the package would pick any
		# free system uid otherwise).
		groupadd -r -g 999 postgres
		useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/bash postgres
		mkdir -p /var/lib/postgresql
		chown -R postgres:postgres /var/lib/postgresql

		# Debian would create and start a "main" cluster on install; the
		# entrypoint makes its own cluster in $PGDATA instead.
		apt-get install -y -qq --no-install-recommends postgresql-common
		sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf
		apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" locales

		# The locale the official Debian image generates (LANG=en_US.utf8).
		localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

		# Every cluster initdb makes listens on all interfaces, as in the official
		# image (the entrypoint's temporary server overrides it with '').
		sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" \
			"/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"
		grep -q "^listen_addresses = '\*'" "/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"

		mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql
		chown postgres:postgres /var/run/postgresql
		chmod 3777 /var/run/postgresql

		rm -f /usr/sbin/policy-rc.d
		apt-get clean
		rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
			/var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log
		dpkg-query -W -f '${Version}\n' "postgresql-$PG_MAJOR" >/pgtriage-pg-version
	CHROOT
	then
		umount "$root/proc"
		tail -n 30 "$chroot_log" >&2
		die "package installation in the rootfs failed (full log: $chroot_log)"
	fi
	umount "$root/proc"

	# debootstrap installed its packages before the dpkg filter existed.
	find "$root/usr/share/doc" -type f ! -name copyright -delete
	find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"*
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	# Docker supplies these at run time; the build machine's must not leak in.
	: >"$root/etc/resolv.conf"
	: >"$root/etc/hostname"
}

# Makes sure $CACHE_DIR/rootfs-<key>.tar exists and prints its path.
ensure_rootfs_tarball() {
	local key=$1 tarball=$CACHE_DIR/rootfs-$SUITE-pg$PG_MAJOR-${1:0:16}.tar
	if [[ -s $tarball ]]; then
		progress "rootfs: cached $tarball ($(du -h "$tarball" | cut -f1))"
		printf '%s\n' "$tarball"
		return 0
	fi
	ensure_debootstrap >&2

	local work
	work=$(mktemp -d "$CACHE_DIR/work.XXXXXX")
	# On any failure: never leave /proc mounted, then remove the half-built tree
	# (--one-file-system as a second guard against deleting through a mount).
	# shellcheck disable=SC2064 # $work is fixed now
	trap "umount -l '$work/root/proc' 2>/dev/null || true; rm -rf --one-file-system '$work'" EXIT

	build_rootfs "$work/root" >&2
	progress "rootfs: packing $tarball"
	tar -C "$work/root" --numeric-owner --one-file-system \
		--exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
		-cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	# Older recipes' tarballs are dead weight now.
	find "$CACHE_DIR" -maxdepth 1 -name 'rootfs-*.tar' ! -path "$tarball" -delete
	rm -rf --one-file-system "$work"
	trap - EXIT
	progress "rootfs: $(du -h "$tarball" | cut -f1)"
	printf '%s\n' "$tarball"
}

# ---------------------------------------------------------------------------
# Step 2: the local base image
# ---------------------------------------------------------------------------

ensure_base_image() {
	local key
	key=$(rootfs_key)
	if [[ $(label_of "$BASE_IMAGE" pgtriage.rootfs-key) == "$key" ]]; then
		progress "base image $BASE_IMAGE is up to date"
		return 0
	fi
	local tarball old pg_version
	tarball=$(ensure_rootfs_tarball "$key")
	pg_version=$(tar -xOf "$tarball" ./pgtriage-pg-version)
	old=$(image_id "$BASE_IMAGE")
	progress "docker import $tarball -> $BASE_IMAGE"
	docker import \
		--change "LABEL pgtriage.rootfs-key=$key" \
		--change "LABEL pgtriage.pg-version=$pg_version" \
		--message "pgtriage: debootstrap $SUITE minbase + postgresql-$PG_MAJOR" \
		"$tarball" "$BASE_IMAGE" >/dev/null
	drop_old_image "$old" "$BASE_IMAGE"
}

# ---------------------------------------------------------------------------
# Step 3: the variants
# ---------------------------------------------------------------------------

build_variant() {
	local variant=$1 tag=$IMAGE:$1 hash
	hash=$(image_hash "$variant")
	if [[ $(label_of "$tag" pgtriage.hash) == "$hash" ]]; then
		progress "$tag is up to date (pgtriage.hash=${hash:0:12})"
		return 0
	fi
	ensure_base_image

	local ctx old pg_version
	pg_version=$(label_of "$BASE_IMAGE" pgtriage.pg-version)
	# A copy of docker/ as the build context, so the entrypoint is executable in
	# the image whatever mode the checkout gave it (COPY keeps the mode).
	ctx=$(mktemp -d)
	cp -a "$DOCKER_DIR/." "$ctx/"
	chmod 0755 "$ctx/docker-entrypoint.sh"
	old=$(image_id "$tag")

	progress "docker build $tag (postgresql-$PG_MAJOR $pg_version)"
	# The legacy builder: it needs no buildx plugin and never pulls a local FROM. The
	# RUN step needs no network (the rootfs has every package): --network none keeps the
	# build working on a daemon whose default bridge is missing (docker0 absent).
	if ! DOCKER_BUILDKIT=0 docker build --force-rm --network none \
		--build-arg BASE_IMAGE="$BASE_IMAGE" \
		--build-arg VARIANT="$variant" \
		--build-arg PG_VERSION="$pg_version" \
		--build-arg PGTRIAGE_HASH="$hash" \
		-t "$tag" "$ctx" >"$ctx.log" 2>&1; then
		cat "$ctx.log" >&2
		rm -rf "$ctx" "$ctx.log"
		die "docker build of $tag failed"
	fi
	grep '^Step ' "$ctx.log" | sed 's/^/    /' >&2
	rm -rf "$ctx" "$ctx.log"
	drop_old_image "$old" "$tag"
	progress "$tag built: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
}

main() {
	local -a variants
	case ${1:-all} in
		all) variants=("${ALL_VARIANTS[@]}") ;;
		debian | alpine-like) variants=("$1") ;;
		-h | --help) usage 0 ;;
		*) usage 2 >&2 ;;
	esac
	[[ $# -le 1 ]] || usage 2 >&2

	command -v docker >/dev/null || die "docker CLI not found"
	docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable"

	# Fast path: nothing to do, no root needed, no lock taken.
	local v stale=()
	for v in "${variants[@]}"; do
		if [[ $(label_of "$IMAGE:$v" pgtriage.hash) == "$(image_hash "$v")" ]]; then
			progress "$IMAGE:$v is up to date"
		else
			stale+=("$v")
		fi
	done
	((${#stale[@]})) || exit 0

	[[ $EUID -eq 0 ]] || die "building needs root (debootstrap, chroot)"
	mkdir -p "$CACHE_DIR"
	# Two test runs building at once would race on the cache and the tags.
	exec 9>"$CACHE_DIR/.lock"
	if ! flock -n 9; then
		progress "another build holds $CACHE_DIR/.lock; waiting"
		flock 9
	fi
	for v in "${stale[@]}"; do
		build_variant "$v"
	done
	progress "done"
}

main "$@"
