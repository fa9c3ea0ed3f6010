# shellcheck shell=bash
# scripts/scenarios/sql.sh: the "sql" area of the catalogue (constraints, SQL
# errors, statement logging, lock waits).  Sourced by scripts/gen-sample-logs.sh
# after its helpers are defined; run alone with `gen-sample-logs.sh --only sql`.
#
# Four logs, each from its own cluster:
#   sql-constraints.log  integrity violations (SQLSTATE class 23)
#   sql-errors.log       application SQL errors a client gets back (classes 22,
#                        25, 26, 34, 42, 54, XX) and transaction-control WARNINGs
#   sql-statements.log   what the logging GUCs add: log_statement,
#                        log_min_duration_statement, log_temp_files; a cancel
#   sql-locks.log        log_lock_waits, NOWAIT, REPEATABLE READ conflicts and a
#                        deadlock as log_lock_waits reports it
#
# Every failing statement is one ERROR record (its STATEMENT line belongs to it),
# so the counts below are simply the number of statements we send.  Values that
# look like user data ('alice@example.com', 'ACME-SECRET') are there on purpose:
# the catalogue must redact them.

# ----------------------------------------------------------------------------
# The scenarios' own counts.
# ----------------------------------------------------------------------------
SQL_LOGGED_STATEMENTS=3     # psql -c calls run with log_statement=all
SQL_SLOW_STATEMENTS=2       # psql -c calls run with log_min_duration_statement=0
SQL_STACK_DEPTH_KB=100      # max_stack_depth for the runaway recursion (the minimum: shortest CONTEXT)
SQL_ALLOC_BYTES=600000000   # two strings of this size concatenated: > MaxAllocSize (1 GB - 1)

ID_REGEX+=(
    [constraint.unique-violation]='ERROR:  duplicate key value violates unique constraint'
    [constraint.unique-index-build-failed]='ERROR:  could not create unique index'
    [constraint.foreign-key-violation]='ERROR:  (insert or update|update or delete) on table ".*" violates foreign key constraint'
    [constraint.not-null-violation]='ERROR:  null value in column ".*" violates not-null constraint'
    [constraint.check-violation]='ERROR:  (new row for relation ".*" violates check constraint|check constraint ".*" of relation ".*" is violated by some row|value for domain .* violates check constraint)'
    [constraint.exclusion-violation]='ERROR:  conflicting key value violates exclusion constraint'
    [sql.syntax-error]='ERROR:  syntax error at (or near|end of input)'
    [sql.undefined-table]='ERROR:  relation ".*" does not exist'
    [sql.undefined-column]='ERROR:  column [^ ]+ does not exist'
    [sql.undefined-function]='ERROR:  (function .* does not exist|operator does not exist: )'
    [sql.ambiguous-column]='ERROR:  column reference ".*" is ambiguous'
    [sql.duplicate-object]='ERROR:  (relation|schema|type|database|role) ".*" already exists'
    [sql.permission-denied]='ERROR:  permission denied for '
    [sql.must-be-owner]='ERROR:  must be owner of '
    [sql.division-by-zero]='ERROR:  division by zero'
    [sql.invalid-text-representation]='ERROR:  invalid input syntax for type '
    [sql.string-too-long]='ERROR:  value too long for type '
    [sql.numeric-out-of-range]='ERROR:  ((small|big)?int(eger)? out of range|numeric field overflow|value ".*" is out of range for type)'
    [sql.stack-depth-exceeded]='ERROR:  stack depth limit exceeded'
    [sql.invalid-memory-alloc]='ERROR:  invalid memory alloc request size'
    [sql.prepared-statement-missing]='ERROR:  prepared statement ".*" does not exist'
    [sql.cursor-missing]='ERROR:  cursor ".*" does not exist'
    [sql.transaction-aborted]='ERROR:  current transaction is aborted, commands ignored until end of transaction block'
    [sql.no-transaction-in-progress]='WARNING:  there is no transaction in progress'
    [sql.transaction-already-in-progress]='WARNING:  there is already a transaction in progress'
    [sql.read-only-transaction]='ERROR:  cannot execute .* in a read-only transaction'
    [query.statement-logged]='LOG:  statement: '
    [query.slow-statement]='LOG:  duration: [0-9.]+ ms  (statement|execute|parse|bind)'
    [query.temp-file]='LOG:  temporary file: path ".*", size [0-9]+'
    [query.cancelled-by-user]='ERROR:  canceling statement due to user request'
    [lock.wait-logged]='LOG:  process [0-9]+ still waiting for '
    [lock.acquired-after-wait]='LOG:  process [0-9]+ acquired '
    [lock.nowait-failed]='ERROR:  could not obtain lock on (row in )?relation'
    [lock.serialization-failure]='ERROR:  could not serialize access due to'
)

