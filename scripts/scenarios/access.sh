# shellcheck shell=bash
# scripts/scenarios/access.sh: the "access" area of the catalogue (connection
# lifecycle, clients that vanish, refused logins, pg_hba.conf, reloads, and the
# start-up failures a container hits before it ever accepts a connection).
# Sourced by scripts/gen-sample-logs.sh after its helpers are defined; run alone
# with `gen-sample-logs.sh --only access`.
#
# Logs, each from its own cluster(s):
#   access-connection-lifecycle.log  log_connections/log_disconnections, clients
#                                    that reset, die or are terminated
#   access-login-refused.log         role/database FATALs, peer, reject rules,
#                                    the DETAIL variants of password failures
#   access-server-states.log         "starting up", "in recovery mode", "shutting
#                                    down": connecting while the server can't serve
#   access-config-reload.log         SIGHUP, parameter changes, reloads that fail
#   access-startup-failures.log      a postmaster that refuses to start: pg_hba.conf,
#                                    SSL files, socket dir, data directory mode/owner,
#                                    lock file
#   access-port-conflict.log         two servers on one port (TCP and socket)
#
# Every refused login is one FATAL record (its DETAIL/HINT lines belong to it),
# so the counts below are the number of attempts we make.  Nothing waits on a
# sleep: each step waits for the server's own log line (wait_for_log).

# ----------------------------------------------------------------------------
# The scenarios' own counts.
# ----------------------------------------------------------------------------
ACCESS_LOCAL_LOGINS=2        # psql over the unix socket (trust), with log_connections on
ACCESS_TCP_LOGINS=2          # psql over TCP with scram-sha-256 (adds "connection authenticated")
ACCESS_RESET_PROBES=2        # TCP connects closed with RST before the startup packet
ACCESS_NOLOGIN_ATTEMPTS=2    # a NOLOGIN role tries to log in
ACCESS_NO_CONNECT_ATTEMPTS=2 # a role without CONNECT on the database
ACCESS_ROLE_LIMIT_ATTEMPTS=2 # role CONNECTION LIMIT 1, already in use
ACCESS_DB_LIMIT_ATTEMPTS=2   # database CONNECTION LIMIT 1, already in use
ACCESS_CLOSED_DB_ATTEMPTS=2  # ALLOW_CONNECTIONS false
ACCESS_REJECT_ATTEMPTS=2     # a pg_hba.conf `reject` line
ACCESS_STARTING_ATTEMPTS=2   # connects while the startup process is still busy
ACCESS_RECOVERY_ATTEMPTS=2   # connects while the postmaster resets after a crash
ACCESS_SHUTDOWN_ATTEMPTS=2   # connects during a smart shutdown
ACCESS_STANDBY_ATTEMPTS=2    # connects to a standby with hot_standby = off

