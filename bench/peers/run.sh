#!/usr/bin/env bash
# Real peers: roost against fediverse servers nobody on the team wrote (snac
# and GoToSocial), over loopback, in plain HTTP and in TLS behind nginx with a
# local CA. bench/peers/matrix.py runs the matrix (follows, locked accounts,
# posts, followers-only posts, replies, likes and unlikes, boosts, DMs, edits,
# deletes, profiles, avatars, media, Flag, unfollows, blocks, signed fetch)
# both ways and prints one line per cell.
#
#   ROOST_BIN=target/debug/roost SNAC_BIN=/work/peers/bin/snac \
#   GTS_BIN=/work/peers/bin/gotosocial bench/peers/run.sh [http|tls|both]
#
# A peer whose binary is unset or missing is skipped (its cells say SKIP).
# How to build the peers: docs/federation.md, "Real peers".
#
# Knobs: ROOST_BIN (target/debug/roost), SNAC_BIN, GTS_BIN, GTS_WEB_DIR
# (GoToSocial's web/ directory with template/; default: web/ beside GTS_BIN),
# PYTHON (python3; needs `requests`), PEERS_WORK (a fresh /tmp/roost-peers.*;
# logs and data stay there), ONLY (a regex: run only the cells it matches,
# and the follows and posts they need), KEEP=1 (leave the CA installed and
# the /etc/hosts line in place), HOLD=1 (keep the servers of the last mode up
# after the matrix until run.sh gets SIGTERM, to look around).
#
# Runs as root: it adds "127.0.0.1 roost.test snac.test gts.test" to
# /etc/hosts, installs its CA with update-ca-certificates (all three servers
# trust the OS store), and runs its own nginx (own config and pid file under
# PEERS_WORK) on 127.0.0.1:80 (http) or 127.0.0.1:443 (tls). Each server
# listens on its own loopback port behind it: roost 18081, snac 18082,
# GoToSocial 18083. Only loopback addresses are used. Exits non-zero when a
# cell FAILs.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=$(pwd)/bench/peers
MODES=${1:-both}
case "$MODES" in both) MODES="http tls" ;; http | tls) ;; *) echo "usage: $0 [http|tls|both]" >&2; exit 2 ;; esac
ROOST_BIN=${ROOST_BIN:-target/debug/roost}
SNAC_BIN=${SNAC_BIN:-}
GTS_BIN=${GTS_BIN:-}
PYTHON=${PYTHON:-python3}
NGINX=${NGINX:-/usr/sbin/nginx}
ROOST_PORT=18081 SNAC_PORT=18082 GTS_PORT=18083
HOSTS_LINE="127.0.0.1 roost.test snac.test gts.test # roost bench/peers"
CA_NAME=roost-bench-peers-ca.crt

abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
[ -x "$ROOST_BIN" ] || { echo "no roost binary at $ROOST_BIN (set ROOST_BIN)" >&2; exit 1; }
ROOST_BIN=$(abspath "$ROOST_BIN")
if [ -n "$SNAC_BIN" ] && [ -x "$SNAC_BIN" ]; then SNAC_BIN=$(abspath "$SNAC_BIN"); else SNAC_BIN=""; fi
if [ -n "$GTS_BIN" ] && [ -x "$GTS_BIN" ]; then
  GTS_BIN=$(abspath "$GTS_BIN")
  GTS_WEB_DIR=${GTS_WEB_DIR:-$(dirname "$GTS_BIN")/web}
  [ -d "$GTS_WEB_DIR/template" ] || { echo "no GoToSocial templates in $GTS_WEB_DIR/template (set GTS_WEB_DIR)" >&2; exit 1; }
else
  GTS_BIN=""
