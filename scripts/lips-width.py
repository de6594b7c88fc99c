#!/usr/bin/env python3
# Which width drive follows a real mouth's width (docs/geometric.md, "Issue 19, fifth round"): on each GRID clip's own
# audio against its own mouth (the truth curves of `swaptalk eval --truth`), no rendering, rows read as the engine reads
# them. Candidates: the engine's rule (the viseme map's width change, blended 1-2-3-2-1, minus the jaw's narrowing), the
# spectral tilt of voiced rows (loudness of HI over LO Hz, ffmpeg biquads twice as `Mouth/FormantBand`), and blends of
# the two standardised. Prints r per speaker and the mean; equal weights, none fitted, so no speaker's mouth sets them.
# Inputs: DIR with c.wav, own-c.json and own-c/ (work of a dub of c by its own audio) for c in bbaf2n lbax4n pwij3p, as
# scripts/lips-regression.py's header makes them.
# Usage: scripts/lips-width.py DIR
import math, sys
from lips_common import CLIPS as clips, corr, blend, standardise as std, band_db as db, features, truth_curves

root = sys.argv[1]
SPREAD = [0.0, 0.05, 0.08, -0.12, -0.16, -0.02, 0.06, 0.03, 0.02, 0.0, 0.02, 0.02, -0.08, -0.10, 0.0]  # GenericShapes' Spread

def band(lo, hi): return f'highpass=f={lo},lowpass=f={hi},highpass=f={lo},lowpass=f={hi}'

data = {}
for c in clips:
    truth = truth_curves(f'{root}/own-{c}.json')
    dim, rows = features(f'{root}/own-{c}')
    count = len(rows)
    wav = f'{root}/{c}.wav'
    feats = {'loud': [r[0] for r in rows], 'score': [r[dim - 1] for r in rows],
             'vis': [sum(SPREAD[v] * r[1 + v] for v in range(15)) for r in rows],
             'sil': [r[15] for r in rows]}
    for lo, hi in [(500, 1200), (1800, 3200), (300, 900), (1500, 3000), (2000, 4000), (1000, 2500)]:
        feats[f'{lo}-{hi}'] = db(wav, band(lo, hi))[:count]
    data[c] = (truth, feats)

def frames(truth, drive, lead=-1):
    idx = [t for t in range(len(truth['width'])) if truth['width'][t] is not None]
    return [drive[min(len(drive) - 1, max(0, int((t + 0.5) / 25 * 50) + lead))] for t in idx], [truth['width'][t] for t in idx], \
           [truth['opening'][t] for t in idx]

def drives(f, voiced_at=0.15, lo='500-1200', hi='1800-3200'):
    loud = f['loud']
    tilt = [h - l for h, l in zip(f[hi], f[lo])]
    voiced = [v > voiced_at for v in loud]
    vt = [t for t, v in zip(tilt, voiced) if v]
    m = sum(vt) / len(vt); s = math.sqrt(sum((t - m) ** 2 for t in vt) / len(vt))
    tz = blend([(t - m) / s if v else 0.0 for t, v in zip(tilt, voiced)])
    sc = f['score']; lo_s = min(sc); hi_s = max(sc)
    full = blend([min(1, max(0, (x - lo_s) / (hi_s - lo_s))) for x in sc], -0)  # score is already blended; engine uses it unblended
    full = [min(1, max(0, (x - lo_s) / (hi_s - lo_s))) for x in sc]
    vis = blend(f['vis'], 1)
    rule = [v - 0.10 * u for v, u in zip(vis, full)]
    return {'rule (engine before)': rule, 'visemes only': vis, 'jaw only (-full)': [-u for u in full], 'tilt': tz,
            'z(rule)+z(tilt)': [a + b for a, b in zip(std(rule), tz)],
            'z(rule)+0.5z(tilt)': [a + 0.5 * b for a, b in zip(std(rule), tz)],
            'z(vis)+z(tilt)-z(full) (now)': [a + b - c for a, b, c in zip(std(vis), tz, std(full))],
            'z(vis)+z(tilt)': [a + b for a, b in zip(std(vis), tz)],
            'tilt-z(full)': [b - c for b, c in zip(tz, std(full))]}

def report(title, **kw):
    res = {}
    for c in clips:
        truth, f = data[c]
        for k, d in drives(f, **kw).items():
            x, y, _ = frames(truth, d)
            res.setdefault(k, []).append(corr(x, y))
    print(title)
    for k, v in res.items(): print(f'  {k:<26} {sum(v) / 3:6.3f}   ' + ' '.join(f'{a:6.3f}' for a in v))

report('width r (mean, bbaf2n lbax4n pwij3p): tilt 1800-3200 over 500-1200, voiced above 0.15 (the engine: z(vis)+z(tilt)-z(full))')
report('tilt 1500-3000 over 300-900', lo='300-900', hi='1500-3000')
report('tilt 2000-4000 over 500-1200', hi='2000-4000')
report('tilt 1000-2500 over 300-900', lo='300-900', hi='1000-2500')
report('voiced at 0.25', voiced_at=0.25)
report('voiced at 0.4', voiced_at=0.4)
