#!/usr/bin/env bash
# Idempotent, quiet set-up for a fresh Debian machine with the .NET SDK:
#   - ffmpeg/ffprobe (Debian package)
#   - ONNX Runtime 1.30.0 CPU library, extracted from the npm package onnxruntime-node@1.30.0
#     (npm pack: no install script runs), checked against pinned sha256 sums, kept in tools/.
#   - Azurite 3.35.0 (Azure Storage emulator: blob, queue, table) from npm, in tools/azurite/ (the cloud tests).
#   - the run bit on the Bicep CLI that the NuGet package Azure.Bicep.CommandLine.linux-x64 brings (restore).
# A second run does no network work. Logs go to tools/logs/setup.log; only failures are loud.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
log_dir="$tools/logs"
mkdir -p "$log_dir"
log="$log_dir/setup.log"
: >>"$log"

ORT_VERSION="1.30.0"
ORT_TGZ_SHA256="6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75"
ORT_LIB_SHA256="ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
ORT_DIR="$tools/onnxruntime/$ORT_VERSION"
ORT_LIB="$ORT_DIR/libonnxruntime.so.1"

fail() { echo "setup: $*" >&2; echo "setup: see $log" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    fail "need root (or passwordless sudo) to run: $*"; fi
}

apt_install() {
  # Try without refreshing the index first; refresh only when a package is not found.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1; then
    as_root apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1 \
      || fail "apt-get install $* failed"
  fi
}

command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH; install .NET 10 SDK first"

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "setup: installing ffmpeg (Debian package)"
  apt_install ffmpeg
fi

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

if ! sha_ok "$ORT_LIB" "$ORT_LIB_SHA256"; then
  command -v npm >/dev/null || apt_install nodejs npm
  echo "setup: fetching ONNX Runtime $ORT_VERSION CPU library (npm pack onnxruntime-node@$ORT_VERSION)"
  tmp="$(mktemp -d "$tools/ort-download.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "onnxruntime-node@$ORT_VERSION" --silent --ignore-scripts >>"$log" 2>&1) \
    || fail "npm pack onnxruntime-node@$ORT_VERSION failed"
  tgz="$tmp/onnxruntime-node-$ORT_VERSION.tgz"
  sha_ok "$tgz" "$ORT_TGZ_SHA256" || fail "onnxruntime-node-$ORT_VERSION.tgz: sha256 mismatch"
  tar -xzf "$tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 \
    || fail "libonnxruntime.so.1 not found in the npm package"
  sha_ok "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB_SHA256" \
    || fail "libonnxruntime.so.1: sha256 mismatch"
  mkdir -p "$ORT_DIR"
  mv -f "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB.partial"
  mv -f "$ORT_LIB.partial" "$ORT_LIB"   # atomic: a half-copied library is never found
  ln -sfn "libonnxruntime.so.1" "$ORT_DIR/libonnxruntime.so"
  rm -rf "$tmp"; trap - EXIT
fi

# Consumers (the ORT binding's default search, tests) read this path.
echo "$ORT_LIB" >"$tools/onnxruntime/current"

# Azurite for the cloud host's tests (scripts/test.sh starts it). 3.35.0 is the newest that runs on Node 20.
AZURITE_VERSION="3.35.0"
AZURITE_DIR="$tools/azurite"
if [ "$(cat "$AZURITE_DIR/version" 2>/dev/null)" != "$AZURITE_VERSION" ] || [ ! -f "$AZURITE_DIR/node_modules/azurite/dist/src/azurite.js" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  echo "setup: installing azurite@$AZURITE_VERSION (npm) into tools/azurite"
  mkdir -p "$AZURITE_DIR"
  (cd "$AZURITE_DIR" && npm install --no-save --no-audit --no-fund --silent --prefix "$AZURITE_DIR" "azurite@$AZURITE_VERSION" >>"$log" 2>&1) \
    || fail "npm install azurite@$AZURITE_VERSION failed"
  echo "$AZURITE_VERSION" >"$AZURITE_DIR/version"
fi
