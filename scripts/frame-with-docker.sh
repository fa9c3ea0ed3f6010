#!/usr/bin/env bash
# frame-with-docker.sh [--samples DIR]
#
# Pushes real sample logs through the REAL Docker engine, so pgtriage can be
# tested on what users actually paste: `docker logs`, `docker logs -t`, the raw
# json-file log and `docker-compose logs`.
#
# For each input NAME.log (DIR defaults to sample-logs/ at the repo root;
# run scripts/gen-sample-logs.sh first) it writes to DIR/framed/:
#   NAME.docker.log      docker logs C            (stdout+stderr, as a user sees it)
#   NAME.docker-ts.log   docker logs --timestamps C
#   NAME.json-file.log   the engine's own file (docker inspect {{.LogPath}});
#                        lines > 16 KiB are split into several JSON records there
#   NAME.compose.log     docker-compose logs --no-color (service `db`)
#
# The container is a tiny image built locally from Debian's busybox-static
# package (nothing is pulled from a registry): pgtriage-framer:local.  It only
# runs `cat /sample.log >&2` with networking disabled, i.e. the sample is
# replayed on the container's stderr exactly like postgres writes its log.
# Containers and the compose project are removed afterwards; the image is kept
# (and reused: a second run is fast).
#
# Needs: docker (engine running), docker-compose (v1), and for the first build
# apt-get (busybox-static is fetched with `apt-get download`) and dpkg-deb.

set -euo pipefail

