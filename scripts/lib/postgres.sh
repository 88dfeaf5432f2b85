# shellcheck shell=bash
# ensure_postgres: sets TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on.

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
  done
  return 1
}

install_postgres() {
  echo "Installing PostgreSQL from Debian's packages…"
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is missing and this is not root: install the 'postgresql' package, or set TEST_DATABASE_URL." >&2
    return 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# start_throwaway_cluster [durable]: tests skip durable commits for speed; benchmarks keep them.
start_throwaway_cluster() {
  local bin dir port=55432
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${1:-}" = durable ] && durability=""
  bin=$(pg_bin_dir) || { install_postgres && bin=$(pg_bin_dir); } || return 1
  dir=$(mktemp -d /tmp/portico-pg.XXXXXX)
  # A port nobody else uses: the first free one from 55432.
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -A trust -U postgres --no-sync -D "$dir/data" >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=400" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  PORTICO_PG_DIR="$dir"
  PORTICO_PG_CTL=("${as[@]}" "$bin/pg_ctl")
  trap stop_throwaway_cluster EXIT
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_throwaway_cluster() {
  if [ -n "${PORTICO_PG_DIR:-}" ]; then
    "${PORTICO_PG_CTL[@]}" -D "$PORTICO_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PORTICO_PG_DIR"
  fi
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    return 0
  fi
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432 -U postgres 2>/dev/null \
     && command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
    return 0
  fi
  start_throwaway_cluster
}
