#!/usr/bin/env bash
# Reference for `swaptalk-bench inference`: onnxruntime-node 1.30.0 (ONNX Runtime's own N-API
# binding with its own libonnxruntime.so.1; the newest on npm) and onnxruntime-common,
# fetched with `npm pack` (no install scripts run) and unpacked into tools/bench/node_modules.
# Only the linux-x64 binaries and the JS entry points are kept. Idempotent and quiet.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/tools/bench/node_modules"
log_dir="$root/tools/logs"
mkdir -p "$log_dir"
log="$log_dir/bench-inference-setup.log"

VERSION="1.30.0"
NODE_TGZ_SHA256="6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75"
COMMON_TGZ_SHA256="7906c439e0d3e0f4048caa23b64cdfadc0f455c377f579ce1ab2a4b778f07d5f"

fail() { echo "bench inference setup: $*" >&2; echo "bench inference setup: see $log" >&2; exit 1; }

installed() { grep -q "\"version\": \"$VERSION\"" "$dest/$1/package.json" 2>/dev/null; }
if installed onnxruntime-node && installed onnxruntime-common \
   && [ -f "$dest/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node" ]; then
  exit 0
fi

command -v node >/dev/null || fail "node is not on PATH (apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm is not on PATH (apt-get install npm)"

echo "bench inference setup: fetching onnxruntime-node@$VERSION and onnxruntime-common@$VERSION (npm pack)"
mkdir -p "$root/tools/bench"
tmp="$(mktemp -d "$root/tools/bench/download.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "onnxruntime-node@$VERSION" "onnxruntime-common@$VERSION" --silent --ignore-scripts >>"$log" 2>&1) \
  || fail "npm pack failed"
check() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ] || fail "$(basename "$1"): sha256 mismatch"; }
check "$tmp/onnxruntime-node-$VERSION.tgz" "$NODE_TGZ_SHA256"
check "$tmp/onnxruntime-common-$VERSION.tgz" "$COMMON_TGZ_SHA256"

stage="$tmp/node_modules"
mkdir -p "$stage/onnxruntime-node" "$stage/onnxruntime-common"
tar -xzf "$tmp/onnxruntime-node-$VERSION.tgz" -C "$stage/onnxruntime-node" --strip-components=1 \
  package/package.json package/dist package/lib package/bin/napi-v6/linux/x64 >>"$log" 2>&1 \
  || fail "unpacking onnxruntime-node failed"
tar -xzf "$tmp/onnxruntime-common-$VERSION.tgz" -C "$stage/onnxruntime-common" --strip-components=1 >>"$log" 2>&1 \
  || fail "unpacking onnxruntime-common failed"

# Swap in whole: a half-unpacked reference is never used.
rm -rf "$dest.old"
[ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$stage" "$dest"
rm -rf "$dest.old" "$tmp"
trap - EXIT
