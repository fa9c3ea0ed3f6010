# shellcheck shell=bash
# scripts/scenarios/server.sh: area "server" (sourced by scripts/gen-sample-logs.sh).
#
# The server's own life and limits: the crash-and-restart cycle, process exits,
# start-up failures for lack of shared memory / file descriptors, the lock table
# and temp_file_limit, a pids limit (fork failures), a full disk and a full WAL
# volume, and on-disk corruption.  Uses the generator's helpers (new_cluster,
# conf, start_server, sql, expect, ...).  Scenarios that need root (mount/IPC
# namespaces, cgroups) write their own log file and are skipped without root, so
# the files they would have written are left as they were.

# ----------------------------------------------------------------------------
# The scenarios' own counts.
# ----------------------------------------------------------------------------
SERVER_LOCK_PARTITIONS=1000    # partitions scanned by one query: far more locks than the table holds
SERVER_FORK_FAILURES=2         # connection attempts refused while the pids limit is reached
SERVER_DISK_TMPFS=2m           # tablespace volume that fills up
SERVER_WAL_SEGSIZE_MB=1        # small WAL segments so a tiny WAL volume still holds the initial ones

ID_REGEX+=(
    [server.terminating-other-processes]='LOG:  terminating any other active server processes'
    [server.reinitializing]='LOG:  all server processes terminated; reinitializing'
    [server.crash-of-another-process]='terminating connection because of crash of another server process'
    [server.unexpected-sigquit]='terminating connection because of unexpected SIGQUIT signal'
    # Not a background worker ("background worker "x" (PID..." has quotes).
    [server.process-exited]='LOG:  [^"]* \(PID [0-9]+\) exited with exit code [0-9]+'
    [server.bgworker-exited]='LOG:  background worker "parallel worker" \(PID [0-9]+\) exited with exit code'
    [server.replication-launcher-exit]='LOG:  background worker "logical replication launcher" \(PID [0-9]+\) exited with exit code 1'
    [server.aborting-transactions]='LOG:  aborting any active transactions'
    [server.postmaster-died]='FATAL:  terminating connection due to unexpected postmaster exit'
    [server.shmem-still-in-use]='FATAL:  pre-existing shared memory block \(key [0-9]+, ID [0-9]+\) is still in use'
    [server.startup-failed]='LOG:  (shutting down|aborting startup) due to startup process failure'
    [disk.extend-failed]='ERROR:  could not extend file'
    [disk.write-failed]='ERROR:  could not write to file "[^"]*": '
    [disk.wal-full]='(PANIC|FATAL|ERROR):  could not write to (file "pg_wal/|log file )'
    [resource.lock-table-full]='ERROR:  out of shared memory$'
    [resource.temp-file-limit]='ERROR:  temporary file size exceeds "?temp_file_limit'
    [resource.shmem-map-failed]='FATAL:  could not map anonymous shared memory: '
    [resource.shmem-create-failed]='FATAL:  could not create shared memory segment: '
    [resource.fd-limit]='FATAL:  insufficient file descriptors available to start server process'
    [resource.fork-failed]='LOG:  could not fork '
    [storage.block-read-short]='ERROR:  could not read blocks? [0-9.]+ in file '
    [storage.relation-file-missing]='ERROR:  could not open file "(base|global|pg_tblspc)/'
    [storage.index-page-corrupt]='ERROR:  index ".*" contains (unexpected zero|corrupted) page at block'
    [storage.toast-chunk-corrupt]='ERROR:  (missing|unexpected) chunk number [0-9]+'
    [storage.clog-missing]='ERROR:  could not access status of transaction'
    [storage.data-beyond-eof]='ERROR:  unexpected data beyond EOF in block'
)

# server_root_only NAME: true when the scenario can run (root, and the kernel
# lets us make namespaces); otherwise says why it is skipped.
server_root_only() {
    if [[ $EUID -ne 0 ]]; then
        say "$1 skipped: needs root"; return 1
    fi
    if ! unshare -m -i --propagation private true 2>/dev/null; then
        say "$1 skipped: unshare is not permitted here"; return 1
    fi
}

