#!/usr/bin/env bash
# Idempotent, quiet set-up for a fresh Debian machine with the .NET SDK:
#   - ffmpeg/ffprobe (Debian package)
#   - ONNX Runtime 1.30.0 CPU library, extracted from the npm package onnxruntime-node@1.30.0
#     (npm pack: no install script runs), checked against pinned sha256 sums, kept in tools/.
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

# OpenCvSharp's native library links GTK 3 (no display is needed).
if ! dpkg -s libgtk-3-0 >/dev/null 2>&1; then
  echo "setup: installing libgtk-3-0 (Debian package; OpenCvSharp's native library needs it)"
  apt_install libgtk-3-0
fi

# OpenCV for Python: the reference the tracking bench and its test compare against.
if ! dpkg -s python3-opencv >/dev/null 2>&1; then
  echo "setup: installing python3-opencv (Debian package; the tracking bench's reference)"
  apt_install python3-opencv
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
