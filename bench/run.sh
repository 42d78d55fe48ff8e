#!/usr/bin/env bash
# The on-sale rush, side by side: pretix (../shared/bench/pretix, installed from PyPI) and
# billetterie, one after the other in one run, on the same local PostgreSQL cluster, plus pgbench's
# ceiling for the same minimal transaction. Usage, from the project root:
#     bash bench/run.sh
# Knobs (environment): BENCH_DIR (/tmp/pretix-bench, shared with the pretix harness), RUNS (3),
# CONCURRENCY ("8 32"), ATTEMPTS (2000), QUOTA (1000), WORKERS (4 gunicorn processes),
# THREADS (4 per process), SHOP_ATTEMPTS (600), SHOP_QUOTA (300), SKIP_PRETIX=1, SKIP_SHOP=1,
# PRETIX_HARNESS (../shared/bench/pretix). Only 127.0.0.1; only processes started here are stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/bench/orders"
PRETIX_HARNESS="${PRETIX_HARNESS:-$ROOT/../shared/bench/pretix}"
B="${BENCH_DIR:-/tmp/pretix-bench}"
RUNS="${RUNS:-3}"; CONCURRENCY="${CONCURRENCY:-8 32}"; ATTEMPTS="${ATTEMPTS:-2000}"; QUOTA="${QUOTA:-1000}"
WORKERS="${WORKERS:-4}"; THREADS="${THREADS:-4}"
SHOP_ATTEMPTS="${SHOP_ATTEMPTS:-600}"; SHOP_QUOTA="${SHOP_QUOTA:-300}"
PGPORT=55432; REDISPORT=56380; HTTPPORT=58100
PGBIN="$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")")"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$B" "$OUT"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log"; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

STARTED_PG=0; GUNICORN_PID=""; WORKER_PID=""; REDIS_PID=""
# stop a process and wait for it to be gone (gunicorn's graceful stop can take seconds: a next run
# would find the port still held), SIGKILL after 30 s
stop_and_wait() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}
cleanup() {
  set +e
  [ -n "$WORKER_PID" ] && stop_and_wait "$WORKER_PID"
  [ -n "$GUNICORN_PID" ] && stop_and_wait "$GUNICORN_PID"
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID"
  sleep 1
  [ "$STARTED_PG" = 1 ] && as_pg "$PGBIN/pg_ctl -D $B/pgdata -m fast -w stop" >/dev/null
}
trap cleanup EXIT

# ------------------------------------------------------------------ 1. pretix (and pgbench), as shipped
if [ "${SKIP_PRETIX:-0}" != 1 ]; then
  log "pretix harness: RUNS=$RUNS CONCURRENCY='$CONCURRENCY' ATTEMPTS=$ATTEMPTS QUOTA=$QUOTA"
  BENCH_DIR="$B" RUNS="$RUNS" CONCURRENCY="$CONCURRENCY" ATTEMPTS="$ATTEMPTS" QUOTA="$QUOTA" \
    bash "$PRETIX_HARNESS/run.sh" 2>&1 | tee "$OUT/pretix.log"
  latest="$(ls -1d "$B"/results/*/ | tail -n 1)"
  cp "$latest"/results.jsonl "$OUT/pretix-results.jsonl" 2>/dev/null || true
  cp "$latest"/pgbench.jsonl "$OUT/pgbench.jsonl" 2>/dev/null || true
  cp "$latest"/summary.md "$OUT/pretix-summary.md" 2>/dev/null || true
fi

# ------------------------------------------------------------------ 2. billetterie on the same cluster
. "$ROOT/bench/lib.sh"
billetterie_stack billetterie bt

export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/billetterie" REDIS_URL="redis://127.0.0.1:$REDISPORT/0"
export DEBUG=0 SECRET_KEY="bench-only-secret-key-not-for-production-0123456789" ALLOWED_HOSTS=127.0.0.1
export BILLETTERIE_VAR="$B/billetterie-var" EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export SITE_URL="http://127.0.0.1:$HTTPPORT" LOG_LEVEL=WARNING
PY="$ROOT/.venv/bin/python"
log "billetterie migrate"
"$ROOT/.venv/bin/billetterie" migrate --noinput >"$OUT/migrate.log"
# a server an earlier run of this harness left behind (killed before its cleanup) holds the port
if [ -s "$B/bt-gunicorn.pid" ] && grep -q gunicorn "/proc/$(cat "$B/bt-gunicorn.pid")/cmdline" 2>/dev/null; then
  log "stopping the gunicorn an earlier run left: $(cat "$B/bt-gunicorn.pid")"
  stop_and_wait "$(cat "$B/bt-gunicorn.pid")"
fi
rm -f "$B/bt-gunicorn.pid"
"$ROOT/.venv/bin/gunicorn" billetterie.wsgi -k gthread --workers "$WORKERS" --threads "$THREADS" \
  --bind 127.0.0.1:$HTTPPORT --log-level warning --daemon --pid "$B/bt-gunicorn.pid" \
  --error-logfile "$OUT/gunicorn.log" --control-socket "$B/bt-gunicorn.ctl"
for _ in $(seq 100); do [ -s "$B/bt-gunicorn.pid" ] && break; sleep 0.1; done
GUNICORN_PID="$(cat "$B/bt-gunicorn.pid")"
"$ROOT/.venv/bin/billetterie" worker >"$OUT/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$HTTPPORT/api/v1/openapi.json" && break; sleep 0.5; done
log "billetterie up: gunicorn $GUNICORN_PID ($WORKERS workers x $THREADS threads), worker $WORKER_PID"

LOADPY="$B/loadvenv/bin/python"
PSQLARGS="-h 127.0.0.1 -p $PGPORT -U postgres billetterie"
setup() { "$PY" "$HERE/setup.py" --slug "$1" --quota "$2"; }

log "unmeasured warm-up (200 attempts, quota 100, C=8)"
timeout 600 "$LOADPY" "$HERE/api_rush.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$(setup warmup 100)" \
  --concurrency 8 --attempts 200 --quota 100 --run-id warmup --out "$OUT/warmup.jsonl" --psql="$PSQLARGS" >/dev/null
for C in $CONCURRENCY; do
  for r in $(seq "$RUNS"); do
    log "billetterie API rush C=$C run $r"
    timeout 900 "$LOADPY" "$HERE/api_rush.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$(setup "api-c$C-r$r" "$QUOTA")" \
      --concurrency "$C" --attempts "$ATTEMPTS" --quota "$QUOTA" --run-id "api-c$C-r$r-$STAMP" \
      --out "$OUT/billetterie-results.jsonl" --psql="$PSQLARGS" | cut -c1-300 | tee -a "$OUT/run.log"
  done
done
if [ "${SKIP_SHOP:-0}" != 1 ]; then
  for C in $CONCURRENCY; do
    log "billetterie HTML shop rush C=$C"
    timeout 900 "$LOADPY" "$HERE/shop_rush.py" --base "http://127.0.0.1:$HTTPPORT" --setup "$(setup "shop-c$C" "$SHOP_QUOTA")" \
      --concurrency "$C" --attempts "$SHOP_ATTEMPTS" --quota "$SHOP_QUOTA" --run-id "shop-c$C-$STAMP" \
      --out "$OUT/billetterie-results.jsonl" --psql="$PSQLARGS" | cut -c1-300 | tee -a "$OUT/run.log"
  done
fi
"$PY" "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
log "results in $OUT"
