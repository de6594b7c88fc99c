#!/usr/bin/env bash
# The README's test command: idempotent set-up, then the whole test suite (CPU only).
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Media").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

# Tests that need ../shared/data skip where it is absent; in CI it is there and must be used.
if [ "${CI:-}" = "true" ] && [ -z "${SWAPTALK_SHARED_DATA:-}" ] && [ ! -d "$root/../shared/data" ]; then
  echo "test: CI=true but ../shared/data is absent beside $root; the data-driven tests would only skip" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet test "$root/tests/SwapTalk.Tests/SwapTalk.Tests.csproj" -c Release --nologo \
  --logger "console;verbosity=normal" "$@"
