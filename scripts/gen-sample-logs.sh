#!/usr/bin/env bash
# gen-sample-logs.sh [--out DIR] [--only AREA]
#
# Drives a REAL PostgreSQL server (14 to 18: the binaries in PGBIN, see
# scripts/pg-major.sh) into the events that pgtriage's catalogue knows about,
# and saves what the server printed.  Nothing in sample-logs/ is ever
# hand-written: every line comes from initdb/postgres as started by this script.
#
# Output (DIR defaults to sample-logs/ at the repository root for PostgreSQL 15,
# Debian's, and to sample-logs/pgMAJOR/ for the other majors):
#   DIR/*.log                one file per scenario (server stderr, logging_collector=off)
#   DIR/expected-counts.tsv  "file<TAB>pattern-id<TAB>count": how many log RECORDS
#                            (a main line, not its DETAIL/HINT/STATEMENT lines) of
#                            each event the scenario produced.  A count written
#                            as ">=N" means "at least N" (a retry on the
#                            server's own clock), "<=N" "at most N" (a race
#                            between two real outcomes); only where the server
#                            itself is not deterministic.
#
# More scenarios live in scripts/scenarios/AREA.sh, one file per area of the
# catalogue: each is sourced after the built-in scenarios below, uses the same
# helpers, registers its ID_REGEX entries and runs its scenarios, and its
# expectations go to DIR/expected-counts-AREA.tsv. `--only AREA` runs just that
# file's scenarios (and rewrites just its logs), so areas can be regenerated one
# at a time without touching the others' sample lines.
#
# The counts come from the variables just below (the scenario's own plan); at the
# end the script greps every log for every event and FAILS if the server printed
# a different number, so the TSV can be trusted by the integration tests.
#
# What differs between majors (a renamed setting, a message reworded, an event
# that a major cannot produce) is decided by PG_MAJOR, read from the server
# binary; each expectation that differs says for which majors.
#
# Requirements: bash, PostgreSQL server binaries, root (servers are run as the
# `postgres` OS user via runuser) or an ordinary user (servers run as that user).
# Only loopback (127.0.0.1) and unix sockets inside a private temp dir are used.
# Scenarios that need root (the /dev/shm one) are skipped when not root.
#
# Environment knobs: PGBIN (default /usr/lib/postgresql/15/bin; e.g.
# PGBIN=$(scripts/pg-major.sh 17)), KEEP_WORK=1 to keep the temp dir for debugging.

set -euo pipefail

# ----------------------------------------------------------------------------
# The scenario's own counts.  Change a number here and the scenario follows.
# ----------------------------------------------------------------------------
ROLE_MISSING_PROBES=5          # pg_isready as a role that does not exist
DATABASE_MISSING_PROBES=3      # pg_isready against a database that does not exist
PASSWORD_FAILURES=3            # wrong password over TCP (scram-sha-256)
NO_HBA_ENTRIES=2               # TCP logins that no pg_hba.conf line matches
INCOMPLETE_STARTUP_PACKETS=2   # TCP connections that send 2 bytes and hang up
RESERVED_SLOT_REJECTIONS=2     # "remaining connection slots are reserved ..."
TOO_MANY_CLIENTS_REJECTIONS=2  # "sorry, too many clients already"
IDLE_TX_TIMEOUTS=1             # idle_in_transaction_session_timeout firing
DEADLOCKS=1                    # two sessions locking rows in opposite order
LOCK_TIMEOUTS=1                # lock_timeout while another session holds a lock
STATEMENT_TIMEOUTS=1           # statement_timeout on pg_sleep
ARCHIVE_RETRIES=3              # PostgreSQL's NUM_ARCHIVE_RETRIES: tries per round
CHECKPOINT_WARNINGS=3          # WAL-triggered checkpoints closer than checkpoint_warning
COLLATION_MISMATCH_CONNECTIONS=2  # connections to a db whose datcollversion is wrong
COLLATION_DB=appdb
COLLATION_QUERY='SELECT 1'     # what each connection runs (14: a query that uses the collation)
WRAPAROUND_XACTS=2             # transactions run past the XID warn limit (+1 warning at startup)
LONG_STATEMENT_BYTES=40000     # > 2 x 16 KiB: Docker's json-file splits the line in 3
OOM_ULIMIT_KB=600000           # address-space limit for the out-of-memory server
OOM_REQUEST_BYTES=900000000    # repeat() size: above the whole ulimit, below MaxAllocSize (1 GB)

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

# ----------------------------------------------------------------------------
# Arguments, environment
# ----------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
[[ -x "$PGBIN/postgres" ]] || { echo "missing $PGBIN/postgres (see scripts/pg-major.sh)" >&2; exit 1; }
# "postgres (PostgreSQL) 17.11" or "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
PG_MAJOR=$("$PGBIN/postgres" --version | sed -nE 's/^postgres \(PostgreSQL\) ([0-9]+).*/\1/p')
[[ $PG_MAJOR =~ ^1[4-8]$ ]] || { echo "unsupported PostgreSQL major '$PG_MAJOR' in $PGBIN" >&2; exit 1; }
# since N: the server is PostgreSQL N or later.
since() { ((PG_MAJOR >= $1)); }
# changed_in N BEFORE FROM: an expectation that PostgreSQL N changed; prints BEFORE
# on older majors, FROM on N and later.
changed_in() { if since "$1"; then echo "$3"; else echo "$2"; fi; }
# The 15 set is the reference one at the top of sample-logs/; every other major has its own.
OUT_DIR="$REPO_DIR/sample-logs"
[[ $PG_MAJOR == 15 ]] || OUT_DIR+="/pg$PG_MAJOR"
ONLY=""

usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) OUT_DIR=${2:?--out needs a directory}; shift 2 ;;
        --out=*) OUT_DIR=${1#--out=}; shift ;;
        --only) ONLY=${2:?--only needs an area name}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

