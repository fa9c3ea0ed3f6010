# shellcheck shell=bash
# scripts/scenarios/lifecycle.sh: area "lifecycle" (sourced by scripts/gen-sample-logs.sh;
# alone: `gen-sample-logs.sh --only lifecycle`).
#
# Events of a server's life the catalogue audit found missing or mis-classified,
# driven on Debian's PostgreSQL 15:
#   lifecycle-initdb.log     what initdb prints when the first start of a container
#                            goes wrong: no LANG (locale C, SQL_ASCII), a locale the
#                            image lacks, a mount point with lost+found used as
#                            PGDATA, a directory it may not chmod
#   lifecycle-start.log      a shared_preload_libraries entry the image lacks, a
#                            database whose locale the OS does not know, a
#                            background worker ending with exit code 2
#   lifecycle-failsafe.log   VACUUM's wraparound failsafe
#   lifecycle-recycled-wal.log  crash recovery ending at a recycled WAL segment
#   lifecycle-autovacuum.log  an autovacuum worker terminated by an administrator
#   lifecycle-wrong-primary.log  a standby pointed at another cluster's primary
#   lifecycle-slot-in-use.log    a second WAL receiver for a replication slot in use

# Written for the 15 run (wordings.sh drives 14-18 itself from there): the other
# majors' sample sets do not carry this area.
[[ $PG_MAJOR == 15 ]] || return 0

LIFECYCLE_MISSING_LOCALE=xx_XX.UTF-8   # a locale no system has
LIFECYCLE_FAILSAFE_XID=1048576         # first XID of pg_xact's 2nd segment: the server creates it

ID_REGEX+=(
    [locale.sql-ascii-encoding]='^The default database encoding has accordingly been set to "SQL_ASCII"\.$'
    [locale.initdb-invalid-locale]='^initdb: error: invalid locale (name|settings)'
    [startup.pgdata-not-empty]='^initdb: error: directory ".*" exists but is not empty$'
    [startup.pgdata-chmod-failed]='initdb: error: could not change permissions of directory'
    [startup.library-missing]='(FATAL|ERROR):  (could not access file|could not load library|incompatible library) '
    [locale.database-locale-missing]='FATAL:  database locale is incompatible with operating system'
    [server.bgworker-crashed]='LOG:  background worker ".*" \(PID [0-9]+\) exited with exit code [2-9]'
    [wraparound.failsafe]='WARNING:  bypassing nonessential maintenance of table'
    [vacuum.autovacuum-terminated]='FATAL:  terminating autovacuum process due to administrator command'
    [replication.slot-in-use]='ERROR:  replication slot ".*" is active for PID [0-9]+'
    [replication.system-identifier-mismatch]='FATAL:  database system identifier differs between the primary and standby'
    [wal.end-of-wal]='LOG:  (invalid record length at|unexpected pageaddr|record with incorrect prev-link|invalid magic number|invalid resource manager ID|incorrect resource manager data checksum|contrecord is requested)'
)

# initdb_into DIR LANG [initdb args...]: run initdb into DIR as the postgres user
# in a container's bare environment with only LANG set (none when empty), its
# output appended to the current log (a container's first start shows it).  A
# failure is expected by some steps, so it is not one here.
initdb_into() {
    local dir=$1 lang=$2
    shift 2
    as_pg env -i PATH="/usr/bin:/bin" ${lang:+LANG="$lang"} "$PGBIN/initdb" -D "$dir" -U postgres \
        -A trust --no-sync "$@" >>"$C_LOG" 2>&1 || true
}