fi
[ "$(id -u)" = 0 ] || { echo "run as root (see the header)" >&2; exit 1; }
command -v openssl >/dev/null && [ -x "$NGINX" ] || { echo "needs openssl and nginx ($NGINX)" >&2; exit 1; }
"$PYTHON" -c 'import requests' 2>/dev/null || { echo "$PYTHON lacks requests (set PYTHON)" >&2; exit 1; }
for p in 80 443 $ROOST_PORT $SNAC_PORT $GTS_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "127.0.0.1:$p is taken" >&2; exit 1; fi
done

WORK=${PEERS_WORK:-$(mktemp -d /tmp/roost-peers.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PIDS=()

stop() {  # PID: TERM, then KILL after 10 s
  local p=$1 i
  kill "$p" 2>/dev/null || return 0
  for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
stop_all() {
  local p
  for p in "${PIDS[@]}"; do stop "$p"; done
  PIDS=()
}
cleanup() {
  stop_all
  if [ "${KEEP:-0}" != 1 ]; then
    # Rewritten in place: /etc/hosts may be a bind mount that sed -i cannot replace.
    grep -vF "# roost bench/peers" /etc/hosts > "$WORK/hosts.new" || true
    cat "$WORK/hosts.new" > /etc/hosts
    if [ -f "/usr/local/share/ca-certificates/$CA_NAME" ]; then
      rm -f "/usr/local/share/ca-certificates/$CA_NAME"
      update-ca-certificates --fresh >/dev/null 2>&1 || true
    fi
  fi
  echo "logs and data: $WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

grep -qF "$HOSTS_LINE" /etc/hosts || echo "$HOSTS_LINE" >> /etc/hosts

wait_http() {  # URL NAME LOG [CURL-OPTION]: until URL answers (2xx with -f)
  local i
  for i in $(seq 1 300); do
    curl -s ${4:-} -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.2
  done
  echo "$2 did not answer at $1; see $3" >&2
  return 1
}

# --- the CA and one certificate per host (SNI), for tls mode
make_certs() {
  local d=$WORK/ca h
  [ -f "$d/ca.crt" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=roost bench-peers test CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$d/ca.key" -out "$d/ca.crt" 2>> "$d/openssl.log"
  for h in roost snac gts; do
    printf 'subjectAltName=DNS:%s.test\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$h" > "$d/$h.ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$h.test" \
      -keyout "$d/$h.key" -out "$d/$h.csr" 2>> "$d/openssl.log"
    openssl x509 -req -in "$d/$h.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
      -extfile "$d/$h.ext" -out "$d/$h.crt" 2>> "$d/openssl.log"
  done
  cp "$d/ca.crt" "/usr/local/share/ca-certificates/$CA_NAME"
  update-ca-certificates >/dev/null 2>&1
}

# --- nginx: one server block per host, Host passed unchanged
start_nginx() {  # MODE DIR
  local mode=$1 dir=$2 servers="" h port listen tls
  for h in roost:$ROOST_PORT snac:$SNAC_PORT gts:$GTS_PORT; do
    port=${h#*:} h=${h%%:*}
    if [ "$mode" = tls ]; then
      listen="listen 127.0.0.1:443 ssl http2;"
      tls="ssl_certificate $WORK/ca/$h.crt; ssl_certificate_key $WORK/ca/$h.key;"
    else
      listen="listen 127.0.0.1:80;" tls=""
    fi
    servers+="
    server {
        $listen
        server_name $h.test;
        $tls
        client_max_body_size 50m;
        location / {
            proxy_pass http://127.0.0.1:$port;
            proxy_http_version 1.1;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
    }"
  done
  mkdir -p "$dir/nginx"
  cat > "$dir/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log info;
events { worker_connections 512; }
http {
    # matrix.py reads this: which GETs reached which host, signed or not.
    map \$http_signature \$signed { '' unsigned; default signed; }
    log_format peers '\$server_protocol \$host \$request_method \$uri \$status \$signed "\$http_user_agent"';
    access_log $dir/nginx/access.log peers;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
$servers
}
EOF
  "$NGINX" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" > /dev/null 2>&1 &
  PIDS+=($!)
}

# --- roost: alice (admin, to read reports) and bob (locked, set by matrix.py)
start_roost() {  # MODE DIR
  local mode=$1 dir=$2/roost
  mkdir -p "$dir"
  export ROOST_STORAGE_DATA_DIR=$dir ROOST_DATABASE_URL=sqlite://$dir/roost.db
  export ROOST_SERVER_DOMAIN=roost.test ROOST_SERVER_LISTEN=127.0.0.1:$ROOST_PORT
  export ROOST_SERVER_PROTOCOL=$([ "$mode" = tls ] && echo https || echo http)
  export ROOST_SERVER_TRUST_PROXY_HEADERS=true
  export ROOST_FEDERATION_ALLOW_HTTP=$([ "$mode" = tls ] && echo false || echo true)
  # roost.test resolves to 127.0.0.1.
  export ROOST_FEDERATION_ALLOW_PRIVATE_ADDRESSES=true
  # Every GET from a peer must be signed: the "signed fetch" cells rely on it.
  export ROOST_FEDERATION_AUTHORIZED_FETCH=true
  export ROOST_JOBS_RETRY_BASE_MS=2000 ROOST_LIMITS_API_PER_5MIN=100000
  export RUST_LOG=${RUST_LOG:-info}
  "$ROOST_BIN" admin create-account --username alice --email alice@roost.test \
    --password 'roost-peers-alice-1' --role admin > "$dir/accounts.log" 2>&1
  "$ROOST_BIN" admin create-account --username bob --email bob@roost.test \
    --password 'roost-peers-bob-1' >> "$dir/accounts.log" 2>&1
  "$ROOST_BIN" serve > "$dir/roost.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$ROOST_PORT/health" roost "$dir/roost.log" -f
  ROOST_JSON="\"roost\": {\"kind\": \"roost\", \"domain\": \"roost.test\", \"log\": \"$dir/roost.log\",
    \"users\": {\"alice\": \"roost-peers-alice-1\", \"bob\": \"roost-peers-bob-1\"}}"
}

# --- snac: alice and bob (approve_followers set here), passwords from adduser
start_snac() {  # MODE DIR
  local mode=$1 dir=$2/snac u pw
  mkdir -p "$dir"
  printf '127.0.0.1\n%s\nsnac.test\n\n\n' "$SNAC_PORT" | "$SNAC_BIN" init "$dir/data" > "$2/snac-init.log" 2>&1
  SNAC_JSON="\"snac\": {\"kind\": \"snac\", \"domain\": \"snac.test\", \"log\": \"$dir.log\",
    \"bin\": \"$SNAC_BIN\", \"data\": \"$dir/data\", \"users\": {"
  for u in alice bob; do
    pw=$("$SNAC_BIN" adduser "$dir/data" "$u" < /dev/null | sed -n 's/^User password is //p')
    SNAC_JSON+="\"$u\": \"$pw\","
  done
  SNAC_JSON="${SNAC_JSON%,}}}"
  "$PYTHON" - "$dir/data" "$mode" <<'PY'
import json, sys
d, mode = sys.argv[1], sys.argv[2]
cfg = json.load(open(f"{d}/server.json"))
# dbglevel 1: each request and each delivery in the log.
cfg.update(protocol="https" if mode == "tls" else "http", dbglevel=1, queue_retry_minutes=1)
json.dump(cfg, open(f"{d}/server.json", "w"), indent=4)
u = json.load(open(f"{d}/user/bob/user.json"))
u["approve_followers"] = True
json.dump(u, open(f"{d}/user/bob/user.json", "w"), indent=4)
PY
  "$SNAC_BIN" httpd "$dir/data" > "$dir.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$SNAC_PORT/" snac "$dir.log" -f
}

# --- GoToSocial: alice (admin) and bob, made with its CLI
start_gts() {  # MODE DIR
  local mode=$1 dir=$2/gts u
  mkdir -p "$dir/storage"
  cat > "$dir/config.yaml" <<EOF
host: "gts.test"
protocol: "$([ "$mode" = tls ] && echo https || echo http)"
bind-address: "127.0.0.1"
port: $GTS_PORT
trusted-proxies: ["127.0.0.1/32"]
db-type: "sqlite"
db-address: "$dir/gts.db"
storage-backend: "local"
storage-local-base-path: "$dir/storage"
web-template-base-dir: "$GTS_WEB_DIR/template/"
web-asset-base-dir: "$GTS_WEB_DIR/assets/"
letsencrypt-enabled: false
accounts-registration-open: false
instance-expose-public-timeline: true
log-level: "info"
log-client-ip: true
advanced-rate-limit-requests: 0
advanced-throttling-multiplier: 0
http-client:
  allow-ips: ["127.0.0.1/32"]
  insecure-outgoing: $([ "$mode" = tls ] && echo false || echo true)
EOF
  "$GTS_BIN" --config-path "$dir/config.yaml" server start > "$dir.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$GTS_PORT/api/v1/instance" gotosocial "$dir.log" -f
  # Accounts need the instance that the first start creates.
  for u in alice bob; do
    "$GTS_BIN" --config-path "$dir/config.yaml" admin account create --username "$u" \
      --email "$u@gts.test" --password "gts-peers-$u-Secret-9" >> "$dir/accounts.log" 2>&1
  done
  "$GTS_BIN" --config-path "$dir/config.yaml" admin account promote --username alice >> "$dir/accounts.log" 2>&1
  GTS_JSON="\"gts\": {\"kind\": \"gts\", \"domain\": \"gts.test\", \"log\": \"$dir.log\",
    \"users\": {\"alice\": \"gts-peers-alice-Secret-9\", \"bob\": \"gts-peers-bob-Secret-9\"}}"
}

FAILED=0
echo "roost: $ROOST_BIN ($("$ROOST_BIN" --version 2>/dev/null || echo '?'))"
[ -n "$SNAC_BIN" ] && echo "snac: $SNAC_BIN ($("$SNAC_BIN" 2>&1 | head -1 | cut -d' ' -f1-2))"
[ -n "$GTS_BIN" ] && echo "gotosocial: $GTS_BIN ($("$GTS_BIN" --version 2>/dev/null | sed -n 's/^gotosocial version //p'))"
for MODE in $MODES; do
  DIR=$WORK/$MODE
  rm -rf "$DIR" && mkdir -p "$DIR"
  if [ "$MODE" = tls ]; then make_certs; fi
  start_nginx "$MODE" "$DIR"
  SCHEME=$([ "$MODE" = tls ] && echo https || echo http)
  wait_http "$SCHEME://roost.test/" nginx "$DIR/nginx/error.log"
  start_roost "$MODE" "$DIR"
  SERVERS="$ROOST_JSON"
  if [ -n "$SNAC_BIN" ]; then start_snac "$MODE" "$DIR"; SERVERS+=", $SNAC_JSON"
  else SERVERS+=', "snac": {"kind": "snac", "absent": "SNAC_BIN not set or not executable"}'; fi
  if [ -n "$GTS_BIN" ]; then start_gts "$MODE" "$DIR"; SERVERS+=", $GTS_JSON"
  else SERVERS+=', "gts": {"kind": "gts", "absent": "GTS_BIN not set or not executable"}'; fi
  echo "{$SERVERS}" > "$DIR/servers.json"
  REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt "$PYTHON" "$HERE/matrix.py" \
    --mode "$MODE" --servers "$DIR/servers.json" --results "$DIR/results.tsv" \
    ${ONLY:+--only "$ONLY"} || FAILED=1
  if [ "${HOLD:-0}" = 1 ]; then
    echo "HOLD: servers up ($DIR/servers.json); kill -TERM $$ to stop"
    sleep 3600 &
    PIDS+=($!)
    wait $! || true
  fi
  stop_all
done
exit $FAILED
