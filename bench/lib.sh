# Shared by bench/run.sh and bench/checkin/run.sh (sourced): bring up what billetterie needs on the
# bench's PostgreSQL cluster. Expects ROOT, B, PGPORT, REDISPORT, PGBIN, log and as_pg from the caller;
# sets STARTED_PG, REDIS_PID and PSQL there.

# billetterie_stack DATABASE PREFIX: tools, venvs, the cluster (created like the pretix harness does
# when missing), a fresh DATABASE, and a Redis whose pid file is $B/PREFIX-redis.pid
billetterie_stack() {
  local db="$1" prefix="$2"
  command -v redis-server >/dev/null && command -v psql >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql-client >/dev/null; }
  [ -x "$ROOT/.venv/bin/billetterie" ] || make -C "$ROOT" install
  [ -x "$B/loadvenv/bin/python" ] && "$B/loadvenv/bin/python" -c "import httpx" 2>/dev/null || {
    python3 -m venv "$B/loadvenv" && "$B/loadvenv/bin/pip" install -q httpx; }
  if [ ! -f "$B/pgdata/PG_VERSION" ]; then
    log "initdb $B/pgdata (the pretix harness makes the same cluster)"
    mkdir -p "$B/pgdata" "$B/pgsock"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$B/pgdata" "$B/pgsock" && chmod 755 "$B"
    as_pg "$PGBIN/initdb -D $B/pgdata -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$B/initdb.log"
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 200\nshared_buffers = 1GB\n" \
      "$PGPORT" "$B/pgsock" >>"$B/pgdata/postgresql.conf"
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$PGPORT"; then
    as_pg "$PGBIN/pg_ctl -D $B/pgdata -l $B/pgdata/server.log -w start" >/dev/null; STARTED_PG=1
  fi
  PSQL="psql -X -q -h 127.0.0.1 -p $PGPORT -U postgres"
  $PSQL -c "drop database if exists $db with (force)" -c "create database $db" >/dev/null
  redis-server --bind 127.0.0.1 --port "$REDISPORT" --daemonize yes --pidfile "$B/$prefix-redis.pid" \
    --logfile "$B/$prefix-redis.log" --dir "$B" --save "" --appendonly no
  for _ in $(seq 50); do [ -s "$B/$prefix-redis.pid" ] && break; sleep 0.1; done
  REDIS_PID="$(cat "$B/$prefix-redis.pid")"
}
