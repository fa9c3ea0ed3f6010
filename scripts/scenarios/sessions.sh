# shellcheck shell=bash
# scripts/scenarios/sessions.sh: area "sessions" (sourced by scripts/gen-sample-logs.sh;
# alone: `gen-sample-logs.sh --only sessions`).
#
# What clients cause that the catalogue audit found missing or mis-attributed,
# driven on Debian's PostgreSQL 15, in one log, sessions-clients.log:
#   - a regular-expression function given a bad argument (an SQL error worded like
#     a configuration one)
#   - a client that vanishes in the middle of COPY FROM STDIN
#   - encoding errors
#   - a client speaking an unsupported protocol version; one that never answers
#     the password request (authentication_timeout); TLS handshakes that fail (a
#     plain-text client after SSLRequest, a client that hangs up mid-handshake)
#   - application SQL errors: ON CONFLICT without a matching constraint, a row
#     refused by row-level security, DROP of a table others depend on, a column
#     missing from GROUP BY, a malformed array literal, a missing savepoint, a
#     missing $n parameter

# Written for the 15 run (wordings.sh drives 14-18 itself from there): the other
# majors' sample sets do not carry this area.
[[ $PG_MAJOR == 15 ]] || return 0

ID_REGEX+=(
    [sql.invalid-function-argument]='ERROR:  invalid value for parameter "(start|n|endoption|subexpr)": '
    [connection.eof-open-transaction]='unexpected EOF on client connection with an open transaction'
    [sql.character-not-in-encoding]='ERROR:  (invalid byte sequence for encoding|character with byte sequence .* has no equivalent in encoding)'
    [connection.protocol-error]='(FATAL:  (unsupported frontend protocol |terminating connection because protocol synchronization was lost)|LOG:  incomplete message from client)'
    [connection.ssl-handshake-failed]='LOG:  could not accept SSL connection: '
    [connection.authentication-timeout]='FATAL:  canceling authentication due to timeout'
    [sql.on-conflict-no-constraint]='ERROR:  there is no unique or exclusion constraint matching the ON CONFLICT specification'
    [sql.row-security-violation]='ERROR:  new row violates row-level security policy'
    [sql.dependent-objects-exist]='ERROR:  cannot drop .* because other objects depend on it'
    [sql.grouping-error]='ERROR:  column ".*" must appear in the GROUP BY clause or be used in an aggregate function'
    [sql.malformed-array-literal]='ERROR:  malformed array literal: '
    [sql.savepoint-missing]='ERROR:  savepoint ".*" does not exist'
    [sql.parameter-missing]='ERROR:  there is no parameter \$[0-9]+'
)

