#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests (Debian's `postgresql` package) if it is not
# running yet, and prints the URL to give as KRING_TEST_PG. Its data lives in DIR (default
# /tmp/kring-test-pg) with fsync off: fine for tests, never for a forum.
#   KRING_TEST_DB=postgres KRING_TEST_PG=$(bash scripts/postgres-for-tests.sh) npm test
set -euo pipefail
dir=${1:-/tmp/kring-test-pg}
port=${KRING_TEST_PG_PORT:-5499}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
# initdb refuses to run as root: then the cluster belongs to the postgres user.
as_owner () { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$dir/data/PG_VERSION" ]; then
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log"
fi
if ! as_owner "$bin/pg_ctl" -D "$dir/data" status > /dev/null 2>&1; then
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-k $dir -c listen_addresses='' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start > /dev/null
fi
echo "postgres://postgres@/postgres?host=$dir&port=$port"