# wait_postmaster_gone: the postmaster exited on its own (postmaster.pid removed).
wait_postmaster_gone() {
    local i
    for ((i = 0; i < 600; i++)); do
        [[ -f "$C_DATA/postmaster.pid" ]] || return 0
        sleep 0.1
    done
    echo "postmaster of $C_DATA did not exit" >&2
    return 1
}

# ============================================================================
# server-crash-cycle.log: a backend killed with SIGQUIT (what `pkill -QUIT
# postgres` or a supervisor's "quit" signal does to a single backend).  It logs
# "unexpected SIGQUIT", exits with code 2, and exit codes other than 0/1 mean a
# crash to the postmaster: it terminates every other process, reinitializes
# shared memory and runs crash recovery.  Two idle sessions are connected when
# it happens: on PostgreSQL 14+ their "terminating connection because of crash
# of another server process" goes to the client only (WARNING_CLIENT_ONLY), so
# the server log must NOT contain it (13 and older logged it; that entry's
# sample comes from a published log).
# ============================================================================
scenario_server_crash_cycle() {
    local f=server-crash-cycle.log
    say "$f"
    new_cluster srvcrash "$f"
    start_server
    open_session observer1 -U postgres -d postgres
    open_session observer2 -U postgres -d postgres
    wait_backends 2
    kill_backend QUIT      # core helper: pg_sleep(60), kill -QUIT, wait for "ready" again
    close_session observer1
    close_session observer2
    stop_server fast
    expect "$f" server.unexpected-sigquit 1
    expect "$f" server.process-exited 1
    expect "$f" server.terminating-other-processes 1
    expect "$f" server.reinitializing 1
    expect "$f" server.crash-of-another-process 0
    expect "$f" server.crash-recovery 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 1
    expect "$f" server.aborting-transactions 1
    expect "$f" server.replication-launcher-exit 1
}

# ============================================================================
# server-limits.log: limits hit by one session while the server keeps running.
#  - the shared lock table: max_locks_per_transaction = 10 and a query over a
#    partitioned table with hundreds of partitions (each partition is locked).
#  - temp_file_limit: a sort that spills more than the limit.
#  - a parallel worker that fails: force_parallel_mode (debug_parallel_query
#    since 16) puts the whole query in one worker, whose error ends it with
#    exit code 1 (logged by the postmaster).
# ============================================================================
scenario_server_limits() {
    local f=server-limits.log i parallel=force_parallel_mode
    since 16 && parallel=debug_parallel_query
    say "$f"
    new_cluster srvlimits "$f"
    # Lock table slots = max_locks_per_transaction x (max_connections + workers);
    # with 10 x ~32 a few hundred relation locks do not fit.
    conf "max_locks_per_transaction = 10" "max_connections = 10" "autovacuum = off"
    # 18 counts autovacuum_worker_slots (16 by default) where 15 counted
    # autovacuum_max_workers (3): the same 3 keep the lock table 15's size.
    since 18 && conf "autovacuum_worker_slots = 3"
    start_server
    {
        echo "CREATE TABLE readings (sensor int, value int) PARTITION BY LIST (sensor);"
        for ((i = 1; i <= SERVER_LOCK_PARTITIONS; i++)); do
            echo "CREATE TABLE readings_$i PARTITION OF readings FOR VALUES IN ($i);"
        done
    } >"$C_DIR/partitions.sql"
    sql -f "$C_DIR/partitions.sql"        # one transaction per statement: each fits
    # Serial plan: a Parallel Append would run out in each worker too (one
    # ERROR per process, a number the planner decides).
    PGOPTIONS='-c max_parallel_workers_per_gather=0' \
        sql_expect_fail -U postgres -d postgres -c 'SELECT count(*) FROM readings'
    wait_for_log 'out of shared memory' 1

    PGOPTIONS="-c temp_file_limit=1MB -c work_mem=64kB" \
        sql_expect_fail -U postgres -d postgres \
        -c 'SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s'
    wait_for_log 'temp_file_limit' 1

    sql -c 'CREATE TABLE samples AS SELECT g AS id FROM generate_series(1, 10000) g' -c 'ANALYZE samples'
    PGOPTIONS="-c $parallel=on" \
        sql_expect_fail -U postgres -d postgres -c 'SELECT sum(1 / (id - 5000)) FROM samples'
    wait_for_log '"parallel worker" .* exited with exit code' 1
    stop_server fast
    expect "$f" resource.lock-table-full 1
    expect "$f" resource.temp-file-limit 1
    expect "$f" server.bgworker-exited 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
    expect "$f" server.aborting-transactions 1
    expect "$f" server.replication-launcher-exit 1
}

