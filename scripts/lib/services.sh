# Throwaway PostgreSQL and Redis for tests and benchmarks, on unix sockets inside one
# directory (no TCP port to collide with; TECH-NOTES §10). Source this file, then:
#   services_start DIR      -> exports TEST_DATABASE_URL, TEST_REDIS_URL
#   services_stop DIR       -> stops both and removes DIR (safe to call twice)
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.

_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -x $dir/pg_ctl ]] || { echo "services: no PostgreSQL server installed (apt-get install postgresql)" >&2; return 1; }
  echo "$dir"
}

_as_pg_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

services_start() {
  local dir=$1 bin
  bin=$(_pg_bin) || return 1
  mkdir -p "$dir/pg-run"
  chmod 755 "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pg-run"
  mkdir -p "$dir/pgdata" && chmod 700 "$dir/pgdata"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pgdata"
  _as_pg_owner "$bin/initdb" -D "$dir/pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  # The port only names the socket file; listen_addresses='' means no TCP at all.
  _as_pg_owner "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/pg-run/postgres.log" -w -t 60 start \
    -o "-k $dir/pg-run -p 5433 -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null || { cat "$dir/pg-run/postgres.log" >&2; return 1; }
  psql -q -h "$dir/pg-run" -p 5433 -U postgres -d postgres -c 'CREATE DATABASE commerce_test' >/dev/null
  export TEST_DATABASE_URL="postgresql://postgres@/commerce_test?host=$dir/pg-run&port=5433"

  redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >/dev/null
  local i
  for i in $(seq 50); do
    redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -s "$dir/redis.sock" ping >/dev/null || { echo "services: redis did not start" >&2; return 1; }
  export TEST_REDIS_URL="unix://$dir/redis.sock"
}

services_stop() {
  local dir=$1 bin
  [[ -d $dir ]] || return 0
  if [[ -S $dir/redis.sock ]]; then
    redis-cli -s "$dir/redis.sock" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [[ -f $dir/pgdata/postmaster.pid ]] && bin=$(_pg_bin); then
    _as_pg_owner "$bin/pg_ctl" -D "$dir/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
