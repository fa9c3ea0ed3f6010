# shellcheck shell=bash
# scripts/scenarios/maintenance.sh: the "maintenance" area of the catalogue
# (checkpoints and shutdowns, WAL replay, archiving and point-in-time recovery,
# autovacuum, the freeze horizon, and streaming replication to a standby).
# Sourced by scripts/gen-sample-logs.sh after its helpers are defined; run alone
# with `gen-sample-logs.sh --only maintenance`.
#
# Logs, each from its own cluster:
#   maintenance-checkpoints.log  checkpoints, a clean and an unclean stop, crash
#                                recovery (redo starts/done, end of WAL)
#   maintenance-autovacuum.log   autovacuum and autoanalyze reports (plain,
#                                aggressive, anti-wraparound), DDL cancelling an
#                                autovacuum, VACUUM/ANALYZE (SKIP_LOCKED)
#   maintenance-old-xmin.log     a forgotten prepared transaction holding the
#                                freeze horizon back while XIDs are consumed
#   maintenance-archive.log      archive_mode on without an archive_command, then
#                                a working one; source of a base backup
#   maintenance-pitr.log         point-in-time recovery of that backup to a named
#                                restore point, then promotion
#   maintenance-primary.log      a primary with a streaming standby: too many WAL
#                                senders, a missing slot, a slot invalidated by
#                                max_slot_wal_keep_size, removed WAL segments
#   maintenance-standby.log      the standby (pg_basebackup -R): standby mode,
#                                restartpoints, recovery conflicts, lost primary
#   maintenance-backup-missing-wal.log
#                                a low-level backup restored without the WAL
#                                written while it ran: the copy does not start
#
# Every cluster runs with checkpoint_timeout = 1h so that the only checkpoints
# are the ones a step asks for (a timed checkpoint would make counts depend on
# how long the machine takes).  Nothing waits on a sleep: each step waits for the
# server's own log line (wait_for_log) or state (wait_sql).

# ----------------------------------------------------------------------------
# The scenarios' own counts.
# ----------------------------------------------------------------------------
MT_XIDS_TO_BURN=110000       # > autovacuum_freeze_max_age's minimum (100000)
MT_WAL_SWITCHES=4            # segments written while the standby is down

ID_REGEX+=(
    [checkpoint.starting]='LOG:  checkpoint starting:'
    [checkpoint.complete]='LOG:  checkpoint complete: wrote'
    [checkpoint.restartpoint-starting]='LOG:  restartpoint starting:'
    [checkpoint.restartpoint-complete]='LOG:  restartpoint complete: wrote'
    [checkpoint.shutting-down]='LOG:  shutting down$'
    [checkpoint.shut-down]='LOG:  database system is shut down$'
    [checkpoint.clean-start]='LOG:  database system was shut down (in recovery )?at '
    [wal.redo-starts]='LOG:  redo starts at '
    [wal.redo-done]='LOG:  (redo done at |redo is not required)'
    [wal.end-of-wal]='LOG:  (invalid record length at|unexpected pageaddr|record with incorrect prev-link|invalid magic number|invalid resource manager ID|incorrect resource manager data checksum|contrecord is requested)'
    [wal.segment-removed]='requested WAL segment [0-9A-F]+ has already been removed'
    [archive.not-configured]='WARNING:  "?archive_mode"? enabled, yet archiv'
    [archive.restored-file]='LOG:  restored log file ".*" from archive'
    [archive.pitr-starting]='LOG:  (starting point-in-time recovery to|starting archive recovery)'
    [archive.recovery-target-reached]='LOG:  recovery stopping '
    [archive.recovery-paused]='LOG:  pausing at the end of recovery'
    [archive.new-timeline]='LOG:  selected new timeline ID: '
    [archive.recovery-complete]='LOG:  archive recovery complete'
    [vacuum.autovacuum]='LOG:  automatic vacuum of table '
    [vacuum.autovacuum-aggressive]='LOG:  automatic aggressive vacuum of table '
    [vacuum.autovacuum-wraparound]='LOG:  automatic (aggressive )?vacuum to prevent wraparound of table '
    [vacuum.autoanalyze]='LOG:  automatic analyze of table '
    [vacuum.autovacuum-canceled]='ERROR:  canceling autovacuum task'
    [vacuum.skipped-locked]='skipping (vacuum|analyze) of ".*" --- lock not available'
    [wraparound.old-xmin]='WARNING:  (oldest xmin is far in the past|cutoff for removing and freezing tuples)'
    [replication.standby-mode]='LOG:  entering standby mode'
    [replication.consistent-state]='LOG:  consistent recovery state reached at '
    [replication.streaming-started]='LOG:  started streaming WAL from primary at '
    [replication.promote-requested]='LOG:  received promote request'
    [replication.primary-unreachable]='could not connect to the primary server: '
    [replication.walreceiver-terminated]='FATAL:  terminating walreceiver process due to administrator command'
    [replication.terminated-by-primary]='LOG:  replication terminated by primary server'
    [replication.too-many-wal-senders]='FATAL:  number of requested standby connections exceeds "?max_wal_senders'
    [replication.slot-missing]='replication slot ".*" does not exist'
    [replication.slot-invalidated]='LOG:  invalidating (obsolete replication )?slot '
    [replication.conflict-canceled]='ERROR:  canceling statement due to conflict with recovery'
    [replication.conflict-terminated]='FATAL:  terminating connection due to conflict with recovery'
    [replication.walreceiver-error]='FATAL:  could not (send end-of-streaming message to primary|receive data from WAL stream|send data to WAL stream|start WAL streaming|receive database system identifier and timeline ID from the primary server): [^E]'
    [replication.waiting-for-wal]='LOG:  waiting for WAL to become available at '
    [wal.backup-incomplete]='FATAL:  WAL ends before end of online backup'
    [wal.backup-recovery]='LOG:  starting backup recovery with redo LSN '
    [archive.restore-point]='LOG:  restore point ".*" created at '
)

