#!/bin/sh
# Builds a self-contained release directory of the agent (and a tarball of it) that
# deploy/install.sh installs on a Pi: dist/, the runtime node_modules (zod, ws,
# @wakeward/wol, @wakeward/agent-protocol, nothing else), package.json and deploy/. Pure JavaScript, so one
# release runs on any Pi with node >= 20.
#
#   apps/pi-agent/deploy/build-release.sh [OUT_DIR]     (from anywhere; default /tmp/wakeward-agent-release)
set -eu

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${1:-/tmp/wakeward-agent-release}
AGENT="$ROOT/apps/pi-agent"

cd "$ROOT"
npx tsc -b apps/pi-agent

rm -rf "$OUT"
mkdir -p "$OUT/node_modules/@wakeward" "$OUT/deploy"
cp -a "$AGENT/dist" "$OUT/dist"
# The test helpers (apps/pi-agent/testing/) are outside src/ and never compiled here.
rm -f "$OUT/dist/.tsbuildinfo"
cp "$AGENT/package.json" "$OUT/package.json"
cp "$AGENT/deploy/wakeward-agent.service" "$AGENT/deploy/install.sh" "$AGENT/deploy/agent.example.json" "$OUT/deploy/"
cp "$AGENT/README.md" "$OUT/README.md"

# Runtime dependencies, resolved the way node resolves them from the agent.
for LIB in wol agent-protocol; do
  mkdir -p "$OUT/node_modules/@wakeward/$LIB"
  cp "$ROOT/libs/$LIB/package.json" "$OUT/node_modules/@wakeward/$LIB/package.json"
  cp -a "$ROOT/libs/$LIB/dist" "$OUT/node_modules/@wakeward/$LIB/dist"
  rm -f "$OUT/node_modules/@wakeward/$LIB/dist/.tsbuildinfo"
done
# zod and ws have no dependencies of their own.
for PKG in zod ws; do
  DIR=$(node -p "require('path').dirname(require.resolve('$PKG/package.json', { paths: ['$AGENT'] }))")
  cp -a "$DIR" "$OUT/node_modules/$PKG"
done

node "$OUT/dist/apps/pi-agent/src/main.js" --version >/dev/null
tar -C "$(dirname "$OUT")" -czf "$OUT.tar.gz" "$(basename "$OUT")"
echo "release: $OUT ($(du -sh "$OUT" | cut -f1)), tarball: $OUT.tar.gz"