ID_REGEX+=(
    [connection.received]='LOG:  connection received: host='
    [connection.authenticated]='LOG:  connection authenticated: identity='
    [connection.authorized]='LOG:  (replication )?connection authorized: user='
    [connection.disconnection]='LOG:  disconnection: session time: '
    [connection.client-reset]='could not receive data from client: '
    [connection.eof-open-transaction]='unexpected EOF on client connection with an open transaction'
    [connection.client-lost]='FATAL:  connection to client lost'
    [connection.terminated-by-admin]='FATAL:  terminating connection due to administrator command'
    [connection.idle-session-timeout]='FATAL:  terminating connection due to idle-session timeout'
    [connection.role-cannot-login]='FATAL:  role ".*" is not permitted to log in'
    [connection.database-permission-denied]='FATAL:  permission denied for database'
    [connection.too-many-for-role]='FATAL:  too many connections for role'
    [connection.too-many-for-database]='FATAL:  too many connections for database'
    [connection.database-not-accepting]='FATAL:  database ".*" is not currently accepting connections'
    [connection.system-starting-up]='FATAL:  the database system is starting up'
    [connection.system-in-recovery]='FATAL:  the database system is in recovery mode'
    [connection.system-shutting-down]='FATAL:  the database system is shutting down'
    [connection.standby-not-accepting]='FATAL:  the database system is not (yet )?accepting connections'
    [auth.hostssl-without-ssl]='LOG:  hostssl record cannot match because SSL is disabled'
    [auth.peer-failed]='FATAL:  Peer authentication failed for user'
    [auth.hba-reject]='FATAL:  pg_hba.conf rejects connection for'
    [auth.hba-invalid-line]='LOG:  invalid authentication method '
    [auth.hba-load-failed]='(FATAL:  could not load .*pg_hba.conf|LOG:  .*pg_hba.conf was not reloaded)'
    [config.reload]='LOG:  received SIGHUP, reloading configuration files'
    [config.parameter-changed]='LOG:  parameter ".*" (changed to ".*"|removed from configuration file, reset to default)'
    [config.ssl-certificate-load-failed]='could not load server certificate file '
    [config.ssl-key-permissions]='FATAL:  private key file ".*" has group or world access'
    [config.ssl-not-reloaded]='LOG:  SSL configuration was not reloaded'
    [startup.address-in-use]='LOG:  could not bind (IPv4|IPv6|Unix) address '
    [startup.listen-socket-failed]='WARNING:  could not create listen socket for '
    [startup.no-tcp-sockets]='FATAL:  could not create any TCP/IP sockets'
    [startup.lock-file-exists]='FATAL:  lock file ".*" already exists'
    [startup.lock-file-create-failed]='FATAL:  could not create lock file '
    [startup.data-dir-permissions]='FATAL:  data directory ".*" has invalid permissions'
    [startup.data-dir-owner]='FATAL:  data directory ".*" has wrong ownership'
)

# ----------------------------------------------------------------------------
# Raw-socket clients.  psql always reads what the server sends and always says
# goodbye, so the two ways real clients vanish need a client that does neither.
# perl is in every Debian base system (perl-base); Linux only (FIONREAD).
# ----------------------------------------------------------------------------