# ============================================================================
# server-pids-limit.log: the postmaster in a cgroup whose pids.max is reached
# (Docker's --pids-limit / Compose `pids_limit`, a Kubernetes pod pid limit):
# fork() fails with EAGAIN and every new connection is refused.
# ============================================================================
scenario_server_pids_limit() {
    local f=server-pids-limit.log cg="" pm i
    say "$f"
    [[ $EUID -eq 0 ]] || { say "skipped: needs root (cgroups)"; return 0; }
    if [[ -f /sys/fs/cgroup/pids/cgroup.procs ]]; then          # cgroup v1
        cg=/sys/fs/cgroup/pids/pgtriage-samples.$$
    elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then   # v2
        cg=/sys/fs/cgroup/pgtriage-samples.$$
    fi
    if [[ -z $cg ]] || ! mkdir "$cg" 2>/dev/null; then
        say "skipped: no writable pids cgroup"; return 0
    fi
    new_cluster srvpids "$f"
    conf "autovacuum = off"      # no autovacuum worker forks: only our logins try to fork
    start_server
    pm=$(postmaster_pid)
    # Only the postmaster moves in: with pids.max = 1 it is alone at the limit
    # and any fork it attempts fails.  Its existing children stay outside.
    if ! { echo "$pm" >"$cg/cgroup.procs" && echo 1 >"$cg/pids.max"; } 2>/dev/null; then
        stop_server fast; rmdir "$cg" 2>/dev/null || true
        say "skipped: cannot use the pids cgroup"; return 0
    fi
    for ((i = 0; i < SERVER_FORK_FAILURES; i++)); do
        sql_expect_fail -U postgres -d postgres -c 'SELECT 1'
    done
    wait_for_log 'could not fork new process for connection' "$SERVER_FORK_FAILURES"
    echo max >"$cg/pids.max"
    stop_server fast
    rmdir "$cg" 2>/dev/null || true
    expect "$f" resource.fork-failed "$SERVER_FORK_FAILURES"
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
    expect "$f" server.aborting-transactions 1
    expect "$f" server.replication-launcher-exit 1
}

# ============================================================================
# server-startup-failures.log: three starts that fail before the server is up,
# each for lack of an operating-system resource a container limits.
#  1. shared_buffers = 1GB under `ulimit -v` (a memory limit with no overcommit):
#     mmap of the main shared memory fails.
#  2. shared_memory_type = sysv in an IPC namespace whose kernel.shmmax is
#     100 MB (as on hosts/runtimes with a low SHMMAX): shmget fails.
#  3. `ulimit -n 30` (a container's nofile limit): too few file descriptors.
# Each prints its FATAL and "database system is shut down".
# ============================================================================
scenario_server_startup_failures() {
    local f=server-startup-failures.log
    say "$f"
    server_root_only "$f" || return 0
    new_cluster srvstartup "$f"
    # shellcheck disable=SC2016  # $1.. expand in the inner shell
    if as_pg bash -c 'ulimit -v 600000 && exec "$1/pg_ctl" -D "$2" -l "$3" -w -t 180 -s start -o "-c shared_buffers=1GB"' \
        _ "$PGBIN" "$C_DATA" "$C_LOG" 2>/dev/null; then
        echo "server started with 1GB shared_buffers under ulimit -v?!" >&2; return 1
    fi
    wait_for_log 'could not map anonymous shared memory' 1
    # shellcheck disable=SC2016
    if unshare -i bash -c 'echo 100000000 >/proc/sys/kernel/shmmax &&
        exec runuser -u postgres -- "$1/pg_ctl" -D "$2" -l "$3" -w -t 180 -s start \
            -o "-c shared_memory_type=sysv -c shared_buffers=256MB"' \
        _ "$PGBIN" "$C_DATA" "$C_LOG" 2>/dev/null; then
        echo "server started with a SysV segment above SHMMAX?!" >&2; return 1
    fi
    wait_for_log 'could not create shared memory segment' 1
    # shellcheck disable=SC2016
    if as_pg bash -c 'ulimit -n 30 && exec "$1/pg_ctl" -D "$2" -l "$3" -w -t 180 -s start' \
        _ "$PGBIN" "$C_DATA" "$C_LOG" 2>/dev/null; then
        echo "server started with 30 file descriptors?!" >&2; return 1
    fi
    wait_for_log 'insufficient file descriptors' 1
    wait_for_log 'database system is shut down' 3
    expect "$f" resource.shmem-map-failed 1
    expect "$f" resource.shmem-create-failed 1
    expect "$f" resource.fd-limit 1
    expect "$f" server.ready 0
}

