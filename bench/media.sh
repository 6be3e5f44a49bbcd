#!/usr/bin/env bash
# Media processing: 12-megapixel JPEG uploads through POST /api/v2/media.
#
# Makes a 4000x3000 photo-like JPEG (noise over gradients, so it compresses
# like a photo: ~4.5 MB) with ffmpeg, starts a release roost on SQLite in a
# temporary directory, signs up one account, and then:
#   a. SEQ uploads one at a time: median and range of the time per upload
#      (original + small + blurhash, stored on local disk);
#   b. COUNT uploads, CONC at a time: images per second, and roost's peak
#      resident memory (VmHWM, and VmRSS sampled every 20 ms).
# Writes OUTDIR/summary.tsv (metric<TAB>value) and prints it. Not a test.
#
#   bench/media.sh [OUTDIR]
#
# Knobs: BUILD (1: cargo build --release first), ROOST_BIN
# (target/release/roost), PORT (18993), SEQ (10), COUNT (48), CONC (8),
# IMAGE_CONCURRENCY (roost's media.image_concurrency; its default if unset).
# Needs ffmpeg, python3 with requests (scripts/test makes .venv), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/out/media-$(date +%Y%m%d-%H%M%S)}
BIN=${ROOST_BIN:-target/release/roost}
PORT=${PORT:-18993}
SEQ=${SEQ:-10} COUNT=${COUNT:-48} CONC=${CONC:-8}
BASE="http://127.0.0.1:$PORT"
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

if [ "${BUILD:-1}" = 1 ]; then
  nice -n 10 cargo build --release --quiet
fi
[ -x "$BIN" ] || { echo "no roost binary at $BIN (set ROOST_BIN or BUILD=1)" >&2; exit 1; }
mkdir -p "$OUT"
DATA=$(mktemp -d)
trap 'kill $ROOST_PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "gradients=s=4000x3000:c0=0x3060a0:c1=0xe0c080:seed=7,format=yuv420p,noise=alls=16:allf=t" \
  -frames:v 1 -pix_fmt yuvj420p -q:v 3 "$DATA/photo.jpg"
echo "input: $(stat -c %s "$DATA/photo.jpg") bytes, 4000x3000"

export ROOST_STORAGE_DATA_DIR="$DATA/roost" ROOST_SERVER_LISTEN="127.0.0.1:$PORT" \
  ROOST_SERVER_DOMAIN="127.0.0.1:$PORT" ROOST_LOG_LEVEL=warn
# One account uploading at full speed: lift the per-account limits.
export ROOST_LIMITS_MEDIA_PER_30MIN=100000000 ROOST_LIMITS_STATUSES_PER_3H=100000000 \
  ROOST_LIMITS_API_PER_5MIN=1000000000
[ -n "${IMAGE_CONCURRENCY:-}" ] && export ROOST_MEDIA_IMAGE_CONCURRENCY=$IMAGE_CONCURRENCY
"$BIN" admin create-account --username bench --email bench@example.invalid \
  --password "correct horse battery" >/dev/null
"$BIN" serve > "$OUT/roost.log" 2>&1 &
ROOST_PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

"$PY" bench/media_measure.py --base "$BASE" --pid "$ROOST_PID" --image "$DATA/photo.jpg" \
  --seq "$SEQ" --count "$COUNT" --conc "$CONC" | tee "$OUT/summary.tsv"
