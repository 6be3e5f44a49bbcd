#!/usr/bin/env bash
# Federation at scale: delivery to 1,000 instances and inbox intake.
#
#   a. Delivery: a local account ("poster") with 10,000 remote followers on
#      1,000 instances (10 per instance, one shared inbox each), seeded into a
#      fresh database by bench/seed_federation.py. The instances are a fleet of
#      simulated servers on loopback (`fedbench fleet`, bench/fedbench/): 1,000
#      ports that verify each delivery's HTTP signature and digest with roost's
#      own code and count it. POSTS statuses are posted through the API, one
#      at a time; for each: the time until every instance verified the Create,
#      deliveries/s, roost's CPU per delivery, failures.
#   b. Intake: `fedbench intake` POSTs signed Create(Note) activities from
#      INTAKE_ACTORS fleet actors to roost's shared inbox, INTAKE_CONC at a
#      time (after a warm-up with one activity per actor, in which roost
#      fetches each new signer from the fleet): accepted (202) per second and
#      latency; and, polling the database, how fast roost stores what it
#      accepted (processed/s) and its CPU per activity. INTAKE_RUNS runs of
#      INTAKE_COUNT activities.
# Writes OUTDIR/summary.tsv (metric<TAB>value; medians and ranges over the
# repetitions) and the raw outputs. Not a test.
#
#   bench/federation.sh [OUTDIR]             # SQLite in a temporary directory
#   ROOST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/roost_fedbench bench/federation.sh [OUTDIR]
#     (the database is dropped and created afresh, and dropped at the end;
#      loopback hosts only)
#
# Knobs: BUILD (1: cargo build --release of roost and of bench/fedbench first;
# 0: use what is built), ROOST_BIN (target/release/roost), PORT (18992),
# FLEET_BASE (21000: the fleet listens on FLEET_BASE .. FLEET_BASE+INSTANCES-1),
# INSTANCES (1000), PER_INSTANCE (10), POSTS (5), INTAKE_COUNT (5000),
# INTAKE_CONC (32), INTAKE_ACTORS (100), INTAKE_RUNS (3), DELIVERY_WORKERS and
# JOB_WORKERS (roost's jobs.delivery_workers / jobs.workers; roost's defaults
# if unset), PERF=1 (perf record roost during one extra post and one extra
# intake run, into OUTDIR/perf-*.data), QUIET_MAX (900: how long to wait for an
# idle machine before each measurement), KEEP_DB=1 keeps the data directory.
# Needs python3, curl, sqlite3 or psql, a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${1:-bench/out/federation-$(date +%Y%m%d-%H%M%S)}
BIN=${ROOST_BIN:-target/release/roost}
PORT=${PORT:-18992}
FLEET_BASE=${FLEET_BASE:-21000}
INSTANCES=${INSTANCES:-1000} PER_INSTANCE=${PER_INSTANCE:-10} POSTS=${POSTS:-5}
INTAKE_COUNT=${INTAKE_COUNT:-5000} INTAKE_CONC=${INTAKE_CONC:-32}
INTAKE_ACTORS=${INTAKE_ACTORS:-100} INTAKE_RUNS=${INTAKE_RUNS:-3}
QUIET_MAX=${QUIET_MAX:-900}
BASE="http://127.0.0.1:$PORT"
FLEET="http://127.0.0.1:$FLEET_BASE"
FEDBENCH_TARGET=$ROOT/bench/fedbench/target
FEDBENCH=$FEDBENCH_TARGET/release/fedbench

if [ "${BUILD:-1}" = 1 ]; then
  nice -n 10 cargo build --release --quiet
  (cd bench/fedbench && CARGO_TARGET_DIR=$FEDBENCH_TARGET nice -n 10 cargo build --release --quiet)
