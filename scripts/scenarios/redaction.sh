# Sourced by scripts/gen-sample-logs.sh (see there): secrets planted where a real server
# logs them, for the redaction test (tests/redaction.rs). Every value below is a made-up
# marker that the test searches for in pgtriage's output.

REDACTION_PASSWORD='pw-marker-7f3a'
REDACTION_PARAMETER='param-marker-91c2'
REDACTION_ROW='row-marker-5d8e@example.com'

scenario_redaction() {
    local f=redaction-secrets.log
    say "redaction) $f"
    new_cluster redaction "$f"
    # Every statement and its duration are logged, the way a debugging session or
    # log_min_duration_statement = 0 leaves them in production logs.
    conf "log_statement = 'all'" "log_min_duration_statement = 0"
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
    stop_server fast
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
    for marker in "$REDACTION_PASSWORD" "$REDACTION_PARAMETER" "$REDACTION_ROW"; do
        grep -q -- "$marker" "$C_LOG" || { echo "redaction: $marker not in the server log" >&2; exit 1; }
    done
}

scenario_redaction