# sql_script [psql args...] < SQL: run a script that is MEANT to contain failing
# statements.  Without ON_ERROR_STOP psql goes on after each error (each one is
# its own autocommit transaction unless the script says BEGIN), and its exit
# status says nothing about them: the self-check counts what the server logged.
sql_script() {
    "$PGBIN/psql" -X -q -A -t -h "$C_SOCK" -p "$C_PORT" "$@" >/dev/null 2>&1 || true
}

# wait_state SESSION STATE: until the FIFO session SESSION (its application_name)
# is in pg_stat_activity state STATE.  Commands sent to a session are only
# queued in its FIFO: waiting for 'idle' after a COMMIT makes sure the locks
# are gone before the next step, or a later wait would be logged as well.
wait_state() {
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$1' AND state = '$2'"
}

# ============================================================================
# sql-constraints.log: integrity constraint violations (class 23).  The
# application's view: a signup form submitted twice, an order for a customer
# that does not exist, a row the CHECK refuses.  The DETAIL lines hold the
# row's values (emails), which is why the catalogue redacts them.
# ============================================================================
scenario_sql_constraints() {
    local f=sql-constraints.log
    say "$f"
    new_cluster sql-constraints "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d '"
    start_server
    sql <<'SQL'
CREATE TABLE customers (
    id int PRIMARY KEY,
    email text NOT NULL UNIQUE,
    age int CHECK (age >= 0)
);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id));
CREATE TABLE bookings (room_booked int4range, EXCLUDE USING gist (room_booked WITH &&));
CREATE TABLE signups (email text);
CREATE DOMAIN positive_qty AS int CHECK (VALUE > 0);
INSERT INTO customers VALUES (1, 'alice@example.com', 30);
INSERT INTO orders VALUES (1, 1);
INSERT INTO bookings VALUES ('[1,10)');
INSERT INTO signups VALUES ('bob@example.com'), ('bob@example.com');
SQL
    sql_script -U postgres -d postgres <<'SQL'
-- 23505 x2: the same email again (UNIQUE), the same id again (PRIMARY KEY)
INSERT INTO customers VALUES (2, 'alice@example.com', 41);
INSERT INTO customers VALUES (1, 'carol@example.com', 25);
-- 23505 while building a unique index over existing duplicates
CREATE UNIQUE INDEX signups_email_idx ON signups (email);
-- 23503 x2: an order for a missing customer; deleting a customer who has orders
INSERT INTO orders VALUES (2, 99);
DELETE FROM customers WHERE id = 1;
-- 23502
INSERT INTO customers VALUES (3, NULL, 20);
-- 23514 x3: the column CHECK, a CHECK added over rows that break it, a domain CHECK
INSERT INTO customers VALUES (4, 'dave@example.com', -1);
ALTER TABLE customers ADD CONSTRAINT customers_adult CHECK (age >= 35);
SELECT (-5)::positive_qty;
-- 23P01: an overlapping booking
INSERT INTO bookings VALUES ('[5,15)');
SQL
    wait_for_log 'violates exclusion constraint' 1
    stop_server fast
    expect "$f" constraint.unique-violation 2
    expect "$f" constraint.unique-index-build-failed 1
    expect "$f" constraint.foreign-key-violation 2
    expect "$f" constraint.not-null-violation 1
    expect "$f" constraint.check-violation 3
    expect "$f" constraint.exclusion-violation 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# sql-errors.log: the errors application code and migrations typically get
# back, one statement each, plus the two transaction-control WARNINGs.  A
# non-superuser role `app` provokes the privilege errors.
# ============================================================================
scenario_sql_errors() {
    local f=sql-errors.log
    say "$f"
    new_cluster sql-errors "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d '"
    start_server
    sql <<'SQL'
CREATE ROLE app LOGIN;
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int, amount int, code varchar(3));
CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE TABLE api_keys (id int, secret text);
INSERT INTO api_keys VALUES (1, 'ACME-SECRET');
SQL
    sql_script -U postgres -d postgres <<'SQL'
