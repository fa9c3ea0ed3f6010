#!/usr/bin/env bash
# gen-translated-logs.sh [--out DIR] [LANG[:VERBOSITY][@PREFIX]...]
# gen-translated-logs.sh --locales [LANG...]    only generate the locales (scripts/test.sh)
#
# Runs one workload on a REAL PostgreSQL 15 server (Debian's postgresql-15) once per
# `lc_messages` language and saves what the server printed as DIR/LANG.log (DIR defaults
# to sample-logs/translated/; LANG is C or a catalogue language: de es fr it ja ka ko ru
# sv uk zh_CN; default: all of them, and C:verbose, C:terse, de:verbose). LANG:VERBOSITY
# runs with `log_error_verbosity = VERBOSITY` (verbose writes the SQLSTATE before each
# message and a LOCATION line after it; terse leaves DETAIL, HINT and CONTEXT out) and is
# saved as DIR/LANG-VERBOSITY.log. LANG@PREFIX runs with the log_line_prefix PREFIX names
# (see PREFIXES below; saved as DIR/LANG@PREFIX.log); `all-prefixes` stands for C with each.
# The same events happen in every run, so pgtriage
# must find the same ids and counts in every log (tests/translations.rs checks it).
# Nothing is hand-written: every line comes from initdb/postgres as started here.
#
# The workload: failed logins (missing role, missing database, wrong password), a syntax
# error, a missing table, a unique violation, a division by zero, a lock timeout, a
# statement timeout, a deadlock, a checkpoint, a fast shutdown and a restart.
#
# The locales (LANG_REGION.UTF-8) must exist; as root, missing ones are enabled in
# /etc/locale.gen and generated with locale-gen (Debian's `locales` package).
# Environment: PGBIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR="$REPO_DIR/sample-logs/translated"
LOCALES_ONLY=0
if [[ ${1:-} == --out ]]; then OUT_DIR=${2:?--out needs a directory}; shift 2; fi
if [[ ${1:-} == --locales ]]; then LOCALES_ONLY=1; shift; fi
LANGS=("$@")
((${#LANGS[@]})) || LANGS=(C de es fr it ja ka ko ru sv uk zh_CN C:verbose C:terse de:verbose all-prefixes)

# Named log_line_prefix values, in the shapes platforms ship them. Not yet here, because
# inference does not read them yet (pgtriage needs --prefix for them): `%t-%c-%l ` and
# unlabelled free-text escapes side by side (`%b %i`).
declare -A PREFIXES=(
    [default]='%m [%p] '
    # Amazon RDS's default (AWS, "Parameters for logging in RDS for PostgreSQL").
    [rds]='%t:%r:%u@%d:[%p]:'
    # The one pgBadger's documentation asks for.
    [pgbadger]='%t [%p]: user=%u,db=%d,app=%a,client=%h '
    # PostgreSQL's own %q example: session fields only in session processes.
    [session-q]='%m [%p] %q%u@%d/%a '
)

declare -A LOCALE=([C]=C [de]=de_DE [es]=es_ES [fr]=fr_FR [it]=it_IT [ja]=ja_JP [ka]=ka_GE
    [ko]=ko_KR [ru]=ru_RU [sv]=sv_SE [uk]=uk_UA [zh_CN]=zh_CN)

# ensure_locales LOCALE...: generates the missing ones (root and Debian's locales).
ensure_locales() {
    local l missing=()
    for l in "$@"; do
        [[ $l == C ]] && continue
        locale -a 2>/dev/null | grep -qix "$l.utf-\?8" || missing+=("$l")
    done
    ((${#missing[@]})) || return 0
    [[ $EUID -eq 0 && -f /etc/locale.gen ]] || {
        echo "missing locales ${missing[*]}: generate them (Debian: locales, locale-gen)" >&2
        return 1
    }
    for l in "${missing[@]}"; do
        grep -q "^$l.UTF-8 UTF-8" /etc/locale.gen || echo "$l.UTF-8 UTF-8" >>/etc/locale.gen
    done
    locale-gen >/dev/null
}

if ((LOCALES_ONLY)); then
    for l in "${LANGS[@]}"; do
        l=${l%%[:@]*}
        [[ -z ${LOCALE[$l]:-} ]] || ensure_locales "${LOCALE[$l]}"
    done
    exit 0
fi

while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' | grep -v '^PGBIN$' || true)
export LC_ALL=C TZ=Etc/UTC PGSSLMODE=disable PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10

if [[ $EUID -eq 0 ]]; then
    as_pg() { runuser -u postgres -- "$@"; }
    PG_OWNER=postgres
else
    as_pg() { "$@"; }
    PG_OWNER=$(id -un)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgtriage-translated.XXXXXX")
chmod 755 "$WORK"
cd "$WORK"
cleanup() {
    local rc=$?
    [[ -f $WORK/data/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -s stop >/dev/null 2>&1
    wait 2>/dev/null
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

sql() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$WORK/sock" -p "$PORT" -U postgres -d postgres "$@"; }
fails() { ! "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@" >/dev/null 2>&1; }
wait_sql() {
    local i
    for ((i = 0; i < 300; i++)); do
        [[ $(sql -c "$1" 2>/dev/null) == t ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for: $1" >&2
    return 1
}
free_port() {
    local p
    for p in $(seq 25432 25532); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

# The server's environment is UTF-8, as in the official images and under systemd: with
# LC_ALL=C the postmaster and not-yet-connected backends print every non-ASCII letter of a
# translation as "?".
start() { LC_ALL=C.UTF-8 as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 180 -s start; }

# run LANG [VERBOSITY [PREFIX]]: one server, the workload, the log saved.
run() {
    local lang=$1 verbosity=${2:-default} prefix=${3:-default} locale=${LOCALE[$1]}
    local log="$WORK/server.log" name=$1
    [[ $verbosity == default ]] || name+="-$verbosity"
    [[ $prefix == default ]] || name+="@$prefix"
    [[ $locale == C ]] || locale+=.UTF-8
    rm -rf "$WORK/data" "$WORK/sock" "$log"
    mkdir -p "$WORK/sock" && chown "$PG_OWNER" "$WORK/sock" "$WORK"
    as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust --auth-host=scram-sha-256 \
        --no-sync --no-instructions --locale=C.UTF-8 --encoding=UTF8 >/dev/null
    PORT=$(free_port)
    printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $PORT" \
        "unix_socket_directories = '$WORK/sock'" "lc_messages = '$locale'" \
        "deadlock_timeout = '200ms'" "log_error_verbosity = $verbosity" \
        "log_line_prefix = '${PREFIXES[$prefix]}'" | as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    start
    sql -c "ALTER ROLE postgres PASSWORD 'right'" -c "CREATE TABLE t (id int PRIMARY KEY)" \
        -c "CREATE TABLE u (id int)" -c "INSERT INTO t VALUES (1), (2)"
    local i
    for i in 1 2 3; do fails -h "$WORK/sock" -p "$PORT" -U nosuchrole -d postgres -c ''; done
    for i in 1 2; do fails -h "$WORK/sock" -p "$PORT" -U postgres -d nosuchdb -c ''; done
    for i in 1 2; do PGPASSWORD=wrong fails -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c ''; done
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres -c 'SELEC 1'
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres -c 'SELECT * FROM nosuchtable'
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres -c 'INSERT INTO t VALUES (1)'
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres -c 'SELECT 1/0'
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres \
        -c "SET statement_timeout = '100ms'" -c 'SELECT pg_sleep(5)'
    # A lock timeout: one session holds the table, another waits 200 ms for it.
    sql -c 'BEGIN' -c 'LOCK u' -c 'SELECT pg_sleep(3)' -c 'COMMIT' &
    wait_sql "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'u'::regclass AND granted"
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres \
        -c "BEGIN; SET lock_timeout = '200ms'; LOCK u"
    wait
    # A deadlock: two sessions lock t's rows in opposite orders.
    sql -c 'BEGIN' -c 'UPDATE t SET id = id WHERE id = 1' -c 'SELECT pg_sleep(1)' \
        -c 'UPDATE t SET id = id WHERE id = 2' -c 'COMMIT' >/dev/null 2>&1 &
    wait_sql "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()"
    sql -c 'BEGIN' -c 'UPDATE t SET id = id WHERE id = 2' -c 'SELECT pg_sleep(0.3)' \
        -c 'UPDATE t SET id = id WHERE id = 1' -c 'COMMIT' >/dev/null 2>&1 || true
    wait || true
    sql -c 'CHECKPOINT'
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -w -t 180 -s -m fast stop
    start
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -w -t 180 -s -m fast stop
    mkdir -p "$OUT_DIR"
    cp "$log" "$OUT_DIR/$name.log"
    echo "$OUT_DIR/$name.log: $(wc -l <"$log") lines" >&2
}

specs=()
for spec in "${LANGS[@]}"; do
    if [[ $spec == all-prefixes ]]; then
        for p in "${!PREFIXES[@]}"; do [[ $p == default ]] || specs+=("C@$p"); done
    else
        specs+=("$spec")
    fi
done
for spec in "${specs[@]}"; do
    prefix=default
    [[ $spec == *@* ]] && prefix=${spec#*@} spec=${spec%%@*}
    [[ -n ${PREFIXES[$prefix]:-} ]] || { echo "unknown prefix $prefix" >&2; exit 2; }
    l=${spec%%:*} verbosity=default
    [[ $spec == *:* ]] && verbosity=${spec#*:}
    [[ -n ${LOCALE[$l]:-} ]] || { echo "unknown language $l" >&2; exit 2; }
    [[ $verbosity =~ ^(default|terse|verbose)$ ]] || { echo "unknown verbosity $verbosity" >&2; exit 2; }
    ensure_locales "${LOCALE[$l]}"
    run "$l" "$verbosity" "$prefix"
done
