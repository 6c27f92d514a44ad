#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 + PostGIS 3 cluster of its own.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# Installs Debian's postgresql and postgis packages when they are missing, makes a cluster
# in a temporary folder (initdb refuses root, so the server runs as the `postgres` user),
# listens on 127.0.0.1 on a free port, creates a database with PostGIS, exports
# TEST_DATABASE_URL for the command, and stops and removes the cluster afterwards,
# whatever the command's outcome. The command's exit code is this script's.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

if [ ! -x "$PG_BIN/initdb" ] || [ ! -f "/usr/share/postgresql/${PG_VERSION}/extension/postgis.control" ]; then
  echo "Installing PostgreSQL ${PG_VERSION} and PostGIS 3 (Debian packages)..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    "postgresql-${PG_VERSION}" "postgresql-${PG_VERSION}-postgis-3" >/dev/null
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$*"
  elif [ "$(id -un)" = postgres ]; then
    bash -c "$*"
  else
    sudo -u postgres bash -c "$*"
  fi
}

CLUSTER=$(mktemp -d /tmp/directory-pg.XXXXXX)
chmod 755 "$CLUSTER"
chown postgres "$CLUSTER" 2>/dev/null || $SUDO chown postgres "$CLUSTER"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

stop() {
  as_postgres "'$PG_BIN/pg_ctl' -D '$CLUSTER/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$CLUSTER" 2>/dev/null || $SUDO rm -rf "$CLUSTER"
}
trap stop EXIT

echo "Starting a throwaway PostgreSQL ${PG_VERSION} cluster on 127.0.0.1:${PORT}..."
as_postgres "'$PG_BIN/initdb' -D '$CLUSTER/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
as_postgres "'$PG_BIN/pg_ctl' -D '$CLUSTER/data' -l '$CLUSTER/server.log' -w -o \"-p $PORT -k '$CLUSTER' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >/dev/null
as_postgres "'$PG_BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -qAt -c 'CREATE DATABASE directory_test'"
as_postgres "'$PG_BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -d directory_test -qAt -c 'CREATE EXTENSION postgis'"

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/directory_test"
set +e
"$@"
status=$?
set -e
exit $status
