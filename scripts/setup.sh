#!/usr/bin/env bash
# Idempotent, quiet set-up for a fresh Debian machine with the .NET SDK:
#   - ffmpeg/ffprobe (Debian package)
# ONNX Runtime needs nothing here: its NuGet package carries libonnxruntime.so into every build.
# A second run does no network work. Logs go to tools/logs/setup.log; only failures are loud.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
log_dir="$tools/logs"
mkdir -p "$log_dir"
log="$log_dir/setup.log"
: >>"$log"

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
