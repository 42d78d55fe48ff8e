#!/usr/bin/env bash
# The back office with 100,000 orders in PostgreSQL: p50 / p95 of its list and dashboard pages, and
# the peak memory of the 100,000-order Excel export. Usage, from the project root:
#     bash bench/backoffice/run.sh
# Knobs: ORDERS (100000), REQUESTS (50 per page), WORKERS (2), THREADS (4), PGURL (the local
# cluster, postgres://postgres@127.0.0.1:5432), EXPORT (1: also the export's memory; 0: skip it).
# Seeding takes minutes: KEEP_DB=name seeds a database of that name once and keeps it (a later run
# with the same name migrates it, so new indexes apply, and measures it again without reseeding;
# drop it by hand when done). FIGURES_CACHE=0: the dashboard's and the list's figures are computed
# at every view, as at the first view after a change (decision 0026). AFTER_SALE=1 (default): the
# dashboard and the list timed again with a box-office sale before each request. Only 127.0.0.1;
# only what it starts is stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/backoffice"
ORDERS="${ORDERS:-100000}"; REQUESTS="${REQUESTS:-50}"; WORKERS="${WORKERS:-2}"; THREADS="${THREADS:-4}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"; PORT=58200
KEEP_DB="${KEEP_DB:-}"; EXPORT="${EXPORT:-1}"
DB="${KEEP_DB:-billetterie_bench_bo_$$}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"; OUT="$ROOT/bench/results/backoffice-$STAMP"; mkdir -p "$OUT"
PY="$ROOT/.venv/bin/python"
export DATABASE_URL="$PGURL/$DB" DJANGO_SETTINGS_MODULE=billetterie.settings DEBUG=0 LOG_LEVEL=WARNING
export SECRET_KEY="bench-only-secret-key-not-for-production-0123456789" ALLOWED_HOSTS=127.0.0.1
export BILLETTERIE_FIGURES_CACHE="${FIGURES_CACHE:-1}"
export BILLETTERIE_VAR="$OUT/var" EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
mkdir -p "$BILLETTERIE_VAR"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log"; }
psql_do() { "$PY" -c "import psycopg,sys; c=psycopg.connect('$PGURL/postgres', autocommit=True); c.execute(sys.argv[1])" "$1"; }
GUNICORN_PID=""
cleanup() {
  set +e; [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID"; sleep 1
  [ -z "$KEEP_DB" ] && psql_do "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
}
trap cleanup EXIT

SEEDED="$("$PY" -c "import psycopg,sys; c=psycopg.connect('$PGURL/postgres'); print(c.execute('SELECT count(*) FROM pg_database WHERE datname=%s', [sys.argv[1]]).fetchone()[0])" "$DB")"
[ "$SEEDED" = 0 ] && psql_do "CREATE DATABASE \"$DB\""
log "migrate $DB"; "$ROOT/.venv/bin/billetterie" migrate --noinput >"$OUT/migrate.log"
if [ "$SEEDED" = 0 ]; then
  log "seed $ORDERS orders"; "$PY" "$HERE/seed.py" --orders "$ORDERS" | tee "$OUT/seed.json"
else
  log "reuse the orders seeded in $DB"; echo '{"slug": "bench-bo"}' >"$OUT/seed.json"
  # fresh statistics (and visibility map) for the indexes a migration may just have added
  "$PY" -c "import psycopg; psycopg.connect('$PGURL/$DB', autocommit=True).execute('VACUUM ANALYZE')"
fi
SLUG="$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['slug'])" "$OUT/seed.json")"
"$ROOT/.venv/bin/gunicorn" billetterie.wsgi -k gthread --workers "$WORKERS" --threads "$THREADS" \
  --bind 127.0.0.1:$PORT --log-level warning --daemon --pid "$OUT/gunicorn.pid" --error-logfile "$OUT/gunicorn.log"
for _ in $(seq 100); do [ -s "$OUT/gunicorn.pid" ] && break; sleep 0.1; done
GUNICORN_PID="$(cat "$OUT/gunicorn.pid")"
for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/gestion/connexion/" && break; sleep 0.5; done
log "pages (gunicorn $WORKERS x $THREADS, $REQUESTS requests each, one at a time)"
uptime | tee -a "$OUT/run.log"
timeout 1200 "$PY" "$HERE/measure.py" --base "http://127.0.0.1:$PORT" --slug "$SLUG" --email tresorerie@bench.example \
  --password bench-password-0123 --requests "$REQUESTS" $([ "${AFTER_SALE:-1}" = 1 ] && echo --after-sale) \
  | tee "$OUT/pages.jsonl"
if [ "$EXPORT" = 1 ] && [ -f "$HERE/export_memory.py" ]; then
  log "the sales export of every order, its peak memory"
  timeout 1200 "$PY" "$HERE/export_memory.py" --slug "$SLUG" | tee "$OUT/export.json"
fi
uptime | tee -a "$OUT/run.log"
log "results in $OUT"
