#!/usr/bin/env bash
# What analytics cost (issue 17): POST /api/v1/statuses and the home
# timeline with insights recorded and with recording off for every account
# (`users.insights = false`: no days of use, profile views, reach or
# follower counts are written), one binary, runs alternating on a fresh
# database each. A reader follows ten posters, so each post fans out and
# counts reach. Not a test: nothing asserts.
#
#   bench/analytics_overhead.sh                                        # SQLite
#   ROOST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/roost_bench_a bench/analytics_overhead.sh
#
# Knobs: ROUNDS (3), SECS (20), CONNS (32), PORT (18992), BIN (a release
# build of this checkout). Needs wrk, curl, python3 and sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-$(cd ../shared/bench-workload && pwd)}
PORT=${PORT:-18992}
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
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_API_PER_5MIN=1000000000 ROOST_LIMITS_FOLLOWS_PER_24H=100000000
export ROOST_LIMITS_SIGN_IN_PER_5MIN=100000 ROOST_LIMITS_TOKEN_PER_5MIN=100000 ROOST_LIMITS_APPS_PER_5MIN=100000
PID=
DATA=
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT

sql() {
  if [ -n "$PG" ]; then psql -X -q "$PG" -c "$1" >/dev/null; else sqlite3 "$DATA/roost.db" "$1"; fi
}

rps() { # wrk output -> "req/s p99_ms"
  sed -n 's/^RESULT //p' | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p99_ms"])'
}

run() { # mode: on | off; prints "post_rps post_p99 home_rps home_p99"
  local mode=$1
  DATA=$(mktemp -d)
  export ROOST_STORAGE_DATA_DIR="$DATA"
  if [ -n "$PG" ]; then
    local name=${PG##*/} admin=${PG%/*}/postgres
    psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  fi
  "$BIN" migrate >/dev/null
  for i in $(seq 0 10); do
    "$BIN" admin create-account --username "user$i" --email "user$i@bench.example" --password "bench password $i" >/dev/null 2>&1
  done
  [ "$mode" = off ] && sql "UPDATE users SET insights = false"
  "$BIN" serve > "$DATA/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 50); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
  local app cid csec
  app=$(curl -sf -X POST "$BASE/api/v1/apps" -d client_name=bench -d redirect_uris=urn:ietf:wg:oauth:2.0:oob -d 'scopes=read write follow')
  cid=$(echo "$app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
  csec=$(echo "$app" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  : > "$DATA/tokens.txt"
  for i in $(seq 0 10); do
    curl -sf -X POST "$BASE/oauth/token" -d grant_type=password -d "client_id=$cid" -d "client_secret=$csec" \
      -d "username=user$i" -d "password=bench password $i" -d 'scope=read write follow' \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' >> "$DATA/tokens.txt"
  done
  local reader
  reader=$(head -n1 "$DATA/tokens.txt")
  tail -n +2 "$DATA/tokens.txt" > "$DATA/posters.txt"
  while read -r t; do
    local id
    id=$(curl -sf -H "Authorization: Bearer $t" "$BASE/api/v1/accounts/verify_credentials" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -sf -X POST -H "Authorization: Bearer $reader" "$BASE/api/v1/accounts/$id/follow" >/dev/null
  done < "$DATA/posters.txt"
  wrk -t2 -c"$CONNS" -d3s -s "$KIT/post_status.lua" "$BASE" -- "$DATA/posters.txt" >/dev/null 2>&1 || true
  local post home
  post=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$KIT/post_status.lua" "$BASE" -- "$DATA/posters.txt" | rps)
  home=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$KIT/get.lua" "$BASE/api/v1/timelines/home?limit=20" -- "$reader" | rps)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
  echo "$post $home"
}

on_post=(); off_post=(); on_home=(); off_home=()
for r in $(seq 1 "$ROUNDS"); do
  a=$(run on); b=$(run off)
  echo "round $r: analytics on: $a | off: $b (post req/s, post p99 ms, home req/s, home p99 ms)"
  read -r ap _ ah _ <<< "$a"; read -r bp _ bh _ <<< "$b"
  on_post+=("$ap"); off_post+=("$bp"); on_home+=("$ah"); off_home+=("$bh")
done
python3 - "${on_post[*]}" "${off_post[*]}" "${on_home[*]}" "${off_home[*]}" <<'PY'
import statistics, sys
on_p, off_p, on_h, off_h = ([float(x) for x in a.split()] for a in sys.argv[1:5])
for what, on, off in (("POST /api/v1/statuses", on_p, off_p), ("home timeline", on_h, off_h)):
    m_on, m_off = statistics.median(on), statistics.median(off)
    print(f"{what}: median req/s with analytics {m_on:.0f}, without {m_off:.0f}; "
          f"analytics cost {(1 - m_on / m_off) * 100:.1f} %")
PY
