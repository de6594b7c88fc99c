#!/usr/bin/python3
"""OpenCV reference for `swaptalk-bench tracking`.

The same frames (raw BGR, written by the bench) through the same two models, the common way: OpenCV's
DNN module (python3-opencv 4.6), one frame at a time. Per frame: the frame letterboxed into YuNet's fixed
640x640 input (OpenCV 4.6 cannot load the dynamic export), blobFromImage, forward, the best-scoring
anchor decoded (the clips hold one face); then the landmarker on that face's box enlarged by 0.2,
resized to 160x160, (x - 127) / 127. Prints one JSON object: the median round's time per frame, the
detection and landmark parts, and every frame's landmarks (so the bench can check the two sides agree).
"""
import argparse
import json
import time

import cv2
import numpy as np

OUTPUTS = [f"{k}_{s}" for k in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)]


def detect(net, frame, size=640):
    h, w = frame.shape[:2]
    scale = min(size / w, size / h)
    sw, sh = int(round(w * scale)), int(round(h * scale))
    canvas = np.zeros((size, size, 3), np.uint8)
    canvas[:sh, :sw] = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    net.setInput(cv2.dnn.blobFromImage(canvas))
    out = dict(zip(OUTPUTS, net.forward(OUTPUTS)))
    best = None
    for s in (8, 16, 32):
        cols = size // s
        score = np.clip(out[f"cls_{s}"][0, :, 0], 0, 1) * np.clip(out[f"obj_{s}"][0, :, 0], 0, 1)
        a = int(np.argmax(score))
        if best is None or score[a] > best[0]:
            b = out[f"bbox_{s}"][0, a]
            cx, cy = b[0] * s + (a % cols) * s, b[1] * s + (a // cols) * s
            bw, bh = np.exp(b[2]) * s, np.exp(b[3]) * s
            best = (float(score[a]), ((cx - bw / 2) * w / sw, (cy - bh / 2) * h / sh, bw * w / sw, bh * h / sh))
    return best


def landmarks(net, frame, box):
    h, w = frame.shape[:2]
    x, y, bw, bh = box
    x0, y0 = int(np.floor(x - 0.2 * bw)), int(np.floor(y - 0.2 * bh))
    x1, y1 = int(np.ceil(x + 1.2 * bw)), int(np.ceil(y + 1.2 * bh))
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    crop = frame[y0:y1, x0:x1]
    net.setInput(cv2.dnn.blobFromImage(crop, 1 / 127.0, (160, 160), (127, 127, 127), swapRB=False))
    v = net.forward()[0, :136].reshape(68, 2)
    return np.stack([x0 + v[:, 0] * (x1 - x0), y0 + v[:, 1] * (y1 - y0)], axis=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--frames", required=True)
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--height", type=int, required=True)
    p.add_argument("--detector", required=True)
    p.add_argument("--landmarker", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    cv2.setNumThreads(a.threads)
    data = np.fromfile(a.frames, dtype=np.uint8)
    frames = data.reshape(-1, a.height, a.width, 3)
    det = cv2.dnn.readNetFromONNX(a.detector)
    lm = cv2.dnn.readNetFromONNX(a.landmarker)
    for f in frames[:3]:  # warm-up
        found = detect(det, f)
        landmarks(lm, f, found[1])
    rounds = []
    points = []
    for _ in range(a.rounds):
        t_det = t_lm = 0.0
        faces = 0
        points = []
        started = time.perf_counter()
        for f in frames:
            t0 = time.perf_counter()
            found = detect(det, f)
            t1 = time.perf_counter()
            t_det += t1 - t0
            if found is not None and found[0] >= 0.6:
                pts = landmarks(lm, f, found[1])
                t_lm += time.perf_counter() - t1
                faces += 1
                points.append(pts.tolist())
            else:
                points.append(None)
        total = time.perf_counter() - started
        rounds.append((total, t_det, t_lm, faces))
    rounds.sort()
    total, t_det, t_lm, faces = rounds[len(rounds) // 2]
    n = len(frames)
    print(json.dumps({
        "opencv": cv2.__version__,
        "frames": n,
        "ms_per_frame": total * 1000 / n,
        "detect_ms_per_frame": t_det * 1000 / n,
        "landmarks_ms_per_face": t_lm * 1000 / max(faces, 1),
        "faces": faces,
        "points": points,
    }))


if __name__ == "__main__":
    main()
