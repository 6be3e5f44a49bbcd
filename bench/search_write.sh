#!/usr/bin/env bash
# What full-text search costs posting (issue 19): POST /api/v1/statuses
# req/s with posts queued for the search index (and the indexer writing
# their entries) and without (the queueing trigger dropped), one binary,
# runs alternating on a fresh database each. Not a test: nothing asserts.
#
#   bench/search_write.sh                                        # SQLite
#   ROOST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/roost_bench_w bench/search_write.sh
#
# Knobs: ROUNDS (3), SECS (20), CONNS (32), PORT (18991), BIN (a release
# build of this checkout). Needs wrk, curl, python3 and sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-$(cd ../shared/bench-workload && pwd)}
PORT=${PORT:-18991}
BASE="http://127.0.0.1:$PORT"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-20}
CONNS=${CONNS:-32}
PG=${ROOST_DATABASE_URL:-}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/roost
fi
export ROOST_SERVER_LISTEN="127.0.0.1:$PORT" ROOST_SERVER_DOMAIN="127.0.0.1:$PORT" RUST_LOG=warn
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_API_PER_5MIN=1000000000
export ROOST_LIMITS_SIGN_IN_PER_5MIN=100000 ROOST_LIMITS_TOKEN_PER_5MIN=100000 ROOST_LIMITS_APPS_PER_5MIN=100000
PID=
DATA=
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT

run() { # mode: on | off; prints req/s
  local mode=$1
  DATA=$(mktemp -d)
  export ROOST_STORAGE_DATA_DIR="$DATA"
  if [ -n "$PG" ]; then
    local name=${PG##*/} admin=${PG%/*}/postgres
    psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  fi
  "$BIN" migrate >/dev/null
  if [ "$mode" = off ]; then
    if [ -n "$PG" ]; then
      psql -X -q "$PG" -c "DROP TRIGGER search_queue_new ON statuses" >/dev/null
    else
      sqlite3 "$DATA/roost.db" "DROP TRIGGER search_queue_new"
    fi
  fi
  for i in $(seq 1 10); do
    "$BIN" admin create-account --username "poster$i" --email "poster$i@bench.example" --password "bench password $i" >/dev/null
  done
  "$BIN" serve > "$DATA/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 50); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
  local app cid csec
  app=$(curl -sf -X POST "$BASE/api/v1/apps" -d client_name=bench -d redirect_uris=urn:ietf:wg:oauth:2.0:oob -d 'scopes=read write')
  cid=$(echo "$app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
  csec=$(echo "$app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  : > "$DATA/tokens.txt"
  for i in $(seq 1 10); do
    curl -sf -X POST "$BASE/oauth/token" -d grant_type=password -d "client_id=$cid" -d "client_secret=$csec" \
      -d "username=poster$i" -d "password=bench password $i" -d 'scope=read write' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' >> "$DATA/tokens.txt"
  done
  wrk -t2 -c"$CONNS" -d3s -s "$KIT/post_status.lua" "$BASE" -- "$DATA/tokens.txt" >/dev/null 2>&1 || true
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$KIT/post_status.lua" "$BASE" -- "$DATA/tokens.txt" \
    | sed -n 's/^RESULT //p' | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p50_ms"], r["p99_ms"])'
  kill "$PID"; wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
}

on=(); off=()
for r in $(seq 1 "$ROUNDS"); do
  a=$(run on); b=$(run off)
  echo "round $r: with search $a | without $b (req/s p50_ms p99_ms)"
  on+=("${a%% *}"); off+=("${b%% *}")
done
python3 - "${on[*]}" "${off[*]}" <<'PY'
import statistics, sys
on = [float(x) for x in sys.argv[1].split()]
off = [float(x) for x in sys.argv[2].split()]
m_on, m_off = statistics.median(on), statistics.median(off)
print(f"median POST req/s: with search {m_on:.0f}, without {m_off:.0f}; "
      f"search costs {(1 - m_on / m_off) * 100:.1f} % of the posting rate")
PY