fi
[ -x "$BIN" ] || { echo "no roost binary at $BIN (set ROOST_BIN or BUILD=1)" >&2; exit 1; }
[ -x "$FEDBENCH" ] || { echo "no fedbench at $FEDBENCH (BUILD=1 builds it)" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=$(mktemp -d /tmp/roost-fed.XXXXXX)
PID="" FLEET_PID=""

DB_URL=${ROOST_DATABASE_URL:-}
if [[ "$DB_URL" == postgres://* || "$DB_URL" == postgresql://* ]]; then
  BACKEND=postgres DB=$DB_URL
  read -r PGHOST_ PGNAME ADMIN_URL < <(python3 - "$DB_URL" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(p.hostname, p.path.lstrip("/"), u.urlunsplit(p._replace(path="/postgres")))
PY
)
  case "$PGHOST_" in 127.0.0.1|localhost|::1) ;; *) echo "refusing non-loopback database host $PGHOST_" >&2; exit 1;; esac
  [[ "$PGNAME" =~ ^[a-z_][a-z0-9_]*$ && "$PGNAME" != postgres ]] || { echo "bad database name $PGNAME" >&2; exit 1; }
else
  BACKEND=sqlite DB=$DATA/roost.db DB_URL=sqlite://$DATA/roost.db
fi

stop() {  # PID: TERM, then KILL after 10 s
  local p=$1 i
  kill "$p" 2>/dev/null || return 0
  for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  [ -n "$FLEET_PID" ] && stop "$FLEET_PID"
  [ -n "$PID" ] && stop "$PID"
  if [ "${KEEP_DB:-0}" = 1 ]; then
    echo "kept the data directory: $DATA (database: $DB)"
  else
    if [ "$BACKEND" = postgres ]; then
      psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" || true
    fi
    rm -rf "$DATA"
  fi
}
trap cleanup EXIT

# 1,000 listeners, their accepted connections and roost's pool of 1,000.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((4 * INSTANCES + 1000)) ] || { echo "open-file limit $(ulimit -n) too low" >&2; exit 1; }

export ROOST_STORAGE_DATA_DIR="$DATA" ROOST_DATABASE_URL="$DB_URL"
export ROOST_SERVER_LISTEN="127.0.0.1:$PORT" ROOST_SERVER_DOMAIN="127.0.0.1:$PORT"
export ROOST_FEDERATION_ALLOW_HTTP=true ROOST_FEDERATION_ALLOW_PRIVATE_ADDRESSES=true
# A load test is one client at rates no person reaches: lift the limits.
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_REBLOGS_PER_3H=100000000 ROOST_LIMITS_MEDIA_PER_30MIN=100000000 ROOST_LIMITS_FOLLOWS_PER_24H=100000000
export ROOST_LIMITS_APPS_PER_5MIN=100000 ROOST_LIMITS_API_PER_5MIN=1000000000 ROOST_LIMITS_API_ANONYMOUS_PER_5MIN=1000000000 ROOST_LIMITS_INBOX_PER_HOST_PER_5MIN=100000000
export ROOST_LIMITS_SIGN_IN_PER_5MIN=100000 ROOST_LIMITS_TOKEN_PER_5MIN=100000 RUST_LOG=warn
if [ -n "${DELIVERY_WORKERS:-}" ]; then export ROOST_JOBS_DELIVERY_WORKERS=$DELIVERY_WORKERS; fi
if [ -n "${JOB_WORKERS:-}" ]; then export ROOST_JOBS_WORKERS=$JOB_WORKERS; fi

summary() { printf '%s\t%s\n' "$1" "$2" >> "$OUT/summary.tsv"; }
: > "$OUT/summary.tsv"
summary backend "$BACKEND"
summary roost_commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown) (of the work tree; the binary may differ)"
summary roost_bin "$BIN $(md5sum < "$BIN" | cut -c1-12) $(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)"
summary date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
summary delivery_workers "${DELIVERY_WORKERS:-default}"
summary job_workers "${JOB_WORKERS:-default}"

# --- seed
"$FEDBENCH" keygen --dir "$DATA/keys" --count 4 > /dev/null
if [ "$BACKEND" = postgres ]; then
  psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" -c "CREATE DATABASE $PGNAME"
fi
t=$(date +%s.%N)
python3 bench/seed_federation.py --bin "$BIN" --db "$DB" --domain "127.0.0.1:$PORT" --keys "$DATA/keys" \
  --base-port "$FLEET_BASE" --instances "$INSTANCES" --per-instance "$PER_INSTANCE" \
  --tokens-file "$DATA/tokens.tsv" | tee "$OUT/seed.txt"
summary seed_s "$(python3 -c "import time; print(round(time.time() - $t, 1))")"
summary remote_followers $((INSTANCES * PER_INSTANCE))
summary instances "$INSTANCES"
TOKEN=$(cut -f3 "$DATA/tokens.tsv")

# --- serve, then the fleet (it fetches the poster's key from roost once)
for p in "$PORT" "$FLEET_BASE" $((FLEET_BASE + INSTANCES - 1)); do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then
    echo "something already listens on port $p: set PORT / FLEET_BASE" >&2; exit 1
  fi
