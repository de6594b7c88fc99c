#!/usr/bin/env bash
# The README's main job on the sample inputs (embedded default: local files, one machine): the astronaut's face on a
# GRID clip, lips driven by the JFK speech, with the real YuNet and 68-point models and the probe SwapTalk models.
# Idempotent: set-up and build are quiet no-ops the second time, and a repeated dub resumes (nothing left to render).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/SwapTalk.Cli/SwapTalk.Cli.csproj" -c Release --nologo -v q -o "$root/out/bin" >/dev/null
swaptalk="$root/out/bin/swaptalk"
"$swaptalk" version

data="$root/../shared/data"
inputs=(video/grid_bbaf2n.mpg audio/jfk.wav faces/astronaut.png models/yunet_n_dynamic.onnx models/peppa_slim_160_68pt.onnx)
for f in "${inputs[@]}"; do
  [ -f "$data/$f" ] || { echo "dub-sample: $data/$f is missing (the shared sample data lives beside the repository)" >&2; exit 2; }
done
(cd "$data" && grep -F -e "${inputs[0]}" -e "${inputs[1]}" -e "${inputs[2]}" -e "${inputs[3]}" -e "${inputs[4]}" SHA256SUMS | sha256sum --check --quiet) \
  || { echo "dub-sample: the shared sample data does not match its SHA256SUMS" >&2; exit 2; }

# Models: the probe SwapTalk models (contract-exact, simple known maths; see docs/pipeline.md) written by the CLI,
# and the real face detector and landmarker beside them. Trained SwapTalk exports go into such a folder instead.
models="$root/out/models"
"$swaptalk" models probe "$models" >/dev/null
for m in yunet_n_dynamic.onnx peppa_slim_160_68pt.onnx; do
  cmp -s "$data/models/$m" "$models/$m" || cp -f "$data/models/$m" "$models/$m"
done

"$swaptalk" dub --face "$data/faces/astronaut.png" --video "$data/video/grid_bbaf2n.mpg" --audio "$data/audio/jfk.wav" \
  --models "$models" --out "$root/out/grid_bbaf2n_dubbed.mp4" --work "$root/out/work" \
  --credit "GRID CORPUS CLIP, CC BY 4.0 (COOKE, BARKER, CUNNINGHAM, SHAO, 2006)"
