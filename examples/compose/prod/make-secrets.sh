#!/usr/bin/env bash
# make-secrets.sh [DIR]  (default: ./secrets beside this script)
#
# Creates the files docker-compose.yml reads as secrets, if they do not exist yet:
#   postgres_password    superuser password     owner 999 (postgres in the Debian image), 0400
#   monitoring_password  exporter's password    0444: read by the db's init script (uid 999)
#                                               and by postgres_exporter (uid 65534)
#   server_crt           TLS certificate        0444
#   server_key           TLS private key        owner 999, 0600 (PostgreSQL refuses a key
#                                               that others can read)
# The certificate is self-signed, good for sslmode=require. For verify-full, put a
# certificate issued by your CA (CN/SAN = the name clients use) in server_crt/server_key.
# The Alpine image runs postgres as uid 70: set PG_UID=70.
# Needs openssl, and root to chown (the files are bind-mounted with the host's owner).

set -Eeuo pipefail
dir=${1:-$(dirname "$(realpath "$0")")/secrets}
uid=${PG_UID:-999}

umask 077
mkdir -p "$dir"
chmod 700 "$dir"

password() { # FILE: 32 random bytes, base64 without characters URIs would need escaped
	[[ -e $1 ]] || openssl rand -base64 32 | tr -d '\n/+=' >"$1"
}
password "$dir/postgres_password"
password "$dir/monitoring_password"

if [[ ! -e $dir/server_key ]]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=db" \
		-addext "subjectAltName=DNS:db,DNS:localhost,IP:127.0.0.1" \
		-keyout "$dir/server_key" -out "$dir/server_crt" 2>/dev/null
fi

chmod 0400 "$dir/postgres_password"
chmod 0444 "$dir/monitoring_password" "$dir/server_crt"
chmod 0600 "$dir/server_key"
if [[ $EUID -eq 0 ]]; then
	chown "$uid:$uid" "$dir/postgres_password" "$dir/server_key"
else
	echo "make-secrets: not root; run: sudo chown $uid:$uid $dir/postgres_password $dir/server_key" >&2
fi
echo "make-secrets: secrets in $dir"
