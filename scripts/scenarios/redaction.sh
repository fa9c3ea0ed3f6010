# Sourced by scripts/gen-sample-logs.sh (see there): secrets planted where a real server
# logs them, for the redaction test (tests/redaction.rs). Every value below is a made-up
# marker that the test searches for in pgtriage's output.

REDACTION_PASSWORD='pw-marker-7f3a'
REDACTION_PARAMETER='param-marker-91c2'
REDACTION_ROW='row-marker-5d8e@example.com'
# The canary suite: one more marker for each place a log carries credentials or
# personal data (tests/redaction.rs lists them all).
CANARY_STATEMENT='canary-stmt-3b1e'
CANARY_CONNINFO='canary-conn-8d2f'
CANARY_ALTER='canary-alter-4c6a'
CANARY_APP='canary-app-9e7b'
CANARY_MAPPING='canary-fdw-2a9d'
CANARY_COPY='canary-copy-6f1c'
CANARY_CONTEXT='canary-ctx-7a3e'

# Each canary where the server itself writes it into the log.
plant_canaries() {
    # Statement text (log_statement = 'all').
    sql -c "SELECT '$CANARY_STATEMENT' AS note"
    # A connection string with a password, in a statement.
    sql -c "CREATE SUBSCRIPTION canary_sub CONNECTION 'host=127.0.0.1 port=1 dbname=x user=rep password=$CANARY_CONNINFO' PUBLICATION p WITH (connect = false, slot_name = NONE, enabled = false, create_slot = false)"
    # ALTER ROLE ... PASSWORD.
    sql -c "ALTER ROLE app PASSWORD '$CANARY_ALTER'"
    # application_name: in the prefix (%a) of every line of the session and in
    # log_connections' "connection authorized" line.
    PGAPPNAME=$CANARY_APP sql -c "SELECT 1"
    # CREATE USER MAPPING ... OPTIONS (password ...).
    sql -c "CREATE EXTENSION postgres_fdw"
    sql -c "CREATE SERVER canary_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '1')"
    sql -c "CREATE USER MAPPING FOR postgres SERVER canary_srv OPTIONS (user 'x', password '$CANARY_MAPPING')"
    # COPY data: the rejected value in the ERROR and its CONTEXT line.
    sql -c "CREATE TABLE nums (n int)"
    printf '%s\n' "$CANARY_COPY" | sql_expect_fail -U postgres -d postgres -c "COPY nums FROM STDIN"
    # An error's CONTEXT line quoting the SQL that failed inside a function.
    sql_expect_fail -U postgres -d postgres \
        -c "DO \$\$ BEGIN PERFORM 1/0 WHERE '$CANARY_CONTEXT' IS NOT NULL; END \$\$"
}

scenario_redaction() {
    local f=redaction-secrets.log
    say "redaction) $f"
    new_cluster redaction "$f"
    # Every statement and its duration are logged, the way a debugging session or
    # log_min_duration_statement = 0 leaves them in production logs.
    conf "log_statement = 'all'" "log_min_duration_statement = 0" "log_connections = on" \
        "log_line_prefix = '%m [%p] %q%u@%d/%a '"
    start_server
    sql -c "CREATE TABLE users (email text UNIQUE)"
    # A password in a statement: log_statement prints it.
    sql -c "CREATE ROLE app LOGIN PASSWORD '$REDACTION_PASSWORD'"
    # A row value: the unique violation's DETAIL prints the key.
    sql -c "INSERT INTO users VALUES ('$REDACTION_ROW')"
    sql_expect_fail -U postgres -d postgres -c "INSERT INTO users VALUES ('$REDACTION_ROW')"
    # A bind parameter: the extended protocol (pgbench -M extended turns :secret into
    # $1) makes the server log "DETAIL:  parameters: $1 = '...'".
    printf 'SELECT count(*) FROM users WHERE email = :secret;\n' >"$C_DIR/bind.sql"
    "$PGBIN/pgbench" -n -M extended -t 1 -f "$C_DIR/bind.sql" -D "secret=$REDACTION_PARAMETER" \
        -h "$C_SOCK" -p "$C_PORT" -U postgres postgres >/dev/null
    plant_canaries
    stop_server fast
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
    for marker in "$REDACTION_PASSWORD" "$REDACTION_PARAMETER" "$REDACTION_ROW" \
        "$CANARY_STATEMENT" "$CANARY_CONNINFO" "$CANARY_ALTER" "$CANARY_APP" \
        "$CANARY_MAPPING" "$CANARY_COPY" "$CANARY_CONTEXT"; do
        grep -q -- "$marker" "$C_LOG" || { echo "redaction: $marker not in the server log" >&2; exit 1; }
    done
}

scenario_redaction
