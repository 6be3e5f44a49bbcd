#!/usr/bin/env bash
# The social core at scale: 10,000 local accounts, 1,000,000 statuses and the
# home feeds they make, bulk-inserted by bench/seed_scale.py; then
#   a. GET /api/v1/timelines/home?limit=40 with wrk, rotating over the reader
#      tokens (2 threads, 30 s, at 32 and at 20 connections; p50/p99 via --latency),
#   b. the server's RSS (VmRSS, sampled every second) during the 20-connection run,
#   c. 20 sequential posts as "mid" (1,000 followers: inline fan-out) and as
#      "celeb" (9,999 followers: queued fan-out), with curl's time_total and
#      the time until each post's fan-out is complete.
# Writes OUTDIR/summary.tsv (metric<TAB>value) and the raw outputs. Not a test.
#
#   bench/scale.sh [OUTDIR]                  # SQLite in a temporary directory
#   ROOST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/roost_scale bench/scale.sh [OUTDIR]
#     (the database is dropped and created afresh; loopback hosts only)
#
# Knobs: ROOST_BIN (target/release/roost; not built here), PORT (18991),
# ACCOUNTS (10000), STATUSES (1000000), FOLLOWS (20), READERS (100), SECS (30),
# WARMUP_SECS (10), THREADS (2), POSTS (20), QUIET_MAX (900: how long to wait
# for an idle machine before each measurement), KEEP_DB=1 keeps the seeded
# database (and prints where), DATA_DIR + SKIP_SEED=1 reuse a kept one.
# Needs wrk, curl, python3, sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/out/scale-$(date +%Y%m%d-%H%M%S)}
BIN=${ROOST_BIN:-target/release/roost}
PORT=${PORT:-18991}
SECS=${SECS:-30} WARMUP_SECS=${WARMUP_SECS:-10} THREADS=${THREADS:-2} POSTS=${POSTS:-20}
BASE="http://127.0.0.1:$PORT"
[ -x "$BIN" ] || { echo "no roost binary at $BIN (set ROOST_BIN)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=${DATA_DIR:-$(mktemp -d /tmp/roost-scale.XXXXXX)}
mkdir -p "$DATA"
PID="" SAMPLER=""

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

cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ "${KEEP_DB:-0}" = 1 ]; then
    echo "kept the seeded database: $DB (DATA_DIR=$DATA)"
  else
    [ "$BACKEND" = postgres ] && psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" || true
    rm -rf "$DATA"
  fi
}
trap cleanup EXIT

export ROOST_STORAGE_DATA_DIR="$DATA" ROOST_DATABASE_URL="$DB_URL"
export ROOST_SERVER_LISTEN="127.0.0.1:$PORT" ROOST_SERVER_DOMAIN="127.0.0.1:$PORT"
# A load test is one client at rates no person reaches: lift the limits.
export ROOST_LIMITS_STATUSES_PER_3H=100000000 ROOST_LIMITS_REBLOGS_PER_3H=100000000 ROOST_LIMITS_MEDIA_PER_30MIN=100000000 ROOST_LIMITS_FOLLOWS_PER_24H=100000000
export ROOST_LIMITS_APPS_PER_5MIN=100000 ROOST_LIMITS_API_PER_5MIN=1000000000 ROOST_LIMITS_API_ANONYMOUS_PER_5MIN=1000000000 ROOST_LIMITS_INBOX_PER_HOST_PER_5MIN=100000000
export ROOST_LIMITS_SIGN_IN_PER_5MIN=100000 ROOST_LIMITS_TOKEN_PER_5MIN=100000
export ROOST_LIMITS_REGISTRATIONS_PER_30MIN=100000 RUST_LOG=warn

