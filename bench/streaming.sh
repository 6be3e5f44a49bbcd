#!/usr/bin/env bash
# The streaming API under load (issue 13): 1,000 WebSocket clients on the
# `user` stream of "mid"'s followers, one post fanned out to all of them.
# Seeds 1,003 accounts with bench/seed_scale.py (mid is followed by 1,000),
# starts NODES roost processes (1, or 2 on PostgreSQL: the sockets are spread
# over both, the posts go through the first), then runs the load tool
# benches/streaming.rs, which prints: post-to-last-socket latency (median,
# p90, max over POSTS posts), server memory per idle socket, and events per
# second for a burst of BURST posts. Not a test.
#
#   bench/streaming.sh                                    # SQLite, one node
#   ROOST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/roost_stream NODES=2 bench/streaming.sh
#
# Knobs: ROOST_BIN (target/release/roost; not built here), PORT (18993; a
# second node uses PORT+1), SOCKETS (1000), POSTS (20), BURST (50).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ROOST_BIN:-target/release/roost}
PORT=${PORT:-18993}
NODES=${NODES:-1}
[ -x "$BIN" ] || { echo "no roost binary at $BIN (cargo build --release)" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DATA=$(mktemp -d /tmp/roost-stream.XXXXXX)
PIDS=()
DB_URL=${ROOST_DATABASE_URL:-}
if [[ "$DB_URL" == postgres://* ]]; then
  read -r PGHOST_ PGNAME ADMIN_URL < <(python3 - "$DB_URL" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(p.hostname, p.path.lstrip("/"), u.urlunsplit(p._replace(path="/postgres")))
PY
)
  case "$PGHOST_" in 127.0.0.1|localhost|::1) ;; *) echo "refusing non-loopback database host" >&2; exit 1;; esac
  [[ "$PGNAME" =~ ^[a-z_][a-z0-9_]*$ && "$PGNAME" != postgres ]] || { echo "bad database name $PGNAME" >&2; exit 1; }
  psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" -c "CREATE DATABASE $PGNAME"
  DB=$DB_URL
else
  [ "$NODES" = 1 ] || { echo "several nodes need PostgreSQL (ROOST_DATABASE_URL)" >&2; exit 1; }
  DB=$DATA/roost.db DB_URL=sqlite://$DATA/roost.db
fi
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${PGNAME:-}" ] && psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" || true
  rm -rf "$DATA"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

export ROOST_STORAGE_DATA_DIR="$DATA" ROOST_DATABASE_URL="$DB_URL" ROOST_SERVER_DOMAIN="127.0.0.1:$PORT"
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_API_PER_5MIN=1000000000 RUST_LOG=warn
python3 bench/seed_scale.py --bin "$BIN" --db "$DB" --domain "127.0.0.1:$PORT" \
  --accounts 1003 --statuses 10 --follows 0 --mid-followers 1000 \
  --readers "${SOCKETS:-1000}" --tokens-file "$DATA/tokens.tsv" > "$DATA/seed.txt"

BASES=()
for n in $(seq 0 $((NODES - 1))); do
  port=$((PORT + n))
  ROOST_SERVER_LISTEN="127.0.0.1:$port" "$BIN" serve > "$DATA/server-$n.log" 2>&1 &
  PIDS+=($!)
  BASES+=("http://127.0.0.1:$port")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
done
echo "backend: ${DB_URL%%:*}, nodes: $NODES, commit $(git rev-parse --short HEAD)"
BENCH_BASES=$(IFS=,; echo "${BASES[*]}") BENCH_PIDS=$(IFS=,; echo "${PIDS[*]}") \
BENCH_TOKENS="$DATA/tokens.tsv" BENCH_SOCKETS="${SOCKETS:-1000}" BENCH_POSTS="${POSTS:-20}" BENCH_BURST="${BURST:-50}" \
  cargo bench --bench streaming
