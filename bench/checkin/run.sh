#!/usr/bin/env bash
# Check-in, side by side in one run: pretix's check-in redeem (../shared/bench/pretix/run.sh, pretix
# installed from PyPI, as shipped) then billetterie's redeem API, on the same local PostgreSQL
# cluster (127.0.0.1:55432), at the same concurrencies; then the offline verifier's rate.
# Usage, from the project root:   bash bench/checkin/run.sh
# Knobs (environment): BENCH_DIR (/tmp/pretix-bench, shared with the pretix harness), RUNS (3),
# CONCURRENCY ("8 32"), TICKETS (1000 per billetterie run), PRETIX_ATTEMPTS (1100: pretix must sell
# its tickets through its API before it can scan them), PRETIX_QUOTA (1000), WORKERS (4 gunicorn
# processes), THREADS (2 per process), SERVERS ("gunicorn granian": our app server, as the GUIDE's default
# and its option, one after the other), GRANIAN_WORKERS (2), GRANIAN_THREADS (2), SKIP_PRETIX=1,
# PRETIX_HARNESS (../shared/bench/pretix).
# Only 127.0.0.1; only the processes started here are stopped (by PID).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/checkin"
PRETIX_HARNESS="${PRETIX_HARNESS:-$ROOT/../shared/bench/pretix}"
B="${BENCH_DIR:-/tmp/pretix-bench}"
RUNS="${RUNS:-3}"; CONCURRENCY="${CONCURRENCY:-8 32}"; TICKETS="${TICKETS:-1000}"
PRETIX_ATTEMPTS="${PRETIX_ATTEMPTS:-1100}"; PRETIX_QUOTA="${PRETIX_QUOTA:-1000}"
WORKERS="${WORKERS:-3}"; THREADS="${THREADS:-2}"; SERVERS="${SERVERS:-gunicorn granian}"
GRANIAN_WORKERS="${GRANIAN_WORKERS:-2}"; GRANIAN_THREADS="${GRANIAN_THREADS:-2}"
PGPORT=55432; REDISPORT=56381; HTTPPORT=58200
PGBIN="$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")")"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/checkin-$STAMP"
mkdir -p "$B" "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log"; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

STARTED_PG=0; SERVER_PID=""; REDIS_PID=""; SAMPLER_PID=""
cleanup() {
  set +e
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID"
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID"
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID"
  sleep 1
  [ "$STARTED_PG" = 1 ] && as_pg "$PGBIN/pg_ctl -D $B/pgdata -m fast -w stop" >/dev/null
}
trap cleanup EXIT

