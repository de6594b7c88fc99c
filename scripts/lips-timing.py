#!/usr/bin/env python3
# Onset-aware and smoothed variants of the opening drive (docs/geometric.md, "Issue 19, fifth round"): the engine's
# opening score column (the 1000-2500 Hz band with the viseme closures, standardised) against each GRID speaker's own
# mouth opening, no rendering, rows read as the engine reads them (the frame's start row): opening r and velocity r for
# the score itself, shifted earlier, with a derivative (lead) term, an onset-only term, asymmetric attack/release
# smoothing and box averages. Inputs: DIR as scripts/lips-width.py takes it.
# Usage: scripts/lips-timing.py DIR
import sys
from lips_common import CLIPS as clips, corr, vel, at, features, truth_curves

root = sys.argv[1]
data = {}
for c in clips:
    dim, rows = features(f'{root}/own-{c}')
    data[c] = (truth_curves(f'{root}/own-{c}.json'), {'score': [r[dim - 1] for r in rows]})
def ev(fn, name):
    rs, vs = [], []
    for c in clips:
        truth, f = data[c]
        d = fn(f)
        idx = [t for t in range(len(truth['opening'])) if truth['opening'][t] is not None]
        x = [at(d, int((t + 0.5) / 25 * 50) - 1) for t in idx]; y = [truth['opening'][t] for t in idx]
        rs.append(corr(x, y)); vs.append(corr(vel(x), vel(y)))
    print(f'{name:<30} r {sum(rs) / 3:.3f} vel {sum(vs) / 3:.3f}  ' + ' '.join(f'{a:.2f}/{b:.2f}' for a, b in zip(rs, vs)))
def asym(x, attack, release):
    y, p = [], x[0]
    for v in x:
        p += (attack if v > p else release) * (v - p); y.append(p)
    return y
print('drive                          opening r, velocity r (mean)  per speaker bbaf2n lbax4n pwij3p')
ev(lambda f: f['score'], 'score (the engine)')
for s in [1, 2]: ev(lambda f, s=s: [at(f['score'], i + s) for i in range(len(f['score']))], f'mouth {s} row(s) ahead of the sound')
for a in [0.25, 0.5]: ev(lambda f, a=a: [f['score'][i] + a * (at(f['score'], i + 2) - at(f['score'], i - 2)) for i in range(len(f['score']))], f'+ {a} x derivative')
for a in [0.25, 0.5]: ev(lambda f, a=a: [f['score'][i] + a * max(0, at(f['score'], i + 2) - f['score'][i]) for i in range(len(f['score']))], f'+ {a} x onset')
for att, rel in [(1, 0.7), (1, 0.5), (0.7, 1)]: ev(lambda f, att=att, rel=rel: asym(f['score'], att, rel), f'attack {att} / release {rel}')
for lo, hi in [(-1, 1), (-1, 0), (-2, 1)]: ev(lambda f, lo=lo, hi=hi: [sum(at(f['score'], i + k) for k in range(lo, hi + 1)) / (hi - lo + 1) for i in range(len(f['score']))], f'box {lo}..{hi} rows')
