#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL and Redis on 127.0.0.1 for the test suite.
#   scripts/test-services.sh start DIR   -> prints the environment to use (DATABASE_URL, REDIS_URL)
#   scripts/test-services.sh stop DIR
set -euo pipefail
action=${1:?start|stop}
dir=${2:?state folder}
pg_port=${TEST_PG_PORT:-55432}
redis_port=${TEST_REDIS_PORT:-56379}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

case "$action" in
start)
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -s "$dir/pg/PG_VERSION" ]; then
    mkdir -p "$dir/pg" "$dir/pg-socket"
    chown postgres:postgres "$dir/pg" "$dir/pg-socket"
    runuser -u postgres -- "$pg_bin/initdb" -A trust -U postgres -D "$dir/pg" >"$dir/initdb.log" 2>&1
  fi
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" \
    -o "-p $pg_port -k $dir/pg-socket -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    -w start >/dev/null
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/privacy_confirm"
  echo "REDIS_URL=redis://127.0.0.1:$redis_port/0"
  ;;
stop)
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  if [ -s "$dir/pg/PG_VERSION" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  ;;
esac
