#!/usr/bin/env bash
# gen-translated-logs.sh [--out DIR] [LANG[:VERBOSITY][@PREFIX]...]
# gen-translated-logs.sh --locales [LANG...]    only generate the locales (scripts/test.sh)
# gen-translated-logs.sh --prefixes             print each named prefix, NAME<TAB>VALUE
#
# Runs one workload on a REAL PostgreSQL 15 server (Debian's postgresql-15) once per
# `lc_messages` language and saves what the server printed as DIR/LANG.log (DIR defaults
# to sample-logs/translated/; LANG is C or a catalogue language: de es fr it ja ka ko ru
# sv uk zh_CN; default: all of them, and C:verbose, C:terse, de:verbose). PGBIN runs
# another major instead (PGBIN=$(scripts/pg-major.sh 17) ... --out
# sample-logs/translated/pg17 C C:verbose C:terse all-prefixes); the wheels that
# scripts/pg-major.sh installs for 14, 16, 17 and 18 are C only: they were configured
# without --enable-nls (`pg_config --configure`; ENABLE_NLS is undefined in their
# pg_config.h, and they ship no share/locale), so PostgreSQL compiles gettext out and
# lc_messages cannot change their language. The script refuses a language on such a build
# (it would save an English log under a language's name), and languages are tested on
# Debian's 15, which is built with NLS and installs the catalogues. LANG:VERBOSITY
# runs with `log_error_verbosity = VERBOSITY` (verbose writes the SQLSTATE before each
# message and a LOCATION line after it; terse leaves DETAIL, HINT and CONTEXT out) and is
# saved as DIR/LANG-VERBOSITY.log. LANG@PREFIX runs with the log_line_prefix PREFIX names
# (see PREFIXES below; saved as DIR/LANG@PREFIX.log); `all-prefixes` stands for C with each.
# `syslog` runs C with log_destination = 'stderr,syslog' under a private rsyslogd (Debian's
# rsyslog; root, and /dev/log free: PostgreSQL's syslog(3) writes there) and saves the
# same records three ways: DIR/syslog/stderr.log (PostgreSQL's own), rfc3164.log (rsyslog's
# traditional file format) and rfc5424.log (RSYSLOG_SyslogProtocol23Format); its workload
# adds a statement longer than syslog's 900-byte chunks (`[N-2]` parts) and one with a TAB
# line (`#011`). `syslog@PREFIX` does the same with a named prefix, into DIR/syslog@PREFIX/
# (`syslog@heroku`: no time or pid in the prefix, the frame's are the records').
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
LIST_PREFIXES=0
if [[ ${1:-} == --prefixes ]]; then LIST_PREFIXES=1; shift; fi
LANGS=("$@")
((${#LANGS[@]})) || LANGS=(C de es fr it ja ka ko ru sv uk zh_CN C:verbose C:terse de:verbose all-prefixes)

# Named log_line_prefix values: the platforms' defaults, and others so that together they
# hold every escape PostgreSQL 13-18 documents (%a %u %d %r %h %L %b %p %P %t %m %n %i %e
# %c %l %s %v %x %q %Q %%). Each is read WITHOUT --prefix by tests/translations.rs.
# CloudNativePG (pkg/postgres/configuration.go sets no log_line_prefix), Bitnami
# (POSTGRESQL_LOG_LINE_PREFIX: "No defaults", bitnami-docker-postgresql README) and
# Crunchy's PGO v5 (internal/postgres/parameters.go sets none) run with PostgreSQL's own
# default, which is C.log's.
declare -A PREFIXES=(
    [default]='%m [%p] '
    # Amazon RDS's default (AWS, "Parameters for logging in RDS for PostgreSQL").
    [rds]='%t:%r:%u@%d:[%p]:'
    # The one pgBadger's documentation asks for.
    [pgbadger]='%t [%p]: user=%u,db=%d,app=%a,client=%h '
    # PostgreSQL's own %q example: session fields only in session processes.
    [session-q]='%m [%p] %q%u@%d/%a '
    # Azure Database for PostgreSQL flexible server's default (MicrosoftDocs/azure-docs,
    # articles/postgresql/flexible-server/includes/server-parameters-table-*-what-to-log.md).
    [azure]='%t-%c-'
    # The same with the session line number: no pid escape, the session id holds it.
    [session-line]='%t-%c-%l '
    # Cloud SQL's, as its Cloud Logging entries show it (pgBadger's cloudsql.log fixture:
    # `[24667]: [2-1] db=cloudsqladmin,user=cloudsqladmin LOG:`); no time, Cloud Logging's
    # entry carries it.
    [cloudsql]='[%p]: [%l-1] db=%d,user=%u '
    # Zalando Spilo's (postgres-appliance/scripts/configure_spilo.py): session id, xid and
    # four free-text escapes side by side, all empty in background processes.
    [spilo]='%t [%p]: [%l-1] %c %x %d %u %a %h '
    # Crunchy's container images (crunchy-containers conf/postgres/postgresql.conf.template):
    # no space before the level, so a client address runs into it (`client=127.0.0.1LOG:`).
    [crunchy]='%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h'
    # Heroku Postgres's (help.heroku.com/MJUI0JR0: `sql_error_code = 00000 LOG:`); no time,
    # logplex's frame carries it.
    [heroku]='sql_error_code = %e '
    # Backend type and command tag side by side: free text with spaces in it
    # (`client backend`, `idle in transaction`), which no shape tells apart from %a.
    [type-tag]='%m [%p] %b %i '
    # The numeric and time escapes: epoch time, parallel leader, SQLSTATE, session start,
    # virtual and real transaction ids, query id (compute_query_id is on), a literal %.
    [numbers]='%n [%p] %P %e %s %v %x %Q %% '
    # Server and client addresses (%L is PostgreSQL 18's; earlier majors print nothing for it,
    # 18 prints `[none]` in background processes).
    [addresses]='%m [%p] %L %r %h %u %d %a: '
)

# The tests read the prefixes from here (which escapes each holds, which has no time).
if ((LIST_PREFIXES)); then
    for p in "${!PREFIXES[@]}"; do printf '%s\t%s\n' "$p" "${PREFIXES[$p]}"; done | sort
    exit 0
fi

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
    ! declare -F stop_syslog >/dev/null || stop_syslog
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
# until_sql COND: a DO block that returns once COND holds (polled every 50 ms, 30 s at
# most; each poll sees what other sessions committed). A session that must wait for
# another one's step waits for it, not a guessed time a loaded machine outlasts (seen: a
# deadlock missed when the second session's UPDATE came after the first had taken both
# rows, a second after the first one's fixed sleep).
until_sql() { echo "DO \$\$ BEGIN FOR i IN 1..600 LOOP EXIT WHEN $1; PERFORM pg_sleep(0.05); END LOOP; END \$\$"; }
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

# A fast stop that returns once the postmaster has exited. `pg_ctl stop -w` returns when
# postmaster.pid is gone, but the postmaster unlinks it BEFORE it writes its last line
# ("database system is shut down", UnlinkLockFiles in miscinit.c): a log copied right
# after pg_ctl may lack that line (seen: fr.log with one where C.log had two). A zombie
# has written everything, so it counts as exited.
stop() {
    local pid i
    pid=$(head -n 1 "$WORK/data/postmaster.pid")
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -w -t 180 -s -m fast stop
    for ((i = 0; i < 600; i++)); do
        [[ -r /proc/$pid/stat && $(cut -d' ' -f3 "/proc/$pid/stat") != Z ]] || return 0
        sleep 0.05
    done
    echo "postmaster $pid still running 30 s after pg_ctl stop" >&2
    return 1
}

# run LANG [VERBOSITY [PREFIX]]: one server, the workload, the log saved.
run() {
    local lang=$1 verbosity=${2:-default} prefix=${3:-default} locale=${LOCALE[$1]}
    local syslog=${4:-}
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
    # %Q prints 0 unless query ids are computed.
    [[ ${PREFIXES[$prefix]} != *%Q* ]] || echo "compute_query_id = on" | as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    [[ -z $syslog ]] || printf '%s\n' "log_destination = 'stderr,syslog'" "syslog_facility = 'local0'" \
        | as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
    start
    sql -c "ALTER ROLE postgres PASSWORD 'right'" -c "CREATE TABLE t (id int PRIMARY KEY)" \
        -c "CREATE TABLE u (id int)" -c "INSERT INTO t VALUES (1), (2)" \
        -c "CREATE TABLE released (step int)"
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
    # A lock timeout: one session holds the table until the other has waited 200 ms for
    # it and given up (the script then writes a row to `released`).
    sql -c 'BEGIN' -c 'LOCK u' -c "$(until_sql 'EXISTS (SELECT FROM released)')" -c 'COMMIT' &
    local holder=$!
    wait_sql "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'u'::regclass AND granted"
    fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres \
        -c "BEGIN; SET lock_timeout = '200ms'; LOCK u"
    sql -c 'INSERT INTO released VALUES (1)'
    # Waits for its own children only: a syslog run has rsyslogd running too.
    wait "$holder"
    # A deadlock: two sessions lock t's rows in opposite orders. The first takes row 2 only
    # once the second holds it (its advisory lock, taken after its UPDATE, says so).
    sql -c 'BEGIN' -c 'UPDATE t SET id = id WHERE id = 1' \
        -c "$(until_sql "EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted)")" \
        -c 'UPDATE t SET id = id WHERE id = 2' -c 'COMMIT' >/dev/null 2>&1 &
    holder=$!
    wait_sql "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'DO %' AND pid <> pg_backend_pid()"
    sql -c 'BEGIN' -c 'UPDATE t SET id = id WHERE id = 2' -c 'SELECT pg_advisory_xact_lock(1)' \
        -c 'SELECT pg_sleep(0.3)' -c 'UPDATE t SET id = id WHERE id = 1' -c 'COMMIT' >/dev/null 2>&1 || true
    wait "$holder" || true
    sql -c 'CHECKPOINT'
    if [[ -n $syslog ]]; then
        # Longer than syslog's 900-byte chunks, and a line that starts with a TAB.
        fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres \
            -c "SELECT 1/0 AS \"$(printf 'x%.0s' {1..1200})\""
        fails -h "$WORK/sock" -p "$PORT" -U postgres -d postgres -c $'SELECT *\n\tFROM nosuchtable'
    fi
    stop
    start
    stop
    mkdir -p "$OUT_DIR"
    if [[ -n $syslog ]]; then
        # The postmaster's last line may still be in /dev/log's queue when it exits.
        local i want
        want=$(grep -c 'database system is shut down' "$log")
        for ((i = 0; i < 100; i++)); do
            [[ $(cat "$WORK"/rfc*.log | grep -c 'database system is shut down') -ge $((2 * want)) ]] && break
            sleep 0.1
        done
        stop_syslog
        local dir=$OUT_DIR/syslog
        [[ $prefix == default ]] || dir+="@$prefix"
        mkdir -p "$dir"
        cp "$log" "$dir/stderr.log"
        cp "$WORK/rfc3164.log" "$WORK/rfc5424.log" "$dir/"
        wc -l "$dir"/*.log >&2
        return
    fi
    cp "$log" "$OUT_DIR/$name.log"
    echo "$OUT_DIR/$name.log: $(wc -l <"$log") lines" >&2
}

# A private rsyslogd, in the foreground as this script's child, owning /dev/log while the
# server runs: imuxsock with rate limiting off, local0 to two files.
SYSLOG_PID=
start_syslog() {
    command -v rsyslogd >/dev/null || { echo "syslog needs rsyslogd (apt-get install rsyslog)" >&2; exit 1; }
    [[ $EUID -eq 0 ]] || { echo "syslog needs root: rsyslogd must create /dev/log" >&2; exit 1; }
    [[ ! -e /dev/log ]] || { echo "/dev/log exists: another syslog daemon runs" >&2; exit 1; }
    mkdir -p "$WORK/rsyslog"
    printf '%s\n' "global(workDirectory=\"$WORK/rsyslog\")" \
        'module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")' \
        "local0.* action(type=\"omfile\" file=\"$WORK/rfc3164.log\" template=\"RSYSLOG_TraditionalFileFormat\")" \
        "local0.* action(type=\"omfile\" file=\"$WORK/rfc5424.log\" template=\"RSYSLOG_SyslogProtocol23Format\")" \
        >"$WORK/rsyslog.conf"
    rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog/pid" &
    SYSLOG_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do [[ -S /dev/log ]] && return 0; sleep 0.1; done
    echo "rsyslogd did not create /dev/log" >&2
    return 1
}
stop_syslog() {
    [[ -n $SYSLOG_PID ]] || return 0
    kill -TERM "$SYSLOG_PID" 2>/dev/null || true
    wait "$SYSLOG_PID" 2>/dev/null || true
    SYSLOG_PID=
    rm -f /dev/log
}

# nls: this build translates its messages (configured with --enable-nls).
nls() { "$PGBIN/pg_config" --configure | grep -q -- "'--enable-nls"; }

specs=()
for spec in "${LANGS[@]}"; do
    if [[ $spec == all-prefixes ]]; then
        for p in "${!PREFIXES[@]}"; do [[ $p == default ]] || specs+=("C@$p"); done
    else
        specs+=("$spec")
    fi
done
for spec in "${specs[@]}"; do
    if [[ $spec == syslog || $spec == syslog@* ]]; then
        prefix=default
        [[ $spec == *@* ]] && prefix=${spec#*@}
        [[ -n ${PREFIXES[$prefix]:-} ]] || { echo "unknown prefix $prefix" >&2; exit 2; }
        start_syslog
        run C default "$prefix" syslog
        continue
    fi
    prefix=default
    [[ $spec == *@* ]] && prefix=${spec#*@} spec=${spec%%@*}
    [[ -n ${PREFIXES[$prefix]:-} ]] || { echo "unknown prefix $prefix" >&2; exit 2; }
    l=${spec%%:*} verbosity=default
    [[ $spec == *:* ]] && verbosity=${spec#*:}
    [[ -n ${LOCALE[$l]:-} ]] || { echo "unknown language $l" >&2; exit 2; }
    [[ $verbosity =~ ^(default|terse|verbose)$ ]] || { echo "unknown verbosity $verbosity" >&2; exit 2; }
    [[ $l == C ]] || nls || { echo "$PGBIN was built without NLS (no --enable-nls in pg_config --configure): lc_messages cannot make it log in $l" >&2; exit 2; }
    ensure_locales "${LOCALE[$l]}"
    run "$l" "$verbosity" "$prefix"
done
