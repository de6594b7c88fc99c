#!/usr/bin/env bash
# Lip sync measured against real speakers (issue 19): every ordered pair of the three shared GRID clips, clip B dubbed
# with clip A's speech (`--engine geometric`) onto each portrait, then `swaptalk eval --truth` clip A (A's own mouth
# saying that speech). Prints one row per dub, the original B against A beside it (the floor: unrelated speech), the
# means over pairs, each portrait's mean amplitude, and self-driven rows (B dubbed with its own audio, against B).
# Usage: scripts/eval-lips.sh [OUT_DIR]   (PORTRAITS="a.png b.jpg" overrides the portraits; SWAPTALK=path a built CLI)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$root/../shared/data"
out="${1:-$root/out/eval-lips}"
mkdir -p "$out"
[ -d "$data/video" ] || { echo "eval-lips: $data is missing (the shared data lives beside the repository)" >&2; exit 2; }
if [ -z "${SWAPTALK:-}" ]; then
  dotnet build "$root/src/SwapTalk.Cli/SwapTalk.Cli.csproj" -c Release --nologo -v q -o "$root/out/bin" >/dev/null
  SWAPTALK="$root/out/bin/swaptalk"
fi
clips=(bbaf2n lbax4n pwij3p)
portraits=(${PORTRAITS:-$data/faces/astronaut.png $data/faces/paul.jpg $data/faces/chris.jpg $data/faces/luciano.png})
models="$data/models"
export SWAPTALK_IDENTITY_MODEL="$data/models/eval/mobilefacenet.onnx"

# One TSV row per evaluation: kind pair portrait, then the video's and the original's measures.
rows="$out/rows.tsv"
: > "$rows"
measure() { # kind pair portrait json
  jq -r --arg k "$1" --arg p "$2" --arg f "$3" '.truth as $t | [$k, $p, $f,
      ($t.video | .openingAtLag0, .openingBestLag, .openingVelocity, .width, .rounding, .lmdDyn, .amplitude),
      ($t.original | .openingAtLag0, .openingBestLag, .openingVelocity, .width, .rounding, .lmdDyn, .amplitude)]
    | map(if type == "number" then (. * 1000 | round / 1000) else . end) | @tsv' "$4" >> "$rows"
}
for a in "${clips[@]}"; do
  ffmpeg -nostdin -y -loglevel error -i "$data/video/grid_$a.mpg" -vn -ac 1 -ar 16000 "$out/$a.wav"
done
for portrait in "${portraits[@]}"; do
  p="$(basename "${portrait%.*}")"
  for b in "${clips[@]}"; do
    for a in "${clips[@]}" self; do
      [ "$a" = "$b" ] && continue
      name="${b}_by_${a}_$p"
      rm -rf "$out/work-$name"
      if [ "$a" = self ]; then
        "$SWAPTALK" dub --engine geometric --face "$portrait" --video "$data/video/grid_$b.mpg" --models "$models" \
          --out "$out/$name.mp4" --work "$out/work-$name" --no-preview >/dev/null 2>"$out/$name.dub.log"
        "$SWAPTALK" eval --video "$out/$name.mp4" --portrait "$portrait" --original "$data/video/grid_$b.mpg" \
          --truth "$data/video/grid_$b.mpg" --models "$models" --out "$out" --json > "$out/$name.json"
        measure self "$b" "$p" "$out/$name.json"
      else
        "$SWAPTALK" dub --engine geometric --face "$portrait" --video "$data/video/grid_$b.mpg" --audio "$out/$a.wav" --models "$models" \
          --out "$out/$name.mp4" --work "$out/work-$name" --no-preview >/dev/null 2>"$out/$name.dub.log"
        "$SWAPTALK" eval --video "$out/$name.mp4" --portrait "$portrait" --original "$data/video/grid_$b.mpg" --audio "$out/$a.wav" \
          --truth "$data/video/grid_$a.mpg" --models "$models" --out "$out" --json > "$out/$name.json"
        measure cross "$b<-$a" "$p" "$out/$name.json"
      fi
      rm -rf "$out/work-$name"
    done
  done
done

header="kind\tB<-A\tportrait\tr0\tlag\tvel_r\twidth_r\tround_r\tLMDdyn\tamp\t|floor: r0\tlag\tvel_r\twidth_r\tround_r\tLMDdyn\tamp"
{ echo -e "$header"; sort "$rows"; } | column -t -s $'\t'
echo
awk -F'\t' '
  function add(key, i) { s[key, i] += $i; n[key, i]++ }
  { for (i = 4; i <= 17; i++) add($1, i); amp[$1 "\t" $3] += $10; na[$1 "\t" $3]++ }
  END {
    split("cross self", kinds, " ")
    for (j = 1; j <= 2; j++) {
      k = kinds[j]; if (!n[k, 4]) continue
      printf "mean %-5s  r0 %.3f  lag %.2f  vel_r %.3f  width_r %.3f  round_r %.3f  LMDdyn %.4f  amp %.3f   | floor r0 %.3f  vel_r %.3f  width_r %.3f  round_r %.3f  LMDdyn %.4f  amp %.3f\n", k,
        s[k,4]/n[k,4], s[k,5]/n[k,5], s[k,6]/n[k,6], s[k,7]/n[k,7], s[k,8]/n[k,8], s[k,9]/n[k,9], s[k,10]/n[k,10],
        s[k,11]/n[k,11], s[k,13]/n[k,13], s[k,14]/n[k,14], s[k,15]/n[k,15], s[k,16]/n[k,16], s[k,17]/n[k,17]
    }
    for (kp in amp) printf "amplitude %s: %.3f\n", kp, amp[kp] / na[kp]
  }' "$rows" | sort
echo "eval-lips: rows in $rows, evaluations and images in $out"
