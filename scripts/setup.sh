#!/usr/bin/env bash
# Idempotent, quiet set-up for a fresh Debian machine with the .NET SDK:
#   - ffmpeg/ffprobe (Debian package)
#   - libgtk-3-0 (OpenCvSharp's native library) and python3-opencv (the tracking bench's reference)
#   - chromium and chromium-driver (the web page's browser tests drive them headless)
#   - Azurite 3.35.0 (Azure Storage emulator: blob, queue, table) from npm, in tools/azurite/ (the cloud tests;
#     scripts/test.sh starts and stops it). The Bicep CLI comes as a NuGet package download (the tests set its run bit).
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

# Chromium and its WebDriver: the page's tests drive Debian's browser headless (tests/SwapTalk.Web.Tests).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "setup: installing chromium and chromium-driver (Debian packages; the web page's browser tests)"
  apt_install chromium chromium-driver
fi

# Azurite for the cloud host's tests (scripts/test.sh starts it). 3.35.0 is the newest that runs on Node 20.
AZURITE_VERSION="3.35.0"
AZURITE_DIR="$root/tools/azurite"
if [ "$(cat "$AZURITE_DIR/version" 2>/dev/null)" != "$AZURITE_VERSION" ] || [ ! -f "$AZURITE_DIR/node_modules/azurite/dist/src/azurite.js" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  echo "setup: installing azurite@$AZURITE_VERSION (npm) into tools/azurite"
  mkdir -p "$AZURITE_DIR"
  (cd "$AZURITE_DIR" && npm install --no-save --no-audit --no-fund --silent --prefix "$AZURITE_DIR" "azurite@$AZURITE_VERSION" >>"$log" 2>&1) \
    || fail "npm install azurite@$AZURITE_VERSION failed"
  echo "$AZURITE_VERSION" >"$AZURITE_DIR/version"
fi