done
"$BIN" serve > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
if ! kill -0 "$PID" 2>/dev/null || ! curl -sf "$BASE/health" >/dev/null; then
  echo "roost did not start; see $OUT/server.log" >&2; exit 1
fi
"$FEDBENCH" fleet --keys "$DATA/keys" --ports "$INSTANCES" --base-port "$FLEET_BASE" \
  --key-url "$BASE/users/poster#main-key" > "$OUT/fleet.log" 2>&1 &
FLEET_PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$((FLEET_BASE + INSTANCES - 1))/health" >/dev/null && break; sleep 0.2
done
curl -sf "http://127.0.0.1:$((FLEET_BASE + INSTANCES - 1))/health" >/dev/null \
  || { echo "the fleet did not start; see $OUT/fleet.log" >&2; exit 1; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
summary roost_rss_idle_kib "$(rss "$PID")"
summary fleet_rss_idle_kib "$(rss "$FLEET_PID")"

# --- a. delivery
python3 bench/federation_measure.py post --base "$BASE" --token="$TOKEN" --fleet "$FLEET" --db "$DB" \
  --roost-pid "$PID" --fleet-pid "$FLEET_PID" --expect "$INSTANCES" --count "$POSTS" \
  --quiet-max "$QUIET_MAX" --raw "$OUT/deliver.tsv" | tee -a "$OUT/summary.tsv"
summary roost_rss_after_delivery_kib "$(rss "$PID")"

# --- b. intake
python3 bench/federation_measure.py intake --fedbench "$FEDBENCH" --keys "$DATA/keys" \
  --target "$BASE/inbox" --fleet-base-port "$FLEET_BASE" --fleet-ports "$INSTANCES" \
  --actors "$INTAKE_ACTORS" --count "$INTAKE_COUNT" --concurrency "$INTAKE_CONC" --runs "$INTAKE_RUNS" \
  --db "$DB" --roost-pid "$PID" --fleet-pid "$FLEET_PID" --quiet-max "$QUIET_MAX" \
  --raw "$OUT/intake.tsv" | tee -a "$OUT/summary.tsv"
summary roost_rss_after_intake_kib "$(rss "$PID")"

# --- profiles (optional): one more post and one more intake run under perf
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
  perf record -F 999 -g -p "$PID" -o "$OUT/perf-deliver.data" 2> "$OUT/perf-deliver.log" &
  PERF_PID=$!
  sleep 1
  python3 bench/federation_measure.py post --base "$BASE" --token="$TOKEN" --fleet "$FLEET" --db "$DB" \
    --roost-pid "$PID" --fleet-pid "$FLEET_PID" --expect "$INSTANCES" --count 1 --quiet-max 0 \
    --raw "$OUT/deliver-perf.tsv" > /dev/null
  kill -INT "$PERF_PID"; wait "$PERF_PID" || true
  perf record -F 999 -g -p "$PID" -o "$OUT/perf-intake.data" 2> "$OUT/perf-intake.log" &
  PERF_PID=$!
  sleep 1
  python3 bench/federation_measure.py intake --fedbench "$FEDBENCH" --keys "$DATA/keys" \
    --target "$BASE/inbox" --fleet-base-port "$FLEET_BASE" --fleet-ports "$INSTANCES" \
    --actors "$INTAKE_ACTORS" --count "$INTAKE_COUNT" --concurrency "$INTAKE_CONC" --runs 1 \
    --db "$DB" --roost-pid "$PID" --fleet-pid "$FLEET_PID" --quiet-max 0 \
    --raw "$OUT/intake-perf.tsv" > /dev/null
  kill -INT "$PERF_PID"; wait "$PERF_PID" || true
  for k in deliver intake; do
    perf report -i "$OUT/perf-$k.data" --no-children --percent-limit 1 --stdio \
      > "$OUT/perf-$k.txt" 2>/dev/null || true
  done
fi

if [ "$BACKEND" = sqlite ]; then
  summary db_bytes_end "$(du -cb "$DB"* | tail -1 | cut -f1)"
else
  summary db_bytes_end "$(psql "$DB" -XAtc 'SELECT pg_database_size(current_database())')"
fi
summary server_log_warnings "$(grep -c -E 'WARN|ERROR' "$OUT/server.log" || true)"
echo
column -t -s $'\t' "$OUT/summary.tsv"
echo "results in $OUT"