-- 42601 x2
SELEC id FROM invoices;
SELECT id FROM invoices WHERE amount >;
-- 42P01
SELECT * FROM invoice;
-- 42703 x2: unqualified and qualified column
SELECT totl FROM invoices;
SELECT i.totl FROM invoices i;
-- 42883 x2: function, operator
SELECT round_to_cents(amount) FROM invoices;
SELECT 'ACME-SECRET'::text - 1;
-- 42702
SELECT id FROM invoices JOIN customers ON customers.id = invoices.customer_id;
-- 42P07
CREATE TABLE invoices (id int);
-- 22012 (inside a transaction, then 25P02 for the next statement)
BEGIN;
SELECT amount / 0 FROM (VALUES (100)) v(amount);
SELECT 1;
ROLLBACK;
-- 22P02
SELECT 'ACME-SECRET'::int;
-- 22001
INSERT INTO invoices (id, code) VALUES (1, 'ACME-SECRET');
-- 22003
SELECT 2147483647 + 1;
-- 26000, 34000
EXECUTE fetch_invoice(1);
FETCH 10 FROM invoice_cursor;
-- 25P01 WARNING: COMMIT without BEGIN; 25001 WARNING: BEGIN inside BEGIN
COMMIT;
BEGIN;
BEGIN;
COMMIT;
-- 25006
BEGIN READ ONLY;
INSERT INTO customers VALUES (1, 'ACME');
ROLLBACK;
SQL
    sql_script -U app -d postgres <<'SQL'
-- 42501: no SELECT privilege; not the owner
SELECT secret FROM api_keys;
ALTER TABLE api_keys ADD COLUMN note text;
SQL
    # 54001: a function that calls itself for ever.  A small max_stack_depth
    # (superuser-only, so set by the caller) keeps the CONTEXT lines few.
    sql -c 'CREATE FUNCTION descend(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN descend(n + 1); END $$'
    PGOPTIONS="-c max_stack_depth=${SQL_STACK_DEPTH_KB}kB" \
        sql_expect_fail -U postgres -d postgres -c 'SELECT descend(1)'
    # XX000: one palloc() over MaxAllocSize.  textcat allocates the sum of
    # both lengths without checking it first, so two 600 MB strings do it.
    sql_expect_fail -U postgres -d postgres \
        -c "SELECT length(repeat('x', $SQL_ALLOC_BYTES) || repeat('y', $SQL_ALLOC_BYTES))"
    wait_for_log 'invalid memory alloc request size' 1
    stop_server fast
    expect "$f" sql.syntax-error 2
    expect "$f" sql.undefined-table 1
    expect "$f" sql.undefined-column 2
    expect "$f" sql.undefined-function 2
    expect "$f" sql.ambiguous-column 1
    expect "$f" sql.duplicate-object 1
    expect "$f" sql.division-by-zero 1
    expect "$f" sql.transaction-aborted 1
    expect "$f" sql.invalid-text-representation 1
    expect "$f" sql.string-too-long 1
    expect "$f" sql.numeric-out-of-range 1
    expect "$f" sql.prepared-statement-missing 1
    expect "$f" sql.cursor-missing 1
    expect "$f" sql.no-transaction-in-progress 1
    expect "$f" sql.transaction-already-in-progress 1
    expect "$f" sql.read-only-transaction 1
    expect "$f" sql.permission-denied 1
    expect "$f" sql.must-be-owner 1
    expect "$f" sql.stack-depth-exceeded 1
    expect "$f" sql.invalid-memory-alloc 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# sql-statements.log: what the statement-logging settings write.  They are set
# per connection (PGOPTIONS) rather than in postgresql.conf so that only the
# statements we count are logged, not the helper queries of the script.
# ============================================================================
scenario_sql_statements() {
    local f=sql-statements.log
    say "$f"
    new_cluster sql-statements "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d/%a '"
    start_server
    sql <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY, email text);
INSERT INTO customers SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 100000) g;
ANALYZE customers;
SQL
    # log_statement = all: every statement, as sent (literals included).
    PGOPTIONS='-c log_statement=all' PGAPPNAME=audited \
        sql -c "SELECT id FROM customers WHERE email = 'alice@example.com'" \
            -c "UPDATE customers SET email = 'alice@example.org' WHERE id = 1" \
            -c 'SELECT count(*) FROM customers' >/dev/null
    # log_min_duration_statement = 0: every statement with its duration.
    PGOPTIONS='-c log_min_duration_statement=0' PGAPPNAME=timed \
        sql -c "SELECT id FROM customers WHERE email = 'bob@example.com'" \
            -c 'SELECT max(id) FROM customers' >/dev/null
    # log_temp_files = 0 with a tiny work_mem: the sort spills to one temp file.
    PGOPTIONS='-c log_temp_files=0 -c work_mem=64kB' PGAPPNAME=export \
        sql -c 'SELECT id, email FROM customers ORDER BY email DESC' >/dev/null
    wait_for_log 'temporary file: path' 1
    # pg_cancel_backend(): what a client's cancel request (Ctrl-C in psql, a
    # driver's query timeout) or an admin's cancel looks like.
    open_session long-report -U postgres -d postgres
    send long-report "SELECT pg_sleep(60);"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'long-report' AND state = 'active' AND wait_event = 'PgSleep'"
    sql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'long-report'" >/dev/null
    wait_for_log 'canceling statement due to user request' 1
    close_session long-report
    stop_server fast
    expect "$f" query.statement-logged "$SQL_LOGGED_STATEMENTS"
    expect "$f" query.slow-statement "$SQL_SLOW_STATEMENTS"
    expect "$f" query.temp-file 1
    expect "$f" query.cancelled-by-user 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# sql-locks.log: log_lock_waits = on with deadlock_timeout = 100ms, so every
