#!/usr/bin/env bash
# The README's main job on the sample inputs (embedded default: local files, one machine).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/SwapTalk.Cli/SwapTalk.Cli.csproj" -c Release --nologo -v q -o "$root/out/bin" >/dev/null
"$root/out/bin/swaptalk" version