IMAGE=pgtriage-framer:local
# Container / compose project names carry this prefix so that we only ever
# touch what this script created (the engine may be shared).
PREFIX=pgtriage-framer
INPUTS=(first-start-no-locale.log long-statement.log)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMPLES="$SCRIPT_DIR/../sample-logs"

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --samples) SAMPLES=${2:?--samples needs a directory}; shift 2 ;;
        --samples=*) SAMPLES=${1#--samples=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
SAMPLES=$(cd "$SAMPLES" && pwd)
OUT="$SAMPLES/framed"

say() { printf '== %s\n' "$*" >&2; }
die() { echo "frame-with-docker.sh: $*" >&2; exit 1; }

command -v docker >/dev/null || die "docker not found"
command -v docker-compose >/dev/null || die "docker-compose not found"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
for f in "${INPUTS[@]}"; do
    [[ -f "$SAMPLES/$f" ]] || die "$SAMPLES/$f missing: run scripts/gen-sample-logs.sh first"
done

WORK=$(mktemp -d)
chmod 755 "$WORK"   # apt-get download runs as the _apt user and must get in
CONTAINERS=()      # names to remove on exit
COMPOSE_DIRS=()    # compose projects to bring down on exit
cleanup() {
    local rc=$? c d
    set +e
    for d in "${COMPOSE_DIRS[@]}"; do
        (cd "$d" && docker-compose down --remove-orphans >/dev/null 2>&1)
    done
    for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
    rm -rf "$WORK"
    [[ $rc -eq 0 ]] || echo "frame-with-docker.sh: FAILED (exit $rc)" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------------------
# The image: busybox (static, so no libc needed) plus a few applet symlinks.
# ----------------------------------------------------------------------------
build_image() {
    local root="$WORK/rootfs" busybox deb
    mkdir -p "$root/bin"
    if [[ -x /bin/busybox ]] && dpkg -s busybox-static >/dev/null 2>&1; then
        busybox=/bin/busybox             # already installed on this machine
    else
        # `apt-get download` fetches the .deb from Debian's archive into the
        # cwd without installing it.  _apt must be able to write there.
        mkdir -p "$WORK/deb"
        chmod 777 "$WORK/deb"
        if ! (cd "$WORK/deb" && apt-get download -q busybox-static >/dev/null); then
            say "apt-get download failed; running apt-get update once"
            apt-get update -q >/dev/null
            (cd "$WORK/deb" && apt-get download -q busybox-static >/dev/null)
        fi
        deb=$(find "$WORK/deb" -name 'busybox-static_*.deb' | head -n 1)
        [[ -n "$deb" ]] || die "could not download busybox-static"
        dpkg-deb -x "$deb" "$WORK/deb/x"
        busybox="$WORK/deb/x/bin/busybox"
    fi
    cp "$busybox" "$root/bin/busybox"
    for applet in sh cat sleep true; do ln -s busybox "$root/bin/$applet"; done
    tar -C "$root" -c . | docker import \
        --change 'CMD ["/bin/sh"]' \
        --change 'LABEL org.pgtriage.purpose=log-framing' \
        - "$IMAGE" >/dev/null
}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "image $IMAGE already present"
else
    say "building $IMAGE from Debian's busybox-static"
    build_image
fi

mkdir -p "$OUT"

# ----------------------------------------------------------------------------
# docker run: replay the sample on stderr, then save the engine's views of it.
# ----------------------------------------------------------------------------
frame_with_docker_run() {
    local name=$1 src="$SAMPLES/$1.log" c="$PREFIX-$1" status logpath
    docker rm -f "$c" >/dev/null 2>&1 || true      # leftover of an aborted run
    CONTAINERS+=("$c")
    docker run -d --name "$c" --network none \
        -v "$src:/sample.log:ro" "$IMAGE" /bin/sh -c 'cat /sample.log >&2' >/dev/null
    status=$(docker wait "$c")
    [[ $status == 0 ]] || die "container $c exited with $status"

    docker logs "$c" >"$OUT/$name.docker.log" 2>&1
    docker logs --timestamps "$c" >"$OUT/$name.docker-ts.log" 2>&1
    logpath=$(docker inspect -f '{{.LogPath}}' "$c")
    [[ -n "$logpath" && -f "$logpath" ]] || die "json-file log of $c not found at '$logpath'"
    cp "$logpath" "$OUT/$name.json-file.log"
    chmod 644 "$OUT/$name.json-file.log"
    docker rm -f "$c" >/dev/null

    # Sanity: `docker logs` must give back the sample byte for byte, and a
    # line longer than 16 KiB must show up as several json-file records
    # (all but the last without the trailing "\n" in "log").
    cmp -s "$src" "$OUT/$name.docker.log" ||
        die "$name.docker.log differs from the sample (engine did not round-trip it)"
    local longest records partial
    longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$src")
    records=$(wc -l <"$OUT/$name.json-file.log")
    partial=$(grep -vc '\\n","stream"' "$OUT/$name.json-file.log" || true)
    if [[ $longest -gt 16384 ]]; then
        [[ $partial -gt 0 ]] || die "$name: the ${longest}-byte line was not split in json-file"
        say "$name: ${longest}-byte line split: $records json records, $partial partial chunk(s)"
    fi
}

# ----------------------------------------------------------------------------
# docker-compose: a one-service project (`db`), `up` then `logs --no-color`.
# ----------------------------------------------------------------------------
frame_with_compose() {
    local name=$1 src="$SAMPLES/$1.log" dir project
    # compose v1 derives container names from the project: keep it [a-z0-9].
    project=$(printf '%s%s' "$PREFIX" "$name" | tr -cd 'a-z0-9')
    dir="$WORK/compose-$name"
    mkdir -p "$dir"
    cat >"$dir/docker-compose.yml" <<YAML
version: "2.4"
services:
  db:
    image: $IMAGE
    command: ["/bin/sh", "-c", "cat /sample.log >&2"]
    network_mode: none
    volumes:
      - "$src:/sample.log:ro"
YAML
    # The project name lives in .env so the cleanup trap's `down` finds it too.
    echo "COMPOSE_PROJECT_NAME=$project" >"$dir/.env"
    COMPOSE_DIRS+=("$dir")
    (
        cd "$dir"
        docker-compose down --remove-orphans >/dev/null 2>&1 || true
        # `up` attaches and returns when the only container has exited.
        docker-compose up --no-color >"$WORK/compose-up-$name.out" 2>&1 ||
            { cat "$WORK/compose-up-$name.out" >&2; exit 1; }
        docker-compose logs --no-color >"$OUT/$name.compose.log" 2>&1
        docker-compose down --remove-orphans >/dev/null 2>&1
    )
}

for f in "${INPUTS[@]}"; do
    name=${f%.log}
    say "framing $f"
    frame_with_docker_run "$name"
    frame_with_compose "$name"
done
say "wrote $(find "$OUT" -type f | wc -l) files to $OUT"
