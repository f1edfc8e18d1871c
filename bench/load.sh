#!/usr/bin/env bash
# Load test: 50 simulated users (office staff booking, operators checking in, leaders reading
# reports) for 2 minutes against 2 uvicorn workers + PostgreSQL + Redis, on 127.0.0.1 only.
# Prints the error count and the p95 latency; exits 1 on any error. Goal: zero errors.
#
#   bash bench/load.sh                       # defaults below
#   USERS=20 DURATION=30s SEED=demo bash bench/load.sh
#
# Needs PostgreSQL and Redis on 127.0.0.1 (as .ci/run starts them) and locust
# (requirements-bench.txt, installed here if missing). Reports: bench/out/load/.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-50}
SPAWN_RATE=${SPAWN_RATE:-10}
DURATION=${DURATION:-2m}
WORKERS=${WORKERS:-2}
PORT=${PORT:-8790}
SEED=${SEED:-small}                 # small: bin/scratch_server.py's data set; demo: manage.py demo
DB_NAME=${DB_NAME:-vconf_load_h7}
REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/7}
OUT=bench/out/load
PY=.venv/bin/python

[ -x .venv/bin/locust ] || .venv/bin/pip install --quiet -r requirements-bench.txt
mkdir -p "$OUT"
rm -f "$OUT/server.json"

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${DB_NAME}" >/dev/null
redis-cli -u "$REDIS_URL" --scan --pattern 'load*' | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null

# 50 people share three accounts here, so the per-user API rate limit is lifted for the run;
# throttling has its own tests (tests/test_security.py).
$PY bin/scratch_server.py --port "$PORT" --workers "$WORKERS" --seed "$SEED" \
  --database-url "postgres://postgres@127.0.0.1:5432/${DB_NAME}" --redis-url "$REDIS_URL" \
  --env REDIS_PREFIX=load --env THROTTLE_USER=1000000/minute \
  --info "$OUT/server.json" --log "$OUT/server.log" > "$OUT/scratch.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

for _ in $(seq 600); do [ -s "$OUT/server.json" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
if [ ! -s "$OUT/server.json" ]; then echo "the server did not start:"; cat "$OUT/scratch.log" "$OUT/server.log"; exit 1; fi

echo "== load: ${USERS} users for ${DURATION} against ${WORKERS} uvicorn workers + PostgreSQL + Redis (seed: ${SEED})"
status=0
VCONF_SERVER_INFO="$OUT/server.json" .venv/bin/locust -f bench/locustfile.py --headless \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --stop-timeout 10 \
  --host "http://127.0.0.1:${PORT}" --csv "$OUT/load" --only-summary --loglevel WARNING || status=$?
if grep -q "Internal Server Error" "$OUT/server.log"; then
  echo "the server logged errors:"; grep -c "Internal Server Error" "$OUT/server.log"; status=1
fi
exit $status