# ----------------------------------------------------------------------------
# Helpers of this area.
# ----------------------------------------------------------------------------
# Session names (open_session) are FIFO names in the generator's shared work
# directory, so this area's start with "mt-" to stay clear of other areas'.
# Two clusters at once (primary and standby, backup source and restore): keep
# each one's C_* variables under a name and switch between them.
declare -A MT_CLUSTER=()
mt_remember() { MT_CLUSTER[$1]="$C_DIR|$C_DATA|$C_SOCK|$C_LOG|$C_PORT"; }
mt_use() { IFS='|' read -r C_DIR C_DATA C_SOCK C_LOG C_PORT <<<"${MT_CLUSTER[$1]}"; }

# mt_burn_xids N: N transactions that each take an XID, as an application's
# write traffic would (pgbench, one connection, asynchronous commit for speed).
mt_burn_xids() {
    echo 'SELECT txid_current();' >"$C_DIR/burn.sql"
    PGOPTIONS='-c synchronous_commit=off' "$PGBIN/pgbench" -n -h "$C_SOCK" -p "$C_PORT" \
        -U postgres -t "$1" -f "$C_DIR/burn.sql" postgres >/dev/null 2>&1
}

# mt_wait_replayed: until the standby (current cluster) has replayed everything
# the primary (named cluster) has written so far.
mt_wait_replayed() {
    local lsn
    mt_use "$1"; lsn=$(sql -c 'SELECT pg_current_wal_lsn()')
    mt_use "$2"; wait_sql "SELECT pg_last_wal_replay_lsn() >= '$lsn'"
}