summary() { printf '%s\t%s\n' "$1" "$2" >> "$OUT/summary.tsv"; }
: > "$OUT/summary.tsv"
summary backend "$BACKEND"
summary roost_commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown) (of the work tree; the binary may differ)"
summary roost_bin "$BIN $(md5sum < "$BIN" | cut -c1-12) $(date -u -r "$BIN" +%Y-%m-%dT%H:%M:%SZ)"
summary date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# --- seed
if [ "${SKIP_SEED:-0}" != 1 ]; then
  if [ "$BACKEND" = postgres ]; then
    psql "$ADMIN_URL" -Xq -c "DROP DATABASE IF EXISTS $PGNAME WITH (FORCE)" -c "CREATE DATABASE $PGNAME"
  fi
  python3 bench/seed_scale.py --bin "$BIN" --db "$DB" --domain "127.0.0.1:$PORT" \
    --accounts "${ACCOUNTS:-10000}" --statuses "${STATUSES:-1000000}" --follows "${FOLLOWS:-20}" \
    --readers "${READERS:-100}" --tokens-file "$DATA/tokens.tsv" | tee "$OUT/seed.txt"
  awk -F'\t' '$1 == "SEED" && $2 != "phase" && $2 != "counts" {
      gsub(/[^A-Za-z0-9_]+/, "_", $2); print "seed_" $2 "\t" $3 }' "$OUT/seed.txt" >> "$OUT/summary.tsv"
fi
cp "$DATA/tokens.tsv" "$OUT/tokens.tsv"
awk -F'\t' '$1 == "reader" {print $4}' "$DATA/tokens.tsv" > "$OUT/reader-tokens.txt"
summary reader_tokens "$(wc -l < "$OUT/reader-tokens.txt")"
tok() { awk -F'\t' -v r="$1" '$1 == r {print $'"$2"'; exit}' "$DATA/tokens.tsv"; }

# --- serve
if curl -s -o /dev/null "$BASE/health"; then
  echo "something already listens on port $PORT: set PORT" >&2; exit 1
fi
"$BIN" serve > "$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.2; done
if ! kill -0 "$PID" 2>/dev/null || ! curl -sf "$BASE/health" >/dev/null; then
  echo "roost did not start; see $OUT/server.log" >&2; exit 1
fi
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
summary rss_idle_kib "$(rss)"
curl -sf "$BASE/api/v1/timelines/home?limit=40" -H "Authorization: Bearer $(head -n1 "$OUT/reader-tokens.txt")" \
  -o "$OUT/home-sample.json"
summary home_sample_statuses "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT/home-sample.json")"

# --- a/b. home timeline
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HOME40="$BASE/api/v1/timelines/home?limit=40"
# CPU ticks: machine-wide busy, and PostgreSQL's processes (0 without it).
cpu() {
  python3 - <<'PY'
import os, pwd
busy = sum(int(x) for i, x in enumerate(open("/proc/stat").readline().split()[1:]) if i in (0, 1, 2, 5, 6))
try:
    pg_uid = pwd.getpwnam("postgres").pw_uid
except KeyError:
    pg_uid = -1
pg = 0
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            if os.stat(f"/proc/{d}").st_uid == pg_uid:
                f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
                pg += int(f[11]) + int(f[12])
        except OSError:
            pass
print(busy, pg)
PY
}
# Waits (up to QUIET_MAX s, default 900) until the machine is idle for 3 s:
# another build or benchmark sharing the cores would spoil the figures.
quiet() {
  local waited=0 a b
  while [ "$waited" -lt "${QUIET_MAX:-900}" ]; do
    a=$(cpu); sleep 3; b=$(cpu)
    if [ $(( (${b% *} - ${a% *}) / 3 )) -lt 25 ]; then
      [ "$waited" -gt 0 ] && echo "waited ${waited} s for an idle machine"
      summary "quiet_wait_before_$1_s" "$waited"
      return 0
    fi
    waited=$((waited + 3))
  done
  echo "WARNING: machine still busy after ${waited} s; measuring anyway" >&2
  summary "quiet_wait_before_$1_s" "$waited (still busy)"
}
wrkrun() {  # NAME CONNS SECS
  local name=$1 c=$2 d=$3 t0 t1 s0 s1 c0 c1
  local w wt=0 i=0
  quiet "$name"
  t0=$(ticks); c0=$(cpu); s0=$(date +%s.%N)
  wrk -t"$THREADS" -c"$c" -d"${d}s" --timeout 10s --latency \
    -s bench/scale_home.lua "$HOME40" -- "$OUT/reader-tokens.txt" > "$OUT/$name.txt" 2>&1 &
  w=$!
  # wrk's own CPU time, read until it exits (so it can be told from other load).
  while kill -0 "$w" 2>/dev/null; do
    wt=$(awk '{print $14 + $15}' "/proc/$w/stat" 2>/dev/null || echo "$wt")
    sleep 0.2; i=$((i + 1))
    [ "$i" -gt $(((d + 30) * 5)) ] && kill "$w"
  done
  wait "$w" || true
  t1=$(ticks); c1=$(cpu); s1=$(date +%s.%N)
  python3 - "$OUT/$name.txt" "$name" "$t0" "$t1" "$s0" "$s1" $c0 $c1 "$wt" >> "$OUT/summary.tsv" <<'PY'
import json, sys
f, name, t0, t1, s0, s1, b0, p0, b1, p1, wt = sys.argv[1:]
txt = open(f).read()
r = json.loads(txt.split("RESULT ", 1)[1].splitlines()[0])
for k in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "status_errors", "socket_errors", "timeouts"):
    print(f"{name}_{k}\t{r[k]}")
