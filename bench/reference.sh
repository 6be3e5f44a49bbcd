#!/usr/bin/env bash
# Runs the shared reference workload (../shared/bench-workload: the one
# GoToSocial's figures were measured with) against a release build of roost on
# a fresh database, and writes its summary.tsv. Not a test: run on demand.
#
#   bench/reference.sh [OUTDIR]                 # SQLite
#   ROOST_DATABASE_URL=postgres://…/roost_bench bench/reference.sh [OUTDIR]
#
# Knobs: STATUSES (20000), EXTRA (2000), PORT (18990), GET_SECS, POST_SECS,
# THREADS (see run-bench.sh); BIN=path runs that binary instead of building
# this checkout (to compare two commits in one session; a binary older than
# issue 15's rate limits refuses the ROOST_LIMITS_* keys it does not know:
# run it with this script as it was then). Needs wrk (apt-get install wrk)
# and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-$(cd ../shared/bench-workload && pwd)}
OUT=${1:-bench/out/$(date +%Y%m%d-%H%M%S)}
PORT=${PORT:-18990}
BASE="http://127.0.0.1:$PORT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/roost
fi
export ROOST_STORAGE_DATA_DIR="$DATA" ROOST_SERVER_LISTEN="127.0.0.1:$PORT" ROOST_SERVER_DOMAIN="127.0.0.1:$PORT"
# A load test is one client at rates no person reaches: lift the limits.
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_REBLOGS_PER_3H=100000000 ROOST_LIMITS_MEDIA_PER_30MIN=100000000 ROOST_LIMITS_FOLLOWS_PER_24H=100000000
export ROOST_LIMITS_APPS_PER_5MIN=100000 ROOST_LIMITS_API_PER_5MIN=1000000000 ROOST_LIMITS_API_ANONYMOUS_PER_5MIN=1000000000 ROOST_LIMITS_INBOX_PER_HOST_PER_5MIN=100000000
export ROOST_LIMITS_SIGN_IN_PER_5MIN=100000 ROOST_LIMITS_TOKEN_PER_5MIN=100000 RUST_LOG=warn

# 1 reader + 40 followed posters + 10 others for the "extra" statuses.
"$BIN" migrate >/dev/null
for i in $(seq 0 50); do
  "$BIN" admin create-account --username "bench$i" --email "bench$i@bench.example" --password "bench password $i" >/dev/null
done
"$BIN" serve > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done

# Tokens through the OAuth password grant, as a CLI client gets them.
APP=$(curl -sf -X POST "$BASE/api/v1/apps" -d client_name=bench -d redirect_uris=urn:ietf:wg:oauth:2.0:oob -d 'scopes=read write follow')
CID=$(echo "$APP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
CSEC=$(echo "$APP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
: > "$OUT/tokens.txt"
for i in $(seq 0 50); do
  curl -sf -X POST "$BASE/oauth/token" -d grant_type=password -d "client_id=$CID" -d "client_secret=$CSEC" \
    -d "username=bench$i" -d "password=bench password $i" -d 'scope=read write follow' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' >> "$OUT/tokens.txt"
done

start=$(date +%s.%N)
python3 "$KIT/seed.py" --base "$BASE" --tokens "$OUT/tokens.txt" --follow 40 \
  --statuses "${STATUSES:-20000}" --extra "${EXTRA:-2000}" --workers 8 | tee "$OUT/seed.txt"
end=$(date +%s.%N)
echo "seeding took $(python3 -c "print(round($end - $start, 1))") s" | tee -a "$OUT/seed.txt"
echo "jobs pending after seeding: $(curl -sf "$BASE/api/v2/instance" >/dev/null && echo checked)" >> "$OUT/seed.txt"
sleep 5
grep VmRSS "/proc/$PID/status" | tee "$OUT/rss-after-seed.txt"

READER=$(head -n1 "$OUT/tokens.txt")
tail -n +2 "$OUT/tokens.txt" > "$OUT/posters.txt"
POST_CONNS="32 64" "$KIT/run-bench.sh" "$BASE" "$READER" "$OUT/posters.txt" "$OUT" "$PID"
column -t "$OUT/summary.tsv"
