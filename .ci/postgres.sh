#!/usr/bin/env bash
# A PostgreSQL server on 127.0.0.1:5432 for the store's tests: role `labelpact`, database `labelpact_test`.
# Idempotent; run as root (CI's .ci/run does). Installs Debian's `postgresql` when missing, starts the
# cluster listening on loopback only, creates the role and database, and prints the URL to use.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ROLE=labelpact
PASSWORD=labelpact
DATABASE=labelpact_test
URL="postgresql://${ROLE}:${PASSWORD}@${HOST}:${PORT}/${DATABASE}"

say() { echo ".ci/postgres.sh: $*" >&2; }

answers() { # something accepts connections on HOST:PORT
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PORT" -t 2
  else
    (exec 3<>"/dev/tcp/${HOST}/${PORT}") 2>/dev/null
  fi
}

as_postgres() { # run psql as the cluster's superuser over its local socket
  if command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -qtA "$@"
  else
    su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtA $(printf '%q ' "$@")"
  fi
}

ensure_role_and_database() {
  if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'")" != "1" ]; then
    as_postgres -c "CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'"
    say "created role ${ROLE}"
  fi
  if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'")" != "1" ]; then
    as_postgres -c "CREATE DATABASE ${DATABASE} OWNER ${ROLE}"
    say "created database ${DATABASE}"
  fi
}

if answers; then
  # Someone else's server (a CI service container) is left alone; a local Debian one gets the role if it lacks it.
  if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    ensure_role_and_database || say "server answers but the role could not be checked; using it as it is"
  fi
  say "a server already answers on ${HOST}:${PORT}"
  echo "$URL"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "no server on ${HOST}:${PORT} and not root: cannot install or start one"
  exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  say "installing postgresql (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

# The newest installed major version, and its cluster on PORT (created when the package did not make one).
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER="$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$VERSION" -v p="$PORT" '$1 == v && $3 == p { print $2; exit }')"
if [ -z "$CLUSTER" ]; then
  CLUSTER=main
  say "creating cluster ${VERSION}/${CLUSTER}"
  pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER" >/dev/null
fi

# Loopback only, password (scram) logins from 127.0.0.1, which Debian's default pg_hba.conf already allows.
CONF_D="/etc/postgresql/${VERSION}/${CLUSTER}/conf.d"  # Debian's postgresql.conf ends with include_dir 'conf.d'
mkdir -p "$CONF_D"
printf "listen_addresses = '%s'\nport = %s\n" "$HOST" "$PORT" >"${CONF_D}/labelpact.conf"
if pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c && $4 == "online" { f = 1 } END { exit !f }'; then
  pg_ctlcluster "$VERSION" "$CLUSTER" restart
else
  pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

for _ in $(seq 1 30); do
  answers && break
  sleep 1
done
if ! answers; then
  say "cluster ${VERSION}/${CLUSTER} did not start; see /var/log/postgresql/postgresql-${VERSION}-${CLUSTER}.log"
  exit 1
fi

ensure_role_and_database
say "PostgreSQL ${VERSION}/${CLUSTER} answers on ${HOST}:${PORT}"
echo "$URL"
