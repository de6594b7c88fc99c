#!/usr/bin/env bash
# Identity on real photos (docs/geometric.md, "Identity"): every portrait in ../shared/data/faces dubbed onto every
# shared GRID clip with the geometric engine, self-driven (the clip's own audio: fast, and the mouth is the clip's),
# then `swaptalk eval` with MobileFaceNet. For paul.jpg the output is also measured against paul2.jpg, an unseen
# photo of the same person (`--reference-photo`): identity carried, not texture copied.
#
#   scripts/eval-identity.sh [--faces "astronaut.png paul.jpg"] [--clips "grid_bbaf2n.mpg"] [--out DIR] [--keep]
#
# Prints one row per pair and a summary (minimum and mean consistency, frames closer to the portrait). The videos,
# eval JSON and eval PNGs stay in DIR (default out/identity) for looking at. Needs out/bin/swaptalk (built by
# scripts/dub-sample.sh or `dotnet build src/SwapTalk.Cli -c Release -o out/bin`) and out/models with the detector
# and landmarker (made here when missing); the segmentation model is copied into out/models/masks (SEGMENTATION=0:
# removed, to measure without it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/../shared/data"
faces="astronaut.png paul.jpg paul2.jpg chris.jpg luciano.png"
clips="grid_bbaf2n.mpg grid_lbax4n.mpg grid_pwij3p.mpg"
out="$root/out/identity"
while [ $# -gt 0 ]; do
  case "$1" in
    --faces) faces="$2"; shift 2 ;;
    --clips) clips="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "eval-identity: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
swaptalk="${SWAPTALK_BIN:-$root/out/bin/swaptalk}"
[ -x "$swaptalk" ] || { echo "eval-identity: $swaptalk is missing; build it: dotnet build src/SwapTalk.Cli -c Release -o out/bin" >&2; exit 2; }
[ -d "$data/faces" ] || { echo "eval-identity: $data is missing (the shared data lives beside the repository)" >&2; exit 2; }
command -v jq >/dev/null || { echo "eval-identity: needs jq" >&2; exit 2; }
models="$root/out/models"
if [ ! -f "$models/yunet_n_dynamic.onnx" ] || [ ! -f "$models/peppa_slim_160_68pt.onnx" ]; then
  "$swaptalk" models probe "$models" >/dev/null
  cp -f "$data/models/yunet_n_dynamic.onnx" "$data/models/peppa_slim_160_68pt.onnx" "$models/"
fi
# The skin/hair segmentation model (the portrait's hair stays out of the face); SEGMENTATION=0 runs without it.
if [ "${SEGMENTATION:-1}" = 1 ]; then
  mkdir -p "$models/masks"
  cmp -s "$data/models/masks/skin_clothes_hair_pan_mnv3s.onnx" "$models/masks/skin_clothes_hair_pan_mnv3s.onnx" \
    || cp -f "$data/models/masks/skin_clothes_hair_pan_mnv3s.onnx" "$models/masks/"
else
  rm -f "$models/masks/skin_clothes_hair_pan_mnv3s.onnx"
fi
identity="$data/models/eval/mobilefacenet.onnx"
mkdir -p "$out"

printf '%-14s %-16s %8s %7s %9s %7s %9s %9s %6s\n' face clip consist min original closer ref-mean ref-orig ref-cl
rows="$out/rows.tsv"
: > "$rows"
for f in $faces; do
  for c in $clips; do
    name="${f%.*}_${c%.*}"
    video="$out/$name.mp4"
    rm -rf "$out/work-$name"
    "$swaptalk" dub --engine geometric --face "$data/faces/$f" --video "$data/video/$c" --models "$models" \
      --out "$video" --work "$out/work-$name" --no-preview --json > "$out/$name.dub.json" 2> "$out/$name.dub.log" \
      || { echo "eval-identity: dub $name failed (see $out/$name.dub.log)" >&2; exit 1; }
    rm -rf "$out/work-$name"
    ref=()
    [ "$f" = paul.jpg ] && [ -f "$data/faces/paul2.jpg" ] && ref=(--reference-photo "$data/faces/paul2.jpg")
    "$swaptalk" eval --video "$video" --portrait "$data/faces/$f" --original "$data/video/$c" --models "$models" \
      --identity-model "$identity" "${ref[@]}" --out "$out/$name.eval" --json > "$out/$name.eval.json" 2> "$out/$name.eval.log" \
      || { echo "eval-identity: eval $name failed (see $out/$name.eval.log)" >&2; exit 1; }
    jq -r --arg f "$f" --arg c "$c" '[$f, $c, .identity.consistency, .identity.min, .identity.toOriginal, .identity.closerToPortrait,
        (.reference.consistency // "-"), (.reference.originalToReference // "-"), (.reference.closerThanOriginal // "-")] | @tsv' \
      "$out/$name.eval.json" >> "$rows"
    tail -n 1 "$rows" | awk -F'\t' '{ printf "%-14s %-16s %8.3f %7.3f %9.3f %6.1f%%", $1, $2, $3, $4, $5, 100*$6;
      if ($7 == "-") printf " %9s %9s %6s\n", "-", "-", "-"; else printf " %9.3f %9.3f %5.1f%%\n", $7, $8, 100*$9 }'
  done
done
awk -F'\t' '{ n++; s += $3; if (n == 1 || $3 < m) m = $3; if ($6 < 1) notall++ }
  END { printf "pairs %d: consistency mean %.3f, lowest %.3f; pairs with a frame closer to the original: %d\n", n, s / n, m, notall + 0 }' "$rows"