# ============================================================================
# server-disk-full.log: a tablespace on a 2 MB tmpfs (a small volume), mounted
# in a private mount namespace the server runs in.  A sort spilling to it
# (temp_tablespaces) cannot write its temporary file; then a table in it
# cannot grow.  The server itself keeps running.
# ============================================================================
scenario_server_disk_full() {
    local f=server-disk-full.log ts
    say "$f"
    server_root_only "$f" || return 0
    new_cluster srvdisk "$f"
    conf "autovacuum = off"
    ts="$C_DIR/small-volume"
    mkdir -p "$ts"
    # shellcheck disable=SC2016  # $1.. expand in the inner shell
    unshare -m --propagation private bash -c '
        mount -t tmpfs -o "size=$1,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" smallvol "$2" &&
        exec runuser -u postgres -- "$3/pg_ctl" -D "$4" -l "$5" -w -t 180 -s start' \
        _ "$SERVER_DISK_TMPFS" "$ts" "$PGBIN" "$C_DATA" "$C_LOG"
    sql -c "CREATE TABLESPACE small_volume LOCATION '$ts'"
    PGOPTIONS='-c temp_tablespaces=small_volume -c work_mem=64kB' \
        sql_expect_fail -U postgres -d postgres \
        -c 'SELECT count(*) FROM (SELECT g FROM generate_series(1, 1000000) g ORDER BY g DESC) s'
    wait_for_log 'could not write to file' 1
    sql -c 'CREATE TABLE events (id int, payload text) TABLESPACE small_volume'
    sql_expect_fail -U postgres -d postgres \
        -c "INSERT INTO events SELECT g, repeat('x', 500) FROM generate_series(1, 100000) g"
    wait_for_log 'could not extend file' 1
    stop_server fast
    expect "$f" disk.write-failed 1
    expect "$f" disk.extend-failed 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
    expect "$f" server.aborting-transactions 1
    expect "$f" server.replication-launcher-exit 1
}

# ============================================================================
# server-wal-full.log: pg_wal on its own small volume (initdb --waldir, a tmpfs
# holding the initial segments plus 1 MB), then a write-heavy statement.  The
# process that needs a new WAL segment cannot create it and PANICs; the crash
# cycle follows, and crash recovery needs a new segment too, so the startup
# process fails (FATAL; on 14 it PANICs too, signal 6) and the postmaster gives
# up: in a container, a restart
# loop.  No checkpoint can free WAL in between (max_wal_size is far away).
# ============================================================================
scenario_server_wal_full() {
    local f=server-wal-full.log wal
    say "$f"
    server_root_only "$f" || return 0
    wal="$WORK/srvwal/wal"
    new_cluster srvwal "$f" --waldir="$wal" --wal-segsize="$SERVER_WAL_SEGSIZE_MB"
    as_pg cp -a "$wal" "$wal.seed"
    # shellcheck disable=SC2016  # $1.. expand in the inner shell
    unshare -m --propagation private bash -c '
        size=$(( $(du -sk "$1.seed" | cut -f1) + 1024 ))k &&
        mount -t tmpfs -o "size=$size,mode=0700,uid=$(id -u postgres),gid=$(id -g postgres)" walvol "$1" &&
        runuser -u postgres -- cp -a "$1.seed/." "$1/" &&
        exec runuser -u postgres -- "$2/pg_ctl" -D "$3" -l "$4" -w -t 180 -s start' \
        _ "$wal" "$PGBIN" "$C_DATA" "$C_LOG"
    sql_expect_fail -U postgres -d postgres \
        -c "CREATE TABLE history AS SELECT g AS id, repeat('x', 100) AS note FROM generate_series(1, 100000) g"
    wait_for_log 'startup process failure' 1
    wait_postmaster_gone
    expect "$f" disk.wal-full 2                     # the PANIC, then the startup process's FATAL
    # The PANICked process (signal 6); on 14 the startup process as well.
    expect "$f" server.process-crashed "$(changed_in 15 2 1)"
    # After the PANIC, after the startup failure (14: the postmaster gives up at once).
    expect "$f" server.terminating-other-processes "$(changed_in 15 1 2)"
    expect "$f" server.reinitializing 1
    expect "$f" server.crash-recovery 1
    # "startup process (PID n) exited with exit code 1" (14: "terminated by signal 6")
    expect "$f" server.process-exited "$(changed_in 15 0 1)"
    expect "$f" server.startup-failed 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 0
}