scenario_lifecycle_initdb() {
    local f=lifecycle-initdb.log
    say "$f"
    new_cluster lc-initdb "$f" --no-initdb
    # 1. No LANG/LC_* at all (env -i), as in an image whose Dockerfile sets none:
    #    locale "C", encoding SQL_ASCII.
    initdb_into "$C_DIR/no-lang" ""
    # 2. A locale the system does not have (POSTGRES_INITDB_ARGS=--locale=...).
    initdb_into "$C_DIR/bad-locale" C.UTF-8 --locale="$LIFECYCLE_MISSING_LOCALE"
    #    The same locale in LANG instead (a Dockerfile's `ENV LANG`): initdb
    #    cannot tell which variable it disliked.
    initdb_into "$C_DIR/bad-lang" "$LIFECYCLE_MISSING_LOCALE"
    # 3. The volume's mount point itself as PGDATA: it holds lost+found.
    mkdir -p "$C_DIR/mount/lost+found"
    chown -R "$PG_OWNER" "$C_DIR/mount"
    initdb_into "$C_DIR/mount" C.UTF-8
    # 4. An empty PGDATA owned by another user (a bind mount initdb may not chmod).
    if [[ $EUID -eq 0 ]]; then
        mkdir -p "$C_DIR/foreign"
        chmod 777 "$C_DIR/foreign"
        initdb_into "$C_DIR/foreign" C.UTF-8
        expect "$f" startup.pgdata-chmod-failed 1
    fi
    expect "$f" locale.sql-ascii-encoding 1
    expect "$f" locale.initdb-invalid-locale 2
    expect "$f" startup.pgdata-not-empty 1
}