# startup_packet USER: a protocol 3.0 StartupMessage for USER to database postgres.
startup_packet() {
    local body len
    body="user"$'\x01'"$1"$'\x01'"database"$'\x01'"postgres"$'\x01'$'\x01'
    len=$((8 + ${#body}))
    # 4-byte length, protocol 196608 (3.0), then NUL-separated pairs (\x01 above).
    printf "\\x00\\x00\\x$(printf %02x $((len / 256)))\\x$(printf %02x $((len % 256)))\\x00\\x03\\x00\\x00"
    printf '%s' "$body" | tr '\001' '\000'
}

scenario_sessions_clients() {
    local f=sessions-clients.log copier
    say "$f"
    new_cluster sessions "$f"
    # A self-signed certificate: enough for the server to accept SSLRequest.
    as_pg openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
        -keyout "$C_DATA/server.key" -out "$C_DATA/server.crt" >/dev/null 2>&1
    as_pg chmod 600 "$C_DATA/server.key"
    conf "log_line_prefix = '%m [%p] %q%u@%d '" \
         "ssl = on"
    printf '%s\n' \
        'local all all trust' \
        'host all all 127.0.0.1/32 scram-sha-256' | as_pg tee "$C_DATA/pg_hba.conf" >/dev/null
    start_server
    sql <<'SQL'
CREATE ROLE app LOGIN;
CREATE TABLE imports (line text);
CREATE TABLE visits (id int, page text);
CREATE TABLE docs (id int, owner text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_docs ON docs USING (owner = current_user) WITH CHECK (owner = current_user);
GRANT SELECT, INSERT ON docs TO app;
CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int, customer_id int REFERENCES customers (id));
SQL
    # Without ON_ERROR_STOP psql goes on after each error: one ERROR per statement.
    "$PGBIN/psql" -X -q -h "$C_SOCK" -p "$C_PORT" -U postgres -d postgres >/dev/null 2>&1 <<'SQL' || true
-- 22023 from an SQL function (PostgreSQL 15+): regexp_instr's start must be >= 1
SELECT regexp_instr('invoice-42', '[0-9]+', 0);
-- 22021 and 22P05
SELECT convert_from('\xff'::bytea, 'UTF8');
SELECT convert('\xe282ac'::bytea, 'UTF8', 'LATIN1');
-- 42P10
INSERT INTO visits VALUES (1, '/home') ON CONFLICT (id) DO NOTHING;
-- 2BP01
DROP TABLE customers;
-- 42803
SELECT page, count(*), id FROM visits GROUP BY page;
-- 22P02 (array)
SELECT '{1,2'::int[];
-- 3B001
BEGIN;
ROLLBACK TO SAVEPOINT before_import;
ROLLBACK;
-- 42P02
SELECT * FROM visits WHERE id = $1;
SQL
    # 42501 from row-level security: app inserts a row owned by someone else.
    sql_expect_fail -U app -d postgres -c "INSERT INTO docs VALUES (1, 'postgres')"
    # A client that dies while streaming COPY data (a killed import job): the COPY
    # fails, and the backend, reading on, finds the protocol out of step.
    open_session importer -U postgres -d postgres
    send importer "COPY imports FROM STDIN;"
    send importer "first line"
    wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'importer' AND query LIKE 'COPY%'"
    copier=${SESSION_PID[importer]}
    kill -KILL "$copier"
    close_session importer
    wait_for_log 'unexpected EOF on client connection' 1
    # A client speaking protocol 9.0 (a scanner, a very old or broken driver).
    exec 3<>"/dev/tcp/127.0.0.1/$C_PORT"
    printf '\x00\x00\x00\x08\x00\x09\x00\x00' >&3
    exec 3>&-
    wait_for_log 'unsupported frontend protocol' 1
    # SSLRequest (code 80877103), then plain text instead of a TLS ClientHello; then
    # SSLRequest and hang up.
    exec 3<>"/dev/tcp/127.0.0.1/$C_PORT"
    printf '\x00\x00\x00\x08\x04\xd2\x16\x2f' >&3
    head -c 1 <&3 >/dev/null
    printf 'GET / HTTP/1.1\r\n\r\n' >&3
    exec 3>&-
    exec 3<>"/dev/tcp/127.0.0.1/$C_PORT"
    printf '\x00\x00\x00\x08\x04\xd2\x16\x2f' >&3
    head -c 1 <&3 >/dev/null
    exec 3>&-
    wait_for_log 'could not accept SSL connection' 2
    # A client that starts a password login and never answers. The timeout is made short
    # only now: the TLS handshakes above run under it too, and on a loaded machine more
    # than 1 s can pass between reading the server's answer and writing to it.
    conf "authentication_timeout = '1s'"
    reload_server
    wait_sql "SELECT current_setting('authentication_timeout') = '1s'"
    exec 3<>"/dev/tcp/127.0.0.1/$C_PORT"
    startup_packet app >&3
    wait_for_log 'canceling authentication due to timeout' 1
    exec 3>&-
    stop_server fast
    expect "$f" sql.invalid-function-argument 1
    expect "$f" sql.character-not-in-encoding 2
    expect "$f" sql.on-conflict-no-constraint 1
    expect "$f" sql.dependent-objects-exist 1
    expect "$f" sql.grouping-error 1
    expect "$f" sql.malformed-array-literal 1
    expect "$f" sql.savepoint-missing 1
    expect "$f" sql.parameter-missing 1
    expect "$f" sql.row-security-violation 1
    expect "$f" connection.eof-open-transaction 1
    expect "$f" connection.protocol-error 2
    expect "$f" connection.authentication-timeout 1
    expect "$f" connection.ssl-handshake-failed 2
}

scenario_sessions_clients