# ============================================================================
# server-corruption.log: on-disk damage done while the server is stopped (or,
# for the last one, behind its back), on a cluster WITHOUT data checksums (the
# official image's default before PostgreSQL 18), then a read of each table.
#  - invoices: heap file truncated to 10 blocks; an index scan follows a TID
#    into block 24 -> "could not read block ... read only 0 of 8192 bytes".
#  - customers: heap file deleted -> "could not open file".
#  - products_id_idx: its root page (block 1) zeroed -> "unexpected zero page".
#  - orders_id_idx: pd_special of its root page moved 8 bytes down; the header
#    still looks sane, the B-tree's own check fails -> "contains corrupted page".
#  - documents: TOAST chunks removed with pg_surgery (what lost writes or a
#    botched manual repair leave): all chunks of one value -> "missing chunk
#    number 0", the first chunk of another -> "unexpected chunk number 1".
#  - audit_log: page header of block 0 overwritten; with no checksum only the
#    header check catches it -> "invalid page in block 0" (an existing entry).
#  - ledger (first, while the server runs): its file truncated behind the
#    server's back while its pages are still in shared buffers -> the next
#    extension finds "unexpected data beyond EOF".
# ============================================================================
scenario_server_corruption() {
    local f=server-corruption.log p_inv p_cus p_idx p_ord p_aud p_led toast tids_all tid_first
    say "$f"
    # 18's initdb turns checksums on by default; this scenario is about a cluster without.
    if since 18; then new_cluster srvcorrupt "$f" --no-data-checksums; else new_cluster srvcorrupt "$f"; fi
    conf "autovacuum = off"    # only our statements may touch the damaged files
    start_server
    sql <<'SQL'
CREATE EXTENSION pg_surgery;
CREATE TABLE invoices (id int PRIMARY KEY, note text);
INSERT INTO invoices SELECT g, 'invoice ' || g FROM generate_series(1, 5000) g;
CREATE TABLE customers (id int, name text);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 100) g;
CREATE TABLE products (id int, name text);
CREATE INDEX products_id_idx ON products (id);
INSERT INTO products SELECT g, 'product ' || g FROM generate_series(1, 100) g;
CREATE TABLE orders (id int, status text);
CREATE INDEX orders_id_idx ON orders (id);
INSERT INTO orders SELECT g, 'paid' FROM generate_series(1, 100) g;
CREATE TABLE documents (id int, body text);
ALTER TABLE documents ALTER COLUMN body SET STORAGE EXTERNAL;
INSERT INTO documents SELECT g, repeat(md5(g::text), 200) FROM generate_series(1, 3) g;
CREATE TABLE audit_log (id int, action text);
INSERT INTO audit_log SELECT g, 'login' FROM generate_series(1, 100) g;
CREATE TABLE ledger (id int, entry char(1500));
INSERT INTO ledger SELECT g, 'entry' FROM generate_series(1, 50) g;
CHECKPOINT;
SQL
    p_inv=$(sql -c "SELECT pg_relation_filepath('invoices')")
    p_cus=$(sql -c "SELECT pg_relation_filepath('customers')")
    p_idx=$(sql -c "SELECT pg_relation_filepath('products_id_idx')")
    p_ord=$(sql -c "SELECT pg_relation_filepath('orders_id_idx')")
    p_aud=$(sql -c "SELECT pg_relation_filepath('audit_log')")
    p_led=$(sql -c "SELECT pg_relation_filepath('ledger')")
    toast=$(sql -c "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'documents'")
    # TOAST damage through SQL (pg_surgery), before the stop.  Values are
    # toasted in insertion order: the smallest chunk_id is document 1's.  The
    # TIDs are looked up first (pg_surgery refuses to run inside a scan of the
    # same table).
    tids_all=$(sql -c "SELECT array_agg(ctid)::text FROM $toast
                       WHERE chunk_id = (SELECT min(chunk_id) FROM $toast)")
    tid_first=$(sql -c "SELECT array_agg(ctid)::text FROM $toast WHERE chunk_seq = 0
                        AND chunk_id = (SELECT min(chunk_id) FROM $toast
                                        WHERE chunk_id > (SELECT min(chunk_id) FROM $toast))")
    sql -c "SELECT heap_force_kill('$toast'::regclass, '$tids_all'::tid[])" \
        -c "SELECT heap_force_kill('$toast'::regclass, '$tid_first'::tid[])" >/dev/null
    # ledger: its 10 pages are clean in shared buffers (CHECKPOINT above); cut
    # the file to 5 blocks behind the server's back, then make the table grow.
    as_pg truncate -s $((8192 * 5)) "$C_DATA/$p_led"
    sql_expect_fail -U postgres -d postgres -c "INSERT INTO ledger VALUES (51, 'entry')"
    wait_for_log 'unexpected data beyond EOF' 1
    stop_server fast
    as_pg truncate -s $((8192 * 10)) "$C_DATA/$p_inv"
    rm "$C_DATA/$p_cus"
    as_pg dd if=/dev/zero of="$C_DATA/$p_idx" bs=8192 seek=1 count=1 conv=notrunc status=none
    # pd_special (offset 16 of the page header, little-endian) = 8168 instead of 8176.
    printf '\350\037' | as_pg dd of="$C_DATA/$p_ord" bs=1 seek=$((8192 + 16)) conv=notrunc status=none
    printf 'GARBAGEGARBAGEGARBAGE!!!' | as_pg dd of="$C_DATA/$p_aud" bs=1 seek=0 conv=notrunc status=none
    start_server
    # Index scans only, so the lookups go through the indexes we expect.
    PGOPTIONS='-c enable_seqscan=off -c enable_bitmapscan=off' \
        sql_expect_fail -U postgres -d postgres -c 'SELECT note FROM invoices WHERE id = 4000'
    sql_expect_fail -U postgres -d postgres -c 'SELECT count(*) FROM customers'
    PGOPTIONS='-c enable_seqscan=off -c enable_bitmapscan=off' \
        sql_expect_fail -U postgres -d postgres -c 'SELECT name FROM products WHERE id = 42'
    PGOPTIONS='-c enable_seqscan=off -c enable_bitmapscan=off' \
        sql_expect_fail -U postgres -d postgres -c 'SELECT status FROM orders WHERE id = 42'
    # md5() needs the whole value (length() would only read the TOAST pointer).
    sql_expect_fail -U postgres -d postgres -c 'SELECT md5(body) FROM documents WHERE id = 1'
    sql_expect_fail -U postgres -d postgres -c 'SELECT md5(body) FROM documents WHERE id = 2'
    sql_expect_fail -U postgres -d postgres -c 'SELECT count(*) FROM audit_log'
    wait_for_log 'invalid page in block' 1
    stop_server fast
    expect "$f" storage.block-read-short 1
    expect "$f" storage.relation-file-missing 1
    expect "$f" storage.index-page-corrupt 2
    expect "$f" storage.toast-chunk-corrupt 2
    expect "$f" storage.data-beyond-eof 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 2
    expect "$f" server.aborting-transactions 2
    expect "$f" server.replication-launcher-exit 2
}

# ============================================================================
# server-clog.log: the commit log (pg_xact) segment of old transactions is
# gone, as after a lost file or a copy of the data directory that missed it.
# Rows whose hint bits were never set need pg_xact to know whether their
# inserting transaction committed.  pg_resetwal -x first moves the next XID to
# the start of a new pg_xact segment (which the server creates itself), so the
# server still starts and only reading those rows fails.
# ============================================================================
scenario_server_clog() {
    local f=server-clog.log
    say "$f"
    new_cluster srvclog "$f"
    conf "autovacuum = off"    # a vacuum would set the hint bits (or freeze) first
    start_server
    # Catalog rows are frozen first, so that connecting needs no pg_xact at all;
    # the INSERT's rows are never read before the damage: no hint bits.
    sql -c 'CREATE TABLE payments (id int, amount int)' -c 'VACUUM FREEZE' \
        -c 'INSERT INTO payments SELECT g, g * 10 FROM generate_series(1, 100) g' -c 'CHECKPOINT'
    stop_server fast
    as_pg "$PGBIN/pg_resetwal" -x 1048576 "$C_DATA" >/dev/null   # first XID of pg_xact segment 0001
    rm "$C_DATA/pg_xact/0000"
    start_server
    sql_expect_fail -U postgres -d postgres -c 'SELECT sum(amount) FROM payments'
    wait_for_log 'could not access status of transaction' 1
    stop_server fast
    expect "$f" storage.clog-missing 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 2
    expect "$f" server.aborting-transactions 2
    expect "$f" server.replication-launcher-exit 2
}

# ============================================================================
# server-postmaster-killed.log: the postmaster itself SIGKILLed (the OOM killer
# choosing it, `kill -9` on the wrong PID) while one session is idle and one
# runs a long CPU-bound query.  The idle backend notices at once and exits
# (FATAL "unexpected postmaster exit"); the busy one does not check and keeps
# running as an orphan, still attached to the old shared memory.  A restart is
# refused while it lives ("pre-existing shared memory block ... is still in
# use"); once it is gone, the server starts with crash recovery.
# ============================================================================
scenario_server_postmaster_killed() {
    local f=server-postmaster-killed.log pm orphan i
    say "$f"
    new_cluster srvpmkill "$f"
    start_server
    # A nested loop over pg_class^4: billions of rows, no waits, no latch.
    # Started before the FIFO session, so this subshell holds no copy of the
    # FIFO (close_session relies on psql seeing EOF).
    ( sql -c 'SELECT count(*) FROM pg_class a, pg_class b, pg_class c, pg_class d' >/dev/null 2>&1 || true ) &
    local client=$!
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM pg_class a,%' AND state = 'active'"
    open_session idle-app -U postgres -d postgres
    wait_backends 2
    orphan=$(sql -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM pg_class a,%'")
    pm=$(postmaster_pid)
    kill -KILL "$pm"
    wait_for_log 'unexpected postmaster exit' 1
    close_session idle-app
    # The killed postmaster must be gone (reaped), or the lock file check would
    # report it as running instead of reaching the shared memory check.
    for ((i = 0; i < 600 && $(kill -0 "$pm" 2>/dev/null && echo 1 || echo 0) == 1; i++)); do sleep 0.1; done
    if start_server 2>/dev/null; then
        echo "server restarted while an orphaned backend was attached?!" >&2; return 1
    fi
    wait_for_log 'pre-existing shared memory block' 1
    kill -KILL "$orphan"
    wait "$client" || true
    for ((i = 0; i < 600 && $(kill -0 "$orphan" 2>/dev/null && echo 1 || echo 0) == 1; i++)); do sleep 0.1; done
    # The killed instance's postmaster.pid is still there (stale): pg_ctl says
    # "another server might be running; trying to start server anyway", and
    # the server itself checks and replaces it.
    start_server
    stop_server fast
    expect "$f" server.postmaster-died 1
    expect "$f" server.shmem-still-in-use 1
    expect "$f" server.crash-recovery 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 1
    expect "$f" server.aborting-transactions 1
    expect "$f" server.replication-launcher-exit 1
}

scenario_server_crash_cycle
scenario_server_postmaster_killed
scenario_server_limits
scenario_server_pids_limit
scenario_server_startup_failures
scenario_server_disk_full
scenario_server_wal_full
scenario_server_corruption
scenario_server_clog