# access_rst_probe PORT LOG: what a load balancer's TCP health check (or a killed
# client) does: connect, then close with SO_LINGER 0 so the kernel sends RST
# instead of FIN.  We wait until the server has logged this very connection
# ("connection received: host=127.0.0.1 port=OURPORT", needs log_connections)
# so the backend is already reading the startup packet when the RST arrives.
access_rst_probe() {
    # shellcheck disable=SC2016  # perl code
    perl -e '
        use strict; use warnings; use Socket;
        my ($port, $log) = @ARGV;
        socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
        connect($s, sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!";
        my ($lport) = sockaddr_in(getsockname($s));
        my $seen = 0;
        for (1 .. 600) {
            open(my $fh, "<", $log) or die "$log: $!";
            while (<$fh>) { if (/connection received: host=127\.0\.0\.1 port=$lport$/) { $seen = 1; last } }
            close $fh;
            last if $seen;
            select(undef, undef, undef, 0.1);
        }
        $seen or die "server never logged our connection from port $lport";
        setsockopt($s, SOL_SOCKET, SO_LINGER, pack("ii", 1, 0)) or die "SO_LINGER: $!";
        close $s;
    ' "$1" "$2"
}

# access_stalled_reader PORT USER DB APPNAME: log in (trust), send a query with a
# result far larger than the socket buffers, never read it, and once the
# server is stuck writing (our receive queue stops growing) close the socket.
# Unread data makes the kernel answer with RST: the backend's next send()
# fails, as when a client is killed mid-result (OOM-killed app container).
access_stalled_reader() {
    # shellcheck disable=SC2016  # perl code
    perl -e '
        use strict; use warnings; use Socket;
        my ($port, $user, $db, $app) = @ARGV;
        socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
        connect($s, sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!";
        my $params = "user\0$user\0database\0$db\0application_name\0$app\0\0";
        print {$s} pack("NN", 8 + length($params), 196608) . $params;
        $s->flush;
        # Read messages up to ReadyForQuery (Z); an ErrorResponse (E) is fatal.
        while (1) {
            my $hdr = "";
            while (length($hdr) < 5) { sysread($s, $hdr, 5 - length($hdr), length($hdr)) or die "eof"; }
            my ($type, $len) = unpack("aN", $hdr);
            my $body = "";
            while (length($body) < $len - 4) { sysread($s, $body, $len - 4 - length($body), length($body)) or die "eof"; }
            die "login failed" if $type eq "E";
            last if $type eq "Z";
        }
        my $q = "SELECT repeat(\x27x\x27, 1000) FROM generate_series(1, 1000000)\0";
        syswrite($s, "Q" . pack("N", 4 + length($q)) . $q) or die "write: $!";
        my ($prev, $stable) = (-1, 0);
        for (1 .. 600) {
            select(undef, undef, undef, 0.1);
            my $buf = pack("i", 0);
            ioctl($s, 0x541B, $buf) or die "FIONREAD: $!";   # FIONREAD on Linux
            my $n = unpack("i", $buf);
            $stable = ($n > 0 && $n == $prev) ? $stable + 1 : 0;
            $prev = $n;
            last if $stable >= 5;
        }
        $stable >= 5 or die "the server never filled our receive buffer";
        close $s;
    ' "$@"
}

# access_session_ready NAME: wait until session NAME has run a statement (its psql
# printed a marker), so it is connected and in the state we sent it to,
# without opening another connection to ask pg_stat_activity.
access_session_ready() {
    local name=$1 i
    send "$name" "SELECT 'ready-$name';"
    for ((i = 0; i < 600; i++)); do
        grep -q "ready-$name" "$WORK/session.$name.out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "session $name never became ready" >&2
    return 1
}

# access_close_session NAME: close_session, then remove the FIFO, so that a
# later area may open a session of the same name.
access_close_session() {
    close_session "$1"
    rm -f "$WORK/fifo.$1"
}

# access_backend_pid APPNAME: the backend serving a session (superuser query).
access_backend_pid() { sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"; }

# ============================================================================
# access-connection-lifecycle.log
#  log_connections/log_disconnections are switched on by a reload once setup
#  is done, so every connection in the log is one of the planned ones below.
#  Then the ways a session ends other than a clean goodbye.
# ============================================================================
scenario_access_connection_lifecycle() {
    local f=access-connection-lifecycle.log i
    local received=0 authorized=0 disconnected=0
    say "$f"
    new_cluster access-lifecycle "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d/%a '" "password_encryption = 'scram-sha-256'"
    printf '%s\n' \
        'local all all trust' \
        'host appdb app 127.0.0.1/32 scram-sha-256' \
        'host all postgres 127.0.0.1/32 trust' | as_pg tee "$C_DATA/pg_hba.conf" >/dev/null
    start_server
    sql >/dev/null <<'SQL'
CREATE ROLE app LOGIN PASSWORD 'app-secret';
CREATE DATABASE appdb OWNER app;
ALTER SYSTEM SET log_connections = on;
ALTER SYSTEM SET log_disconnections = on;
SELECT pg_reload_conf();
SQL
    # The session that reloaded started with both off, so it logs nothing.
    wait_for_log 'parameter "log_disconnections" changed to "on"' 1

    # Ordinary logins: socket+trust, then TCP+scram (the only method here that
    # establishes an authenticated identity, hence "connection authenticated").
    for ((i = 0; i < ACCESS_LOCAL_LOGINS; i++)); do
        sql -c 'SELECT 1' >/dev/null
    done
    for ((i = 0; i < ACCESS_TCP_LOGINS; i++)); do
        PGPASSWORD=app-secret sql -h 127.0.0.1 -w -U app -d appdb -c 'SELECT 1' >/dev/null
    done
    received=$((ACCESS_LOCAL_LOGINS + ACCESS_TCP_LOGINS))
    authorized=$received
    disconnected=$received
    wait_for_log 'disconnection: session time' "$disconnected"

    # A TCP health check that resets the connection: "could not receive data
    # from client: Connection reset by peer", no login, no disconnection line.
    for ((i = 0; i < ACCESS_RESET_PROBES; i++)); do
        access_rst_probe "$C_PORT" "$C_LOG"
    done
    received=$((received + ACCESS_RESET_PROBES))
    wait_for_log 'could not receive data from client' "$ACCESS_RESET_PROBES"

    # An application killed inside a transaction (kill -9 of its process: the
    # kernel closes the socket with FIN, the backend reads EOF).
    open_session crashed-app -U app -d appdb
    send crashed-app "BEGIN; SELECT count(*) FROM pg_class;"
    access_session_ready crashed-app
    kill -KILL "${SESSION_PID[crashed-app]}"
    access_close_session crashed-app 2>/dev/null   # bash would report the "Killed" job
    received=$((received + 1)); authorized=$((authorized + 1)); disconnected=$((disconnected + 1))
    wait_for_log 'unexpected EOF on client connection with an open transaction' 1
    wait_for_log 'disconnection: session time' "$disconnected"

    # A client that stops reading a big result and then goes away.
    access_stalled_reader "$C_PORT" postgres postgres export-job
    received=$((received + 1)); authorized=$((authorized + 1)); disconnected=$((disconnected + 1))
    wait_for_log 'FATAL:  connection to client lost' 1
    wait_for_log 'disconnection: session time' "$disconnected"

    # pg_terminate_backend() from an admin session (pg_cancel_backend is the
    # "sql" area's: it only cancels the statement).
    open_session stuck-worker -U app -d appdb
    access_session_ready stuck-worker
    sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stuck-worker'" >/dev/null
    wait_for_log 'terminating connection due to administrator command' 1
    access_close_session stuck-worker
    received=$((received + 2)); authorized=$((authorized + 2)); disconnected=$((disconnected + 2))
    wait_for_log 'disconnection: session time' "$disconnected"

    # idle_session_timeout (PostgreSQL 14+): an idle pooled connection is closed.
    open_session idle-pool -U app -d appdb
    send idle-pool "SET idle_session_timeout = '200ms';"
    wait_for_log 'idle-session timeout' 1
    access_close_session idle-pool
    received=$((received + 1)); authorized=$((authorized + 1)); disconnected=$((disconnected + 1))
    wait_for_log 'disconnection: session time' "$disconnected"

    stop_server fast
    expect "$f" config.reload 1
    expect "$f" config.parameter-changed 2
    expect "$f" connection.received "$received"
    expect "$f" connection.authenticated "$ACCESS_TCP_LOGINS"
    expect "$f" connection.authorized "$authorized"
    expect "$f" connection.disconnection "$disconnected"
    expect "$f" connection.client-reset "$ACCESS_RESET_PROBES"
    expect "$f" connection.eof-open-transaction 1
    expect "$f" connection.client-lost 1
    expect "$f" connection.terminated-by-admin 1
    expect "$f" connection.idle-session-timeout 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# access-login-refused.log: logins that authenticate (or not) and are then
# refused by a role or database attribute, by pg_hba.conf, or by the password
# check (with each of its DETAIL reasons).
# ============================================================================
scenario_access_login_refused() {
    local f=access-login-refused.log i
    say "$f"
    new_cluster access-refused "$f"
    conf "log_line_prefix = '%m [%p] %q%u@%d '"
    # peer only for `peeruser` (we never run as that OS user), a reject rule
    # for `blocked`, scram for every other TCP login.
    printf '%s\n' \
        'local all peeruser peer' \
        'local all all trust' \
        'host all blocked 127.0.0.1/32 reject' \
        'host all all 127.0.0.1/32 scram-sha-256' | as_pg tee "$C_DATA/pg_hba.conf" >/dev/null
    start_server
    sql <<'SQL'
CREATE ROLE reporting NOLOGIN;
CREATE ROLE peeruser LOGIN;
CREATE ROLE blocked LOGIN PASSWORD 'blocked-secret';
CREATE ROLE outsider LOGIN;
CREATE ROLE limited LOGIN CONNECTION LIMIT 1;
CREATE ROLE nopass LOGIN;
SET password_encryption = 'md5';
CREATE ROLE legacy LOGIN PASSWORD 'legacy-secret';
CREATE DATABASE appdb;
REVOKE CONNECT ON DATABASE appdb FROM PUBLIC;
CREATE DATABASE tinydb CONNECTION LIMIT 1;
CREATE DATABASE archived;
ALTER DATABASE archived ALLOW_CONNECTIONS false;
SQL
    for ((i = 0; i < ACCESS_NOLOGIN_ATTEMPTS; i++)); do
        sql_expect_fail -U reporting -d postgres -c 'SELECT 1'
    done
    for ((i = 0; i < ACCESS_NO_CONNECT_ATTEMPTS; i++)); do
        sql_expect_fail -U outsider -d appdb -c 'SELECT 1'
    done

    # Role limit: one `limited` session is open, the next login is one too many.
    open_session limited-1 -U limited -d postgres
    access_session_ready limited-1
    for ((i = 0; i < ACCESS_ROLE_LIMIT_ATTEMPTS; i++)); do
        sql_expect_fail -U limited -d postgres -c 'SELECT 1'
    done
    access_close_session limited-1
    # Database limit (superusers are exempt, so ordinary roles).
    open_session tiny-1 -U outsider -d tinydb
    access_session_ready tiny-1
    for ((i = 0; i < ACCESS_DB_LIMIT_ATTEMPTS; i++)); do
        sql_expect_fail -U nopass -d tinydb -c 'SELECT 1'
    done
    access_close_session tiny-1
    # ALLOW_CONNECTIONS false refuses everyone, superusers included.
    for ((i = 0; i < ACCESS_CLOSED_DB_ATTEMPTS; i++)); do
        sql_expect_fail -U postgres -d archived -c 'SELECT 1'
    done

    # peer: the OS user running psql is not `peeruser`.
    sql_expect_fail -U peeruser -d postgres -c 'SELECT 1'
    # reject rule, over TCP.
    for ((i = 0; i < ACCESS_REJECT_ATTEMPTS; i++)); do
        PGPASSWORD=blocked-secret sql_expect_fail -h 127.0.0.1 -w -U blocked -d postgres -c 'SELECT 1'
    done
    # Password failures whose DETAIL says why: unknown role, no password set,
    # and an md5 hash under a scram-sha-256 rule (a 13 -> 14+ upgrade classic).
    PGPASSWORD=whatever sql_expect_fail -h 127.0.0.1 -w -U ghost -d postgres -c 'SELECT 1'
    PGPASSWORD=whatever sql_expect_fail -h 127.0.0.1 -w -U nopass -d postgres -c 'SELECT 1'
    PGPASSWORD=legacy-secret sql_expect_fail -h 127.0.0.1 -w -U legacy -d postgres -c 'SELECT 1'
    wait_for_log 'password authentication failed' 3
    wait_for_log 'pg_hba.conf rejects connection' "$ACCESS_REJECT_ATTEMPTS"
    stop_server fast
    expect "$f" connection.role-cannot-login "$ACCESS_NOLOGIN_ATTEMPTS"
    expect "$f" connection.database-permission-denied "$ACCESS_NO_CONNECT_ATTEMPTS"
    expect "$f" connection.too-many-for-role "$ACCESS_ROLE_LIMIT_ATTEMPTS"
    expect "$f" connection.too-many-for-database "$ACCESS_DB_LIMIT_ATTEMPTS"
    expect "$f" connection.database-not-accepting "$ACCESS_CLOSED_DB_ATTEMPTS"
    expect "$f" auth.peer-failed 1
    expect "$f" auth.hba-reject "$ACCESS_REJECT_ATTEMPTS"
    expect "$f" auth.password-failed 3
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# access-server-states.log: connecting while the server is up but cannot serve.
#  1. "starting up": archive recovery whose restore_command blocks until we say
#     so.  The startup process asks the archive for the first WAL file before
#     it tells the postmaster that recovery has started, so the postmaster is
#     in its STARTUP state for as long as we like (a container restarted with a
#     slow archive, or a long crash recovery, looks the same to clients).
#  2. "in recovery mode": a backend is killed (-9), and the postmaster waits for
#     all other processes to exit before it reinitializes; one of them is held
#     with SIGSTOP, which keeps that window open while we connect.
#  3. "shutting down": a smart shutdown waits for an open session to end.
#  4. "not accepting connections": a standby with hot_standby = off.
# ============================================================================
scenario_access_server_states() {
    local f=access-server-states.log i stuck victim
    say "$f"
    new_cluster access-states "$f"
    start_server
    sql -c 'CREATE TABLE t AS SELECT 1 AS x'
    stop_server fast

    # 1. starting up
    conf "restore_command = 'touch $C_DIR/restore-started; while [ ! -e $C_DIR/restore-go ]; do sleep 0.1; done; exit 1'"
    as_pg touch "$C_DATA/recovery.signal"
    as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -l "$C_LOG" -W -s start
    for ((i = 0; i < 600; i++)); do [[ -e $C_DIR/restore-started ]] && break; sleep 0.1; done
    [[ -e $C_DIR/restore-started ]] || { echo "restore_command never ran" >&2; return 1; }
    for ((i = 0; i < ACCESS_STARTING_ATTEMPTS; i++)); do
        sql_expect_fail -U postgres -d postgres -c 'SELECT 1'
    done
    wait_for_log 'the database system is starting up' "$ACCESS_STARTING_ATTEMPTS"
    touch "$C_DIR/restore-go"
    wait_for_log 'database system is ready to accept connections' 2

    # 2. in recovery mode
    open_session frozen -U postgres -d postgres
    access_session_ready frozen
    stuck=$(access_backend_pid frozen)
    open_session doomed -U postgres -d postgres
    access_session_ready doomed
    victim=$(access_backend_pid doomed)
    kill -STOP "$stuck"
    kill -KILL "$victim"
    wait_for_log 'terminating any other active server processes' 1
    for ((i = 0; i < ACCESS_RECOVERY_ATTEMPTS; i++)); do
        sql_expect_fail -U postgres -d postgres -c 'SELECT 1'
    done
    wait_for_log 'the database system is in recovery mode' "$ACCESS_RECOVERY_ATTEMPTS"
    kill -CONT "$stuck"
    wait_for_log 'database system is ready to accept connections' 3
    access_close_session frozen
    access_close_session doomed

    # 3. shutting down
    open_session last-user -U postgres -d postgres
    access_session_ready last-user
    as_pg "$PGBIN/pg_ctl" -D "$C_DATA" -W -s -m smart stop
    wait_for_log 'received smart shutdown request' 1
    for ((i = 0; i < ACCESS_SHUTDOWN_ATTEMPTS; i++)); do
        sql_expect_fail -U postgres -d postgres -c 'SELECT 1'
    done
    wait_for_log 'the database system is shutting down' "$ACCESS_SHUTDOWN_ATTEMPTS"
    access_close_session last-user
    wait_for_log 'database system is shut down' 2

    # 4. a standby with hot_standby = off (a replica container started from a
    #    base backup whose postgresql.conf says so): it replays WAL but never
    #    lets clients in.  pg_ctl -w returns once it is in standby mode.
    as_pg touch "$C_DATA/standby.signal"
    conf "hot_standby = off"
    start_server
    for ((i = 0; i < ACCESS_STANDBY_ATTEMPTS; i++)); do
        sql_expect_fail -U postgres -d postgres -c 'SELECT 1'
    done
    wait_for_log 'the database system is not accepting connections' "$ACCESS_STANDBY_ATTEMPTS"
    stop_server fast
    # (No server.ready expectation: the archive recovery also printed "ready to
    # accept read-only connections", which the self-check's regex does not count.)
    expect "$f" connection.system-starting-up "$ACCESS_STARTING_ATTEMPTS"
    expect "$f" connection.system-in-recovery "$ACCESS_RECOVERY_ATTEMPTS"
    expect "$f" connection.system-shutting-down "$ACCESS_SHUTDOWN_ATTEMPTS"
    expect "$f" connection.standby-not-accepting "$ACCESS_STANDBY_ATTEMPTS"
    expect "$f" server.process-killed 1
    expect "$f" server.shutdown 3
}

# ============================================================================
# access-config-reload.log: reloads (pg_reload_conf(), `docker kill -s HUP`,
# `pg_ctl reload`) that apply, and reloads whose pg_hba.conf or SSL part fails.
# ============================================================================
scenario_access_config_reload() {
    local f=access-config-reload.log
    say "$f"
    new_cluster access-reload "$f"
    start_server
    # A setting applied and later removed again (ALTER SYSTEM RESET).
    sql -c "ALTER SYSTEM SET work_mem = '16MB'" -c 'SELECT pg_reload_conf()' >/dev/null
    wait_for_log 'parameter "work_mem" changed to' 1
    sql -c 'ALTER SYSTEM RESET work_mem' -c 'SELECT pg_reload_conf()' >/dev/null
    wait_for_log 'parameter "work_mem" removed from configuration file' 1
    # A typo'd method in pg_hba.conf: the old rules stay in force.
    as_pg cp "$C_DATA/pg_hba.conf" "$C_DIR/pg_hba.conf.orig"
    echo 'host all all 10.0.0.0/8 scram-sha256' | as_pg tee -a "$C_DATA/pg_hba.conf" >/dev/null
    reload_server
    wait_for_log 'pg_hba.conf was not reloaded' 1
    as_pg cp "$C_DIR/pg_hba.conf.orig" "$C_DATA/pg_hba.conf"
    # A hostssl rule while ssl = off (the image's default): the file loads, but
    # the rule can never match, so TLS-less clients fall through to later rules.
    echo 'hostssl all all 10.0.0.0/8 scram-sha-256' | as_pg tee -a "$C_DATA/pg_hba.conf" >/dev/null
    reload_server
    wait_for_log 'hostssl record cannot match' 1
    as_pg cp "$C_DIR/pg_hba.conf.orig" "$C_DATA/pg_hba.conf"
    # ssl = on without server.crt/server.key: the reload keeps SSL off.
    sql -c 'ALTER SYSTEM SET ssl = on' -c 'SELECT pg_reload_conf()' >/dev/null
    wait_for_log 'SSL configuration was not reloaded' 1
    sql -c 'ALTER SYSTEM RESET ssl' -c 'SELECT pg_reload_conf()' >/dev/null
    wait_for_log 'received SIGHUP' 6
    wait_for_log 'parameter "ssl" removed from configuration file' 1
    stop_server fast
    expect "$f" config.reload 6
    expect "$f" auth.hostssl-without-ssl 1
    expect "$f" config.parameter-changed 4   # work_mem set+removed, ssl set+removed
    expect "$f" auth.hba-invalid-line 1
    expect "$f" auth.hba-load-failed 1
    expect "$f" config.ssl-certificate-load-failed 1
    expect "$f" config.ssl-not-reloaded 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# access-startup-failures.log: one data directory, started again and again,
# each time broken in a way a container meets on `docker compose up`.
# ============================================================================
# access_start_must_fail REGEX N: pg_ctl start must fail, and the log must then hold
# N lines matching REGEX.
access_start_must_fail() {
    if start_server 2>/dev/null; then
        echo "server started although it should not have (waiting for /$1/)" >&2
        return 1
    fi
    wait_for_log "$1" "$2"
}

scenario_access_startup_failures() {
    local f=access-startup-failures.log keyperm=0 owner=0
    say "$f"
    new_cluster access-startup "$f"
    as_pg cp "$C_DATA/pg_hba.conf" "$C_DIR/pg_hba.conf.orig"

    # A mounted pg_hba.conf with an unknown method: nothing can log in, so the
    # postmaster refuses to start at all.
    echo 'host all all 0.0.0.0/0 scram' | as_pg tee -a "$C_DATA/pg_hba.conf" >/dev/null
    access_start_must_fail 'could not load .*pg_hba.conf' 1
    as_pg cp "$C_DIR/pg_hba.conf.orig" "$C_DATA/pg_hba.conf"

    # ssl = on, certificate not mounted.
    conf "ssl = on"
    access_start_must_fail 'could not load server certificate file' 1
    # ... then mounted, but the key is world-readable (a bind mount from the host).
    if command -v openssl >/dev/null; then
        as_pg openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=localhost' \
            -keyout "$C_DATA/server.key" -out "$C_DATA/server.crt" >/dev/null 2>&1
        as_pg chmod 0644 "$C_DATA/server.key"
        access_start_must_fail 'has group or world access' 1
        keyperm=1
    fi
    conf "ssl = off"

    # unix_socket_directories pointing to a directory that doesn't exist (a
    # config copied from another distribution, or /var/run/postgresql missing).
    conf "unix_socket_directories = '$C_DIR/no-such-dir'"
    access_start_must_fail 'could not create lock file' 1
    conf "unix_socket_directories = '$C_SOCK'"

    # Data directory mode 0777 (NFS/SMB/Windows bind mounts, or a chmod -R).
    chmod 0777 "$C_DATA"
    access_start_must_fail 'has invalid permissions' 1
    chmod 0700 "$C_DATA"

    # Data directory owned by another user (a host directory created by root):
    # needs root to chown.  0755 so the server can still read postgresql.conf
    # and gets as far as its own ownership check.
    if [[ $EUID -eq 0 ]]; then
        chown root "$C_DATA"
        chmod 0755 "$C_DATA"
        access_start_must_fail 'has wrong ownership' 1
        chown "$PG_OWNER" "$C_DATA"
        chmod 0700 "$C_DATA"
        owner=1
    fi

    # A second postmaster on a running data directory (two containers, one volume).
    start_server
    access_start_must_fail 'lock file "postmaster.pid" already exists' 1
    stop_server fast
    expect "$f" auth.hba-invalid-line 1
    expect "$f" auth.hba-load-failed 1
    expect "$f" config.ssl-certificate-load-failed 1
    expect "$f" config.ssl-key-permissions "$keyperm"
    expect "$f" startup.lock-file-create-failed 1
    expect "$f" startup.data-dir-permissions 1
    expect "$f" startup.data-dir-owner "$owner"
    expect "$f" startup.lock-file-exists 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

# ============================================================================
# access-port-conflict.log: a second cluster on the port of a running one, as
# with two containers sharing the host network or `ports:` mapping.
#  1. same TCP address and port, own socket dir: bind() fails, no TCP socket.
#  2. same socket directory and port, TCP off: the socket's lock file is taken.
# Both clusters write to this one log (the first only starts and stops).
# ============================================================================
scenario_access_port_conflict() {
    local f=access-port-conflict.log port sock data
    say "$f"
    new_cluster access-port-a "$f"
    start_server
    port=$C_PORT sock=$C_SOCK data=$C_DATA
    new_cluster access-port-b "$f"
    conf "port = $port"
    access_start_must_fail 'could not create any TCP/IP sockets' 1
    conf "listen_addresses = ''" "unix_socket_directories = '$sock'"
    access_start_must_fail 'lock file ".*\.s\.PGSQL\.[0-9]+\.lock" already exists' 1
    C_DATA=$data
    stop_server fast
    expect "$f" startup.address-in-use 1
    expect "$f" startup.listen-socket-failed 1
    expect "$f" startup.no-tcp-sockets 1
    expect "$f" startup.lock-file-exists 1
    expect "$f" server.ready 1
    expect "$f" server.shutdown 1
}

scenario_access_connection_lifecycle
scenario_access_login_refused
scenario_access_server_states
scenario_access_config_reload
scenario_access_startup_failures
scenario_access_port_conflict
