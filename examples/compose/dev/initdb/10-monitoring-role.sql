-- Runs once, on the first start, from /docker-entrypoint-initdb.d, as the superuser.
-- The same least-privilege role as in production (docs/guides/monitoring.md), with a
-- dev-only password written here, matching DATA_SOURCE_NAME in docker-compose.yml.
CREATE ROLE monitoring WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 5 PASSWORD 'dev-monitoring-password';
GRANT pg_monitor TO monitoring;
ALTER ROLE monitoring SET statement_timeout = '10s';
ALTER ROLE monitoring SET lock_timeout = '1s';

\connect postgres
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
