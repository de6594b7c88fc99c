#!/usr/bin/env bash
# The README's main job on the sample inputs (embedded default: local files, one machine).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/SwapTalk.Cli/SwapTalk.Cli.csproj" -c Release --nologo -v q -o "$root/out/bin" >/dev/null
"$root/out/bin/swaptalk" version

# Media path of the job (no models yet): GRID clip cut into lossless + H.264 segments, verified
# frame by frame, concatenated by stream copy and muxed with the driving speech.
data="$root/../shared/data"
for f in video/grid_bbaf2n.mpg audio/jfk.wav; do
  [ -f "$data/$f" ] || { echo "dub-sample: $data/$f is missing (the shared sample data lives beside the repository)" >&2; exit 2; }
done
"$root/out/bin/swaptalk" media resegment "$data/video/grid_bbaf2n.mpg" --segments 4 \
  --audio "$data/audio/jfk.wav" --policy video --out "$root/out/grid_bbaf2n_dubbed.mp4"
