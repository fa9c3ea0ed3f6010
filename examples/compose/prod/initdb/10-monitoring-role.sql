-- Runs once, on the first start (empty data directory), from /docker-entrypoint-initdb.d,
-- as the superuser, in POSTGRES_DB. Creates the least-privilege role postgres_exporter
-- logs in as. Why: docs/guides/monitoring.md.

-- The password is read from the Compose secret by psql (backticks run a shell command in
-- a psql meta-command), so it is never written in this file or in the environment.
\set monitoring_password `cat /run/secrets/monitoring_password`

-- CREATE ROLE ... PASSWORD is a DDL statement: with log_statement = 'ddl' it would be
-- logged with the password in it. Not for this session.
SET log_statement = 'none';

-- pg_monitor (PostgreSQL 10+) = pg_read_all_settings + pg_read_all_stats +
-- pg_stat_scan_tables: every statistics view and setting, no table data, no writes.
CREATE ROLE monitoring WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 5 PASSWORD :'monitoring_password';
GRANT pg_monitor TO monitoring;

-- A scrape must never hang the exporter or hold locks for long.
ALTER ROLE monitoring SET statement_timeout = '10s';
ALTER ROLE monitoring SET lock_timeout = '1s';

-- Query statistics for people (and for postgres_exporter's optional stat_statements
-- collector, --collector.stat_statements). Needs shared_preload_libraries =
-- 'pg_stat_statements' (postgresql.conf); pg_monitor may read every user's rows.
\connect postgres
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