# lock wait longer than 100 ms is logged when it passes the mark and again
# when it ends.  Two sessions (FIFO-fed psql) per case, no sleeps: each step
# waits for the previous one to show in pg_stat_activity or in the log.
# ============================================================================
scenario_sql_locks() {
    local f=sql-locks.log
    say "$f"
    new_cluster sql-locks "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d/%a '" \
         "log_lock_waits = on" \
         "deadlock_timeout = '100ms'"
    start_server
    sql <<'SQL'
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO accounts VALUES (1, 100), (2, 100);
SQL
    open_session worker-a -U postgres -d postgres
    open_session worker-b -U postgres -d postgres

    # 1. A plain row-lock wait: B updates the row A holds; A commits after
    #    B's wait was logged -> "still waiting" then "acquired" (ShareLock on
    #    A's transaction).
    send worker-a "BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = 1;"
    wait_state worker-a 'idle in transaction'
    send worker-b "UPDATE accounts SET balance = balance - 1 WHERE id = 1;"
    wait_for_log 'still waiting for' 1
    send worker-a "COMMIT;"
    wait_for_log ' acquired ' 1
    wait_state worker-a idle
    wait_state worker-b idle

    # 2. SELECT ... FOR UPDATE NOWAIT on a row A holds: fails at once (55P03).
    send worker-a "BEGIN; SELECT balance FROM accounts WHERE id = 2 FOR UPDATE;"
    wait_state worker-a 'idle in transaction'
    send worker-b "SELECT balance FROM accounts WHERE id = 2 FOR UPDATE NOWAIT;"
    wait_for_log 'could not obtain lock on row' 1
    send worker-a "COMMIT;"
    wait_state worker-a idle

    # 3. REPEATABLE READ: A takes its snapshot, B updates and commits the row,
    #    A then updates the same row -> 40001 (no wait: B already committed).
    send worker-a "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT balance FROM accounts WHERE id = 1;"
    wait_state worker-a 'idle in transaction'
    send worker-b "UPDATE accounts SET balance = balance + 5 WHERE id = 1;"
    wait_sql "SELECT balance = 105 FROM accounts WHERE id = 1"
    send worker-a "UPDATE accounts SET balance = balance - 5 WHERE id = 1;"
    wait_for_log 'could not serialize access' 1
    send worker-a "ROLLBACK;"
    wait_state worker-a idle

    # 4. A deadlock as log_lock_waits tells it: A waits for B (logged "still
    #    waiting" after 100 ms), then B waits for A; B's own deadlock check
    #    finds the cycle ("detected deadlock while waiting", then the ERROR),
    #    B is rolled back and A gets its lock ("acquired").
    send worker-a "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 1;"
    send worker-b "BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 2;"
    wait_state worker-a 'idle in transaction'
    wait_state worker-b 'idle in transaction'
    send worker-a "UPDATE accounts SET balance = balance + 10 WHERE id = 2;"
    wait_for_log 'still waiting for' 2
    send worker-b "UPDATE accounts SET balance = balance + 10 WHERE id = 1;"
    wait_for_log 'deadlock detected' 1
    wait_for_log ' acquired ' 2
    send worker-a "COMMIT;"
    send worker-b "ROLLBACK;"
    close_session worker-a
    close_session worker-b
    stop_server fast
    expect "$f" lock.wait-logged 2
    expect "$f" lock.acquired-after-wait 2
    expect "$f" lock.nowait-failed 1
    expect "$f" lock.serialization-failure 1
    expect "$f" lock.deadlock 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

scenario_sql_constraints
scenario_sql_errors
scenario_sql_statements
scenario_sql_locks
