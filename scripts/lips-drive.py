#!/usr/bin/env python3
# Which band's loudness should drive the cross-driven mouth (docs/geometric.md, "Issue 19, fourth round"): on each GRID
# clip's own audio against its own mouth (the truth curves of `swaptalk eval --truth`), no rendering, rows read as the
# engine reads them (1-2-3-2-1 about the frame's start row, times the generic viseme map's opening factor of the
# sound one row later): opening r and velocity r for the whole-track loudness and a few bands (ffmpeg biquads, each
# twice, as `Mouth/FormantBand` does in the engine).
# Inputs: DIR as scripts/eval-lips.sh writes it with the astronaut among the portraits (A.wav, B_by_A_astronaut.json
# and work-B_by_A_astronaut/ with the job's audio-features.bin).
# Usage: scripts/lips-drive.py DIR
import sys
from lips_common import corr, vel, at, blend, band_loudness, features, truth_curves

root = sys.argv[1]
G = [1.15, 1.0, 0.85, 1.05, 0.75, 0.30, 0.60, 0.75, 0.85, 0.40, 0.95, 0.75, 0.85, 0.70, 0.0]  # MouthStyle.GenericShapes' Open
bands = {'f1 400-1000': 'highpass=f=400,lowpass=f=1000', 'mid 700-2000': 'highpass=f=700,lowpass=f=2000',
         'f2 1000-2500': 'highpass=f=1000,lowpass=f=2500', 'lo <400': 'lowpass=f=400', 'hi >2500': 'highpass=f=2500'}

results = {}
for a_clip, b_clip in [('bbaf2n', 'lbax4n'), ('lbax4n', 'pwij3p'), ('pwij3p', 'bbaf2n')]:
    name = f'{b_clip}_by_{a_clip}_astronaut'
    truth = truth_curves(f'{root}/{name}.json')['opening']
    dim, rows = features(f'{root}/work-{name}')
    factor = [sum(G[v] * r[1 + v] for v in range(15)) for r in rows]
    shape = blend(factor, 1)
    drives = {'whole-track loudness': [r[0] for r in rows]}
    drives.update({k: band_loudness(f'{root}/{a_clip}.wav', f) for k, f in bands.items()})
    drives['f1 + f2 + hi'] = [x + y + z for x, y, z in zip(drives['f1 400-1000'], drives['f2 1000-2500'], drives['hi >2500'])]
    frames = len([t for t in truth if t is not None])
    for k, d in drives.items():
        x = [a * b for a, b in zip(blend(d, 0), shape)]
        f = [at(x, int((t + 0.5) / 25 * 50) - 1) for t in range(len(truth)) if truth[t] is not None]
        y = [t for t in truth if t is not None]
        results.setdefault(k, []).append((corr(f, y), corr(vel(f), vel(y))))
print('drive (x viseme factor)   opening r  velocity r  per speaker (opening r / velocity r: bbaf2n lbax4n pwij3p)')
for k, v in results.items():
    print(f'{k:<25} {sum(a for a, _ in v) / 3:9.3f} {sum(b for _, b in v) / 3:11.3f}  ' + ' '.join(f'{a:.2f}/{b:.2f}' for a, b in v))