# ============================================================================
# maintenance-checkpoints.log: the checkpoints and stops of an ordinary life.
#  - start after initdb: "database system was shut down at"
#  - CHECKPOINT: "checkpoint starting: immediate force wait" + "complete"
#  - more writes, then `pg_ctl -m immediate` (docker kill, OOM kill of the
#    postmaster, power loss): no shutdown checkpoint
#  - restart: crash recovery replays the WAL written after the checkpoint
#    ("redo starts at", the end of WAL as "invalid record length", "redo done
#    at"), then the end-of-recovery checkpoint
#  - fast stop (docker stop): "shutting down", the shutdown checkpoint,
#    "database system is shut down"
# A server started once on a clean data directory, checkpointed once and stopped
# fast prints each of these lines once.
mt_expect_one_clean_run() {
    local f=$1
    expect "$f" checkpoint.clean-start 1
    expect "$f" checkpoint.starting 1
    expect "$f" checkpoint.complete 1
    expect "$f" checkpoint.shutting-down 1
    expect "$f" checkpoint.shut-down 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
mt_scenario_checkpoints() {
    local f=maintenance-checkpoints.log
    say "$f"
    new_cluster mt-checkpoints "$f"
    conf "checkpoint_timeout = '1h'"
    start_server
    sql -c 'CREATE TABLE orders (id int, note text)' \
        -c "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g" \
        -c 'CHECKPOINT'
    sql -c "INSERT INTO orders SELECT g, 'late order ' || g FROM generate_series(1001, 2000) g"
    stop_server immediate
    start_server
    wait_for_log 'redo done at' 1
    stop_server fast
    expect "$f" checkpoint.clean-start 1
    expect "$f" checkpoint.starting 3          # CHECKPOINT, end-of-recovery, shutdown
    expect "$f" checkpoint.complete 3
    expect "$f" checkpoint.shutting-down 1     # only the fast stop writes a shutdown checkpoint
    expect "$f" checkpoint.shut-down 2         # immediate and fast stops both end with it
    expect "$f" wal.redo-starts 1
    expect "$f" wal.redo-done 1
    expect "$f" wal.end-of-wal 1
    expect "$f" server.crash-recovery 1
    expect "$f" server.ready 2
    expect "$f" server.shutdown 2
}

# ============================================================================
# maintenance-autovacuum.log: what log_autovacuum_min_duration = 0 reports, and
# autovacuum getting in the way of DDL.
#  Logging is switched on per table (the reloption), not globally, so that the
#  catalog tables autovacuum also visits stay out of the counts; each table's
#  own thresholds make exactly one worker visit it.
#  - plain:   1000 rows inserted, 500 deleted in one transaction -> one
#             "automatic vacuum" and one "automatic analyze"
#  - frozen:  the same with autovacuum_freeze_table_age = 0, which makes every
#             vacuum of it aggressive -> "automatic aggressive vacuum"
#  - big:     a vacuum slowed down by cost-based delay; an ALTER TABLE waits
#             for its lock, and after deadlock_timeout the waiter cancels the
#             worker -> "canceling autovacuum task" (the worker's ERROR; the
#             waiter's "sending cancel to blocking autovacuum PID" is DEBUG1
#             since PostgreSQL 14, so it is not in this log)
#  - big, locked by a migration: VACUUM/ANALYZE (SKIP_LOCKED) -> WARNINGs
#  - ledger, audit: autovacuum_freeze_max_age = 100000 (the minimum) on
#             these tables only, then 110000 transactions -> the worker's
#             forced vacuums.  ledger also has autovacuum_freeze_table_age
#             below that (as the defaults are: 150M < 200M), so its vacuum is
#             "automatic aggressive vacuum to prevent wraparound"; audit keeps
#             the global freeze_table_age and gets the rarer non-aggressive
#             "automatic vacuum to prevent wraparound".  Both are empty: no
#             row changes, so nothing but XID age makes autovacuum visit them.
# ============================================================================
mt_scenario_autovacuum() {
    local f=maintenance-autovacuum.log
    say "$f"
    new_cluster mt-autovacuum "$f"
    conf "checkpoint_timeout = '1h'" \
         "autovacuum_naptime = '1s'" \
         "log_autovacuum_min_duration = -1" \
         "deadlock_timeout = '100ms'"
    start_server
    local once='log_autovacuum_min_duration = 0, autovacuum_vacuum_threshold = 100, autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 100, autovacuum_analyze_scale_factor = 0, autovacuum_vacuum_insert_threshold = -1'
    sql -c "CREATE TABLE plain (id int, note text) WITH ($once)" \
        -c "CREATE TABLE frozen (id int, note text) WITH ($once, autovacuum_freeze_table_age = 0)"
    sql <<'SQL'
BEGIN;
INSERT INTO plain SELECT g, 'row ' || g FROM generate_series(1, 1000) g;
DELETE FROM plain WHERE id % 2 = 0;
INSERT INTO frozen SELECT g, 'row ' || g FROM generate_series(1, 1000) g;
DELETE FROM frozen WHERE id % 2 = 0;
COMMIT;
SQL
    wait_for_log 'automatic vacuum of table "postgres.public.plain"' 1
    wait_for_log 'automatic aggressive vacuum of table "postgres.public.frozen"' 1
    wait_for_log 'automatic analyze of table "postgres.public.plain"' 1
    wait_for_log 'automatic analyze of table "postgres.public.frozen"' 1
    # Done with them: no second visit may change the counts.
    sql -c 'ALTER TABLE plain SET (autovacuum_enabled = false)' \
        -c 'ALTER TABLE frozen SET (autovacuum_enabled = false)'

    # A slow vacuum (100 ms sleep after almost every page) and a DDL statement.
    sql -c "CREATE TABLE big (id int, filler text) WITH (autovacuum_enabled = false, $once, autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)" \
        -c "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g" \
        -c 'DELETE FROM big WHERE id % 2 = 0' \
        -c 'ALTER TABLE big SET (autovacuum_enabled = true)'
    wait_sql "SELECT count(*) = 1 FROM pg_stat_progress_vacuum WHERE relid = 'big'::regclass"
    PGAPPNAME=migration sql -c 'ALTER TABLE big SET (autovacuum_enabled = false)'
    wait_for_log 'canceling autovacuum task' 1

    # A migration holds big; a maintenance job that must not queue behind it.
    open_session mt-migration -U postgres -d postgres
    send mt-migration "BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE;"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'mt-migration' AND state = 'idle in transaction'"
    # (the WARNINGs also go to psql's stderr; they are expected, so not shown)
    PGAPPNAME=nightly-maintenance sql -c 'VACUUM (SKIP_LOCKED) big' -c 'ANALYZE (SKIP_LOCKED) big' 2>/dev/null
    wait_for_log 'skipping analyze of "big"' 1
    send mt-migration "COMMIT;"
    close_session mt-migration

    # Anti-wraparound.
    sql -c "CREATE TABLE ledger (id int) WITH (log_autovacuum_min_duration = 0, autovacuum_freeze_max_age = 100000, autovacuum_freeze_table_age = 90000)" \
        -c "CREATE TABLE audit (id int) WITH (log_autovacuum_min_duration = 0, autovacuum_freeze_max_age = 100000)"
    mt_burn_xids "$MT_XIDS_TO_BURN"
    wait_for_log 'to prevent wraparound of table "postgres.public.ledger"' 1
    wait_for_log 'to prevent wraparound of table "postgres.public.audit"' 1
    stop_server fast
    expect "$f" vacuum.autovacuum 1
    expect "$f" vacuum.autovacuum-aggressive 1
    # 14 does it again at every naptime until the server stops: its vacuum moves
    # relfrozenxid only to the freeze limit (vacuum_freeze_min_age back), where
    # 15+ moves it to the oldest XID left in the table.
    expect "$f" vacuum.autovacuum-wraparound "$(changed_in 15 '>=2' 2)"
    expect "$f" vacuum.autoanalyze 2
    expect "$f" vacuum.autovacuum-canceled 1
    expect "$f" vacuum.skipped-locked 2
    mt_expect_one_clean_run "$f"
}

# ============================================================================
# maintenance-old-xmin.log: a prepared transaction that nobody committed (a
# crashed transaction manager, a test that PREPAREd and never cleaned up) holds
# the oldest xmin back.  Once more than autovacuum_freeze_max_age transactions
# have passed, every VACUUM warns that its cutoff is far in the past; after
# ROLLBACK PREPARED the next VACUUM is silent.
#  autovacuum_naptime = 1d keeps autovacuum asleep (it would warn too, at
#  moments we do not control); the table has no TOAST table, so one VACUUM
#  processes exactly one relation.
# ============================================================================
mt_scenario_old_xmin() {
    local f=maintenance-old-xmin.log
    say "$f"
    new_cluster mt-old-xmin "$f"
    conf "checkpoint_timeout = '1h'" \
         "autovacuum_naptime = '1d'" \
         "autovacuum_freeze_max_age = 100000" \
         "max_prepared_transactions = 2"
    start_server
    sql -c 'CREATE TABLE payments (id int, amount int)' \
        -c 'INSERT INTO payments SELECT g, g FROM generate_series(1, 100) g'
    sql -c 'BEGIN' -c 'UPDATE payments SET amount = amount + 1 WHERE id = 1' \
        -c "PREPARE TRANSACTION 'payment-42'"
    mt_burn_xids "$MT_XIDS_TO_BURN"
    PGAPPNAME=nightly-maintenance sql -c 'VACUUM payments' 2>/dev/null   # the WARNING
    sql -c "ROLLBACK PREPARED 'payment-42'"
    PGAPPNAME=nightly-maintenance sql -c 'VACUUM payments'
    stop_server fast
    expect "$f" wraparound.old-xmin 1
    mt_expect_one_clean_run "$f"
}

# ============================================================================
# maintenance-archive.log and maintenance-pitr.log: WAL archiving and a
# point-in-time recovery from it.
#  archive: archive_mode = on but no archive_command yet (a half-finished
#  backup setup): when a segment is ready the archiver warns and leaves it.
#  Then a real archive_command (reload), a base backup without WAL (-X none:
#  the restore must come from the archive), rows, a named restore point, a
#  mistaken DELETE, and a segment switch so everything reaches the archive.
#  pitr: the backup restored with recovery_target_name = the restore point:
#  "starting point-in-time recovery", "restored log file" for each segment,
#  "recovery stopping at restore point", "pausing at the end of recovery"
#  (recovery_target_action = pause, the default), then `pg_ctl promote`:
#  "received promote request", "selected new timeline ID", "archive recovery
#  complete".  The restore_command tests for the file first, so the segments
#  and history files that are not in the archive fail silently (a bare `cp`
#  prints "cp: cannot stat ..." into the log for each).
# ============================================================================
mt_scenario_archive_and_pitr() {
    local f=maintenance-archive.log g=maintenance-pitr.log archive seg
    say "$f, $g"
    new_cluster mt-archive "$f"
    archive="$C_DIR/archive"
    as_pg mkdir "$archive"
    conf "checkpoint_timeout = '1h'" "archive_mode = on" "archive_command = ''"
    start_server
    sql -c 'CREATE TABLE invoices (id int, total int)' -c 'SELECT pg_switch_wal()' >/dev/null
    wait_for_log 'archive_mode"? enabled, yet archiv' 1   # 14: "yet archive_command is not set"
    conf "archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'"
    reload_server
    wait_sql "SELECT archived_count >= 1 FROM pg_stat_archiver"
    mt_remember archive


    # The base backup, taken over the unix socket (pg_hba: local replication).
    # With -X none it carries no WAL: pg_basebackup waits until the segment
    # that ends the backup is archived.
    local src_sock=$C_SOCK src_port=$C_PORT
    new_cluster mt-pitr "$g" --no-initdb
    as_pg "$PGBIN/pg_basebackup" -D "$C_DATA" -X none -c fast -h "$src_sock" -p "$src_port" -U postgres
    mt_remember pitr

    mt_use archive
    sql -c "INSERT INTO invoices SELECT g, 100 * g FROM generate_series(1, 1000) g" \
        -c "SELECT pg_create_restore_point('before-cleanup')" \
        -c 'DELETE FROM invoices' >/dev/null
    seg=$(sql -c 'SELECT pg_walfile_name(pg_current_wal_lsn())')
    sql -c 'SELECT pg_switch_wal()' >/dev/null
    wait_sql "SELECT last_archived_wal >= '$seg' FROM pg_stat_archiver"
    stop_server fast
    expect "$f" archive.not-configured 1
    expect "$f" archive.restore-point 1
    expect "$f" checkpoint.clean-start 1
    expect "$f" checkpoint.starting 2          # the backup's (-c fast), shutdown
    expect "$f" checkpoint.complete 2
    expect "$f" checkpoint.shutting-down 1
    expect "$f" checkpoint.shut-down 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1

    # The restore.  archive_mode is switched off on the copy: a restored server
    # must not write its new timeline into the archive it restores from.
    mt_use pitr
    configure_connections
    conf "archive_mode = off" \
         "restore_command = 'test -f $archive/%f && cp $archive/%f %p'" \
         "recovery_target_name = 'before-cleanup'"
    as_pg touch "$C_DATA/recovery.signal"
    start_server
    wait_for_log 'pausing at the end of recovery' 1
    # Read-only queries work during the pause: the deleted rows are back.
    [[ $(sql -c 'SELECT count(*) FROM invoices') == 1000 ]] || { echo "PITR did not stop at the restore point" >&2; return 1; }
    as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -w -s promote
    wait_for_log 'archive recovery complete' 1
    stop_server fast
    expect "$g" archive.pitr-starting 1
    expect "$g" archive.restored-file 2
    expect "$g" archive.recovery-target-reached 1
    expect "$g" archive.recovery-paused 1
    expect "$g" archive.new-timeline 1
    expect "$g" archive.recovery-complete 1
    expect "$g" replication.promote-requested 1
    expect "$g" replication.consistent-state 1
    expect "$g" wal.redo-starts 1
    expect "$g" wal.backup-recovery "$(changed_in 15 0 1)"   # 15 added the line
    expect "$g" wal.redo-done 1
    expect "$g" checkpoint.starting 2          # after promotion, shutdown
    expect "$g" checkpoint.complete 2
    expect "$g" checkpoint.shutting-down 1
    expect "$g" checkpoint.shut-down 1
    # (server.ready is not counted here: its catalogue entry also takes the
    # read-only "ready" line, which the core self-check regex does not.)
    expect "$g" server.shutdown 1
}

# ============================================================================
# maintenance-primary.log and maintenance-standby.log: streaming replication.
#  The standby is made the way most container setups make one: pg_basebackup
#  -R from the primary (primary_conninfo in postgresql.auto.conf, an empty
#  standby.signal), on another loopback port.
#  1. start: "entering standby mode", "consistent recovery state reached",
#     "started streaming WAL from primary"
#  2. CHECKPOINT on the primary, then on the standby: a restartpoint
#  3. max_standby_streaming_delay = 0: a dashboard query and a report that
#     keeps a REPEATABLE READ transaction open on the standby, while the
#     primary deletes and vacuums the rows they can see.  Replaying the
#     cleanup cancels the running query (ERROR) and, because an idle
#     transaction has no statement to cancel, ends the report's session (FATAL)
#  4. max_wal_senders = 2: the standby and a held replication connection use
#     both, a third replication client is refused
#  5. the primary restarts: the standby's WAL receiver loses it ("replication
#     terminated by primary server", then "could not connect to the primary
#     server") and reconnects by itself (wal_retrieve_retry_interval, 5 s)
#  6. primary_slot_name set on the standby (reload) before the slot exists on
#     the primary: "replication slot ... does not exist" on both sides; the
#     slot is created and the next attempt streams
#  7. the standby is stopped for a while; the primary has max_slot_wal_keep_size
#     = 1MB and writes several segments: the checkpoint invalidates the slot and
#     removes the segments, and the restarted standby asks for one of them:
#     "requested WAL segment ... has already been removed".  18 refuses the
#     invalidated slot before streaming starts instead ("can no longer access
#     replication slot"), and its standby replays from its restartpoint again
#     ("redo starts at") after the restart
#  How often a failing standby retries, which the counts depend on: after a
#  failed attempt the startup process retries at once if the previous failure
#  is more than wal_retrieve_retry_interval (5 s) old, otherwise it logs
#  "waiting for WAL to become available" and retries when the 5 s are up.  So
#  a fresh start (7) fails twice in a row, a connection lost after a long
#  stream (5) fails once more in the immediate retry and then waits, and a
#  failure within 5 s of the last wait (6) fails once and waits.  Each step
#  fixes the cause (or stops the standby) well inside those 5 s.  14 retries
#  the same way but logs no "waiting for WAL" (15 added it), so there step 7
#  waits for the second refusal itself.
# ============================================================================
mt_scenario_replication() {
    local p=maintenance-primary.log s=maintenance-standby.log i
    say "$p, $s"
    new_cluster mt-primary "$p"
    conf "checkpoint_timeout = '1h'" "max_wal_senders = 2"
    start_server
    sql -c 'CREATE TABLE accounts (id int PRIMARY KEY, balance int)' \
        -c 'INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 1000) g'
    mt_remember primary
    local primary_port=$C_PORT

    # 1. The standby.  pg_hba.conf from initdb allows `host replication` from
    # 127.0.0.1, which primary_conninfo uses.
    new_cluster mt-standby "$s" --no-initdb
    as_pg "$PGBIN/pg_basebackup" -D "$C_DATA" -R -X stream -c fast -h 127.0.0.1 -p "$primary_port" -U postgres
    configure_connections
    conf "max_standby_streaming_delay = 0"
    start_server
    wait_for_log 'started streaming WAL from primary' 1
    mt_remember standby

    # 2. A restartpoint needs a checkpoint record replayed since the last one.
    mt_use primary; sql -c 'CHECKPOINT'
    mt_wait_replayed primary standby
    sql -c 'CHECKPOINT'
    wait_for_log 'restartpoint complete' 1

    # 3. Recovery conflicts.
    open_session mt-report -U postgres -d postgres
    send mt-report "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM accounts;"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'mt-report' AND state = 'idle in transaction'"
    ( PGAPPNAME=dashboard sql_expect_fail -U postgres -d postgres -c 'SELECT count(*) FROM accounts, pg_sleep(60)' ) &
    local dashboard=$!
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'dashboard' AND state = 'active'"
    mt_use primary
    sql -c 'DELETE FROM accounts WHERE id > 500' -c 'VACUUM accounts'
    mt_use standby
    wait_for_log 'conflict with recovery' 2
    wait "$dashboard"
    close_session mt-report

    # 4. Too many WAL senders.
    mt_use primary
    open_session mt-wal-archiver -U postgres -d 'dbname=postgres replication=true'
    wait_sql "SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'walsender'"
    PGAPPNAME=second-standby sql_expect_fail -U postgres -d 'dbname=postgres replication=true' -c 'IDENTIFY_SYSTEM'
    wait_for_log 'exceeds "?max_wal_senders' 1
    close_session mt-wal-archiver

    # 5. The primary goes away for a moment.
    mt_use primary; stop_server fast
    mt_use standby; wait_for_log 'could not connect to the primary server' 1
    mt_use primary; start_server
    mt_use standby; wait_for_log 'started streaming WAL from primary' 2

    # 6. A slot that does not exist (yet).
    sql -c "ALTER SYSTEM SET primary_slot_name = 'standby1'"
    reload_server
    wait_for_log 'replication slot "standby1" does not exist' 1
    mt_use primary; sql -c "SELECT pg_create_physical_replication_slot('standby1')" >/dev/null
    mt_use standby; wait_for_log 'started streaming WAL from primary' 3

    # 7. The standby is down while the primary writes more than the slot may keep.
    stop_server fast
    mt_use primary
    sql -c "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'" -c 'SELECT pg_reload_conf()' >/dev/null
    for ((i = 0; i < MT_WAL_SWITCHES; i++)); do
        sql -c 'UPDATE accounts SET balance = balance + 1' -c 'SELECT pg_switch_wal()' >/dev/null
    done
    sql -c 'CHECKPOINT'
    wait_for_log 'invalidating (obsolete replication )?slot "standby1"' 1
    mt_use standby; start_server
    if since 15; then
        wait_for_log 'waiting for WAL to become available' 3
    else
        wait_for_log 'has already been removed' 2
    fi
    stop_server fast
    mt_use primary; stop_server fast

    expect "$p" checkpoint.clean-start 2
    expect "$p" checkpoint.starting 5          # backup (-c fast), CHECKPOINT (2), stop (5), CHECKPOINT (7), stop
    expect "$p" checkpoint.complete 5
    expect "$p" checkpoint.shutting-down 2
    expect "$p" checkpoint.shut-down 2
    expect "$p" replication.too-many-wal-senders 1
    expect "$p" replication.slot-missing 1     # the walsender's ERROR
    expect "$p" replication.slot-invalidated 1
    expect "$p" wal.segment-removed "$(changed_in 18 2 0)"   # the walsender's ERRORs
    expect "$p" server.ready 2
    expect "$p" server.shutdown 2

    expect "$s" checkpoint.clean-start 1       # "was shut down in recovery at"
    expect "$s" replication.standby-mode 2
    expect "$s" wal.backup-recovery "$(changed_in 15 0 1)"   # 15 added the line
    expect "$s" wal.redo-starts "$(changed_in 18 1 2)"
    expect "$s" replication.consistent-state 2
    expect "$s" replication.streaming-started "$(changed_in 18 5 3)"   # 1 + 1 (5) + 1 (6) + 2 (7, not 18)
    expect "$s" checkpoint.restartpoint-starting 2   # CHECKPOINT (2), shutdown (6-7)
    expect "$s" checkpoint.restartpoint-complete 2
    expect "$s" replication.conflict-canceled 1
    expect "$s" replication.conflict-terminated 1
    # The primary's walsender sends "streaming done" and exits; when the WAL
    # receiver's status reply meets the closed socket first, the kernel resets
    # the connection and drops that message unread, and the receiver's one FATAL
    # is "could not receive data from WAL stream" instead (seen on 14 in CI).
    expect "$s" replication.terminated-by-primary '<=1'
    expect "$s" replication.walreceiver-error 1
    # The WAL receiver retries on its own clock: how many retries fall before
    # the stop is timing, so only the lower bound is planned.
    expect "$s" replication.primary-unreachable '>=1'
    expect "$s" replication.waiting-for-wal "$(changed_in 15 0 '>=3')"
    expect "$s" replication.walreceiver-terminated 2  # the reload (6), the stop (7)
    expect "$s" replication.slot-missing 1     # the WAL receiver's FATAL
    expect "$s" wal.segment-removed "$(changed_in 18 2 0)"   # the WAL receiver's FATALs
    expect "$s" wal.end-of-wal 2
    expect "$s" checkpoint.shutting-down 2
    expect "$s" checkpoint.shut-down 2
    expect "$s" server.shutdown 2
}

# ============================================================================
# maintenance-backup-missing-wal.log: a file-level copy taken between
# pg_backup_start and pg_backup_stop (pg_start_backup/pg_stop_backup before 15)
# with its backup_label, as snapshot-based backup scripts do, but only the WAL
# segment the copy itself holds, not the ones the source wrote while the copy
# ran: replay ends inside the backup and the server refuses to start.  The
# source's own log is not kept.
# ============================================================================
mt_scenario_backup_missing_wal() {
    local f=maintenance-backup-missing-wal.log src_data copy_data label start_seg
    local begin="SELECT pg_backup_start('nightly', true)" end="SELECT labelfile FROM pg_backup_stop()"
    since 15 || begin="SELECT pg_start_backup('nightly', true, false)" end="SELECT labelfile FROM pg_stop_backup(false)"
    say "$f"
    new_cluster mt-backup-source maintenance-backup-source.log
    start_server
    mt_remember source
    src_data=$C_DATA
    new_cluster mt-backup-copy "$f" --no-initdb
    mt_remember copy
    copy_data=$C_DATA label="$C_DIR/backup_label"
    mt_use source
    # One session from start to stop (a non-exclusive backup ends with it);
    # the NOTICE that WAL archiving is off is the point, not news.
    PGOPTIONS='-c client_min_messages=warning' sql -c '\o /dev/null' -c "$begin" -c "\\! cp -a '$src_data' '$copy_data'" \
        -c 'CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 100000) g' \
        -c 'SELECT pg_switch_wal()' -c 'INSERT INTO orders SELECT * FROM orders' \
        -c 'SELECT pg_switch_wal()' -c "\\o $label" -c "$end"
    stop_server fast
    rm -f "$WORK/logs/maintenance-backup-source.log"

    mt_use copy
    as_pg cp "$label" "$C_DATA/backup_label"
    as_pg rm -f "$C_DATA/postmaster.pid"
    start_seg=$(sed -n 's/^START WAL LOCATION: .*(file \(.*\))$/\1/p' "$label")
    find "$C_DATA/pg_wal" -maxdepth 1 -name '0000*' ! -name "$start_seg" -delete
    configure_connections
    if start_server 2>/dev/null; then
        echo "the copy started without the backup's WAL" >&2
        return 1
    fi
    wait_for_log 'WAL ends before end of online backup' 1
    expect "$f" wal.backup-incomplete 1
    expect "$f" wal.backup-recovery "$(changed_in 15 0 1)"   # 15 added the line
    expect "$f" wal.redo-starts 1
    expect "$f" wal.redo-done 1
    expect "$f" wal.end-of-wal 1
    expect "$f" checkpoint.shut-down 1        # the postmaster's last line
}

mt_scenario_checkpoints
mt_scenario_autovacuum
mt_scenario_old_xmin
mt_scenario_archive_and_pitr
mt_scenario_replication
mt_scenario_backup_missing_wal
