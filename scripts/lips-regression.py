#!/usr/bin/env python3
# How much the viseme drive says about a real mouth, without rendering (docs/geometric.md, "Target's own viseme
# shapes"): for each GRID clip, its own audio's mouth-drive rows (loudness + 15 viseme probabilities, from a geometric
# dub driven by its own audio) against its own mouth per frame (eval --truth's truthCurves). Ridge regressions fitted on
# clip B's own audio and frames, applied to clip A's audio, correlated with A's real mouth ("own-target"), and fitted
# on the two other clips ("generic, leave one out").
# Inputs, made with the built CLI (DIR as below; one dub and one eval per clip):
#   for c in bbaf2n lbax4n pwij3p; do
#     ffmpeg -i ../shared/data/video/grid_$c.mpg -vn -ac 1 -ar 16000 DIR/$c.wav
#     swaptalk dub --engine geometric --face ../shared/data/faces/astronaut.png --video ../shared/data/video/grid_$c.mpg \
#       --audio DIR/$c.wav --models ../shared/data/models --out DIR/own-$c.mp4 --work DIR/own-$c
#     swaptalk eval --video DIR/own-$c.mp4 --portrait ../shared/data/faces/astronaut.png --original ../shared/data/video/grid_$c.mpg \
#       --audio DIR/$c.wav --truth ../shared/data/video/grid_$c.mpg --models ../shared/data/models --json > DIR/own-$c.json
#   done
# Usage: scripts/lips-regression.py DIR
import math, sys
from lips_common import corr, features, truth_curves

root = sys.argv[1]
names='aa E I O U PP SS TH DD FF kk nn RR CH sil'.split()
data={}
for c in ['bbaf2n','lbax4n','pwij3p']:
    dim,a=features(f'{root}/own-{c}')
    tc=truth_curves(f'{root}/own-{c}.json')
    data[c]=(a,tc['opening'],tc['width'],tc['rounding'])
def feat(a,T,lead=2,half=2):
    w=[1,2,3,2,1]
    out=[]
    for t in range(T):
        own=int(((t+0.5)/25)*50)
        acc=[0.0]*len(a[0]); tot=0
        for k in range(-half,half+1):
            i=own+lead+k; tot+=w[k+half]
            if 0<=i<len(a):
                for d in range(len(acc)): acc[d]+=w[k+half]*a[i][d]
        out.append([x/tot for x in acc])
    return out
import itertools
def solve(A,b):
    n=len(A); M=[row[:]+[b[i]] for i,row in enumerate(A)]
    for i in range(n):
        p=max(range(i,n),key=lambda r:abs(M[r][i])); M[i],M[p]=M[p],M[i]
        for r in range(n):
            if r!=i:
                f=M[r][i]/M[i][i]
                for c in range(i,n+1): M[r][c]-=f*M[i][c]
    return [M[i][n]/M[i][i] for i in range(n)]
def X(F, mode):
    rows=[]
    for f in F:
        L=f[0]; p=f[1:15] # drop sil
        if mode=='loud': x=[L]
        elif mode=='p': x=[L]+p
        elif mode=='pl': x=[L]+[L*q for q in p]
        elif mode=='both': x=[L]+p+[L*q for q in p]
        rows.append(x)
    return rows
def fit(Xs,ys,lam):
    # centre
    d=len(Xs[0]); n=len(Xs)
    mx=[sum(x[i] for x in Xs)/n for i in range(d)]; my=sum(ys)/n
    A=[[sum((x[i]-mx[i])*(x[j]-mx[j]) for x in Xs)+(lam if i==j else 0) for j in range(d)] for i in range(d)]
    b=[sum((x[i]-mx[i])*(y-my) for x,y in zip(Xs,ys)) for i in range(d)]
    w=solve(A,b); return w,mx,my
def pred(m,Xs):
    w,mx,my=m; return [my+sum(wi*(xi-mi) for wi,xi,mi in zip(w,x,mx)) for x in Xs]
clips=list(data)
for lead in [0,1]:
 Fs={c:feat(data[c][0],len(data[c][1]),lead) for c in clips}
 for mode in ['loud','p','pl','both']:
  for lam in [0.3,1,3]:
   res=[]
   for tgt in ['op','wd']:
    k=1 if tgt=='op' else 2
    rs=[]
    for b in clips:      # target B: own audio->own mouth
      Xb=X(Fs[b],mode); yb=data[b][k]
      idx=[i for i,y in enumerate(yb) if y is not None]
      m=fit([Xb[i] for i in idx],[yb[i] for i in idx],lam)
      for a in clips:
        if a==b: continue
        pa=pred(m,X(Fs[a],mode)); rs.append(corr(pa,data[a][k]))
    # generic: pooled on the other two clips, predict a
    gs=[]
    for a in clips:
      Xp=[];yp=[]
      for b in clips:
        if b==a: continue
        Xb=X(Fs[b],mode); yb=data[b][k]
        for i,y in enumerate(yb):
          if y is not None: Xp.append(Xb[i]); yp.append(y)
      m=fit(Xp,yp,lam); gs.append(corr(pred(m,X(Fs[a],mode)),data[a][k]))
    res.append(f"{tgt}: own-target {sum(rs)/len(rs):.3f} generic(loo) {sum(gs)/len(gs):.3f}")
   print(lead,mode,lam,' | '.join(res))
