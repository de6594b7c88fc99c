#!/usr/bin/env python3
# What a mouth drive can say about a real mouth before any rendering (docs/geometric.md, "What the drive holds"): on
# each GRID clip's own audio and its own mouth per frame, the whole track's loudness (today's drive), the loudness of
# four bands (below 400 Hz, 400-1000 Hz = the first formant, 1000-2500, above 2500; ffmpeg biquads, each twice) and
# the viseme probabilities, as fixed rules (each clip alone) and as ridge regressions fitted leave-one-clip-out
# ("generic") or on the target clip's own audio and mouth and applied to another clip's speech ("own target").
# Inputs: DIR as scripts/lips-regression.py makes it (own-<clip>/ work folders and own-<clip>.json, <clip>.wav).
# Usage: scripts/lips-bands.py DIR
import math, sys
from lips_common import corr, vel, band_loudness, features, truth_curves

root = sys.argv[1]
clips = ['bbaf2n', 'lbax4n', 'pwij3p']
bands = {'lo': 'lowpass=f=400', 'f1': 'highpass=f=400,lowpass=f=1000', 'f2': 'highpass=f=1000,lowpass=f=2500', 'hi': 'highpass=f=2500'}

data = {}
for c in clips:
    dim, rows = features(f'{root}/own-{c}')
    extra = [band_loudness(f'{root}/{c}.wav', f) for f in bands.values()]
    for i, r in enumerate(rows): r += [e[i] if i < len(e) else 0 for e in extra]  # dims 16..19: lo f1 f2 hi
    tc = truth_curves(f'{root}/own-{c}.json')
    data[c] = (rows, tc['opening'], tc['width'])
L, V, B, F1 = [0], list(range(1, 16)), [16, 17, 18, 19], [17]

def row(a, i): return a[i] if 0 <= i < len(a) else [0.0] * len(a[0])
def feats(a, T, spec):  # mean of each listed dimension over rows [k0, k1] about the frame's midpoint row
    out = []
    for t in range(T):
        own = int((t + 0.5) / 25 * 50); x = [1.0]
        for k0, k1, dims in spec:
            x += [sum(row(a, own + k)[d] for k in range(k0, k1 + 1)) / (k1 - k0 + 1) for d in dims]
        out.append(x)
    return out
def solve(A, b):
    n = len(A); M = [r[:] + [b[i]] for i, r in enumerate(A)]
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(M[r][i])); M[i], M[p] = M[p], M[i]
        for r in range(n):
            if r != i and M[i][i] != 0:
                f = M[r][i] / M[i][i]
                for c in range(i, n + 1): M[r][c] -= f * M[i][c]
    return [M[i][n] / M[i][i] if M[i][i] else 0 for i in range(n)]
def ridge(X, y, lam):
    d = len(X[0])
    A = [[sum(x[i] * x[j] for x in X) + (lam if i == j and i > 0 else 0) for j in range(d)] for i in range(d)]
    return solve(A, [sum(x[i] * v for x, v in zip(X, y)) for i in range(d)])
def z(y):
    m = sum(y) / len(y); s = math.sqrt(sum((v - m) ** 2 for v in y) / len(y)); return [(v - m) / s for v in y]
def report(name, rs, vs): print(f'{name:44s} r {sum(rs)/len(rs):.3f}  velocity r {sum(vs)/len(vs):.3f}   ' + ' '.join(f'{r:.2f}' for r in rs))
def generic(spec, lam, target, name):
    F = {c: feats(data[c][0], len(data[c][1]), spec) for c in clips}; rs = []; vs = []
    for test in clips:
        X = []; y = []
        for c in clips:
            if c != test: X += F[c]; y += z(data[c][target])
        w = ridge(X, y, lam); pred = [sum(p * q for p, q in zip(w, x)) for x in F[test]]
        rs.append(corr(pred, data[test][target])); vs.append(corr(vel(pred), vel(data[test][target])))
    report(name, rs, vs)
def own_target(spec, lam, target, name):
    F = {c: feats(data[c][0], len(data[c][1]), spec) for c in clips}; rs = []; vs = []
    for b in clips:
        w = ridge(F[b], z(data[b][target]), lam)
        for a in clips:
            if a != b:
                pred = [sum(p * q for p, q in zip(w, x)) for x in F[a]]
                rs.append(corr(pred, data[a][target])); vs.append(corr(vel(pred), vel(data[a][target])))
    report(name, rs, vs)

print('opening, one fixed feature per clip (rows -3..1 about the frame: the drive\'s timing)')
generic([(-3, 1, L)], 1, 1, 'whole-track loudness')
generic([(-3, 1, F1)], 1, 1, 'first-formant band (400-1000 Hz) loudness')
print('opening, ridge generic (leave one clip out), lambda 10')
generic([(-3, 1, L + V)], 10, 1, 'loudness + visemes')
generic([(-3, 1, L + B)], 10, 1, 'loudness + 4 bands')
generic([(-3, 1, L + B), (-3, 1, V)], 10, 1, 'loudness + 4 bands + visemes')
print('opening, ridge on the target\'s own 3 s (6 ordered pairs), lambda 10')
own_target([(-3, 1, L + V)], 10, 1, 'own target: loudness + visemes')
own_target([(-3, 1, L + B)], 10, 1, 'own target: loudness + 4 bands')
print('width')
generic([(-3, 1, L + B)], 1, 2, 'generic: loudness + 4 bands (lambda 1)')
own_target([(-3, 1, L + B), (-3, 1, V)], 10, 2, 'own target: loudness + bands + visemes')