# The PyPI builds' bin/ programs find their libpq through RUNPATH $ORIGIN/../lib, but
# the server's libpqwalreceiver.so says /opt/postgresql/lib: without this it would load
# the system's (older) libpq and reject primary_conninfo options its own major writes.
if [[ -e "$PGBIN/../lib/libpq.so.5" ]]; then
    export LD_LIBRARY_PATH="$PGBIN/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# A developer's PG* variables (PGHOST, PGUSER, PGPASSWORD...) must not leak into
# the clients we run: every connection below is spelled out explicitly.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' | grep -v '^PGBIN$' || true)
# English messages and UTC timestamps whatever the caller's locale/timezone.
export LC_ALL=C TZ=Etc/UTC
# No SSL/GSS negotiation: one connection attempt = one server log record.
export PGSSLMODE=disable PGGSSENCMODE=disable PGCONNECT_TIMEOUT=10
# No core files from the backend we crash on purpose (SIGSEGV scenario).
ulimit -c 0

for b in initdb pg_ctl postgres psql pg_isready pg_resetwal; do
    [[ -x "$PGBIN/$b" ]] || { echo "missing $PGBIN/$b (see scripts/pg-major.sh)" >&2; exit 1; }
done

# PostgreSQL refuses to run as root, so as root every server-side command runs
# as the `postgres` OS user.  Clients (psql, pg_isready) run as the caller.
if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "no 'postgres' OS user" >&2; exit 1; }
    as_pg() { runuser -u postgres -- "$@"; }
    PG_OWNER=postgres
else
    as_pg() { "$@"; }
    PG_OWNER=$(id -un)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgtriage-samples.XXXXXX")
chmod 755 "$WORK"        # mktemp makes it 0700; the postgres user must get in
mkdir -p "$WORK/logs"
chown "$PG_OWNER" "$WORK/logs"
# Server binaries complain if the cwd is unreadable for them (e.g. /root).
cd "$WORK"

# Every data directory we create, so the trap can stop whatever is running.
DATA_DIRS=()
cleanup() {
    local rc=$? d
    set +e
    # Stop servers first (a psql session may be blocked in a query), then
    # close and reap the psql sessions (see open_session).
    for d in "${DATA_DIRS[@]}"; do
        if [[ -f "$d/postmaster.pid" ]]; then
            as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate -s stop >/dev/null 2>&1
        fi
    done
    for d in "${!SESSION_FD[@]}"; do close_session "$d" 2>/dev/null; done
    # shellcheck disable=SC2046
    kill $(jobs -p) 2>/dev/null
    wait 2>/dev/null
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    [[ $rc -eq 0 ]] || echo "gen-sample-logs.sh: FAILED (exit $rc)" >&2
    exit "$rc"
}
declare -A SESSION_FD=() SESSION_PID=()
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== [%3ss] %s\n' "$SECONDS" "$*" >&2; }

# ----------------------------------------------------------------------------
# Cluster helpers.  One cluster is "current" at a time (C_* variables).
# ----------------------------------------------------------------------------

