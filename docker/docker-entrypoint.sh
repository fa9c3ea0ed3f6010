#!/usr/bin/env bash
# docker-entrypoint.sh — entrypoint of pgtriage's PostgreSQL test images
# (pgtriage-test-pg:debian and pgtriage-test-pg:alpine-like).
#
# Written for pgtriage from the documented behaviour of the official `postgres`
# image, so that our integration tests see the same log lines a user of that
# image sees:
#   * first start (no $PGDATA/PG_VERSION): POSTGRES_* variables drive initdb,
#     a socket-only temporary server runs /docker-entrypoint-initdb.d/*, then it
#     is stopped again;
#   * later starts: the variables are ignored and a notice says so;
#   * finally the server is exec'd in the foreground as PID 1, so the SIGINT
#     that `docker stop` sends (STOPSIGNAL) reaches the postmaster directly.
#
# Server logs go to stderr with PostgreSQL's defaults (log_line_prefix
# '%m [%p] '), which is what `docker logs` shows.

set -Eeo pipefail

readonly PG_OS_USER=postgres
readonly INITDB_D=/docker-entrypoint-initdb.d
readonly SOCKET_DIR=/var/run/postgresql

say()  { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die()  { warn "$0: error: $*"; exit 1; }

# read_setting NAME [DEFAULT]
# Sets NAME from the environment, or from the file that NAME_FILE points to
# (Docker/Kubernetes secrets), or to DEFAULT. Both at once is ambiguous, so it
# is refused rather than silently preferring one.
read_setting() {
	local name=$1 default=${2-}
	local file_var="${name}_FILE"
	local value=${!name-} file=${!file_var-}

	if [[ -n $value && -n $file ]]; then
		die "both $name and $file_var are set; they are exclusive, set only one of them"
	fi
	if [[ -n $file ]]; then
		[[ -r $file ]] || die "$file_var=$file: the file does not exist or user '$(id -un)' cannot read it"
		value=$(<"$file")
	fi
	export "$name=${value:-$default}"
	unset "$file_var"
}

# Runs as root: make the directories the server writes to belong to postgres,
# because a fresh volume or bind mount usually arrives owned by root.
prepare_directories() {
	# -m only applies when the directory is created: an existing data directory
	# keeps its mode, so a wrong one shows up as PostgreSQL's own error.
	# shellcheck disable=SC2174 # intended: parents are not ours to chmod
	mkdir -p -m 0700 "$PGDATA"
	# Only touch what is not already ours: a full chown -R of a big data
	# directory on every start would be slow for nothing.
	find "$PGDATA" \! -user "$PG_OS_USER" -exec chown "$PG_OS_USER:$PG_OS_USER" {} +

	mkdir -p "$SOCKET_DIR"
	chown "$PG_OS_USER:$PG_OS_USER" "$SOCKET_DIR"
	chmod 3777 "$SOCKET_DIR"
}

# Refuse to create a cluster that nobody could log in to over TCP (no password)
# unless the user explicitly asked for password-less access.
check_first_start_settings() {
	if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
		cat >&2 <<-'EOF'
		Error: the database is not initialised and no superuser password was given.

		       This image creates its superuser on the first start and needs a
		       password for it, because clients connecting over the network must
		       authenticate. Give one with -e POSTGRES_PASSWORD=... (or with
		       POSTGRES_PASSWORD_FILE=/path/to/a/secret).

		       Only for throw-away test setups you may instead allow every
		       connection without any password: -e POSTGRES_HOST_AUTH_METHOD=trust
		       (never do that on a server reachable by anyone else).
		EOF
		exit 1
	fi

	if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
		cat >&2 <<-'EOF'
		****************************************************************************
		WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". Every client that
		         can reach this server's port may log in as any role, the superuser
		         included, without giving a password. POSTGRES_PASSWORD, even if
		         set, is never asked for over the network.
		         Use this only for disposable local tests. Anywhere else, set
		         POSTGRES_PASSWORD and leave POSTGRES_HOST_AUTH_METHOD at its
		         default (scram-sha-256).
		****************************************************************************
		EOF
	fi
}

run_initdb() {
	# POSTGRES_INITDB_ARGS is a shell-quoted string (e.g. --icu-locale="en-US"):
	# let bash parse it like a command line so quotes keep their meaning.
	local -a extra_args=()
	eval "extra_args=( $POSTGRES_INITDB_ARGS )"

	# No --auth-local on purpose: like the official image, local (socket)
	# connections get initdb's default, and initdb prints its own warning
	# about it, unless the user's POSTGRES_INITDB_ARGS says otherwise.
	if [[ -n $POSTGRES_PASSWORD ]]; then
		# A process substitution keeps the password out of files and argv.
		initdb --username="$POSTGRES_USER" \
			--pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${extra_args[@]}"
	else
		initdb --username="$POSTGRES_USER" "${extra_args[@]}"
	fi

	# Network clients: one rule for everything, with the method chosen by the
	# user. listen_addresses='*' already comes from the image's
	# postgresql.conf.sample, which initdb copied.
	{
		printf '\n# Added on first start by docker-entrypoint.sh (POSTGRES_HOST_AUTH_METHOD)\n'
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

# psql for the init phase: stop at the first SQL error so a broken init script
# fails the container instead of leaving a half-made database behind silently.
init_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" "$@"
}

run_init_scripts() {
	local f
	for f in "$INITDB_D"/*; do
		[[ -e $f ]] || continue # empty directory: the glob stayed literal
		case $f in
			*.sh)
				if [[ -x $f ]]; then
					say "$0: running $f"
					"$f"
				else
					# Not executable: sourced, so it can use our variables and functions.
					say "$0: sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql)    say "$0: running $f"; init_psql --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz) say "$0: running $f"; gunzip -c "$f" | init_psql --dbname "$POSTGRES_DB" ;;
			*)        say "$0: ignoring $f" ;;
		esac
		say
	done
}

first_start() {
	read_setting POSTGRES_PASSWORD
	read_setting POSTGRES_USER postgres
	read_setting POSTGRES_DB "$POSTGRES_USER"
	read_setting POSTGRES_INITDB_ARGS
	export POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

	check_first_start_settings
	run_initdb

	# The temporary server listens on the socket only: nothing outside the
	# container can connect (or see it as ready) while the init scripts run.
	# The socket is the one psql finds by default; PGPORT pins the port even
	# if the user's own command line picks another one for the real server.
	export PGHOST=$SOCKET_DIR PGPORT=5432
	# Needed when POSTGRES_INITDB_ARGS made local connections require a password.
	export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start

	if [[ $POSTGRES_DB != postgres ]]; then
		# \gexec runs the generated statement only when the database is missing;
		# %I quotes the name as an identifier.
		init_psql --dbname postgres --set db="$POSTGRES_DB" <<-'SQL'
			SELECT format('CREATE DATABASE %I', :'db')
			WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
		SQL
	fi
	say
	run_init_scripts

	pg_ctl -D "$PGDATA" -m fast -w stop
	unset PGPASSWORD PGHOST PGPORT

	say
	say 'PostgreSQL init process complete; ready for start up.'
	say
}

main() {
	# `docker run IMAGE -c work_mem=64MB` means "the server, with these options".
	if [[ ${1-} == -* ]]; then
		set -- postgres "$@"
	fi
	# Anything else (bash, psql, pg_dump ...) runs as given, as the user asked.
	if [[ ${1-} != postgres ]]; then
		exec "$@"
	fi

	if [[ $(id -u) == 0 ]]; then
		prepare_directories
		# PostgreSQL refuses to run as root: start this script again as postgres.
		# exec keeps PID 1, so the server will still be the process that
		# receives Docker's stop signal.
		HOME=$(getent passwd "$PG_OS_USER" | cut -d: -f6)
		export HOME
		exec setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups \
			-- "${BASH_SOURCE[0]}" "$@"
	fi

	if [[ -s $PGDATA/PG_VERSION ]]; then
		say
		say 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
		say
	else
		first_start
	fi

	# listen_addresses='*' comes from postgresql.conf; logs go to stderr.
	exec "$@"
}

main "$@"