el = float(s1) - float(s0)
server = (int(t1) - int(t0)) / 100 / el
wrk = int(wt) / 100 / el
pg = (int(p1) - int(p0)) / 100 / el
other = (int(b1) - int(b0)) / 100 / el - server - wrk - pg
print(f"{name}_server_cpu_cores\t{server:.2f}")
print(f"{name}_wrk_cpu_cores\t{wrk:.2f}")
print(f"{name}_postgres_cpu_cores\t{pg:.2f}")
# Anything else busy on the machine (a build alongside spoils the figures).
print(f"{name}_other_cpu_cores\t{other:.2f}")
if other > 0.2:
    print(f"WARNING: {name}: {other:.2f} cores busy outside the benchmark", file=sys.stderr)
PY
  grep "^$name" "$OUT/summary.tsv" | tr '\n' ' '; echo
}
wrkrun home40_warmup_c32 32 "$WARMUP_SECS"
sleep 3
wrkrun home40_c32 32 "$SECS"
sleep 3
( while kill -0 "$PID" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 1; done ) > "$OUT/rss-c20.txt" &
SAMPLER=$!
wrkrun home40_c20 20 "$SECS"
kill "$SAMPLER" 2>/dev/null || true; SAMPLER=""
summary home40_c20_rss_max_kib "$(awk '{ if ($2 > m) m = $2 } END { print m }' "$OUT/rss-c20.txt")"
summary home40_c20_rss_samples "$(wc -l < "$OUT/rss-c20.txt")"

# --- c. posting
sleep 3
quiet post
c0=$(cpu); t0=$(ticks); s0=$(date +%s.%N)
for who in mid celeb; do
  python3 bench/scale_post.py --base "$BASE" --token "$(tok "$who" 4)" --label "$who" \
    --account-id "$(tok "$who" 3)" --db "$DB" --count "$POSTS" --raw "$OUT/post-$who.tsv" \
    | tee -a "$OUT/summary.tsv"
done
c1=$(cpu); t1=$(ticks); s1=$(date +%s.%N)
python3 - "$t0" "$t1" "$s0" "$s1" $c0 $c1 >> "$OUT/summary.tsv" <<'PY'
import sys
t0, t1, s0, s1, b0, p0, b1, p1 = sys.argv[1:]
el = float(s1) - float(s0)
server, pg = (int(t1) - int(t0)) / 100 / el, (int(p1) - int(p0)) / 100 / el
print(f"post_server_cpu_cores\t{server:.2f}\npost_postgres_cpu_cores\t{pg:.2f}")
# Includes the poller and curl (small); a build alongside shows here.
print(f"post_other_cpu_cores\t{(int(b1) - int(b0)) / 100 / el - server - pg:.2f}")
PY
summary rss_end_kib "$(rss)"
if [ "$BACKEND" = sqlite ]; then
  summary db_bytes_end "$(du -cb "$DB"* | tail -1 | cut -f1)"
else
  summary db_bytes_end "$(psql "$DB" -XAtc 'SELECT pg_database_size(current_database())')"
fi
echo
column -t -s $'\t' "$OUT/summary.tsv"
echo "results in $OUT"