scenario_lifecycle_start() {
    local f=lifecycle-start.log launcher
    say "$f"
    new_cluster lc-start "$f"
    # 1. An extension's library named in shared_preload_libraries but not in the
    #    image: the postmaster refuses to start.
    conf "shared_preload_libraries = 'pg_cron'"
    if start_server 2>/dev/null; then
        echo "the server started without pg_cron" >&2
        return 1
    fi
    wait_for_log 'could not access file "pg_cron"' 1
    conf "shared_preload_libraries = ''"
    start_server
    # 2. A database whose LC_COLLATE the OS does not know (a volume moved to an
    #    image without that locale): every connection to it fails.
    sql -c 'CREATE DATABASE appdb' \
        -c "UPDATE pg_database SET datcollate = '$LIFECYCLE_MISSING_LOCALE' WHERE datname = 'appdb'" >/dev/null
    sql_expect_fail -U postgres -d appdb -c 'SELECT 1'
    wait_for_log 'database locale is incompatible' 1
    # 3. A background worker that dies with exit code 2 (SIGQUIT): the postmaster
    #    treats it as a crash and restarts every process.
    launcher=$(sql -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'logical replication launcher'")
    kill -QUIT "$launcher"
    wait_for_log 'exited with exit code 2' 1
    wait_for_log 'database system is ready to accept connections' 2
    stop_server fast
    expect "$f" startup.library-missing 1
    expect "$f" locale.database-locale-missing 1
    expect "$f" server.bgworker-crashed 1
    expect "$f" wal.end-of-wal 1          # the crash recovery after it
}

scenario_lifecycle_failsafe() {
    local f=lifecycle-failsafe.log
    say "$f"
    new_cluster lc-failsafe "$f"
    # The failsafe age is max(vacuum_failsafe_age, 1.05 x autovacuum_freeze_max_age):
    # with the smallest allowed values about 105000 XIDs.  A naptime of a day keeps
    # the launcher from vacuuming the table first (see scenario_wraparound).
    conf "vacuum_failsafe_age = 0" \
         "autovacuum_freeze_max_age = 100000" \
         "autovacuum_naptime = '1d'"
    start_server
    sql -c 'CREATE TABLE events (id int)' -c 'INSERT INTO events VALUES (1)' >/dev/null
    stop_server fast
    as_pg "$PGBIN/pg_resetwal" -x "$LIFECYCLE_FAILSAFE_XID" "$C_DATA" >/dev/null
    start_server
    sql -c 'VACUUM events' >/dev/null 2>&1
    wait_for_log 'bypassing nonessential maintenance' 1
    stop_server fast
    expect "$f" wraparound.failsafe 1
}

# Crash recovery usually stops at zeroed bytes (`invalid record length`).  After a
# WAL switch the next segment is an old one renamed for reuse, still holding old
# pages, so recovery that reaches it stops at `unexpected pageaddr` instead.
scenario_lifecycle_recycled_wal() {
    local f=lifecycle-recycled-wal.log i
    say "$f"
    new_cluster lc-recycled "$f" --wal-segsize=1
    conf "min_wal_size = '32MB'" "max_wal_size = '64MB'"
    start_server
    sql -c 'CREATE TABLE filler (v text)' >/dev/null
    for ((i = 0; i < 4; i++)); do
        sql -c "INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 3000)" -c 'CHECKPOINT' >/dev/null
    done
    sql -c 'SELECT pg_switch_wal()' >/dev/null
    stop_server immediate
    start_server
    stop_server fast
    expect "$f" wal.end-of-wal 1
}

# A slow autovacuum (cost delay) killed with pg_terminate_backend, as an admin or a
# migration tool "clearing the way" does.
scenario_lifecycle_autovacuum() {
    local f=lifecycle-autovacuum.log
    say "$f"
    new_cluster lc-autovacuum "$f"
    # Only big's vacuum is slowed down: a worker on the catalogues finishes at
    # once instead of lingering until the fast shutdown terminates it too.
    conf "autovacuum_naptime = '1s'"
    start_server
    sql -c 'CREATE TABLE big (id int, pad text) WITH (autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)' \
        -c "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g" \
        -c 'DELETE FROM big WHERE id % 2 = 0' >/dev/null
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE '%big%'"
    # One pid: by the time the terminate runs, the launcher (1 s naptime) may
    # have started a second worker that the same filter would match.
    sql -c "SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE '%big%' ORDER BY backend_start LIMIT 1) w" >/dev/null
    wait_for_log 'terminating autovacuum process due to administrator command' 1
    # No worker at all at the stop, whose fast shutdown would terminate it
    # with the same message.
    sql -c 'ALTER SYSTEM SET autovacuum = off' -c 'SELECT pg_reload_conf()' >/dev/null
    wait_sql "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
    stop_server fast
    expect "$f" vacuum.autovacuum-terminated 1
}

# A standby whose primary_conninfo names a primary of another cluster (a fresh
# initdb next to the real one, or a clone from the wrong service).
scenario_lifecycle_wrong_primary() {
    local f=lifecycle-wrong-primary.log primary_sock primary_port
    say "$f"
    new_cluster lc-other-primary lifecycle-other-primary.log
    start_server
    primary_sock=$C_SOCK primary_port=$C_PORT
    new_cluster lc-wrong-standby "$f"
    conf "primary_conninfo = 'host=$primary_sock port=$primary_port user=postgres'"
    as_pg touch "$C_DATA/standby.signal"
    start_server
    wait_for_log 'database system identifier differs' 1
    stop_server fast
    C_DATA="$WORK/lc-other-primary/data" stop_server fast
    rm -f "$WORK/logs/lifecycle-other-primary.log"
    expect "$f" replication.system-identifier-mismatch '>=1'
    expect "$f" wal.end-of-wal 1          # the standby at the end of its own WAL
}

# Two WAL consumers for one physical slot (a standby restarted while its old
# walsender lingers, two backup tools sharing a slot): the second is refused.
scenario_lifecycle_slot_in_use() {
    local f=lifecycle-slot-in-use.log receiver
    say "$f"
    new_cluster lc-slot "$f"
    start_server
    sql -c "SELECT pg_create_physical_replication_slot('backup_slot')" >/dev/null
    mkdir -p "$C_DIR/wal1" "$C_DIR/wal2"
    chown "$PG_OWNER" "$C_DIR/wal1" "$C_DIR/wal2"
    as_pg "$PGBIN/pg_receivewal" -h "$C_SOCK" -p "$C_PORT" -U postgres -S backup_slot -D "$C_DIR/wal1" -n 2>/dev/null &
    receiver=$!
    wait_sql "SELECT active FROM pg_replication_slots WHERE slot_name = 'backup_slot'"
    as_pg "$PGBIN/pg_receivewal" -h "$C_SOCK" -p "$C_PORT" -U postgres -S backup_slot -D "$C_DIR/wal2" -n >/dev/null 2>&1 || true
    wait_for_log 'is active for PID' 1
    kill "$receiver"
    wait "$receiver" || true
    stop_server fast
    expect "$f" replication.slot-in-use 1
}

scenario_lifecycle_initdb
scenario_lifecycle_start
scenario_lifecycle_slot_in_use
scenario_lifecycle_autovacuum
scenario_lifecycle_wrong_primary
scenario_lifecycle_recycled_wal
scenario_lifecycle_failsafe