# the machine is shared: record what else ran (load average + top, every 10 s, at most 1 h)
( for _ in $(seq 360); do echo "== $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -n 2 -d 2 -w 160 | awk '/^ *PID/{f++} f==2' | sed -n 1,9p; sleep 8; done ) >"$OUT/cpu.log" 2>&1 &
SAMPLER_PID=$!
{ echo "date_utc: $STAMP"; echo "cpu: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)";
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"; git -C "$ROOT" log --oneline -1; } >"$OUT/versions.txt"

# ------------------------------------------------------------------ 1. pretix: its harness, as shipped
if [ "${SKIP_PRETIX:-0}" != 1 ]; then
  log "pretix harness: RUNS=$RUNS CONCURRENCY='$CONCURRENCY' ATTEMPTS=$PRETIX_ATTEMPTS QUOTA=$PRETIX_QUOTA"
  BENCH_DIR="$B" RUNS="$RUNS" CONCURRENCY="$CONCURRENCY" ATTEMPTS="$PRETIX_ATTEMPTS" QUOTA="$PRETIX_QUOTA" \
    SKIP_PGBENCH=1 bash "$PRETIX_HARNESS/run.sh" >"$OUT/pretix.log" 2>&1 || log "pretix harness exited non-zero (see pretix.log)"
  latest="$(ls -1d "$B"/results/*/ | tail -n 1)"
  cp "$latest"/results.jsonl "$OUT/pretix-results.jsonl" 2>/dev/null || true
  cp "$latest"/versions.txt "$OUT/pretix-versions.txt" 2>/dev/null || true
  grep -h "checkin:" "$OUT/pretix.log" | cut -c1-240 | tee -a "$OUT/run.log" || true
fi

# ------------------------------------------------------------------ 2. billetterie on the same cluster
. "$ROOT/bench/lib.sh"
billetterie_stack billetterie_checkin ck

export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/billetterie_checkin" REDIS_URL="redis://127.0.0.1:$REDISPORT/0"
export DEBUG=0 SECRET_KEY="bench-only-secret-key-not-for-production-0123456789" ALLOWED_HOSTS=127.0.0.1
export BILLETTERIE_VAR="$B/checkin-var" EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend LOG_LEVEL=WARNING
PY="$ROOT/.venv/bin/python"
log "billetterie migrate"
"$ROOT/.venv/bin/billetterie" migrate --noinput >"$OUT/migrate.log"
LOADPY="$B/loadvenv/bin/python"
setup() { "$PY" "$HERE/setup.py" --slug "$1" --tickets "$2" --out "$OUT/$1.txt"; }
wait_up() { for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$HTTPPORT/api/v1/openapi.json" && return 0; sleep 0.5; done; return 1; }

# one app server at a time, same database, same Redis, same port; each gets its warm-up and its runs
for SERVER in $SERVERS; do
  if [ "$SERVER" = gunicorn ]; then
    rm -f "$B/ck-server.pid"
    "$ROOT/.venv/bin/gunicorn" billetterie.wsgi -k gthread --workers "$WORKERS" --threads "$THREADS" --keep-alive 30 \
      --bind 127.0.0.1:$HTTPPORT --log-level warning --daemon --pid "$B/ck-server.pid" --error-logfile "$OUT/gunicorn.log"
    for _ in $(seq 100); do [ -s "$B/ck-server.pid" ] && break; sleep 0.1; done
    SERVER_PID="$(cat "$B/ck-server.pid")"
    desc="gunicorn -k gthread, $WORKERS workers x $THREADS threads"
  else
    [ -x "$ROOT/.venv/bin/granian" ] || "$ROOT/.venv/bin/pip" install -q "granian>=2.5"
    "$ROOT/.venv/bin/granian" --interface wsgi billetterie.wsgi:application --workers "$GRANIAN_WORKERS" \
      --blocking-threads "$GRANIAN_THREADS" --host 127.0.0.1 --port $HTTPPORT --log-level warning --no-ws \
      >"$OUT/granian.log" 2>&1 &
    SERVER_PID=$!
    desc="granian (WSGI), $GRANIAN_WORKERS workers x $GRANIAN_THREADS threads"
  fi
  wait_up || { log "$SERVER did not start"; kill "$SERVER_PID"; SERVER_PID=""; continue; }
  log "billetterie up: $desc, PostgreSQL :$PGPORT, Redis :$REDISPORT"
  echo "server $SERVER: $desc" >>"$OUT/versions.txt"
  timeout 600 "$LOADPY" "$HERE/load.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$(setup "warmup-$SERVER" 200)" \
    --payloads "$OUT/warmup-$SERVER.txt" --concurrency 8 --race-tickets 10 --run-id warmup --out "$OUT/warmup.jsonl" >/dev/null || true
  for C in $CONCURRENCY; do
    for r in $(seq "$RUNS"); do
      slug="$SERVER-c$C-r$r"
      info="$(setup "$slug" "$TICKETS")"
      log "billetterie ($SERVER) redeem C=$C run $r"
      timeout 900 "$LOADPY" "$HERE/load.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$info" \
        --payloads "$OUT/$slug.txt" --concurrency "$C" --run-id "$slug" --server "$SERVER" --max-seconds 600 \
        --out "$OUT/billetterie-checkin.jsonl" | cut -c1-300 | tee -a "$OUT/run.log" || log "load.py C=$C run $r: non-zero"
    done
  done
  if [ "$SERVER" = "${SERVERS%% *}" ]; then  # offline figures once, with the first server up
    info="$(setup offline "$TICKETS")"
    log "offline verifier"
    timeout 900 "$PY" "$HERE/offline_bench.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$info" \
      --payloads "$OUT/offline.txt" --count 20000 --seconds 30 --out "$OUT/offline.jsonl" | tee -a "$OUT/run.log"
  fi
  kill "$SERVER_PID"; SERVER_PID=""
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$HTTPPORT/" || break; sleep 0.2; done
done

echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/versions.txt"
"$PY" "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
log "results in $OUT"