# A free loopback TCP port: nothing must accept a connection on it.  Picked
# below the kernel's ephemeral range (32768+) so client sockets do not collide.
pick_free_port() {
    local p i
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

# new_cluster NAME LOGFILE [--no-initdb | initdb args...]
# Makes NAME the current cluster: $WORK/NAME/{data,sock}, log $WORK/logs/LOGFILE.
# Runs initdb quietly (its output is not part of the sample; only the
# first-start scenario, which passes --no-initdb, captures initdb itself) and
# appends connection settings to postgresql.conf.
new_cluster() {
    local name=$1 log=$2
    shift 2
    C_DIR="$WORK/$name"
    C_DATA="$C_DIR/data"
    C_SOCK="$C_DIR/sock"
    C_LOG="$WORK/logs/$log"
    mkdir -p "$C_DIR" "$C_SOCK"
    chown "$PG_OWNER" "$C_DIR" "$C_SOCK"
    touch "$C_LOG"
    chown "$PG_OWNER" "$C_LOG"
    DATA_DIRS+=("$C_DATA")
    if [[ "${1:-}" != --no-initdb ]]; then
        as_pg "$PGBIN/initdb" -D "$C_DATA" -U postgres -A trust --no-sync --no-instructions "$@" \
            >"$C_DIR/initdb.out" 2>&1 || { cat "$C_DIR/initdb.out" >&2; return 1; }
        configure_connections
    fi
}

# Listen on a fresh loopback port and put the unix socket in our private dir.
# On 14, log_checkpoints on as well: 15 made it the default, and the scenarios
# count the checkpoints a server logs by default.
configure_connections() {
    C_PORT=$(pick_free_port)
    conf "listen_addresses = '127.0.0.1'" \
         "port = $C_PORT" \
         "unix_socket_directories = '$C_SOCK'"
    since 15 || conf "log_checkpoints = on"
}

# conf LINE...: append settings to the current cluster's postgresql.conf
conf() { printf '%s\n' "$@" | as_pg tee -a "$C_DATA/postgresql.conf" >/dev/null; }

# Start / stop with pg_ctl; the server's stderr is appended to $C_LOG.
start_server() { as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -l "$C_LOG" -w -t 180 -s start; }
stop_server() { as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -w -t 180 -s -m "${1:-fast}" stop; }
reload_server() { as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -s reload; }

# sql [psql args...]: superuser psql over the unix socket, stop on error.
sql() {
    "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$C_SOCK" -p "$C_PORT" -U postgres -d postgres "$@"
}
# sql_expect_fail [psql args...]: a client call that is SUPPOSED to fail.
sql_expect_fail() {
    if "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$C_SOCK" -p "$C_PORT" "$@" >/dev/null 2>&1; then
        echo "expected this psql call to fail: $*" >&2
        return 1
    fi
}

# count_in_log REGEX: lines of the current log matching REGEX (extended).
count_in_log() { grep -cE -- "$1" "$C_LOG" || true; }

# wait_for_log REGEX N: wait until the log has at least N matching lines.
# Server messages are written asynchronously to our clients, so we never rely
# on sleep() but on the log itself.
wait_for_log() {
    local re=$1 n=$2 i
    for ((i = 0; i < 600; i++)); do
        [[ $(count_in_log "$re") -ge $n ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $n x /$re/ in $C_LOG" >&2
    return 1
}

# wait_sql QUERY: poll until QUERY (run as superuser) returns 't'.
wait_sql() {
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $(sql -c "$1" 2>/dev/null) == t ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for: $1" >&2
    return 1
}

# postmaster_pid: first line of postmaster.pid
postmaster_pid() { head -n 1 "$C_DATA/postmaster.pid"; }

# client_backends: number of client backends, from the server children's
# process titles ("postgres: USER DB [local] idle", "... 127.0.0.1(port) ...").
# Works when every connection slot is taken and SQL cannot be used.  Reads
# /proc directly: procps (ps/pgrep) is not always installed.
client_backends() {
    local pm p ppid title n=0
    pm=$(postmaster_pid)
    for p in /proc/[0-9]*; do
        # /proc/PID/stat: "pid (comm) state ppid ..."; postgres' comm has no spaces
        read -r _ _ _ ppid _ 2>/dev/null <"$p/stat" || continue
        [[ $ppid == "$pm" ]] || continue
        title=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        [[ $title =~ ^postgres:\ [^\ ]+\ [^\ ]+\ (\[local\]|[0-9.]+\() ]] && n=$((n + 1))
    done
    echo "$n"
}
# wait_backends N: until exactly N client backends exist.
wait_backends() {
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $(client_backends) -eq $1 ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1 client backends (have $(client_backends))" >&2
    return 1
}

# --- long-lived psql sessions fed through a FIFO ------------------------------
# open_session NAME [psql args...]: start psql reading SQL from a FIFO that we
# keep open; `send NAME SQL` feeds it, `close_session NAME` sends EOF and waits.
# This gives us interleaved multi-session scripts (deadlocks, held locks, held
# connection slots) with no sleeps.  The session's application_name is NAME.
open_session() {
    local name=$1 fifo fd
    shift
    fifo="$WORK/fifo.$name"
    mkfifo "$fifo"
    exec {fd}<>"$fifo"
    (
        # Do not keep other sessions' FIFOs open, or they would never see EOF.
        for f in "${SESSION_FD[@]}"; do exec {f}>&-; done
        exec {fd}>&-
        PGAPPNAME=$name exec "$PGBIN/psql" -X -q -h "$C_SOCK" -p "$C_PORT" "$@" \
            <"$fifo" >"$WORK/session.$name.out" 2>&1
    ) &
    SESSION_PID[$name]=$!
    SESSION_FD[$name]=$fd
}
send() { printf '%s\n' "$2" >&"${SESSION_FD[$1]}"; }
close_session() {
    local fd=${SESSION_FD[$1]}
    exec {fd}>&-
    wait "${SESSION_PID[$1]}" || true
    unset "SESSION_FD[$1]" "SESSION_PID[$1]"
}

# ----------------------------------------------------------------------------
# Expected counts, collected while scenarios run.
# ----------------------------------------------------------------------------
EXPECTED=()      # "area<TAB>file<TAB>id<TAB>count"
AREA=core        # the area whose scenarios are running (scripts/scenarios/AREA.sh)
declare -A ID_AREA=()   # id -> the area that registered its regex
expect() { EXPECTED+=("$AREA"$'\t'"$1"$'\t'"$2"$'\t'"$3"); }

# The regex the self-check uses for each pattern id (not the analyzer's
# catalogue: just enough to tell whether the server printed what we planned).
declare -A ID_REGEX=(
    [locale.no-system-locales]='WARNING:  no usable system locales were found'
    [auth.trust-local]='enabling "trust" authentication for local connections'
    [connection.role-missing]='FATAL:  role ".*" does not exist'
    [connection.database-missing]='FATAL:  database ".*" does not exist'
    [auth.password-failed]='FATAL:  password authentication failed for user'
    [auth.no-hba-entry]='FATAL:  no pg_hba.conf entry for'
    [connection.incomplete-startup-packet]='LOG:  incomplete startup packet'
    [connection.too-many-clients]='FATAL:  (sorry, too many clients already|remaining connection slots are reserved)'
    [connection.idle-in-transaction-timeout]='FATAL:  terminating connection due to idle-in-transaction timeout'
    [lock.deadlock]='ERROR:  deadlock detected'
    [lock.timeout]='ERROR:  canceling statement due to lock timeout'
    [query.statement-timeout]='ERROR:  canceling statement due to statement timeout'
    [server.process-killed]='terminated by signal 9: Killed'
    [server.process-crashed]='terminated by signal (4|6|7|8|11):'
    [server.crash-recovery]='database system was not properly shut down; automatic recovery in progress'
    [server.ready]='database system is ready to accept connections'
    [server.shutdown]='received (fast|smart|immediate) shutdown request'
    [checkpoint.too-frequent]='checkpoints are occurring too frequently'
    [config.restart-required]='cannot be changed without restarting the server'
    [config.invalid-value]='invalid value for parameter'
    [config.unrecognized-parameter]='unrecognized configuration parameter'
    [config.file-errors]='configuration file ".*" contains errors'
    [memory.out-of-memory]='ERROR:  out of memory'
    [storage.page-verification-failed]='(WARNING|LOG):  page verification failed'   # 18's I/O workers: LOG
    [archive.command-failed]='archive command failed with exit code'
    [collation.version-mismatch]='(has a collation version mismatch|collation ".*" has version mismatch)'
    [storage.data-dir-version-mismatch]='FATAL:  database files are incompatible with server'
    [wraparound.warning]='must be vacuumed within [0-9]+ transactions'
    [resource.shm-exhausted]='could not resize shared memory segment .* No space left on device'
)

# ============================================================================
# a) first-start-no-locale.log: what an Alpine-based official image prints on
#    its first start.  Alpine (musl) has no `locale` binary, so initdb's
#    popen("locale -a") fails in /bin/sh and initdb finds no system locale.
#    We reproduce it on Debian by running initdb with a PATH that holds only
#    an empty directory: dash then prints "sh: 1: locale: not found".
# ============================================================================
scenario_first_start() {
    local f=first-start-no-locale.log
    say "a) $f"
    new_cluster first-start "$f" --no-initdb
    local nobin="$C_DIR/empty-path"
    mkdir -p "$nobin"
    # Like `docker logs` of a first start: initdb's stdout+stderr come first.
    # No -A, so initdb warns that local connections are "trust".  env -i: a
    # container's minimal environment (no LANG, PATH without `locale`).
    as_pg env -i PATH="$nobin" "$PGBIN/initdb" -D "$C_DATA" -U postgres >>"$C_LOG" 2>&1
    configure_connections
    start_server                  # default log_line_prefix '%m [%p] '
    wait_for_log 'ready to accept connections' 1
    stop_server fast              # `docker stop`: the image's STOPSIGNAL is SIGINT = fast
    expect "$f" locale.no-system-locales 1
    expect "$f" auth.trust-local 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# b) healthcheck-misconfig.log: a container healthcheck like
#    `pg_isready -h ... ` run as root (so the role is "root") or pointed at a
#    database that was never created.  pg_isready only pings, but the server
#    still authenticates the startup packet and logs a FATAL for each probe.
# ============================================================================
scenario_healthcheck() {
    local f=healthcheck-misconfig.log i
    say "b) $f"
    new_cluster healthcheck "$f"
    start_server
    for ((i = 0; i < ROLE_MISSING_PROBES; i++)); do
        "$PGBIN/pg_isready" -q -h "$C_SOCK" -p "$C_PORT" -U root || true
    done
    for ((i = 0; i < DATABASE_MISSING_PROBES; i++)); do
        "$PGBIN/pg_isready" -q -h "$C_SOCK" -p "$C_PORT" -U postgres -d appdb || true
    done
    wait_for_log 'role "root" does not exist' "$ROLE_MISSING_PROBES"
    wait_for_log 'database "appdb" does not exist' "$DATABASE_MISSING_PROBES"
    stop_server fast
    expect "$f" connection.role-missing "$ROLE_MISSING_PROBES"
    expect "$f" connection.database-missing "$DATABASE_MISSING_PROBES"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# c) auth-and-connections.log: authentication and connection-limit failures
#    over TCP on 127.0.0.1, with a NON-default log_line_prefix so the analyzer
#    has to detect the prefix.
# ============================================================================
scenario_auth_and_connections() {
    local f=auth-and-connections.log i
    say "c) $f"
    new_cluster auth "$f"
    # 5 slots, 2 of them reserved for superusers -> 3 for ordinary roles.
    conf "log_line_prefix = '%m [%p] %q%u@%d/%a '" \
         "password_encryption = 'scram-sha-256'" \
         "max_connections = 5" \
         "superuser_reserved_connections = 2" \
         "deadlock_timeout = '200ms'"
    # Local (unix socket) is trust for our own setup; over TCP only `app` may
    # log into `appdb`, with a password.  Everything else has no hba entry.
    printf '%s\n' \
        'local all all trust' \
        'host appdb app 127.0.0.1/32 scram-sha-256' | as_pg tee "$C_DATA/pg_hba.conf" >/dev/null
    start_server
    sql <<'SQL'
CREATE ROLE app LOGIN PASSWORD 'app-secret';
CREATE DATABASE appdb OWNER app;
SQL
    sql -d appdb -U app <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO accounts VALUES (1, 100), (2, 100);
SQL
    local tcp=(-h 127.0.0.1 -p "$C_PORT" -w -c 'SELECT 1')

    # Wrong password for a role that is allowed in.
    for ((i = 0; i < PASSWORD_FAILURES; i++)); do
        PGPASSWORD=not-the-password sql_expect_fail "${tcp[@]}" -U app -d appdb
    done
    wait_for_log 'password authentication failed' "$PASSWORD_FAILURES"

    # Right password but a database/user combination pg_hba.conf does not list.
    for ((i = 0; i < NO_HBA_ENTRIES; i++)); do
        PGPASSWORD=app-secret sql_expect_fail "${tcp[@]}" -U app -d postgres
    done
    wait_for_log 'no pg_hba.conf entry' "$NO_HBA_ENTRIES"

    # A port scanner / TCP health check: connect, send 2 bytes, hang up.
    for ((i = 0; i < INCOMPLETE_STARTUP_PACKETS; i++)); do
        exec 3<>"/dev/tcp/127.0.0.1/$C_PORT"
        printf '\0\0' >&3
        exec 3>&-
    done
    wait_for_log 'incomplete startup packet' "$INCOMPLETE_STARTUP_PACKETS"

    # Connection slots.  Hold the 3 ordinary slots with idle `app` sessions:
    # the next `app` login is refused with "remaining connection slots are
    # reserved...".  Then hold the 2 reserved slots with superuser sessions:
    # now any login gets "sorry, too many clients already".
    # Every backend, even one being refused, occupies a slot until it exits,
    # and so would a pg_stat_activity query: so we count backends by their
    # process titles (no connection needed) and only move on once exactly the
    # planned backends exist.  That keeps the rejections deterministic.
    wait_backends 0
    open_session hold1 -U app -d appdb
    open_session hold2 -U app -d appdb
    open_session hold3 -U app -d appdb
    wait_backends 3
    for ((i = 0; i < RESERVED_SLOT_REJECTIONS; i++)); do
        PGPASSWORD=app-secret sql_expect_fail "${tcp[@]}" -U app -d appdb
    done
    wait_for_log 'remaining connection slots are reserved' "$RESERVED_SLOT_REJECTIONS"
    wait_backends 3
    open_session hold4 -U postgres -d postgres
    open_session hold5 -U postgres -d postgres
    wait_backends 5
    for ((i = 0; i < TOO_MANY_CLIENTS_REJECTIONS; i++)); do
        PGPASSWORD=app-secret sql_expect_fail "${tcp[@]}" -U app -d appdb
    done
    wait_for_log 'sorry, too many clients already' "$TOO_MANY_CLIENTS_REJECTIONS"
    for i in 1 2 3 4 5; do close_session "hold$i"; done

    # idle_in_transaction_session_timeout: open a transaction and go quiet
    # (the classic leaked connection from an application pool).
    open_session leaky-app -U app -d appdb
    send leaky-app "SET idle_in_transaction_session_timeout = '200ms'; BEGIN; SELECT balance FROM accounts WHERE id = 1;"
    wait_for_log 'idle-in-transaction timeout' "$IDLE_TX_TIMEOUTS"
    close_session leaky-app

    # Deadlock: A locks row 1, B locks row 2, A waits for row 2, B asks for row 1.
    open_session transfer-a -U app -d appdb
    open_session transfer-b -U app -d appdb
    send transfer-a "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 1;"
    send transfer-b "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 2;"
    wait_sql "SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name LIKE 'transfer-_' AND state = 'idle in transaction'"
    send transfer-a "UPDATE accounts SET balance = balance + 10 WHERE id = 2;"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'transfer-a' AND wait_event_type = 'Lock'"
    send transfer-b "UPDATE accounts SET balance = balance + 10 WHERE id = 1;"
    wait_for_log 'deadlock detected' "$DEADLOCKS"
    send transfer-a "COMMIT;"
    send transfer-b "COMMIT;"
    close_session transfer-a
    close_session transfer-b

    # lock_timeout: a migration holds an ACCESS EXCLUSIVE lock, a reader gives up.
    open_session migration -U app -d appdb
    send migration "BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'migration' AND state = 'idle in transaction'"
    for ((i = 0; i < LOCK_TIMEOUTS; i++)); do
        PGOPTIONS='-c lock_timeout=100ms' PGAPPNAME=report \
            sql_expect_fail -U app -d appdb -c 'SELECT sum(balance) FROM accounts'
    done
    wait_for_log 'lock timeout' "$LOCK_TIMEOUTS"
    send migration "COMMIT;"
    close_session migration

    # statement_timeout
    for ((i = 0; i < STATEMENT_TIMEOUTS; i++)); do
        PGOPTIONS='-c statement_timeout=100ms' PGAPPNAME=slow-report \
            sql_expect_fail -U app -d appdb -c 'SELECT pg_sleep(5)'
    done
    wait_for_log 'statement timeout' "$STATEMENT_TIMEOUTS"
    stop_server fast

    expect "$f" auth.password-failed "$PASSWORD_FAILURES"
    expect "$f" auth.no-hba-entry "$NO_HBA_ENTRIES"
    expect "$f" connection.incomplete-startup-packet "$INCOMPLETE_STARTUP_PACKETS"
    expect "$f" connection.too-many-clients $((RESERVED_SLOT_REJECTIONS + TOO_MANY_CLIENTS_REJECTIONS))
    expect "$f" connection.idle-in-transaction-timeout "$IDLE_TX_TIMEOUTS"
    expect "$f" lock.deadlock "$DEADLOCKS"
    expect "$f" lock.timeout "$LOCK_TIMEOUTS"
    expect "$f" query.statement-timeout "$STATEMENT_TIMEOUTS"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# d) crashes-and-recovery.log: a backend killed by the OOM killer (SIGKILL),
#    a backend crashing (SIGSEGV), and an unclean stop (`docker kill`, power
#    loss: pg_ctl -m immediate) followed by crash recovery.
# ============================================================================

# kill_backend SIGNAL: run a long query, send SIGNAL to its backend, and wait
# until the postmaster has reinitialized (a new "ready" line).
kill_backend() {
    local sig=$1 ready pid
    ready=$(count_in_log 'ready to accept connections')
    ( sql -c 'SELECT pg_sleep(60)' >/dev/null 2>&1 || true ) &
    local client=$!
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'"
    pid=$(sql -c "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
    kill "-$sig" "$pid"
    wait "$client" || true
    wait_for_log 'ready to accept connections' $((ready + 1))
}

scenario_crashes() {
    local f=crashes-and-recovery.log
    say "d) $f"
    new_cluster crashes "$f"
    start_server
    kill_backend KILL        # -> "terminated by signal 9: Killed", recovery, ready
    kill_backend SEGV        # -> "terminated by signal 11: Segmentation fault", ...
    stop_server immediate    # -> "received immediate shutdown request"
    start_server             # -> "not properly shut down; automatic recovery"
    stop_server fast
    expect "$f" server.process-killed 1
    expect "$f" server.process-crashed 1
    expect "$f" server.crash-recovery 3   # after each backend crash + after the immediate stop
    expect "$f" server.ready 4            # first start, 2 reinitializations, restart
    expect "$f" server.shutdown 2         # immediate + fast
}

# ============================================================================
# checkpoints-too-frequent.log: max_wal_size at its minimum (2 segments), so
# every finished WAL segment requests a checkpoint; pg_switch_wal() finishes a
# segment on demand.  One switch at a time, each followed by the end of that
# checkpoint, keeps one request = one checkpoint = one warning (deterministic).
# ============================================================================
scenario_checkpoints() {
    local f=checkpoints-too-frequent.log i
    say "$f"
    new_cluster checkpoints "$f"
    conf "max_wal_size = '32MB'" "min_wal_size = '32MB'" "checkpoint_warning = '30s'" \
         "log_checkpoints = on"
    start_server
    sql -c 'CREATE TABLE events (id bigserial, payload text)'
    for ((i = 1; i <= CHECKPOINT_WARNINGS; i++)); do
        sql -c "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 1000) g" \
            -c 'SELECT pg_switch_wal()' >/dev/null
        wait_for_log 'checkpoint starting: wal' "$i"
        # A WAL-triggered checkpoint is spread out (checkpoint_completion_target)
        # and would take seconds; a CHECKPOINT command makes the running one
        # finish at full speed, then does its own (not WAL-triggered: no warning).
        sql -c 'CHECKPOINT'
    done
    stop_server fast
    expect "$f" checkpoint.too-frequent "$CHECKPOINT_WARNINGS"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# archive-failure.log: archive_command that always fails.  The archiver tries
# each segment 3 times (1 s apart), then backs off.
# ============================================================================
scenario_archive() {
    local f=archive-failure.log
    say "$f"
    new_cluster archive "$f"
    conf "archive_mode = on" "archive_command = '/bin/false'"
    start_server
    sql -c 'CREATE TABLE t AS SELECT 1 AS x' -c 'SELECT pg_switch_wal()' >/dev/null
    wait_for_log 'failed too many times' 1
    # Fast shutdown: the archiver makes one last round for the same segment
    # (another ARCHIVE_RETRIES failures) before the server stops.
    stop_server fast
    expect "$f" archive.command-failed $((2 * ARCHIVE_RETRIES))
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# config-errors.log: edits to postgresql.conf followed by a reload.
# ============================================================================
# reload_with LINE: append LINE to postgresql.conf, reload, wait for the
# postmaster to report, then restore the file and reload again (silently).
reload_with() {
    local sighups errors
    as_pg cp "$C_DATA/postgresql.conf" "$C_DIR/postgresql.conf.orig"
    conf "$1"
    sighups=$(count_in_log 'received SIGHUP')
    errors=$(count_in_log 'contains errors')
    reload_server
    wait_for_log 'contains errors' $((errors + 1))
    as_pg cp "$C_DIR/postgresql.conf.orig" "$C_DATA/postgresql.conf"
    reload_server
    wait_for_log 'received SIGHUP' $((sighups + 2))
}

scenario_config_errors() {
    local f=config-errors.log
    say "$f"
    new_cluster config "$f"
    start_server
    reload_with "shared_buffers = '200MB'"   # needs a restart, not a reload
    reload_with "shared_buffer = '256MB'"    # typo: unrecognized parameter
    reload_with "work_mem = 'abc'"           # invalid value in the file
    sql_expect_fail -U postgres -d postgres -c "SET work_mem = 'abc'"  # ... and via SET
    wait_for_log 'invalid value for parameter' 2
    stop_server fast
    expect "$f" config.restart-required 1
    expect "$f" config.unrecognized-parameter 1
    expect "$f" config.invalid-value 2
    expect "$f" config.file-errors 3
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# out-of-memory.log: the postmaster runs under `ulimit -v` (like a container
# memory limit without overcommit), and a query asks for one huge palloc.
# ============================================================================
scenario_out_of_memory() {
    local f=out-of-memory.log
    say "$f"
    new_cluster oom "$f"
    # shellcheck disable=SC2016  # $1.. expand in the inner shell
    as_pg bash -c 'ulimit -v "$1" && exec "$2/pg_ctl" -D "$3" -l "$4" -w -t 180 -s start' \
        _ "$OOM_ULIMIT_KB" "$PGBIN" "$C_DATA" "$C_LOG"
    sql_expect_fail -U postgres -d postgres -c "SELECT length(repeat('x', $OOM_REQUEST_BYTES))"
    wait_for_log 'ERROR:  out of memory' 1
    stop_server fast
    expect "$f" memory.out-of-memory 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# corruption.log: data checksums on, bytes overwritten in the middle of a
# table's first page while the server is down, then a read.
# ============================================================================
scenario_corruption() {
    local f=corruption.log relpath
    say "$f"
    new_cluster corruption "$f" --data-checksums
    conf "autovacuum = off"   # only our SELECT may read the broken page
    start_server
    sql -c "CREATE TABLE orders (id int, note text)" \
        -c "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 100) g" \
        -c "CHECKPOINT"
    relpath=$(sql -c "SELECT pg_relation_filepath('orders')")
    stop_server fast
    # 16 bytes of garbage at offset 4000 of block 0 (8 KiB pages): inside the
    # tuple area, so the page header still looks sane and only the checksum fails.
    printf 'CORRUPTCORRUPT!!' | as_pg dd of="$C_DATA/$relpath" bs=1 seek=4000 conv=notrunc status=none
    start_server
    sql_expect_fail -U postgres -d postgres -c "SELECT count(*) FROM orders"
    wait_for_log 'invalid page in block' 1
    stop_server fast
    expect "$f" storage.page-verification-failed 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 2
}

# ============================================================================
# long-statement.log: a failing statement whose text is > 16 KiB, so the
# STATEMENT line is longer than Docker's 16 KiB json-file chunk.
# ============================================================================
scenario_long_statement() {
    local f=long-statement.log words
    say "$f"
    new_cluster longstmt "$f"
    start_server
    # 'lorem ipsum ' x N inside a string literal, then a syntax error at the end.
    words=$(printf 'lorem ipsum %.0s' $(seq 1 $((LONG_STATEMENT_BYTES / 12))))
    printf "SELECT '%s' AS note FROM pg_class WHERE relname = ;\n" "$words" >"$C_DIR/long.sql"
    sql_expect_fail -U postgres -d postgres -f "$C_DIR/long.sql"
    wait_for_log 'STATEMENT:  SELECT' 1
    stop_server fast
    local longest
    longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$C_LOG")
    [[ $longest -gt 16384 ]] || { echo "longest line is only $longest bytes" >&2; return 1; }
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# e) collation-and-version.log
#  - collation version mismatch: a database whose recorded collation version
#    differs from the library's (what an OS/ICU upgrade causes).  ICU where the
#    build has it (Debian's); the PyPI builds of the other majors have no ICU,
#    so there it is glibc's en_US.UTF-8 (C, C.UTF-8 and POSIX have no version),
#    compiled by localedef into a private LOCPATH that only this server sees.
#    PostgreSQL 14 records no database collation version (datcollversion is
#    15+): there the version is a collation's, and each connection that uses
#    the collation warns "collation ... has version mismatch".
#  - data directory from another major version: PG_VERSION says the previous one.
# ============================================================================
collation_mismatch_setup() {
    mkdir -p "$WORK/locales"
    localedef -i en_US -f UTF-8 "$WORK/locales/en_US.UTF-8"
    LOCPATH="$WORK/locales" start_server
    # initdb imports ICU's locales as collations (named *-x-icu) when the build has ICU.
    if [[ $(sql -c "SELECT count(*) > 0 FROM pg_collation WHERE collname LIKE '%-x-icu'") == t ]]; then
        sql -c "CREATE DATABASE $COLLATION_DB TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
    elif since 15; then
        sql -c "CREATE DATABASE $COLLATION_DB TEMPLATE template0 LOCALE 'en_US.UTF-8'"
    else
        sql -c "CREATE DATABASE $COLLATION_DB"
        sql -d "$COLLATION_DB" -c "CREATE COLLATION app_collation (provider = libc, locale = 'en_US.UTF-8')" \
            -c "UPDATE pg_collation SET collversion = '1.0' WHERE collname = 'app_collation'"
        COLLATION_QUERY="SELECT 'a' < 'b' COLLATE app_collation"
        return
    fi
    sql -c "UPDATE pg_database SET datcollversion = '1.0' WHERE datname = '$COLLATION_DB'"
}

scenario_collation_and_version() {
    local f=collation-and-version.log i
    say "e) $f"
    new_cluster collation "$f" --encoding=UTF8 --locale=C.UTF-8
    collation_mismatch_setup
    for ((i = 0; i < COLLATION_MISMATCH_CONNECTIONS; i++)); do
        sql -d "$COLLATION_DB" -c "$COLLATION_QUERY" >/dev/null 2>&1
    done
    wait_for_log 'version mismatch' "$COLLATION_MISMATCH_CONNECTIONS"
    stop_server fast
    echo $((PG_MAJOR - 1)) | as_pg tee "$C_DATA/PG_VERSION" >/dev/null
    if start_server 2>/dev/null; then
        echo "server started on a PG_VERSION $((PG_MAJOR - 1)) data directory?!" >&2
        return 1
    fi
    wait_for_log 'database files are incompatible' 1
    expect "$f" collation.version-mismatch "$COLLATION_MISMATCH_CONNECTIONS"
    expect "$f" storage.data-dir-version-mismatch 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# f1) wraparound.log: "must be vacuumed within N transactions".
#  pg_resetwal -x moves the next XID of a stopped cluster to just past the
#  warning point (40 million XIDs before wraparound), while pg_database's
#  datfrozenxid stays at its initdb value.  The startup process warns once
#  (it names the database by OID, having no catalog access), then every
#  transaction that gets an XID warns again (naming the database).
# ============================================================================
scenario_wraparound() {
    local f=wraparound.log oldest wrap next i
    say "f) $f"
    new_cluster wraparound "$f"
    # Autovacuum would notice the danger and vacuum, which ends the warnings at
    # a moment we do not control.  A naptime of a day keeps the launcher
    # asleep for the few seconds this takes (with autovacuum=off it would be
    # started on purpose for wraparound, immediately).
    conf "autovacuum_naptime = '1d'"
    oldest=$(as_pg "$PGBIN/pg_controldata" "$C_DATA" | awk -F: '/oldestXID:/ { gsub(/ /, "", $2); print $2 }')
    wrap=$((oldest + 2147483647))                  # xidWrapLimit
    # First XID of a pg_xact segment (1048576 XIDs each) past the warn limit:
    # the server creates that segment itself, no file to fake.
    next=$(( ((wrap - 40000000) / 1048576 + 1) * 1048576 ))
    (( next < wrap - 3000000 )) || { echo "no room between warn and stop limits" >&2; return 1; }
    as_pg "$PGBIN/pg_resetwal" -x "$next" "$C_DATA" >/dev/null
    start_server
    for ((i = 0; i < WRAPAROUND_XACTS; i++)); do
        sql -c 'SELECT txid_current()' >/dev/null 2>&1
    done
    wait_for_log 'must be vacuumed within' $((1 + WRAPAROUND_XACTS))
    stop_server fast
    # 14 also starts autovacuum workers for wraparound despite the naptime, and
    # each warns as it takes an XID, as many times as it gets to before the stop.
    expect "$f" wraparound.warning "$(changed_in 15 '>=' '')$((1 + WRAPAROUND_XACTS))"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# f2) shm-exhausted.log: /dev/shm too small, as with `docker run --shm-size`.
#  Needs root: the server runs in its own mount namespace (unshare -m) with a
#  small tmpfs on /dev/shm, so the host's /dev/shm is untouched.
#  1. /dev/shm of 1 MB: PostgreSQL 15 needs a 1 MB segment for its shared
#     statistics at startup -> FATAL, the server does not start.  14 kept its
#     statistics in files (the stats collector) and starts: nothing to see there.
#  2. /dev/shm of 4 MB, filled up to the last 64 kB after startup: a parallel
#     query cannot create its DSM segment (tuple queues alone are 64 kB per
#     worker) -> ERROR in the leader only, before any worker starts.
# ============================================================================
start_in_shm_namespace() {   # start_in_shm_namespace SIZE
    # shellcheck disable=SC2016  # $1.. expand in the inner shell
    unshare -m --propagation private bash -c '
        mount -t tmpfs -o "size=$1,mode=1777" shm /dev/shm &&
        exec runuser -u postgres -- "$2/pg_ctl" -D "$3" -l "$4" -w -t 180 -s start' \
        _ "$1" "$PGBIN" "$C_DATA" "$C_LOG"
}

scenario_shm_exhausted() {
    local f=shm-exhausted.log pm
    say "f) $f"
    if [[ $EUID -ne 0 ]]; then
        say "skipped: needs root (mount namespace)"; return 0
    fi
    if ! unshare -m --propagation private true 2>/dev/null; then
        say "skipped: unshare -m is not permitted here"; return 0
    fi
    new_cluster shm "$f"
    if since 15; then
        if start_in_shm_namespace 1m 2>/dev/null; then
            echo "server started with a 1 MB /dev/shm?!" >&2; return 1
        fi
        wait_for_log 'shutting down due to startup process failure' 1
    fi
    start_in_shm_namespace 4m
    pm=$(postmaster_pid)
    # Fill the server's /dev/shm (inside its namespace) up to the last 64 kB.
    # shellcheck disable=SC2016  # $avail expands in the inner shell
    nsenter -t "$pm" -m sh -c '
        avail=$(df -k --output=avail /dev/shm | tail -n 1)
        dd if=/dev/zero of=/dev/shm/filler bs=1k count=$((avail - 64)) status=none'
    sql -c "CREATE TABLE measurements AS SELECT g AS id FROM generate_series(1, 100000) g" \
        -c "ANALYZE measurements"
    PGOPTIONS='-c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0' \
        sql_expect_fail -U postgres -d postgres -c 'SELECT count(*) FROM measurements'
    wait_for_log 'No space left on device' "$(changed_in 15 1 2)"   # 14: the query's only
    stop_server fast
    expect "$f" resource.shm-exhausted "$(changed_in 15 1 2)"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# Run, verify, publish
# ============================================================================
for id in "${!ID_REGEX[@]}"; do ID_AREA[$id]=core; done
if [[ -z $ONLY ]]; then
    scenario_first_start
    scenario_healthcheck
    scenario_auth_and_connections
    scenario_crashes
    scenario_checkpoints
    scenario_archive
    scenario_config_errors
    scenario_out_of_memory
    scenario_corruption
    scenario_long_statement
    scenario_collation_and_version
    scenario_wraparound
    scenario_shm_exhausted
fi
for scenario_file in "$SCRIPT_DIR"/scenarios/*.sh; do
    [[ -e $scenario_file ]] || continue
    AREA=$(basename "$scenario_file" .sh)
    [[ -z $ONLY || $ONLY == "$AREA" ]] || continue
    say "scenarios of area $AREA"
    # shellcheck source=/dev/null
    source "$scenario_file"
    for id in "${!ID_REGEX[@]}"; do
        [[ -n ${ID_AREA[$id]:-} ]] || ID_AREA[$id]=$AREA
    done
done
[[ -z $ONLY || -e "$SCRIPT_DIR/scenarios/$ONLY.sh" ]] || { echo "no scripts/scenarios/$ONLY.sh" >&2; exit 2; }

# Self-check: a file must hold exactly the planned count of every event its
# own area knows (0 where nothing was planned), and of every event planned in it.
say "verifying counts"
declare -A PLANNED=() FILE_AREA=()
for row in "${EXPECTED[@]}"; do
    IFS=$'\t' read -r area file id count <<<"$row"
    PLANNED["$file|$id"]=$count
    FILE_AREA[$file]=$area
done
bad=0
declare -A mismatched=()
for log in "$WORK"/logs/*.log; do
    file=$(basename "$log")
    for id in "${!ID_REGEX[@]}"; do
        want=${PLANNED["$file|$id"]:-}
        if [[ -z $want ]]; then
            [[ ${ID_AREA[$id]} == "${FILE_AREA[$file]:-core}" ]] || continue
            want=0
        fi
        got=$(grep -cE -- "${ID_REGEX[$id]}" "$log" || true)
        case $want in
        '>='*) [[ $got -ge ${want#>=} ]] && continue ;;
        '<='*) [[ $got -le ${want#<=} ]] && continue ;;
        *) [[ $got -eq $want ]] && continue ;;
        esac
        echo "count mismatch in $file for $id: planned $want, server printed $got" >&2
        mismatched[$file]=1
        bad=1
    done
done
# What the server printed instead is in the log, which a failed run does not keep:
# its warnings and worse, enough to tell a race from a changed wording.
for file in "${!mismatched[@]}"; do
    echo "== $file: WARNING and worse (first 40)" >&2
    grep -nE '(WARNING|ERROR|FATAL|PANIC):' "$WORK/logs/$file" | head -40 >&2 || true
done
[[ $bad -eq 0 ]] || exit 1

cp "$WORK"/logs/*.log "$OUT_DIR/"
# One expectations file per area: expected-counts.tsv for the built-in scenarios.
declare -A WRITTEN=()
for row in "${EXPECTED[@]}"; do
    IFS=$'\t' read -r area rest <<<"$row"
    target="$OUT_DIR/expected-counts-$area.tsv"
    [[ $area == core ]] && target="$OUT_DIR/expected-counts.tsv"
    if [[ -z ${WRITTEN[$area]:-} ]]; then
        : >"$target"
        WRITTEN[$area]=1
    fi
    printf '%s\n' "$rest" >>"$target"
done
say "wrote $(find "$WORK/logs" -name '*.log' | wc -l) logs and their expected counts to $OUT_DIR"
