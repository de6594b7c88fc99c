#!/usr/bin/env bash
# The README's main job on the sample inputs (embedded default: local files, one machine): the astronaut's face on a
# GRID clip, lips driven by the JFK speech, rendered by the geometric engine (no trained weights: the portrait warped
# onto each frame's landmarks, the mouth re-timed to the speech), then evaluated (`swaptalk eval`: identity with
# MobileFaceNet, mouth opening against loudness, image quality). The real YuNet and 68-point models run; the probe
# SwapTalk models sit beside them so `--engine latent` works from the same folder.
# Idempotent: set-up and build are quiet no-ops the second time, and a repeated dub resumes (nothing left to render).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/SwapTalk.Cli/SwapTalk.Cli.csproj" -c Release --nologo -v q -o "$root/out/bin" >/dev/null
swaptalk="$root/out/bin/swaptalk"
"$swaptalk" version

data="$root/../shared/data"
inputs=(video/grid_bbaf2n.mpg audio/jfk.wav faces/astronaut.png models/yunet_n_dynamic.onnx models/peppa_slim_160_68pt.onnx models/eval/mobilefacenet.onnx)
for f in "${inputs[@]}"; do
  [ -f "$data/$f" ] || { echo "dub-sample: $data/$f is missing (the shared sample data lives beside the repository)" >&2; exit 2; }
done
(cd "$data" && grep -F -e "${inputs[0]}" -e "${inputs[1]}" -e "${inputs[2]}" -e "${inputs[3]}" -e "${inputs[4]}" -e "${inputs[5]}" SHA256SUMS | sha256sum --check --quiet) \
  || { echo "dub-sample: the shared sample data does not match its SHA256SUMS" >&2; exit 2; }

# Models: the probe SwapTalk models (contract-exact, simple known maths; see docs/pipeline.md) written by the CLI,
# and the real face detector and landmarker beside them. Trained SwapTalk exports go into such a folder instead.
models="$root/out/models"
"$swaptalk" models probe "$models" >/dev/null
for m in yunet_n_dynamic.onnx peppa_slim_160_68pt.onnx; do
  cmp -s "$data/models/$m" "$models/$m" || cp -f "$data/models/$m" "$models/$m"
done
# The geometric engine's own models: the portrait's hair mask (masks/) and the speech's visemes (visemes/); without
# them it still dubs, with the portrait's fringe kept and the mouth from loudness alone (the report says which).
mkdir -p "$models/masks" "$models/visemes"
for m in models/masks/skin_clothes_hair_pan_mnv3s.onnx audio/visemes/headaudio_model_en_mixed.bin; do
  dest="$models/$(basename "$(dirname "$m")")/$(basename "$m")"
  cmp -s "$data/$m" "$dest" || cp -f "$data/$m" "$dest"
done

# The identity model is for the evaluation only (never in the output path); it stays in the shared data. --force:
# the outputs are this script's own, replaced on every run (so a second run after any change works too).
out="$root/out/grid_bbaf2n_dubbed.mp4"
SWAPTALK_IDENTITY_MODEL="$data/models/eval/mobilefacenet.onnx" \
"$swaptalk" dub --engine geometric --eval --face "$data/faces/astronaut.png" --video "$data/video/grid_bbaf2n.mpg" --audio "$data/audio/jfk.wav" \
  --models "$models" --out "$out" --work "$root/out/work" --force \
  --credit "GRID CORPUS CLIP, CC BY 4.0 (COOKE, BARKER, CUNNINGHAM, SHAO, 2006)"

echo "dub-sample: video:      $out"
echo "dub-sample: preview:    ${out%.*}.preview.png"
echo "dub-sample: evaluation: ${out%.*}.eval.png"
